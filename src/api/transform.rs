//! Single message transforms and predicates (Java's `Transformation<R>`,
//! `Predicate<R>` and the `ConnectRecord<R>` they work on).
//!
//! A transformation maps one record to one record, or to none (filtered
//! out). The runtime chains them per connector; the chain runs in the source
//! path before the converters and in the sink path after them. SMTs are
//! written once, generic over [`ConnectRecord`], and work on both
//! [`SourceRecord`]s and [`SinkRecord`]s.

use super::config_def::ConfigDef;
use super::connector::Props;
use super::data::schema::Schema;
use super::data::value::Value;
use super::error::ConnectResult;
use super::record::{ConnectHeader, SinkRecord, SourceRecord};

/// What every record has, readable and changeable in place (Java's
/// `ConnectRecord` with `newRecord`: a transformation changes the parts it
/// is about and leaves the rest, such as a sink record's offset, alone).
pub trait ConnectRecord: Send + Sync + 'static {
    fn topic(&self) -> &str;
    fn set_topic(&mut self, topic: String);
    fn kafka_partition(&self) -> Option<i32>;
    fn set_kafka_partition(&mut self, partition: Option<i32>);
    fn key_schema(&self) -> Option<&Schema>;
    fn key(&self) -> &Value;
    fn set_key(&mut self, schema: Option<Schema>, key: Value);
    fn value_schema(&self) -> Option<&Schema>;
    fn value(&self) -> &Value;
    fn set_value(&mut self, schema: Option<Schema>, value: Value);
    /// Takes the key out (leaving null), to rebuild it without a copy.
    fn take_key(&mut self) -> (Option<Schema>, Value);
    /// Takes the value out (leaving null), to rebuild it without a copy.
    fn take_value(&mut self) -> (Option<Schema>, Value);
    /// Epoch milliseconds.
    fn timestamp(&self) -> Option<i64>;
    fn set_timestamp(&mut self, timestamp: Option<i64>);
    fn headers(&self) -> &[ConnectHeader];
    fn headers_mut(&mut self) -> &mut Vec<ConnectHeader>;
    /// The Kafka offset of a sink record; `None` for source records.
    fn kafka_offset(&self) -> Option<i64> {
        None
    }
}

/// One transformation of records of type `R`.
pub trait Transformation<R>: Send + Sync {
    /// The transformation's settings (shown by the REST API, validated
    /// before a connector is created).
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }

    /// Applies `transforms.<alias>.*` settings (prefix stripped). An error
    /// here is a config error of the connector, never a record failure.
    fn configure(&mut self, _props: &Props) -> ConnectResult<()> {
        Ok(())
    }

    /// The transformed record, or `None` to drop it.
    fn apply(&self, record: R) -> ConnectResult<Option<R>>;

    /// Releases what the transformation holds; called once when its task stops.
    fn close(&self) {}
}

/// A condition on records that decides whether a transformation applies
/// (`transforms.<alias>.predicate`, KIP-585).
pub trait Predicate<R>: Send + Sync {
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }

    /// Applies `predicates.<alias>.*` settings (prefix stripped).
    fn configure(&mut self, _props: &Props) -> ConnectResult<()> {
        Ok(())
    }

    fn test(&self, record: &R) -> bool;

    fn close(&self) {}
}

/// Implements the common accessors for a record struct with the usual
/// field names.
macro_rules! connect_record_fields {
    () => {
        fn topic(&self) -> &str {
            &self.topic
        }
        fn set_topic(&mut self, topic: String) {
            self.topic = topic;
        }
        fn key_schema(&self) -> Option<&Schema> {
            self.key_schema.as_ref()
        }
        fn key(&self) -> &Value {
            &self.key
        }
        fn set_key(&mut self, schema: Option<Schema>, key: Value) {
            self.key_schema = schema;
            self.key = key;
        }
        fn value_schema(&self) -> Option<&Schema> {
            self.value_schema.as_ref()
        }
        fn value(&self) -> &Value {
            &self.value
        }
        fn set_value(&mut self, schema: Option<Schema>, value: Value) {
            self.value_schema = schema;
            self.value = value;
        }
        fn take_key(&mut self) -> (Option<Schema>, Value) {
            (
                self.key_schema.take(),
                std::mem::replace(&mut self.key, Value::Null),
            )
        }
        fn take_value(&mut self) -> (Option<Schema>, Value) {
            (
                self.value_schema.take(),
                std::mem::replace(&mut self.value, Value::Null),
            )
        }
        fn timestamp(&self) -> Option<i64> {
            self.timestamp
        }
        fn set_timestamp(&mut self, timestamp: Option<i64>) {
            self.timestamp = timestamp;
        }
        fn headers(&self) -> &[ConnectHeader] {
            &self.headers
        }
        fn headers_mut(&mut self) -> &mut Vec<ConnectHeader> {
            &mut self.headers
        }
    };
}

impl ConnectRecord for SourceRecord {
    connect_record_fields!();

    fn kafka_partition(&self) -> Option<i32> {
        self.kafka_partition
    }
    fn set_kafka_partition(&mut self, partition: Option<i32>) {
        self.kafka_partition = partition;
    }
}

impl ConnectRecord for SinkRecord {
    connect_record_fields!();

    fn kafka_partition(&self) -> Option<i32> {
        Some(self.partition)
    }
    /// A sink record always has a partition; `None` keeps the current one.
    fn set_kafka_partition(&mut self, partition: Option<i32>) {
        if let Some(p) = partition {
            self.partition = p;
        }
    }
    fn kafka_offset(&self) -> Option<i64> {
        Some(self.offset)
    }
}
