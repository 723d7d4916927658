//! JoinGroup on a classic group (the join half of Java's classic
//! `GroupMetadataManager`): member ids (KIP-394 MEMBER_ID_REQUIRED), static
//! members (KIP-345), protocol compatibility and selection, and the member
//! changes that start a rebalance.

use bytes::Bytes;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::classic::{reply_join_error, ClassicGroup, TimerKind, TimerRequest};
use super::config::millis;
use super::errors::*;
use super::member::{ClientInfo, JoinWaiter, Member, Protocol};
use super::responses::{join_member, join_response, sync_error, JoinOutcome};
use super::state::GroupState;

/// What a JoinGroup asks for, taken out of the request once.
struct JoinParams {
    session_timeout: Duration,
    rebalance_timeout: Duration,
    protocol_type: String,
    protocols: Vec<Protocol>,
    group_instance_id: Option<String>,
    client: ClientInfo,
}

impl ClassicGroup {
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
                    self.rejoin_static_member(&old_id, &new_id, p, waiter, now);
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
    pub(super) fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes = vec![0usize; candidates.len()];
        for member in self.members.values() {
            if let Some(choice) = member.vote(&candidates) {
                if let Some(count) = candidates
                    .iter()
                    .position(|c| c == choice)
                    .and_then(|i| votes.get_mut(i))
                {
                    *count += 1;
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
        update_member(member, p);
        if let Some(old) = member.awaiting_join.replace(waiter) {
            // A second JoinGroup supersedes the first (the client retried).
            reply_join_error(old, member_id, REBALANCE_IN_PROGRESS);
        }
        self.maybe_prepare_rebalance(now);
        self.try_complete_join(now);
    }

    /// A static member restarted (KIP-345): it takes over its old identity
    /// under a new member id. A stable group whose protocol stays the same
    /// does not rebalance: the member gets the current generation and, with
    /// SyncGroup, its old assignment. Otherwise the group rebalances.
    fn rejoin_static_member(
        &mut self,
        old_id: &str,
        new_id: &str,
        p: JoinParams,
        waiter: JoinWaiter,
        now: Instant,
    ) {
        // Kafka answers with the leader as it was: a restarted leader that
        // cannot skip the assignment (before v9) acts as a follower.
        let previous_leader = self.leader_id.clone().unwrap_or_default();
        self.replace_static_member(old_id, new_id, now);
        match self.state {
            GroupState::Stable => {
                if let Some(member) = self.members.get_mut(new_id) {
                    update_member(member, p);
                }
                if self.select_protocol() != self.protocol_name {
                    return self.rebalance_with_waiter(new_id, waiter, now);
                }
                let is_leader = self.leader_id.as_deref() == Some(new_id);
                let skip_assignment = is_leader && waiter.version >= 9;
                let members = if skip_assignment {
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
                        leader: &previous_leader,
                        skip_assignment,
                        member_id: new_id,
                        members,
                    },
                );
                let _ = waiter.tx.send(response);
            }
            _ => self.update_member_and_rebalance(new_id, p, waiter, now),
        }
    }

    /// Leaves `waiter` with the member and starts a rebalance.
    fn rebalance_with_waiter(&mut self, member_id: &str, waiter: JoinWaiter, now: Instant) {
        match self.members.get_mut(member_id) {
            Some(member) => member.awaiting_join = Some(waiter),
            None => return reply_join_error(waiter, member_id, UNKNOWN_MEMBER_ID),
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
                ..JoinOutcome::default()
            },
        );
        let _ = waiter.tx.send(response);
    }

    /// Every member with its metadata for the chosen protocol: what the
    /// leader needs to compute the assignment.
    pub(super) fn member_list(&self) -> Vec<JoinGroupResponseMember> {
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
}

/// Takes what a JoinGroup says about the member.
fn update_member(member: &mut Member, p: JoinParams) {
    member.session_timeout = p.session_timeout;
    member.rebalance_timeout = p.rebalance_timeout;
    member.protocol_type = p.protocol_type;
    member.protocols = p.protocols;
    member.client = p.client;
}
