//! The worker (Java's `Worker` + `WorkerConnector`): instantiates connectors
//! from the plugin registry, asks them for task configs, and runs each task
//! as its own supervised future. A task that panics or fails becomes FAILED
//! with its trace; the worker and every other task keep running.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::connector::{ConnectorContext, Props, SinkConnector, SourceConnector};
use crate::api::converter::{Converter, HeaderConverter};
use crate::api::error::ConnectError;
use crate::kafka::cluster::Cluster;
use crate::kafka::config::{ConsumerConfig, OffsetReset, ProducerConfig};
use crate::kafka::fetcher::Consumer;
use crate::kafka::producer::Producer;

use super::config::provider::{transform, ConfigProviders};
use super::plugins::{find_connector, ConnectorFactory};
use super::status::{ConnectorTaskId, State, StatusStore, TargetState};
use super::storage::offset::FileOffsetStore;
use super::topic_creation::TopicCreation;
use super::{worker_sink_task, worker_source_task};

/// A started connector instance.
enum ConnectorInstance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

/// A running task: its stop switch, target state and supervising future.
struct TaskHandle {
    cancel: CancellationToken,
    target: watch::Sender<TargetState>,
    supervisor: JoinHandle<()>,
}

/// Connector context handed to connector code: requests go to the herder.
struct Context {
    name: String,
    reconfigure: tokio::sync::mpsc::UnboundedSender<String>,
    statuses: StatusStore,
}

impl ConnectorContext for Context {
    fn request_task_reconfiguration(&self) {
        let _ = self.reconfigure.send(self.name.clone());
    }

    fn raise_error(&self, error: ConnectError) {
        self.statuses
            .put_connector(&self.name, State::Failed, Some(error.to_string()));
    }
}

/// Shared worker settings, read once from the worker properties.
pub struct WorkerSettings {
    pub props: HashMap<String, String>,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub shutdown_timeout: Duration,
}

impl WorkerSettings {
    pub fn from_props(props: HashMap<String, String>) -> Result<WorkerSettings, ConnectError> {
        let millis = |key: &str, default: u64| -> Result<Duration, ConnectError> {
            match props.get(key) {
                None => Ok(Duration::from_millis(default)),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Duration::from_millis)
                    .map_err(|_| {
                        ConnectError::fatal(format!(
                            "Invalid value {v} for configuration {key}: Not a number of type LONG"
                        ))
                    }),
            }
        };
        for required in ["key.converter", "value.converter"] {
            if !props.contains_key(required) {
                return Err(ConnectError::fatal(format!(
                    "Missing required configuration \"{required}\" which has no default value."
                )));
            }
        }
        Ok(WorkerSettings {
            offset_flush_interval: millis("offset.flush.interval.ms", 60_000)?,
            offset_flush_timeout: millis("offset.flush.timeout.ms", 5_000)?,
            shutdown_timeout: millis("task.shutdown.graceful.timeout.ms", 5_000)?,
            props,
        })
    }

    /// Client properties: `bootstrap.servers` plus the `<prefix>` keys.
    pub fn client_props(
        &self,
        prefix: &str,
        overrides: &Props,
        override_prefix: &str,
    ) -> HashMap<String, String> {
        let mut out = HashMap::new();
        if let Some(b) = self.props.get("bootstrap.servers") {
            out.insert("bootstrap.servers".to_string(), b.clone());
        }
        for (k, v) in &self.props {
            if let Some(rest) = k.strip_prefix(prefix) {
                out.insert(rest.to_string(), v.clone());
            }
        }
        for (k, v) in overrides {
            if let Some(rest) = k.strip_prefix(override_prefix) {
                out.insert(rest.to_string(), v.clone());
            }
        }
        out
    }
}

/// The worker of one process.
pub struct Worker {
    settings: Arc<WorkerSettings>,
    cluster: Arc<Cluster>,
    offsets: Arc<FileOffsetStore>,
    statuses: StatusStore,
    connectors: BTreeMap<String, ConnectorInstance>,
    tasks: BTreeMap<ConnectorTaskId, TaskHandle>,
    /// Where connector contexts send reconfiguration requests.
    reconfigure: tokio::sync::mpsc::UnboundedSender<String>,
    /// `config.providers`: `${provider:path:key}` in connector configs is
    /// resolved when a connector or task starts, never stored resolved.
    providers: ConfigProviders,
}

impl Worker {
    pub fn new(
        settings: Arc<WorkerSettings>,
        cluster: Arc<Cluster>,
        offsets: Arc<FileOffsetStore>,
        statuses: StatusStore,
        reconfigure: tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Worker {
        let providers = ConfigProviders::from_worker_props(&settings.props).unwrap_or_else(|e| {
            tracing::error!(error = %e, "config.providers could not be set up; variables stay unresolved");
            ConfigProviders::new()
        });
        Worker {
            providers,
            settings,
            cluster,
            offsets,
            statuses,
            connectors: BTreeMap::new(),
            tasks: BTreeMap::new(),
            reconfigure,
        }
    }

    pub fn statuses(&self) -> &StatusStore {
        &self.statuses
    }

    pub fn offsets(&self) -> &Arc<FileOffsetStore> {
        &self.offsets
    }

    /// Instantiates and starts a connector. Failures become its FAILED status.
    pub fn start_connector(&mut self, name: &str, config: &Props, target: TargetState) -> bool {
        let config = match self.resolve(config) {
            Ok(c) => c,
            Err(e) => {
                self.statuses
                    .put_connector(name, State::Failed, Some(e.to_string()));
                return false;
            }
        };
        let config = &config;
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let Some(plugin) = find_connector(&class) else {
            self.statuses.put_connector(
                name,
                State::Failed,
                Some(format!("Failed to find any class that implements Connector and which name matches {class}")),
            );
            return false;
        };
        let context = || -> Box<dyn ConnectorContext> {
            Box::new(Context {
                name: name.to_string(),
                reconfigure: self.reconfigure.clone(),
                statuses: self.statuses.clone(),
            })
        };
        let started = match plugin.factory {
            ConnectorFactory::Source(make) => {
                let mut c = make();
                run_connector_code(|| c.start(config.clone(), context()))
                    .map(|_| ConnectorInstance::Source(c))
            }
            ConnectorFactory::Sink(make) => {
                let mut c = make();
                run_connector_code(|| c.start(config.clone(), context()))
                    .map(|_| ConnectorInstance::Sink(c))
            }
        };
        match started {
            Ok(instance) => {
                self.connectors.insert(name.to_string(), instance);
                let state = match target {
                    TargetState::Started => State::Running,
                    TargetState::Paused => State::Paused,
                    TargetState::Stopped => State::Stopped,
                };
                self.statuses.put_connector(name, state, None);
                true
            }
            Err(e) => {
                self.statuses
                    .put_connector(name, State::Failed, Some(e.to_string()));
                false
            }
        }
    }

    /// The task configs a started connector wants.
    pub fn task_configs(&self, name: &str, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        match self.connectors.get(name) {
            Some(ConnectorInstance::Source(c)) => run_connector_code(|| c.task_configs(max_tasks)),
            Some(ConnectorInstance::Sink(c)) => run_connector_code(|| c.task_configs(max_tasks)),
            None => Err(ConnectError::fatal(format!(
                "connector {name} is not running"
            ))),
        }
    }

    pub fn is_running(&self, name: &str) -> bool {
        self.connectors.contains_key(name)
    }

    /// Stops a connector instance (its tasks are stopped separately).
    pub fn stop_connector(&mut self, name: &str) {
        if let Some(c) = self.connectors.remove(name) {
            let result = match c {
                ConnectorInstance::Source(mut c) => run_connector_code(|| c.stop()),
                ConnectorInstance::Sink(mut c) => run_connector_code(|| c.stop()),
            };
            if let Err(e) = result {
                tracing::warn!(connector = name, error = %e, "connector stop failed");
            }
        }
    }

    /// Starts task `id` with `task_props`, under the connector's `config`.
    pub async fn start_task(
        &mut self,
        id: ConnectorTaskId,
        config: &Props,
        task_props: Props,
        target: TargetState,
    ) {
        self.statuses.put_task(&id, State::Unassigned, None);
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let Some(plugin) = find_connector(&class) else {
            self.statuses.put_task(
                &id,
                State::Failed,
                Some(format!("no connector class {class}")),
            );
            return;
        };
        let converters = match self.converters(config) {
            Ok(c) => c,
            Err(e) => {
                self.statuses
                    .put_task(&id, State::Failed, Some(e.to_string()));
                return;
            }
        };
        let (key_converter, value_converter, header_converter) = converters;
        let cancel = CancellationToken::new();
        let (target_tx, target_rx) = watch::channel(target);
        let statuses = self.statuses.clone();
        let future: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = match plugin
            .factory
        {
            ConnectorFactory::Source(_) => {
                let Some(ConnectorInstance::Source(c)) = self.connectors.get(&id.connector) else {
                    return;
                };
                let task = c.create_task();
                let props = self
                    .settings
                    .client_props("producer.", config, "producer.override.");
                let producer_config = match ProducerConfig::from_props(&props) {
                    Ok(p) => p,
                    Err(e) => {
                        self.statuses
                            .put_task(&id, State::Failed, Some(e.to_string()));
                        return;
                    }
                };
                let producer = Producer::with_cluster(self.cluster.clone(), producer_config);
                let creation_enabled = self
                    .settings
                    .props
                    .get("topic.creation.enable")
                    .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
                let admin = crate::kafka::admin::Admin::with_cluster(self.cluster.clone());
                let topic_creation =
                    match TopicCreation::from_config(creation_enabled, config, admin) {
                        Ok(t) => t,
                        Err(e) => {
                            self.statuses
                                .put_task(&id, State::Failed, Some(e.to_string()));
                            return;
                        }
                    };
                Box::pin(worker_source_task::run(
                    worker_source_task::SourceTaskParams {
                        id: id.clone(),
                        task,
                        props: task_props,
                        producer,
                        key_converter,
                        value_converter,
                        header_converter,
                        offsets: self.offsets.clone(),
                        statuses: statuses.clone(),
                        flush_interval: self.settings.offset_flush_interval,
                        flush_timeout: self.settings.offset_flush_timeout,
                        target: target_rx,
                        cancel: cancel.clone(),
                        topic_creation,
                    },
                ))
            }
            ConnectorFactory::Sink(_) => {
                let Some(ConnectorInstance::Sink(c)) = self.connectors.get(&id.connector) else {
                    return;
                };
                let task = c.create_task();
                let mut props =
                    self.settings
                        .client_props("consumer.", config, "consumer.override.");
                props
                    .entry("group.id".to_string())
                    .or_insert_with(|| format!("connect-{}", id.connector));
                let consumer_config = match ConsumerConfig::from_props(&props) {
                    Ok(mut c) => {
                        if !props.contains_key("auto.offset.reset") {
                            // Connect's default for sink consumers.
                            c.auto_offset_reset = OffsetReset::Earliest;
                        }
                        c
                    }
                    Err(e) => {
                        self.statuses
                            .put_task(&id, State::Failed, Some(e.to_string()));
                        return;
                    }
                };
                let mut consumer = Consumer::with_cluster(self.cluster.clone(), consumer_config);
                let subscribed = match (config.get("topics"), config.get("topics.regex")) {
                    (Some(t), _) if !t.trim().is_empty() => {
                        consumer.subscribe(crate::kafka::config::split_list(t))
                    }
                    (_, Some(re)) if !re.trim().is_empty() => consumer.subscribe_pattern(re),
                    _ => Err(crate::kafka::Error::Config {
                        key: "topics".to_string(),
                        message: "Must configure one of topics or topics.regex".to_string(),
                    }),
                };
                if let Err(e) = subscribed {
                    self.statuses
                        .put_task(&id, State::Failed, Some(e.to_string()));
                    return;
                }
                Box::pin(worker_sink_task::run(worker_sink_task::SinkTaskParams {
                    id: id.clone(),
                    task,
                    props: task_props,
                    consumer,
                    key_converter,
                    value_converter,
                    header_converter,
                    statuses: statuses.clone(),
                    commit_interval: self.settings.offset_flush_interval,
                    target: target_rx,
                    cancel: cancel.clone(),
                }))
            }
        };
        let runner = tokio::spawn(future);
        // Supervision: a panic in connector code fails this task only.
        let task_id = id.clone();
        let supervisor = tokio::spawn(async move {
            if let Err(e) = runner.await {
                if e.is_panic() {
                    let panic = e.into_panic();
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panic".to_string());
                    statuses.put_task(
                        &task_id,
                        State::Failed,
                        Some(format!("org.apache.kafka.connect.errors.ConnectException: task panicked: {message}")),
                    );
                }
            }
        });
        self.tasks.insert(
            id,
            TaskHandle {
                cancel,
                target: target_tx,
                supervisor,
            },
        );
    }

    /// The config with `${provider:path:key}` variables resolved.
    fn resolve(&self, config: &Props) -> Result<Props, ConnectError> {
        if self.providers.is_empty() {
            return Ok(config.clone());
        }
        let ordered: indexmap::IndexMap<String, String> =
            config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        transform(&ordered, &self.providers)
            .map(|m| m.into_iter().collect())
            .map_err(|e| ConnectError::fatal(e.to_string()))
    }

    /// Key, value and header converters for a connector: its own settings
    /// first, the worker's otherwise, each with its `<kind>.converter.` keys.
    #[allow(clippy::type_complexity)]
    fn converters(
        &self,
        config: &Props,
    ) -> Result<
        (
            Arc<dyn Converter>,
            Arc<dyn Converter>,
            Option<Arc<dyn HeaderConverter>>,
        ),
        ConnectError,
    > {
        let key = self.converter(config, "key.converter", true)?;
        let value = self.converter(config, "value.converter", false)?;
        let header_class = config
            .get("header.converter")
            .or_else(|| self.settings.props.get("header.converter"))
            .cloned()
            .unwrap_or_else(|| {
                "org.apache.kafka.connect.storage.SimpleHeaderConverter".to_string()
            });
        let header = match crate::converters::header_converter_by_class(&header_class) {
            Some(mut h) => {
                h.configure(&self.sub_configs(config, "header.converter"))?;
                Some(Arc::from(h))
            }
            None => {
                return Err(ConnectError::fatal(format!(
                    "Invalid value {header_class} for configuration header.converter: Class {header_class} could not be found."
                )))
            }
        };
        Ok((key, value, header))
    }

    fn converter(
        &self,
        config: &Props,
        key: &str,
        is_key: bool,
    ) -> Result<Arc<dyn Converter>, ConnectError> {
        let class = config
            .get(key)
            .or_else(|| self.settings.props.get(key))
            .cloned()
            .ok_or_else(|| {
                ConnectError::fatal(format!(
                    "Missing required configuration \"{key}\" which has no default value."
                ))
            })?;
        let mut converter = crate::converters::converter_by_class(&class).ok_or_else(|| {
            ConnectError::fatal(format!(
                "Invalid value {class} for configuration {key}: Class {class} could not be found."
            ))
        })?;
        converter.configure(&self.sub_configs(config, key), is_key)?;
        Ok(Arc::from(converter))
    }

    /// `<key>.*` settings: the worker's, overridden by the connector's.
    fn sub_configs(&self, config: &Props, key: &str) -> HashMap<String, String> {
        let prefix = format!("{key}.");
        let mut out = HashMap::new();
        for source in [&self.settings.props, config] {
            for (k, v) in source {
                if let Some(rest) = k.strip_prefix(&prefix) {
                    out.insert(rest.to_string(), v.clone());
                }
            }
        }
        out
    }

    /// Changes a running task's target state.
    pub fn set_task_target(&self, id: &ConnectorTaskId, target: TargetState) {
        if let Some(t) = self.tasks.get(id) {
            let _ = t.target.send(target);
        }
    }

    /// The tasks of `connector` that are running.
    pub fn task_ids(&self, connector: &str) -> Vec<ConnectorTaskId> {
        self.tasks
            .keys()
            .filter(|id| id.connector == connector)
            .cloned()
            .collect()
    }

    /// Stops tasks and waits (up to the graceful timeout) for them to finish
    /// their final offset commit.
    pub async fn stop_tasks(&mut self, ids: &[ConnectorTaskId]) {
        let mut waiting = Vec::new();
        for id in ids {
            if let Some(t) = self.tasks.remove(id) {
                t.cancel.cancel();
                waiting.push((id.clone(), t.supervisor));
            }
        }
        let deadline = tokio::time::Instant::now() + self.settings.shutdown_timeout;
        for (id, handle) in waiting {
            if tokio::time::timeout_at(deadline, handle).await.is_err() {
                tracing::warn!(task = %id, "task did not stop within task.shutdown.graceful.timeout.ms");
            }
        }
    }

    /// Stops everything (worker shutdown).
    pub async fn stop_all(&mut self) {
        let ids: Vec<ConnectorTaskId> = self.tasks.keys().cloned().collect();
        self.stop_tasks(&ids).await;
        let names: Vec<String> = self.connectors.keys().cloned().collect();
        for n in names {
            self.stop_connector(&n);
        }
    }
}

/// Runs a synchronous call into connector code, turning a panic into an error.
fn run_connector_code<T>(f: impl FnOnce() -> Result<T, ConnectError>) -> Result<T, ConnectError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".to_string());
            Err(ConnectError::fatal(format!(
                "connector code panicked: {message}"
            )))
        }
    }
}
