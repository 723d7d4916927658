//! The offset side of a classic group (Java's `OffsetMetadataManager` for
//! classic groups): OffsetCommit with its generation and member checks,
//! reading committed offsets for OffsetFetch, and OffsetDelete.

use std::collections::HashSet;

use bytes::Buf;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_delete_response::{
    OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use kafka_protocol::messages::{
    ConsumerProtocolSubscription, OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest,
    OffsetDeleteResponse,
};
use kafka_protocol::protocol::Decodable;
use tokio::time::Instant;

use super::classic::ClassicGroup;
use super::config::millis;
use super::errors::*;
use super::offsets::{CommittedOffset, OffsetStore};
use super::state::GroupState;

/// One partition's answer to OffsetFetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FetchedOffset {
    pub partition: i32,
    /// -1 when nothing was committed.
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
}

/// The topics and partitions an OffsetFetch asks for; `None` means all.
pub(super) type FetchTopics = Option<Vec<(String, Vec<i32>)>>;

/// The committed offsets for `topics` (all of them when `None`); partitions
/// without a commit read -1, as Kafka answers.
pub(super) fn read_offsets(
    store: Option<&OffsetStore>,
    topics: FetchTopics,
) -> Vec<(String, Vec<FetchedOffset>)> {
    let found = |topic: &str, partition: i32| match store.and_then(|s| s.get(topic, partition)) {
        Some(o) => FetchedOffset {
            partition,
            offset: o.offset,
            leader_epoch: o.leader_epoch,
            metadata: o.metadata.clone(),
        },
        None => FetchedOffset {
            partition,
            offset: -1,
            leader_epoch: -1,
            metadata: String::new(),
        },
    };
    match topics {
        Some(topics) => topics
            .into_iter()
            .map(|(topic, partitions)| {
                let offsets = partitions.iter().map(|&p| found(&topic, p)).collect();
                (topic, offsets)
            })
            .collect(),
        None => store
            .map(|s| {
                s.all()
                    .map(|(topic, partitions)| {
                        let offsets = partitions.keys().map(|&p| found(topic, p)).collect();
                        (topic.clone(), offsets)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// An OffsetCommit answer with `code` for every partition of the request.
pub(super) fn commit_error(req: &OffsetCommitRequest, code: i16) -> OffsetCommitResponse {
    let mut response = OffsetCommitResponse::default();
    response.topics = req
        .topics
        .iter()
        .map(|t| {
            let mut topic = OffsetCommitResponseTopic::default();
            topic.name = t.name.clone();
            topic.partitions = t
                .partitions
                .iter()
                .map(|p| commit_partition(p.partition_index, code))
                .collect();
            topic
        })
        .collect();
    response
}

fn commit_partition(partition: i32, code: i16) -> OffsetCommitResponsePartition {
    let mut p = OffsetCommitResponsePartition::default();
    p.partition_index = partition;
    p.error_code = code;
    p
}

impl ClassicGroup {
    /// Kafka's `validateOffsetCommit` for classic groups.
    fn validate_commit(&self, req: &OffsetCommitRequest, version: i16) -> i16 {
        if self.state == GroupState::Dead {
            return COORDINATOR_NOT_AVAILABLE;
        }
        let instance = if version >= 7 {
            req.group_instance_id.as_deref()
        } else {
            None
        };
        let generation = req.generation_id_or_member_epoch;
        if generation < 0 && self.state == GroupState::Empty {
            // An admin client or a consumer without group management.
            return NONE;
        }
        if generation >= 0 || !req.member_id.is_empty() || instance.is_some() {
            if let Err(code) = self.validate_member(&req.member_id, instance) {
                return code;
            }
            if generation != self.generation_id {
                return ILLEGAL_GENERATION;
            }
        } else if self.state != GroupState::Empty {
            // A commit without member and generation is only taken from a
            // group that has no members (a "simple" consumer or an admin).
            return UNKNOWN_MEMBER_ID;
        }
        if self.state == GroupState::CompletingRebalance {
            // The member knows the new generation but has no assignment yet.
            return REBALANCE_IN_PROGRESS;
        }
        NONE
    }

    pub fn commit(
        &mut self,
        req: &OffsetCommitRequest,
        version: i16,
        now: Instant,
    ) -> OffsetCommitResponse {
        let code = self.validate_commit(req, version);
        if code != NONE {
            return commit_error(req, code);
        }
        // v2-v4 may ask for their own retention; -1 means the broker's.
        // A retention too long for the clock is as good as none.
        let expire_at = if version <= 4 && req.retention_time_ms >= 0 {
            now.checked_add(millis(req.retention_time_ms))
        } else {
            None
        };
        let max_metadata = self.config().offset_metadata_max_bytes;
        let mut response = OffsetCommitResponse::default();
        for t in &req.topics {
            let mut topic = OffsetCommitResponseTopic::default();
            topic.name = t.name.clone();
            for p in &t.partitions {
                let metadata = p
                    .committed_metadata
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                let code = if metadata.len() > max_metadata {
                    OFFSET_METADATA_TOO_LARGE
                } else {
                    self.offsets.commit(
                        &t.name,
                        p.partition_index,
                        CommittedOffset {
                            offset: p.committed_offset,
                            leader_epoch: if version >= 6 {
                                p.committed_leader_epoch
                            } else {
                                -1
                            },
                            metadata,
                            commit_time: now,
                            expire_at,
                        },
                    );
                    NONE
                };
                topic
                    .partitions
                    .push(commit_partition(p.partition_index, code));
            }
            response.topics.push(topic);
        }
        response
    }

    /// The group's offsets for OffsetFetch, or the group-level error.
    pub fn fetch_offsets(
        &self,
        topics: FetchTopics,
    ) -> Result<Vec<(String, Vec<FetchedOffset>)>, i16> {
        if self.state == GroupState::Dead {
            return Err(GROUP_ID_NOT_FOUND);
        }
        Ok(read_offsets(Some(&self.offsets), topics))
    }

    /// Kafka's OffsetDelete: an empty group may drop any offsets; a consumer
    /// group with members only those of topics it is not subscribed to; any
    /// other group with members none.
    pub fn delete_offsets(&mut self, req: &OffsetDeleteRequest) -> OffsetDeleteResponse {
        let mut response = OffsetDeleteResponse::default();
        let top = match self.state {
            GroupState::Dead => GROUP_ID_NOT_FOUND,
            s if s.has_members() && self.protocol_type.as_deref() != Some("consumer") => {
                NON_EMPTY_GROUP
            }
            _ => NONE,
        };
        if top != NONE {
            response.error_code = top;
            return response;
        }
        // `None` inside: some subscription could not be read, so every topic
        // counts as subscribed.
        let subscribed = self.state.has_members().then(|| self.subscribed_topics());
        for t in &req.topics {
            let is_subscribed = match &subscribed {
                None => false,
                Some(None) => true,
                Some(Some(topics)) => topics.contains(t.name.as_str()),
            };
            let mut topic = OffsetDeleteResponseTopic::default();
            topic.name = t.name.clone();
            for p in &t.partitions {
                let code = if is_subscribed {
                    GROUP_SUBSCRIBED_TO_TOPIC
                } else {
                    self.offsets.delete(&t.name, p.partition_index);
                    NONE
                };
                let mut partition = OffsetDeleteResponsePartition::default();
                partition.partition_index = p.partition_index;
                partition.error_code = code;
                topic.partitions.push(partition);
            }
            response.topics.push(topic);
        }
        response
    }

    /// The topics the members subscribe to, read from their consumer
    /// protocol metadata; `None` when unknown (no protocol chosen yet, or a
    /// subscription that cannot be read).
    fn subscribed_topics(&self) -> Option<HashSet<String>> {
        let protocol = self.protocol_name.as_deref()?;
        let mut topics = HashSet::new();
        for member in self.members.values() {
            let subscription = decode_subscription(member.metadata(protocol)?)?;
            topics.extend(subscription.topics.iter().map(|t| t.to_string()));
        }
        Some(topics)
    }
}

/// The topics of a consumer protocol subscription. Every version starts
/// with v0's fields, so v0 is read whatever the version, as Kafka does.
fn decode_subscription(metadata: &bytes::Bytes) -> Option<ConsumerProtocolSubscription> {
    let mut buf = metadata.clone();
    if buf.remaining() < 2 {
        return None;
    }
    let _version = buf.get_i16();
    ConsumerProtocolSubscription::decode(&mut buf, 0).ok()
}
