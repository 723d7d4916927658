//! The `kconnect` command line: `standalone` runs a worker as Java's
//! `connect-standalone.sh` does; `perf` carries the client perf tools;
//! `broker` runs the embedded in-memory Kafka broker.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use kconnect::perf;

#[derive(Parser)]
#[command(name = "kconnect", version, about = "Kafka Connect, rewritten in Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a standalone worker: worker.properties connector1.properties [...].
    Standalone {
        /// Run an embedded in-memory Kafka broker in this process and use it
        /// instead of `bootstrap.servers` (for a demo or a laptop, never
        /// production).
        #[arg(long)]
        embedded_broker: bool,
        /// The worker's properties file.
        worker: std::path::PathBuf,
        /// Connector configs (.properties, or JSON {"name":..,"config":{..}}).
        connectors: Vec<std::path::PathBuf>,
    },
    /// Runs a distributed worker (Java's connect-distributed.sh): joins the
    /// Connect group of `group.id` and keeps configs, offsets and statuses
    /// in the Kafka topics the properties name.
    Distributed {
        /// The worker's properties file.
        worker: std::path::PathBuf,
    },
    /// Kafka's Connect quickstart in one command: file -> Kafka -> file, with
    /// the REST API, on the embedded broker or an existing Kafka.
    Quickstart(QuickstartArgs),
    /// Client throughput tools, comparable with Kafka's perf tools.
    #[command(subcommand)]
    Perf(PerfCommand),
    /// Runs the embedded in-memory Kafka broker (dev and test use only)
    /// until Ctrl-C or SIGTERM.
    Broker(BrokerArgs),
}

#[derive(Args)]
struct BrokerArgs {
    /// Address to listen on (host:port; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:9092")]
    listen: String,
    /// Bytes all logs may hold before the oldest batches of non-compacted
    /// topics are dropped.
    #[arg(long, default_value_t = kconnect::broker::DEFAULT_MAX_MEMORY)]
    max_memory: usize,
}

#[derive(Args)]
struct QuickstartArgs {
    /// Use this Kafka instead of the embedded broker.
    #[arg(long)]
    bootstrap_server: Option<String>,
    /// The REST API listeners.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    listeners: String,
    /// Where the input, output and offsets files go (default: a
    /// `kconnect-quickstart` folder in the temp directory).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// How many sample lines to move.
    #[arg(long, default_value_t = 10_000)]
    lines: usize,
}

#[derive(Subcommand)]
enum PerfCommand {
    /// Like kafka-producer-perf-test.
    Produce(ProduceArgs),
    /// Like kafka-consumer-perf-test.
    Consume(ConsumeArgs),
}

#[derive(Args)]
struct ProduceArgs {
    #[arg(long)]
    bootstrap_server: String,
    #[arg(long)]
    topic: String,
    #[arg(long)]
    num_records: u64,
    #[arg(long)]
    record_size: usize,
    #[arg(long, default_value = "all")]
    acks: String,
    #[arg(long, default_value_t = 5)]
    linger_ms: u64,
    #[arg(long, default_value_t = 16384)]
    batch_size: usize,
    #[arg(long, default_value = "none")]
    compression: String,
    /// Extra producer properties, key=value.
    #[arg(long = "producer-prop", value_parser = parse_kv)]
    props: Vec<(String, String)>,
}

#[derive(Args)]
struct ConsumeArgs {
    #[arg(long)]
    bootstrap_server: String,
    #[arg(long)]
    topic: String,
    #[arg(long)]
    num_records: u64,
    /// Stop after this many ms without new records.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Extra consumer properties, key=value.
    #[arg(long = "consumer-prop", value_parser = parse_kv)]
    props: Vec<(String, String)>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .ok_or_else(|| format!("expected key=value, got '{s}'"))
}

/// Resolves on SIGINT or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr, filtered by `KCONNECT_LOG` (default `info`). The filter
/// sits behind a reload handle so that `PUT /admin/loggers/...` can change
/// levels while the worker runs; `KnownTargets` tells the registry which
/// loggers exist.
fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{fmt, reload, EnvFilter};

    let directives = std::env::var("KCONNECT_LOG")
        .ok()
        .filter(|d| EnvFilter::try_new(d).is_ok())
        .unwrap_or_else(|| "info".to_string());
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(kconnect::runtime::loggers::KnownTargets)
        .init();
    kconnect::runtime::loggers::Loggers::global().init(
        &directives,
        Some(Box::new(move |d: &str| {
            let filter = EnvFilter::try_new(d).map_err(|e| e.to_string())?;
            handle.reload(filter).map_err(|e| e.to_string())
        })),
    );
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Standalone {
                embedded_broker,
                worker,
                connectors,
            } => {
                let mut props = kconnect::runtime::standalone::load_worker_props(&worker)
                    .map_err(|e| kconnect::kafka::Error::Other(e.to_string()))?;
                let embedded = if embedded_broker {
                    let broker = kconnect::broker::EmbeddedBroker::start(
                        kconnect::broker::BrokerConfig::default(),
                    )
                    .await
                    .map_err(|e| {
                        kconnect::kafka::Error::Other(format!(
                            "cannot start the embedded broker: {e}"
                        ))
                    })?;
                    tracing::info!(bootstrap = %broker.bootstrap(), "embedded broker started; bootstrap.servers points at it");
                    props.insert("bootstrap.servers".to_string(), broker.bootstrap());
                    Some(broker)
                } else {
                    None
                };
                let standalone =
                    kconnect::runtime::standalone::start_with_props(props, &connectors)
                        .await
                        .map_err(|e| kconnect::kafka::Error::Other(e.to_string()))?;
                let rest_shutdown = tokio_util::sync::CancellationToken::new();
                let bound = kconnect::rest::serve_worker(&standalone, rest_shutdown.clone()).await;
                match bound {
                    Ok(addrs) => tracing::info!(?addrs, "REST server started"),
                    Err(e) => {
                        standalone.shutdown().await;
                        return Err(kconnect::kafka::Error::Other(format!(
                            "cannot start the REST server: {e}"
                        )));
                    }
                }
                wait_for_signal().await;
                tracing::info!("stopping");
                rest_shutdown.cancel();
                standalone.shutdown().await;
                if let Some(broker) = embedded {
                    broker.shutdown().await;
                }
                Ok(())
            }
            Command::Distributed { worker } => {
                let other = |e: String| kconnect::kafka::Error::Other(e);
                let props = kconnect::runtime::standalone::load_worker_props(&worker)
                    .map_err(|e| other(e.to_string()))?;
                let listeners = props
                    .get("listeners")
                    .cloned()
                    .unwrap_or_else(|| kconnect::rest::DEFAULT_LISTENERS.to_string());
                // Bound first: the URL this worker advertises to the group
                // is the one it serves on.
                let bound = kconnect::rest::bind(&listeners)
                    .await
                    .map_err(|e| other(format!("cannot start the REST server: {e}")))?;
                let rest_addr = bound
                    .first()
                    .map(|(_, a)| *a)
                    .ok_or_else(|| other("no REST listener".to_string()))?;
                let distributed =
                    kconnect::runtime::distributed::start_with_props(props, rest_addr)
                        .await
                        .map_err(|e| other(e.to_string()))?;
                let rest_shutdown = tokio_util::sync::CancellationToken::new();
                let addrs = kconnect::rest::serve_bound(
                    bound,
                    kconnect::rest::HerderRef::Distributed(distributed.herder.clone()),
                    kconnect::rest::server_info(distributed.kafka_cluster_id.clone()),
                    rest_shutdown.clone(),
                );
                tracing::info!(?addrs, url = %distributed.rest_url, "REST server started");
                wait_for_signal().await;
                tracing::info!("stopping");
                distributed.shutdown().await;
                rest_shutdown.cancel();
                Ok(())
            }
            Command::Quickstart(a) => {
                let dir = a
                    .dir
                    .unwrap_or_else(|| std::env::temp_dir().join("kconnect-quickstart"));
                // Without a Kafka of the user's, the embedded broker, on a
                // free port, for as long as the quickstart runs.
                let (bootstrap, kafka_description, embedded) = match a.bootstrap_server {
                    Some(b) => (b.clone(), format!("existing Kafka at {b}"), None),
                    None => {
                        let broker = kconnect::broker::EmbeddedBroker::start(
                            kconnect::broker::BrokerConfig::default(),
                        )
                        .await
                        .map_err(|e| {
                            kconnect::kafka::Error::Other(format!(
                                "cannot start the embedded broker: {e}"
                            ))
                        })?;
                        let bootstrap = broker.bootstrap();
                        let description = format!(
                            "embedded broker at {bootstrap} (in memory, this process only)"
                        );
                        (bootstrap, description, Some(broker))
                    }
                };
                let result = kconnect::quickstart::run(
                    kconnect::quickstart::QuickstartOptions {
                        bootstrap,
                        kafka_description,
                        listeners: a.listeners,
                        dir,
                        lines: a.lines,
                    },
                    wait_for_signal(),
                )
                .await
                .map_err(|e| kconnect::kafka::Error::Other(e.to_string()));
                if let Some(broker) = embedded {
                    broker.shutdown().await;
                }
                result
            }
            Command::Broker(a) => {
                use std::net::ToSocketAddrs;
                let listen = a
                    .listen
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut addrs| addrs.next())
                    .ok_or_else(|| {
                        kconnect::kafka::Error::Other(format!(
                            "--listen {}: not a host:port this machine can bind",
                            a.listen
                        ))
                    })?;
                let config = kconnect::broker::BrokerConfig {
                    listen,
                    max_memory: a.max_memory,
                    ..Default::default()
                };
                let broker = kconnect::broker::EmbeddedBroker::start(config)
                    .await
                    .map_err(|e| {
                        kconnect::kafka::Error::Other(format!(
                            "cannot start the embedded broker on {}: {e}",
                            a.listen
                        ))
                    })?;
                println!(
                    "embedded Kafka broker listening on {} (cluster id {}); Ctrl-C to stop",
                    broker.bootstrap(),
                    broker.cluster_id()
                );
                wait_for_signal().await;
                tracing::info!("stopping");
                broker.shutdown().await;
                Ok(())
            }
            Command::Perf(PerfCommand::Produce(a)) => {
                let report = perf::produce(&perf::ProduceOptions {
                    bootstrap: a.bootstrap_server,
                    topic: a.topic,
                    num_records: a.num_records,
                    record_size: a.record_size,
                    acks: a.acks,
                    linger_ms: a.linger_ms,
                    batch_size: a.batch_size,
                    compression: a.compression,
                    props: a.props,
                })
                .await?;
                println!("{}", report.summary());
                if report.failed > 0 {
                    return Err(kconnect::kafka::Error::Other(format!(
                        "{} records failed",
                        report.failed
                    )));
                }
                Ok(())
            }
            Command::Perf(PerfCommand::Consume(a)) => {
                let report = perf::consume(&perf::ConsumeOptions {
                    bootstrap: a.bootstrap_server,
                    topic: a.topic,
                    num_records: a.num_records,
                    timeout: Duration::from_millis(a.timeout_ms),
                    props: a.props,
                })
                .await?;
                println!("{}", report.summary());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
