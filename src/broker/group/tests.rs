//! Tests of group membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
//! rebalances) driven through [`GroupManager`] with the request structs a
//! connection handler would decode, and the helpers the other test files
//! share. Tests about timeouts use timeouts of a few hundred milliseconds
//! and wait for the event itself (bounded by [`within`]); the exact timing
//! rules are tested on the state machine with a synthetic clock
//! (`classic_tests`).

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    ConsumerProtocolSubscription, DescribeGroupsRequest, GroupId, HeartbeatRequest,
    JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, ListGroupsRequest, OffsetDeleteRequest,
    SyncGroupRequest,
};
use kafka_protocol::protocol::{Encodable, StrBytes};

use super::errors::*;
use super::{ClientInfo, GroupConfig, GroupManager};

pub(super) const SESSION_MS: i32 = 10_000;
pub(super) const REBALANCE_MS: i32 = 30_000;

pub(super) fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

pub(super) fn manager() -> GroupManager {
    manager_with_delay(0)
}

/// A coordinator whose first rebalance waits `ms` for more members, and
/// which takes the short session timeouts of the timing tests.
pub(super) fn manager_with_delay(ms: i32) -> GroupManager {
    GroupManager::new(GroupConfig {
        group_initial_rebalance_delay_ms: ms,
        group_min_session_timeout_ms: 1,
        ..GroupConfig::default()
    })
}

/// Waits for `f`, failing the test after five seconds.
pub(super) async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .expect("timed out")
}

/// Short session and rebalance timeouts (milliseconds) for timing tests.
pub(super) fn with_timeouts(
    mut req: JoinGroupRequest,
    session: i32,
    rebalance: i32,
) -> JoinGroupRequest {
    req.session_timeout_ms = session;
    req.rebalance_timeout_ms = rebalance;
    req
}

/// Consumer-protocol subscription metadata for `topics` (version 0).
pub(super) fn subscription(topics: &[&str]) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    ConsumerProtocolSubscription::default()
        .with_topics(topics.iter().map(|t| s(t)).collect())
        .encode(&mut buf, 0)
        .expect("subscription encodes");
    buf.freeze()
}

pub(super) fn join_req(
    group: &str,
    member_id: &str,
    protocols: &[(&str, Bytes)],
) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_session_timeout_ms(SESSION_MS)
        .with_rebalance_timeout_ms(REBALANCE_MS)
        .with_member_id(s(member_id))
        .with_protocol_type(s("consumer"))
        .with_protocols(
            protocols
                .iter()
                .map(|(name, metadata)| {
                    JoinGroupRequestProtocol::default()
                        .with_name(s(name))
                        .with_metadata(metadata.clone())
                })
                .collect(),
        )
}

pub(super) fn range(topics: &[&str]) -> Vec<(&'static str, Bytes)> {
    vec![("range", subscription(topics))]
}

/// Joins as a v9 client does: empty id, MEMBER_ID_REQUIRED, then again with
/// the given id. Returns the final (waiting) join's answer.
pub(super) async fn join_new(
    mgr: &GroupManager,
    group: &str,
    protocols: &[(&str, Bytes)],
) -> JoinGroupResponse {
    let first = mgr.join_group(join_req(group, "", protocols), 9).await;
    assert_eq!(first.error_code, MEMBER_ID_REQUIRED);
    assert!(!first.member_id.is_empty());
    mgr.join_group(join_req(group, &first.member_id, protocols), 9)
        .await
}

/// Gets a member id without joining yet (the MEMBER_ID_REQUIRED round).
pub(super) async fn member_id(mgr: &GroupManager, group: &str) -> String {
    let first = mgr.join_group(join_req(group, "", &range(&["t"])), 9).await;
    assert_eq!(first.error_code, MEMBER_ID_REQUIRED);
    first.member_id.to_string()
}

pub(super) fn sync_req(
    group: &str,
    generation: i32,
    member: &str,
    assignments: &[(&str, &[u8])],
) -> SyncGroupRequest {
    SyncGroupRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_generation_id(generation)
        .with_member_id(s(member))
        .with_protocol_type(Some(s("consumer")))
        .with_protocol_name(Some(s("range")))
        .with_assignments(
            assignments
                .iter()
                .map(|(m, a)| {
                    SyncGroupRequestAssignment::default()
                        .with_member_id(s(m))
                        .with_assignment(Bytes::copy_from_slice(a))
                })
                .collect(),
        )
}

pub(super) fn heartbeat_req(group: &str, generation: i32, member: &str) -> HeartbeatRequest {
    HeartbeatRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_generation_id(generation)
        .with_member_id(s(member))
}

/// Lets spawned tasks (actors, timers, requests) run without moving time.
pub(super) async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

/// A stable group of one member; returns (member id, generation).
pub(super) async fn stable_single(
    mgr: &GroupManager,
    group: &str,
    topics: &[&str],
) -> (String, i32) {
    let joined = join_new(mgr, group, &range(topics)).await;
    assert_eq!(joined.error_code, NONE);
    let id = joined.member_id.to_string();
    let synced = mgr
        .sync_group(
            sync_req(group, joined.generation_id, &id, &[(&id, b"a1")]),
            5,
        )
        .await;
    assert_eq!(synced.error_code, NONE);
    (id, joined.generation_id)
}

#[tokio::test]
async fn member_id_required_then_join_as_leader() {
    let mgr = manager();
    let first = mgr.join_group(join_req("g", "", &range(&["t"])), 5).await;
    assert_eq!(first.error_code, MEMBER_ID_REQUIRED);
    assert_eq!(first.generation_id, -1);
    let id = first.member_id.to_string();
    assert!(!id.is_empty());

    let joined = mgr.join_group(join_req("g", &id, &range(&["t"])), 5).await;
    assert_eq!(joined.error_code, NONE);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader.as_str(), id);
    assert_eq!(joined.member_id.as_str(), id);
    assert_eq!(joined.members.len(), 1);
    assert_eq!(joined.members[0].metadata, subscription(&["t"]));
    assert_eq!(joined.protocol_name.as_deref(), Some("range"));

    // Before v4 a member id is handed out directly.
    let old = mgr.join_group(join_req("g3", "", &range(&["t"])), 3).await;
    assert_eq!(old.error_code, NONE);
    assert!(!old.member_id.is_empty());
    assert_eq!(old.generation_id, 1);

    // v7+ names the protocol type; the client id prefixes member ids.
    let client = ClientInfo {
        client_id: "consumer-g-1".into(),
        client_host: "/127.0.0.1".into(),
    };
    let r = mgr
        .join_group_from(join_req("g7", "", &range(&["t"])), 7, client)
        .await;
    assert!(r.member_id.starts_with("consumer-g-1-"));
    let r = mgr
        .join_group(join_req("g7", &r.member_id, &range(&["t"])), 7)
        .await;
    assert_eq!(r.protocol_type.as_deref(), Some("consumer"));
}

#[tokio::test]
async fn two_members_join_together_and_follower_sync_waits_for_leader() {
    let mgr = manager_with_delay(100);
    let a = member_id(&mgr, "g").await;
    let b = member_id(&mgr, "g").await;
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let (a1, b1) = (a.clone(), b.clone());
    let ja =
        tokio::spawn(async move { m1.join_group(join_req("g", &a1, &range(&["t1"])), 9).await });
    let jb =
        tokio::spawn(async move { m2.join_group(join_req("g", &b1, &range(&["t2"])), 9).await });
    let (ja, jb) = (ja.await.expect("join a"), jb.await.expect("join b"));
    assert_eq!((ja.error_code, jb.error_code), (NONE, NONE));
    assert_eq!(ja.generation_id, 1);
    assert_eq!(jb.generation_id, 1);
    assert_eq!(ja.leader, jb.leader);
    let (leader, follower, leader_resp, follower_resp) = if ja.leader.as_str() == a {
        (a.clone(), b.clone(), ja, jb)
    } else {
        (b.clone(), a.clone(), jb, ja)
    };
    assert_eq!(leader_resp.members.len(), 2);
    assert!(follower_resp.members.is_empty());
    let metadata: Vec<(String, Bytes)> = leader_resp
        .members
        .iter()
        .map(|m| (m.member_id.to_string(), m.metadata.clone()))
        .collect();
    assert!(metadata.contains(&(a.clone(), subscription(&["t1"]))));
    assert!(metadata.contains(&(b.clone(), subscription(&["t2"]))));

    // The follower's SyncGroup waits for the leader's.
    let m3 = mgr.clone();
    let f = follower.clone();
    let follower_sync =
        tokio::spawn(async move { m3.sync_group(sync_req("g", 1, &f, &[]), 5).await });
    settle().await;
    assert!(!follower_sync.is_finished());

    let leader_sync = mgr
        .sync_group(
            sync_req("g", 1, &leader, &[(&leader, b"L"), (&follower, b"F")]),
            5,
        )
        .await;
    assert_eq!(leader_sync.error_code, NONE);
    assert_eq!(&leader_sync.assignment[..], b"L");
    assert_eq!(leader_sync.protocol_name.as_deref(), Some("range"));
    let follower_sync = follower_sync.await.expect("follower sync");
    assert_eq!(follower_sync.error_code, NONE);
    assert_eq!(&follower_sync.assignment[..], b"F");

    let hb = mgr.heartbeat(heartbeat_req("g", 1, &follower), 4).await;
    assert_eq!(hb.error_code, NONE);
}

#[tokio::test]
async fn every_rebalance_bumps_the_generation_and_new_members_trigger_one() {
    let mgr = manager();
    let (a, gen1) = stable_single(&mgr, "g", &["t"]).await;
    assert_eq!(gen1, 1);

    // A second member: its join waits until the first rejoins.
    let b = member_id(&mgr, "g").await;
    let m = mgr.clone();
    let b1 = b.clone();
    let jb = tokio::spawn(async move { m.join_group(join_req("g", &b1, &range(&["t"])), 9).await });
    settle().await;
    assert!(!jb.is_finished());
    let hb = mgr.heartbeat(heartbeat_req("g", gen1, &a), 4).await;
    assert_eq!(hb.error_code, REBALANCE_IN_PROGRESS);
    // A stale SyncGroup during the rebalance is told so too.
    let sync = mgr.sync_group(sync_req("g", gen1, &a, &[]), 5).await;
    assert_eq!(sync.error_code, REBALANCE_IN_PROGRESS);

    let ja = mgr.join_group(join_req("g", &a, &range(&["t"])), 9).await;
    let jb = jb.await.expect("join b");
    assert_eq!(ja.generation_id, 2);
    assert_eq!(jb.generation_id, 2);
    assert_eq!(ja.leader.as_str(), a, "the leader is kept");
    assert_eq!(ja.members.len(), 2);
    let m = mgr.clone();
    let b2 = b.clone();
    let sb = tokio::spawn(async move { m.sync_group(sync_req("g", 2, &b2, &[]), 5).await });
    let sa = mgr
        .sync_group(sync_req("g", 2, &a, &[(&a, b"x"), (&b, b"y")]), 5)
        .await;
    assert_eq!(sa.error_code, NONE);
    assert_eq!(&sb.await.expect("sync b").assignment[..], b"y");

    // A third member: both others hear of it through their heartbeats.
    let c = member_id(&mgr, "g").await;
    let m = mgr.clone();
    let c1 = c.clone();
    let jc = tokio::spawn(async move { m.join_group(join_req("g", &c1, &range(&["t"])), 9).await });
    settle().await;
    for member in [&a, &b] {
        let hb = mgr.heartbeat(heartbeat_req("g", 2, member), 4).await;
        assert_eq!(hb.error_code, REBALANCE_IN_PROGRESS);
    }
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let (a1, b1) = (a.clone(), b.clone());
    let ja =
        tokio::spawn(async move { m1.join_group(join_req("g", &a1, &range(&["t"])), 9).await });
    let jb =
        tokio::spawn(async move { m2.join_group(join_req("g", &b1, &range(&["t"])), 9).await });
    let generations = [
        ja.await.expect("a").generation_id,
        jb.await.expect("b").generation_id,
        jc.await.expect("c").generation_id,
    ];
    assert_eq!(generations, [3, 3, 3]);
}

#[tokio::test]
async fn a_silent_member_is_removed_when_its_session_expires() {
    let mgr = manager_with_delay(50);
    let a = member_id(&mgr, "g").await;
    let b = member_id(&mgr, "g").await;
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let (a1, b1) = (a.clone(), b.clone());
    let ja = tokio::spawn(async move {
        let req = with_timeouts(join_req("g", &a1, &range(&["t"])), 300, 300);
        m1.join_group(req, 9).await
    });
    let jb = tokio::spawn(async move {
        let req = with_timeouts(join_req("g", &b1, &range(&["t"])), 300, 300);
        m2.join_group(req, 9).await
    });
    let ja = within(ja).await.expect("a");
    within(jb).await.expect("b");
    assert_eq!(ja.generation_id, 1);
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let (a1, b1) = (a.clone(), b.clone());
    let sa = tokio::spawn(async move { m1.sync_group(sync_req("g", 1, &a1, &[]), 5).await });
    let sb = tokio::spawn(async move { m2.sync_group(sync_req("g", 1, &b1, &[]), 5).await });
    assert_eq!(within(sa).await.expect("a").error_code, NONE);
    assert_eq!(within(sb).await.expect("b").error_code, NONE);

    // Only b heartbeats (as a client does, every few tens of milliseconds);
    // a's session runs out and b is told to rejoin.
    within(async {
        loop {
            let hb = mgr.heartbeat(heartbeat_req("g", 1, &b), 4).await;
            if hb.error_code == REBALANCE_IN_PROGRESS {
                break;
            }
            assert_eq!(hb.error_code, NONE);
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    })
    .await;
    let hb = mgr.heartbeat(heartbeat_req("g", 1, &a), 4).await;
    assert_eq!(hb.error_code, UNKNOWN_MEMBER_ID);

    let jb = within(mgr.join_group(join_req("g", &b, &range(&["t"])), 9)).await;
    assert_eq!(jb.error_code, NONE);
    assert_eq!(jb.generation_id, 2);
    assert_eq!(jb.leader.as_str(), b);
    assert_eq!(jb.members.len(), 1);
}

#[tokio::test]
async fn a_member_that_does_not_rejoin_is_dropped_after_the_rebalance_timeout() {
    let mgr = manager();
    let a = member_id(&mgr, "g").await;
    let req = with_timeouts(join_req("g", &a, &range(&["t"])), 10_000, 200);
    assert_eq!(mgr.join_group(req, 9).await.generation_id, 1);
    mgr.sync_group(sync_req("g", 1, &a, &[]), 5).await;
    let b = member_id(&mgr, "g").await;
    let m = mgr.clone();
    let b1 = b.clone();
    let jb = tokio::spawn(async move {
        let req = with_timeouts(join_req("g", &b1, &range(&["t"])), 10_000, 200);
        m.join_group(req, 9).await
    });
    settle().await;
    // a stays alive (its session is long) but never rejoins; the rebalance
    // completes without it once the rebalance timeout runs out.
    let jb = within(jb).await.expect("b");
    assert_eq!(jb.error_code, NONE);
    assert_eq!(jb.generation_id, 2);
    assert_eq!(jb.leader.as_str(), b);
    let hb = mgr.heartbeat(heartbeat_req("g", 1, &a), 4).await;
    assert_eq!(hb.error_code, UNKNOWN_MEMBER_ID);
}

#[tokio::test]
async fn followers_are_released_when_the_leader_never_syncs() {
    let mgr = manager_with_delay(50);
    let a = member_id(&mgr, "g").await;
    let b = member_id(&mgr, "g").await;
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let (a1, b1) = (a.clone(), b.clone());
    let ja = tokio::spawn(async move {
        let req = with_timeouts(join_req("g", &a1, &range(&["t"])), 10_000, 200);
        m1.join_group(req, 9).await
    });
    let jb = tokio::spawn(async move {
        let req = with_timeouts(join_req("g", &b1, &range(&["t"])), 10_000, 200);
        m2.join_group(req, 9).await
    });
    let ja = within(ja).await.expect("a");
    within(jb).await.expect("b");
    let follower = if ja.leader.as_str() == a { b } else { a };
    let m = mgr.clone();
    let f = follower.clone();
    let sync = tokio::spawn(async move { m.sync_group(sync_req("g", 1, &f, &[]), 5).await });
    settle().await;
    assert!(!sync.is_finished());
    let sync = within(sync).await.expect("sync");
    assert_eq!(sync.error_code, REBALANCE_IN_PROGRESS);
}

#[tokio::test]
async fn leaving_triggers_a_rebalance() {
    let mgr = manager();
    let (a, _) = stable_single(&mgr, "g", &["t"]).await;
    let b = member_id(&mgr, "g").await;
    let m = mgr.clone();
    let b1 = b.clone();
    let jb = tokio::spawn(async move { m.join_group(join_req("g", &b1, &range(&["t"])), 9).await });
    settle().await;
    let ja = mgr.join_group(join_req("g", &a, &range(&["t"])), 9).await;
    assert_eq!(jb.await.expect("b").generation_id, 2);
    let m = mgr.clone();
    let b2 = b.clone();
    let sb = tokio::spawn(async move { m.sync_group(sync_req("g", 2, &b2, &[]), 5).await });
    mgr.sync_group(sync_req("g", ja.generation_id, &a, &[]), 5)
        .await;
    sb.await.expect("sync b");

    // v3+: a list of members.
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_members(vec![MemberIdentity::default().with_member_id(s(&b))]);
    let r = mgr.leave_group(leave, 5).await;
    assert_eq!(r.error_code, NONE);
    assert_eq!(r.members.len(), 1);
    assert_eq!(r.members[0].error_code, NONE);
    let hb = mgr.heartbeat(heartbeat_req("g", 2, &a), 4).await;
    assert_eq!(hb.error_code, REBALANCE_IN_PROGRESS);
    let ja = mgr.join_group(join_req("g", &a, &range(&["t"])), 9).await;
    assert_eq!(ja.generation_id, 3);
    assert_eq!(ja.members.len(), 1);
    mgr.sync_group(sync_req("g", 3, &a, &[]), 5).await;

    // v0-2: one member id; unknown members are refused.
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s("nobody"));
    assert_eq!(
        mgr.leave_group(leave, 1).await.error_code,
        UNKNOWN_MEMBER_ID
    );
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s(&a));
    assert_eq!(mgr.leave_group(leave, 1).await.error_code, NONE);
    let described = mgr
        .describe_groups(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g"))]),
            5,
        )
        .await;
    assert_eq!(described.groups[0].group_state.as_str(), "Empty");
    assert!(described.groups[0].members.is_empty());
}

#[tokio::test]
async fn incompatible_protocols_are_refused() {
    let mgr = manager();
    let (_a, _) = stable_single(&mgr, "g", &["t"]).await;
    // Another protocol type.
    let mut req = join_req("g", "", &range(&["t"]));
    req.protocol_type = s("connect");
    assert_eq!(
        mgr.join_group(req, 9).await.error_code,
        INCONSISTENT_GROUP_PROTOCOL
    );
    // No protocol in common.
    let req = join_req("g", "", &[("roundrobin", Bytes::new())]);
    assert_eq!(
        mgr.join_group(req, 9).await.error_code,
        INCONSISTENT_GROUP_PROTOCOL
    );
    // Nothing offered at all.
    let req = join_req("other", "", &[]);
    assert_eq!(
        mgr.join_group(req, 9).await.error_code,
        INCONSISTENT_GROUP_PROTOCOL
    );
    // Session timeout out of range.
    let mut req = join_req("other", "", &range(&["t"]));
    req.session_timeout_ms = 0;
    assert_eq!(
        mgr.join_group(req, 9).await.error_code,
        INVALID_SESSION_TIMEOUT
    );
    let mut req = join_req("other", "", &range(&["t"]));
    req.session_timeout_ms = 1_800_001;
    assert_eq!(
        mgr.join_group(req, 9).await.error_code,
        INVALID_SESSION_TIMEOUT
    );
    let req = join_req("", "", &range(&["t"]));
    assert_eq!(mgr.join_group(req, 9).await.error_code, INVALID_GROUP_ID);
    // A member id for a group that does not exist.
    let req = join_req("ghost", "member-1", &range(&["t"]));
    assert_eq!(mgr.join_group(req, 9).await.error_code, UNKNOWN_MEMBER_ID);
    let listed = mgr.list_groups(ListGroupsRequest::default(), 5).await;
    assert!(!listed.groups.iter().any(|g| g.group_id.as_str() == "ghost"));
}

#[tokio::test]
async fn the_protocol_is_one_every_member_supports() {
    let mgr = manager_with_delay(100);
    let a = member_id(&mgr, "c").await;
    let b = member_id(&mgr, "c").await;
    let connect = |id: &str, protocols: &[(&str, Bytes)]| {
        let mut req = join_req("c", id, protocols);
        req.protocol_type = s("connect");
        req
    };
    let ra = connect(
        &a,
        &[
            ("sessioned", Bytes::from_static(b"1")),
            ("default", Bytes::from_static(b"2")),
        ],
    );
    let rb = connect(&b, &[("default", Bytes::from_static(b"3"))]);
    let (m1, m2) = (mgr.clone(), mgr.clone());
    let ja = tokio::spawn(async move { m1.join_group(ra, 7).await });
    let jb = tokio::spawn(async move { m2.join_group(rb, 7).await });
    let (ja, jb) = (ja.await.expect("a"), jb.await.expect("b"));
    assert_eq!(ja.protocol_name.as_deref(), Some("default"));
    assert_eq!(jb.protocol_name.as_deref(), Some("default"));
    assert_eq!(ja.protocol_type.as_deref(), Some("connect"));
    let leader = if ja.leader.as_str() == a { ja } else { jb };
    let mut metadata: Vec<Bytes> = leader.members.iter().map(|m| m.metadata.clone()).collect();
    metadata.sort();
    assert_eq!(
        metadata,
        vec![Bytes::from_static(b"2"), Bytes::from_static(b"3")]
    );
}

#[tokio::test]
async fn sync_group_errors() {
    let mgr = manager();
    assert_eq!(
        mgr.sync_group(sync_req("none", 1, "x", &[]), 5)
            .await
            .error_code,
        UNKNOWN_MEMBER_ID
    );
    let (a, generation) = stable_single(&mgr, "g", &["t"]).await;
    assert_eq!(
        mgr.sync_group(sync_req("g", generation, "x", &[]), 5)
            .await
            .error_code,
        UNKNOWN_MEMBER_ID
    );
    assert_eq!(
        mgr.sync_group(sync_req("g", generation + 1, &a, &[]), 5)
            .await
            .error_code,
        ILLEGAL_GENERATION
    );
    let mut wrong = sync_req("g", generation, &a, &[]);
    wrong.protocol_name = Some(s("roundrobin"));
    assert_eq!(
        mgr.sync_group(wrong, 5).await.error_code,
        INCONSISTENT_GROUP_PROTOCOL
    );
    // Stable: the current assignment again.
    let again = mgr.sync_group(sync_req("g", generation, &a, &[]), 3).await;
    assert_eq!(again.error_code, NONE);
    assert_eq!(&again.assignment[..], b"a1");
    assert_eq!(
        mgr.heartbeat(heartbeat_req("g", generation + 1, &a), 4)
            .await
            .error_code,
        ILLEGAL_GENERATION
    );
}

#[tokio::test]
async fn static_members_join_without_member_id_round_and_are_fenced() {
    let mgr = manager();
    let mut req = join_req("g", "", &range(&["t"]));
    req.group_instance_id = Some(s("instance-1"));
    let joined = mgr.join_group(req, 9).await;
    assert_eq!(joined.error_code, NONE);
    let id = joined.member_id.to_string();
    assert!(id.starts_with("instance-1-"));
    let mut hb = heartbeat_req("g", 1, "someone-else");
    hb.group_instance_id = Some(s("instance-1"));
    assert_eq!(mgr.heartbeat(hb, 4).await.error_code, FENCED_INSTANCE_ID);
    let mut hb = heartbeat_req("g", 1, &id);
    hb.group_instance_id = Some(s("instance-1"));
    assert_eq!(mgr.heartbeat(hb, 4).await.error_code, NONE);
    // Leaving by instance id alone.
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_members(vec![MemberIdentity::default()
            .with_member_id(s(""))
            .with_group_instance_id(Some(s("instance-1")))]);
    let r = mgr.leave_group(leave, 4).await;
    assert_eq!(r.members[0].error_code, NONE);
}

#[tokio::test]
async fn shutdown_releases_waiting_requests() {
    let mgr = manager();
    let (_a, _) = stable_single(&mgr, "g", &["t"]).await;
    let b = member_id(&mgr, "g").await;
    let m = mgr.clone();
    let jb = tokio::spawn(async move { m.join_group(join_req("g", &b, &range(&["t"])), 9).await });
    settle().await;
    mgr.shutdown().await;
    assert_eq!(
        jb.await.expect("join").error_code,
        COORDINATOR_NOT_AVAILABLE
    );
    let r = mgr.join_group(join_req("g", "", &range(&["t"])), 9).await;
    assert_eq!(r.error_code, COORDINATOR_NOT_AVAILABLE);
}

#[tokio::test]
async fn a_restarted_static_member_takes_over_without_a_rebalance() {
    let mgr = manager();
    let static_join = |member: &str| {
        let mut req = join_req("g", member, &range(&["t"]));
        req.group_instance_id = Some(s("instance-1"));
        req
    };
    let joined = mgr.join_group(static_join(""), 5).await;
    assert_eq!(joined.error_code, NONE);
    let old_id = joined.member_id.to_string();
    let synced = mgr
        .sync_group(sync_req("g", 1, &old_id, &[(&old_id, b"mine")]), 5)
        .await;
    assert_eq!(&synced.assignment[..], b"mine");

    // The same instance comes back without its member id.
    let again = mgr.join_group(static_join(""), 5).await;
    assert_eq!(again.error_code, NONE);
    assert_eq!(again.generation_id, 1, "no rebalance");
    let new_id = again.member_id.to_string();
    assert_ne!(new_id, old_id);
    assert_eq!(again.leader.as_str(), old_id, "answered as a follower");
    let synced = mgr.sync_group(sync_req("g", 1, &new_id, &[]), 5).await;
    assert_eq!(synced.error_code, NONE);
    assert_eq!(&synced.assignment[..], b"mine");
    assert_eq!(
        mgr.heartbeat(heartbeat_req("g", 1, &new_id), 4)
            .await
            .error_code,
        NONE
    );
    // The old incarnation is fenced.
    let mut hb = heartbeat_req("g", 1, &old_id);
    hb.group_instance_id = Some(s("instance-1"));
    assert_eq!(mgr.heartbeat(hb, 4).await.error_code, FENCED_INSTANCE_ID);

    // v9: a restarted leader is told it may skip the assignment.
    let again = mgr.join_group(static_join(""), 9).await;
    assert_eq!(again.error_code, NONE);
    assert!(again.skip_assignment);
    assert_eq!(again.members.len(), 1);
}

#[tokio::test]
async fn groups_have_a_maximum_size_and_unknown_groups_have_no_members() {
    let mgr = GroupManager::new(GroupConfig {
        group_max_size: 1,
        ..GroupConfig::default()
    });
    let (_a, _) = stable_single(&mgr, "g", &["t"]).await;
    let r = mgr.join_group(join_req("g", "", &range(&["t"])), 9).await;
    assert_eq!(r.error_code, GROUP_MAX_SIZE_REACHED);

    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("nowhere")))
        .with_members(vec![MemberIdentity::default().with_member_id(s("m"))]);
    let r = mgr.leave_group(leave, 5).await;
    assert_eq!(r.error_code, NONE);
    assert_eq!(r.members[0].error_code, UNKNOWN_MEMBER_ID);
    let leave = LeaveGroupRequest::default()
        .with_group_id(GroupId(s("nowhere")))
        .with_member_id(s("m"));
    assert_eq!(
        mgr.leave_group(leave, 2).await.error_code,
        UNKNOWN_MEMBER_ID
    );
    assert_eq!(
        mgr.heartbeat(heartbeat_req("nowhere", 1, "m"), 4)
            .await
            .error_code,
        UNKNOWN_MEMBER_ID
    );
    let delete = OffsetDeleteRequest::default().with_group_id(GroupId(s("nowhere")));
    assert_eq!(
        mgr.offset_delete(delete, 0).await.error_code,
        GROUP_ID_NOT_FOUND
    );
}

/// Connection handlers run on spawned tasks: every future of the manager
/// must be `Send`, and the manager itself `Send + Sync + Clone`.
#[test]
fn the_manager_and_its_futures_can_move_between_threads() {
    fn send<T: Send>(_: &T) {}
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<GroupManager>();
    let mgr = manager();
    send(&mgr.join_group(JoinGroupRequest::default(), 9));
    send(&mgr.join_group_from(JoinGroupRequest::default(), 9, ClientInfo::default()));
    send(&mgr.sync_group(SyncGroupRequest::default(), 5));
    send(&mgr.heartbeat(HeartbeatRequest::default(), 4));
    send(&mgr.leave_group(LeaveGroupRequest::default(), 5));
    send(&mgr.offset_commit(Default::default(), 9));
    send(&mgr.offset_fetch(Default::default(), 9));
    send(&mgr.offset_delete(OffsetDeleteRequest::default(), 0));
    send(&mgr.list_groups(ListGroupsRequest::default(), 5));
    send(&mgr.describe_groups(DescribeGroupsRequest::default(), 6));
    send(&mgr.delete_groups(Default::default(), 2));
    send(&mgr.shutdown());
}
