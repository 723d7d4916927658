//! Nothing acknowledged is lost when the broker restarts mid-stream: 100,000
//! sequence-numbered records produced with acks=all (idempotent) while the
//! broker is killed and started again; every record the producer reported as
//! acknowledged is on the topic afterwards, exactly once.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use support::{unique_topic, Broker};

const RECORDS: u64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_survive_a_broker_restart() {
    let broker = Broker::start_dedicated();
    let bootstrap = broker.bootstrap.clone();
    let topic = unique_topic("restart");
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new(&topic, 3, 1)])
        .await
        .unwrap();

    let producer = Producer::connect(ProducerConfig::new(&bootstrap))
        .await
        .unwrap();
    let acked_count = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1 << 14);
    let sender = {
        let producer = producer.clone();
        let topic = topic.clone();
        tokio::spawn(async move {
            for seq in 0..RECORDS {
                let fut = producer
                    .send(ProducerRecord {
                        topic: topic.clone(),
                        key: Some(Bytes::from(format!("{}", seq % 1000))),
                        value: Some(Bytes::from(seq.to_string())),
                        ..ProducerRecord::default()
                    })
                    .await
                    .expect("send");
                if tx.send((seq, fut)).await.is_err() {
                    break;
                }
            }
        })
    };
    let collector = {
        let acked_count = acked_count.clone();
        tokio::spawn(async move {
            let mut acked = BTreeSet::new();
            let mut failed = 0u64;
            while let Some((seq, fut)) = rx.recv().await {
                match fut.wait().await {
                    Ok(_) => {
                        acked.insert(seq);
                        acked_count.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => failed += 1,
                }
            }
            (acked, failed)
        })
    };

    // Restart the broker once a good part of the stream is acknowledged.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked_count.load(Ordering::Relaxed) < RECORDS / 4 {
        assert!(Instant::now() < deadline, "no progress before the restart");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = acked_count.load(Ordering::Relaxed);
    let broker = tokio::task::spawn_blocking(move || {
        broker.kill();
        broker.restart();
        broker
    })
    .await
    .unwrap();

    sender.await.unwrap();
    producer.flush().await;
    drop(producer);
    let (acked, failed) = collector.await.unwrap();
    assert!(before < RECORDS, "the restart happened mid-stream");
    assert!(
        acked.len() as u64 > before,
        "the producer went on after the restart ({} acked, {} before)",
        acked.len(),
        before
    );
    assert_eq!(
        acked.len() as u64 + failed,
        RECORDS,
        "every record has an outcome"
    );

    // Read everything back.
    let mut config = ConsumerConfig::new(&bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign((0..3).map(|p| TopicPartition::new(&topic, p)));
    let mut on_topic = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut idle_since = Instant::now();
    while Instant::now() < deadline {
        let polled = consumer.poll(Duration::from_millis(500)).await.unwrap();
        if polled.is_empty() {
            if on_topic.len() >= acked.len() && idle_since.elapsed() > Duration::from_secs(2) {
                break;
            }
            continue;
        }
        idle_since = Instant::now();
        for batch in polled {
            for r in batch.records {
                let v = r.value.expect("value");
                on_topic.push(std::str::from_utf8(&v).unwrap().parse::<u64>().unwrap());
            }
        }
    }
    let unique: BTreeSet<u64> = on_topic.iter().copied().collect();
    let missing: Vec<&u64> = acked.difference(&unique).take(10).collect();
    assert!(
        missing.is_empty(),
        "acknowledged records missing from the topic, e.g. {missing:?}"
    );
    assert_eq!(
        unique.len(),
        on_topic.len(),
        "the idempotent producer wrote no duplicates"
    );
    drop(broker);
}
