//! `org.apache.kafka.connect.transforms.HeaderFrom$Key` / `$Value`: copies
//! or moves fields of the key or value into headers. The i-th name of
//! `fields` goes to the i-th name of `headers`; `operation` is `copy` (the
//! field stays) or `move` (it is removed, from the schema too).
//!
//! As in Kafka 4.x, `fields` are top-level field names (this SMT has no
//! `field.syntax.version`). With a schema the value must be a Struct and
//! each header gets the field's schema; without one it must be a map and
//! headers have no schema (a missing key gives a null header).

use std::sync::Mutex;

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::ConnectHeader;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::Which;
use super::util_props::{
    config_error, non_empty_list, require_map, require_struct, set_operating, take_operating,
    SimpleConfig,
};

pub const FIELDS_FIELD: &str = "fields";
pub const HEADERS_FIELD: &str = "headers";
pub const OPERATION_FIELD: &str = "operation";
pub const REPLACE_NULL_WITH_DEFAULT_FIELD: &str = "replace.null.with.default";
const MOVE_OPERATION: &str = "move";
const COPY_OPERATION: &str = "copy";

pub const OVERVIEW_DOC: &str = "Moves or copies fields in the key/value of a record into that record's headers. \
Corresponding elements of <code>fields</code> and <code>headers</code> together identify a field and the header it should be \
moved or copied to. Use the concrete transformation type designed for the record \
key (<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value (<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>).";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Move,
    Copy,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Move => MOVE_OPERATION,
            Operation::Copy => COPY_OPERATION,
        }
    }
}

/// Fields of the key or value to headers.
#[derive(Debug)]
pub struct HeaderFrom {
    which: Which,
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
    /// The last schema seen and its schema without the moved fields.
    move_schema_cache: Mutex<Option<(Schema, Schema)>>,
}

impl HeaderFrom {
    pub fn new(which: Which) -> HeaderFrom {
        HeaderFrom {
            which,
            fields: Vec::new(),
            headers: Vec::new(),
            operation: Operation::Copy,
            replace_null_with_default: true,
            move_schema_cache: Mutex::new(None),
        }
    }

    fn purpose(&self) -> String {
        format!("header {}", self.operation.name())
    }

    fn field_value<'a>(&self, value: &'a Struct, index: usize) -> &'a Value {
        if self.replace_null_with_default {
            value.get_index(index)
        } else {
            value.values().get(index).unwrap_or(&Value::Null)
        }
    }

    /// The schema without the moved fields: the same name, version, doc and
    /// parameters (Java's `copySchemaBasics`; not optional, no default).
    fn move_schema(&self, schema: &Schema) -> Schema {
        if let Ok(cache) = self.move_schema_cache.lock() {
            if let Some((from, to)) = cache.as_ref() {
                if from.ptr_eq(schema) || from == schema {
                    return to.clone();
                }
            }
        }
        let mut builder = SchemaBuilder::struct_().parameters(schema.parameters());
        if let Some(name) = schema.name() {
            builder = builder.name(name);
        }
        if let Some(version) = schema.version() {
            builder = builder.version(version);
        }
        if let Some(doc) = schema.doc() {
            builder = builder.doc(doc);
        }
        for field in schema.fields() {
            if !self.fields.contains(&field.name) {
                builder = builder.field(field.name.clone(), field.schema.clone());
            }
        }
        let moved = builder.build();
        if let Ok(mut cache) = self.move_schema_cache.lock() {
            *cache = Some((schema.clone(), moved.clone()));
        }
        moved
    }

    fn apply_with_schema(
        &self,
        schema: Schema,
        value: Value,
    ) -> ConnectResult<(Schema, Value, Vec<ConnectHeader>)> {
        let purpose = self.purpose();
        let original = require_struct(&value, &purpose)?;
        let mut headers = Vec::with_capacity(self.fields.len());
        for (field_name, header_name) in self.fields.iter().zip(&self.headers) {
            let field_value = original
                .schema()
                .field(field_name)
                .map_or(Value::Null, |f| self.field_value(original, f.index).clone());
            let field_schema = schema
                .field(field_name)
                .ok_or_else(|| {
                    ConnectError::data(format!("{field_name} is not a valid field name"))
                })?
                .schema
                .clone();
            // `ConnectHeaders.add` checks that a null fits the schema.
            if field_value.is_null() && !field_schema.is_optional() {
                return Err(ConnectError::data(format!(
                    "A null value requires an optional schema but was {field_schema}"
                )));
            }
            headers.push(ConnectHeader {
                key: header_name.clone(),
                schema: Some(field_schema),
                value: field_value,
            });
        }
        if self.operation == Operation::Copy {
            return Ok((schema, value, headers));
        }
        let updated_schema = self.move_schema(&schema);
        let mut updated = Struct::new(updated_schema.clone());
        for field in updated_schema.fields() {
            let field_value = original
                .schema()
                .field(&field.name)
                .map_or(Value::Null, |f| self.field_value(original, f.index).clone());
            updated.set_index(field.index, field_value)?;
        }
        Ok((updated_schema, Value::Struct(updated), headers))
    }

    fn apply_schemaless(&self, value: Value) -> ConnectResult<(Value, Vec<ConnectHeader>)> {
        let purpose = self.purpose();
        let original = require_map(&value, &purpose)?;
        let mut updated = original.to_vec();
        let mut headers = Vec::with_capacity(self.fields.len());
        for (field_name, header_name) in self.fields.iter().zip(&self.headers) {
            let key = Value::from(field_name.as_str());
            let field_value = Value::map_get(original, &key)
                .cloned()
                .unwrap_or(Value::Null);
            if self.operation == Operation::Move {
                updated.retain(|(k, _)| *k != key);
            }
            headers.push(ConnectHeader {
                key: header_name.clone(),
                schema: None,
                value: field_value,
            });
        }
        Ok((Value::Map(updated), headers))
    }
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS_FIELD,
                Type::List,
                Importance::High,
                "Field names in the record whose values are to be copied or moved to headers.",
            )
            .with_validator(non_empty_list()),
        )
        .define(
            ConfigKey::new(
                HEADERS_FIELD,
                Type::List,
                Importance::High,
                "Header names, in the same order as the field names listed in the fields configuration property.",
            )
            .with_validator(non_empty_list()),
        )
        .define(
            ConfigKey::new(
                OPERATION_FIELD,
                Type::String,
                Importance::High,
                "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), \
or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
            )
            .with_validator(Validator::valid_string(&[MOVE_OPERATION, COPY_OPERATION])),
        )
        .define(
            ConfigKey::new(
                REPLACE_NULL_WITH_DEFAULT_FIELD,
                Type::Boolean,
                Importance::Medium,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
            )
            .with_default(true),
        )
}

impl<R: ConnectRecord> Transformation<R> for HeaderFrom {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        let fields = config.list(FIELDS_FIELD);
        let headers = config.list(HEADERS_FIELD);
        if fields.len() != headers.len() {
            return Err(config_error(format!(
                "'{FIELDS_FIELD}' config must have the same number of elements as '{HEADERS_FIELD}' config."
            )));
        }
        self.fields = fields;
        self.headers = headers;
        self.operation = match config.string(OPERATION_FIELD).as_deref() {
            Some(MOVE_OPERATION) => Operation::Move,
            _ => Operation::Copy,
        };
        self.replace_null_with_default = config.boolean(REPLACE_NULL_WITH_DEFAULT_FIELD);
        if let Ok(mut cache) = self.move_schema_cache.lock() {
            *cache = None;
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let (schema, value) = take_operating(&mut record, self.which);
        let (schema, value, headers) = match schema {
            Some(schema) => {
                let (s, v, h) = self.apply_with_schema(schema, value)?;
                (Some(s), v, h)
            }
            None => {
                let (v, h) = self.apply_schemaless(value)?;
                (None, v, h)
            }
        };
        set_operating(&mut record, self.which, schema, value);
        record.headers_mut().extend(headers);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SourceRecord;

    /// Fields (name, schema, value) and headers (key, schema, value) of a
    /// record, as Java's test builds them.
    #[derive(Clone, Default)]
    struct Spec {
        fields: Vec<(&'static str, Schema, Value)>,
        headers: Vec<(&'static str, Schema, Value)>,
    }

    impl Spec {
        fn field(mut self, name: &'static str, schema: Schema, value: Value) -> Spec {
            self.fields.push((name, schema, value));
            self
        }
        fn header(mut self, key: &'static str, schema: Schema, value: Value) -> Spec {
            self.headers.push((key, schema, value));
            self
        }

        fn record(&self, which: Which, with_schema: bool) -> SourceRecord {
            let (schema, value) = if with_schema {
                let mut b = SchemaBuilder::struct_();
                for (name, schema, _) in &self.fields {
                    b = b.field(*name, schema.clone());
                }
                let schema = b.build();
                let mut s = Struct::new(schema.clone());
                for (name, _, value) in &self.fields {
                    s.set(name, value.clone()).unwrap();
                }
                (Some(schema), Value::Struct(s))
            } else {
                let entries = self
                    .fields
                    .iter()
                    .map(|(n, _, v)| (Value::from(*n), v.clone()))
                    .collect();
                (None, Value::Map(entries))
            };
            let mut r = SourceRecord::new(
                Default::default(),
                Default::default(),
                "topic",
                None,
                Value::from("value"),
            );
            r.key = Value::from("key");
            r.kafka_partition = Some(0);
            r.timestamp = Some(0);
            match which {
                Which::Key => {
                    r.key_schema = schema;
                    r.key = value;
                }
                Which::Value => {
                    r.value_schema = schema;
                    r.value = value;
                }
            }
            r.headers = self
                .headers
                .iter()
                .map(|(k, s, v)| ConnectHeader {
                    key: k.to_string(),
                    // Schemaless records carry headers without schemas.
                    schema: with_schema.then(|| s.clone()),
                    value: v.clone(),
                })
                .collect();
            r
        }
    }

    fn xform(which: Which, pairs: &[(&str, &str)]) -> ConnectResult<HeaderFrom> {
        let mut x = HeaderFrom::new(which);
        let props: Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Transformation::<SourceRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    fn optional_with_default() -> Schema {
        SchemaBuilder::new(crate::api::data::Type::String)
            .default_value(Value::from("default"))
            .optional()
            .build()
    }

    fn cases() -> Vec<(
        &'static str,
        Spec,
        &'static str,
        &'static str,
        &'static str,
        bool,
        Spec,
    )> {
        let s = Schema::string;
        let inner = SchemaBuilder::struct_().field("foo", s()).build();
        let inner_value = Value::Struct(
            Struct::new(inner.clone())
                .put("foo", Value::from("foo-value"))
                .unwrap(),
        );
        let base = Spec::default()
            .field("field1", s(), Value::from("field1-value"))
            .field("field2", s(), Value::from("field2-value"));
        let nullable = Spec::default()
            .field(
                "field1",
                optional_with_default(),
                Value::from("field1-value"),
            )
            .field("field2", optional_with_default(), Value::Null)
            .header("header1", s(), Value::from("existing-value"));
        vec![
            (
                "basic copy",
                base.clone()
                    .header("header1", s(), Value::from("existing-value")),
                "field1",
                "inserted1",
                "copy",
                true,
                base.clone()
                    .header("header1", s(), Value::from("existing-value"))
                    .header("inserted1", s(), Value::from("field1-value")),
            ),
            (
                "basic move",
                base.clone()
                    .header("header1", s(), Value::from("existing-value")),
                "field1",
                "inserted1",
                "move",
                true,
                Spec::default()
                    .field("field2", s(), Value::from("field2-value"))
                    .header("header1", s(), Value::from("existing-value"))
                    .header("inserted1", s(), Value::from("field1-value")),
            ),
            (
                "move with preexisting header",
                base.clone()
                    .header("inserted1", s(), Value::from("existing-value")),
                "field1",
                "inserted1",
                "move",
                true,
                Spec::default()
                    .field("field2", s(), Value::from("field2-value"))
                    .header("inserted1", s(), Value::from("existing-value"))
                    .header("inserted1", s(), Value::from("field1-value")),
            ),
            (
                "copy with struct value",
                Spec::default()
                    .field("field1", inner.clone(), inner_value.clone())
                    .field("field2", s(), Value::from("field2-value")),
                "field1",
                "inserted1",
                "copy",
                true,
                Spec::default()
                    .field("field1", inner.clone(), inner_value.clone())
                    .field("field2", s(), Value::from("field2-value"))
                    .header("inserted1", inner.clone(), inner_value.clone()),
            ),
            (
                "two headers from same field",
                base.clone(),
                "field1,field1",
                "inserted1,inserted2",
                "move",
                true,
                Spec::default()
                    .field("field2", s(), Value::from("field2-value"))
                    .header("inserted1", s(), Value::from("field1-value"))
                    .header("inserted2", s(), Value::from("field1-value")),
            ),
            (
                "two fields to same header",
                base.clone(),
                "field1,field2",
                "inserted1,inserted1",
                "move",
                true,
                Spec::default()
                    .header("inserted1", s(), Value::from("field1-value"))
                    .header("inserted1", s(), Value::from("field2-value")),
            ),
            (
                "copy null field without default",
                nullable.clone(),
                "field1,field2",
                "inserted1,inserted2",
                "copy",
                false,
                nullable
                    .clone()
                    .header(
                        "inserted1",
                        optional_with_default(),
                        Value::from("field1-value"),
                    )
                    .header("inserted2", optional_with_default(), Value::Null),
            ),
            (
                "move null field without default",
                nullable.clone(),
                "field1,field2",
                "inserted1,inserted2",
                "move",
                false,
                Spec::default()
                    .header("header1", s(), Value::from("existing-value"))
                    .header(
                        "inserted1",
                        optional_with_default(),
                        Value::from("field1-value"),
                    )
                    .header("inserted2", optional_with_default(), Value::Null),
            ),
        ]
    }

    #[test]
    fn java_cases_with_and_without_schema_on_key_and_value() {
        for which in [Which::Key, Which::Value] {
            for with_schema in [true, false] {
                for (name, input, fields, headers, op, replace, expected) in cases() {
                    let x = xform(
                        which,
                        &[
                            ("fields", fields),
                            ("headers", headers),
                            ("operation", op),
                            (
                                "replace.null.with.default",
                                if replace { "true" } else { "false" },
                            ),
                        ],
                    )
                    .unwrap();
                    let original = input.record(which, with_schema);
                    let out = x.apply(original.clone()).unwrap().unwrap();
                    let want = expected.record(which, with_schema);
                    let ctx = format!("{name} {which:?} schema={with_schema}");
                    assert_eq!(out.headers, want.headers, "{ctx}");
                    match which {
                        Which::Key => {
                            assert_eq!(out.key, want.key, "{ctx}");
                            assert_eq!(out.key_schema, want.key_schema, "{ctx}");
                            assert_eq!(out.value, original.value, "{ctx}");
                        }
                        Which::Value => {
                            assert_eq!(out.value, want.value, "{ctx}");
                            assert_eq!(out.value_schema, want.value_schema, "{ctx}");
                            assert_eq!(out.key, original.key, "{ctx}");
                        }
                    }
                    assert_eq!(out.topic, original.topic);
                    assert_eq!(out.timestamp, original.timestamp);
                }
            }
        }
    }

    #[test]
    fn default_replaces_null_when_asked() {
        let spec = Spec::default().field("f", optional_with_default(), Value::Null);
        let x = xform(
            Which::Value,
            &[("fields", "f"), ("headers", "h"), ("operation", "copy")],
        )
        .unwrap();
        let out = x.apply(spec.record(Which::Value, true)).unwrap().unwrap();
        assert_eq!(out.headers[0].value, Value::from("default"));
    }

    #[test]
    fn missing_fields() {
        // Schemaless: a null header.
        let spec = Spec::default().field("a", Schema::string(), Value::from("x"));
        let x = xform(
            Which::Value,
            &[("fields", "nope"), ("headers", "h"), ("operation", "move")],
        )
        .unwrap();
        let out = x.apply(spec.record(Which::Value, false)).unwrap().unwrap();
        assert_eq!(out.headers[0].value, Value::Null);
        assert_eq!(out.headers[0].schema, None);
        // With a schema: a data error (Java fails with a NullPointerException).
        let e = x.apply(spec.record(Which::Value, true)).unwrap_err();
        assert_eq!(e.message, "nope is not a valid field name");
    }

    #[test]
    fn wrong_values_are_data_errors() {
        let x = xform(
            Which::Value,
            &[("fields", "a"), ("headers", "h"), ("operation", "move")],
        )
        .unwrap();
        let mut r = Spec::default().record(Which::Value, false);
        r.value = Value::Null;
        let e = x.apply(r.clone()).unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [header move], found: null"
        );
        r.value_schema = Some(Schema::optional_string());
        r.value = Value::from("s");
        let e = x.apply(r).unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [header move], found: java.lang.String"
        );
    }

    #[test]
    fn moved_schema_keeps_name_and_version_but_not_optional() {
        let schema = SchemaBuilder::struct_()
            .name("n")
            .version(2)
            .optional()
            .field("a", Schema::string())
            .field("b", Schema::int32())
            .build();
        let value = Struct::new(schema.clone())
            .put("a", Value::from("x"))
            .unwrap()
            .put("b", Value::Int32(1))
            .unwrap();
        let x = xform(
            Which::Key,
            &[("fields", "a"), ("headers", "h"), ("operation", "move")],
        )
        .unwrap();
        let mut r = Spec::default().record(Which::Value, false);
        r.key_schema = Some(schema);
        r.key = Value::Struct(value);
        let out = x.apply(r).unwrap().unwrap();
        let moved = out.key_schema.unwrap();
        assert_eq!((moved.name(), moved.version()), (Some("n"), Some(2)));
        assert!(!moved.is_optional());
        assert_eq!(moved.fields().len(), 1);
        assert_eq!(moved.fields()[0].name, "b");
    }

    #[test]
    fn config_errors() {
        let e = xform(
            Which::Value,
            &[("fields", "a,b"), ("headers", "h"), ("operation", "move")],
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "'fields' config must have the same number of elements as 'headers' config."
        );
        let e = xform(
            Which::Value,
            &[("fields", "a"), ("headers", "h"), ("operation", "cut")],
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value cut for configuration operation: String must be one of: move, copy"
        );
        let e = xform(
            Which::Value,
            &[("fields", ""), ("headers", "h"), ("operation", "copy")],
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value [] for configuration fields: Empty list"
        );
        let e = xform(Which::Value, &[("fields", "a"), ("headers", "h")]).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"operation\" which has no default value."
        );
    }
}
