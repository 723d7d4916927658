//! A source task on the Kafka-backed stores, as a distributed worker runs
//! it: the FileStreamSource task commits its offsets to the offsets topic
//! and its status to the status topic; a task started again later (another
//! worker, fresh stores) resumes from the stored position, so no line is
//! sent twice.

mod support;

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kconnect::api::connector::Props;
use kconnect::connectors::file::FileStreamSourceTask;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::cluster::Cluster;
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::runtime::config::worker::WorkerConfig;
use kconnect::runtime::status::{ConnectorTaskId, State, StatusStore, TargetState};
use kconnect::runtime::storage::kafka_log::{KafkaBasedLogConfig, TopicSpec};
use kconnect::runtime::storage::kafka_offset::{
    KafkaOffsetBackingStore, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::kafka_status::{
    KafkaStatusBackingStore, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::offset::{offset_key, OffsetBackingStore};
use kconnect::runtime::task_builder::TaskEnvironment;
use kconnect::runtime::worker_task::TaskControl;
use support::{shared_broker, unique_topic};
use tokio_util::sync::CancellationToken;

const DEADLINE: Duration = Duration::from_secs(30);

struct Stores {
    offsets: Arc<KafkaOffsetBackingStore>,
    statuses: Arc<KafkaStatusBackingStore>,
}

async fn stores(bootstrap: &str, offsets_topic: &str, status_topic: &str) -> Stores {
    let mut spec = TopicSpec::new(offsets_topic, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE);
    spec.partitions = 25;
    let offsets = KafkaOffsetBackingStore::start(KafkaBasedLogConfig::new(bootstrap, spec))
        .await
        .unwrap();
    let mut spec = TopicSpec::new(status_topic, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE);
    spec.partitions = 5;
    let statuses = KafkaStatusBackingStore::start(KafkaBasedLogConfig::new(bootstrap, spec))
        .await
        .unwrap();
    Stores {
        offsets: Arc::new(offsets),
        statuses: Arc::new(statuses),
    }
}

async fn environment(bootstrap: &str, stores: &Stores, worker_id: &str) -> TaskEnvironment {
    let config = WorkerConfig::standalone(vec![
        ("bootstrap.servers", bootstrap),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        ("offset.storage.file.filename", "/nonexistent/unused"),
        ("offset.flush.interval.ms", "100"),
    ])
    .unwrap();
    TaskEnvironment {
        config: Arc::new(config),
        cluster: Cluster::connect(ClientConfig::new(bootstrap))
            .await
            .unwrap(),
        offsets: stores.offsets.clone(),
        statuses: StatusStore::with_backend(worker_id, stores.statuses.clone()),
    }
}

/// Runs the file source task until `done` holds for the stores, then stops it.
async fn run_task(
    env: &TaskEnvironment,
    connector: &Props,
    mut done: impl FnMut() -> bool,
    refresh: &KafkaOffsetBackingStore,
) {
    let id = ConnectorTaskId {
        connector: "file-src".to_string(),
        task: 0,
    };
    let factory = env
        .source_task(
            id,
            Box::new(FileStreamSourceTask::default()),
            connector,
            connector.clone(),
        )
        .await
        .unwrap();
    let (_target_tx, target) = tokio::sync::watch::channel(TargetState::Started);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(factory(TaskControl {
        target,
        cancel: cancel.clone(),
    }));
    let end = Instant::now() + DEADLINE;
    loop {
        OffsetBackingStore::refresh(refresh).await.unwrap();
        if done() {
            break;
        }
        assert!(Instant::now() < end, "the task did not commit in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    tokio::time::timeout(DEADLINE, task)
        .await
        .expect("task stops")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_task_resumes_from_offsets_in_the_offsets_topic() {
    let bootstrap = shared_broker().bootstrap.clone();
    let offsets_topic = unique_topic("connect-offsets");
    let status_topic = unique_topic("connect-status");
    let out_topic = unique_topic("file-lines");
    Admin::connect(ClientConfig::new(&bootstrap))
        .await
        .unwrap()
        .create_topics(&[NewTopic::new(&out_topic, 1, -1)])
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "kconnect-kafka-offsets-{:016x}",
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("in.txt");
    std::fs::write(&file, "one\ntwo\nthree\n").unwrap();
    let path = file.to_str().unwrap().to_string();
    let connector: Props = [
        ("name", "file-src"),
        ("connector.class", "FileStreamSource"),
        ("tasks.max", "1"),
        ("file", path.as_str()),
        ("topic", out_topic.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut partition = serde_json::Map::new();
    partition.insert("filename".into(), path.clone().into());
    let key = offset_key("file-src", &partition);
    let position = |store: &KafkaOffsetBackingStore| -> Option<u64> {
        let raw = OffsetBackingStore::get(store, &key)?;
        let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
        v.get("position")?.as_u64()
    };

    // First worker: three lines, committed to the offsets topic.
    let first = stores(&bootstrap, &offsets_topic, &status_topic).await;
    let env = environment(&bootstrap, &first, "worker-1:8083").await;
    let offsets = first.offsets.clone();
    run_task(
        &env,
        &connector,
        || position(&offsets) == Some(14),
        &first.offsets,
    )
    .await;
    let statuses = first.statuses.clone();
    statuses.flush().await.unwrap();
    first.offsets.stop().await;
    first.statuses.stop().await;

    // Second worker, fresh stores: sees the offset and the status, and
    // sends only the lines appended since.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap()
        .write_all(b"four\nfive\n")
        .unwrap();
    let second = stores(&bootstrap, &offsets_topic, &status_topic).await;
    assert_eq!(position(&second.offsets), Some(14));
    let status = second
        .statuses
        .task_status(&ConnectorTaskId {
            connector: "file-src".to_string(),
            task: 0,
        })
        .expect("the first worker's task status");
    assert_eq!(status.worker_id, "worker-1:8083");
    assert_eq!(status.state, State::Running);
    let env = environment(&bootstrap, &second, "worker-2:8083").await;
    let offsets = second.offsets.clone();
    run_task(
        &env,
        &connector,
        || position(&offsets) == Some(24),
        &second.offsets,
    )
    .await;
    second.offsets.stop().await;
    second.statuses.stop().await;

    let mut consumer = Consumer::connect(ConsumerConfig {
        auto_offset_reset: OffsetReset::Earliest,
        ..ConsumerConfig::new(&bootstrap)
    })
    .await
    .unwrap();
    consumer.assign([TopicPartition::new(out_topic.clone(), 0)]);
    let mut lines = Vec::new();
    let end = Instant::now() + DEADLINE;
    while lines.len() < 5 && Instant::now() < end {
        for batch in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in batch.records {
                lines.push(String::from_utf8_lossy(&r.value.unwrap()).into_owned());
            }
        }
    }
    // Nothing more than the five lines, each once.
    let more = consumer.poll(Duration::from_millis(500)).await.unwrap();
    assert!(more.iter().all(|b| b.records.is_empty()));
    assert_eq!(lines, vec!["one", "two", "three", "four", "five"]);
    let _ = std::fs::remove_dir_all(&dir);
}
