//! Connector and task configurations kept in the config topic (Java's
//! `ConfigBackingStore` interface and `KafkaConfigBackingStore`).
//!
//! Writes go to the topic and return once they are acknowledged and read
//! back (so the caller's next snapshot contains them), except target states
//! and logger levels, which return on acknowledgement as in Java. The state
//! is rebuilt by the log's reader ([`super::config_state`]); changes made
//! after start are reported on the update channel that `start` returns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use tokio::sync::mpsc;

use crate::api::connector::Props;
use crate::runtime::status::{ConnectorTaskId, TargetState};

use super::config_records::*;
use super::config_state::{ClusterConfigState, ConfigLogState, ConfigUpdate};
use super::error::{Result, StorageError};
use super::kafka_log::{KafkaBasedLog, KafkaBasedLogConfig, LogRecord};

/// The worker property naming the config topic.
pub const CONFIG_TOPIC_CONFIG: &str = "config.storage.topic";
/// What the config topic holds, for error messages.
pub const CONFIG_TOPIC_PURPOSE: &str = "connector configurations";
/// Bound on a write plus its read-back (Java's `READ_WRITE_TOTAL_TIMEOUT_MS`).
pub const READ_WRITE_TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the cluster's configuration lives (Java's `ConfigBackingStore`).
pub trait ConfigBackingStore: Send + Sync {
    /// A copy of the configuration as read so far.
    fn snapshot(&self) -> ClusterConfigState;

    fn contains(&self, connector: &str) -> bool;

    /// Writes a connector's config, preceded by its initial target state
    /// when given; returns once read back.
    fn put_connector_config<'a>(
        &'a self,
        connector: &'a str,
        config: &'a Props,
        target_state: Option<TargetState>,
    ) -> BoxFuture<'a, Result<()>>;

    /// Tombstones the connector's config and target state.
    fn remove_connector_config<'a>(&'a self, connector: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Writes task configs `0..n` and then the commit for `n` tasks.
    fn put_task_configs<'a>(
        &'a self,
        connector: &'a str,
        configs: &'a [Props],
    ) -> BoxFuture<'a, Result<()>>;

    fn put_target_state<'a>(
        &'a self,
        connector: &'a str,
        state: TargetState,
    ) -> BoxFuture<'a, Result<()>>;

    /// The task count after a zombie fencing (exactly-once sources).
    fn put_task_count_record<'a>(
        &'a self,
        connector: &'a str,
        task_count: i32,
    ) -> BoxFuture<'a, Result<()>>;

    fn put_session_key<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<()>>;

    fn put_restart_request<'a>(&'a self, request: &'a RestartRequest) -> BoxFuture<'a, Result<()>>;

    fn put_logger_level<'a>(
        &'a self,
        namespace: &'a str,
        level: &'a str,
    ) -> BoxFuture<'a, Result<()>>;

    /// Reads to the end of the topic (Java's `refresh`).
    fn refresh(&self, timeout: Duration) -> BoxFuture<'_, Result<()>>;

    fn stop(&self) -> BoxFuture<'_, ()>;
}

/// The config store on a Kafka topic.
pub struct KafkaConfigBackingStore {
    /// The config topic (one partition, so one total order of records).
    log: KafkaBasedLog,
    /// Shared with the log's callback, which applies every record.
    state: Arc<Mutex<ConfigLogState>>,
}

impl KafkaConfigBackingStore {
    /// Starts the log (creating the 1-partition compacted topic when
    /// missing), reads it to the end, and refuses a topic with more than
    /// one partition. Updates read after this returns come on the channel.
    pub async fn start(
        config: KafkaBasedLogConfig,
    ) -> Result<(
        KafkaConfigBackingStore,
        mpsc::UnboundedReceiver<ConfigUpdate>,
    )> {
        let mut config = config;
        config.topic.partitions = 1;
        let topic = config.topic.name.clone();
        let config_key = config.topic.config_key.clone();
        let state = Arc::new(Mutex::new(ConfigLogState::new()));
        // Unbounded: the reader must never wait for the herder.
        let (updates_tx, updates_rx) = mpsc::unbounded_channel();
        let callback_state = state.clone();
        let callback = Box::new(move |record: LogRecord| {
            let Some(key) = record.key.as_deref() else {
                tracing::error!(
                    offset = record.offset,
                    "Discarding config record without a key"
                );
                return;
            };
            let key = String::from_utf8_lossy(key);
            let update = callback_state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .apply(&key, record.value.as_deref(), record.offset);
            if let Some(update) = update {
                let _ = updates_tx.send(update);
            }
        });
        let log = KafkaBasedLog::start(config, callback).await?;
        let partitions = log.partition_count();
        if partitions > 1 {
            log.stop().await;
            return Err(StorageError::Config(format!(
                "Topic '{topic}' supplied via the '{config_key}' property is required to have a single \
                 partition in order to guarantee consistency of connector configurations, but found \
                 {partitions} partitions."
            )));
        }
        state.lock().unwrap_or_else(|e| e.into_inner()).started = true;
        tracing::info!(topic = %topic, "Started KafkaConfigBackingStore");
        Ok((KafkaConfigBackingStore { log, state }, updates_rx))
    }

    /// Sends every record, waits for all acks (in order), bounded by
    /// `READ_WRITE_TOTAL_TIMEOUT` together with `read_back`.
    async fn write(&self, records: Vec<(String, Option<Vec<u8>>)>, read_back: bool) -> Result<()> {
        let work = async {
            let mut deliveries = Vec::with_capacity(records.len());
            for (key, value) in records {
                deliveries.push(
                    self.log
                        .send(Some(Bytes::from(key)), value.map(Bytes::from))
                        .await?,
                );
            }
            for d in deliveries {
                d.wait().await?;
            }
            if read_back {
                self.log.read_to_end().await?;
            }
            Ok(())
        };
        match tokio::time::timeout(READ_WRITE_TOTAL_TIMEOUT, work).await {
            Ok(r) => r,
            Err(_) => Err(StorageError::Timeout {
                what: format!("writing to the config topic {}", self.log.topic()),
                timeout: READ_WRITE_TOTAL_TIMEOUT,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ConfigLogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ConfigBackingStore for KafkaConfigBackingStore {
    fn snapshot(&self) -> ClusterConfigState {
        self.lock().state.clone()
    }

    fn contains(&self, connector: &str) -> bool {
        self.lock().state.contains(connector)
    }

    fn put_connector_config<'a>(
        &'a self,
        connector: &'a str,
        config: &'a Props,
        target_state: Option<TargetState>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut records = Vec::new();
            if let Some(state) = target_state {
                records.push((target_state_key(connector), Some(target_state_value(state))));
            }
            records.push((connector_key(connector), Some(properties_value(config))));
            self.write(records, true).await
        })
    }

    fn remove_connector_config<'a>(&'a self, connector: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![
                    (connector_key(connector), None),
                    (target_state_key(connector), None),
                ],
                true,
            )
            .await
        })
    }

    fn put_task_configs<'a>(
        &'a self,
        connector: &'a str,
        configs: &'a [Props],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // Catch up first: nothing of ours may still be in flight.
            self.log
                .read_to_end_within(READ_WRITE_TOTAL_TIMEOUT)
                .await?;
            let tasks: Vec<(String, Option<Vec<u8>>)> = configs
                .iter()
                .enumerate()
                .map(|(task, props)| {
                    let id = ConnectorTaskId {
                        connector: connector.to_string(),
                        task: task as i32,
                    };
                    (task_key(&id), Some(properties_value(props)))
                })
                .collect();
            let has_tasks = !tasks.is_empty();
            self.write(tasks, has_tasks).await?;
            self.write(
                vec![(
                    commit_tasks_key(connector),
                    Some(commit_value(configs.len() as i32)),
                )],
                true,
            )
            .await
        })
    }

    fn put_target_state<'a>(
        &'a self,
        connector: &'a str,
        state: TargetState,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![(target_state_key(connector), Some(target_state_value(state)))],
                false,
            )
            .await
        })
    }

    fn put_task_count_record<'a>(
        &'a self,
        connector: &'a str,
        task_count: i32,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![(
                    task_count_record_key(connector),
                    Some(task_count_value(task_count)),
                )],
                true,
            )
            .await
        })
    }

    fn put_session_key<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![(SESSION_KEY_KEY.to_string(), Some(session_key_value(key)))],
                true,
            )
            .await
        })
    }

    fn put_restart_request<'a>(&'a self, request: &'a RestartRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![(
                    restart_key(&request.connector),
                    Some(restart_value(request)),
                )],
                true,
            )
            .await
        })
    }

    fn put_logger_level<'a>(
        &'a self,
        namespace: &'a str,
        level: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.write(
                vec![(
                    logger_cluster_key(namespace),
                    Some(logger_level_value(level)),
                )],
                false,
            )
            .await
        })
    }

    fn refresh(&self, timeout: Duration) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move { self.log.read_to_end_within(timeout).await })
    }

    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move { self.log.stop().await })
    }
}
