//! The native client against a real broker: produce and consume over several
//! partitions with keys, null values and (duplicated) headers under every
//! compression codec, checked by our consumer and by Kafka's Java console
//! consumer; and the other way round, records written by the Java console
//! producer read by us.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::batch::Header;
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::partitioner::partition_for_key;
use kconnect::kafka::producer::{Producer, ProducerRecord};
use support::{shared_broker, unique_topic, CONSOLE_CONSUMER, CONSOLE_PRODUCER};

const PARTITIONS: i32 = 3;

/// A record as both sides see it: (partition, key, value, headers).
type Seen = (
    i32,
    Option<String>,
    Option<String>,
    Vec<(String, Option<String>)>,
);

fn header(k: &str, v: Option<&str>) -> Header {
    Header {
        key: Bytes::copy_from_slice(k.as_bytes()),
        value: v.map(|v| Bytes::copy_from_slice(v.as_bytes())),
    }
}

fn text(b: &Option<Bytes>) -> Option<String> {
    b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned())
}

async fn create(bootstrap: &str, topic: &str, partitions: i32) {
    let admin = Admin::connect(ClientConfig::new(bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new(topic, partitions, 1)])
        .await
        .unwrap();
}

/// Reads every partition of `topic` from the start until `expected` records
/// arrived (or 60 s passed).
async fn read_all(bootstrap: &str, topic: &str, expected: usize) -> Vec<Seen> {
    let mut config = ConsumerConfig::new(bootstrap);
    config.auto_offset_reset = kconnect::kafka::config::OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    let partitions = consumer.cluster().partition_count(topic).await.unwrap();
    consumer.assign((0..partitions).map(|p| TopicPartition::new(topic, p)));
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < expected && Instant::now() < deadline {
        for batch in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in &batch.records {
                seen.push((
                    batch.partition,
                    text(&r.key),
                    text(&r.value),
                    r.headers
                        .iter()
                        .map(|h| (String::from_utf8_lossy(&h.key).into_owned(), text(&h.value)))
                        .collect(),
                ));
            }
        }
    }
    seen
}

/// The records this test writes: keyed ones land by murmur2, some values are
/// null (tombstone-like), some headers repeat their key.
fn records(topic: &str, codec: &str) -> Vec<ProducerRecord> {
    (0..60)
        .map(|i| {
            let key = (i % 4 != 0).then(|| Bytes::from(format!("key-{i}")));
            let value = (i % 7 != 3).then(|| Bytes::from(format!("{codec} value {i} ✓")));
            let mut headers = vec![header("h", Some(&format!("first-{i}")))];
            if i % 2 == 0 {
                headers.push(header("h", Some(&format!("second-{i}"))));
                headers.push(header("other", None));
            }
            ProducerRecord {
                topic: topic.to_string(),
                key,
                value,
                headers,
                ..ProducerRecord::default()
            }
        })
        .collect()
}

fn expected(records: &[ProducerRecord], partitions: &[i32]) -> BTreeSet<Seen> {
    records
        .iter()
        .zip(partitions)
        .map(|(r, p)| {
            (
                *p,
                text(&r.key),
                text(&r.value),
                r.headers
                    .iter()
                    .map(|h| (String::from_utf8_lossy(&h.key).into_owned(), text(&h.value)))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_codec_round_trips_through_our_consumer_and_javas() {
    let bootstrap = shared_broker().bootstrap.clone();
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let topic = unique_topic(&format!("roundtrip-{codec}"));
        create(&bootstrap, &topic, PARTITIONS).await;
        let mut props = std::collections::HashMap::new();
        props.insert("bootstrap.servers".to_string(), bootstrap.clone());
        props.insert("compression.type".to_string(), codec.to_string());
        props.insert("linger.ms".to_string(), "20".to_string());
        let producer = Producer::connect(ProducerConfig::from_props(&props).unwrap())
            .await
            .unwrap();
        let recs = records(&topic, codec);
        let mut futures = Vec::new();
        for r in recs.clone() {
            futures.push(producer.send(r).await.unwrap());
        }
        let mut partitions = Vec::new();
        let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
        for f in futures {
            let md = f.wait().await.unwrap();
            partitions.push(md.partition);
            offsets.entry(md.partition).or_default().push(md.offset);
        }
        // Keyed records land where Java's partitioner puts them.
        for (r, p) in recs.iter().zip(&partitions) {
            if let Some(k) = &r.key {
                assert_eq!(*p, partition_for_key(k, PARTITIONS), "{codec}: key {k:?}");
            }
        }
        // Offsets per partition are 0..n in send order.
        for (p, offs) in &offsets {
            let want: Vec<i64> = (0..offs.len() as i64).collect();
            assert_eq!(offs, &want, "{codec}: offsets of partition {p}");
        }
        producer.close().await;
        let want = expected(&recs, &partitions);

        let ours: BTreeSet<Seen> = read_all(&bootstrap, &topic, recs.len())
            .await
            .into_iter()
            .collect();
        assert_eq!(ours, want, "{codec}: our consumer");

        // Kafka's own console consumer, as an independent reader.
        let out = support::java_tool_timeout(
            CONSOLE_CONSUMER,
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                &topic,
                "--from-beginning",
                "--max-messages",
                &recs.len().to_string(),
                "--timeout-ms",
                "30000",
                "--formatter-property",
                "print.partition=true",
                "--formatter-property",
                "print.headers=true",
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "null.literal=<null>",
            ],
            None,
            Duration::from_secs(90),
        );
        support::assert_tool_ok(&out, "console consumer");
        let java: BTreeSet<Seen> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|line| line.starts_with("Partition:"))
            .map(parse_console_line)
            .collect();
        assert_eq!(java, want, "{codec}: Java console consumer");
    }
}

/// `Partition:N\th1:v1,h2:v2\tkey\tvalue` with `<null>` for null and
/// `NO_HEADERS` for an empty header list.
fn parse_console_line(line: &str) -> Seen {
    let fields: Vec<&str> = line.splitn(4, '\t').collect();
    assert_eq!(fields.len(), 4, "unexpected console line {line:?}");
    let partition = fields[0]
        .strip_prefix("Partition:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no partition in {line:?}"));
    let null = |s: &str| (s != "<null>").then(|| s.to_string());
    let headers = if fields[1] == "NO_HEADERS" {
        Vec::new()
    } else {
        fields[1]
            .split(',')
            .map(|h| {
                let (k, v) = h.split_once(':').unwrap_or((h, "<null>"));
                (k.to_string(), null(v))
            })
            .collect()
    };
    (partition, null(fields[2]), null(fields[3]), headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_read_what_the_java_console_producer_wrote() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("from-java");
    create(&bootstrap, &topic, PARTITIONS).await;
    let lines: Vec<String> = (0..30)
        .map(|i| format!("trace:{i},trace:again-{i}\tk{i}\tvalue number {i}"))
        .collect();
    let mut input = lines.join("\n");
    input.push('\n');
    let out = support::java_tool_stdin(
        CONSOLE_PRODUCER,
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &topic,
            "--reader-property",
            "parse.key=true",
            "--reader-property",
            "parse.headers=true",
            "--producer-property",
            "acks=all",
        ],
        input.as_bytes(),
    );
    support::assert_tool_ok(&out, "console producer");
    let seen: BTreeSet<Seen> = read_all(&bootstrap, &topic, 30).await.into_iter().collect();
    let want: BTreeSet<Seen> = (0..30)
        .map(|i| {
            let key = format!("k{i}");
            (
                // Java's producer partitions keys with murmur2, as ours must.
                partition_for_key(key.as_bytes(), PARTITIONS),
                Some(key),
                Some(format!("value number {i}")),
                vec![
                    ("trace".to_string(), Some(i.to_string())),
                    ("trace".to_string(), Some(format!("again-{i}"))),
                ],
            )
        })
        .collect();
    assert_eq!(seen, want);
}
