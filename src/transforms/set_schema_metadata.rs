//! `org.apache.kafka.connect.transforms.SetSchemaMetadata$Key` / `$Value`:
//! sets the name (`schema.name`), the version (`schema.version`) or both of
//! the key or value schema, everything else of the schema kept. A Struct
//! is rebuilt on the renamed schema, its null fields taking their defaults
//! unless `replace.null.with.default=false`. As in Kafka 4.x, only struct
//! schemas can be renamed (any other is a data error, `Cannot list fields
//! on non-struct type`); a record with neither schema nor value passes.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Type as SchemaType, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::Which;
use super::util_props::{
    config_error, operating_schema, operating_value, require_schema, set_operating, take_operating,
    SimpleConfig,
};

pub const OVERVIEW_DOC: &str = "Set the schema name, version or both on the record's key (<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Key</code>) or value (<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Value</code>) schema.";
pub const SCHEMA_NAME: &str = "schema.name";
pub const SCHEMA_VERSION: &str = "schema.version";
pub const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

/// Renames / re-versions the key or value schema.
#[derive(Debug)]
pub struct SetSchemaMetadata {
    which: Which,
    schema_name: Option<String>,
    schema_version: Option<i32>,
    replace_null_with_default: bool,
}

impl SetSchemaMetadata {
    pub fn new(which: Which) -> SetSchemaMetadata {
        SetSchemaMetadata {
            which,
            schema_name: None,
            schema_version: None,
            replace_null_with_default: true,
        }
    }

    /// The schema with the configured name and version, the rest as it was.
    fn updated_schema(&self, schema: &Schema) -> ConnectResult<Schema> {
        // Java builds the new schema from `schema.fields()`, which throws
        // for anything but a struct: only struct schemas can be renamed.
        if schema.type_() != SchemaType::Struct {
            return Err(ConnectError::data("Cannot list fields on non-struct type"));
        }
        let builder = SchemaBuilder::struct_();
        let mut builder = builder
            .optional_if(schema.is_optional())
            .parameters(schema.parameters());
        if let Some(default) = schema.default_value() {
            builder = builder.default_value(default.clone());
        }
        if let Some(name) = self.schema_name.as_deref().or(schema.name()) {
            builder = builder.name(name);
        }
        if let Some(version) = self.schema_version.or(schema.version()) {
            builder = builder.version(version);
        }
        if let Some(doc) = schema.doc() {
            builder = builder.doc(doc);
        }
        for field in schema.fields() {
            builder = builder.field(field.name.clone(), field.schema.clone());
        }
        Ok(builder.build())
    }

    /// Java's `updateSchemaIn`: a Struct rebuilt on the updated schema
    /// (which has the same fields); any other value as it is.
    fn update_schema_in(&self, value: Value, updated: &Schema) -> ConnectResult<Value> {
        let Value::Struct(original) = value else {
            return Ok(value);
        };
        let mut rebuilt = Struct::new(updated.clone());
        for index in 0..updated.fields().len() {
            let field_value = if self.replace_null_with_default {
                original.get_index(index).clone()
            } else {
                original.values().get(index).cloned().unwrap_or(Value::Null)
            };
            rebuilt.set_index(index, field_value)?;
        }
        Ok(Value::Struct(rebuilt))
    }
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SCHEMA_NAME, Type::String, Importance::High, "Schema name to set.")
                .with_null_default(),
        )
        .define(
            ConfigKey::new(
                SCHEMA_VERSION,
                Type::Int,
                Importance::High,
                "Schema version to set.",
            )
            .with_null_default(),
        )
        .define(
            ConfigKey::new(
                REPLACE_NULL_WITH_DEFAULT,
                Type::Boolean,
                Importance::Medium,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
            )
            .with_default(true),
        )
}

impl<R: ConnectRecord> Transformation<R> for SetSchemaMetadata {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.schema_name = config.string(SCHEMA_NAME);
        self.schema_version = config.int(SCHEMA_VERSION);
        self.replace_null_with_default = config.boolean(REPLACE_NULL_WITH_DEFAULT);
        if self.schema_name.is_none() && self.schema_version.is_none() {
            return Err(config_error("Neither schema name nor version configured"));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let schema = operating_schema(&record, self.which);
        if schema.is_none() && operating_value(&record, self.which).is_null() {
            return Ok(Some(record));
        }
        let updated = self.updated_schema(require_schema(schema, "updating schema metadata")?)?;
        tracing::trace!(?updated, "Applying SetSchemaMetadata SMT");
        let (_, value) = take_operating(&mut record, self.which);
        let value = self.update_schema_in(value, &updated)?;
        set_operating(&mut record, self.which, Some(updated), value);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::{SinkRecord, TimestampType};

    fn xform(which: Which, pairs: &[(&str, &str)]) -> ConnectResult<SetSchemaMetadata> {
        let mut x = SetSchemaMetadata::new(which);
        let props: Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Transformation::<SinkRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    fn record(value_schema: Option<Schema>, value: Value) -> SinkRecord {
        SinkRecord {
            topic: String::new(),
            partition: 0,
            offset: 0,
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            headers: Vec::new(),
        }
    }

    fn struct_schema() -> Schema {
        SchemaBuilder::struct_()
            .name("my.orig.SchemaDefn")
            .doc("docs")
            .field("f1", Schema::string())
            .field("f2", Schema::int32())
            .build()
    }

    #[test]
    fn name_version_or_both() {
        let empty = SchemaBuilder::struct_().build();
        let x = xform(Which::Value, &[("schema.name", "foo")]).unwrap();
        let out = x
            .apply(record(Some(empty.clone()), Value::Null))
            .unwrap()
            .unwrap();
        let schema = out.value_schema.unwrap();
        assert_eq!(schema.name(), Some("foo"));
        assert_eq!(schema.version(), None);
        assert_eq!(out.value, Value::Null);

        let x = xform(Which::Value, &[("schema.version", "42")]).unwrap();
        let out = x
            .apply(record(Some(empty.clone()), Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!(out.value_schema.as_ref().unwrap().version(), Some(42));
        assert_eq!(out.value_schema.as_ref().unwrap().name(), None);

        let x = xform(
            Which::Value,
            &[("schema.name", "foo"), ("schema.version", "42")],
        )
        .unwrap();
        let out = x.apply(record(Some(empty), Value::Null)).unwrap().unwrap();
        assert_eq!(out.value_schema.as_ref().unwrap().name(), Some("foo"));
        assert_eq!(out.value_schema.as_ref().unwrap().version(), Some(42));
    }

    #[test]
    fn struct_is_rebuilt_on_the_new_schema() {
        let schema = struct_schema();
        let value = Struct::new(schema.clone())
            .put("f1", Value::from("value1"))
            .unwrap()
            .put("f2", Value::Int32(1))
            .unwrap();
        let x = xform(
            Which::Value,
            &[("schema.name", "foo"), ("schema.version", "42")],
        )
        .unwrap();
        let out = x
            .apply(record(Some(schema.clone()), Value::Struct(value)))
            .unwrap()
            .unwrap();
        let new_schema = out.value_schema.unwrap();
        assert_eq!(new_schema.name(), Some("foo"));
        assert_eq!(new_schema.version(), Some(42));
        assert_eq!(new_schema.doc(), Some("docs"));
        assert_eq!(new_schema.fields(), schema.fields());
        let Value::Struct(s) = out.value else {
            panic!("not a struct")
        };
        assert!(s.schema().ptr_eq(&new_schema));
        assert_eq!(s.get("f1"), Some(&Value::from("value1")));
        assert_eq!(s.get("f2"), Some(&Value::Int32(1)));
    }

    #[test]
    fn null_fields_take_the_default_unless_told_not_to() {
        let schema = SchemaBuilder::struct_()
            .name("my.orig.SchemaDefn")
            .field(
                "f1",
                SchemaBuilder::new(SchemaType::String)
                    .default_value(Value::from("default"))
                    .optional()
                    .build(),
            )
            .field("f2", Schema::int32())
            .build();
        let value = Struct::new(schema.clone())
            .put("f2", Value::Int32(1))
            .unwrap();
        for (replace, expected) in [("false", Value::Null), ("true", Value::from("default"))] {
            let x = xform(
                Which::Value,
                &[
                    ("schema.name", "foo"),
                    ("schema.version", "42"),
                    ("replace.null.with.default", replace),
                ],
            )
            .unwrap();
            let out = x
                .apply(record(Some(schema.clone()), Value::Struct(value.clone())))
                .unwrap()
                .unwrap();
            let Value::Struct(s) = out.value else {
                panic!("not a struct")
            };
            assert_eq!(s.get_without_default("f1"), Some(&expected));
        }
    }

    #[test]
    fn schema_required_unless_null() {
        let x = xform(Which::Value, &[("schema.name", "foo")]).unwrap();
        let e = x.apply(record(None, Value::Int32(42))).unwrap_err();
        assert_eq!(e.message, "Schema required for [updating schema metadata]");
        assert_eq!(e.kind, crate::api::error::ErrorKind::Data);
        let out = x.apply(record(None, Value::Null)).unwrap().unwrap();
        assert_eq!(out.value_schema, None);
        assert_eq!(out.value, Value::Null);
    }

    #[test]
    fn key_variant_and_optional_struct() {
        let x = xform(Which::Key, &[("schema.name", "n"), ("schema.version", "3")]).unwrap();
        let mut r = record(None, Value::Null);
        let schema = SchemaBuilder::struct_()
            .optional()
            .doc("d")
            .parameter("p", "1")
            .field("a", Schema::int32())
            .build();
        r.key_schema = Some(schema.clone());
        r.key = Value::Null;
        let out = x.apply(r).unwrap().unwrap();
        let updated = out.key_schema.unwrap();
        assert!(updated.is_optional());
        assert_eq!(updated.parameters(), schema.parameters());
        assert_eq!(updated.doc(), Some("d"));
        assert_eq!((updated.name(), updated.version()), (Some("n"), Some(3)));
        assert_eq!(out.key, Value::Null);
        // The value side is left alone.
        assert_eq!(out.value_schema, None);
    }

    /// Kafka 4.3.1 fails on every schema but a struct (checked against its
    /// jar): it lists the schema's fields to copy it.
    #[test]
    fn only_struct_schemas() {
        let x = xform(Which::Value, &[("schema.name", "n")]).unwrap();
        let cases = [
            (Schema::int32(), Value::Int32(1)),
            (Schema::optional_string(), Value::Null),
            (
                SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
                Value::Map(vec![(Value::from("a"), Value::Int32(1))]),
            ),
            (
                SchemaBuilder::array(Schema::int32()).build(),
                Value::Array(vec![Value::Int32(1)]),
            ),
        ];
        for (schema, value) in cases {
            let e = x.apply(record(Some(schema), value)).unwrap_err();
            assert_eq!(e.kind, crate::api::error::ErrorKind::Data);
            assert_eq!(e.message, "Cannot list fields on non-struct type");
        }
    }

    #[test]
    fn config_needs_a_name_or_a_version() {
        let e = xform(Which::Value, &[]).unwrap_err();
        assert_eq!(e.message, "Neither schema name nor version configured");
        let e = xform(Which::Value, &[("schema.version", "x")]).unwrap_err();
        assert!(e.message.contains("schema.version"), "{}", e.message);
    }
}
