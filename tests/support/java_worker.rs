//! Apache Kafka's own Connect worker (`org.apache.kafka.connect.cli.ConnectDistributed`
//! from the Kafka jars the test broker runs on), as a peer of kconnect's
//! workers in the interop tests: same group, same internal topics, same
//! REST API.
//!
//! The JVM is started through `tests/kafka/broker.sh tool`, which execs
//! java, so the child's pid is the JVM's; broker.sh also kills it should
//! the test process die first. Its output goes to `<dir>/<name>.log`. The
//! test stops it by its pid: `stop()` (SIGTERM, then SIGKILL after a
//! deadline) or on drop (SIGKILL and wait), also when a test panics.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::broker_script;
use super::cluster::{
    free_port, ok, poll_until_with, ClusterSpec, ConnectorStatus, Reply, RestClient,
    LOG_TAIL_LINES, STOP_DEADLINE,
};

/// Java's distributed worker main class.
pub const CONNECT_DISTRIBUTED: &str = "org.apache.kafka.connect.cli.ConnectDistributed";
/// A small heap and the serial collector: the machine is shared.
pub const JVM_OPTS: &str = "-Xmx384m -XX:+UseSerialGC";
/// The JVM, the plugin scan and the first group join take several seconds.
pub const JAVA_READY_DEADLINE: Duration = Duration::from_secs(120);
/// The logger of the REST server's access log lines.
const ACCESS_LOGGER: &str = "(org.apache.kafka.connect.runtime.rest.RestServer)";

/// One Java `ConnectDistributed` process: `<dir>/<name>.properties`, its
/// output in `<dir>/<name>.log`, REST on `127.0.0.1:<port>`.
pub struct JavaConnectWorker {
    name: String,
    port: u16,
    log_path: PathBuf,
    /// `None` once stopped (and waited for).
    child: Option<Child>,
}

impl JavaConnectWorker {
    /// Starts a Java worker with `props` as its worker.properties, with its
    /// files in `dir`. `listeners` is added (on a free port) unless `props`
    /// has it. Returns at once (see `wait_ready`).
    pub fn start(dir: &Path, name: &str, props: &BTreeMap<String, String>) -> JavaConnectWorker {
        let mut props = props.clone();
        let listeners = props
            .entry("listeners".to_owned())
            .or_insert_with(|| format!("http://127.0.0.1:{}", free_port()))
            .clone();
        let port: u16 = listeners
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no port in listeners={listeners}"));
        fs::create_dir_all(dir).expect("Java worker dir");
        let props_path = dir.join(format!("{name}.properties"));
        let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        fs::write(&props_path, text).expect("write the Java worker.properties");
        let log_path = dir.join(format!("{name}.log"));
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("open the Java worker log");
        let _ = writeln!(
            log,
            "===== [test harness] start of {name} ({CONNECT_DISTRIBUTED}) on 127.0.0.1:{port} ====="
        );
        let err = log.try_clone().expect("clone log handle");
        let child = Command::new("bash")
            .arg(broker_script())
            .arg("tool")
            .arg(CONNECT_DISTRIBUTED)
            .arg(&props_path)
            .env("KCONNECT_TOOL_OWNER_PID", std::process::id().to_string())
            .env("KCONNECT_TOOL_LOG_LEVEL", "INFO")
            .env("KCONNECT_TOOL_JVM_OPTS", JVM_OPTS)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Java's ConnectDistributed: {e}"));
        eprintln!(
            "[java] {name} started: pid {}, http://127.0.0.1:{port}, log {}",
            child.id(),
            log_path.display()
        );
        JavaConnectWorker {
            name: name.to_owned(),
            port,
            log_path,
            child: Some(child),
        }
    }

    /// Starts a Java worker in `spec`'s group and on its topics, with the
    /// very properties a kconnect worker of `spec` gets, and waits until
    /// its REST API answers.
    pub fn start_in(spec: &ClusterSpec, dir: &Path, name: &str) -> JavaConnectWorker {
        let mut worker = Self::start(dir, name, &java_properties(spec, free_port()));
        if let Err(e) = worker.wait_ready(JAVA_READY_DEADLINE) {
            worker.fail(&e);
        }
        worker
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The id it reports in statuses: its advertised `host:port`.
    pub fn worker_id(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn rest(&self) -> RestClient {
        RestClient::new(SocketAddr::from(([127, 0, 0, 1], self.port)))
    }

    /// The last `lines` lines of its log, leaving out the REST server's
    /// access log (the tests' polls would fill the tail).
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| format!("(cannot read {}: {e})", self.log_path.display()));
        let all: Vec<&str> = text
            .lines()
            .filter(|l| !(l.contains(" HTTP/1.1\" ") && l.ends_with(ACCESS_LOGGER)))
            .collect();
        let from = all.len().saturating_sub(lines);
        all[from..]
            .iter()
            .map(|l| l.chars().take(500).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first `max` ERROR lines of its log, each with the line after it
    /// (an exception's message): the cause is often long gone from the tail.
    pub fn log_errors(&self, max: usize) -> String {
        let text = fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all.iter()
            .enumerate()
            .filter(|(_, l)| l.contains("] ERROR "))
            .take(max)
            .flat_map(|(i, l)| [Some(*l), all.get(i + 1).copied()])
            .flatten()
            .map(|l| l.chars().take(500).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Its log's first errors and tail, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "\n----- Java {} ({}, pid {:?}) first ERROR lines of {} -----\n{}\n\
             ----- last {LOG_TAIL_LINES} lines (REST access log left out) -----\n{}\n",
            self.name,
            self.worker_id(),
            self.pid(),
            self.log_path.display(),
            self.log_errors(10),
            self.log_tail(LOG_TAIL_LINES)
        )
    }

    /// Fails the test with `msg` and the log's tail.
    pub fn fail(&self, msg: &str) -> ! {
        panic!("{msg}\n{}", self.describe())
    }

    /// Polls until the REST API answers `GET /connectors` with 200.
    pub fn wait_ready(&mut self, deadline: Duration) -> Result<(), String> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("Java {} exited with {status}", self.name));
                }
            }
            let last = match self.rest().get("/connectors") {
                Ok((200, _)) => return Ok(()),
                Ok((s, body)) => format!("HTTP {s}: {body}"),
                Err(e) => e,
            };
            if Instant::now() >= end {
                return Err(format!(
                    "Java {} answered no GET /connectors within {deadline:?}: {last}",
                    self.name
                ));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGTERM (graceful: Java stops its tasks, commits their offsets and
    /// leaves the group), then waits up to STOP_DEADLINE; SIGKILL after
    /// that. Returns the exit status (the JVM exits 143 on SIGTERM).
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self
            .child
            .take()
            .unwrap_or_else(|| panic!("stop: Java {} is not running", self.name));
        let pid = child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let end = Instant::now() + STOP_DEADLINE;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < end => thread::sleep(Duration::from_millis(50)),
                _ => {
                    eprintln!(
                        "[java] {} (pid {pid}) did not exit within {STOP_DEADLINE:?} of SIGTERM: SIGKILL",
                        self.name
                    );
                    let _ = child.kill();
                    return child.wait().expect("wait for the killed Java worker");
                }
            }
        }
    }

    /// `poll_until`, with the log's tail in the failure message.
    pub fn poll_until<T>(
        &self,
        deadline: Duration,
        what: &str,
        f: impl FnMut() -> Result<T, String>,
    ) -> T {
        poll_until_with(deadline, &format!("{what} (Java)"), || self.describe(), f)
    }

    /// Sends a request until its status is one of `accept`: retries
    /// transport errors, 409 (a rebalance underway) and 5xx; fails at once
    /// on another status.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        accept: &[u16],
        deadline: Duration,
    ) -> Reply {
        let rest = self.rest();
        let what = format!("{method} {path} to answer {accept:?}");
        self.poll_until(deadline, &what, || match rest.request(method, path, body) {
            Ok((s, b)) if accept.contains(&s) => Ok((s, b)),
            Ok((s, b)) if s == 409 || s >= 500 => Err(format!("HTTP {s}: {b}")),
            Ok((s, b)) => self.fail(&format!("{what}: HTTP {s}: {b}")),
            Err(e) => Err(e),
        })
    }

    /// `POST /connectors` (201; 409 "already exists" after a lost answer).
    pub fn create_connector(&self, name: &str, config: &Value) -> Value {
        let body = serde_json::json!({"name": name, "config": config});
        let rest = self.rest();
        self.poll_until(
            Duration::from_secs(60),
            &format!("POST /connectors {name}"),
            || match rest.post("/connectors", &body) {
                Ok((201, b)) => Ok(b),
                Ok((409, b)) if b.to_string().contains("already exists") => Ok(b),
                Ok((s, b)) if s == 409 || s >= 500 => Err(format!("HTTP {s}: {b}")),
                Ok((s, b)) => self.fail(&format!("POST /connectors {name}: HTTP {s}: {b}")),
                Err(e) => Err(e),
            },
        )
    }

    /// `GET /connectors/{name}/status`, parsed; `Err` for anything but a
    /// 200 with a well-formed body.
    pub fn status(&self, name: &str) -> Result<ConnectorStatus, String> {
        ConnectorStatus::parse(&ok(self.rest().get(&format!("/connectors/{name}/status")))?)
    }

    /// Polls the status of `name` until `accept` takes it.
    pub fn wait_for_status(
        &self,
        name: &str,
        deadline: Duration,
        what: &str,
        accept: impl Fn(&ConnectorStatus) -> bool,
    ) -> ConnectorStatus {
        self.poll_until(deadline, &format!("{name}: {what}"), || {
            let s = self.status(name)?;
            if accept(&s) {
                Ok(s)
            } else {
                Err(format!("{s:?}"))
            }
        })
    }
}

impl Drop for JavaConnectWorker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The worker.properties of a kconnect worker of `spec` listening on
/// `port`, as a map (later lines override earlier ones, as in Java's
/// `Properties.load`).
pub fn java_properties(spec: &ClusterSpec, port: u16) -> BTreeMap<String, String> {
    spec.properties(port)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
