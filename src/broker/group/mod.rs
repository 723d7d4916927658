//! The embedded broker's group coordinator: Kafka's classic group protocol
//! (JoinGroup / SyncGroup / Heartbeat / LeaveGroup, KIP-62, KIP-345 static
//! membership, KIP-394 MEMBER_ID_REQUIRED) for any protocol type, committed
//! offsets (OffsetCommit / OffsetFetch / OffsetDelete), and the admin APIs
//! (ListGroups / DescribeGroups / DeleteGroups). It mirrors Java's
//! `GroupCoordinatorService` / `GroupMetadataManager` / `ClassicGroup`, with
//! everything in memory.
//!
//! [`GroupManager`] is what the request dispatcher calls; each group lives in
//! its own kameo actor (`coordinator`) around a plain state machine
//! (`classic`).

mod classic;
mod config;
mod coordinator;
mod describe;
mod errors;
mod join;
mod manager;
mod member;
mod membership;
mod offset_apis;
mod offset_fetch;
mod offsets;
mod responses;
mod state;

#[cfg(test)]
mod classic_tests;
#[cfg(test)]
mod encode_tests;
#[cfg(test)]
mod offset_admin_tests;
#[cfg(test)]
mod tests;

use kafka_protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, HeartbeatRequest, JoinGroupRequest,
    LeaveGroupRequest, ListGroupsRequest, OffsetCommitRequest, OffsetDeleteRequest,
    OffsetFetchRequest, SyncGroupRequest,
};
use kafka_protocol::protocol::Request;

pub use config::GroupConfig;
pub use manager::GroupManager;
pub use member::ClientInfo;
pub use state::GroupState;

/// The versions of the group APIs the coordinator answers: (api key, min,
/// max). They cover what Kafka 4.x's Java clients and our own client
/// (`kafka::versions`) negotiate; OffsetCommit and OffsetFetch stop before
/// the topic-id versions (v10).
pub const SUPPORTED: &[(i16, i16, i16)] = &[
    (JoinGroupRequest::KEY, 0, 9),
    (SyncGroupRequest::KEY, 0, 5),
    (HeartbeatRequest::KEY, 0, 4),
    (LeaveGroupRequest::KEY, 0, 5),
    (OffsetCommitRequest::KEY, 2, 9),
    (OffsetFetchRequest::KEY, 1, 9),
    (ListGroupsRequest::KEY, 0, 5),
    (DescribeGroupsRequest::KEY, 0, 6),
    (OffsetDeleteRequest::KEY, 0, 0),
    (DeleteGroupsRequest::KEY, 0, 2),
];
