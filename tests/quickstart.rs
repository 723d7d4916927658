//! `kconnect quickstart` end to end, as a user runs it: the binary starts,
//! moves every sample line through Kafka into the output file (byte for
//! byte), the REST API reports both connectors RUNNING, and Ctrl-C (SIGINT)
//! stops it with exit code 0.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::shared_broker;

/// Kills the quickstart if the test fails before it stopped it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn http_get(base: &str, path: &str) -> (u16, String) {
    let hostport = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(hostport).expect("connect to REST");
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
    )
    .expect("write request");
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// Runs the quickstart with `args` and checks everything a user would.
fn run_quickstart(extra: &[&str], dir: &Path) {
    let lines = 5000;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kconnect"));
    cmd.arg("quickstart")
        .args(["--listeners", "http://127.0.0.1:0"])
        .args(["--lines", &lines.to_string()])
        .arg("--dir")
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Running(cmd.spawn().expect("start kconnect quickstart"));
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut printed = Vec::new();
    let mut rest = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("quickstart never finished; it printed {printed:#?}"));
        if let Some(url) = line.trim().strip_prefix("REST API: ") {
            rest = Some(url.trim().to_string());
        }
        let finished = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if finished {
            break;
        }
    }
    let rest = rest.unwrap_or_else(|| panic!("no REST API line in {printed:#?}"));
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with(&format!("Done: all {lines} lines"))),
        "{printed:#?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("{rest}/connectors/local-file-source/status"))),
        "the next steps name the status URL: {printed:#?}"
    );
    let input = std::fs::read(dir.join("input.txt")).expect("input file");
    let output = std::fs::read(dir.join("output.txt")).expect("output file");
    assert_eq!(
        String::from_utf8_lossy(&input).lines().count(),
        lines,
        "sample size"
    );
    assert!(input == output, "output differs from input");

    for name in ["local-file-source", "local-file-sink"] {
        let (status, body) = http_get(&rest, &format!("/connectors/{name}/status"));
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("status JSON");
        assert_eq!(json["connector"]["state"], "RUNNING", "{body}");
        assert_eq!(json["tasks"][0]["state"], "RUNNING", "{body}");
    }

    // Ctrl-C: a clean stop with exit code 0.
    let pid = child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "quickstart did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "exit status");
}

fn temp_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "kconnect-quickstart-{tag}-{:016x}",
        rand::random::<u64>()
    ))
}

#[test]
fn quickstart_against_an_existing_kafka() {
    let bootstrap = shared_broker().bootstrap.clone();
    let dir = temp_dir("existing");
    run_quickstart(&["--bootstrap-server", &bootstrap], &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_with_the_embedded_broker() {
    let dir = temp_dir("embedded");
    run_quickstart(&[], &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kconnect standalone --embedded-broker` with Kafka's own quickstart
/// connector files: no Kafka needed, lines go through, Ctrl-C stops it.
#[test]
fn standalone_with_the_embedded_broker_runs_kafkas_quickstart_files() {
    let dir = temp_dir("standalone-embedded");
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("input.txt");
    let output = dir.join("output.txt");
    let lines: String = (1..=2000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&input, &lines).expect("input");
    let worker = dir.join("worker.properties");
    // Kafka's config/connect-standalone.properties; bootstrap.servers is
    // replaced by the embedded broker.
    let mut worker_props = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config/connect-standalone.properties"),
    )
    .expect("config/connect-standalone.properties");
    worker_props.push_str(&format!(
        "\noffset.storage.file.filename={}\nlisteners=http://127.0.0.1:0\n",
        dir.join("offsets").display()
    ));
    std::fs::write(&worker, worker_props).expect("worker props");
    let source = dir.join("source.properties");
    std::fs::write(
        &source,
        format!(
            "name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic=connect-test\n",
            input.display()
        ),
    )
    .expect("source props");
    let sink = dir.join("sink.properties");
    std::fs::write(
        &sink,
        format!(
            "name=local-file-sink\nconnector.class=FileStreamSink\ntasks.max=1\nfile={}\ntopics=connect-test\n",
            output.display()
        ),
    )
    .expect("sink props");
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_kconnect"))
            .arg("standalone")
            .arg("--embedded-broker")
            .args([&worker, &source, &sink])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kconnect standalone"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&output).unwrap_or_default() != lines {
        assert!(
            child.0.try_wait().expect("wait").is_none(),
            "the worker exited early"
        );
        assert!(Instant::now() < deadline, "the lines never all arrived");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = child.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the worker did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
