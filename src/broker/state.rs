//! The embedded broker's shared state: the topic table, producer id
//! allocation, the memory bound (retention of the oldest batches of
//! non-compacted topics) and the signal that wakes long-polling fetches.
//! Handlers get an `Arc<BrokerState>`; nothing here is held across an await.

use super::group::{GroupConfig, GroupManager};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use super::faults::Faults;
use super::topic::{Topic, TopicConfig};
use super::BrokerConfig;

/// The first producer id handed out; ids below were never allocated.
const FIRST_PRODUCER_ID: i64 = 1000;

/// Shared broker state.
pub struct BrokerState {
    pub config: BrokerConfig,
    /// Host and port clients are told to connect to (Metadata,
    /// FindCoordinator, DescribeCluster).
    pub advertised_host: String,
    pub advertised_port: i32,
    /// Topics by name; the lock is held only to look up, add or remove.
    topics: RwLock<BTreeMap<String, Arc<Topic>>>,
    /// Next producer id for InitProducerId.
    next_producer_id: AtomicI64,
    /// Bytes held by all logs, against `config.max_memory`.
    memory_used: AtomicUsize,
    /// Broker-wide append order of batches (retention drops the oldest).
    append_seq: AtomicU64,
    /// Bumped on every append; long-polling fetches wait for a change.
    appended: watch::Sender<u64>,
    pub faults: Arc<Faults>,
    /// The group coordinator: one actor per group.
    pub groups: GroupManager,
}

impl BrokerState {
    pub fn new(config: BrokerConfig, advertised_host: String, advertised_port: i32) -> BrokerState {
        BrokerState {
            config,
            advertised_host,
            advertised_port,
            topics: RwLock::new(BTreeMap::new()),
            next_producer_id: AtomicI64::new(FIRST_PRODUCER_ID),
            memory_used: AtomicUsize::new(0),
            append_seq: AtomicU64::new(0),
            appended: watch::Sender::new(0),
            faults: Arc::new(Faults::default()),
            groups: GroupManager::new(GroupConfig::default()),
        }
    }

    pub fn topic(&self, name: &str) -> Option<Arc<Topic>> {
        self.topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    pub fn topic_by_id(&self, id: uuid::Uuid) -> Option<Arc<Topic>> {
        self.topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .find(|t| t.id == id)
            .cloned()
    }

    pub fn topics(&self) -> Vec<Arc<Topic>> {
        self.topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Creates a topic unless one of that name exists; returns the topic and
    /// whether it was created now. Names and configs must be validated.
    pub fn create_topic(
        &self,
        name: &str,
        partitions: i32,
        config: TopicConfig,
    ) -> (Arc<Topic>, bool) {
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = topics.get(name) {
            return (t.clone(), false);
        }
        let topic = Arc::new(Topic::new(name, partitions, config));
        topics.insert(name.to_string(), topic.clone());
        tracing::info!("embedded broker: created topic {name} with {partitions} partition(s)");
        (topic, true)
    }

    /// Grows a topic to `count` partitions (CreatePartitions); the caller
    /// checked that `count` is more than it has.
    pub fn grow_topic(&self, name: &str, count: i32) -> Option<Arc<Topic>> {
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        let grown = Arc::new(topics.get(name)?.grown_to(count));
        topics.insert(name.to_string(), grown.clone());
        tracing::info!("embedded broker: topic {name} now has {count} partition(s)");
        Some(grown)
    }

    /// Deletes a topic; its memory is released.
    pub fn delete_topic(&self, name: &str) -> Option<Arc<Topic>> {
        let removed = self
            .topics
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)?;
        self.release(removed.size());
        tracing::info!("embedded broker: deleted topic {name}");
        // Fetches waiting on it should notice.
        self.appended.send_modify(|n| *n = n.wrapping_add(1));
        Some(removed)
    }

    /// Allocates a fresh producer id.
    pub fn allocate_producer_id(&self) -> i64 {
        self.next_producer_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether `pid` was handed out by this broker.
    pub fn is_known_producer_id(&self, pid: i64) -> bool {
        (FIRST_PRODUCER_ID..self.next_producer_id.load(Ordering::Relaxed)).contains(&pid)
    }

    pub fn next_append_seq(&self) -> u64 {
        self.append_seq.fetch_add(1, Ordering::Relaxed)
    }

    /// A receiver that sees every later append.
    pub fn subscribe_appends(&self) -> watch::Receiver<u64> {
        self.appended.subscribe()
    }

    /// Accounts for appended bytes, wakes fetches, and enforces the memory
    /// bound.
    pub fn appended(&self, bytes: usize) {
        self.memory_used.fetch_add(bytes, Ordering::Relaxed);
        self.appended.send_modify(|n| *n = n.wrapping_add(1));
        if self.memory_used() > self.config.max_memory {
            self.enforce_memory_bound();
        }
    }

    fn release(&self, bytes: usize) {
        // Saturating: a topic deleted while a retention pass runs must not wrap.
        let _ = self
            .memory_used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |m| {
                Some(m.saturating_sub(bytes))
            });
    }

    pub fn memory_used(&self) -> usize {
        self.memory_used.load(Ordering::Relaxed)
    }

    /// Drops the oldest batches of non-compacted topics (oldest first across
    /// all partitions) until the logs fit in `max_memory` again.
    fn enforce_memory_bound(&self) {
        let mut dropped = 0usize;
        let mut freed = 0usize;
        while self.memory_used() > self.config.max_memory {
            let mut victim: Option<(Arc<Topic>, usize, u64)> = None;
            for topic in self.topics() {
                if topic.config.is_compacted() {
                    continue;
                }
                for (i, p) in topic.partitions.iter().enumerate() {
                    let log = p.log();
                    if log.batch_count() < 2 {
                        continue;
                    }
                    if let Some(seq) = log.oldest_append_seq() {
                        if victim.as_ref().is_none_or(|v| seq < v.2) {
                            victim = Some((topic.clone(), i, seq));
                        }
                    }
                }
            }
            let Some((topic, index, _)) = victim else {
                tracing::warn!(
                    "embedded broker: {} bytes in use exceed max memory {} but nothing more can be dropped (compacted topics and the newest batch of each partition are kept)",
                    self.memory_used(),
                    self.config.max_memory
                );
                break;
            };
            let Some(partition) = topic.partitions.get(index) else {
                break;
            };
            let mut log = partition.log();
            if let Some(bytes) = log.drop_oldest() {
                self.release(bytes);
                freed += bytes;
                dropped += 1;
                tracing::debug!(
                    "embedded broker: retention dropped a batch of {}-{index}, log start offset now {}",
                    topic.name,
                    log.log_start_offset()
                );
            }
        }
        if dropped > 0 {
            tracing::info!(
                "embedded broker: memory bound {} bytes reached, retention dropped the {dropped} oldest batch(es) ({freed} bytes) of non-compacted topics",
                self.config.max_memory
            );
        }
    }

    /// Compacts every partition of every compacted topic now.
    pub fn compact_all(&self) {
        for topic in self.topics() {
            if !topic.config.is_compacted() {
                continue;
            }
            for p in &topic.partitions {
                let freed = p.log().compact();
                self.release(freed);
            }
        }
    }

    /// Compacts one partition if enough was appended since the last time.
    pub fn maybe_compact(&self, topic: &Topic, partition: i32) {
        if !topic.config.is_compacted() {
            return;
        }
        if let Some(p) = topic.partition(partition) {
            let mut log = p.log();
            if log.needs_compaction() {
                let freed = log.compact();
                self.release(freed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::kafka::batch::{BatchBuilder, BatchHeader, Compression};

    fn append(state: &BrokerState, topic: &Topic, partition: i32, value: &[u8]) {
        let mut b = BatchBuilder::new(Compression::None);
        b.append(1, Some(b"k"), Some(value), &[]).unwrap();
        let batch = b.finish().unwrap();
        let header = BatchHeader::parse(&batch).unwrap();
        let seq = state.next_append_seq();
        let added = topic
            .partition(partition)
            .unwrap()
            .log()
            .append(&batch, &header, None, seq)
            .unwrap()
            .added_bytes;
        state.appended(added);
    }

    #[test]
    fn memory_bound_drops_oldest_batches_across_partitions_but_not_compacted_ones() {
        let config = BrokerConfig {
            max_memory: 20_000,
            ..BrokerConfig::default()
        };
        let state = BrokerState::new(config, "localhost".to_string(), 9092);
        let (plain, _) = state.create_topic("plain", 2, TopicConfig::default());
        let compact = TopicConfig {
            explicit: BTreeMap::from([("cleanup.policy".to_string(), "compact".to_string())]),
        };
        let (table, _) = state.create_topic("table", 1, compact);
        let value = vec![b'x'; 1_000];
        for _ in 0..5 {
            append(&state, &table, 0, &value);
        }
        for i in 0..40 {
            append(&state, &plain, i % 2, &value);
        }
        assert!(state.memory_used() <= 20_000, "{}", state.memory_used());
        // The compacted topic lost nothing; the plain one lost its oldest
        // batches, evenly across partitions (oldest first).
        assert_eq!(table.partitions[0].log().log_start_offset(), 0);
        assert_eq!(table.partitions[0].log().batch_count(), 5);
        let starts: Vec<i64> = plain
            .partitions
            .iter()
            .map(|p| p.log().log_start_offset())
            .collect();
        assert!(starts.iter().all(|s| *s > 0), "{starts:?}");
        assert!((starts[0] - starts[1]).abs() <= 1, "{starts:?}");
        let held: usize = state.topics().iter().map(|t| t.size()).sum();
        assert_eq!(held, state.memory_used());
        // Deleting a topic releases its memory.
        state.delete_topic("plain");
        assert_eq!(state.memory_used(), table.size());
    }
}
