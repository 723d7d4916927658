//! The producer: a per-partition accumulator of record batches and a sender
//! task that drains them to partition leaders (Java's `KafkaProducer`,
//! `RecordAccumulator` and `Sender`).
//!
//! `send` appends a record to its partition's open batch and returns a
//! [`DeliveryFuture`]; all records of a batch share one completion, so a
//! record costs no allocation beyond its bytes in the batch. A batch is ready
//! when full (`batch.size`), when `linger.ms` has passed, or on `flush`. The
//! sender groups ready batches by leader into one Produce request per broker
//! (one batch per partition, as Produce v3+ requires), keeps at most
//! `max.in.flight.requests.per.connection` requests in flight per broker, and
//! retries retriable failures until `delivery.timeout.ms`. With idempotence
//! (the default) the producer id and per-partition sequence numbers make
//! those retries duplicate-free; a retried batch keeps its sequence and is
//! sent again before any later batch of its partition. Unsent bytes are
//! bounded by `buffer.memory`: `send` waits for room (backpressure).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{InitProducerIdRequest, ProduceRequest, ProduceResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::{mpsc, watch, Notify, Semaphore};

use super::batch::{self, BatchBuilder, Header};
use super::cluster::Cluster;
use super::config::{Acks, ProducerConfig};
use super::error::{Error, ErrorCode, Result};
use super::messenger::Messenger;
use super::partitioner::{partition_for_key, StickyPartitioner};

/// A record to send. `partition: None` lets the partitioner choose.
#[derive(Debug, Clone, Default)]
pub struct ProducerRecord {
    pub topic: String,
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    /// Create time in epoch ms; `None` means now.
    pub timestamp: Option<i64>,
}

/// Where an acknowledged record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMetadata {
    pub partition: i32,
    /// -1 when the broker did not say (acks=0, or a duplicate resend).
    pub offset: i64,
    pub timestamp: i64,
}

/// The outcome shared by all records of one batch.
type BatchOutcome = Option<std::result::Result<i64, Arc<Error>>>;

/// Resolves when the record's batch is acknowledged or has failed for good.
pub struct DeliveryFuture {
    outcome: watch::Receiver<BatchOutcome>,
    partition: i32,
    index: i64,
    timestamp: i64,
}

impl DeliveryFuture {
    /// Waits for the record's delivery result.
    pub async fn wait(mut self) -> Result<RecordMetadata> {
        let outcome = match self.outcome.wait_for(|o| o.is_some()).await {
            Ok(o) => o.clone(),
            Err(_) => return Err(Error::Closed),
        };
        match outcome {
            Some(Ok(base)) => Ok(RecordMetadata {
                partition: self.partition,
                offset: if base < 0 { -1 } else { base + self.index },
                timestamp: self.timestamp,
            }),
            Some(Err(e)) => Err(Error::Other(format!("delivery failed: {e}"))),
            None => Err(Error::Closed),
        }
    }
}

/// A closed batch on its way to the broker.
struct ProducerBatch {
    topic: Arc<str>,
    partition: i32,
    /// The encoded batch; its producer fields are stamped when first drained.
    data: Bytes,
    records: i32,
    /// Assigned on first send and kept on retries (idempotence).
    base_sequence: Option<i32>,
    created: Instant,
    attempts: u32,
    /// Bytes of `buffer.memory` this batch holds.
    reserved: usize,
    done: watch::Sender<BatchOutcome>,
    /// Earliest time of the next attempt (retry backoff).
    not_before: Option<Instant>,
}

/// A partition's open batch, still taking records.
struct OpenBatch {
    builder: BatchBuilder,
    created: Instant,
    reserved: usize,
    done: watch::Sender<BatchOutcome>,
}

#[derive(Default)]
struct PartitionQueue {
    open: Option<OpenBatch>,
    /// Closed batches in sequence order, waiting to be sent.
    ready: VecDeque<ProducerBatch>,
}

type TopicPartition = (Arc<str>, i32);

/// What `send` and the sender share.
struct Accumulator {
    partitions: HashMap<TopicPartition, PartitionQueue>,
    /// Interned topic names, so that a batch does not allocate its topic.
    topics: HashMap<String, (Arc<str>, i32)>,
    sticky: StickyPartitioner,
}

struct Shared {
    config: ProducerConfig,
    cluster: Arc<Cluster>,
    accumulator: Mutex<Accumulator>,
    /// Permits are bytes of `buffer.memory` still free.
    buffer: Semaphore,
    /// Wakes the sender: a batch filled up, a flush started, or close.
    wakeup: Notify,
    /// Batches created and not yet completed.
    outstanding: AtomicUsize,
    /// Signalled whenever a batch completes (for flush).
    completed: Notify,
    /// Number of callers inside `flush`: while > 0 every open batch is ready.
    flushing: AtomicUsize,
    closing: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Accumulator> {
        self.accumulator.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn complete(
        &self,
        done: &watch::Sender<BatchOutcome>,
        reserved: usize,
        outcome: std::result::Result<i64, Arc<Error>>,
    ) {
        done.send_replace(Some(outcome));
        self.buffer.add_permits(reserved);
        self.outstanding.fetch_sub(1, Ordering::AcqRel);
        self.completed.notify_waiters();
    }
}

/// A Kafka producer. Cheap to clone; all clones share one sender.
#[derive(Clone)]
pub struct Producer {
    shared: Arc<Shared>,
}

impl Producer {
    /// Connects and starts the sender task.
    pub async fn connect(config: ProducerConfig) -> Result<Producer> {
        let cluster = Cluster::connect(config.client.clone()).await?;
        Ok(Producer::with_cluster(cluster, config))
    }

    /// A producer over an existing cluster connection.
    pub fn with_cluster(cluster: Arc<Cluster>, config: ProducerConfig) -> Producer {
        let buffer = config.buffer_memory.min(Semaphore::MAX_PERMITS);
        let shared = Arc::new(Shared {
            config,
            cluster,
            accumulator: Mutex::new(Accumulator {
                partitions: HashMap::new(),
                topics: HashMap::new(),
                sticky: StickyPartitioner::new(),
            }),
            buffer: Semaphore::new(buffer),
            wakeup: Notify::new(),
            outstanding: AtomicUsize::new(0),
            completed: Notify::new(),
            flushing: AtomicUsize::new(0),
            closing: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::spawn(Sender::new(shared.clone()).run());
        Producer { shared }
    }

    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.shared.cluster
    }

    /// Appends a record to its partition's batch. Waits (up to `max.block.ms`)
    /// for topic metadata and for room in `buffer.memory`.
    pub async fn send(&self, record: ProducerRecord) -> Result<DeliveryFuture> {
        let config = &self.shared.config;
        let key = record.key.as_deref();
        let value = record.value.as_deref();
        let size = batch::record_size_upper_bound(key, value, &record.headers);
        if size > config.max_request_size || size > config.buffer_memory {
            return Err(Error::Broker {
                code: ErrorCode::MessageTooLarge,
                context: format!(
                    "record of {size} bytes for topic {} is larger than max.request.size ({}) or buffer.memory ({})",
                    record.topic, config.max_request_size, config.buffer_memory
                ),
            });
        }
        let (topic, partitions) = self.topic_info(&record.topic).await?;
        let permits = self.reserve(size).await?;
        let timestamp = record.timestamp.unwrap_or_else(now_ms);
        let mut acc = self.shared.lock();
        let partition = match (record.partition, key) {
            (Some(p), _) if p >= 0 && p < partitions => p,
            (Some(p), _) => {
                drop(acc);
                self.shared.buffer.add_permits(permits);
                return Err(Error::UnknownPartition(format!(
                    "{}-{p} (the topic has {partitions} partitions)",
                    record.topic
                )));
            }
            (None, Some(k)) => partition_for_key(k, partitions),
            (None, None) => acc.sticky.partition(&topic, partitions),
        };
        let batch_size = config.batch_size;
        let compression = config.compression;
        let queue = acc
            .partitions
            .entry((topic.clone(), partition))
            .or_default();
        let mut filled = false;
        let mut new_batch = false;
        if let Some(open) = &queue.open {
            if !open
                .builder
                .has_room_for(key, value, &record.headers, batch_size)
            {
                let open = queue.open.take();
                if let Some(open) = open {
                    queue.ready.push_back(close_batch(open, &topic, partition)?);
                }
                filled = true;
            }
        }
        let open = match &mut queue.open {
            Some(open) => open,
            None => {
                // The sender must learn of a new batch to time its linger.
                new_batch = true;
                self.shared.outstanding.fetch_add(1, Ordering::AcqRel);
                queue.open.insert(OpenBatch {
                    builder: BatchBuilder::with_capacity(compression, batch_size.max(size) + 128),
                    created: Instant::now(),
                    reserved: 0,
                    done: watch::channel(None).0,
                })
            }
        };
        let index = open.builder.len() as i64;
        open.builder
            .append(timestamp, key, value, &record.headers)?;
        open.reserved += permits;
        let outcome = open.done.subscribe();
        if open.builder.estimated_size() >= batch_size {
            if let Some(open) = queue.open.take() {
                queue.ready.push_back(close_batch(open, &topic, partition)?);
            }
            filled = true;
        }
        if filled && key.is_none() && record.partition.is_none() {
            acc.sticky.on_new_batch(&topic, partition, partitions);
        }
        drop(acc);
        if filled || new_batch {
            self.shared.wakeup.notify_one();
        }
        Ok(DeliveryFuture {
            outcome,
            partition,
            index,
            timestamp,
        })
    }

    /// The interned topic name and its partition count.
    async fn topic_info(&self, topic: &str) -> Result<(Arc<str>, i32)> {
        if let Some(info) = self.shared.lock().topics.get(topic) {
            return Ok(info.clone());
        }
        let cluster = &self.shared.cluster;
        let deadline = Instant::now() + self.shared.config.max_block;
        let count = cluster
            .with_retries(&format!("metadata for topic {topic}"), deadline, || async {
                let md = cluster.metadata_for(&[topic]).await?;
                Ok(md.topic(topic)?.partitions.len() as i32)
            })
            .await?;
        let info = (Arc::<str>::from(topic), count);
        self.shared
            .lock()
            .topics
            .insert(topic.to_string(), info.clone());
        Ok(info)
    }

    async fn reserve(&self, size: usize) -> Result<usize> {
        let size32 = u32::try_from(size).unwrap_or(u32::MAX);
        // The common case, room in the buffer, must not pay for a timer.
        if let Ok(permit) = self.shared.buffer.try_acquire_many(size32) {
            permit.forget();
            return Ok(size32 as usize);
        }
        let permit = tokio::time::timeout(
            self.shared.config.max_block,
            self.shared.buffer.acquire_many(size32),
        )
        .await
        .map_err(|_| Error::Timeout {
            what: "waiting for room in buffer.memory".to_string(),
            ms: self.shared.config.max_block.as_millis() as u64,
        })?
        .map_err(|_| Error::Closed)?;
        permit.forget();
        Ok(size32 as usize)
    }

    /// Sends everything buffered and waits until every batch created before
    /// the call has completed (successfully or not).
    pub async fn flush(&self) {
        self.shared.flushing.fetch_add(1, Ordering::AcqRel);
        self.shared.wakeup.notify_one();
        loop {
            let completed = self.shared.completed.notified();
            if self.shared.outstanding.load(Ordering::Acquire) == 0 {
                break;
            }
            self.shared.wakeup.notify_one();
            completed.await;
        }
        self.shared.flushing.fetch_sub(1, Ordering::AcqRel);
    }

    /// Flushes, then stops the sender.
    pub async fn close(&self) {
        self.flush().await;
        self.shared.closing.store(true, Ordering::Release);
        self.shared.wakeup.notify_one();
    }
}

fn close_batch(open: OpenBatch, topic: &Arc<str>, partition: i32) -> Result<ProducerBatch> {
    let records = open.builder.len() as i32;
    Ok(ProducerBatch {
        topic: topic.clone(),
        partition,
        data: open.builder.finish()?,
        records,
        base_sequence: None,
        created: open.created,
        attempts: 0,
        reserved: open.reserved,
        done: open.done,
        not_before: None,
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A finished Produce request.
struct InFlightDone {
    broker: i32,
    batches: Vec<ProducerBatch>,
    result: Result<ProduceResponse>,
}

/// The sender task's state.
struct Sender {
    shared: Arc<Shared>,
    /// Requests in flight per broker id.
    in_flight: HashMap<i32, usize>,
    done_tx: mpsc::UnboundedSender<InFlightDone>,
    done_rx: mpsc::UnboundedReceiver<InFlightDone>,
    /// Idempotent producer identity, once InitProducerId succeeded.
    producer_id: Option<(i64, i16)>,
    /// Next sequence number per partition.
    next_sequence: HashMap<TopicPartition, i32>,
    /// Unacknowledged base sequences per partition (sent or queued).
    unacked: HashMap<TopicPartition, std::collections::BTreeSet<i32>>,
    /// When metadata was last refreshed because a leader was missing.
    last_refresh: Option<Instant>,
}

impl Sender {
    fn new(shared: Arc<Shared>) -> Sender {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Sender {
            shared,
            in_flight: HashMap::new(),
            done_tx,
            done_rx,
            producer_id: None,
            next_sequence: HashMap::new(),
            unacked: HashMap::new(),
            last_refresh: None,
        }
    }

    async fn run(mut self) {
        loop {
            let closing = self.shared.closing.load(Ordering::Acquire);
            if closing && self.shared.outstanding.load(Ordering::Acquire) == 0 {
                break;
            }
            if self.shared.config.idempotence && self.producer_id.is_none() && self.has_ready_work()
            {
                if let Err(e) = self.init_producer_id().await {
                    tracing::warn!(error = %e, "InitProducerId failed; retrying");
                    self.fail_expired(Some(&e));
                    tokio::time::sleep(self.shared.config.client.backoff(3)).await;
                    continue;
                }
            }
            let next_wake = self.drain_and_send().await;
            let sleep = next_wake
                .map(|t| t.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                _ = self.shared.wakeup.notified() => {}
                done = self.done_rx.recv() => {
                    if let Some(done) = done {
                        self.handle_done(done);
                        while let Ok(more) = self.done_rx.try_recv() {
                            self.handle_done(more);
                        }
                    }
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    fn has_ready_work(&self) -> bool {
        let acc = self.shared.lock();
        acc.partitions
            .values()
            .any(|q| q.open.is_some() || !q.ready.is_empty())
    }

    async fn init_producer_id(&mut self) -> Result<()> {
        let cluster = self.shared.cluster.clone();
        let deadline = Instant::now() + self.shared.config.delivery_timeout;
        let request = InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(kafka_protocol::messages::ProducerId(-1))
            .with_producer_epoch(-1);
        let (id, epoch) = cluster
            .with_retries("InitProducerId", deadline, || async {
                let broker = cluster.any_broker().await?;
                let resp = broker.request(&request).await?;
                broker.note_throttle(resp.throttle_time_ms);
                ErrorCode::check(resp.error_code, || "InitProducerId".to_string())?;
                Ok((resp.producer_id.0, resp.producer_epoch))
            })
            .await?;
        tracing::debug!(producer_id = id, epoch, "idempotent producer initialised");
        self.producer_id = Some((id, epoch));
        Ok(())
    }

    /// Fails queued batches whose delivery timeout has passed.
    fn fail_expired(&mut self, cause: Option<&Error>) {
        let timeout = self.shared.config.delivery_timeout;
        let mut expired = Vec::new();
        {
            let mut acc = self.shared.lock();
            // Queues are in creation order (retries go back in sequence
            // order, ahead of younger batches), so only fronts can be due.
            let now = Instant::now();
            for queue in acc.partitions.values_mut() {
                while queue
                    .ready
                    .front()
                    .is_some_and(|b| now.saturating_duration_since(b.created) >= timeout)
                {
                    if let Some(b) = queue.ready.pop_front() {
                        expired.push((b.done.clone(), b.reserved, b.topic.clone(), b.partition));
                    }
                }
            }
        }
        for (done, reserved, topic, partition) in expired {
            let why = cause
                .map(|e| format!(": last error {e}"))
                .unwrap_or_default();
            self.shared.complete(
                &done,
                reserved,
                Err(Arc::new(Error::Timeout {
                    what: format!("delivering a batch to {topic}-{partition}{why}"),
                    ms: timeout.as_millis() as u64,
                })),
            );
        }
    }

    /// Closes batches that are due, then sends what each broker can take.
    /// Returns when the sender should next look again (linger or backoff).
    async fn drain_and_send(&mut self) -> Option<Instant> {
        self.fail_expired(None);
        let now = Instant::now();
        let shared = self.shared.clone();
        let config = &shared.config;
        let flushing = self.shared.flushing.load(Ordering::Acquire) > 0
            || self.shared.closing.load(Ordering::Acquire);
        let mut next_wake: Option<Instant> = None;
        let mut wake_at = |t: Instant| {
            next_wake = Some(next_wake.map_or(t, |w: Instant| w.min(t)));
        };
        // 1. Close lingered batches; collect partitions with something to send.
        let mut sendable: Vec<TopicPartition> = Vec::new();
        {
            let mut acc = self.shared.lock();
            for (tp, queue) in acc.partitions.iter_mut() {
                if let Some(open) = &queue.open {
                    let due = open.created + config.linger;
                    if flushing || due <= now {
                        if let Some(open) = queue.open.take() {
                            match close_batch(open, &tp.0, tp.1) {
                                Ok(b) => queue.ready.push_back(b),
                                Err(e) => tracing::error!(error = %e, "cannot close batch"),
                            }
                        }
                    } else {
                        wake_at(due);
                    }
                }
                if let Some(first) = queue.ready.front() {
                    match first.not_before {
                        Some(t) if t > now => wake_at(t),
                        _ => sendable.push(tp.clone()),
                    }
                }
            }
        }
        if sendable.is_empty() {
            return next_wake;
        }
        // 2. Route to leaders.
        let metadata = self.shared.cluster.snapshot();
        let mut per_broker: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
        let mut leaderless = false;
        for tp in sendable {
            match metadata.leader(&tp.0, tp.1) {
                Ok(leader) => per_broker.entry(leader).or_default().push(tp),
                Err(_) => leaderless = true,
            }
        }
        if leaderless {
            let recently = self
                .last_refresh
                .is_some_and(|t| t.elapsed() < config.client.retry_backoff);
            if !recently {
                self.last_refresh = Some(Instant::now());
                let topics: Vec<String> = self.shared.lock().topics.keys().cloned().collect();
                let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
                self.shared.cluster.invalidate();
                if let Err(e) = self.shared.cluster.metadata_for(&refs).await {
                    tracing::debug!(error = %e, "metadata refresh failed");
                }
            }
            wake_at(Instant::now() + config.client.retry_backoff);
        }
        // 3. One request per broker with room in flight.
        for (broker, tps) in per_broker {
            let in_flight = self.in_flight.get(&broker).copied().unwrap_or(0);
            if in_flight >= config.max_in_flight {
                continue;
            }
            let messenger = match self.shared.cluster.broker(broker).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(broker, error = %e, "cannot reach leader");
                    self.shared.cluster.invalidate();
                    wake_at(Instant::now() + config.client.retry_backoff);
                    continue;
                }
            };
            let batches = self.take_batches(&tps);
            if batches.is_empty() {
                continue;
            }
            self.dispatch(broker, messenger, batches);
        }
        next_wake
    }

    /// Takes the first ready batch of each partition, up to `max.request.size`,
    /// stamping producer state on first send.
    fn take_batches(&mut self, tps: &[TopicPartition]) -> Vec<ProducerBatch> {
        let max_request = self.shared.config.max_request_size;
        let mut taken = Vec::new();
        let mut size = 0;
        let mut acc = self.shared.lock();
        for tp in tps {
            let Some(queue) = acc.partitions.get_mut(tp) else {
                continue;
            };
            let Some(first) = queue.ready.front() else {
                continue;
            };
            if !taken.is_empty() && size + first.data.len() > max_request {
                break;
            }
            let Some(mut b) = queue.ready.pop_front() else {
                continue;
            };
            size += b.data.len();
            if let (Some((pid, epoch)), None) = (self.producer_id, b.base_sequence) {
                let next = self.next_sequence.entry(tp.clone()).or_insert(0);
                let seq = *next;
                *next = next.wrapping_add(b.records) & i32::MAX;
                b.base_sequence = Some(seq);
                self.unacked.entry(tp.clone()).or_default().insert(seq);
                // The batch is not shared yet, so this takes it back without a copy.
                let mut data = std::mem::take(&mut b.data)
                    .try_into_mut()
                    .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
                if let Err(e) = batch::set_producer_state(&mut data, pid, epoch, seq) {
                    tracing::error!(error = %e, "cannot stamp producer state");
                }
                b.data = data.freeze();
            }
            taken.push(b);
        }
        taken
    }

    fn dispatch(&mut self, broker: i32, messenger: Arc<Messenger>, batches: Vec<ProducerBatch>) {
        let config = &self.shared.config;
        let mut topics: BTreeMap<Arc<str>, Vec<PartitionProduceData>> = BTreeMap::new();
        for b in &batches {
            topics.entry(b.topic.clone()).or_default().push(
                PartitionProduceData::default()
                    .with_index(b.partition)
                    .with_records(Some(b.data.clone())),
            );
        }
        let request = ProduceRequest::default()
            .with_acks(config.acks.wire())
            .with_timeout_ms(
                config
                    .client
                    .connection
                    .request_timeout
                    .as_millis()
                    .min(i32::MAX as u128) as i32,
            )
            .with_topic_data(
                topics
                    .into_iter()
                    .map(|(t, parts)| {
                        TopicProduceData::default()
                            .with_name(TopicName(StrBytes::from_string(t.to_string())))
                            .with_partition_data(parts)
                    })
                    .collect(),
            );
        *self.in_flight.entry(broker).or_insert(0) += 1;
        // Queue the request on the connection here, in order; only the wait
        // for the response runs on its own task.
        let started = if config.acks == Acks::None {
            messenger.send_oneway(&request).map(|_| None)
        } else {
            messenger
                .start_request(&request)
                .map(|f| Some((messenger, f)))
        };
        let tx = self.done_tx.clone();
        tokio::spawn(async move {
            let result = match started {
                Err(e) => Err(e),
                Ok(None) => Ok(ProduceResponse::default()),
                Ok(Some((messenger, response))) => response.wait().await.inspect(|resp| {
                    messenger.note_throttle(resp.throttle_time_ms);
                }),
            };
            let _ = tx.send(InFlightDone {
                broker,
                batches,
                result,
            });
        });
    }

    fn handle_done(&mut self, done: InFlightDone) {
        if let Some(n) = self.in_flight.get_mut(&done.broker) {
            *n = n.saturating_sub(1);
        }
        let acks_none = self.shared.config.acks == Acks::None;
        let response = match done.result {
            Ok(r) => r,
            Err(e) => {
                if e.invalidates_metadata() {
                    self.shared.cluster.invalidate();
                }
                let e = Arc::new(e);
                for b in done.batches {
                    self.retry_or_fail(b, e.clone(), e.is_retriable());
                }
                return;
            }
        };
        // partition results by (topic, partition)
        let mut results: HashMap<(&str, i32), (i16, i64, String)> = HashMap::new();
        for t in &response.responses {
            for p in &t.partition_responses {
                let msg = p
                    .error_message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                results.insert(
                    (t.name.0.as_str(), p.index),
                    (p.error_code, p.base_offset, msg),
                );
            }
        }
        let mut outcomes = Vec::with_capacity(done.batches.len());
        for b in done.batches {
            let r = if acks_none {
                Some((0, -1, String::new()))
            } else {
                results.get(&(&*b.topic, b.partition)).cloned()
            };
            outcomes.push((b, r));
        }
        for (b, r) in outcomes {
            match r {
                None => {
                    let e = Arc::new(Error::Protocol {
                        broker: done.broker.to_string(),
                        api: "Produce".to_string(),
                        message: format!("no result for {}-{}", b.topic, b.partition),
                    });
                    self.retry_or_fail(b, e, true);
                }
                Some((0, base, _)) => self.succeed(b, base),
                Some((code, _, msg)) => {
                    let code = ErrorCode::from_code(code).unwrap_or(ErrorCode::UnknownServerError);
                    if code == ErrorCode::DuplicateSequenceNumber {
                        // Already written by an earlier attempt.
                        self.succeed(b, -1);
                        continue;
                    }
                    let retriable = code.is_retriable()
                        || (code == ErrorCode::OutOfOrderSequenceNumber
                            && self.has_earlier_unacked(&b));
                    if code.invalidates_metadata() {
                        self.shared.cluster.invalidate();
                    }
                    let e = Arc::new(Error::Broker {
                        code,
                        context: format!("producing to {}-{} {msg}", b.topic, b.partition),
                    });
                    self.retry_or_fail(b, e, retriable);
                }
            }
        }
        self.shared.wakeup.notify_one();
    }

    fn has_earlier_unacked(&self, b: &ProducerBatch) -> bool {
        let (Some(seq), Some(set)) = (
            b.base_sequence,
            self.unacked.get(&(b.topic.clone(), b.partition)),
        ) else {
            return false;
        };
        set.first().is_some_and(|first| *first < seq)
    }

    fn succeed(&mut self, b: ProducerBatch, base_offset: i64) {
        self.forget_sequence(&b);
        self.shared.complete(&b.done, b.reserved, Ok(base_offset));
    }

    fn forget_sequence(&mut self, b: &ProducerBatch) {
        if let Some(seq) = b.base_sequence {
            if let Some(set) = self.unacked.get_mut(&(b.topic.clone(), b.partition)) {
                set.remove(&seq);
            }
        }
    }

    fn retry_or_fail(&mut self, mut b: ProducerBatch, error: Arc<Error>, retriable: bool) {
        let config = &self.shared.config;
        b.attempts += 1;
        let expired = b.created.elapsed() >= config.delivery_timeout;
        if retriable && !expired && b.attempts <= config.retries {
            tracing::debug!(topic = %b.topic, partition = b.partition, attempt = b.attempts, error = %error, "retrying batch");
            b.not_before = Some(Instant::now() + config.client.backoff(b.attempts - 1));
            let mut acc = self.shared.lock();
            let queue = acc
                .partitions
                .entry((b.topic.clone(), b.partition))
                .or_default();
            // Keep the queue in sequence order: a retried batch goes before
            // every later batch of its partition.
            let pos = match b.base_sequence {
                Some(seq) => queue
                    .ready
                    .iter()
                    .position(|q| q.base_sequence.is_none_or(|s| s > seq))
                    .unwrap_or(queue.ready.len()),
                None => 0,
            };
            queue.ready.insert(pos, b);
            return;
        }
        tracing::warn!(topic = %b.topic, partition = b.partition, error = %error, "batch failed");
        self.forget_sequence(&b);
        self.shared.complete(&b.done, b.reserved, Err(error));
    }
}
