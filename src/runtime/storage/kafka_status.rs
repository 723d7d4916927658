//! Connector, task and topic statuses in the status topic (Java's
//! `KafkaStatusBackingStore`).
//!
//! Every record of the topic is read into memory ([`StatusCache`]); writes
//! are queued to a writer task that sends them in order, so a status change
//! never waits for the broker. A write also updates the local view at once
//! (the read-back applies the same value again). Safe writes (`put_safe`:
//! FAILED and UNASSIGNED, as Java's herder uses them) are dropped when the
//! status seen last was written by another worker in a newer generation.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::runtime::status::{ConnectorTaskId, State, Status, StatusBackingStore};

use super::error::{Result, StorageError};
use super::kafka_log::{KafkaBasedLog, KafkaBasedLogConfig, LogRecord};
use super::status_cache::*;

/// The worker property naming the status topic.
pub const STATUS_TOPIC_CONFIG: &str = "status.storage.topic";
/// What the status topic holds, for error messages.
pub const STATUS_TOPIC_PURPOSE: &str = "connector and task statuses";

enum WriteCommand {
    Send { key: String, value: Option<Vec<u8>> },
    Flush(oneshot::Sender<()>),
}

/// The status store on a Kafka topic.
pub struct KafkaStatusBackingStore {
    log: Arc<KafkaBasedLog>,
    /// Shared with the log's callback.
    cache: Arc<Mutex<StatusCache>>,
    /// The group generation stamped on writes made through the
    /// [`StatusBackingStore`] interface; the herder sets it on rebalance.
    generation: AtomicI32,
    /// To the writer task, in order. Unbounded: callers never wait.
    writes: mpsc::UnboundedSender<WriteCommand>,
    /// The writer task, ended by `stop` after a final flush.
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for KafkaStatusBackingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStatusBackingStore")
            .field("topic", &self.log.topic())
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish()
    }
}

impl KafkaStatusBackingStore {
    /// Starts the log (creating the compacted topic when missing) and reads
    /// it to the end.
    pub async fn start(config: KafkaBasedLogConfig) -> Result<KafkaStatusBackingStore> {
        let cache = Arc::new(Mutex::new(StatusCache::default()));
        let callback_cache = cache.clone();
        let callback = Box::new(move |record: LogRecord| {
            let Some(key) = record.key.as_deref() else {
                tracing::warn!(
                    offset = record.offset,
                    "Discarding status record without a key"
                );
                return;
            };
            let key = String::from_utf8_lossy(key);
            callback_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .read(&key, record.value.as_deref());
        });
        let log = Arc::new(KafkaBasedLog::start(config, callback).await?);
        let (writes, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(run_writer(log.clone(), rx));
        Ok(KafkaStatusBackingStore {
            log,
            cache,
            generation: AtomicI32::new(0),
            writes,
            writer: Mutex::new(Some(writer)),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StatusCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, key: String, value: Option<Vec<u8>>) {
        if self.writes.send(WriteCommand::Send { key, value }).is_err() {
            tracing::warn!(topic = %self.log.topic(), "status store stopped; status not written");
        }
    }

    /// The generation stamped on writes made through `StatusBackingStore`.
    pub fn set_generation(&self, generation: i32) {
        self.generation.store(generation, Ordering::Release);
    }

    pub fn generation(&self) -> i32 {
        self.generation.load(Ordering::Acquire)
    }

    /// Writes a connector status (`put`, or `putSafe` with `safe`); false
    /// when a safe write was refused.
    pub fn put_connector_status(&self, connector: &str, status: StatusRecord, safe: bool) -> bool {
        {
            let mut cache = self.lock();
            let entry = cache.connector_entry(connector);
            if safe && !entry.can_write_safely(&status) {
                return false;
            }
            entry.value = Some(status.clone());
        }
        self.send(connector_status_key(connector), Some(status_value(&status)));
        true
    }

    /// Writes a task status (`put`, or `putSafe` with `safe`); false when a
    /// safe write was refused.
    pub fn put_task_status(&self, id: &ConnectorTaskId, status: StatusRecord, safe: bool) -> bool {
        {
            let mut cache = self.lock();
            let entry = cache.task_entry(id);
            if safe && !entry.can_write_safely(&status) {
                return false;
            }
            entry.value = Some(status.clone());
        }
        self.send(task_status_key(id), Some(status_value(&status)));
        true
    }

    /// Tombstones a connector's status and its tasks' (Java's DESTROYED).
    pub fn delete_connector_status(&self, connector: &str) {
        let tasks: Vec<ConnectorTaskId> = {
            let mut cache = self.lock();
            let tasks = cache
                .tasks
                .keys()
                .filter(|id| id.connector == connector)
                .cloned()
                .collect();
            cache.remove_connector(connector);
            tasks
        };
        for id in tasks {
            self.send(task_status_key(&id), None);
        }
        self.send(connector_status_key(connector), None);
    }

    /// Tombstones one task's status.
    pub fn delete_task_status(&self, id: &ConnectorTaskId) {
        self.lock().tasks.remove(id);
        self.send(task_status_key(id), None);
    }

    pub fn connector_status(&self, connector: &str) -> Option<StatusRecord> {
        self.lock()
            .connectors
            .get(connector)
            .and_then(|e| e.value.clone())
    }

    pub fn task_status(&self, id: &ConnectorTaskId) -> Option<StatusRecord> {
        self.lock().tasks.get(id).and_then(|e| e.value.clone())
    }

    /// Every task status of `connector`, by task number.
    pub fn task_statuses(&self, connector: &str) -> Vec<(ConnectorTaskId, StatusRecord)> {
        self.lock()
            .tasks
            .iter()
            .filter(|(id, _)| id.connector == connector)
            .filter_map(|(id, e)| e.value.clone().map(|v| (id.clone(), v)))
            .collect()
    }

    /// Connectors with a status, sorted.
    pub fn connectors(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().connectors.keys().cloned().collect();
        names.sort();
        names
    }

    pub fn put_topic_status(&self, status: TopicStatus) {
        let key = topic_status_key(&status.topic, &status.connector);
        let value = topic_status_value(&status);
        self.lock()
            .topics
            .entry(status.connector.clone())
            .or_default()
            .insert(status.topic.clone(), status);
        self.send(key, Some(value));
    }

    pub fn topic_status(&self, connector: &str, topic: &str) -> Option<TopicStatus> {
        self.lock()
            .topics
            .get(connector)
            .and_then(|t| t.get(topic).cloned())
    }

    /// The active topics of `connector`, by topic name.
    pub fn topic_statuses(&self, connector: &str) -> Vec<TopicStatus> {
        self.lock()
            .topics
            .get(connector)
            .map(|t| t.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Tombstones the status of `topic` for `connector`.
    pub fn delete_topic(&self, connector: &str, topic: &str) {
        if let Some(t) = self.lock().topics.get_mut(connector) {
            t.remove(topic);
        }
        self.send(topic_status_key(topic, connector), None);
    }

    /// Waits until every write queued so far was sent and completed.
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        let topic = self.log.topic().to_string();
        self.writes
            .send(WriteCommand::Flush(tx))
            .map_err(|_| StorageError::Stopped(topic.clone()))?;
        rx.await.map_err(|_| StorageError::Stopped(topic))
    }

    /// Reads to the end of the topic.
    pub async fn refresh(&self, timeout: Duration) -> Result<()> {
        self.log.read_to_end_within(timeout).await
    }

    /// Flushes the queued writes, then stops the writer and the log.
    pub async fn stop(&self) {
        if let Err(e) = self.flush().await {
            tracing::warn!(error = %e, "status store: final flush failed");
        }
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer {
            writer.abort();
        }
        self.log.stop().await;
    }

    fn record(&self, status: Status) -> StatusRecord {
        StatusRecord {
            state: status.state,
            trace: status.trace,
            worker_id: status.worker_id,
            generation: self.generation(),
            version: None,
        }
    }
}

/// Sends queued writes in order; delivery failures are logged (the
/// producer already retried what can be retried).
async fn run_writer(log: Arc<KafkaBasedLog>, mut rx: mpsc::UnboundedReceiver<WriteCommand>) {
    while let Some(command) = rx.recv().await {
        match command {
            WriteCommand::Send { key, value } => {
                match log
                    .send(Some(Bytes::from(key.clone())), value.map(Bytes::from))
                    .await
                {
                    Ok(delivery) => {
                        tokio::spawn(async move {
                            if let Err(e) = delivery.wait().await {
                                tracing::error!(key, error = %e, "Failed to write status update");
                            }
                        });
                    }
                    Err(e) => tracing::error!(key, error = %e, "Failed to write status update"),
                }
            }
            WriteCommand::Flush(done) => {
                log.flush().await;
                let _ = done.send(());
            }
        }
    }
}

/// FAILED and UNASSIGNED are written with `putSafe`, the rest with `put`,
/// as Java's `AbstractHerder` does.
fn is_safe_write(state: State) -> bool {
    matches!(state, State::Failed | State::Unassigned)
}

impl StatusBackingStore for KafkaStatusBackingStore {
    fn put_connector(&self, name: &str, status: Status) {
        let safe = is_safe_write(status.state);
        self.put_connector_status(name, self.record(status), safe);
    }

    fn put_task(&self, id: &ConnectorTaskId, status: Status) {
        let safe = is_safe_write(status.state);
        self.put_task_status(id, self.record(status), safe);
    }

    fn connector(&self, name: &str) -> Option<Status> {
        self.connector_status(name).map(|s| s.status())
    }

    fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        self.task_status(id).map(|s| s.status())
    }

    fn tasks_of(&self, connector: &str) -> Vec<(ConnectorTaskId, Status)> {
        self.task_statuses(connector)
            .into_iter()
            .map(|(id, s)| (id, s.status()))
            .collect()
    }

    fn remove_connector(&self, name: &str) {
        // Active topics stay, as in Java: they are reset through REST.
        self.delete_connector_status(name);
    }

    fn remove_tasks_from(&self, name: &str, from: i32) {
        let ids: Vec<ConnectorTaskId> = self
            .lock()
            .tasks
            .keys()
            .filter(|id| id.connector == name && id.task >= from)
            .cloned()
            .collect();
        for id in ids {
            self.delete_task_status(&id);
        }
    }

    fn put_topic(&self, id: &ConnectorTaskId, topic: &str) -> bool {
        if self.topic_status(&id.connector, topic).is_some() {
            return false;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.put_topic_status(TopicStatus {
            topic: topic.to_string(),
            connector: id.connector.clone(),
            task: id.task,
            discover_timestamp: now,
        });
        true
    }

    fn topics(&self, connector: &str) -> Vec<String> {
        self.topic_statuses(connector)
            .into_iter()
            .map(|t| t.topic)
            .collect()
    }

    fn reset_topics(&self, connector: &str) {
        for t in self.topic_statuses(connector) {
            self.delete_topic(connector, &t.topic);
        }
    }
}
