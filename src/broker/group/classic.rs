//! The membership state machine of one classic group (Java's `ClassicGroup`
//! plus the classic half of `GroupMetadataManager`): JoinGroup, SyncGroup,
//! Heartbeat and LeaveGroup, rebalances and generations, session expiry.
//!
//! It is plain data and never waits: a JoinGroup or SyncGroup that must wait
//! leaves its reply sender in the member and is answered when the rebalance
//! or the leader's assignment completes it. Delays (session expiry, the
//! rebalance timeout, the initial rebalance delay, the pending-sync timeout)
//! are requested as [`TimerRequest`]s, which the owning actor turns into
//! timers that come back as [`ClassicGroup::on_timer`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use indexmap::IndexMap;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{
    HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, SyncGroupRequest, SyncGroupResponse,
};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::config::{millis, GroupConfig};
use super::errors::*;
use super::member::{ClientInfo, JoinWaiter, Member, Protocol, SyncWaiter};
use super::offsets::OffsetStore;
use super::responses::{
    heartbeat_response, join_error, join_member, join_response, leave_member, leave_response,
    sync_error, sync_response, JoinOutcome,
};
use super::state::GroupState;

/// A delay the group needs; the actor fires `kind` back at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TimerRequest {
    pub at: Instant,
    pub kind: TimerKind,
}

/// What a timer is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TimerKind {
    /// A member's session may have run out (`at` tells stale timers apart).
    Session { member_id: String, at: Instant },
    /// A member id handed out with MEMBER_ID_REQUIRED was never used.
    PendingMember(String),
    /// The rebalance timeout of join phase `epoch`.
    Join(u64),
    /// The initial rebalance delay of join phase `epoch`.
    InitialJoin(u64),
    /// Members of `generation` that never sent SyncGroup are removed.
    PendingSync(i32),
}

/// What a JoinGroup asks for, taken out of the request once.
struct JoinParams {
    session_timeout: Duration,
    rebalance_timeout: Duration,
    protocol_type: String,
    protocols: Vec<Protocol>,
    group_instance_id: Option<String>,
    client: ClientInfo,
}

/// One classic group.
pub(super) struct ClassicGroup {
    pub group_id: String,
    config: Arc<GroupConfig>,
    pub state: GroupState,
    pub generation_id: i32,
    /// Set by the first member to join an empty group; kept when it empties.
    pub protocol_type: Option<String>,
    /// The protocol chosen for the current generation.
    pub protocol_name: Option<String>,
    pub leader_id: Option<String>,
    /// Members in join order (the leader is re-elected from the front).
    pub members: IndexMap<String, Member>,
    /// Static members: group instance id -> member id.
    static_members: HashMap<String, String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not yet used; a
    /// rebalance waits for them as Kafka does.
    pending_members: HashSet<String>,
    /// Members of the current generation that have not sent SyncGroup yet.
    pending_sync: HashSet<String>,
    /// A member joined during the initial rebalance delay, which extends it.
    new_member_added: bool,
    /// Numbers the join phases, so that timers of a finished one are ignored.
    join_epoch: u64,
    /// The current join phase is the initial delay: it completes on its timer
    /// only, not as soon as everyone joined.
    initial_delay_active: bool,
    /// What is left of the rebalance timeout for further initial delays.
    initial_remaining: Duration,
    /// When the group last became empty (offset retention counts from it).
    empty_since: Option<Instant>,
    pub offsets: OffsetStore,
    /// Timers requested by the last operation, for the actor to start.
    timers: Vec<TimerRequest>,
}

impl ClassicGroup {
    pub fn new(group_id: String, config: Arc<GroupConfig>, now: Instant) -> ClassicGroup {
        ClassicGroup {
            group_id,
            config,
            state: GroupState::Empty,
            generation_id: 0,
            protocol_type: None,
            protocol_name: None,
            leader_id: None,
            members: IndexMap::new(),
            static_members: HashMap::new(),
            pending_members: HashSet::new(),
            pending_sync: HashSet::new(),
            new_member_added: false,
            join_epoch: 0,
            initial_delay_active: false,
            initial_remaining: Duration::ZERO,
            empty_since: Some(now),
            offsets: OffsetStore::default(),
            timers: Vec::new(),
        }
    }

    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The timers requested since the last call.
    pub fn take_timers(&mut self) -> Vec<TimerRequest> {
        std::mem::take(&mut self.timers)
    }

    // ----- JoinGroup -------------------------------------------------------

    pub fn join(
        &mut self,
        req: JoinGroupRequest,
        version: i16,
        client: ClientInfo,
        tx: oneshot::Sender<JoinGroupResponse>,
        now: Instant,
    ) {
        let member_id = req.member_id.to_string();
        let waiter = JoinWaiter { tx, version };
        if self.state == GroupState::Dead {
            return reply_join_error(waiter, &member_id, COORDINATOR_NOT_AVAILABLE);
        }
        let session = req.session_timeout_ms;
        if session < self.config.group_min_session_timeout_ms
            || session > self.config.group_max_session_timeout_ms
        {
            return reply_join_error(waiter, &member_id, INVALID_SESSION_TIMEOUT);
        }
        // v0 has no rebalance timeout: the session timeout stands in for it.
        let rebalance = if version >= 1 && req.rebalance_timeout_ms > 0 {
            req.rebalance_timeout_ms
        } else {
            session
        };
        let params = JoinParams {
            session_timeout: millis(session.into()),
            rebalance_timeout: millis(rebalance.into()),
            protocol_type: req.protocol_type.to_string(),
            protocols: req
                .protocols
                .iter()
                .map(|p| Protocol {
                    name: p.name.to_string(),
                    metadata: p.metadata.clone(),
                })
                .collect(),
            group_instance_id: if version >= 5 {
                req.group_instance_id.as_ref().map(|s| s.to_string())
            } else {
                None
            },
            client,
        };
        if member_id.is_empty() {
            self.join_unknown(params, waiter, now);
        } else {
            self.join_known(member_id, params, waiter, now);
        }
    }

    /// A JoinGroup without a member id.
    fn join_unknown(&mut self, p: JoinParams, waiter: JoinWaiter, now: Instant) {
        let version = waiter.version;
        if !self.supports(&p.protocol_type, &p.protocols) {
            return reply_join_error(waiter, "", INCONSISTENT_GROUP_PROTOCOL);
        }
        if !self.accepts_new_member() {
            return reply_join_error(waiter, "", GROUP_MAX_SIZE_REACHED);
        }
        let prefix = match (&p.group_instance_id, p.client.client_id.as_str()) {
            (Some(instance), _) => instance.clone(),
            (None, "") => "member".to_string(),
            (None, client_id) => client_id.to_string(),
        };
        let new_id = format!("{prefix}-{}", uuid::Uuid::new_v4());
        if let Some(instance) = p.group_instance_id.clone() {
            match self.static_members.get(&instance).cloned() {
                Some(old_id) if self.members.contains_key(&old_id) => {
                    // A restarted static member takes over its old identity.
                    self.replace_static_member(&old_id, &new_id, now);
                    self.update_member_and_rebalance(&new_id, p, waiter, now);
                }
                _ => self.add_member_and_rebalance(new_id, p, waiter, now),
            }
        } else if version >= 4 {
            // KIP-394: the member must come back with the id we give it.
            self.pending_members.insert(new_id.clone());
            self.timers.push(TimerRequest {
                at: now + p.session_timeout,
                kind: TimerKind::PendingMember(new_id.clone()),
            });
            reply_join_error(waiter, &new_id, MEMBER_ID_REQUIRED);
        } else {
            self.add_member_and_rebalance(new_id, p, waiter, now);
        }
    }

    /// A JoinGroup with a member id.
    fn join_known(&mut self, member_id: String, p: JoinParams, waiter: JoinWaiter, now: Instant) {
        if self.pending_members.contains(&member_id) {
            if !self.supports(&p.protocol_type, &p.protocols) {
                return reply_join_error(waiter, &member_id, INCONSISTENT_GROUP_PROTOCOL);
            }
            self.pending_members.remove(&member_id);
            return self.add_member_and_rebalance(member_id, p, waiter, now);
        }
        if let Err(code) = self.validate_member(&member_id, p.group_instance_id.as_deref()) {
            return reply_join_error(waiter, &member_id, code);
        }
        if !self.supports(&p.protocol_type, &p.protocols) {
            return reply_join_error(waiter, &member_id, INCONSISTENT_GROUP_PROTOCOL);
        }
        let same = self
            .members
            .get(&member_id)
            .is_some_and(|m| m.matches(&p.protocols));
        let is_leader = self.leader_id.as_deref() == Some(member_id.as_str());
        match self.state {
            GroupState::PreparingRebalance => {
                self.update_member_and_rebalance(&member_id, p, waiter, now)
            }
            // Nothing changed: the member just missed our answer; repeat it.
            GroupState::CompletingRebalance if same => {
                self.reply_current_generation(&member_id, waiter, is_leader)
            }
            GroupState::Stable if same && !is_leader => {
                self.reply_current_generation(&member_id, waiter, false)
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                self.update_member_and_rebalance(&member_id, p, waiter, now)
            }
            GroupState::Empty | GroupState::Dead => {
                reply_join_error(waiter, &member_id, UNKNOWN_MEMBER_ID)
            }
        }
    }

    /// Kafka's `supportsProtocols`: an empty group takes any non-empty
    /// protocol type and list; otherwise the type must match and one of the
    /// protocols must be supported by every member.
    fn supports(&self, protocol_type: &str, protocols: &[Protocol]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        if self.protocol_type.as_deref() != Some(protocol_type) {
            return false;
        }
        let candidates = self.candidate_protocols();
        protocols.iter().any(|p| candidates.contains(&p.name))
    }

    /// The protocols every member supports, in the first member's order.
    fn candidate_protocols(&self) -> Vec<String> {
        let Some(first) = self.members.values().next() else {
            return Vec::new();
        };
        first
            .protocols
            .iter()
            .map(|p| p.name.clone())
            .filter(|name| self.members.values().all(|m| m.supports(name)))
            .collect()
    }

    /// Kafka's `selectProtocol`: each member votes for its favourite among
    /// the candidates; the most votes win (ties go to the earlier candidate).
    fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes = vec![0usize; candidates.len()];
        for member in self.members.values() {
            if let Some(choice) = member.vote(&candidates) {
                if let Some(i) = candidates.iter().position(|c| c == choice) {
                    votes[i] += 1;
                }
            }
        }
        let best = votes
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i)?;
        candidates.get(best).cloned()
    }

    /// Kafka's `acceptJoiningMember` for a member not yet in the group.
    fn accepts_new_member(&self) -> bool {
        let max = self.config.group_max_size;
        match self.state {
            GroupState::PreparingRebalance => {
                self.members
                    .values()
                    .filter(|m| m.awaiting_join.is_some())
                    .count()
                    < max
            }
            _ => self.members.len() < max,
        }
    }

    fn add_member_and_rebalance(
        &mut self,
        member_id: String,
        p: JoinParams,
        waiter: JoinWaiter,
        now: Instant,
    ) {
        if self.members.is_empty() {
            self.protocol_type = Some(p.protocol_type.clone());
        }
        if self.leader_id.is_none() {
            self.leader_id = Some(member_id.clone());
        }
        if let Some(instance) = &p.group_instance_id {
            self.static_members
                .insert(instance.clone(), member_id.clone());
        }
        let deadline = now + millis(self.config.new_member_join_timeout_ms.into());
        self.members.insert(
            member_id.clone(),
            Member {
                member_id: member_id.clone(),
                group_instance_id: p.group_instance_id,
                client: p.client,
                session_timeout: p.session_timeout,
                rebalance_timeout: p.rebalance_timeout,
                protocol_type: p.protocol_type,
                protocols: p.protocols,
                assignment: Bytes::new(),
                awaiting_join: Some(waiter),
                awaiting_sync: None,
                is_new: true,
                deadline,
                timer_at: None,
            },
        );
        self.arm_session_timer(&member_id);
        if self.state == GroupState::PreparingRebalance && self.initial_delay_active {
            self.new_member_added = true;
        }
        self.maybe_prepare_rebalance(now);
        self.try_complete_join(now);
    }

    fn update_member_and_rebalance(
        &mut self,
        member_id: &str,
        p: JoinParams,
        waiter: JoinWaiter,
        now: Instant,
    ) {
        let Some(member) = self.members.get_mut(member_id) else {
            return reply_join_error(waiter, member_id, UNKNOWN_MEMBER_ID);
        };
        member.session_timeout = p.session_timeout;
        member.rebalance_timeout = p.rebalance_timeout;
        member.protocol_type = p.protocol_type;
        member.protocols = p.protocols;
        member.client = p.client;
        if let Some(old) = member.awaiting_join.replace(waiter) {
            // A second JoinGroup supersedes the first (the client retried).
            reply_join_error(old, member_id, REBALANCE_IN_PROGRESS);
        }
        self.maybe_prepare_rebalance(now);
        self.try_complete_join(now);
    }

    /// A restarted static member gets a new member id; the old incarnation's
    /// waiting requests are fenced.
    fn replace_static_member(&mut self, old_id: &str, new_id: &str, now: Instant) {
        let Some(mut member) = self.members.shift_remove(old_id) else {
            return;
        };
        if let Some(w) = member.awaiting_join.take() {
            reply_join_error(w, old_id, FENCED_INSTANCE_ID);
        }
        if let Some(w) = member.awaiting_sync.take() {
            let _ = w.tx.send(sync_error(w.version, FENCED_INSTANCE_ID));
        }
        member.member_id = new_id.to_string();
        member.timer_at = None;
        member.deadline = now + member.session_timeout;
        if let Some(instance) = &member.group_instance_id {
            self.static_members
                .insert(instance.clone(), new_id.to_string());
        }
        if self.pending_sync.remove(old_id) {
            self.pending_sync.insert(new_id.to_string());
        }
        if self.leader_id.as_deref() == Some(old_id) {
            self.leader_id = Some(new_id.to_string());
        }
        self.members.insert(new_id.to_string(), member);
        self.arm_session_timer(new_id);
    }

    /// Answers a JoinGroup at once with the current generation.
    fn reply_current_generation(&self, member_id: &str, waiter: JoinWaiter, with_members: bool) {
        let members = if with_members {
            self.member_list()
        } else {
            Vec::new()
        };
        let response = join_response(
            waiter.version,
            NONE,
            JoinOutcome {
                generation_id: self.generation_id,
                protocol_type: self.protocol_type.as_deref(),
                protocol_name: self.protocol_name.as_deref(),
                leader: self.leader_id.as_deref().unwrap_or(""),
                member_id,
                members,
            },
        );
        let _ = waiter.tx.send(response);
    }

    /// Every member with its metadata for the chosen protocol: what the
    /// leader needs to compute the assignment.
    fn member_list(&self) -> Vec<JoinGroupResponseMember> {
        let protocol = self.protocol_name.as_deref().unwrap_or("");
        self.members
            .values()
            .map(|m| {
                join_member(
                    &m.member_id,
                    m.group_instance_id.as_deref(),
                    m.metadata(protocol).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    // ----- rebalance ---------------------------------------------------------

    fn can_rebalance(&self) -> bool {
        matches!(
            self.state,
            GroupState::Empty | GroupState::CompletingRebalance | GroupState::Stable
        )
    }

    fn maybe_prepare_rebalance(&mut self, now: Instant) {
        if self.can_rebalance() {
            self.prepare_rebalance(now);
        }
    }

    /// The longest rebalance timeout among the members.
    fn rebalance_timeout(&self) -> Duration {
        self.members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn prepare_rebalance(&mut self, now: Instant) {
        if self.state == GroupState::CompletingRebalance {
            // The assignment being computed is for a generation that ends.
            self.reset_and_propagate_assignment_error(REBALANCE_IN_PROGRESS);
        }
        self.pending_sync.clear();
        let was_empty = self.state == GroupState::Empty;
        self.state = GroupState::PreparingRebalance;
        self.join_epoch += 1;
        let timeout = self.rebalance_timeout();
        let initial = millis(self.config.group_initial_rebalance_delay_ms.into());
        if was_empty && !initial.is_zero() {
            self.initial_delay_active = true;
            self.new_member_added = false;
            self.initial_remaining = timeout.saturating_sub(initial);
            self.timers.push(TimerRequest {
                at: now + initial.min(timeout),
                kind: TimerKind::InitialJoin(self.join_epoch),
            });
        } else {
            self.initial_delay_active = false;
            self.timers.push(TimerRequest {
                at: now + timeout,
                kind: TimerKind::Join(self.join_epoch),
            });
            self.try_complete_join(now);
        }
    }

    fn reset_and_propagate_assignment_error(&mut self, code: i16) {
        for member in self.members.values_mut() {
            member.assignment = Bytes::new();
            if let Some(w) = member.awaiting_sync.take() {
                let _ = w.tx.send(sync_error(w.version, code));
            }
        }
    }

    fn all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    fn try_complete_join(&mut self, now: Instant) {
        if self.state == GroupState::PreparingRebalance
            && !self.initial_delay_active
            && self.all_members_joined()
        {
            self.complete_join(now);
        }
    }

    /// Kafka's `onCompleteJoin`: members that did not rejoin are dropped, the
    /// generation moves on, and every waiting JoinGroup is answered (the
    /// leader with everyone's metadata).
    fn complete_join(&mut self, now: Instant) {
        let absent: Vec<String> = self
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in absent {
            if let Some(member) = self.remove_member(&id) {
                drop_waiters(member, UNKNOWN_MEMBER_ID);
            }
        }
        self.join_epoch += 1;
        self.initial_delay_active = false;
        self.new_member_added = false;
        if !self
            .leader_id
            .as_ref()
            .is_some_and(|l| self.members.contains_key(l))
        {
            self.leader_id = self.members.keys().next().cloned();
        }
        self.generation_id += 1;
        if self.members.is_empty() {
            self.protocol_name = None;
            self.state = GroupState::Empty;
            self.empty_since = Some(now);
            return;
        }
        self.protocol_name = self.select_protocol().or_else(|| {
            self.members
                .values()
                .next()
                .and_then(|m| m.protocols.first())
                .map(|p| p.name.clone())
        });
        self.state = GroupState::CompletingRebalance;
        let everyone = self.member_list();
        let leader = self.leader_id.clone().unwrap_or_default();
        let generation = self.generation_id;
        let ids: Vec<String> = self.members.keys().cloned().collect();
        for id in &ids {
            let Some(member) = self.members.get_mut(id) else {
                continue;
            };
            if let Some(w) = member.awaiting_join.take() {
                let members = if *id == leader {
                    everyone.clone()
                } else {
                    Vec::new()
                };
                let response = join_response(
                    w.version,
                    NONE,
                    JoinOutcome {
                        generation_id: generation,
                        protocol_type: self.protocol_type.as_deref(),
                        protocol_name: self.protocol_name.as_deref(),
                        leader: &leader,
                        member_id: id,
                        members,
                    },
                );
                let _ = w.tx.send(response);
            }
            member.is_new = false;
            self.touch(id, now);
        }
        self.pending_sync = ids.into_iter().collect();
        self.timers.push(TimerRequest {
            at: now + self.rebalance_timeout(),
            kind: TimerKind::PendingSync(generation),
        });
    }

    /// Removes a member from the books (no rebalance decision here).
    fn remove_member(&mut self, member_id: &str) -> Option<Member> {
        let member = self.members.shift_remove(member_id)?;
        if let Some(instance) = &member.group_instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        self.pending_sync.remove(member_id);
        if self.leader_id.as_deref() == Some(member_id) {
            self.leader_id = self.members.keys().next().cloned();
        }
        Some(member)
    }

    /// Kafka's `removeMemberAndUpdateGroup`: the member goes, its waiting
    /// requests get UNKNOWN_MEMBER_ID, and the group rebalances.
    fn remove_member_and_update_group(&mut self, member_id: &str, now: Instant) {
        if let Some(member) = self.remove_member(member_id) {
            drop_waiters(member, UNKNOWN_MEMBER_ID);
        }
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance(now)
            }
            GroupState::PreparingRebalance => self.try_complete_join(now),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    // ----- liveness ----------------------------------------------------------

    /// The member showed signs of life: its session starts over.
    fn touch(&mut self, member_id: &str, now: Instant) {
        if let Some(member) = self.members.get_mut(member_id) {
            member.deadline = now + member.session_timeout;
            self.arm_session_timer(member_id);
        }
    }

    /// Makes sure a timer fires no later than the member's deadline.
    fn arm_session_timer(&mut self, member_id: &str) {
        let Some(member) = self.members.get_mut(member_id) else {
            return;
        };
        if member.timer_at.is_some_and(|at| at <= member.deadline) {
            return;
        }
        member.timer_at = Some(member.deadline);
        self.timers.push(TimerRequest {
            at: member.deadline,
            kind: TimerKind::Session {
                member_id: member_id.to_string(),
                at: member.deadline,
            },
        });
    }

    pub fn on_timer(&mut self, kind: TimerKind, now: Instant) {
        match kind {
            TimerKind::Session { member_id, at } => self.on_session_timer(&member_id, at, now),
            TimerKind::PendingMember(member_id) => {
                if self.pending_members.remove(&member_id) {
                    self.try_complete_join(now);
                }
            }
            TimerKind::Join(epoch) => {
                if epoch == self.join_epoch
                    && self.state == GroupState::PreparingRebalance
                    && !self.initial_delay_active
                {
                    self.complete_join(now);
                }
            }
            TimerKind::InitialJoin(epoch) => self.on_initial_delay(epoch, now),
            TimerKind::PendingSync(generation) => self.on_pending_sync(generation, now),
        }
    }

    fn on_session_timer(&mut self, member_id: &str, at: Instant, now: Instant) {
        let Some(member) = self.members.get_mut(member_id) else {
            return;
        };
        if member.timer_at != Some(at) {
            return; // superseded by an earlier timer
        }
        member.timer_at = None;
        if now < member.deadline {
            self.arm_session_timer(member_id);
        } else if member.waiting_keeps_alive() {
            self.touch(member_id, now);
        } else {
            tracing::info!(
                group = %self.group_id,
                member = member_id,
                "member's session expired; removing it from the group"
            );
            self.remove_member_and_update_group(member_id, now);
        }
    }

    /// Kafka's `InitialDelayedJoin`: while members keep arriving the delay
    /// starts over, up to the rebalance timeout.
    fn on_initial_delay(&mut self, epoch: u64, now: Instant) {
        if epoch != self.join_epoch
            || self.state != GroupState::PreparingRebalance
            || !self.initial_delay_active
        {
            return;
        }
        let initial = millis(self.config.group_initial_rebalance_delay_ms.into());
        if self.new_member_added && !self.initial_remaining.is_zero() {
            self.new_member_added = false;
            let delay = initial.min(self.initial_remaining);
            self.initial_remaining = self.initial_remaining.saturating_sub(initial);
            self.timers.push(TimerRequest {
                at: now + delay,
                kind: TimerKind::InitialJoin(epoch),
            });
        } else {
            self.initial_delay_active = false;
            self.complete_join(now);
        }
    }

    /// Members that never sent SyncGroup for `generation` are removed, and
    /// the group rebalances without them (so that followers waiting for a
    /// leader who never syncs are released with REBALANCE_IN_PROGRESS).
    fn on_pending_sync(&mut self, generation: i32, now: Instant) {
        if generation != self.generation_id
            || !matches!(
                self.state,
                GroupState::CompletingRebalance | GroupState::Stable
            )
            || self.pending_sync.is_empty()
        {
            return;
        }
        let missing: Vec<String> = self.pending_sync.drain().collect();
        tracing::info!(
            group = %self.group_id,
            members = ?missing,
            "members did not send SyncGroup in time; removing them"
        );
        for id in missing {
            if let Some(member) = self.remove_member(&id) {
                drop_waiters(member, UNKNOWN_MEMBER_ID);
            }
        }
        self.prepare_rebalance(now);
    }

    // ----- SyncGroup, Heartbeat, LeaveGroup ----------------------------------

    /// Kafka's `validateMember`: a static member must be the current holder
    /// of its instance id, and the member must exist.
    pub fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Result<(), i16> {
        if let Some(instance) = instance {
            match self.static_members.get(instance) {
                None => return Err(UNKNOWN_MEMBER_ID),
                Some(holder) if holder != member_id => return Err(FENCED_INSTANCE_ID),
                Some(_) => {}
            }
        }
        if !self.members.contains_key(member_id) {
            return Err(UNKNOWN_MEMBER_ID);
        }
        Ok(())
    }

    pub fn sync(
        &mut self,
        req: SyncGroupRequest,
        version: i16,
        tx: oneshot::Sender<SyncGroupResponse>,
        now: Instant,
    ) {
        let member_id = req.member_id.to_string();
        if let Err(code) = self.check_sync(&req, version) {
            let _ = tx.send(sync_error(version, code));
            return;
        }
        match self.state {
            GroupState::Empty | GroupState::Dead => {
                let _ = tx.send(sync_error(version, UNKNOWN_MEMBER_ID));
            }
            GroupState::PreparingRebalance => {
                let _ = tx.send(sync_error(version, REBALANCE_IN_PROGRESS));
            }
            GroupState::CompletingRebalance => {
                if let Some(member) = self.members.get_mut(&member_id) {
                    if let Some(old) = member.awaiting_sync.replace(SyncWaiter { tx, version }) {
                        let _ = old.tx.send(sync_error(old.version, REBALANCE_IN_PROGRESS));
                    }
                }
                self.pending_sync.remove(&member_id);
                if self.leader_id.as_deref() == Some(member_id.as_str()) {
                    let assignment: HashMap<String, Bytes> = req
                        .assignments
                        .into_iter()
                        .map(|a| (a.member_id.to_string(), a.assignment))
                        .collect();
                    self.set_and_propagate_assignment(assignment, now);
                    self.state = GroupState::Stable;
                }
            }
            GroupState::Stable => {
                self.pending_sync.remove(&member_id);
                let assignment = self
                    .members
                    .get(&member_id)
                    .map(|m| m.assignment.clone())
                    .unwrap_or_default();
                let _ = tx.send(sync_response(
                    version,
                    NONE,
                    self.protocol_type.as_deref(),
                    self.protocol_name.as_deref(),
                    assignment,
                ));
                self.touch(&member_id, now);
            }
        }
    }

    /// Kafka's SyncGroup validation, before the state decides.
    fn check_sync(&self, req: &SyncGroupRequest, version: i16) -> Result<(), i16> {
        if self.state == GroupState::Dead {
            return Err(COORDINATOR_NOT_AVAILABLE);
        }
        let instance = if version >= 3 {
            req.group_instance_id.as_deref()
        } else {
            None
        };
        self.validate_member(&req.member_id, instance)?;
        if req.generation_id != self.generation_id {
            return Err(ILLEGAL_GENERATION);
        }
        if version >= 5 {
            let type_differs = req
                .protocol_type
                .as_ref()
                .is_some_and(|t| self.protocol_type.as_deref() != Some(t.as_str()));
            let name_differs = req
                .protocol_name
                .as_ref()
                .is_some_and(|n| self.protocol_name.as_deref() != Some(n.as_str()));
            if type_differs || name_differs {
                return Err(INCONSISTENT_GROUP_PROTOCOL);
            }
        }
        Ok(())
    }

    /// Stores the leader's assignment (members it left out get an empty one)
    /// and answers every waiting SyncGroup.
    fn set_and_propagate_assignment(
        &mut self,
        mut assignment: HashMap<String, Bytes>,
        now: Instant,
    ) {
        let ids: Vec<String> = self.members.keys().cloned().collect();
        for id in ids {
            let Some(member) = self.members.get_mut(&id) else {
                continue;
            };
            member.assignment = assignment.remove(&id).unwrap_or_default();
            if let Some(w) = member.awaiting_sync.take() {
                let _ = w.tx.send(sync_response(
                    w.version,
                    NONE,
                    self.protocol_type.as_deref(),
                    self.protocol_name.as_deref(),
                    member.assignment.clone(),
                ));
            }
            self.touch(&id, now);
        }
    }

    pub fn heartbeat(
        &mut self,
        req: HeartbeatRequest,
        version: i16,
        now: Instant,
    ) -> HeartbeatResponse {
        if self.state == GroupState::Dead {
            return heartbeat_response(COORDINATOR_NOT_AVAILABLE);
        }
        let member_id = req.member_id.to_string();
        let instance = if version >= 3 {
            req.group_instance_id.as_deref()
        } else {
            None
        };
        if let Err(code) = self.validate_member(&member_id, instance) {
            return heartbeat_response(code);
        }
        if req.generation_id != self.generation_id {
            return heartbeat_response(ILLEGAL_GENERATION);
        }
        match self.state {
            GroupState::Empty | GroupState::Dead => heartbeat_response(UNKNOWN_MEMBER_ID),
            GroupState::PreparingRebalance => {
                self.touch(&member_id, now);
                heartbeat_response(REBALANCE_IN_PROGRESS)
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                self.touch(&member_id, now);
                heartbeat_response(NONE)
            }
        }
    }

    pub fn leave(
        &mut self,
        req: LeaveGroupRequest,
        version: i16,
        now: Instant,
    ) -> LeaveGroupResponse {
        let identities: Vec<(String, Option<String>)> = if version >= 3 {
            req.members
                .iter()
                .map(|m| {
                    (
                        m.member_id.to_string(),
                        m.group_instance_id.as_ref().map(|s| s.to_string()),
                    )
                })
                .collect()
        } else {
            vec![(req.member_id.to_string(), None)]
        };
        if self.state == GroupState::Dead {
            return leave_response(version, COORDINATOR_NOT_AVAILABLE, Vec::new());
        }
        let mut results = Vec::with_capacity(identities.len());
        for (member_id, instance) in identities {
            let code = self.leave_one(&member_id, instance.as_deref(), now);
            results.push(leave_member(&member_id, instance.as_deref(), code));
        }
        let top = if version >= 3 {
            NONE
        } else {
            results.first().map(|r| r.error_code).unwrap_or(NONE)
        };
        leave_response(version, top, results)
    }

    fn leave_one(&mut self, member_id: &str, instance: Option<&str>, now: Instant) -> i16 {
        let member_id = if member_id.is_empty() {
            // A static member may leave by instance id alone (KIP-345).
            match instance.and_then(|i| self.static_members.get(i)) {
                Some(id) => id.clone(),
                None => return UNKNOWN_MEMBER_ID,
            }
        } else {
            member_id.to_string()
        };
        if self.pending_members.remove(&member_id) {
            self.try_complete_join(now);
            return NONE;
        }
        if let Err(code) = self.validate_member(&member_id, instance) {
            return code;
        }
        tracing::info!(group = %self.group_id, member = %member_id, "member left the group");
        self.remove_member_and_update_group(&member_id, now);
        NONE
    }

    // ----- housekeeping ------------------------------------------------------

    /// Kafka's DeleteGroups check; on success the group is dead.
    pub fn delete(&mut self) -> i16 {
        match self.state {
            GroupState::Dead => GROUP_ID_NOT_FOUND,
            s if s.has_members() => NON_EMPTY_GROUP,
            _ => {
                self.mark_dead();
                NONE
            }
        }
    }

    fn mark_dead(&mut self) {
        self.state = GroupState::Dead;
        self.offsets.clear();
        self.pending_members.clear();
    }

    /// Expires offsets; an empty group left without offsets dies (Kafka's
    /// periodic cleanup). Returns whether the group is now dead.
    pub fn cleanup(&mut self, now: Instant) -> bool {
        if self.state == GroupState::Empty {
            let since = if self.protocol_type.is_some() {
                self.empty_since
            } else {
                None
            };
            let retention = millis(self.config.offsets_retention_ms);
            let dropped = self.offsets.expire(now, since, retention);
            if dropped > 0 {
                tracing::info!(group = %self.group_id, dropped, "expired committed offsets");
            }
            if self.offsets.is_empty() && self.pending_members.is_empty() {
                self.mark_dead();
            }
        }
        self.state == GroupState::Dead
    }
}

fn reply_join_error(waiter: JoinWaiter, member_id: &str, code: i16) {
    let _ = waiter.tx.send(join_error(waiter.version, member_id, code));
}

/// Answers whatever a removed member was waiting for.
fn drop_waiters(mut member: Member, code: i16) {
    if let Some(w) = member.awaiting_join.take() {
        reply_join_error(w, &member.member_id, code);
    }
    if let Some(w) = member.awaiting_sync.take() {
        let _ = w.tx.send(sync_error(w.version, code));
    }
}
