//! Builds responses that are valid for the version they are answered in:
//! fields a version lacks stay at their defaults (the codec refuses some
//! otherwise) and fields that a version cannot send as null get "".

use bytes::Bytes;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{
    HeartbeatResponse, JoinGroupResponse, LeaveGroupResponse, SyncGroupResponse,
};
use kafka_protocol::protocol::StrBytes;

/// A `StrBytes` from a `&str`.
pub(super) fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// What a JoinGroup response says besides its error.
#[derive(Default)]
pub(super) struct JoinOutcome<'a> {
    pub generation_id: i32,
    pub protocol_type: Option<&'a str>,
    pub protocol_name: Option<&'a str>,
    pub leader: &'a str,
    /// v9: the leader need not compute an assignment (a static leader
    /// restarted in a stable group).
    pub skip_assignment: bool,
    pub member_id: &'a str,
    pub members: Vec<JoinGroupResponseMember>,
}

pub(super) fn join_response(version: i16, error: i16, o: JoinOutcome<'_>) -> JoinGroupResponse {
    let mut r = JoinGroupResponse::default();
    r.error_code = error;
    r.generation_id = o.generation_id;
    if version >= 7 {
        r.protocol_type = o.protocol_type.map(sb);
        r.protocol_name = o.protocol_name.map(sb);
    } else {
        // Nullable only from v7 on.
        r.protocol_name = Some(sb(o.protocol_name.unwrap_or("")));
    }
    r.leader = sb(o.leader);
    r.skip_assignment = o.skip_assignment && version >= 9;
    r.member_id = sb(o.member_id);
    r.members = o.members;
    if version < 5 {
        for m in &mut r.members {
            m.group_instance_id = None;
        }
    }
    r
}

/// A JoinGroup refused with `error`; `member_id` echoes the caller's (or
/// carries the generated one, with MEMBER_ID_REQUIRED).
pub(super) fn join_error(version: i16, member_id: &str, error: i16) -> JoinGroupResponse {
    join_response(
        version,
        error,
        JoinOutcome {
            generation_id: -1,
            member_id,
            ..JoinOutcome::default()
        },
    )
}

pub(super) fn join_member(
    member_id: &str,
    group_instance_id: Option<&str>,
    metadata: Bytes,
) -> JoinGroupResponseMember {
    let mut m = JoinGroupResponseMember::default();
    m.member_id = sb(member_id);
    m.group_instance_id = group_instance_id.map(sb);
    m.metadata = metadata;
    m
}

pub(super) fn sync_response(
    version: i16,
    error: i16,
    protocol_type: Option<&str>,
    protocol_name: Option<&str>,
    assignment: Bytes,
) -> SyncGroupResponse {
    let mut r = SyncGroupResponse::default();
    r.error_code = error;
    if version >= 5 {
        r.protocol_type = protocol_type.map(sb);
        r.protocol_name = protocol_name.map(sb);
    }
    r.assignment = assignment;
    r
}

pub(super) fn sync_error(version: i16, error: i16) -> SyncGroupResponse {
    sync_response(version, error, None, None, Bytes::new())
}

pub(super) fn heartbeat_response(error: i16) -> HeartbeatResponse {
    let mut r = HeartbeatResponse::default();
    r.error_code = error;
    r
}

/// A LeaveGroup answer: v0-2 carry only the top-level error, v3+ one entry
/// per member.
pub(super) fn leave_response(
    version: i16,
    error: i16,
    members: Vec<MemberResponse>,
) -> LeaveGroupResponse {
    let mut r = LeaveGroupResponse::default();
    r.error_code = error;
    if version >= 3 {
        r.members = members;
    }
    r
}

pub(super) fn leave_member(
    member_id: &str,
    group_instance_id: Option<&str>,
    error: i16,
) -> MemberResponse {
    let mut m = MemberResponse::default();
    m.member_id = sb(member_id);
    m.group_instance_id = group_instance_id.map(sb);
    m.error_code = error;
    m
}
