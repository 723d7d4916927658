//! The native client's reliability where a real broker cannot stage the
//! failure on demand: the embedded broker's fault injection drops
//! connections in the middle of a produce stream, answers Produce with a
//! retriable error, and delays responses. Every acknowledged record must be
//! on the topic exactly once (idempotence), in order per partition.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::broker::{BrokerConfig, EmbeddedBroker};
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
/// NOT_LEADER_OR_FOLLOWER: retriable, and makes the client refresh metadata.
const NOT_LEADER_OR_FOLLOWER: i16 = 6;

async fn broker_with_topic(topic: &str, partitions: i32) -> EmbeddedBroker {
    let broker = EmbeddedBroker::start(BrokerConfig::default())
        .await
        .expect("embedded broker");
    let admin = Admin::connect(ClientConfig::new(&broker.bootstrap()))
        .await
        .expect("admin");
    admin
        .create_topics(&[NewTopic::new(topic, partitions, 1)])
        .await
        .expect("create topic");
    broker
}

/// Sends `n` records round-robin over the partitions; returns what the
/// producer acknowledged: partition -> values in send order.
async fn produce_all(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    n: usize,
    batch_size: Option<usize>,
) -> BTreeMap<i32, Vec<String>> {
    let mut config = ProducerConfig::new(bootstrap);
    config.linger = Duration::from_millis(2);
    if let Some(b) = batch_size {
        config.batch_size = b;
    }
    let producer = Producer::connect(config).await.expect("producer");
    let mut pending = Vec::new();
    for i in 0..n {
        let partition = (i as i32) % partitions;
        let value = format!("v{i}");
        let delivery = producer
            .send(ProducerRecord {
                topic: topic.to_string(),
                partition: Some(partition),
                value: Some(Bytes::from(value.clone())),
                ..ProducerRecord::default()
            })
            .await
            .expect("send");
        pending.push((partition, value, delivery));
    }
    let mut acked: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for (partition, value, delivery) in pending {
        delivery
            .wait()
            .await
            .unwrap_or_else(|e| panic!("{value} was not acknowledged: {e}"));
        acked.entry(partition).or_default().push(value);
    }
    producer.close().await;
    acked
}

/// Everything on the topic: partition -> values in offset order.
async fn read_all(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    n: usize,
) -> BTreeMap<i32, Vec<String>> {
    let mut config = ConsumerConfig::new(bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.expect("consumer");
    consumer.assign((0..partitions).map(|p| TopicPartition::new(topic, p)));
    let mut seen: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut count = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while count < n && Instant::now() < deadline {
        for b in consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap_or_default()
        {
            for r in b.records {
                count += 1;
                seen.entry(b.partition)
                    .or_default()
                    .push(String::from_utf8_lossy(&r.value.unwrap_or_default()).into_owned());
            }
        }
    }
    consumer.close().await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_mid_stream_lose_and_duplicate_nothing() {
    let topic = "faults-drop";
    let broker = broker_with_topic(topic, 3).await;
    // Drop a connection now and then while 20,000 records flow.
    broker.faults().drop_connection_after(5);
    let bootstrap = broker.bootstrap();
    let producing = tokio::spawn({
        let bootstrap = bootstrap.clone();
        // Small batches: many requests, so that a drop armed by request
        // count fires while the records flow.
        async move { produce_all(&bootstrap, topic, 3, 20_000, Some(512)).await }
    });
    // Each drop fires once; re-armed after it fired, while the records flow.
    let mut fired = 0;
    while !producing.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = broker.faults().dropped_connections();
        if now > fired && now < 5 {
            fired = now;
            broker.faults().drop_connection_after(20);
        }
    }
    let acked = producing.await.expect("producer task");
    let dropped = broker.faults().dropped_connections();
    broker.faults().clear();
    assert!(
        dropped >= 1,
        "no connection was dropped while the records flowed: the test proves nothing"
    );
    let stored = read_all(&bootstrap, topic, 3, 20_000).await;
    assert_eq!(
        stored, acked,
        "the topic holds exactly the acknowledged records, in order"
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retriable_produce_error_is_retried_without_duplicates() {
    let topic = "faults-not-leader";
    let broker = broker_with_topic(topic, 2).await;
    broker
        .faults()
        .fail_api(PRODUCE, NOT_LEADER_OR_FOLLOWER, Some(5));
    let bootstrap = broker.bootstrap();
    let acked = produce_all(&bootstrap, topic, 2, 5_000, None).await;
    let stored = read_all(&bootstrap, topic, 2, 5_000).await;
    assert_eq!(stored, acked);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_responses_and_failed_fetches_still_deliver_everything() {
    let topic = "faults-slow";
    let broker = broker_with_topic(topic, 2).await;
    let bootstrap = broker.bootstrap();
    let acked = produce_all(&bootstrap, topic, 2, 2_000, None).await;
    broker
        .faults()
        .delay_responses(Some(Duration::from_millis(150)));
    broker
        .faults()
        .fail_api(FETCH, NOT_LEADER_OR_FOLLOWER, Some(3));
    let stored = read_all(&bootstrap, topic, 2, 2_000).await;
    assert_eq!(stored, acked);
    broker.shutdown().await;
}
