//! CreateTopics and DeleteTopics, with Kafka's validation: topic names,
//! replication factor 1 (or -1 for the default), partition counts, manual
//! assignments onto this broker only, known topic configs with valid values
//! (`cleanup.policy` among them), duplicates in one request, and
//! `validate_only`. Mirrors `ControllerApis.createTopics` /
//! `ReplicationControlManager`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult,
};
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    DeleteTopicsRequest, DeleteTopicsResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::dispatch::RequestContext;
use crate::broker::errors::message;
use crate::broker::state::BrokerState;
use crate::broker::topic::{validate_config, validate_name, TopicConfig, TOPIC_DEFAULTS};
use crate::kafka::ErrorCode;

/// CreatePartitions: grows topics, never shrinks them; manual assignments
/// are refused (one broker has nothing to assign).
pub fn create_partitions(
    state: &Arc<BrokerState>,
    request: &CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let results = request
        .topics
        .iter()
        .map(|t| {
            let result = CreatePartitionsTopicResult::default().with_name(t.name.clone());
            let fail = |code: ErrorCode, msg: String| {
                result
                    .clone()
                    .with_error_code(code.code())
                    .with_error_message(message(msg))
            };
            let Some(topic) = state.topic(t.name.as_str()) else {
                return fail(
                    ErrorCode::UnknownTopicOrPartition,
                    "This server does not host this topic-partition.".to_string(),
                );
            };
            let current = topic.partitions.len() as i32;
            if t.count < current {
                return fail(
                    ErrorCode::InvalidPartitions,
                    format!(
                        "Topic currently has {current} partitions, which is higher than the requested {}.",
                        t.count
                    ),
                );
            }
            if t.count == current {
                return fail(
                    ErrorCode::InvalidPartitions,
                    format!("Topic already has {current} partitions."),
                );
            }
            if t.assignments.is_some() {
                return fail(
                    ErrorCode::InvalidReplicaAssignment,
                    "Manual partition assignment is not supported by the embedded broker."
                        .to_string(),
                );
            }
            if !request.validate_only {
                state.grow_topic(t.name.as_str(), t.count);
            }
            result
        })
        .collect();
    CreatePartitionsResponse::default().with_results(results)
}

/// DescribeConfigs / CreateTopics config sources.
pub const SOURCE_TOPIC: i8 = 1;
pub const SOURCE_STATIC_BROKER: i8 = 4;
pub const SOURCE_DEFAULT: i8 = 5;

pub fn create(
    state: &Arc<BrokerState>,
    request: &CreateTopicsRequest,
    ctx: &RequestContext,
) -> CreateTopicsResponse {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for t in &request.topics {
        *counts.entry(t.name.as_str()).or_default() += 1;
    }
    let results = request
        .topics
        .iter()
        .map(|t| {
            let fail = |code: ErrorCode, msg: String| {
                CreatableTopicResult::default()
                    .with_name(t.name.clone())
                    .with_error_code(code.code())
                    .with_error_message(message(msg))
                    .with_num_partitions(-1)
                    .with_replication_factor(-1)
            };
            if counts.get(t.name.as_str()).copied().unwrap_or(0) > 1 {
                return fail(
                    ErrorCode::InvalidRequest,
                    format!(
                        "Create topics request from client `{}` contains multiple entries for the following topics: {}",
                        ctx.header.client_id.as_ref().map_or("", |c| c.as_str()),
                        t.name.as_str()
                    ),
                );
            }
            if let Err(m) = validate_name(&t.name) {
                return fail(ErrorCode::InvalidTopicException, m);
            }
            if state.topic(&t.name).is_some() {
                return fail(
                    ErrorCode::TopicAlreadyExists,
                    format!("Topic '{}' already exists.", t.name.as_str()),
                );
            }
            let partitions = if !t.assignments.is_empty() {
                if t.num_partitions != -1 || t.replication_factor != -1 {
                    return fail(
                        ErrorCode::InvalidRequest,
                        "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".to_string(),
                    );
                }
                let node = state.config.node_id;
                for a in &t.assignments {
                    if a.broker_ids.len() != 1 || a.broker_ids[0].0 != node {
                        return fail(
                            ErrorCode::InvalidReplicaAssignment,
                            format!(
                                "The manual partition assignment includes a replica other than broker {node}, the only broker."
                            ),
                        );
                    }
                }
                t.assignments.len() as i32
            } else {
                if t.replication_factor != 1 && t.replication_factor != -1 {
                    return fail(
                        ErrorCode::InvalidReplicationFactor,
                        format!(
                            "Unable to replicate the partition {} time(s): The target replication factor of {} cannot be reached because only 1 broker(s) are registered.",
                            t.replication_factor, t.replication_factor
                        ),
                    );
                }
                match t.num_partitions {
                    -1 => state.config.num_partitions,
                    n if n > 0 => n,
                    n => {
                        return fail(
                            ErrorCode::InvalidPartitions,
                            format!("Number of partitions was set to an invalid non-positive value {n}."),
                        )
                    }
                }
            };
            let mut explicit = BTreeMap::new();
            for c in &t.configs {
                let Some(value) = c.value.as_ref() else {
                    return fail(
                        ErrorCode::InvalidConfig,
                        format!("Null value not supported for topic configs: {}", c.name.as_str()),
                    );
                };
                if let Err(m) = validate_config(&c.name, value) {
                    return fail(ErrorCode::InvalidConfig, m);
                }
                explicit.insert(c.name.to_string(), value.to_string());
            }
            let config = TopicConfig { explicit };
            let configs = describe_configs(&config);
            let mut id = uuid::Uuid::nil();
            if !request.validate_only {
                let (topic, created) = state.create_topic(&t.name, partitions, config);
                if !created {
                    return fail(
                        ErrorCode::TopicAlreadyExists,
                        format!("Topic '{}' already exists.", t.name.as_str()),
                    );
                }
                id = topic.id;
            }
            CreatableTopicResult::default()
                .with_name(t.name.clone())
                .with_topic_id(id)
                .with_num_partitions(partitions)
                .with_replication_factor(1)
                .with_configs(Some(configs))
        })
        .collect();
    CreateTopicsResponse::default().with_topics(results)
}

/// Every topic config with its value and source, as CreateTopics v5+
/// returns them.
fn describe_configs(config: &TopicConfig) -> Vec<CreatableTopicConfigs> {
    TOPIC_DEFAULTS
        .iter()
        .map(|&(name, default, _)| {
            let (value, source) = match config.explicit.get(name) {
                Some(v) => (v.clone(), SOURCE_TOPIC),
                None => (default.to_string(), SOURCE_DEFAULT),
            };
            CreatableTopicConfigs::default()
                .with_name(StrBytes::from_static_str(name))
                .with_value(Some(StrBytes::from_string(value)))
                .with_config_source(source)
        })
        .collect()
}

pub fn delete(state: &Arc<BrokerState>, request: &DeleteTopicsRequest) -> DeleteTopicsResponse {
    let by_name = request
        .topic_names
        .iter()
        .map(|name| delete_one(state, Some(name), uuid::Uuid::nil()));
    let by_state = request
        .topics
        .iter()
        .map(|t| delete_one(state, t.name.as_ref(), t.topic_id));
    DeleteTopicsResponse::default().with_responses(by_name.chain(by_state).collect())
}

fn delete_one(
    state: &BrokerState,
    name: Option<&TopicName>,
    id: uuid::Uuid,
) -> DeletableTopicResult {
    let topic = match name {
        Some(n) if !n.is_empty() => state.topic(n),
        _ => state.topic_by_id(id),
    };
    let Some(topic) = topic else {
        let code = if name.is_some_and(|n| !n.is_empty()) {
            ErrorCode::UnknownTopicOrPartition
        } else {
            ErrorCode::UnknownTopicId
        };
        return DeletableTopicResult::default()
            .with_name(name.cloned())
            .with_topic_id(id)
            .with_error_code(code.code())
            .with_error_message(message(code.name()));
    };
    state.delete_topic(&topic.name);
    DeletableTopicResult::default()
        .with_name(Some(TopicName(StrBytes::from_string(topic.name.clone()))))
        .with_topic_id(topic.id)
}
