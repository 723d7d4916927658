//! Connect's error handling against a real broker: Kafka's own skip-and-log
//! scenario (1,000 records, every second one malformed JSON) with
//! `errors.tolerance=all` and `none`, the dead letter queue's bytes and
//! context headers, the source-side DLQ (a kconnect extension), and the
//! errant record reporter of sink tasks.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use kconnect::api::connector::{Connector, ConnectorContext, Props, SinkConnector};
use kconnect::api::error::{ConnectError, ConnectResult};
use kconnect::api::record::SinkRecord;
use kconnect::api::sink::{SinkTask, SinkTaskContext};
use kconnect::kafka::batch::Header;
use kconnect::kafka::config::{ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use kconnect::runtime::herder::standalone::{
    GetConnectorOffsets, GetConnectorStatus, PutConnectorConfig,
};
use kconnect::runtime::plugins::{register_connector, ConnectorFactory, ConnectorPlugin};
use kconnect::runtime::standalone::{start_with_props, Standalone};
use kconnect::runtime::status::{State, TargetState};
use support::{create_topic, shared_broker, unique_topic};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kconnect-errors-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn worker(dir: &std::path::Path, value_converter: &str) -> Standalone {
    let mut p: HashMap<String, String> = props(&[
        ("bootstrap.servers", &shared_broker().bootstrap),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        ("value.converter", value_converter),
        ("value.converter.schemas.enable", "false"),
        ("offset.flush.interval.ms", "1000"),
        ("listeners", "http://127.0.0.1:0"),
    ]);
    p.insert(
        "offset.storage.file.filename".into(),
        dir.join("offsets").display().to_string(),
    );
    start_with_props(p, &[]).await.expect("start worker")
}

async fn create(w: &Standalone, name: &str, config: Props) {
    w.herder
        .ask(PutConnectorConfig {
            name: name.into(),
            config,
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"));
}

/// Every second record is malformed JSON: odd offsets are bad.
fn record_value(i: usize) -> Vec<u8> {
    if i.is_multiple_of(2) {
        format!("{{\"n\":{i}}}").into_bytes()
    } else {
        format!("{{\"n\":{i},").into_bytes()
    }
}

async fn produce(topic: &str, values: impl Iterator<Item = (Vec<u8>, Vec<Header>)>) {
    let producer = Producer::connect(ProducerConfig::new(&shared_broker().bootstrap))
        .await
        .expect("producer");
    let mut deliveries = Vec::new();
    for (value, headers) in values {
        deliveries.push(
            producer
                .send(ProducerRecord {
                    topic: topic.to_string(),
                    partition: Some(0),
                    key: Some(Bytes::from_static(b"k")),
                    value: Some(value.into()),
                    headers,
                    timestamp: None,
                })
                .await
                .expect("send"),
        );
    }
    for d in deliveries {
        d.wait().await.expect("acked");
    }
    producer.close().await;
}

/// A record read back: offset, value and headers as strings.
#[derive(Debug)]
struct Read {
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<String>)>,
}

impl Read {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Reads `topic` partition 0 until `n` records arrived (or 60 s passed),
/// then a little longer to catch extras.
async fn read_topic(topic: &str, n: usize) -> Vec<Read> {
    let mut config = ConsumerConfig::new(&shared_broker().bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.expect("consumer");
    consumer.assign([TopicPartition::new(topic, 0)]);
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet_until: Option<Instant> = None;
    loop {
        for b in consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap_or_default()
        {
            for r in b.records {
                out.push(Read {
                    value: r.value.map(|v| v.to_vec()),
                    headers: r
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                String::from_utf8_lossy(&h.key).into_owned(),
                                h.value
                                    .as_ref()
                                    .map(|v| String::from_utf8_lossy(v).into_owned()),
                            )
                        })
                        .collect(),
                });
            }
        }
        let now = Instant::now();
        if out.len() >= n {
            // Extra records would show within this grace period.
            let until = *quiet_until.get_or_insert(now + Duration::from_secs(2));
            if now >= until {
                break;
            }
        } else if now >= deadline {
            break;
        }
    }
    consumer.close().await;
    out
}

async fn task_status(w: &Standalone, name: &str) -> Option<(State, Option<String>)> {
    let s = w.herder.ask(GetConnectorStatus(name.into())).await.ok()?;
    s.tasks.first().map(|(_, t)| (t.state, t.trace.clone()))
}

async fn wait_for_task(w: &Standalone, name: &str, want: State) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((state, trace)) = task_status(w, name).await {
            if state == want {
                return trace;
            }
        }
        assert!(
            Instant::now() < deadline,
            "task of {name} never became {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines_of(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_all_skips_bad_records_into_the_dlq_in_order() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("skip-and-log");
    let dlq = format!("{topic}-dlq");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 1));
    let original_header = Header {
        key: Bytes::from_static(b"origin"),
        value: Some(Bytes::from_static(b"test")),
    };
    produce(
        &topic,
        (0..1000).map(|i| (record_value(i), vec![original_header.clone()])),
    )
    .await;

    let dir = temp_dir();
    let w = worker(&dir, "org.apache.kafka.connect.json.JsonConverter").await;
    let out = dir.join("sink.txt");
    let name = format!("sink-{topic}");
    create(
        &w,
        &name,
        props(&[
            ("connector.class", "FileStreamSink"),
            ("tasks.max", "1"),
            ("topics", &topic),
            ("file", &out.display().to_string()),
            ("errors.tolerance", "all"),
            ("errors.log.enable", "true"),
            ("errors.log.include.messages", "true"),
            ("errors.deadletterqueue.topic.name", &dlq),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ]),
    )
    .await;

    // The sink gets exactly the 500 good ones, in order.
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines_of(&out).len() < 500 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let expected: Vec<String> = (0..1000).step_by(2).map(|i| format!("{{n={i}}}")).collect();
    assert_eq!(lines_of(&out), expected);

    // The DLQ gets exactly the 500 bad ones, in order, bytes unchanged,
    // original headers first, then Java's context headers.
    let bad = read_topic(&dlq, 500).await;
    assert_eq!(bad.len(), 500);
    for (n, r) in bad.iter().enumerate() {
        let offset = 2 * n + 1;
        assert_eq!(
            r.value.as_deref(),
            Some(&record_value(offset)[..]),
            "record {n}"
        );
        assert_eq!(
            r.headers[0],
            ("origin".to_string(), Some("test".to_string()))
        );
        assert_eq!(r.header("__connect.errors.topic"), Some(topic.as_str()));
        assert_eq!(r.header("__connect.errors.partition"), Some("0"));
        assert_eq!(
            r.header("__connect.errors.offset"),
            Some(offset.to_string().as_str())
        );
        assert_eq!(
            r.header("__connect.errors.connector.name"),
            Some(name.as_str())
        );
        assert_eq!(r.header("__connect.errors.task.id"), Some("0"));
        assert_eq!(r.header("__connect.errors.stage"), Some("VALUE_CONVERTER"));
        assert_eq!(
            r.header("__connect.errors.class.name"),
            Some("org.apache.kafka.connect.json.JsonConverter")
        );
        assert_eq!(
            r.header("__connect.errors.exception.class.name"),
            Some("org.apache.kafka.connect.errors.DataException")
        );
        assert!(r
            .header("__connect.errors.exception.message")
            .is_some_and(|m| !m.is_empty()));
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "origin",
                "__connect.errors.topic",
                "__connect.errors.partition",
                "__connect.errors.offset",
                "__connect.errors.connector.name",
                "__connect.errors.task.id",
                "__connect.errors.stage",
                "__connect.errors.class.name",
                "__connect.errors.exception.class.name",
                "__connect.errors.exception.message",
                "__connect.errors.exception.stacktrace",
            ]
        );
    }
    assert_eq!(
        task_status(&w, &name).await.map(|s| s.0),
        Some(State::Running)
    );

    // Everything, skipped records included, is committed.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let work = w
            .herder
            .ask(GetConnectorOffsets(name.clone()))
            .await
            .expect("offsets");
        let offsets = work.await.expect("offsets");
        let committed = offsets
            .offsets
            .first()
            .and_then(|o| o.offset.as_ref()?.get("kafka_offset")?.as_i64());
        if committed == Some(1000) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "committed offset stayed {committed:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_none_fails_the_task_with_the_first_bad_record_in_the_dlq() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("fail-fast");
    let dlq = format!("{topic}-dlq");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 1));
    produce(&topic, (0..1000).map(|i| (record_value(i), Vec::new()))).await;

    let dir = temp_dir();
    let w = worker(&dir, "org.apache.kafka.connect.json.JsonConverter").await;
    let out = dir.join("sink.txt");
    let name = format!("sink-{topic}");
    create(
        &w,
        &name,
        props(&[
            ("connector.class", "FileStreamSink"),
            ("tasks.max", "1"),
            ("topics", &topic),
            ("file", &out.display().to_string()),
            ("errors.deadletterqueue.topic.name", &dlq),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
        ]),
    )
    .await;
    let trace = wait_for_task(&w, &name, State::Failed)
        .await
        .unwrap_or_default();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(trace.contains("VALUE_CONVERTER"), "{trace}");
    assert!(
        trace.contains(&format!("topic='{topic}', partition=0, offset=1")),
        "{trace}"
    );
    assert!(trace.contains("total-record-failures=1"), "{trace}");
    let dead = read_topic(&dlq, 1).await;
    assert_eq!(dead.len(), 1, "exactly the first bad record");
    assert_eq!(dead[0].value.as_deref(), Some(&record_value(1)[..]));
    // Without context headers enabled, only the original (no) headers.
    assert!(dead[0].headers.is_empty());
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_record_that_fails_conversion_goes_to_the_source_dlq() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("source-dlq");
    let dlq = format!("{topic}-dlq");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 1));
    let dir = temp_dir();
    // Lines are strings; the IntegerConverter cannot write them.
    let w = worker(&dir, "org.apache.kafka.connect.converters.IntegerConverter").await;
    let input = dir.join("input.txt");
    std::fs::write(&input, "alpha\nbeta\ngamma\n").expect("input");
    let name = format!("source-{topic}");
    create(
        &w,
        &name,
        props(&[
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "1"),
            ("topic", &topic),
            ("file", &input.display().to_string()),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.topic.name", &dlq),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ]),
    )
    .await;
    let dead = read_topic(&dlq, 3).await;
    let values: Vec<String> = dead
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect();
    assert_eq!(values, ["\"alpha\"", "\"beta\"", "\"gamma\""]);
    for r in &dead {
        assert_eq!(r.header("__connect.errors.topic"), Some(topic.as_str()));
        assert_eq!(r.header("__connect.errors.stage"), Some("VALUE_CONVERTER"));
        assert_eq!(
            r.header("__connect.errors.class.name"),
            Some("org.apache.kafka.connect.converters.IntegerConverter")
        );
        assert_eq!(r.header("__connect.errors.offset"), Some("-1"));
    }
    // Nothing reached the topic, and the task carries on.
    assert!(read_topic(&topic, 0).await.is_empty());
    assert_eq!(
        task_status(&w, &name).await.map(|s| s.0),
        Some(State::Running)
    );
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

// --- The errant record reporter -----------------------------------------------------

/// Values a reporting sink task accepted.
static ACCEPTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[derive(Default)]
struct ReportingSink;

impl Connector for ReportingSink {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        Ok(())
    }
    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<Props>> {
        Ok(vec![Props::new()])
    }
    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for ReportingSink {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ReportingTask::default())
    }
}

/// Reports every value containing "bad" and accepts the rest.
#[derive(Default)]
struct ReportingTask {
    context: Option<SinkTaskContext>,
}

impl SinkTask for ReportingTask {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, context: SinkTaskContext) -> ConnectResult<()> {
        self.context = Some(context);
        Ok(())
    }
    fn put(&mut self, records: Vec<SinkRecord>) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(async move {
            let reporter = self
                .context
                .as_ref()
                .and_then(|c| c.errant_record_reporter())
                .ok_or_else(|| ConnectError::fatal("no errant record reporter"))?;
            for r in records {
                let value = r.value.as_str().unwrap_or_default().to_string();
                if value.contains("bad") {
                    reporter
                        .report(&r, ConnectError::data(format!("cannot store {value}")))
                        .await?;
                } else {
                    ACCEPTED
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(value);
                }
            }
            Ok(())
        })
    }
    fn flush(
        &mut self,
        _offsets: &std::collections::BTreeMap<kconnect::api::record::TopicPartition, i64>,
    ) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(async { Ok(()) })
    }
    fn stop(&mut self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_reported_by_a_sink_task_go_to_the_dlq() {
    register_connector(ConnectorPlugin {
        class: "org.example.ReportingSinkConnector",
        factory: ConnectorFactory::Sink(|| Box::new(ReportingSink)),
    });
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("errant");
    let dlq = format!("{topic}-dlq");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 1));
    let values: Vec<String> = (0..20)
        .map(|i| {
            if i % 5 == 0 {
                format!("bad-{i}")
            } else {
                format!("good-{i}")
            }
        })
        .collect();
    produce(
        &topic,
        values.iter().map(|v| (v.clone().into_bytes(), Vec::new())),
    )
    .await;

    let dir = temp_dir();
    let w = worker(&dir, "org.apache.kafka.connect.storage.StringConverter").await;
    let name = format!("reporting-{topic}");
    create(
        &w,
        &name,
        props(&[
            ("connector.class", "ReportingSink"),
            ("tasks.max", "1"),
            ("topics", &topic),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.topic.name", &dlq),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ]),
    )
    .await;
    let dead = read_topic(&dlq, 4).await;
    let dead_values: Vec<String> = dead
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect();
    assert_eq!(dead_values, ["bad-0", "bad-5", "bad-10", "bad-15"]);
    assert_eq!(dead[1].header("__connect.errors.offset"), Some("5"));
    assert_eq!(dead[1].header("__connect.errors.stage"), Some("TASK_PUT"));
    assert_eq!(
        dead[1].header("__connect.errors.class.name"),
        Some("org.example.ReportingSinkTask")
    );
    assert_eq!(
        dead[1].header("__connect.errors.exception.message"),
        Some("cannot store bad-5")
    );
    let accepted = ACCEPTED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let expected: Vec<String> = values
        .iter()
        .filter(|v| v.starts_with("good"))
        .cloned()
        .collect();
    assert_eq!(accepted, expected);
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
