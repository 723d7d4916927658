//! ExtractField (`org.apache.kafka.connect.transforms.ExtractField$Key` /
//! `$Value`): replaces the key or value with one of its fields, from a
//! Struct (the field's schema becomes the schema) or a schemaless map.
//! Nested fields with `field.syntax.version=V2` (KIP-821). Null passes
//! through.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::Value;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::field_path::{FieldSyntaxVersion, SingleFieldPath};
use super::util::{
    config_error, replace_null_with_default_key, require_map_or_null, require_struct_or_null,
    SimpleConfig, Which, REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str = "Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. Any null values are passed through unmodified.";

const FIELD_CONFIG: &str = "field";
const PURPOSE: &str = "field extraction";

pub fn config_def() -> ConfigDef {
    let def = ConfigDef::new()
        .define(ConfigKey::new(
            FIELD_CONFIG,
            Type::String,
            Importance::Medium,
            "Field name to extract.",
        ))
        .define(replace_null_with_default_key());
    FieldSyntaxVersion::append_config_to(def)
}

/// ExtractField on the key or the value.
pub struct ExtractField {
    which: Which,
    /// The path as configured, for the "Unknown field" message.
    original_path: String,
    field_path: SingleFieldPath,
    replace_null_with_default: bool,
}

impl ExtractField {
    pub fn new(which: Which) -> ExtractField {
        ExtractField {
            which,
            original_path: String::new(),
            field_path: SingleFieldPath::plain(""),
            replace_null_with_default: true,
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for ExtractField {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        let version = FieldSyntaxVersion::from_config(&config).map_err(config_error)?;
        self.original_path = config
            .get_string(FIELD_CONFIG)
            .unwrap_or_default()
            .to_string();
        self.field_path =
            SingleFieldPath::new(&self.original_path, version).map_err(config_error)?;
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let (schema, value) = self.which.take(&mut record);
        match schema {
            None => {
                let extracted = match require_map_or_null(&value, PURPOSE)? {
                    None => Value::Null,
                    Some(entries) => self
                        .field_path
                        .value_from_map(entries)?
                        .cloned()
                        .unwrap_or(Value::Null),
                };
                self.which.set(&mut record, None, extracted);
            }
            Some(schema) => {
                let current = require_struct_or_null(&value, PURPOSE)?;
                let field = self.field_path.field_from(&schema)?.ok_or_else(|| {
                    ConnectError::data(format!("Unknown field: {}", self.original_path))
                })?;
                let extracted = match current {
                    None => Value::Null,
                    Some(s) => self
                        .field_path
                        .value_from_struct(s, self.replace_null_with_default)?
                        .cloned()
                        .unwrap_or(Value::Null),
                };
                let field_schema = field.schema.clone();
                self.which.set(&mut record, Some(field_schema), extracted);
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Schema, SchemaBuilder, Struct};
    use crate::api::record::SinkRecord;
    use crate::transforms::util::test_support::{map, props, sink};

    fn extract(which: Which, pairs: &[(&str, &str)]) -> ExtractField {
        let mut t = ExtractField::new(which);
        Transformation::<SinkRecord>::configure(&mut t, &props(pairs)).unwrap();
        t
    }

    fn key_of(t: &ExtractField, schema: Option<Schema>, key: Value) -> SinkRecord {
        t.apply(sink(schema, key, None, Value::Null))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn schemaless() {
        let t = extract(Which::Key, &[("field", "magic")]);
        let r = key_of(&t, None, map(&[("magic", Value::Int32(42))]));
        assert_eq!(r.key_schema, None);
        assert_eq!(r.key, Value::Int32(42));
    }

    #[test]
    fn schemaless_nested_path() {
        let t = extract(
            Which::Key,
            &[("field", "magic.foo"), ("field.syntax.version", "V2")],
        );
        let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
        assert_eq!(key_of(&t, None, key).key, Value::Int32(42));
        // V1 takes the dotted name as one field name.
        let t = extract(Which::Key, &[("field", "magic.foo")]);
        let key = map(&[("magic.foo", Value::Int32(7))]);
        assert_eq!(key_of(&t, None, key).key, Value::Int32(7));
    }

    #[test]
    fn schemaless_null_and_missing() {
        let t = extract(Which::Key, &[("field", "magic")]);
        let r = key_of(&t, None, Value::Null);
        assert_eq!((r.key_schema, r.key), (None, Value::Null));
        let t = extract(Which::Key, &[("field", "nonexistent")]);
        assert_eq!(
            key_of(&t, None, map(&[("magic", Value::Int32(42))])).key,
            Value::Null
        );
        let t = extract(
            Which::Key,
            &[
                ("field", "magic.nonexistent"),
                ("field.syntax.version", "v2"),
            ],
        );
        let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
        assert_eq!(key_of(&t, None, key).key, Value::Null);
    }

    #[test]
    fn schemaless_non_map_fails() {
        let t = extract(Which::Value, &[("field", "magic")]);
        let e = t
            .apply(sink(None, Value::Null, None, Value::Int32(1)))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Integer"
        );
    }

    #[test]
    fn with_schema() {
        let t = extract(Which::Key, &[("field", "magic")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .build();
        let key = Struct::new(schema.clone())
            .put("magic", Value::Int32(42))
            .unwrap();
        let r = key_of(&t, Some(schema), Value::Struct(key));
        assert_eq!(r.key_schema, Some(Schema::int32()));
        assert_eq!(r.key, Value::Int32(42));
    }

    #[test]
    fn with_schema_nested_path() {
        let t = extract(
            Which::Key,
            &[("field", "magic.foo"), ("field.syntax.version", "V2")],
        );
        let foo = SchemaBuilder::struct_()
            .field("foo", Schema::int32())
            .build();
        let schema = SchemaBuilder::struct_().field("magic", foo.clone()).build();
        let key = Struct::new(schema.clone())
            .put(
                "magic",
                Value::Struct(Struct::new(foo).put("foo", Value::Int32(42)).unwrap()),
            )
            .unwrap();
        let r = key_of(&t, Some(schema.clone()), Value::Struct(key.clone()));
        assert_eq!(r.key_schema, Some(Schema::int32()));
        assert_eq!(r.key, Value::Int32(42));

        let t = extract(
            Which::Key,
            &[
                ("field", "magic.nonexistent"),
                ("field.syntax.version", "V2"),
            ],
        );
        let e = t
            .apply(sink(Some(schema), Value::Struct(key), None, Value::Null))
            .unwrap_err();
        assert_eq!(e.message, "Unknown field: magic.nonexistent");
    }

    #[test]
    fn with_schema_null_value_keeps_field_schema() {
        let t = extract(Which::Key, &[("field", "magic")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .optional()
            .build();
        let r = key_of(&t, Some(schema), Value::Null);
        assert_eq!(r.key_schema, Some(Schema::int32()));
        assert_eq!(r.key, Value::Null);
    }

    #[test]
    fn with_schema_unknown_field_fails() {
        let t = extract(Which::Key, &[("field", "nonexistent")]);
        let schema = SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .build();
        let key = Struct::new(schema.clone())
            .put("magic", Value::Int32(42))
            .unwrap();
        let e = t
            .apply(sink(Some(schema), Value::Struct(key), None, Value::Null))
            .unwrap_err();
        assert_eq!(e.message, "Unknown field: nonexistent");
    }

    #[test]
    fn replace_null_with_default() {
        let schema = SchemaBuilder::struct_()
            .field(
                "optional_with_default",
                SchemaBuilder::new(crate::api::data::Type::Int32)
                    .optional()
                    .default_value(Value::Int32(42))
                    .build(),
            )
            .build();
        let value = Struct::new(schema.clone());
        for (replace, want) in [("true", Value::Int32(42)), ("false", Value::Null)] {
            for which in [Which::Key, Which::Value] {
                let t = extract(
                    which,
                    &[
                        ("field", "optional_with_default"),
                        ("replace.null.with.default", replace),
                    ],
                );
                let record = match which {
                    Which::Key => sink(
                        Some(schema.clone()),
                        Value::Struct(value.clone()),
                        None,
                        Value::Null,
                    ),
                    Which::Value => sink(
                        None,
                        Value::Null,
                        Some(schema.clone()),
                        Value::Struct(value.clone()),
                    ),
                };
                let r = t.apply(record).unwrap().unwrap();
                assert_eq!(which.value(&r), &want);
            }
        }
    }

    #[test]
    fn empty_v2_path_fails_at_record_time_like_java() {
        let t = extract(
            Which::Value,
            &[("field", ""), ("field.syntax.version", "V2")],
        );
        let e = t
            .apply(sink(
                None,
                Value::Null,
                None,
                map(&[("a", Value::Int32(1))]),
            ))
            .unwrap_err();
        assert_eq!(e.message, "fromIndex(0) > toIndex(-1)");
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let v = Struct::new(schema.clone())
            .put("a", Value::Int32(1))
            .unwrap();
        let e = t
            .apply(sink(None, Value::Null, Some(schema), Value::Struct(v)))
            .unwrap_err();
        assert_eq!(e.message, "fromIndex(0) > toIndex(-1)");
        // A non-struct schema cannot be looked into.
        let t = extract(Which::Value, &[("field", "a")]);
        let e = t
            .apply(sink(
                None,
                Value::Null,
                Some(Schema::optional_int32()),
                Value::Null,
            ))
            .unwrap_err();
        assert_eq!(e.message, "Cannot look up fields on non-struct type");
    }

    #[test]
    fn nested_path_through_a_primitive_fails() {
        let t = extract(
            Which::Value,
            &[("field", "s.x"), ("field.syntax.version", "V2")],
        );
        let schema = SchemaBuilder::struct_()
            .field("s", Schema::string())
            .build();
        let v = Struct::new(schema.clone())
            .put("s", Value::from("x"))
            .unwrap();
        let e = t
            .apply(sink(None, Value::Null, Some(schema), Value::Struct(v)))
            .unwrap_err();
        assert_eq!(e.message, "Cannot look up fields on non-struct type");
    }

    #[test]
    fn config_errors() {
        let mut t = ExtractField::new(Which::Value);
        let e = Transformation::<SinkRecord>::configure(
            &mut t,
            &props(&[("field", "`a.b"), ("field.syntax.version", "V2")]),
        )
        .unwrap_err();
        assert_eq!(e.message, "Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it");
        let e = Transformation::<SinkRecord>::configure(
            &mut t,
            &props(&[("field", "a"), ("field.syntax.version", "V3")]),
        )
        .unwrap_err();
        assert_eq!(e.message, "Invalid value V3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2");
        let keys: Vec<_> = config_def().names().map(str::to_string).collect();
        assert_eq!(
            keys,
            ["field", "replace.null.with.default", "field.syntax.version"]
        );
    }
}
