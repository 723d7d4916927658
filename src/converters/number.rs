//! The number converters (Java's `org.apache.kafka.connect.converters`
//! `ShortConverter`, `IntegerConverter`, `LongConverter`, `FloatConverter`,
//! `DoubleConverter`, over Kafka's `ShortSerializer`... and deserializers):
//! the value as its big-endian 2, 4 or 8 bytes; floats by their raw IEEE
//! bits. The value must be exactly the converter's type, as in Java.

use std::collections::HashMap;

use bytes::Bytes;

use crate::api::converter::{Converter, SchemaAndValue};
use crate::api::data::{Schema, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};

/// Which number a [`NumberConverter`] handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    Short,
    Integer,
    Long,
    Float,
    Double,
}

impl NumberKind {
    /// Java's type name in messages (`short`, `integer`...).
    fn type_name(self) -> &'static str {
        match self {
            NumberKind::Short => "short",
            NumberKind::Integer => "integer",
            NumberKind::Long => "long",
            NumberKind::Float => "float",
            NumberKind::Double => "double",
        }
    }

    fn size(self) -> usize {
        match self {
            NumberKind::Short => 2,
            NumberKind::Integer | NumberKind::Float => 4,
            NumberKind::Long | NumberKind::Double => 8,
        }
    }

    fn deserializer(self) -> &'static str {
        match self {
            NumberKind::Short => "ShortDeserializer",
            NumberKind::Integer => "IntegerDeserializer",
            NumberKind::Long => "LongDeserializer",
            NumberKind::Float | NumberKind::Double => "Deserializer",
        }
    }

    fn schema(self) -> Schema {
        let t = match self {
            NumberKind::Short => Type::Int16,
            NumberKind::Integer => Type::Int32,
            NumberKind::Long => Type::Int64,
            NumberKind::Float => Type::Float32,
            NumberKind::Double => Type::Float64,
        };
        Schema::of(t, true)
    }
}

/// One of Java's number converters.
#[derive(Debug, Clone)]
pub struct NumberConverter {
    kind: NumberKind,
}

impl NumberConverter {
    pub fn new(kind: NumberKind) -> NumberConverter {
        NumberConverter { kind }
    }
    pub fn short() -> NumberConverter {
        NumberConverter::new(NumberKind::Short)
    }
    pub fn integer() -> NumberConverter {
        NumberConverter::new(NumberKind::Integer)
    }
    pub fn long() -> NumberConverter {
        NumberConverter::new(NumberKind::Long)
    }
    pub fn float() -> NumberConverter {
        NumberConverter::new(NumberKind::Float)
    }
    pub fn double() -> NumberConverter {
        NumberConverter::new(NumberKind::Double)
    }
    pub fn kind(&self) -> NumberKind {
        self.kind
    }
}

impl Converter for NumberConverter {
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
        _schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>> {
        let bytes: Vec<u8> = match (self.kind, value) {
            (_, Value::Null) => return Ok(None),
            (NumberKind::Short, Value::Int16(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Integer, Value::Int32(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Long, Value::Int64(v)) => v.to_be_bytes().to_vec(),
            (NumberKind::Float, Value::Float32(v)) => v.to_bits().to_be_bytes().to_vec(),
            (NumberKind::Double, Value::Float64(v)) => v.to_bits().to_be_bytes().to_vec(),
            (kind, other) => {
                return Err(ConnectError::data(format!(
                    "Failed to serialize to {} (was {}) for topic {topic}",
                    kind.type_name(),
                    other.java_class()
                )))
            }
        };
        Ok(Some(Bytes::from(bytes)))
    }

    fn to_connect(&self, topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue> {
        let schema = Some(self.kind.schema());
        let Some(b) = bytes else {
            return Ok(SchemaAndValue {
                schema,
                value: Value::Null,
            });
        };
        if b.len() != self.kind.size() {
            return Err(ConnectError::data(format!(
                "Failed to deserialize {} for topic {topic}: Size of data received by {} is not {}",
                self.kind.type_name(),
                self.kind.deserializer(),
                self.kind.size()
            )));
        }
        let mut buf = [0u8; 8];
        buf[..b.len()].copy_from_slice(b);
        let value = match self.kind {
            NumberKind::Short => Value::Int16(i16::from_be_bytes([buf[0], buf[1]])),
            NumberKind::Integer => {
                Value::Int32(i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]))
            }
            NumberKind::Long => Value::Int64(i64::from_be_bytes(buf)),
            NumberKind::Float => Value::Float32(f32::from_bits(u32::from_be_bytes([
                buf[0], buf[1], buf[2], buf[3],
            ]))),
            NumberKind::Double => Value::Float64(f64::from_bits(u64::from_be_bytes(buf))),
        };
        Ok(SchemaAndValue { schema, value })
    }
}

header_converter_via_converter!(NumberConverter, |this, configs| {
    let _ = (this, configs);
    Ok(())
});

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(c: &NumberConverter, v: Value) -> Value {
        let b = c.from_connect("t", None, &v).unwrap();
        c.to_connect("t", b.as_ref()).unwrap().value
    }

    #[test]
    fn big_endian_bytes() {
        let b = NumberConverter::short()
            .from_connect("t", None, &Value::Int16(0x0102))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[1, 2]);
        let b = NumberConverter::integer()
            .from_connect("t", None, &Value::Int32(-2))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[0xff, 0xff, 0xff, 0xfe]);
        let b = NumberConverter::double()
            .from_connect("t", None, &Value::Float64(1.0))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        let b = NumberConverter::float()
            .from_connect("t", None, &Value::Float32(1.0))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[0x3f, 0x80, 0, 0]);
    }

    #[test]
    fn schemas_nulls_and_errors() {
        let c = NumberConverter::long();
        let sv = c.to_connect("t", None).unwrap();
        assert_eq!(sv.schema, Some(Schema::optional_int64()));
        assert_eq!(sv.value, Value::Null);
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
        let e = c.from_connect("t", None, &Value::Int32(1)).unwrap_err();
        assert!(e.message.contains("class java.lang.Integer"), "{e}");
        let e = c
            .to_connect("topic-x", Some(&Bytes::from_static(&[1, 2])))
            .unwrap_err();
        assert!(
            e.message.contains("topic-x") && e.message.contains("is not 8"),
            "{e}"
        );
        let nan = round_trip(&NumberConverter::double(), Value::Float64(f64::NAN));
        assert_eq!(nan, Value::Float64(f64::NAN));
    }

    proptest! {
        #[test]
        fn numbers_round_trip(s: i16, i: i32, l: i64, fbits: u32, dbits: u64) {
            prop_assert_eq!(round_trip(&NumberConverter::short(), Value::Int16(s)), Value::Int16(s));
            prop_assert_eq!(round_trip(&NumberConverter::integer(), Value::Int32(i)), Value::Int32(i));
            prop_assert_eq!(round_trip(&NumberConverter::long(), Value::Int64(l)), Value::Int64(l));
            let f = f32::from_bits(fbits);
            match round_trip(&NumberConverter::float(), Value::Float32(f)) {
                Value::Float32(g) => prop_assert_eq!(g.to_bits(), fbits),
                other => prop_assert!(false, "{:?}", other),
            }
            let d = f64::from_bits(dbits);
            match round_trip(&NumberConverter::double(), Value::Float64(d)) {
                Value::Float64(g) => prop_assert_eq!(g.to_bits(), dbits),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
