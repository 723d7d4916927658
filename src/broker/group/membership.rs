//! What a member of a classic group does after JoinGroup: SyncGroup (a
//! follower waits for the leader's assignment), Heartbeat, and LeaveGroup.

use std::collections::HashMap;

use bytes::Bytes;
use kafka_protocol::messages::{
    HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse, SyncGroupRequest,
    SyncGroupResponse,
};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::classic::ClassicGroup;
use super::errors::*;
use super::member::SyncWaiter;
use super::responses::{
    heartbeat_response, leave_member, leave_response, sync_error, sync_response,
};
use super::state::GroupState;

impl ClassicGroup {
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
    pub(super) fn check_sync(&self, req: &SyncGroupRequest, version: i16) -> Result<(), i16> {
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
    pub(super) fn set_and_propagate_assignment(
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

    pub(super) fn leave_one(
        &mut self,
        member_id: &str,
        instance: Option<&str>,
        now: Instant,
    ) -> i16 {
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
}
