//! The embedded broker (`kconnect::broker`), started in-process, checked by
//! our native client (producer with acks 0/1/all and every codec, consumer,
//! admin, list offsets), by raw protocol requests where the exact answer
//! matters (idempotent sequences, malformed frames, unsupported versions,
//! long-poll fetch, injected faults), and by Kafka's own Java console
//! producer/consumer and AdminClient as independent peers.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use kconnect::broker::{BrokerConfig, EmbeddedBroker};
use kconnect::kafka::admin::{Admin, CreateOutcome, NewTopic};
use kconnect::kafka::batch::{BatchBuilder, Compression};
use kconnect::kafka::cluster::Cluster;
use kconnect::kafka::config::{
    ClientConfig, ConsumerConfig, IsolationLevel, OffsetReset, ProducerConfig,
};
use kconnect::kafka::fetcher::{list_offsets, Consumer, OffsetSpec, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start() -> EmbeddedBroker {
    EmbeddedBroker::start(BrokerConfig::default())
        .await
        .expect("embedded broker starts")
}

// --- a raw protocol connection ----------------------------------------------

struct Raw {
    stream: TcpStream,
    next_id: i32,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        Raw {
            stream: TcpStream::connect(addr).await.expect("connect"),
            next_id: 1,
        }
    }

    fn frame<R: Request>(&mut self, request: &R, version: i16) -> Bytes {
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.next_id)
            .with_client_id(Some(StrBytes::from_static_str("raw-test")));
        self.next_id += 1;
        let mut buf = BytesMut::new();
        buf.put_i32(0);
        header
            .encode(&mut buf, R::header_version(version))
            .expect("encode header");
        request.encode(&mut buf, version).expect("encode request");
        let len = (buf.len() - 4) as i32;
        buf[0..4].copy_from_slice(&len.to_be_bytes());
        buf.freeze()
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Sends without waiting for the answer.
    async fn send<R: Request>(&mut self, request: &R, version: i16) -> i32 {
        let id = self.next_id;
        let frame = self.frame(request, version);
        self.write(&frame).await;
        id
    }

    /// One response frame, or `None` when the broker closed the connection.
    async fn read_frame(&mut self) -> Option<Bytes> {
        let read = async {
            let len = self.stream.read_i32().await.ok()?;
            let mut buf = vec![0u8; len as usize];
            self.stream.read_exact(&mut buf).await.ok()?;
            Some(Bytes::from(buf))
        };
        tokio::time::timeout(Duration::from_secs(30), read)
            .await
            .expect("a response or a close within 30 s")
    }

    async fn receive<R: Request>(&mut self, version: i16, id: i32) -> R::Response {
        let mut frame = self.read_frame().await.expect("a response, not a close");
        let header =
            ResponseHeader::decode(&mut frame, R::Response::header_version(version)).unwrap();
        assert_eq!(header.correlation_id, id, "responses come in request order");
        R::Response::decode(&mut frame, version).expect("decode response")
    }

    async fn request<R: Request>(&mut self, request: &R, version: i16) -> R::Response {
        let id = self.send(request, version).await;
        self.receive::<R>(version, id).await
    }
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

fn produce_request(topic: &str, partition: i32, acks: i16, batch: Bytes) -> ProduceRequest {
    ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(5_000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(name(topic))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(partition)
                .with_records(Some(batch))])])
}

fn batch(values: &[&str], producer: Option<(i64, i16, i32)>) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None);
    if let Some((pid, epoch, seq)) = producer {
        b = b.producer_state(pid, epoch, seq);
    }
    for v in values {
        b.append(1_000, None, Some(v.as_bytes()), &[]).unwrap();
    }
    b.finish().unwrap()
}

fn fetch_request(topic: &str, offset: i64, max_wait_ms: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id((-1).into())
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(1 << 20)
        .with_topics(vec![FetchTopic::default()
            .with_topic(name(topic))
            .with_partitions(vec![FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(1 << 20)])])
}

fn produced(resp: &ProduceResponse) -> (i16, i64) {
    let p = &resp.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

async fn create_raw(raw: &mut Raw, topic: CreatableTopic, validate_only: bool) -> (i16, String) {
    let resp = raw
        .request(
            &CreateTopicsRequest::default()
                .with_timeout_ms(5_000)
                .with_validate_only(validate_only)
                .with_topics(vec![topic]),
            7,
        )
        .await;
    let t = &resp.topics[0];
    (
        t.error_code,
        t.error_message
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default(),
    )
}

fn topic_spec(topic: &str, partitions: i32, rf: i16) -> CreatableTopic {
    CreatableTopic::default()
        .with_name(name(topic))
        .with_num_partitions(partitions)
        .with_replication_factor(rf)
}

/// Reads `expected` records of every partition of `topic` from the start.
async fn consume(bootstrap: &str, topic: &str, expected: usize) -> Vec<(i32, i64, Option<Bytes>)> {
    let mut config = ConsumerConfig::new(bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    let partitions = consumer.cluster().partition_count(topic).await.unwrap();
    consumer.assign((0..partitions).map(|p| TopicPartition::new(topic, p)));
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < expected && Instant::now() < deadline {
        for batch in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in batch.records {
                seen.push((batch.partition, r.offset, r.value));
            }
        }
    }
    consumer.close().await;
    seen
}

// --- native client ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acks_and_codec_round_trips_in_order() {
    let broker = start().await;
    let bootstrap = broker.bootstrap();
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    for acks in ["0", "1", "all"] {
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let topic = format!("roundtrip-{acks}-{codec}");
            admin
                .create_topics(&[NewTopic::new(&topic, 2, 1)])
                .await
                .unwrap();
            let mut props = HashMap::new();
            props.insert("bootstrap.servers".to_string(), bootstrap.clone());
            props.insert("acks".to_string(), acks.to_string());
            props.insert("compression.type".to_string(), codec.to_string());
            props.insert("linger.ms".to_string(), "10".to_string());
            let producer = Producer::connect(ProducerConfig::from_props(&props).unwrap())
                .await
                .unwrap();
            let mut futures = Vec::new();
            for i in 0..40 {
                let record = ProducerRecord {
                    topic: topic.clone(),
                    partition: Some(i % 2),
                    value: Some(Bytes::from(format!("{codec} {i}"))),
                    ..ProducerRecord::default()
                };
                futures.push(producer.send(record).await.unwrap());
            }
            for f in futures {
                let md = f.wait().await.unwrap();
                if acks != "0" {
                    assert!(md.offset >= 0, "{acks}/{codec}: {md:?}");
                }
            }
            producer.close().await;
            let seen = consume(&bootstrap, &topic, 40).await;
            assert_eq!(seen.len(), 40, "{acks}/{codec}");
            for p in 0..2 {
                let got: Vec<(i64, String)> = seen
                    .iter()
                    .filter(|(part, _, _)| *part == p)
                    .map(|(_, o, v)| {
                        (
                            *o,
                            String::from_utf8_lossy(v.as_deref().unwrap()).into_owned(),
                        )
                    })
                    .collect();
                let want: Vec<(i64, String)> = (0..20)
                    .map(|n| (n as i64, format!("{codec} {}", n * 2 + p)))
                    .collect();
                assert_eq!(got, want, "{acks}/{codec} partition {p}");
            }
        }
    }
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_describes_and_deletes_topics() {
    let broker = start().await;
    let bootstrap = broker.bootstrap();
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    let created = admin
        .create_topics(&[
            NewTopic::new("plain", 3, 1),
            NewTopic::new("compacted", -1, -1).config("cleanup.policy", "compact"),
        ])
        .await
        .unwrap();
    assert_eq!(created["plain"], CreateOutcome::Created);
    assert_eq!(created["compacted"], CreateOutcome::Created);
    let again = admin
        .create_topics(&[NewTopic::new("plain", 3, 1)])
        .await
        .unwrap();
    assert_eq!(again["plain"], CreateOutcome::AlreadyExists);
    assert_eq!(admin.cluster().partition_count("plain").await.unwrap(), 3);
    assert_eq!(
        admin.cluster().partition_count("compacted").await.unwrap(),
        1
    );

    let configs = admin.describe_topic_configs("compacted").await.unwrap();
    assert_eq!(configs["cleanup.policy"], "compact");
    assert_eq!(configs["retention.ms"], "604800000");
    let configs = admin.describe_topic_configs("plain").await.unwrap();
    assert_eq!(configs["cleanup.policy"], "delete");

    let cluster = admin.describe_cluster().await.unwrap();
    assert_eq!(cluster.cluster_id, broker.cluster_id());
    assert_eq!(cluster.brokers, vec![(1, bootstrap.clone())]);

    admin.delete_topics(&["plain"]).await.unwrap();
    let mut raw = Raw::connect(broker.addr()).await;
    let md = raw
        .request(
            &MetadataRequest::default()
                .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
                )
                .with_name(Some(name("plain")))]))
                .with_allow_auto_topic_creation(false),
            12,
        )
        .await;
    assert_eq!(md.topics[0].error_code, 3, "deleted");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_topics_validation_errors() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    // Replication factor other than 1 / -1.
    assert_eq!(
        create_raw(&mut raw, topic_spec("rf3", 1, 3), false).await.0,
        38
    );
    // Partitions 0.
    assert_eq!(
        create_raw(&mut raw, topic_spec("p0", 0, 1), false).await.0,
        37
    );
    // Invalid names.
    for bad in ["has space", "..", "slash/no", ""] {
        assert_eq!(
            create_raw(&mut raw, topic_spec(bad, 1, 1), false).await.0,
            17,
            "{bad:?}"
        );
    }
    // cleanup.policy values.
    for (policy, code) in [
        ("compact", 0),
        ("compact,delete", 0),
        ("delete", 0),
        ("keep", 40),
    ] {
        let t =
            topic_spec(&format!("policy-{}", policy.replace(',', "-")), 1, 1).with_configs(vec![
                CreatableTopicConfig::default()
                    .with_name(StrBytes::from_static_str("cleanup.policy"))
                    .with_value(Some(StrBytes::from_string(policy.to_string()))),
            ]);
        let (got, msg) = create_raw(&mut raw, t, false).await;
        assert_eq!(got, code, "{policy}: {msg}");
    }
    // Unknown config names are refused too.
    let t = topic_spec("unknown-config", 1, 1).with_configs(vec![CreatableTopicConfig::default()
        .with_name(StrBytes::from_static_str("no.such.config"))
        .with_value(Some(StrBytes::from_static_str("1")))]);
    assert_eq!(create_raw(&mut raw, t, false).await.0, 40);
    // validate_only creates nothing.
    assert_eq!(
        create_raw(&mut raw, topic_spec("dry", 2, 1), true).await.0,
        0
    );
    let md = raw
        .request(
            &MetadataRequest::default()
                .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
                )
                .with_name(Some(name("dry")))]))
                .with_allow_auto_topic_creation(false),
            12,
        )
        .await;
    assert_eq!(md.topics[0].error_code, 3, "validate_only must not create");
    // Already exists.
    assert_eq!(
        create_raw(&mut raw, topic_spec("dry", 2, 1), false).await.0,
        0
    );
    assert_eq!(
        create_raw(&mut raw, topic_spec("dry", 2, 1), false).await.0,
        36
    );
    assert_eq!(
        create_raw(&mut raw, topic_spec("dry", 2, 1), true).await.0,
        36
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_offsets_earliest_latest_and_by_timestamp() {
    let broker = start().await;
    let bootstrap = broker.bootstrap();
    let mut props = HashMap::new();
    props.insert("bootstrap.servers".to_string(), bootstrap.clone());
    props.insert("linger.ms".to_string(), "50".to_string());
    let producer = Producer::connect(ProducerConfig::from_props(&props).unwrap())
        .await
        .unwrap();
    // One batch of several records with increasing timestamps (linger), so
    // the lookup must look inside the batch.
    let mut futures = Vec::new();
    for i in 0..6i64 {
        let record = ProducerRecord {
            topic: "times".to_string(),
            partition: Some(0),
            value: Some(Bytes::from(format!("v{i}"))),
            timestamp: Some(10_000 + i * 100),
            ..ProducerRecord::default()
        };
        futures.push(producer.send(record).await.unwrap());
    }
    for f in futures {
        f.wait().await.unwrap();
    }
    producer.close().await;
    let cluster = Cluster::connect(ClientConfig::new(&bootstrap))
        .await
        .unwrap();
    let tp = TopicPartition::new("times", 0);
    let at = |spec| {
        let cluster = cluster.clone();
        let tp = tp.clone();
        async move {
            list_offsets(
                &cluster,
                std::slice::from_ref(&tp),
                spec,
                IsolationLevel::ReadUncommitted,
            )
            .await
            .unwrap()[&tp]
        }
    };
    assert_eq!(at(OffsetSpec::Earliest).await.0, 0);
    assert_eq!(at(OffsetSpec::Latest).await.0, 6);
    for (ts, want) in [(0, 0), (10_000, 0), (10_050, 1), (10_300, 3), (10_450, 5)] {
        assert_eq!(
            at(OffsetSpec::Timestamp(ts)).await.0,
            want,
            "timestamp {ts}"
        );
    }
    assert_eq!(at(OffsetSpec::Timestamp(99_999)).await.0, -1);

    // Max timestamp (-3) over the raw protocol (v7+).
    let mut raw = Raw::connect(broker.addr()).await;
    let resp = raw
        .request(
            &ListOffsetsRequest::default()
                .with_replica_id((-1).into())
                .with_topics(vec![ListOffsetsTopic::default()
                    .with_name(name("times"))
                    .with_partitions(vec![ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-3)])]),
            8,
        )
        .await;
    let p = &resp.topics[0].partitions[0];
    assert_eq!((p.error_code, p.offset, p.timestamp), (0, 5, 10_500));
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_topic_keeps_the_latest_value_per_key() {
    let broker = start().await;
    let bootstrap = broker.bootstrap();
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new("table", 1, 1).config("cleanup.policy", "compact")])
        .await
        .unwrap();
    let producer = Producer::connect(ProducerConfig::new(&bootstrap))
        .await
        .unwrap();
    let mut futures = Vec::new();
    for round in 0..3 {
        for key in 0..5 {
            let value =
                (!(round == 2 && key == 4)).then(|| Bytes::from(format!("k{key}-r{round}")));
            futures.push(
                producer
                    .send(ProducerRecord {
                        topic: "table".to_string(),
                        key: Some(Bytes::from(format!("k{key}"))),
                        value,
                        ..ProducerRecord::default()
                    })
                    .await
                    .unwrap(),
            );
        }
        // Separate batches per round.
        producer.flush().await;
    }
    for f in futures {
        f.wait().await.unwrap();
    }
    // A record without a key is refused by a compacted topic.
    let unkeyed = producer
        .send(ProducerRecord {
            topic: "table".to_string(),
            value: Some(Bytes::from_static(b"no key")),
            ..ProducerRecord::default()
        })
        .await
        .unwrap()
        .wait()
        .await;
    assert!(unkeyed.is_err(), "{unkeyed:?}");
    producer.close().await;

    broker.compact_now();
    let seen = consume(&bootstrap, "table", 5).await;
    let got: Vec<(i64, Option<String>)> = seen
        .iter()
        .map(|(_, o, v)| {
            (
                *o,
                v.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()),
            )
        })
        .collect();
    let want: Vec<(i64, Option<String>)> = (0..5)
        .map(|k| (10 + k, (k != 4).then(|| format!("k{k}-r2"))))
        .collect();
    assert_eq!(got, want);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_bound_drops_the_oldest_batches() {
    let config = BrokerConfig {
        max_memory: 64 * 1024,
        ..BrokerConfig::default()
    };
    let broker = EmbeddedBroker::start(config).await.unwrap();
    let mut raw = Raw::connect(broker.addr()).await;
    raw.request(
        &CreateTopicsRequest::default().with_topics(vec![topic_spec("big", 1, 1)]),
        7,
    )
    .await;
    let value = "x".repeat(4_000);
    for _ in 0..40 {
        let resp = raw
            .request(&produce_request("big", 0, 1, batch(&[&value], None)), 11)
            .await;
        assert_eq!(produced(&resp).0, 0);
    }
    assert!(
        broker.memory_used() <= 64 * 1024,
        "{}",
        broker.memory_used()
    );
    let resp = raw.request(&fetch_request("big", 0, 0), 12).await;
    let p = &resp.responses[0].partitions[0];
    assert_eq!(p.error_code, 1, "offset 0 was dropped: OFFSET_OUT_OF_RANGE");
    assert!(p.log_start_offset > 0);
    assert_eq!(p.high_watermark, 40);
    let start = p.log_start_offset;
    let resp = raw.request(&fetch_request("big", start, 0), 12).await;
    let p = &resp.responses[0].partitions[0];
    assert_eq!(p.error_code, 0);
    assert!(!p.records.as_ref().unwrap().is_empty());
    broker.shutdown().await;
}

// --- raw protocol ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_producer_sequences() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    raw.request(
        &CreateTopicsRequest::default().with_topics(vec![topic_spec("idem", 1, 1)]),
        7,
    )
    .await;
    let init = raw
        .request(
            &InitProducerIdRequest::default().with_transaction_timeout_ms(60_000),
            4,
        )
        .await;
    assert_eq!(init.error_code, 0);
    let (pid, epoch) = (init.producer_id.0, init.producer_epoch);
    assert!(pid >= 0);
    assert_eq!(epoch, 0);

    let first = batch(&["a", "b"], Some((pid, 0, 0)));
    let second = batch(&["c"], Some((pid, 0, 2)));
    let send = |b: Bytes| produce_request("idem", 0, -1, b);
    assert_eq!(
        produced(&raw.request(&send(first.clone()), 11).await),
        (0, 0)
    );
    assert_eq!(
        produced(&raw.request(&send(second.clone()), 11).await),
        (0, 2)
    );
    // Retries of either batch return the original offsets without appending.
    assert_eq!(produced(&raw.request(&send(first), 11).await), (0, 0));
    assert_eq!(produced(&raw.request(&send(second), 11).await), (0, 2));
    // A gap.
    assert_eq!(
        produced(
            &raw.request(&send(batch(&["x"], Some((pid, 0, 9)))), 11)
                .await
        )
        .0,
        45
    );
    // A producer id this broker never handed out.
    assert_eq!(
        produced(
            &raw.request(&send(batch(&["x"], Some((pid + 1_000, 0, 0)))), 11)
                .await
        )
        .0,
        59
    );
    // Epoch bump (KIP-360), then the old epoch is fenced.
    let bumped = raw
        .request(
            &InitProducerIdRequest::default()
                .with_transaction_timeout_ms(60_000)
                .with_producer_id(pid.into())
                .with_producer_epoch(0),
            4,
        )
        .await;
    assert_eq!((bumped.producer_id.0, bumped.producer_epoch), (pid, 1));
    assert_eq!(
        produced(
            &raw.request(&send(batch(&["d"], Some((pid, 1, 0)))), 11)
                .await
        ),
        (0, 3)
    );
    assert_eq!(
        produced(
            &raw.request(&send(batch(&["e"], Some((pid, 0, 3)))), 11)
                .await
        )
        .0,
        47
    );
    // Transactional ids are refused.
    let txn = raw
        .request(
            &InitProducerIdRequest::default()
                .with_transactional_id(Some(TransactionalId(StrBytes::from_static_str("t1"))))
                .with_transaction_timeout_ms(60_000),
            4,
        )
        .await;
    assert_ne!(txn.error_code, 0);

    // A corrupted batch is CORRUPT_MESSAGE, and nothing was appended.
    let mut bad = BytesMut::from(&batch(&["z"], None)[..]);
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    assert_eq!(produced(&raw.request(&send(bad.freeze()), 11).await).0, 2);
    let resp = raw.request(&fetch_request("idem", 0, 0), 12).await;
    assert_eq!(resp.responses[0].partitions[0].high_watermark, 4);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_zero_gets_no_response_and_responses_keep_request_order() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    raw.request(
        &CreateTopicsRequest::default().with_topics(vec![topic_spec("pipe", 1, 1)]),
        7,
    )
    .await;
    // Pipelined: acks=0 produce (no answer), a Metadata, an acks=1 produce.
    let _ = raw
        .send(&produce_request("pipe", 0, 0, batch(&["a"], None)), 11)
        .await;
    let md = MetadataRequest::default().with_topics(Some(vec![
        metadata_request::MetadataRequestTopic::default().with_name(Some(name("pipe"))),
    ]));
    let md_id = raw.send(&md, 12).await;
    let produce_id = raw
        .send(&produce_request("pipe", 0, 1, batch(&["b"], None)), 11)
        .await;
    let md = raw.receive::<MetadataRequest>(12, md_id).await;
    assert_eq!(md.topics[0].error_code, 0);
    let resp = raw.receive::<ProduceRequest>(11, produce_id).await;
    // The acks=0 record was written first.
    assert_eq!(produced(&resp), (0, 1));
    // A failed acks=0 produce closes the connection, as in Kafka.
    let _ = raw
        .send(&produce_request("missing", 0, 0, batch(&["a"], None)), 11)
        .await;
    assert!(raw.read_frame().await.is_none(), "closed");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_fetch_returns_when_data_arrives() {
    let broker = start().await;
    let mut producer = Raw::connect(broker.addr()).await;
    producer
        .request(
            &CreateTopicsRequest::default().with_topics(vec![topic_spec("poll", 1, 1)]),
            7,
        )
        .await;
    let mut fetcher = Raw::connect(broker.addr()).await;
    // Nothing to read: an empty answer after max_wait.
    let started = Instant::now();
    let empty = fetcher.request(&fetch_request("poll", 0, 300), 12).await;
    assert!(empty.responses[0].partitions[0]
        .records
        .as_ref()
        .is_none_or(|r| r.is_empty()));
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "waited for max_wait"
    );

    // A long poll of 20 s answers as soon as a record is produced.
    let started = Instant::now();
    let id = fetcher.send(&fetch_request("poll", 0, 20_000), 12).await;
    let waiter = tokio::spawn(async move {
        (
            fetcher.receive::<FetchRequest>(12, id).await,
            started.elapsed(),
        )
    });
    // The fetch is parked in the broker; produce.
    let resp = producer
        .request(
            &produce_request("poll", 0, 1, batch(&["wake up"], None)),
            11,
        )
        .await;
    assert_eq!(produced(&resp), (0, 0));
    let (fetched, elapsed) = waiter.await.unwrap();
    let p = &fetched.responses[0].partitions[0];
    assert_eq!(p.high_watermark, 1);
    assert!(!p.records.as_ref().unwrap().is_empty());
    assert!(
        elapsed < Duration::from_secs(20),
        "returned before max_wait: {elapsed:?}"
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_close_only_their_connection() {
    let broker = start().await;
    let mut healthy = Raw::connect(broker.addr()).await;
    let ok = healthy.request(&ApiVersionsRequest::default(), 3).await;
    assert_eq!(ok.error_code, 0);

    // A Produce header followed by garbage.
    let mut bad = Raw::connect(broker.addr()).await;
    let mut frame = BytesMut::new();
    frame.put_i32(30);
    frame.put_i16(0);
    frame.put_i16(9);
    frame.put_i32(1);
    frame.put_slice(&[0xff; 22]);
    bad.write(&frame).await;
    assert!(bad.read_frame().await.is_none(), "closed");

    // An unknown API key.
    let mut bad = Raw::connect(broker.addr()).await;
    let mut frame = BytesMut::new();
    frame.put_i32(10);
    frame.put_i16(999);
    frame.put_i16(0);
    frame.put_i32(1);
    frame.put_i16(-1);
    bad.write(&frame).await;
    assert!(bad.read_frame().await.is_none(), "closed");

    // A negative and a huge frame size.
    for size in [-5i32, i32::MAX] {
        let mut bad = Raw::connect(broker.addr()).await;
        bad.write(&size.to_be_bytes()).await;
        assert!(bad.read_frame().await.is_none(), "closed on size {size}");
    }

    // A frame too short for a header.
    let mut bad = Raw::connect(broker.addr()).await;
    bad.write(&[0, 0, 0, 2, 0, 3]).await;
    assert!(bad.read_frame().await.is_none(), "closed");

    // The healthy connection and new ones still work.
    let ok = healthy.request(&ApiVersionsRequest::default(), 3).await;
    assert_eq!(ok.error_code, 0);
    let mut fresh = Raw::connect(broker.addr()).await;
    assert_eq!(
        fresh
            .request(&ApiVersionsRequest::default(), 0)
            .await
            .error_code,
        0
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_versions_get_error_35() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    // ApiVersions newer than ours: a v0 answer with 35 and our ranges, even
    // though the body is in a format the broker cannot know.
    let mut frame = BytesMut::new();
    let body = [0u8, 0, 0, 0, 0];
    frame.put_i32((8 + 2 + body.len()) as i32);
    frame.put_i16(18);
    frame.put_i16(99);
    frame.put_i32(42);
    frame.put_i16(-1);
    frame.put_slice(&body);
    raw.write(&frame).await;
    let mut resp = raw.read_frame().await.unwrap();
    assert_eq!(
        resp.get_i32(),
        42,
        "response header v0: correlation id only"
    );
    let v0 = ApiVersionsResponse::decode(&mut resp, 0).unwrap();
    assert_eq!(v0.error_code, 35);
    let produce = v0.api_keys.iter().find(|k| k.api_key == 0).unwrap();
    assert_eq!((produce.min_version, produce.max_version), (3, 11));

    // A version the codec knows but we do not serve: a well-formed answer
    // in that version with error 35.
    let resp = raw
        .request(&produce_request("t", 0, 1, batch(&["a"], None)), 12)
        .await;
    assert_eq!(produced(&resp).0, 35);
    let resp = raw.request(&DescribeClusterRequest::default(), 2).await;
    assert_eq!(resp.error_code, 35);
    // The connection is still usable.
    assert_eq!(
        raw.request(&ApiVersionsRequest::default(), 3)
            .await
            .error_code,
        0
    );
    // An API the broker does not serve at all closes the connection, as
    // Kafka's SocketServer does for APIs it does not expose.
    raw.send(
        &DeleteRecordsRequest::default().with_topics(vec![
            delete_records_request::DeleteRecordsTopic::default().with_name(name("t")),
        ]),
        2,
    )
    .await;
    assert!(raw.read_frame().await.is_none());
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_coordinator_names_this_broker() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    let old = raw
        .request(
            &FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g1")),
            3,
        )
        .await;
    assert_eq!(old.error_code, 0);
    assert_eq!(
        (old.node_id.0, old.port),
        (1, i32::from(broker.addr().port()))
    );
    let batched = raw
        .request(
            &FindCoordinatorRequest::default().with_coordinator_keys(vec![
                StrBytes::from_static_str("g1"),
                StrBytes::from_static_str("g2"),
            ]),
            4,
        )
        .await;
    let keys: Vec<(String, i32, i16)> = batched
        .coordinators
        .iter()
        .map(|c| (c.key.to_string(), c.node_id.0, c.error_code))
        .collect();
    assert_eq!(keys, vec![("g1".into(), 1, 0), ("g2".into(), 1, 0)]);
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_drop_delay_and_fail() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    // An injected error for the next request of one API.
    broker
        .faults()
        .fail_api(ApiKey::Metadata as i16, 7, Some(1));
    let md = MetadataRequest::default().with_topics(Some(vec![
        metadata_request::MetadataRequestTopic::default().with_name(Some(name("f"))),
    ]));
    assert_eq!(raw.request(&md, 12).await.topics[0].error_code, 7);
    assert_eq!(raw.request(&md, 12).await.topics[0].error_code, 0);

    // Delayed responses.
    broker
        .faults()
        .delay_responses(Some(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(
        raw.request(&ApiVersionsRequest::default(), 3)
            .await
            .error_code,
        0
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    broker.faults().delay_responses(None);

    // A dropped connection after one more request; the next connection works.
    broker.faults().drop_connection_after(1);
    assert_eq!(
        raw.request(&ApiVersionsRequest::default(), 3)
            .await
            .error_code,
        0
    );
    raw.send(&ApiVersionsRequest::default(), 3).await;
    assert!(raw.read_frame().await.is_none(), "dropped");
    let mut again = Raw::connect(broker.addr()).await;
    assert_eq!(
        again
            .request(&ApiVersionsRequest::default(), 3)
            .await
            .error_code,
        0
    );

    // Our client retries a retriable injected error.
    broker
        .faults()
        .fail_api(ApiKey::ListOffsets as i16, 6, Some(2));
    let cluster = Cluster::connect(ClientConfig::new(&broker.bootstrap()))
        .await
        .unwrap();
    let tp = TopicPartition::new("f", 0);
    let got = list_offsets(
        &cluster,
        std::slice::from_ref(&tp),
        OffsetSpec::Latest,
        IsolationLevel::ReadUncommitted,
    )
    .await
    .unwrap();
    assert_eq!(got[&tp].0, 0);
    broker.shutdown().await;
}

// --- Kafka's Java clients ---------------------------------------------------------

#[test]
fn java_console_producer_consumer_and_admin_client() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let broker = runtime.block_on(start());
    let bootstrap = broker.bootstrap();

    // AdminClient (TopicCommand): create, and refuse a bad replication factor.
    support::create_topic(&bootstrap, "java-topic", 2);
    let out = support::java_tool(
        support::TOPIC_COMMAND,
        &[
            "--bootstrap-server",
            &bootstrap,
            "--describe",
            "--topic",
            "java-topic",
        ],
    );
    support::assert_tool_ok(&out, "describe topic");
    let described = String::from_utf8_lossy(&out.stdout);
    assert!(described.contains("PartitionCount: 2"), "{described}");
    let out = support::java_tool(
        support::TOPIC_COMMAND,
        &[
            "--bootstrap-server",
            &bootstrap,
            "--create",
            "--topic",
            "rf-three",
            "--partitions",
            "1",
            "--replication-factor",
            "3",
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("replication")
            || String::from_utf8_lossy(&out.stdout).contains("replication"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // AdminClient describeConfigs (ConfigCommand): defaults and the broker.
    let out = support::java_tool(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--describe",
            "--entity-type",
            "topics",
            "--entity-name",
            "java-topic",
            "--all",
        ],
    );
    support::assert_tool_ok(&out, "describe topic configs");
    let configs = String::from_utf8_lossy(&out.stdout);
    assert!(
        configs.contains("cleanup.policy=delete") && configs.contains("retention.ms=604800000"),
        "{configs}"
    );
    let out = support::java_tool(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--describe",
            "--entity-type",
            "brokers",
            "--entity-name",
            "1",
            "--all",
        ],
    );
    support::assert_tool_ok(&out, "describe broker configs");
    let configs = String::from_utf8_lossy(&out.stdout);
    assert!(configs.contains("num.partitions=1"), "{configs}");

    // Console producer (idempotent by default) to partition-less topic
    // java-topic; console consumer of partition 0 and 1 from the start.
    let lines: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    support::console_produce(&bootstrap, "java-topic", &refs);
    let mut seen = Vec::new();
    for p in ["0", "1"] {
        let out = support::java_tool_timeout(
            support::CONSOLE_CONSUMER,
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                "java-topic",
                "--partition",
                p,
                "--offset",
                "earliest",
                "--timeout-ms",
                "5000",
            ],
            None,
            Duration::from_secs(90),
        );
        seen.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
    }
    seen.sort();
    let mut want = lines.clone();
    want.sort();
    assert_eq!(seen, want);

    // AdminClient listOffsets (GetOffsetShell): latest and earliest.
    let offsets = |time: &str| -> i64 {
        let out = support::java_tool(
            "org.apache.kafka.tools.GetOffsetShell",
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                "java-topic",
                "--time",
                time,
            ],
        );
        support::assert_tool_ok(&out, "GetOffsetShell");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.rsplit(':').next()?.trim().parse::<i64>().ok())
            .sum()
    };
    assert_eq!(offsets("-1"), 20);
    assert_eq!(offsets("-2"), 0);

    // What Java wrote, our consumer reads; what we write, Java reads.
    let ours = runtime.block_on(consume(&bootstrap, "java-topic", 20));
    assert_eq!(ours.len(), 20);
    let by_partition: BTreeMap<i32, usize> =
        ours.iter().fold(BTreeMap::new(), |mut m, (p, _, _)| {
            *m.entry(*p).or_default() += 1;
            m
        });
    assert_eq!(by_partition.values().sum::<usize>(), 20);
    runtime.block_on(async {
        let producer = Producer::connect(ProducerConfig::new(&bootstrap))
            .await
            .unwrap();
        for i in 0..5 {
            producer
                .send(ProducerRecord {
                    topic: "from-rust".to_string(),
                    value: Some(Bytes::from(format!("rust {i}"))),
                    ..ProducerRecord::default()
                })
                .await
                .unwrap()
                .wait()
                .await
                .unwrap();
        }
        producer.close().await;
    });
    let out = support::java_tool_timeout(
        support::CONSOLE_CONSUMER,
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            "from-rust",
            "--partition",
            "0",
            "--offset",
            "earliest",
            "--max-messages",
            "5",
            "--timeout-ms",
            "30000",
        ],
        None,
        Duration::from_secs(90),
    );
    support::assert_tool_ok(&out, "console consumer of from-rust");
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(got, (0..5).map(|i| format!("rust {i}")).collect::<Vec<_>>());
    runtime.block_on(broker.shutdown());
}

/// `kconnect broker` serves until SIGTERM, then exits 0.
#[test]
fn cli_broker_serves_until_sigterm() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_kconnect"))
        .args([
            "broker",
            "--listen",
            "127.0.0.1:0",
            "--max-memory",
            "1048576",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kconnect broker");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the broker says where it listens");
    let bootstrap = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = runtime.block_on(async {
        let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
        admin.describe_cluster().await.unwrap()
    });
    assert_eq!(cluster.brokers, vec![(1, bootstrap.clone())]);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kconnect broker did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_limits_out_of_range_and_log_append_time() {
    let broker = start().await;
    let mut raw = Raw::connect(broker.addr()).await;
    let lat = topic_spec("stamped", 2, 1).with_configs(vec![CreatableTopicConfig::default()
        .with_name(StrBytes::from_static_str("message.timestamp.type"))
        .with_value(Some(StrBytes::from_static_str("LogAppendTime")))]);
    assert_eq!(create_raw(&mut raw, lat, false).await.0, 0);
    let value = "v".repeat(1_000);
    for p in 0..2 {
        for _ in 0..3 {
            let resp = raw
                .request(
                    &produce_request("stamped", p, 1, batch(&[&value, &value], None)),
                    11,
                )
                .await;
            let part = &resp.responses[0].partition_responses[0];
            assert_eq!(part.error_code, 0);
            assert!(part.log_append_time_ms > 0, "LogAppendTime reported");
        }
    }
    let two_partitions = |max_bytes: i32, partition_max: i32, offset: i64| {
        FetchRequest::default()
            .with_replica_id((-1).into())
            .with_max_wait_ms(0)
            .with_max_bytes(max_bytes)
            .with_topics(vec![FetchTopic::default()
                .with_topic(name("stamped"))
                .with_partitions(
                    (0..2)
                        .map(|p| {
                            FetchPartition::default()
                                .with_partition(p)
                                .with_fetch_offset(offset)
                                .with_partition_max_bytes(partition_max)
                        })
                        .collect(),
                )])
    };
    let batches = |resp: &FetchResponse, p: usize| {
        kconnect::kafka::batch::split_batches(
            resp.responses[0].partitions[p].records.as_ref().unwrap(),
        )
        .unwrap()
    };
    // Response max_bytes of 10: still the first batch of the first
    // partition, nothing else.
    let resp = raw.request(&two_partitions(10, 1 << 20, 0), 12).await;
    assert_eq!((batches(&resp, 0).len(), batches(&resp, 1).len()), (1, 0));
    // Partition max_bytes of 10: one (oversized) batch from the first
    // partition only.
    let resp = raw.request(&two_partitions(1 << 20, 10, 0), 12).await;
    assert_eq!((batches(&resp, 0).len(), batches(&resp, 1).len()), (1, 0));
    // Enough room: everything; LogAppendTime batches carry the broker's time.
    let resp = raw.request(&two_partitions(1 << 20, 1 << 20, 0), 12).await;
    assert_eq!((batches(&resp, 0).len(), batches(&resp, 1).len()), (3, 3));
    for b in batches(&resp, 0) {
        let h = kconnect::kafka::batch::BatchHeader::parse(&b).unwrap();
        h.verify_crc(&b).unwrap();
        assert!(h.timestamp_type_is_log_append());
        assert!(h.max_timestamp > 1_000);
    }
    // Fetching from inside a batch returns that batch whole.
    let resp = raw.request(&two_partitions(1 << 20, 1 << 20, 3), 12).await;
    let first = kconnect::kafka::batch::BatchHeader::parse(&batches(&resp, 0)[0]).unwrap();
    assert_eq!(first.base_offset, 2);
    // Past the high watermark: OFFSET_OUT_OF_RANGE with the bounds.
    let resp = raw.request(&two_partitions(1 << 20, 1 << 20, 7), 12).await;
    let p = &resp.responses[0].partitions[0];
    assert_eq!(
        (p.error_code, p.high_watermark, p.log_start_offset),
        (1, 6, 0)
    );
    broker.shutdown().await;
}
