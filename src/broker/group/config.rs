//! Settings of the group coordinator: the broker-side `group.*` and
//! `offsets.*` configs that Kafka's classic group coordinator honours.

use std::time::Duration;

/// The group coordinator's settings, named after Kafka's broker configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// `group.min.session.timeout.ms`: a JoinGroup asking for less gets
    /// INVALID_SESSION_TIMEOUT.
    pub group_min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`: a JoinGroup asking for more gets
    /// INVALID_SESSION_TIMEOUT.
    pub group_max_session_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an
    /// empty group waits for more members before completing (Kafka's default
    /// is 3000; a dev broker answers at once).
    pub group_initial_rebalance_delay_ms: i32,
    /// `group.max.size`: members beyond it get GROUP_MAX_SIZE_REACHED.
    pub group_max_size: usize,
    /// `offsets.retention.minutes`, in milliseconds: committed offsets of an
    /// empty group expire this long after the group became empty (or after
    /// the commit, for groups that never had members).
    pub offsets_retention_ms: i64,
    /// `offsets.retention.check.interval.ms`: how often expired offsets and
    /// empty groups without offsets are swept away.
    pub offsets_retention_check_interval_ms: i64,
    /// `offset.metadata.max.bytes`: longer commit metadata gets
    /// OFFSET_METADATA_TOO_LARGE.
    pub offset_metadata_max_bytes: usize,
    /// How long a brand-new member may wait in JoinGroup before it is
    /// dropped (Kafka's fixed `NewMemberJoinTimeoutMs`, five minutes).
    pub new_member_join_timeout_ms: i32,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            group_min_session_timeout_ms: 6000,
            group_max_session_timeout_ms: 1_800_000,
            group_initial_rebalance_delay_ms: 0,
            group_max_size: i32::MAX as usize,
            offsets_retention_ms: 7 * 24 * 60 * 60 * 1000,
            offsets_retention_check_interval_ms: 600_000,
            offset_metadata_max_bytes: 4096,
            new_member_join_timeout_ms: 300_000,
        }
    }
}

/// A non-negative millisecond count as a `Duration`.
pub(super) fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}
