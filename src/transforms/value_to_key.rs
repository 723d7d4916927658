//! ValueToKey (`org.apache.kafka.connect.transforms.ValueToKey`): replaces
//! the record key with a new key made of some fields of the value (a
//! Struct with those fields, or a map with those entries). A null value is
//! an error, as in Java.

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::{SchemaBuilder, Struct, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    field_list_validator, field_value, replace_null_with_default_key, require_map, require_struct,
    SchemaCache, SimpleConfig, REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str =
    "Replace the record key with a new key formed from a subset of fields in the record value.";

const FIELDS_CONFIG: &str = "fields";
const PURPOSE: &str = "copying fields from value to key";

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS_CONFIG,
                Type::List,
                Importance::High,
                "Field names on the record value to extract as the record key.",
            )
            .with_validator(field_list_validator(false)),
        )
        .define(replace_null_with_default_key())
}

pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
    /// Key schema per value schema.
    cache: SchemaCache,
}

impl Default for ValueToKey {
    fn default() -> ValueToKey {
        ValueToKey::new()
    }
}

impl ValueToKey {
    pub fn new() -> ValueToKey {
        ValueToKey {
            fields: Vec::new(),
            replace_null_with_default: true,
            cache: SchemaCache::default(),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for ValueToKey {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.fields = config.get_list(FIELDS_CONFIG);
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        match record.value_schema() {
            None => {
                let entries = require_map(record.value(), PURPOSE)?;
                let mut key = Vec::with_capacity(self.fields.len());
                for field in &self.fields {
                    let v = entries
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(field))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null);
                    Value::map_put(&mut key, Value::from(field.as_str()), v);
                }
                record.set_key(None, Value::Map(key));
            }
            Some(_) => {
                let value = require_struct(record.value(), PURPOSE)?;
                let key_schema = self.cache.get_or_try_insert(value.schema(), || {
                    let mut builder = SchemaBuilder::struct_();
                    for field in &self.fields {
                        let from = value.schema().field(field).ok_or_else(|| {
                            ConnectError::data(format!("Field does not exist: {field}"))
                        })?;
                        builder = builder.try_field(field.clone(), from.schema.clone())?;
                    }
                    Ok(builder.build())
                })?;
                let mut key = Struct::new(key_schema.clone());
                for field in &self.fields {
                    let v = match value.schema().field(field) {
                        Some(f) => field_value(value, f.index, self.replace_null_with_default),
                        None => Value::Null,
                    };
                    key.set(field, v)?;
                }
                record.set_key(Some(key_schema), Value::Struct(key));
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Schema, Type as SchemaType};
    use crate::api::record::SinkRecord;
    use crate::transforms::util::test_support::{map, props, sink};

    fn xform(pairs: &[(&str, &str)]) -> ValueToKey {
        let mut t = ValueToKey::new();
        Transformation::<SinkRecord>::configure(&mut t, &props(pairs)).unwrap();
        t
    }

    #[test]
    fn schemaless() {
        let t = xform(&[("fields", "a,b")]);
        let value = map(&[
            ("a", Value::Int32(1)),
            ("b", Value::Int32(2)),
            ("c", Value::Int32(3)),
        ]);
        let r = t
            .apply(sink(None, Value::Null, None, value.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(r.key_schema, None);
        assert_eq!(
            r.key,
            map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))])
        );
        assert_eq!(r.value, value);
        // A missing field gives a null entry.
        let t = xform(&[("fields", "a,z")]);
        let r = t
            .apply(sink(None, Value::Null, None, value))
            .unwrap()
            .unwrap();
        assert_eq!(r.key, map(&[("a", Value::Int32(1)), ("z", Value::Null)]));
    }

    #[test]
    fn with_schema() {
        let t = xform(&[("fields", "a,b")]);
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::int32())
            .field("c", Schema::int32())
            .build();
        let value = Struct::new(schema.clone())
            .put("a", Value::Int32(1))
            .unwrap()
            .put("b", Value::Int32(2))
            .unwrap()
            .put("c", Value::Int32(3))
            .unwrap();
        let r = t
            .apply(sink(None, Value::Null, Some(schema), Value::Struct(value)))
            .unwrap()
            .unwrap();
        let expected_schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::int32())
            .build();
        let expected = Struct::new(expected_schema.clone())
            .put("a", Value::Int32(1))
            .unwrap()
            .put("b", Value::Int32(2))
            .unwrap();
        assert_eq!(r.key_schema, Some(expected_schema));
        assert_eq!(r.key, Value::Struct(expected));
    }

    #[test]
    fn repeated_fields_count_once() {
        let t = xform(&[("fields", "a,a")]);
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let value = Struct::new(schema.clone())
            .put("a", Value::Int32(1))
            .unwrap();
        let r = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema.clone()),
                Value::Struct(value),
            ))
            .unwrap()
            .unwrap();
        assert_eq!(r.key_schema.unwrap().fields().len(), 1);
    }

    #[test]
    fn non_existing_field() {
        let t = xform(&[("fields", "not_exist")]);
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let value = Struct::new(schema.clone())
            .put("a", Value::Int32(1))
            .unwrap();
        let e = t
            .apply(sink(None, Value::Null, Some(schema), Value::Struct(value)))
            .unwrap_err();
        assert_eq!(e.message, "Field does not exist: not_exist");
    }

    #[test]
    fn null_value_fails_like_java() {
        let t = xform(&[("fields", "a")]);
        let e = t
            .apply(sink(None, Value::Null, None, Value::Null))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
        );
    }

    #[test]
    fn null_struct_value_fails_like_java() {
        let t = xform(&[("fields", "a")]);
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let e = t
            .apply(sink(None, Value::Null, Some(schema), Value::Null))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [copying fields from value to key], found: null"
        );
    }

    #[test]
    fn replace_null_with_default() {
        let schema = SchemaBuilder::struct_()
            .field(
                "optional_with_default",
                SchemaBuilder::new(SchemaType::Int32)
                    .optional()
                    .default_value(Value::Int32(42))
                    .build(),
            )
            .build();
        for (flag, want) in [("true", Value::Int32(42)), ("false", Value::Null)] {
            let t = xform(&[
                ("fields", "optional_with_default"),
                ("replace.null.with.default", flag),
            ]);
            let r = t
                .apply(sink(
                    None,
                    Value::Null,
                    Some(schema.clone()),
                    Value::Struct(Struct::new(schema.clone())),
                ))
                .unwrap()
                .unwrap();
            match r.key {
                Value::Struct(k) => {
                    assert_eq!(k.get_without_default("optional_with_default"), Some(&want))
                }
                other => panic!("not a struct: {other:?}"),
            }
        }
    }

    #[test]
    fn fields_must_be_a_non_empty_list() {
        let mut t = ValueToKey::new();
        let e =
            Transformation::<SinkRecord>::configure(&mut t, &props(&[("fields", "")])).unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'fields' must not be empty. Valid values include: any non-empty value"
        );
        let e = Transformation::<SinkRecord>::configure(&mut t, &props(&[("fields", "a,,b")]))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'fields' values must not be empty."
        );
        let e = Transformation::<SinkRecord>::configure(&mut t, &props(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"fields\" which has no default value."
        );
    }
}
