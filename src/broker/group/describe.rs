//! What DescribeGroups and ListGroups show of a classic group (Java's
//! `ClassicGroup.summary` / `asListedGroup`).

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::GroupId;

use super::classic::ClassicGroup;
use super::errors::*;
use super::responses::sb;
use super::state::GroupState;

/// Operations a group allows when nobody restricts them (READ, DELETE and
/// DESCRIBE as `AclOperation` bits), for `include_authorized_operations`.
const GROUP_OPERATIONS: i32 = (1 << 3) | (1 << 6) | (1 << 8);

/// What ListGroups needs of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listing {
    pub group_id: String,
    pub protocol_type: String,
    pub state: GroupState,
}

impl ClassicGroup {
    pub fn listing(&self) -> Listing {
        Listing {
            group_id: self.group_id.clone(),
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            state: self.state,
        }
    }

    /// The group as DescribeGroups shows it: member metadata and assignments
    /// only once the group is stable.
    pub fn describe(&self, version: i16, include_operations: bool) -> DescribedGroup {
        let stable = self.state == GroupState::Stable;
        let protocol = self.protocol_name.as_deref().unwrap_or("");
        let mut group = DescribedGroup::default();
        group.error_code = NONE;
        group.group_id = GroupId(sb(&self.group_id));
        group.group_state = sb(self.state.name());
        group.protocol_type = sb(self.protocol_type.as_deref().unwrap_or(""));
        group.protocol_data = sb(if stable { protocol } else { "" });
        group.members = self
            .members
            .values()
            .map(|m| {
                let mut member = DescribedGroupMember::default();
                member.member_id = sb(&m.member_id);
                if version >= 4 {
                    member.group_instance_id = m.group_instance_id.as_deref().map(sb);
                }
                member.client_id = sb(&m.client.client_id);
                member.client_host = sb(&m.client.client_host);
                if stable {
                    member.member_metadata = m.metadata(protocol).cloned().unwrap_or_default();
                    member.member_assignment = m.assignment.clone();
                }
                member
            })
            .collect();
        if version >= 3 && include_operations {
            group.authorized_operations = GROUP_OPERATIONS;
        }
        group
    }
}

/// DescribeGroups for a group that does not exist: state "Dead" before v6,
/// GROUP_ID_NOT_FOUND from v6 on (KIP-1043).
pub(super) fn describe_missing(version: i16, group_id: &str, code: i16) -> DescribedGroup {
    let mut group = DescribedGroup::default();
    group.group_id = GroupId(sb(group_id));
    group.group_state = sb(GroupState::Dead.name());
    if code != NONE {
        group.error_code = code;
    } else if version >= 6 {
        group.error_code = GROUP_ID_NOT_FOUND;
        group.error_message = Some(sb(&format!("Group {group_id} not found.")));
    }
    group
}
