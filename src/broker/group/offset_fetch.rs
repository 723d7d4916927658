//! OffsetFetch's two shapes: one group with its topics (v1-v7) and a batch
//! of groups (v8+, KIP-709). The request is read into per-group topic lists
//! and the per-group answers are written back in the shape the version uses.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{GroupId, OffsetFetchRequest, OffsetFetchResponse, TopicName};

use super::errors::NONE;
use super::offset_apis::{FetchTopics, FetchedOffset};
use super::responses::sb;

/// One group's part of an OffsetFetch.
pub(super) struct GroupFetch {
    pub group_id: String,
    pub topics: FetchTopics,
}

/// One group's answer: its offsets, or a group-level error.
pub(super) type GroupAnswer = (String, Result<Vec<(String, Vec<FetchedOffset>)>, i16>);

/// The groups (and their topics) a request asks for.
pub(super) fn requested_groups(req: &OffsetFetchRequest, version: i16) -> Vec<GroupFetch> {
    if version >= 8 {
        req.groups
            .iter()
            .map(|g| GroupFetch {
                group_id: g.group_id.to_string(),
                topics: g.topics.as_ref().map(|topics| {
                    topics
                        .iter()
                        .map(|t| (t.name.to_string(), t.partition_indexes.clone()))
                        .collect()
                }),
            })
            .collect()
    } else {
        vec![GroupFetch {
            group_id: req.group_id.to_string(),
            topics: req.topics.as_ref().map(|topics| {
                topics
                    .iter()
                    .map(|t| (t.name.to_string(), t.partition_indexes.clone()))
                    .collect()
            }),
        }]
    }
}

/// Writes the answers in the version's shape. For v1-v7 only the first
/// group counts; its error goes to the top level from v2 on and to every
/// requested partition before that.
pub(super) fn fetch_response(
    version: i16,
    requested: &[GroupFetch],
    answers: Vec<GroupAnswer>,
) -> OffsetFetchResponse {
    let mut response = OffsetFetchResponse::default();
    if version >= 8 {
        response.groups = answers
            .into_iter()
            .map(|(group_id, answer)| {
                let mut group = OffsetFetchResponseGroup::default();
                group.group_id = GroupId(sb(&group_id));
                match answer {
                    Ok(topics) => {
                        group.topics = topics
                            .into_iter()
                            .map(|(name, offsets)| {
                                let mut topic = OffsetFetchResponseTopics::default();
                                topic.name = TopicName(sb(&name));
                                topic.partitions = offsets.into_iter().map(partitions_v8).collect();
                                topic
                            })
                            .collect();
                    }
                    Err(code) => group.error_code = code,
                }
                group
            })
            .collect();
        return response;
    }
    let Some((_, answer)) = answers.into_iter().next() else {
        return response;
    };
    let topics = match answer {
        Ok(topics) => topics,
        Err(code) => {
            if version >= 2 {
                response.error_code = code;
                return response;
            }
            // v1 has no top-level error: every requested partition carries it.
            let requested = requested
                .first()
                .and_then(|g| g.topics.clone())
                .unwrap_or_default();
            response.topics = requested
                .into_iter()
                .map(|(name, partitions)| {
                    let mut topic = OffsetFetchResponseTopic::default();
                    topic.name = TopicName(sb(&name));
                    topic.partitions = partitions
                        .into_iter()
                        .map(|p| {
                            let mut partition = partition_v1(FetchedOffset {
                                partition: p,
                                offset: -1,
                                leader_epoch: -1,
                                metadata: String::new(),
                            });
                            partition.error_code = code;
                            partition
                        })
                        .collect();
                    topic
                })
                .collect();
            return response;
        }
    };
    response.error_code = NONE;
    response.topics = topics
        .into_iter()
        .map(|(name, offsets)| {
            let mut topic = OffsetFetchResponseTopic::default();
            topic.name = TopicName(sb(&name));
            topic.partitions = offsets
                .into_iter()
                .map(|o| {
                    let mut p = partition_v1(o);
                    if version < 5 {
                        p.committed_leader_epoch = -1;
                    }
                    p
                })
                .collect();
            topic
        })
        .collect();
    response
}

fn partition_v1(o: FetchedOffset) -> OffsetFetchResponsePartition {
    let mut p = OffsetFetchResponsePartition::default();
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.committed_leader_epoch = o.leader_epoch;
    p.metadata = Some(sb(&o.metadata));
    p
}

fn partitions_v8(o: FetchedOffset) -> OffsetFetchResponsePartitions {
    let mut p = OffsetFetchResponsePartitions::default();
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.committed_leader_epoch = o.leader_epoch;
    p.metadata = Some(sb(&o.metadata));
    p
}
