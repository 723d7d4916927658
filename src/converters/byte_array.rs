//! ByteArrayConverter (Java's `org.apache.kafka.connect.converters.ByteArrayConverter`):
//! bytes pass through untouched. `from_connect` hands back the same
//! `Bytes` (a reference-count increment, no copy): the zero-copy path.

use std::collections::HashMap;

use bytes::Bytes;

use crate::api::converter::{Converter, SchemaAndValue};
use crate::api::data::{Schema, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};

#[derive(Debug, Default, Clone)]
pub struct ByteArrayConverter;

impl ByteArrayConverter {
    pub fn new() -> ByteArrayConverter {
        ByteArrayConverter
    }
}

impl Converter for ByteArrayConverter {
    fn configure(
        &mut self,
        _configs: &HashMap<String, String>,
        _is_key: bool,
    ) -> ConnectResult<()> {
        Ok(())
    }

    fn from_connect(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>> {
        if let Some(schema) = schema {
            if schema.type_() != Type::Bytes {
                return Err(ConnectError::data(format!(
                    "Invalid schema type for ByteArrayConverter: {} (topic {topic})",
                    schema.type_()
                )));
            }
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(ConnectError::data(format!(
                "ByteArrayConverter is not compatible with objects of type {} (topic {topic})",
                other.java_class()
            ))),
        }
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue> {
        Ok(SchemaAndValue {
            schema: Some(Schema::optional_bytes()),
            value: match bytes {
                Some(b) => Value::Bytes(b.clone()),
                None => Value::Null,
            },
        })
    }
}

header_converter_via_converter!(ByteArrayConverter, |this, configs| {
    let _ = (this, configs);
    Ok(())
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_bytes_through_without_copying() {
        let c = ByteArrayConverter::new();
        let data = Bytes::from_static(b"\x00\x01hello");
        let out = c
            .from_connect("t", Some(&Schema::bytes()), &Value::Bytes(data.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(out.as_ptr(), data.as_ptr());
        let back = c.to_connect("t", Some(&out)).unwrap();
        assert_eq!(back.schema, Some(Schema::optional_bytes()));
        match back.value {
            Value::Bytes(b) => assert_eq!(b.as_ptr(), data.as_ptr()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nulls_and_errors() {
        let c = ByteArrayConverter::new();
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
        let back = c.to_connect("t", None).unwrap();
        assert_eq!(back.value, Value::Null);
        assert!(c
            .from_connect("t", Some(&Schema::string()), &Value::Null)
            .is_err());
        let e = c.from_connect("t", None, &Value::from("x")).unwrap_err();
        assert!(e.message.contains("class java.lang.String"), "{e}");
    }
}
