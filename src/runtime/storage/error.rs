//! Errors of the Kafka-backed stores (what Java's `KafkaBasedLog` and the
//! `Kafka*BackingStore` classes throw as `ConnectException` /
//! `ConfigException`).

use std::time::Duration;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The Kafka client failed (connection, broker error, delivery).
    #[error(transparent)]
    Kafka(#[from] crate::kafka::error::Error),
    /// The topic or the worker configuration is unusable (Java's
    /// `ConfigException`, e.g. a config topic with several partitions).
    #[error("{0}")]
    Config(String),
    /// A read to the end of the log or a write did not finish in time.
    #[error("timed out after {} ms {what}", timeout.as_millis())]
    Timeout { what: String, timeout: Duration },
    /// The log's reader task has stopped (the store was stopped or failed).
    #[error("the log of topic {0} is stopped")]
    Stopped(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;
