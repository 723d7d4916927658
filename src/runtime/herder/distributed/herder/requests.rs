//! How the distributed herder answers each herder request (Java's
//! `DistributedHerder` request methods): reads come from this worker's
//! config snapshot and the status topic; writes go to the config topic,
//! through the leader where Java requires it (others answer
//! [`HerderError::RequestTarget`] so that REST forwards the request).

use std::time::Duration;

use kameo::message::{Context, Message};

use super::*;
use crate::api::config_def::{ConfigInfos, ConfigKeyInfo};
use crate::runtime::connector_offsets::{
    modify_connector_offsets, read_connector_offsets, ConnectorOffsets,
};
use crate::runtime::herder::validation::{
    config_errors_message, connector_plugin_config, validate_connector_config,
    validate_connector_config_with_nulls,
};
use crate::runtime::worker::StopAll;

impl Message<PutConnectorConfig> for DistributedHerder {
    type Reply = Result<(bool, ConnectorInfo), HerderError>;

    async fn handle(
        &mut self,
        msg: PutConnectorConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let mut config = msg.config;
        config
            .entry("name".to_string())
            .or_insert_with(|| msg.name.clone());
        let infos = validate_connector_config(&config)?;
        if let Some(message) = config_errors_message(&infos) {
            return Err(HerderError::BadRequest(message));
        }
        self.require_leader("Only the leader can set connector configs.")?;
        let exists = self.snapshot.contains(&msg.name);
        if exists && !msg.allow_replace {
            return Err(HerderError::AlreadyExists(msg.name));
        }
        let initial = (!exists).then_some(msg.initial_state);
        self.config_store
            .put_connector_config(&msg.name, &config, initial)
            .await
            .map_err(|e| HerderError::Internal(e.to_string()))?;
        // Answered from what the store read back; the herder's own snapshot
        // moves when the update arrives, so that it is acted on.
        Ok((
            !exists,
            connector_info(&self.config_store.snapshot(), &msg.name)?,
        ))
    }
}

impl Message<DeleteConnector> for DistributedHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: DeleteConnector,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.require_leader("Only the leader can delete connector configs.")?;
        self.require_connector(&msg.0)?;
        self.config_store
            .remove_connector_config(&msg.0)
            .await
            .map_err(|e| HerderError::Internal(e.to_string()))?;
        Ok(())
    }
}

impl Message<ListConnectors> for DistributedHerder {
    type Reply = Vec<String>;

    async fn handle(
        &mut self,
        _msg: ListConnectors,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.snapshot.connectors()
    }
}

impl Message<GetConnectorInfo> for DistributedHerder {
    type Reply = Result<ConnectorInfo, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorInfo,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.info(&msg.0)
    }
}

impl Message<GetTaskConfigs> for DistributedHerder {
    type Reply = Result<Vec<(ConnectorTaskId, Props)>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.require_connector(&msg.0)?;
        Ok(self
            .snapshot
            .tasks(&msg.0)
            .into_iter()
            .filter_map(|id| {
                let props = self.snapshot.task_config(&id)?.clone();
                Some((id, props))
            })
            .collect())
    }
}

impl Message<GetConnectorStatus> for DistributedHerder {
    type Reply = Result<ConnectorStateInfo, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorStatus,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let config = self.require_connector(&msg.0)?.clone();
        let statuses = &self.env.statuses;
        let connector = statuses
            .connector(&msg.0)
            .ok_or_else(|| HerderError::NotFound(msg.0.clone()))?;
        Ok(ConnectorStateInfo {
            name: msg.0.clone(),
            connector,
            tasks: statuses
                .tasks_of(&msg.0)
                .into_iter()
                .map(|(id, s)| (id.task, s))
                .collect(),
            type_: connector_type(&config),
        })
    }
}

impl Message<SetTargetState> for DistributedHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: SetTargetState,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.require_connector(&msg.name)?;
        if msg.target == TargetState::Stopped {
            // Java's `stopConnector`: no tasks first, then the target state,
            // so that a failure between the two never leaves a STOPPED
            // connector with tasks.
            self.require_leader("Only the leader can stop connectors.")?;
            self.config_store
                .put_task_configs(&msg.name, &[])
                .await
                .map_err(|e| HerderError::Internal(e.to_string()))?;
            self.config_store
                .put_target_state(&msg.name, TargetState::Stopped)
                .await
                .map_err(|e| HerderError::Internal(e.to_string()))?;
        } else {
            // Pause and resume are written by whichever worker is asked.
            self.config_store
                .put_target_state(&msg.name, msg.target)
                .await
                .map_err(|e| HerderError::Internal(e.to_string()))?;
        }
        Ok(())
    }
}

impl Message<RestartConnector> for DistributedHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: RestartConnector,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.require_connector(&msg.name)?;
        self.require_leader("Only the leader can process restart requests.")?;
        let request = RestartRequest {
            connector: msg.name,
            only_failed: msg.only_failed,
            include_tasks: msg.include_tasks,
        };
        self.config_store
            .put_restart_request(&request)
            .await
            .map_err(|e| HerderError::Internal(e.to_string()))
    }
}

impl Message<RestartTask> for DistributedHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: RestartTask,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let id = msg.0;
        self.require_connector(&id.connector)?;
        if self.snapshot.task_config(&id).is_none()
            || id.task >= self.snapshot.task_count(&id.connector)
        {
            return Err(HerderError::NotFound(format!("Task {id}")));
        }
        if self.assigned.tasks.contains(&id) {
            self.restart_task(&id).await;
            return Ok(());
        }
        let message = "Cannot restart task since it is not assigned to this member".to_string();
        if self.member.is_leader {
            return Err(HerderError::RequestTarget {
                message,
                url: self.member.owners.tasks.get(&id).cloned(),
            });
        }
        Err(HerderError::RequestTarget {
            message,
            url: self.member.leader_url.clone(),
        })
    }
}

impl Message<Reconfigure> for DistributedHerder {
    type Reply = ();

    async fn handle(
        &mut self,
        msg: Reconfigure,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.reconfigure_connector(&msg.0).await;
    }
}

impl Message<PutTaskConfigs> for DistributedHerder {
    type Reply = Result<(), HerderError>;

    async fn handle(
        &mut self,
        msg: PutTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.check_signature(msg.signature.as_ref())?;
        self.require_leader("Only the leader may write task configurations.")?;
        self.require_connector(&msg.connector)?;
        self.config_store
            .put_task_configs(&msg.connector, &msg.configs)
            .await
            .map_err(|e| HerderError::Internal(e.to_string()))?;
        Ok(())
    }
}

impl Message<ValidateConnectorConfig> for DistributedHerder {
    type Reply = Result<ConfigInfos, HerderError>;

    async fn handle(
        &mut self,
        msg: ValidateConnectorConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        validate_connector_config_with_nulls(&msg.config, &msg.null_keys)
    }
}

impl Message<GetConnectorPluginConfig> for DistributedHerder {
    type Reply = Result<Vec<ConfigKeyInfo>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorPluginConfig,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        connector_plugin_config(&msg.0)
    }
}

impl Message<GetConnectorOffsets> for DistributedHerder {
    type Reply = Result<HerderWork<ConnectorOffsets>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorOffsets,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let name = msg.0;
        let config = self.require_connector(&name)?.clone();
        read_connector_offsets(&self.env, &name, &config)
    }
}

impl Message<ModifyConnectorOffsets> for DistributedHerder {
    type Reply = Result<HerderWork<String>, HerderError>;

    async fn handle(
        &mut self,
        msg: ModifyConnectorOffsets,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let name = msg.name;
        self.require_connector(&name)?;
        self.require_leader("Only the leader can process external offsets modification requests")?;
        let timeout = Duration::from_millis(self.settings.worker_sync_timeout_ms.max(0) as u64);
        self.config_store.refresh(timeout).await.map_err(|e| {
            HerderError::Internal(format!("Failed to read to end of config topic: {e}"))
        })?;
        let state = self.config_store.snapshot();
        let config = state
            .connector_config(&name)
            .cloned()
            .ok_or_else(|| HerderError::NotFound(name.clone()))?;
        if state.target_state(&name) != Some(TargetState::Stopped) || state.task_count(&name) != 0 {
            return Err(HerderError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. \
                 This can be done for the specified connector by issuing a 'PUT' request to the \
                 '/connectors/{name}/stop' endpoint"
            )));
        }
        modify_connector_offsets(&self.env, &name, &config, msg.offsets)
    }
}

impl Message<GetConnectorActiveTopics> for DistributedHerder {
    type Reply = Result<Vec<String>, HerderError>;

    async fn handle(
        &mut self,
        msg: GetConnectorActiveTopics,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        if !self.env.config.topic_tracking_enable {
            return Err(HerderError::Forbidden("Topic tracking is disabled.".into()));
        }
        Ok(self.env.statuses.topics(&msg.0))
    }
}

impl Message<ResetConnectorActiveTopics> for DistributedHerder {
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
        self.env.statuses.reset_topics(&msg.0);
        Ok(())
    }
}

/// Graceful stop: every task stops (committing offsets) and nothing starts
/// again; the caller then has the member loop leave the group.
impl Message<Shutdown> for DistributedHerder {
    type Reply = ();

    async fn handle(
        &mut self,
        _msg: Shutdown,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        // Nothing starts again, whatever a rebalance or an update says.
        self.stopping = true;
        self.assigned = ConnectorsAndTasks::default();
        let tasks: Vec<ConnectorTaskId> = self.tasks.keys().cloned().collect();
        self.stop_tasks(tasks, true).await;
        let connectors: Vec<String> = self.connectors.keys().cloned().collect();
        for c in connectors {
            self.stop_connector(&c, true).await;
        }
        if let Err(e) = self.worker.ask(StopAll).await {
            tracing::error!(error = %e, "the worker did not stop");
        }
        let _ = self.worker.stop_gracefully().await;
        self.worker.wait_for_shutdown().await;
        if let Err(e) = self.status_store.flush().await {
            tracing::warn!(error = %e, "flushing statuses failed");
        }
    }
}
