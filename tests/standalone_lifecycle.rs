//! The standalone herder against a real broker, in-process: a failing task
//! shows FAILED with its trace and comes back RUNNING after a restart; config
//! provider variables are resolved when the task starts but the stored
//! config keeps the variable; pause stops records and resume brings them.

mod support;

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kconnect::kafka::config::{ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::runtime::herder::standalone::{
    GetConnectorInfo, GetConnectorStatus, PutConnectorConfig, RestartTask, SetTargetState,
};
use kconnect::runtime::standalone::{start_with_props, Standalone};
use kconnect::runtime::status::{ConnectorTaskId, State, TargetState};
use support::{shared_broker, unique_topic};

fn temp_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("kconnect-lifecycle-{:016x}", rand::random::<u64>()));
    fs::create_dir_all(&dir).unwrap();
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
        ("offset.flush.interval.ms", "500"),
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
    start_with_props(props, &[]).await.unwrap()
}

async fn task_state(w: &Standalone, name: &str) -> Option<(State, Option<String>)> {
    let status = w
        .herder
        .ask(GetConnectorStatus(name.to_string()))
        .await
        .ok()?;
    status
        .tasks
        .first()
        .map(|(_, s)| (s.state, s.trace.clone()))
}

async fn wait_for_state(w: &Standalone, name: &str, want: State) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((state, trace)) = task_state(w, name).await {
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

/// Values on `topic` from the start, waiting until `n` arrived.
async fn read_values(topic: &str, n: usize) -> Vec<String> {
    let mut config = ConsumerConfig::new(&shared_broker().bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign([TopicPartition::new(topic, 0)]);
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while values.len() < n && Instant::now() < deadline {
        for b in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            for r in b.records {
                values.push(String::from_utf8_lossy(&r.value.unwrap_or_default()).into_owned());
            }
        }
    }
    values
}

fn source_config(file: &str, topic: &str) -> HashMap<String, String> {
    [
        ("connector.class", "FileStreamSource"),
        ("tasks.max", "1"),
        ("file", file),
        ("topic", topic),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_shows_its_trace_and_runs_again_after_restart() {
    let dir = temp_dir();
    let w = worker(&dir, &[]).await;
    let topic = unique_topic("failing");
    // A directory where the file should be: reading it fails.
    let path = dir.join("input");
    fs::create_dir_all(&path).unwrap();
    w.herder
        .ask(PutConnectorConfig {
            name: "failing".into(),
            config: source_config(&path.display().to_string(), &topic),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .unwrap();
    let trace = wait_for_state(&w, "failing", State::Failed).await;
    let trace = trace.expect("a failed task has a trace");
    assert!(trace.contains("input"), "the trace names the file: {trace}");

    // Fix the cause and restart the task through the herder.
    fs::remove_dir(&path).unwrap();
    fs::write(&path, "first\nsecond\n").unwrap();
    w.herder
        .ask(RestartTask(ConnectorTaskId {
            connector: "failing".into(),
            task: 0,
        }))
        .await
        .unwrap();
    wait_for_state(&w, "failing", State::Running).await;
    assert_eq!(read_values(&topic, 2).await, ["first", "second"]);
    w.shutdown().await;
    let _ = fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_variables_resolve_at_start_and_pause_stops_records() {
    let dir = temp_dir();
    let input = dir.join("lines.txt");
    fs::write(&input, "one\ntwo\n").unwrap();
    let secrets = dir.join("secrets.properties");
    fs::write(&secrets, format!("input.path={}\n", input.display())).unwrap();
    let w = worker(
        &dir,
        &[
            ("config.providers", "file"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
        ],
    )
    .await;
    let topic = unique_topic("provided");
    let variable = format!("${{file:{}:input.path}}", secrets.display());
    w.herder
        .ask(PutConnectorConfig {
            name: "provided".into(),
            config: source_config(&variable, &topic),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .unwrap();
    assert_eq!(read_values(&topic, 2).await, ["one", "two"]);
    // Stored as written, not resolved.
    let info = w
        .herder
        .ask(GetConnectorInfo("provided".into()))
        .await
        .unwrap();
    assert_eq!(info.config.get("file"), Some(&variable));

    // Paused: new lines stay in the file.
    w.herder
        .ask(SetTargetState {
            name: "provided".into(),
            target: TargetState::Paused,
        })
        .await
        .unwrap();
    wait_for_state(&w, "provided", State::Paused).await;
    fs::write(&input, "one\ntwo\nthree\n").unwrap();
    let mut config = ConsumerConfig::new(&shared_broker().bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign([TopicPartition::new(&topic, 0)]);
    let mut seen = 0;
    let quiet_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < quiet_until {
        for b in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            seen += b.records.len();
        }
    }
    assert_eq!(seen, 2, "no record while paused");

    // Resumed: the new line arrives.
    w.herder
        .ask(SetTargetState {
            name: "provided".into(),
            target: TargetState::Started,
        })
        .await
        .unwrap();
    assert_eq!(read_values(&topic, 3).await, ["one", "two", "three"]);
    w.shutdown().await;
    let _ = fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_topics_are_created_with_the_connectors_topic_creation_settings() {
    let dir = temp_dir();
    let input = dir.join("lines.txt");
    fs::write(&input, "a\nb\n").unwrap();
    let w = worker(&dir, &[]).await;
    let topic = unique_topic("created");
    let mut config = source_config(&input.display().to_string(), &topic);
    for (k, v) in [
        ("topic.creation.default.partitions", "3"),
        ("topic.creation.default.replication.factor", "-1"),
        ("topic.creation.default.cleanup.policy", "compact"),
    ] {
        config.insert(k.to_string(), v.to_string());
    }
    w.herder
        .ask(PutConnectorConfig {
            name: "creator".into(),
            config,
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .unwrap();
    let admin = kconnect::kafka::admin::Admin::connect(kconnect::kafka::config::ClientConfig::new(
        &shared_broker().bootstrap,
    ))
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let configs = loop {
        if let Ok(c) = admin.describe_topic_configs(&topic).await {
            if c.get("cleanup.policy").map(String::as_str) == Some("compact") {
                break c;
            }
        }
        assert!(
            Instant::now() < deadline,
            "topic {topic} was not created as configured"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact")
    );
    assert_eq!(admin.cluster().partition_count(&topic).await.unwrap(), 3);
    w.shutdown().await;
    let _ = fs::remove_dir_all(&dir);
}
