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

use super::config::worker::WorkerConfig;
use super::plugins::task_converters;
use super::status::{ConnectorTaskId, StatusStore};
use super::storage::offset::FileOffsetStore;
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
    pub offsets: Arc<FileOffsetStore>,
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

    /// A source task's loop.
    pub fn source_task(
        &self,
        id: ConnectorTaskId,
        task: Box<dyn SourceTask>,
        connector: &Props,
        task_props: Props,
    ) -> Result<TaskLoopFactory, ConnectError> {
        let converters = task_converters(&self.config.props, connector)?;
        let transformations = build_chain(connector)?;
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
    pub fn sink_task(
        &self,
        id: ConnectorTaskId,
        task: Box<dyn SinkTask>,
        connector: &Props,
        task_props: Props,
    ) -> Result<TaskLoopFactory, ConnectError> {
        let converters = task_converters(&self.config.props, connector)?;
        let transformations = build_chain(connector)?;
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
                statuses: env.statuses.clone(),
                track_topics: env.config.topic_tracking_enable,
                commit_interval: env.config.offset_flush_interval(),
                control,
            }))
        }))
    }
}
