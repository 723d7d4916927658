//! The cluster as the client sees it: bootstrap, a metadata cache with leader
//! routing, and one [`Messenger`] per broker (Java's `Metadata` +
//! `ManualMetadataUpdater` + the node-to-connection map of `NetworkClient`).
//!
//! Metadata is refreshed when it is older than `metadata.max.age.ms`, when a
//! caller asks for a topic it does not know, and after any error that
//! invalidates it (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a lost
//! connection): callers call [`Cluster::invalidate`] and retry.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::config::ClientConfig;
use super::error::{Error, ErrorCode, Result};
use super::messenger::Messenger;

/// One partition's routing facts.
#[derive(Debug, Clone)]
pub struct PartitionMetadata {
    pub partition: i32,
    /// Broker id of the leader, -1 when there is none right now.
    pub leader: i32,
    pub leader_epoch: i32,
    pub error: Option<ErrorCode>,
}

/// One topic's facts.
#[derive(Debug, Clone)]
pub struct TopicMetadata {
    pub error: Option<ErrorCode>,
    pub topic_id: uuid::Uuid,
    /// Sorted by partition id.
    pub partitions: Vec<PartitionMetadata>,
}

/// A snapshot of the cluster metadata.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    /// Broker id -> "host:port".
    pub brokers: HashMap<i32, String>,
    pub topics: HashMap<String, TopicMetadata>,
    pub fetched_at: Instant,
}

impl Metadata {
    fn empty() -> Metadata {
        Metadata {
            cluster_id: None,
            controller_id: -1,
            brokers: HashMap::new(),
            topics: HashMap::new(),
            fetched_at: Instant::now(),
        }
    }

    fn from_response(resp: MetadataResponse) -> Metadata {
        let brokers = resp
            .brokers
            .iter()
            .map(|b| (b.node_id.0, format!("{}:{}", b.host.as_str(), b.port)))
            .collect();
        let topics = resp
            .topics
            .into_iter()
            .filter_map(|t| {
                let name = t.name?.0.to_string();
                let mut partitions: Vec<PartitionMetadata> = t
                    .partitions
                    .iter()
                    .map(|p| PartitionMetadata {
                        partition: p.partition_index,
                        leader: p.leader_id.0,
                        leader_epoch: p.leader_epoch,
                        error: ErrorCode::from_code(p.error_code),
                    })
                    .collect();
                partitions.sort_by_key(|p| p.partition);
                Some((
                    name,
                    TopicMetadata {
                        error: ErrorCode::from_code(t.error_code),
                        topic_id: uuid::Uuid::from_bytes(*t.topic_id.as_bytes()),
                        partitions,
                    },
                ))
            })
            .collect();
        Metadata {
            cluster_id: resp.cluster_id.map(|c| c.to_string()),
            controller_id: resp.controller_id.0,
            brokers,
            topics,
            fetched_at: Instant::now(),
        }
    }

    /// A usable topic: present, without a topic-level error, with partitions.
    pub fn topic(&self, topic: &str) -> Result<&TopicMetadata> {
        let t = self
            .topics
            .get(topic)
            .ok_or_else(|| Error::UnknownPartition(topic.to_string()))?;
        if let Some(code) = t.error {
            return Err(Error::Broker {
                code,
                context: format!("metadata for topic {topic}"),
            });
        }
        if t.partitions.is_empty() {
            return Err(Error::UnknownPartition(topic.to_string()));
        }
        Ok(t)
    }

    /// The leader of a partition, if it has one.
    pub fn leader(&self, topic: &str, partition: i32) -> Result<i32> {
        let t = self.topic(topic)?;
        let p = t
            .partitions
            .get(partition as usize)
            .filter(|p| p.partition == partition)
            .or_else(|| t.partitions.iter().find(|p| p.partition == partition))
            .ok_or_else(|| Error::UnknownPartition(format!("{topic}-{partition}")))?;
        if p.leader < 0 {
            return Err(Error::Broker {
                code: ErrorCode::LeaderNotAvailable,
                context: format!("leader of {topic}-{partition}"),
            });
        }
        Ok(p.leader)
    }
}

/// Connections and metadata of one Kafka cluster, shared by the clients.
pub struct Cluster {
    config: ClientConfig,
    /// Live connection per broker id; dead ones are replaced on next use.
    connections: Mutex<HashMap<i32, Arc<Messenger>>>,
    /// A connection to a bootstrap address, used before broker ids are known.
    bootstrap: Mutex<Option<Arc<Messenger>>>,
    metadata: RwLock<Arc<Metadata>>,
    /// Topics whose metadata callers asked for; every refresh fetches them all.
    tracked: Mutex<BTreeSet<String>>,
    /// Set by `invalidate`: the next lookup refreshes.
    stale: AtomicBool,
    /// Serialises refreshes so that a burst of errors causes one request.
    refresh_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("bootstrap", &self.config.bootstrap_servers)
            .finish()
    }
}

impl Cluster {
    /// Connects to the cluster through `bootstrap.servers` and loads the
    /// broker list.
    pub async fn connect(config: ClientConfig) -> Result<Arc<Cluster>> {
        let cluster = Arc::new(Cluster {
            config,
            connections: Mutex::new(HashMap::new()),
            bootstrap: Mutex::new(None),
            metadata: RwLock::new(Arc::new(Metadata::empty())),
            tracked: Mutex::new(BTreeSet::new()),
            stale: AtomicBool::new(true),
            refresh_lock: tokio::sync::Mutex::new(()),
        });
        cluster.refresh().await?;
        Ok(cluster)
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The current metadata snapshot (possibly stale).
    pub fn snapshot(&self) -> Arc<Metadata> {
        self.metadata
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Marks metadata stale; the next lookup refreshes it.
    pub fn invalidate(&self) {
        self.stale.store(true, Ordering::Release);
    }

    /// Metadata that covers `topics`, refreshed if needed.
    pub async fn metadata_for(&self, topics: &[&str]) -> Result<Arc<Metadata>> {
        let mut added = false;
        {
            let mut tracked = self.tracked.lock().unwrap_or_else(|e| e.into_inner());
            for t in topics {
                // Every topic must be inserted: no short-circuit here.
                added |= tracked.insert(t.to_string());
            }
        }
        let snap = self.snapshot();
        let missing = topics.iter().any(|t| snap.topic(t).is_err());
        if added
            || missing
            || self.stale.load(Ordering::Acquire)
            || snap.fetched_at.elapsed() > self.config.metadata_max_age
        {
            return self.refresh().await;
        }
        Ok(snap)
    }

    /// Refreshes metadata for every tracked topic now.
    pub async fn refresh(&self) -> Result<Arc<Metadata>> {
        let before = self.snapshot().fetched_at;
        let _guard = self.refresh_lock.lock().await;
        let current = self.snapshot();
        if current.fetched_at > before && !self.stale.load(Ordering::Acquire) {
            // Someone else refreshed while we waited.
            return Ok(current);
        }
        let topics: Vec<String> = self
            .tracked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        let fresh = Arc::new(self.fetch_metadata(Some(&topics)).await?);
        *self.metadata.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        self.stale.store(false, Ordering::Release);
        self.forget_departed_brokers(&fresh);
        Ok(fresh)
    }

    /// Metadata of every topic in the cluster (for regex subscriptions and
    /// admin listings); does not change the cache.
    pub async fn all_topics(&self) -> Result<Metadata> {
        self.fetch_metadata(None).await
    }

    /// Sends one Metadata request. `None` asks for all topics.
    async fn fetch_metadata(&self, topics: Option<&[String]>) -> Result<Metadata> {
        let request = MetadataRequest::default()
            .with_topics(topics.map(|ts| {
                ts.iter()
                    .map(|t| {
                        MetadataRequestTopic::default()
                            .with_name(Some(TopicName(StrBytes::from_string(t.clone()))))
                    })
                    .collect()
            }))
            .with_allow_auto_topic_creation(true);
        let mut last = None;
        for attempt in 0..3 {
            let messenger = self.any_broker().await?;
            match messenger.request(&request).await {
                Ok(resp) => {
                    messenger.note_throttle(resp.throttle_time_ms);
                    return Ok(Metadata::from_response(resp));
                }
                Err(e) if e.is_retriable() => {
                    last = Some(e);
                    tokio::time::sleep(self.config.backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(Error::NoBrokers(self.config.bootstrap_servers.join(","))))
    }

    fn forget_departed_brokers(&self, md: &Metadata) {
        let mut conns = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        conns.retain(|id, m| md.brokers.contains_key(id) && !m.is_closed());
    }

    /// The connection to broker `id`, opened if needed.
    pub async fn broker(&self, id: i32) -> Result<Arc<Messenger>> {
        if let Some(m) = self.live_connection(id) {
            return Ok(m);
        }
        let addr = self.broker_address(id).await?;
        self.connect_broker(id, &addr).await
    }

    /// `host:port` of broker `id` (refreshing metadata when unknown), for
    /// clients that open connections of their own.
    pub async fn broker_address(&self, id: i32) -> Result<String> {
        if let Some(a) = self.snapshot().brokers.get(&id) {
            return Ok(a.clone());
        }
        let md = self.refresh().await?;
        md.brokers
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::Other(format!("broker {id} is not in the cluster metadata")))
    }

    /// Opens (or reuses) the connection to broker `id` at `addr`. Never
    /// refreshes metadata, so it is safe to call during a refresh.
    async fn connect_broker(&self, id: i32, addr: &str) -> Result<Arc<Messenger>> {
        if let Some(m) = self.live_connection(id) {
            return Ok(m);
        }
        let m = match Messenger::connect(addr, self.config.connection.clone()).await {
            Ok(m) => m,
            Err(e) => {
                self.invalidate();
                return Err(e);
            }
        };
        let mut conns = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        // Another caller may have connected meanwhile; keep the first live one.
        match conns.get(&id) {
            Some(existing) if !existing.is_closed() => Ok(existing.clone()),
            _ => {
                conns.insert(id, m.clone());
                Ok(m)
            }
        }
    }

    fn live_connection(&self, id: i32) -> Option<Arc<Messenger>> {
        let conns = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        conns.get(&id).filter(|m| !m.is_closed()).cloned()
    }

    /// Any live connection: a known broker, else a bootstrap address.
    pub async fn any_broker(&self) -> Result<Arc<Messenger>> {
        {
            let conns = self.connections.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(m) = conns.values().find(|m| !m.is_closed()) {
                return Ok(m.clone());
            }
        }
        if let Some(m) = self
            .bootstrap
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|m| !m.is_closed())
        {
            return Ok(m.clone());
        }
        let known: Vec<(i32, String)> = self
            .snapshot()
            .brokers
            .iter()
            .map(|(id, addr)| (*id, addr.clone()))
            .collect();
        for (id, addr) in known {
            if let Ok(m) = self.connect_broker(id, &addr).await {
                return Ok(m);
            }
        }
        let mut addrs = self.config.bootstrap_servers.clone();
        rand_shuffle(&mut addrs);
        let mut errors = Vec::new();
        for addr in &addrs {
            match Messenger::connect(addr, self.config.connection.clone()).await {
                Ok(m) => {
                    *self.bootstrap.lock().unwrap_or_else(|e| e.into_inner()) = Some(m.clone());
                    return Ok(m);
                }
                Err(e) => errors.push(format!("{addr}: {e}")),
            }
        }
        Err(Error::NoBrokers(errors.join("; ")))
    }

    /// The cluster id, as the brokers report it.
    pub async fn cluster_id(&self) -> Result<Option<String>> {
        let snap = self.snapshot();
        if snap.cluster_id.is_some() {
            return Ok(snap.cluster_id.clone());
        }
        Ok(self.refresh().await?.cluster_id.clone())
    }

    /// Number of partitions of `topic`.
    pub async fn partition_count(&self, topic: &str) -> Result<i32> {
        let md = self.metadata_for(&[topic]).await?;
        Ok(md.topic(topic)?.partitions.len() as i32)
    }

    /// Runs `op` until it succeeds, fails with a non-retriable error, or
    /// `deadline` passes; refreshes metadata between attempts when the error
    /// calls for it. Backoff is Java's exponential with jitter.
    pub async fn with_retries<T, F, Fut>(
        &self,
        what: &str,
        deadline: Instant,
        mut op: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_retriable() && Instant::now() < deadline => {
                    tracing::debug!(error = %e, attempt, "{what}: retrying");
                    if e.invalidates_metadata() {
                        self.invalidate();
                    }
                    let wait = self.config.backoff(attempt);
                    tokio::time::sleep(
                        wait.min(deadline.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn rand_shuffle<T>(v: &mut [T]) {
    use rand::seq::SliceRandom;
    v.shuffle(&mut rand::rng());
}
