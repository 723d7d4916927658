//! The Kafka-backed stores of distributed mode against a real broker: what
//! one store instance writes, a fresh instance reads back (a worker
//! restart); offsets land on the murmur2 partition of their exact key
//! bytes; the config topic must have one partition and internal topics must
//! be compact-only; Java's console consumer reads the bytes we wrote.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::api::connector::Props;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::partitioner::partition_for_key;
use kconnect::kafka::producer::{Producer, ProducerRecord};
use kconnect::runtime::status::{ConnectorTaskId, State, StatusStore, TargetState};
use kconnect::runtime::storage::config::{
    ConfigBackingStore, KafkaConfigBackingStore, CONFIG_TOPIC_CONFIG, CONFIG_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::config_records::{RestartRequest, SessionKey};
use kconnect::runtime::storage::config_state::ConfigUpdate;
use kconnect::runtime::storage::error::StorageError;
use kconnect::runtime::storage::kafka_log::{
    KafkaBasedLog, KafkaBasedLogConfig, LogRecord, TopicSpec,
};
use kconnect::runtime::storage::kafka_offset::{
    KafkaOffsetBackingStore, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::kafka_status::{
    KafkaStatusBackingStore, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::offset::{offset_key, offset_value, OffsetBackingStore};
use kconnect::runtime::storage::status_cache::{StatusRecord, TopicStatus};
use support::{console_consume, shared_broker, unique_topic};

const DEADLINE: Duration = Duration::from_secs(30);

fn bootstrap() -> String {
    shared_broker().bootstrap.clone()
}

fn config_log(topic: &str) -> KafkaBasedLogConfig {
    KafkaBasedLogConfig::new(
        &bootstrap(),
        TopicSpec::new(topic, CONFIG_TOPIC_CONFIG, CONFIG_TOPIC_PURPOSE),
    )
}

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn id(connector: &str, task: i32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: connector.to_string(),
        task,
    }
}

/// Receives updates until `want` arrives or the deadline passes.
async fn expect_update(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<ConfigUpdate>,
    want: &ConfigUpdate,
) {
    let end = Instant::now() + DEADLINE;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(u)) if &u == want => return,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("update channel closed before {want:?}"),
            Err(_) => panic!("no {want:?} within {DEADLINE:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_to_end_waits_for_everything_written_before_it() {
    let topic = unique_topic("log");
    let seen: Arc<Mutex<Vec<LogRecord>>> = Arc::default();
    let sink = seen.clone();
    let mut spec = TopicSpec::new(&topic, "test.topic", "test records");
    spec.partitions = 3;
    let log = KafkaBasedLog::start(
        KafkaBasedLogConfig::new(&bootstrap(), spec),
        Box::new(move |r| sink.lock().unwrap().push(r)),
    )
    .await
    .unwrap();
    assert_eq!(log.partition_count(), 3);
    // Another producer (another worker) writes; the barrier must see it all.
    let producer = Producer::connect(ProducerConfig::new(&bootstrap()))
        .await
        .unwrap();
    let mut acks = Vec::new();
    for i in 0..50 {
        acks.push(
            producer
                .send(ProducerRecord {
                    topic: topic.clone(),
                    key: Some(Bytes::from(format!("k{i}"))),
                    value: Some(Bytes::from(format!("v{i}"))),
                    ..ProducerRecord::default()
                })
                .await
                .unwrap(),
        );
    }
    for a in acks {
        a.wait().await.unwrap();
    }
    log.read_to_end_within(DEADLINE).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 50);
        for r in seen.iter() {
            let key = r.key.clone().unwrap();
            assert_eq!(
                r.partition,
                partition_for_key(&key, 3),
                "murmur2 partition of {key:?}"
            );
        }
    }
    // Our own writes, tombstone included.
    let d = log
        .send(Some(Bytes::from_static(b"k1")), None)
        .await
        .unwrap();
    d.wait().await.unwrap();
    log.read_to_end_within(DEADLINE).await.unwrap();
    assert_eq!(seen.lock().unwrap().last().unwrap().value, None);
    log.stop().await;
    assert!(matches!(
        log.read_to_end().await,
        Err(StorageError::Stopped(_))
    ));
    // The topic was created compacted.
    let admin = Admin::connect(ClientConfig::new(&bootstrap()))
        .await
        .unwrap();
    let configs = admin.describe_topic_configs(&topic).await.unwrap();
    assert_eq!(
        configs.get("cleanup.policy").map(String::as_str),
        Some("compact")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_store_survives_a_restart_and_reports_updates() {
    let topic = unique_topic("connect-configs");
    let (store, mut updates) = KafkaConfigBackingStore::start(config_log(&topic))
        .await
        .unwrap();
    let config = props(&[
        ("connector.class", "FileStreamSource"),
        ("name", "src"),
        ("file", "/tmp/in"),
        ("topic", "t"),
        ("tasks.max", "2"),
    ]);
    store
        .put_connector_config("src", &config, Some(TargetState::Paused))
        .await
        .unwrap();
    expect_update(
        &mut updates,
        &ConfigUpdate::ConnectorConfigUpdated("src".to_string()),
    )
    .await;
    let task_configs = vec![
        props(&[("file", "/tmp/in"), ("task", "0")]),
        props(&[("task", "1")]),
    ];
    store.put_task_configs("src", &task_configs).await.unwrap();
    expect_update(
        &mut updates,
        &ConfigUpdate::TasksCommitted(vec![id("src", 0), id("src", 1)]),
    )
    .await;
    // Writes that return on ack only: wait for the read-back via refresh.
    store
        .put_target_state("src", TargetState::Stopped)
        .await
        .unwrap();
    let key = SessionKey {
        key: (0u8..32).collect(),
        algorithm: "HmacSHA256".to_string(),
        creation_timestamp: 1_700_000_000_000,
    };
    store.put_session_key(&key).await.unwrap();
    let restart = RestartRequest {
        connector: "src".to_string(),
        only_failed: true,
        include_tasks: true,
    };
    store.put_restart_request(&restart).await.unwrap();
    store
        .put_logger_level("org.apache.kafka", "DEBUG")
        .await
        .unwrap();
    store
        .put_connector_config("gone", &props(&[("name", "gone")]), None)
        .await
        .unwrap();
    store.remove_connector_config("gone").await.unwrap();
    store.refresh(DEADLINE).await.unwrap();
    expect_update(
        &mut updates,
        &ConfigUpdate::TargetStateChanged("src".to_string()),
    )
    .await;
    expect_update(&mut updates, &ConfigUpdate::RestartRequested(restart)).await;
    expect_update(
        &mut updates,
        &ConfigUpdate::LoggerLevel {
            namespace: "org.apache.kafka".to_string(),
            level: "DEBUG".to_string(),
        },
    )
    .await;
    expect_update(
        &mut updates,
        &ConfigUpdate::ConnectorConfigRemoved("gone".to_string()),
    )
    .await;
    let before = store.snapshot();
    store.stop().await;

    // A restarted worker rebuilds the same state, and is told nothing.
    let (fresh, mut fresh_updates) = KafkaConfigBackingStore::start(config_log(&topic))
        .await
        .unwrap();
    let after = fresh.snapshot();
    assert_eq!(after, before);
    assert_eq!(after.connectors(), vec!["src".to_string()]);
    assert_eq!(after.connector_config("src"), Some(&config));
    assert_eq!(after.target_state("src"), Some(TargetState::Stopped));
    assert_eq!(after.tasks("src"), vec![id("src", 0), id("src", 1)]);
    assert_eq!(after.all_task_configs("src"), task_configs);
    assert_eq!(after.session_key, Some(key));
    assert!(!after.is_inconsistent("src"));
    assert!(fresh_updates.try_recv().is_err());
    fresh.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_topic_with_two_partitions_is_refused() {
    let topic = unique_topic("connect-configs-2p");
    let admin = Admin::connect(ClientConfig::new(&bootstrap()))
        .await
        .unwrap();
    admin
        .create_topics(&[NewTopic::new(&topic, 2, -1).config("cleanup.policy", "compact")])
        .await
        .unwrap();
    let err = match KafkaConfigBackingStore::start(config_log(&topic)).await {
        Ok(_) => panic!("a 2-partition config topic was accepted"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        err,
        format!(
            "Topic '{topic}' supplied via the 'config.storage.topic' property is required to have a single \
             partition in order to guarantee consistency of connector configurations, but found 2 partitions."
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_topic_that_is_not_compact_only_is_refused() {
    let topic = unique_topic("connect-status-delete");
    let admin = Admin::connect(ClientConfig::new(&bootstrap()))
        .await
        .unwrap();
    admin
        .create_topics(&[NewTopic::new(&topic, 1, -1).config("cleanup.policy", "delete")])
        .await
        .unwrap();
    let spec = TopicSpec::new(&topic, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE);
    let err =
        match KafkaStatusBackingStore::start(KafkaBasedLogConfig::new(&bootstrap(), spec)).await {
            Ok(_) => panic!("a delete-policy status topic was accepted"),
            Err(e) => e.to_string(),
        };
    assert!(
        err.starts_with(&format!(
            "Topic '{topic}' supplied via the 'status.storage.topic' property is required to have \
             'cleanup.policy=compact' to guarantee consistency and durability of connector and task \
             statuses, but found the topic currently has 'cleanup.policy=delete'."
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_land_on_their_murmur2_partition_and_survive_a_restart() {
    let topic = unique_topic("connect-offsets");
    let mut spec = TopicSpec::new(&topic, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE);
    spec.partitions = 25;
    let log_config = KafkaBasedLogConfig::new(&bootstrap(), spec);
    let store = KafkaOffsetBackingStore::start(log_config.clone())
        .await
        .unwrap();
    assert_eq!(store.partition_count(), 25);

    let mut entries = Vec::new();
    let mut expected = BTreeMap::new();
    for i in 0..20 {
        let mut partition = serde_json::Map::new();
        partition.insert("filename".into(), format!("/data/file-{i}.txt").into());
        let mut offset = serde_json::Map::new();
        offset.insert("position".into(), (i * 100).into());
        let key = offset_key("file-source", &partition);
        let value = offset_value(&offset);
        expected.insert(key.clone(), value.clone());
        entries.push((key, Some(value)));
    }
    store.set(entries).await.unwrap();
    // The key bytes are Java's, e.g.:
    let mut p0 = serde_json::Map::new();
    p0.insert("filename".into(), "/data/file-0.txt".into());
    assert_eq!(
        offset_key("file-source", &p0),
        br#"["file-source",{"filename":"/data/file-0.txt"}]"#.to_vec()
    );

    // Every record is on the partition Java's partitioner picks for its key.
    let mut consumer = Consumer::connect(ConsumerConfig {
        auto_offset_reset: OffsetReset::Earliest,
        ..ConsumerConfig::new(&bootstrap())
    })
    .await
    .unwrap();
    consumer.assign((0..25).map(|p| TopicPartition::new(topic.clone(), p)));
    let mut found = BTreeMap::new();
    let end = Instant::now() + DEADLINE;
    while found.len() < expected.len() {
        assert!(
            Instant::now() < end,
            "read only {} offset records",
            found.len()
        );
        for batch in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in batch.records {
                let key = r.key.unwrap().to_vec();
                assert_eq!(batch.partition, partition_for_key(&key, 25));
                found.insert(key, r.value.unwrap().to_vec());
            }
        }
    }
    assert_eq!(found, expected);

    // A tombstone, then a restart: the fresh store reads the same offsets.
    let (gone_key, _) = expected
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    store.set(vec![(gone_key.clone(), None)]).await.unwrap();
    store.stop().await;
    let fresh = KafkaOffsetBackingStore::start(log_config).await.unwrap();
    let keys: Vec<Vec<u8>> = expected.keys().cloned().collect();
    let got = fresh.get_many(&keys).await.unwrap();
    for (k, v) in &expected {
        if *k == gone_key {
            assert_eq!(got[k], None);
        } else {
            assert_eq!(got[k].as_ref(), Some(v));
            assert_eq!(OffsetBackingStore::get(&fresh, k).as_ref(), Some(v));
        }
    }
    let offsets = fresh.connector_offsets("file-source");
    assert_eq!(offsets.iter().filter(|(_, o)| o.is_some()).count(), 19);
    assert!(fresh.connector_offsets("other").is_empty());
    fresh.stop().await;
}

fn status_log(topic: &str) -> KafkaBasedLogConfig {
    let mut spec = TopicSpec::new(topic, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE);
    spec.partitions = 5;
    KafkaBasedLogConfig::new(&bootstrap(), spec)
}

fn record(state: State, worker: &str, generation: i32) -> StatusRecord {
    StatusRecord {
        state,
        trace: None,
        worker_id: worker.to_string(),
        generation,
        version: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_survive_a_restart_and_stale_writes_lose() {
    let topic = unique_topic("connect-status");
    let a = Arc::new(
        KafkaStatusBackingStore::start(status_log(&topic))
            .await
            .unwrap(),
    );
    a.set_generation(3);
    // Through the runtime's StatusStore handle, as the worker writes.
    let statuses = StatusStore::with_backend("worker-a:8083", a.clone());
    statuses.put_connector("src", State::Running, None);
    statuses.put_task(&id("src", 0), State::Running, None);
    statuses.put_task(
        &id("src", 1),
        State::Failed,
        Some("boom\n\tat x".to_string()),
    );
    assert!(statuses.put_topic(&id("src", 0), "t1"));
    assert!(!statuses.put_topic(&id("src", 1), "t1"));
    statuses.put_connector("doomed", State::Running, None);
    statuses.put_task(&id("doomed", 0), State::Running, None);
    statuses.remove_connector("doomed");
    a.flush().await.unwrap();

    let b = KafkaStatusBackingStore::start(status_log(&topic))
        .await
        .unwrap();
    assert_eq!(
        b.connector_status("src"),
        Some(record(State::Running, "worker-a:8083", 3))
    );
    assert_eq!(
        b.task_status(&id("src", 0)),
        Some(record(State::Running, "worker-a:8083", 3))
    );
    assert_eq!(
        b.task_status(&id("src", 1)),
        Some(StatusRecord {
            trace: Some("boom\n\tat x".to_string()),
            ..record(State::Failed, "worker-a:8083", 3)
        })
    );
    assert_eq!(b.connectors(), vec!["src".to_string()]);
    assert_eq!(b.task_statuses("doomed"), vec![]);
    let t1 = b.topic_status("src", "t1").expect("topic status read back");
    assert_eq!(
        (t1.topic.as_str(), t1.connector.as_str(), t1.task),
        ("t1", "src", 0)
    );

    // Worker b in an older generation: its safe UNASSIGNED write is refused,
    // a plain write goes through; in a newer generation the safe one wins.
    assert!(!b.put_task_status(
        &id("src", 0),
        record(State::Unassigned, "worker-b:8083", 2),
        true
    ));
    assert!(b.put_task_status(
        &id("src", 0),
        record(State::Unassigned, "worker-b:8083", 4),
        true
    ));
    b.flush().await.unwrap();
    // A reader applies the log's rule: an UNASSIGNED of an older
    // generation never replaces RUNNING.
    a.put_task_status(
        &id("src", 0),
        record(State::Running, "worker-a:8083", 5),
        false,
    );
    a.put_task_status(
        &id("src", 0),
        record(State::Unassigned, "worker-b:8083", 4),
        false,
    );
    a.flush().await.unwrap();
    b.refresh(DEADLINE).await.unwrap();
    let end = Instant::now() + DEADLINE;
    while b.task_status(&id("src", 0)) != Some(record(State::Running, "worker-a:8083", 5)) {
        assert!(
            Instant::now() < end,
            "b saw {:?}",
            b.task_status(&id("src", 0))
        );
        b.refresh(DEADLINE).await.unwrap();
    }
    b.delete_topic("src", "t1");
    b.put_topic_status(TopicStatus {
        topic: "t2".to_string(),
        connector: "src".to_string(),
        task: 1,
        discover_timestamp: 42,
    });
    b.flush().await.unwrap();
    a.refresh(DEADLINE).await.unwrap();
    assert_eq!(a.topic_statuses("src").len(), 1);
    assert_eq!(
        a.topic_status("src", "t2").map(|t| t.discover_timestamp),
        Some(42)
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_console_consumer_reads_the_config_records_we_wrote() {
    let topic = unique_topic("connect-configs-java");
    let (store, _updates) = KafkaConfigBackingStore::start(config_log(&topic))
        .await
        .unwrap();
    let config = props(&[("connector.class", "FileStreamSource"), ("tasks.max", "1")]);
    store
        .put_connector_config("c", &config, Some(TargetState::Stopped))
        .await
        .unwrap();
    store
        .put_task_configs("c", &[props(&[("task.class", "X")])])
        .await
        .unwrap();
    store.stop().await;
    let bootstrap = bootstrap();
    let lines = tokio::task::spawn_blocking(move || {
        console_consume(
            &bootstrap,
            &topic,
            4,
            &["--formatter-property", "print.key=true"],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        lines,
        vec![
            "target-state-c\t{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}",
            "connector-c\t{\"properties\":{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\"}}",
            "task-c-0\t{\"properties\":{\"task.class\":\"X\"}}",
            "commit-c\t{\"tasks\":1}",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_consumer_callback_does_not_hold_up_writes() {
    let topic = unique_topic("log-slow");
    // The callback blocks on the first record until the test releases it.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let seen: Arc<Mutex<Vec<i64>>> = Arc::default();
    let sink = seen.clone();
    let log = KafkaBasedLog::start(
        KafkaBasedLogConfig::new(
            &bootstrap(),
            TopicSpec::new(&topic, "test.topic", "test records"),
        ),
        Box::new(move |r| {
            if r.offset == 0 {
                let _ = release_rx.lock().unwrap().recv();
            }
            sink.lock().unwrap().push(r.offset);
        }),
    )
    .await
    .unwrap();
    let first = log
        .send(
            Some(Bytes::from_static(b"a")),
            Some(Bytes::from_static(b"1")),
        )
        .await
        .unwrap();
    first.wait().await.unwrap();
    let barrier = log.read_to_end();
    // While the reader sits in the callback, more writes are acknowledged.
    for i in 0..20 {
        let d = tokio::time::timeout(
            DEADLINE,
            log.send(Some(Bytes::from(format!("k{i}"))), Some(Bytes::from("v"))),
        )
        .await
        .expect("send while the callback is blocked")
        .unwrap();
        tokio::time::timeout(DEADLINE, d.wait())
            .await
            .expect("ack while the callback is blocked")
            .unwrap();
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "the callback is still blocked"
    );
    release_tx.send(()).unwrap();
    tokio::time::timeout(DEADLINE, barrier)
        .await
        .expect("barrier after release")
        .unwrap();
    log.read_to_end_within(DEADLINE).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), (0..21).collect::<Vec<i64>>());
    log.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_keeps_reading_after_a_broker_restart() {
    let broker = support::Broker::start_dedicated();
    let bootstrap = broker.bootstrap.clone();
    let topic = unique_topic("status-restart");
    let mut spec = TopicSpec::new(&topic, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE);
    spec.partitions = 5;
    let store = KafkaStatusBackingStore::start(KafkaBasedLogConfig::new(&bootstrap, spec.clone()))
        .await
        .unwrap();
    store.put_connector_status("before", record(State::Running, "w", 1), false);
    store.flush().await.unwrap();
    let broker = tokio::task::spawn_blocking(move || {
        broker.kill();
        broker.restart();
        broker
    })
    .await
    .unwrap();
    // Written after the restart by another instance; ours must read it.
    let other = KafkaStatusBackingStore::start(KafkaBasedLogConfig::new(&bootstrap, spec.clone()))
        .await
        .unwrap();
    assert_eq!(
        other.connector_status("before"),
        Some(record(State::Running, "w", 1))
    );
    other.put_connector_status("after", record(State::Paused, "w2", 2), false);
    other.flush().await.unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        match store.refresh(DEADLINE).await {
            Ok(()) if store.connector_status("after").is_some() => break,
            Ok(()) => {}
            Err(e) => eprintln!("refresh after the restart: {e}"),
        }
        assert!(
            Instant::now() < end,
            "the first store never read the record written after the restart"
        );
    }
    assert_eq!(
        store.connector_status("after"),
        Some(record(State::Paused, "w2", 2))
    );
    store.stop().await;
    other.stop().await;
    drop(broker);
}
