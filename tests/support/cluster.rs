//! A Connect cluster of `kconnect distributed` worker processes, for the
//! distributed-mode tests: each worker is a real process with its own
//! generated `worker.properties`, REST listener on a free loopback port and
//! log file; the workers of a cluster share the Connect group and the three
//! internal topics on the shared broker. Tests drive them over plain
//! HTTP/1.1 the way curl drives Java's workers, read Kafka topics with the
//! crate's own consumer, and poll with a deadline, never sleep.
//!
//! Every process started here is stopped by its pid: `stop()` (SIGTERM, then
//! SIGKILL after a deadline), `kill()` (SIGKILL), and on drop (SIGKILL and
//! wait), also when a test panics. A failing poll or check prints the tail
//! of every worker's log.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use kconnect::kafka::config::{ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, OffsetSpec, TopicPartition};
use serde_json::Value;

use super::{shared_broker, unique_topic};

/// How often `poll_until` tries again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How long `stop()` waits for a worker to exit after SIGTERM before it
/// sends SIGKILL.
pub const STOP_DEADLINE: Duration = Duration::from_secs(60);
/// How long a worker's REST server may take to answer after a start.
pub const READY_DEADLINE: Duration = Duration::from_secs(60);
/// One HTTP exchange may take this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of each worker's log shown when a test fails.
pub const LOG_TAIL_LINES: usize = 60;

pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

// --- ports ---------------------------------------------------------------------

/// A free port on 127.0.0.1 (bound to port 0, then released), never one
/// this process handed out before, so that the workers of a test (and of
/// tests running in parallel) never share one.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    for _ in 0..100 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0")
            .port();
        if GIVEN.lock().unwrap_or_else(|e| e.into_inner()).insert(port) {
            return port;
        }
    }
    panic!("no fresh free port on 127.0.0.1 after 100 tries");
}

// --- polling -------------------------------------------------------------------

/// Calls `f` every POLL_INTERVAL until it returns `Ok`, and returns that
/// value. `Err(why)` means "not yet" (a transport error, a 409 during a
/// rebalance, a state not reached yet); when `deadline` passes, panics
/// naming `what` with the last `why`.
pub fn poll_until<T>(deadline: Duration, what: &str, f: impl FnMut() -> Result<T, String>) -> T {
    poll_until_with(deadline, what, String::new, f)
}

/// `poll_until`, adding `diagnostics()` (e.g. the workers' logs) to the
/// panic message.
pub fn poll_until_with<T>(
    deadline: Duration,
    what: &str,
    diagnostics: impl Fn() -> String,
    mut f: impl FnMut() -> Result<T, String>,
) -> T {
    let start = Instant::now();
    let end = start + deadline;
    let mut tries = 0u32;
    loop {
        tries += 1;
        let last = match f() {
            Ok(v) => return v,
            Err(why) => why,
        };
        if Instant::now() >= end {
            panic!(
                "timed out after {deadline:?} ({tries} tries) waiting for {what}\nlast observation: {last}\n{}",
                diagnostics()
            );
        }
        thread::sleep(POLL_INTERVAL);
    }
}

// --- REST ----------------------------------------------------------------------

/// A status code and the body as JSON (`Null` for an empty body, a JSON
/// string for a body that is not JSON).
pub type Reply = (u16, Value);

/// A blocking HTTP/1.1 client for one worker's REST API: one request per
/// connection (`Connection: close`), JSON bodies.
#[derive(Debug, Clone)]
pub struct RestClient {
    addr: SocketAddr,
}

impl RestClient {
    pub fn new(addr: SocketAddr) -> RestClient {
        RestClient { addr }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `method path` with `body` (none when `Null`) and reads the
    /// whole answer. `Err` only for transport failures (refused, reset,
    /// timeout, malformed answer).
    pub fn request(&self, method: &str, path: &str, body: &Value) -> Result<Reply, String> {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.request_raw(method, path, &body, &[])
    }

    /// Sends `body` exactly as given, with extra `headers`.
    pub fn request_raw(
        &self,
        method: &str,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, String> {
        let extra: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let what = format!("{method} http://{}{path}", self.addr);
        let mut stream = TcpStream::connect_timeout(&self.addr, REQUEST_TIMEOUT)
            .map_err(|e| format!("{what}: connect: {e}"))?;
        stream
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(REQUEST_TIMEOUT)))
            .map_err(|e| format!("{what}: {e}"))?;
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body.as_bytes()))
            .map_err(|e| format!("{what}: write: {e}"))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| format!("{what}: read: {e}"))?;
        parse_reply(&raw).map_err(|e| format!("{what}: {e}"))
    }

    pub fn get(&self, path: &str) -> Result<Reply, String> {
        self.request("GET", path, &Value::Null)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Reply, String> {
        self.request("POST", path, body)
    }

    /// PUT with `body`; `Value::Null` sends none (pause, resume, stop).
    pub fn put(&self, path: &str, body: &Value) -> Result<Reply, String> {
        self.request("PUT", path, body)
    }

    pub fn delete(&self, path: &str) -> Result<Reply, String> {
        self.request("DELETE", path, &Value::Null)
    }
}

fn parse_reply(raw: &[u8]) -> Result<Reply, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            format!(
                "no end of headers in {:?}",
                String::from_utf8_lossy(raw)
                    .chars()
                    .take(500)
                    .collect::<String>()
            )
        })?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    });
    if chunked {
        body = dechunk(&body)?;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let json = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok((status, json))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size line")?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|e| format!("bad chunk size {size_text:?}: {e}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

/// `Ok(body)` for a 2xx reply, else `Err` with the status and body.
pub fn ok(reply: Result<Reply, String>) -> Result<Value, String> {
    match reply? {
        (s, body) if (200..300).contains(&s) => Ok(body),
        (s, body) => Err(format!("HTTP {s}: {body}")),
    }
}

// --- status bodies -------------------------------------------------------------

/// One task's entry in `GET /connectors/{c}/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStatus {
    pub state: String,
    pub worker_id: String,
}

/// `GET /connectors/{c}/status`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorStatus {
    pub name: String,
    pub state: String,
    pub worker_id: String,
    pub tasks: BTreeMap<i64, TaskStatus>,
    pub kind: String,
}

impl ConnectorStatus {
    pub fn parse(v: &Value) -> Result<ConnectorStatus, String> {
        let s = |v: &Value, k: &str| -> Result<String, String> {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no string {k:?} in status {v}"))
        };
        let mut tasks = BTreeMap::new();
        for t in v["tasks"]
            .as_array()
            .ok_or_else(|| format!("no tasks array in status {v}"))?
        {
            let id = t["id"]
                .as_i64()
                .ok_or_else(|| format!("no task id in status {v}"))?;
            tasks.insert(
                id,
                TaskStatus {
                    state: s(t, "state")?,
                    worker_id: s(t, "worker_id")?,
                },
            );
        }
        Ok(ConnectorStatus {
            name: s(v, "name")?,
            state: s(&v["connector"], "state")?,
            worker_id: s(&v["connector"], "worker_id")?,
            tasks,
            kind: v["type"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// The connector and exactly tasks 0..n are all in `state`.
    pub fn all_in(&self, state: &str, n: usize) -> bool {
        self.state == state
            && self.tasks.len() == n
            && self.tasks.keys().copied().eq(0..n as i64)
            && self.tasks.values().all(|t| t.state == state)
    }

    /// Whether the connector or any task is in `state`.
    pub fn any_in(&self, state: &str) -> bool {
        self.state == state || self.tasks.values().any(|t| t.state == state)
    }

    /// The distinct workers running tasks.
    pub fn task_workers(&self) -> BTreeSet<String> {
        self.tasks.values().map(|t| t.worker_id.clone()).collect()
    }

    /// Tasks per worker.
    pub fn tasks_per_worker(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for t in self.tasks.values() {
            *out.entry(t.worker_id.clone()).or_default() += 1;
        }
        out
    }
}

// --- the worker process --------------------------------------------------------

/// Which `connect.protocol` the workers speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Eager,
    Compatible,
    Sessioned,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Eager => "eager",
            Protocol::Compatible => "compatible",
            Protocol::Sessioned => "sessioned",
        }
    }
}

/// What the workers of one cluster share: the broker, the Connect group,
/// the internal topics, the protocol and any extra properties.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    pub bootstrap: String,
    pub group_id: String,
    pub config_topic: String,
    pub offset_topic: String,
    pub status_topic: String,
    pub protocol: Protocol,
    /// Added after (and so overriding) the defaults.
    pub extra: Vec<(String, String)>,
}

impl ClusterSpec {
    /// Unique group and topic names starting with `prefix`, on the shared
    /// broker, protocol `sessioned`.
    pub fn new(prefix: &str) -> ClusterSpec {
        let group_id = unique_topic(&format!("{prefix}-group"));
        ClusterSpec {
            bootstrap: shared_broker().bootstrap.clone(),
            config_topic: format!("{group_id}-configs"),
            offset_topic: format!("{group_id}-offsets"),
            status_topic: format!("{group_id}-status"),
            group_id,
            protocol: Protocol::Sessioned,
            extra: Vec::new(),
        }
    }

    pub fn protocol(mut self, protocol: Protocol) -> ClusterSpec {
        self.protocol = protocol;
        self
    }

    pub fn prop(mut self, key: &str, value: &str) -> ClusterSpec {
        self.extra.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The worker.properties of the worker listening on `port`.
    pub fn properties(&self, port: u16) -> String {
        let mut props: Vec<(String, String)> = [
            ("bootstrap.servers", self.bootstrap.as_str()),
            ("group.id", &self.group_id),
            ("config.storage.topic", &self.config_topic),
            ("config.storage.replication.factor", "1"),
            ("offset.storage.topic", &self.offset_topic),
            ("offset.storage.replication.factor", "1"),
            ("offset.storage.partitions", "5"),
            ("status.storage.topic", &self.status_topic),
            ("status.storage.replication.factor", "1"),
            ("status.storage.partitions", "3"),
            ("key.converter", JSON_CONVERTER),
            ("value.converter", JSON_CONVERTER),
            ("connect.protocol", self.protocol.as_str()),
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "1000"),
            ("scheduled.rebalance.max.delay.ms", "3000"),
            ("offset.flush.interval.ms", "1000"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        props.push(("listeners".into(), format!("http://127.0.0.1:{port}")));
        props.extend(self.extra.iter().cloned());
        let mut out = String::new();
        for (k, v) in props {
            out.push_str(&format!("{k}={v}\n"));
        }
        out
    }
}

/// One `kconnect distributed` process: `<dir>/<name>.properties`, its
/// output in `<dir>/<name>.log` (appended across restarts), REST on
/// `127.0.0.1:<port>`. Dropping it kills the process (SIGKILL) and waits.
pub struct ConnectWorker {
    name: String,
    port: u16,
    props_path: PathBuf,
    log_path: PathBuf,
    child: Option<Child>,
    starts: u32,
}

impl ConnectWorker {
    /// Starts a worker of `spec` on a free port, with its files in `dir`.
    /// Returns at once (see `wait_ready`).
    pub fn start(spec: &ClusterSpec, dir: &Path, name: &str) -> ConnectWorker {
        Self::start_on(spec, dir, name, free_port())
    }

    /// Starts a worker of `spec` listening on `port`.
    pub fn start_on(spec: &ClusterSpec, dir: &Path, name: &str, port: u16) -> ConnectWorker {
        fs::create_dir_all(dir).expect("worker dir");
        let props_path = dir.join(format!("{name}.properties"));
        fs::write(&props_path, spec.properties(port)).expect("write worker.properties");
        let mut worker = ConnectWorker {
            name: name.to_owned(),
            port,
            props_path,
            log_path: dir.join(format!("{name}.log")),
            child: None,
            starts: 0,
        };
        worker.spawn();
        worker
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        self.starts += 1;
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("open worker log");
        let _ = writeln!(
            log,
            "===== [test harness] start #{} of {} on 127.0.0.1:{} =====",
            self.starts, self.name, self.port
        );
        let err = log.try_clone().expect("clone log handle");
        let child = Command::new(env!("CARGO_BIN_EXE_kconnect"))
            .arg("distributed")
            .arg(&self.props_path)
            // KCONNECT_TEST_WORKER_LOG: another filter when debugging.
            .env(
                "KCONNECT_LOG",
                std::env::var("KCONNECT_TEST_WORKER_LOG").unwrap_or_else(|_| "info".to_string()),
            )
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start kconnect distributed: {e}"));
        self.child = Some(child);
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The id the worker reports in statuses: `127.0.0.1:<port>`.
    pub fn worker_id(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Whether the process was started and not stopped or killed by us.
    /// (A process that exited on its own still counts until waited for.)
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Whether the process has exited on its own (reaps it if so).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }

    pub fn rest(&self) -> RestClient {
        RestClient::new(self.addr())
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| format!("(cannot read {}: {e})", self.log_path.display()));
        let all: Vec<&str> = text.lines().collect();
        let from = all.len().saturating_sub(lines);
        all[from..]
            .iter()
            .map(|l| {
                if l.len() > 500 {
                    let mut cut = 500;
                    while !l.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    format!("{}…", &l[..cut])
                } else {
                    (*l).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// SIGTERM (graceful: the worker stops its tasks, commits, leaves the
    /// group), then waits up to STOP_DEADLINE for it to exit; SIGKILL after
    /// that. Returns the exit status (a killed one if it had to be killed).
    pub fn stop(&mut self) -> ExitStatus {
        self.stop_within(STOP_DEADLINE)
    }

    pub fn stop_within(&mut self, deadline: Duration) -> ExitStatus {
        let mut child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("stop: {} is not running", self.name));
        let pid = child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let end = Instant::now() + deadline;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < end => thread::sleep(Duration::from_millis(20)),
                _ => {
                    eprintln!(
                        "[cluster] {} (pid {pid}) did not exit within {deadline:?} of SIGTERM: SIGKILL",
                        self.name
                    );
                    let _ = child.kill();
                    return child.wait().expect("wait for the killed worker");
                }
            }
        }
    }

    /// SIGKILL (a crash) and wait for the process to be gone.
    pub fn kill(&mut self) -> ExitStatus {
        let mut child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("kill: {} is not running", self.name));
        let _ = child.kill();
        child.wait().expect("wait for the killed worker")
    }

    /// Starts the process again with the same properties and port (so the
    /// same worker id); stops it first (SIGTERM) if it still runs.
    pub fn restart(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        self.spawn();
    }

    /// Polls until the REST API answers `GET /connectors` with 200.
    pub fn wait_ready(&mut self, deadline: Duration) -> Result<(), String> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(status) = self.exited() {
                return Err(format!("{} exited with {status}", self.name));
            }
            let last = match self.rest().get("/connectors") {
                Ok((200, _)) => return Ok(()),
                Ok((s, body)) => format!("HTTP {s}: {body}"),
                Err(e) => e,
            };
            if Instant::now() >= end {
                return Err(format!(
                    "{} answered no GET /connectors within {deadline:?}: {last}",
                    self.name
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for ConnectWorker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// --- the cluster ---------------------------------------------------------------

/// Workers sharing one `ClusterSpec`, with their files in one temp dir
/// (removed on drop unless the test failed). Indexes into `workers` stay
/// valid: stopped workers stay in the list (not running) until restarted.
pub struct ConnectCluster {
    pub spec: ClusterSpec,
    dir: PathBuf,
    workers: Vec<ConnectWorker>,
}

impl ConnectCluster {
    /// Starts `n` workers of `spec` and waits until each one's REST API answers.
    pub fn start(spec: ClusterSpec, n: usize) -> ConnectCluster {
        let dir = std::env::temp_dir().join(format!("kconnect-cluster-{}", spec.group_id));
        fs::create_dir_all(&dir).expect("cluster temp dir");
        let mut cluster = ConnectCluster {
            spec,
            dir,
            workers: Vec::new(),
        };
        for _ in 0..n {
            cluster.spawn_worker();
        }
        for i in 0..n {
            cluster.wait_ready(i);
        }
        cluster
    }

    fn spawn_worker(&mut self) -> usize {
        let i = self.workers.len();
        let w = ConnectWorker::start(&self.spec, &self.dir, &format!("worker{i}"));
        eprintln!(
            "[cluster] {} started: pid {:?}, {}, log {}",
            w.name(),
            w.pid(),
            w.url(),
            w.log_path().display()
        );
        self.workers.push(w);
        i
    }

    /// Starts one more worker (fresh port) and waits until its REST
    /// answers; returns its index.
    pub fn start_worker(&mut self) -> usize {
        let i = self.spawn_worker();
        self.wait_ready(i);
        i
    }

    /// Waits until worker `i` answers REST; fails the test (with logs) if not.
    pub fn wait_ready(&mut self, i: usize) {
        if let Err(e) = self.workers[i].wait_ready(READY_DEADLINE) {
            self.fail(&e);
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn worker(&self, i: usize) -> &ConnectWorker {
        &self.workers[i]
    }

    pub fn worker_mut(&mut self, i: usize) -> &mut ConnectWorker {
        &mut self.workers[i]
    }

    pub fn workers(&self) -> &[ConnectWorker] {
        &self.workers
    }

    /// Indexes of the workers that run.
    pub fn running(&self) -> Vec<usize> {
        (0..self.workers.len())
            .filter(|i| self.workers[*i].is_running())
            .collect()
    }

    /// The worker ids of the running workers.
    pub fn worker_ids(&self) -> BTreeSet<String> {
        self.running()
            .into_iter()
            .map(|i| self.workers[i].worker_id())
            .collect()
    }

    pub fn rest(&self, i: usize) -> RestClient {
        self.workers[i].rest()
    }

    /// Stops every running worker (SIGTERM), in order; returns their exit
    /// statuses.
    pub fn stop_all(&mut self) -> Vec<ExitStatus> {
        self.running()
            .into_iter()
            .map(|i| self.workers[i].stop())
            .collect()
    }

    /// The tail of every worker's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for w in &self.workers {
            out.push_str(&format!(
                "\n----- {} ({}, pid {:?}, {}) last {LOG_TAIL_LINES} lines of {} -----\n{}\n",
                w.name(),
                w.worker_id(),
                w.pid(),
                if w.is_running() { "running" } else { "stopped" },
                w.log_path().display(),
                w.log_tail(LOG_TAIL_LINES)
            ));
        }
        out
    }

    /// Fails the test with `msg` and the workers' logs.
    pub fn fail(&self, msg: &str) -> ! {
        panic!("{msg}\n{}", self.logs())
    }

    /// Fails the test (with the logs) unless `cond`.
    pub fn check(&self, cond: bool, msg: impl FnOnce() -> String) {
        if !cond {
            self.fail(&msg());
        }
    }

    /// `poll_until`, with the workers' logs in the failure message.
    pub fn poll_until<T>(
        &self,
        deadline: Duration,
        what: &str,
        f: impl FnMut() -> Result<T, String>,
    ) -> T {
        poll_until_with(deadline, what, || self.logs(), f)
    }

    /// Sends a request through worker `via` until its status is one of
    /// `accept`: retries transport errors, 409 (a rebalance underway) and
    /// 5xx; fails at once on another status.
    pub fn request(
        &self,
        via: usize,
        method: &str,
        path: &str,
        body: &Value,
        accept: &[u16],
        deadline: Duration,
    ) -> Reply {
        let rest = self.rest(via);
        let what = format!(
            "{method} {path} via {} to answer {accept:?}",
            self.workers[via].name()
        );
        self.poll_until(deadline, &what, || match rest.request(method, path, body) {
            Ok((s, b)) if accept.contains(&s) => Ok((s, b)),
            Ok((s, b)) if s == 409 || s >= 500 => Err(format!("HTTP {s}: {b}")),
            Ok((s, b)) => self.fail(&format!("{what}: HTTP {s}: {b}")),
            Err(e) => Err(e),
        })
    }

    /// `POST /connectors` through worker `via` (201; a retry after a lost
    /// answer may find it created: 409 "already exists" counts too).
    pub fn create_connector(&self, via: usize, name: &str, config: &Value) -> Value {
        let body = serde_json::json!({"name": name, "config": config});
        let rest = self.rest(via);
        self.poll_until(
            Duration::from_secs(60),
            &format!("POST /connectors {name} via worker{via}"),
            || match rest.post("/connectors", &body) {
                Ok((201, b)) => Ok(b),
                Ok((409, b)) if b.to_string().contains("already exists") => Ok(b),
                Ok((s, b)) if s == 409 || s >= 500 => Err(format!("HTTP {s}: {b}")),
                Ok((s, b)) => self.fail(&format!("POST /connectors {name}: HTTP {s}: {b}")),
                Err(e) => Err(e),
            },
        )
    }

    /// `PUT /connectors/{name}/config` through worker `via` (200 or 201).
    pub fn put_config(&self, via: usize, name: &str, config: &Value) -> Value {
        let path = format!("/connectors/{name}/config");
        self.request(
            via,
            "PUT",
            &path,
            config,
            &[200, 201],
            Duration::from_secs(60),
        )
        .1
    }

    /// `PUT /connectors/{name}/{action}` (pause, resume, stop) through
    /// worker `via` (202 or 204).
    pub fn lifecycle(&self, via: usize, name: &str, action: &str) {
        let path = format!("/connectors/{name}/{action}");
        self.request(
            via,
            "PUT",
            &path,
            &Value::Null,
            &[200, 202, 204],
            Duration::from_secs(60),
        );
    }

    /// `DELETE /connectors/{name}` through worker `via` (204; 404 on a retry
    /// after a lost answer).
    pub fn delete_connector(&self, via: usize, name: &str) {
        let path = format!("/connectors/{name}");
        let rest = self.rest(via);
        let mut tried = false;
        self.poll_until(
            Duration::from_secs(60),
            &format!("DELETE {path} via worker{via}"),
            || {
                let reply = rest.delete(&path);
                let first = !tried;
                tried = true;
                match reply {
                    Ok((200 | 204, _)) => Ok(()),
                    Ok((404, _)) if !first => Ok(()),
                    Ok((s, b)) if s == 409 || s >= 500 => Err(format!("HTTP {s}: {b}")),
                    Ok((s, b)) => self.fail(&format!("DELETE {path}: HTTP {s}: {b}")),
                    Err(e) => Err(e),
                }
            },
        );
    }

    /// `GET /connectors/{name}/status` from worker `i`, parsed; `Err` for
    /// anything but a 200 with a well-formed body.
    pub fn status(&self, i: usize, name: &str) -> Result<ConnectorStatus, String> {
        ConnectorStatus::parse(&self.status_body(i, name)?)
    }

    /// The body of `GET /connectors/{name}/status` from worker `i`; `Err`
    /// for anything but a 200.
    pub fn status_body(&self, i: usize, name: &str) -> Result<Value, String> {
        ok(self.rest(i).get(&format!("/connectors/{name}/status")))
            .map_err(|e| format!("{}: {e}", self.workers[i].name()))
    }

    /// Polls worker `i`'s status of `name` until `accept` takes it.
    pub fn wait_for_status(
        &self,
        i: usize,
        name: &str,
        deadline: Duration,
        what: &str,
        accept: impl Fn(&ConnectorStatus) -> bool,
    ) -> ConnectorStatus {
        self.poll_until(
            deadline,
            &format!("{name} on {}: {what}", self.workers[i].name()),
            || {
                let s = self.status(i, name)?;
                if accept(&s) {
                    Ok(s)
                } else {
                    Err(format!("{s:?}"))
                }
            },
        )
    }

    /// Polls until every running worker answers the same status body for
    /// `name` and `accept` takes it.
    pub fn wait_for_agreed_status(
        &self,
        name: &str,
        deadline: Duration,
        what: &str,
        accept: impl Fn(&ConnectorStatus) -> bool,
    ) -> ConnectorStatus {
        self.poll_until(deadline, &format!("{name} on all workers: {what}"), || {
            let mut seen: Vec<Value> = Vec::new();
            for i in self.running() {
                seen.push(self.status_body(i, name)?);
            }
            let first = seen.first().cloned().ok_or("no worker runs")?;
            if seen.iter().any(|s| *s != first) {
                return Err(format!("the workers disagree: {seen:?}"));
            }
            let first = ConnectorStatus::parse(&first)?;
            if accept(&first) {
                Ok(first)
            } else {
                Err(format!("{first:?}"))
            }
        })
    }
}

impl Drop for ConnectCluster {
    fn drop(&mut self) {
        if thread::panicking() {
            // `fail` and `poll_until` put the logs' tails in the panic
            // message; the whole files stay for a closer look.
            let logs: Vec<String> = self
                .workers
                .iter()
                .map(|w| w.log_path().display().to_string())
                .collect();
            eprintln!(
                "[cluster] test failed; worker files kept in {}: logs {logs:?}",
                self.dir.display()
            );
        }
        // Kill and reap every worker before the files go.
        for w in &mut self.workers {
            if let Some(mut child) = w.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if !thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

// --- reading topics ------------------------------------------------------------

/// One record read from a topic.
#[derive(Debug, Clone)]
pub struct TopicRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

impl TopicRecord {
    pub fn key_str(&self) -> Option<String> {
        self.key
            .as_ref()
            .map(|k| String::from_utf8_lossy(k).into_owned())
    }

    /// The value as JSON (`None` for a tombstone or a value that is not JSON).
    pub fn value_json(&self) -> Option<Value> {
        serde_json::from_slice(self.value.as_ref()?).ok()
    }

    pub fn key_json(&self) -> Option<Value> {
        serde_json::from_slice(self.key.as_ref()?).ok()
    }
}

/// The payload of a JsonConverter envelope (`{"schema":..,"payload":..}`),
/// or the value itself when it is none.
pub fn payload(v: &Value) -> &Value {
    match v {
        Value::Object(m) if m.contains_key("schema") && m.contains_key("payload") => &m["payload"],
        other => other,
    }
}

/// Reads a whole topic with the crate's consumer (assigned, no group), from
/// the beginning; `read_to_end` catches up with the end offsets as they are
/// when it is called, keeping everything read so far.
pub struct TopicReader {
    runtime: tokio::runtime::Runtime,
    consumer: Option<Consumer>,
    topic: String,
    tps: Vec<TopicPartition>,
    records: Vec<TopicRecord>,
    next: BTreeMap<i32, i64>,
}

impl TopicReader {
    pub fn new(bootstrap: &str, topic: &str, partitions: i32) -> TopicReader {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime for the topic reader");
        let tps: Vec<TopicPartition> = (0..partitions)
            .map(|p| TopicPartition::new(topic, p))
            .collect();
        let consumer = runtime.block_on(async {
            let mut config = ConsumerConfig::new(bootstrap);
            config.auto_offset_reset = OffsetReset::Earliest;
            let mut consumer = Consumer::connect(config)
                .await
                .unwrap_or_else(|e| panic!("consumer for {topic}: {e}"));
            consumer.assign(tps.clone());
            consumer
        });
        TopicReader {
            runtime,
            consumer: Some(consumer),
            topic: topic.to_owned(),
            tps,
            records: Vec::new(),
            next: BTreeMap::new(),
        }
    }

    /// Everything read so far, per partition in offset order.
    pub fn records(&self) -> &[TopicRecord] {
        &self.records
    }

    /// Reads until every partition is read up to its end offset as listed
    /// now; returns everything read so far.
    pub fn read_to_end(&mut self, deadline: Duration) -> Result<&[TopicRecord], String> {
        let consumer = self.consumer.as_mut().expect("consumer");
        let topic = &self.topic;
        let tps = &self.tps;
        let records = &mut self.records;
        let next = &mut self.next;
        self.runtime.block_on(async {
            let ends = consumer
                .list_offsets(tps, OffsetSpec::Latest)
                .await
                .map_err(|e| format!("end offsets of {topic}: {e}"))?;
            let end_at = Instant::now() + deadline;
            // Whether the last poll returned nothing (so buffered nothing).
            let mut drained = false;
            loop {
                let behind: Vec<(i32, i64, i64)> = ends
                    .iter()
                    .map(|(tp, (end, _))| {
                        let mut at = next.get(&tp.partition).copied().unwrap_or(0);
                        if drained {
                            // Nothing buffered: the position also moves past
                            // offsets no record holds (control batches,
                            // compacted records).
                            at = at.max(consumer.position(tp).unwrap_or(0));
                        }
                        (tp.partition, at, *end)
                    })
                    .filter(|(_, at, end)| at < end)
                    .collect();
                if behind.is_empty() {
                    return Ok(());
                }
                if Instant::now() >= end_at {
                    return Err(format!(
                        "reading {topic}: still behind (partition, at, end) {behind:?} after {deadline:?}"
                    ));
                }
                match consumer.poll(Duration::from_millis(500)).await {
                    Ok(batches) => {
                        drained = batches.is_empty();
                        for b in batches {
                            for r in b.records {
                                next.insert(b.partition, r.offset + 1);
                                records.push(TopicRecord {
                                    partition: b.partition,
                                    offset: r.offset,
                                    key: r.key.map(|k| k.to_vec()),
                                    value: r.value.map(|v| v.to_vec()),
                                });
                            }
                        }
                    }
                    Err(e) => {
                        drained = false;
                        eprintln!("[cluster] polling {topic}: {e}");
                        tokio::time::sleep(POLL_INTERVAL).await;
                    }
                }
            }
        })?;
        Ok(&self.records)
    }
}

impl Drop for TopicReader {
    fn drop(&mut self) {
        if let Some(mut consumer) = self.consumer.take() {
            self.runtime.block_on(async move { consumer.close().await });
        }
    }
}

/// The latest value per key of a compacted-style topic (e.g. the status
/// topic), and every value per key in order: `(key, value JSON or None for
/// a tombstone)`.
pub fn values_by_key(records: &[TopicRecord]) -> BTreeMap<String, Vec<Option<Value>>> {
    let mut out: BTreeMap<String, Vec<Option<Value>>> = BTreeMap::new();
    let mut sorted: Vec<&TopicRecord> = records.iter().collect();
    sorted.sort_by_key(|r| (r.partition, r.offset));
    for r in sorted {
        if let Some(k) = r.key_str() {
            out.entry(k).or_default().push(r.value_json());
        }
    }
    out
}

/// Each distinct element of `items` that occurs more than once.
pub fn duplicates<T: Ord + Clone + std::hash::Hash + Eq>(items: &[T]) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut dups = BTreeSet::new();
    for i in items {
        if !seen.insert(i.clone()) {
            dups.insert(i.clone());
        }
    }
    dups.into_iter().collect()
}
