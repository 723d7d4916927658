//! Connect values to JSON and back: Java's `JsonConverter.convertToJson`
//! and `convertToConnect`, with their leniencies (a JSON value of the
//! wrong kind reads as Java's `JsonNode` accessors read it: `"abc"` as an
//! int32 is 0, a number as a string is null). Maps read come in the
//! iteration order of the `HashMap` Java reads them into.

use std::collections::HashSet;

use super::parser::JsonNode;
use super::writer::JsonWriter;
use crate::api::data::java_hash::hash_map_order;
use crate::api::data::{Decimal, LogicalType, Schema, Struct, Time, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};

/// The settings that change how values convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// `decimal.format=NUMERIC`: decimals as JSON numbers, not base64.
    pub decimal_numeric: bool,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            decimal_numeric: false,
            replace_null_with_default: true,
        }
    }
}

fn data(msg: impl Into<String>) -> ConnectError {
    ConnectError::data(msg)
}

fn invalid_type(schema: Option<&Schema>, value: &Value) -> ConnectError {
    let t = match schema {
        Some(s) => s.type_().java_name(),
        None => "unknown schema",
    };
    data(format!("Invalid type for {t}: {}", value.java_class()))
}

/// Writes `value` (with `schema`, if any) as JSON (`convertToJson`).
pub fn write_value(
    w: &mut JsonWriter,
    opts: Options,
    schema: Option<&Schema>,
    value: &Value,
) -> ConnectResult<()> {
    if value.is_null() {
        let Some(schema) = schema else {
            w.null();
            return Ok(());
        };
        if let (Some(default), true) = (schema.default_value(), opts.replace_null_with_default) {
            return write_value(w, opts, Some(schema), default);
        }
        if schema.is_optional() {
            w.null();
            return Ok(());
        }
        return Err(data(
            "Conversion error: null value for field that is required and has no default value",
        ));
    }

    if let Some(schema) = schema {
        if let Some(logical) = schema.logical_type() {
            return write_logical(w, opts, schema, logical, value);
        }
    }

    let type_ = match schema {
        Some(s) => s.type_(),
        None => value.schema_type().ok_or_else(|| {
            data(format!(
                "Java {} does not have corresponding schema type.",
                value.java_class()
            ))
        })?,
    };
    match (type_, value) {
        (Type::Int8, Value::Int8(v)) => w.int(*v as i64),
        (Type::Int16, Value::Int16(v)) => w.int(*v as i64),
        (Type::Int32, Value::Int32(v)) => w.int(*v as i64),
        (Type::Int64, Value::Int64(v)) => w.int(*v),
        (Type::Float32, Value::Float32(v)) => w.float(*v),
        (Type::Float64, Value::Float64(v)) => w.double(*v),
        (Type::Boolean, Value::Boolean(v)) => w.boolean(*v),
        (Type::String, Value::String(s)) => w.string(s),
        (Type::Bytes, Value::Bytes(b)) => w.binary(b),
        (Type::Array, Value::Array(items)) => {
            let item_schema = schema.and_then(Schema::value_schema);
            w.begin_array()?;
            for item in items {
                write_value(w, opts, item_schema, item)?;
            }
            w.end_array();
        }
        (Type::Map, Value::Map(entries)) => write_map(w, opts, schema, entries)?,
        (Type::Struct, Value::Struct(s)) => {
            let schema = match schema {
                Some(schema) if s.schema() == schema => schema,
                _ => return Err(data("Mismatching schema.")),
            };
            w.begin_object()?;
            for (field, v) in schema.fields().iter().zip(s.values()) {
                w.key(&field.name);
                write_value(w, opts, Some(&field.schema), v)?;
            }
            w.end_object();
        }
        _ => return Err(invalid_type(schema, value)),
    }
    Ok(())
}

fn write_logical(
    w: &mut JsonWriter,
    opts: Options,
    schema: &Schema,
    logical: LogicalType,
    value: &Value,
) -> ConnectResult<()> {
    match (logical, value) {
        (LogicalType::Decimal, Value::Decimal(d)) => {
            if opts.decimal_numeric {
                w.raw_number(&d.to_string());
            } else {
                w.binary(Decimal::from_logical(schema, d)?);
            }
        }
        (LogicalType::Date, Value::Date(days)) => w.int(*days as i64),
        (LogicalType::Time, Value::Time(ms)) => {
            if !(0..=86_400_000).contains(ms) {
                return Err(data(
                    "Kafka Connect Time type should not have any date fields set to non-zero values.",
                ));
            }
            w.int(*ms as i64);
        }
        (LogicalType::Timestamp, Value::Timestamp(ms)) => w.int(*ms),
        (logical, other) => {
            let (name, expected) = match logical {
                LogicalType::Decimal => ("Decimal", "BigDecimal"),
                LogicalType::Date => ("Date", "Date"),
                LogicalType::Time => ("Time", "Date"),
                LogicalType::Timestamp => ("Timestamp", "Date"),
            };
            return Err(data(format!(
                "Invalid type for {name}, expected {expected} but was {}",
                other.java_class()
            )));
        }
    }
    Ok(())
}

fn write_map(
    w: &mut JsonWriter,
    opts: Options,
    schema: Option<&Schema>,
    entries: &[(Value, Value)],
) -> ConnectResult<()> {
    let (key_schema, value_schema) = match schema {
        Some(s) => {
            let key = s
                .key_schema()
                .ok_or_else(|| data("Map schema has no key schema"))?;
            (Some(key), s.value_schema())
        }
        None => (None, None),
    };
    let object_mode = match key_schema {
        Some(k) => k.type_() == Type::String,
        None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
    };
    if !object_mode {
        w.begin_array()?;
        for (k, v) in entries {
            w.begin_array()?;
            write_value(w, opts, key_schema, k)?;
            write_value(w, opts, value_schema, v)?;
            w.end_array();
        }
        w.end_array();
        return Ok(());
    }
    // Object keys are the keys' text (`asText()`); a later equal key
    // replaces an earlier one in place, as in Jackson's ObjectNode.
    let mut keys: Vec<String> = Vec::with_capacity(entries.len());
    for (k, _) in entries {
        keys.push(map_key_text(opts, key_schema, k)?);
    }
    let unique = if keys.len() < 16 {
        keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k))
    } else {
        let mut seen = HashSet::with_capacity(keys.len());
        keys.iter().all(|k| seen.insert(k.as_str()))
    };
    w.begin_object()?;
    if unique {
        for (key, (_, v)) in keys.iter().zip(entries) {
            w.key(key);
            write_value(w, opts, value_schema, v)?;
        }
    } else {
        let mut order: Vec<(&str, &Value)> = Vec::new();
        for (key, (_, v)) in keys.iter().zip(entries) {
            match order.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = v,
                None => order.push((key, v)),
            }
        }
        for (key, v) in order {
            w.key(key);
            write_value(w, opts, value_schema, v)?;
        }
    }
    w.end_object();
    Ok(())
}

/// The text of a key of a string-keyed map (`mapKey.asText()`).
fn map_key_text(opts: Options, key_schema: Option<&Schema>, key: &Value) -> ConnectResult<String> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Null => {
            let Some(schema) = key_schema else {
                return Ok("null".to_string());
            };
            match (schema.default_value(), opts.replace_null_with_default) {
                (Some(default), true) => map_key_text(opts, Some(schema), default),
                _ if schema.is_optional() => Ok("null".to_string()),
                _ => Err(data(
                    "Conversion error: null value for field that is required and has no default value",
                )),
            }
        }
        other => Err(invalid_type(key_schema, other)),
    }
}

/// Reads `node` (absent: a missing field) as `schema` says, or infers the
/// type without a schema (`convertToConnect`).
pub fn to_connect(
    opts: Options,
    schema: Option<&Schema>,
    node: Option<&JsonNode>,
) -> ConnectResult<Value> {
    let Some(schema) = schema else {
        return Ok(schemaless(node));
    };
    let node = match node {
        None | Some(JsonNode::Null) => {
            if let (Some(default), true) = (schema.default_value(), opts.replace_null_with_default)
            {
                return Ok(default.clone());
            }
            if schema.is_optional() {
                return Ok(Value::Null);
            }
            return Err(data(format!(
                "Invalid null value for required {} field",
                schema.type_()
            )));
        }
        Some(node) => node,
    };
    if let Some(logical) = schema.logical_type() {
        return logical_to_connect(schema, logical, node);
    }
    Ok(match schema.type_() {
        Type::Boolean => Value::Boolean(node.boolean_value()),
        Type::Int8 => Value::Int8(node.int_value() as i8),
        Type::Int16 => Value::Int16(node.int_value() as i16),
        Type::Int32 => Value::Int32(node.int_value()),
        Type::Int64 => Value::Int64(node.long_value()),
        Type::Float32 => Value::Float32(node.float_value()),
        Type::Float64 => Value::Float64(node.double_value()),
        Type::Bytes => match node.binary_value() {
            Ok(Some(b)) => Value::Bytes(b.into()),
            Ok(None) => Value::Null,
            Err(e) => return Err(data(format!("Invalid bytes field: {e}"))),
        },
        Type::String => match node.text_value() {
            Some(s) => Value::String(s.to_string()),
            None => Value::Null,
        },
        Type::Array => {
            let item_schema = schema.value_schema();
            let items: Vec<&JsonNode> = match node {
                JsonNode::Array(items) => items.iter().collect(),
                // Jackson iterates an object's values.
                JsonNode::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_connect(opts, item_schema, Some(item))?);
            }
            Value::Array(out)
        }
        Type::Map => map_to_connect(opts, schema, node)?,
        Type::Struct => {
            let JsonNode::Object(_) = node else {
                return Err(data(format!(
                    "Structs should be encoded as JSON objects, but found {}",
                    node.node_type()
                )));
            };
            let mut s = Struct::new(schema.clone());
            for (i, field) in schema.fields().iter().enumerate() {
                let v = to_connect(opts, Some(&field.schema), node.get_hinted(&field.name, i))?;
                s.set_index(i, v)?;
            }
            Value::Struct(s)
        }
    })
}

fn logical_to_connect(
    schema: &Schema,
    logical: LogicalType,
    node: &JsonNode,
) -> ConnectResult<Value> {
    match logical {
        LogicalType::Decimal => match node {
            JsonNode::Number(_) => node
                .decimal_value()
                .map(Value::Decimal)
                .ok_or_else(|| data("Invalid numeric value for Decimal field")),
            JsonNode::String(_) => {
                let bytes = node
                    .binary_value()
                    .ok()
                    .flatten()
                    .ok_or_else(|| data("Invalid bytes for Decimal field"))?;
                Decimal::to_logical(schema, &bytes)
                    .map(Value::Decimal)
                    .map_err(|e| data(format!("Invalid bytes for Decimal field: {}", e.message)))
            }
            other => Err(data(format!(
                "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                other.node_type()
            ))),
        },
        LogicalType::Date => {
            if !node.is_int() {
                return Err(data(format!(
                    "Invalid type for Date, underlying representation should be integer but was {}",
                    node.node_type()
                )));
            }
            Ok(Value::Date(node.int_value()))
        }
        LogicalType::Time => {
            if !node.is_int() {
                return Err(data(format!(
                    "Invalid type for Time, underlying representation should be integer but was {}",
                    node.node_type()
                )));
            }
            Ok(Value::Time(Time::check(node.int_value() as i64)?))
        }
        LogicalType::Timestamp => {
            if !node.is_integral() {
                return Err(data(format!(
                    "Invalid type for Timestamp, underlying representation should be integral but was {}",
                    node.node_type()
                )));
            }
            Ok(Value::Timestamp(node.long_value()))
        }
    }
}

fn map_to_connect(opts: Options, schema: &Schema, node: &JsonNode) -> ConnectResult<Value> {
    let key_schema = schema
        .key_schema()
        .ok_or_else(|| data("Map schema has no key schema"))?;
    let value_schema = schema.value_schema();
    if key_schema.type_() == Type::String {
        let JsonNode::Object(entries) = node else {
            return Err(data(format!(
                "Maps with string fields should be encoded as JSON objects, but found {}",
                node.node_type()
            )));
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            out.push((
                Value::String(k.clone()),
                to_connect(opts, value_schema, Some(v))?,
            ));
        }
        return Ok(Value::Map(hash_map_order(out)));
    }
    let JsonNode::Array(pairs) = node else {
        return Err(data(format!(
            "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
            node.node_type()
        )));
    };
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let JsonNode::Array(kv) = pair else {
            return Err(data(format!(
                "Found invalid map entry instead of array tuple: {}",
                pair.node_type()
            )));
        };
        if kv.len() != 2 {
            return Err(data(format!(
                "Found invalid map entry, expected length 2 but found :{}",
                kv.len()
            )));
        }
        let k = to_connect(opts, Some(key_schema), Some(&kv[0]))?;
        let v = to_connect(opts, value_schema, Some(&kv[1]))?;
        Value::map_put(&mut out, k, v);
    }
    Ok(Value::Map(hash_map_order(out)))
}

/// A value without a schema: integral numbers as int64, other numbers as
/// float64, objects as string-keyed maps.
fn schemaless(node: Option<&JsonNode>) -> Value {
    match node {
        None | Some(JsonNode::Null) => Value::Null,
        Some(JsonNode::Bool(b)) => Value::Boolean(*b),
        Some(n @ JsonNode::Number(_)) => {
            if n.is_integral() {
                Value::Int64(n.long_value())
            } else {
                Value::Float64(n.double_value())
            }
        }
        Some(JsonNode::String(s)) => Value::String(s.clone()),
        Some(JsonNode::Array(items)) => {
            Value::Array(items.iter().map(|i| schemaless(Some(i))).collect())
        }
        Some(JsonNode::Object(entries)) => Value::Map(hash_map_order(
            entries
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), schemaless(Some(v))))
                .collect(),
        )),
    }
}
