//! The status topic's records and the in-memory view built from them, with
//! Java's rules (`KafkaStatusBackingStore`: `STATUS_SCHEMA_V0`,
//! `TOPIC_STATUS_SCHEMA_V0`, `CacheEntry.canWriteSafely`, and the reading
//! rule that an UNASSIGNED task status never replaces a RUNNING one of the
//! same or a newer generation).

use std::collections::{BTreeMap, HashMap};

use crate::runtime::status::{ConnectorTaskId, State, Status};

use super::config_records::java_parse_int;
use super::record_json::{parse_object, JsonObject};

pub const TASK_STATUS_PREFIX: &str = "status-task-";
pub const CONNECTOR_STATUS_PREFIX: &str = "status-connector-";
pub const TOPIC_STATUS_PREFIX: &str = "status-topic-";
pub const TOPIC_STATUS_SEPARATOR: &str = ":connector-";

/// A connector or task status as the topic holds it (Java's
/// `AbstractStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub state: State,
    pub trace: Option<String>,
    pub worker_id: String,
    /// The group generation of the writer when it wrote.
    pub generation: i32,
    /// The connector plugin's version: Kafka 4.x writes it (checked
    /// against 4.3.1), `null` when unknown; older readers ignore it.
    pub version: Option<String>,
}

impl StatusRecord {
    pub fn status(&self) -> Status {
        Status {
            state: self.state,
            trace: self.trace.clone(),
            worker_id: self.worker_id.clone(),
        }
    }
}

/// A topic a connector's task used (Java's `TopicStatus`, KIP-558).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicStatus {
    pub topic: String,
    pub connector: String,
    pub task: i32,
    /// Epoch ms.
    pub discover_timestamp: i64,
}

pub fn connector_status_key(connector: &str) -> String {
    format!("{CONNECTOR_STATUS_PREFIX}{connector}")
}

pub fn task_status_key(id: &ConnectorTaskId) -> String {
    format!("{TASK_STATUS_PREFIX}{}-{}", id.connector, id.task)
}

pub fn topic_status_key(topic: &str, connector: &str) -> String {
    format!("{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}")
}

/// `{"state":..,"trace":..,"worker_id":..,"generation":..,"version":..}`
/// (Kafka 4.x's `STATUS_SCHEMA_V0`); absent optional fields are `null`, as
/// Java writes them.
pub fn status_value(status: &StatusRecord) -> Vec<u8> {
    JsonObject::new()
        .string("state", status.state.name())
        .opt_string("trace", status.trace.as_deref())
        .string("worker_id", &status.worker_id)
        .int("generation", status.generation as i64)
        .opt_string("version", status.version.as_deref())
        .finish()
}

/// `{"topic":{"name":..,"connector":..,"task":..,"discoverTimestamp":..}}`.
pub fn topic_status_value(status: &TopicStatus) -> Vec<u8> {
    let inner = JsonObject::new()
        .string("name", &status.topic)
        .string("connector", &status.connector)
        .int("task", status.task as i64)
        .int("discoverTimestamp", status.discover_timestamp)
        .finish();
    JsonObject::new().raw("topic", &inner).finish()
}

/// `AbstractStatus.State.valueOf` (DESTROYED is never stored: it is
/// written as a tombstone).
pub fn parse_state(name: &str) -> Option<State> {
    Some(match name {
        "UNASSIGNED" => State::Unassigned,
        "RUNNING" => State::Running,
        "PAUSED" => State::Paused,
        "STOPPED" => State::Stopped,
        "FAILED" => State::Failed,
        "RESTARTING" => State::Restarting,
        _ => return None,
    })
}

/// Java's `parseConnectorStatus` / `parseTaskStatus`: any malformed field
/// makes the record unusable.
pub fn parse_status(value: &[u8]) -> Option<StatusRecord> {
    let map = parse_object(value)?;
    let state = parse_state(map.get("state")?.as_str()?)?;
    let trace = match map.get("trace") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    let worker_id = match map.get("worker_id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        None | Some(serde_json::Value::Null) => String::new(),
        Some(_) => return None,
    };
    let generation = map.get("generation")?.as_i64()? as i32;
    // Absent in records of Kafka before 4.1.
    let version = match map.get("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    Some(StatusRecord {
        state,
        trace,
        worker_id,
        generation,
        version,
    })
}

pub fn parse_topic_status(value: &[u8]) -> Option<TopicStatus> {
    let map = parse_object(value)?;
    let inner = map.get("topic")?.as_object()?;
    Some(TopicStatus {
        topic: inner.get("name")?.as_str()?.to_string(),
        connector: inner.get("connector")?.as_str()?.to_string(),
        task: inner.get("task")?.as_i64()? as i32,
        discover_timestamp: inner.get("discoverTimestamp")?.as_i64()?,
    })
}

/// Java's `parseConnectorTaskId`: `status-task-<connector>-<n>`.
pub fn parse_task_status_key(key: &str) -> Option<ConnectorTaskId> {
    let mut parts: Vec<&str> = key.split('-').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() < 4 {
        return None;
    }
    let task = java_parse_int(parts[parts.len() - 1])?;
    Some(ConnectorTaskId {
        connector: parts[2..parts.len() - 1].join("-"),
        task,
    })
}

/// One connector's or task's last status (Java's `CacheEntry`; the
/// producer retries failed sends itself, so no retry bookkeeping here).
#[derive(Debug, Clone, Default)]
pub struct CacheEntry {
    pub value: Option<StatusRecord>,
}

impl CacheEntry {
    /// A safe write (`putSafe`) goes ahead unless the status seen last was
    /// written by another worker in a newer generation.
    pub fn can_write_safely(&self, status: &StatusRecord) -> bool {
        match &self.value {
            None => true,
            Some(v) => v.worker_id == status.worker_id || v.generation <= status.generation,
        }
    }
}

/// Every status read from (or written to) the topic.
#[derive(Debug, Default)]
pub struct StatusCache {
    pub connectors: HashMap<String, CacheEntry>,
    pub tasks: BTreeMap<ConnectorTaskId, CacheEntry>,
    /// connector -> topic -> status.
    pub topics: HashMap<String, BTreeMap<String, TopicStatus>>,
}

impl StatusCache {
    pub fn connector_entry(&mut self, connector: &str) -> &mut CacheEntry {
        self.connectors.entry(connector.to_string()).or_default()
    }

    pub fn task_entry(&mut self, id: &ConnectorTaskId) -> &mut CacheEntry {
        self.tasks.entry(id.clone()).or_default()
    }

    /// Java's `remove(connector)`: the connector and all its tasks.
    pub fn remove_connector(&mut self, connector: &str) {
        self.connectors.remove(connector);
        self.tasks.retain(|id, _| id.connector != connector);
    }

    /// Applies one record read from the topic (Java's `read`).
    pub fn read(&mut self, key: &str, value: Option<&[u8]>) {
        if let Some(connector) = key.strip_prefix(CONNECTOR_STATUS_PREFIX) {
            if connector.is_empty() {
                tracing::warn!("Discarding record with invalid connector status key {key}");
                return;
            }
            let Some(value) = value else {
                self.remove_connector(connector);
                return;
            };
            match parse_status(value) {
                Some(status) => self.connector_entry(connector).value = Some(status),
                None => tracing::error!("Failed to deserialize connector status for {connector}"),
            }
        } else if key.starts_with(TASK_STATUS_PREFIX) {
            let Some(id) = parse_task_status_key(key) else {
                tracing::warn!("Discarding record with invalid task status key {key}");
                return;
            };
            let Some(value) = value else {
                self.tasks.remove(&id);
                return;
            };
            let Some(status) = parse_status(value) else {
                tracing::error!("Failed to deserialize task status for {id}");
                return;
            };
            let entry = self.task_entry(&id);
            if status.state == State::Unassigned {
                if let Some(current) = &entry.value {
                    if current.state == State::Running && current.generation >= status.generation {
                        tracing::trace!("Ignoring stale status update for {id}");
                        return;
                    }
                }
            }
            entry.value = Some(status);
        } else if let Some(rest) = key.strip_prefix(TOPIC_STATUS_PREFIX) {
            let Some((topic, connector)) = rest.split_once(TOPIC_STATUS_SEPARATOR) else {
                tracing::warn!("Discarding record with invalid topic status key {key}");
                return;
            };
            if topic.is_empty() || connector.is_empty() {
                tracing::warn!("Discarding record with invalid topic status key {key}");
                return;
            }
            let Some(value) = value else {
                if let Some(t) = self.topics.get_mut(connector) {
                    t.remove(topic);
                }
                return;
            };
            match parse_topic_status(value) {
                Some(status) => {
                    self.topics
                        .entry(connector.to_string())
                        .or_default()
                        .insert(topic.to_string(), status);
                }
                None => tracing::warn!("Failed to parse topic status with key {key}"),
            }
        } else {
            tracing::warn!("Discarding record with invalid key {key}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(state: State, worker: &str, generation: i32) -> StatusRecord {
        StatusRecord {
            state,
            trace: None,
            worker_id: worker.to_string(),
            generation,
            version: None,
        }
    }

    fn id(c: &str, t: i32) -> ConnectorTaskId {
        ConnectorTaskId {
            connector: c.to_string(),
            task: t,
        }
    }

    #[test]
    fn values_are_byte_identical_to_java() {
        assert_eq!(
            String::from_utf8(status_value(&rec(State::Running, "host:8083", 5))).unwrap(),
            r#"{"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":5,"version":null}"#
        );
        let failed = StatusRecord {
            trace: Some("java.lang.Exception: boom\n\tat x".to_string()),
            version: Some("4.3.1".to_string()),
            ..rec(State::Failed, "w", 0)
        };
        assert_eq!(
            String::from_utf8(status_value(&failed)).unwrap(),
            r#"{"state":"FAILED","trace":"java.lang.Exception: boom\n\tat x","worker_id":"w","generation":0,"version":"4.3.1"}"#
        );
        let topic = TopicStatus {
            topic: "t1".to_string(),
            connector: "c".to_string(),
            task: 2,
            discover_timestamp: 1_700_000_000_000,
        };
        assert_eq!(
            String::from_utf8(topic_status_value(&topic)).unwrap(),
            r#"{"topic":{"name":"t1","connector":"c","task":2,"discoverTimestamp":1700000000000}}"#
        );
        assert_eq!(parse_topic_status(&topic_status_value(&topic)), Some(topic));
        assert_eq!(parse_status(&status_value(&failed)), Some(failed));
    }

    #[test]
    fn keys_match_java() {
        assert_eq!(connector_status_key("my-conn"), "status-connector-my-conn");
        assert_eq!(task_status_key(&id("my-conn", 2)), "status-task-my-conn-2");
        assert_eq!(topic_status_key("t", "c"), "status-topic-t:connector-c");
        assert_eq!(
            parse_task_status_key("status-task-my-conn-2"),
            Some(id("my-conn", 2))
        );
        assert_eq!(parse_task_status_key("status-task-c"), None);
        assert_eq!(parse_task_status_key("status-task-c-x"), None);
    }

    #[test]
    fn statuses_of_older_kafka_without_version_are_read() {
        assert_eq!(
            parse_status(br#"{"state":"PAUSED","trace":null,"worker_id":"w","generation":2}"#),
            Some(rec(State::Paused, "w", 2))
        );
    }

    #[test]
    fn malformed_statuses_are_dropped() {
        assert_eq!(
            parse_status(br#"{"state":"BOGUS","worker_id":"w","generation":1}"#),
            None
        );
        assert_eq!(
            parse_status(br#"{"state":"RUNNING","worker_id":"w"}"#),
            None
        );
        assert_eq!(
            parse_status(br#"{"state":"RUNNING","trace":5,"worker_id":"w","generation":1}"#),
            None
        );
        assert_eq!(parse_status(b"[]"), None);
    }

    #[test]
    fn safe_writes_lose_to_a_newer_generation_of_another_worker() {
        let mut entry = CacheEntry::default();
        assert!(entry.can_write_safely(&rec(State::Unassigned, "a", 1)));
        entry.value = Some(rec(State::Running, "b", 5));
        // Another worker, older generation: refused.
        assert!(!entry.can_write_safely(&rec(State::Unassigned, "a", 4)));
        // Same generation or newer: allowed.
        assert!(entry.can_write_safely(&rec(State::Unassigned, "a", 5)));
        assert!(entry.can_write_safely(&rec(State::Unassigned, "a", 6)));
        // The same worker always may.
        assert!(entry.can_write_safely(&rec(State::Unassigned, "b", 1)));
    }

    #[test]
    fn unassigned_never_replaces_running_of_the_same_or_newer_generation() {
        let mut cache = StatusCache::default();
        let key = task_status_key(&id("c", 0));
        cache.read(&key, Some(&status_value(&rec(State::Running, "b", 5))));
        cache.read(&key, Some(&status_value(&rec(State::Unassigned, "a", 5))));
        assert_eq!(
            cache.tasks[&id("c", 0)].value,
            Some(rec(State::Running, "b", 5))
        );
        cache.read(&key, Some(&status_value(&rec(State::Unassigned, "a", 4))));
        assert_eq!(
            cache.tasks[&id("c", 0)].value,
            Some(rec(State::Running, "b", 5))
        );
        // A newer generation's UNASSIGNED wins; so does any other state.
        cache.read(&key, Some(&status_value(&rec(State::Unassigned, "a", 6))));
        assert_eq!(
            cache.tasks[&id("c", 0)].value,
            Some(rec(State::Unassigned, "a", 6))
        );
        cache.read(&key, Some(&status_value(&rec(State::Failed, "a", 2))));
        assert_eq!(
            cache.tasks[&id("c", 0)].value.as_ref().map(|s| s.state),
            Some(State::Failed)
        );
    }

    #[test]
    fn tombstones_remove_connectors_with_their_tasks_and_topics() {
        let mut cache = StatusCache::default();
        cache.read(
            &connector_status_key("c"),
            Some(&status_value(&rec(State::Running, "w", 1))),
        );
        cache.read(
            &task_status_key(&id("c", 0)),
            Some(&status_value(&rec(State::Running, "w", 1))),
        );
        cache.read(
            &task_status_key(&id("c", 1)),
            Some(&status_value(&rec(State::Running, "w", 1))),
        );
        cache.read(
            &task_status_key(&id("d", 0)),
            Some(&status_value(&rec(State::Running, "w", 1))),
        );
        cache.read(&task_status_key(&id("c", 1)), None);
        assert!(!cache.tasks.contains_key(&id("c", 1)));
        cache.read(&connector_status_key("c"), None);
        assert!(cache.connectors.is_empty());
        assert_eq!(
            cache.tasks.keys().cloned().collect::<Vec<_>>(),
            vec![id("d", 0)]
        );

        let t = TopicStatus {
            topic: "t".to_string(),
            connector: "c".to_string(),
            task: 0,
            discover_timestamp: 1,
        };
        cache.read(&topic_status_key("t", "c"), Some(&topic_status_value(&t)));
        assert_eq!(cache.topics["c"]["t"], t);
        cache.read(&topic_status_key("t", "c"), None);
        assert!(cache.topics["c"].is_empty());
        // Bad keys are ignored.
        cache.read("status-topic-:connector-c", Some(&topic_status_value(&t)));
        cache.read("status-topic-t", Some(&topic_status_value(&t)));
        cache.read("bogus", None);
        assert!(cache.topics["c"].is_empty());
    }

    mod roundtrip {
        use super::*;
        use proptest::prelude::*;

        fn state() -> impl Strategy<Value = State> {
            prop_oneof![
                Just(State::Unassigned),
                Just(State::Running),
                Just(State::Paused),
                Just(State::Stopped),
                Just(State::Failed),
                Just(State::Restarting),
            ]
        }

        proptest! {
            #[test]
            fn statuses_read_back_as_written(
                state in state(),
                trace in proptest::option::of(".{0,40}"),
                worker_id in ".{0,20}",
                generation: i32,
                version in proptest::option::of("[0-9.]{1,8}"),
            ) {
                let r = StatusRecord { state, trace, worker_id, generation, version };
                prop_assert_eq!(parse_status(&status_value(&r)), Some(r));
            }

            #[test]
            fn topic_statuses_read_back_as_written(
                topic in ".{1,20}",
                connector in ".{1,20}",
                task: i32,
                discover_timestamp: i64,
            ) {
                let t = TopicStatus { topic, connector, task, discover_timestamp };
                prop_assert_eq!(parse_topic_status(&topic_status_value(&t)), Some(t));
            }
        }
    }
}
