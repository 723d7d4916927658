//! What a herder is asked (Java's `Herder` interface): one message per
//! request, shared by the standalone and the distributed herder, so that the
//! REST API and the CLI talk to either the same way.

use futures::future::BoxFuture;

use crate::api::connector::Props;
use crate::runtime::connector_offsets::ConnectorOffset;
use crate::runtime::status::{ConnectorTaskId, Status, TargetState};

/// Why a herder request was refused; the REST layer maps it to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HerderError {
    #[error("Connector {0} not found")]
    NotFound(String),
    #[error("Connector {0} already exists")]
    AlreadyExists(String),
    #[error("{0}")]
    BadRequest(String),
    /// Not found, with the whole message (Java words some 404s otherwise).
    #[error("{0}")]
    NotFoundMessage(String),
    /// Refused by a worker setting (Java's 403 `ConnectRestException`).
    #[error("{0}")]
    Forbidden(String),
    /// What Java answers with a 500: a `ConnectException` that is not a
    /// REST exception (an unknown connector class, a failed offset write).
    #[error("{0}")]
    Internal(String),
    /// Only another worker can answer (Java's `RequestTargetException`:
    /// `NotLeaderException`, `NotAssignedException`): the REST layer
    /// forwards the request to `url`, or answers 409 while it is unknown.
    #[error("{message}")]
    RequestTarget {
        message: String,
        url: Option<String>,
    },
    /// Java's 409 `ConnectRestException`s (a rebalance or a stale config).
    #[error("{0}")]
    Conflict(String),
    /// An internal request without a valid signature (Java's 400 / 403).
    #[error("{message}")]
    Signature { forbidden: bool, message: String },
}

/// Creates or replaces a connector (Java's `putConnectorConfig`).
pub struct PutConnectorConfig {
    pub name: String,
    pub config: Props,
    pub allow_replace: bool,
    pub initial_state: TargetState,
}

/// Deletes a connector (its offsets stay, as in Java).
pub struct DeleteConnector(pub String);

/// Names of all connectors.
pub struct ListConnectors;

/// One connector's info.
pub struct GetConnectorInfo(pub String);

/// One connector's task configs.
pub struct GetTaskConfigs(pub String);

/// One connector's status.
pub struct GetConnectorStatus(pub String);

/// Pause, resume or stop a connector.
pub struct SetTargetState {
    pub name: String,
    pub target: TargetState,
}

/// Restarts a connector and (optionally) its tasks.
pub struct RestartConnector {
    pub name: String,
    pub include_tasks: bool,
    pub only_failed: bool,
}

/// Restarts one task.
pub struct RestartTask(pub ConnectorTaskId);

/// A connector asked for its tasks to be regenerated.
pub struct Reconfigure(pub String);

/// Validates a connector config (Java's `validateConnectorConfig`): the
/// REST `ConfigInfos`, even when the config is invalid. Keys given as JSON
/// nulls are in `null_keys`, not in `config`.
pub struct ValidateConnectorConfig {
    pub config: Props,
    pub null_keys: Vec<String>,
}

/// A connector plugin's config keys (Java's `connectorPluginConfig`).
pub struct GetConnectorPluginConfig(pub String);

/// A connector's offsets (Java's `connectorOffsets`): source offsets from
/// the offset store, or a sink's consumer group offsets.
pub struct GetConnectorOffsets(pub String);

/// Alters (`Some`) or resets (`None`) a stopped connector's offsets (Java's
/// `alterConnectorOffsets` / `resetConnectorOffsets`); the answer is Java's
/// success message.
pub struct ModifyConnectorOffsets {
    pub name: String,
    pub offsets: Option<Vec<ConnectorOffset>>,
}

/// The topics a connector used (Java's `connectorActiveTopics`): an unknown
/// connector simply has none.
pub struct GetConnectorActiveTopics(pub String);

/// Forgets a connector's active topics (Java's `resetConnectorActiveTopics`).
pub struct ResetConnectorActiveTopics(pub String);

/// Stops every task (committing offsets) and connector: worker shutdown.
pub struct Shutdown;

/// Task configs a connector generated, sent by the worker that runs it to
/// the leader, which writes them to the config topic (Java's internal
/// `POST /connectors/{c}/tasks`). `signature` is checked against the
/// session key when the group uses the sessioned protocol.
pub struct PutTaskConfigs {
    pub connector: String,
    pub configs: Vec<Props>,
    pub signature: Option<crate::rest::internal_request_signature::InternalRequestSignature>,
}

/// Java's `ConnectorInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: Props,
    pub tasks: Vec<ConnectorTaskId>,
    /// "source" or "sink".
    pub type_: String,
}

/// Java's `ConnectorStateInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorStateInfo {
    pub name: String,
    pub connector: Status,
    pub tasks: Vec<(i32, Status)>,
    pub type_: String,
}

/// Work the herder hands back to be awaited outside the actor, so that a
/// slow broker never holds up other requests.
pub type HerderWork<T> = BoxFuture<'static, Result<T, HerderError>>;
