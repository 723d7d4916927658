//! What several SMTs share (Java's `transforms.util`): which part of the
//! record an SMT works on, the checks that a value is a Struct or a map
//! with Java's error messages (`Requirements`), copying a schema's name,
//! version, doc and parameters (`SchemaUtil`), parsed settings
//! (`SimpleConfig`) and the small LRU cache of updated schemas the Java SMTs
//! keep (`SynchronizedCache<LRUCache<Schema, Schema>>`).

use std::sync::Mutex;

use indexmap::IndexMap;

use crate::api::config_def::{self, ConfigDef, ConfigException};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::ConnectRecord;

/// `replace.null.with.default` (KIP-1040), as every SMT that has it declares it.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
pub const REPLACE_NULL_WITH_DEFAULT_DOC: &str = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.";

/// The `replace.null.with.default` key: BOOLEAN, default true, MEDIUM.
pub fn replace_null_with_default_key() -> config_def::ConfigKey {
    config_def::ConfigKey::new(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        config_def::Type::Boolean,
        config_def::Importance::Medium,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
    .with_default(true)
}

/// Kafka 4.3's `ConfigDef.ValidList.anyNonDuplicateValues(emptyAllowed,
/// false)` for the SMTs' field lists: no empty items, and an empty list
/// only when `empty_allowed`. (Duplicates are dropped before validation,
/// see [`SimpleConfig::get_list`].) Its description is empty, as Java's
/// `toString` is.
pub fn field_list_validator(empty_allowed: bool) -> config_def::Validator {
    config_def::Validator::custom("", move |name, value| {
        let items = match value {
            Some(config_def::Value::List(items)) => items,
            _ => {
                return Err(ConfigException::new(format!(
                    "Configuration '{name}' values must not be null."
                )))
            }
        };
        if !empty_allowed && items.is_empty() {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' must not be empty. Valid values include: any non-empty value"
            )));
        }
        if items.iter().any(String::is_empty) {
            return Err(ConfigException::new(format!(
                "Configuration '{name}' values must not be empty."
            )));
        }
        Ok(())
    })
}

/// Java's `String.split(":")`: trailing empty parts dropped, and the
/// whole text when there is no colon.
pub fn java_split_colon(text: &str) -> Vec<&str> {
    if !text.contains(':') {
        return vec![text];
    }
    let mut parts: Vec<&str> = text.split(':').collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// Java's `List.toString()` of config list items: `[a, b]`.
pub fn java_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// A struct field's value: its default when null and `with_default`
/// (`Struct.get(field)`), else as set (`getWithoutDefault`).
pub fn field_value(value: &Struct, index: usize, with_default: bool) -> Value {
    if with_default {
        value.get_index(index).clone()
    } else {
        value.values().get(index).cloned().unwrap_or(Value::Null)
    }
}

/// The part of the record a `$Key` / `$Value` SMT works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Key,
    Value,
}

impl Which {
    /// The operating schema (`record.keySchema()` / `record.valueSchema()`).
    pub fn schema<R: ConnectRecord>(self, record: &R) -> Option<&Schema> {
        match self {
            Which::Key => record.key_schema(),
            Which::Value => record.value_schema(),
        }
    }

    /// The operating value (`record.key()` / `record.value()`).
    pub fn value<R: ConnectRecord>(self, record: &R) -> &Value {
        match self {
            Which::Key => record.key(),
            Which::Value => record.value(),
        }
    }

    /// Takes the operating schema and value out of the record (leaving null).
    pub fn take<R: ConnectRecord>(self, record: &mut R) -> (Option<Schema>, Value) {
        match self {
            Which::Key => record.take_key(),
            Which::Value => record.take_value(),
        }
    }

    /// Sets the operating schema and value (Java's `newRecord` of the
    /// `$Key` / `$Value` subclass).
    pub fn set<R: ConnectRecord>(self, record: &mut R, schema: Option<Schema>, value: Value) {
        match self {
            Which::Key => record.set_key(schema, value),
            Which::Value => record.set_value(schema, value),
        }
    }

    /// `Key` or `Value`, as Java names the nested class.
    pub fn class_suffix(self) -> &'static str {
        match self {
            Which::Key => "Key",
            Which::Value => "Value",
        }
    }
}

/// `getClass().getName()` of the Java object a value stands for, or
/// `null` (Java's `Requirements.nullSafeClassName`).
pub fn null_safe_class_name(value: &Value) -> &'static str {
    let class = value.java_class();
    class.strip_prefix("class ").unwrap_or(class)
}

/// `Requirements.requireSchema`.
pub fn require_schema<'a>(schema: Option<&'a Schema>, purpose: &str) -> ConnectResult<&'a Schema> {
    schema.ok_or_else(|| ConnectError::data(format!("Schema required for [{purpose}]")))
}

/// `Requirements.requireMap`: the entries of a map value.
pub fn require_map<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a [(Value, Value)]> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(other, purpose)),
    }
}

/// `Requirements.requireMapOrNull`: `None` for null.
pub fn require_map_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> ConnectResult<Option<&'a [(Value, Value)]>> {
    match value {
        Value::Null => Ok(None),
        other => require_map(other, purpose).map(Some),
    }
}

/// `Requirements.requireMap` on an owned value: its entries.
pub fn into_map(value: Value, purpose: &str) -> ConnectResult<Vec<(Value, Value)>> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(&other, purpose)),
    }
}

fn not_a_map(value: &Value, purpose: &str) -> ConnectError {
    ConnectError::data(format!(
        "Only Map objects supported in absence of schema for [{purpose}], found: {}",
        null_safe_class_name(value)
    ))
}

/// `Requirements.requireStruct`.
pub fn require_struct<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(not_a_struct(other, purpose)),
    }
}

/// `Requirements.requireStructOrNull`: `None` for null.
pub fn require_struct_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> ConnectResult<Option<&'a Struct>> {
    match value {
        Value::Null => Ok(None),
        other => require_struct(other, purpose).map(Some),
    }
}

/// `Requirements.requireStruct` on an owned value.
pub fn into_struct(value: Value, purpose: &str) -> ConnectResult<Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(not_a_struct(&other, purpose)),
    }
}

fn not_a_struct(value: &Value, purpose: &str) -> ConnectError {
    ConnectError::data(format!(
        "Only Struct objects supported for [{purpose}], found: {}",
        null_safe_class_name(value)
    ))
}

/// `Requirements.requireSinkRecord`: only sink records have an offset.
pub fn require_sink_record<R: ConnectRecord>(record: &R, purpose: &str) -> ConnectResult<i64> {
    record.kafka_offset().ok_or_else(|| {
        ConnectError::data(format!(
            "Only SinkRecord supported for [{purpose}], found: org.apache.kafka.connect.source.SourceRecord"
        ))
    })
}

/// `SchemaUtil.copySchemaBasics(source)`: a builder of the same type (an
/// array keeps its item schema; a map starts without key and value
/// schemas, as in Java) with the name, version, doc and parameters.
pub fn copy_schema_basics(source: &Schema) -> SchemaBuilder {
    let builder = match (source.type_(), source.value_schema()) {
        (Type::Array, Some(items)) => SchemaBuilder::array(items.clone()),
        (t, _) => SchemaBuilder::new(t),
    };
    copy_schema_basics_into(source, builder)
}

/// `SchemaUtil.copySchemaBasics(source, builder)`.
pub fn copy_schema_basics_into(source: &Schema, mut builder: SchemaBuilder) -> SchemaBuilder {
    if let Some(name) = source.name() {
        builder = builder.name(name);
    }
    if let Some(version) = source.version() {
        builder = builder.version(version);
    }
    if let Some(doc) = source.doc() {
        builder = builder.doc(doc);
    }
    if !source.parameters().is_empty() {
        builder = builder.parameters(source.parameters());
    }
    builder
}

/// A config problem found in `configure`, as the runtime reports it.
pub fn config_error(e: ConfigException) -> ConnectError {
    ConnectError::fatal(e.message)
}

/// Parsed settings of one SMT (Java's `SimpleConfig`): every declared key,
/// given or defaulted, validated by the [`ConfigDef`].
#[derive(Debug, Clone)]
pub struct SimpleConfig {
    values: IndexMap<String, Option<config_def::Value>>,
}

impl SimpleConfig {
    /// Parses `props` against `def`; the first problem is a config error.
    pub fn new(def: &ConfigDef, props: &Props) -> ConnectResult<SimpleConfig> {
        def.parse(props)
            .map(|values| SimpleConfig { values })
            .map_err(config_error)
    }

    fn get(&self, key: &str) -> Option<&config_def::Value> {
        self.values.get(key).and_then(Option::as_ref)
    }

    /// A STRING key (`None` when null).
    pub fn get_string(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(config_def::Value::as_str)
    }

    /// A BOOLEAN key (false when null).
    pub fn get_bool(&self, key: &str) -> bool {
        self.get(key)
            .and_then(config_def::Value::as_bool)
            .unwrap_or(false)
    }

    /// A LIST key (empty when null), without repeated items: Kafka 4.3's
    /// config parsing drops duplicates of a list (first one kept).
    pub fn get_list(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in self
            .get(key)
            .and_then(config_def::Value::as_list)
            .unwrap_or(&[])
        {
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        out
    }
}

/// A small LRU cache from input schema to the schema an SMT derived from
/// it (Java's `SynchronizedCache<>(new LRUCache<>(16))`). Schemas compare
/// by equality, the same `Arc` at once.
#[derive(Debug)]
pub struct SchemaCache {
    /// Most recently used last; at most `capacity` entries.
    entries: Mutex<Vec<(Schema, Schema)>>,
    capacity: usize,
}

impl Default for SchemaCache {
    fn default() -> SchemaCache {
        SchemaCache::new(16)
    }
}

impl SchemaCache {
    pub fn new(capacity: usize) -> SchemaCache {
        SchemaCache {
            entries: Mutex::new(Vec::with_capacity(capacity)),
            capacity: capacity.max(1),
        }
    }

    /// The cached schema for `key`, marked as recently used.
    pub fn get(&self, key: &Schema) -> Option<Schema> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let pos = entries
            .iter()
            .position(|(k, _)| k.ptr_eq(key))
            .or_else(|| entries.iter().position(|(k, _)| k == key))?;
        let entry = entries.remove(pos);
        let value = entry.1.clone();
        entries.push(entry);
        Some(value)
    }

    /// Caches `value` for `key`, evicting the least recently used entry.
    pub fn put(&self, key: Schema, value: Schema) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pos) = entries.iter().position(|(k, _)| *k == key) {
            entries.remove(pos);
        }
        if entries.len() >= self.capacity {
            entries.remove(0);
        }
        entries.push((key, value));
    }

    /// The cached schema for `key`, or the one `build` makes (then cached).
    pub fn get_or_try_insert(
        &self,
        key: &Schema,
        build: impl FnOnce() -> ConnectResult<Schema>,
    ) -> ConnectResult<Schema> {
        if let Some(s) = self.get(key) {
            return Ok(s);
        }
        let built = build()?;
        self.put(key.clone(), built.clone());
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SourceRecord;

    #[test]
    fn requirement_messages_are_javas() {
        let e = require_struct(&Value::from("x"), "field extraction").unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [field extraction], found: java.lang.String"
        );
        let e = require_map(&Value::Null, "flattening").unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [flattening], found: null"
        );
        assert!(require_map_or_null(&Value::Null, "p").unwrap().is_none());
        assert!(require_struct_or_null(&Value::Null, "p").unwrap().is_none());
        let e = require_schema(None, "updating schema metadata").unwrap_err();
        assert_eq!(e.message, "Schema required for [updating schema metadata]");
        let record = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        let e = require_sink_record(&record, "offset insertion").unwrap_err();
        assert_eq!(
            e.message,
            "Only SinkRecord supported for [offset insertion], found: org.apache.kafka.connect.source.SourceRecord"
        );
        assert_eq!(
            null_safe_class_name(&Value::Bytes(Default::default())),
            "[B"
        );
    }

    #[test]
    fn copies_schema_basics() {
        let source = SchemaBuilder::struct_()
            .name("n")
            .version(3)
            .doc("d")
            .parameter("p", "v")
            .optional()
            .field("a", Schema::int8())
            .build();
        let copy = copy_schema_basics(&source).build();
        assert_eq!(copy.name(), Some("n"));
        assert_eq!(copy.version(), Some(3));
        assert_eq!(copy.doc(), Some("d"));
        assert_eq!(copy.parameters().get("p").map(String::as_str), Some("v"));
        assert!(!copy.is_optional());
        assert!(copy.fields().is_empty());
        let arr = SchemaBuilder::array(Schema::string()).build();
        assert_eq!(
            copy_schema_basics(&arr).build().value_schema(),
            Some(&Schema::string())
        );
    }

    #[test]
    fn struct_smts_resolve_by_java_and_short_name() {
        use crate::api::record::SinkRecord;
        use crate::transforms::{transformation_by_class, TRANSFORMATIONS};
        let mut sorted = TRANSFORMATIONS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, TRANSFORMATIONS);
        for class in [
            "Cast$Key",
            "Cast$Value",
            "ExtractField$Key",
            "ExtractField$Value",
            "Flatten$Key",
            "Flatten$Value",
            "HoistField$Key",
            "HoistField$Value",
            "InsertField$Key",
            "InsertField$Value",
            "MaskField$Key",
            "MaskField$Value",
            "ReplaceField$Key",
            "ReplaceField$Value",
            "ValueToKey",
        ] {
            let full = format!("org.apache.kafka.connect.transforms.{class}");
            assert!(
                transformation_by_class::<SinkRecord>(&full).is_some(),
                "{full}"
            );
            assert!(
                transformation_by_class::<SourceRecord>(class).is_some(),
                "{class}"
            );
        }
        assert!(transformation_by_class::<SinkRecord>("Cast").is_none());
        assert!(transformation_by_class::<SinkRecord>("ValueToKey$Value").is_none());
    }

    /// Kafka's system-test chain: HoistField$Value (field `content`) then
    /// InsertField$Value (`timestamp.field=inserted`) on a string value.
    #[test]
    fn hoist_then_insert_timestamp() {
        use crate::api::data::Timestamp;
        use crate::transforms::transformation_by_class;
        let mut hoist = transformation_by_class::<SourceRecord>("HoistField$Value").unwrap();
        hoist
            .configure(&test_support::props(&[("field", "content")]))
            .unwrap();
        let mut insert = transformation_by_class::<SourceRecord>(
            "org.apache.kafka.connect.transforms.InsertField$Value",
        )
        .unwrap();
        insert
            .configure(&test_support::props(&[("timestamp.field", "inserted")]))
            .unwrap();
        let record = test_support::source(
            None,
            Value::Null,
            Some(Schema::string()),
            Value::from("line"),
        );
        let record = hoist.apply(record).unwrap().unwrap();
        let record = insert.apply(record).unwrap().unwrap();
        let schema = record.value_schema.clone().unwrap();
        let expected = SchemaBuilder::struct_()
            .field("content", Schema::string())
            .field("inserted", Timestamp::builder().optional().build())
            .build();
        assert_eq!(schema, expected);
        let Value::Struct(s) = &record.value else {
            panic!("not a struct")
        };
        assert_eq!(s.get("content"), Some(&Value::from("line")));
        assert_eq!(s.get("inserted"), Some(&Value::Timestamp(1234)));
    }

    #[test]
    fn cache_evicts_least_recently_used() {
        let cache = SchemaCache::new(2);
        let a = SchemaBuilder::struct_().name("a").build();
        let b = SchemaBuilder::struct_().name("b").build();
        let c = SchemaBuilder::struct_().name("c").build();
        cache.put(a.clone(), Schema::int8());
        cache.put(b.clone(), Schema::int16());
        assert_eq!(cache.get(&a), Some(Schema::int8()));
        cache.put(c.clone(), Schema::int32());
        assert_eq!(cache.get(&b), None);
        assert_eq!(cache.get(&a), Some(Schema::int8()));
        // Equal but not the same Arc.
        let c2 = SchemaBuilder::struct_().name("c").build();
        assert_eq!(cache.get(&c2), Some(Schema::int32()));
    }
}

/// Records for the SMTs' unit tests.
#[cfg(test)]
pub mod test_support {
    use crate::api::connector::Props;
    use crate::api::data::{Schema, Value};
    use crate::api::record::{SinkRecord, SourceRecord, TimestampType};

    pub fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A source record on `topic` partition 0, timestamp 1234.
    pub fn source(
        key_schema: Option<Schema>,
        key: Value,
        value_schema: Option<Schema>,
        value: Value,
    ) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "topic",
            value_schema,
            value,
        );
        r.kafka_partition = Some(0);
        r.key_schema = key_schema;
        r.key = key;
        r.timestamp = Some(1234);
        r
    }

    /// A sink record on `topic` partition 0 offset 42, timestamp 1234.
    pub fn sink(
        key_schema: Option<Schema>,
        key: Value,
        value_schema: Option<Schema>,
        value: Value,
    ) -> SinkRecord {
        SinkRecord {
            topic: "topic".to_string(),
            partition: 0,
            offset: 42,
            timestamp: Some(1234),
            timestamp_type: TimestampType::CreateTime,
            key_schema,
            key,
            value_schema,
            value,
            headers: Vec::new(),
        }
    }

    /// A schemaless map with string keys.
    pub fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| (Value::from(*k), v.clone()))
                .collect(),
        )
    }
}
