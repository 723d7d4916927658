//! WorkerCoordinators against a real broker: three workers in one Connect
//! group receive disjoint, complete and balanced assignments of a config
//! snapshot, with the eager and with the sessioned protocol; when one
//! leaves, its connectors and tasks end up on the others (after the
//! scheduled rebalance delay with sessioned, without revoking anything from
//! the survivors).
//!
//! Each worker runs a small herder loop on its own task (rejoin when the
//! coordinator says so, apply the change, publish what it runs); the test
//! observes the published state with deadline-bounded polling.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kconnect::kafka::cluster::Cluster;
use kconnect::kafka::config::ClientConfig;
use kconnect::runtime::herder::distributed::{
    AssignmentChange, ConfigSnapshot, ConnectProtocolCompatibility, ConnectorsAndTasks,
    WorkerCoordinator, WorkerCoordinatorConfig,
};
use support::{shared_broker, unique_topic};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a rebalance (or several) may take.
const DEADLINE: Duration = Duration::from_secs(90);

/// `scheduled.rebalance.max.delay.ms`, short to keep the test quick.
const MAX_DELAY: Duration = Duration::from_secs(3);

fn config_snapshot() -> ConfigSnapshot {
    ConfigSnapshot {
        offset: 7,
        connectors: [("c1", 3), ("c2", 3), ("c3", 2)]
            .into_iter()
            .map(|(c, n)| (c.to_string(), n))
            .collect(),
    }
}

/// What a worker's loop publishes.
#[derive(Debug, Default, Clone)]
struct Observed {
    member_id: String,
    generation: i32,
    protocol: Option<ConnectProtocolCompatibility>,
    /// Whether the last join completed and no rejoin is pending.
    stable: bool,
    leader: bool,
    leader_url: String,
    running: ConnectorsAndTasks,
    /// Everything the leader revoked from this worker, over its life.
    revoked_total: ConnectorsAndTasks,
    /// How many connectors and tasks were revoked, over its life (counting
    /// one revoked twice twice).
    revoked_count: usize,
    /// How many of those were revoked before joining (eager).
    revoked_before_join: usize,
    /// How many times the coordinator was unreachable with work assigned.
    unreachable_revocations: usize,
    /// Failed joins (retried).
    join_errors: usize,
    changes: usize,
    /// The error code of the last assignment (1 = CONFIG_MISMATCH).
    last_error_code: i16,
    /// How many assignments came with CONFIG_MISMATCH.
    mismatches: usize,
    /// The config offset of the last assignment.
    config_offset: i64,
    error: Option<String>,
}

struct Worker {
    name: String,
    observed: Arc<Mutex<Observed>>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Worker {
    async fn start(
        name: &str,
        bootstrap: &str,
        group: &str,
        protocol: ConnectProtocolCompatibility,
    ) -> Worker {
        let config = Arc::new(Mutex::new(config_snapshot()));
        Worker::start_with(name, bootstrap, group, protocol, config).await
    }

    /// A worker whose config store is `config` (the test may move it on).
    async fn start_with(
        name: &str,
        bootstrap: &str,
        group: &str,
        protocol: ConnectProtocolCompatibility,
        config: Arc<Mutex<ConfigSnapshot>>,
    ) -> Worker {
        Worker::spawn(name, bootstrap, group, protocol, config, false).await
    }

    /// With `retry_errors`, a failed join is counted and retried (the broker
    /// may be down on purpose); without, it ends the worker and the test.
    async fn spawn(
        name: &str,
        bootstrap: &str,
        group: &str,
        protocol: ConnectProtocolCompatibility,
        config: Arc<Mutex<ConfigSnapshot>>,
        retry_errors: bool,
    ) -> Worker {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let cluster = Cluster::connect(ClientConfig::new(bootstrap))
            .await
            .expect("connect to the broker");
        let mut coordinator = WorkerCoordinator::new(
            cluster,
            WorkerCoordinatorConfig {
                group_id: group.to_string(),
                session_timeout: Duration::from_secs(10),
                rebalance_timeout: Duration::from_secs(30),
                heartbeat_interval: Duration::from_millis(500),
                rest_url: format!("http://{name}:8083/"),
                protocol,
                scheduled_rebalance_max_delay: MAX_DELAY,
            },
        );
        let observed = Arc::new(Mutex::new(Observed::default()));
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let observed = observed.clone();
            let stop = stop.clone();
            let name = name.to_string();
            async move {
                let snapshot = move || config.lock().unwrap().clone();
                loop {
                    if stop.is_cancelled() {
                        coordinator.leave().await;
                        return;
                    }
                    if coordinator.rejoin_needed() {
                        // Coordinator unreachable: stop everything.
                        if let Some(revoked) = coordinator.ensure_coordinator().await {
                            let mut o = observed.lock().unwrap();
                            o.running.remove_all(&revoked);
                            o.revoked_total.add_all(&revoked);
                            o.revoked_count += revoked.len();
                            o.unreachable_revocations += 1;
                            o.stable = false;
                        }
                        // Eager: stop everything before joining.
                        let revoked = coordinator.revoke_for_rejoin();
                        {
                            let mut o = observed.lock().unwrap();
                            o.stable = false;
                            o.running.remove_all(&revoked);
                            o.revoked_total.add_all(&revoked);
                            o.revoked_count += revoked.len();
                            o.revoked_before_join += revoked.len();
                        }
                        match coordinator.ensure_active(&snapshot).await {
                            Ok(change) => publish(&observed, &coordinator, &change),
                            Err(e) if retry_errors => {
                                observed.lock().unwrap().join_errors += 1;
                                tracing::info!(%name, error = %e, "join failed; retrying");
                                tokio::select! {
                                    _ = stop.cancelled() => {}
                                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                                }
                            }
                            Err(e) => {
                                observed.lock().unwrap().error =
                                    Some(format!("{name}: ensure_active failed: {e}"));
                                coordinator.leave().await;
                                return;
                            }
                        }
                        continue;
                    }
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = coordinator.wait_for_rejoin() => {}
                    }
                }
            }
        });
        Worker {
            name: name.to_string(),
            observed,
            stop,
            task,
        }
    }

    fn observed(&self) -> Observed {
        self.observed.lock().unwrap().clone()
    }

    /// Vanishes without leaving the group (as a SIGKILLed worker): its loop
    /// and coordinator are dropped, heartbeats stop.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// Leaves the group and waits for the loop to end.
    async fn stop(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(DEADLINE, self.task).await;
    }
}

fn publish(observed: &Mutex<Observed>, coordinator: &WorkerCoordinator, change: &AssignmentChange) {
    let mut o = observed.lock().unwrap();
    // The change must be consistent with what the worker ran before.
    let mut expected = o.running.clone();
    expected.remove_all(&change.revoked);
    expected.add_all(&change.assigned);
    if expected != change.running {
        o.error = Some(format!(
            "change does not add up: ran {:?}, got {change:?}",
            o.running
        ));
    }
    o.member_id = change.member_id.clone();
    o.last_error_code = change.assignment.error;
    o.config_offset = change.assignment.config_offset;
    o.generation = change.generation;
    o.protocol = Some(change.protocol);
    o.running = change.running.clone();
    o.revoked_total.add_all(&change.revoked);
    o.revoked_count += change.revoked.len();
    o.leader = coordinator.is_leader();
    o.leader_url = change.assignment.leader_url.clone();
    o.stable = !coordinator.rejoin_needed();
    o.changes += 1;
    if change.assignment.failed() {
        o.mismatches += 1;
    }
}

/// `None` when `workers` have settled on a disjoint, complete, balanced
/// assignment of `config_snapshot()` in one generation; else why not.
fn not_settled(workers: &[&Worker]) -> Option<String> {
    let all: Vec<Observed> = workers.iter().map(|w| w.observed()).collect();
    for (w, o) in workers.iter().zip(&all) {
        if let Some(e) = &o.error {
            panic!("{e}");
        }
        if !o.stable {
            return Some(format!("{} not stable", w.name));
        }
    }
    if all.iter().any(|o| o.generation != all[0].generation) {
        return Some("generations differ".into());
    }
    let mut union = ConnectorsAndTasks::default();
    for o in &all {
        for c in &o.running.connectors {
            if !union.connectors.insert(c.clone()) {
                return Some(format!("connector {c} runs twice"));
            }
        }
        for t in &o.running.tasks {
            if !union.tasks.insert(t.clone()) {
                return Some(format!("task {t} runs twice"));
            }
        }
    }
    if union != config_snapshot().configured() {
        return Some(format!("incomplete: {union:?}"));
    }
    let spread = |f: fn(&ConnectorsAndTasks) -> usize| {
        let counts: Vec<usize> = all.iter().map(|o| f(&o.running)).collect();
        counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
    };
    if spread(|r| r.connectors.len()) > 1 || spread(|r| r.tasks.len()) > 1 {
        return Some("unbalanced".into());
    }
    let leaders = all.iter().filter(|o| o.leader).count();
    if leaders != 1 {
        return Some(format!("{leaders} leaders"));
    }
    None
}

async fn wait_settled(workers: &[&Worker], what: &str) {
    let end = Instant::now() + DEADLINE;
    loop {
        let Some(why) = not_settled(workers) else {
            return;
        };
        if Instant::now() >= end {
            let states: BTreeMap<String, Observed> = workers
                .iter()
                .map(|w| (w.name.clone(), w.observed()))
                .collect();
            panic!("timed out after {DEADLINE:?} waiting for {what}: {why}\n{states:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn three_workers_then_one_leaves(protocol: ConnectProtocolCompatibility) {
    let bootstrap = &shared_broker().bootstrap;
    let group = unique_topic("connect-cluster");
    let mut workers = Vec::new();
    for name in ["w1", "w2", "w3"] {
        workers.push(Worker::start(name, bootstrap, &group, protocol).await);
    }
    wait_settled(
        &workers.iter().collect::<Vec<_>>(),
        "three workers to share the work",
    )
    .await;
    for w in &workers {
        let o = w.observed();
        assert_eq!(o.protocol, Some(protocol), "{}", w.name);
        assert!(o.leader_url.starts_with("http://w"), "{o:?}");
    }

    // A follower leaves; the others take its work.
    let leaver = workers
        .iter()
        .position(|w| !w.observed().leader)
        .expect("a follower");
    let leaver = workers.remove(leaver);
    let left_work = leaver.observed().running;
    assert!(!left_work.is_empty(), "{} ran nothing", leaver.name);
    let before: Vec<Observed> = workers.iter().map(|w| w.observed()).collect();
    let left_at = Instant::now();
    leaver.stop().await;
    wait_settled(
        &workers.iter().collect::<Vec<_>>(),
        "the survivors to take over the leaver's work",
    )
    .await;

    if protocol != ConnectProtocolCompatibility::Eager {
        // Cooperative: the work was held back for the scheduled delay, and
        // nothing was taken from the survivors.
        assert!(
            left_at.elapsed() >= MAX_DELAY,
            "reassigned before the scheduled rebalance delay"
        );
        for (w, b) in workers.iter().zip(&before) {
            let o = w.observed();
            assert_eq!(
                o.revoked_total, b.revoked_total,
                "{} had work revoked when another worker left",
                w.name
            );
            assert!(
                b.running.connectors.is_subset(&o.running.connectors)
                    && b.running.tasks.is_subset(&o.running.tasks),
                "{} lost work it kept running",
                w.name
            );
        }
    }
    for w in workers {
        w.stop().await;
    }
}

/// Workers join one at a time (1 -> 2 -> 3): each time the group settles
/// balanced; with the eager protocol every worker stops everything it ran,
/// with the cooperative one only what moves to the newcomer is revoked and
/// the rest keeps running.
async fn workers_join_one_by_one(protocol: ConnectProtocolCompatibility) {
    let bootstrap = &shared_broker().bootstrap;
    let group = unique_topic("connect-joins");
    let mut workers: Vec<Worker> = Vec::new();
    for name in ["w1", "w2", "w3"] {
        let before: Vec<Observed> = workers.iter().map(|w| w.observed()).collect();
        workers.push(Worker::start(name, bootstrap, &group, protocol).await);
        wait_settled(
            &workers.iter().collect::<Vec<_>>(),
            &format!("{name} to get a share"),
        )
        .await;
        assert!(
            !workers
                .last()
                .map(|w| w.observed().running.is_empty())
                .unwrap_or(true),
            "{name} got nothing"
        );
        for (w, b) in workers.iter().zip(&before) {
            let o = w.observed();
            // What it ran before and no longer runs.
            let moved = b
                .running
                .connectors
                .difference(&o.running.connectors)
                .count()
                + b.running.tasks.difference(&o.running.tasks).count();
            let revoked = o.revoked_count - b.revoked_count;
            if protocol == ConnectProtocolCompatibility::Eager {
                assert_eq!(
                    revoked,
                    b.running.len(),
                    "{}: eager revokes everything",
                    w.name
                );
                assert_eq!(
                    o.revoked_before_join - b.revoked_before_join,
                    b.running.len(),
                    "{}: eager stops everything before joining",
                    w.name
                );
            } else {
                assert!(moved > 0, "{} gave nothing to {name}", w.name);
                assert_eq!(
                    revoked, moved,
                    "{}: revoked {revoked}, but only {moved} moved",
                    w.name
                );
            }
        }
    }
    for w in workers {
        w.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessioned_workers_joining_one_by_one_only_revoke_what_moves() {
    workers_join_one_by_one(ConnectProtocolCompatibility::Sessioned).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eager_workers_joining_one_by_one_revoke_everything() {
    workers_join_one_by_one(ConnectProtocolCompatibility::Eager).await;
}

/// While the broker is down, a worker that cannot reach its group
/// coordinator stops everything (it may no longer be a member); once the
/// broker is back it rejoins and runs its share again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_coordinator_revokes_everything_until_it_is_back() {
    let broker = support::Broker::start_dedicated();
    let bootstrap = broker.bootstrap.clone();
    let group = unique_topic("connect-unreachable");
    let w = Worker::spawn(
        "w1",
        &bootstrap,
        &group,
        ConnectProtocolCompatibility::Sessioned,
        Arc::new(Mutex::new(config_snapshot())),
        true,
    )
    .await;
    wait_settled(&[&w], "the worker to run everything").await;
    let stopped = std::thread::scope(|s| s.spawn(|| broker.stop()).join());
    assert!(stopped.is_ok(), "stopping the broker panicked");
    eventually(
        "the worker to stop everything while the coordinator is unreachable",
        || {
            let o = w.observed();
            o.unreachable_revocations > 0 && o.running.is_empty()
        },
        || format!("{:#?}", w.observed()),
    )
    .await;
    let restarted = std::thread::scope(|s| s.spawn(|| broker.restart()).join());
    assert!(restarted.is_ok(), "restarting the broker panicked");
    wait_settled(&[&w], "the worker to run everything again").await;
    w.stop().await;
}

/// A worker that vanishes without leaving is noticed when its session
/// expires; with the sessioned protocol its work then waits for the
/// scheduled delay and goes to the survivors, who keep their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_is_replaced_after_its_session_expires() {
    let bootstrap = &shared_broker().bootstrap;
    let group = unique_topic("connect-kill");
    let protocol = ConnectProtocolCompatibility::Sessioned;
    let mut workers = Vec::new();
    for name in ["w1", "w2", "w3"] {
        workers.push(Worker::start(name, bootstrap, &group, protocol).await);
    }
    wait_settled(
        &workers.iter().collect::<Vec<_>>(),
        "three workers to share the work",
    )
    .await;
    let victim = workers
        .iter()
        .position(|w| !w.observed().leader)
        .expect("a follower");
    let victim = workers.remove(victim);
    let before: Vec<Observed> = workers.iter().map(|w| w.observed()).collect();
    let killed_at = Instant::now();
    victim.kill().await;
    wait_settled(
        &workers.iter().collect::<Vec<_>>(),
        "the survivors to take over the killed worker's work",
    )
    .await;
    // Not before the session (10 s) expired, plus the scheduled delay.
    assert!(
        killed_at.elapsed() >= Duration::from_secs(10),
        "reassigned after {:?}, before the session expired",
        killed_at.elapsed()
    );
    for (w, b) in workers.iter().zip(&before) {
        assert_eq!(
            w.observed().revoked_count,
            b.revoked_count,
            "{} had work revoked",
            w.name
        );
    }
    for w in workers {
        w.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eager_workers_share_and_take_over() {
    three_workers_then_one_leaves(ConnectProtocolCompatibility::Eager).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessioned_workers_share_and_take_over_after_the_delay() {
    three_workers_then_one_leaves(ConnectProtocolCompatibility::Sessioned).await;
}

/// A worker in sessioned mode and one in eager mode agree on "default",
/// the only protocol both offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_modes_fall_back_to_the_eager_protocol() {
    let bootstrap = &shared_broker().bootstrap;
    let group = unique_topic("connect-mixed");
    let a = Worker::start(
        "w1",
        bootstrap,
        &group,
        ConnectProtocolCompatibility::Sessioned,
    )
    .await;
    let b = Worker::start("w2", bootstrap, &group, ConnectProtocolCompatibility::Eager).await;
    wait_settled(&[&a, &b], "two workers to share the work").await;
    assert_eq!(
        a.observed().protocol,
        Some(ConnectProtocolCompatibility::Eager)
    );
    assert_eq!(
        b.observed().protocol,
        Some(ConnectProtocolCompatibility::Eager)
    );
    a.stop().await;
    b.stop().await;
}

/// The leader has read less of the config topic than a member: every member
/// gets CONFIG_MISMATCH (at the member's offset) until the leader's config
/// store catches up; then the group settles at the newer offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_mismatch_until_the_leader_catches_up() {
    let bootstrap = &shared_broker().bootstrap;
    let group = unique_topic("connect-mismatch");
    let protocol = ConnectProtocolCompatibility::Sessioned;
    let behind = Arc::new(Mutex::new(config_snapshot()));
    let a = Worker::start_with("w1", bootstrap, &group, protocol, behind.clone()).await;
    // w1 alone leads the first generation and keeps leading.
    wait_settled(&[&a], "the first worker to lead alone").await;
    let ahead = ConfigSnapshot {
        offset: config_snapshot().offset + 5,
        ..config_snapshot()
    };
    let b = Worker::start_with(
        "w2",
        bootstrap,
        &group,
        protocol,
        Arc::new(Mutex::new(ahead.clone())),
    )
    .await;
    let end = Instant::now() + DEADLINE;
    while a.observed().mismatches == 0 || b.observed().mismatches == 0 {
        if let Some(e) = a.observed().error.or(b.observed().error) {
            panic!("{e}");
        }
        assert!(
            Instant::now() < end,
            "no CONFIG_MISMATCH: {:#?} {:#?}",
            a.observed(),
            b.observed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The broker keeps the leader of the first generation: w1, behind.
    assert!(a.observed().leader, "{:#?}", a.observed());
    assert_eq!(b.observed().config_offset, ahead.offset);
    // The leader's store catches up: the group settles at the newer offset.
    *behind.lock().unwrap() = ahead.clone();
    wait_settled(&[&a, &b], "the group to settle once the leader caught up").await;
    for w in [&a, &b] {
        let o = w.observed();
        assert_eq!(o.last_error_code, 0);
        assert_eq!(o.config_offset, ahead.offset);
    }
    a.stop().await;
    b.stop().await;
}

// --- A Java Connect worker in the same group ------------------------------------

/// One line of a Java worker's "Joined group at generation ..." log.
#[derive(Debug, Clone)]
struct JavaJoin {
    generation: i32,
    protocol_version: i16,
    error: i16,
    leader: String,
    leader_url: String,
}

fn between<'a>(line: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = line.find(start)? + start.len();
    let len = line[from..].find(end)?;
    Some(&line[from..from + len])
}

impl JavaJoin {
    fn parse(line: &str) -> Option<JavaJoin> {
        Some(JavaJoin {
            generation: between(line, "Joined group at generation ", " ")?
                .parse()
                .ok()?,
            protocol_version: between(line, "with protocol version ", " ")?.parse().ok()?,
            error: between(line, "Assignment{error=", ",")?.parse().ok()?,
            leader: between(line, "leader='", "'")?.to_string(),
            leader_url: between(line, "leaderUrl='", "'")?.to_string(),
        })
    }
}

/// Apache Kafka's own Connect worker (`ConnectDistributed`, from the jars the
/// broker uses), in `group`, with its log read for its group joins.
struct JavaWorker {
    child: std::process::Child,
    /// Its REST URL, which it advertises to the group.
    url: String,
    joins: Arc<Mutex<Vec<JavaJoin>>>,
    /// The last lines of its log, for failure messages.
    tail: Arc<Mutex<std::collections::VecDeque<String>>>,
    _dir: std::path::PathBuf,
}

impl JavaWorker {
    fn start(bootstrap: &str, group: &str, protocol: &str) -> JavaWorker {
        use std::io::BufRead;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = std::env::temp_dir().join(format!("kconnect-java-worker-{group}-{port}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let props = dir.join("worker.properties");
        std::fs::write(
            &props,
            format!(
                "bootstrap.servers={bootstrap}\n\
                 group.id={group}\n\
                 config.storage.topic={group}-configs\n\
                 offset.storage.topic={group}-offsets\n\
                 status.storage.topic={group}-status\n\
                 config.storage.replication.factor=1\n\
                 offset.storage.replication.factor=1\n\
                 status.storage.replication.factor=1\n\
                 key.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 value.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 listeners=http://127.0.0.1:{port}\n\
                 connect.protocol={protocol}\n\
                 scheduled.rebalance.max.delay.ms={}\n\
                 heartbeat.interval.ms=500\n",
                MAX_DELAY.as_millis()
            ),
        )
        .expect("write worker.properties");
        let mut child = std::process::Command::new("bash")
            .arg(support::broker_script())
            .arg("tool")
            .arg("org.apache.kafka.connect.cli.ConnectDistributed")
            .arg(&props)
            .env("KCONNECT_TOOL_OWNER_PID", std::process::id().to_string())
            .env("KCONNECT_TOOL_LOG_LEVEL", "INFO")
            .env("KCONNECT_TOOL_JVM_OPTS", "-Xmx384m -XX:+UseSerialGC")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start Java's ConnectDistributed through broker.sh tool");
        let joins = Arc::new(Mutex::new(Vec::new()));
        let tail = Arc::new(Mutex::new(std::collections::VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            let joins = joins.clone();
            let tail = tail.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stderr)
                    .lines()
                    .map_while(Result::ok)
                {
                    if let Some(j) = JavaJoin::parse(&line) {
                        joins.lock().unwrap().push(j);
                    }
                    let mut t = tail.lock().unwrap();
                    t.push_back(line);
                    if t.len() > 60 {
                        t.pop_front();
                    }
                }
            });
        }
        JavaWorker {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            joins,
            tail,
            _dir: dir,
        }
    }

    fn last_join(&self) -> Option<JavaJoin> {
        self.joins.lock().unwrap().last().cloned()
    }

    fn describe(&self) -> String {
        let tail: Vec<String> = self.tail.lock().unwrap().iter().cloned().collect();
        format!(
            "Java worker {}; joins {:?}\n{}",
            self.url,
            self.joins.lock().unwrap(),
            tail.join("\n")
        )
    }

    /// SIGTERM (a graceful stop: it leaves the group), then waits.
    async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for JavaWorker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

/// Polls `what` until it holds; on timeout panics with `describe()`.
async fn eventually(
    what: &str,
    mut check: impl FnMut() -> bool,
    mut describe: impl FnMut() -> String,
) {
    let end = Instant::now() + Duration::from_secs(120);
    while !check() {
        if Instant::now() >= end {
            panic!("timed out waiting for {what}\n{}", describe());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Keeps `snapshot.offset` at the config topic's end offset as Java's
/// KafkaConfigBackingStore counts it (-1 while empty), so that our worker
/// and the Java one agree on the config offset.
fn track_config_offset(
    bootstrap: &str,
    topic: String,
    snapshot: Arc<Mutex<ConfigSnapshot>>,
    stop: CancellationToken,
) -> JoinHandle<()> {
    let bootstrap = bootstrap.to_string();
    tokio::spawn(async move {
        let Ok(cluster) = Cluster::connect(ClientConfig::new(&bootstrap)).await else {
            return;
        };
        let tp = kconnect::kafka::fetcher::TopicPartition {
            topic,
            partition: 0,
        };
        while !stop.is_cancelled() {
            if let Ok(offsets) = kconnect::kafka::fetcher::list_offsets(
                &cluster,
                std::slice::from_ref(&tp),
                kconnect::kafka::fetcher::OffsetSpec::Latest,
                kconnect::kafka::config::IsolationLevel::ReadUncommitted,
            )
            .await
            {
                if let Some((end, _)) = offsets.get(&tp) {
                    snapshot.lock().unwrap().offset = if *end > 0 { *end } else { -1 };
                }
            }
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    })
}

/// A Java Connect worker and ours in one group, sessioned protocol: each
/// reads the other's metadata, and each reads the assignment the other
/// computes as leader (Java leads first; then a second Java worker joins a
/// group we lead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_worker_and_ours_share_a_group() {
    let bootstrap = shared_broker().bootstrap.clone();
    let group = unique_topic("connect-java");
    let java = JavaWorker::start(&bootstrap, &group, "sessioned");
    eventually(
        "the Java worker to lead its group alone",
        || java.last_join().is_some(),
        || java.describe(),
    )
    .await;
    let snapshot = Arc::new(Mutex::new(ConfigSnapshot::default()));
    snapshot.lock().unwrap().offset = -1;
    let stop_tracking = CancellationToken::new();
    let tracker = track_config_offset(
        &bootstrap,
        format!("{group}-configs"),
        snapshot.clone(),
        stop_tracking.clone(),
    );
    let ours = Worker::start_with(
        "ours",
        &bootstrap,
        &group,
        ConnectProtocolCompatibility::Sessioned,
        snapshot.clone(),
    )
    .await;

    // Java leads: both complete the same generation, we with Java's
    // assignment (its leader URL), Java with our metadata.
    eventually(
        "our worker to join the Java worker's group",
        || {
            let o = ours.observed();
            if let Some(e) = &o.error {
                panic!("{e}");
            }
            let j = java.last_join();
            o.stable
                && o.last_error_code == 0
                && j.as_ref().is_some_and(|j| {
                    j.generation == o.generation && j.error == 0 && j.leader != o.member_id
                })
        },
        || format!("{:#?}\n{}", ours.observed(), java.describe()),
    )
    .await;
    let java_desc = java.describe();
    let o = ours.observed();
    let j = java.last_join().expect("a Java join");
    assert_eq!(o.leader_url, java.url, "{java_desc}");
    assert_eq!(j.leader_url, java.url);
    assert_eq!(j.protocol_version, 2);
    assert_eq!(o.protocol, Some(ConnectProtocolCompatibility::Sessioned));
    assert!(!o.leader);

    // The Java worker leaves; ours leads alone; a new Java worker joins and
    // follows us.
    java.stop().await;
    eventually(
        "our worker to lead alone",
        || {
            let o = ours.observed();
            o.stable && o.leader && o.last_error_code == 0
        },
        || format!("{:#?}", ours.observed()),
    )
    .await;
    let java = JavaWorker::start(&bootstrap, &group, "sessioned");
    eventually(
        "the new Java worker to follow ours",
        || {
            let o = ours.observed();
            o.stable
                && o.leader
                && java.last_join().is_some_and(|j| {
                    j.generation == o.generation && j.error == 0 && j.leader == o.member_id
                })
        },
        || format!("{:#?}\n{}", ours.observed(), java.describe()),
    )
    .await;
    let j = java.last_join().expect("a Java join");
    assert_eq!(j.leader_url, "http://ours:8083/", "{}", java.describe());
    assert_eq!(j.protocol_version, 2);

    ours.stop().await;
    java.stop().await;
    stop_tracking.cancel();
    let _ = tracker.await;
}
