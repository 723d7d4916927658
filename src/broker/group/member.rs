//! One member of a classic group (Java's `ClassicGroupMember`): who it is, the
//! protocols it offered, its assignment, its liveness deadline, and the
//! JoinGroup / SyncGroup replies it is waiting for.

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{JoinGroupResponse, SyncGroupResponse};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// One protocol a member offers in JoinGroup: its name and the opaque
/// metadata (for consumers, the subscription).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Protocol {
    pub name: String,
    pub metadata: Bytes,
}

/// Who sent the request, for DescribeGroups and for member ids (Kafka builds
/// them from the client id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The request header's client id.
    pub client_id: String,
    /// The client's address as Kafka shows it (`/127.0.0.1`).
    pub client_host: String,
}

/// A JoinGroup that waits for the rebalance to complete: the reply goes out
/// when it does, in the version the request came in.
pub(super) struct JoinWaiter {
    pub tx: oneshot::Sender<JoinGroupResponse>,
    pub version: i16,
}

/// A SyncGroup that waits for the leader's assignment.
pub(super) struct SyncWaiter {
    pub tx: oneshot::Sender<SyncGroupResponse>,
    pub version: i16,
}

/// A member of the group.
pub(super) struct Member {
    pub member_id: String,
    /// Static membership (KIP-345): the id that survives restarts.
    pub group_instance_id: Option<String>,
    pub client: ClientInfo,
    /// Without a heartbeat (or join/sync) for this long the member is removed.
    pub session_timeout: Duration,
    /// How long a rebalance may wait for this member to rejoin.
    pub rebalance_timeout: Duration,
    pub protocol_type: String,
    /// The protocols offered, in the member's order of preference.
    pub protocols: Vec<Protocol>,
    /// What the leader assigned to this member in the current generation.
    pub assignment: Bytes,
    /// The member's pending JoinGroup, answered when the rebalance completes.
    pub awaiting_join: Option<JoinWaiter>,
    /// The member's pending SyncGroup, answered when the leader's assignment
    /// arrives.
    pub awaiting_sync: Option<SyncWaiter>,
    /// Joined but not yet through a completed rebalance: such a member is
    /// dropped after the new-member timeout even while it waits in JoinGroup.
    pub is_new: bool,
    /// When the member's session expires unless it shows signs of life.
    pub deadline: Instant,
    /// When the session timer already running for this member fires, so
    /// that each heartbeat does not start one more (a timer that finds its
    /// time different from this one is stale).
    pub timer_at: Option<Instant>,
}

impl Member {
    /// Whether `protocols` are exactly what the member offered last time.
    pub fn matches(&self, protocols: &[Protocol]) -> bool {
        self.protocols == protocols
    }

    /// The member's metadata for `protocol`.
    pub fn metadata(&self, protocol: &str) -> Option<&Bytes> {
        self.protocols
            .iter()
            .find(|p| p.name == protocol)
            .map(|p| &p.metadata)
    }

    /// Whether the member offers `protocol`.
    pub fn supports(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|p| p.name == protocol)
    }

    /// The member's favourite among `candidates`.
    pub fn vote<'a>(&self, candidates: &'a [String]) -> Option<&'a String> {
        self.protocols
            .iter()
            .find_map(|p| candidates.iter().find(|c| **c == p.name))
    }

    /// Whether the member counts as alive without a heartbeat: waiting in
    /// JoinGroup or SyncGroup keeps an established member alive (Java's
    /// `hasSatisfiedHeartbeat`), but not a brand-new one.
    pub fn waiting_keeps_alive(&self) -> bool {
        !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some())
    }
}
