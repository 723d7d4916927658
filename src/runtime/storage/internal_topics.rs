//! The three internal topics of a distributed worker, from its
//! configuration, as Java's `KafkaConfigBackingStore`,
//! `KafkaOffsetBackingStore` and `KafkaStatusBackingStore` set up their
//! `KafkaBasedLog`s: clients built from every worker property (the
//! unprefixed "originals"), client ids `<group.id>[-<client.id>]-configs`,
//! `-offsets`, `-statuses` (`ConnectUtils.clientIdBase`), no idempotence
//! and an unbounded delivery timeout for the config and offset producers,
//! and the `<prefix>.*` topic settings, partitions and replication factors
//! of the worker config.
//!
//! One deliberate difference: Java's status producer has `retries=0` and
//! the store retries failed sends itself, skipping those a newer status
//! made stale. Here the status producer keeps idempotence (when the worker
//! config allows it) and the client's own retries, which deliver in order,
//! so a retried status can never overtake a newer one.

use std::collections::HashMap;
use std::time::Duration;

use crate::kafka::config::{ConsumerConfig, ProducerConfig};
use crate::runtime::config::worker::{StorageTopic, WorkerConfig};

use super::config::{CONFIG_TOPIC_CONFIG, CONFIG_TOPIC_PURPOSE};
use super::error::{Result, StorageError};
use super::kafka_log::{KafkaBasedLogConfig, TopicSpec};
use super::kafka_offset::{OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE};
use super::kafka_status::{STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE};

/// Which internal topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalTopic {
    Config,
    Offset,
    Status,
}

impl InternalTopic {
    fn client_suffix(self) -> &'static str {
        match self {
            InternalTopic::Config => "configs",
            InternalTopic::Offset => "offsets",
            InternalTopic::Status => "statuses",
        }
    }
}

/// `ConnectUtils.clientIdBase`: `<group.id>-` (or `connect-`), with the
/// worker's `client.id` in between when set.
pub fn client_id_base(worker: &WorkerConfig) -> String {
    let group = worker
        .distributed
        .as_ref()
        .map(|d| d.group_id.as_str())
        .filter(|g| !g.is_empty())
        .unwrap_or("connect");
    match worker
        .props
        .get("client.id")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        Some(client) => format!("{group}-{client}-"),
        None => format!("{group}-"),
    }
}

/// The log settings of one internal topic of a distributed worker.
pub fn log_config(worker: &WorkerConfig, which: InternalTopic) -> Result<KafkaBasedLogConfig> {
    let Some(distributed) = worker.distributed.as_ref() else {
        return Err(StorageError::Config(
            "the Kafka-backed stores need a distributed worker configuration".to_string(),
        ));
    };
    let (storage, config_key, purpose): (&StorageTopic, &str, &str) = match which {
        InternalTopic::Config => (
            &distributed.config_storage,
            CONFIG_TOPIC_CONFIG,
            CONFIG_TOPIC_PURPOSE,
        ),
        InternalTopic::Offset => (
            &distributed.offset_storage,
            OFFSET_TOPIC_CONFIG,
            OFFSET_TOPIC_PURPOSE,
        ),
        InternalTopic::Status => (
            &distributed.status_storage,
            STATUS_TOPIC_CONFIG,
            STATUS_TOPIC_PURPOSE,
        ),
    };
    if storage.topic.trim().is_empty() {
        return Err(StorageError::Config(format!(
            "Must specify topic for {purpose}."
        )));
    }
    let mut originals: HashMap<String, String> = worker
        .props
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    originals.insert(
        "bootstrap.servers".to_string(),
        worker.bootstrap_servers_string(),
    );
    originals.insert(
        "client.id".to_string(),
        format!("{}{}", client_id_base(worker), which.client_suffix()),
    );
    let kafka = |e: crate::kafka::error::Error| StorageError::Config(e.to_string());
    let mut producer = ProducerConfig::from_props(&originals).map_err(kafka)?;
    if which != InternalTopic::Status {
        producer.idempotence = false;
        producer.delivery_timeout = Duration::from_millis(i32::MAX as u64);
    }
    let consumer = ConsumerConfig::from_props(&originals).map_err(kafka)?;
    let mut topic = TopicSpec::new(&storage.topic, config_key, purpose);
    topic.partitions = match which {
        InternalTopic::Config => 1,
        _ => storage.partitions,
    };
    topic.replication_factor = storage.replication_factor;
    topic.settings = storage
        .settings
        .iter()
        .filter(|(k, _)| k.as_str() != "cleanup.policy")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(KafkaBasedLogConfig {
        topic,
        producer,
        consumer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let mut props = vec![
            ("bootstrap.servers", "broker:9092"),
            ("group.id", "cluster-a"),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("offset.storage.topic", "connect-offsets"),
            ("config.storage.topic", "connect-configs"),
            ("status.storage.topic", "connect-status"),
        ];
        props.extend_from_slice(extra);
        WorkerConfig::distributed(props).unwrap()
    }

    #[test]
    fn topics_partitions_and_replication_come_from_the_worker_config() {
        let w = worker(&[
            ("offset.storage.partitions", "10"),
            ("offset.storage.replication.factor", "-1"),
            ("config.storage.replication.factor", "1"),
            ("config.storage.partitions", "7"),
            ("status.storage.min.insync.replicas", "2"),
            ("status.storage.cleanup.policy", "delete"),
        ]);
        let config = log_config(&w, InternalTopic::Config).unwrap();
        assert_eq!(config.topic.name, "connect-configs");
        assert_eq!(
            config.topic.partitions, 1,
            "the config topic has 1 partition"
        );
        assert_eq!(config.topic.replication_factor, 1);
        assert_eq!(config.topic.config_key, "config.storage.topic");
        let offsets = log_config(&w, InternalTopic::Offset).unwrap();
        assert_eq!(offsets.topic.partitions, 10);
        assert_eq!(offsets.topic.replication_factor, -1);
        let status = log_config(&w, InternalTopic::Status).unwrap();
        assert_eq!(status.topic.partitions, 5);
        assert_eq!(status.topic.replication_factor, 3);
        assert_eq!(
            status
                .topic
                .settings
                .get("min.insync.replicas")
                .map(String::as_str),
            Some("2")
        );
        assert!(!status.topic.settings.contains_key("cleanup.policy"));
        assert!(status.producer.idempotence);
        assert!(!offsets.producer.idempotence);
        assert_eq!(
            config.producer.client.bootstrap_servers,
            vec!["broker:9092".to_string()]
        );
    }

    #[test]
    fn client_ids_follow_connect_utils() {
        let w = worker(&[]);
        assert_eq!(client_id_base(&w), "cluster-a-");
        let c = log_config(&w, InternalTopic::Status).unwrap();
        assert_eq!(
            &*c.producer.client.connection.client_id,
            "cluster-a-statuses"
        );
        let w = worker(&[("client.id", "w1")]);
        assert_eq!(client_id_base(&w), "cluster-a-w1-");
        let c = log_config(&w, InternalTopic::Config).unwrap();
        assert_eq!(
            &*c.consumer.client.connection.client_id,
            "cluster-a-w1-configs"
        );
    }

    #[test]
    fn standalone_configs_are_refused() {
        let w = WorkerConfig::standalone(vec![
            ("bootstrap.servers", "broker:9092"),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("offset.storage.file.filename", "/tmp/o"),
        ])
        .unwrap();
        assert!(log_config(&w, InternalTopic::Offset).is_err());
    }
}
