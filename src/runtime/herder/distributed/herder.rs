//! The distributed herder (Java's `DistributedHerder`): the actor that owns
//! a distributed worker's view of the cluster. The config topic is the
//! truth: the leader writes connector configs, task configs and restart
//! requests to it, any worker writes target states, and every worker acts
//! on what it reads back (start, stop, reconfigure what it was assigned).
//! Assignments come from the [`member`](super::member) loop after each
//! rebalance; statuses go to the status topic, read by every worker.
//!
//! A request only the leader may serve answers
//! [`HerderError::RequestTarget`] with the leader's URL on other workers,
//! and the REST layer forwards it, as Java's `NotLeaderException` does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kameo::actor::{ActorRef, WeakActorRef};
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::api::config_def::{ConfigInfos, ConfigKeyInfo};
use crate::api::connector::Props;
use crate::rest::internal_request_signature as signature;
use crate::runtime::config::connector::ConnectorConfig;
use crate::runtime::config::worker::DistributedSettings;
use crate::runtime::connector_offsets::{
    modify_sink_offsets, modify_source_offsets, sink_offsets, source_offsets, ConnectorOffsets,
    SinkGroup,
};
use crate::runtime::plugins::{find_connector, ConnectorFactory};
use crate::runtime::status::{ConnectorTaskId, State, TargetState};
use crate::runtime::storage::config::{ConfigBackingStore, KafkaConfigBackingStore};
use crate::runtime::storage::config_records::{RestartRequest, SessionKey};
use crate::runtime::storage::config_state::{ClusterConfigState, ConfigUpdate};
use crate::runtime::task_builder::TaskEnvironment;
use crate::runtime::worker::{
    ConnectorTaskConfigs, SetConnectorTarget, StartConnector, StartTask, StopAll,
    StopAndAwaitConnector, StopAndAwaitTasks, Worker,
};

use super::coordinator::{AssignmentChange, OwnerUrls};
use super::protocol::{ConnectProtocolCompatibility, ConnectorsAndTasks};
use crate::runtime::herder::requests::*;
use crate::runtime::herder::validation::{
    config_errors_message, connector_plugin_config, no_such_connector_message,
    validate_connector_config, validate_connector_config_with_nulls,
};

/// First wait before sending task configs to the leader again after a
/// failure (Java's `RECONFIGURE_CONNECTOR_TASKS_BACKOFF_INITIAL_MS`).
const RECONFIGURE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest such wait (Java's `RECONFIGURE_CONNECTOR_TASKS_BACKOFF_MAX_MS`).
const RECONFIGURE_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Java's message when a leader-only request reaches a worker that does
/// not know who leads.
pub const NO_LEADER_MESSAGE: &str = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";

/// The group as this worker last saw it.
#[derive(Debug, Clone, Default)]
struct MemberView {
    is_leader: bool,
    leader_url: Option<String>,
    protocol: Option<ConnectProtocolCompatibility>,
    owners: OwnerUrls,
}

/// The distributed herder actor.
pub struct DistributedHerder {
    worker: ActorRef<Worker>,
    env: TaskEnvironment,
    config_store: Arc<KafkaConfigBackingStore>,
    status_store: Arc<crate::runtime::storage::kafka_status::KafkaStatusBackingStore>,
    settings: DistributedSettings,
    /// The config this worker acts on (refreshed on every update).
    snapshot: ClusterConfigState,
    member: MemberView,
    /// What the group assigned this worker.
    assigned: ConnectorsAndTasks,
    /// Connectors started in the worker (assigned and not STOPPED).
    running_connectors: BTreeSet<String>,
    /// Tasks started in the worker, with the config they run with.
    running_tasks: BTreeMap<ConnectorTaskId, Props>,
    /// Asks the member loop for a rebalance.
    rejoin: mpsc::UnboundedSender<()>,
    /// Stops the member loop (which then leaves the group).
    member_shutdown: CancellationToken,
    /// Resolves when the member loop has left the group.
    member_done: Option<oneshot::Receiver<()>>,
    session_key: Option<SessionKey>,
    /// Failed attempts to send each connector's task configs, for backoff.
    reconfigure_attempts: BTreeMap<String, u32>,
    me: Option<WeakActorRef<DistributedHerder>>,
}

/// What [`DistributedHerder::new`] needs.
pub struct DistributedHerderParts {
    pub worker: ActorRef<Worker>,
    pub env: TaskEnvironment,
    pub config_store: Arc<KafkaConfigBackingStore>,
    pub status_store: Arc<crate::runtime::storage::kafka_status::KafkaStatusBackingStore>,
    pub settings: DistributedSettings,
    pub rejoin: mpsc::UnboundedSender<()>,
    pub member_shutdown: CancellationToken,
    pub member_done: oneshot::Receiver<()>,
}

impl DistributedHerder {
    pub fn new(parts: DistributedHerderParts) -> DistributedHerder {
        let snapshot = parts.config_store.snapshot();
        let session_key = snapshot.session_key.clone();
        DistributedHerder {
            worker: parts.worker,
            env: parts.env,
            config_store: parts.config_store,
            status_store: parts.status_store,
            settings: parts.settings,
            snapshot,
            member: MemberView::default(),
            assigned: ConnectorsAndTasks::default(),
            running_connectors: BTreeSet::new(),
            running_tasks: BTreeMap::new(),
            rejoin: parts.rejoin,
            member_shutdown: parts.member_shutdown,
            member_done: Some(parts.member_done),
            session_key,
            reconfigure_attempts: BTreeMap::new(),
            me: None,
        }
    }

    fn request_rejoin(&self) {
        let _ = self.rejoin.send(());
    }

    /// Refuses a request only the leader serves, naming where it goes.
    fn require_leader(&self, message: &str) -> Result<(), HerderError> {
        if self.member.is_leader {
            return Ok(());
        }
        Err(HerderError::RequestTarget {
            message: message.to_string(),
            url: self.member.leader_url.clone(),
        })
    }

    fn require_connector(&self, name: &str) -> Result<&Props, HerderError> {
        self.snapshot
            .connector_config(name)
            .ok_or_else(|| HerderError::NotFound(name.to_string()))
    }

    fn target_state(&self, name: &str) -> TargetState {
        self.snapshot
            .target_state(name)
            .unwrap_or(TargetState::Started)
    }

    /// Whether internal requests must be signed: the group speaks the
    /// sessioned protocol (Java's `internalRequestValidationEnabled`).
    fn sessioned(&self) -> bool {
        self.member.protocol == Some(ConnectProtocolCompatibility::Sessioned)
    }

    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let config = self.require_connector(name)?.clone();
        Ok(ConnectorInfo {
            name: name.to_string(),
            tasks: self.snapshot.tasks(name),
            type_: connector_type(&config),
            config,
        })
    }

    // ---- running connectors and tasks -------------------------------

    async fn start_connector(&mut self, name: &str) {
        let Some(config) = self.snapshot.connector_config(name).cloned() else {
            return;
        };
        let target = self.target_state(name);
        if target == TargetState::Stopped {
            self.env.statuses.put_connector(name, State::Stopped, None);
            return;
        }
        let started = self
            .worker
            .ask(StartConnector {
                name: name.to_string(),
                config,
                target,
            })
            .await
            .unwrap_or(false);
        if started {
            self.running_connectors.insert(name.to_string());
            self.reconfigure_connector(name).await;
        }
    }

    /// Stops a connector this worker runs; `unassigned` writes its
    /// UNASSIGNED status (a rebalance moved it; not on delete or stop).
    async fn stop_connector(&mut self, name: &str, unassigned: bool) {
        if self.running_connectors.remove(name) {
            if let Err(e) = self
                .worker
                .ask(StopAndAwaitConnector(name.to_string()))
                .await
            {
                tracing::error!(connector = name, error = %e, "the worker did not stop the connector");
            }
        }
        if unassigned && self.snapshot.contains(name) {
            self.env
                .statuses
                .put_connector(name, State::Unassigned, None);
        }
    }

    async fn start_task(&mut self, id: &ConnectorTaskId) {
        let (Some(config), Some(props)) = (
            self.snapshot.connector_config(&id.connector).cloned(),
            self.snapshot.task_config(id).cloned(),
        ) else {
            tracing::warn!(task = %id, "assigned a task with no config; not starting it");
            return;
        };
        let target = self.target_state(&id.connector);
        if target == TargetState::Stopped {
            return;
        }
        let start = StartTask {
            id: id.clone(),
            config,
            task_props: props.clone(),
            target,
        };
        if let Err(e) = self.worker.ask(start).await {
            tracing::error!(task = %id, error = %e, "the worker did not start a task");
            return;
        }
        self.running_tasks.insert(id.clone(), props);
    }

    /// Stops tasks (each commits its offsets first); `unassigned` writes
    /// their UNASSIGNED statuses.
    async fn stop_tasks(&mut self, ids: Vec<ConnectorTaskId>, unassigned: bool) {
        let ids: Vec<ConnectorTaskId> = ids
            .into_iter()
            .filter(|id| self.running_tasks.remove(id).is_some())
            .collect();
        if ids.is_empty() {
            return;
        }
        if let Err(e) = self.worker.ask(StopAndAwaitTasks(ids.clone())).await {
            tracing::error!(error = %e, "the worker did not stop tasks");
        }
        if unassigned {
            for id in ids
                .iter()
                .filter(|id| id.task < self.snapshot.task_count(&id.connector))
            {
                self.env.statuses.put_task(id, State::Unassigned, None);
            }
        }
    }

    fn running_tasks_of(&self, connector: &str) -> Vec<ConnectorTaskId> {
        self.running_tasks
            .keys()
            .filter(|id| id.connector == connector)
            .cloned()
            .collect()
    }

    /// Stops what the group took away.
    async fn revoke(&mut self, revoked: &ConnectorsAndTasks) {
        self.stop_tasks(revoked.tasks.iter().cloned().collect(), true)
            .await;
        for c in &revoked.connectors {
            self.stop_connector(c, true).await;
        }
        self.assigned.remove_all(revoked);
    }

    /// Asks the running connector for task configs and, when they differ
    /// from the committed ones, has the leader write them (Java's
    /// `reconfigureConnectorTasksWithRetry`).
    async fn reconfigure_connector(&mut self, name: &str) {
        if !self.running_connectors.contains(name) {
            return;
        }
        let Some(config) = self.snapshot.connector_config(name).cloned() else {
            return;
        };
        if self.target_state(name) == TargetState::Stopped {
            return;
        }
        let generated = match self.generate_task_configs(name, &config).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(connector = name, error = %e, "generating task configs failed");
                self.env
                    .statuses
                    .put_connector(name, State::Failed, Some(e));
                return;
            }
        };
        let committed = self.snapshot.all_task_configs(name);
        if !self.snapshot.is_inconsistent(name)
            && committed.len() as i32 == self.snapshot.task_count(name)
            && committed == generated
        {
            return;
        }
        self.write_task_configs(name, generated).await;
    }

    async fn generate_task_configs(
        &self,
        name: &str,
        config: &Props,
    ) -> Result<Vec<Props>, String> {
        let parsed = ConnectorConfig::new(config.iter().map(|(k, v)| (k.clone(), v.clone())))
            .map_err(|e| e.to_string())?;
        self.worker
            .ask(ConnectorTaskConfigs {
                name: name.to_string(),
                max_tasks: parsed.tasks_max.max(1) as usize,
                enforce: parsed.tasks_max_enforce,
            })
            .await
            .map_err(|e| match e {
                kameo::error::SendError::HandlerError(e) => e.to_string(),
                other => other.to_string(),
            })
    }

    /// Writes task configs (the leader) or sends them to the leader; a
    /// failure tries again after a growing delay.
    async fn write_task_configs(&mut self, name: &str, configs: Vec<Props>) {
        if self.member.is_leader {
            match self.config_store.put_task_configs(name, &configs).await {
                Ok(()) => {
                    self.reconfigure_attempts.remove(name);
                    self.snapshot = self.config_store.snapshot();
                }
                Err(e) => {
                    tracing::error!(connector = name, error = %e, "writing task configs failed");
                    self.retry_reconfigure(name);
                }
            }
            return;
        }
        let Some(leader) = self.member.leader_url.clone() else {
            self.retry_reconfigure(name);
            return;
        };
        let body = match serde_json::to_vec(&configs) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(connector = name, error = %e, "cannot encode task configs");
                return;
            }
        };
        let mut headers = Vec::new();
        if let Some(key) = self.session_key.as_ref().filter(|_| self.sessioned()) {
            let algorithm = &self.settings.inter_worker_signature_algorithm;
            if let Some(h) = signature::headers(algorithm, &key.key, &body) {
                headers.extend(h);
            }
        }
        let url = format!(
            "{}/connectors/{}/tasks",
            leader.trim_end_matches('/'),
            crate::rest::routes::encode_segment(name)
        );
        let me = self.me.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            let sent = crate::rest::client::http_request(
                hyper::Method::POST,
                &url,
                &headers,
                Some(Bytes::from(body)),
            )
            .await;
            let ok = match sent {
                Ok(r) if r.status.is_success() => true,
                Ok(r) => {
                    tracing::warn!(connector = %name, status = %r.status, body = %String::from_utf8_lossy(&r.body), "the leader refused task configs");
                    false
                }
                Err(e) => {
                    tracing::warn!(connector = %name, error = %e, "sending task configs to the leader failed");
                    false
                }
            };
            if let Some(me) = me.and_then(|m| m.upgrade()) {
                let _ = me
                    .tell(TaskConfigsSent {
                        connector: name,
                        ok,
                    })
                    .await;
            }
        });
    }

    fn retry_reconfigure(&mut self, name: &str) {
        let attempts = self
            .reconfigure_attempts
            .entry(name.to_string())
            .or_insert(0);
        *attempts += 1;
        let delay = RECONFIGURE_BACKOFF
            .saturating_mul(1 << (*attempts - 1).min(8))
            .min(RECONFIGURE_BACKOFF_MAX);
        let Some(me) = self.me.clone() else { return };
        let name = name.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(me) = me.upgrade() {
                let _ = me.tell(Reconfigure(name)).await;
            }
        });
    }

    // ---- config topic updates ---------------------------------------

    async fn on_config_update(&mut self, update: ConfigUpdate) {
        let previous = std::mem::replace(&mut self.snapshot, self.config_store.snapshot());
        match update {
            ConfigUpdate::ConnectorConfigUpdated(name) => {
                if !previous.contains(&name) {
                    // A new connector: the leader assigns it.
                    self.request_rejoin();
                } else if self.assigned.connectors.contains(&name)
                    && previous.connector_config(&name) != self.snapshot.connector_config(&name)
                {
                    tracing::info!(connector = %name, "connector config changed; restarting the connector");
                    self.stop_connector(&name, false).await;
                    self.start_connector(&name).await;
                }
            }
            ConfigUpdate::ConnectorConfigRemoved(name) => {
                let tasks = self.running_tasks_of(&name);
                self.stop_tasks(tasks, false).await;
                self.stop_connector(&name, false).await;
                if self.member.is_leader {
                    self.env.statuses.remove_connector(&name);
                }
                self.request_rejoin();
            }
            ConfigUpdate::TasksCommitted(_) => {
                // Every connector whose committed tasks changed (an empty
                // commit names no task, only its connector changed).
                let changed: BTreeSet<String> = previous
                    .connectors()
                    .into_iter()
                    .chain(self.snapshot.connectors())
                    .filter(|c| {
                        previous.tasks(c) != self.snapshot.tasks(c)
                            || previous.all_task_configs(c) != self.snapshot.all_task_configs(c)
                    })
                    .collect();
                for c in changed {
                    self.on_tasks_committed(&c, &previous).await;
                }
            }
            ConfigUpdate::TargetStateChanged(name) => self.on_target_state(&name, &previous).await,
            ConfigUpdate::RestartRequested(request) => self.on_restart_request(&request).await,
            ConfigUpdate::SessionKeyChanged(key) => self.session_key = Some(key),
            ConfigUpdate::LoggerLevel { namespace, level } => {
                if let Some(level) = crate::runtime::loggers::Level::parse(&level) {
                    crate::runtime::loggers::Loggers::global().set_level(&namespace, level);
                }
            }
        }
    }

    async fn on_tasks_committed(&mut self, connector: &str, previous: &ClusterConfigState) {
        let count = self.snapshot.task_count(connector);
        if self.member.is_leader {
            // Statuses of tasks that no longer exist (Java's DESTROYED).
            self.env.statuses.remove_tasks_from(connector, count);
        }
        // Tasks this worker was given whose config changed restart in
        // place, those that are gone stop, those that had none start.
        let mine: BTreeSet<ConnectorTaskId> = self
            .running_tasks_of(connector)
            .into_iter()
            .chain(
                self.assigned
                    .tasks
                    .iter()
                    .filter(|id| id.connector == connector)
                    .cloned(),
            )
            .collect();
        for id in mine {
            let new = self
                .snapshot
                .task_config(&id)
                .filter(|_| id.task < count)
                .cloned();
            let running = self.running_tasks.get(&id).cloned();
            match (running, new) {
                (Some(_), None) => self.stop_tasks(vec![id], false).await,
                (Some(old), Some(new)) if old != new => {
                    tracing::info!(task = %id, "task config changed; restarting the task");
                    self.stop_tasks(vec![id.clone()], false).await;
                    self.start_task(&id).await;
                }
                (None, Some(_)) => self.start_task(&id).await,
                _ => {}
            }
        }
        if previous.tasks(connector) != self.snapshot.tasks(connector) {
            self.request_rejoin();
        }
    }

    async fn on_target_state(&mut self, name: &str, previous: &ClusterConfigState) {
        let target = self.target_state(name);
        let before = previous.target_state(name).unwrap_or(TargetState::Started);
        if target == before && previous.contains(name) {
            return;
        }
        match target {
            TargetState::Stopped => {
                let tasks = self.running_tasks_of(name);
                self.stop_tasks(tasks, false).await;
                if self.assigned.connectors.contains(name) {
                    self.stop_connector(name, false).await;
                    self.env.statuses.put_connector(name, State::Stopped, None);
                }
            }
            _ => {
                let _ = self
                    .worker
                    .ask(SetConnectorTarget {
                        name: name.to_string(),
                        target,
                    })
                    .await;
                if self.assigned.connectors.contains(name) {
                    if self.running_connectors.contains(name) {
                        let state = if target == TargetState::Paused {
                            State::Paused
                        } else {
                            State::Running
                        };
                        self.env.statuses.put_connector(name, state, None);
                    } else {
                        // Was STOPPED: start it; it regenerates its tasks.
                        self.start_connector(name).await;
                    }
                }
            }
        }
    }

    /// Restarts what this worker runs of a restart request (Java's
    /// `doRestartConnectorAndTasks` on a `RestartPlan`).
    async fn on_restart_request(&mut self, request: &RestartRequest) {
        let name = &request.connector;
        if !self.snapshot.contains(name) {
            return;
        }
        let connector_failed = self
            .env
            .statuses
            .connector(name)
            .is_some_and(|s| s.state == State::Failed);
        let restart_connector =
            self.assigned.connectors.contains(name) && (!request.only_failed || connector_failed);
        let tasks: Vec<ConnectorTaskId> = if request.include_tasks {
            self.assigned
                .tasks
                .iter()
                .filter(|id| id.connector == *name)
                .filter(|id| {
                    !request.only_failed
                        || self
                            .env
                            .statuses
                            .task(id)
                            .is_some_and(|s| s.state == State::Failed)
                })
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if restart_connector {
            self.env
                .statuses
                .put_connector(name, State::Restarting, None);
        }
        for id in &tasks {
            self.env.statuses.put_task(id, State::Restarting, None);
        }
        if restart_connector {
            self.stop_connector(name, false).await;
            self.start_connector(name).await;
        }
        for id in tasks {
            self.stop_tasks(vec![id.clone()], false).await;
            self.start_task(&id).await;
        }
    }

    /// As leader with the sessioned protocol: publishes a session key when
    /// there is none or it expired (Java's key rotation).
    async fn ensure_session_key(&mut self) {
        if !self.member.is_leader || !self.sessioned() {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let ttl = i64::from(self.settings.inter_worker_key_ttl_ms);
        if self
            .session_key
            .as_ref()
            .is_some_and(|k| k.creation_timestamp + ttl > now)
        {
            return;
        }
        let bytes = self.settings.inter_worker_key_size.unwrap_or(256).max(40) as usize / 8;
        let key = SessionKey {
            key: (0..bytes).map(|_| rand::random::<u8>()).collect(),
            algorithm: self.settings.inter_worker_key_generation_algorithm.clone(),
            creation_timestamp: now,
        };
        match self.config_store.put_session_key(&key).await {
            Ok(()) => self.session_key = Some(key),
            Err(e) => tracing::error!(error = %e, "writing the session key failed"),
        }
    }

    fn sink_group(&self, name: &str, config: &Props) -> SinkGroup {
        SinkGroup::new(
            self.env.cluster.clone(),
            self.env.sink_group_id(name, config),
        )
    }

    /// Checks an internal request's signature (Java's
    /// `requestNotSignedProperly`).
    fn check_signature(
        &self,
        signature: Option<&signature::InternalRequestSignature>,
    ) -> Result<(), HerderError> {
        if !self.sessioned() {
            return Ok(());
        }
        let Some(signature) = signature else {
            return Err(HerderError::Signature {
                forbidden: false,
                message: "Internal request missing required signature".to_string(),
            });
        };
        let allowed = &self.settings.inter_worker_verification_algorithms;
        if !allowed.contains(&signature.algorithm) {
            return Err(HerderError::Signature {
                forbidden: false,
                message: format!(
                    "This worker does not support the '{}' key signing algorithm used by other workers. \
                     This worker is currently configured to use: [{}]. Check that all workers' configuration \
                     files permit the same set of signature algorithms, and correct any misconfigured worker \
                     and restart it.",
                    signature.algorithm,
                    allowed.join(", ")
                ),
            });
        }
        let valid = self
            .session_key
            .as_ref()
            .is_some_and(|k| signature.is_valid(&k.key));
        if !valid {
            return Err(HerderError::Signature {
                forbidden: true,
                message: "Internal request contained invalid signature.".to_string(),
            });
        }
        Ok(())
    }
}

fn connector_type(config: &Props) -> String {
    config
        .get("connector.class")
        .and_then(|c| find_connector(c))
        .map(|p| p.factory.type_name().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

impl Actor for DistributedHerder {
    type Args = Self;
    type Error = std::convert::Infallible;

    async fn on_start(mut args: Self, me: ActorRef<Self>) -> Result<Self, Self::Error> {
        args.me = Some(me.downgrade());
        Ok(args)
    }
}

// ---- messages from the member loop and the stores ---------------------

/// Stop these before joining (eager revocation, or a lost coordinator).
pub struct Revoke(pub ConnectorsAndTasks);

impl Message<Revoke> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: Revoke, _ctx: &mut Context<Self, ()>) {
        tracing::info!(revoked = ?msg.0, "stopping revoked connectors and tasks");
        self.revoke(&msg.0).await;
    }
}

/// A rebalance completed.
pub struct Rebalanced {
    pub change: AssignmentChange,
    pub is_leader: bool,
    pub leader_url: Option<String>,
    pub owners: OwnerUrls,
}

impl Message<Rebalanced> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: Rebalanced, _ctx: &mut Context<Self, ()>) {
        let change = msg.change;
        self.member = MemberView {
            is_leader: msg.is_leader,
            leader_url: msg.leader_url.filter(|u| !u.is_empty()),
            protocol: Some(change.protocol),
            owners: msg.owners,
        };
        self.status_store.set_generation(change.generation);
        let behind = change.assignment.config_offset > self.snapshot.offset;
        if change.assignment.failed() || behind {
            // Java's CONFIG_MISMATCH handling: read the config topic to its
            // end before acting (or rejoining).
            let timeout = Duration::from_millis(self.settings.worker_sync_timeout_ms.max(0) as u64);
            if let Err(e) = self.config_store.refresh(timeout).await {
                tracing::warn!(error = %e, "could not read the config topic to its end");
            }
            self.snapshot = self.config_store.snapshot();
        }
        if change.assignment.failed() {
            tracing::info!(
                generation = change.generation,
                "the leader's config was behind ours (CONFIG_MISMATCH); rejoining"
            );
            return;
        }
        tracing::info!(
            generation = change.generation,
            leader = self.member.is_leader,
            assigned = ?change.assigned,
            revoked = ?change.revoked,
            "joined the Connect group"
        );
        self.revoke(&change.revoked).await;
        self.assigned = change.running.clone();
        self.ensure_session_key().await;
        for c in &change.assigned.connectors {
            if !self.running_connectors.contains(c) {
                self.start_connector(c).await;
            }
        }
        for id in &change.assigned.tasks {
            if !self.running_tasks.contains_key(id) {
                self.start_task(id).await;
            }
        }
        if self.member.is_leader {
            // Statuses of connectors deleted while no one led.
            for c in self.status_store.connectors() {
                if !self.snapshot.contains(&c) {
                    self.env.statuses.remove_connector(&c);
                }
            }
        }
    }
}

/// A record read from the config topic after start.
pub struct ConfigUpdated(pub ConfigUpdate);

impl Message<ConfigUpdated> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: ConfigUpdated, _ctx: &mut Context<Self, ()>) {
        self.on_config_update(msg.0).await;
    }
}

/// How sending task configs to the leader went.
struct TaskConfigsSent {
    connector: String,
    ok: bool,
}

impl Message<TaskConfigsSent> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: TaskConfigsSent, _ctx: &mut Context<Self, ()>) {
        if msg.ok {
            self.reconfigure_attempts.remove(&msg.connector);
        } else if self.running_connectors.contains(&msg.connector) {
            self.retry_reconfigure(&msg.connector);
        }
    }
}

// ---- the herder requests ------------------------------------------------

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
        self.snapshot = self.config_store.snapshot();
        Ok((!exists, self.info(&msg.name)?))
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
            // Java's `stopConnector`: the target state, then no tasks.
            self.require_leader("Only the leader can stop connectors.")?;
            self.config_store
                .put_target_state(&msg.name, TargetState::Stopped)
                .await
                .map_err(|e| HerderError::Internal(e.to_string()))?;
            self.config_store
                .put_task_configs(&msg.name, &[])
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
            self.stop_tasks(vec![id.clone()], false).await;
            self.start_task(&id).await;
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
        self.snapshot = self.config_store.snapshot();
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
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let plugin = find_connector(&class)
            .ok_or_else(|| HerderError::Internal(no_such_connector_message(&class)))?;
        match plugin.factory {
            ConnectorFactory::Source(_) => {
                let offsets = self.env.offsets.clone();
                Ok(Box::pin(async move {
                    offsets.refresh().await.map_err(HerderError::Internal)?;
                    Ok(source_offsets(&*offsets, &name))
                }))
            }
            ConnectorFactory::Sink(_) => {
                let group = self.sink_group(&name, &config);
                Ok(Box::pin(async move { sink_offsets(&group, &name).await }))
            }
        }
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
        self.snapshot = self.config_store.snapshot();
        let config = self.require_connector(&name)?.clone();
        if self.target_state(&name) != TargetState::Stopped || self.snapshot.task_count(&name) != 0
        {
            return Err(HerderError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. \
                 This can be done for the specified connector by issuing a 'PUT' request to the \
                 '/connectors/{name}/stop' endpoint"
            )));
        }
        let class = config.get("connector.class").cloned().unwrap_or_default();
        let plugin = find_connector(&class)
            .ok_or_else(|| HerderError::Internal(no_such_connector_message(&class)))?;
        match plugin.factory {
            ConnectorFactory::Source(make) => Ok(modify_source_offsets(
                &*self.env.offsets,
                &name,
                &*make(),
                &config,
                msg.offsets,
            )),
            ConnectorFactory::Sink(make) => {
                let group = self.sink_group(&name, &config);
                Ok(Box::pin(async move {
                    modify_sink_offsets(&group, &name, make, &config, msg.offsets).await
                }))
            }
        }
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

/// Graceful stop: every task stops (committing offsets), then the worker
/// leaves the group so the others take over at once.
impl Message<Shutdown> for DistributedHerder {
    type Reply = ();

    async fn handle(
        &mut self,
        _msg: Shutdown,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let tasks: Vec<ConnectorTaskId> = self.running_tasks.keys().cloned().collect();
        self.stop_tasks(tasks, true).await;
        let connectors: Vec<String> = self.running_connectors.iter().cloned().collect();
        for c in connectors {
            self.stop_connector(&c, true).await;
        }
        if let Err(e) = self.worker.ask(StopAll).await {
            tracing::error!(error = %e, "the worker did not stop");
        }
        let _ = self.worker.stop_gracefully().await;
        self.worker.wait_for_shutdown().await;
        self.member_shutdown.cancel();
        if let Some(done) = self.member_done.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), done).await;
        }
        if let Err(e) = self.status_store.flush().await {
            tracing::warn!(error = %e, "flushing statuses failed");
        }
    }
}
