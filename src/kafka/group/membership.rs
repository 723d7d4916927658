//! Group membership over the classic group protocol, generic over the
//! protocol type (Java's `AbstractCoordinator`): the consumer uses it with
//! `"consumer"`, the Connect worker with `"connect"`.
//!
//! FindCoordinator, JoinGroup (including the MEMBER_ID_REQUIRED round trip),
//! SyncGroup, LeaveGroup, and a heartbeat loop on its own task. The heartbeat
//! task never calls back: it raises a flag that the owner checks
//! ([`GroupMembership::needs_rejoin`]) and a `Notify` it can await.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    FindCoordinatorRequest, GroupId, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    SyncGroupRequest,
};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::kafka::cluster::Cluster;
use crate::kafka::error::{Error, ErrorCode, Result};
use crate::kafka::messenger::Messenger;

/// Settings of one membership.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    pub group_id: String,
    /// "consumer" or "connect".
    pub protocol_type: String,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub heartbeat_interval: Duration,
    /// Static membership (`group.instance.id`).
    pub group_instance_id: Option<String>,
}

/// One member as the leader sees it after JoinGroup.
#[derive(Debug, Clone)]
pub struct JoinedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: Bytes,
}

/// The outcome of JoinGroup.
#[derive(Debug, Clone)]
pub struct JoinResult {
    pub generation: i32,
    pub member_id: String,
    pub leader_id: String,
    /// The protocol the group chose, e.g. "range" or "sessioned".
    pub protocol: String,
    /// All members with their metadata; empty unless we are the leader.
    pub members: Vec<JoinedMember>,
}

impl JoinResult {
    pub fn is_leader(&self) -> bool {
        self.member_id == self.leader_id
    }
}

/// State the heartbeat task shares with the owner.
#[derive(Default)]
struct Signals {
    /// A rebalance is under way or our membership was lost.
    rejoin: AtomicBool,
    /// Our member id is no longer valid: rejoin from scratch.
    reset: AtomicBool,
    /// The coordinator moved or vanished.
    coordinator_lost: AtomicBool,
    /// Wakes the owner when any flag is raised.
    changed: Notify,
}

impl Signals {
    fn raise(&self, flag: &AtomicBool) {
        flag.store(true, Ordering::Release);
        self.rejoin.store(true, Ordering::Release);
        self.changed.notify_waiters();
    }
}

/// A member of one group.
pub struct GroupMembership {
    cluster: Arc<Cluster>,
    config: GroupConfig,
    member_id: String,
    generation: i32,
    /// Whether a generation is current (joined and synced).
    active: bool,
    coordinator: Option<(i32, Arc<Messenger>)>,
    signals: Arc<Signals>,
    /// Stops the heartbeat task of the current generation.
    heartbeat: Option<CancellationToken>,
}

impl GroupMembership {
    pub fn new(cluster: Arc<Cluster>, config: GroupConfig) -> GroupMembership {
        GroupMembership {
            cluster,
            config,
            member_id: String::new(),
            generation: -1,
            active: false,
            coordinator: None,
            signals: Arc::new(Signals::default()),
            heartbeat: None,
        }
    }

    /// `group.id` as the request field.
    fn group_id_field(&self) -> GroupId {
        GroupId(StrBytes::from_string(self.config.group_id.clone()))
    }

    /// `group.instance.id` as the request field.
    fn instance_id(&self) -> Option<StrBytes> {
        self.config
            .group_instance_id
            .clone()
            .map(StrBytes::from_string)
    }

    pub fn group_id(&self) -> &str {
        &self.config.group_id
    }

    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// (member id, generation) while a generation is current.
    pub fn generation(&self) -> Option<(String, i32)> {
        self.active
            .then(|| (self.member_id.clone(), self.generation))
    }

    /// Whether the owner must rejoin before it goes on.
    pub fn needs_rejoin(&self) -> bool {
        !self.active || self.signals.rejoin.load(Ordering::Acquire)
    }

    /// Asks for a rejoin at the next chance (e.g. the subscription changed).
    pub fn request_rejoin(&self) {
        self.signals.rejoin.store(true, Ordering::Release);
        self.signals.changed.notify_waiters();
    }

    /// Resolves when the heartbeat raises a flag.
    pub async fn changed(&self) {
        let notified = self.signals.changed.notified();
        if self.needs_rejoin() {
            return;
        }
        notified.await;
    }

    /// The group coordinator, found with FindCoordinator if unknown.
    pub async fn coordinator(&mut self) -> Result<Arc<Messenger>> {
        if self.signals.coordinator_lost.swap(false, Ordering::AcqRel) {
            self.lose_coordinator();
        }
        if let Some((_, m)) = &self.coordinator {
            if !m.is_closed() {
                return Ok(m.clone());
            }
        }
        let deadline = Instant::now() + self.config.rebalance_timeout;
        let cluster = self.cluster.clone();
        let group = self.config.group_id.clone();
        let (id, messenger) = cluster
            .with_retries(
                &format!("FindCoordinator for group {group}"),
                deadline,
                || async {
                    let broker = cluster.any_broker().await?;
                    let request = FindCoordinatorRequest::default()
                        .with_key(StrBytes::from_string(group.clone()))
                        .with_key_type(0);
                    let resp = broker.request(&request).await?;
                    broker.note_throttle(resp.throttle_time_ms);
                    ErrorCode::check(resp.error_code, || {
                        format!("FindCoordinator for group {group}")
                    })?;
                    let id = resp.node_id.0;
                    let addr = format!("{}:{}", resp.host.as_str(), resp.port);
                    // A connection of its own, as Java's coordinator gets
                    // (node id `MAX - id`): the broker answers one request
                    // per connection at a time, so a JoinGroup waiting for
                    // the other members must not hold up this client's (or
                    // this process's) other requests.
                    let messenger =
                        Messenger::connect(&addr, cluster.config().connection.clone()).await?;
                    Ok((id, messenger))
                },
            )
            .await?;
        self.coordinator = Some((id, messenger.clone()));
        Ok(messenger)
    }

    fn lose_coordinator(&mut self) {
        if let Some((_, m)) = self.coordinator.take() {
            m.close("the group coordinator changed");
        }
    }

    /// JoinGroup with our protocols (name, metadata) in preference order.
    /// Retries retriable errors and MEMBER_ID_REQUIRED; on UNKNOWN_MEMBER_ID
    /// starts over with an empty member id.
    pub async fn join(&mut self, protocols: &[(String, Bytes)]) -> Result<JoinResult> {
        self.stop_heartbeat();
        self.active = false;
        if self.signals.reset.swap(false, Ordering::AcqRel) {
            self.member_id.clear();
            self.generation = -1;
        }
        self.signals.rejoin.store(false, Ordering::Release);
        let deadline = Instant::now() + self.config.rebalance_timeout + self.config.session_timeout;
        let mut attempt = 0u32;
        loop {
            let result = self.join_once(protocols).await;
            match result {
                Ok(r) => {
                    self.member_id = r.member_id.clone();
                    self.generation = r.generation;
                    return Ok(r);
                }
                Err(e) if Instant::now() < deadline => match e.code() {
                    Some(ErrorCode::MemberIdRequired) => continue, // member id set in join_once
                    Some(ErrorCode::UnknownMemberId)
                    | Some(ErrorCode::IllegalGeneration)
                    | Some(ErrorCode::FencedInstanceId) => {
                        self.member_id.clear();
                        self.generation = -1;
                    }
                    Some(ErrorCode::RebalanceInProgress) => {}
                    Some(c) if c.is_retriable() => {
                        if matches!(
                            c,
                            ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
                        ) {
                            self.lose_coordinator();
                        }
                        tokio::time::sleep(self.cluster.config().backoff(attempt)).await;
                    }
                    None if e.is_retriable() => {
                        self.lose_coordinator();
                        tokio::time::sleep(self.cluster.config().backoff(attempt)).await;
                    }
                    _ => return Err(e),
                },
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }

    async fn join_once(&mut self, protocols: &[(String, Bytes)]) -> Result<JoinResult> {
        let coordinator = self.coordinator().await?;
        let request = JoinGroupRequest::default()
            .with_group_id(self.group_id_field())
            .with_session_timeout_ms(millis(self.config.session_timeout))
            .with_rebalance_timeout_ms(millis(self.config.rebalance_timeout))
            .with_member_id(StrBytes::from_string(self.member_id.clone()))
            .with_group_instance_id(self.instance_id())
            .with_protocol_type(StrBytes::from_string(self.config.protocol_type.clone()))
            .with_protocols(
                protocols
                    .iter()
                    .map(|(name, metadata)| {
                        JoinGroupRequestProtocol::default()
                            .with_name(StrBytes::from_string(name.clone()))
                            .with_metadata(metadata.clone())
                    })
                    .collect(),
            )
            .with_reason(Some(StrBytes::from_static_str("joining")));
        // JoinGroup waits for the whole group: allow the rebalance timeout.
        let timeout = self.config.rebalance_timeout + Duration::from_secs(5);
        let timeout = timeout.max(self.cluster.config().connection.request_timeout);
        let resp = coordinator.request_with_timeout(&request, timeout).await?;
        coordinator.note_throttle(resp.throttle_time_ms);
        if resp.error_code == ErrorCode::MemberIdRequired.code() {
            self.member_id = resp.member_id.to_string();
        }
        ErrorCode::check(resp.error_code, || {
            format!("JoinGroup for group {}", self.config.group_id)
        })?;
        Ok(JoinResult {
            generation: resp.generation_id,
            member_id: resp.member_id.to_string(),
            leader_id: resp.leader.to_string(),
            protocol: resp
                .protocol_name
                .map(|p| p.to_string())
                .unwrap_or_default(),
            members: resp
                .members
                .into_iter()
                .map(|m| JoinedMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.group_instance_id.map(|g| g.to_string()),
                    metadata: m.metadata,
                })
                .collect(),
        })
    }

    /// SyncGroup: the leader sends every member's assignment, followers send
    /// none. Returns our assignment and starts heartbeating.
    pub async fn sync(
        &mut self,
        join: &JoinResult,
        assignments: Vec<(String, Bytes)>,
    ) -> Result<Bytes> {
        let coordinator = self.coordinator().await?;
        let request = SyncGroupRequest::default()
            .with_group_id(self.group_id_field())
            .with_generation_id(join.generation)
            .with_member_id(StrBytes::from_string(join.member_id.clone()))
            .with_group_instance_id(self.instance_id())
            .with_protocol_type(Some(StrBytes::from_string(
                self.config.protocol_type.clone(),
            )))
            .with_protocol_name(Some(StrBytes::from_string(join.protocol.clone())))
            .with_assignments(
                assignments
                    .into_iter()
                    .map(|(member, bytes)| {
                        SyncGroupRequestAssignment::default()
                            .with_member_id(StrBytes::from_string(member))
                            .with_assignment(bytes)
                    })
                    .collect(),
            );
        let resp = match coordinator.request(&request).await {
            Ok(r) => r,
            Err(e) => {
                self.lose_coordinator();
                self.request_rejoin();
                return Err(e);
            }
        };
        coordinator.note_throttle(resp.throttle_time_ms);
        if let Some(code) = ErrorCode::from_code(resp.error_code) {
            if matches!(
                code,
                ErrorCode::UnknownMemberId
                    | ErrorCode::IllegalGeneration
                    | ErrorCode::FencedInstanceId
            ) {
                self.signals.reset.store(true, Ordering::Release);
            }
            if matches!(
                code,
                ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
            ) {
                self.lose_coordinator();
            }
            self.request_rejoin();
            return Err(Error::Broker {
                code,
                context: format!("SyncGroup for group {}", self.config.group_id),
            });
        }
        self.active = true;
        self.start_heartbeat(coordinator);
        Ok(resp.assignment)
    }

    fn start_heartbeat(&mut self, coordinator: Arc<Messenger>) {
        self.stop_heartbeat();
        let token = CancellationToken::new();
        self.heartbeat = Some(token.clone());
        let request = HeartbeatRequest::default()
            .with_group_id(self.group_id_field())
            .with_generation_id(self.generation)
            .with_member_id(StrBytes::from_string(self.member_id.clone()))
            .with_group_instance_id(self.instance_id());
        let signals = self.signals.clone();
        let interval = self.config.heartbeat_interval;
        let session = self.config.session_timeout;
        let group = self.config.group_id.clone();
        tokio::spawn(async move {
            let mut last_ok = Instant::now();
            loop {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(interval) => {}
                }
                match coordinator.request(&request).await {
                    Ok(resp) => {
                        coordinator.note_throttle(resp.throttle_time_ms);
                        match ErrorCode::from_code(resp.error_code) {
                            None => last_ok = Instant::now(),
                            Some(ErrorCode::RebalanceInProgress) => {
                                signals.raise(&signals.rejoin);
                                last_ok = Instant::now();
                            }
                            Some(ErrorCode::UnknownMemberId)
                            | Some(ErrorCode::IllegalGeneration)
                            | Some(ErrorCode::FencedInstanceId) => {
                                tracing::info!(%group, code = resp.error_code, "membership lost; rejoining");
                                signals.raise(&signals.reset);
                                return;
                            }
                            Some(ErrorCode::NotCoordinator)
                            | Some(ErrorCode::CoordinatorNotAvailable) => {
                                signals.raise(&signals.coordinator_lost);
                                return;
                            }
                            Some(code) => tracing::warn!(%group, %code, "heartbeat error"),
                        }
                    }
                    Err(e) => {
                        tracing::debug!(%group, error = %e, "heartbeat failed");
                        if coordinator.is_closed() {
                            signals.raise(&signals.coordinator_lost);
                            return;
                        }
                    }
                }
                if last_ok.elapsed() > session {
                    signals.raise(&signals.coordinator_lost);
                    return;
                }
            }
        });
    }

    fn stop_heartbeat(&mut self) {
        if let Some(token) = self.heartbeat.take() {
            token.cancel();
        }
    }

    /// Leaves the group (best effort) so that the others rebalance at once.
    pub async fn leave(&mut self) {
        self.stop_heartbeat();
        let was_active = std::mem::replace(&mut self.active, false);
        if self.member_id.is_empty() {
            return;
        }
        if !was_active {
            // A JoinGroup or SyncGroup may still be waiting at the broker on
            // the coordinator connection, and the broker reads nothing more
            // from a connection until it answers: leave on a new one, so the
            // LeaveGroup is not stuck behind a rebalance that waits for us.
            self.lose_coordinator();
        }
        let Ok(coordinator) = self.coordinator().await else {
            return;
        };
        let request = LeaveGroupRequest::default().with_group_id(self.group_id_field());
        let version = coordinator.version_for::<LeaveGroupRequest>().unwrap_or(0);
        let request = if version >= 3 {
            request.with_members(vec![MemberIdentity::default()
                .with_member_id(StrBytes::from_string(self.member_id.clone()))
                .with_group_instance_id(self.instance_id())
                .with_reason(Some(StrBytes::from_static_str("the member is closing")))])
        } else {
            request.with_member_id(StrBytes::from_string(self.member_id.clone()))
        };
        if let Err(e) = coordinator.request_at(&request, version).await {
            tracing::debug!(group = %self.config.group_id, error = %e, "LeaveGroup failed");
        }
        self.member_id.clear();
        self.generation = -1;
    }
}

impl Drop for GroupMembership {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}

fn millis(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}
