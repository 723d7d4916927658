//! The runtime's actors against a real broker, in-process: a connector that
//! asks for task reconfiguration gets its tasks regenerated (more, fewer,
//! and refused beyond `tasks.max`), and a sink task commits what it put
//! before a rebalance takes its partitions away.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use kconnect::api::connector::{Connector, ConnectorContext, Props, SourceConnector};
use kconnect::api::error::ConnectResult;
use kconnect::api::record::SourceRecord;
use kconnect::api::source::{SourceTask, SourceTaskContext};
use kconnect::kafka::config::{ConsumerConfig, ProducerConfig};
use kconnect::kafka::fetcher::Consumer;
use kconnect::kafka::producer::{Producer, ProducerRecord};
use kconnect::runtime::herder::standalone::{
    GetConnectorInfo, GetConnectorOffsets, GetConnectorStatus, PutConnectorConfig,
};
use kconnect::runtime::plugins::{register_connector, ConnectorFactory, ConnectorPlugin};
use kconnect::runtime::standalone::{start_with_props, Standalone};
use kconnect::runtime::status::{State, TargetState};
use support::{create_topic, shared_broker, unique_topic};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kconnect-runtime-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

async fn worker(dir: &std::path::Path, extra: &[(&str, &str)]) -> Standalone {
    let mut props: HashMap<String, String> = [
        ("bootstrap.servers", shared_broker().bootstrap.as_str()),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        ("listeners", "http://127.0.0.1:0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    props.insert(
        "offset.storage.file.filename".into(),
        dir.join("offsets").display().to_string(),
    );
    for (k, v) in extra {
        props.insert(k.to_string(), v.to_string());
    }
    start_with_props(props, &[]).await.expect("start worker")
}

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Polls `f` until it returns `Some`, for up to 60 s.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// --- A connector whose task count the test controls --------------------------------

/// How many task configs the connector generates.
static TASK_COUNT: AtomicUsize = AtomicUsize::new(1);
/// The running connector's context, for the test to request reconfiguration.
static CONTEXT: Mutex<Option<Box<dyn ConnectorContext>>> = Mutex::new(None);

#[derive(Default)]
struct ReconfiguringSource;

impl Connector for ReconfiguringSource {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        *CONTEXT.lock().unwrap_or_else(|e| e.into_inner()) = Some(context);
        Ok(())
    }
    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<Props>> {
        let n = TASK_COUNT.load(Ordering::SeqCst);
        Ok((0..n)
            .map(|i| props(&[("slice", &format!("{i}/{n}"))]))
            .collect())
    }
    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for ReconfiguringSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(IdleTask)
    }
}

/// A task with nothing to produce.
struct IdleTask;

impl SourceTask for IdleTask {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, _context: SourceTaskContext) -> ConnectResult<()> {
        Ok(())
    }
    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Vec::new())
        })
    }
    fn stop(&mut self) {}
}

fn request_reconfiguration() {
    if let Some(c) = CONTEXT.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        c.request_task_reconfiguration();
    }
}

/// (task configs' slices, running task ids, connector state and trace).
async fn view(w: &Standalone, name: &str) -> (Vec<String>, Vec<i32>, State, Option<String>) {
    let info = w
        .herder
        .ask(GetConnectorInfo(name.to_string()))
        .await
        .expect("connector info");
    let configs = w
        .herder
        .ask(kconnect::runtime::herder::standalone::GetTaskConfigs(
            name.to_string(),
        ))
        .await
        .expect("task configs");
    // Both describe the same task list (the herder may have reconfigured
    // between the two asks, so only the ids' shape is compared).
    assert!(info
        .tasks
        .iter()
        .enumerate()
        .all(|(i, t)| t.task == i as i32));
    let status = w
        .herder
        .ask(GetConnectorStatus(name.to_string()))
        .await
        .expect("status");
    let running = status
        .tasks
        .iter()
        .filter(|(_, s)| s.state == State::Running)
        .map(|(t, _)| *t)
        .collect();
    let slices = configs
        .iter()
        .map(|(_, p)| p.get("slice").cloned().unwrap_or_default())
        .collect();
    (
        slices,
        running,
        status.connector.state,
        status.connector.trace,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconfiguration_requests_regenerate_and_restart_tasks() {
    register_connector(ConnectorPlugin {
        class: "org.example.ReconfiguringSourceConnector",
        factory: ConnectorFactory::Source(|| Box::new(ReconfiguringSource)),
    });
    let dir = temp_dir();
    let w = worker(&dir, &[]).await;
    let name = "reconfiguring";
    w.herder
        .ask(PutConnectorConfig {
            name: name.into(),
            config: props(&[
                ("connector.class", "ReconfiguringSource"),
                ("tasks.max", "3"),
            ]),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create");
    eventually("one running task", || async {
        let v = view(&w, name).await;
        (v.0 == ["0/1"] && v.1 == [0]).then_some(())
    })
    .await;

    // More tasks.
    TASK_COUNT.store(3, Ordering::SeqCst);
    request_reconfiguration();
    eventually("three running tasks", || async {
        let v = view(&w, name).await;
        (v.0 == ["0/3", "1/3", "2/3"] && v.1 == [0, 1, 2]).then_some(())
    })
    .await;

    // Fewer: task 2 is gone from configs and statuses.
    TASK_COUNT.store(2, Ordering::SeqCst);
    request_reconfiguration();
    eventually("two running tasks", || async {
        let v = view(&w, name).await;
        (v.0 == ["0/2", "1/2"] && v.1 == [0, 1]).then_some(())
    })
    .await;

    // More than tasks.max: refused, and the connector says why.
    TASK_COUNT.store(5, Ordering::SeqCst);
    request_reconfiguration();
    let trace = eventually("the connector to fail", || async {
        let v = view(&w, name).await;
        (v.2 == State::Failed).then_some(v.3)
    })
    .await
    .unwrap_or_default();
    assert!(
        trace.contains("has generated 5 tasks, which is greater than 3"),
        "{trace}"
    );
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_commits_what_it_put_before_a_rebalance() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("rebalance-commit");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 2));
    let producer = Producer::connect(ProducerConfig::new(&bootstrap))
        .await
        .expect("producer");
    let mut deliveries = Vec::new();
    for partition in 0..2 {
        for i in 0..10 {
            let d = producer
                .send(ProducerRecord {
                    topic: topic.clone(),
                    partition: Some(partition),
                    key: None,
                    value: Some(format!("p{partition}-{i}").into_bytes().into()),
                    headers: Vec::new(),
                    timestamp: None,
                })
                .await
                .expect("send");
            deliveries.push(d);
        }
    }
    for d in deliveries {
        d.wait().await.expect("acked");
    }

    // Periodic commits never happen within the test: only a rebalance (or
    // the stop) can commit.
    let dir = temp_dir();
    let w = worker(&dir, &[("offset.flush.interval.ms", "600000")]).await;
    let out = dir.join("sink.txt");
    let name = format!("sink-{topic}");
    w.herder
        .ask(PutConnectorConfig {
            name: name.clone(),
            config: props(&[
                ("connector.class", "FileStreamSink"),
                ("tasks.max", "1"),
                ("topics", &topic),
                ("file", &out.display().to_string()),
            ]),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create sink");
    eventually("all 20 records in the sink file", || async {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        (text.lines().count() == 20).then_some(())
    })
    .await;

    // Another member joins the connector's group: the task must commit
    // before the rebalance gives its partitions away.
    let mut config = ConsumerConfig::new(&bootstrap);
    config.group_id = Some(format!("connect-{name}"));
    let mut joiner = Consumer::connect(config).await.expect("consumer");
    joiner.subscribe(vec![topic.clone()]).expect("subscribe");
    let mut seen_by_joiner = 0usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    let committed = loop {
        for b in joiner
            .poll(Duration::from_millis(200))
            .await
            .unwrap_or_default()
        {
            seen_by_joiner += b.records.len();
        }
        let work = w
            .herder
            .ask(GetConnectorOffsets(name.clone()))
            .await
            .expect("offsets request");
        let offsets = work.await.expect("offsets");
        let mut by_partition: Vec<(i64, i64)> = offsets
            .offsets
            .iter()
            .filter_map(|o| {
                let p = o.partition.as_ref()?.get("kafka_partition")?.as_i64()?;
                let off = o.offset.as_ref()?.get("kafka_offset")?.as_i64()?;
                Some((p, off))
            })
            .collect();
        by_partition.sort();
        if by_partition == [(0, 10), (1, 10)] || Instant::now() > deadline {
            break by_partition;
        }
    };
    assert_eq!(committed, [(0, 10), (1, 10)]);
    // The joiner starts where the sink left off: nothing is delivered twice.
    assert_eq!(seen_by_joiner, 0, "records redelivered to the new member");
    joiner.close().await;
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

// --- Panics in connector code -------------------------------------------------------

#[derive(Default)]
struct PanickingSource;

impl Connector for PanickingSource {
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

impl SourceConnector for PanickingSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(PanickingTask)
    }
}

/// Panics in its first poll.
struct PanickingTask;

impl SourceTask for PanickingTask {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, _context: SourceTaskContext) -> ConnectResult<()> {
        Ok(())
    }
    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>> {
        Box::pin(async { panic!("boom in poll") })
    }
    fn stop(&mut self) {}
}

/// Panics when asked for task configs.
#[derive(Default)]
struct PanickingConfigs;

impl Connector for PanickingConfigs {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, _props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        Ok(())
    }
    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<Props>> {
        panic!("boom in task_configs")
    }
    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for PanickingConfigs {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(IdleTask)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_connector_code_fails_only_that_connector_or_task() {
    register_connector(ConnectorPlugin {
        class: "org.example.PanickingSourceConnector",
        factory: ConnectorFactory::Source(|| Box::new(PanickingSource)),
    });
    register_connector(ConnectorPlugin {
        class: "org.example.PanickingConfigsConnector",
        factory: ConnectorFactory::Source(|| Box::new(PanickingConfigs)),
    });
    let dir = temp_dir();
    let w = worker(&dir, &[]).await;
    let create = |name: &str, class: &str| PutConnectorConfig {
        name: name.into(),
        config: props(&[("connector.class", class), ("tasks.max", "1")]),
        allow_replace: false,
        initial_state: TargetState::Started,
    };
    let input = dir.join("input.txt");
    std::fs::write(&input, "a\nb\n").expect("input");
    let topic = unique_topic("survivor");
    let mut survivor = props(&[
        ("connector.class", "FileStreamSource"),
        ("tasks.max", "1"),
        ("topic", &topic),
    ]);
    survivor.insert("file".into(), input.display().to_string());
    w.herder
        .ask(PutConnectorConfig {
            name: "survivor".into(),
            config: survivor,
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create survivor");
    w.herder
        .ask(create("panicky-task", "PanickingSource"))
        .await
        .expect("create panicky-task");
    w.herder
        .ask(create("panicky-configs", "PanickingConfigs"))
        .await
        .expect("create panicky-configs");

    let status = |name: &'static str| {
        let herder = w.herder.clone();
        async move { herder.ask(GetConnectorStatus(name.to_string())).await.ok() }
    };
    let trace = eventually("the panicking task to be FAILED", || async {
        let s = status("panicky-task").await?;
        let (_, t) = s.tasks.first()?;
        (t.state == State::Failed).then(|| t.trace.clone().unwrap_or_default())
    })
    .await;
    assert!(trace.contains("boom in poll"), "{trace}");
    let s = status("panicky-configs").await.expect("status");
    assert_eq!(s.connector.state, State::Failed);
    assert!(
        s.connector
            .trace
            .unwrap_or_default()
            .contains("boom in task_configs"),
        "connector trace"
    );
    // Everything else keeps running.
    let s = status("survivor").await.expect("status");
    assert_eq!(s.connector.state, State::Running);
    eventually("the survivor's task RUNNING", || async {
        let s = status("survivor").await?;
        (s.tasks.first()?.1.state == State::Running).then_some(())
    })
    .await;
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

// --- commit_record ------------------------------------------------------------------

/// Records the broker acknowledged, as the task was told through `commit_record`.
static COMMITTED_RECORDS: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct CountingSource {
    topic: String,
}

impl Connector for CountingSource {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        self.topic = props.get("topic").cloned().unwrap_or_default();
        Ok(())
    }
    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<Props>> {
        Ok(vec![props(&[("topic", &self.topic)])])
    }
    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for CountingSource {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(CountingTask::default())
    }
}

/// Emits 250 records in batches of 50, then nothing.
#[derive(Default)]
struct CountingTask {
    topic: String,
    sent: usize,
}

impl SourceTask for CountingTask {
    fn version(&self) -> String {
        "1.0".into()
    }
    fn start(&mut self, props: Props, _context: SourceTaskContext) -> ConnectResult<()> {
        self.topic = props.get("topic").cloned().unwrap_or_default();
        Ok(())
    }
    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>> {
        Box::pin(async move {
            if self.sent >= 250 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Ok(Vec::new());
            }
            let batch = (self.sent..self.sent + 50)
                .map(|i| {
                    let mut partition = kconnect::api::record::SourceMap::new();
                    partition.insert("p".into(), serde_json::json!(0));
                    let mut offset = kconnect::api::record::SourceMap::new();
                    offset.insert("n".into(), serde_json::json!(i));
                    SourceRecord::new(
                        partition,
                        offset,
                        self.topic.clone(),
                        Some(kconnect::api::data::schema::Schema::string()),
                        kconnect::api::data::value::Value::String(i.to_string()),
                    )
                })
                .collect();
            self.sent += 50;
            Ok(batch)
        })
    }
    fn commit_record(&mut self, _record: &SourceRecord) -> ConnectResult<()> {
        COMMITTED_RECORDS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn wants_record_commits(&self) -> bool {
        true
    }
    fn stop(&mut self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_record_is_called_for_every_acknowledged_record() {
    register_connector(ConnectorPlugin {
        class: "org.example.CountingSourceConnector",
        factory: ConnectorFactory::Source(|| Box::new(CountingSource::default())),
    });
    let dir = temp_dir();
    let w = worker(&dir, &[]).await;
    let topic = unique_topic("commit-record");
    w.herder
        .ask(PutConnectorConfig {
            name: "counting".into(),
            config: props(&[
                ("connector.class", "CountingSource"),
                ("tasks.max", "1"),
                ("topic", &topic),
            ]),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create");
    eventually("250 commit_record calls", || async {
        (COMMITTED_RECORDS.load(Ordering::SeqCst) >= 250).then_some(())
    })
    .await;
    w.shutdown().await;
    assert_eq!(COMMITTED_RECORDS.load(Ordering::SeqCst), 250);
    let _ = std::fs::remove_dir_all(&dir);
}
