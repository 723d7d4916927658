//! Builds what a task runs with (Java's `Worker.TaskBuilder` and its source
//! and sink variants): converters, transformation chain, the producer or the
//! consumer with the worker's `producer.` / `consumer.` settings and the
//! connector's `*.override.` ones, topic creation, and the offset reader.
//! Everything that can be wrong with a config is found here, before the task
//! loop starts, and becomes the task's FAILED status.

use std::collections::HashMap;
use std::sync::Arc;

use crate::api::connector::Props;
use crate::api::error::ConnectError;
use crate::api::sink::SinkTask;
use crate::api::source::SourceTask;
use crate::kafka::admin::Admin;
use crate::kafka::cluster::Cluster;
use crate::kafka::config::{split_list, ConsumerConfig, OffsetReset, ProducerConfig};
use crate::kafka::fetcher::Consumer;
use crate::kafka::producer::Producer;

use super::config::connector::{ConnectorConfig, ErrorHandling, SinkConnectorConfig};
use super::config::worker::WorkerConfig;
use super::errors::dead_letter_queue_reporter::{DeadLetterQueueReporter, DeadLetterQueueSettings};
use super::errors::log_reporter::LogReporter;
use super::errors::retry_with_tolerance_operator::RetryWithToleranceOperator;
use super::errors::ErrorMetrics;
use super::plugins::task_converters;
use super::status::{ConnectorTaskId, StatusStore};
use super::storage::offset::OffsetBackingStore;
use super::topic_creation::TopicCreation;
use super::transformation_chain::build_chain;
use super::worker_sink_task::{self, SinkTaskParams};
use super::worker_source_task::{self, SourceTaskParams};
use super::worker_task::{TaskControl, TaskLoop};

/// Builds a task loop once the actor running it hands over its controls.
pub type TaskLoopFactory = Box<dyn FnOnce(TaskControl) -> TaskLoop + Send>;

/// What every task of this worker shares.
#[derive(Clone)]
pub struct TaskEnvironment {
    pub config: Arc<WorkerConfig>,
    pub cluster: Arc<Cluster>,
    pub offsets: Arc<dyn OffsetBackingStore>,
    pub statuses: StatusStore,
}

impl TaskEnvironment {
    /// Client properties for a task: the worker's `bootstrap.servers` and
    /// `<prefix>` keys, then the connector's `<override_prefix>` keys.
    pub fn client_props(
        &self,
        prefix: &str,
        connector: &Props,
        override_prefix: &str,
    ) -> HashMap<String, String> {
        let mut out = self.config.client_props(prefix);
        for (k, v) in connector {
            if let Some(rest) = k.strip_prefix(override_prefix) {
                out.insert(rest.to_string(), v.clone());
            }
        }
        out
    }

    /// The consumer group of a sink connector's tasks: `connect-<name>`
    /// unless `consumer.group.id` or `consumer.override.group.id` says
    /// otherwise.
    pub fn sink_group_id(&self, name: &str, connector: &Props) -> String {
        self.client_props("consumer.", connector, "consumer.override.")
            .get("group.id")
            .cloned()
            .unwrap_or_else(|| format!("connect-{name}"))
    }

    /// The task's error handling: retries and tolerance from `errors.*`,
    /// the error log and the dead letter queue when configured.
    async fn error_operator(
        &self,
        id: &ConnectorTaskId,
        connector: &Props,
        errors: &ErrorHandling,
        dlq: Option<DeadLetterQueueSettings>,
    ) -> Result<Arc<RetryWithToleranceOperator>, ConnectError> {
        let metrics = Arc::new(ErrorMetrics::default());
        let log = errors
            .log_enable
            .then(|| LogReporter::new(id.clone(), errors.log_include_messages, metrics.clone()));
        let dlq = match dlq {
            None => None,
            Some(settings) => {
                let props = self.client_props("producer.", connector, "producer.override.");
                let config = ProducerConfig::from_props(&props)
                    .map_err(|e| ConnectError::fatal(e.to_string()))?;
                let producer = Producer::with_cluster(self.cluster.clone(), config);
                let admin = Admin::with_cluster(self.cluster.clone());
                let reporter = DeadLetterQueueReporter::create(
                    &admin,
                    producer,
                    settings,
                    id.clone(),
                    metrics.clone(),
                )
                .await?;
                Some(Arc::new(reporter))
            }
        };
        Ok(Arc::new(RetryWithToleranceOperator::new(
            errors, metrics, log, dlq,
        )))
    }

    /// A source task's loop.
    pub async fn source_task(
        &self,
        id: ConnectorTaskId,
        task: Box<dyn SourceTask>,
        connector: &Props,
        task_props: Props,
    ) -> Result<TaskLoopFactory, ConnectError> {
        let parsed = ConnectorConfig::new(connector.iter().map(|(k, v)| (k.clone(), v.clone())))
            .map_err(|e| ConnectError::fatal(e.to_string()))?;
        let converters = task_converters(&self.config.props, connector)?;
        let transformations = build_chain(&parsed)?;
        let errors = self
            .error_operator(
                &id,
                connector,
                &parsed.errors,
                source_dlq_settings(connector)?,
            )
            .await?;
        let props = self.client_props("producer.", connector, "producer.override.");
        let producer_config =
            ProducerConfig::from_props(&props).map_err(|e| ConnectError::fatal(e.to_string()))?;
        let topic_creation = TopicCreation::from_config(
            self.config.topic_creation_enable,
            connector,
            Admin::with_cluster(self.cluster.clone()),
        )?;
        let producer = Producer::with_cluster(self.cluster.clone(), producer_config);
        let env = self.clone();
        Ok(Box::new(move |control: TaskControl| -> TaskLoop {
            Box::pin(worker_source_task::run(SourceTaskParams {
                id,
                task,
                props: task_props,
                producer,
                converters,
                transformations,
                errors,
                offsets: env.offsets.clone(),
                statuses: env.statuses.clone(),
                track_topics: env.config.topic_tracking_enable,
                flush_interval: env.config.offset_flush_interval(),
                flush_timeout: env.config.offset_flush_timeout(),
                control,
                topic_creation,
            }))
        }))
    }

    /// A sink task's loop; its consumer is subscribed to the connector's
    /// `topics` or `topics.regex` in the connector's group.
    pub async fn sink_task(
        &self,
        id: ConnectorTaskId,
        task: Box<dyn SinkTask>,
        connector: &Props,
        task_props: Props,
    ) -> Result<TaskLoopFactory, ConnectError> {
        let parsed =
            SinkConnectorConfig::new(connector.iter().map(|(k, v)| (k.clone(), v.clone())))
                .map_err(|e| ConnectError::fatal(e.to_string()))?;
        let converters = task_converters(&self.config.props, connector)?;
        let transformations = build_chain(&parsed.common)?;
        let dlq = (!parsed.dlq_topic_name.is_empty()).then(|| DeadLetterQueueSettings {
            topic: parsed.dlq_topic_name.clone(),
            replication_factor: parsed.dlq_topic_replication_factor,
            context_headers: parsed.dlq_context_headers_enable,
        });
        let errors = self
            .error_operator(&id, connector, &parsed.common.errors, dlq)
            .await?;
        let reporting = parsed.enable_errant_record_reporter();
        let class = connector
            .get("connector.class")
            .map(|c| c.trim())
            .unwrap_or("");
        let task_class = super::plugins::task_class_name(
            super::plugins::find_connector(class).map_or(class, |p| p.class),
        );
        let mut props = self.client_props("consumer.", connector, "consumer.override.");
        props
            .entry("group.id".to_string())
            .or_insert_with(|| format!("connect-{}", id.connector));
        let mut consumer_config =
            ConsumerConfig::from_props(&props).map_err(|e| ConnectError::fatal(e.to_string()))?;
        if !props.contains_key("auto.offset.reset") {
            // Connect's default for sink consumers.
            consumer_config.auto_offset_reset = OffsetReset::Earliest;
        }
        let mut consumer = Consumer::with_cluster(self.cluster.clone(), consumer_config);
        // The task commits what it put before a rebalance moves partitions.
        consumer.set_yield_before_rebalance(true);
        let topics = connector.get("topics").filter(|t| !t.trim().is_empty());
        let regex = connector
            .get("topics.regex")
            .filter(|t| !t.trim().is_empty());
        let subscribed = match (topics, regex) {
            (Some(t), _) => consumer.subscribe(split_list(t)),
            (_, Some(re)) => consumer.subscribe_pattern(re),
            _ => {
                return Err(ConnectError::fatal(
                    "Must configure one of topics or topics.regex",
                ))
            }
        };
        subscribed.map_err(|e| ConnectError::fatal(e.to_string()))?;
        let env = self.clone();
        Ok(Box::new(move |control: TaskControl| -> TaskLoop {
            Box::pin(worker_sink_task::run(SinkTaskParams {
                id,
                task,
                props: task_props,
                consumer,
                converters,
                transformations,
                errors,
                errant_reporting: reporting,
                task_class,
                statuses: env.statuses.clone(),
                track_topics: env.config.topic_tracking_enable,
                commit_interval: env.config.offset_flush_interval(),
                control,
            }))
        }))
    }
}

/// A source connector's dead letter queue (a kconnect extension: Java has
/// DLQs for sinks only), from the same keys a sink uses.
fn source_dlq_settings(connector: &Props) -> Result<Option<DeadLetterQueueSettings>, ConnectError> {
    let Some(topic) = connector
        .get("errors.deadletterqueue.topic.name")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let rf_key = "errors.deadletterqueue.topic.replication.factor";
    let replication_factor = match connector.get(rf_key) {
        None => 3,
        Some(v) => v.trim().parse::<i16>().map_err(|_| {
            ConnectError::fatal(format!(
                "Invalid value {v} for configuration {rf_key}: Not a number of type SHORT"
            ))
        })?,
    };
    let headers_key = "errors.deadletterqueue.context.headers.enable";
    let context_headers = match connector.get(headers_key).map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return Err(ConnectError::fatal(format!(
                "Invalid value {v} for configuration {headers_key}: Expected value to be either true or false"
            )))
        }
    };
    Ok(Some(DeadLetterQueueSettings {
        topic,
        replication_factor,
        context_headers,
    }))
}
