//! SMTs in a running worker against a real broker: the transformation
//! scenario of Kafka's Connect system tests (a file source with
//! `HoistField$Value` and `InsertField$Value`), SMTs in the sink path, and
//! SMT config errors refused at create time.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kconnect::api::connector::Props;
use kconnect::kafka::config::{ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::runtime::herder::standalone::PutConnectorConfig;
use kconnect::runtime::standalone::{start_with_props, Standalone};
use kconnect::runtime::status::TargetState;
use serde_json::{json, Value};
use support::{shared_broker, unique_topic};

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kconnect-smt-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn worker(dir: &std::path::Path) -> Standalone {
    let mut p: HashMap<String, String> = props(&[
        ("bootstrap.servers", &shared_broker().bootstrap),
        (
            "key.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        ("key.converter.schemas.enable", "true"),
        ("value.converter.schemas.enable", "true"),
        ("offset.flush.interval.ms", "1000"),
        ("listeners", "http://127.0.0.1:0"),
    ]);
    p.insert(
        "offset.storage.file.filename".into(),
        dir.join("offsets").display().to_string(),
    );
    start_with_props(p, &[]).await.expect("start worker")
}

/// (timestamp, value JSON) of the first `n` records of `topic`.
async fn read_json(topic: &str, n: usize) -> Vec<(i64, Value)> {
    let mut config = ConsumerConfig::new(&shared_broker().bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.expect("consumer");
    consumer.assign([TopicPartition::new(topic, 0)]);
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while out.len() < n && Instant::now() < deadline {
        for b in consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap_or_default()
        {
            for r in b.records {
                let value = r
                    .value
                    .map(|v| serde_json::from_slice(&v).expect("JSON value"))
                    .unwrap_or(Value::Null);
                out.push((r.timestamp, value));
            }
        }
    }
    consumer.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_source_with_hoist_and_insert_field_as_in_kafkas_system_test() {
    let dir = temp_dir();
    let w = worker(&dir).await;
    let topic = unique_topic("smt-source");
    let input = dir.join("input.txt");
    let lines = ["first line", "second line", "third line"];
    std::fs::write(&input, lines.join("\n") + "\n").expect("input");
    w.herder
        .ask(PutConnectorConfig {
            name: "file-source-smt".into(),
            config: props(&[
                (
                    "connector.class",
                    "org.apache.kafka.connect.file.FileStreamSourceConnector",
                ),
                ("tasks.max", "1"),
                ("topic", &topic),
                ("file", &input.display().to_string()),
                ("transforms", "hoistToStruct,insertTimestampField"),
                (
                    "transforms.hoistToStruct.type",
                    "org.apache.kafka.connect.transforms.HoistField$Value",
                ),
                ("transforms.hoistToStruct.field", "content"),
                (
                    "transforms.insertTimestampField.type",
                    "org.apache.kafka.connect.transforms.InsertField$Value",
                ),
                (
                    "transforms.insertTimestampField.timestamp.field",
                    "inserted",
                ),
            ]),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create");
    let records = read_json(&topic, lines.len()).await;
    assert_eq!(records.len(), lines.len());
    // The schema the Java JsonConverter writes for the hoisted struct with
    // an optional Timestamp field.
    let schema = json!({
        "type": "struct",
        "fields": [
            {"type": "string", "optional": false, "field": "content"},
            {
                "type": "int64", "optional": true,
                "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,
                "field": "inserted"
            }
        ],
        "optional": false
    });
    for ((timestamp, value), line) in records.iter().zip(lines) {
        assert_eq!(value["schema"], schema, "{value}");
        assert_eq!(value["payload"]["content"], json!(line));
        assert_eq!(
            value["payload"]["inserted"],
            json!(timestamp),
            "inserted is the record timestamp"
        );
    }
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smt_config_errors_are_refused_at_create() {
    let dir = temp_dir();
    let w = worker(&dir).await;
    let create = |extra: &[(&str, &str)]| {
        let mut config = props(&[
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "1"),
            ("topic", "t"),
        ]);
        config.extend(props(extra));
        PutConnectorConfig {
            name: "bad-smt".into(),
            config,
            allow_replace: true,
            initial_state: TargetState::Started,
        }
    };
    for (extra, expected) in [
        (
            vec![
                ("transforms", "x"),
                ("transforms.x.type", "org.example.Nope"),
            ],
            "org.example.Nope",
        ),
        (
            vec![
                ("transforms", "x"),
                (
                    "transforms.x.type",
                    "org.apache.kafka.connect.transforms.Cast$Value",
                ),
                ("transforms.x.spec", "f:nosuchtype"),
            ],
            "Invalid type found in casting spec: nosuchtype",
        ),
    ] {
        let err = w
            .herder
            .ask(create(&extra))
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "{extra:?}: {err}");
    }
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predicates_guard_routing_and_header_smts() {
    let dir = temp_dir();
    let w = worker(&dir).await;
    let topic = unique_topic("smt-route");
    let routed = format!("{topic}-routed");
    let input = dir.join("input.txt");
    std::fs::write(&input, "one\ntwo\n").expect("input");
    w.herder
        .ask(PutConnectorConfig {
            name: "file-source-route".into(),
            config: props(&[
                ("connector.class", "FileStreamSource"),
                ("tasks.max", "1"),
                ("topic", &topic),
                ("file", &input.display().to_string()),
                ("transforms", "tag,route,dropAll"),
                ("transforms.tag.type", "InsertHeader"),
                ("transforms.tag.header", "origin"),
                ("transforms.tag.value.literal", "file"),
                (
                    "transforms.route.type",
                    "org.apache.kafka.connect.transforms.RegexRouter",
                ),
                ("transforms.route.regex", "(.*)"),
                ("transforms.route.replacement", "$1-routed"),
                ("transforms.route.predicate", "tagged"),
                ("transforms.dropAll.type", "Filter"),
                ("transforms.dropAll.predicate", "tagged"),
                ("transforms.dropAll.negate", "true"),
                ("predicates", "tagged"),
                ("predicates.tagged.type", "HasHeaderKey"),
                ("predicates.tagged.name", "origin"),
            ]),
            allow_replace: false,
            initial_state: TargetState::Started,
        })
        .await
        .expect("create");
    // Tagged records are routed and not filtered (the filter is negated).
    let records = read_json(&routed, 2).await;
    let values: Vec<Value> = records.iter().map(|(_, v)| v["payload"].clone()).collect();
    assert_eq!(values, [json!("one"), json!("two")]);
    w.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
