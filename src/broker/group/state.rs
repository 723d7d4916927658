//! The states of a classic group (Java's `ClassicGroupState`), with the names
//! DescribeGroups and ListGroups report.

/// Where a group is in its rebalance protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// No members; the group may still hold committed offsets.
    Empty,
    /// A rebalance started: members must (re)join before it completes.
    PreparingRebalance,
    /// Every member joined; the group waits for the leader's assignment.
    CompletingRebalance,
    /// The leader's assignment was handed out; members heartbeat.
    Stable,
    /// The group was deleted; requests that still reach it are refused.
    Dead,
}

impl GroupState {
    /// Kafka's name for the state, as DescribeGroups and ListGroups show it.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }

    /// Whether members are in the group (the states that refuse deletion).
    pub fn has_members(self) -> bool {
        matches!(
            self,
            GroupState::PreparingRebalance | GroupState::CompletingRebalance | GroupState::Stable
        )
    }
}
