//! `org.apache.kafka.connect.transforms.predicates.HasHeaderKey`: true for
//! records with at least one header named `name`.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Predicate};

use crate::transforms::util_props::SimpleConfig;

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records with at least one header with the configured name.";
const NAME_CONFIG: &str = "name";

/// Tests for a header key.
#[derive(Debug, Default)]
pub struct HasHeaderKey {
    name: String,
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            NAME_CONFIG,
            Type::String,
            Importance::Medium,
            "The header name.",
        )
        .with_validator(Validator::NonEmptyString),
    )
}

impl<R: ConnectRecord> Predicate<R> for HasHeaderKey {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.name = config.string(NAME_CONFIG).unwrap_or_default();
        Ok(())
    }

    fn test(&self, record: &R) -> bool {
        record.headers().iter().any(|h| h.key == self.name)
    }
}

impl std::fmt::Display for HasHeaderKey {
    /// Java's `toString()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HasHeaderKey{{name='{}'}}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Value;
    use crate::api::record::{ConnectHeader, SourceRecord};

    fn configured(name: Option<&str>) -> ConnectResult<HasHeaderKey> {
        let mut p = HasHeaderKey::default();
        let props: Props = name
            .map(|v| (NAME_CONFIG.to_string(), v.to_string()))
            .into_iter()
            .collect();
        Predicate::<SourceRecord>::configure(&mut p, &props)?;
        Ok(p)
    }

    fn record(headers: &[&str]) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        r.headers = headers
            .iter()
            .map(|k| ConnectHeader {
                key: k.to_string(),
                schema: None,
                value: Value::Null,
            })
            .collect();
        r
    }

    #[test]
    fn config_errors() {
        let e = configured(None).unwrap_err();
        assert!(e
            .message
            .contains("Missing required configuration \"name\""));
        let e = configured(Some("")).unwrap_err();
        assert!(e.message.contains("String must be non-empty"));
        let values =
            config_def().validate(&Props::from([(NAME_CONFIG.to_string(), String::new())]));
        assert_eq!(
            values[0].errors,
            ["Invalid value  for configuration name: String must be non-empty"]
        );
    }

    #[test]
    fn true_when_a_header_has_the_name() {
        let p = configured(Some("foo")).unwrap();
        assert!(p.test(&record(&["foo"])));
        assert!(p.test(&record(&["foo", "bar"])));
        assert!(p.test(&record(&["bar", "foo", "bar", "foo"])));
        assert!(!p.test(&record(&["bar"])));
        assert!(!p.test(&record(&["bar", "bar"])));
        assert!(!p.test(&record(&[])));
        assert_eq!(p.to_string(), "HasHeaderKey{name='foo'}");
    }
}
