//! Kafka's test connectors (`VerifiableSourceConnector`,
//! `VerifiableSinkConnector`) in a standalone worker against a real broker:
//! every task's sequence numbers reach the sink without a gap, and after a
//! clean restart the source resumes right after its last committed seqno.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kconnect::api::connector::Props;
use kconnect::runtime::herder::standalone::PutConnectorConfig;
use kconnect::runtime::standalone::{start_with_props, Standalone};
use kconnect::runtime::status::TargetState;
use support::{create_topic, shared_broker, unique_topic};

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn worker(dir: &Path) -> Standalone {
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
        ("offset.flush.interval.ms", "500"),
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

/// seqnos per source task in the JSON lines of `file` (optionally only
/// those with `field` true).
fn seqnos(file: &Path, field: Option<&str>) -> BTreeMap<i64, Vec<i64>> {
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for line in std::fs::read_to_string(file).unwrap_or_default().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if field.is_some_and(|f| v[f] != serde_json::json!(true)) {
            continue;
        }
        if field.is_none() && (v.get("flushed").is_some() || v.get("committed").is_some()) {
            continue;
        }
        if let (Some(task), Some(seqno)) = (v["task"].as_i64(), v["seqno"].as_i64()) {
            out.entry(task).or_default().push(seqno);
        }
    }
    out
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kconnect-verifiable-{:016x}",
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_numbers_flow_without_gaps_and_resume_after_a_restart() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("verifiable");
    tokio::task::block_in_place(|| create_topic(&bootstrap, &topic, 2));
    let dir = temp_dir();
    let source_out = dir.join("source.jsonl");
    let sink_out = dir.join("sink.jsonl");
    let source_config = props(&[
        (
            "connector.class",
            "org.apache.kafka.connect.tools.VerifiableSourceConnector",
        ),
        ("tasks.max", "2"),
        ("topic", &topic),
        ("throughput", "2000"),
        ("output.file", &source_out.display().to_string()),
    ]);

    let w = worker(&dir).await;
    create(&w, "verifiable-source", source_config.clone()).await;
    create(
        &w,
        "verifiable-sink",
        props(&[
            ("connector.class", "VerifiableSink"),
            ("tasks.max", "1"),
            ("topics", &topic),
            ("output.file", &sink_out.display().to_string()),
        ]),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = seqnos(&sink_out, None);
        if got.len() == 2 && got.values().all(|s| s.len() >= 300) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sink got too little: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.shutdown().await;

    // The source's acknowledged seqnos per task, as it reported them.
    let committed = seqnos(&source_out, Some("committed"));
    let last: BTreeMap<i64, i64> = committed
        .iter()
        .map(|(t, s)| (*t, s.iter().copied().max().unwrap_or(-1)))
        .collect();
    assert_eq!(last.len(), 2, "both tasks committed records");

    // A restart resumes right after the last committed seqno.
    let before_restart = seqnos(&source_out, None);
    let w = worker(&dir).await;
    create(&w, "verifiable-source", source_config).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = seqnos(&source_out, None);
        if now
            .iter()
            .all(|(t, s)| s.len() > before_restart.get(t).map_or(0, Vec::len) + 10)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the source did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.shutdown().await;
    for (task, sent) in seqnos(&source_out, None) {
        let first_run = before_restart.get(&task).map_or(0, Vec::len);
        let resumed = sent[first_run];
        assert_eq!(
            resumed,
            last[&task] + 1,
            "task {task} resumed at {resumed}, after committing up to {}",
            last[&task]
        );
    }
    // The sink saw every seqno of the first run without a gap.
    for (task, mut got) in seqnos(&sink_out, None) {
        got.sort_unstable();
        got.dedup();
        let expected: Vec<i64> = (0..got.len() as i64).collect();
        assert_eq!(got, expected, "task {task}'s seqnos at the sink");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
