//! SimpleHeaderConverter (Java's `org.apache.kafka.connect.storage.SimpleHeaderConverter`),
//! the default `header.converter`: header values as the UTF-8 text of
//! `Values.convertToString`, read back with `Values.parseString`, which
//! infers the schema (`42` is INT8, `true` BOOLEAN, `[1,2]` an array,
//! `2021-03-04` a Date, anything else a string).

use std::collections::HashMap;

use bytes::Bytes;

use crate::api::converter::{HeaderConverter, SchemaAndValue};
use crate::api::data::values::{convert_to_string, parse_string};
use crate::api::data::{Schema, Value};
use crate::api::error::ConnectResult;

#[derive(Debug, Default, Clone)]
pub struct SimpleHeaderConverter;

impl SimpleHeaderConverter {
    pub fn new() -> SimpleHeaderConverter {
        SimpleHeaderConverter
    }
}

impl HeaderConverter for SimpleHeaderConverter {
    fn configure(&mut self, _configs: &HashMap<String, String>) -> ConnectResult<()> {
        Ok(())
    }

    fn from_connect_header(
        &self,
        _topic: &str,
        _header_key: &str,
        _schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>> {
        Ok(convert_to_string(value).map(Bytes::from))
    }

    fn to_connect_header(
        &self,
        _topic: &str,
        _header_key: &str,
        bytes: Option<&Bytes>,
    ) -> ConnectResult<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue {
                schema: None,
                value: Value::Null,
            });
        };
        Ok(parse_string(&String::from_utf8_lossy(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{SchemaBuilder, Struct, Type};

    fn read(text: &str) -> SchemaAndValue {
        SimpleHeaderConverter::new()
            .to_connect_header("t", "h", Some(&Bytes::copy_from_slice(text.as_bytes())))
            .unwrap()
    }

    fn write(value: &Value) -> Option<String> {
        SimpleHeaderConverter::new()
            .from_connect_header("t", "h", None, value)
            .unwrap()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn reads_with_inferred_schemas() {
        assert_eq!(read("42").value, Value::Int8(42));
        assert_eq!(read("42").schema, Some(Schema::int8()));
        assert_eq!(read("true").value, Value::Boolean(true));
        assert_eq!(read("hello").value, Value::from("hello"));
        assert_eq!(read("hello").schema, Some(Schema::string()));
        assert_eq!(read("null").value, Value::Null);
        assert_eq!(read("null").schema, None);
        let sv = read("[1,2]");
        assert_eq!(sv.value, Value::Array(vec![Value::Int8(1), Value::Int8(2)]));
        let sv = read("{\"a\":\"b\"}");
        assert_eq!(
            sv.schema,
            Some(SchemaBuilder::map(Schema::string(), Schema::string()).build())
        );
        let none = SimpleHeaderConverter::new()
            .to_connect_header("t", "h", None)
            .unwrap();
        assert_eq!(none.value, Value::Null);
    }

    #[test]
    fn writes_java_text() {
        assert_eq!(write(&Value::Null), None);
        assert_eq!(write(&Value::from("x y")).as_deref(), Some("x y"));
        assert_eq!(write(&Value::Int64(-5)).as_deref(), Some("-5"));
        assert_eq!(write(&Value::Float32(0.5)).as_deref(), Some("0.5"));
        let schema = SchemaBuilder::struct_()
            .field("n", SchemaBuilder::new(Type::Int32).build())
            .build();
        let s = Struct::new(schema).put("n", Value::Int32(1)).unwrap();
        assert_eq!(write(&Value::Struct(s)).as_deref(), Some("{\"n\":1}"));
    }

    #[test]
    fn round_trips_simple_values() {
        for v in [
            Value::Int8(-3),
            Value::Int16(1000),
            Value::Int32(100_000),
            Value::Int64(1 << 40),
            Value::Boolean(false),
            Value::from("some text"),
            Value::Array(vec![Value::from("a"), Value::from("b")]),
            Value::Date(18000),
            Value::Timestamp(1_600_000_000_123),
        ] {
            let text = write(&v).unwrap();
            assert_eq!(read(&text).value, v, "{text}");
        }
    }
}
