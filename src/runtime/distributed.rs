//! `kconnect distributed worker.properties` (Java's `ConnectDistributed`):
//! load the distributed worker config, start the three Kafka-backed stores
//! (creating the internal topics when missing), the worker, the herder and
//! the group member loop, and run until SIGINT/SIGTERM; then stop every
//! task (committing offsets) and leave the group.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use kameo::actor::{ActorRef, Spawn};
use tokio::sync::mpsc;

use crate::api::error::ConnectError;
use crate::kafka::cluster::Cluster;
use crate::kafka::config::ClientConfig;

use super::config::worker::WorkerConfig;
use super::herder::distributed::herder::{ConfigUpdated, LeaveGroup};
use super::herder::distributed::member::MemberFactory;
use super::herder::distributed::{
    DistributedHerder, DistributedHerderParts, WorkerCoordinatorConfig,
};
use super::herder::requests::{Reconfigure, Shutdown};
use super::status::StatusStore;
use super::storage::config::{ConfigBackingStore, KafkaConfigBackingStore};
use super::storage::internal_topics::{log_config, InternalTopic};
use super::storage::kafka_offset::KafkaOffsetBackingStore;
use super::storage::kafka_status::KafkaStatusBackingStore;
use super::task_builder::TaskEnvironment;
use super::worker::Worker;

/// How long shutdown waits for the member loop to leave the group.
const LEAVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A running distributed worker.
pub struct Distributed {
    pub herder: ActorRef<DistributedHerder>,
    /// `host:port` as statuses show it.
    pub worker_id: String,
    /// Where other workers reach this one (`http://host:port/`).
    pub rest_url: String,
    pub kafka_cluster_id: String,
    pub config: Arc<WorkerConfig>,
    config_store: Arc<KafkaConfigBackingStore>,
    offset_store: Arc<KafkaOffsetBackingStore>,
    status_store: Arc<KafkaStatusBackingStore>,
}

fn fatal(e: impl std::fmt::Display) -> ConnectError {
    ConnectError::fatal(e.to_string())
}

/// Starts a distributed worker whose REST server is bound at `rest_addr`
/// (bound first, so that the URL this worker advertises is known).
pub async fn start_with_props(
    props: HashMap<String, String>,
    rest_addr: SocketAddr,
) -> Result<Distributed, ConnectError> {
    let config = Arc::new(WorkerConfig::distributed(props).map_err(fatal)?);
    let settings = config
        .distributed
        .clone()
        .ok_or_else(|| fatal("not a distributed worker configuration"))?;
    let unprefixed: HashMap<String, String> = config
        .props
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let client = ClientConfig::from_props(&unprefixed).map_err(fatal)?;
    let cluster = Cluster::connect(client)
        .await
        .map_err(|e| fatal(format!("cannot reach the Kafka cluster: {e}")))?;
    let kafka_cluster_id = cluster
        .cluster_id()
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let (host, port) = advertised(&unprefixed, rest_addr);
    let worker_id = format!("{host}:{port}");
    let rest_url = format!("http://{host}:{port}/");

    let offset_store = Arc::new(
        KafkaOffsetBackingStore::start(log_config(&config, InternalTopic::Offset).map_err(fatal)?)
            .await
            .map_err(fatal)?,
    );
    let status_store = Arc::new(
        KafkaStatusBackingStore::start(log_config(&config, InternalTopic::Status).map_err(fatal)?)
            .await
            .map_err(fatal)?,
    );
    let (config_store, mut updates) =
        KafkaConfigBackingStore::start(log_config(&config, InternalTopic::Config).map_err(fatal)?)
            .await
            .map_err(fatal)?;
    let config_store = Arc::new(config_store);

    let env = TaskEnvironment {
        config: config.clone(),
        cluster: cluster.clone(),
        offsets: offset_store.clone(),
        statuses: StatusStore::with_backend(&worker_id, status_store.clone()),
    };
    let (reconfigure_tx, mut reconfigure_rx) = mpsc::unbounded_channel::<String>();
    let worker = Worker::spawn(Worker::new(env.clone(), reconfigure_tx));
    let herder = DistributedHerder::spawn(DistributedHerder::new(DistributedHerderParts {
        worker,
        env,
        config_store: config_store.clone(),
        status_store: status_store.clone(),
        settings: settings.clone(),
        member_factory: MemberFactory {
            cluster,
            config: WorkerCoordinatorConfig::from_settings(&settings, rest_url.clone()),
            store: config_store.clone(),
        },
    }));
    {
        let herder = herder.clone();
        tokio::spawn(async move {
            while let Some(name) = reconfigure_rx.recv().await {
                if herder.tell(Reconfigure(name)).await.is_err() {
                    break;
                }
            }
        });
    }
    {
        let herder = herder.clone();
        tokio::spawn(async move {
            while let Some(update) = updates.recv().await {
                if herder.tell(ConfigUpdated(update)).await.is_err() {
                    break;
                }
            }
        });
    }
    tracing::info!(%worker_id, group = %settings.group_id, "distributed worker started");
    Ok(Distributed {
        herder,
        worker_id,
        rest_url,
        kafka_cluster_id,
        config,
        config_store,
        offset_store,
        status_store,
    })
}

impl Distributed {
    /// Stops every task (committing offsets), leaves the group, stops the
    /// stores.
    pub async fn shutdown(&self) {
        if let Err(e) = self.herder.ask(Shutdown).await {
            tracing::warn!(error = %e, "shutdown request failed");
        }
        // Only now: the member may be waiting for the herder.
        if let Ok(Some(member)) = self.herder.ask(LeaveGroup).await {
            if tokio::time::timeout(LEAVE_TIMEOUT, member.wait_for_shutdown())
                .await
                .is_err()
            {
                tracing::warn!("the group member did not leave in time");
            }
        }
        let _ = self.herder.stop_gracefully().await;
        self.herder.wait_for_shutdown().await;
        self.config_store.stop().await;
        self.offset_store.stop().await;
        self.status_store.stop().await;
    }
}

/// The host and port other workers reach this one at (Java's
/// `RestServer.advertisedUrl`): `rest.advertised.host.name` /
/// `rest.advertised.port` when set, else the bound address (the machine's
/// host name when bound to every interface).
fn advertised(props: &HashMap<String, String>, bound: SocketAddr) -> (String, u16) {
    let host = props
        .get("rest.advertised.host.name")
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| {
            if bound.ip().is_unspecified() {
                std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .map(|h| h.trim().to_string())
                    .ok()
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "localhost".to_string())
            } else {
                match bound.ip() {
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    ip => ip.to_string(),
                }
            }
        });
    let port = props
        .get("rest.advertised.port")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(bound.port());
    (host, port)
}
