//! `kconnect quickstart`: Apache Kafka's Connect quickstart in one command.
//! Writes a sample input file, runs a standalone worker with the quickstart
//! pipeline (FileStreamSource -> topic `connect-test` -> FileStreamSink) and
//! the REST API, shows the records moving, and when the sample is through,
//! prints what to try next. It runs until Ctrl-C, then stops cleanly.
//!
//! The Kafka it runs against is the caller's: an existing cluster or the
//! embedded broker (see `main.rs`).

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::api::error::ConnectError;
use crate::runtime::herder::standalone::PutConnectorConfig;
use crate::runtime::standalone::{start_with_props, Standalone};
use crate::runtime::status::TargetState;

/// The topic of Kafka's quickstart.
pub const TOPIC: &str = "connect-test";
pub const SOURCE_NAME: &str = "local-file-source";
pub const SINK_NAME: &str = "local-file-sink";

/// What the quickstart runs with.
pub struct QuickstartOptions {
    /// `bootstrap.servers` of the Kafka to use.
    pub bootstrap: String,
    /// How to describe that Kafka to the user.
    pub kafka_description: String,
    /// The REST listeners (`http://127.0.0.1:8083` by default).
    pub listeners: String,
    /// Where the input, output and offsets files go.
    pub dir: PathBuf,
    /// How many sample lines to write.
    pub lines: usize,
}

/// A started quickstart pipeline.
pub struct Quickstart {
    pub worker: Standalone,
    pub rest: Vec<SocketAddr>,
    rest_shutdown: CancellationToken,
    pub input: PathBuf,
    pub output: PathBuf,
}

/// Writes the sample, starts the worker, the REST API and both connectors.
pub async fn start(opts: &QuickstartOptions) -> Result<Quickstart, ConnectError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        ConnectError::fatal(format!("cannot {what} {}: {e}", path.display()))
    };
    std::fs::create_dir_all(&opts.dir).map_err(|e| io("create", &opts.dir, e))?;
    let input = opts.dir.join("input.txt");
    let output = opts.dir.join("output.txt");
    let offsets = opts.dir.join("connect.offsets");
    // A fresh run: the source reads the sample from the start.
    for stale in [&output, &offsets] {
        if stale.exists() {
            std::fs::remove_file(stale).map_err(|e| io("remove", stale, e))?;
        }
    }
    write_sample(&input, opts.lines).map_err(|e| io("write", &input, e))?;

    // Kafka's config/connect-standalone.properties, pointed at our files.
    let worker_props: HashMap<String, String> = [
        ("bootstrap.servers", opts.bootstrap.as_str()),
        (
            "key.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        ("key.converter.schemas.enable", "true"),
        ("value.converter.schemas.enable", "true"),
        ("offset.flush.interval.ms", "10000"),
        ("listeners", opts.listeners.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([(
        "offset.storage.file.filename".to_string(),
        offsets.display().to_string(),
    )])
    .collect();
    let worker = start_with_props(worker_props, &[]).await?;
    let rest_shutdown = CancellationToken::new();
    let rest = match crate::rest::serve_worker(&worker, rest_shutdown.clone()).await {
        Ok(addrs) => addrs,
        Err(e) => {
            worker.shutdown().await;
            return Err(ConnectError::fatal(format!(
                "cannot start the REST API on {}: {e}",
                opts.listeners
            )));
        }
    };
    let connectors = [
        (
            SOURCE_NAME,
            [
                ("connector.class", "FileStreamSource"),
                ("tasks.max", "1"),
                ("topic", TOPIC),
            ],
            &input,
        ),
        (
            SINK_NAME,
            [
                ("connector.class", "FileStreamSink"),
                ("tasks.max", "1"),
                ("topics", TOPIC),
            ],
            &output,
        ),
    ];
    for (name, settings, file) in connectors {
        let mut config: HashMap<String, String> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config.insert("file".into(), file.display().to_string());
        let put = PutConnectorConfig {
            name: name.to_string(),
            config,
            allow_replace: false,
            initial_state: TargetState::Started,
        };
        if let Err(e) = worker.herder.ask(put).await {
            rest_shutdown.cancel();
            worker.shutdown().await;
            return Err(ConnectError::fatal(format!(
                "cannot create connector {name}: {e}"
            )));
        }
    }
    Ok(Quickstart {
        worker,
        rest,
        rest_shutdown,
        input,
        output,
    })
}

impl Quickstart {
    /// Stops the REST API and the worker (tasks stop, offsets are flushed).
    pub async fn shutdown(self) {
        self.rest_shutdown.cancel();
        self.worker.shutdown().await;
    }

    /// The first REST address as a URL.
    pub fn rest_url(&self) -> String {
        match self.rest.first() {
            Some(addr) => format!("http://{addr}"),
            None => "(no REST listener)".to_string(),
        }
    }
}

/// `lines` sample lines, each distinct so that a reordering would show.
fn write_sample(path: &Path, lines: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for i in 1..=lines {
        writeln!(out, "kconnect quickstart line {i} of {lines}")?;
    }
    out.flush()
}

/// Counts the lines of a file that only grows, reading only what is new.
struct LineCounter {
    path: PathBuf,
    position: u64,
    lines: usize,
}

impl LineCounter {
    fn new(path: &Path) -> LineCounter {
        LineCounter {
            path: path.to_path_buf(),
            position: 0,
            lines: 0,
        }
    }

    fn update(&mut self) -> usize {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return self.lines;
        };
        if file.seek(SeekFrom::Start(self.position)).is_err() {
            return self.lines;
        }
        let mut buf = Vec::new();
        if let Ok(n) = file.read_to_end(&mut buf) {
            self.position += n as u64;
            self.lines += buf.iter().filter(|b| **b == b'\n').count();
        }
        self.lines
    }
}

/// Runs the quickstart: progress until the sample is through, then the
/// next steps, then waits for `stop` and shuts down.
pub async fn run(
    opts: QuickstartOptions,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), ConnectError> {
    let started = Instant::now();
    let quickstart = start(&opts).await?;
    let url = quickstart.rest_url();
    println!("kconnect quickstart");
    println!("  Kafka:    {}", opts.kafka_description);
    println!(
        "  input:    {} ({} lines)",
        quickstart.input.display(),
        opts.lines
    );
    println!("  output:   {}", quickstart.output.display());
    println!("  REST API: {url}");
    println!(
        "  pipeline: {SOURCE_NAME} (FileStreamSource) -> topic {TOPIC} -> {SINK_NAME} (FileStreamSink)"
    );
    println!("  started in {} ms", started.elapsed().as_millis());
    let tty = std::io::stdout().is_terminal();
    let mut counter = LineCounter::new(&quickstart.output);
    let moving = Instant::now();
    let mut last_print = Instant::now() - Duration::from_secs(1);
    tokio::pin!(stop);
    let mut done = false;
    loop {
        let moved = counter.update();
        let finished = moved >= opts.lines;
        let period = if tty {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(1)
        };
        if !done && (finished || last_print.elapsed() >= period) {
            let secs = moving.elapsed().as_secs_f64().max(0.001);
            let line = format!(
                "  moved {moved} / {} records ({:.0} records/s)",
                opts.lines,
                moved as f64 / secs
            );
            if tty {
                print!("\r{line}");
            } else {
                println!("{line}");
            }
            let _ = std::io::stdout().flush();
            last_print = Instant::now();
        }
        if finished && !done {
            done = true;
            if tty {
                println!();
            }
            println!(
                "Done: all {} lines went through Kafka into {}.",
                opts.lines,
                quickstart.output.display()
            );
            println!("Try:");
            println!("  curl -s {url}/connectors");
            println!("  curl -s {url}/connectors/{SOURCE_NAME}/status");
            println!("  curl -s -X PUT {url}/connectors/{SOURCE_NAME}/pause");
            println!("  curl -s -X PUT {url}/connectors/{SOURCE_NAME}/resume");
            println!(
                "  echo 'another line' >> {}   # and watch it arrive in {}",
                quickstart.input.display(),
                quickstart.output.display()
            );
            println!("Press Ctrl-C to stop.");
            let _ = std::io::stdout().flush();
        }
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
    println!("Stopping.");
    quickstart.shutdown().await;
    println!("Stopped.");
    Ok(())
}
