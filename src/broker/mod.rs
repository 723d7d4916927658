//! The embedded in-memory Kafka broker: a single node speaking the real
//! Kafka wire protocol, started in-process in milliseconds, for a first run,
//! a demo, a laptop and the tests (`kconnect broker`, `--embedded-broker`,
//! the quickstart). Production always uses a real Kafka cluster.
//!
//! It depends only on `kafka` (the batch header codec and version
//! knowledge) and the `kafka-protocol` codecs; the runtime never depends on
//! it: it is one more Kafka.
//!
//! One concern per file:
//!
//! - `server`: TCP accept, frames, per-connection ordering.
//! - `dispatch`: decode, faults, unsupported versions, routing, encoding.
//! - `api_versions`: the versions served.
//! - `errors`: well-formed error answers to any served request.
//! - `handlers/`: one file per API family.
//! - `state`: topics, producer ids, the memory bound, the append signal.
//! - `topic`: topics, names and configs.
//! - `partition`: one partition's in-memory log.
//! - `producer_state`: idempotent sequence checks.
//! - `compaction`: keeping the latest record per key.
//! - `faults`: fault injection for tests.

mod api_versions;
mod compaction;
mod dispatch;
mod errors;
pub mod faults;
pub mod group;
mod handlers;
mod partition;
mod producer_state;
mod server;
mod state;
mod topic;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use faults::Faults;
use state::BrokerState;

/// Default memory bound for all logs together.
pub const DEFAULT_MAX_MEMORY: usize = 512 * 1024 * 1024;

/// How the embedded broker is set up.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Bytes all logs may hold before retention drops the oldest batches of
    /// non-compacted topics.
    pub max_memory: usize,
    /// Create a topic when Metadata asks for a missing one (and the request
    /// allows it), like `auto.create.topics.enable`.
    pub auto_create_topics: bool,
    /// Partitions of auto-created topics and of CreateTopics with -1.
    pub num_partitions: i32,
    pub node_id: i32,
    pub cluster_id: String,
}

impl Default for BrokerConfig {
    fn default() -> BrokerConfig {
        BrokerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_memory: DEFAULT_MAX_MEMORY,
            auto_create_topics: true,
            num_partitions: 1,
            node_id: 1,
            // Kafka cluster ids are 22 characters (a base64 UUID).
            cluster_id: uuid::Uuid::new_v4().simple().to_string()[..22].to_string(),
        }
    }
}

/// A running embedded broker. Dropping it stops it too; `shutdown` waits
/// for the connections to close.
pub struct EmbeddedBroker {
    addr: SocketAddr,
    state: Arc<BrokerState>,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl EmbeddedBroker {
    /// Binds the listener and starts serving.
    pub async fn start(config: BrokerConfig) -> std::io::Result<EmbeddedBroker> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            addr.ip().to_string()
        };
        let state = Arc::new(BrokerState::new(config, host, i32::from(addr.port())));
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server::serve(listener, state.clone(), shutdown.clone()));
        tracing::info!("embedded broker: listening on {addr}");
        Ok(EmbeddedBroker {
            addr,
            state,
            shutdown,
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!(
            "{}:{}",
            self.state.advertised_host, self.state.advertised_port
        )
    }

    /// The cluster id it reports.
    pub fn cluster_id(&self) -> &str {
        &self.state.config.cluster_id
    }

    /// Fault injection switches (all off until a test arms them).
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Compacts every compacted topic now (compaction otherwise runs
    /// lazily, when enough was appended).
    pub fn compact_now(&self) {
        self.state.compact_all();
    }

    /// Bytes currently held by all logs.
    pub fn memory_used(&self) -> usize {
        self.state.memory_used()
    }

    /// Stops accepting, closes every connection and waits for them.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.state.groups.shutdown().await;
        tracing::info!("embedded broker: stopped");
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
