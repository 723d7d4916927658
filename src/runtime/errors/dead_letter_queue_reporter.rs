//! Dead letter queues (Java's `DeadLetterQueueReporter`, KIP-298): a failed
//! record goes to `errors.deadletterqueue.topic.name` with its original key,
//! value and headers bytes unchanged and in order, followed, with
//! `errors.deadletterqueue.context.headers.enable`, by Java's
//! `__connect.errors.*` headers. The topic is created (one partition,
//! `errors.deadletterqueue.topic.replication.factor`) when missing.
//!
//! Sinks forward the consumed bytes. Sources (a kconnect extension) have no
//! bytes yet when conversion or a transformation fails: the record is
//! written as schemaless JSON (what `JsonConverter` with
//! `schemas.enable=false` writes), headers included, and the context headers
//! name the topic it was meant for.
//!
//! Writes are asynchronous; [`DeadLetterQueueReporter::flush`] waits for
//! them, and the task calls it before committing offsets, so that a record
//! whose offset is committed is in the DLQ.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::api::converter::Converter;
use crate::api::error::{ConnectError, ConnectResult};
use crate::converters::json::JsonConverter;
use crate::kafka::admin::{Admin, NewTopic};
use crate::kafka::batch::Header;
use crate::kafka::producer::{DeliveryFuture, Producer, ProducerRecord};
use crate::runtime::status::ConnectorTaskId;

use super::{ErrorContext, ErrorMetrics, FailedRecord};

const HEADER_PREFIX: &str = "__connect.errors.";

/// Where failed records go.
pub struct DeadLetterQueueReporter {
    topic: String,
    context_headers: bool,
    task: ConnectorTaskId,
    producer: Producer,
    metrics: Arc<ErrorMetrics>,
    /// Writes not yet known to have succeeded.
    pending: Mutex<Vec<DeliveryFuture>>,
    /// Serializes a source record that has no bytes of its own.
    json: JsonConverter,
}

/// The settings of one DLQ.
pub struct DeadLetterQueueSettings {
    pub topic: String,
    pub replication_factor: i16,
    pub context_headers: bool,
}

impl DeadLetterQueueReporter {
    /// Creates the topic when missing and sets up the reporter.
    pub async fn create(
        admin: &Admin,
        producer: Producer,
        settings: DeadLetterQueueSettings,
        task: ConnectorTaskId,
        metrics: Arc<ErrorMetrics>,
    ) -> ConnectResult<DeadLetterQueueReporter> {
        let topic = settings.topic;
        admin
            .create_topics(&[NewTopic::new(&topic, 1, settings.replication_factor)])
            .await
            .map_err(|e| {
                ConnectError::fatal(format!(
                    "Could not initialize dead letter queue with topic={topic}: {e}"
                ))
            })?;
        let mut json = JsonConverter::default();
        let schemaless = [("schemas.enable".to_string(), "false".to_string())]
            .into_iter()
            .collect();
        json.configure(&schemaless, false)?;
        Ok(DeadLetterQueueReporter {
            topic,
            context_headers: settings.context_headers,
            task,
            producer,
            metrics,
            pending: Mutex::new(Vec::new()),
            json,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Sends the failed record to the DLQ.
    pub async fn report(&self, context: &ErrorContext) -> ConnectResult<()> {
        ErrorMetrics::add(&self.metrics.dlq_produce_requests);
        let (key, value, mut headers, timestamp, origin) = match &context.record {
            FailedRecord::Consumed(r) => (
                r.key.clone(),
                r.value.clone(),
                r.headers.clone(),
                Some(r.timestamp).filter(|t| *t >= 0),
                (r.topic.clone(), r.partition, r.offset),
            ),
            FailedRecord::Source(r) => {
                let json = |schema, value| {
                    self.json
                        .from_connect(&r.topic, schema, value)
                        .ok()
                        .flatten()
                };
                let headers = r
                    .headers
                    .iter()
                    .map(|h| Header {
                        key: Bytes::copy_from_slice(h.key.as_bytes()),
                        value: json(h.schema.as_ref(), &h.value),
                    })
                    .collect();
                (
                    json(r.key_schema.as_ref(), &r.key),
                    json(r.value_schema.as_ref(), &r.value),
                    headers,
                    r.timestamp,
                    (r.topic.clone(), r.kafka_partition.unwrap_or(-1), -1),
                )
            }
        };
        if self.context_headers {
            let (topic, partition, offset) = origin;
            let mut add = |name: &str, value: String| {
                headers.push(Header {
                    key: Bytes::from(format!("{HEADER_PREFIX}{name}")),
                    value: Some(Bytes::from(value)),
                });
            };
            add("topic", topic);
            add("partition", partition.to_string());
            add("offset", offset.to_string());
            add("connector.name", self.task.connector.clone());
            add("task.id", self.task.task.to_string());
            add("stage", context.stage.name().to_string());
            add("class.name", context.executing_class.clone());
            add(
                "exception.class.name",
                context.error.java_class().to_string(),
            );
            add("exception.message", context.error.message.clone());
            add("exception.stacktrace", context.error.to_string());
        }
        let sent = self
            .producer
            .send(ProducerRecord {
                topic: self.topic.clone(),
                partition: None,
                key,
                value,
                headers,
                timestamp,
            })
            .await;
        match sent {
            Ok(delivery) => {
                self.pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(delivery);
                Ok(())
            }
            Err(e) => {
                ErrorMetrics::add(&self.metrics.dlq_produce_failures);
                Err(self.failed(e))
            }
        }
    }

    fn failed(&self, e: impl std::fmt::Display) -> ConnectError {
        ConnectError::fatal(format!(
            "Could not produce message to dead letter queue. topic={}: {e}",
            self.topic
        ))
    }

    /// Waits for every write so far. A failed write is an error: the
    /// records it carried must not have their offsets committed.
    pub async fn flush(&self) -> ConnectResult<()> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let mut first_error = None;
        for delivery in pending {
            if let Err(e) = delivery.wait().await {
                ErrorMetrics::add(&self.metrics.dlq_produce_failures);
                tracing::error!(task = %self.task, topic = %self.topic, error = %e, "Could not produce message to dead letter queue");
                first_error.get_or_insert_with(|| self.failed(e));
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub async fn close(&self) {
        self.producer.close().await;
    }
}
