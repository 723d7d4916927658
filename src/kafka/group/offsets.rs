//! A group's committed offsets on the wire: the OffsetCommit and OffsetFetch
//! requests and their responses (the codec side of Java's
//! `ConsumerCoordinator.commitOffsetsSync` / `fetchCommittedOffsets` and the
//! admin client's `alterConsumerGroupOffsets` / `listConsumerGroupOffsets`).
//! Members and the Connect offsets API both build their requests here.

use std::collections::BTreeMap;

use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    GroupId, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::consumer_protocol::TopicPartition;
use crate::kafka::error::{ErrorCode, Result};

/// OffsetCommit of `offsets` (the next offset to read) for `member_id` in
/// `generation`; generation -1 and an empty member commit outside any
/// generation, as an admin client does.
pub fn commit_request(
    group: &str,
    generation: i32,
    member_id: &str,
    offsets: &BTreeMap<TopicPartition, i64>,
) -> OffsetCommitRequest {
    let mut by_topic: BTreeMap<&str, Vec<OffsetCommitRequestPartition>> = BTreeMap::new();
    for (tp, offset) in offsets {
        by_topic.entry(&tp.topic).or_default().push(
            OffsetCommitRequestPartition::default()
                .with_partition_index(tp.partition)
                .with_committed_offset(*offset)
                .with_committed_leader_epoch(-1)
                .with_committed_metadata(Some(StrBytes::from_static_str(""))),
        );
    }
    OffsetCommitRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(StrBytes::from_string(member_id.to_string()))
        .with_topics(
            by_topic
                .into_iter()
                .map(|(t, p)| {
                    OffsetCommitRequestTopic::default()
                        .with_name(TopicName(StrBytes::from_string(t.to_string())))
                        .with_partitions(p)
                })
                .collect(),
        )
}

/// The first per-partition error of an OffsetCommit response, if any.
pub fn check_commit(resp: &OffsetCommitResponse) -> Result<()> {
    for t in &resp.topics {
        for p in &t.partitions {
            ErrorCode::check(p.error_code, || {
                format!(
                    "OffsetCommit for {}-{}",
                    t.name.0.as_str(),
                    p.partition_index
                )
            })?;
        }
    }
    Ok(())
}

/// OffsetFetch for `partitions`, or for every partition of the group when
/// `None`.
pub fn fetch_request(group: &str, partitions: Option<&[TopicPartition]>) -> OffsetFetchRequest {
    let topics = partitions.map(|tps| {
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for tp in tps {
            by_topic.entry(&tp.topic).or_default().push(tp.partition);
        }
        by_topic
            .into_iter()
            .map(|(t, p)| {
                OffsetFetchRequestTopic::default()
                    .with_name(TopicName(StrBytes::from_string(t.to_string())))
                    .with_partition_indexes(p)
            })
            .collect()
    });
    OffsetFetchRequest::default()
        .with_group_id(GroupId(StrBytes::from_string(group.to_string())))
        .with_topics(topics)
}

/// The committed offsets in an OffsetFetch response; partitions with nothing
/// committed (a negative offset) are left out.
pub fn committed_offsets(resp: &OffsetFetchResponse) -> Result<BTreeMap<TopicPartition, i64>> {
    ErrorCode::check(resp.error_code, || "OffsetFetch".to_string())?;
    let mut out = BTreeMap::new();
    for t in &resp.topics {
        for p in &t.partitions {
            let tp = TopicPartition::new(t.name.0.to_string(), p.partition_index);
            ErrorCode::check(p.error_code, || format!("OffsetFetch for {tp}"))?;
            if p.committed_offset >= 0 {
                out.insert(tp, p.committed_offset);
            }
        }
    }
    Ok(out)
}
