//! HoistField (`org.apache.kafka.connect.transforms.HoistField$Key` /
//! `$Value`): wraps the key or value in a Struct with one field (schema'd
//! data) or in a map with one entry (schemaless data).

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::{SchemaBuilder, Struct, Value};
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{SchemaCache, SimpleConfig, Which};

pub const OVERVIEW_DOC: &str = "Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.";

const FIELD_CONFIG: &str = "field";

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(
        FIELD_CONFIG,
        Type::String,
        Importance::Medium,
        "Field name for the single field that will be created in the resulting Struct or Map.",
    ))
}

/// HoistField on the key or the value.
pub struct HoistField {
    which: Which,
    field_name: String,
    /// Wrapper schema per input schema.
    cache: SchemaCache,
}

impl HoistField {
    pub fn new(which: Which) -> HoistField {
        HoistField {
            which,
            field_name: String::new(),
            cache: SchemaCache::default(),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for HoistField {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.field_name = config
            .get_string(FIELD_CONFIG)
            .unwrap_or_default()
            .to_string();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let (schema, value) = self.which.take(&mut record);
        match schema {
            None => {
                let wrapped = Value::Map(vec![(Value::from(self.field_name.as_str()), value)]);
                self.which.set(&mut record, None, wrapped);
            }
            Some(schema) => {
                let updated = self.cache.get_or_try_insert(&schema, || {
                    Ok(SchemaBuilder::struct_()
                        .try_field(self.field_name.clone(), schema.clone())?
                        .build())
                })?;
                let wrapped = Struct::new(updated.clone()).put(&self.field_name, value)?;
                self.which
                    .set(&mut record, Some(updated), Value::Struct(wrapped));
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Schema, Type as SchemaType};
    use crate::api::record::{SinkRecord, SourceRecord};
    use crate::transforms::util::test_support::{map, props, sink, source};

    fn hoist(which: Which, field: &str) -> HoistField {
        let mut t = HoistField::new(which);
        Transformation::<SourceRecord>::configure(&mut t, &props(&[("field", field)])).unwrap();
        t
    }

    #[test]
    fn schemaless_key() {
        let t = hoist(Which::Key, "magic");
        let r = t
            .apply(sink(None, Value::Int32(42), None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!(r.key_schema, None);
        assert_eq!(r.key, map(&[("magic", Value::Int32(42))]));
        assert_eq!(r.value, Value::Null);
    }

    #[test]
    fn schemaless_null_value_is_wrapped() {
        let t = hoist(Which::Value, "magic");
        let r: SinkRecord = t
            .apply(sink(None, Value::Null, None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!(r.value, map(&[("magic", Value::Null)]));
    }

    #[test]
    fn with_schema_key() {
        let t = hoist(Which::Key, "magic");
        let r = t
            .apply(source(
                Some(Schema::int32()),
                Value::Int32(42),
                None,
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        let schema = r.key_schema.clone().unwrap();
        assert_eq!(schema.type_(), SchemaType::Struct);
        assert_eq!(schema.name(), None);
        assert!(!schema.is_optional());
        assert_eq!(schema.fields().len(), 1);
        assert_eq!(schema.field("magic").unwrap().schema, Schema::int32());
        match &r.key {
            Value::Struct(s) => assert_eq!(s.get("magic"), Some(&Value::Int32(42))),
            other => panic!("not a struct: {other:?}"),
        }
    }

    #[test]
    fn with_schema_null_value_needs_optional_schema() {
        let t = hoist(Which::Value, "magic");
        let e = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::int32()),
                Value::Null,
            ))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value: null used for required field: \"magic\", schema type: INT32"
        );
        let r = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::optional_int32()),
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        match &r.value {
            Value::Struct(s) => assert_eq!(s.get("magic"), Some(&Value::Null)),
            other => panic!("not a struct: {other:?}"),
        }
    }

    #[test]
    fn schemas_are_cached_per_input_schema() {
        let t = hoist(Which::Value, "f");
        let a = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::string()),
                Value::from("x"),
            ))
            .unwrap()
            .unwrap();
        let b = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::string()),
                Value::from("y"),
            ))
            .unwrap()
            .unwrap();
        assert!(a.value_schema.unwrap().ptr_eq(&b.value_schema.unwrap()));
    }

    #[test]
    fn empty_field_name_fails_with_schema_like_java() {
        let t = hoist(Which::Value, "");
        let e = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::int32()),
                Value::Int32(1),
            ))
            .unwrap_err();
        assert_eq!(e.message, "fieldName cannot be null.");
        let r = t
            .apply(source(None, Value::Null, None, Value::Int32(1)))
            .unwrap()
            .unwrap();
        assert_eq!(r.value, map(&[("", Value::Int32(1))]));
    }

    #[test]
    fn field_is_required() {
        let mut t = HoistField::new(Which::Value);
        let e = Transformation::<SourceRecord>::configure(&mut t, &props(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"field\" which has no default value."
        );
    }
}
