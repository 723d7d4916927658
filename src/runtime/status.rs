//! Connector and task states as the REST API and the status topic show them
//! (Java's `AbstractStatus.State`, `ConnectorStatus`, `TaskStatus`,
//! `TargetState`, `ConnectorTaskId`), and the in-memory status store that
//! standalone mode keeps them in (`MemoryStatusBackingStore`).

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

#[derive(Debug, Default)]
struct Statuses {
    connectors: BTreeMap<String, Status>,
    tasks: BTreeMap<ConnectorTaskId, Status>,
    /// Active topics per connector (Java's `TopicStatus`, KIP-558): the
    /// topics its tasks produced to or consumed from since the last reset.
    topics: BTreeMap<String, BTreeSet<String>>,
}

/// Shared, in-memory statuses (standalone mode).
#[derive(Debug, Clone)]
pub struct StatusStore {
    worker_id: Arc<str>,
    inner: Arc<Mutex<Statuses>>,
}

impl StatusStore {
    pub fn new(worker_id: &str) -> StatusStore {
        StatusStore {
            worker_id: Arc::from(worker_id),
            inner: Arc::new(Mutex::new(Statuses::default())),
        }
    }

    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Statuses> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn status(&self, state: State, trace: Option<String>) -> Status {
        Status {
            state,
            trace,
            worker_id: self.worker_id.to_string(),
        }
    }

    pub fn put_connector(&self, name: &str, state: State, trace: Option<String>) {
        let status = self.status(state, trace);
        self.lock().connectors.insert(name.to_string(), status);
    }

    pub fn put_task(&self, id: &ConnectorTaskId, state: State, trace: Option<String>) {
        let status = self.status(state, trace);
        self.lock().tasks.insert(id.clone(), status);
    }

    pub fn connector(&self, name: &str) -> Option<Status> {
        self.lock().connectors.get(name).cloned()
    }

    pub fn task(&self, id: &ConnectorTaskId) -> Option<Status> {
        self.lock().tasks.get(id).cloned()
    }

    /// Every task status of one connector, by task number.
    pub fn tasks_of(&self, connector: &str) -> Vec<(ConnectorTaskId, Status)> {
        self.lock()
            .tasks
            .iter()
            .filter(|(id, _)| id.connector == connector)
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect()
    }

    /// Forgets a connector, its tasks and its active topics (on delete).
    pub fn remove_connector(&self, name: &str) {
        let mut s = self.lock();
        s.connectors.remove(name);
        s.tasks.retain(|id, _| id.connector != name);
        s.topics.remove(name);
    }

    /// Records that `connector` used `topic`; true when it was not known yet.
    pub fn put_topic(&self, connector: &str, topic: &str) -> bool {
        let mut s = self.lock();
        let topics = s.topics.entry(connector.to_string()).or_default();
        if topics.contains(topic) {
            return false;
        }
        topics.insert(topic.to_string())
    }

    /// The active topics of `connector`, sorted.
    pub fn topics(&self, connector: &str) -> Vec<String> {
        self.lock()
            .topics
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the active topics of `connector`.
    pub fn reset_topics(&self, connector: &str) {
        self.lock().topics.remove(connector);
    }

    /// Forgets the tasks of `name` numbered `from` and above.
    pub fn remove_tasks_from(&self, name: &str, from: i32) {
        self.lock()
            .tasks
            .retain(|id, _| id.connector != name || id.task < from);
    }
}
