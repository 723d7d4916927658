//! Connector and task states as the REST API and the status topic show them
//! (Java's `AbstractStatus.State`, `ConnectorStatus`, `TaskStatus`,
//! `TargetState`, `ConnectorTaskId`), the `StatusBackingStore` interface,
//! and the in-memory store that standalone mode keeps them in
//! (`MemoryStatusBackingStore`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};

/// The runtime state of a connector or task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Stopped,
    Failed,
    Restarting,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Stopped => "STOPPED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the user asked a connector to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    Started,
    Paused,
    Stopped,
}

/// `connector-task`, e.g. `local-file-source-0`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectorTaskId {
    pub connector: String,
    pub task: i32,
}

impl fmt::Display for ConnectorTaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// A state with where it runs and, when failed, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    pub trace: Option<String>,
    pub worker_id: String,
}

/// Where statuses are kept (Java's `StatusBackingStore`): in memory in
/// standalone mode ([`MemoryStatusBackingStore`]), in the status topic in
/// distributed mode (`storage::kafka_status::KafkaStatusBackingStore`).
/// Writes never block: the Kafka store sends them in the background.
pub trait StatusBackingStore: Send + Sync + fmt::Debug {
    fn put_connector(&self, name: &str, status: Status);
    fn put_task(&self, id: &ConnectorTaskId, status: Status);
    fn connector(&self, name: &str) -> Option<Status>;
    fn task(&self, id: &ConnectorTaskId) -> Option<Status>;
    /// Every task status of one connector, by task number.
    fn tasks_of(&self, connector: &str) -> Vec<(ConnectorTaskId, Status)>;
    /// Forgets a connector, its tasks and its active topics (on delete).
    fn remove_connector(&self, name: &str);
    /// Forgets the tasks of `name` numbered `from` and above.
    fn remove_tasks_from(&self, name: &str, from: i32);
    /// Records that task `id` used `topic`; true when the connector did not
    /// know it yet.
    fn put_topic(&self, id: &ConnectorTaskId, topic: &str) -> bool;
    /// The active topics of `connector`, sorted.
    fn topics(&self, connector: &str) -> Vec<String>;
    /// Forgets the active topics of `connector`.
    fn reset_topics(&self, connector: &str);
}

#[derive(Debug, Default)]
struct Statuses {
    connectors: BTreeMap<String, Status>,
    tasks: BTreeMap<ConnectorTaskId, Status>,
    /// Active topics per connector (Java's `TopicStatus`, KIP-558): the
    /// topics its tasks produced to or consumed from since the last reset.
    topics: BTreeMap<String, BTreeSet<String>>,
}

/// Statuses in memory (Java's `MemoryStatusBackingStore`).
#[derive(Debug, Default)]
pub struct MemoryStatusBackingStore {
    inner: Mutex<Statuses>,
}

impl MemoryStatusBackingStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Statuses> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl StatusBackingStore for MemoryStatusBackingStore {
    fn put_connector(&self, name: &str, status: Status) {
        self.lock().connectors.insert(name.to_string(), status);
    }

    fn put_task(&self, id: &ConnectorTaskId, status: Status) {
        self.lock().tasks.insert(id.clone(), status);
    }

    fn connector(&self, name: &str) -> Option<Status> {
        self.lock().connectors.get(name).cloned()
    }

    fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        self.lock().tasks.get(id).cloned()
    }

    fn tasks_of(&self, connector: &str) -> Vec<(ConnectorTaskId, Status)> {
        self.lock()
            .tasks
            .iter()
            .filter(|(id, _)| id.connector == connector)
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect()
    }

    fn remove_connector(&self, name: &str) {
        let mut s = self.lock();
        s.connectors.remove(name);
        s.tasks.retain(|id, _| id.connector != name);
        s.topics.remove(name);
    }

    fn remove_tasks_from(&self, name: &str, from: i32) {
        self.lock()
            .tasks
            .retain(|id, _| id.connector != name || id.task < from);
    }

    fn put_topic(&self, id: &ConnectorTaskId, topic: &str) -> bool {
        let mut s = self.lock();
        let topics = s.topics.entry(id.connector.clone()).or_default();
        if topics.contains(topic) {
            return false;
        }
        topics.insert(topic.to_string())
    }

    fn topics(&self, connector: &str) -> Vec<String> {
        self.lock()
            .topics
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn reset_topics(&self, connector: &str) {
        self.lock().topics.remove(connector);
    }
}

/// The worker's handle on the statuses: stamps this worker's id on every
/// write. Cheap to clone; in memory unless built `with_backend`.
#[derive(Debug, Clone)]
pub struct StatusStore {
    worker_id: Arc<str>,
    backend: Arc<dyn StatusBackingStore>,
}

impl StatusStore {
    /// In-memory statuses (standalone mode).
    pub fn new(worker_id: &str) -> StatusStore {
        StatusStore::with_backend(worker_id, Arc::new(MemoryStatusBackingStore::default()))
    }

    /// Statuses kept by `backend` (the status topic in distributed mode).
    pub fn with_backend(worker_id: &str, backend: Arc<dyn StatusBackingStore>) -> StatusStore {
        StatusStore {
            worker_id: Arc::from(worker_id),
            backend,
        }
    }

    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    fn status(&self, state: State, trace: Option<String>) -> Status {
        Status {
            state,
            trace,
            worker_id: self.worker_id.to_string(),
        }
    }

    pub fn put_connector(&self, name: &str, state: State, trace: Option<String>) {
        self.backend.put_connector(name, self.status(state, trace));
    }

    pub fn put_task(&self, id: &ConnectorTaskId, state: State, trace: Option<String>) {
        self.backend.put_task(id, self.status(state, trace));
    }

    pub fn connector(&self, name: &str) -> Option<Status> {
        self.backend.connector(name)
    }

    pub fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        self.backend.task(id)
    }

    /// Every task status of one connector, by task number.
    pub fn tasks_of(&self, connector: &str) -> Vec<(ConnectorTaskId, Status)> {
        self.backend.tasks_of(connector)
    }

    /// Forgets a connector, its tasks and its active topics (on delete).
    pub fn remove_connector(&self, name: &str) {
        self.backend.remove_connector(name);
    }

    /// Records that task `id` used `topic`; true when it was not known yet.
    pub fn put_topic(&self, id: &ConnectorTaskId, topic: &str) -> bool {
        self.backend.put_topic(id, topic)
    }

    /// The active topics of `connector`, sorted.
    pub fn topics(&self, connector: &str) -> Vec<String> {
        self.backend.topics(connector)
    }

    /// Forgets the active topics of `connector`.
    pub fn reset_topics(&self, connector: &str) {
        self.backend.reset_topics(connector);
    }

    /// Forgets the tasks of `name` numbered `from` and above.
    pub fn remove_tasks_from(&self, name: &str, from: i32) {
        self.backend.remove_tasks_from(name, from);
    }
}
