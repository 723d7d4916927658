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
use std::ops::ControlFlow;

use kameo::actor::{ActorId, ActorRef, Spawn, WeakActorRef};
use kameo::error::ActorStopReason;
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::connector::Props;
use crate::rest::internal_request_signature as signature;
use crate::runtime::config::worker::DistributedSettings;
use crate::runtime::plugins::find_connector;
use crate::runtime::status::{ConnectorTaskId, State, TargetState};
use crate::runtime::storage::config::{ConfigBackingStore, KafkaConfigBackingStore};
use crate::runtime::storage::config_records::{RestartRequest, SessionKey};
use crate::runtime::storage::config_state::{ClusterConfigState, ConfigUpdate};
use crate::runtime::task_builder::TaskEnvironment;
use crate::runtime::worker::{
    connector_task_configs, SetConnectorTarget, StartConnector, StartTask, StopAndAwaitConnector,
    StopAndAwaitTasks, Worker,
};

use super::coordinator::{AssignmentChange, OwnerUrls};
use super::member::{MemberFactory, Run, WorkerGroupMember};
use super::protocol::{ConnectProtocolCompatibility, ConnectorsAndTasks};
use crate::runtime::herder::requests::*;

/// First wait before sending task configs to the leader again after a
/// failure (Java's `RECONFIGURE_CONNECTOR_TASKS_BACKOFF_INITIAL_MS`).
mod requests;

const RECONFIGURE_BACKOFF: Duration = Duration::from_millis(250);
/// Longest such wait (Java's `RECONFIGURE_CONNECTOR_TASKS_BACKOFF_MAX_MS`).
const RECONFIGURE_BACKOFF_MAX: Duration = Duration::from_secs(60);
/// Wait before writing a session key again after a failure.
const KEY_RETRY_BACKOFF: Duration = Duration::from_secs(1);
/// Wait before replacing a group member that died.
const MEMBER_RESTART_BACKOFF: Duration = Duration::from_secs(1);

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

/// What this worker did with an assigned connector.
#[derive(Debug, Clone, PartialEq)]
struct ConnectorRun {
    config: Props,
    target: TargetState,
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
    /// Assigned connectors this worker has acted on, with the config and
    /// target state it acted on (STOPPED: not started in the worker).
    connectors: BTreeMap<String, ConnectorRun>,
    /// Assigned tasks this worker started (or tried to), with their config.
    tasks: BTreeMap<ConnectorTaskId, Props>,
    /// The target state the worker's tasks of each connector were given.
    task_targets: BTreeMap<String, TargetState>,
    /// Asks the group member for a rebalance.
    rejoin: mpsc::UnboundedSender<()>,
    /// Builds the group member (again, when one dies).
    member_factory: MemberFactory,
    /// The group member actor (linked: supervised by this herder) and the
    /// token that makes it leave.
    group_member: Option<(ActorRef<WorkerGroupMember>, CancellationToken)>,
    /// Set by `Shutdown`: nothing starts any more.
    stopping: bool,
    session_key: Option<SessionKey>,
    /// Failed attempts to send each connector's task configs, for backoff.
    reconfigure_attempts: BTreeMap<String, u32>,
    /// Connectors with a reconfiguration retry scheduled.
    retry_pending: BTreeSet<String>,
    /// Numbers the session key checks scheduled; only the newest runs.
    key_check: u64,
    me: Option<WeakActorRef<DistributedHerder>>,
}

/// What [`DistributedHerder::new`] needs.
pub struct DistributedHerderParts {
    pub worker: ActorRef<Worker>,
    pub env: TaskEnvironment,
    pub config_store: Arc<KafkaConfigBackingStore>,
    pub status_store: Arc<crate::runtime::storage::kafka_status::KafkaStatusBackingStore>,
    pub settings: DistributedSettings,
    pub member_factory: MemberFactory,
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
            connectors: BTreeMap::new(),
            tasks: BTreeMap::new(),
            task_targets: BTreeMap::new(),
            // Replaced by the member's when it starts (`on_start`).
            rejoin: mpsc::unbounded_channel().0,
            member_factory: parts.member_factory,
            group_member: None,
            stopping: false,
            session_key,
            reconfigure_attempts: BTreeMap::new(),
            retry_pending: BTreeSet::new(),
            key_check: 0,
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
        connector_info(&self.snapshot, name)
    }

    // ---- bringing what runs in line with the config and assignment ----

    /// Starts, stops and restarts this worker's connectors and tasks so that
    /// they match the assignment and the config snapshot, and asks for a
    /// rebalance when the set of connectors or tasks changed since
    /// `previous` (Java's `tick` processing config updates). Idempotent:
    /// whatever was missed is caught up by the next call.
    async fn reconcile(&mut self, previous: &ClusterConfigState) {
        if self.stopping {
            return;
        }
        if assignable(previous) != assignable(&self.snapshot) {
            self.request_rejoin();
        }
        if self.member.is_leader {
            // Statuses of what no longer exists (Java's DESTROYED).
            for c in previous.connectors() {
                if !self.snapshot.contains(&c) {
                    self.env.statuses.remove_connector(&c);
                } else if self.snapshot.task_count(&c) < previous.task_count(&c) {
                    self.env
                        .statuses
                        .remove_tasks_from(&c, self.snapshot.task_count(&c));
                }
            }
        }
        let names: BTreeSet<String> = self
            .assigned
            .connectors
            .iter()
            .chain(self.connectors.keys())
            .cloned()
            .collect();
        for name in names {
            self.reconcile_connector(&name).await;
        }
        let ids: BTreeSet<ConnectorTaskId> = self
            .assigned
            .tasks
            .iter()
            .chain(self.tasks.keys())
            .cloned()
            .collect();
        for id in ids {
            self.reconcile_task(&id).await;
        }
        let with_tasks: BTreeSet<String> =
            self.tasks.keys().map(|id| id.connector.clone()).collect();
        for c in with_tasks {
            let target = self.target_state(&c);
            if self.task_targets.get(&c) != Some(&target) {
                let _ = self
                    .worker
                    .ask(SetConnectorTarget {
                        name: c.clone(),
                        target,
                    })
                    .await;
                self.task_targets.insert(c, target);
            }
        }
        self.task_targets
            .retain(|c, _| self.tasks.keys().any(|id| id.connector == *c));
    }

    async fn reconcile_connector(&mut self, name: &str) {
        let desired = self
            .snapshot
            .connector_config(name)
            .filter(|_| self.assigned.connectors.contains(name))
            .map(|config| ConnectorRun {
                config: config.clone(),
                target: self.target_state(name),
            });
        let current = self.connectors.get(name).cloned();
        match (current, desired) {
            (None, None) => {}
            (Some(_), None) => self.stop_connector(name, false).await,
            (None, Some(want)) => self.start_connector(name, want).await,
            (Some(have), Some(want)) if have == want => {}
            (Some(have), Some(want)) => {
                let config_changed = have.config != want.config;
                match (have.target, want.target) {
                    (_, TargetState::Stopped) => {
                        self.stop_connector(name, false).await;
                        self.env.statuses.put_connector(name, State::Stopped, None);
                        self.connectors.insert(name.to_string(), want);
                    }
                    (TargetState::Stopped, _) => self.start_connector(name, want).await,
                    _ if config_changed => {
                        tracing::info!(
                            connector = name,
                            "connector config changed; restarting the connector"
                        );
                        self.stop_connector(name, false).await;
                        self.start_connector(name, want).await;
                    }
                    (_, target) => {
                        let state = if target == TargetState::Paused {
                            State::Paused
                        } else {
                            State::Running
                        };
                        self.env.statuses.put_connector(name, state, None);
                        self.connectors.insert(name.to_string(), want);
                    }
                }
            }
        }
    }

    async fn reconcile_task(&mut self, id: &ConnectorTaskId) {
        let c = &id.connector;
        let desired = self
            .snapshot
            .task_config(id)
            .filter(|_| {
                self.assigned.tasks.contains(id)
                    && self.target_state(c) != TargetState::Stopped
                    && !self.snapshot.is_inconsistent(c)
                    && id.task < self.snapshot.task_count(c)
            })
            .cloned();
        match (self.tasks.get(id).cloned(), desired) {
            (Some(_), None) => self.stop_tasks(vec![id.clone()], false).await,
            (Some(have), Some(want)) if have != want => {
                tracing::info!(task = %id, "task config changed; restarting the task");
                self.stop_tasks(vec![id.clone()], false).await;
                self.start_task(id, want).await;
            }
            (None, Some(want)) => self.start_task(id, want).await,
            _ => {}
        }
    }

    /// Starts a connector (or notes it STOPPED) and, once it runs, has its
    /// task configs generated.
    async fn start_connector(&mut self, name: &str, run: ConnectorRun) {
        if run.target == TargetState::Stopped {
            self.env.statuses.put_connector(name, State::Stopped, None);
            self.connectors.insert(name.to_string(), run);
            return;
        }
        let started = self
            .worker
            .ask(StartConnector {
                name: name.to_string(),
                config: run.config.clone(),
                target: run.target,
            })
            .await
            .unwrap_or(false);
        // Noted even when it failed: it stays FAILED until restarted or
        // reconfigured, as in Java.
        self.connectors.insert(name.to_string(), run);
        if started {
            self.reconfigure_connector(name).await;
        }
    }

    /// Stops a connector; `unassigned` writes its UNASSIGNED status (a
    /// rebalance moved it; not on delete or stop).
    async fn stop_connector(&mut self, name: &str, unassigned: bool) {
        let Some(run) = self.connectors.remove(name) else {
            return;
        };
        if run.target != TargetState::Stopped {
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

    async fn start_task(&mut self, id: &ConnectorTaskId, props: Props) {
        let Some(config) = self.snapshot.connector_config(&id.connector).cloned() else {
            return;
        };
        let target = self.target_state(&id.connector);
        let start = StartTask {
            id: id.clone(),
            config,
            task_props: props.clone(),
            target,
        };
        if let Err(e) = self.worker.ask(start).await {
            tracing::error!(task = %id, error = %e, "the worker did not start a task");
        }
        // Noted even when it failed to start (FAILED until restarted).
        self.tasks.insert(id.clone(), props);
        self.task_targets.insert(id.connector.clone(), target);
    }

    /// Stops tasks (each commits its offsets first); `unassigned` writes
    /// their UNASSIGNED statuses.
    async fn stop_tasks(&mut self, ids: Vec<ConnectorTaskId>, unassigned: bool) {
        let ids: Vec<ConnectorTaskId> = ids
            .into_iter()
            .filter(|id| self.tasks.remove(id).is_some())
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
        if self.stopping {
            return;
        }
        let Some(run) = self.connectors.get(name) else {
            return;
        };
        if run.target == TargetState::Stopped {
            return;
        }
        let config = run.config.clone();
        let generated = match connector_task_configs(&self.worker, name, &config).await {
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

    /// Writes task configs (the leader) or sends them to the leader; a
    /// failure tries again after a growing delay.
    async fn write_task_configs(&mut self, name: &str, configs: Vec<Props>) {
        if self.member.is_leader {
            match self.config_store.put_task_configs(name, &configs).await {
                Ok(()) => {
                    self.reconfigure_attempts.remove(name);
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
        if !self.retry_pending.insert(name.to_string()) {
            return; // one retry at a time per connector
        }
        let attempts = self
            .reconfigure_attempts
            .entry(name.to_string())
            .or_insert(0);
        *attempts += 1;
        let delay = RECONFIGURE_BACKOFF
            .saturating_mul(1 << (*attempts - 1).min(8))
            .min(RECONFIGURE_BACKOFF_MAX);
        self.tell_later(delay, RetryReconfigure(name.to_string()));
    }

    /// Sends this herder `msg` after `delay` (a timer, not a wait).
    fn tell_later<M>(&self, delay: Duration, msg: M)
    where
        M: Send + 'static,
        DistributedHerder: Message<M>,
    {
        let Some(me) = self.me.clone() else { return };
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(me) = me.upgrade() {
                let _ = me.tell(msg).await;
            }
        });
    }

    // ---- config topic updates ---------------------------------------

    async fn on_config_update(&mut self, update: ConfigUpdate) {
        let previous = std::mem::replace(&mut self.snapshot, self.config_store.snapshot());
        match update {
            ConfigUpdate::RestartRequested(request) => self.on_restart_request(&request).await,
            ConfigUpdate::SessionKeyChanged(key) => self.session_key = Some(key),
            ConfigUpdate::LoggerLevel { namespace, level } => {
                if let Some(level) = crate::runtime::loggers::Level::parse(&level) {
                    crate::runtime::loggers::Loggers::global().set_level(&namespace, level);
                }
            }
            ConfigUpdate::ConnectorConfigUpdated(_)
            | ConfigUpdate::ConnectorConfigRemoved(_)
            | ConfigUpdate::TasksCommitted(_)
            | ConfigUpdate::TargetStateChanged(_) => {}
        }
        self.reconcile(&previous).await;
    }

    /// Restarts what this worker runs of a restart request (Java's
    /// `doRestartConnectorAndTasks` on a `RestartPlan`).
    async fn on_restart_request(&mut self, request: &RestartRequest) {
        let name = &request.connector;
        if !self.snapshot.contains(name) {
            return;
        }
        let failed =
            |s: Option<crate::runtime::status::Status>| s.is_some_and(|s| s.state == State::Failed);
        let restart_connector = self.connectors.contains_key(name)
            && (!request.only_failed || failed(self.env.statuses.connector(name)));
        let tasks: Vec<ConnectorTaskId> = if request.include_tasks {
            self.tasks
                .keys()
                .filter(|id| id.connector == *name)
                .filter(|id| !request.only_failed || failed(self.env.statuses.task(id)))
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
            self.restart_connector(name).await;
        }
        for id in tasks {
            self.restart_task(&id).await;
        }
    }

    /// Stops the connector and starts it again from the current config (a
    /// connector that never started is started).
    async fn restart_connector(&mut self, name: &str) {
        self.stop_connector(name, false).await;
        self.reconcile_connector(name).await;
    }

    /// Stops the task and starts it again from the current config (a task
    /// assigned but not running is started).
    async fn restart_task(&mut self, id: &ConnectorTaskId) {
        self.stop_tasks(vec![id.clone()], false).await;
        self.reconcile_task(id).await;
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
        if let Some(k) = self.session_key.as_ref() {
            let expires = k.creation_timestamp + ttl;
            if expires > now {
                self.schedule_key_check(Duration::from_millis((expires - now) as u64));
                return;
            }
        }
        let bytes = self.settings.inter_worker_key_size.unwrap_or(256).max(40) as usize / 8;
        let key = SessionKey {
            key: (0..bytes).map(|_| rand::random::<u8>()).collect(),
            algorithm: self.settings.inter_worker_key_generation_algorithm.clone(),
            creation_timestamp: now,
        };
        match self.config_store.put_session_key(&key).await {
            Ok(()) => {
                self.session_key = Some(key);
                self.schedule_key_check(Duration::from_millis(ttl.max(0) as u64));
            }
            Err(e) => {
                tracing::error!(error = %e, "writing the session key failed; trying again");
                self.schedule_key_check(KEY_RETRY_BACKOFF);
            }
        }
    }

    /// Checks the session key again after `delay` (only the newest timer
    /// counts).
    fn schedule_key_check(&mut self, delay: Duration) {
        self.key_check += 1;
        self.tell_later(delay, CheckSessionKey(self.key_check));
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

/// Java's `ConnectorInfo` of `name` in `state`.
fn connector_info(state: &ClusterConfigState, name: &str) -> Result<ConnectorInfo, HerderError> {
    let config = state
        .connector_config(name)
        .cloned()
        .ok_or_else(|| HerderError::NotFound(name.to_string()))?;
    Ok(ConnectorInfo {
        name: name.to_string(),
        tasks: state.tasks(name),
        type_: connector_type(&config),
        config,
    })
}

/// What the assignors distribute: each connector with its task count.
fn assignable(state: &ClusterConfigState) -> BTreeMap<String, usize> {
    state
        .connectors()
        .into_iter()
        .map(|c| {
            let n = state.tasks(&c).len();
            (c, n)
        })
        .collect()
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
        args.start_group_member(&me).await;
        Ok(args)
    }

    /// Supervision of the group member: one that died other than by
    /// leaving is replaced; what this worker ran is stopped first, as it
    /// may no longer be a member (the others take it over).
    async fn on_link_died(
        &mut self,
        _me: WeakActorRef<Self>,
        id: ActorId,
        reason: ActorStopReason,
    ) -> Result<ControlFlow<ActorStopReason>, Self::Error> {
        let ours = self
            .group_member
            .as_ref()
            .is_some_and(|(m, _)| m.id() == id);
        if !ours || self.stopping || matches!(reason, ActorStopReason::Normal) {
            return Ok(ControlFlow::Continue(()));
        }
        tracing::error!(%reason, "the Connect group member died; stopping this worker's work and joining again");
        let everything = ConnectorsAndTasks {
            connectors: self.connectors.keys().cloned().collect(),
            tasks: self.tasks.keys().cloned().collect(),
        };
        self.revoke(&everything).await;
        self.assigned = ConnectorsAndTasks::default();
        self.member = MemberView::default();
        self.group_member = None;
        self.tell_later(MEMBER_RESTART_BACKOFF, RestartGroupMember);
        Ok(ControlFlow::Continue(()))
    }
}

impl DistributedHerder {
    async fn start_group_member(&mut self, me: &ActorRef<Self>) {
        let new = self.member_factory.create(me.clone());
        let member = WorkerGroupMember::spawn_link(me, new.member).await;
        if let Err(e) = member.tell(Run).await {
            tracing::error!(error = %e, "the Connect group member did not start");
        }
        self.rejoin = new.rejoin;
        self.group_member = Some((member, new.shutdown));
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
        if change.assignment.failed() || change.assignment.config_offset > self.snapshot.offset {
            // Java's CONFIG_MISMATCH handling: read the config topic to its
            // end before acting (or rejoining).
            let timeout = Duration::from_millis(self.settings.worker_sync_timeout_ms.max(0) as u64);
            if let Err(e) = self.config_store.refresh(timeout).await {
                // Not acting on configs older than the leader's: what was
                // revoked stops, nothing starts, and the worker rejoins.
                tracing::warn!(error = %e, "could not read the config topic to its end; rejoining");
                if !change.assignment.failed() {
                    self.revoke(&change.revoked).await;
                    let mut running = change.running.clone();
                    running.remove_all(&change.assigned);
                    self.assigned = running;
                }
                self.tell_later(MEMBER_RESTART_BACKOFF, RequestRejoin);
                return;
            }
        }
        let previous = std::mem::replace(&mut self.snapshot, self.config_store.snapshot());
        if change.assignment.failed() {
            tracing::info!(
                generation = change.generation,
                "the leader's config was behind ours (CONFIG_MISMATCH); rejoining"
            );
        } else {
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
            if self.member.is_leader {
                // Statuses of connectors deleted while no one led.
                for c in self.status_store.connectors() {
                    if !self.snapshot.contains(&c) {
                        self.env.statuses.remove_connector(&c);
                    }
                }
            }
        }
        self.reconcile(&previous).await;
    }
}

/// Has the group member leave the group (after [`Shutdown`]); answers the
/// member actor, to wait for.
pub struct LeaveGroup;

impl Message<LeaveGroup> for DistributedHerder {
    type Reply = Option<ActorRef<WorkerGroupMember>>;

    async fn handle(
        &mut self,
        _msg: LeaveGroup,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        self.stopping = true;
        let (member, shutdown) = self.group_member.take()?;
        shutdown.cancel();
        Some(member)
    }
}

/// Asks the group member for a rebalance.
struct RequestRejoin;

impl Message<RequestRejoin> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, _msg: RequestRejoin, _ctx: &mut Context<Self, ()>) {
        self.request_rejoin();
    }
}

/// Replaces a group member that died.
struct RestartGroupMember;

impl Message<RestartGroupMember> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, _msg: RestartGroupMember, ctx: &mut Context<Self, ()>) {
        if !self.stopping && self.group_member.is_none() {
            self.start_group_member(ctx.actor_ref()).await;
        }
    }
}

/// Rotates the session key when due (Java's `checkForKeyRotation`).
struct CheckSessionKey(u64);

impl Message<CheckSessionKey> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: CheckSessionKey, _ctx: &mut Context<Self, ()>) {
        if msg.0 == self.key_check && !self.stopping {
            self.ensure_session_key().await;
        }
    }
}

/// A scheduled retry of sending a connector's task configs.
struct RetryReconfigure(String);

impl Message<RetryReconfigure> for DistributedHerder {
    type Reply = ();

    async fn handle(&mut self, msg: RetryReconfigure, _ctx: &mut Context<Self, ()>) {
        self.retry_pending.remove(&msg.0);
        self.reconfigure_connector(&msg.0).await;
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
        } else if self.connectors.contains_key(&msg.connector) {
            self.retry_reconfigure(&msg.connector);
        }
    }
}
