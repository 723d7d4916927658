//! Tests of committed offsets and the admin APIs (OffsetCommit,
//! OffsetFetch, OffsetDelete, ListGroups, DescribeGroups, DeleteGroups and
//! the expiry sweep) through [`GroupManager`].

use std::time::Duration;

use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{
    DeleteGroupsRequest, DescribeGroupsRequest, GroupId, LeaveGroupRequest, ListGroupsRequest,
    OffsetCommitRequest, OffsetDeleteRequest, OffsetFetchRequest, TopicName,
};

use super::errors::*;
use super::tests::{manager, s, stable_single, subscription, within};
use super::{GroupConfig, GroupManager};

fn commit_req(
    group: &str,
    generation: i32,
    member: &str,
    offsets: &[(&str, i32, i64, &str)],
) -> OffsetCommitRequest {
    let mut topics: Vec<OffsetCommitRequestTopic> = Vec::new();
    for (topic, partition, offset, metadata) in offsets {
        let p = OffsetCommitRequestPartition::default()
            .with_partition_index(*partition)
            .with_committed_offset(*offset)
            .with_committed_leader_epoch(3)
            .with_committed_metadata(Some(s(metadata)));
        match topics.iter_mut().find(|t| t.name.as_str() == *topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(
                OffsetCommitRequestTopic::default()
                    .with_name(TopicName(s(topic)))
                    .with_partitions(vec![p]),
            ),
        }
    }
    OffsetCommitRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(s(member))
        .with_topics(topics)
}

fn commit_codes(r: &kafka_protocol::messages::OffsetCommitResponse) -> Vec<i16> {
    r.topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| p.error_code))
        .collect()
}

#[tokio::test]
async fn offsets_commit_and_fetch_with_metadata() {
    let mgr = manager();
    // A simple (generation -1) commit creates the group.
    let r = mgr
        .offset_commit(
            commit_req(
                "simple",
                -1,
                "",
                &[("t", 0, 42, "meta-0"), ("t", 1, 7, ""), ("u", 0, 1, "x")],
            ),
            8,
        )
        .await;
    assert_eq!(commit_codes(&r), vec![NONE, NONE, NONE]);

    // v7, chosen partitions: unknown ones read -1.
    let fetch = OffsetFetchRequest::default()
        .with_group_id(GroupId(s("simple")))
        .with_topics(Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(s("t")))
            .with_partition_indexes(vec![0, 1, 2])]));
    let r = mgr.offset_fetch(fetch, 7).await;
    assert_eq!(r.error_code, NONE);
    let parts = &r.topics[0].partitions;
    assert_eq!(parts[0].committed_offset, 42);
    assert_eq!(parts[0].metadata.as_deref(), Some("meta-0"));
    assert_eq!(parts[0].committed_leader_epoch, 3);
    assert_eq!(parts[1].committed_offset, 7);
    assert_eq!(parts[2].committed_offset, -1);
    assert_eq!(parts[2].metadata.as_deref(), Some(""));

    // All topics when none are named.
    let r = mgr
        .offset_fetch(
            OffsetFetchRequest::default()
                .with_group_id(GroupId(s("simple")))
                .with_topics(None),
            6,
        )
        .await;
    let mut names: Vec<String> = r.topics.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(names, vec!["t", "u"]);

    // v8: several groups at once, one unknown.
    let fetch = OffsetFetchRequest::default().with_groups(vec![
        OffsetFetchRequestGroup::default()
            .with_group_id(GroupId(s("simple")))
            .with_topics(None),
        OffsetFetchRequestGroup::default()
            .with_group_id(GroupId(s("unknown")))
            .with_topics(Some(vec![OffsetFetchRequestTopics::default()
                .with_name(TopicName(s("t")))
                .with_partition_indexes(vec![0])])),
    ]);
    let r = mgr.offset_fetch(fetch, 8).await;
    assert_eq!(r.groups.len(), 2);
    assert_eq!(r.groups[0].topics.len(), 2);
    assert_eq!(r.groups[1].error_code, NONE);
    assert_eq!(r.groups[1].topics[0].partitions[0].committed_offset, -1);

    // Metadata over the limit.
    let big = "x".repeat(5000);
    let r = mgr
        .offset_commit(commit_req("simple", -1, "", &[("t", 0, 1, &big)]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![OFFSET_METADATA_TOO_LARGE]);

    // A generation for a group that does not exist.
    let r = mgr
        .offset_commit(commit_req("nope", 3, "m", &[("t", 0, 1, "")]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![ILLEGAL_GENERATION]);
    let r = mgr
        .offset_commit(commit_req("nope", 3, "m", &[("t", 0, 1, "")]), 9)
        .await;
    assert_eq!(commit_codes(&r), vec![GROUP_ID_NOT_FOUND]);
}

#[tokio::test]
async fn commits_from_members_are_checked() {
    let mgr = manager();
    let (a, generation) = stable_single(&mgr, "g", &["t"]).await;
    let r = mgr
        .offset_commit(commit_req("g", generation, &a, &[("t", 0, 10, "m")]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![NONE]);
    let r = mgr
        .offset_commit(commit_req("g", generation + 1, &a, &[("t", 0, 11, "")]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![ILLEGAL_GENERATION]);
    let r = mgr
        .offset_commit(
            commit_req("g", generation, "stranger", &[("t", 0, 11, "")]),
            8,
        )
        .await;
    assert_eq!(commit_codes(&r), vec![UNKNOWN_MEMBER_ID]);
    // No generation while the group has members.
    let r = mgr
        .offset_commit(commit_req("g", -1, "", &[("t", 0, 11, "")]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![UNKNOWN_MEMBER_ID]);
    let fetch = OffsetFetchRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_topics(None);
    let r = mgr.offset_fetch(fetch, 3).await;
    assert_eq!(r.topics[0].partitions[0].committed_offset, 10);
    assert_eq!(
        r.topics[0].partitions[0].committed_leader_epoch, -1,
        "v3 has no leader epoch"
    );
}

#[tokio::test]
async fn describe_list_and_delete_groups() {
    let mgr = manager();
    let (a, generation) = stable_single(&mgr, "g", &["t"]).await;
    mgr.offset_commit(
        commit_req("g", generation, &a, &[("t", 0, 5, ""), ("other", 0, 9, "")]),
        8,
    )
    .await;
    mgr.offset_commit(commit_req("simple", -1, "", &[("t", 0, 1, "")]), 8)
        .await;

    let described = mgr
        .describe_groups(
            DescribeGroupsRequest::default()
                .with_groups(vec![GroupId(s("g")), GroupId(s("missing"))])
                .with_include_authorized_operations(true),
            5,
        )
        .await;
    let g = &described.groups[0];
    assert_eq!(g.error_code, NONE);
    assert_eq!(g.group_state.as_str(), "Stable");
    assert_eq!(g.protocol_type.as_str(), "consumer");
    assert_eq!(g.protocol_data.as_str(), "range");
    assert_eq!(g.members.len(), 1);
    assert_eq!(g.members[0].member_id.as_str(), a);
    assert_eq!(g.members[0].member_metadata, subscription(&["t"]));
    assert_eq!(&g.members[0].member_assignment[..], b"a1");
    assert_ne!(g.authorized_operations, i32::MIN);
    assert_eq!(described.groups[1].group_state.as_str(), "Dead");
    assert_eq!(described.groups[1].error_code, NONE);
    let v6 = mgr
        .describe_groups(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(s("missing"))]),
            6,
        )
        .await;
    assert_eq!(v6.groups[0].error_code, GROUP_ID_NOT_FOUND);

    let listed = mgr.list_groups(ListGroupsRequest::default(), 5).await;
    let names: Vec<(String, String, String)> = listed
        .groups
        .iter()
        .map(|g| {
            (
                g.group_id.to_string(),
                g.protocol_type.to_string(),
                g.group_state.to_string(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("g".into(), "consumer".into(), "Stable".into()),
            ("simple".into(), "".into(), "Empty".into())
        ]
    );
    let stable_only = mgr
        .list_groups(
            ListGroupsRequest::default().with_states_filter(vec![s("Stable")]),
            4,
        )
        .await;
    assert_eq!(stable_only.groups.len(), 1);

    // OffsetDelete on a consumer group with members: subscribed topics stay.
    let delete = OffsetDeleteRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_topics(vec![
            OffsetDeleteRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![
                    OffsetDeleteRequestPartition::default().with_partition_index(0)
                ]),
            OffsetDeleteRequestTopic::default()
                .with_name(TopicName(s("other")))
                .with_partitions(vec![
                    OffsetDeleteRequestPartition::default().with_partition_index(0)
                ]),
        ]);
    let r = mgr.offset_delete(delete, 0).await;
    assert_eq!(r.error_code, NONE);
    assert_eq!(
        r.topics[0].partitions[0].error_code,
        GROUP_SUBSCRIBED_TO_TOPIC
    );
    assert_eq!(r.topics[1].partitions[0].error_code, NONE);

    // DeleteGroups: not while members remain.
    let del = |names: &[&str]| {
        DeleteGroupsRequest::default()
            .with_groups_names(names.iter().map(|n| GroupId(s(n))).collect())
    };
    let r = mgr.delete_groups(del(&["g", "missing"]), 2).await;
    assert_eq!(r.results[0].error_code, NON_EMPTY_GROUP);
    assert_eq!(r.results[1].error_code, GROUP_ID_NOT_FOUND);
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_members(vec![MemberIdentity::default().with_member_id(s(&a))]);
    mgr.leave_group(leave, 5).await;
    let r = mgr.delete_groups(del(&["g", "simple"]), 2).await;
    assert_eq!(r.results[0].error_code, NONE);
    assert_eq!(r.results[1].error_code, NONE);
    let listed = mgr.list_groups(ListGroupsRequest::default(), 5).await;
    assert!(listed.groups.is_empty());
    let r = mgr
        .offset_fetch(
            OffsetFetchRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_topics(None),
            7,
        )
        .await;
    assert!(r.topics.is_empty());
}

#[tokio::test]
async fn the_sweeper_expires_offsets_and_removes_empty_groups() {
    let mgr = GroupManager::new(GroupConfig {
        offsets_retention_ms: 100,
        offsets_retention_check_interval_ms: 20,
        ..GroupConfig::default()
    });
    let r = mgr
        .offset_commit(commit_req("simple", -1, "", &[("t", 0, 1, "")]), 8)
        .await;
    assert_eq!(commit_codes(&r), vec![NONE]);
    let listed = mgr.list_groups(ListGroupsRequest::default(), 5).await;
    assert_eq!(listed.groups.len(), 1);
    within(async {
        while !mgr
            .list_groups(ListGroupsRequest::default(), 5)
            .await
            .groups
            .is_empty()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let fetch = OffsetFetchRequest::default()
        .with_group_id(GroupId(s("simple")))
        .with_topics(None);
    assert!(mgr.offset_fetch(fetch, 7).await.topics.is_empty());
    mgr.shutdown().await;
}
