//! InsertField (`org.apache.kafka.connect.transforms.InsertField$Key` /
//! `$Value`): adds fields from the record's metadata (topic, partition,
//! offset, timestamp) or a static value to a Struct or a schemaless map.
//! A field name ending in `!` makes the new field required, `?` (the
//! default) optional. Null keys and values (tombstones) pass unchanged.

use crate::api::config_def::{ConfigDef, ConfigException, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Timestamp, Value};
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    config_error, copy_schema_basics_into, field_value, into_map, replace_null_with_default_key,
    require_map, require_sink_record, require_struct, SchemaCache, SimpleConfig, Which,
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str =
    "Insert field(s) using attributes from the record metadata or a configured static value.";

const TOPIC_FIELD: &str = "topic.field";
const PARTITION_FIELD: &str = "partition.field";
const OFFSET_FIELD: &str = "offset.field";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";
const OPTIONALITY_DOC: &str = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";
const PURPOSE: &str = "field insertion";

pub fn config_def() -> ConfigDef {
    let key = |name: &str, doc: String| {
        ConfigKey::new(name, Type::String, Importance::Medium, doc).with_null_default()
    };
    ConfigDef::new()
        .define(key(
            TOPIC_FIELD,
            format!("Field name for Kafka topic. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            PARTITION_FIELD,
            format!("Field name for Kafka partition. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            OFFSET_FIELD,
            format!(
                "Field name for Kafka offset - only applicable to sink connectors.<br/>{OPTIONALITY_DOC}"
            ),
        ))
        .define(key(
            TIMESTAMP_FIELD,
            format!("Field name for record timestamp. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            STATIC_FIELD,
            format!("Field name for static data field. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            STATIC_VALUE,
            "Static field value, if field name configured.".to_string(),
        ))
        .define(replace_null_with_default_key())
}

/// A field to insert: its name and whether its schema is optional
/// (Java's `InsertionSpec`).
#[derive(Debug, Clone, PartialEq)]
struct InsertionSpec {
    name: String,
    optional: bool,
}

impl InsertionSpec {
    fn parse(spec: Option<&str>) -> Option<InsertionSpec> {
        let spec = spec?;
        let (name, optional) = if let Some(n) = spec.strip_suffix('?') {
            (n, true)
        } else if let Some(n) = spec.strip_suffix('!') {
            (n, false)
        } else {
            (spec, true)
        };
        Some(InsertionSpec {
            name: name.to_string(),
            optional,
        })
    }
}

pub struct InsertField {
    which: Which,
    topic_field: Option<InsertionSpec>,
    partition_field: Option<InsertionSpec>,
    offset_field: Option<InsertionSpec>,
    timestamp_field: Option<InsertionSpec>,
    static_field: Option<InsertionSpec>,
    static_value: Option<String>,
    replace_null_with_default: bool,
    /// Updated schema per input schema.
    cache: SchemaCache,
}

impl InsertField {
    pub fn new(which: Which) -> InsertField {
        InsertField {
            which,
            topic_field: None,
            partition_field: None,
            offset_field: None,
            timestamp_field: None,
            static_field: None,
            static_value: None,
            replace_null_with_default: true,
            cache: SchemaCache::default(),
        }
    }

    fn updated_schema(&self, schema: &Schema) -> ConnectResult<Schema> {
        let mut builder = copy_schema_basics_into(schema, SchemaBuilder::struct_());
        for field in schema.fields() {
            builder = builder.try_field(field.name.clone(), field.schema.clone())?;
        }
        let specs = [
            (
                &self.topic_field,
                Schema::optional_string(),
                Schema::string(),
            ),
            (
                &self.partition_field,
                Schema::optional_int32(),
                Schema::int32(),
            ),
            (
                &self.offset_field,
                Schema::optional_int64(),
                Schema::int64(),
            ),
            (
                &self.timestamp_field,
                Timestamp::builder().optional().build(),
                Timestamp::schema(),
            ),
            (
                &self.static_field,
                Schema::optional_string(),
                Schema::string(),
            ),
        ];
        for (spec, optional, required) in specs {
            if let Some(spec) = spec {
                let s = if spec.optional { optional } else { required };
                builder = builder.try_field(spec.name.clone(), s)?;
            }
        }
        Ok(builder.build())
    }

    /// The (name, value) pairs to insert into this record; `timestamp` is
    /// how the timestamp is represented (Timestamp or epoch millis).
    fn insertions<R: ConnectRecord>(
        &self,
        record: &R,
        timestamp: fn(i64) -> Value,
    ) -> ConnectResult<Vec<(String, Value)>> {
        let mut out = Vec::new();
        if let Some(f) = &self.topic_field {
            out.push((f.name.clone(), Value::from(record.topic())));
        }
        if let (Some(f), Some(p)) = (&self.partition_field, record.kafka_partition()) {
            out.push((f.name.clone(), Value::Int32(p)));
        }
        if let Some(f) = &self.offset_field {
            let offset = require_sink_record(record, PURPOSE)?;
            out.push((f.name.clone(), Value::Int64(offset)));
        }
        if let (Some(f), Some(ts)) = (&self.timestamp_field, record.timestamp()) {
            out.push((f.name.clone(), timestamp(ts)));
        }
        if let (Some(f), Some(v)) = (&self.static_field, &self.static_value) {
            out.push((f.name.clone(), Value::from(v.as_str())));
        }
        Ok(out)
    }
}

impl<R: ConnectRecord> Transformation<R> for InsertField {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.topic_field = InsertionSpec::parse(config.get_string(TOPIC_FIELD));
        self.partition_field = InsertionSpec::parse(config.get_string(PARTITION_FIELD));
        self.offset_field = InsertionSpec::parse(config.get_string(OFFSET_FIELD));
        self.timestamp_field = InsertionSpec::parse(config.get_string(TIMESTAMP_FIELD));
        self.static_field = InsertionSpec::parse(config.get_string(STATIC_FIELD));
        self.static_value = config.get_string(STATIC_VALUE).map(str::to_string);
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        if self.topic_field.is_none()
            && self.partition_field.is_none()
            && self.offset_field.is_none()
            && self.timestamp_field.is_none()
            && self.static_field.is_none()
        {
            return Err(config_error(ConfigException::new(
                "No field insertion configured",
            )));
        }
        if let (Some(spec), None) = (&self.static_field, &self.static_value) {
            // Java prints the spec object's identity here; the name says more.
            return Err(config_error(ConfigException::invalid(
                STATIC_VALUE,
                "null",
                &format!("No value specified for static field: {}", spec.name),
            )));
        }
        self.cache = SchemaCache::default();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if self.which.value(&record).is_null() {
            return Ok(Some(record));
        }
        if self.which.schema(&record).is_none() {
            require_map(self.which.value(&record), PURPOSE)?;
            let insertions = self.insertions(&record, Value::Int64)?;
            // The map is taken out and extended in place (Java copies it).
            let (_, value) = self.which.take(&mut record);
            let mut updated = into_map(value, PURPOSE)?;
            for (name, v) in insertions {
                Value::map_put(&mut updated, Value::from(name), v);
            }
            self.which.set(&mut record, None, Value::Map(updated));
        } else {
            let value = require_struct(self.which.value(&record), PURPOSE)?;
            let schema = value.schema();
            let updated_schema = self
                .cache
                .get_or_try_insert(schema, || self.updated_schema(schema))?;
            let mut updated = Struct::new(updated_schema.clone());
            for field in schema.fields() {
                updated.set(
                    &field.name,
                    field_value(value, field.index, self.replace_null_with_default),
                )?;
            }
            for (name, v) in self.insertions(&record, Value::Timestamp)? {
                updated.set(&name, v)?;
            }
            self.which
                .set(&mut record, Some(updated_schema), Value::Struct(updated));
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Type as SchemaType;
    use crate::api::record::{SinkRecord, SourceRecord};
    use crate::transforms::util::test_support::{map, props, sink, source};

    const ALL: &[(&str, &str)] = &[
        ("topic.field", "topic_field!"),
        ("partition.field", "partition_field"),
        ("timestamp.field", "timestamp_field?"),
        ("static.field", "instance_id"),
        ("static.value", "my-instance-id"),
    ];

    fn xform(which: Which, pairs: &[(&str, &str)]) -> InsertField {
        let mut t = InsertField::new(which);
        Transformation::<SourceRecord>::configure(&mut t, &props(pairs)).unwrap();
        t
    }

    fn configure_err(pairs: &[(&str, &str)]) -> String {
        let mut t = InsertField::new(Which::Value);
        Transformation::<SourceRecord>::configure(&mut t, &props(pairs))
            .unwrap_err()
            .message
    }

    fn simple_schema() -> Schema {
        SchemaBuilder::struct_()
            .name("name")
            .version(1)
            .doc("doc")
            .field("magic", Schema::optional_int64())
            .build()
    }

    fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
        match v {
            Value::Struct(s) => s.get(name).unwrap(),
            Value::Map(entries) => Value::map_get(entries, &Value::from(name)).unwrap(),
            other => panic!("not a struct or map: {other:?}"),
        }
    }

    #[test]
    fn top_level_struct_required() {
        let t = xform(Which::Value, &[("topic.field", "topic_field")]);
        let e = t
            .apply(source(
                None,
                Value::Null,
                Some(Schema::int32()),
                Value::Int32(42),
            ))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [field insertion], found: java.lang.Integer"
        );
    }

    #[test]
    fn copy_schema_and_insert_configured_fields() {
        let t = xform(Which::Value, ALL);
        let schema = simple_schema();
        let value = Struct::new(schema.clone())
            .put("magic", Value::Int64(42))
            .unwrap();
        let mut record = source(
            None,
            Value::Null,
            Some(schema.clone()),
            Value::Struct(value),
        );
        record.timestamp = Some(789);
        let r = t.apply(record).unwrap().unwrap();
        let s = r.value_schema.clone().unwrap();
        assert_eq!(s.name(), Some("name"));
        assert_eq!(s.version(), Some(1));
        assert_eq!(s.doc(), Some("doc"));
        assert_eq!(s.field("magic").unwrap().schema, Schema::optional_int64());
        assert_eq!(s.field("topic_field").unwrap().schema, Schema::string());
        assert_eq!(
            s.field("partition_field").unwrap().schema,
            Schema::optional_int32()
        );
        assert_eq!(
            s.field("timestamp_field").unwrap().schema,
            Timestamp::builder().optional().build()
        );
        assert_eq!(
            s.field("instance_id").unwrap().schema,
            Schema::optional_string()
        );
        assert_eq!(get(&r.value, "magic"), &Value::Int64(42));
        assert_eq!(get(&r.value, "topic_field"), &Value::from("topic"));
        assert_eq!(get(&r.value, "partition_field"), &Value::Int32(0));
        assert_eq!(get(&r.value, "timestamp_field"), &Value::Timestamp(789));
        assert_eq!(get(&r.value, "instance_id"), &Value::from("my-instance-id"));

        // The updated schema is cached.
        let r2 = t
            .apply(source(
                None,
                Value::Null,
                Some(schema.clone()),
                Value::Struct(Struct::new(schema)),
            ))
            .unwrap()
            .unwrap();
        assert!(r2.value_schema.unwrap().ptr_eq(&s));
    }

    #[test]
    fn schemaless_insert_configured_fields() {
        let t = xform(Which::Value, ALL);
        let mut record = source(None, Value::Null, None, map(&[("magic", Value::Int64(42))]));
        record.timestamp = Some(123);
        let r = t.apply(record).unwrap().unwrap();
        assert_eq!(r.value_schema, None);
        assert_eq!(get(&r.value, "magic"), &Value::Int64(42));
        assert_eq!(get(&r.value, "topic_field"), &Value::from("topic"));
        assert_eq!(get(&r.value, "partition_field"), &Value::Int32(0));
        assert_eq!(get(&r.value, "timestamp_field"), &Value::Int64(123));
        assert_eq!(get(&r.value, "instance_id"), &Value::from("my-instance-id"));
    }

    #[test]
    fn tombstones_pass_unchanged() {
        let t = xform(Which::Value, ALL);
        let r = t
            .apply(source(None, Value::Null, None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!((r.value_schema, r.value), (None, Value::Null));
        let r = t
            .apply(source(
                None,
                Value::Null,
                Some(simple_schema()),
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        assert_eq!(r.value_schema, Some(simple_schema()));
        assert_eq!(r.value, Value::Null);
    }

    #[test]
    fn key_fields_into_tombstone() {
        let t = xform(Which::Key, ALL);
        let r = t
            .apply(source(
                None,
                map(&[("magic", Value::Int64(42))]),
                None,
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        assert_eq!(get(&r.key, "topic_field"), &Value::from("topic"));
        assert_eq!(get(&r.key, "instance_id"), &Value::from("my-instance-id"));
        assert_eq!(r.value, Value::Null);
    }

    #[test]
    fn null_key_leaves_record_unchanged() {
        let t = xform(Which::Key, ALL);
        let record = source(None, Value::Null, None, map(&[("magic", Value::Int64(42))]));
        let r = t.apply(record.clone()).unwrap().unwrap();
        assert_eq!(r, record);
    }

    #[test]
    fn schemaless_without_timestamp_leaves_it_out() {
        let t = xform(Which::Key, ALL);
        let mut record = source(None, map(&[("magic", Value::Int64(42))]), None, Value::Null);
        record.timestamp = None;
        let r = t.apply(record).unwrap().unwrap();
        let Value::Map(entries) = &r.key else {
            panic!("not a map")
        };
        assert_eq!(
            Value::map_get(entries, &Value::from("timestamp_field")),
            None
        );
        assert_eq!(entries.len(), 4);
    }

    #[test]
    fn offset_only_on_sink_records() {
        let t = xform(Which::Value, &[("offset.field", "off!")]);
        let schema = simple_schema();
        let r: SinkRecord = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema.clone()),
                Value::Struct(Struct::new(schema.clone())),
            ))
            .unwrap()
            .unwrap();
        assert_eq!(get(&r.value, "off"), &Value::Int64(42));
        assert_eq!(
            r.value_schema.unwrap().field("off").unwrap().schema,
            Schema::int64()
        );
        let e = t
            .apply(source(None, Value::Null, None, map(&[])))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only SinkRecord supported for [field insertion], found: org.apache.kafka.connect.source.SourceRecord"
        );
    }

    #[test]
    fn missing_timestamp_leaves_optional_field_null() {
        let t = xform(Which::Value, &[("timestamp.field", "ts")]);
        let schema = simple_schema();
        let mut record = source(
            None,
            Value::Null,
            Some(schema.clone()),
            Value::Struct(Struct::new(schema)),
        );
        record.timestamp = None;
        let r = t.apply(record).unwrap().unwrap();
        assert_eq!(get(&r.value, "ts"), &Value::Null);
        assert_eq!(
            r.value_schema.unwrap().field("ts").unwrap().schema.type_(),
            SchemaType::Int64
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
            let t = xform(
                Which::Value,
                &[("topic.field", "t"), ("replace.null.with.default", flag)],
            );
            let r = t
                .apply(source(
                    None,
                    Value::Null,
                    Some(schema.clone()),
                    Value::Struct(Struct::new(schema.clone())),
                ))
                .unwrap()
                .unwrap();
            match r.value {
                Value::Struct(s) => {
                    assert_eq!(s.get_without_default("optional_with_default"), Some(&want))
                }
                other => panic!("not a struct: {other:?}"),
            }
        }
    }

    #[test]
    fn an_existing_field_name_is_an_error() {
        let t = xform(Which::Value, &[("topic.field", "magic")]);
        let schema = simple_schema();
        let e = t
            .apply(source(
                None,
                Value::Null,
                Some(schema.clone()),
                Value::Struct(Struct::new(schema)),
            ))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Cannot create field because of field name duplication magic"
        );
    }

    #[test]
    fn config_errors() {
        assert_eq!(configure_err(&[]), "No field insertion configured");
        assert_eq!(
            configure_err(&[("static.field", "s")]),
            "Invalid value null for configuration static.value: No value specified for static field: s"
        );
        assert_eq!(
            InsertionSpec::parse(Some("a!")),
            Some(InsertionSpec {
                name: "a".into(),
                optional: false
            })
        );
        assert_eq!(
            InsertionSpec::parse(Some("a?")),
            Some(InsertionSpec {
                name: "a".into(),
                optional: true
            })
        );
        assert_eq!(config_def().names().count(), 7);
    }
}
