//! Reading an SMT's settings as Java's `SimpleConfig` does: every declared
//! key parsed and validated by its [`ConfigDef`], the first problem a config
//! error (returned from `configure`, never at the first record), plus the
//! validators of `org.apache.kafka.connect.transforms.util` that the SMTs
//! of this module use (`NonEmptyListValidator`, `RegexValidator`, and
//! Kafka 4.2+'s `ValidList.anyNonDuplicateValues`), Java's
//! `Requirements` checks with their messages, and access to the key or the
//! value of a record for `$Key` / `$Value` SMTs.

use indexmap::IndexMap;

use crate::api::config_def::{ConfigDef, ConfigException, Validator, Value as ConfigValue};
use crate::api::connector::Props;
use crate::api::data::{Schema, Struct, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::{SinkRecord, SourceMap, SourceRecord, TimestampType};
use crate::api::transform::ConnectRecord;

use super::util::Which;
use super::util_regex::JavaRegex;

/// A config problem as the runtime reports it at validate/create time.
pub fn config_error(message: impl Into<String>) -> ConnectError {
    ConnectError::fatal(message)
}

/// The parsed values of one SMT's settings (`SimpleConfig`).
pub struct SimpleConfig {
    values: IndexMap<String, Option<ConfigValue>>,
}

impl SimpleConfig {
    /// Parses and validates `props` against `def`.
    pub fn new(def: &ConfigDef, props: &Props) -> ConnectResult<SimpleConfig> {
        Ok(SimpleConfig {
            values: def.parse(props).map_err(|e| config_error(e.message))?,
        })
    }

    fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.values.get(key).and_then(Option::as_ref)
    }

    /// A STRING key's value; `None` when null.
    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(ConfigValue::as_str)
            .map(str::to_string)
    }

    /// A LIST key's items (empty when null).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(ConfigValue::as_list)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    /// A BOOLEAN key's value (false when null).
    pub fn boolean(&self, key: &str) -> bool {
        self.get(key)
            .and_then(ConfigValue::as_bool)
            .unwrap_or(false)
    }

    /// An INT key's value; `None` when null.
    pub fn int(&self, key: &str) -> Option<i32> {
        self.get(key)
            .and_then(ConfigValue::as_i64)
            .and_then(|v| i32::try_from(v).ok())
    }
}

/// Java's `NonEmptyListValidator`: `Invalid value [] for configuration
/// <name>: Empty list`.
pub fn non_empty_list() -> Validator {
    Validator::custom("non-empty list", |name, value| {
        match value.and_then(ConfigValue::as_list) {
            Some(items) if !items.is_empty() => Ok(()),
            Some(_) => Err(ConfigException::invalid(name, "[]", "Empty list")),
            None => Err(ConfigException::invalid(name, "null", "Empty list")),
        }
    })
}

/// `ConfigDef.ValidList.anyNonDuplicateValues(false, false)` (Kafka 4.2+,
/// KIP-1161): a non-empty list of distinct, non-empty values.
pub fn any_non_duplicate_values() -> Validator {
    Validator::custom("", |name, value| {
        let Some(items) = value.and_then(ConfigValue::as_list) else {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' values must not be null."
            )));
        };
        if items.is_empty() {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' must not be empty. Valid values include: any non-empty value"
            )));
        }
        let distinct: std::collections::HashSet<&String> = items.iter().collect();
        if distinct.len() != items.len() {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' values must not be duplicated."
            )));
        }
        if items.iter().any(String::is_empty) {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' values must not be empty."
            )));
        }
        Ok(())
    })
}

/// Java's `RegexValidator`: the value must compile as a (Java) regular
/// expression: `Invalid value <v> for configuration <name>: Invalid regex: <why>`.
pub fn valid_regex() -> Validator {
    Validator::custom("valid regex", |name, value| {
        let text = value.and_then(ConfigValue::as_str).unwrap_or("null");
        match JavaRegex::new(text) {
            Ok(_) => Ok(()),
            Err(why) => Err(ConfigException::invalid(
                name,
                text,
                &format!("Invalid regex: {why}"),
            )),
        }
    })
}

// --- Requirements ----------------------------------------------------------------

/// Java's `nullSafeClassName`: the class name of the value Java would hold
/// (`java.lang.String`), `null` for null.
pub fn class_name(value: &Value) -> &'static str {
    let class = value.java_class();
    class.strip_prefix("class ").unwrap_or(class)
}

/// `Requirements.requireSchema`.
pub fn require_schema<'a>(schema: Option<&'a Schema>, purpose: &str) -> ConnectResult<&'a Schema> {
    schema.ok_or_else(|| ConnectError::data(format!("Schema required for [{purpose}]")))
}

/// `Requirements.requireStruct`.
pub fn require_struct<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            class_name(other)
        ))),
    }
}

/// `Requirements.requireMap`.
pub fn require_map<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a [(Value, Value)]> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(ConnectError::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            class_name(other)
        ))),
    }
}

// --- the key or the value ------------------------------------------------------------

/// The schema of the part of `record` a `$Key` / `$Value` SMT works on.
pub fn operating_schema<R: ConnectRecord>(record: &R, which: Which) -> Option<&Schema> {
    match which {
        Which::Key => record.key_schema(),
        Which::Value => record.value_schema(),
    }
}

/// The key or the value.
pub fn operating_value<R: ConnectRecord>(record: &R, which: Which) -> &Value {
    match which {
        Which::Key => record.key(),
        Which::Value => record.value(),
    }
}

/// Takes the key or the value out of the record (leaving null).
pub fn take_operating<R: ConnectRecord>(record: &mut R, which: Which) -> (Option<Schema>, Value) {
    match which {
        Which::Key => record.take_key(),
        Which::Value => record.take_value(),
    }
}

/// Sets the key or the value.
pub fn set_operating<R: ConnectRecord>(
    record: &mut R,
    which: Which,
    schema: Option<Schema>,
    value: Value,
) {
    match which {
        Which::Key => record.set_key(schema, value),
        Which::Value => record.set_value(schema, value),
    }
}

/// Java's `toString()` of a source or sink record (`SourceRecord{...}
/// ConnectRecord{...}`), for messages that show the record.
pub fn describe_record<R: ConnectRecord>(record: &R) -> String {
    fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
        v.map_or_else(|| "null".to_string(), |v| v.to_string())
    }
    let headers: Vec<String> = record
        .headers()
        .iter()
        .map(|h| {
            format!(
                "ConnectHeader(key={}, value={}, schema={})",
                h.key,
                h.value,
                opt(h.schema.as_ref())
            )
        })
        .collect();
    let any: &dyn std::any::Any = record;
    let prefix = if let Some(r) = any.downcast_ref::<SourceRecord>() {
        format!(
            "SourceRecord{{sourcePartition={}, sourceOffset={}}} ",
            java_map(&r.source_partition),
            java_map(&r.source_offset)
        )
    } else if let Some(r) = any.downcast_ref::<SinkRecord>() {
        let timestamp_type = match r.timestamp_type {
            TimestampType::NoTimestampType => "NoTimestampType",
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        };
        format!(
            "SinkRecord{{kafkaOffset={}, timestampType={timestamp_type}}} ",
            r.offset
        )
    } else {
        String::new()
    };
    format!(
        "{prefix}ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={}, headers=ConnectHeaders(headers={})}}",
        record.topic(),
        opt(record.kafka_partition()),
        record.key(),
        opt(record.key_schema()),
        record.value(),
        opt(record.value_schema()),
        opt(record.timestamp()),
        if headers.is_empty() { "".to_string() } else { format!("[{}]", headers.join(", ")) },
    )
}

/// A source partition or offset as Java's `Map.toString()` shows it
/// (`{k=v}`, strings unquoted).
fn java_map(map: &SourceMap) -> String {
    fn show(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Object(m) => java_map(m),
            serde_json::Value::Array(items) => {
                format!(
                    "[{}]",
                    items.iter().map(show).collect::<Vec<_>>().join(", ")
                )
            }
            other => other.to_string(),
        }
    }
    let entries: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{k}={}", show(v)))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::config_def::{ConfigKey, Importance, Type};

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn validators_word_errors_like_java() {
        let def = ConfigDef::new()
            .define(
                ConfigKey::new("l", Type::List, Importance::High, "")
                    .with_validator(non_empty_list()),
            )
            .define(
                ConfigKey::new("r", Type::String, Importance::High, "")
                    .with_default("x")
                    .with_validator(valid_regex()),
            );
        let e = SimpleConfig::new(&def, &props(&[("l", "")])).err().unwrap();
        assert_eq!(
            e.message,
            "Invalid value [] for configuration l: Empty list"
        );
        let e = SimpleConfig::new(&def, &props(&[("l", "a"), ("r", "(a")]))
            .err()
            .unwrap();
        assert!(
            e.message
                .starts_with("Invalid value (a for configuration r: Invalid regex: "),
            "{}",
            e.message
        );
        let c = SimpleConfig::new(&def, &props(&[("l", "a, b")])).unwrap();
        assert_eq!(c.list("l"), ["a", "b"]);
        assert_eq!(c.string("r").as_deref(), Some("x"));
        let e = SimpleConfig::new(&def, &props(&[])).err().unwrap();
        assert_eq!(
            e.message,
            "Missing required configuration \"l\" which has no default value."
        );
    }

    /// The SMTs and predicates of this module resolve by Java class name
    /// and by short name, and configure through the registry.
    #[test]
    fn registry_resolves_and_configures() {
        use crate::api::record::SourceRecord;
        use crate::transforms::{predicate_by_class, transformation_by_class};

        let cases: &[(&str, &[(&str, &str)])] = &[
            ("DropHeaders", &[("headers", "a")]),
            ("Filter", &[]),
            (
                "HeaderFrom$Key",
                &[("fields", "a"), ("headers", "b"), ("operation", "copy")],
            ),
            (
                "HeaderFrom$Value",
                &[("fields", "a"), ("headers", "b"), ("operation", "move")],
            ),
            ("InsertHeader", &[("header", "h"), ("value.literal", "v")]),
            ("RegexRouter", &[("regex", "(.*)"), ("replacement", "x-$1")]),
            ("SetSchemaMetadata$Key", &[("schema.name", "n")]),
            ("SetSchemaMetadata$Value", &[("schema.version", "1")]),
            ("TimestampConverter$Key", &[("target.type", "unix")]),
            ("TimestampConverter$Value", &[("target.type", "Date")]),
            ("TimestampRouter", &[]),
        ];
        for (short, pairs) in cases {
            let props = props(pairs);
            for name in [
                short.to_string(),
                format!("org.apache.kafka.connect.transforms.{short}"),
            ] {
                let mut t = transformation_by_class::<SourceRecord>(&name)
                    .unwrap_or_else(|| panic!("{name} not found"));
                t.configure(&props)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!t.config().config_keys().is_empty() || *short == "Filter");
            }
        }
        assert!(transformation_by_class::<SourceRecord>("HeaderFrom").is_none());
        assert!(transformation_by_class::<SourceRecord>("RegexRouter$Key").is_none());

        let tombstone = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        let mut p = predicate_by_class::<SourceRecord>(
            "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        )
        .unwrap();
        p.configure(&Props::new()).unwrap();
        assert!(p.test(&tombstone));
        let mut p = predicate_by_class::<SourceRecord>("TopicNameMatches").unwrap();
        p.configure(&props(&[("pattern", "t")])).unwrap();
        assert!(p.test(&tombstone));
        let mut p = predicate_by_class::<SourceRecord>("HasHeaderKey").unwrap();
        p.configure(&props(&[("name", "h")])).unwrap();
        assert!(!p.test(&tombstone));
    }
}
