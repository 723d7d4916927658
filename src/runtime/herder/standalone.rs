//! The standalone herder (Java's `StandaloneHerder`): one process owns every
//! connector. Configs live in memory (the command line or REST put them
//! there), offsets in a file, statuses in memory. It is a kameo actor: REST
//! and the CLI talk to it with messages, so requests are serialised and no
//! lock is held across an await.

use std::collections::BTreeMap;

use kameo::message::{Context, Message};
use kameo::Actor;

use crate::api::config_def::{ConfigInfos, ConfigKeyInfo};
use crate::api::connector::Props;
use kameo::actor::ActorRef;

use super::super::connector_offsets::{
    modify_connector_offsets, read_connector_offsets, ConnectorOffsets,
};
use super::super::plugins::find_connector;
use super::super::status::{ConnectorTaskId, State, Status, StatusStore, TargetState};
use super::super::task_builder::TaskEnvironment;
use super::super::worker::{
    connector_task_configs, ConnectorTaskIds, SetConnectorTarget, StartConnector, StartTask,
    StopAll, StopAndAwaitConnector, StopAndAwaitTasks, Worker,
};
pub use super::requests::{
    ConnectorInfo, ConnectorStateInfo, DeleteConnector, GetConnectorActiveTopics, GetConnectorInfo,
    GetConnectorOffsets, GetConnectorPluginConfig, GetConnectorStatus, GetTaskConfigs, HerderError,
    HerderWork, ListConnectors, ModifyConnectorOffsets, PutConnectorConfig, PutTaskConfigs,
    Reconfigure, ResetConnectorActiveTopics, RestartConnector, RestartTask, SetTargetState,
    Shutdown, ValidateConnectorConfig,
};
use super::validation::{
    config_errors_message, connector_plugin_config, validate_connector_config,
    validate_connector_config_with_nulls,
};

struct ConnectorEntry {
    config: Props,
    target: TargetState,
    task_configs: Vec<Props>,
}

/// The standalone herder actor.
#[derive(Actor)]
pub struct StandaloneHerder {
    worker: ActorRef<Worker>,
    /// The worker's shared handles: statuses, offsets, the cluster (for sink
    /// connectors' consumer group offsets) and the worker config.
    env: TaskEnvironment,
    connectors: BTreeMap<String, ConnectorEntry>,
}

impl StandaloneHerder {
    pub fn new(worker: ActorRef<Worker>, env: TaskEnvironment) -> StandaloneHerder {
        StandaloneHerder {
            worker,
            env,
            connectors: BTreeMap::new(),
        }
    }

    fn statuses(&self) -> &StatusStore {
        &self.env.statuses
    }

    async fn task_ids(&self, name: &str) -> Vec<ConnectorTaskId> {
        self.worker
            .ask(ConnectorTaskIds(name.to_string()))
            .await
            .unwrap_or_default()
    }

    async fn stop_tasks(&self, ids: Vec<ConnectorTaskId>) {
        if let Err(e) = self.worker.ask(StopAndAwaitTasks(ids)).await {
            tracing::error!(error = %e, "the worker did not stop tasks");
        }
    }

    async fn start_task(
        &self,
        id: ConnectorTaskId,
        config: &Props,
        props: Props,
        target: TargetState,
    ) {
        let start = StartTask {
            id,
            config: config.clone(),
            task_props: props,
            target,
        };
        if let Err(e) = self.worker.ask(start).await {
            tracing::error!(error = %e, "the worker did not start a task");
        }
    }

    /// Starts every task config of `name`.
    async fn start_tasks(
        &self,
        name: &str,
        config: &Props,
        task_configs: &[Props],
        target: TargetState,
    ) {
        for (i, props) in task_configs.iter().enumerate() {
            let id = ConnectorTaskId {
                connector: name.to_string(),
                task: i as i32,
            };
            self.start_task(id, config, props.clone(), target).await;
        }
    }

    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let entry = self
            .connectors
            .get(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
        Ok(ConnectorInfo {
            name: name.to_string(),
            config: entry.config.clone(),
            tasks: (0..entry.task_configs.len() as i32)
                .map(|task| ConnectorTaskId {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            type_: connector_type(&entry.config),
        })
    }

    /// Starts the connector and its tasks according to its target state.
    async fn start(&mut self, name: &str) {
        let Some(entry) = self.connectors.get(name) else {
            return;
        };
        let config = entry.config.clone();
        let target = entry.target;
        if target == TargetState::Stopped {
            self.statuses().put_connector(name, State::Stopped, None);
            return;
        }
        let started = self
            .worker
            .ask(StartConnector {
                name: name.to_string(),
                config: config.clone(),
                target,
            })
            .await
            .unwrap_or(false);
        if !started {
            return;
        }
        let task_configs = match connector_task_configs(&self.worker, name, &config).await {
            Ok(t) => t,
            Err(e) => {
                self.statuses().put_connector(name, State::Failed, Some(e));
                return;
            }
        };
        self.start_tasks(name, &config, &task_configs, target).await;
        if let Some(entry) = self.connectors.get_mut(name) {
            entry.task_configs = task_configs;
        }
    }

    /// Stops the connector and its tasks (configs stay).
    async fn stop(&mut self, name: &str) {
        let ids = self.task_ids(name).await;
        self.stop_tasks(ids).await;
        if let Err(e) = self
            .worker
            .ask(StopAndAwaitConnector(name.to_string()))
            .await
        {
            tracing::error!(connector = name, error = %e, "the worker did not stop the connector");
        }
    }
}

fn connector_type(config: &Props) -> String {
    config
        .get("connector.class")
        .and_then(|c| find_connector(c))
        .map(|p| p.factory.type_name().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

impl Message<PutConnectorConfig> for StandaloneHerder {
    type Reply = Result<(bool, ConnectorInfo), HerderError>;

    async fn handle(
        &mut self,
        msg: PutConnectorConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let mut config = msg.config;
        // REST puts the name in; a config given otherwise gets it here.
        config
            .entry("name".to_string())
            .or_insert_with(|| msg.name.clone());
        // Java's `putConnectorConfig`: validate first, refuse with every error.
        let infos = validate_connector_config(&config)?;
        if let Some(message) = config_errors_message(&infos) {
            return Err(HerderError::BadRequest(message));
        }
        let exists = self.connectors.contains_key(&msg.name);
        if exists && !msg.allow_replace {
            return Err(HerderError::AlreadyExists(msg.name));
        }
        let target = if exists {
            self.stop(&msg.name).await;
            self.connectors
                .get(&msg.name)
                .map(|e| e.target)
                .unwrap_or(msg.initial_state)
        } else {
            msg.initial_state
        };
        self.connectors.insert(
            msg.name.clone(),
            ConnectorEntry {
                config,
                target,
                task_configs: Vec::new(),
            },
        );
        self.start(&msg.name).await;
        Ok((!exists, self.info(&msg.name)?))
    }
}

impl Message<DeleteConnector> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: DeleteConnector,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if !self.connectors.contains_key(&msg.0) {
            return Err(HerderError::NotFound(msg.0));
        }
        self.stop(&msg.0).await;
        self.connectors.remove(&msg.0);
        self.statuses().remove_connector(&msg.0);
        Ok(())
    }
}

impl Message<ListConnectors> for StandaloneHerder {
    type Reply = Vec<String>;

    async fn handle(
        &mut self,
        _msg: ListConnectors,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.connectors.keys().cloned().collect()
    }
}

impl Message<GetConnectorInfo> for StandaloneHerder {
    type Reply = Result<ConnectorInfo, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorInfo,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.info(&msg.0)
    }
}

impl Message<GetTaskConfigs> for StandaloneHerder {
    type Reply = Result<Vec<(ConnectorTaskId, Props)>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let entry = self
            .connectors
            .get(&msg.0)
            .ok_or_else(|| HerderError::NotFound(msg.0.clone()))?;
        Ok(entry
            .task_configs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    ConnectorTaskId {
                        connector: msg.0.clone(),
                        task: i as i32,
                    },
                    p.clone(),
                )
            })
            .collect())
    }
}

impl Message<GetConnectorStatus> for StandaloneHerder {
    type Reply = Result<ConnectorStateInfo, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorStatus,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let entry = self
            .connectors
            .get(&msg.0)
            .ok_or_else(|| HerderError::NotFound(msg.0.clone()))?;
        let statuses = self.statuses();
        let connector = statuses.connector(&msg.0).unwrap_or(Status {
            state: State::Unassigned,
            trace: None,
            worker_id: statuses.worker_id().to_string(),
        });
        Ok(ConnectorStateInfo {
            name: msg.0.clone(),
            connector,
            tasks: statuses
                .tasks_of(&msg.0)
                .into_iter()
                .map(|(id, s)| (id.task, s))
                .collect(),
            type_: connector_type(&entry.config),
        })
    }
}

impl Message<SetTargetState> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: SetTargetState,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let entry = self
            .connectors
            .get_mut(&msg.name)
            .ok_or_else(|| HerderError::NotFound(msg.name.clone()))?;
        let previous = entry.target;
        entry.target = msg.target;
        match (previous, msg.target) {
            (a, b) if a == b => {}
            (_, TargetState::Stopped) => {
                self.stop(&msg.name).await;
                // Java writes an empty task list for a stopped connector.
                if let Some(entry) = self.connectors.get_mut(&msg.name) {
                    entry.task_configs.clear();
                }
                self.statuses().remove_tasks_from(&msg.name, 0);
                self.statuses()
                    .put_connector(&msg.name, State::Stopped, None);
            }
            (TargetState::Stopped, _) => self.start(&msg.name).await,
            (_, target) => {
                let _ = self
                    .worker
                    .ask(SetConnectorTarget {
                        name: msg.name.clone(),
                        target,
                    })
                    .await;
                let state = if target == TargetState::Paused {
                    State::Paused
                } else {
                    State::Running
                };
                self.statuses().put_connector(&msg.name, state, None);
            }
        }
        Ok(())
    }
}

impl Message<RestartConnector> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: RestartConnector,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if !self.connectors.contains_key(&msg.name) {
            return Err(HerderError::NotFound(msg.name));
        }
        let statuses = self.statuses().clone();
        let connector_failed = statuses
            .connector(&msg.name)
            .is_some_and(|s| s.state == State::Failed);
        let failed_tasks: Vec<i32> = statuses
            .tasks_of(&msg.name)
            .into_iter()
            .filter(|(_, s)| s.state == State::Failed)
            .map(|(id, _)| id.task)
            .collect();
        let restart_connector = !msg.only_failed || connector_failed;
        let restart_tasks = msg.include_tasks && (!msg.only_failed || !failed_tasks.is_empty());
        if restart_connector || restart_tasks {
            // Standalone restarts the whole connector; tasks follow its config.
            self.stop(&msg.name).await;
            self.start(&msg.name).await;
        }
        Ok(())
    }
}

impl Message<RestartTask> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: RestartTask,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let id = msg.0;
        let entry = self
            .connectors
            .get(&id.connector)
            .ok_or_else(|| HerderError::NotFound(id.connector.clone()))?;
        let props = entry
            .task_configs
            .get(id.task as usize)
            .cloned()
            .ok_or_else(|| HerderError::NotFound(format!("Task {id}")))?;
        let config = entry.config.clone();
        let target = entry.target;
        self.stop_tasks(vec![id.clone()]).await;
        self.start_task(id, &config, props, target).await;
        Ok(())
    }
}

impl Message<Reconfigure> for StandaloneHerder {
    type Reply = ();

    async fn handle(
        &mut self,
        msg: Reconfigure,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let Some(entry) = self.connectors.get(&msg.0) else {
            return;
        };
        if entry.target == TargetState::Stopped {
            return;
        }
        let config = entry.config.clone();
        let target = entry.target;
        let previous = entry.task_configs.clone();
        let new_configs = match connector_task_configs(&self.worker, &msg.0, &config).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(connector = %msg.0, error = %e, "task reconfiguration failed");
                self.statuses()
                    .put_connector(&msg.0, State::Failed, Some(e));
                return;
            }
        };
        if new_configs != previous {
            tracing::info!(connector = %msg.0, "task configs changed; restarting tasks");
            let ids = self.task_ids(&msg.0).await;
            self.stop_tasks(ids).await;
            self.statuses()
                .remove_tasks_from(&msg.0, new_configs.len() as i32);
            self.start_tasks(&msg.0, &config, &new_configs, target)
                .await;
            if let Some(entry) = self.connectors.get_mut(&msg.0) {
                entry.task_configs = new_configs;
            }
        }
    }
}

impl Message<ValidateConnectorConfig> for StandaloneHerder {
    type Reply = Result<ConfigInfos, HerderError>;

    async fn handle(
        &mut self,
        msg: ValidateConnectorConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        validate_connector_config_with_nulls(&msg.config, &msg.null_keys)
    }
}

impl Message<GetConnectorPluginConfig> for StandaloneHerder {
    type Reply = Result<Vec<ConfigKeyInfo>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorPluginConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        connector_plugin_config(&msg.0)
    }
}

impl Message<GetConnectorOffsets> for StandaloneHerder {
    type Reply = Result<HerderWork<ConnectorOffsets>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorOffsets,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let name = msg.0;
        let entry = self
            .connectors
            .get(&name)
            .ok_or_else(|| HerderError::NotFound(name.clone()))?;
        read_connector_offsets(&self.env, &name, &entry.config)
    }
}

impl Message<ModifyConnectorOffsets> for StandaloneHerder {
    type Reply = Result<HerderWork<String>, HerderError>;

    async fn handle(
        &mut self,
        msg: ModifyConnectorOffsets,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let name = msg.name;
        let entry = self
            .connectors
            .get(&name)
            .ok_or_else(|| HerderError::NotFound(name.clone()))?;
        if entry.target != TargetState::Stopped {
            return Err(HerderError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. \
                 This can be done for the specified connector by issuing a 'PUT' request to the \
                 '/connectors/{name}/stop' endpoint"
            )));
        }
        modify_connector_offsets(&self.env, &name, &entry.config, msg.offsets)
    }
}

/// Java's standalone herder refuses task configs from outside.
impl Message<PutTaskConfigs> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        _msg: PutTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        Err(HerderError::Internal(
            "Kafka Connect in standalone mode does not support externally setting task configurations."
                .to_string(),
        ))
    }
}

impl Message<GetConnectorActiveTopics> for StandaloneHerder {
    type Reply = Result<Vec<String>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorActiveTopics,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if !self.env.config.topic_tracking_enable {
            return Err(HerderError::Forbidden("Topic tracking is disabled.".into()));
        }
        Ok(self.statuses().topics(&msg.0))
    }
}

impl Message<ResetConnectorActiveTopics> for StandaloneHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: ResetConnectorActiveTopics,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if !self.env.config.topic_tracking_enable {
            return Err(HerderError::Forbidden("Topic tracking is disabled.".into()));
        }
        if !self.env.config.topic_tracking_allow_reset {
            return Err(HerderError::Forbidden(
                "Topic tracking reset is disabled.".into(),
            ));
        }
        self.statuses().reset_topics(&msg.0);
        Ok(())
    }
}

impl Message<Shutdown> for StandaloneHerder {
    type Reply = ();

    async fn handle(
        &mut self,
        _msg: Shutdown,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if let Err(e) = self.worker.ask(StopAll).await {
            tracing::error!(error = %e, "the worker did not stop");
        }
        let _ = self.worker.stop_gracefully().await;
        self.worker.wait_for_shutdown().await;
    }
}
