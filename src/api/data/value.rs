//! Connect values (what Java represents as boxed objects: `Integer`, `String`,
//! `byte[]`, `List`, `Map`, `Struct`, `BigDecimal`, `java.util.Date`) and
//! structs (Java's `Struct`).
//!
//! Equality follows Java's `equals`: floats compare like `Double.equals`
//! (NaN equals NaN, 0.0 differs from -0.0) and maps compare as maps, in any
//! entry order.

use std::fmt;

use bytes::Bytes;

use super::big_decimal::BigDecimal;
use super::java_format::{double_to_string, float_to_string};
use super::logical::{epoch_millis, java_date_to_string};
use super::schema::{Field, Schema, Type};
use crate::api::error::{ConnectError, ConnectResult};

/// A Connect value. Logical types carry their own variants so that a
/// converter can tell a Decimal from plain bytes without the schema (see
/// [`super::logical`]).
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    Boolean(bool),
    String(String),
    Bytes(Bytes),
    Array(Vec<Value>),
    /// Entries in insertion order (Java's `HashMap` order is not defined).
    /// Keys should be distinct, as in a Java map.
    Map(Vec<(Value, Value)>),
    Struct(Struct),
    /// `Decimal` logical type (Java's `BigDecimal`).
    Decimal(BigDecimal),
    /// `Date` logical type: days since 1970-01-01.
    Date(i32),
    /// `Time` logical type: milliseconds since midnight (0..=86,400,000).
    Time(i32),
    /// `Timestamp` logical type: milliseconds since the epoch.
    Timestamp(i64),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The schema type of this value's representation, when schemaless code
    /// must infer one (Java's `ConnectSchema.schemaType(value.getClass())`).
    /// `None` for null and for logical values, which need a schema.
    pub fn schema_type(&self) -> Option<Type> {
        Some(match self {
            Value::Int8(_) => Type::Int8,
            Value::Int16(_) => Type::Int16,
            Value::Int32(_) => Type::Int32,
            Value::Int64(_) => Type::Int64,
            Value::Float32(_) => Type::Float32,
            Value::Float64(_) => Type::Float64,
            Value::Boolean(_) => Type::Boolean,
            Value::String(_) => Type::String,
            Value::Bytes(_) => Type::Bytes,
            Value::Array(_) => Type::Array,
            Value::Map(_) => Type::Map,
            Value::Struct(_) => Type::Struct,
            Value::Null
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::Timestamp(_) => return None,
        })
    }

    /// The Java class Java Connect would hold for this value, for error
    /// messages that read like Java's (`class java.lang.String`).
    pub fn java_class(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int8(_) => "class java.lang.Byte",
            Value::Int16(_) => "class java.lang.Short",
            Value::Int32(_) => "class java.lang.Integer",
            Value::Int64(_) => "class java.lang.Long",
            Value::Float32(_) => "class java.lang.Float",
            Value::Float64(_) => "class java.lang.Double",
            Value::Boolean(_) => "class java.lang.Boolean",
            Value::String(_) => "class java.lang.String",
            Value::Bytes(_) => "class [B",
            Value::Array(_) => "class java.util.ArrayList",
            Value::Map(_) => "class java.util.HashMap",
            Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
            Value::Decimal(_) => "class java.math.BigDecimal",
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => "class java.util.Date",
        }
    }

    /// Looks up a map entry by key (`Map.get`).
    pub fn map_get<'a>(entries: &'a [(Value, Value)], key: &Value) -> Option<&'a Value> {
        entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Inserts into a map's entries as `Map.put` does: an equal key keeps
    /// its position and takes the new value.
    pub fn map_put(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
}

fn maps_equal(a: &[(Value, Value)], b: &[(Value, Value)]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a == b {
        return true;
    }
    a.iter()
        .all(|(k, v)| Value::map_get(b, k).is_some_and(|bv| bv == v))
        && b.iter()
            .all(|(k, v)| Value::map_get(a, k).is_some_and(|av| av == v))
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Int8(a), Int8(b)) => a == b,
            (Int16(a), Int16(b)) => a == b,
            (Int32(a), Int32(b)) => a == b,
            (Int64(a), Int64(b)) => a == b,
            // Java's Float.equals / Double.equals: by bits, all NaNs alike.
            (Float32(a), Float32(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (Float64(a), Float64(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (Boolean(a), Boolean(b)) => a == b,
            (String(a), String(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => maps_equal(a, b),
            (Struct(a), Struct(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Boolean(b)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int32(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int64(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float64(v)
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Value {
        Value::Bytes(b)
    }
}

impl From<BigDecimal> for Value {
    fn from(d: BigDecimal) -> Value {
        Value::Decimal(d)
    }
}

impl From<Struct> for Value {
    fn from(s: Struct) -> Value {
        Value::Struct(s)
    }
}

impl fmt::Display for Value {
    /// Java's `toString()` of the value (`String.valueOf`): numbers as Java
    /// prints them, lists `[a, b]`, maps `{k=v, k2=v2}`, structs
    /// `Struct{a=1,b=x}`, dates as `java.util.Date` prints them in UTC.
    /// Bytes print as base64 (Java would print an identity hash).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Int8(v) => write!(f, "{v}"),
            Value::Int16(v) => write!(f, "{v}"),
            Value::Int32(v) => write!(f, "{v}"),
            Value::Int64(v) => write!(f, "{v}"),
            Value::Float32(v) => f.write_str(&float_to_string(*v)),
            Value::Float64(v) => f.write_str(&double_to_string(*v)),
            Value::Boolean(v) => write!(f, "{v}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&super::base64::encode(b)),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_str("}")
            }
            Value::Struct(s) => write!(f, "{s}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
                f.write_str(&java_date_to_string(epoch_millis(self).unwrap_or(0)))
            }
        }
    }
}

/// A struct value: a schema and one value per field (Java's `Struct`).
///
/// Setting a field validates the value against the field's schema, as
/// Java's `Struct.put` does.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: Schema,
    values: Vec<Value>,
}

impl Struct {
    /// A struct with every field null. A non-struct schema gives a struct
    /// without fields.
    pub fn new(schema: Schema) -> Struct {
        let values = vec![Value::Null; schema.fields().len()];
        Struct { schema, values }
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    fn lookup(&self, field: &str) -> ConnectResult<&Field> {
        self.schema
            .field(field)
            .ok_or_else(|| ConnectError::data(format!("{field} is not a valid field name")))
    }

    /// Sets a field by name (builder style): unknown names and values that
    /// do not match the field's schema are data errors.
    pub fn put(mut self, field: &str, value: Value) -> ConnectResult<Struct> {
        self.set(field, value)?;
        Ok(self)
    }

    /// Sets a field by name, validating the value.
    pub fn set(&mut self, field: &str, value: Value) -> ConnectResult<()> {
        let f = self.lookup(field)?;
        f.schema.validate_value_at(Some(&f.name), &value)?;
        let index = f.index;
        self.values[index] = value;
        Ok(())
    }

    /// Sets the field at `index` (declaration order), validating the value.
    pub fn set_index(&mut self, index: usize, value: Value) -> ConnectResult<()> {
        let f = self
            .schema
            .fields()
            .get(index)
            .ok_or_else(|| ConnectError::data(format!("{index} is not a valid field index")))?;
        f.schema.validate_value_at(Some(&f.name), &value)?;
        self.values[index] = value;
        Ok(())
    }

    /// A field's value; a null field with a default gives the default
    /// (Java's `Struct.get`). `None` for unknown names.
    pub fn get(&self, field: &str) -> Option<&Value> {
        let f = self.schema.field(field)?;
        Some(self.get_index(f.index))
    }

    /// The value at `index`, or the field's default when null.
    pub fn get_index(&self, index: usize) -> &Value {
        match self.values.get(index) {
            Some(Value::Null) | None => self
                .schema
                .fields()
                .get(index)
                .and_then(|f| f.schema.default_value())
                .unwrap_or(&Value::Null),
            Some(v) => v,
        }
    }

    /// A field's value as set, without the default (`getWithoutDefault`).
    pub fn get_without_default(&self, field: &str) -> Option<&Value> {
        self.schema.field(field).map(|f| &self.values[f.index])
    }

    /// Values in field order, as set (nulls not replaced by defaults).
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Checks that every required field without a default has a value
    /// (Java's `Struct.validate`).
    pub fn validate(&self) -> ConnectResult<()> {
        for (field, value) in self.schema.fields().iter().zip(&self.values) {
            if value.is_null()
                && (field.schema.is_optional() || field.schema.default_value().is_some())
            {
                continue;
            }
            field.schema.validate_value_at(Some(&field.name), value)?;
        }
        Ok(())
    }
}

impl fmt::Display for Struct {
    /// Java's `Struct.toString()`: `Struct{a=1,b=x}`, null fields left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Struct{")?;
        let mut first = true;
        for (field, value) in self.schema.fields().iter().zip(&self.values) {
            if value.is_null() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{}={value}", field.name)?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::SchemaBuilder;
    use super::*;

    fn person() -> Schema {
        SchemaBuilder::struct_()
            .name("Person")
            .field("name", Schema::string())
            .field("age", SchemaBuilder::new(Type::Int32).optional().build())
            .field(
                "city",
                SchemaBuilder::new(Type::String)
                    .default_value(Value::from("Paris"))
                    .build(),
            )
            .build()
    }

    #[test]
    fn java_equality() {
        assert_eq!(Value::Float64(f64::NAN), Value::Float64(f64::NAN));
        assert_ne!(Value::Float64(0.0), Value::Float64(-0.0));
        assert_ne!(Value::Int32(1), Value::Int64(1));
        let a = Value::Map(vec![
            (Value::from("a"), Value::Int32(1)),
            (Value::from("b"), Value::Int32(2)),
        ]);
        let b = Value::Map(vec![
            (Value::from("b"), Value::Int32(2)),
            (Value::from("a"), Value::Int32(1)),
        ]);
        let c = Value::Map(vec![
            (Value::from("b"), Value::Int32(2)),
            (Value::from("a"), Value::Int32(3)),
        ]);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn struct_put_validates_and_get_defaults() {
        let s = Struct::new(person())
            .put("name", Value::from("Ann"))
            .unwrap();
        assert_eq!(s.get("city"), Some(&Value::from("Paris")));
        assert_eq!(s.get_without_default("city"), Some(&Value::Null));
        assert_eq!(s.get("nope"), None);
        let err = s.clone().put("age", Value::from("x")).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid Java object for schema with type INT32: class java.lang.String for field: \"age\""
        );
        let err = s.clone().put("name", Value::Null).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value: null used for required field: \"name\", schema type: STRING"
        );
        assert!(s.clone().put("zzz", Value::Null).is_err());
        assert!(s.validate().is_ok());
        assert!(Struct::new(person()).validate().is_err());
    }

    #[test]
    fn display_is_java_to_string() {
        let s = Struct::new(person())
            .put("name", Value::from("Ann"))
            .unwrap()
            .put("age", Value::Int32(7))
            .unwrap();
        assert_eq!(s.to_string(), "Struct{name=Ann,age=7}");
        let list = Value::Array(vec![Value::Int32(1), Value::Null, Value::Float64(1e10)]);
        assert_eq!(list.to_string(), "[1, null, 1.0E10]");
        let map = Value::Map(vec![(Value::from("k"), Value::Boolean(true))]);
        assert_eq!(map.to_string(), "{k=true}");
        assert_eq!(Value::Float32(0.1).to_string(), "0.1");
        assert_eq!(Value::Date(0).to_string(), "Thu Jan 01 00:00:00 UTC 1970");
    }

    #[test]
    fn map_put_replaces_in_place() {
        let mut entries = vec![(Value::Int8(1), Value::from("a"))];
        Value::map_put(&mut entries, Value::Int8(2), Value::from("b"));
        Value::map_put(&mut entries, Value::Int8(1), Value::from("c"));
        assert_eq!(
            entries,
            vec![
                (Value::Int8(1), Value::from("c")),
                (Value::Int8(2), Value::from("b"))
            ]
        );
    }
}
