//! Connectors (Java's `Connector`, `SourceConnector`, `SinkConnector` and
//! `ConnectorContext`). A connector splits its job into task configs; the
//! runtime runs the tasks.

use std::collections::HashMap;

use super::error::{ConnectError, ConnectResult};
use super::sink::SinkTask;
use super::source::SourceTask;

/// String settings, as every Connect config is.
pub type Props = HashMap<String, String>;

/// What a connector asks of the runtime (Java's `ConnectorContext`).
pub trait ConnectorContext: Send + Sync {
    /// The connector's task configs changed: regenerate and restart tasks.
    fn request_task_reconfiguration(&self);
    /// The connector failed outside a call from the runtime.
    fn raise_error(&self, error: ConnectError);
}

/// What every connector does.
pub trait Connector: Send {
    fn version(&self) -> String;
    /// Starts the connector with its (already validated) config.
    fn start(&mut self, props: Props, context: Box<dyn ConnectorContext>) -> ConnectResult<()>;
    /// Up to `max_tasks` task configs.
    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<Props>>;
    fn stop(&mut self) -> ConnectResult<()>;
}

/// A connector that reads from an external system into Kafka.
pub trait SourceConnector: Connector {
    /// A new, unstarted task of this connector (Java's `taskClass()`).
    fn create_task(&self) -> Box<dyn SourceTask>;
}

/// A connector that writes from Kafka to an external system.
pub trait SinkConnector: Connector {
    fn create_task(&self) -> Box<dyn SinkTask>;
}
