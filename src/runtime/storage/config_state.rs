//! The cluster's configuration as read from the config topic: the snapshot
//! the herder works from (Java's `ClusterConfigState`) and the rules that
//! apply each record to it (the `ConsumeCallback` of Java's
//! `KafkaConfigBackingStore`): connector configs apply at once, task configs
//! wait for their connector's commit and apply only when every task the
//! commit names is present (otherwise the connector is *inconsistent* until
//! a complete set is committed), target states read `state.v2` first.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::connector::Props;
use crate::api::data::base64;
use crate::runtime::status::{ConnectorTaskId, TargetState};

use super::config_records::*;
use super::record_json::{int_value, to_string_map};

/// What changed, for the herder (Java's `ConfigBackingStore.UpdateListener`).
/// Sent only for records read after the store started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigUpdate {
    ConnectorConfigUpdated(String),
    ConnectorConfigRemoved(String),
    /// The tasks whose configs a commit applied (empty when the commit
    /// applied nothing new or the set was incomplete).
    TasksCommitted(Vec<ConnectorTaskId>),
    TargetStateChanged(String),
    RestartRequested(RestartRequest),
    SessionKeyChanged(SessionKey),
    LoggerLevel {
        namespace: String,
        level: String,
    },
}

/// A consistent copy of the configuration at one offset of the topic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterConfigState {
    /// The offset after the last record applied (-1 before any).
    pub offset: i64,
    pub session_key: Option<SessionKey>,
    /// Tasks per connector, from its last commit.
    pub connector_task_counts: BTreeMap<String, i32>,
    pub connector_configs: BTreeMap<String, Props>,
    pub target_states: BTreeMap<String, TargetState>,
    pub task_configs: BTreeMap<ConnectorTaskId, Props>,
    /// `tasks-fencing-` records: task count at the last zombie fencing.
    pub task_count_records: BTreeMap<String, i32>,
    /// How many times a connector's task configs were applied (0 first).
    pub task_config_generations: BTreeMap<String, i32>,
    /// The connector config that was current when its tasks were committed.
    pub applied_connector_configs: BTreeMap<String, Props>,
    /// Connectors whose tasks were committed after their last fencing record.
    pub connectors_pending_fencing: BTreeSet<String>,
    /// Connectors whose last commit found task configs missing.
    pub inconsistent: BTreeSet<String>,
}

impl ClusterConfigState {
    /// An empty state at offset -1.
    pub fn empty() -> ClusterConfigState {
        ClusterConfigState {
            offset: -1,
            ..ClusterConfigState::default()
        }
    }

    /// Connector names, sorted.
    pub fn connectors(&self) -> Vec<String> {
        self.connector_configs.keys().cloned().collect()
    }

    pub fn contains(&self, connector: &str) -> bool {
        self.connector_configs.contains_key(connector)
    }

    pub fn connector_config(&self, connector: &str) -> Option<&Props> {
        self.connector_configs.get(connector)
    }

    /// The target state; STARTED for a known connector without one.
    pub fn target_state(&self, connector: &str) -> Option<TargetState> {
        self.target_states.get(connector).copied()
    }

    pub fn task_count(&self, connector: &str) -> i32 {
        self.connector_task_counts
            .get(connector)
            .copied()
            .unwrap_or(0)
    }

    /// The connector's committed tasks, none while it is inconsistent
    /// (Java's `tasks(connector)`).
    pub fn tasks(&self, connector: &str) -> Vec<ConnectorTaskId> {
        if self.inconsistent.contains(connector) {
            return Vec::new();
        }
        (0..self.task_count(connector))
            .map(|task| ConnectorTaskId {
                connector: connector.to_string(),
                task,
            })
            .collect()
    }

    pub fn task_config(&self, id: &ConnectorTaskId) -> Option<&Props> {
        self.task_configs.get(id)
    }

    /// The connector's committed task configs in task order.
    pub fn all_task_configs(&self, connector: &str) -> Vec<Props> {
        self.tasks(connector)
            .iter()
            .filter_map(|id| self.task_configs.get(id).cloned())
            .collect()
    }

    pub fn is_inconsistent(&self, connector: &str) -> bool {
        self.inconsistent.contains(connector)
    }

    pub fn pending_fencing(&self, connector: &str) -> bool {
        self.connectors_pending_fencing.contains(connector)
    }
}

/// The state being built from the log, with what is not in snapshots.
#[derive(Debug)]
pub struct ConfigLogState {
    pub state: ClusterConfigState,
    /// Task configs read and not yet committed, per connector.
    deferred: BTreeMap<String, BTreeMap<i32, Props>>,
    /// Whether the store finished its first read to the end: updates are
    /// reported only after that (Java's `started`).
    pub started: bool,
}

impl Default for ConfigLogState {
    fn default() -> ConfigLogState {
        ConfigLogState::new()
    }
}

impl ConfigLogState {
    pub fn new() -> ConfigLogState {
        ConfigLogState {
            state: ClusterConfigState::empty(),
            deferred: BTreeMap::new(),
            started: false,
        }
    }

    /// Task configs waiting for a commit (for tests and diagnostics).
    pub fn deferred_tasks(&self, connector: &str) -> Vec<i32> {
        self.deferred
            .get(connector)
            .map(|d| d.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Applies one record; returns the update to report, if any.
    pub fn apply(&mut self, key: &str, value: Option<&[u8]>, offset: i64) -> Option<ConfigUpdate> {
        // A value that is not JSON is skipped without moving the offset, as
        // Java does when its converter fails.
        let parsed = match value {
            None => None,
            Some(bytes) => match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(serde_json::Value::Null) => None,
                Ok(v) => Some(v),
                Err(e) => {
                    tracing::error!(key, error = %e, "Failed to convert config data to Kafka Connect format");
                    return None;
                }
            },
        };
        self.state.offset = offset + 1;
        let value = parsed.as_ref();
        let update = if let Some(name) = key.strip_prefix(TARGET_STATE_PREFIX) {
            self.target_state_record(name, value)
        } else if let Some(name) = key.strip_prefix(CONNECTOR_PREFIX) {
            self.connector_config_record(name, value)
        } else if key.starts_with(TASK_PREFIX) {
            match parse_task_id(key) {
                Some(id) => self.task_config_record(id, value),
                None => {
                    tracing::error!(
                        "Ignoring task configuration because {key} couldn't be parsed as a task config key"
                    );
                    None
                }
            }
        } else if let Some(name) = key.strip_prefix(COMMIT_TASKS_PREFIX) {
            self.tasks_commit_record(name, value)
        } else if let Some(name) = key.strip_prefix(RESTART_PREFIX) {
            restart_request(name, value).map(ConfigUpdate::RestartRequested)
        } else if let Some(name) = key.strip_prefix(TASK_COUNT_RECORD_PREFIX) {
            self.task_count_record(name, value);
            None
        } else if key == SESSION_KEY_KEY {
            self.session_key_record(value)
        } else if let Some(namespace) = key.strip_prefix(LOGGER_CLUSTER_PREFIX) {
            logger_level(namespace, value)
        } else {
            tracing::error!("Discarding config update record with invalid key: {key}");
            None
        };
        update.filter(|_| self.started)
    }

    fn target_state_record(
        &mut self,
        connector: &str,
        value: Option<&serde_json::Value>,
    ) -> Option<ConfigUpdate> {
        let Some(value) = value else {
            // Tombstones follow connector deletion; the connector's own
            // removal is what gets reported.
            self.state.target_states.remove(connector);
            if self.state.connector_configs.contains_key(connector) {
                self.state
                    .target_states
                    .insert(connector.to_string(), TargetState::Started);
            }
            return None;
        };
        let Some(map) = value.as_object() else {
            tracing::error!("Ignoring target state for connector '{connector}' because it is in the wrong format");
            return None;
        };
        let name = match map.get("state.v2") {
            Some(serde_json::Value::String(s)) => s.as_str(),
            _ => match map.get("state") {
                Some(serde_json::Value::String(s)) => s.as_str(),
                _ => {
                    tracing::error!("Invalid data for target state for connector '{connector}': 'state' field should be a String");
                    return None;
                }
            },
        };
        let Some(state) = parse_target_state(name) else {
            tracing::error!("Invalid target state for connector '{connector}': {name}");
            return None;
        };
        let previous = self
            .state
            .target_states
            .insert(connector.to_string(), state);
        // No report for a connector not created yet (an initial state is
        // written before the config).
        (previous != Some(state) && self.state.connector_configs.contains_key(connector))
            .then(|| ConfigUpdate::TargetStateChanged(connector.to_string()))
    }

    fn connector_config_record(
        &mut self,
        connector: &str,
        value: Option<&serde_json::Value>,
    ) -> Option<ConfigUpdate> {
        let Some(value) = value else {
            self.remove_connector(connector);
            tracing::info!("Successfully processed removal of connector '{connector}'");
            return Some(ConfigUpdate::ConnectorConfigRemoved(connector.to_string()));
        };
        let Some(props) = value.get("properties").and_then(to_string_map) else {
            tracing::error!("Invalid data for config for connector '{connector}': 'properties' field should be a Map");
            return None;
        };
        self.state
            .connector_configs
            .insert(connector.to_string(), props);
        self.state
            .target_states
            .entry(connector.to_string())
            .or_insert(TargetState::Started);
        Some(ConfigUpdate::ConnectorConfigUpdated(connector.to_string()))
    }

    fn task_config_record(
        &mut self,
        id: ConnectorTaskId,
        value: Option<&serde_json::Value>,
    ) -> Option<ConfigUpdate> {
        let Some(value) = value else {
            tracing::error!(
                "Ignoring task configuration for task {id} because it is unexpectedly null"
            );
            return None;
        };
        let Some(props) = value.get("properties").and_then(to_string_map) else {
            tracing::error!(
                "Invalid data for config of task {id} 'properties' field should be a Map"
            );
            return None;
        };
        self.deferred
            .entry(id.connector)
            .or_default()
            .insert(id.task, props);
        None
    }

    fn tasks_commit_record(
        &mut self,
        connector: &str,
        value: Option<&serde_json::Value>,
    ) -> Option<ConfigUpdate> {
        let Some(applied_config) = self.state.connector_configs.get(connector).cloned() else {
            // The connector was deleted and compaction removed its config and
            // tombstone: these task configs belong to nothing.
            self.remove_connector(connector);
            return None;
        };
        let Some(task_count) = value
            .and_then(|v| v.as_object())
            .and_then(|m| int_value(m.get("tasks")))
        else {
            tracing::error!("Ignoring connector tasks configuration commit for connector '{connector}' because it is in the wrong format");
            return None;
        };
        let deferred = self.deferred.remove(connector).unwrap_or_default();
        let mut updated = Vec::new();
        // Only tasks 0..n-1 must be present: compaction can leave configs of
        // higher, no longer used task numbers.
        let complete = (0..task_count).all(|t| deferred.contains_key(&t));
        if complete {
            let had_updates = !deferred.is_empty();
            for (task, props) in deferred {
                let id = ConnectorTaskId {
                    connector: connector.to_string(),
                    task,
                };
                self.state.task_configs.insert(id.clone(), props);
                updated.push(id);
            }
            if had_updates {
                self.state
                    .task_config_generations
                    .entry(connector.to_string())
                    .and_modify(|g| *g += 1)
                    .or_insert(0);
            }
            self.state.inconsistent.remove(connector);
            self.state
                .applied_connector_configs
                .insert(connector.to_string(), applied_config);
        } else {
            tracing::debug!("We have an incomplete set of task configs for connector '{connector}' probably due to compaction. So we are not doing anything with the new configuration.");
            self.state.inconsistent.insert(connector.to_string());
        }
        self.state
            .connector_task_counts
            .insert(connector.to_string(), task_count);
        self.state
            .connectors_pending_fencing
            .insert(connector.to_string());
        Some(ConfigUpdate::TasksCommitted(updated))
    }

    fn task_count_record(&mut self, connector: &str, value: Option<&serde_json::Value>) {
        let Some(count) = value
            .and_then(|v| v.as_object())
            .and_then(|m| int_value(m.get("task-count")))
        else {
            tracing::error!("Ignoring task count record for connector '{connector}' because it is in the wrong format");
            return;
        };
        self.state
            .task_count_records
            .insert(connector.to_string(), count);
        self.state.connectors_pending_fencing.remove(connector);
    }

    fn session_key_record(&mut self, value: Option<&serde_json::Value>) -> Option<ConfigUpdate> {
        let Some(map) = value.and_then(|v| v.as_object()) else {
            tracing::error!("Ignoring session key because it is unexpectedly null or not a Map");
            return None;
        };
        let key = map.get("key").and_then(|k| k.as_str());
        let algorithm = map.get("algorithm").and_then(|a| a.as_str());
        let created = map.get("creation-timestamp").and_then(|t| t.as_i64());
        let (Some(key), Some(algorithm), Some(created)) = (key, algorithm, created) else {
            tracing::error!("Invalid data for session key: 'key' and 'algorithm' must be Strings, 'creation-timestamp' a long");
            return None;
        };
        let key = match base64::decode(key) {
            Ok(k) => k,
            Err(e) => {
                tracing::error!(error = %e, "Invalid data for session key: 'key' is not base64");
                return None;
            }
        };
        let session_key = SessionKey {
            key,
            algorithm: algorithm.to_string(),
            creation_timestamp: created,
        };
        self.state.session_key = Some(session_key.clone());
        Some(ConfigUpdate::SessionKeyChanged(session_key))
    }

    fn remove_connector(&mut self, connector: &str) {
        let s = &mut self.state;
        s.connector_configs.remove(connector);
        s.connector_task_counts.remove(connector);
        s.task_configs.retain(|id, _| id.connector != connector);
        s.applied_connector_configs.remove(connector);
        self.deferred.remove(connector);
    }
}

/// Java's `recordToRestartRequest`: missing or non-boolean flags default
/// to false.
fn restart_request(connector: &str, value: Option<&serde_json::Value>) -> Option<RestartRequest> {
    let Some(map) = value.and_then(|v| v.as_object()) else {
        tracing::error!("Ignoring restart request because the value is not a Map");
        return None;
    };
    let flag = |name: &str| match map.get(name) {
        Some(serde_json::Value::Bool(b)) => *b,
        _ => {
            tracing::warn!("Invalid data for restart request '{name}' field should be a Boolean, defaulting to false");
            false
        }
    };
    Some(RestartRequest {
        connector: connector.to_string(),
        only_failed: flag("only-failed"),
        include_tasks: flag("include-tasks"),
    })
}

fn logger_level(namespace: &str, value: Option<&serde_json::Value>) -> Option<ConfigUpdate> {
    match value.and_then(|v| v.get("level")).and_then(|l| l.as_str()) {
        Some(level) => Some(ConfigUpdate::LoggerLevel {
            namespace: namespace.to_string(),
            level: level.to_string(),
        }),
        None => {
            tracing::error!(
                "Ignoring logging level for namespace {namespace}: 'level' should be a String"
            );
            None
        }
    }
}

#[cfg(test)]
#[path = "config_state_tests.rs"]
mod tests;
