//! The consumer: positions per assigned partition, ListOffsets, and a
//! pipelined fetcher (Java's `KafkaConsumer` with its `Fetcher`,
//! `SubscriptionState` and `OffsetFetcher`).
//!
//! One Fetch request per leader broker is kept in flight while the caller
//! works through the previous result (Java's pre-fetching), so the broker
//! round trip overlaps with processing. Fetched records come back as whole
//! batches per partition; their keys, values and headers are slices of the
//! response frame. With a `group.id` and [`Consumer::subscribe`], partitions
//! come from the group (see [`super::group::coordinator`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::kafka::messenger::Messenger;
use bytes::Bytes;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{BrokerId, FetchRequest, ListOffsetsRequest, TopicName};
use kafka_protocol::protocol::StrBytes;
use regex::Regex;
use tokio::sync::mpsc;

use super::batch::{self, AbortedFilter, Record};
use super::cluster::Cluster;
use super::config::{ConsumerConfig, IsolationLevel, OffsetReset};
use super::error::{Error, ErrorCode, Result};
use super::group::coordinator::ConsumerCoordinator;
pub use super::group::TopicPartition;

/// The records fetched from one partition, in offset order.
#[derive(Debug, Clone)]
pub struct PartitionRecords {
    pub topic: Arc<str>,
    pub partition: i32,
    pub records: Vec<Record>,
    /// The partition's high watermark when fetched (for lag).
    pub high_watermark: i64,
}

/// Which offset ListOffsets should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// The first offset whose timestamp is >= this epoch ms.
    Timestamp(i64),
}

impl OffsetSpec {
    fn wire(self) -> i64 {
        match self {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest => -1,
            OffsetSpec::Timestamp(t) => t,
        }
    }
}

/// What the consumer knows of one assigned partition.
#[derive(Debug, Clone, Default)]
struct PartitionState {
    /// The next offset to fetch; `None` until committed offsets or the reset
    /// policy have given one.
    position: Option<i64>,
    paused: bool,
    high_watermark: i64,
}

/// The result of one Fetch request, decoded off the caller's task.
struct FetchResult {
    broker: i32,
    partitions: Vec<FetchedPartition>,
    error: Option<Error>,
}

struct FetchedPartition {
    tp: TopicPartition,
    /// The offset this fetch started from: applied only if still current.
    fetch_offset: i64,
    outcome: Result<(
        Vec<Record>,
        i64, /* next offset */
        i64, /* high watermark */
    )>,
}

enum Subscription {
    None,
    Topics(Vec<String>),
    Pattern(Regex),
}

/// A Kafka consumer.
pub struct Consumer {
    cluster: Arc<Cluster>,
    config: ConsumerConfig,
    assignment: BTreeMap<TopicPartition, PartitionState>,
    subscription: Subscription,
    group: Option<ConsumerCoordinator>,
    /// Brokers with a Fetch in flight.
    in_flight: BTreeSet<i32>,
    results_tx: mpsc::UnboundedSender<FetchResult>,
    results_rx: mpsc::UnboundedReceiver<FetchResult>,
    /// Decoded results not yet handed to the caller.
    buffered: VecDeque<PartitionRecords>,
    /// Interned topic names for `PartitionRecords`.
    topic_names: HashMap<String, Arc<str>>,
    /// Return from `poll` once before rejoining a group while partitions
    /// are owned, so that the caller can commit first (what Java does in
    /// `ConsumerRebalanceListener.onPartitionsRevoked`).
    yield_before_rebalance: bool,
    /// Whether `poll` already returned for the pending rebalance.
    rebalance_yielded: bool,
    /// This consumer's own connections for fetches.
    fetch_connections: FetchConnections,
}

/// A consumer's own connections for its fetches, one per broker, as each
/// Java consumer has its own sockets: the broker answers one request per
/// connection at a time, so a Fetch waiting `fetch.max.wait.ms` for data
/// must not hold up other clients sharing the cluster's connection (a
/// producer, a group heartbeat) or another consumer's fetches.
#[derive(Clone, Default)]
struct FetchConnections(Arc<std::sync::Mutex<HashMap<i32, Arc<Messenger>>>>);

impl FetchConnections {
    async fn get(&self, cluster: &Cluster, broker: i32) -> Result<Arc<Messenger>> {
        if let Some(m) = self.live(broker) {
            return Ok(m);
        }
        let addr = cluster.broker_address(broker).await?;
        let m = Messenger::connect(&addr, cluster.config().connection.clone()).await?;
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(broker, m.clone());
        Ok(m)
    }

    fn live(&self, broker: i32) -> Option<Arc<Messenger>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&broker)
            .filter(|m| !m.is_closed())
            .cloned()
    }

    fn close_all(&self) {
        for (_, m) in self.0.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            m.close("the consumer closed");
        }
    }
}

impl Consumer {
    /// Connects; with `group.id` set the consumer can `subscribe`.
    pub async fn connect(config: ConsumerConfig) -> Result<Consumer> {
        let cluster = Cluster::connect(config.client.clone()).await?;
        Ok(Consumer::with_cluster(cluster, config))
    }

    pub fn with_cluster(cluster: Arc<Cluster>, config: ConsumerConfig) -> Consumer {
        let (results_tx, results_rx) = mpsc::unbounded_channel();
        let group = config
            .group_id
            .clone()
            .map(|g| ConsumerCoordinator::new(cluster.clone(), &config, g));
        Consumer {
            cluster,
            config,
            assignment: BTreeMap::new(),
            subscription: Subscription::None,
            group,
            in_flight: BTreeSet::new(),
            results_tx,
            results_rx,
            buffered: VecDeque::new(),
            topic_names: HashMap::new(),
            yield_before_rebalance: false,
            rebalance_yielded: false,
            fetch_connections: FetchConnections::default(),
        }
    }

    /// With `on`, `poll` returns once (with what it has, maybe nothing)
    /// when the group wants to rebalance while this member owns partitions;
    /// [`Consumer::rebalance_pending`] then says so, and the next `poll`
    /// rejoins.
    pub fn set_yield_before_rebalance(&mut self, on: bool) {
        self.yield_before_rebalance = on;
    }

    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    /// Manually assigns partitions (no group management).
    pub fn assign(&mut self, partitions: impl IntoIterator<Item = TopicPartition>) {
        let wanted: BTreeSet<TopicPartition> = partitions.into_iter().collect();
        self.assignment.retain(|tp, _| wanted.contains(tp));
        for tp in wanted {
            self.assignment.entry(tp).or_default();
        }
        self.buffered.retain(|r| {
            self.assignment
                .contains_key(&TopicPartition::new(r.topic.as_ref(), r.partition))
        });
    }

    /// Subscribes to topics through the consumer group.
    pub fn subscribe(&mut self, topics: Vec<String>) -> Result<()> {
        self.require_group("subscribe")?;
        self.subscription = Subscription::Topics(topics);
        if let Some(g) = &mut self.group {
            g.request_rejoin();
        }
        Ok(())
    }

    /// Subscribes to every topic matching `pattern` through the group.
    pub fn subscribe_pattern(&mut self, pattern: &str) -> Result<()> {
        self.require_group("subscribe")?;
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| Error::Config {
            key: "topics.regex".to_string(),
            message: e.to_string(),
        })?;
        self.subscription = Subscription::Pattern(regex);
        if let Some(g) = &mut self.group {
            g.request_rejoin();
        }
        Ok(())
    }

    fn require_group(&self, what: &str) -> Result<()> {
        if self.group.is_none() {
            return Err(Error::Config {
                key: "group.id".to_string(),
                message: format!("{what} needs a group.id"),
            });
        }
        Ok(())
    }

    /// The partitions currently assigned.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment.keys().cloned().collect()
    }

    /// The member id and generation in the group, if joined.
    pub fn group_generation(&self) -> Option<(String, i32)> {
        self.group.as_ref().and_then(|g| g.generation())
    }

    /// Sets the next offset to fetch for `tp`.
    /// Whether the group asked this member to rejoin (a rebalance is under
    /// way): the next `poll` rejoins, and eager rebalancing gives up every
    /// owned partition. Callers commit what they processed before that.
    pub fn rebalance_pending(&self) -> bool {
        self.group.as_ref().is_some_and(|g| g.needs_rejoin())
    }

    pub fn seek(&mut self, tp: &TopicPartition, offset: i64) {
        if let Some(state) = self.assignment.get_mut(tp) {
            state.position = Some(offset);
        }
        self.drop_buffered(tp);
    }

    fn drop_buffered(&mut self, tp: &TopicPartition) {
        self.buffered
            .retain(|r| !(r.partition == tp.partition && *r.topic == *tp.topic));
    }

    /// Seeks each partition to its earliest or latest offset.
    pub async fn seek_to(&mut self, tps: &[TopicPartition], spec: OffsetSpec) -> Result<()> {
        let offsets = self.list_offsets(tps, spec).await?;
        for (tp, (offset, _)) in offsets {
            self.seek(&tp, offset);
        }
        Ok(())
    }

    /// The next offset to fetch, if known.
    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.assignment.get(tp).and_then(|s| s.position)
    }

    /// The last high watermark seen for `tp`.
    pub fn high_watermark(&self, tp: &TopicPartition) -> Option<i64> {
        self.assignment.get(tp).map(|s| s.high_watermark)
    }

    /// Stops fetching from `tps` until resumed.
    pub fn pause(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(s) = self.assignment.get_mut(tp) {
                s.paused = true;
            }
            self.drop_buffered_keep_position(tp);
        }
    }

    /// Records buffered for a paused partition go back: the position is reset
    /// to the first record not handed out, so nothing is skipped.
    fn drop_buffered_keep_position(&mut self, tp: &TopicPartition) {
        let mut rewind = None;
        self.buffered.retain(|r| {
            let hit = r.partition == tp.partition && *r.topic == *tp.topic;
            if hit && rewind.is_none() {
                rewind = r.records.first().map(|rec| rec.offset);
            }
            !hit
        });
        if let (Some(offset), Some(state)) = (rewind, self.assignment.get_mut(tp)) {
            state.position = Some(offset);
        }
    }

    pub fn resume(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            if let Some(s) = self.assignment.get_mut(tp) {
                s.paused = false;
            }
        }
    }

    pub fn paused(&self) -> Vec<TopicPartition> {
        self.assignment
            .iter()
            .filter(|(_, s)| s.paused)
            .map(|(tp, _)| tp.clone())
            .collect()
    }

    /// ListOffsets for `tps`: (offset, timestamp) per partition.
    pub async fn list_offsets(
        &self,
        tps: &[TopicPartition],
        spec: OffsetSpec,
    ) -> Result<BTreeMap<TopicPartition, (i64, i64)>> {
        list_offsets(&self.cluster, tps, spec, self.config.isolation_level).await
    }

    /// Commits `offsets` (the next offset to read, per partition) to the group.
    pub async fn commit_sync(&mut self, offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        match &mut self.group {
            Some(g) => g.commit(offsets).await,
            None => Err(Error::Config {
                key: "group.id".to_string(),
                message: "committing offsets needs a group.id".to_string(),
            }),
        }
    }

    /// Commits the current position of every assigned partition.
    pub async fn commit_positions(&mut self) -> Result<()> {
        let offsets: BTreeMap<TopicPartition, i64> = self
            .assignment
            .iter()
            .filter_map(|(tp, s)| s.position.map(|p| (tp.clone(), p)))
            .collect();
        self.commit_sync(&offsets).await
    }

    /// The group's committed offsets for `tps` (absent when none).
    pub async fn committed(
        &mut self,
        tps: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, i64>> {
        match &mut self.group {
            Some(g) => g.fetch_committed(tps).await,
            None => Ok(BTreeMap::new()),
        }
    }

    /// Leaves the group (if any). Fetches in flight are abandoned.
    pub async fn close(&mut self) {
        if let Some(g) = &mut self.group {
            g.leave().await;
        }
        self.assignment.clear();
        self.buffered.clear();
        self.fetch_connections.close_all();
    }

    /// Returns fetched records, waiting up to `timeout` for some. Takes care
    /// of group membership (joins, rebalances) and of positions.
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<PartitionRecords>> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.yield_before_rebalance
                && !self.rebalance_yielded
                && !self.assignment.is_empty()
                && self.rebalance_pending()
            {
                self.rebalance_yielded = true;
                return Ok(self.buffered.drain(..).collect());
            }
            self.update_group().await?;
            self.resolve_positions().await?;
            if !self.buffered.is_empty() {
                self.send_fetches();
                return Ok(self.buffered.drain(..).collect());
            }
            self.send_fetches();
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            let wait = deadline - now;
            // Wake at least every heartbeat interval to notice rebalances.
            let wait = wait.min(self.config.heartbeat_interval);
            if self.in_flight.is_empty() {
                // Nothing to wait on (e.g. no assignment yet): pause briefly.
                tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
                continue;
            }
            match tokio::time::timeout(wait, self.results_rx.recv()).await {
                Ok(Some(result)) => {
                    self.apply(result);
                    while let Ok(more) = self.results_rx.try_recv() {
                        self.apply(more);
                    }
                }
                Ok(None) => return Err(Error::Closed),
                Err(_) => {}
            }
        }
    }

    async fn update_group(&mut self) -> Result<()> {
        let Some(group) = &mut self.group else {
            return Ok(());
        };
        let topics: Vec<String> = match &self.subscription {
            Subscription::None => return Ok(()),
            Subscription::Topics(t) => t.clone(),
            Subscription::Pattern(re) => {
                if !group.needs_rejoin() && group.generation().is_some() {
                    Vec::new()
                } else {
                    let all = self.cluster.all_topics().await?;
                    let mut t: Vec<String> = all
                        .topics
                        .keys()
                        .filter(|t| re.is_match(t))
                        .cloned()
                        .collect();
                    t.sort();
                    t
                }
            }
        };
        group.check_metadata().await;
        if !group.needs_rejoin() && group.generation().is_some() {
            return Ok(());
        }
        let change = group.ensure_active(&topics).await?;
        self.rebalance_yielded = false;
        for tp in &change.revoked {
            self.assignment.remove(tp);
            self.drop_buffered(tp);
        }
        let added: Vec<TopicPartition> = change.assigned.clone();
        for tp in &added {
            self.assignment.entry(tp.clone()).or_default();
        }
        if !added.is_empty() {
            let committed = self.group.as_mut().map(|g| g.fetch_committed(&added));
            if let Some(fut) = committed {
                let committed = fut.await?;
                for (tp, offset) in committed {
                    if let Some(s) = self.assignment.get_mut(&tp) {
                        s.position = Some(offset);
                    }
                }
            }
        }
        Ok(())
    }

    /// Gives a position to partitions that have none, by the reset policy
    /// (what Java's `position()` does before answering).
    pub async fn resolve_positions(&mut self) -> Result<()> {
        let missing: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|(_, s)| s.position.is_none())
            .map(|(tp, _)| tp.clone())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let spec = match self.config.auto_offset_reset {
            OffsetReset::Earliest => OffsetSpec::Earliest,
            OffsetReset::Latest => OffsetSpec::Latest,
            OffsetReset::None => {
                return Err(Error::Config {
                    key: "auto.offset.reset".to_string(),
                    message: format!(
                        "no committed offset for {} and auto.offset.reset=none",
                        missing
                            .iter()
                            .map(|tp| tp.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            }
        };
        let offsets = self.list_offsets(&missing, spec).await?;
        for (tp, (offset, _)) in offsets {
            if let Some(s) = self.assignment.get_mut(&tp) {
                s.position.get_or_insert(offset);
            }
        }
        Ok(())
    }

    /// Starts a Fetch to every leader that has fetchable partitions and no
    /// request in flight.
    fn send_fetches(&mut self) {
        let metadata = self.cluster.snapshot();
        let buffered: BTreeSet<(Arc<str>, i32)> = self
            .buffered
            .iter()
            .map(|r| (r.topic.clone(), r.partition))
            .collect();
        let mut per_broker: BTreeMap<i32, Vec<(TopicPartition, i64)>> = BTreeMap::new();
        let mut leaderless = false;
        for (tp, state) in &self.assignment {
            let Some(position) = state.position else {
                continue;
            };
            if state.paused
                || buffered
                    .iter()
                    .any(|(t, p)| *p == tp.partition && **t == *tp.topic)
            {
                continue;
            }
            match metadata.leader(&tp.topic, tp.partition) {
                Ok(leader) if !self.in_flight.contains(&leader) => per_broker
                    .entry(leader)
                    .or_default()
                    .push((tp.clone(), position)),
                Ok(_) => {}
                Err(_) => leaderless = true,
            }
        }
        if leaderless {
            let topics: Vec<String> = self
                .assignment
                .keys()
                .map(|tp| tp.topic.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let cluster = self.cluster.clone();
            tokio::spawn(async move {
                let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
                cluster.invalidate();
                let _ = cluster.metadata_for(&refs).await;
            });
        }
        for (broker, partitions) in per_broker {
            self.in_flight.insert(broker);
            let request = self.fetch_request(&partitions);
            let cluster = self.cluster.clone();
            let tx = self.results_tx.clone();
            let read_committed = self.config.isolation_level == IsolationLevel::ReadCommitted;
            let check_crcs = self.config.check_crcs;
            let connections = self.fetch_connections.clone();
            tokio::spawn(async move {
                let result = fetch_once(
                    &cluster,
                    &connections,
                    broker,
                    request,
                    partitions,
                    read_committed,
                    check_crcs,
                )
                .await;
                let _ = tx.send(result);
            });
        }
    }

    fn fetch_request(&self, partitions: &[(TopicPartition, i64)]) -> FetchRequest {
        let mut topics: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
        for (tp, offset) in partitions {
            topics.entry(&tp.topic).or_default().push(
                FetchPartition::default()
                    .with_partition(tp.partition)
                    .with_fetch_offset(*offset)
                    .with_partition_max_bytes(self.config.max_partition_fetch_bytes),
            );
        }
        FetchRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_max_wait_ms(self.config.fetch_max_wait.as_millis().min(i32::MAX as u128) as i32)
            .with_min_bytes(self.config.fetch_min_bytes)
            .with_max_bytes(self.config.fetch_max_bytes)
            .with_isolation_level(match self.config.isolation_level {
                IsolationLevel::ReadUncommitted => 0,
                IsolationLevel::ReadCommitted => 1,
            })
            .with_session_id(0)
            .with_session_epoch(-1)
            .with_topics(
                topics
                    .into_iter()
                    .map(|(t, parts)| {
                        FetchTopic::default()
                            .with_topic(TopicName(StrBytes::from_string(t.to_string())))
                            .with_partitions(parts)
                    })
                    .collect(),
            )
    }

    fn apply(&mut self, result: FetchResult) {
        self.in_flight.remove(&result.broker);
        if let Some(e) = result.error {
            tracing::debug!(broker = result.broker, error = %e, "fetch failed");
            if e.invalidates_metadata() {
                self.cluster.invalidate();
            }
            return;
        }
        for fetched in result.partitions {
            let Some(state) = self.assignment.get_mut(&fetched.tp) else {
                continue;
            };
            if state.position != Some(fetched.fetch_offset) || state.paused {
                continue; // seeked, paused or reassigned meanwhile
            }
            match fetched.outcome {
                Ok((records, next, hw)) => {
                    state.high_watermark = hw;
                    state.position = Some(next);
                    if !records.is_empty() {
                        let topic = match self.topic_names.get(&fetched.tp.topic) {
                            Some(t) => t.clone(),
                            None => {
                                let t: Arc<str> = Arc::from(fetched.tp.topic.as_str());
                                self.topic_names.insert(fetched.tp.topic.clone(), t.clone());
                                t
                            }
                        };
                        self.buffered.push_back(PartitionRecords {
                            topic,
                            partition: fetched.tp.partition,
                            records,
                            high_watermark: hw,
                        });
                    }
                }
                Err(Error::Broker {
                    code: ErrorCode::OffsetOutOfRange,
                    ..
                }) => {
                    tracing::info!(partition = %fetched.tp, offset = fetched.fetch_offset, "offset out of range; resetting");
                    state.position = None;
                }
                Err(e) => {
                    tracing::debug!(partition = %fetched.tp, error = %e, "fetch error");
                    if e.invalidates_metadata() {
                        self.cluster.invalidate();
                    }
                }
            }
        }
    }
}

/// Sends one Fetch and decodes every partition's records.
async fn fetch_once(
    cluster: &Cluster,
    connections: &FetchConnections,
    broker: i32,
    request: FetchRequest,
    partitions: Vec<(TopicPartition, i64)>,
    read_committed: bool,
    check_crcs: bool,
) -> FetchResult {
    let response = async {
        let messenger = connections.get(cluster, broker).await?;
        let resp = messenger.request(&request).await?;
        messenger.note_throttle(resp.throttle_time_ms);
        ErrorCode::check(resp.error_code, || format!("Fetch from broker {broker}"))?;
        Ok(resp)
    }
    .await;
    let response = match response {
        Ok(r) => r,
        Err(error) => {
            return FetchResult {
                broker,
                partitions: Vec::new(),
                error: Some(error),
            }
        }
    };
    let offsets: HashMap<(&str, i32), i64> = partitions
        .iter()
        .map(|(tp, o)| ((tp.topic.as_str(), tp.partition), *o))
        .collect();
    let mut out = Vec::new();
    for topic in response.responses {
        let name = topic.topic.0.to_string();
        for p in topic.partitions {
            let Some(&fetch_offset) = offsets.get(&(name.as_str(), p.partition_index)) else {
                continue;
            };
            let tp = TopicPartition::new(name.clone(), p.partition_index);
            let outcome = match ErrorCode::check(p.error_code, || format!("fetching {tp}")) {
                Err(e) => Err(e),
                Ok(()) => {
                    let aborted: Vec<(i64, i64)> = if read_committed {
                        p.aborted_transactions
                            .iter()
                            .flatten()
                            .map(|a| (a.producer_id.0, a.first_offset))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    decode_partition(
                        &tp,
                        p.records.unwrap_or_default(),
                        fetch_offset,
                        &aborted,
                        read_committed,
                        check_crcs,
                    )
                    .map(|(records, next)| (records, next, p.high_watermark))
                }
            };
            out.push(FetchedPartition {
                tp,
                fetch_offset,
                outcome,
            });
        }
    }
    FetchResult {
        broker,
        partitions: out,
        error: None,
    }
}

/// Decodes a partition's fetched region: whole batches only, control and
/// aborted batches dropped, records before `fetch_offset` skipped. Returns the
/// records and the next offset to fetch.
fn decode_partition(
    tp: &TopicPartition,
    region: Bytes,
    fetch_offset: i64,
    aborted: &[(i64, i64)],
    read_committed: bool,
    check_crcs: bool,
) -> Result<(Vec<Record>, i64)> {
    let mut records = Vec::new();
    let mut next = fetch_offset;
    let mut filter = AbortedFilter::new(aborted.iter().copied());
    let batches = batch::split_batches(&region)
        .map_err(|e| Error::CorruptBatch(format!("{tp} at offset {fetch_offset}: {e}")))?;
    for b in batches {
        let header =
            batch::BatchHeader::parse(&b).map_err(|e| Error::CorruptBatch(format!("{tp}: {e}")))?;
        if header.next_offset() <= fetch_offset {
            continue;
        }
        if check_crcs {
            header.verify_crc(&b).map_err(|e| {
                Error::CorruptBatch(format!("{tp} at offset {}: {e}", header.base_offset))
            })?;
        }
        next = next.max(header.next_offset());
        if read_committed && filter.should_drop(&header, &b)? {
            continue;
        }
        let start = records.len();
        batch::decode_batch(&b, &mut records).map_err(|e| {
            Error::CorruptBatch(format!("{tp} at offset {}: {e}", header.base_offset))
        })?;
        if header.base_offset < fetch_offset {
            // A compressed batch can start before the requested offset.
            let keep_from = records[start..]
                .iter()
                .position(|r| r.offset >= fetch_offset)
                .map_or(records.len(), |i| start + i);
            records.drain(start..keep_from);
        }
    }
    Ok((records, next))
}

/// ListOffsets against each partition's leader.
pub async fn list_offsets(
    cluster: &Cluster,
    tps: &[TopicPartition],
    spec: OffsetSpec,
    isolation: IsolationLevel,
) -> Result<BTreeMap<TopicPartition, (i64, i64)>> {
    let deadline = Instant::now() + cluster.config().connection.request_timeout;
    let topics: Vec<&str> = tps
        .iter()
        .map(|tp| tp.topic.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    cluster
        .with_retries("ListOffsets", deadline, || async {
            let md = cluster.metadata_for(&topics).await?;
            let mut per_broker: BTreeMap<i32, Vec<&TopicPartition>> = BTreeMap::new();
            for tp in tps {
                per_broker
                    .entry(md.leader(&tp.topic, tp.partition)?)
                    .or_default()
                    .push(tp);
            }
            let mut out = BTreeMap::new();
            for (broker, parts) in per_broker {
                let mut by_topic: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
                for tp in parts {
                    by_topic.entry(&tp.topic).or_default().push(
                        ListOffsetsPartition::default()
                            .with_partition_index(tp.partition)
                            .with_timestamp(spec.wire()),
                    );
                }
                let request = ListOffsetsRequest::default()
                    .with_replica_id(BrokerId(-1))
                    .with_isolation_level(match isolation {
                        IsolationLevel::ReadUncommitted => 0,
                        IsolationLevel::ReadCommitted => 1,
                    })
                    .with_topics(
                        by_topic
                            .into_iter()
                            .map(|(t, p)| {
                                ListOffsetsTopic::default()
                                    .with_name(TopicName(StrBytes::from_string(t.to_string())))
                                    .with_partitions(p)
                            })
                            .collect(),
                    );
                let messenger = cluster.broker(broker).await?;
                let resp = messenger.request(&request).await?;
                messenger.note_throttle(resp.throttle_time_ms);
                for t in resp.topics {
                    for p in t.partitions {
                        let tp = TopicPartition::new(t.name.0.to_string(), p.partition_index);
                        ErrorCode::check(p.error_code, || format!("ListOffsets for {tp}"))?;
                        out.insert(tp, (p.offset, p.timestamp));
                    }
                }
            }
            Ok(out)
        })
        .await
}
