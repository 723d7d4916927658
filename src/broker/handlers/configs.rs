//! DescribeConfigs for topics (every topic config, those set at creation as
//! TOPIC_CONFIG, the rest as DEFAULT_CONFIG with Kafka's defaults) and for
//! the broker resource (its few static settings and defaults). Mirrors
//! Kafka's `ConfigHelper.describeConfigs`.

use std::sync::Arc;

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};
use kafka_protocol::protocol::StrBytes;

use super::topics::{SOURCE_DEFAULT, SOURCE_STATIC_BROKER, SOURCE_TOPIC};
use crate::broker::errors::message;
use crate::broker::state::BrokerState;
use crate::broker::topic::TOPIC_DEFAULTS;
use crate::kafka::ErrorCode;

const RESOURCE_TOPIC: i8 = 2;
const RESOURCE_BROKER: i8 = 4;

/// One config entry: name, value, source, DescribeConfigs type.
type Entry = (String, String, i8, i8);

pub fn describe(
    state: &Arc<BrokerState>,
    request: &DescribeConfigsRequest,
) -> DescribeConfigsResponse {
    let results = request
        .resources
        .iter()
        .map(|res| {
            let base = DescribeConfigsResult::default()
                .with_resource_type(res.resource_type)
                .with_resource_name(res.resource_name.clone());
            let entries = match res.resource_type {
                RESOURCE_TOPIC => match state.topic(&res.resource_name) {
                    Some(topic) => topic_entries(&topic.config.explicit),
                    None => {
                        return base
                            .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                            .with_error_message(message(format!(
                                "Topic {} does not exist",
                                res.resource_name.as_str()
                            )))
                    }
                },
                RESOURCE_BROKER => {
                    let name = res.resource_name.as_str();
                    if !name.is_empty() && name != state.config.node_id.to_string() {
                        return base
                            .with_error_code(ErrorCode::InvalidRequest.code())
                            .with_error_message(message(format!("Unknown broker {name}")));
                    }
                    broker_entries(state)
                }
                other => {
                    return base
                        .with_error_code(ErrorCode::InvalidRequest.code())
                        .with_error_message(message(format!("Unsupported resource type {other}")))
                }
            };
            let configs = entries
                .into_iter()
                .filter(|(name, ..)| {
                    res.configuration_keys
                        .as_ref()
                        .is_none_or(|keys| keys.iter().any(|k| k.as_str() == name))
                })
                .map(|(name, value, source, kind)| {
                    let synonyms = if request.include_synonyms {
                        vec![DescribeConfigsSynonym::default()
                            .with_name(StrBytes::from_string(name.clone()))
                            .with_value(Some(StrBytes::from_string(value.clone())))
                            .with_source(source)]
                    } else {
                        Vec::new()
                    };
                    DescribeConfigsResourceResult::default()
                        .with_name(StrBytes::from_string(name))
                        .with_value(Some(StrBytes::from_string(value)))
                        .with_read_only(res.resource_type == RESOURCE_BROKER)
                        .with_config_source(source)
                        .with_config_type(kind)
                        .with_synonyms(synonyms)
                })
                .collect();
            base.with_configs(configs)
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn topic_entries(explicit: &std::collections::BTreeMap<String, String>) -> Vec<Entry> {
    TOPIC_DEFAULTS
        .iter()
        .map(|&(name, default, kind)| match explicit.get(name) {
            Some(v) => (name.to_string(), v.clone(), SOURCE_TOPIC, kind),
            None => (name.to_string(), default.to_string(), SOURCE_DEFAULT, kind),
        })
        .collect()
}

fn broker_entries(state: &BrokerState) -> Vec<Entry> {
    let c = &state.config;
    let fixed = |n: &str, v: String, kind: i8| (n.to_string(), v, SOURCE_STATIC_BROKER, kind);
    let default = |n: &str, v: &str, kind: i8| (n.to_string(), v.to_string(), SOURCE_DEFAULT, kind);
    vec![
        fixed("node.id", c.node_id.to_string(), 3),
        fixed("broker.id", c.node_id.to_string(), 3),
        fixed("num.partitions", c.num_partitions.to_string(), 3),
        fixed(
            "auto.create.topics.enable",
            c.auto_create_topics.to_string(),
            1,
        ),
        default("default.replication.factor", "1", 3),
        fixed("offsets.topic.replication.factor", "1".to_string(), 4),
        fixed(
            "transaction.state.log.replication.factor",
            "1".to_string(),
            4,
        ),
        default("min.insync.replicas", "1", 3),
        default("log.cleanup.policy", "delete", 7),
        default("log.retention.hours", "168", 3),
        default("log.retention.bytes", "-1", 5),
        default("message.max.bytes", "1048588", 3),
        default("compression.type", "producer", 2),
        default("log.message.timestamp.type", "CreateTime", 2),
        default("delete.topic.enable", "true", 1),
    ]
}
