//! `org.apache.kafka.connect.transforms.RegexRouter`: when the whole topic
//! matches `regex` (Java's `Matcher.matches()`), the topic becomes
//! `Matcher.replaceFirst(replacement)` of it (`$1`, `${name}` refer to
//! groups). Other records pass unchanged.
//!
//! Unlike Java, which finds a bad group reference in `replacement` only
//! when a topic first matches, the replacement is checked against the
//! pattern when the SMT is configured, so that it is a config error.

use crate::api::config_def::{ConfigDef, ConfigException, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util_props::{config_error, valid_regex, SimpleConfig};
use super::util_regex::{JavaRegex, Replacement};

pub const OVERVIEW_DOC: &str = "Update the record topic using the configured regular expression and replacement string.\
<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. \
If the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> is used with the replacement string to obtain the new topic.";
pub const REGEX: &str = "regex";
pub const REPLACEMENT: &str = "replacement";

/// Renames topics by a regular expression.
#[derive(Debug, Default)]
pub struct RegexRouter {
    route: Option<(JavaRegex, Replacement)>,
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                REGEX,
                Type::String,
                Importance::High,
                "Regular expression to use for matching.",
            )
            .with_validator(valid_regex()),
        )
        .define(ConfigKey::new(
            REPLACEMENT,
            Type::String,
            Importance::High,
            "Replacement string.",
        ))
}

impl<R: ConnectRecord> Transformation<R> for RegexRouter {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        let source = config.string(REGEX).unwrap_or_default();
        let regex = JavaRegex::new(&source).map_err(|why| {
            config_error(
                ConfigException::invalid(REGEX, &source, &format!("Invalid regex: {why}")).message,
            )
        })?;
        let text = config.string(REPLACEMENT).unwrap_or_default();
        let replacement = regex.replacement(&text).map_err(|why| {
            config_error(ConfigException::invalid(REPLACEMENT, &text, &why).message)
        })?;
        self.route = Some((regex, replacement));
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if let Some((regex, replacement)) = &self.route {
            if regex.matches(record.topic()) {
                let topic = regex.replace_first(record.topic(), replacement);
                tracing::trace!(from = record.topic(), to = %topic, "Rerouting");
                record.set_topic(topic);
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Value;
    use crate::api::record::{SinkRecord, TimestampType};

    fn router(regex: &str, replacement: &str) -> ConnectResult<RegexRouter> {
        let mut r = RegexRouter::default();
        let props: Props = [
            (REGEX.to_string(), regex.to_string()),
            (REPLACEMENT.to_string(), replacement.to_string()),
        ]
        .into();
        Transformation::<SinkRecord>::configure(&mut r, &props)?;
        Ok(r)
    }

    fn apply(regex: &str, replacement: &str, topic: &str) -> String {
        let record = SinkRecord {
            topic: topic.to_string(),
            partition: 0,
            offset: 0,
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::Null,
            headers: Vec::new(),
        };
        router(regex, replacement)
            .unwrap()
            .apply(record)
            .unwrap()
            .unwrap()
            .topic
    }

    #[test]
    fn routes_like_java() {
        assert_eq!(apply("foo", "bar", "foo"), "bar");
        assert_eq!(apply("foo", "bar", "orig"), "orig");
        assert_eq!(apply("(.*)", "$1", "orig"), "orig");
        assert_eq!(apply("(.*)", "prefix-$1", "orig"), "prefix-orig");
        assert_eq!(apply("(.*)", "$1-suffix", "orig"), "orig-suffix");
        assert_eq!(
            apply(r"(.*)-(\d\d\d\d\d\d\d\d)", "$1", "index-20160117"),
            "index"
        );
        // Only whole-topic matches are rerouted.
        assert_eq!(apply("foo", "bar", "foo-1"), "foo-1");
        assert_eq!(apply("(?<base>.*)\\.v\\d+", "${base}", "db.t.v2"), "db.t");
    }

    #[test]
    fn config_errors() {
        // As Kafka 4.3.1 words it.
        let e = router("(abc", "x").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value (abc for configuration regex: Invalid regex: Unclosed group near index 4\n(abc"
        );
        let e = router("(a)", "$2").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value $2 for configuration replacement: No group 2"
        );
        let mut r = RegexRouter::default();
        let props: Props = [(REGEX.to_string(), "a".to_string())].into();
        let e = Transformation::<SinkRecord>::configure(&mut r, &props).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"replacement\" which has no default value."
        );
    }
}
