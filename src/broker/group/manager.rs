//! The broker's entry point to groups (the request-facing half of Java's
//! `GroupCoordinatorService`): it finds or starts the actor of the group a
//! request names, hands the request over and waits for the answer without
//! holding anything, answers for groups that do not exist, and sweeps
//! expired offsets and dead groups.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{
    DeleteGroupsRequest, DeleteGroupsResponse, DescribeGroupsRequest, DescribeGroupsResponse,
    GroupId, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupRequest, LeaveGroupResponse, ListGroupsRequest, ListGroupsResponse,
    OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest, OffsetDeleteResponse,
    OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse,
};
use kameo::actor::{ActorRef, Spawn};
use kameo::message::Message;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::classic::ClassicGroup;
use super::config::{millis, GroupConfig};
use super::coordinator::{
    Cleanup, CommitOffsets, Delete, DeleteOffsets, Describe, FetchOffsets, GroupCoordinator,
    Heartbeat, Join, Leave, List, Sync,
};
use super::describe::describe_missing;
use super::errors::*;
use super::member::ClientInfo;
use super::offset_apis::{commit_error, read_offsets};
use super::offset_fetch::{fetch_response, requested_groups, GroupAnswer};
use super::responses::{
    heartbeat_response, join_error, leave_member, leave_response, sb, sync_error,
};

/// The group coordinator of the embedded broker. Cheap to clone; every
/// connection handler holds one.
#[derive(Clone)]
pub struct GroupManager {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<GroupConfig>,
    /// The live group actors by group id. A std mutex: it is never held
    /// across an await.
    groups: Mutex<HashMap<String, ActorRef<GroupCoordinator>>>,
    /// Parent of every group's timer token and of the sweeper; cancelled by
    /// `shutdown`.
    cancel: CancellationToken,
    /// Whether the offset-expiry sweeper runs (started with the first group,
    /// where a tokio runtime is certain).
    sweeping: AtomicBool,
    /// After `shutdown` no group is created any more.
    closed: AtomicBool,
}

impl GroupManager {
    /// A coordinator with no groups; nothing is spawned until a group is
    /// first used (so this may be called outside a tokio runtime).
    pub fn new(config: GroupConfig) -> GroupManager {
        GroupManager {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                groups: Mutex::new(HashMap::new()),
                cancel: CancellationToken::new(),
                sweeping: AtomicBool::new(false),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// The settings the coordinator runs with.
    pub fn config(&self) -> &GroupConfig {
        &self.inner.config
    }

    fn groups(&self) -> std::sync::MutexGuard<'_, HashMap<String, ActorRef<GroupCoordinator>>> {
        // A poisoned map is still a valid map: nothing panics while holding it
        // half-updated.
        self.inner
            .groups
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lookup(&self, group_id: &str) -> Option<ActorRef<GroupCoordinator>> {
        self.groups().get(group_id).cloned()
    }

    fn lookup_or_create(&self, group_id: &str) -> Option<ActorRef<GroupCoordinator>> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return None;
        }
        let actor = {
            let mut groups = self.groups();
            match groups.get(group_id) {
                Some(actor) if actor.is_alive() => actor.clone(),
                _ => {
                    let group = ClassicGroup::new(
                        group_id.to_string(),
                        self.inner.config.clone(),
                        Instant::now(),
                    );
                    let actor = GroupCoordinator::spawn(GroupCoordinator::new(
                        group,
                        self.inner.cancel.child_token(),
                    ));
                    groups.insert(group_id.to_string(), actor.clone());
                    actor
                }
            }
        };
        self.start_sweeper();
        Some(actor)
    }

    /// Drops `actor` from the map if it is still the one for `group_id`.
    fn forget(&self, group_id: &str, actor: &ActorRef<GroupCoordinator>) {
        let mut groups = self.groups();
        if groups.get(group_id).map(|a| a.id()) == Some(actor.id()) {
            groups.remove(group_id);
        }
    }

    /// Sends a message carrying a reply sender and waits for the reply;
    /// `None` if the actor is gone or dropped the request (it stopped).
    async fn call<M, R>(
        &self,
        group_id: &str,
        actor: &ActorRef<GroupCoordinator>,
        make: impl FnOnce(oneshot::Sender<R>) -> M,
    ) -> Option<R>
    where
        M: Send + 'static,
        GroupCoordinator: Message<M, Reply = ()>,
    {
        let (tx, rx) = oneshot::channel();
        if actor.tell(make(tx)).await.is_err() {
            self.forget(group_id, actor);
            return None;
        }
        rx.await.ok()
    }

    /// Starts the periodic offset-expiry sweep once.
    fn start_sweeper(&self) {
        if self.inner.sweeping.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let cancel = self.inner.cancel.clone();
        let period = millis(self.inner.config.offsets_retention_check_interval_ms.max(1));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(period) => {}
                }
                let Some(inner) = weak.upgrade() else { break };
                GroupManager { inner }.sweep().await;
            }
        });
    }

    /// Expires offsets and removes groups that are empty and offsetless.
    async fn sweep(&self) {
        let groups: Vec<(String, ActorRef<GroupCoordinator>)> = self
            .groups()
            .iter()
            .map(|(id, actor)| (id.clone(), actor.clone()))
            .collect();
        for (group_id, actor) in groups {
            if self
                .call(&group_id, &actor, |tx| Cleanup { tx })
                .await
                .unwrap_or(false)
            {
                tracing::debug!(group = %group_id, "removing empty group without offsets");
                self.forget(&group_id, &actor);
                actor.kill();
            }
        }
    }

    /// Stops every group; waiting requests are answered
    /// COORDINATOR_NOT_AVAILABLE and no group is created afterwards.
    pub async fn shutdown(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.inner.cancel.cancel();
        let actors: Vec<ActorRef<GroupCoordinator>> =
            self.groups().drain().map(|(_, actor)| actor).collect();
        for actor in &actors {
            actor.kill();
        }
        for actor in &actors {
            actor.wait_for_shutdown().await;
        }
    }

    // ----- membership --------------------------------------------------------

    /// JoinGroup (v0-v9). Answers when the rebalance completes, which can
    /// take up to the group's rebalance timeout; the caller just awaits.
    pub async fn join_group(&self, req: JoinGroupRequest, version: i16) -> JoinGroupResponse {
        self.join_group_from(req, version, ClientInfo::default())
            .await
    }

    /// JoinGroup with the caller's client id and address, which member ids
    /// and DescribeGroups use.
    pub async fn join_group_from(
        &self,
        req: JoinGroupRequest,
        version: i16,
        client: ClientInfo,
    ) -> JoinGroupResponse {
        let group_id = req.group_id.to_string();
        let member_id = req.member_id.to_string();
        if group_id.is_empty() {
            return join_error(version, &member_id, INVALID_GROUP_ID);
        }
        let actor = if member_id.is_empty() {
            self.lookup_or_create(&group_id)
        } else {
            // Only a member without an id can bring a group into being.
            match self.lookup(&group_id) {
                Some(actor) => Some(actor),
                None => return join_error(version, &member_id, UNKNOWN_MEMBER_ID),
            }
        };
        let Some(actor) = actor else {
            return join_error(version, &member_id, COORDINATOR_NOT_AVAILABLE);
        };
        self.call(&group_id, &actor, |tx| Join {
            req,
            version,
            client,
            tx,
        })
        .await
        .unwrap_or_else(|| join_error(version, &member_id, COORDINATOR_NOT_AVAILABLE))
    }

    /// SyncGroup (v0-v5). A follower's answer waits for the leader's
    /// assignment.
    pub async fn sync_group(&self, req: SyncGroupRequest, version: i16) -> SyncGroupResponse {
        let group_id = req.group_id.to_string();
        if group_id.is_empty() {
            return sync_error(version, INVALID_GROUP_ID);
        }
        let Some(actor) = self.lookup(&group_id) else {
            return sync_error(version, UNKNOWN_MEMBER_ID);
        };
        self.call(&group_id, &actor, |tx| Sync { req, version, tx })
            .await
            .unwrap_or_else(|| sync_error(version, COORDINATOR_NOT_AVAILABLE))
    }

    /// Heartbeat (v0-v4).
    pub async fn heartbeat(&self, req: HeartbeatRequest, version: i16) -> HeartbeatResponse {
        let group_id = req.group_id.to_string();
        if group_id.is_empty() {
            return heartbeat_response(INVALID_GROUP_ID);
        }
        let Some(actor) = self.lookup(&group_id) else {
            return heartbeat_response(UNKNOWN_MEMBER_ID);
        };
        self.call(&group_id, &actor, |tx| Heartbeat { req, version, tx })
            .await
            .unwrap_or_else(|| heartbeat_response(COORDINATOR_NOT_AVAILABLE))
    }

    /// LeaveGroup (v0-v2: one member id; v3-v5: a list of members).
    pub async fn leave_group(&self, req: LeaveGroupRequest, version: i16) -> LeaveGroupResponse {
        let group_id = req.group_id.to_string();
        if group_id.is_empty() {
            return leave_response(version, INVALID_GROUP_ID, Vec::new());
        }
        let Some(actor) = self.lookup(&group_id) else {
            // No such group: every member is unknown.
            let members = req
                .members
                .iter()
                .map(|m| {
                    leave_member(
                        &m.member_id,
                        m.group_instance_id.as_deref(),
                        UNKNOWN_MEMBER_ID,
                    )
                })
                .collect();
            let top = if version >= 3 {
                NONE
            } else {
                UNKNOWN_MEMBER_ID
            };
            return leave_response(version, top, members);
        };
        self.call(&group_id, &actor, |tx| Leave { req, version, tx })
            .await
            .unwrap_or_else(|| leave_response(version, COORDINATOR_NOT_AVAILABLE, Vec::new()))
    }

    // ----- offsets -----------------------------------------------------------

    /// OffsetCommit (v2-v9). A commit with generation -1 to an unknown group
    /// creates a "simple" group, as Kafka does.
    pub async fn offset_commit(
        &self,
        req: OffsetCommitRequest,
        version: i16,
    ) -> OffsetCommitResponse {
        let group_id = req.group_id.to_string();
        if group_id.is_empty() {
            return commit_error(&req, INVALID_GROUP_ID);
        }
        let actor = match self.lookup(&group_id) {
            Some(actor) => actor,
            // A commit without a generation creates a "simple" group.
            None if req.generation_id_or_member_epoch < 0 => {
                match self.lookup_or_create(&group_id) {
                    Some(actor) => actor,
                    None => return commit_error(&req, COORDINATOR_NOT_AVAILABLE),
                }
            }
            None => {
                let code = if version >= 9 {
                    GROUP_ID_NOT_FOUND
                } else {
                    ILLEGAL_GENERATION
                };
                return commit_error(&req, code);
            }
        };
        let fallback = commit_error(&req, COORDINATOR_NOT_AVAILABLE);
        self.call(&group_id, &actor, |tx| CommitOffsets { req, version, tx })
            .await
            .unwrap_or(fallback)
    }

    /// OffsetFetch (v1-v7: one group; v8-v9: a batch of groups). Unknown
    /// partitions and groups read offset -1.
    pub async fn offset_fetch(&self, req: OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
        let requested = requested_groups(&req, version);
        let mut answers: Vec<GroupAnswer> = Vec::with_capacity(requested.len());
        for fetch in &requested {
            let answer = match self.lookup(&fetch.group_id) {
                None => Ok(read_offsets(None, fetch.topics.clone())),
                Some(actor) => {
                    let topics = fetch.topics.clone();
                    self.call(&fetch.group_id, &actor, |tx| FetchOffsets { topics, tx })
                        .await
                        .unwrap_or(Err(COORDINATOR_NOT_AVAILABLE))
                }
            };
            answers.push((fetch.group_id.clone(), answer));
        }
        fetch_response(version, &requested, answers)
    }

    /// OffsetDelete (v0).
    pub async fn offset_delete(
        &self,
        req: OffsetDeleteRequest,
        _version: i16,
    ) -> OffsetDeleteResponse {
        let group_id = req.group_id.to_string();
        let refuse = |code: i16| {
            let mut response = OffsetDeleteResponse::default();
            response.error_code = code;
            response
        };
        if group_id.is_empty() {
            return refuse(INVALID_GROUP_ID);
        }
        let Some(actor) = self.lookup(&group_id) else {
            return refuse(GROUP_ID_NOT_FOUND);
        };
        self.call(&group_id, &actor, |tx| DeleteOffsets { req, tx })
            .await
            .unwrap_or_else(|| refuse(COORDINATOR_NOT_AVAILABLE))
    }

    // ----- administration ----------------------------------------------------

    /// ListGroups (v0-v5, with the v4 state and v5 type filters), sorted by
    /// group id.
    pub async fn list_groups(&self, req: ListGroupsRequest, version: i16) -> ListGroupsResponse {
        let states: Vec<String> = if version >= 4 {
            req.states_filter
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect()
        } else {
            Vec::new()
        };
        let types: Vec<String> = if version >= 5 {
            req.types_filter
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect()
        } else {
            Vec::new()
        };
        let groups: Vec<(String, ActorRef<GroupCoordinator>)> = self
            .groups()
            .iter()
            .map(|(id, actor)| (id.clone(), actor.clone()))
            .collect();
        let mut response = ListGroupsResponse::default();
        if !types.is_empty() && !types.iter().any(|t| t == "classic") {
            return response;
        }
        for (group_id, actor) in groups {
            let Some(listing) = self.call(&group_id, &actor, |tx| List { tx }).await else {
                continue;
            };
            let state = listing.state.name();
            if listing.state == super::state::GroupState::Dead {
                continue;
            }
            if !states.is_empty() && !states.contains(&state.to_ascii_lowercase()) {
                continue;
            }
            let mut group = ListedGroup::default();
            group.group_id = GroupId(sb(&listing.group_id));
            group.protocol_type = sb(&listing.protocol_type);
            if version >= 4 {
                group.group_state = sb(state);
            }
            if version >= 5 {
                group.group_type = sb("classic");
            }
            response.groups.push(group);
        }
        response.groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        response
    }

    /// DescribeGroups (v0-v6).
    pub async fn describe_groups(
        &self,
        req: DescribeGroupsRequest,
        version: i16,
    ) -> DescribeGroupsResponse {
        let include_operations = version >= 3 && req.include_authorized_operations;
        let mut response = DescribeGroupsResponse::default();
        for group_id in &req.groups {
            let group_id = group_id.to_string();
            let described = if group_id.is_empty() {
                describe_missing(version, &group_id, INVALID_GROUP_ID)
            } else {
                match self.lookup(&group_id) {
                    None => describe_missing(version, &group_id, NONE),
                    Some(actor) => self
                        .call(&group_id, &actor, |tx| Describe {
                            version,
                            include_operations,
                            tx,
                        })
                        .await
                        .unwrap_or_else(|| {
                            describe_missing(version, &group_id, COORDINATOR_NOT_AVAILABLE)
                        }),
                }
            };
            response.groups.push(described);
        }
        response
    }

    /// DeleteGroups (v0-v2): only groups without members.
    pub async fn delete_groups(
        &self,
        req: DeleteGroupsRequest,
        _version: i16,
    ) -> DeleteGroupsResponse {
        let mut response = DeleteGroupsResponse::default();
        for group_id in &req.groups_names {
            let group_id = group_id.to_string();
            let code = if group_id.is_empty() {
                INVALID_GROUP_ID
            } else {
                match self.lookup(&group_id) {
                    None => GROUP_ID_NOT_FOUND,
                    Some(actor) => {
                        let code = self
                            .call(&group_id, &actor, |tx| Delete { tx })
                            .await
                            .unwrap_or(COORDINATOR_NOT_AVAILABLE);
                        if code == NONE {
                            tracing::info!(group = %group_id, "group deleted");
                            self.forget(&group_id, &actor);
                            actor.kill();
                        }
                        code
                    }
                }
            };
            let mut result = DeletableGroupResult::default();
            result.group_id = GroupId(sb(&group_id));
            result.error_code = code;
            response.results.push(result);
        }
        response
    }
}
