//! The worker of one process as a kameo actor (Java's `Worker`): starts
//! connectors and tasks as child actors linked to it, hands task configs
//! back to the herder, pauses, resumes and stops them. A connector or task
//! that fails or panics becomes FAILED with its trace; the worker and every
//! other connector and task keep running.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use kameo::actor::{ActorId, ActorRef, Spawn, WeakActorRef};
use kameo::error::{ActorStopReason, Infallible};
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::mpsc::UnboundedSender;

use crate::api::connector::{ConnectorContext, Props};
use crate::api::error::ConnectError;

use super::config::connector::ConnectorConfig;
use super::config::provider::{transform, ConfigProviders};
use super::plugins::{find_connector, task_class_name, ConnectorFactory, ConnectorPlugin};
use super::status::{ConnectorTaskId, State, StatusStore, TargetState};
use super::task_builder::{TaskEnvironment, TaskLoopFactory};
use super::worker_connector::{
    run_connector_code, ConnectorInstance, CreateTask, GenerateTaskConfigs, StopConnector,
    TaskInstance, WorkerConnector,
};
use super::worker_task::{SetTaskTarget, StopTask, WorkerTask, WorkerTaskArgs};

/// Connector context handed to connector code: requests go to the herder.
struct WorkerConnectorContext {
    name: String,
    reconfigure: UnboundedSender<String>,
    statuses: StatusStore,
}

impl ConnectorContext for WorkerConnectorContext {
    fn request_task_reconfiguration(&self) {
        let _ = self.reconfigure.send(self.name.clone());
    }

    fn raise_error(&self, error: ConnectError) {
        self.statuses
            .put_connector(&self.name, State::Failed, Some(error.to_string()));
    }
}

/// The worker actor.
pub struct Worker {
    env: TaskEnvironment,
    connectors: BTreeMap<String, ActorRef<WorkerConnector>>,
    tasks: BTreeMap<ConnectorTaskId, ActorRef<WorkerTask>>,
    /// Where connector contexts send reconfiguration requests (the herder).
    reconfigure: UnboundedSender<String>,
    /// `config.providers`: `${provider:path:key}` in connector configs is
    /// resolved when a connector or task starts, never stored resolved.
    providers: ConfigProviders,
}

impl Worker {
    pub fn new(env: TaskEnvironment, reconfigure: UnboundedSender<String>) -> Worker {
        let providers = ConfigProviders::from_worker_props(&env.config.props).unwrap_or_else(|e| {
            tracing::error!(error = %e, "config.providers could not be set up; variables stay unresolved");
            ConfigProviders::new()
        });
        Worker {
            env,
            connectors: BTreeMap::new(),
            tasks: BTreeMap::new(),
            reconfigure,
            providers,
        }
    }

    fn statuses(&self) -> &StatusStore {
        &self.env.statuses
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

    /// Creates the task instance and everything it runs with.
    async fn build_task(
        &self,
        id: &ConnectorTaskId,
        config: &Props,
        task_props: Props,
    ) -> Result<TaskLoopFactory, ConnectError> {
        let config = self.resolve(config)?;
        let task_props = self.resolve(&task_props)?;
        // The connector's own instance when it runs here; otherwise (its
        // tasks may run on other workers) a new, unstarted one, as Java's
        // `Worker.startTask` instantiates the class for its `taskClass`.
        let instance = match self.connectors.get(&id.connector) {
            Some(connector) => connector
                .ask(CreateTask)
                .await
                .map_err(|e| ConnectError::fatal(format!("creating task {id}: {e}")))?,
            None => match connector_plugin(&config)?.factory {
                ConnectorFactory::Source(make) => {
                    run_connector_code(|| Ok(TaskInstance::Source(make().create_task())))?
                }
                ConnectorFactory::Sink(make) => {
                    run_connector_code(|| Ok(TaskInstance::Sink(make().create_task())))?
                }
            },
        };
        match instance {
            TaskInstance::Source(task) => {
                self.env
                    .source_task(id.clone(), task, &config, task_props)
                    .await
            }
            TaskInstance::Sink(task) => {
                self.env
                    .sink_task(id.clone(), task, &config, task_props)
                    .await
            }
        }
    }

    /// Stops tasks, each within the graceful timeout, all at once.
    async fn stop_tasks(&mut self, ids: &[ConnectorTaskId]) {
        let timeout = self.env.config.task_shutdown_graceful_timeout();
        let stopping: Vec<_> = ids
            .iter()
            .filter_map(|id| self.tasks.remove(id))
            .map(|task| async move {
                let _ = task.ask(StopTask { timeout }).await;
                task.wait_for_shutdown().await;
            })
            .collect();
        futures::future::join_all(stopping).await;
    }
}

impl Actor for Worker {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(args: Self::Args, _me: ActorRef<Self>) -> Result<Self, Self::Error> {
        Ok(args)
    }

    /// Supervision: a child that died other than by being stopped is failed
    /// (a task) or forgotten (a connector); the worker carries on.
    async fn on_link_died(
        &mut self,
        _me: WeakActorRef<Self>,
        id: ActorId,
        reason: ActorStopReason,
    ) -> Result<ControlFlow<ActorStopReason>, Self::Error> {
        if matches!(reason, ActorStopReason::Normal) {
            return Ok(ControlFlow::Continue(()));
        }
        if let Some(task) = self
            .tasks
            .iter()
            .find(|(_, r)| r.id() == id)
            .map(|(t, _)| t.clone())
        {
            self.tasks.remove(&task);
            self.statuses().put_task(
                &task,
                State::Failed,
                Some(format!("org.apache.kafka.connect.errors.ConnectException: task actor stopped: {reason}")),
            );
        }
        if let Some(name) = self
            .connectors
            .iter()
            .find(|(_, r)| r.id() == id)
            .map(|(n, _)| n.clone())
        {
            self.connectors.remove(&name);
            self.statuses().put_connector(
                &name,
                State::Failed,
                Some(format!("org.apache.kafka.connect.errors.ConnectException: connector actor stopped: {reason}")),
            );
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// The plugin of a connector config's `connector.class`.
fn connector_plugin(config: &Props) -> Result<ConnectorPlugin, ConnectError> {
    let class = config.get("connector.class").cloned().unwrap_or_default();
    find_connector(&class).ok_or_else(|| {
        ConnectError::fatal(format!(
            "Failed to find any class that implements Connector and which name matches {class}"
        ))
    })
}

/// Instantiates and starts a connector; answers whether it started.
/// Failures become its FAILED status.
pub struct StartConnector {
    pub name: String,
    pub config: Props,
    pub target: TargetState,
}

impl Message<StartConnector> for Worker {
    type Reply = bool;

    async fn handle(&mut self, msg: StartConnector, ctx: &mut Context<Self, Self::Reply>) -> bool {
        let name = msg.name;
        let started = self.resolve(&msg.config).and_then(|config| {
            let plugin = connector_plugin(&config)?;
            let context = Box::new(WorkerConnectorContext {
                name: name.clone(),
                reconfigure: self.reconfigure.clone(),
                statuses: self.statuses().clone(),
            });
            match plugin.factory {
                ConnectorFactory::Source(make) => {
                    let mut c = make();
                    run_connector_code(|| c.start(config, context))
                        .map(|_| ConnectorInstance::Source(c))
                }
                ConnectorFactory::Sink(make) => {
                    let mut c = make();
                    run_connector_code(|| c.start(config, context))
                        .map(|_| ConnectorInstance::Sink(c))
                }
            }
        });
        match started {
            Ok(instance) => {
                let actor = WorkerConnector::spawn_link(
                    ctx.actor_ref(),
                    WorkerConnector::new(&name, instance),
                )
                .await;
                self.connectors.insert(name.clone(), actor);
                let state = match msg.target {
                    TargetState::Started => State::Running,
                    TargetState::Paused => State::Paused,
                    TargetState::Stopped => State::Stopped,
                };
                self.statuses().put_connector(&name, state, None);
                true
            }
            Err(e) => {
                tracing::error!(connector = %name, error = %e, "connector failed to start");
                self.statuses()
                    .put_connector(&name, State::Failed, Some(e.to_string()));
                false
            }
        }
    }
}

/// The task configs a started connector wants (Java's
/// `Worker.connectorTaskConfigs`): at most its `tasks.max`, each with
/// `task.class` (and a sink's `topics` / `topics.regex`) added as Java adds
/// them, so that a Java worker can start them from the config topic.
pub struct ConnectorTaskConfigs {
    pub name: String,
    /// The connector's config.
    pub config: Props,
}

impl Message<ConnectorTaskConfigs> for Worker {
    type Reply = Result<Vec<Props>, ConnectError>;

    async fn handle(
        &mut self,
        msg: ConnectorTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let parsed = ConnectorConfig::new(msg.config.iter().map(|(k, v)| (k.clone(), v.clone())))
            .map_err(|e| ConnectError::fatal(e.to_string()))?;
        let connector = self
            .connectors
            .get(&msg.name)
            .ok_or_else(|| ConnectError::fatal(format!("connector {} is not running", msg.name)))?;
        let configs = connector
            .ask(GenerateTaskConfigs {
                max_tasks: parsed.tasks_max.max(1) as usize,
                enforce: parsed.tasks_max_enforce,
            })
            .await
            .map_err(|e| match e {
                kameo::error::SendError::HandlerError(e) => e,
                other => ConnectError::fatal(format!(
                    "asking connector {} for task configs: {other}",
                    msg.name
                )),
            })?;
        let plugin = connector_plugin(&msg.config)?;
        let task_class = task_class_name(plugin.class);
        let sink = matches!(plugin.factory, ConnectorFactory::Sink(_));
        let setting = |key: &str| {
            msg.config
                .get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let topics = setting("topics").map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        });
        let topics_regex = setting("topics.regex");
        Ok(configs
            .into_iter()
            .map(|mut task| {
                task.insert("task.class".to_string(), task_class.clone());
                if sink {
                    if let Some(t) = topics.clone().filter(|t| !t.is_empty()) {
                        task.insert("topics".to_string(), t);
                    }
                    if let Some(r) = topics_regex.clone() {
                        task.insert("topics.regex".to_string(), r);
                    }
                }
                task
            })
            .collect())
    }
}

/// Asks `worker` for a connector's task configs; the error as text.
pub async fn connector_task_configs(
    worker: &ActorRef<Worker>,
    name: &str,
    config: &Props,
) -> Result<Vec<Props>, String> {
    worker
        .ask(ConnectorTaskConfigs {
            name: name.to_string(),
            config: config.clone(),
        })
        .await
        .map_err(|e| match e {
            kameo::error::SendError::HandlerError(e) => e.to_string(),
            other => other.to_string(),
        })
}

/// Stops a connector instance (its tasks are stopped separately).
pub struct StopAndAwaitConnector(pub String);

impl Message<StopAndAwaitConnector> for Worker {
    type Reply = ();

    async fn handle(&mut self, msg: StopAndAwaitConnector, _ctx: &mut Context<Self, Self::Reply>) {
        if let Some(c) = self.connectors.remove(&msg.0) {
            let _ = c.ask(StopConnector).await;
            c.wait_for_shutdown().await;
        }
    }
}

/// Starts task `id` with `task_props`, under the connector's `config`.
pub struct StartTask {
    pub id: ConnectorTaskId,
    pub config: Props,
    pub task_props: Props,
    pub target: TargetState,
}

impl Message<StartTask> for Worker {
    type Reply = ();

    async fn handle(&mut self, msg: StartTask, ctx: &mut Context<Self, Self::Reply>) {
        let id = msg.id;
        self.statuses().put_task(&id, State::Unassigned, None);
        let task_loop = match self.build_task(&id, &msg.config, msg.task_props).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(task = %id, error = %e, "task failed to start");
                self.statuses()
                    .put_task(&id, State::Failed, Some(e.to_string()));
                return;
            }
        };
        let actor = WorkerTask::spawn_link(
            ctx.actor_ref(),
            WorkerTaskArgs {
                id: id.clone(),
                statuses: self.statuses().clone(),
                initial: msg.target,
                task_loop,
            },
        )
        .await;
        self.tasks.insert(id, actor);
    }
}

/// Pauses or resumes every task of a connector.
pub struct SetConnectorTarget {
    pub name: String,
    pub target: TargetState,
}

impl Message<SetConnectorTarget> for Worker {
    type Reply = ();

    async fn handle(&mut self, msg: SetConnectorTarget, _ctx: &mut Context<Self, Self::Reply>) {
        for (id, task) in &self.tasks {
            if id.connector == msg.name {
                let _ = task.tell(SetTaskTarget(msg.target)).await;
            }
        }
    }
}

/// The tasks of a connector that run on this worker.
pub struct ConnectorTaskIds(pub String);

impl Message<ConnectorTaskIds> for Worker {
    type Reply = Vec<ConnectorTaskId>;

    async fn handle(
        &mut self,
        msg: ConnectorTaskIds,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.tasks
            .keys()
            .filter(|id| id.connector == msg.0)
            .cloned()
            .collect()
    }
}

/// Stops tasks and waits (up to the graceful timeout) for them to finish
/// their final offset commit.
pub struct StopAndAwaitTasks(pub Vec<ConnectorTaskId>);

impl Message<StopAndAwaitTasks> for Worker {
    type Reply = ();

    async fn handle(&mut self, msg: StopAndAwaitTasks, _ctx: &mut Context<Self, Self::Reply>) {
        self.stop_tasks(&msg.0).await;
    }
}

/// Stops every task and connector (worker shutdown).
pub struct StopAll;

impl Message<StopAll> for Worker {
    type Reply = ();

    async fn handle(&mut self, _msg: StopAll, _ctx: &mut Context<Self, Self::Reply>) {
        let ids: Vec<ConnectorTaskId> = self.tasks.keys().cloned().collect();
        self.stop_tasks(&ids).await;
        for (_, c) in std::mem::take(&mut self.connectors) {
            let _ = c.ask(StopConnector).await;
            c.wait_for_shutdown().await;
        }
    }
}
