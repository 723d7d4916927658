//! `kconnect distributed` clusters against a real broker, the way Kafka's
//! system tests (`connect_distributed_test.py`) exercise Java's workers:
//! several worker processes in one Connect group share the config, offset
//! and status topics and serve Java's REST API. Tasks are spread over the
//! workers and every worker reports the same status; a paused connector
//! stays paused across a restart of the whole cluster; workers bounced one
//! at a time (SIGTERM or SIGKILL, eager or sessioned protocol) lose no
//! record and, when bounced cleanly, duplicate none; and a fourth worker
//! joining a sessioned cluster takes over tasks without restarting the ones
//! that stay put.
//!
//! Everything is observed from outside: REST answers, the data topic, the
//! status topic and the verifiable connectors' output files, polled with a
//! deadline.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::cluster::{
    duplicates, ok, payload, values_by_key, ClusterSpec, ConnectCluster, ConnectorStatus, Protocol,
    TopicReader, TopicRecord,
};
use support::{create_topic, unique_topic};

const SOURCE: &str = "org.apache.kafka.connect.tools.VerifiableSourceConnector";
const SINK: &str = "org.apache.kafka.connect.tools.VerifiableSinkConnector";

/// For a rebalance, a task start, a status to settle.
const SETTLE: Duration = Duration::from_secs(90);

fn source_config(topic: &str, tasks: usize, throughput: u32) -> Value {
    json!({
        "connector.class": SOURCE,
        "tasks.max": tasks.to_string(),
        "topic": topic,
        "throughput": throughput.to_string(),
    })
}

fn sink_config(topic: &str, tasks: usize, output: &Path) -> Value {
    json!({
        "connector.class": SINK,
        "tasks.max": tasks.to_string(),
        "topics": topic,
        "output.file": output.display().to_string(),
    })
}

/// The connector and `n` tasks RUNNING.
fn running(n: usize) -> impl Fn(&ConnectorStatus) -> bool {
    move |s| s.all_in("RUNNING", n)
}

/// The connector and `n` tasks PAUSED.
fn paused(n: usize) -> impl Fn(&ConnectorStatus) -> bool {
    move |s| s.all_in("PAUSED", n)
}

// --- a. spread and agreement --------------------------------------------------------

#[test]
fn three_workers_spread_tasks_and_agree_on_status() {
    let cluster = ConnectCluster::start(ClusterSpec::new("spread"), 3);
    let topic = unique_topic("spread-data");
    create_topic(&cluster.spec.bootstrap, &topic, 3);
    let name = "spread-source";

    // Created through the second worker, not the first one to start.
    cluster.create_connector(1, name, &source_config(&topic, 3, 10));
    let ids = cluster.worker_ids();
    let status = cluster.wait_for_agreed_status(
        name,
        SETTLE,
        "connector and 3 tasks RUNNING, tasks on at least 2 workers",
        |s| running(3)(s) && s.task_workers().len() >= 2,
    );
    cluster.check(ids.contains(&status.worker_id), || {
        format!(
            "the connector runs on {}, not one of {ids:?}",
            status.worker_id
        )
    });
    for (task, t) in &status.tasks {
        cluster.check(ids.contains(&t.worker_id), || {
            format!("task {task} runs on {}, not one of {ids:?}", t.worker_id)
        });
    }
    cluster.check(status.kind == "source", || {
        format!("type {:?}, expected source", status.kind)
    });

    // A config update through the third worker is applied everywhere.
    cluster.put_config(2, name, &source_config(&topic, 3, 20));
    cluster.poll_until(SETTLE, "the new throughput on every worker", || {
        for i in cluster.running() {
            let config = ok(cluster.rest(i).get(&format!("/connectors/{name}/config")))?;
            if config["throughput"] != json!("20") {
                return Err(format!("worker{i} has {config}"));
            }
        }
        Ok(())
    });
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING after the update", running(3));

    // Deleted through the first worker: gone everywhere.
    cluster.delete_connector(0, name);
    cluster.poll_until(SETTLE, "no connector on any worker", || {
        for i in cluster.running() {
            let rest = cluster.rest(i);
            let list = ok(rest.get("/connectors"))?;
            if list != json!([]) {
                return Err(format!("worker{i} lists {list}"));
            }
            match rest.get(&format!("/connectors/{name}/status"))? {
                (404, _) => {}
                (s, b) => return Err(format!("worker{i} status: HTTP {s}: {b}")),
            }
        }
        Ok(())
    });
}

// --- b. pause across a cluster restart ---------------------------------------------

#[test]
fn pause_persists_across_cluster_restart() {
    let mut cluster = ConnectCluster::start(ClusterSpec::new("pause"), 2);
    let topic = unique_topic("pause-data");
    create_topic(&cluster.spec.bootstrap, &topic, 2);
    let name = "pause-source";

    cluster.create_connector(0, name, &source_config(&topic, 2, 10));
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING", running(2));
    cluster.lifecycle(1, name, "pause");
    cluster.wait_for_agreed_status(name, SETTLE, "PAUSED", paused(2));

    for i in cluster.running() {
        let status = cluster.worker_mut(i).stop();
        cluster.check(status.success(), || {
            format!("worker{i} exited with {status} on SIGTERM")
        });
    }

    // Two fresh workers (new ports, new worker ids) on the same group and
    // topics: the connector comes back PAUSED, never RUNNING on the way.
    let a = cluster.start_worker();
    let b = cluster.start_worker();
    let mut observed: Vec<ConnectorStatus> = Vec::new();
    cluster.poll_until(
        SETTLE,
        "PAUSED after the restart on both new workers",
        || {
            let mut all_paused = true;
            for i in [a, b] {
                let s = cluster.status(i, name)?;
                if s.any_in("RUNNING") {
                    cluster.fail(&format!(
                    "worker{i} reports RUNNING for the paused connector after the restart: {s:?}\n\
                     observations before: {observed:?}"
                ));
                }
                all_paused &= paused(2)(&s);
                observed.push(s);
            }
            if all_paused {
                Ok(())
            } else {
                Err(format!("{:?}", observed.last()))
            }
        },
    );
    let ids = cluster.worker_ids();
    let status = cluster.status(a, name).unwrap_or_else(|e| cluster.fail(&e));
    cluster.check(
        status.task_workers().is_subset(&ids) && ids.contains(&status.worker_id),
        || format!("paused on old workers: {status:?}, running workers {ids:?}"),
    );

    cluster.lifecycle(b, name, "resume");
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING after resume", running(2));
}

// --- c. bounce ------------------------------------------------------------------------

#[test]
fn bounce_clean_eager() {
    bounce(true, Protocol::Eager);
}

#[test]
fn bounce_hard_eager() {
    bounce(false, Protocol::Eager);
}

#[test]
fn bounce_clean_sessioned() {
    bounce(true, Protocol::Sessioned);
}

#[test]
fn bounce_hard_sessioned() {
    bounce(false, Protocol::Sessioned);
}

/// Seqnos per source task in the verifiable sink's output.
#[derive(Debug, Default)]
struct SinkOutput {
    /// Every record put, in order.
    received: BTreeMap<i64, Vec<i64>>,
    /// The `flushed` lines: records the runtime flushed before committing.
    flushed: BTreeMap<i64, Vec<i64>>,
}

fn sink_output(file: &Path) -> SinkOutput {
    let mut out = SinkOutput::default();
    let text = std::fs::read(file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    for line in text.lines() {
        // The last line may be half written.
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let (Some(task), Some(seqno)) = (v["task"].as_i64(), v["seqno"].as_i64()) else {
            continue;
        };
        let into = if v["flushed"] == json!(true) {
            &mut out.flushed
        } else {
            &mut out.received
        };
        into.entry(task).or_default().push(seqno);
    }
    out
}

/// Seqnos per source task in the data topic: the task is the key, the
/// seqno the value (JsonConverter envelopes; a struct value has `seqno`).
fn topic_seqnos(records: &[TopicRecord]) -> Result<BTreeMap<i64, Vec<i64>>, String> {
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut sorted: Vec<&TopicRecord> = records.iter().collect();
    sorted.sort_by_key(|r| (r.partition, r.offset));
    for r in sorted {
        let key = r.key_json();
        let value = r.value_json();
        let task = key.as_ref().map(payload).and_then(Value::as_i64);
        let seqno = value.as_ref().map(payload).and_then(|v| {
            v.as_i64()
                .or_else(|| v.get("seqno").and_then(Value::as_i64))
        });
        match (task, seqno) {
            (Some(t), Some(s)) => out.entry(t).or_default().push(s),
            _ => {
                return Err(format!(
                    "record at {}:{} is not a verifiable source record: key {:?} value {:?}",
                    r.partition,
                    r.offset,
                    r.key_str(),
                    r.value
                        .as_ref()
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                ))
            }
        }
    }
    Ok(out)
}

fn missing(expected: &[i64], got: &[i64]) -> Vec<i64> {
    let got: BTreeSet<i64> = got.iter().copied().collect();
    let expected: BTreeSet<i64> = expected.iter().copied().collect();
    expected.difference(&got).copied().collect()
}

/// Gaps in `0..=max(seqnos)`.
fn gaps(seqnos: &[i64]) -> Vec<i64> {
    let max = seqnos.iter().copied().max().unwrap_or(-1);
    let all: Vec<i64> = (0..=max).collect();
    missing(&all, seqnos)
}

fn short(v: &[i64]) -> String {
    if v.len() <= 20 {
        format!("{v:?}")
    } else {
        format!("{:?} … ({} in all)", &v[..20], v.len())
    }
}

/// Kafka's ConnectDistributedTest.test_bounce: a source and a sink on 3
/// workers; each worker in turn is stopped (SIGTERM when `clean`, else
/// SIGKILL), the others take its tasks over, and it comes back. Then no
/// seqno is missing anywhere, and after clean bounces none is duplicated.
fn bounce(clean: bool, protocol: Protocol) {
    let prefix = format!(
        "bounce-{}-{}",
        if clean { "clean" } else { "hard" },
        protocol.as_str()
    );
    let mut cluster = ConnectCluster::start(ClusterSpec::new(&prefix).protocol(protocol), 3);
    let bootstrap = cluster.spec.bootstrap.clone();
    let topic = unique_topic(&format!("{prefix}-data"));
    create_topic(&bootstrap, &topic, 3);
    let sink_file = cluster.dir().join("sink.jsonl");
    // Names of their own: a sink's consumer group is `connect-<name>`, and
    // the variants may run at once on one broker.
    let source = unique_topic(&format!("{prefix}-source"));
    let sink = unique_topic(&format!("{prefix}-sink"));
    let (source, sink) = (source.as_str(), sink.as_str());
    const TASKS: usize = 3;

    cluster.create_connector(0, source, &source_config(&topic, TASKS, 200));
    cluster.create_connector(1, sink, &sink_config(&topic, TASKS, &sink_file));
    for name in [source, sink] {
        cluster.wait_for_agreed_status(name, SETTLE, "RUNNING", running(TASKS));
    }
    cluster.poll_until(SETTLE, "records of every source task at the sink", || {
        let got = sink_output(&sink_file);
        let counts: Vec<usize> = (0..TASKS as i64)
            .map(|t| got.received.get(&t).map_or(0, Vec::len))
            .collect();
        if counts.iter().all(|c| *c >= 50) {
            Ok(())
        } else {
            Err(format!("records per source task at the sink: {counts:?}"))
        }
    });

    for round in 0..3 {
        let victim = round;
        let victim_id = cluster.worker(victim).worker_id();
        if clean {
            let status = cluster.worker_mut(victim).stop();
            cluster.check(status.success(), || {
                format!("round {round}: worker{victim} exited with {status} on SIGTERM")
            });
        } else {
            cluster.worker_mut(victim).kill();
        }
        let remaining = cluster.worker_ids();
        cluster.poll_until(
            SETTLE,
            &format!("round {round}: all tasks RUNNING on the workers other than {victim_id}"),
            || {
                for i in cluster.running() {
                    for name in [source, sink] {
                        let s = cluster.status(i, name)?;
                        let mut on = s.task_workers();
                        on.insert(s.worker_id.clone());
                        if !running(TASKS)(&s) || !on.is_subset(&remaining) {
                            return Err(format!("worker{i}: {s:?}"));
                        }
                    }
                }
                Ok(())
            },
        );

        cluster.worker_mut(victim).restart();
        cluster.wait_ready(victim);
        let all = cluster.worker_ids();
        cluster.poll_until(
            SETTLE,
            &format!("round {round}: worker{victim} back, reporting all tasks RUNNING"),
            || {
                for name in [source, sink] {
                    let s = cluster.status(victim, name)?;
                    let mut on = s.task_workers();
                    on.insert(s.worker_id.clone());
                    if !running(TASKS)(&s) || !on.is_subset(&all) {
                        return Err(format!("{s:?}"));
                    }
                }
                Ok(())
            },
        );
    }

    // Records still flow after the last bounce.
    let after_bounces = sink_output(&sink_file).received;
    cluster.poll_until(
        SETTLE,
        "new records of every task after the bounces",
        || {
            let now = sink_output(&sink_file).received;
            let grown = (0..TASKS as i64).all(|t| {
                now.get(&t).map_or(0, Vec::len) > after_bounces.get(&t).map_or(0, Vec::len) + 20
            });
            if grown {
                Ok(())
            } else {
                Err("the sink got no new records from some task".to_string())
            }
        },
    );

    // Stop producing, then let the sink catch up with the whole topic.
    cluster.lifecycle(2, source, "pause");
    cluster.wait_for_agreed_status(source, SETTLE, "PAUSED", paused(TASKS));
    let mut reader = TopicReader::new(&bootstrap, &topic, 3);
    let mut last_len = None;
    let (in_topic, at_sink) =
        cluster.poll_until(SETTLE, "the sink to flush everything in the topic", || {
            let records = reader.read_to_end(Duration::from_secs(30))?;
            let len = records.len();
            let in_topic = topic_seqnos(records).unwrap_or_else(|e| cluster.fail(&e));
            let at_sink = sink_output(&sink_file);
            let stable = last_len == Some(len);
            last_len = Some(len);
            let behind: Vec<(i64, usize)> = (0..TASKS as i64)
                .map(|t| {
                    let expected = in_topic.get(&t).map(Vec::as_slice).unwrap_or_default();
                    let flushed = at_sink.flushed.get(&t).map(Vec::as_slice).unwrap_or_default();
                    (t, missing(expected, flushed).len())
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            if stable && behind.is_empty() {
                Ok((in_topic, at_sink))
            } else {
                Err(format!(
                    "{len} records in the topic (stable: {stable}); (task, seqnos not flushed yet): {behind:?}"
                ))
            }
        });

    let mut problems = Vec::new();
    for t in 0..TASKS as i64 {
        let produced = in_topic.get(&t).cloned().unwrap_or_default();
        let flushed = at_sink.flushed.get(&t).cloned().unwrap_or_default();
        if produced.is_empty() {
            problems.push(format!("task {t}: no record in the topic"));
            continue;
        }
        let gaps = gaps(&produced);
        if !gaps.is_empty() {
            problems.push(format!(
                "task {t}: seqnos missing from the topic: {}",
                short(&gaps)
            ));
        }
        let lost = missing(&produced, &flushed);
        if !lost.is_empty() {
            problems.push(format!(
                "task {t}: seqnos in the topic the sink never flushed: {}",
                short(&lost)
            ));
        }
        if clean {
            let dup_topic = duplicates(&produced);
            if !dup_topic.is_empty() {
                problems.push(format!(
                    "task {t}: seqnos duplicated in the topic after clean bounces: {}",
                    short(&dup_topic)
                ));
            }
            let dup_sink = duplicates(&flushed);
            if !dup_sink.is_empty() {
                problems.push(format!(
                    "task {t}: seqnos flushed twice by the sink after clean bounces: {}",
                    short(&dup_sink)
                ));
            }
        }
        eprintln!(
            "[bounce] task {t}: {} records in the topic (max seqno {:?}), {} flushed at the sink",
            produced.len(),
            produced.iter().max(),
            flushed.len()
        );
    }
    cluster.check(problems.is_empty(), || problems.join("\n"));
}

// --- d. incremental cooperative rebalancing ------------------------------------------

/// Per task of `connector`: how many RUNNING records the status topic
/// holds, and its latest record.
fn task_status_records(
    by_key: &BTreeMap<String, Vec<Option<Value>>>,
    connector: &str,
    tasks: usize,
) -> BTreeMap<i64, (usize, Option<Value>)> {
    (0..tasks as i64)
        .map(|t| {
            let values = by_key
                .get(&format!("status-task-{connector}-{t}"))
                .cloned()
                .unwrap_or_default();
            let running = values
                .iter()
                .flatten()
                .filter(|v| v["state"] == json!("RUNNING"))
                .count();
            (t, (running, values.last().cloned().flatten()))
        })
        .collect()
}

/// Reads the status topic to its end until, for every task, its latest
/// record matches `status` (state and worker); returns the per-task records.
fn settled_status_records(
    cluster: &ConnectCluster,
    reader: &mut TopicReader,
    connector: &str,
    status: &ConnectorStatus,
) -> BTreeMap<i64, (usize, Option<Value>)> {
    cluster.poll_until(SETTLE, "the status topic to match the REST status", || {
        let records = reader.read_to_end(Duration::from_secs(30))?;
        let per_task = task_status_records(&values_by_key(records), connector, status.tasks.len());
        for (t, rest) in &status.tasks {
            let latest = per_task.get(t).and_then(|(_, l)| l.clone());
            let matches = latest.as_ref().is_some_and(|l| {
                l["state"] == json!(rest.state) && l["worker_id"] == json!(rest.worker_id)
            });
            if !matches {
                return Err(format!(
                    "task {t}: REST {rest:?}, latest status record {latest:?}"
                ));
            }
        }
        Ok(per_task)
    })
}

#[test]
fn incremental_cooperative_fourth_worker_keeps_unmoved_tasks_running() {
    const TASKS: usize = 6;
    let spec = ClusterSpec::new("ica").protocol(Protocol::Sessioned);
    let mut cluster = ConnectCluster::start(spec, 3);
    let bootstrap = cluster.spec.bootstrap.clone();
    let topic = unique_topic("ica-data");
    create_topic(&bootstrap, &topic, 3);
    let name = "ica-source";

    cluster.create_connector(0, name, &source_config(&topic, TASKS, 10));
    // Balanced over the three workers: nothing left to move.
    let before =
        cluster.wait_for_agreed_status(name, SETTLE, "6 tasks RUNNING, 2 per worker", |s| {
            running(TASKS)(s)
                && s.tasks_per_worker().len() == 3
                && s.tasks_per_worker().values().all(|n| *n == 2)
        });
    let mut reader = TopicReader::new(&bootstrap, &cluster.spec.status_topic, 3);
    let records_before = settled_status_records(&cluster, &mut reader, name, &before);

    let fourth = cluster.start_worker();
    let fourth_id = cluster.worker(fourth).worker_id();
    let after = cluster.wait_for_agreed_status(
        name,
        SETTLE,
        "6 tasks RUNNING, some on the fourth worker, 1 or 2 per worker",
        |s| {
            let per_worker = s.tasks_per_worker();
            running(TASKS)(s)
                && per_worker.contains_key(&fourth_id)
                && per_worker.len() == 4
                && per_worker.values().all(|n| (1..=2).contains(n))
        },
    );
    let records_after = settled_status_records(&cluster, &mut reader, name, &after);

    let mut moved = Vec::new();
    let mut problems = Vec::new();
    for t in 0..TASKS as i64 {
        let (was, now) = (&before.tasks[&t].worker_id, &after.tasks[&t].worker_id);
        let (runs_before, runs_after) = (records_before[&t].0, records_after[&t].0);
        if was == now {
            if runs_after != runs_before {
                problems.push(format!(
                    "task {t} stayed on {was} but was restarted: {runs_before} RUNNING records before, {runs_after} after"
                ));
            }
        } else {
            moved.push(t);
            if runs_after <= runs_before {
                problems.push(format!(
                    "task {t} moved from {was} to {now} without a new RUNNING record ({runs_before} before, {runs_after} after)"
                ));
            }
        }
    }
    eprintln!("[ica] before {before:?}\n[ica] after {after:?}\n[ica] moved tasks {moved:?}");
    cluster.check(!moved.is_empty(), || {
        "no task moved to the fourth worker".to_string()
    });
    cluster.check(problems.is_empty(), || problems.join("\n"));
}

// --- e. the REST API in a cluster ----------------------------------------------

/// The session key the leader published in the config topic (Java's
/// `session-key` record: base64 key, algorithm, creation time).
fn session_key(bootstrap: &str, config_topic: &str) -> Result<(Vec<u8>, String), String> {
    let mut reader = TopicReader::new(bootstrap, config_topic, 1);
    let records = reader.read_to_end(Duration::from_secs(30))?;
    let record = records
        .iter()
        .rev()
        .find(|r| r.key_str().as_deref() == Some("session-key"))
        .ok_or("no session-key record yet")?;
    let value = record.value_json().ok_or("session-key value is not JSON")?;
    let value = payload(&value);
    let key = value["key"].as_str().ok_or("no key field")?;
    let algorithm = value["algorithm"].as_str().ok_or("no algorithm field")?;
    let key = kconnect::api::data::base64::decode(key)?;
    Ok((key, algorithm.to_string()))
}

fn hmac_sha256(key: &[u8], body: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Stop, offsets, resume, restarts and the signed internal endpoint, each
/// through workers that are not necessarily the leader or the owner.
#[test]
fn stop_alter_offsets_resume_restart_and_signed_task_configs_through_any_worker() {
    let cluster = ConnectCluster::start(ClusterSpec::new("ops").protocol(Protocol::Sessioned), 3);
    let bootstrap = cluster.spec.bootstrap.clone();
    let topic = unique_topic("ops-data");
    create_topic(&bootstrap, &topic, 1);
    let name = "ops-source";
    cluster.create_connector(0, name, &source_config(&topic, 2, 50));
    cluster.wait_for_agreed_status(name, SETTLE, "connector and 2 tasks RUNNING", running(2));

    // Stop (leader only: forwarded), seen by every worker: no tasks.
    cluster.lifecycle(1, name, "stop");
    cluster.wait_for_agreed_status(name, SETTLE, "STOPPED without tasks", |s| {
        s.state == "STOPPED" && s.tasks.is_empty()
    });
    let tasks = ok(cluster.rest(2).get(&format!("/connectors/{name}/tasks")));
    cluster.check(tasks == Ok(json!([])), || {
        format!("a stopped connector's tasks: {tasks:?}")
    });

    // Offsets of a stopped connector: read through one worker, altered
    // through another (forwarded to the leader).
    let offsets_path = format!("/connectors/{name}/offsets");
    let offsets = cluster.poll_until(SETTLE, "offsets of both tasks", || {
        let body = ok(cluster.rest(2).get(&offsets_path))?;
        let n = body["offsets"].as_array().map_or(0, |a| a.len());
        if n == 2 {
            Ok(body)
        } else {
            Err(format!("{body}"))
        }
    });
    cluster.check(
        offsets["offsets"]
            .as_array()
            .is_some_and(|a| a.iter().all(|o| o["offset"]["seqno"].as_i64().is_some())),
        || format!("offsets: {offsets}"),
    );
    let altered = json!({"offsets": [{"partition": {"id": 0}, "offset": {"seqno": 100_000}}]});
    let (status, body) = cluster.request(
        1,
        "PATCH",
        &offsets_path,
        &altered,
        &[200],
        Duration::from_secs(60),
    );
    cluster.check(
        status == 200
            && body["message"]
                .as_str()
                .is_some_and(|m| m.contains("altered successfully")),
        || format!("PATCH offsets: HTTP {status}: {body}"),
    );
    // Altering a running connector's offsets is refused, as in Java.
    cluster.lifecycle(0, name, "resume");
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING again with 2 tasks", running(2));
    let (status, body) = cluster.request(
        2,
        "PATCH",
        &offsets_path,
        &altered,
        &[400],
        Duration::from_secs(60),
    );
    cluster.check(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("must be in the STOPPED state")),
        || format!("PATCH offsets while running: HTTP {status}: {body}"),
    );
    // Task 0 resumed from the altered offset.
    let mut reader = TopicReader::new(&bootstrap, &topic, 1);
    cluster.poll_until(SETTLE, "task 0 producing from seqno 100001", || {
        let records = reader.read_to_end(Duration::from_secs(10))?;
        // Key: the task id; value: the seqno (JsonConverter envelopes).
        let resumed = records.iter().any(|r| {
            let key = r.key_json();
            let value = r.value_json();
            key.as_ref().map(payload) == Some(&json!(0))
                && value.as_ref().map(payload) == Some(&json!(100_001))
        });
        if resumed {
            Ok(())
        } else {
            Err(format!(
                "{} records, none of task 0 with seqno 100001",
                records.len()
            ))
        }
    });

    // Restarts through every worker: the plan, then the single task
    // (forwarded to its owner when needed).
    let (status, plan) = cluster.request(
        1,
        "POST",
        &format!("/connectors/{name}/restart?includeTasks=true"),
        &Value::Null,
        &[202],
        Duration::from_secs(60),
    );
    cluster.check(
        plan["connector"]["state"] == json!("RESTARTING")
            && plan["tasks"]
                .as_array()
                .is_some_and(|t| t.len() == 2 && t.iter().all(|t| t["state"] == "RESTARTING")),
        || format!("restart plan: HTTP {status}: {plan}"),
    );
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING after the restart", running(2));
    for via in 0..3 {
        cluster.request(
            via,
            "POST",
            &format!("/connectors/{name}/tasks/1/restart"),
            &Value::Null,
            &[204],
            Duration::from_secs(60),
        );
    }
    cluster.wait_for_agreed_status(name, SETTLE, "RUNNING after task restarts", running(2));

    // The internal endpoint wants the session key's signature.
    let tasks = ok(cluster.rest(0).get(&format!("/connectors/{name}/tasks")))
        .unwrap_or_else(|e| cluster.fail(&format!("task configs: {e}")));
    let configs: Vec<Value> = tasks
        .as_array()
        .map(|t| t.iter().map(|t| t["config"].clone()).collect())
        .unwrap_or_default();
    let body = Value::Array(configs).to_string();
    let path = format!("/connectors/{name}/tasks");
    let (key, algorithm) =
        cluster.poll_until(SETTLE, "the session key in the config topic", || {
            session_key(&bootstrap, &cluster.spec.config_topic)
        });
    cluster.check(algorithm == "HmacSHA256", || {
        format!("key algorithm {algorithm}")
    });
    let signature = kconnect::api::data::base64::encode(&hmac_sha256(&key, body.as_bytes()));
    for via in 0..3 {
        let rest = cluster.rest(via);
        let unsigned = rest.request_raw("POST", &path, &body, &[]);
        cluster.check(
            matches!(&unsigned, Ok((400, b)) if b["message"] == "Internal request missing required signature"),
            || format!("unsigned via worker{via}: {unsigned:?}"),
        );
        let forged =
            kconnect::api::data::base64::encode(&hmac_sha256(b"not the key", body.as_bytes()));
        let bad = rest.request_raw(
            "POST",
            &path,
            &body,
            &[
                ("X-Connect-Authorization", &forged),
                ("X-Connect-Request-Signature-Algorithm", "HmacSHA256"),
            ],
        );
        cluster.check(
            matches!(&bad, Ok((403, b)) if b["message"] == "Internal request contained invalid signature."),
            || format!("forged via worker{via}: {bad:?}"),
        );
        let signed = [
            ("X-Connect-Authorization", signature.as_str()),
            ("X-Connect-Request-Signature-Algorithm", "HmacSHA256"),
        ];
        cluster.poll_until(
            SETTLE,
            &format!("signed task configs accepted via worker{via}"),
            || match rest.request_raw("POST", &path, &body, &signed)? {
                (204, _) => Ok(()),
                (s, b) => Err(format!("HTTP {s}: {b}")),
            },
        );
    }
    cluster.wait_for_agreed_status(name, SETTLE, "still RUNNING", running(2));
}

/// A cluster of one: the leader acts on its own writes (no other worker
/// asks for the rebalance), and fewer tasks leave no stale task statuses.
#[test]
fn a_single_worker_runs_resizes_and_deletes_connectors() {
    let cluster = ConnectCluster::start(ClusterSpec::new("single"), 1);
    let topic = unique_topic("single-data");
    create_topic(&cluster.spec.bootstrap, &topic, 1);
    let name = "single-source";
    cluster.create_connector(0, name, &source_config(&topic, 3, 10));
    cluster.wait_for_agreed_status(name, SETTLE, "connector and 3 tasks RUNNING", running(3));

    cluster.put_config(0, name, &source_config(&topic, 1, 10));
    cluster.wait_for_agreed_status(name, SETTLE, "connector and exactly 1 task RUNNING", |s| {
        running(1)(s) && s.tasks.len() == 1
    });
    let tasks = ok(cluster.rest(0).get(&format!("/connectors/{name}/tasks")));
    cluster.check(
        tasks
            .as_ref()
            .is_ok_and(|t| t.as_array().is_some_and(|a| a.len() == 1)),
        || format!("task configs after shrinking: {tasks:?}"),
    );

    cluster.delete_connector(0, name);
    cluster.poll_until(SETTLE, "the connector gone", || {
        match cluster.rest(0).get(&format!("/connectors/{name}/status"))? {
            (404, _) => Ok(()),
            (s, b) => Err(format!("HTTP {s}: {b}")),
        }
    });
}
