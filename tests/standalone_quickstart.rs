//! The Apache Kafka quickstart, run with `kconnect standalone` and the
//! quickstart's own files (config/connect-standalone.properties,
//! connect-file-source.properties, connect-file-sink.properties): lines in
//! test.txt come out in test.sink.txt byte for byte, the topic holds the
//! JsonConverter envelope Java writes, a clean restart produces only new
//! lines, and a kill -9 loses none.

mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kconnect::kafka::config::{ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use support::Broker;

/// The quickstart files, with only what must change for a test replaced:
/// the broker address, the offsets file (a fixed /tmp path would leak
/// offsets between runs), and a loopback REST listener on a free port (the
/// default, :8083 on every interface, is not for tests).
fn write_configs(dir: &Path, bootstrap: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let worker = fs::read_to_string(root.join("connect-standalone.properties"))
        .unwrap()
        .replace(
            "bootstrap.servers=localhost:9092",
            &format!("bootstrap.servers={bootstrap}"),
        )
        .replace(
            "offset.storage.file.filename=/tmp/connect.offsets",
            &format!(
                "offset.storage.file.filename={}",
                dir.join("connect.offsets").display()
            ),
        );
    assert!(worker.contains(bootstrap) && worker.contains("connect.offsets"));
    let worker = format!("{worker}\nlisteners=http://127.0.0.1:0\n");
    fs::write(dir.join("connect-standalone.properties"), worker).unwrap();
    for f in [
        "connect-file-source.properties",
        "connect-file-sink.properties",
    ] {
        fs::copy(root.join(f), dir.join(f)).unwrap();
    }
}

/// A worker process, stopped by pid when dropped.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(dir: &Path) -> WorkerProcess {
        let log =
            fs::File::create(dir.join(format!("worker-{}.log", rand::random::<u32>()))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kconnect"))
            .current_dir(dir)
            .args([
                "standalone",
                "connect-standalone.properties",
                "connect-file-source.properties",
                "connect-file-sink.properties",
            ])
            .env("KCONNECT_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start kconnect standalone");
        WorkerProcess(child)
    }

    /// SIGTERM and wait for a clean exit.
    fn stop(mut self) {
        let pid = self.0.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                assert!(status.success(), "worker exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "worker did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn append_lines(path: &Path, range: std::ops::Range<usize>) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for i in range {
        // Plain text, quotes, backslashes, tabs and non-ASCII, as real files have.
        text.push_str(&format!(
            "line {i:06} \"quoted\" back\\slash\ttab ünïcødé ✓\n"
        ));
    }
    f.write_all(text.as_bytes()).unwrap();
}

fn line_count(path: &Path) -> usize {
    fs::read(path)
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .unwrap_or(0)
}

fn wait_for_lines(path: &Path, n: usize, within: Duration) {
    support::wait_until(within, &format!("{n} lines in {}", path.display()), || {
        line_count(path) >= n
    });
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kconnect-quickstart-{:016x}",
        rand::random::<u64>()
    ));
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_files_copy_lines_byte_for_byte_and_survive_restarts() {
    let broker = Broker::start_dedicated();
    let dir = temp_dir();
    write_configs(&dir, &broker.bootstrap);
    let source = dir.join("test.txt");
    let sink = dir.join("test.sink.txt");
    append_lines(&source, 0..100_000);

    // 1. 100,000 lines in, the identical file out.
    let worker = WorkerProcess::start(&dir);
    wait_for_lines(&sink, 100_000, Duration::from_secs(180));
    assert_eq!(
        fs::read(&sink).unwrap(),
        fs::read(&source).unwrap(),
        "sink file differs"
    );

    // 2. The topic holds Java's JsonConverter envelope for each line.
    let mut config = ConsumerConfig::new(&broker.bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign([TopicPartition::new("connect-test", 0)]);
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while values.len() < 3 && Instant::now() < deadline {
        for b in consumer.poll(Duration::from_millis(500)).await.unwrap() {
            for r in b.records {
                assert!(r.key.is_none(), "a null key stays null");
                values.push(r.value.unwrap());
            }
        }
    }
    let first = String::from_utf8(values[0].to_vec()).unwrap();
    assert_eq!(
        first,
        r#"{"schema":{"type":"string","optional":false},"payload":"line 000000 \"quoted\" back\\slash\ttab ünïcødé ✓"}"#
    );

    // 3. Clean stop, more lines, start again: only the new lines arrive.
    worker.stop();
    append_lines(&source, 100_000..101_000);
    let worker = WorkerProcess::start(&dir);
    wait_for_lines(&sink, 101_000, Duration::from_secs(120));
    // Give a duplicate the chance to show up before comparing.
    let settle = Instant::now() + Duration::from_secs(3);
    while Instant::now() < settle {
        assert!(
            line_count(&sink) <= 101_000,
            "duplicates after a clean restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        fs::read(&sink).unwrap(),
        fs::read(&source).unwrap(),
        "sink file differs after restart"
    );

    // 4. kill -9 in the middle of a run, then start again: no line missing.
    append_lines(&source, 101_000..151_000);
    support::wait_until(Duration::from_secs(60), "the run to be under way", || {
        line_count(&sink) > 101_000
    });
    worker.kill();
    let worker = WorkerProcess::start(&dir);
    // Re-delivered lines count towards the total, so wait for every line
    // rather than for a number of them.
    let source_text = fs::read_to_string(&source).unwrap();
    let mut missing: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        let sink_text = fs::read_to_string(&sink).unwrap_or_default();
        let got: std::collections::BTreeSet<&str> = sink_text.lines().collect();
        missing = source_text
            .lines()
            .filter(|l| !got.contains(l))
            .take(5)
            .map(String::from)
            .collect();
        if missing.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        missing.is_empty(),
        "lines missing after kill -9: {missing:?}"
    );
    worker.stop();
    let _ = fs::remove_dir_all(&dir);
}
