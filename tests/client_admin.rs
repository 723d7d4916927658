//! The admin client against a real broker: a compacted topic is created with
//! its config, read back including tombstones, and "already exists" is an
//! outcome rather than an error; the cluster describes itself.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::kafka::admin::{Admin, CreateOutcome, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use support::{shared_broker, unique_topic};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_topic_is_created_and_read_back_with_tombstones() {
    let bootstrap = shared_broker().bootstrap.clone();
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    let topic = unique_topic("compacted");
    let created = admin
        .create_topics(&[NewTopic::new(&topic, 1, -1).config("cleanup.policy", "compact")])
        .await
        .unwrap();
    assert_eq!(created.get(&topic), Some(&CreateOutcome::Created));
    // A second create reports the topic as already there.
    let again = admin
        .create_topics(&[NewTopic::new(&topic, 1, -1).config("cleanup.policy", "compact")])
        .await
        .unwrap();
    assert_eq!(again.get(&topic), Some(&CreateOutcome::AlreadyExists));
    let configs = admin.describe_topic_configs(&topic).await.unwrap();
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact")
    );

    // Keys with values, then tombstones (null values) for some of them.
    let producer = Producer::connect(ProducerConfig::new(&bootstrap))
        .await
        .unwrap();
    let mut writes: Vec<(String, Option<String>)> = Vec::new();
    for i in 0..10 {
        writes.push((format!("k{i}"), Some(format!("v{i}"))));
    }
    for i in (0..10).step_by(3) {
        writes.push((format!("k{i}"), None));
    }
    let mut acks = Vec::new();
    for (k, v) in &writes {
        acks.push(
            producer
                .send(ProducerRecord {
                    topic: topic.clone(),
                    key: Some(Bytes::from(k.clone())),
                    value: v.clone().map(Bytes::from),
                    ..ProducerRecord::default()
                })
                .await
                .unwrap(),
        );
    }
    for a in acks {
        a.wait().await.unwrap();
    }
    producer.close().await;

    let mut config = ConsumerConfig::new(&bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign([TopicPartition::new(&topic, 0)]);
    let mut read: Vec<(String, Option<String>)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while read.len() < writes.len() && Instant::now() < deadline {
        for batch in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in batch.records {
                let key =
                    String::from_utf8_lossy(r.key.as_deref().unwrap_or_default()).into_owned();
                let value = r.value.map(|v| String::from_utf8_lossy(&v).into_owned());
                read.push((key, value));
            }
        }
    }
    assert_eq!(read, writes, "records and tombstones in order");
    let latest: BTreeMap<&str, Option<&str>> = read
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(latest.values().filter(|v| v.is_none()).count(), 4);

    admin.delete_topics(&[&topic]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_describes_itself() {
    let broker = shared_broker();
    let admin = Admin::connect(ClientConfig::new(&broker.bootstrap))
        .await
        .unwrap();
    let description = admin.describe_cluster().await.unwrap();
    assert!(!description.cluster_id.is_empty());
    assert_eq!(description.brokers.len(), 1);
    assert_eq!(description.brokers[0].1, broker.bootstrap);
    let from_metadata = admin.cluster().cluster_id().await.unwrap();
    assert_eq!(
        from_metadata.as_deref(),
        Some(description.cluster_id.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_bootstrap_is_a_clear_error() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Admin::connect(ClientConfig::new(&format!("127.0.0.1:{port}")))
        .await
        .err()
        .expect("connecting to a closed port must fail");
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
}
