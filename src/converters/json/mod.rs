//! JsonConverter (Java's `org.apache.kafka.connect.json.JsonConverter`):
//! values as JSON, by default in an envelope `{"schema":...,"payload":...}`.
//! The bytes are those of Java's converter (Jackson's serializer), and
//! reading accepts and rejects what Java's does.
//!
//! Settings: `schemas.enable` (default true), `schemas.cache.size` (1000),
//! `decimal.format` (`BASE64` | `NUMERIC`), `replace.null.with.default`
//! (true), `schema.content` (a schema applied to every message read, whose
//! bytes are then the bare payload).

pub mod parser;
pub mod schema;
pub mod value;
pub mod writer;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

use crate::api::converter::{Converter, SchemaAndValue};
use crate::api::data::{Schema, Value};
use crate::api::error::{ConnectError, ConnectResult};
use parser::JsonNode;
use value::Options;
use writer::JsonWriter;

pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
pub const SCHEMA_CONTENT_CONFIG: &str = "schema.content";

/// `decimal.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// The unscaled value's bytes, base64.
    #[default]
    Base64,
    /// A JSON number.
    Numeric,
}

/// Serialized schemas by schema address, with the schema kept alive.
type SchemaJsonCache = Lru<usize, (Schema, Arc<[u8]>)>;

/// Java's JsonConverter.
pub struct JsonConverter {
    schemas_enabled: bool,
    opts: Options,
    cache_size: usize,
    /// `schema.content`, parsed: the schema of every message read.
    content_schema: Option<Schema>,
    /// Serialized schemas by the schema's `Arc` (kept alive here, so its
    /// address cannot be reused while cached).
    to_json_cache: Mutex<SchemaJsonCache>,
    /// Schemas by the exact bytes of their JSON in the envelope.
    to_connect_cache: Mutex<Lru<Vec<u8>, Schema>>,
}

impl Default for JsonConverter {
    fn default() -> JsonConverter {
        JsonConverter::new()
    }
}

impl std::fmt::Debug for JsonConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonConverter")
            .field("schemas_enabled", &self.schemas_enabled)
            .field("opts", &self.opts)
            .field("cache_size", &self.cache_size)
            .finish()
    }
}

fn parse_bool(configs: &HashMap<String, String>, key: &str, default: bool) -> ConnectResult<bool> {
    match configs.get(key) {
        None => Ok(default),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConnectError::fatal(format!(
                "Invalid value {v} for configuration {key}: Expected value to be either true or false"
            ))),
        },
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl JsonConverter {
    /// A converter with the default settings (schemas enabled).
    pub fn new() -> JsonConverter {
        JsonConverter {
            schemas_enabled: true,
            opts: Options::default(),
            cache_size: 1000,
            content_schema: None,
            to_json_cache: Mutex::new(Lru::new(1000)),
            to_connect_cache: Mutex::new(Lru::new(1000)),
        }
    }

    /// Applies the settings (`<key|value|header>.converter.*`, prefix removed).
    pub fn configure_map(&mut self, configs: &HashMap<String, String>) -> ConnectResult<()> {
        self.schemas_enabled = parse_bool(configs, SCHEMAS_ENABLE_CONFIG, true)?;
        self.opts.replace_null_with_default =
            parse_bool(configs, REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?;
        self.opts.decimal_numeric = match configs.get(DECIMAL_FORMAT_CONFIG) {
            None => false,
            Some(v) => match v.to_ascii_uppercase().as_str() {
                "BASE64" => false,
                "NUMERIC" => true,
                _ => {
                    return Err(ConnectError::fatal(format!(
                        "Invalid value {v} for configuration {DECIMAL_FORMAT_CONFIG}: String must be one of (case insensitive): BASE64, NUMERIC"
                    )))
                }
            },
        };
        self.cache_size = match configs.get(SCHEMAS_CACHE_SIZE_CONFIG) {
            None => 1000,
            Some(v) => v.trim().parse::<i32>().map(|n| n.max(0) as usize).map_err(|_| {
                ConnectError::fatal(format!(
                    "Invalid value {v} for configuration {SCHEMAS_CACHE_SIZE_CONFIG}: Not a number of type INT"
                ))
            })?,
        };
        *lock(&self.to_json_cache) = Lru::new(self.cache_size);
        *lock(&self.to_connect_cache) = Lru::new(self.cache_size);
        self.content_schema = match configs.get(SCHEMA_CONTENT_CONFIG) {
            Some(content) if !content.is_empty() => {
                let node = parser::parse(content.as_bytes())
                    .map_err(|e| {
                        ConnectError::data(format!(
                            "Failed to parse schema in converter config due to serialization error: {e}"
                        ))
                    })?
                    .unwrap_or(JsonNode::Null);
                schema::read_schema(self.opts, &node)?
            }
            _ => None,
        };
        Ok(())
    }

    pub fn schemas_enabled(&self) -> bool {
        self.schemas_enabled
    }

    pub fn decimal_format(&self) -> DecimalFormat {
        if self.opts.decimal_numeric {
            DecimalFormat::Numeric
        } else {
            DecimalFormat::Base64
        }
    }

    /// The schema's JSON (`asJsonSchema`), from the cache when it is the
    /// same schema `Arc` as before.
    fn schema_json(&self, schema: &Schema) -> ConnectResult<Arc<[u8]>> {
        let key = schema.address();
        if let Some((cached, json)) = lock(&self.to_json_cache).get(&key) {
            if cached.ptr_eq(schema) {
                return Ok(json.clone());
            }
        }
        let mut w = JsonWriter::new();
        schema::write_schema(&mut w, self.opts, schema, None)?;
        let json: Arc<[u8]> = Arc::from(w.into_bytes());
        lock(&self.to_json_cache).put(key, (schema.clone(), json.clone()));
        Ok(json)
    }

    /// The schema of an envelope, by the bytes of its JSON (cached).
    fn envelope_schema(&self, raw: &[u8], node: &JsonNode) -> ConnectResult<Option<Schema>> {
        if node.is_null() {
            return Ok(None);
        }
        if let Some(schema) = lock(&self.to_connect_cache).get(raw) {
            return Ok(Some(schema.clone()));
        }
        let schema = schema::read_schema(self.opts, node)?;
        if let Some(s) = &schema {
            lock(&self.to_connect_cache).put(raw.to_vec(), s.clone());
        }
        Ok(schema)
    }

    fn serialize(&self, schema: Option<&Schema>, value: &Value) -> ConnectResult<Option<Bytes>> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let mut w = JsonWriter::with_capacity(256);
        if self.schemas_enabled {
            w.begin_object()?;
            w.key("schema");
            match schema {
                Some(s) => w.raw_value(&self.schema_json(s)?),
                None => w.null(),
            }
            w.key("payload");
            value::write_value(&mut w, self.opts, schema, value)?;
            w.end_object();
        } else {
            value::write_value(&mut w, self.opts, schema, value)?;
        }
        Ok(Some(Bytes::from(w.into_bytes())))
    }

    fn deserialize(&self, topic: &str, bytes: &[u8]) -> ConnectResult<SchemaAndValue> {
        let malformed = |e: String| {
            ConnectError::data(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error of topic {topic}: {e}"
            ))
        };
        if !self.schemas_enabled {
            let node = parser::parse(bytes).map_err(malformed)?;
            return Ok(SchemaAndValue {
                schema: None,
                value: value::to_connect(self.opts, None, node.as_ref())?,
            });
        }
        if let Some(schema) = &self.content_schema {
            let node = parser::parse(bytes).map_err(malformed)?;
            return Ok(SchemaAndValue {
                schema: Some(schema.clone()),
                value: value::to_connect(self.opts, Some(schema), node.as_ref())?,
            });
        }
        let (node, span) = parser::parse_with_span(bytes, "schema").map_err(malformed)?;
        let envelope = match &node {
            Some(JsonNode::Object(entries))
                if entries.len() == 2
                    && node.as_ref().and_then(|n| n.get("schema")).is_some()
                    && node.as_ref().and_then(|n| n.get("payload")).is_some() =>
            {
                node.as_ref()
            }
            _ => None,
        };
        let (Some(envelope), Some((start, end))) = (envelope, span) else {
            return Err(ConnectError::data(format!(
                "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. \
                 If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration. (topic {topic})"
            )));
        };
        let schema_node = envelope.get("schema").unwrap_or(&JsonNode::Null);
        let schema = self.envelope_schema(&bytes[start..end], schema_node)?;
        let value = value::to_connect(self.opts, schema.as_ref(), envelope.get("payload"))?;
        Ok(SchemaAndValue { schema, value })
    }
}

impl Converter for JsonConverter {
    fn configure(&mut self, configs: &HashMap<String, String>, _is_key: bool) -> ConnectResult<()> {
        self.configure_map(configs)
    }

    fn from_connect(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>> {
        self.serialize(schema, value).map_err(|e| {
            e.context(format!(
                "Converting Kafka Connect data to JSON for topic {topic}"
            ))
        })
    }

    fn to_connect(&self, topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue> {
        match bytes {
            None => Ok(SchemaAndValue {
                schema: None,
                value: Value::Null,
            }),
            Some(b) => self.deserialize(topic, b),
        }
    }
}

header_converter_via_converter!(JsonConverter, |this, configs| this.configure_map(configs));

/// A small least-recently-used map (Java's `LRUCache`): when full, the
/// older half is dropped at once, so eviction costs O(1) amortized.
pub struct Lru<K, V> {
    capacity: usize,
    tick: u64,
    entries: HashMap<K, (V, u64)>,
}

impl<K: std::hash::Hash + Eq, V> Lru<K, V> {
    pub fn new(capacity: usize) -> Lru<K, V> {
        Lru {
            capacity,
            tick: 0,
            entries: HashMap::new(),
        }
    }

    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(key).map(|(v, t)| {
            *t = tick;
            &*v
        })
    }

    pub fn put(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity {
            let mut ticks: Vec<u64> = self.entries.values().map(|(_, t)| *t).collect();
            ticks.sort_unstable();
            let cutoff = ticks[ticks.len() / 2];
            self.entries.retain(|_, (_, t)| *t > cutoff);
        }
        self.tick += 1;
        self.entries.insert(key, (value, self.tick));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
