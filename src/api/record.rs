//! Records as connectors see them (Java's `SourceRecord`, `SinkRecord`,
//! `ConnectRecord` and `Header`).

use std::fmt;

use super::data::{Schema, Value};

/// A source partition or offset: a JSON object, as Java's `Map<String, ?>`
/// is stored (through the schemaless JsonConverter).
pub type SourceMap = serde_json::Map<String, serde_json::Value>;

/// One partition of one Kafka topic, as the SDK names it (Java's
/// `TopicPartition`; the SDK does not depend on the client's type).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> TopicPartition {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// One record header with Connect data (keys may repeat).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectHeader {
    pub key: String,
    pub schema: Option<Schema>,
    pub value: Value,
}

/// A record a source task produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub source_partition: SourceMap,
    pub source_offset: SourceMap,
    pub topic: String,
    /// `None` lets the producer's partitioner choose.
    pub kafka_partition: Option<i32>,
    pub key_schema: Option<Schema>,
    pub key: Value,
    pub value_schema: Option<Schema>,
    pub value: Value,
    /// Epoch ms; `None` means the producer's time.
    pub timestamp: Option<i64>,
    pub headers: Vec<ConnectHeader>,
}

impl SourceRecord {
    /// A record with a value only (no key, no headers).
    pub fn new(
        source_partition: SourceMap,
        source_offset: SourceMap,
        topic: impl Into<String>,
        value_schema: Option<Schema>,
        value: Value,
    ) -> SourceRecord {
        SourceRecord {
            source_partition,
            source_offset,
            topic: topic.into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            timestamp: None,
            headers: Vec::new(),
        }
    }
}

/// How a sink record's timestamp was set (Java's `TimestampType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    NoTimestampType,
    CreateTime,
    LogAppendTime,
}

/// A record delivered to a sink task.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub timestamp_type: TimestampType,
    pub key_schema: Option<Schema>,
    pub key: Value,
    pub value_schema: Option<Schema>,
    pub value: Value,
    pub headers: Vec<ConnectHeader>,
}
