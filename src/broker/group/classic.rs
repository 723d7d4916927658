//! The state of one classic group (Java's `ClassicGroup` plus the classic
//! half of `GroupMetadataManager`): members, generations, the rebalance
//! (prepare, complete, the initial delay, the pending-sync timeout) and
//! session expiry. The requests live next door: JoinGroup in `join`,
//! SyncGroup / Heartbeat / LeaveGroup in `membership`, the offset APIs in
//! `offset_apis`.
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
use tokio::time::Instant;

use super::config::{millis, GroupConfig};
use super::errors::*;
use super::member::{JoinWaiter, Member};
use super::offsets::OffsetStore;
use super::responses::{join_error, join_response, sync_error, JoinOutcome};
use super::state::GroupState;

/// A delay the group needs; the actor fires `kind` back at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TimerRequest {
    pub(super) at: Instant,
    pub(super) kind: TimerKind,
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

/// One classic group.
pub(super) struct ClassicGroup {
    pub(super) group_id: String,
    pub(super) config: Arc<GroupConfig>,
    pub(super) state: GroupState,
    pub(super) generation_id: i32,
    /// Set by the first member to join an empty group; kept when it empties.
    pub(super) protocol_type: Option<String>,
    /// The protocol chosen for the current generation.
    pub(super) protocol_name: Option<String>,
    pub(super) leader_id: Option<String>,
    /// Members in join order (the leader is re-elected from the front).
    pub(super) members: IndexMap<String, Member>,
    /// Static members: group instance id -> member id.
    pub(super) static_members: HashMap<String, String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not yet used; a
    /// rebalance waits for them as Kafka does.
    pub(super) pending_members: HashSet<String>,
    /// Members of the current generation that have not sent SyncGroup yet.
    pub(super) pending_sync: HashSet<String>,
    /// A member joined during the initial rebalance delay, which extends it.
    pub(super) new_member_added: bool,
    /// Numbers the join phases, so that timers of a finished one are ignored.
    pub(super) join_epoch: u64,
    /// The current join phase is the initial delay: it completes on its timer
    /// only, not as soon as everyone joined.
    pub(super) initial_delay_active: bool,
    /// What is left of the rebalance timeout for further initial delays.
    pub(super) initial_remaining: Duration,
    /// When the group last became empty (offset retention counts from it).
    pub(super) empty_since: Option<Instant>,
    pub(super) offsets: OffsetStore,
    /// Timers requested by the last operation, for the actor to start.
    pub(super) timers: Vec<TimerRequest>,
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

    // ----- rebalance ---------------------------------------------------------

    pub(super) fn can_rebalance(&self) -> bool {
        matches!(
            self.state,
            GroupState::Empty | GroupState::CompletingRebalance | GroupState::Stable
        )
    }

    pub(super) fn maybe_prepare_rebalance(&mut self, now: Instant) {
        if self.can_rebalance() {
            self.prepare_rebalance(now);
        }
    }

    /// The longest rebalance timeout among the members.
    pub(super) fn rebalance_timeout(&self) -> Duration {
        self.members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub(super) fn prepare_rebalance(&mut self, now: Instant) {
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
        // Kafka completes the first join of an empty group on a timer even
        // without a delay, so members whose JoinGroups are already queued
        // make the first generation too.
        if was_empty {
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

    pub(super) fn reset_and_propagate_assignment_error(&mut self, code: i16) {
        for member in self.members.values_mut() {
            member.assignment = Bytes::new();
            if let Some(w) = member.awaiting_sync.take() {
                let _ = w.tx.send(sync_error(w.version, code));
            }
        }
    }

    pub(super) fn all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    pub(super) fn try_complete_join(&mut self, now: Instant) {
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
    pub(super) fn complete_join(&mut self, now: Instant) {
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
                        ..JoinOutcome::default()
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
    pub(super) fn remove_member(&mut self, member_id: &str) -> Option<Member> {
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
    pub(super) fn remove_member_and_update_group(&mut self, member_id: &str, now: Instant) {
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
    pub(super) fn touch(&mut self, member_id: &str, now: Instant) {
        if let Some(member) = self.members.get_mut(member_id) {
            member.deadline = now + member.session_timeout;
            self.arm_session_timer(member_id);
        }
    }

    /// Makes sure a timer fires no later than the member's deadline.
    pub(super) fn arm_session_timer(&mut self, member_id: &str) {
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

    pub(super) fn on_session_timer(&mut self, member_id: &str, at: Instant, now: Instant) {
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
    pub(super) fn on_initial_delay(&mut self, epoch: u64, now: Instant) {
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
    pub(super) fn on_pending_sync(&mut self, generation: i32, now: Instant) {
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

    pub(super) fn mark_dead(&mut self) {
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

pub(super) fn reply_join_error(waiter: JoinWaiter, member_id: &str, code: i16) {
    let _ = waiter.tx.send(join_error(waiter.version, member_id, code));
}

/// Answers whatever a removed member was waiting for.
pub(super) fn drop_waiters(mut member: Member, code: i16) {
    if let Some(w) = member.awaiting_join.take() {
        reply_join_error(w, &member.member_id, code);
    }
    if let Some(w) = member.awaiting_sync.take() {
        let _ = w.tx.send(sync_error(w.version, code));
    }
}
