//! `org.apache.kafka.connect.transforms.InsertHeader`: adds the header
//! `header` to every record, its value `value.literal` read as Java's
//! `Values.parseString` reads it (so `1` is an INT8, `true` a BOOLEAN,
//! `[1,2]` an array, anything else a STRING). Existing headers with the
//! same key stay; the new one comes last.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::data::values::parse_string;
use crate::api::data::{Schema, Value};
use crate::api::error::ConnectResult;
use crate::api::record::ConnectHeader;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util_props::SimpleConfig;

pub const OVERVIEW_DOC: &str = "Add a header to each record.";
pub const HEADER_FIELD: &str = "header";
pub const VALUE_LITERAL_FIELD: &str = "value.literal";

/// Adds one header with a literal value.
#[derive(Debug)]
pub struct InsertHeader {
    header: String,
    schema: Option<Schema>,
    value: Value,
}

impl Default for InsertHeader {
    fn default() -> InsertHeader {
        InsertHeader {
            header: String::new(),
            schema: None,
            value: Value::Null,
        }
    }
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                HEADER_FIELD,
                Type::String,
                Importance::High,
                "The name of the header.",
            )
            .with_validator(Validator::NonNull),
        )
        .define(
            ConfigKey::new(
                VALUE_LITERAL_FIELD,
                Type::String,
                Importance::High,
                "The literal value that is to be set as the header value on all records.",
            )
            .with_validator(Validator::NonNull),
        )
}

impl<R: ConnectRecord> Transformation<R> for InsertHeader {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.header = config.string(HEADER_FIELD).unwrap_or_default();
        let literal = parse_string(&config.string(VALUE_LITERAL_FIELD).unwrap_or_default());
        self.schema = literal.schema;
        self.value = literal.value;
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        record.headers_mut().push(ConnectHeader {
            key: self.header.clone(),
            schema: self.schema.clone(),
            value: self.value.clone(),
        });
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SourceRecord;

    fn header(key: &str, schema: Schema, value: Value) -> ConnectHeader {
        ConnectHeader {
            key: key.to_string(),
            schema: Some(schema),
            value,
        }
    }

    fn record(headers: Vec<ConnectHeader>) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "topic",
            None,
            Value::from("value"),
        );
        r.kafka_partition = Some(0);
        r.key = Value::from("key");
        r.timestamp = Some(0);
        r.headers = headers;
        r
    }

    fn xform(pairs: &[(&str, &str)]) -> ConnectResult<InsertHeader> {
        let mut x = InsertHeader::default();
        let props: Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Transformation::<SourceRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    #[test]
    fn inserts_after_other_headers() {
        let x = xform(&[("header", "inserted"), ("value.literal", "inserted-value")]).unwrap();
        let existing = header("existing", Schema::string(), Value::from("existing-value"));
        let original = record(vec![existing.clone()]);
        let out = x.apply(original.clone()).unwrap().unwrap();
        assert_eq!(
            out.headers,
            vec![
                existing,
                header("inserted", Schema::string(), Value::from("inserted-value"))
            ]
        );
        assert_eq!(out.key, original.key);
        assert_eq!(out.value, original.value);
        assert_eq!(out.topic, original.topic);
        assert_eq!(out.timestamp, original.timestamp);
    }

    #[test]
    fn keeps_an_existing_header_of_the_same_name() {
        let x = xform(&[("header", "existing"), ("value.literal", "inserted-value")]).unwrap();
        let existing = header(
            "existing",
            Schema::string(),
            Value::from("preexisting-value"),
        );
        let out = x.apply(record(vec![existing.clone()])).unwrap().unwrap();
        assert_eq!(
            out.headers,
            vec![
                existing,
                header("existing", Schema::string(), Value::from("inserted-value"))
            ]
        );
    }

    #[test]
    fn literal_is_parsed_like_values_parse_string() {
        let x = xform(&[("header", "inserted"), ("value.literal", "1")]).unwrap();
        let out = x.apply(record(vec![])).unwrap().unwrap();
        assert_eq!(
            out.headers,
            vec![header("inserted", Schema::int8(), Value::Int8(1))]
        );
        let x = xform(&[("header", "b"), ("value.literal", "true")]).unwrap();
        let out = x.apply(record(vec![])).unwrap().unwrap();
        assert_eq!(out.headers[0].value, Value::Boolean(true));
        assert_eq!(out.headers[0].schema, Some(Schema::boolean()));
    }

    /// What Kafka 4.3.1's InsertHeader added for these literals (value and
    /// schema type, from running it).
    #[test]
    fn literals_as_kafka_reads_them() {
        use crate::api::data::Type;
        let cases: &[(&str, Value, Option<Type>)] = &[
            ("1", Value::Int8(1), Some(Type::Int8)),
            ("true", Value::Boolean(true), Some(Type::Boolean)),
            (
                "[1,2]",
                Value::Array(vec![Value::Int8(1), Value::Int8(2)]),
                Some(Type::Array),
            ),
            (
                "{\"a\":1}",
                Value::Map(vec![(Value::from("a"), Value::Int8(1))]),
                Some(Type::Map),
            ),
            ("3.5", Value::Float32(3.5), Some(Type::Float32)),
            ("2017-03-15", Value::Date(17240), Some(Type::Int32)),
            (
                "hello world",
                Value::from("hello world"),
                Some(Type::String),
            ),
            ("null", Value::Null, None),
            ("300", Value::Int16(300), Some(Type::Int16)),
            ("1e3", Value::Int16(1000), Some(Type::Int16)),
        ];
        for (literal, value, type_) in cases {
            let x = xform(&[("header", "h"), ("value.literal", literal)]).unwrap();
            let out = x.apply(record(vec![])).unwrap().unwrap();
            assert_eq!(&out.headers[0].value, value, "{literal}");
            assert_eq!(
                out.headers[0].schema.as_ref().map(Schema::type_),
                *type_,
                "{literal}"
            );
        }
    }

    #[test]
    fn both_settings_are_required() {
        let e = xform(&[("value.literal", "1")]).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"header\" which has no default value."
        );
        let e = xform(&[("header", "h")]).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"value.literal\" which has no default value."
        );
    }
}
