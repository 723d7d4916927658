//! `org.apache.kafka.connect.transforms.predicates.TopicNameMatches`: true
//! for records whose whole topic name matches `pattern` (a Java regular
//! expression; a bad one is a config error).

use crate::api::config_def::{ConfigDef, ConfigException, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Predicate};

use crate::transforms::util_props::{config_error, valid_regex, SimpleConfig};
use crate::transforms::util_regex::JavaRegex;

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records with a topic name that matches the configured regular expression.";
const PATTERN_CONFIG: &str = "pattern";

/// Matches topic names against a regular expression.
#[derive(Debug, Default)]
pub struct TopicNameMatches {
    pattern: Option<JavaRegex>,
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            PATTERN_CONFIG,
            Type::String,
            Importance::Medium,
            "A Java regular expression for matching against the name of a record's topic.",
        )
        .with_validator(Validator::Composite(vec![
            Validator::NonEmptyString,
            valid_regex(),
        ])),
    )
}

impl<R: ConnectRecord> Predicate<R> for TopicNameMatches {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        let value = config.string(PATTERN_CONFIG).unwrap_or_default();
        let pattern = JavaRegex::new(&value).map_err(|why| {
            config_error(
                ConfigException::invalid(
                    PATTERN_CONFIG,
                    &value,
                    &format!("entry must be a Java-compatible regular expression: {why}"),
                )
                .message,
            )
        })?;
        self.pattern = Some(pattern);
        Ok(())
    }

    fn test(&self, record: &R) -> bool {
        self.pattern
            .as_ref()
            .is_some_and(|p| p.matches(record.topic()))
    }
}

impl std::fmt::Display for TopicNameMatches {
    /// Java's `toString()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.pattern {
            Some(p) => write!(f, "TopicNameMatches{{pattern={p}}}"),
            None => f.write_str("TopicNameMatches{pattern=null}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Value;
    use crate::api::record::SourceRecord;

    fn configured(pattern: Option<&str>) -> ConnectResult<TopicNameMatches> {
        let mut p = TopicNameMatches::default();
        let props: Props = pattern
            .map(|v| (PATTERN_CONFIG.to_string(), v.to_string()))
            .into_iter()
            .collect();
        Predicate::<SourceRecord>::configure(&mut p, &props)?;
        Ok(p)
    }

    fn record(topic: &str) -> SourceRecord {
        SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            None,
            Value::Null,
        )
    }

    #[test]
    fn config_errors() {
        let e = configured(None).unwrap_err();
        assert!(e
            .message
            .contains("Missing required configuration \"pattern\""));
        let e = configured(Some("")).unwrap_err();
        assert!(
            e.message.contains("String must be non-empty"),
            "{}",
            e.message
        );
        // As Kafka 4.3.1 words them.
        let e = configured(Some("[")).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value [ for configuration pattern: Invalid regex: Unclosed character class near index 0\n[\n^"
        );
        let values = config_def().validate(&Props::from([(
            PATTERN_CONFIG.to_string(),
            "*".to_string(),
        )]));
        assert_eq!(
            values[0].errors,
            ["Invalid value * for configuration pattern: Invalid regex: Dangling meta character '*' near index 0\n*\n^"]
        );
        let values = config_def().validate(&Props::from([(
            PATTERN_CONFIG.to_string(),
            "my-prefix-.*".to_string(),
        )]));
        assert!(values[0].errors.is_empty());
    }

    #[test]
    fn matches_the_whole_topic() {
        let p = configured(Some("my-prefix-.*")).unwrap();
        assert!(p.test(&record("my-prefix-")));
        assert!(p.test(&record("my-prefix-foo")));
        assert!(!p.test(&record("x-my-prefix-")));
        assert!(!p.test(&record("x-my-prefix-foo")));
        assert!(!p.test(&record("your-prefix-")));
        assert!(!p.test(&record("your-prefix-foo")));
        assert!(!p.test(&record("")));
        assert_eq!(p.to_string(), "TopicNameMatches{pattern=my-prefix-.*}");
    }
}
