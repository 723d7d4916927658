//! Connect's error handling (Java's `org.apache.kafka.connect.runtime.errors`,
//! KIP-298, KIP-610): retries with backoff for retriable failures, the
//! tolerance decision (`errors.tolerance`), and the reporters that record a
//! failed record (the log, and dead letter queues for sinks and — a kconnect
//! extension — for sources).

pub mod dead_letter_queue_reporter;
pub mod errant_record_reporter;
pub mod log_reporter;
pub mod retry_with_tolerance_operator;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::api::error::ConnectError;
use crate::api::record::SourceRecord;
use crate::kafka::batch::Header;

/// Where in the pipeline a failure happened (Java's `Stage`); the name goes
/// into logs and the `__connect.errors.stage` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
    TaskPut,
    TaskPoll,
    KafkaProduce,
    KafkaConsume,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::TaskPut => "TASK_PUT",
            Stage::TaskPoll => "TASK_POLL",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A record as it was consumed from Kafka: the bytes a sink DLQ forwards
/// unchanged.
#[derive(Debug, Clone)]
pub struct ConsumedRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
}

/// The record a failure is about.
#[derive(Debug, Clone)]
pub enum FailedRecord {
    Consumed(ConsumedRecord),
    Source(SourceRecord),
}

/// One failed operation on one record (Java's `ProcessingContext` once it
/// failed).
#[derive(Debug, Clone)]
pub struct ErrorContext {
    pub stage: Stage,
    /// The Java class (or our equivalent name) of what was executing: the
    /// converter, the transformation, the task.
    pub executing_class: String,
    pub record: FailedRecord,
    pub error: ConnectError,
}

impl ErrorContext {
    /// Java's `ProcessingContext.toString(includeMessage)`.
    pub fn describe(&self, include_record: bool) -> String {
        let mut out = format!(
            "Executing stage '{}' with class '{}'",
            self.stage, self.executing_class
        );
        match &self.record {
            FailedRecord::Consumed(r) => {
                out.push_str(&format!(
                    ", where consumed record is {{topic='{}', partition={}, offset={}, timestamp={}",
                    r.topic, r.partition, r.offset, r.timestamp
                ));
                if include_record {
                    let text = |b: &Option<Bytes>| {
                        b.as_ref()
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                            .unwrap_or_else(|| "null".to_string())
                    };
                    out.push_str(&format!(", key={}, value={}", text(&r.key), text(&r.value)));
                }
                out.push('}');
            }
            FailedRecord::Source(r) => {
                out.push_str(&format!(", where source record is to topic '{}'", r.topic));
                if include_record {
                    out.push_str(&format!(" = {r:?}"));
                }
            }
        }
        out.push('.');
        out
    }
}

/// Per-task error counters (Java's `ErrorHandlingMetrics`), shared by the
/// operator and the reporters; shown in the trace of a failed task.
#[derive(Debug, Default)]
pub struct ErrorMetrics {
    pub record_failures: AtomicU64,
    pub records_skipped: AtomicU64,
    pub retries: AtomicU64,
    pub errors_logged: AtomicU64,
    pub dlq_produce_requests: AtomicU64,
    pub dlq_produce_failures: AtomicU64,
}

impl ErrorMetrics {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// One line for a task trace.
    pub fn summary(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "error counters: total-record-failures={}, total-records-skipped={}, total-retries={}, total-errors-logged={}, deadletterqueue-produce-requests={}, deadletterqueue-produce-failures={}",
            get(&self.record_failures),
            get(&self.records_skipped),
            get(&self.retries),
            get(&self.errors_logged),
            get(&self.dlq_produce_requests),
            get(&self.dlq_produce_failures),
        )
    }

    /// Whether anything went wrong at all.
    pub fn any(&self) -> bool {
        self.record_failures.load(Ordering::Relaxed) > 0
            || self.dlq_produce_failures.load(Ordering::Relaxed) > 0
    }
}
