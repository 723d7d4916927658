//! Connectors (Java's `Connector`, `SourceConnector`, `SinkConnector` and
//! `ConnectorContext`). A connector splits its job into task configs; the
//! runtime runs the tasks.

use std::collections::{BTreeMap, HashMap};

use super::config_def::{ConfigDef, ConfigValue};
use super::error::{ConnectError, ConnectResult};
use super::record::{SourceMap, TopicPartition};
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
    /// The connector's own settings (Java's `config()`): shown by the REST
    /// API and validated before the connector is created.
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }
    /// Checks a configuration (Java's `validate`): one [`ConfigValue`] per
    /// key of [`Connector::config`] by default. Override for checks that
    /// span several keys.
    fn validate(&self, props: &Props) -> Vec<ConfigValue> {
        self.config().validate(props)
    }
}

/// A connector that reads from an external system into Kafka.
pub trait SourceConnector: Connector {
    /// A new, unstarted task of this connector (Java's `taskClass()`).
    fn create_task(&self) -> Box<dyn SourceTask>;
    /// Offsets are about to be altered or reset through the REST API while
    /// the connector is stopped (Java's `alterOffsets`): refuse bad ones
    /// with an error. A `None` offset resets its partition. `Ok(true)` if
    /// the connector keeps no offsets of its own elsewhere.
    fn alter_offsets(
        &self,
        _config: &Props,
        _offsets: &[(Option<SourceMap>, Option<SourceMap>)],
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}

/// A connector that writes from Kafka to an external system.
pub trait SinkConnector: Connector {
    fn create_task(&self) -> Box<dyn SinkTask>;
    /// As [`SourceConnector::alter_offsets`], for consumer offsets (the
    /// next offset to read); `None` resets a partition.
    fn alter_offsets(
        &self,
        _config: &Props,
        _offsets: &BTreeMap<TopicPartition, Option<i64>>,
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}
