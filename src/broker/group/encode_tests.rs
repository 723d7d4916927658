//! Every answer the coordinator gives must encode in every version it
//! claims in [`SUPPORTED`]: the codec refuses fields a version does not have,
//! and a response that cannot be encoded would cost the client its
//! connection.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic,
};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, GroupId, HeartbeatRequest, JoinGroupRequest,
    LeaveGroupRequest, ListGroupsRequest, OffsetCommitRequest, OffsetDeleteRequest,
    OffsetFetchRequest, SyncGroupRequest, TopicName,
};
use kafka_protocol::protocol::{Encodable, Request, StrBytes};

use super::errors::*;
use super::{GroupConfig, GroupManager, SUPPORTED};

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

fn versions<R: Request>() -> std::ops::RangeInclusive<i16> {
    let (_, min, max) = SUPPORTED
        .iter()
        .find(|(key, _, _)| *key == R::KEY)
        .copied()
        .unwrap_or((R::KEY, 0, -1));
    min..=max
}

fn encodes<T: Encodable + std::fmt::Debug>(what: &str, version: i16, message: &T) {
    let mut buf = BytesMut::new();
    if let Err(e) = message.encode(&mut buf, version) {
        panic!("{what} v{version} does not encode: {e}\n{message:?}");
    }
}

fn join_req(group: &str, member: &str) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(10_000)
        .with_member_id(s(member))
        .with_protocol_type(s("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(s("range"))
            .with_metadata(Bytes::from_static(b"\0\0\0\0\0\0"))])
}

#[tokio::test]
async fn every_answer_encodes_in_every_supported_version() {
    let mgr = GroupManager::new(GroupConfig::default());
    for version in versions::<JoinGroupRequest>() {
        let group = format!("g{version}");
        let first = mgr.join_group(join_req(&group, ""), version).await;
        encodes("JoinGroup", version, &first);
        let joined = if first.error_code == MEMBER_ID_REQUIRED {
            mgr.join_group(join_req(&group, &first.member_id), version)
                .await
        } else {
            first
        };
        assert_eq!(joined.error_code, NONE, "JoinGroup v{version}");
        encodes("JoinGroup", version, &joined);
        let refused = mgr.join_group(join_req("", "x"), version).await;
        encodes("JoinGroup", version, &refused);
    }

    // One more group for the other APIs to talk to.
    let joined = mgr.join_group(join_req("main", ""), 9).await;
    let joined = mgr.join_group(join_req("main", &joined.member_id), 9).await;
    let id = joined.member_id.to_string();
    for version in versions::<SyncGroupRequest>() {
        let req = SyncGroupRequest::default()
            .with_group_id(GroupId(s("main")))
            .with_generation_id(joined.generation_id)
            .with_member_id(s(&id))
            .with_assignments(vec![SyncGroupRequestAssignment::default()
                .with_member_id(s(&id))
                .with_assignment(Bytes::from_static(b"a"))]);
        let r = mgr.sync_group(req, version).await;
        assert_eq!(r.error_code, NONE, "SyncGroup v{version}");
        encodes("SyncGroup", version, &r);
    }
    for version in versions::<HeartbeatRequest>() {
        let req = HeartbeatRequest::default()
            .with_group_id(GroupId(s("main")))
            .with_generation_id(joined.generation_id)
            .with_member_id(s(&id));
        encodes("Heartbeat", version, &mgr.heartbeat(req, version).await);
    }
    for version in versions::<OffsetCommitRequest>() {
        let req = OffsetCommitRequest::default()
            .with_group_id(GroupId(s("main")))
            .with_generation_id_or_member_epoch(joined.generation_id)
            .with_member_id(s(&id))
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![OffsetCommitRequestPartition::default()
                    .with_partition_index(0)
                    .with_committed_offset(5)
                    .with_committed_metadata(Some(s("m")))])]);
        let r = mgr.offset_commit(req, version).await;
        assert_eq!(
            r.topics[0].partitions[0].error_code, NONE,
            "OffsetCommit v{version}"
        );
        encodes("OffsetCommit", version, &r);
    }
    for version in versions::<OffsetFetchRequest>() {
        let req = if version >= 8 {
            OffsetFetchRequest::default().with_groups(vec![OffsetFetchRequestGroup::default()
                .with_group_id(GroupId(s("main")))
                .with_topics(None)])
        } else {
            OffsetFetchRequest::default()
                .with_group_id(GroupId(s("main")))
                .with_topics(Some(vec![OffsetFetchRequestTopic::default()
                    .with_name(TopicName(s("t")))
                    .with_partition_indexes(vec![0, 1])]))
        };
        encodes(
            "OffsetFetch",
            version,
            &mgr.offset_fetch(req, version).await,
        );
    }
    for version in versions::<ListGroupsRequest>() {
        encodes(
            "ListGroups",
            version,
            &mgr.list_groups(ListGroupsRequest::default(), version).await,
        );
    }
    for version in versions::<DescribeGroupsRequest>() {
        let req = DescribeGroupsRequest::default()
            .with_groups(vec![GroupId(s("main")), GroupId(s("missing"))])
            .with_include_authorized_operations(version >= 3);
        encodes(
            "DescribeGroups",
            version,
            &mgr.describe_groups(req, version).await,
        );
    }
    for version in versions::<OffsetDeleteRequest>() {
        let req = OffsetDeleteRequest::default()
            .with_group_id(GroupId(s("main")))
            .with_topics(vec![OffsetDeleteRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![
                    OffsetDeleteRequestPartition::default().with_partition_index(0)
                ])]);
        encodes(
            "OffsetDelete",
            version,
            &mgr.offset_delete(req, version).await,
        );
    }
    for version in versions::<LeaveGroupRequest>() {
        let req = if version >= 3 {
            LeaveGroupRequest::default()
                .with_group_id(GroupId(s("main")))
                .with_members(vec![MemberIdentity::default().with_member_id(s("nobody"))])
        } else {
            LeaveGroupRequest::default()
                .with_group_id(GroupId(s("main")))
                .with_member_id(s("nobody"))
        };
        encodes("LeaveGroup", version, &mgr.leave_group(req, version).await);
    }
    for version in versions::<DeleteGroupsRequest>() {
        let req = DeleteGroupsRequest::default()
            .with_groups_names(vec![GroupId(s("main")), GroupId(s("missing"))]);
        encodes(
            "DeleteGroups",
            version,
            &mgr.delete_groups(req, version).await,
        );
    }
}
