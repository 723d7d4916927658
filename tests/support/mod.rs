//! Shared support for the integration tests: a real Apache Kafka 4.x broker
//! (provisioned by `tests/kafka/broker.sh`), Kafka's own Java tools as
//! independent peers, and deadline-bounded polling.
//!
//! Each integration test file includes it with `mod support;`.
//!
//! The broker needs Java 17+ and Maven (the first run fetches the Kafka jars
//! into `~/.cache/kconnect/kafka`). Without them the tests fail, saying what
//! to install; they never skip. Set `KCONNECT_TEST_BOOTSTRAP=host:port` to run
//! against a broker you started yourself instead.
#![allow(dead_code)]

pub mod cluster;
pub mod java_worker;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long a Java tool may run when the caller gives no deadline.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(120);

const INSTALL_HINT: &str = "The integration tests run a real Kafka 4.x broker: they need \
    Java 17+ (e.g. `apt-get install openjdk-17-jre-headless`) and Apache Maven \
    (`apt-get install maven`, to fetch the Kafka jars once from Maven Central) on PATH. \
    Or point KCONNECT_TEST_BOOTSTRAP at a running broker.";

/// `tests/kafka/broker.sh` of this checkout.
pub fn broker_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kafka/broker.sh")
}

fn broker_sh(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(broker_script())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", broker_script().display()))
}

fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A Kafka broker the tests talk to.
#[derive(Debug)]
pub struct Broker {
    /// `127.0.0.1:port`, for `bootstrap.servers`.
    pub bootstrap: String,
    /// The broker's directory (config, storage, `broker.log`); empty for an
    /// external broker.
    pub dir: PathBuf,
    port: u16,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One per test binary, stopped by broker.sh's watchdog when the binary exits.
    Shared,
    /// Owned by one test, stopped and removed on drop.
    Dedicated,
    /// Given by KCONNECT_TEST_BOOTSTRAP; not ours to stop.
    External,
}

impl Broker {
    /// Starts a broker of its own, for a test that stops, kills or restarts it.
    /// Dropping it stops the broker and removes its directory.
    pub fn start_dedicated() -> Broker {
        Self::start(Kind::Dedicated).unwrap_or_else(|e| panic!("{e}"))
    }

    fn start(kind: Kind) -> Result<Broker, String> {
        let pid = std::process::id().to_string();
        let started = Instant::now();
        let mut out = broker_sh(&["start", "--owner-pid", &pid]);
        if !out.status.success() {
            // One more try: a start can lose a race for its free ports with
            // another process on the machine. The first failure is shown.
            eprintln!(
                "[support] broker start failed, retrying once: {}",
                describe(&out)
            );
            out = broker_sh(&["start", "--owner-pid", &pid]);
        }
        if !out.status.success() {
            return Err(format!(
                "could not start a Kafka broker with {} start: {}\n{INSTALL_HINT}",
                broker_script().display(),
                describe(&out)
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let field = |key: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_owned)
                .ok_or_else(|| format!("broker.sh start printed no {key} line: {}", describe(&out)))
        };
        let bootstrap = field("BOOTSTRAP=")?;
        let dir = PathBuf::from(field("DIR=")?);
        let port = bootstrap
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("bad BOOTSTRAP={bootstrap}"))?;
        eprintln!(
            "[support] Kafka broker at {bootstrap} in {} (started in {:.1?})",
            dir.display(),
            started.elapsed()
        );
        Ok(Broker {
            bootstrap,
            dir,
            port,
            kind,
        })
    }

    fn external(bootstrap: String) -> Broker {
        let port = bootstrap
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        Broker {
            bootstrap,
            dir: PathBuf::new(),
            port,
            kind: Kind::External,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's log file (`broker.log` in its directory).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("broker.log")
    }

    fn own_dir(&self, what: &str) -> &str {
        assert!(
            self.kind != Kind::External,
            "cannot {what} the external broker {} (KCONNECT_TEST_BOOTSTRAP); use Broker::start_dedicated()",
            self.bootstrap
        );
        self.dir.to_str().expect("broker dir is UTF-8")
    }

    /// Stops the broker gracefully (SIGTERM; SIGKILL after 20 s). Its storage
    /// stays, so `restart` brings it back with its data.
    pub fn stop(&self) {
        let dir = self.own_dir("stop");
        let out = broker_sh(&["stop", "--dir", dir]);
        assert!(
            out.status.success(),
            "broker.sh stop failed: {}",
            describe(&out)
        );
    }

    /// Kills the broker with SIGKILL at once (a crash).
    pub fn kill(&self) {
        let dir = self.own_dir("kill");
        let out = broker_sh(&["stop", "--kill", "--dir", dir]);
        assert!(
            out.status.success(),
            "broker.sh stop --kill failed: {}",
            describe(&out)
        );
    }

    /// Starts the stopped (or killed) broker again: same directory, same
    /// port, same data. Returns once it serves.
    pub fn restart(&self) {
        let dir = self.own_dir("restart");
        let pid = std::process::id().to_string();
        let port = self.port.to_string();
        let out = broker_sh(&["start", "--dir", dir, "--port", &port, "--owner-pid", &pid]);
        assert!(
            out.status.success(),
            "broker.sh start (restart) failed: {}",
            describe(&out)
        );
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if self.kind != Kind::Dedicated {
            return;
        }
        let keep = std::env::var("KCONNECT_TEST_KEEP_BROKER_DIR").as_deref() == Ok("1");
        let dir = self.dir.to_str().expect("broker dir is UTF-8");
        let out = if keep {
            broker_sh(&["stop", "--dir", dir])
        } else {
            broker_sh(&["clean", "--dir", dir])
        };
        if !out.status.success() {
            eprintln!(
                "[support] stopping the broker in {dir} failed: {}",
                describe(&out)
            );
        }
    }
}

/// The broker shared by all tests of this test binary: started on first use,
/// stopped by broker.sh's watchdog when the binary exits. Or the broker at
/// `KCONNECT_TEST_BOOTSTRAP`, if set; or, with `KCONNECT_TEST_BROKER=embedded`,
/// kconnect's embedded broker in this process (the same suites then check
/// that it behaves like Kafka).
pub fn shared_broker() -> &'static Broker {
    static SHARED: OnceLock<Result<Broker, String>> = OnceLock::new();
    let broker = SHARED.get_or_init(|| match std::env::var("KCONNECT_TEST_BOOTSTRAP") {
        Ok(bootstrap) if !bootstrap.trim().is_empty() => {
            Ok(Broker::external(bootstrap.trim().to_owned()))
        }
        _ if uses_embedded_broker() => start_embedded().map(Broker::external),
        _ => Broker::start(Kind::Shared),
    });
    match broker {
        Ok(broker) => broker,
        Err(e) => panic!("{e}"),
    }
}

/// Whether this run's shared broker is kconnect's embedded one.
#[allow(dead_code)]
pub fn uses_embedded_broker() -> bool {
    std::env::var("KCONNECT_TEST_BROKER").as_deref() == Ok("embedded")
}

/// Starts the embedded broker on its own thread and runtime, for the rest of
/// the test process (it ends with the process: no other process to stop).
fn start_embedded() -> Result<String, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(format!("embedded broker runtime: {e}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let config = kconnect::broker::BrokerConfig::default();
                match kconnect::broker::EmbeddedBroker::start(config).await {
                    Ok(broker) => {
                        let _ = tx.send(Ok(broker.bootstrap()));
                        std::future::pending::<()>().await;
                        drop(broker);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(format!("embedded broker: {e}")));
                    }
                }
            });
        })
        .map_err(|e| format!("embedded broker thread: {e}"))?;
    let bootstrap = rx
        .recv()
        .map_err(|_| "the embedded broker thread ended".to_string())??;
    eprintln!("[support] embedded broker at {bootstrap}");
    Ok(bootstrap)
}

/// A topic name no other test uses: `prefix-<16 hex digits>`.
pub fn unique_topic(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// Polls `f` (every 50 ms) until it returns true; panics naming `what` when
/// `deadline` passes first.
pub fn wait_until<F: FnMut() -> bool>(deadline: Duration, what: &str, mut f: F) {
    let end = Instant::now() + deadline;
    loop {
        if f() {
            return;
        }
        if Instant::now() >= end {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

// --- Kafka's Java tools ----------------------------------------------------------

/// Runs the Java main class `class` from the Kafka jars (via `broker.sh tool`)
/// and collects its output; killed if it runs longer than DEFAULT_TOOL_TIMEOUT.
pub fn java_tool(class: &str, args: &[&str]) -> Output {
    java_tool_timeout(class, args, None, DEFAULT_TOOL_TIMEOUT)
}

/// Like `java_tool`, with `stdin` fed to the tool (then closed).
pub fn java_tool_stdin(class: &str, args: &[&str], stdin: &[u8]) -> Output {
    java_tool_timeout(class, args, Some(stdin), DEFAULT_TOOL_TIMEOUT)
}

/// Runs the Java main class `class`, feeding it `stdin` if given. When
/// `timeout` passes first, the JVM is killed by its pid (SIGKILL) and the
/// output so far is returned with the killed status; no JVM outlives this call.
pub fn java_tool_timeout(
    class: &str,
    args: &[&str],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(broker_script()).arg("tool").arg(class).args(args);
    // broker.sh execs java, so the child's pid is the JVM's; and it kills the
    // JVM should this test process die first.
    cmd.env("KCONNECT_TOOL_OWNER_PID", std::process::id().to_string());
    let (status, stdout, stderr, timed_out) = run_with_deadline(cmd, stdin, timeout);
    if timed_out {
        eprintln!(
            "[support] {class} {args:?} killed after {timeout:?}; stderr:\n{}",
            String::from_utf8_lossy(&stderr)
        );
    }
    Output {
        status,
        stdout,
        stderr,
    }
}

fn run_with_deadline(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> (ExitStatus, Vec<u8>, Vec<u8>, bool) {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child: Child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin piped");
        let data = data.to_vec();
        // A tool that exits early closes its stdin: ignore the broken pipe.
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        let mut pipe = pipe.expect("piped");
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out_reader = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_reader = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );

    let end = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= end => {
                timed_out = true;
                let _ = child.kill(); // SIGKILL to the child's pid
                break child.wait().expect("wait for the killed tool");
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("waiting for {cmd:?}: {e}");
            }
        }
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    (status, stdout, stderr, timed_out)
}

/// Panics with the tool's output unless it exited successfully.
pub fn assert_tool_ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", describe(out));
}

pub const CONSOLE_PRODUCER: &str = "org.apache.kafka.tools.ConsoleProducer";
pub const CONSOLE_CONSUMER: &str = "org.apache.kafka.tools.consumer.ConsoleConsumer";
pub const PRODUCER_PERFORMANCE: &str = "org.apache.kafka.tools.ProducerPerformance";
pub const CONSUMER_PERFORMANCE: &str = "org.apache.kafka.tools.ConsumerPerformance";
pub const TOPIC_COMMAND: &str = "org.apache.kafka.tools.TopicCommand";
pub const CONSUMER_GROUP_COMMAND: &str =
    "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

/// Writes `lines` to `topic` with Kafka's console producer (one record per
/// line, no key), waiting for every ack.
pub fn console_produce(bootstrap: &str, topic: &str, lines: &[&str]) {
    let mut input = lines.join("\n");
    input.push('\n');
    let out = java_tool_stdin(
        CONSOLE_PRODUCER,
        &[
            "--bootstrap-server",
            bootstrap,
            "--topic",
            topic,
            "--producer-property",
            "acks=all",
        ],
        input.as_bytes(),
    );
    assert_tool_ok(&out, &format!("console producer to {topic}"));
}

/// Reads `count` records of `topic` from the beginning with Kafka's console
/// consumer (values only, one per line); panics if fewer arrive in 30 s.
/// `extra` adds options, e.g. `["--property", "print.key=true"]`.
pub fn console_consume(bootstrap: &str, topic: &str, count: usize, extra: &[&str]) -> Vec<String> {
    let count_s = count.to_string();
    let mut args = vec![
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        &count_s,
        "--timeout-ms",
        "30000",
    ];
    args.extend_from_slice(extra);
    let out = java_tool_timeout(CONSOLE_CONSUMER, &args, None, Duration::from_secs(90));
    assert_tool_ok(&out, &format!("console consumer of {topic}"));
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines.len(),
        count,
        "console consumer of {topic} read {lines:?}: {}",
        describe(&out)
    );
    lines
}

/// Creates `topic` with `partitions` partitions (replication factor 1).
pub fn create_topic(bootstrap: &str, topic: &str, partitions: u32) {
    let partitions = partitions.to_string();
    let out = java_tool(
        TOPIC_COMMAND,
        &[
            "--bootstrap-server",
            bootstrap,
            "--create",
            "--topic",
            topic,
            "--partitions",
            &partitions,
            "--replication-factor",
            "1",
        ],
    );
    assert_tool_ok(&out, &format!("creating topic {topic}"));
}
