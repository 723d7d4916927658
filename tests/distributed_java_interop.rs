//! A Connect cluster handed over between Apache Kafka's own Java worker
//! (`ConnectDistributed` 4.3.1) and `kconnect distributed`, on the same
//! group and internal topics: the workers of one implementation are stopped
//! and those of the other take over from what the first left in the config,
//! offset and status topics and the sink's consumer group.
//!
//! With FileStreamSource/FileStreamSink (Java's `connect-file`, kconnect's
//! own), each side must resume where the other stopped: every line of the
//! input file reaches the data topic exactly once and the sink file exactly
//! once, the connectors run on the new workers, a paused connector stays
//! paused and a connector's config reads back as created.
//!
//! Everything is observed from outside: REST answers, the data topic and the
//! files, polled with a deadline.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use support::cluster::{
    duplicates, ok, poll_until_with, ClusterSpec, ConnectCluster, ConnectorStatus, TopicReader,
};
use support::java_worker::JavaConnectWorker;
use support::{create_topic, unique_topic};

const FILE_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";

/// For a worker to start, a rebalance, a task to start and catch up.
const SETTLE: Duration = Duration::from_secs(120);

/// The same worker properties for the Java worker and kconnect's: the
/// record values are the file's lines as plain strings.
fn interop_spec(prefix: &str) -> ClusterSpec {
    ClusterSpec::new(prefix)
        .prop("key.converter", STRING_CONVERTER)
        .prop("value.converter", STRING_CONVERTER)
}

/// The test's input and output files and the Java worker's log; removed
/// when the test passes, kept (and named) when it fails.
struct TestDir {
    path: PathBuf,
}

impl TestDir {
    fn new(group: &str) -> TestDir {
        let path = std::env::temp_dir().join(format!("kconnect-interop-{group}"));
        fs::create_dir_all(&path).expect("test temp dir");
        TestDir { path }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!(
                "[interop] test failed; files kept in {}",
                self.path.display()
            );
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

fn append_lines(path: &Path, lines: &[String]) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut text = lines.join("\n");
    text.push('\n');
    f.write_all(text.as_bytes())
        .and_then(|()| f.flush())
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

fn file_len(path: &Path) -> i64 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .len() as i64
}

/// The complete lines of `path` (a line still being written is left out);
/// none while the file does not exist.
fn file_lines(path: &Path) -> Result<Vec<String>, String> {
    let text = match fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("read {}: {e}", path.display())),
    };
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => return Ok(Vec::new()),
    };
    Ok(complete.lines().map(str::to_owned).collect())
}

/// Every value on the topic so far, in offset order (one partition).
fn topic_values(reader: &mut TopicReader) -> Result<Vec<String>, String> {
    Ok(reader
        .read_to_end(Duration::from_secs(20))?
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect())
}

/// Polls `observe` until it holds every line of `expected`, then requires
/// it to hold exactly those, each once.
fn wait_for_exactly(
    what: &str,
    expected: &[String],
    diagnostics: impl Fn() -> String,
    mut observe: impl FnMut() -> Result<Vec<String>, String>,
) {
    let seen = poll_until_with(SETTLE, what, &diagnostics, || {
        let seen = observe()?;
        let have: BTreeSet<&String> = seen.iter().collect();
        let missing: Vec<&String> = expected.iter().filter(|l| !have.contains(l)).collect();
        if missing.is_empty() {
            Ok(seen)
        } else {
            Err(format!(
                "{} lines, {} missing, e.g. {:?}",
                seen.len(),
                missing.len(),
                &missing[..missing.len().min(5)]
            ))
        }
    });
    let dups = duplicates(&seen);
    let wanted: BTreeSet<&String> = expected.iter().collect();
    let extra: Vec<&String> = seen.iter().filter(|l| !wanted.contains(l)).collect();
    if !dups.is_empty() || !extra.is_empty() || seen.len() != expected.len() {
        panic!(
            "{what}: {} lines where {} were expected, each once; duplicated: {dups:?}; \
             unexpected: {extra:?}\n{}",
            seen.len(),
            expected.len(),
            diagnostics()
        );
    }
}

fn source_config(file: &Path, topic: &str) -> Value {
    json!({
        "connector.class": FILE_SOURCE,
        "tasks.max": "1",
        "file": file.display().to_string(),
        "topic": topic,
    })
}

fn sink_config(file: &Path, topic: &str) -> Value {
    json!({
        "connector.class": FILE_SINK,
        "tasks.max": "1",
        "file": file.display().to_string(),
        "topics": topic,
    })
}

/// The `position` a `GET /connectors/{c}/offsets` body holds for the file
/// source's partition `{"filename": file}`.
fn source_position(body: &Value, file: &Path) -> Option<i64> {
    let file = file.display().to_string();
    body["offsets"]
        .as_array()?
        .iter()
        .find(|o| o["partition"]["filename"].as_str() == Some(file.as_str()))?["offset"]["position"]
        .as_i64()
}

/// The `kafka_offset` a sink's `GET /connectors/{c}/offsets` body holds for
/// partition 0 of `topic`.
fn sink_offset(body: &Value, topic: &str) -> Option<i64> {
    body["offsets"].as_array()?.iter().find(|o| {
        o["partition"]["kafka_topic"].as_str() == Some(topic)
            && o["partition"]["kafka_partition"].as_i64() == Some(0)
    })?["offset"]["kafka_offset"]
        .as_i64()
}

/// Polls `GET /connectors/{name}/offsets` through `get` until `read` finds
/// `want` in it.
fn wait_for_offset(
    what: &str,
    diagnostics: impl Fn() -> String,
    get: impl Fn(&str) -> Result<Value, String>,
    name: &str,
    want: i64,
    read: impl Fn(&Value) -> Option<i64>,
) {
    let path = format!("/connectors/{name}/offsets");
    poll_until_with(SETTLE, what, diagnostics, || {
        let body = get(&path)?;
        match read(&body) {
            Some(at) if at == want => Ok(()),
            _ => Err(format!("GET {path}: {body}, expected {want}")),
        }
    });
}

fn sorted_names(body: &Value) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = body
        .as_array()
        .ok_or_else(|| format!("not a list: {body}"))?
        .iter()
        .map(|n| n.as_str().map(str::to_owned).ok_or(format!("{body}")))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

// --- Java first, then kconnect ---------------------------------------------------------

#[test]
fn kconnect_workers_take_over_a_java_cluster() {
    let spec = interop_spec("j2k");
    let dir = TestDir::new(&spec.group_id);
    let topic = unique_topic("j2k-data");
    create_topic(&spec.bootstrap, &topic, 1);
    let input = dir.file("input.txt");
    let output = dir.file("sink.txt");
    let java_lines = numbered("java", 100);
    let kc_lines = numbered("kc", 100);
    append_lines(&input, &java_lines);
    let (src, sink) = ("j2k-source", "j2k-sink");

    let mut java = JavaConnectWorker::start_in(&spec, &dir.path, "java0");
    java.create_connector(src, &source_config(&input, &topic));
    java.create_connector(sink, &sink_config(&output, &topic));

    let mut reader = TopicReader::new(&spec.bootstrap, &topic, 1);
    wait_for_exactly(
        "java-* on the data topic",
        &java_lines,
        || java.describe(),
        || topic_values(&mut reader),
    );
    wait_for_exactly(
        "java-* in the sink file",
        &java_lines,
        || java.describe(),
        || file_lines(&output),
    );
    let java_rest = java.rest();
    let get = |path: &str| ok(java_rest.get(path));
    wait_for_offset(
        "Java's committed source position at the end of the file",
        || java.describe(),
        get,
        src,
        file_len(&input),
        |b| source_position(b, &input),
    );
    wait_for_offset(
        "Java's committed sink offset past the 100 records",
        || java.describe(),
        get,
        sink,
        100,
        |b| sink_offset(b, &topic),
    );
    let status = java.stop();
    eprintln!("[interop] Java worker exited with {status} on SIGTERM");

    append_lines(&input, &kc_lines);
    let mut cluster = ConnectCluster::start(spec.clone(), 2);
    let ids = cluster.worker_ids();
    let logs = || format!("{}{}", cluster.logs(), java.describe());

    let want = vec![sink.to_owned(), src.to_owned()];
    for i in cluster.running() {
        cluster.poll_until(
            SETTLE,
            &format!("worker{i} to list both connectors"),
            || {
                let names = sorted_names(&ok(cluster.rest(i).get("/connectors"))?)?;
                if names == want {
                    Ok(())
                } else {
                    Err(format!("worker{i} lists {names:?}"))
                }
            },
        );
    }
    for name in [src, sink] {
        cluster.wait_for_agreed_status(
            name,
            SETTLE,
            "connector and task RUNNING on kconnect workers",
            |s: &ConnectorStatus| {
                s.all_in("RUNNING", 1)
                    && ids.contains(&s.worker_id)
                    && s.task_workers().is_subset(&ids)
            },
        );
    }

    let all: Vec<String> = java_lines.iter().chain(&kc_lines).cloned().collect();
    wait_for_exactly(
        "java-* and kc-* on the data topic, each once (resumed from Java's source offset)",
        &all,
        logs,
        || topic_values(&mut reader),
    );
    wait_for_exactly(
        "java-* and kc-* in the sink file, each once (resumed from Java's sink group offsets)",
        &all,
        logs,
        || file_lines(&output),
    );
    let rest = cluster.rest(0);
    let get = |path: &str| ok(rest.get(path));
    wait_for_offset(
        "kconnect's committed source position at the new end of the file",
        logs,
        get,
        src,
        file_len(&input),
        |b| source_position(b, &input),
    );

    for i in cluster.running() {
        let status = cluster.worker_mut(i).stop();
        cluster.check(status.success(), || {
            format!("worker{i} exited with {status} on SIGTERM")
        });
    }
}

// --- kconnect first, then Java ---------------------------------------------------------

#[test]
fn a_java_worker_takes_over_a_kconnect_cluster() {
    let spec = interop_spec("k2j");
    let dir = TestDir::new(&spec.group_id);
    let topic = unique_topic("k2j-data");
    let paused_topic = unique_topic("k2j-paused");
    create_topic(&spec.bootstrap, &topic, 1);
    create_topic(&spec.bootstrap, &paused_topic, 1);
    let input = dir.file("input.txt");
    let output = dir.file("sink.txt");
    let paused_input = dir.file("paused-input.txt");
    let kc_lines = numbered("kc", 100);
    let java_lines = numbered("java", 100);
    append_lines(&input, &kc_lines);
    append_lines(&paused_input, &numbered("paused", 10));
    let (src, sink, paused) = ("k2j-source", "k2j-sink", "k2j-paused");
    let src_config = source_config(&input, &topic);

    let mut cluster = ConnectCluster::start(spec.clone(), 2);
    cluster.create_connector(0, src, &src_config);
    cluster.create_connector(1, sink, &sink_config(&output, &topic));
    cluster.create_connector(0, paused, &source_config(&paused_input, &paused_topic));
    cluster.wait_for_agreed_status(paused, SETTLE, "RUNNING", |s| s.all_in("RUNNING", 1));
    cluster.lifecycle(1, paused, "pause");
    cluster.wait_for_agreed_status(paused, SETTLE, "PAUSED", |s| s.all_in("PAUSED", 1));

    let mut reader = TopicReader::new(&spec.bootstrap, &topic, 1);
    wait_for_exactly(
        "kc-* on the data topic",
        &kc_lines,
        || cluster.logs(),
        || topic_values(&mut reader),
    );
    wait_for_exactly(
        "kc-* in the sink file",
        &kc_lines,
        || cluster.logs(),
        || file_lines(&output),
    );
    let rest = cluster.rest(0);
    let get = |path: &str| ok(rest.get(path));
    wait_for_offset(
        "kconnect's committed source position at the end of the file",
        || cluster.logs(),
        get,
        src,
        file_len(&input),
        |b| source_position(b, &input),
    );
    wait_for_offset(
        "kconnect's committed sink offset past the 100 records",
        || cluster.logs(),
        get,
        sink,
        100,
        |b| sink_offset(b, &topic),
    );
    for i in cluster.running() {
        let status = cluster.worker_mut(i).stop();
        cluster.check(status.success(), || {
            format!("worker{i} exited with {status} on SIGTERM")
        });
    }

    let mut java = JavaConnectWorker::start_in(&spec, &dir.path, "java0");
    let java_id = java.worker_id();
    let logs = || format!("{}{}", cluster.logs(), java.describe());
    let java_rest = java.rest();

    let want = vec![paused.to_owned(), sink.to_owned(), src.to_owned()];
    java.poll_until(SETTLE, "the three connectors listed", || {
        let names = sorted_names(&ok(java_rest.get("/connectors"))?)?;
        if names == want {
            Ok(())
        } else {
            Err(format!("lists {names:?}"))
        }
    });
    let on_java = |state: &'static str| {
        let java_id = java_id.clone();
        move |s: &ConnectorStatus| {
            s.all_in(state, 1)
                && s.worker_id == java_id
                && s.task_workers() == BTreeSet::from([java_id.clone()])
        }
    };
    for name in [src, sink] {
        java.wait_for_status(
            name,
            SETTLE,
            "connector and task RUNNING on the Java worker",
            on_java("RUNNING"),
        );
    }
    let mut expected_config = src_config.clone();
    expected_config["name"] = json!(src);
    let config = java
        .request(
            "GET",
            &format!("/connectors/{src}/config"),
            &Value::Null,
            &[200],
            SETTLE,
        )
        .1;
    if config != expected_config {
        panic!(
            "Java reads {src}'s config as {config}, created as {expected_config}\n{}",
            logs()
        );
    }

    append_lines(&input, &java_lines);
    let all: Vec<String> = kc_lines.iter().chain(&java_lines).cloned().collect();
    wait_for_exactly(
        "kc-* and java-* on the data topic, each once (Java resumed from kconnect's source offset)",
        &all,
        logs,
        || topic_values(&mut reader),
    );
    wait_for_exactly(
        "kc-* and java-* in the sink file, each once (Java resumed from the sink group offsets)",
        &all,
        logs,
        || file_lines(&output),
    );
    let get = |path: &str| ok(java_rest.get(path));
    wait_for_offset(
        "Java's committed source position at the new end of the file",
        logs,
        get,
        src,
        file_len(&input),
        |b| source_position(b, &input),
    );

    java.poll_until(
        SETTLE,
        &format!("{paused}: connector and task PAUSED on the Java worker, never RUNNING"),
        || {
            let body = ok(java_rest.get(&format!("/connectors/{paused}/status")))?;
            let s = ConnectorStatus::parse(&body)?;
            if s.worker_id == java_id && s.any_in("RUNNING") {
                java.fail(&format!(
                    "Java runs {paused}, which kconnect paused: {body}\n{}",
                    cluster.logs()
                ));
            }
            // Nothing restarts a failed task of a paused connector.
            if s.worker_id == java_id && s.any_in("FAILED") {
                java.fail(&format!(
                    "Java failed {paused}, which kconnect paused: {body}\n{}",
                    cluster.logs()
                ));
            }
            if on_java("PAUSED")(&s) {
                Ok(())
            } else {
                Err(format!("{s:?}"))
            }
        },
    );

    let status = java.stop();
    eprintln!("[interop] Java worker exited with {status} on SIGTERM");
}
