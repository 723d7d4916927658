//! Schemas (Java's `Schema`, `ConnectSchema`, `SchemaBuilder`). A schema is
//! immutable and cheap to clone (one `Arc`), so a batch of records can share
//! one.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::value::Value;

/// The schema types (Java's `Schema.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl Type {
    /// Java's lower-case name, as JsonConverter writes it (`int32`, `float`...).
    pub fn name(self) -> &'static str {
        match self {
            Type::Int8 => "int8",
            Type::Int16 => "int16",
            Type::Int32 => "int32",
            Type::Int64 => "int64",
            Type::Float32 => "float",
            Type::Float64 => "double",
            Type::Boolean => "boolean",
            Type::String => "string",
            Type::Bytes => "bytes",
            Type::Array => "array",
            Type::Map => "map",
            Type::Struct => "struct",
        }
    }

    /// The type of a JsonConverter `type` name.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "int8" => Type::Int8,
            "int16" => Type::Int16,
            "int32" => Type::Int32,
            "int64" => Type::Int64,
            "float" => Type::Float32,
            "double" => Type::Float64,
            "boolean" => Type::Boolean,
            "string" => Type::String,
            "bytes" => Type::Bytes,
            "array" => Type::Array,
            "map" => Type::Map,
            "struct" => Type::Struct,
            _ => return None,
        })
    }

    pub fn is_primitive(self) -> bool {
        !matches!(self, Type::Array | Type::Map | Type::Struct)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().to_uppercase())
    }
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: Schema,
}

#[derive(Debug, Clone, PartialEq)]
struct Inner {
    type_: Type,
    optional: bool,
    default: Option<Value>,
    name: Option<String>,
    version: Option<i32>,
    doc: Option<String>,
    parameters: BTreeMap<String, String>,
    /// Array items or map keys.
    key: Option<Schema>,
    /// Map values.
    value: Option<Schema>,
    fields: Vec<Field>,
}

/// An immutable schema.
#[derive(Clone, PartialEq)]
pub struct Schema(Arc<Inner>);

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schema{{{}", self.0.type_.name())?;
        if let Some(n) = &self.0.name {
            write!(f, " {n}")?;
        }
        if self.0.optional {
            f.write_str(" optional")?;
        }
        f.write_str("}")
    }
}

impl Schema {
    pub fn type_(&self) -> Type {
        self.0.type_
    }
    pub fn is_optional(&self) -> bool {
        self.0.optional
    }
    pub fn default_value(&self) -> Option<&Value> {
        self.0.default.as_ref()
    }
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    pub fn version(&self) -> Option<i32> {
        self.0.version
    }
    pub fn doc(&self) -> Option<&str> {
        self.0.doc.as_deref()
    }
    pub fn parameters(&self) -> &BTreeMap<String, String> {
        &self.0.parameters
    }
    /// Item schema of an array.
    pub fn value_schema(&self) -> Option<&Schema> {
        match self.0.type_ {
            Type::Array => self.0.key.as_ref(),
            _ => self.0.value.as_ref(),
        }
    }
    /// Key schema of a map.
    pub fn key_schema(&self) -> Option<&Schema> {
        match self.0.type_ {
            Type::Map => self.0.key.as_ref(),
            _ => None,
        }
    }
    pub fn fields(&self) -> &[Field] {
        &self.0.fields
    }
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.0.fields.iter().find(|f| f.name == name)
    }

    fn primitive(type_: Type, optional: bool) -> Schema {
        SchemaBuilder::new(type_).optional_if(optional).build()
    }

    pub fn int8() -> Schema {
        Schema::primitive(Type::Int8, false)
    }
    pub fn int16() -> Schema {
        Schema::primitive(Type::Int16, false)
    }
    pub fn int32() -> Schema {
        Schema::primitive(Type::Int32, false)
    }
    pub fn int64() -> Schema {
        Schema::primitive(Type::Int64, false)
    }
    pub fn float32() -> Schema {
        Schema::primitive(Type::Float32, false)
    }
    pub fn float64() -> Schema {
        Schema::primitive(Type::Float64, false)
    }
    pub fn boolean() -> Schema {
        Schema::primitive(Type::Boolean, false)
    }
    pub fn string() -> Schema {
        Schema::primitive(Type::String, false)
    }
    pub fn bytes() -> Schema {
        Schema::primitive(Type::Bytes, false)
    }
    pub fn optional_string() -> Schema {
        Schema::primitive(Type::String, true)
    }
    pub fn optional_bytes() -> Schema {
        Schema::primitive(Type::Bytes, true)
    }
}

/// Builds a [`Schema`] (Java's `SchemaBuilder`).
#[derive(Debug, Clone)]
pub struct SchemaBuilder(Inner);

impl SchemaBuilder {
    pub fn new(type_: Type) -> SchemaBuilder {
        SchemaBuilder(Inner {
            type_,
            optional: false,
            default: None,
            name: None,
            version: None,
            doc: None,
            parameters: BTreeMap::new(),
            key: None,
            value: None,
            fields: Vec::new(),
        })
    }
    pub fn array(items: Schema) -> SchemaBuilder {
        let mut b = SchemaBuilder::new(Type::Array);
        b.0.key = Some(items);
        b
    }
    pub fn map(key: Schema, value: Schema) -> SchemaBuilder {
        let mut b = SchemaBuilder::new(Type::Map);
        b.0.key = Some(key);
        b.0.value = Some(value);
        b
    }
    pub fn struct_() -> SchemaBuilder {
        SchemaBuilder::new(Type::Struct)
    }
    pub fn optional(self) -> SchemaBuilder {
        self.optional_if(true)
    }
    pub fn optional_if(mut self, optional: bool) -> SchemaBuilder {
        self.0.optional = optional;
        self
    }
    pub fn default_value(mut self, v: Value) -> SchemaBuilder {
        self.0.default = Some(v);
        self
    }
    pub fn name(mut self, n: impl Into<String>) -> SchemaBuilder {
        self.0.name = Some(n.into());
        self
    }
    pub fn version(mut self, v: i32) -> SchemaBuilder {
        self.0.version = Some(v);
        self
    }
    pub fn doc(mut self, d: impl Into<String>) -> SchemaBuilder {
        self.0.doc = Some(d.into());
        self
    }
    pub fn parameter(mut self, k: impl Into<String>, v: impl Into<String>) -> SchemaBuilder {
        self.0.parameters.insert(k.into(), v.into());
        self
    }
    /// Adds a struct field (in declaration order).
    pub fn field(mut self, name: impl Into<String>, schema: Schema) -> SchemaBuilder {
        let index = self.0.fields.len();
        self.0.fields.push(Field {
            name: name.into(),
            index,
            schema,
        });
        self
    }
    pub fn build(self) -> Schema {
        Schema(Arc::new(self.0))
    }
}
