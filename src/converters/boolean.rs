//! BooleanConverter (Java's `org.apache.kafka.connect.converters.BooleanConverter`,
//! over Kafka's `BooleanSerializer`): one byte, 1 for true and 0 for false.

use std::collections::HashMap;

use bytes::Bytes;

use crate::api::converter::{Converter, SchemaAndValue};
use crate::api::data::{Schema, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};

#[derive(Debug, Default, Clone)]
pub struct BooleanConverter;

impl BooleanConverter {
    pub fn new() -> BooleanConverter {
        BooleanConverter
    }
}

impl Converter for BooleanConverter {
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
            if schema.type_() != Type::Boolean {
                return Err(ConnectError::data(format!(
                    "Invalid schema type for BooleanConverter: {} (topic {topic})",
                    schema.type_()
                )));
            }
        }
        match value {
            Value::Null => Ok(None),
            Value::Boolean(true) => Ok(Some(Bytes::from_static(&[1]))),
            Value::Boolean(false) => Ok(Some(Bytes::from_static(&[0]))),
            other => Err(ConnectError::data(format!(
                "BooleanConverter is not compatible with objects of type {} (topic {topic})",
                other.java_class()
            ))),
        }
    }

    fn to_connect(&self, topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue> {
        let value = match bytes.map(|b| &b[..]) {
            None => Value::Null,
            Some([1]) => Value::Boolean(true),
            Some([0]) => Value::Boolean(false),
            Some([other]) => {
                return Err(ConnectError::data(format!(
                    "Failed to deserialize boolean for topic {topic}: Unexpected byte received by BooleanDeserializer: {}",
                    *other as i8
                )))
            }
            Some(_) => {
                return Err(ConnectError::data(format!(
                    "Failed to deserialize boolean for topic {topic}: Size of data received by BooleanDeserializer is not 1"
                )))
            }
        };
        Ok(SchemaAndValue {
            schema: Some(Schema::optional_boolean()),
            value,
        })
    }
}

header_converter_via_converter!(BooleanConverter, |this, configs| {
    let _ = (this, configs);
    Ok(())
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte() {
        let c = BooleanConverter::new();
        for v in [true, false] {
            let b = c
                .from_connect("t", Some(&Schema::boolean()), &Value::Boolean(v))
                .unwrap()
                .unwrap();
            assert_eq!(&b[..], &[v as u8]);
            let back = c.to_connect("t", Some(&b)).unwrap();
            assert_eq!(back.value, Value::Boolean(v));
            assert_eq!(back.schema, Some(Schema::optional_boolean()));
        }
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
        assert_eq!(c.to_connect("t", None).unwrap().value, Value::Null);
        assert!(c.to_connect("t", Some(&Bytes::from_static(&[2]))).is_err());
        assert!(c.to_connect("t", Some(&Bytes::from_static(&[]))).is_err());
        assert!(c
            .from_connect("t", Some(&Schema::int8()), &Value::Boolean(true))
            .is_err());
        assert!(c.from_connect("t", None, &Value::Int8(1)).is_err());
    }
}
