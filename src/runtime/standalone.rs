//! `kconnect standalone worker.properties connector.properties...` (Java's
//! `ConnectStandalone`): load the worker config, start the herder, submit
//! each connector config, and run until SIGINT/SIGTERM, then stop every task
//! (committing offsets) and exit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kameo::actor::{ActorRef, Spawn};

use crate::api::connector::Props;
use crate::api::error::ConnectError;
use crate::kafka::cluster::Cluster;
use crate::kafka::config::ClientConfig;

use super::config::properties::load_properties;
use super::config::worker::WorkerConfig;
use super::herder::standalone::{PutConnectorConfig, Reconfigure, Shutdown, StandaloneHerder};
use super::status::{StatusStore, TargetState};
use super::storage::offset::FileOffsetStore;
use super::task_builder::TaskEnvironment;
use super::worker::Worker;

/// A running standalone worker.
pub struct Standalone {
    pub herder: ActorRef<StandaloneHerder>,
    /// `host:port` as statuses show it.
    pub worker_id: String,
    /// The Kafka cluster id (for the REST root resource).
    pub kafka_cluster_id: String,
    /// The worker's `listeners` setting, for the REST server.
    pub listeners: String,
    /// The parsed worker config (REST reads topic tracking switches from it).
    pub config: Arc<WorkerConfig>,
}

/// Reads a connector config: a `.properties` file, or JSON
/// `{"name": ..., "config": {...}}` (or a bare JSON config object).
pub fn load_connector_config(path: &Path) -> Result<(String, Props), ConnectError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConnectError::fatal(format!(
            "cannot read connector config {}: {e}",
            path.display()
        ))
    })?;
    let trimmed = text.trim_start();
    let props: Props = if trimmed.starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            ConnectError::fatal(format!("{} is not valid JSON: {e}", path.display()))
        })?;
        let config = json.get("config").unwrap_or(&json);
        let mut props: Props = config
            .as_object()
            .ok_or_else(|| {
                ConnectError::fatal(format!("{}: \"config\" must be an object", path.display()))
            })?
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        if let Some(name) = json.get("name").and_then(|n| n.as_str()) {
            props.insert("name".to_string(), name.to_string());
        }
        props
    } else {
        load_properties(path)
            .map_err(|e| ConnectError::fatal(e.to_string()))?
            .into_iter()
            .collect()
    };
    let name = props
        .get("name")
        .cloned()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            ConnectError::fatal(format!(
                "{}: Missing required configuration \"name\" which has no default value.",
                path.display()
            ))
        })?;
    Ok((name, props))
}

/// Starts the worker from its properties file and submits the connectors.
pub async fn start(
    worker_file: &Path,
    connector_files: &[PathBuf],
) -> Result<Standalone, ConnectError> {
    start_with_props(load_worker_props(worker_file)?, connector_files).await
}

/// Reads the worker's `.properties` file.
pub fn load_worker_props(worker_file: &Path) -> Result<HashMap<String, String>, ConnectError> {
    Ok(load_properties(worker_file)
        .map_err(|e| ConnectError::fatal(e.to_string()))?
        .into_iter()
        .collect())
}

/// Like [`start`], with the worker properties already parsed.
pub async fn start_with_props(
    props: HashMap<String, String>,
    connector_files: &[PathBuf],
) -> Result<Standalone, ConnectError> {
    let config =
        Arc::new(WorkerConfig::standalone(props).map_err(|e| ConnectError::fatal(e.to_string()))?);
    let offsets_file = config
        .offset_storage_file_filename
        .clone()
        .ok_or_else(|| ConnectError::fatal("Missing required configuration \"offset.storage.file.filename\" which has no default value."))?;
    let offsets = FileOffsetStore::open(&offsets_file).map_err(ConnectError::fatal)?;
    // The worker's own connection uses its unprefixed settings, as Java's
    // worker-level admin client does.
    let unprefixed: HashMap<String, String> = config
        .props
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let client =
        ClientConfig::from_props(&unprefixed).map_err(|e| ConnectError::fatal(e.to_string()))?;
    let cluster = Cluster::connect(client)
        .await
        .map_err(|e| ConnectError::fatal(format!("cannot reach the Kafka cluster: {e}")))?;
    let kafka_cluster_id = cluster
        .cluster_id()
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let listeners = config
        .props
        .get("listeners")
        .cloned()
        .unwrap_or_else(|| "http://:8083".to_string());
    let worker_id = worker_id(&unprefixed);
    let env = TaskEnvironment {
        config: config.clone(),
        cluster,
        offsets,
        statuses: StatusStore::new(&worker_id),
    };
    let (reconfigure_tx, mut reconfigure_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let worker = Worker::spawn(Worker::new(env.clone(), reconfigure_tx));
    let herder = StandaloneHerder::spawn(StandaloneHerder::new(worker, env));
    {
        // Connector contexts never hold the herder: their requests come here.
        let herder = herder.clone();
        tokio::spawn(async move {
            while let Some(name) = reconfigure_rx.recv().await {
                if herder.tell(Reconfigure(name)).await.is_err() {
                    break;
                }
            }
        });
    }
    for file in connector_files {
        let (name, config) = load_connector_config(file)?;
        let put = herder
            .ask(PutConnectorConfig {
                name: name.clone(),
                config,
                allow_replace: false,
                initial_state: TargetState::Started,
            })
            .await
            .map_err(|e| ConnectError::fatal(format!("cannot create connector {name}: {e}")))?;
        tracing::info!(connector = %put.1.name, "created connector");
    }
    Ok(Standalone {
        herder,
        worker_id,
        kafka_cluster_id,
        listeners,
        config,
    })
}

impl Standalone {
    /// Stops every task (committing offsets) and the herder.
    pub async fn shutdown(&self) {
        if let Err(e) = self.herder.ask(Shutdown).await {
            tracing::warn!(error = %e, "shutdown request failed");
        }
        let _ = self.herder.stop_gracefully().await;
        self.herder.wait_for_shutdown().await;
    }
}

/// The worker id: the advertised REST host and port, as Java builds it.
fn worker_id(props: &HashMap<String, String>) -> String {
    let listener = props
        .get("listeners")
        .and_then(|l| l.split(',').next().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "http://:8083".to_string());
    let hostport = listener.rsplit("//").next().unwrap_or("").to_string();
    let (host, port) = hostport.rsplit_once(':').unwrap_or(("", "8083"));
    let host = props
        .get("rest.advertised.host.name")
        .cloned()
        .unwrap_or_else(|| {
            if host.is_empty() {
                "localhost".to_string()
            } else {
                host.to_string()
            }
        });
    let port = props
        .get("rest.advertised.port")
        .cloned()
        .unwrap_or_else(|| port.to_string());
    format!("{host}:{port}")
}
