//! A Connect worker's membership in its group (Java's `WorkerCoordinator`,
//! with the parts of `WorkerGroupMember` and `DistributedHerder` that only
//! concern the group): joins with protocol type "connect" and the protocols
//! of `connect.protocol`, runs the assignor of the protocol the group chose
//! when it leads, decodes its assignment, and keeps what the worker runs so
//! it can report it in the next join (v1/v2 `allocation`).
//!
//! A plain async struct, driven by its owner (the DistributedHerder, as
//! Java's herder thread drives `WorkerGroupMember.poll`): heartbeats run on
//! the membership's own task and only raise flags, so the owner decides when
//! to rejoin ([`WorkerCoordinator::rejoin_needed`],
//! [`WorkerCoordinator::wait_for_rejoin`]) and calls
//! [`WorkerCoordinator::ensure_active`], which returns what to stop and what
//! to start.
//!
//! A round, as the owner drives it: when `rejoin_needed()`, call
//! `ensure_coordinator()` (stop what it returns: the coordinator could not
//! be reached, so this worker may no longer be a member), then
//! `revoke_for_rejoin()` and stop what it returns (everything, with the
//! eager protocol; nothing with the cooperative ones), then
//! `ensure_active(config)` and apply the change (stop `revoked`, start
//! `assigned`). What the owner still does, as Java's herder does: on a
//! failed assignment (CONFIG_MISMATCH) or an assignment at a config offset
//! it has not read, read the config topic to the end before acting on it
//! or rejoining.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::assignor::{AssignmentContext, ConfigSnapshot, ConnectAssignor, EagerAssignor};
use super::incremental_cooperative_assignor::IncrementalCooperativeAssignor;
use super::protocol::{
    metadata_request, ConnectProtocolCompatibility, ConnectorsAndTasks, ExtendedAssignment,
    SchemaError, WorkerState, PROTOCOL_TYPE,
};
use crate::kafka::cluster::Cluster;
use crate::kafka::error::ErrorCode;
use crate::kafka::group::membership::{GroupConfig, GroupMembership, JoinedMember};
use crate::runtime::config::worker::{ConnectProtocol, DistributedSettings};
use crate::runtime::status::ConnectorTaskId;

/// What can go wrong while taking part in the group.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kafka(#[from] crate::kafka::error::Error),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error("the group chose protocol {0:?}, which this worker did not offer")]
    UnknownProtocol(String),
}

/// Settings of a worker's membership (from the distributed worker config).
#[derive(Debug, Clone)]
pub struct WorkerCoordinatorConfig {
    /// `group.id`.
    pub group_id: String,
    /// `session.timeout.ms`.
    pub session_timeout: Duration,
    /// `rebalance.timeout.ms`.
    pub rebalance_timeout: Duration,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval: Duration,
    /// The URL other workers reach this one's REST API at.
    pub rest_url: String,
    /// `connect.protocol`.
    pub protocol: ConnectProtocolCompatibility,
    /// `scheduled.rebalance.max.delay.ms`.
    pub scheduled_rebalance_max_delay: Duration,
}

impl WorkerCoordinatorConfig {
    /// From a distributed worker's settings, with the REST URL it
    /// advertises (`RestServer.advertisedUrl`).
    pub fn from_settings(settings: &DistributedSettings, rest_url: impl Into<String>) -> Self {
        let millis = |ms: i32| Duration::from_millis(ms.max(0) as u64);
        WorkerCoordinatorConfig {
            group_id: settings.group_id.clone(),
            session_timeout: millis(settings.session_timeout_ms),
            rebalance_timeout: millis(settings.rebalance_timeout_ms),
            heartbeat_interval: millis(settings.heartbeat_interval_ms),
            rest_url: rest_url.into(),
            protocol: match settings.connect_protocol {
                ConnectProtocol::Eager => ConnectProtocolCompatibility::Eager,
                ConnectProtocol::Compatible => ConnectProtocolCompatibility::Compatible,
                ConnectProtocol::Sessioned => ConnectProtocolCompatibility::Sessioned,
            },
            scheduled_rebalance_max_delay: millis(settings.scheduled_rebalance_max_delay_ms),
        }
    }
}

/// Where the worker's config comes from: the config backing store's current
/// snapshot (Java's `configStorage.snapshot()`). Called when joining, and
/// again by the leader when a member has read further than it.
pub trait ConfigSnapshotSource: Send + Sync {
    fn snapshot(&self) -> ConfigSnapshot;
}

impl<F: Fn() -> ConfigSnapshot + Send + Sync> ConfigSnapshotSource for F {
    fn snapshot(&self) -> ConfigSnapshot {
        self()
    }
}

/// What one completed rebalance means for this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentChange {
    pub generation: i32,
    pub member_id: String,
    /// The protocol the group chose.
    pub protocol: ConnectProtocolCompatibility,
    /// The assignment as the leader sent it (v1/v2: incremental).
    pub assignment: ExtendedAssignment,
    /// What to stop now: eager, everything run before the rebalance;
    /// incremental, what the leader revoked.
    pub revoked: ConnectorsAndTasks,
    /// What to start now.
    pub assigned: ConnectorsAndTasks,
    /// Everything this worker runs once the change is applied.
    pub running: ConnectorsAndTasks,
}

/// Where each connector and task runs, as REST URLs (the leader's view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerUrls {
    pub connectors: BTreeMap<String, String>,
    pub tasks: BTreeMap<ConnectorTaskId, String>,
}

/// Who runs what, known to the leader (Java's `LeaderState`).
#[derive(Debug, Clone, Default)]
struct LeaderState {
    /// Member id -> REST URL.
    urls: BTreeMap<String, String>,
    connector_owners: BTreeMap<String, String>,
    task_owners: BTreeMap<ConnectorTaskId, String>,
}

/// A worker's membership in the Connect group.
pub struct WorkerCoordinator {
    membership: GroupMembership,
    config: WorkerCoordinatorConfig,
    eager_assignor: EagerAssignor,
    /// Keeps its state across rounds while this worker leads.
    incremental_assignor: IncrementalCooperativeAssignor,
    /// What this worker runs (the last assignment with revocations applied
    /// and earlier assignments folded in); `None` before the first one and
    /// after an eager revocation. Sent as the v1/v2 allocation.
    assignment_snapshot: Option<ExtendedAssignment>,
    /// The protocol chosen in the last completed join.
    current_protocol: ConnectProtocolCompatibility,
    /// The generation of the last completed join (-1 if none).
    last_completed_generation: i32,
    /// Set when this worker led the last round.
    leader_state: Option<LeaderState>,
    /// When the leader asked us to rejoin (an assignment's `delay`).
    scheduled_rebalance: Option<Instant>,
    /// A rejoin asked for by the owner or after revocations.
    rejoin_requested: bool,
    /// Eagerly revoked work not yet reported (a join may fail after the
    /// revocation).
    unreported_revoked: ConnectorsAndTasks,
    /// Origin of the assignor's millisecond clock.
    clock_origin: Instant,
}

impl WorkerCoordinator {
    pub fn new(cluster: Arc<Cluster>, config: WorkerCoordinatorConfig) -> WorkerCoordinator {
        let membership = GroupMembership::new(
            cluster,
            GroupConfig {
                group_id: config.group_id.clone(),
                protocol_type: PROTOCOL_TYPE.to_string(),
                session_timeout: config.session_timeout,
                rebalance_timeout: config.rebalance_timeout,
                heartbeat_interval: config.heartbeat_interval,
                // Connect does not support static membership.
                group_instance_id: None,
            },
        );
        let max_delay = config
            .scheduled_rebalance_max_delay
            .as_millis()
            .min(i32::MAX as u128) as i32;
        WorkerCoordinator {
            membership,
            eager_assignor: EagerAssignor,
            incremental_assignor: IncrementalCooperativeAssignor::new(max_delay),
            assignment_snapshot: None,
            current_protocol: config.protocol,
            last_completed_generation: -1,
            leader_state: None,
            scheduled_rebalance: None,
            rejoin_requested: false,
            unreported_revoked: ConnectorsAndTasks::default(),
            clock_origin: Instant::now(),
            config,
        }
    }

    /// Whether the owner must call [`ensure_active`](Self::ensure_active):
    /// never joined, the last assignment failed, the heartbeat saw a
    /// rebalance or lost the membership, a rejoin was requested, or the
    /// leader's scheduled rebalance is due.
    pub fn rejoin_needed(&self) -> bool {
        self.membership.needs_rejoin()
            || self.rejoin_requested
            || self.assignment_snapshot.as_ref().is_none_or(|a| a.failed())
            || self
                .scheduled_rebalance
                .is_some_and(|at| Instant::now() >= at)
    }

    /// Resolves once [`rejoin_needed`](Self::rejoin_needed) holds.
    pub async fn wait_for_rejoin(&self) {
        while !self.rejoin_needed() {
            match self.scheduled_rebalance {
                Some(at) => {
                    tokio::select! {
                        _ = self.membership.changed() => {}
                        _ = tokio::time::sleep_until(at.into()) => {}
                    }
                }
                None => self.membership.changed().await,
            }
        }
    }

    /// Asks for a rebalance at the next [`ensure_active`](Self::ensure_active).
    pub fn request_rejoin(&mut self) {
        self.rejoin_requested = true;
        self.membership.request_rejoin();
    }

    /// Joins (or rejoins) the group and returns what changed for this worker.
    /// Retries until a generation completes or an error is not retriable.
    pub async fn ensure_active(
        &mut self,
        config: &dyn ConfigSnapshotSource,
    ) -> Result<AssignmentChange, Error> {
        self.on_join_prepare();
        loop {
            let snapshot = config.snapshot();
            let state = WorkerState {
                url: self.config.rest_url.clone(),
                config_offset: snapshot.offset,
                allocation: self.assignment_snapshot.clone(),
            };
            let protocols = metadata_request(self.config.protocol, &state);
            let join = self.membership.join(&protocols).await?;
            let protocol = ConnectProtocolCompatibility::from_protocol(&join.protocol)
                .filter(|p| self.config.protocol.offered().contains(p))
                .ok_or_else(|| Error::UnknownProtocol(join.protocol.clone()))?;
            let assignments = if join.is_leader() {
                self.on_leader_elected(
                    &join.leader_id,
                    protocol,
                    join.generation,
                    &join.members,
                    snapshot,
                    config,
                )?
            } else {
                self.leader_state = None;
                Vec::new()
            };
            let bytes = match self.membership.sync(&join, assignments).await {
                Ok(b) => b,
                Err(e)
                    if e.is_retriable()
                        || matches!(
                            e.code(),
                            Some(
                                ErrorCode::RebalanceInProgress
                                    | ErrorCode::UnknownMemberId
                                    | ErrorCode::IllegalGeneration
                            )
                        ) =>
                {
                    tracing::debug!(group = %self.config.group_id, error = %e, "SyncGroup failed; rejoining");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let assignment = ExtendedAssignment::decode(&bytes)?;
            return Ok(self.on_join_complete(
                join.generation,
                join.member_id,
                protocol,
                assignment,
            ));
        }
    }

    /// Makes sure the group coordinator can be reached, waiting at most one
    /// heartbeat interval (Java's `WorkerCoordinator.poll` on an unknown
    /// coordinator). When it cannot, this worker may already be out of the
    /// group while the others take over its work: everything it runs is
    /// revoked at once and returned for the owner to stop, and the next
    /// [`ensure_active`](Self::ensure_active) starts from nothing. `None`
    /// when the coordinator is reachable or there was nothing to revoke.
    pub async fn ensure_coordinator(&mut self) -> Option<ConnectorsAndTasks> {
        let found = tokio::time::timeout(
            self.config.heartbeat_interval,
            self.membership.coordinator(),
        )
        .await;
        if matches!(found, Ok(Ok(_))) {
            return None;
        }
        let mut revoked = std::mem::take(&mut self.unreported_revoked);
        if self
            .assignment_snapshot
            .as_ref()
            .is_some_and(|a| !a.failed())
        {
            if let Some(a) = self.assignment_snapshot.take() {
                revoked.add_all(&a.assigned);
            }
        }
        if revoked.is_empty() {
            return None;
        }
        tracing::info!(
            group = %self.config.group_id,
            unreachable_for = ?self.config.heartbeat_interval,
            ?revoked,
            "group coordinator unreachable; revoking the assignment so as not to run \
             connectors and tasks while not a member of the group"
        );
        self.leader_state = None;
        Some(revoked)
    }

    /// Before a rejoin with the eager protocol, everything this worker runs
    /// must stop before it joins, so that no connector or task runs twice
    /// once the leader hands it to another worker (Java's `onJoinPrepare`
    /// calling `onRevoked`). Returns that set (empty with the cooperative
    /// protocols, which keep running until told otherwise); the owner stops
    /// it, then calls [`ensure_active`](Self::ensure_active), whose change
    /// does not list it again. An owner that skips this gets the set as
    /// revoked in the change instead.
    pub fn revoke_for_rejoin(&mut self) -> ConnectorsAndTasks {
        if self.current_protocol != ConnectProtocolCompatibility::Eager {
            return ConnectorsAndTasks::default();
        }
        let mut revoked = std::mem::take(&mut self.unreported_revoked);
        if let Some(a) = self.assignment_snapshot.take() {
            if !a.failed() {
                revoked.add_all(&a.assigned);
            }
        }
        revoked
    }

    /// Before joining (Java's `onJoinPrepare`).
    fn on_join_prepare(&mut self) {
        self.leader_state = None;
        let revoked = self.revoke_for_rejoin();
        self.unreported_revoked.add_all(&revoked);
    }

    fn on_leader_elected(
        &mut self,
        leader_id: &str,
        protocol: ConnectProtocolCompatibility,
        generation: i32,
        members: &[JoinedMember],
        snapshot: ConfigSnapshot,
        config: &dyn ConfigSnapshotSource,
    ) -> Result<Vec<(String, Bytes)>, Error> {
        let mut states = BTreeMap::new();
        for m in members {
            states.insert(m.member_id.clone(), WorkerState::decode(&m.metadata)?);
        }
        let max_offset = states.values().map(|s| s.config_offset).max();
        // Behind a member: a fresh snapshot may already have caught up
        // (Java's `ensureLeaderConfig`).
        let snapshot = match max_offset {
            Some(max) if snapshot.offset < max => config.snapshot(),
            _ => snapshot,
        };
        let ctx = AssignmentContext {
            leader_id,
            protocol_version: protocol.protocol_version(),
            members: &states,
            snapshot: &snapshot,
            generation,
            last_completed_generation: self.last_completed_generation,
            now_ms: self.clock_origin.elapsed().as_millis() as i64 + 1,
        };
        let out = match protocol {
            ConnectProtocolCompatibility::Eager => self.eager_assignor.perform_assignment(&ctx),
            _ => self.incremental_assignor.perform_assignment(&ctx),
        };
        let mut leader = LeaderState {
            urls: states
                .iter()
                .map(|(m, s)| (m.clone(), s.url.clone()))
                .collect(),
            ..Default::default()
        };
        for (member, set) in &out.all_assigned {
            for c in &set.connectors {
                leader.connector_owners.insert(c.clone(), member.clone());
            }
            for t in &set.tasks {
                leader.task_owners.insert(t.clone(), member.clone());
            }
        }
        self.leader_state = Some(leader);
        tracing::debug!(group = %self.config.group_id, generation, assignments = ?out.assignments, "assigned as leader");
        Ok(out
            .assignments
            .into_iter()
            .map(|(m, a)| (m, a.encode()))
            .collect())
    }

    /// Applies the leader's answer (Java's `onJoinComplete`).
    fn on_join_complete(
        &mut self,
        generation: i32,
        member_id: String,
        protocol: ConnectProtocolCompatibility,
        assignment: ExtendedAssignment,
    ) -> AssignmentChange {
        self.current_protocol = protocol;
        self.rejoin_requested = false;
        self.last_completed_generation = generation;
        self.scheduled_rebalance = (assignment.delay > 0)
            .then(|| Instant::now() + Duration::from_millis(assignment.delay as u64));
        let unreported = std::mem::take(&mut self.unreported_revoked);
        let previous = self.assignment_snapshot.take().map(|a| a.assigned);
        let (revoked, assigned, running) =
            apply_assignment(previous, unreported, protocol, &assignment);
        if protocol != ConnectProtocolCompatibility::Eager && !assignment.revoked.is_empty() {
            // The revoked work moves in the next round, which the members
            // trigger by rejoining once they stopped it.
            self.rejoin_requested = true;
        }
        self.assignment_snapshot = Some(ExtendedAssignment {
            assigned: running.clone(),
            revoked: ConnectorsAndTasks::default(),
            ..assignment.clone()
        });
        tracing::info!(
            group = %self.config.group_id,
            generation,
            %protocol,
            leader = %assignment.leader,
            error = assignment.error,
            config_offset = assignment.config_offset,
            delay = assignment.delay,
            assigned = ?assigned,
            revoked = ?revoked,
            "joined group"
        );
        AssignmentChange {
            generation,
            member_id,
            protocol,
            assignment,
            revoked,
            assigned,
            running,
        }
    }

    /// Leaves the group (best effort), so that the others rebalance at once
    /// instead of waiting for the session to expire. The owner stops what
    /// it runs.
    pub async fn leave(&mut self) {
        self.membership.leave().await;
        self.assignment_snapshot = None;
        self.leader_state = None;
        self.scheduled_rebalance = None;
        self.unreported_revoked = ConnectorsAndTasks::default();
    }

    /// What this worker runs, with the leader and config offset of the last
    /// assignment; `None` before the first one.
    pub fn assignment(&self) -> Option<&ExtendedAssignment> {
        self.assignment_snapshot.as_ref()
    }

    /// (member id, generation) while a generation is current.
    pub fn generation(&self) -> Option<(String, i32)> {
        self.membership.generation()
    }

    /// The protocol of the last completed join (before any: the configured
    /// one).
    pub fn current_protocol(&self) -> ConnectProtocolCompatibility {
        self.current_protocol
    }

    /// Whether this worker led the last completed round.
    pub fn is_leader(&self) -> bool {
        match (&self.assignment_snapshot, self.membership.generation()) {
            (Some(a), Some((member, _))) => a.leader == member,
            _ => false,
        }
    }

    /// The leader's REST URL from the last assignment.
    pub fn leader_url(&self) -> Option<&str> {
        self.assignment_snapshot
            .as_ref()
            .map(|a| a.leader_url.as_str())
    }

    /// As leader between rebalances, the REST URL of the worker that runs
    /// `connector` (Java's `ownerUrl`).
    pub fn connector_owner_url(&self, connector: &str) -> Option<&str> {
        let leader = self.owner_view()?;
        let owner = leader.connector_owners.get(connector)?;
        leader.urls.get(owner).map(String::as_str)
    }

    /// As leader between rebalances, the REST URL of the worker that runs
    /// `task`.
    pub fn task_owner_url(&self, task: &ConnectorTaskId) -> Option<&str> {
        let leader = self.owner_view()?;
        let owner = leader.task_owners.get(task)?;
        leader.urls.get(owner).map(String::as_str)
    }

    /// As leader, the REST URL of the worker running each connector and
    /// task after the last round (empty otherwise).
    pub fn owner_urls(&self) -> OwnerUrls {
        let Some(leader) = self.owner_view() else {
            return OwnerUrls::default();
        };
        let url = |member: &String| leader.urls.get(member).cloned();
        OwnerUrls {
            connectors: leader
                .connector_owners
                .iter()
                .filter_map(|(c, m)| Some((c.clone(), url(m)?)))
                .collect(),
            tasks: leader
                .task_owners
                .iter()
                .filter_map(|(t, m)| Some((t.clone(), url(m)?)))
                .collect(),
        }
    }

    fn owner_view(&self) -> Option<&LeaderState> {
        if self.rejoin_needed() || !self.is_leader() {
            return None;
        }
        self.leader_state.as_ref()
    }
}

/// What an assignment means for a worker that ran `previous` (`None`: no
/// assignment, or revoked eagerly before joining, listed in `unreported`):
/// (to stop, to start, running afterwards). Eager assignments are complete:
/// everything run before is stopped and the new set started. Incremental
/// ones only name what to stop and what to start (Java's `onJoinComplete`
/// folding the previous assignment into the new one).
fn apply_assignment(
    previous: Option<ConnectorsAndTasks>,
    mut revoked: ConnectorsAndTasks,
    protocol: ConnectProtocolCompatibility,
    assignment: &ExtendedAssignment,
) -> (ConnectorsAndTasks, ConnectorsAndTasks, ConnectorsAndTasks) {
    if protocol == ConnectProtocolCompatibility::Eager {
        // Whatever the protocol was before, nothing older survives.
        if let Some(old) = previous {
            revoked.add_all(&old);
        }
        let running = assignment.assigned.clone();
        return (revoked, running.clone(), running);
    }
    let mut running = previous.unwrap_or_default();
    running.remove_all(&assignment.revoked);
    revoked.add_all(&assignment.revoked);
    running.add_all(&assignment.assigned);
    (revoked, assignment.assigned.clone(), running)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::herder::distributed::protocol::{CONFIG_MISMATCH, NO_ERROR};

    fn set(connectors: &[&str], tasks: &[(&str, i32)]) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: connectors.iter().map(|c| c.to_string()).collect(),
            tasks: tasks
                .iter()
                .map(|(c, t)| ConnectorTaskId {
                    connector: c.to_string(),
                    task: *t,
                })
                .collect(),
        }
    }

    fn assignment(
        version: i16,
        assigned: ConnectorsAndTasks,
        revoked: ConnectorsAndTasks,
    ) -> ExtendedAssignment {
        ExtendedAssignment {
            version,
            error: NO_ERROR,
            leader: "l".into(),
            leader_url: "http://l/".into(),
            config_offset: 3,
            assigned,
            revoked,
            delay: 0,
        }
    }

    #[test]
    fn config_from_distributed_worker_settings() {
        use crate::runtime::config::worker::WorkerConfig;
        let props = [
            ("bootstrap.servers", "localhost:9092"),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("group.id", "cluster-a"),
            ("offset.storage.topic", "o"),
            ("config.storage.topic", "c"),
            ("status.storage.topic", "s"),
            ("connect.protocol", "compatible"),
            ("session.timeout.ms", "12000"),
        ];
        let config = WorkerConfig::distributed(props).expect("a valid distributed config");
        let settings = config.distributed.expect("distributed settings");
        let c = WorkerCoordinatorConfig::from_settings(&settings, "http://w:8083/");
        assert_eq!(c.group_id, "cluster-a");
        assert_eq!(c.protocol, ConnectProtocolCompatibility::Compatible);
        assert_eq!(c.session_timeout, Duration::from_secs(12));
        // Java's defaults.
        assert_eq!(c.rebalance_timeout, Duration::from_secs(60));
        assert_eq!(c.heartbeat_interval, Duration::from_secs(3));
        assert_eq!(c.scheduled_rebalance_max_delay, Duration::from_secs(300));
        assert_eq!(c.rest_url, "http://w:8083/");
    }

    #[test]
    fn eager_stops_everything_and_starts_the_new_set() {
        use ConnectProtocolCompatibility::Eager;
        let before = set(&["a"], &[("a", 0), ("b", 1)]);
        let new = assignment(0, set(&["a"], &[("b", 2)]), ConnectorsAndTasks::default());
        // Revoked before joining (onJoinPrepare), reported now.
        let (revoked, assigned, running) = apply_assignment(None, before.clone(), Eager, &new);
        assert_eq!(revoked, before);
        assert_eq!(assigned, new.assigned);
        assert_eq!(running, new.assigned);
        // A switch from a cooperative protocol: the old set is stopped too.
        let (revoked, _, running) =
            apply_assignment(Some(before.clone()), Default::default(), Eager, &new);
        assert_eq!(revoked, before);
        assert_eq!(running, new.assigned);
    }

    #[test]
    fn incremental_folds_the_previous_assignment_in() {
        use ConnectProtocolCompatibility::Sessioned;
        let before = set(&["a", "b"], &[("a", 0), ("b", 1)]);
        let new = assignment(2, set(&[], &[("c", 0)]), set(&["b"], &[("b", 1)]));
        let (revoked, assigned, running) =
            apply_assignment(Some(before), Default::default(), Sessioned, &new);
        assert_eq!(revoked, set(&["b"], &[("b", 1)]));
        assert_eq!(assigned, set(&[], &[("c", 0)]));
        assert_eq!(running, set(&["a"], &[("a", 0), ("c", 0)]));
    }

    #[test]
    fn a_failed_incremental_assignment_keeps_what_runs() {
        use ConnectProtocolCompatibility::Compatible;
        let before = set(&["a"], &[("a", 0)]);
        let mut new = assignment(1, Default::default(), Default::default());
        new.error = CONFIG_MISMATCH;
        let (revoked, assigned, running) =
            apply_assignment(Some(before.clone()), Default::default(), Compatible, &new);
        assert!(revoked.is_empty() && assigned.is_empty());
        assert_eq!(running, before);
    }
}
