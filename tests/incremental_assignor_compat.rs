//! Our IncrementalCooperativeAssignor against Java's (connect-runtime from
//! the Kafka jars the broker uses), round by round: random scenarios of
//! workers joining and leaving, connectors added and removed, task counts
//! changed and time passing are run through our assignor; the same rounds
//! (member allocations, config, generations, clock) go to Java's assignor,
//! which keeps its own state across them; both must revoke and assign the
//! same connectors and tasks to the same workers, with the same delay.
//!
//! Java's assignor iterates hash sets in places; member ids are single
//! letters, whose hash order is their sorted order, so that the two agree
//! on order as well as on outcome.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use kconnect::runtime::herder::distributed::incremental_cooperative_assignor::{
    ClusterAssignment, IncrementalCooperativeAssignor,
};
use kconnect::runtime::herder::distributed::{ConfigSnapshot, ConnectorsAndTasks};
use kconnect::runtime::status::ConnectorTaskId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const JAVA: &str = r#"
import java.io.*;
import java.lang.reflect.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.function.Supplier;
import java.util.stream.*;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.runtime.distributed.*;
import org.apache.kafka.connect.runtime.distributed.WorkerCoordinator.ConnectorsAndTasks;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class AssignorCompat {
    static class Clock implements Time {
        long now;
        public long milliseconds() { return now; }
        public long nanoseconds() { return now * 1_000_000L; }
        public void sleep(long ms) { now += ms; }
        public void waitObject(Object o, Supplier<Boolean> c, long deadline) {}
    }

    static List<String> csv(String s) {
        return s.equals("-") ? List.of() : Arrays.asList(s.split(","));
    }
    static List<ConnectorTaskId> tasks(String s) {
        return csv(s).stream().map(t -> {
            String[] p = t.split("/");
            return new ConnectorTaskId(p[0], Integer.parseInt(p[1]));
        }).collect(Collectors.toList());
    }
    static String show(Collection<String> c, Collection<ConnectorTaskId> t) {
        String cs = c.stream().sorted().collect(Collectors.joining(","));
        String ts = t.stream().sorted().map(x -> x.connector() + "/" + x.task()).collect(Collectors.joining(","));
        return "[" + cs + "|" + ts + "]";
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        Method perform = IncrementalCooperativeAssignor.class.getDeclaredMethod(
            "performTaskAssignment", ClusterConfigState.class, int.class, int.class, Map.class);
        perform.setAccessible(true);
        Field delayField = IncrementalCooperativeAssignor.class.getDeclaredField("delay");
        delayField.setAccessible(true);
        Clock clock = new Clock();
        IncrementalCooperativeAssignor assignor = null;
        String round = null;
        int gen = 0, last = 0;
        Map<String, Integer> taskCounts = new TreeMap<>();
        Map<String, ConnectorsAndTasks> members = new TreeMap<>();
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ");
            switch (p[0]) {
                case "NEW":
                    assignor = new IncrementalCooperativeAssignor(new LogContext(), clock, Integer.parseInt(p[1]));
                    break;
                case "ROUND":
                    round = p[1];
                    clock.now = Long.parseLong(p[2]);
                    gen = Integer.parseInt(p[3]);
                    last = Integer.parseInt(p[4]);
                    taskCounts = new TreeMap<>();
                    members = new TreeMap<>();
                    break;
                case "CONNECTOR":
                    taskCounts.put(p[1], Integer.parseInt(p[2]));
                    break;
                case "MEMBER":
                    members.put(p[1], new ConnectorsAndTasks.Builder().with(csv(p[2]), tasks(p[3])).build());
                    break;
                case "END": {
                    Map<String, Map<String, String>> configs = new HashMap<>();
                    Map<ConnectorTaskId, Map<String, String>> taskConfigs = new HashMap<>();
                    for (Map.Entry<String, Integer> e : taskCounts.entrySet()) {
                        configs.put(e.getKey(), new HashMap<>());
                        for (int i = 0; i < e.getValue(); i++) taskConfigs.put(new ConnectorTaskId(e.getKey(), i), new HashMap<>());
                    }
                    ClusterConfigState state = new ClusterConfigState(1L, null, taskCounts, configs, new HashMap<>(),
                        taskConfigs, new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashSet<>(), new HashSet<>());
                    Object ca = perform.invoke(assignor, state, last, gen, members);
                    Class<?> k = ca.getClass();
                    Method nac = k.getMethod("newlyAssignedConnectors", String.class); nac.setAccessible(true);
                    Method nat = k.getMethod("newlyAssignedTasks", String.class); nat.setAccessible(true);
                    Method nrc = k.getMethod("newlyRevokedConnectors", String.class); nrc.setAccessible(true);
                    Method nrt = k.getMethod("newlyRevokedTasks", String.class); nrt.setAccessible(true);
                    StringBuilder out = new StringBuilder(round + " delay=" + delayField.getInt(assignor));
                    for (String m : members.keySet()) {
                        out.append(" ").append(m)
                           .append(" A=").append(show((Collection<String>) nac.invoke(ca, m), (Collection<ConnectorTaskId>) nat.invoke(ca, m)))
                           .append(" R=").append(show((Collection<String>) nrc.invoke(ca, m), (Collection<ConnectorTaskId>) nrt.invoke(ca, m)));
                    }
                    System.out.println(out);
                    break;
                }
                default:
                    throw new IllegalArgumentException(line);
            }
        }
    }
}
"#;

fn csv<'a>(items: impl Iterator<Item = String> + 'a) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}

fn show(set: &ConnectorsAndTasks) -> String {
    let cs: Vec<&str> = set.connectors.iter().map(String::as_str).collect();
    let ts: Vec<String> = set
        .tasks
        .iter()
        .map(|t| format!("{}/{}", t.connector, t.task))
        .collect();
    format!("[{}|{}]", cs.join(","), ts.join(","))
}

/// Our output line for one round, in Java's format.
fn ours(id: &str, delay: i32, members: &[String], out: &ClusterAssignment) -> String {
    let mut s = format!("{id} delay={delay}");
    let empty = ConnectorsAndTasks::default();
    for m in members {
        let _ = write!(
            s,
            " {m} A={} R={}",
            show(out.newly_assigned.get(m).unwrap_or(&empty)),
            show(out.newly_revoked.get(m).unwrap_or(&empty))
        );
    }
    s
}

/// Runs random scenarios through our assignor; returns the script for
/// Java and our output lines by round id.
fn scenarios(count: usize, rounds: usize) -> (String, BTreeMap<String, String>) {
    let mut rng = StdRng::seed_from_u64(0x1ca5_51a7);
    let mut script = String::new();
    let mut expected = BTreeMap::new();
    let names: Vec<String> = ('a'..='o').map(|c| c.to_string()).collect();
    for sc in 0..count {
        let max_delay = if sc % 5 == 4 { 0 } else { 10_000 };
        let _ = writeln!(script, "NEW {max_delay}");
        let mut assignor = IncrementalCooperativeAssignor::new(max_delay);
        let mut next_name = 0usize;
        let mut members: BTreeMap<String, ConnectorsAndTasks> = BTreeMap::new();
        let mut config: BTreeMap<String, u32> = BTreeMap::new();
        for i in 0..rng.random_range(1..4) {
            config.insert(format!("c{i}"), rng.random_range(0..5));
        }
        for _ in 0..rng.random_range(1..3) {
            members.insert(names[next_name].clone(), ConnectorsAndTasks::default());
            next_name += 1;
        }
        let mut now: i64 = 1_000;
        let mut generation = 0;
        let mut departed: Vec<(String, ConnectorsAndTasks)> = Vec::new();
        for r in 0..rounds {
            match rng.random_range(0..10) {
                0 | 1 if next_name < names.len() && members.len() < 5 => {
                    members.insert(names[next_name].clone(), ConnectorsAndTasks::default());
                    next_name += 1;
                }
                2 if members.len() > 1 => {
                    let k = rng.random_range(0..members.len());
                    if let Some(m) = members.keys().nth(k).cloned() {
                        let work = members.remove(&m).unwrap_or_default();
                        departed.push((m, work));
                    }
                }
                3 if !departed.is_empty() => {
                    // A departed worker comes back with what it ran.
                    let (m, work) = departed.remove(0);
                    members.insert(m, work);
                }
                4 => {
                    let c = format!("c{}", rng.random_range(0..6));
                    config.insert(c, rng.random_range(0..6));
                }
                5 if !config.is_empty() => {
                    let k = rng.random_range(0..config.len());
                    if let Some(c) = config.keys().nth(k).cloned() {
                        config.remove(&c);
                    }
                }
                _ => {}
            }
            now += [0, 1, 1_000, 4_000, 10_000, 11_000][rng.random_range(0..6)];
            let last_completed = if rng.random_range(0..12) == 0 {
                generation - 1
            } else {
                generation
            };
            generation += 1;
            let id = format!("s{sc}r{r}");
            let _ = writeln!(script, "ROUND {id} {now} {generation} {last_completed}");
            for (c, n) in &config {
                let _ = writeln!(script, "CONNECTOR {c} {n}");
            }
            for (m, a) in &members {
                let _ = writeln!(
                    script,
                    "MEMBER {m} {} {}",
                    csv(a.connectors.iter().cloned()),
                    csv(a
                        .tasks
                        .iter()
                        .map(|t| format!("{}/{}", t.connector, t.task)))
                );
            }
            let _ = writeln!(script, "END");
            let snapshot = ConfigSnapshot {
                offset: 1,
                connectors: config.clone(),
            };
            let out = assignor.perform_task_assignment(
                &snapshot,
                last_completed,
                generation,
                &members,
                now,
            );
            let member_ids: Vec<String> = members.keys().cloned().collect();
            expected.insert(id.clone(), ours(&id, assignor.delay(), &member_ids, &out));
            // Members apply what they were told.
            for (m, a) in members.iter_mut() {
                if let Some(r) = out.newly_revoked.get(m) {
                    a.remove_all(r);
                }
                if let Some(n) = out.newly_assigned.get(m) {
                    a.add_all(n);
                }
            }
        }
    }
    (script, expected)
}

fn task(c: &str, t: i32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: c.to_string(),
        task: t,
    }
}

#[test]
fn our_assignor_decides_as_javas_round_by_round() {
    // A sanity check of the format helpers.
    let mut s = ConnectorsAndTasks::default();
    s.connectors.insert("c1".into());
    s.tasks.insert(task("c1", 0));
    assert_eq!(show(&s), "[c1|c1/0]");

    let (script, expected) = scenarios(200, 20);
    // The scenarios must exercise the interesting paths.
    let delayed = expected
        .values()
        .filter(|l| !l.contains(" delay=0"))
        .count();
    let revoking = expected
        .values()
        .filter(|l| l.split(" R=").skip(1).any(|r| !r.starts_with("[|]")))
        .count();
    eprintln!(
        "{} rounds, {delayed} with a delay, {revoking} with revocations",
        expected.len()
    );
    assert!(
        delayed >= 50 && revoking >= 50,
        "{delayed} delayed, {revoking} revoking rounds"
    );
    let dir = std::env::temp_dir().join(format!("kconnect-assignor-compat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("AssignorCompat.java");
    std::fs::write(&path, JAVA).expect("write AssignorCompat.java");
    let out = support::java_tool_timeout(
        path.to_str().expect("utf-8 temp path"),
        &[],
        Some(script.as_bytes()),
        Duration::from_secs(600),
    );
    support::assert_tool_ok(
        &out,
        "AssignorCompat.java (Java's IncrementalCooperativeAssignor)",
    );
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let java: BTreeMap<String, String> = stdout
        .lines()
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(id, _)| (id.to_string(), l.to_string()))
        })
        .collect();
    // Rounds in script order; report the first divergence of each scenario
    // (later rounds of that scenario follow from it).
    let mut failures = Vec::new();
    let mut diverged = std::collections::BTreeSet::new();
    let mut ids: Vec<&String> = expected.keys().collect();
    ids.sort_by_key(|id| {
        let (s, r) = id[1..].split_once('r').unwrap_or(("0", "0"));
        (s.parse::<u32>().unwrap_or(0), r.parse::<u32>().unwrap_or(0))
    });
    for id in ids {
        let scenario = id.split('r').next().unwrap_or("").to_string();
        if diverged.contains(&scenario) {
            continue;
        }
        let ours = &expected[id];
        match java.get(id.as_str()) {
            Some(theirs) if theirs == ours => {}
            theirs => {
                diverged.insert(scenario);
                failures.push(format!("{id}\n  ours: {ours}\n  java: {theirs:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenarios diverge from Java's assignor:\n{}",
        failures.len(),
        failures.join("\n"),
    );
}
