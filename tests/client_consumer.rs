//! Consumer positioning against a real broker: ListOffsets (earliest, latest,
//! by timestamp), seek, pause/resume of one partition while another goes on,
//! and a regex subscription through a group.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, OffsetSpec, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use support::{shared_broker, unique_topic};

const BASE_TS: i64 = 1_700_000_000_000;

/// Writes `n` records to each of `partitions`, record i with timestamp
/// BASE_TS + 1000 * i and value "p<partition>-<i>".
async fn fill(bootstrap: &str, topic: &str, partitions: i32, n: i64) {
    let admin = Admin::connect(ClientConfig::new(bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new(topic, partitions, 1)])
        .await
        .unwrap();
    let producer = Producer::connect(ProducerConfig::new(bootstrap))
        .await
        .unwrap();
    let mut acks = Vec::new();
    for p in 0..partitions {
        for i in 0..n {
            acks.push(
                producer
                    .send(ProducerRecord {
                        topic: topic.to_string(),
                        partition: Some(p),
                        value: Some(Bytes::from(format!("p{p}-{i}"))),
                        timestamp: Some(BASE_TS + 1000 * i),
                        ..ProducerRecord::default()
                    })
                    .await
                    .unwrap(),
            );
        }
    }
    for a in acks {
        a.wait().await.unwrap();
    }
    producer.close().await;
}

fn values(batches: &[kconnect::kafka::fetcher::PartitionRecords]) -> Vec<(i32, i64, String)> {
    batches
        .iter()
        .flat_map(|b| {
            b.records.iter().map(move |r| {
                (
                    b.partition,
                    r.offset,
                    String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned(),
                )
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_offsets_seek_and_pause_resume() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("positions");
    fill(&bootstrap, &topic, 2, 100).await;

    let mut config = ConsumerConfig::new(&bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    let p0 = TopicPartition::new(&topic, 0);
    let p1 = TopicPartition::new(&topic, 1);
    let both = [p0.clone(), p1.clone()];

    let earliest = consumer
        .list_offsets(&both, OffsetSpec::Earliest)
        .await
        .unwrap();
    let latest = consumer
        .list_offsets(&both, OffsetSpec::Latest)
        .await
        .unwrap();
    for tp in &both {
        assert_eq!(earliest[tp].0, 0);
        assert_eq!(latest[tp].0, 100);
    }
    let by_time = consumer
        .list_offsets(&both, OffsetSpec::Timestamp(BASE_TS + 49_500))
        .await
        .unwrap();
    assert_eq!(
        by_time[&p0],
        (50, BASE_TS + 50_000),
        "first offset at or after the time"
    );

    // Seek p0 to 40 and p1 to 90; read until both are at the end.
    consumer.assign(both.clone());
    consumer.seek(&p0, 40);
    consumer.seek(&p1, 90);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < 70 && Instant::now() < deadline {
        seen.extend(values(
            &consumer.poll(Duration::from_millis(200)).await.unwrap(),
        ));
    }
    let from_p0: Vec<i64> = seen.iter().filter(|r| r.0 == 0).map(|r| r.1).collect();
    let from_p1: Vec<i64> = seen.iter().filter(|r| r.0 == 1).map(|r| r.1).collect();
    assert_eq!(from_p0, (40..100).collect::<Vec<_>>());
    assert_eq!(from_p1, (90..100).collect::<Vec<_>>());
    assert!(seen.iter().all(|(p, o, v)| *v == format!("p{p}-{o}")));

    // Pause p1, rewind both: only p0 comes back until p1 is resumed.
    consumer.pause(std::slice::from_ref(&p1));
    assert_eq!(consumer.paused(), vec![p1.clone()]);
    consumer.seek(&p0, 0);
    consumer.seek(&p1, 0);
    let mut while_paused = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while while_paused.len() < 100 && Instant::now() < deadline {
        while_paused.extend(values(
            &consumer.poll(Duration::from_millis(200)).await.unwrap(),
        ));
    }
    // One more poll gives a fetch of p1 the chance to (wrongly) happen.
    while_paused.extend(values(
        &consumer.poll(Duration::from_millis(500)).await.unwrap(),
    ));
    assert_eq!(while_paused.len(), 100);
    assert!(
        while_paused.iter().all(|r| r.0 == 0),
        "nothing from the paused partition"
    );
    assert_eq!(consumer.position(&p1), Some(0));

    consumer.resume(std::slice::from_ref(&p1));
    let mut resumed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while resumed.len() < 100 && Instant::now() < deadline {
        resumed.extend(values(
            &consumer.poll(Duration::from_millis(200)).await.unwrap(),
        ));
    }
    let offsets: Vec<i64> = resumed.iter().filter(|r| r.0 == 1).map(|r| r.1).collect();
    assert_eq!(offsets, (0..100).collect::<Vec<_>>());
    assert_eq!(consumer.position(&p1), Some(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regex_subscription_picks_matching_topics_only() {
    let bootstrap = shared_broker().bootstrap.clone();
    let prefix = unique_topic("regex");
    let matching = [format!("{prefix}-a"), format!("{prefix}-b")];
    let other = format!("{prefix}x-c");
    for t in matching.iter().chain(std::iter::once(&other)) {
        fill(&bootstrap, t, 1, 5).await;
    }
    let mut config = ConsumerConfig::new(&bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    config.group_id = Some(unique_topic("regex-group"));
    config.session_timeout = Duration::from_secs(10);
    config.heartbeat_interval = Duration::from_secs(1);
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer
        .subscribe_pattern(&format!("{}-[ab]", regex::escape(&prefix)))
        .unwrap();
    let mut per_topic: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while per_topic.values().sum::<usize>() < 10 && Instant::now() < deadline {
        for b in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            *per_topic.entry(b.topic.to_string()).or_default() += b.records.len();
        }
    }
    let assigned: BTreeSet<String> = consumer
        .assignment()
        .into_iter()
        .map(|tp| tp.topic)
        .collect();
    assert_eq!(assigned, matching.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(
        per_topic,
        matching
            .iter()
            .map(|t| (t.clone(), 5))
            .collect::<BTreeMap<_, _>>()
    );
    consumer.close().await;
}
