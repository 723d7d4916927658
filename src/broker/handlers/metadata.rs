//! Metadata: this single broker as the only broker, controller and leader of
//! every partition; all topics or the listed ones (by name, or by id from
//! v10), auto-creating missing topics when the broker and the request allow
//! it. Mirrors Kafka's `KafkaApis.handleTopicMetadataRequest`.

use std::sync::Arc;

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::broker::state::BrokerState;
use crate::broker::topic::{validate_name, Topic, TopicConfig};
use crate::kafka::ErrorCode;

pub fn handle(
    state: &Arc<BrokerState>,
    request: &MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let node = state.config.node_id;
    let all = match &request.topics {
        None => true,
        Some(t) => version == 0 && t.is_empty(),
    };
    let topics = if all {
        state.topics().iter().map(|t| describe(t, node)).collect()
    } else {
        let allow_create =
            state.config.auto_create_topics && (version < 4 || request.allow_auto_topic_creation);
        request
            .topics
            .iter()
            .flatten()
            .map(|wanted| match &wanted.name {
                None => match state.topic_by_id(wanted.topic_id) {
                    Some(t) => describe(&t, node),
                    None => MetadataResponseTopic::default()
                        .with_topic_id(wanted.topic_id)
                        .with_error_code(ErrorCode::UnknownTopicId.code()),
                },
                Some(name) => lookup(state, name, allow_create, node),
            })
            .collect()
    };
    MetadataResponse::default()
        .with_brokers(vec![MetadataResponseBroker::default()
            .with_node_id(node.into())
            .with_host(StrBytes::from_string(state.advertised_host.clone()))
            .with_port(state.advertised_port)])
        .with_cluster_id(Some(StrBytes::from_string(state.config.cluster_id.clone())))
        .with_controller_id(node.into())
        .with_topics(topics)
}

fn lookup(
    state: &BrokerState,
    name: &TopicName,
    allow_create: bool,
    node: i32,
) -> MetadataResponseTopic {
    if let Some(t) = state.topic(name) {
        return describe(&t, node);
    }
    let failed = |code: ErrorCode| {
        MetadataResponseTopic::default()
            .with_name(Some(name.clone()))
            .with_error_code(code.code())
    };
    if validate_name(name).is_err() {
        return failed(ErrorCode::InvalidTopicException);
    }
    if !allow_create {
        return failed(ErrorCode::UnknownTopicOrPartition);
    }
    let (topic, _) = state.create_topic(name, state.config.num_partitions, TopicConfig::default());
    describe(&topic, node)
}

/// Leader epoch -1 (unknown): clients then skip OffsetsForLeaderEpoch
/// validation, an API this broker does not serve.
fn describe(topic: &Topic, node: i32) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(StrBytes::from_string(topic.name.clone()))))
        .with_topic_id(topic.id)
        .with_is_internal(matches!(
            topic.name.as_str(),
            "__consumer_offsets" | "__transaction_state"
        ))
        .with_partitions(
            (0..topic.partitions.len() as i32)
                .map(|i| {
                    MetadataResponsePartition::default()
                        .with_partition_index(i)
                        .with_leader_id(node.into())
                        .with_leader_epoch(-1)
                        .with_replica_nodes(vec![node.into()])
                        .with_isr_nodes(vec![node.into()])
                })
                .collect(),
        )
}
