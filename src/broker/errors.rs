//! Well-formed error answers to any request the broker serves: every topic,
//! partition, group or resource of the request gets the same error code.
//! Used for UNSUPPORTED_VERSION (a version outside our range), for the
//! injected faults, and for the group APIs until the coordinator answers
//! them. Mirrors Java's `AbstractRequest.getErrorResponse`.

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::CreatePartitionsResponse;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

/// The error answer to `request`, or `None` for an API without one here.
pub fn error_response(request: &RequestKind, code: i16) -> Option<ResponseKind> {
    Some(match request {
        RequestKind::Produce(r) => ResponseKind::Produce(produce(r, code)),
        RequestKind::Fetch(r) => ResponseKind::Fetch(fetch(r, code)),
        RequestKind::ListOffsets(r) => ResponseKind::ListOffsets(list_offsets(r, code)),
        RequestKind::Metadata(r) => ResponseKind::Metadata(metadata(r, code)),
        RequestKind::ApiVersions(_) => {
            ResponseKind::ApiVersions(super::api_versions::response(code))
        }
        RequestKind::CreateTopics(r) => ResponseKind::CreateTopics(create_topics(r, code)),
        RequestKind::DeleteTopics(r) => ResponseKind::DeleteTopics(delete_topics(r, code)),
        RequestKind::CreatePartitions(r) => ResponseKind::CreatePartitions(
            CreatePartitionsResponse::default().with_results(
                r.topics
                    .iter()
                    .map(|t| {
                        CreatePartitionsTopicResult::default()
                            .with_name(t.name.clone())
                            .with_error_code(code)
                    })
                    .collect(),
            ),
        ),
        RequestKind::DescribeConfigs(r) => ResponseKind::DescribeConfigs(describe_configs(r, code)),
        RequestKind::DescribeCluster(_) => {
            ResponseKind::DescribeCluster(DescribeClusterResponse::default().with_error_code(code))
        }
        RequestKind::InitProducerId(_) => ResponseKind::InitProducerId(
            InitProducerIdResponse::default()
                .with_error_code(code)
                .with_producer_id((-1).into())
                .with_producer_epoch(-1),
        ),
        RequestKind::FindCoordinator(r) => ResponseKind::FindCoordinator(find_coordinator(r, code)),
        RequestKind::JoinGroup(_) => ResponseKind::JoinGroup(
            JoinGroupResponse::default()
                .with_error_code(code)
                .with_generation_id(-1),
        ),
        RequestKind::SyncGroup(_) => {
            ResponseKind::SyncGroup(SyncGroupResponse::default().with_error_code(code))
        }
        RequestKind::Heartbeat(_) => {
            ResponseKind::Heartbeat(HeartbeatResponse::default().with_error_code(code))
        }
        RequestKind::LeaveGroup(_) => {
            ResponseKind::LeaveGroup(LeaveGroupResponse::default().with_error_code(code))
        }
        RequestKind::OffsetCommit(r) => ResponseKind::OffsetCommit(offset_commit(r, code)),
        RequestKind::OffsetFetch(r) => ResponseKind::OffsetFetch(offset_fetch(r, code)),
        RequestKind::ListGroups(_) => {
            ResponseKind::ListGroups(ListGroupsResponse::default().with_error_code(code))
        }
        RequestKind::DescribeGroups(r) => ResponseKind::DescribeGroups(
            DescribeGroupsResponse::default().with_groups(
                r.groups
                    .iter()
                    .map(|g| {
                        describe_groups_response::DescribedGroup::default()
                            .with_group_id(g.clone())
                            .with_error_code(code)
                    })
                    .collect(),
            ),
        ),
        RequestKind::OffsetDelete(_) => {
            ResponseKind::OffsetDelete(OffsetDeleteResponse::default().with_error_code(code))
        }
        RequestKind::DeleteGroups(r) => ResponseKind::DeleteGroups(
            DeleteGroupsResponse::default().with_results(
                r.groups_names
                    .iter()
                    .map(|g| {
                        delete_groups_response::DeletableGroupResult::default()
                            .with_group_id(g.clone())
                            .with_error_code(code)
                    })
                    .collect(),
            ),
        ),
        _ => return None,
    })
}

fn produce(r: &ProduceRequest, code: i16) -> ProduceResponse {
    use produce_response::*;
    ProduceResponse::default().with_responses(
        r.topic_data
            .iter()
            .map(|t| {
                TopicProduceResponse::default()
                    .with_name(t.name.clone())
                    .with_topic_id(t.topic_id)
                    .with_partition_responses(
                        t.partition_data
                            .iter()
                            .map(|p| {
                                PartitionProduceResponse::default()
                                    .with_index(p.index)
                                    .with_error_code(code)
                                    .with_base_offset(-1)
                                    .with_log_append_time_ms(-1)
                                    .with_log_start_offset(-1)
                            })
                            .collect(),
                    )
            })
            .collect(),
    )
}

fn fetch(r: &FetchRequest, code: i16) -> FetchResponse {
    use fetch_response::*;
    FetchResponse::default()
        .with_error_code(code)
        .with_responses(
            r.topics
                .iter()
                .map(|t| {
                    FetchableTopicResponse::default()
                        .with_topic(t.topic.clone())
                        .with_topic_id(t.topic_id)
                        .with_partitions(
                            t.partitions
                                .iter()
                                .map(|p| {
                                    PartitionData::default()
                                        .with_partition_index(p.partition)
                                        .with_error_code(code)
                                        .with_high_watermark(-1)
                                        .with_last_stable_offset(-1)
                                        .with_log_start_offset(-1)
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

fn list_offsets(r: &ListOffsetsRequest, code: i16) -> ListOffsetsResponse {
    use list_offsets_response::*;
    ListOffsetsResponse::default().with_topics(
        r.topics
            .iter()
            .map(|t| {
                ListOffsetsTopicResponse::default()
                    .with_name(t.name.clone())
                    .with_partitions(
                        t.partitions
                            .iter()
                            .map(|p| {
                                ListOffsetsPartitionResponse::default()
                                    .with_partition_index(p.partition_index)
                                    .with_error_code(code)
                                    .with_timestamp(-1)
                                    .with_offset(-1)
                            })
                            .collect(),
                    )
            })
            .collect(),
    )
}

fn metadata(r: &MetadataRequest, code: i16) -> MetadataResponse {
    use metadata_response::*;
    MetadataResponse::default().with_topics(
        r.topics
            .iter()
            .flatten()
            .map(|t| {
                MetadataResponseTopic::default()
                    .with_name(t.name.clone())
                    .with_topic_id(t.topic_id)
                    .with_error_code(code)
            })
            .collect(),
    )
}

fn create_topics(r: &CreateTopicsRequest, code: i16) -> CreateTopicsResponse {
    use create_topics_response::*;
    CreateTopicsResponse::default().with_topics(
        r.topics
            .iter()
            .map(|t| {
                CreatableTopicResult::default()
                    .with_name(t.name.clone())
                    .with_error_code(code)
                    .with_num_partitions(-1)
                    .with_replication_factor(-1)
            })
            .collect(),
    )
}

fn delete_topics(r: &DeleteTopicsRequest, code: i16) -> DeleteTopicsResponse {
    use delete_topics_response::*;
    let by_name = r.topic_names.iter().map(|n| {
        DeletableTopicResult::default()
            .with_name(Some(n.clone()))
            .with_error_code(code)
    });
    let by_state = r.topics.iter().map(|t| {
        DeletableTopicResult::default()
            .with_name(t.name.clone())
            .with_topic_id(t.topic_id)
            .with_error_code(code)
    });
    DeleteTopicsResponse::default().with_responses(by_name.chain(by_state).collect())
}

fn describe_configs(r: &DescribeConfigsRequest, code: i16) -> DescribeConfigsResponse {
    use describe_configs_response::*;
    DescribeConfigsResponse::default().with_results(
        r.resources
            .iter()
            .map(|res| {
                DescribeConfigsResult::default()
                    .with_error_code(code)
                    .with_resource_type(res.resource_type)
                    .with_resource_name(res.resource_name.clone())
            })
            .collect(),
    )
}

fn find_coordinator(r: &FindCoordinatorRequest, code: i16) -> FindCoordinatorResponse {
    use find_coordinator_response::*;
    FindCoordinatorResponse::default()
        .with_error_code(code)
        .with_node_id((-1).into())
        .with_port(-1)
        .with_coordinators(
            r.coordinator_keys
                .iter()
                .map(|k| {
                    Coordinator::default()
                        .with_key(k.clone())
                        .with_node_id((-1).into())
                        .with_port(-1)
                        .with_error_code(code)
                })
                .collect(),
        )
}

fn offset_commit(r: &OffsetCommitRequest, code: i16) -> OffsetCommitResponse {
    use offset_commit_response::*;
    OffsetCommitResponse::default().with_topics(
        r.topics
            .iter()
            .map(|t| {
                OffsetCommitResponseTopic::default()
                    .with_name(t.name.clone())
                    .with_topic_id(t.topic_id)
                    .with_partitions(
                        t.partitions
                            .iter()
                            .map(|p| {
                                OffsetCommitResponsePartition::default()
                                    .with_partition_index(p.partition_index)
                                    .with_error_code(code)
                            })
                            .collect(),
                    )
            })
            .collect(),
    )
}

fn offset_fetch(r: &OffsetFetchRequest, code: i16) -> OffsetFetchResponse {
    use offset_fetch_response::*;
    OffsetFetchResponse::default()
        .with_error_code(code)
        .with_groups(
            r.groups
                .iter()
                .map(|g| {
                    OffsetFetchResponseGroup::default()
                        .with_group_id(g.group_id.clone())
                        .with_error_code(code)
                })
                .collect(),
        )
}

/// An error message as the codec wants it.
pub fn message(text: impl Into<String>) -> Option<StrBytes> {
    Some(StrBytes::from_string(text.into()))
}
