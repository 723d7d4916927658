//! Keys and values of the config topic, exactly as Java's
//! `KafkaConfigBackingStore` writes them (its `*_KEY` helpers and the
//! `CONNECTOR_CONFIGURATION_V0`, `TARGET_STATE_V1`,
//! `CONNECTOR_TASKS_COMMIT_V0`, `TASK_COUNT_RECORD_V0`, `SESSION_KEY_V0`,
//! `RESTART_REQUEST_V0` and `LOGGER_LEVEL_V0` schemas, serialized by the
//! schemaless JsonConverter). Keys are plain UTF-8 strings.

use crate::api::connector::Props;
use crate::api::data::base64;
use crate::runtime::status::{ConnectorTaskId, TargetState};

use super::record_json::{string_map, JsonObject};

pub const TARGET_STATE_PREFIX: &str = "target-state-";
pub const CONNECTOR_PREFIX: &str = "connector-";
pub const TASK_PREFIX: &str = "task-";
pub const COMMIT_TASKS_PREFIX: &str = "commit-";
pub const TASK_COUNT_RECORD_PREFIX: &str = "tasks-fencing-";
pub const SESSION_KEY_KEY: &str = "session-key";
pub const RESTART_PREFIX: &str = "restart-connector-";
pub const LOGGER_CLUSTER_PREFIX: &str = "logger-cluster-";

/// The key that signs internal REST requests (Java's `SessionKey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    pub key: Vec<u8>,
    /// A `javax.crypto.Mac` algorithm name, e.g. `HmacSHA256`.
    pub algorithm: String,
    /// Epoch ms.
    pub creation_timestamp: i64,
}

/// A restart asked for through REST (Java's `RestartRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartRequest {
    pub connector: String,
    pub only_failed: bool,
    pub include_tasks: bool,
}

pub fn connector_key(connector: &str) -> String {
    format!("{CONNECTOR_PREFIX}{connector}")
}

pub fn target_state_key(connector: &str) -> String {
    format!("{TARGET_STATE_PREFIX}{connector}")
}

pub fn task_key(id: &ConnectorTaskId) -> String {
    format!("{TASK_PREFIX}{}-{}", id.connector, id.task)
}

pub fn commit_tasks_key(connector: &str) -> String {
    format!("{COMMIT_TASKS_PREFIX}{connector}")
}

pub fn task_count_record_key(connector: &str) -> String {
    format!("{TASK_COUNT_RECORD_PREFIX}{connector}")
}

pub fn restart_key(connector: &str) -> String {
    format!("{RESTART_PREFIX}{connector}")
}

pub fn logger_cluster_key(namespace: &str) -> String {
    format!("{LOGGER_CLUSTER_PREFIX}{namespace}")
}

/// Java's `parseTaskId`: `task-<connector>-<n>`, where the connector may
/// itself contain dashes (split on `-` with trailing empty parts dropped,
/// as `String.split` does).
pub fn parse_task_id(key: &str) -> Option<ConnectorTaskId> {
    let mut parts: Vec<&str> = key.split('-').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() < 3 {
        return None;
    }
    let task = java_parse_int(parts[parts.len() - 1])?;
    Some(ConnectorTaskId {
        connector: parts[1..parts.len() - 1].join("-"),
        task,
    })
}

/// `Integer.parseInt`: an optional sign, then ASCII digits.
pub fn java_parse_int(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Java's `TargetState.name()`.
pub fn target_state_name(state: TargetState) -> &'static str {
    match state {
        TargetState::Started => "STARTED",
        TargetState::Paused => "PAUSED",
        TargetState::Stopped => "STOPPED",
    }
}

/// `TargetState.valueOf`.
pub fn parse_target_state(name: &str) -> Option<TargetState> {
    match name {
        "STARTED" => Some(TargetState::Started),
        "PAUSED" => Some(TargetState::Paused),
        "STOPPED" => Some(TargetState::Stopped),
        _ => None,
    }
}

/// `connector-<name>` and `task-<name>-<n>`: `{"properties":{...}}`.
pub fn properties_value(props: &Props) -> Vec<u8> {
    JsonObject::new()
        .raw("properties", &string_map(props))
        .finish()
}

/// `target-state-<name>`: `state` for workers that predate STOPPED
/// (PAUSED stands in for it), `state.v2` with the real state.
pub fn target_state_value(state: TargetState) -> Vec<u8> {
    let legacy = match state {
        TargetState::Stopped => TargetState::Paused,
        other => other,
    };
    JsonObject::new()
        .string("state", target_state_name(legacy))
        .string("state.v2", target_state_name(state))
        .finish()
}

/// `commit-<name>`: `{"tasks":<n>}`.
pub fn commit_value(tasks: i32) -> Vec<u8> {
    JsonObject::new().int("tasks", tasks as i64).finish()
}

/// `tasks-fencing-<name>`: `{"task-count":<n>}`.
pub fn task_count_value(task_count: i32) -> Vec<u8> {
    JsonObject::new()
        .int("task-count", task_count as i64)
        .finish()
}

/// `session-key`: the key as standard base64.
pub fn session_key_value(key: &SessionKey) -> Vec<u8> {
    JsonObject::new()
        .string("key", &base64::encode(&key.key))
        .string("algorithm", &key.algorithm)
        .int("creation-timestamp", key.creation_timestamp)
        .finish()
}

/// `restart-connector-<name>`.
pub fn restart_value(request: &RestartRequest) -> Vec<u8> {
    JsonObject::new()
        .boolean("include-tasks", request.include_tasks)
        .boolean("only-failed", request.only_failed)
        .finish()
}

/// `logger-cluster-<namespace>`.
pub fn logger_level_value(level: &str) -> Vec<u8> {
    JsonObject::new().string("level", level).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn keys_match_java() {
        let id = ConnectorTaskId {
            connector: "my-conn".to_string(),
            task: 3,
        };
        assert_eq!(connector_key("my-conn"), "connector-my-conn");
        assert_eq!(target_state_key("c"), "target-state-c");
        assert_eq!(task_key(&id), "task-my-conn-3");
        assert_eq!(commit_tasks_key("c"), "commit-c");
        assert_eq!(task_count_record_key("c"), "tasks-fencing-c");
        assert_eq!(restart_key("c"), "restart-connector-c");
        assert_eq!(logger_cluster_key("org.foo"), "logger-cluster-org.foo");
    }

    #[test]
    fn task_ids_parse_like_java() {
        assert_eq!(
            parse_task_id("task-my-conn-3"),
            Some(ConnectorTaskId {
                connector: "my-conn".to_string(),
                task: 3
            })
        );
        assert_eq!(parse_task_id("task-c-x"), None);
        assert_eq!(parse_task_id("task-c"), None);
        // Trailing empty parts are dropped by String.split.
        assert_eq!(parse_task_id("task-c-"), None);
        assert_eq!(
            parse_task_id("task--0"),
            Some(ConnectorTaskId {
                connector: String::new(),
                task: 0
            })
        );
        assert_eq!(java_parse_int("+7"), Some(7));
        assert_eq!(java_parse_int("-"), None);
        assert_eq!(java_parse_int(" 7"), None);
    }

    #[test]
    fn values_are_byte_identical_to_java() {
        let props: Props = [("a".to_string(), "1".to_string())].into();
        assert_eq!(
            text(properties_value(&props)),
            r#"{"properties":{"a":"1"}}"#
        );
        assert_eq!(
            text(properties_value(&Props::new())),
            r#"{"properties":{}}"#
        );
        assert_eq!(
            text(target_state_value(TargetState::Started)),
            r#"{"state":"STARTED","state.v2":"STARTED"}"#
        );
        assert_eq!(
            text(target_state_value(TargetState::Paused)),
            r#"{"state":"PAUSED","state.v2":"PAUSED"}"#
        );
        assert_eq!(
            text(target_state_value(TargetState::Stopped)),
            r#"{"state":"PAUSED","state.v2":"STOPPED"}"#
        );
        assert_eq!(text(commit_value(3)), r#"{"tasks":3}"#);
        assert_eq!(text(task_count_value(2)), r#"{"task-count":2}"#);
        assert_eq!(
            text(session_key_value(&SessionKey {
                key: vec![0, 1, 2, 250],
                algorithm: "HmacSHA256".to_string(),
                creation_timestamp: 1_700_000_000_123,
            })),
            r#"{"key":"AAEC+g==","algorithm":"HmacSHA256","creation-timestamp":1700000000123}"#
        );
        assert_eq!(
            text(restart_value(&RestartRequest {
                connector: "c".to_string(),
                only_failed: true,
                include_tasks: false,
            })),
            r#"{"include-tasks":false,"only-failed":true}"#
        );
        assert_eq!(text(logger_level_value("DEBUG")), r#"{"level":"DEBUG"}"#);
    }
}
