//! Timing rules of the classic group, on the state machine itself with a
//! synthetic clock: the test decides when each requested timer fires.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::{
    GroupId, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, SyncGroupRequest,
};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::classic::{ClassicGroup, TimerKind, TimerRequest};
use super::errors::*;
use super::member::ClientInfo;
use super::state::GroupState;
use super::GroupConfig;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

fn group(initial_delay_ms: i32) -> ClassicGroup {
    let config = GroupConfig {
        group_initial_rebalance_delay_ms: initial_delay_ms,
        ..GroupConfig::default()
    };
    ClassicGroup::new("g".into(), Arc::new(config), Instant::now())
}

fn join_req(member_id: &str, rebalance_ms: i32) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(rebalance_ms)
        .with_member_id(s(member_id))
        .with_protocol_type(s("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(s("range"))
            .with_metadata(Bytes::from_static(b"m"))])
}

/// Sends a JoinGroup; the receiver holds the answer once there is one.
fn join(
    g: &mut ClassicGroup,
    member_id: &str,
    version: i16,
    now: Instant,
) -> oneshot::Receiver<JoinGroupResponse> {
    join_with(g, member_id, version, 20_000, now)
}

fn join_with(
    g: &mut ClassicGroup,
    member_id: &str,
    version: i16,
    rebalance_ms: i32,
    now: Instant,
) -> oneshot::Receiver<JoinGroupResponse> {
    let (tx, rx) = oneshot::channel();
    let req = join_req(member_id, rebalance_ms);
    g.join(req, version, ClientInfo::default(), tx, now);
    rx
}

fn answer(rx: &mut oneshot::Receiver<JoinGroupResponse>) -> Option<JoinGroupResponse> {
    rx.try_recv().ok()
}

/// Fires every pending timer due at or before `now`, in time order, with the
/// clock at each timer's time; keeps the later ones.
fn run_timers(g: &mut ClassicGroup, pending: &mut Vec<TimerRequest>, now: Instant) {
    loop {
        pending.extend(g.take_timers());
        pending.sort_by_key(|t| t.at);
        let Some(pos) = pending.iter().position(|t| t.at <= now) else {
            return;
        };
        let timer = pending.remove(pos);
        g.on_timer(timer.kind, timer.at);
    }
}

fn heartbeat(g: &mut ClassicGroup, member: &str, generation: i32, now: Instant) -> i16 {
    let req = HeartbeatRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_generation_id(generation)
        .with_member_id(s(member));
    g.heartbeat(req, 4, now).error_code
}

fn sync(g: &mut ClassicGroup, member: &str, generation: i32, now: Instant) {
    let (tx, _rx) = oneshot::channel();
    let req = SyncGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_generation_id(generation)
        .with_member_id(s(member));
    g.sync(req, 5, tx, now);
}

#[test]
fn the_initial_delay_waits_for_more_members_and_extends() {
    let t0 = Instant::now();
    let mut g = group(3000);
    let mut timers = Vec::new();
    // v3: no MEMBER_ID_REQUIRED round.
    let mut a = join(&mut g, "", 3, t0);
    assert_eq!(g.state, GroupState::PreparingRebalance);
    run_timers(&mut g, &mut timers, t0 + Duration::from_millis(2000));
    let mut b = join(&mut g, "", 3, t0 + Duration::from_millis(2000));
    // The first delay ends at 3 s, but b's arrival extends it by another 3 s.
    run_timers(&mut g, &mut timers, t0 + Duration::from_millis(3000));
    assert!(answer(&mut a).is_none());
    assert_eq!(g.state, GroupState::PreparingRebalance);
    run_timers(&mut g, &mut timers, t0 + Duration::from_millis(6000));
    let (a, b) = (answer(&mut a).expect("a"), answer(&mut b).expect("b"));
    assert_eq!((a.generation_id, b.generation_id), (1, 1));
    assert_eq!(a.leader, b.leader);
    assert_eq!(g.state, GroupState::CompletingRebalance);
}

#[test]
fn sessions_expire_without_heartbeats_and_heartbeats_keep_them() {
    let t0 = Instant::now();
    let mut g = group(0);
    let mut timers = Vec::new();
    let mut rx = join(&mut g, "", 3, t0);
    run_timers(&mut g, &mut timers, t0);
    let id = answer(&mut rx).expect("joined").member_id.to_string();
    sync(&mut g, &id, 1, t0);
    assert_eq!(g.state, GroupState::Stable);

    // Heartbeats every 4 s keep a 10 s session alive for a minute.
    let mut now = t0;
    for _ in 0..15 {
        now += Duration::from_secs(4);
        run_timers(&mut g, &mut timers, now);
        assert_eq!(heartbeat(&mut g, &id, 1, now), NONE);
    }
    // Silence: gone 10 s after the last heartbeat, not before.
    run_timers(&mut g, &mut timers, now + Duration::from_millis(9_999));
    assert!(g.members.contains_key(&id));
    run_timers(&mut g, &mut timers, now + Duration::from_secs(10));
    assert!(!g.members.contains_key(&id));
    // The last member gone: a new, empty generation.
    assert_eq!(g.state, GroupState::Empty);
    assert_eq!(g.generation_id, 2);
    // Only one session timer was running at any time.
    assert!(
        timers
            .iter()
            .filter(|t| matches!(t.kind, TimerKind::Session { .. }))
            .count()
            <= 1
    );
}

#[test]
fn an_unused_member_id_stops_holding_up_the_rebalance() {
    let t0 = Instant::now();
    let mut g = group(0);
    let mut timers = Vec::new();
    let mut rx = join(&mut g, "", 3, t0);
    run_timers(&mut g, &mut timers, t0);
    let a = answer(&mut rx).expect("a").member_id.to_string();
    sync(&mut g, &a, 1, t0);
    // b gets a member id but never comes back with it.
    let mut rx = join(&mut g, "", 9, t0);
    assert_eq!(answer(&mut rx).expect("b").error_code, MEMBER_ID_REQUIRED);
    // c joins the old way, which starts a rebalance; a rejoins.
    let mut c = join(&mut g, "", 3, t0);
    let mut a_again = join(&mut g, &a, 3, t0);
    assert!(answer(&mut c).is_none(), "waits for b's pending member id");
    run_timers(&mut g, &mut timers, t0 + Duration::from_secs(10));
    assert_eq!(answer(&mut c).expect("c").generation_id, 2);
    assert_eq!(answer(&mut a_again).expect("a").members.len(), 2);
}

#[test]
fn a_member_that_does_not_rejoin_is_dropped_when_the_rebalance_times_out() {
    let t0 = Instant::now();
    let mut g = group(0);
    let mut timers = Vec::new();
    let mut rx = join(&mut g, "", 3, t0);
    run_timers(&mut g, &mut timers, t0);
    let a = answer(&mut rx).expect("a").member_id.to_string();
    sync(&mut g, &a, 1, t0);
    // b joins; a keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins,
    // so the rebalance completes after a's 20 s rebalance timeout without a.
    let mut b = join(&mut g, "", 3, t0);
    let mut now = t0;
    while now < t0 + Duration::from_secs(19) {
        now += Duration::from_secs(3);
        run_timers(&mut g, &mut timers, now);
        if answer(&mut b).is_some() {
            break;
        }
        assert_eq!(heartbeat(&mut g, &a, 1, now), REBALANCE_IN_PROGRESS);
    }
    run_timers(&mut g, &mut timers, t0 + Duration::from_secs(20));
    assert!(!g.members.contains_key(&a));
    assert_eq!(g.generation_id, 2);
    assert_eq!(g.members.len(), 1);
}

#[test]
fn a_new_member_stuck_in_join_is_dropped_after_the_new_member_timeout() {
    let t0 = Instant::now();
    let mut g = group(0);
    let mut timers = Vec::new();
    // a allows rebalances of up to 10 minutes.
    let mut rx = join_with(&mut g, "", 3, 600_000, t0);
    run_timers(&mut g, &mut timers, t0);
    let a = answer(&mut rx).expect("a").member_id.to_string();
    sync(&mut g, &a, 1, t0);
    let mut b = join(&mut g, "", 3, t0);
    let mut now = t0;
    while now + Duration::from_secs(3) < t0 + Duration::from_secs(300) {
        now += Duration::from_secs(3);
        run_timers(&mut g, &mut timers, now);
        assert!(answer(&mut b).is_none());
        assert_eq!(heartbeat(&mut g, &a, 1, now), REBALANCE_IN_PROGRESS);
    }
    // Five minutes without completing its join: b is dropped.
    run_timers(&mut g, &mut timers, t0 + Duration::from_secs(300));
    let b = answer(&mut b).expect("b answered");
    assert_eq!(b.error_code, UNKNOWN_MEMBER_ID);
    assert_eq!(g.members.len(), 1);
    assert_eq!(g.state, GroupState::PreparingRebalance);
}

fn commit(g: &mut ClassicGroup, generation: i32, member: &str, now: Instant) -> i16 {
    use kafka_protocol::messages::offset_commit_request::{
        OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    };
    use kafka_protocol::messages::{OffsetCommitRequest, TopicName};
    let req = OffsetCommitRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(s(member))
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(s("t")))
            .with_partitions(vec![OffsetCommitRequestPartition::default()
                .with_partition_index(0)
                .with_committed_offset(1)])]);
    g.commit(&req, 8, now).topics[0].partitions[0].error_code
}

#[test]
fn offsets_of_a_group_without_members_expire_after_the_retention() {
    let t0 = Instant::now();
    let week = Duration::from_secs(7 * 24 * 3600);
    let mut g = group(0);
    assert_eq!(commit(&mut g, -1, "", t0), NONE);
    assert!(!g.cleanup(t0 + week - Duration::from_millis(1)));
    assert!(!g.offsets.is_empty());
    assert!(g.cleanup(t0 + week), "no offsets left: the group dies");
    assert_eq!(g.state, GroupState::Dead);
}

#[test]
fn offsets_of_a_consumer_group_live_a_retention_after_it_empties() {
    let t0 = Instant::now();
    let day = Duration::from_secs(24 * 3600);
    let mut g = group(0);
    let mut timers = Vec::new();
    let mut rx = join(&mut g, "", 3, t0);
    run_timers(&mut g, &mut timers, t0);
    let a = answer(&mut rx).expect("a").member_id.to_string();
    sync(&mut g, &a, 1, t0);
    assert_eq!(commit(&mut g, 1, &a, t0), NONE);
    // Members keep offsets alive however old (no timers run here, so the
    // member is still in the group).
    assert!(!g.cleanup(t0 + day * 30));
    assert!(!g.offsets.is_empty());
    // The member leaves at day 30: retention counts from then.
    let emptied = t0 + day * 30;
    let leave = kafka_protocol::messages::LeaveGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s(&a));
    assert_eq!(g.leave(leave, 1, emptied).error_code, NONE);
    assert_eq!(g.state, GroupState::Empty);
    assert!(!g.cleanup(emptied + day * 7 - Duration::from_millis(1)));
    assert!(g.cleanup(emptied + day * 7));
}
