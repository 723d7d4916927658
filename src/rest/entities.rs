//! The JSON bodies of the REST API, field for field as Java writes and reads
//! them (`org.apache.kafka.connect.runtime.rest.entities`: `ConnectorInfo`,
//! `ConnectorStateInfo`, `TaskInfo`, `ServerInfo`, `WorkerStatus`,
//! `PluginInfo`, `ErrorMessage`, `CreateConnectorRequest`, `Message`, and
//! the `ConnectorOffsets` request body).
//!
//! Java's configs are `Map<String, String>` read by Jackson, which coerces
//! numbers and booleans to strings and rejects objects and arrays; the
//! readers here do the same by hand, so that a bad value is a 400 with a
//! message rather than a generic parse failure.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::runtime::connector_offsets::ConnectorOffset;
use crate::runtime::herder::standalone::{ConnectorInfo, ConnectorStateInfo};
use crate::runtime::plugins::{ConnectorFactory, ConnectorPlugin};
use crate::runtime::status::{ConnectorTaskId, Status, TargetState};

use super::error::ApiError;

/// `GET /` (Java's `ServerInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: String,
}

impl ServerInfo {
    pub fn new(
        version: impl Into<String>,
        commit: impl Into<String>,
        kafka_cluster_id: impl Into<String>,
    ) -> ServerInfo {
        ServerInfo {
            version: version.into(),
            commit: commit.into(),
            kafka_cluster_id: kafka_cluster_id.into(),
        }
    }
}

/// `GET /health` (Java's `WorkerStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerStatus {
    pub status: &'static str,
    pub message: &'static str,
}

impl WorkerStatus {
    pub const HEALTHY: WorkerStatus = WorkerStatus {
        status: "healthy",
        message: "Worker has completed startup and is ready to handle requests.",
    };
    pub const UNHEALTHY: WorkerStatus = WorkerStatus {
        status: "unhealthy",
        message:
            "Worker was unable to handle this request and may be unable to handle other requests.",
    };
}

/// Every error body (Java's `ErrorMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorMessage {
    pub error_code: u16,
    pub message: String,
}

/// `{"connector": ..., "task": ...}` (Java's `ConnectorTaskId` as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskIdJson {
    pub connector: String,
    pub task: i32,
}

impl From<&ConnectorTaskId> for TaskIdJson {
    fn from(id: &ConnectorTaskId) -> TaskIdJson {
        TaskIdJson {
            connector: id.connector.clone(),
            task: id.task,
        }
    }
}

/// Java's `ConnectorInfo`. Configs are sorted so that bodies are stable
/// (Java's order is a `HashMap`'s, which no client can rely on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorInfoJson {
    pub name: String,
    pub config: BTreeMap<String, String>,
    pub tasks: Vec<TaskIdJson>,
    #[serde(rename = "type")]
    pub type_: String,
}

impl From<&ConnectorInfo> for ConnectorInfoJson {
    fn from(info: &ConnectorInfo) -> ConnectorInfoJson {
        ConnectorInfoJson {
            name: info.name.clone(),
            config: sorted(&info.config),
            tasks: info.tasks.iter().map(TaskIdJson::from).collect(),
            type_: info.type_.clone(),
        }
    }
}

/// The connector half of Java's `ConnectorStateInfo`; `trace` is left out
/// when empty (`@JsonInclude(NON_EMPTY)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorStateJson {
    pub state: String,
    pub worker_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl From<&Status> for ConnectorStateJson {
    fn from(s: &Status) -> ConnectorStateJson {
        ConnectorStateJson {
            state: s.state.name().to_string(),
            worker_id: s.worker_id.clone(),
            trace: non_empty(&s.trace),
        }
    }
}

/// Java's `ConnectorStateInfo.TaskState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskStateJson {
    pub id: i32,
    pub state: String,
    pub worker_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl TaskStateJson {
    pub fn new(id: i32, s: &Status) -> TaskStateJson {
        TaskStateJson {
            id,
            state: s.state.name().to_string(),
            worker_id: s.worker_id.clone(),
            trace: non_empty(&s.trace),
        }
    }
}

/// Java's `ConnectorStateInfo`; tasks sorted by id, as Java sorts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorStateInfoJson {
    pub name: String,
    pub connector: ConnectorStateJson,
    pub tasks: Vec<TaskStateJson>,
    #[serde(rename = "type")]
    pub type_: String,
}

impl From<&ConnectorStateInfo> for ConnectorStateInfoJson {
    fn from(info: &ConnectorStateInfo) -> ConnectorStateInfoJson {
        let mut tasks: Vec<TaskStateJson> = info
            .tasks
            .iter()
            .map(|(id, s)| TaskStateJson::new(*id, s))
            .collect();
        tasks.sort_by_key(|t| t.id);
        ConnectorStateInfoJson {
            name: info.name.clone(),
            connector: ConnectorStateJson::from(&info.connector),
            tasks,
            type_: info.type_.clone(),
        }
    }
}

/// Java's `TaskInfo`: one element of `GET /connectors/{c}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskInfoJson {
    pub id: TaskIdJson,
    pub config: BTreeMap<String, String>,
}

impl TaskInfoJson {
    pub fn new(
        id: &ConnectorTaskId,
        config: &std::collections::HashMap<String, String>,
    ) -> TaskInfoJson {
        TaskInfoJson {
            id: TaskIdJson::from(id),
            config: sorted(config),
        }
    }
}

/// Java's `PluginInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfoJson {
    #[serde(rename = "class")]
    pub class: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub version: String,
}

impl From<&ConnectorPlugin> for PluginInfoJson {
    fn from(p: &ConnectorPlugin) -> PluginInfoJson {
        // Java asks a fresh instance for its version; so do we.
        let version = match p.factory {
            ConnectorFactory::Source(make) => make().version(),
            ConnectorFactory::Sink(make) => make().version(),
        };
        PluginInfoJson {
            class: p.class.to_string(),
            type_: p.factory.type_name().to_string(),
            version,
        }
    }
}

/// A plain answer: `{"message": "..."}` (Java's `Message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageJson {
    pub message: String,
}

const CONNECTOR_OFFSETS_CLASS: &str =
    "org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets";
const CONNECTOR_OFFSET_CLASS: &str =
    "org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset";

/// The body of `PATCH /connectors/{c}/offsets` (Java's `ConnectorOffsets`):
/// `None` when `offsets` is absent or null. A body of the wrong shape is a
/// 500 with Jackson's words, as Java answers it.
pub fn offsets_from_json(body: &Value) -> Result<Option<Vec<ConnectorOffset>>, ApiError> {
    let obj = match body {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        other => {
            return Err(ApiError::internal(format!(
                "Cannot deserialize value of type `{CONNECTOR_OFFSETS_CLASS}` from {} (token `JsonToken.{}`)",
                json_kind(other),
                json_token(other)
            )))
        }
    };
    if let Some(unknown) = obj.keys().find(|k| *k != "offsets") {
        return Err(ApiError::internal(format!(
            "Unrecognized field \"{unknown}\" (class {CONNECTOR_OFFSETS_CLASS}), not marked as ignorable \
             (one known property: \"offsets\"])"
        )));
    }
    let items = match obj.get("offsets") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ApiError::internal(format!(
                "Cannot deserialize value of type `java.util.ArrayList<{CONNECTOR_OFFSET_CLASS}>` from {} (token `JsonToken.{}`)",
                json_kind(other),
                json_token(other)
            )))
        }
    };
    let mut offsets = Vec::with_capacity(items.len());
    for item in items {
        let entry = match item {
            Value::Object(entry) => entry,
            Value::Array(_) => {
                return Err(ApiError::internal(format!(
                    "Cannot deserialize value of type `{CONNECTOR_OFFSET_CLASS}` from Array value (token `JsonToken.START_ARRAY`)"
                )))
            }
            Value::Null => {
                return Err(ApiError::internal(
                    "A partition / offset pair in the request is null",
                ))
            }
            scalar => {
                let (kind, arg) = match scalar {
                    Value::Number(n) if n.is_i64() || n.is_u64() => ("int/Int", format!("Number value ({n})")),
                    Value::Number(n) => ("double/Double", format!("Floating-point value ({n})")),
                    Value::Bool(b) => ("boolean/Boolean", format!("Boolean value ({b})")),
                    Value::String(text) => ("String", format!("String value ('{text}')")),
                    _ => ("String", format!("value ({scalar})")),
                };
                return Err(ApiError::internal(format!(
                    "Cannot construct instance of `{CONNECTOR_OFFSET_CLASS}` (although at least one Creator exists): \
                     no {kind}-argument constructor/factory method to deserialize from {arg}"
                )));
            }
        };
        if let Some(unknown) = entry.keys().find(|k| *k != "partition" && *k != "offset") {
            return Err(ApiError::internal(format!(
                "Unrecognized field \"{unknown}\" (class {CONNECTOR_OFFSET_CLASS}), not marked as ignorable \
                 (2 known properties: \"offset\", \"partition\"])"
            )));
        }
        offsets.push(ConnectorOffset {
            partition: offset_map(entry.get("partition"))?,
            offset: offset_map(entry.get("offset"))?,
        });
    }
    Ok(Some(offsets))
}

/// A `Map<String, ?>` of the offsets body: an object or null.
fn offset_map(v: Option<&Value>) -> Result<Option<serde_json::Map<String, Value>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(other) => Err(ApiError::internal(format!(
            "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.Object>` from {} (token `JsonToken.{}`)",
            json_kind(other),
            json_token(other)
        ))),
    }
}

/// Jackson's name for the token a value starts with.
fn json_token(v: &Value) -> &'static str {
    match v {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// The body of `POST /connectors` (Java's `CreateConnectorRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateConnectorRequest {
    /// Trimmed; empty when absent or null, as Java does.
    pub name: String,
    pub config: BTreeMap<String, String>,
    pub initial_state: Option<TargetState>,
}

impl CreateConnectorRequest {
    /// Reads the request from a parsed body; unknown fields are refused, as
    /// Jackson refuses them.
    pub fn from_json(body: &Value) -> Result<CreateConnectorRequest, ApiError> {
        let obj = body.as_object().ok_or_else(|| {
            ApiError::bad_request(format!(
                "Cannot deserialize value of type `CreateConnectorRequest` from {}",
                json_kind(body)
            ))
        })?;
        if let Some(unknown) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "name" | "config" | "initial_state"))
        {
            return Err(ApiError::bad_request(format!(
                "Unrecognized field \"{unknown}\" (class CreateConnectorRequest), not marked as ignorable \
                 (3 known properties: \"config\", \"name\", \"initial_state\")"
            )));
        }
        let name = match obj.get("name") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string().trim().to_string(),
            Some(v) => {
                return Err(ApiError::bad_request(format!(
                "Cannot deserialize value of type `java.lang.String` from {} for field \"name\"",
                json_kind(v)
            )))
            }
        };
        let config = match obj.get("config") {
            None | Some(Value::Null) => {
                return Err(ApiError::bad_request(
                    "Connector config is missing from the request body".to_string(),
                ))
            }
            Some(v) => config_from_json(v)?,
        };
        let initial_state = match obj.get("initial_state") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_initial_state(s)?),
            Some(v) => {
                return Err(ApiError::bad_request(format!(
                    "Cannot deserialize value of type `InitialState` from {}",
                    json_kind(v)
                )))
            }
        };
        Ok(CreateConnectorRequest {
            name,
            config,
            initial_state,
        })
    }
}

/// `RUNNING`, `PAUSED` or `STOPPED`, in any case (Java upper-cases it).
pub fn parse_initial_state(s: &str) -> Result<TargetState, ApiError> {
    match s.to_ascii_uppercase().as_str() {
        "RUNNING" => Ok(TargetState::Started),
        "PAUSED" => Ok(TargetState::Paused),
        "STOPPED" => Ok(TargetState::Stopped),
        _ => Err(ApiError::bad_request(format!(
            "Cannot deserialize value of type `InitialState` from String \"{s}\": \
             not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED]"
        ))),
    }
}

/// A config body (`Map<String, String>`); null values are dropped.
pub fn config_from_json(body: &Value) -> Result<BTreeMap<String, String>, ApiError> {
    Ok(patch_from_json(body)?
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

/// A config patch: a `null` value (None) deletes the key.
pub fn patch_from_json(body: &Value) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let obj = body.as_object().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Cannot deserialize value of type `java.util.Map<java.lang.String,java.lang.String>` from {}",
            json_kind(body)
        ))
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let value = match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(_) | Value::Object(_) => {
                return Err(ApiError::bad_request(format!(
                "Cannot deserialize value of type `java.lang.String` from {} for config \"{k}\"",
                json_kind(v)
            )))
            }
        };
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// Jackson's words for what it found instead.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null value",
        Value::Bool(_) => "Boolean value",
        Value::Number(_) => "Number value",
        Value::String(_) => "String value",
        Value::Array(_) => "Array value",
        Value::Object(_) => "Object value",
    }
}

fn sorted(config: &std::collections::HashMap<String, String>) -> BTreeMap<String, String> {
    config.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn non_empty(trace: &Option<String>) -> Option<String> {
    trace.as_ref().filter(|t| !t.is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::status::State;
    use serde_json::json;

    fn status(state: State, trace: Option<&str>) -> Status {
        Status {
            state,
            trace: trace.map(String::from),
            worker_id: "localhost:8083".to_string(),
        }
    }

    #[test]
    fn connector_info_is_javas_shape() {
        let info = ConnectorInfo {
            name: "src".to_string(),
            config: [("name", "src"), ("tasks.max", "1")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tasks: vec![ConnectorTaskId {
                connector: "src".to_string(),
                task: 0,
            }],
            type_: "source".to_string(),
        };
        let text = serde_json::to_string(&ConnectorInfoJson::from(&info)).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"name":"src","config":{"name":"src","tasks.max":"1"},"tasks":[{"connector":"src","task":0}],"type":"source"}"#
        );
    }

    #[test]
    fn status_omits_empty_traces_and_sorts_tasks() {
        let info = ConnectorStateInfo {
            name: "c".to_string(),
            connector: status(State::Running, Some("")),
            tasks: vec![
                (1, status(State::Failed, Some("boom"))),
                (0, status(State::Running, None)),
            ],
            type_: "sink".to_string(),
        };
        let v = serde_json::to_value(ConnectorStateInfoJson::from(&info)).unwrap_or_default();
        assert_eq!(
            v,
            json!({
                "name": "c",
                "connector": {"state": "RUNNING", "worker_id": "localhost:8083"},
                "tasks": [
                    {"id": 0, "state": "RUNNING", "worker_id": "localhost:8083"},
                    {"id": 1, "state": "FAILED", "worker_id": "localhost:8083", "trace": "boom"}
                ],
                "type": "sink"
            })
        );
        // Field order as Jackson writes it.
        let text = serde_json::to_string(&TaskStateJson::new(1, &status(State::Failed, Some("x"))))
            .unwrap_or_default();
        assert_eq!(
            text,
            r#"{"id":1,"state":"FAILED","worker_id":"localhost:8083","trace":"x"}"#
        );
    }

    #[test]
    fn task_info_server_info_errors_and_health() {
        let id = ConnectorTaskId {
            connector: "c".to_string(),
            task: 2,
        };
        let config = [("k".to_string(), "v".to_string())].into_iter().collect();
        assert_eq!(
            serde_json::to_string(&vec![TaskInfoJson::new(&id, &config)]).unwrap_or_default(),
            r#"[{"id":{"connector":"c","task":2},"config":{"k":"v"}}]"#
        );
        assert_eq!(
            serde_json::to_string(&ServerInfo::new("4.1.0", "abc", "cid")).unwrap_or_default(),
            r#"{"version":"4.1.0","commit":"abc","kafka_cluster_id":"cid"}"#
        );
        assert_eq!(
            serde_json::to_string(&ErrorMessage {
                error_code: 404,
                message: "HTTP 404 Not Found".to_string()
            })
            .unwrap_or_default(),
            r#"{"error_code":404,"message":"HTTP 404 Not Found"}"#
        );
        assert_eq!(
            serde_json::to_string(&WorkerStatus::HEALTHY).unwrap_or_default(),
            r#"{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}"#
        );
    }

    #[test]
    fn plugin_info_has_class_type_version() {
        let plugins = crate::runtime::plugins::connector_plugins();
        let Some(first) = plugins.first() else {
            return;
        };
        let v = serde_json::to_value(PluginInfoJson::from(first)).unwrap_or_default();
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 3);
        assert_eq!(v["class"], json!(first.class));
        assert_eq!(v["type"], json!(first.factory.type_name()));
        assert!(v["version"].is_string());
    }

    #[test]
    fn create_request_reads_like_jackson() {
        let req = CreateConnectorRequest::from_json(&json!({
            "name": "  c  ",
            "config": {"tasks.max": 2, "flag": true, "s": "x", "gone": null},
            "initial_state": "paused"
        }));
        let Ok(req) = req else {
            panic!("parse failed: {req:?}");
        };
        assert_eq!(req.name, "c");
        assert_eq!(req.initial_state, Some(TargetState::Paused));
        let expect: BTreeMap<String, String> = [("tasks.max", "2"), ("flag", "true"), ("s", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(req.config, expect);

        let no_name = CreateConnectorRequest::from_json(&json!({"config": {}}));
        assert_eq!(no_name.map(|r| r.name), Ok(String::new()));

        for bad in [
            json!([]),
            json!({"config": {"a": {"b": 1}}}),
            json!({"config": {}, "extra": 1}),
            json!({"config": {}, "initial_state": "RUN"}),
            json!({"name": "x"}),
            json!({"name": ["x"], "config": {}}),
        ] {
            let err = CreateConnectorRequest::from_json(&bad);
            assert!(
                matches!(&err, Err(e) if e.status.as_u16() == 400),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn offsets_bodies_read_like_jackson() {
        let read = offsets_from_json(&json!({"offsets": [
            {"partition": {"filename": "/f"}, "offset": {"position": 3}},
            {"partition": {"filename": "/g"}, "offset": null},
            {"partition": null}
        ]}));
        let Ok(Some(offsets)) = read else {
            panic!("parse failed: {read:?}");
        };
        assert_eq!(offsets.len(), 3);
        assert_eq!(
            offsets[0].offset.as_ref().map(|o| o["position"].clone()),
            Some(json!(3))
        );
        assert_eq!(offsets[1].offset, None);
        assert_eq!(offsets[2].partition, None);
        assert_eq!(offsets_from_json(&json!({})), Ok(None));
        assert_eq!(offsets_from_json(&json!({"offsets": null})), Ok(None));
        assert_eq!(offsets_from_json(&json!({"offsets": []})), Ok(Some(vec![])));
        for (bad, words) in [
            (json!([]), "Cannot deserialize value"),
            (json!({"key": []}), "Unrecognized field \"key\""),
            (json!({"offsets": {}}), "Cannot deserialize value"),
            (json!({"offsets": [123]}), "Cannot construct instance"),
            (json!({"offsets": [{"key": "val"}]}), "Unrecognized field"),
            (
                json!({"offsets": [{"partition": []}]}),
                "Cannot deserialize value",
            ),
        ] {
            let err = offsets_from_json(&bad);
            assert!(
                matches!(&err, Err(e) if e.status.as_u16() == 500 && e.message.contains(words)),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn patches_keep_nulls() {
        let patch = patch_from_json(&json!({"a": null, "b": 1})).unwrap_or_default();
        assert_eq!(patch.get("a"), Some(&None));
        assert_eq!(patch.get("b"), Some(&Some("1".to_string())));
        assert!(patch_from_json(&json!("x")).is_err());
    }
}
