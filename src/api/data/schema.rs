//! Schemas (Java's `Schema`, `ConnectSchema`, `SchemaBuilder`). A schema is
//! immutable and cheap to clone (one `Arc`), so a batch of records can share
//! one; the primitive schemas (`Schema::string()`...) are shared statics.
//!
//! `validate_value` mirrors `ConnectSchema.validateValue`, with the dotted
//! path of nested struct fields in its messages.

use std::fmt;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;

use super::logical::LogicalType;
use super::value::Value;
use crate::api::error::{ConnectError, ConnectResult};

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
    pub const ALL: [Type; 12] = [
        Type::Int8,
        Type::Int16,
        Type::Int32,
        Type::Int64,
        Type::Float32,
        Type::Float64,
        Type::Boolean,
        Type::String,
        Type::Bytes,
        Type::Array,
        Type::Map,
        Type::Struct,
    ];

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

    /// The Java enum constant (`INT32`, `FLOAT64`...), as Java messages show it.
    pub fn java_name(self) -> &'static str {
        match self {
            Type::Int8 => "INT8",
            Type::Int16 => "INT16",
            Type::Int32 => "INT32",
            Type::Int64 => "INT64",
            Type::Float32 => "FLOAT32",
            Type::Float64 => "FLOAT64",
            Type::Boolean => "BOOLEAN",
            Type::String => "STRING",
            Type::Bytes => "BYTES",
            Type::Array => "ARRAY",
            Type::Map => "MAP",
            Type::Struct => "STRUCT",
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

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Type {
    /// The Java enum constant (`INT32`), as in Java's messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.java_name())
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
    /// In insertion order, as Java's `LinkedHashMap` keeps them (JSON
    /// schemas print them in this order); compared as a map.
    parameters: IndexMap<String, String>,
    /// Array items or map keys.
    key: Option<Schema>,
    /// Map values.
    value: Option<Schema>,
    fields: Vec<Field>,
}

/// An immutable schema.
#[derive(Clone)]
pub struct Schema(Arc<Inner>);

impl PartialEq for Schema {
    /// Java's `ConnectSchema.equals`: every attribute, recursively; the same
    /// `Arc` is equal at once.
    fn eq(&self, other: &Schema) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schema{{{}", self.0.type_.name())?;
        if let Some(n) = &self.0.name {
            write!(f, " {n}")?;
        }
        if self.0.optional {
            f.write_str(" optional")?;
        }
        match self.0.type_ {
            Type::Array => write!(f, " items={:?}", self.0.key)?,
            Type::Map => write!(f, " keys={:?} values={:?}", self.0.key, self.0.value)?,
            Type::Struct => {
                f.write_str(" fields=[")?;
                for (i, field) in self.0.fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {:?}", field.name, field.schema)?;
                }
                f.write_str("]")?;
            }
            _ => {}
        }
        f.write_str("}")
    }
}

impl fmt::Display for Schema {
    /// Java's `ConnectSchema.toString()`: `Schema{name:TYPE}` or `Schema{TYPE}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.name {
            Some(n) => write!(f, "Schema{{{n}:{}}}", self.0.type_),
            None => write!(f, "Schema{{{}}}", self.0.type_),
        }
    }
}

fn shared_primitive(type_: Type, optional: bool) -> Schema {
    static PRIMITIVES: OnceLock<Vec<Schema>> = OnceLock::new();
    let all = PRIMITIVES.get_or_init(|| {
        let mut v = Vec::with_capacity(Type::ALL.len() * 2);
        for t in Type::ALL {
            v.push(SchemaBuilder::new(t).build());
            v.push(SchemaBuilder::new(t).optional().build());
        }
        v
    });
    all[type_.index() * 2 + optional as usize].clone()
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
    /// Parameters in the order they were added.
    pub fn parameters(&self) -> &IndexMap<String, String> {
        &self.0.parameters
    }
    /// Item schema of an array, value schema of a map.
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
    /// The logical type this schema's name denotes, if any.
    pub fn logical_type(&self) -> Option<LogicalType> {
        LogicalType::of(self)
    }
    /// Whether both are the same `Arc` (a cheap sufficient test of equality).
    pub fn ptr_eq(&self, other: &Schema) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// The address of the shared schema: equal for clones of one schema
    /// (a cache key, valid while a clone is kept alive).
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The plain schema of a primitive type (shared), or an empty builder's
    /// schema for array, map and struct.
    pub fn of(type_: Type, optional: bool) -> Schema {
        shared_primitive(type_, optional)
    }

    pub fn int8() -> Schema {
        shared_primitive(Type::Int8, false)
    }
    pub fn int16() -> Schema {
        shared_primitive(Type::Int16, false)
    }
    pub fn int32() -> Schema {
        shared_primitive(Type::Int32, false)
    }
    pub fn int64() -> Schema {
        shared_primitive(Type::Int64, false)
    }
    pub fn float32() -> Schema {
        shared_primitive(Type::Float32, false)
    }
    pub fn float64() -> Schema {
        shared_primitive(Type::Float64, false)
    }
    pub fn boolean() -> Schema {
        shared_primitive(Type::Boolean, false)
    }
    pub fn string() -> Schema {
        shared_primitive(Type::String, false)
    }
    pub fn bytes() -> Schema {
        shared_primitive(Type::Bytes, false)
    }
    pub fn optional_int8() -> Schema {
        shared_primitive(Type::Int8, true)
    }
    pub fn optional_int16() -> Schema {
        shared_primitive(Type::Int16, true)
    }
    pub fn optional_int32() -> Schema {
        shared_primitive(Type::Int32, true)
    }
    pub fn optional_int64() -> Schema {
        shared_primitive(Type::Int64, true)
    }
    pub fn optional_float32() -> Schema {
        shared_primitive(Type::Float32, true)
    }
    pub fn optional_float64() -> Schema {
        shared_primitive(Type::Float64, true)
    }
    pub fn optional_boolean() -> Schema {
        shared_primitive(Type::Boolean, true)
    }
    pub fn optional_string() -> Schema {
        shared_primitive(Type::String, true)
    }
    pub fn optional_bytes() -> Schema {
        shared_primitive(Type::Bytes, true)
    }

    /// Checks that `value` fits this schema (Java's
    /// `ConnectSchema.validateValue(schema, value)`).
    pub fn validate_value(&self, value: &Value) -> ConnectResult<()> {
        validate(self, value, None, "value")
    }

    /// Like [`Schema::validate_value`], naming the struct field the value is
    /// for (`validateValue(field, schema, value)`).
    pub fn validate_value_at(&self, field: Option<&str>, value: &Value) -> ConnectResult<()> {
        match field {
            None => validate(self, value, None, "value"),
            Some(f) => validate(self, value, Some(f), &format!("field: \"{f}\"")),
        }
    }
}

/// Whether `value`'s variant is what `schema` expects (logical types by name).
fn variant_matches(schema: &Schema, value: &Value) -> bool {
    if let Some(logical) = schema.logical_type() {
        return logical.accepts(value);
    }
    matches!(
        (schema.type_(), value),
        (Type::Int8, Value::Int8(_))
            | (Type::Int16, Value::Int16(_))
            | (Type::Int32, Value::Int32(_))
            | (Type::Int64, Value::Int64(_))
            | (Type::Float32, Value::Float32(_))
            | (Type::Float64, Value::Float64(_))
            | (Type::Boolean, Value::Boolean(_))
            | (Type::String, Value::String(_))
            | (Type::Bytes, Value::Bytes(_))
            | (Type::Array, Value::Array(_))
            | (Type::Map, Value::Map(_))
            | (Type::Struct, Value::Struct(_))
    )
}

/// `path` is the dotted path of the struct field being checked, `location`
/// how messages name it (`field: "a.b"`, `element of array value`...).
fn validate(
    schema: &Schema,
    value: &Value,
    path: Option<&str>,
    location: &str,
) -> ConnectResult<()> {
    if value.is_null() {
        if !schema.is_optional() {
            return Err(ConnectError::data(format!(
                "Invalid value: null used for required {location}, schema type: {}",
                schema.type_()
            )));
        }
        return Ok(());
    }
    if !variant_matches(schema, value) {
        let mut msg = String::from("Invalid Java object for schema");
        if let Some(name) = schema.name() {
            msg.push_str(&format!(" \"{name}\""));
        }
        msg.push_str(&format!(
            " with type {}: {} for {location}",
            schema.type_(),
            value.java_class()
        ));
        return Err(ConnectError::data(msg));
    }
    match value {
        Value::Struct(s) => {
            if s.schema() != schema {
                return Err(ConnectError::data(format!(
                    "Struct schemas do not match for {location}."
                )));
            }
            for (field, v) in s.schema().fields().iter().zip(s.values()) {
                if v.is_null()
                    && (field.schema.is_optional() || field.schema.default_value().is_some())
                {
                    continue;
                }
                let sub = match path {
                    Some(p) => format!("{p}.{}", field.name),
                    None => field.name.clone(),
                };
                validate(&field.schema, v, Some(&sub), &format!("field: \"{sub}\""))?;
            }
        }
        Value::Array(items) => {
            let loc = format!("element of array {location}");
            let items_schema = schema
                .value_schema()
                .ok_or_else(|| ConnectError::data(format!("No schema defined for {loc}")))?;
            for item in items {
                validate(items_schema, item, path, &loc)?;
            }
        }
        Value::Map(entries) => {
            let key_loc = format!("key of map {location}");
            let value_loc = format!("value of map {location}");
            let key_schema = schema
                .key_schema()
                .ok_or_else(|| ConnectError::data(format!("No schema defined for {key_loc}")))?;
            let value_schema = schema
                .value_schema()
                .ok_or_else(|| ConnectError::data(format!("No schema defined for {value_loc}")))?;
            for (k, v) in entries {
                validate(key_schema, k, path, &key_loc)?;
                validate(value_schema, v, path, &value_loc)?;
            }
        }
        _ => {}
    }
    Ok(())
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
            parameters: IndexMap::new(),
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
    /// An array without an item schema (Java's `arrayOfNull`, what
    /// `Values.parseString` gives an array of nulls or of mixed types).
    pub fn array_of_null() -> SchemaBuilder {
        SchemaBuilder::new(Type::Array)
    }
    /// A map with the given key and value schemas, either possibly absent
    /// (Java's `mapOfNull`, `mapWithNullValues`...).
    pub fn map_of(key: Option<Schema>, value: Option<Schema>) -> SchemaBuilder {
        let mut b = SchemaBuilder::new(Type::Map);
        b.0.key = key;
        b.0.value = value;
        b
    }
    pub fn struct_() -> SchemaBuilder {
        SchemaBuilder::new(Type::Struct)
    }
    pub fn type_(&self) -> Type {
        self.0.type_
    }
    pub fn optional(self) -> SchemaBuilder {
        self.optional_if(true)
    }
    pub fn optional_if(mut self, optional: bool) -> SchemaBuilder {
        self.0.optional = optional;
        self
    }
    /// Sets the default without checking it; see [`SchemaBuilder::try_default_value`].
    pub fn default_value(mut self, v: Value) -> SchemaBuilder {
        self.0.default = Some(v);
        self
    }
    /// Sets the default after validating it against the schema built so
    /// far, as Java's `SchemaBuilder.defaultValue` does.
    pub fn try_default_value(mut self, v: Value) -> ConnectResult<SchemaBuilder> {
        let current = SchemaBuilder(self.0.clone()).build();
        current
            .validate_value(&v)
            .map_err(|e| ConnectError::data(format!("Invalid default value: {}", e.message)))?;
        self.0.default = if v.is_null() { None } else { Some(v) };
        Ok(self)
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
    pub fn parameters(mut self, params: &IndexMap<String, String>) -> SchemaBuilder {
        for (k, v) in params {
            self.0.parameters.insert(k.clone(), v.clone());
        }
        self
    }
    /// Adds a struct field (in declaration order). Names should be unique
    /// and non-empty; [`SchemaBuilder::try_field`] checks.
    pub fn field(mut self, name: impl Into<String>, schema: Schema) -> SchemaBuilder {
        let index = self.0.fields.len();
        self.0.fields.push(Field {
            name: name.into(),
            index,
            schema,
        });
        self
    }
    /// Adds a struct field with Java's checks: a struct type, a non-empty
    /// name not already used.
    pub fn try_field(
        self,
        name: impl Into<String>,
        schema: Schema,
    ) -> ConnectResult<SchemaBuilder> {
        let name = name.into();
        if self.0.type_ != Type::Struct {
            return Err(ConnectError::data(format!(
                "Cannot create fields on type {}",
                self.0.type_
            )));
        }
        if name.is_empty() {
            return Err(ConnectError::data("fieldName cannot be null."));
        }
        if self.0.fields.iter().any(|f| f.name == name) {
            return Err(ConnectError::data(format!(
                "Cannot create field because of field name duplication {name}"
            )));
        }
        Ok(self.field(name, schema))
    }
    pub fn build(self) -> Schema {
        Schema(Arc::new(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::super::big_decimal::BigDecimal;
    use super::super::logical::{Date, Decimal};
    use super::super::value::Struct;
    use super::*;

    #[test]
    fn primitives_are_shared() {
        assert!(Schema::string().ptr_eq(&Schema::string()));
        assert_eq!(Schema::string(), SchemaBuilder::new(Type::String).build());
        assert_ne!(Schema::string(), Schema::optional_string());
        assert_eq!(Schema::int32().to_string(), "Schema{INT32}");
        assert_eq!(
            Date::schema().to_string(),
            "Schema{org.apache.kafka.connect.data.Date:INT32}"
        );
    }

    #[test]
    fn parameters_keep_order_and_compare_as_maps() {
        let a = SchemaBuilder::new(Type::Bytes)
            .parameter("b", "1")
            .parameter("a", "2")
            .build();
        let b = SchemaBuilder::new(Type::Bytes)
            .parameter("a", "2")
            .parameter("b", "1")
            .build();
        assert_eq!(a.parameters().keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(a, b);
    }

    #[test]
    fn validates_like_java() {
        assert!(Schema::int32().validate_value(&Value::Int32(1)).is_ok());
        let e = Schema::int32()
            .validate_value(&Value::Int64(1))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid Java object for schema with type INT32: class java.lang.Long for value"
        );
        let e = Schema::string().validate_value(&Value::Null).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value: null used for required value, schema type: STRING"
        );
        assert!(Schema::optional_string()
            .validate_value(&Value::Null)
            .is_ok());
        let e = Date::schema().validate_value(&Value::Int32(3)).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid Java object for schema \"org.apache.kafka.connect.data.Date\" with type INT32: class java.lang.Integer for value"
        );
        assert!(Date::schema().validate_value(&Value::Date(3)).is_ok());
        assert!(Decimal::schema(2)
            .validate_value(&Value::Decimal(BigDecimal::from_i64(1, 2)))
            .is_ok());
        let arr = SchemaBuilder::array(Schema::int8()).build();
        let e = arr
            .validate_value(&Value::Array(vec![Value::Int8(1), Value::Null]))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value: null used for required element of array value, schema type: INT8"
        );
        let map = SchemaBuilder::map(Schema::string(), Schema::int8()).build();
        let e = map
            .validate_value(&Value::Map(vec![(Value::Int8(1), Value::Int8(1))]))
            .unwrap_err();
        assert!(e.message.ends_with("for key of map value"), "{}", e.message);
        let e = SchemaBuilder::array_of_null()
            .build()
            .validate_value(&Value::Array(vec![]))
            .unwrap_err();
        assert_eq!(e.message, "No schema defined for element of array value");
    }

    #[test]
    fn nested_struct_errors_name_the_path() {
        let inner = SchemaBuilder::struct_().field("b", Schema::int32()).build();
        let outer = SchemaBuilder::struct_().field("a", inner.clone()).build();
        // Bypass the checks of `put` to build an invalid nested struct.
        let bad_inner = Struct::new(inner.clone());
        let mut outer_value = Struct::new(outer.clone());
        let e = outer_value
            .set("a", Value::Struct(bad_inner.clone()))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value: null used for required field: \"a.b\", schema type: INT32"
        );
        let other = SchemaBuilder::struct_().field("c", Schema::int32()).build();
        let e = outer_value
            .set("a", Value::Struct(Struct::new(other)))
            .unwrap_err();
        assert!(
            e.message.starts_with("Struct schemas do not match"),
            "{}",
            e.message
        );
    }

    #[test]
    fn builder_checks() {
        let b = SchemaBuilder::struct_()
            .try_field("a", Schema::int8())
            .unwrap();
        assert!(b.clone().try_field("a", Schema::int8()).is_err());
        assert!(b.clone().try_field("", Schema::int8()).is_err());
        assert!(SchemaBuilder::new(Type::Int8)
            .try_field("a", Schema::int8())
            .is_err());
        assert!(SchemaBuilder::new(Type::Int8)
            .try_default_value(Value::from("x"))
            .is_err());
        let s = SchemaBuilder::new(Type::Int8)
            .try_default_value(Value::Int8(3))
            .unwrap()
            .build();
        assert_eq!(s.default_value(), Some(&Value::Int8(3)));
    }
}
