//! Connect schemas as JsonConverter writes them in the envelope (Java's
//! `JsonConverter.asJsonSchema` / `asConnectSchema`): `type`, then `items`
//! / `keys` + `values` / `fields`, then `optional`, `name`, `version`,
//! `doc`, `parameters`, `default`; a struct field's schema ends with
//! `"field":"<name>"`.

use super::parser::JsonNode;
use super::value::{to_connect, write_value, Options};
use super::writer::JsonWriter;
use crate::api::data::{Schema, SchemaBuilder, Type};
use crate::api::error::{ConnectError, ConnectResult};

fn data(msg: impl Into<String>) -> ConnectError {
    ConnectError::data(msg)
}

/// Writes `schema` as a JSON object; `field` names it as a struct field.
pub fn write_schema(
    w: &mut JsonWriter,
    opts: Options,
    schema: &Schema,
    field: Option<&str>,
) -> ConnectResult<()> {
    w.begin_object()?;
    w.key("type");
    w.string(schema.type_().name());
    match schema.type_() {
        Type::Array => {
            w.key("items");
            write_optional_schema(w, opts, schema.value_schema())?;
        }
        Type::Map => {
            w.key("keys");
            write_optional_schema(w, opts, schema.key_schema())?;
            w.key("values");
            write_optional_schema(w, opts, schema.value_schema())?;
        }
        Type::Struct => {
            w.key("fields");
            w.begin_array()?;
            for f in schema.fields() {
                write_schema(w, opts, &f.schema, Some(&f.name))?;
            }
            w.end_array();
        }
        _ => {}
    }
    w.key("optional");
    w.boolean(schema.is_optional());
    if let Some(name) = schema.name() {
        w.key("name");
        w.string(name);
    }
    if let Some(version) = schema.version() {
        w.key("version");
        w.int(version as i64);
    }
    if let Some(doc) = schema.doc() {
        w.key("doc");
        w.string(doc);
    }
    if !schema.parameters().is_empty() {
        w.key("parameters");
        w.begin_object()?;
        for (k, v) in schema.parameters() {
            w.key(k);
            w.string(v);
        }
        w.end_object();
    }
    if let Some(default) = schema.default_value() {
        w.key("default");
        write_value(w, opts, Some(schema), default)?;
    }
    if let Some(field) = field {
        w.key("field");
        w.string(field);
    }
    w.end_object();
    Ok(())
}

fn write_optional_schema(
    w: &mut JsonWriter,
    opts: Options,
    schema: Option<&Schema>,
) -> ConnectResult<()> {
    match schema {
        Some(s) => write_schema(w, opts, s, None),
        None => {
            w.null();
            Ok(())
        }
    }
}

/// Reads a schema; `None` for JSON null (no schema).
pub fn read_schema(opts: Options, node: &JsonNode) -> ConnectResult<Option<Schema>> {
    if node.is_null() {
        return Ok(None);
    }
    let type_name = node
        .get("type")
        .and_then(JsonNode::text_value)
        .ok_or_else(|| data("Schema must contain 'type' field"))?;
    let mut builder = match type_name {
        "array" => {
            let items = match node.get("items") {
                None | Some(JsonNode::Null) => {
                    return Err(data("Array schema did not specify the element type"))
                }
                Some(items) => required(read_schema(opts, items)?, "valueSchema")?,
            };
            SchemaBuilder::array(items)
        }
        "map" => {
            let keys = node
                .get("keys")
                .ok_or_else(|| data("Map schema did not specify the key type"))?;
            let values = node
                .get("values")
                .ok_or_else(|| data("Map schema did not specify the value type"))?;
            SchemaBuilder::map(
                required(read_schema(opts, keys)?, "keySchema")?,
                required(read_schema(opts, values)?, "valueSchema")?,
            )
        }
        "struct" => {
            let Some(JsonNode::Array(fields)) = node.get("fields") else {
                return Err(data("Struct schema's \"fields\" argument is not an array."));
            };
            let mut builder = SchemaBuilder::struct_();
            for field in fields {
                let name = field
                    .get("field")
                    .and_then(JsonNode::text_value)
                    .ok_or_else(|| data("Struct schema's field name not specified properly"))?;
                let field_schema = required(read_schema(opts, field)?, "fieldSchema")?;
                builder = builder.try_field(name, field_schema)?;
            }
            builder
        }
        other => match Type::from_name(other) {
            Some(t) => SchemaBuilder::new(t),
            None => return Err(data(format!("Unknown schema type: {other}"))),
        },
    };
    if let Some(JsonNode::Bool(true)) = node.get("optional") {
        builder = builder.optional();
    }
    if let Some(name) = node.get("name").and_then(JsonNode::text_value) {
        builder = builder.name(name);
    }
    if let Some(version) = node.get("version") {
        if version.is_integral() {
            builder = builder.version(version.int_value());
        }
    }
    if let Some(doc) = node.get("doc").and_then(JsonNode::text_value) {
        builder = builder.doc(doc);
    }
    if let Some(JsonNode::Object(params)) = node.get("parameters") {
        for (k, v) in params {
            let v = v
                .text_value()
                .ok_or_else(|| data("Schema parameters must have string values."))?;
            builder = builder.parameter(k.clone(), v);
        }
    }
    if let Some(default) = node.get("default") {
        let current = builder.clone().build();
        let value = to_connect(opts, Some(&current), Some(default))?;
        if builder.type_() == Type::Struct && !value.is_null() {
            // Java compares the default's struct schema with the builder,
            // which never matches: a struct cannot have a default.
            return Err(data("Invalid default value"));
        }
        builder = builder.try_default_value(value)?;
    }
    Ok(Some(builder.build()))
}

fn required(schema: Option<Schema>, what: &str) -> ConnectResult<Schema> {
    schema.ok_or_else(|| data(format!("{what} cannot be null.")))
}
