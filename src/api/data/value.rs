//! Connect values (what Java represents as boxed objects: `Integer`, `String`,
//! `byte[]`, `List`, `Map`, `Struct`, `BigDecimal`, `java.util.Date`).

use bytes::Bytes;

use super::schema::Schema;

/// A Connect value. Logical types carry their own variants so that a
/// converter can tell a Decimal from plain bytes without the schema.
#[derive(Debug, Clone, PartialEq)]
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
    Map(Vec<(Value, Value)>),
    Struct(Struct),
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

/// A struct value: a schema and one value per field (Java's `Struct`).
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: Schema,
    values: Vec<Value>,
}

impl Struct {
    /// A struct with every field null.
    pub fn new(schema: Schema) -> Struct {
        let values = vec![Value::Null; schema.fields().len()];
        Struct { schema, values }
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Sets a field by name; unknown names are a data error.
    pub fn put(mut self, field: &str, value: Value) -> Result<Struct, crate::api::ConnectError> {
        let index = self.schema.field(field).map(|f| f.index).ok_or_else(|| {
            crate::api::ConnectError::data(format!("{field} is not a valid field name"))
        })?;
        self.values[index] = value;
        Ok(self)
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.schema.field(field).map(|f| &self.values[f.index])
    }

    /// Values in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}
