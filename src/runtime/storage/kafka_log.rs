//! A topic read from the beginning and followed forever, plus a producer to
//! append to it: Java's `KafkaBasedLog` (with the topic initialisation of
//! `KafkaTopicBasedBackingStore` and `TopicAdmin`'s
//! `verifyTopicCleanupPolicyOnlyCompact`).
//!
//! The reader is a tokio task that owns a manually assigned consumer over
//! every partition of the topic. It hands each record to the store's
//! callback, in offset order per partition, and serves read-to-end
//! barriers between polls: a barrier takes the end offsets when the task
//! picks it up and resolves once every partition's position has reached
//! them (Java's `readToEnd`). Barriers queued while one is being served are
//! served together by the next round. Writes go through a producer on its
//! own connections, so neither a slow callback nor a long fetch delays them.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::kafka::admin::{Admin, CreateOutcome, NewTopic};
use crate::kafka::cluster::Cluster;
use crate::kafka::config::{ConsumerConfig, OffsetReset, ProducerConfig};
use crate::kafka::error::Error as KafkaError;
use crate::kafka::fetcher::{Consumer, OffsetSpec, TopicPartition};
use crate::kafka::producer::{DeliveryFuture, Producer, ProducerRecord};

use super::error::{Result, StorageError};

/// How long one poll of the reader waits for records before it looks at
/// its commands again (commands also interrupt a poll).
const POLL_TIMEOUT: Duration = Duration::from_secs(1);
/// Pause after a failed poll, so a broken connection does not spin.
const POLL_ERROR_BACKOFF: Duration = Duration::from_millis(500);
/// How long `start` waits for a newly created topic's metadata (Java's
/// `CREATE_TOPIC_TIMEOUT_NS`).
const TOPIC_METADATA_TIMEOUT: Duration = Duration::from_secs(30);

/// One record of the log, as the consumer callback receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub partition: i32,
    pub offset: i64,
}

/// Called on the reader task for every record, in order per partition.
/// It must be quick (update in-memory state, send to a channel): the
/// reader serves read-to-end barriers only between callbacks.
pub type ConsumedCallback = Box<dyn FnMut(LogRecord) + Send + 'static>;

/// The internal topic a log lives on and how to create it.
#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    /// Partitions when created (`-1`: the broker's default).
    pub partitions: i32,
    /// Replication factor when created (`-1`: the broker's default).
    pub replication_factor: i16,
    /// Extra topic configs when created (`config.storage.*` settings);
    /// `cleanup.policy=compact` always wins.
    pub settings: BTreeMap<String, String>,
    /// The worker property that named the topic, for error messages
    /// (`config.storage.topic`, ...).
    pub config_key: String,
    /// What the topic holds, for error messages ("connector configurations").
    pub purpose: String,
}

impl TopicSpec {
    /// A compacted topic with broker-default partitions and replication.
    pub fn new(name: &str, config_key: &str, purpose: &str) -> TopicSpec {
        TopicSpec {
            name: name.to_string(),
            partitions: -1,
            replication_factor: -1,
            settings: BTreeMap::new(),
            config_key: config_key.to_string(),
            purpose: purpose.to_string(),
        }
    }

    fn new_topic(&self) -> NewTopic {
        let mut topic = NewTopic::new(&self.name, self.partitions, self.replication_factor);
        for (k, v) in &self.settings {
            topic = topic.config(k, v);
        }
        topic.config("cleanup.policy", "compact")
    }
}

/// Everything a log needs to start.
#[derive(Debug, Clone)]
pub struct KafkaBasedLogConfig {
    pub topic: TopicSpec,
    pub producer: ProducerConfig,
    /// Used without a group: `group.id` and the offset reset are overridden.
    pub consumer: ConsumerConfig,
}

impl KafkaBasedLogConfig {
    /// Default clients against `bootstrap`.
    pub fn new(bootstrap: &str, topic: TopicSpec) -> KafkaBasedLogConfig {
        KafkaBasedLogConfig {
            topic,
            producer: ProducerConfig::new(bootstrap),
            consumer: ConsumerConfig::new(bootstrap),
        }
    }
}

enum Command {
    ReadToEnd(oneshot::Sender<Result<()>>),
    Stop,
}

/// A started log. Dropping it without `stop` ends the reader as well.
pub struct KafkaBasedLog {
    topic: String,
    /// Fixed at start: the reader is assigned exactly these partitions.
    partition_count: i32,
    /// On its own connections, so that writes never queue behind the
    /// reader's long-polling fetches.
    producer: Producer,
    /// To the reader task: barriers and stop. Unbounded so that neither
    /// `read_to_end` nor `stop` waits behind a busy reader.
    commands: mpsc::UnboundedSender<Command>,
    /// The reader task, joined by `stop`.
    reader: Mutex<Option<JoinHandle<()>>>,
}

impl KafkaBasedLog {
    /// Creates the topic when missing (compacted) or checks that the
    /// existing one is compact-only, assigns every partition from the
    /// beginning, starts the reader and reads to the end before returning.
    pub async fn start(
        config: KafkaBasedLogConfig,
        callback: ConsumedCallback,
    ) -> Result<KafkaBasedLog> {
        let spec = &config.topic;
        let producer_cluster = Cluster::connect(config.producer.client.clone()).await?;
        let admin = Admin::with_cluster(producer_cluster.clone());
        initialize_topic(&admin, spec).await?;
        let partition_count = wait_for_partitions(&producer_cluster, &spec.name).await?;

        let mut consumer_config = config.consumer.clone();
        consumer_config.group_id = None;
        consumer_config.auto_offset_reset = OffsetReset::Earliest;
        let mut consumer = Consumer::connect(consumer_config).await?;
        let partitions: Vec<TopicPartition> = (0..partition_count)
            .map(|p| TopicPartition::new(spec.name.clone(), p))
            .collect();
        consumer.assign(partitions.clone());
        consumer.seek_to(&partitions, OffsetSpec::Earliest).await?;

        let producer = Producer::with_cluster(producer_cluster, config.producer.clone());
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let reader = Reader {
            consumer,
            partitions,
            callback,
            commands: commands_rx,
        };
        let handle = tokio::spawn(reader.run());
        let log = KafkaBasedLog {
            topic: spec.name.clone(),
            partition_count,
            producer,
            commands,
            reader: Mutex::new(Some(handle)),
        };
        tracing::info!(topic = %log.topic, partitions = partition_count, "KafkaBasedLog reading from the beginning");
        log.read_to_end().await?;
        tracing::info!(topic = %log.topic, "KafkaBasedLog started");
        Ok(log)
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The topic's partition count when the log started.
    pub fn partition_count(&self) -> i32 {
        self.partition_count
    }

    /// A barrier registered now: resolves once the reader has consumed (and
    /// called back for) everything up to the end offsets it finds when it
    /// picks the barrier up.
    pub fn read_to_end(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let sent = self.commands.send(Command::ReadToEnd(tx)).is_ok();
        let topic = self.topic.clone();
        async move {
            if !sent {
                return Err(StorageError::Stopped(topic));
            }
            rx.await.map_err(|_| StorageError::Stopped(topic))?
        }
    }

    /// `read_to_end` bounded by `timeout`.
    pub async fn read_to_end_within(&self, timeout: Duration) -> Result<()> {
        match tokio::time::timeout(timeout, self.read_to_end()).await {
            Ok(r) => r,
            Err(_) => Err(StorageError::Timeout {
                what: format!("reading to the end of topic {}", self.topic),
                timeout,
            }),
        }
    }

    /// Appends a record (partitioned by the key's murmur2 hash, as Java's
    /// default partitioner does); the returned future resolves once the
    /// broker acknowledged it.
    pub async fn send(&self, key: Option<Bytes>, value: Option<Bytes>) -> Result<DeliveryFuture> {
        Ok(self
            .producer
            .send(ProducerRecord {
                topic: self.topic.clone(),
                key,
                value,
                ..ProducerRecord::default()
            })
            .await?)
    }

    /// Sends everything buffered and waits for the outcomes.
    pub async fn flush(&self) {
        self.producer.flush().await;
    }

    /// Flushes the producer and stops the reader. Barriers still waiting
    /// fail with `Stopped`.
    pub async fn stop(&self) {
        let _ = self.commands.send(Command::Stop);
        let handle = self.reader.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            if let Err(e) = handle.await {
                tracing::warn!(topic = %self.topic, error = %e, "KafkaBasedLog reader ended abnormally");
            }
        }
        self.producer.close().await;
        tracing::info!(topic = %self.topic, "KafkaBasedLog stopped");
    }
}

/// Creates the topic, or checks the cleanup policy of an existing one
/// (Java's `topicInitializer` + `verifyTopicCleanupPolicyOnlyCompact`).
async fn initialize_topic(admin: &Admin, spec: &TopicSpec) -> Result<()> {
    let outcome = admin.create_topics(&[spec.new_topic()]).await?;
    if outcome.get(&spec.name) == Some(&CreateOutcome::Created) {
        tracing::info!(topic = %spec.name, "created internal topic for {}", spec.purpose);
        return Ok(());
    }
    match admin.describe_topic_configs(&spec.name).await {
        Ok(configs) => match configs.get("cleanup.policy") {
            Some(policy) => verify_cleanup_policy(spec, policy),
            None => Ok(()),
        },
        Err(e) => {
            tracing::info!(
                topic = %spec.name, error = %e,
                "Unable to use admin client to verify the cleanup policy of '{}' topic is 'compact'",
                spec.name
            );
            Ok(())
        }
    }
}

/// Refuses a topic whose `cleanup.policy` is anything but exactly `compact`,
/// with Java's message.
pub fn verify_cleanup_policy(spec: &TopicSpec, policy: &str) -> Result<()> {
    let mut policies: Vec<String> = policy
        .split(',')
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    policies.sort();
    policies.dedup();
    if policies.is_empty() || policies == ["compact"] {
        return Ok(());
    }
    let found = policies.join(",");
    Err(StorageError::Config(format!(
        "Topic '{topic}' supplied via the '{key}' property is required to have 'cleanup.policy=compact' \
         to guarantee consistency and durability of {purpose}, but found the topic currently has \
         'cleanup.policy={found}'. Continuing would likely result in eventually losing {purpose} and \
         problems restarting this Connect cluster in the future. Change the '{key}' property in the \
         Connect worker configurations to use a topic with 'cleanup.policy=compact'.",
        topic = spec.name,
        key = spec.config_key,
        purpose = spec.purpose,
    )))
}

/// The topic's partition count, waiting for metadata of a new topic.
async fn wait_for_partitions(cluster: &Cluster, topic: &str) -> Result<i32> {
    let deadline = Instant::now() + TOPIC_METADATA_TIMEOUT;
    loop {
        let error = match cluster.partition_count(topic).await {
            Ok(n) if n > 0 => return Ok(n),
            Ok(_) => KafkaError::UnknownPartition(topic.to_string()),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(StorageError::Config(format!(
                "Could not look up partition metadata for topic '{topic}' in the allotted time: {error}"
            )));
        }
        cluster.invalidate();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The reader task's state.
struct Reader {
    /// Assigned every partition, without a group.
    consumer: Consumer,
    /// What a barrier takes end offsets of.
    partitions: Vec<TopicPartition>,
    /// The store's record handler.
    callback: ConsumedCallback,
    commands: mpsc::UnboundedReceiver<Command>,
}

/// A read-to-end round: the end offsets it waits for and its waiters.
struct Round {
    ends: BTreeMap<TopicPartition, i64>,
    waiters: Vec<oneshot::Sender<Result<()>>>,
}

impl Reader {
    async fn run(self) {
        let Reader {
            mut consumer,
            partitions,
            mut callback,
            mut commands,
        } = self;
        let mut queued: Vec<oneshot::Sender<Result<()>>> = Vec::new();
        let mut round: Option<Round> = None;
        loop {
            if round.is_none() && !queued.is_empty() {
                let waiters = std::mem::take(&mut queued);
                match consumer.list_offsets(&partitions, OffsetSpec::Latest).await {
                    Ok(ends) => {
                        round = Some(Round {
                            ends: ends.into_iter().map(|(tp, (o, _))| (tp, o)).collect(),
                            waiters,
                        })
                    }
                    Err(e) => {
                        let message = e.to_string();
                        tracing::warn!(error = %message, "KafkaBasedLog: reading the end offsets failed");
                        for w in waiters {
                            let _ = w.send(Err(StorageError::Kafka(KafkaError::Other(format!(
                                "reading the end offsets failed: {message}"
                            )))));
                        }
                    }
                }
            }
            if let Some(r) = &round {
                // As Java's `position()`: resolved now, so that an empty or
                // fully read partition needs no fetch to be seen as done.
                if r.ends.keys().any(|tp| consumer.position(tp).is_none()) {
                    if let Err(e) = consumer.resolve_positions().await {
                        tracing::debug!(error = %e, "KafkaBasedLog: resolving positions failed");
                    }
                }
                let done = r
                    .ends
                    .iter()
                    .all(|(tp, end)| consumer.position(tp).is_some_and(|p| p >= *end));
                if done {
                    if let Some(r) = round.take() {
                        for w in r.waiters {
                            let _ = w.send(Ok(()));
                        }
                    }
                    continue;
                }
            }
            // The poll is safe to interrupt: with positions set and no
            // group, its only await is on the channel of fetch results,
            // which keeps a result for the next poll.
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::ReadToEnd(tx)) => queued.push(tx),
                    Some(Command::Stop) | None => break,
                },
                polled = consumer.poll(POLL_TIMEOUT) => match polled {
                    Ok(batches) if !batches.is_empty() => {
                        let deliver = || {
                            for batch in batches {
                                for r in batch.records {
                                    callback(LogRecord {
                                        key: r.key,
                                        value: r.value,
                                        partition: batch.partition,
                                        offset: r.offset,
                                    });
                                }
                            }
                        };
                        // A callback that blocks must not take this runtime
                        // thread's other tasks (producers, the herder) with
                        // it: on a multi-threaded runtime they move away.
                        if tokio::runtime::Handle::current().runtime_flavor()
                            == tokio::runtime::RuntimeFlavor::MultiThread
                        {
                            tokio::task::block_in_place(deliver);
                        } else {
                            deliver();
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "KafkaBasedLog: poll failed; retrying");
                        tokio::time::sleep(POLL_ERROR_BACKOFF).await;
                    }
                },
            }
        }
        consumer.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TopicSpec {
        TopicSpec::new(
            "connect-configs",
            "config.storage.topic",
            "connector configurations",
        )
    }

    #[test]
    fn compact_only_is_accepted() {
        assert!(verify_cleanup_policy(&spec(), "compact").is_ok());
        assert!(verify_cleanup_policy(&spec(), " compact ").is_ok());
    }

    #[test]
    fn delete_or_mixed_policies_are_refused_with_javas_message() {
        let err = verify_cleanup_policy(&spec(), "delete")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Topic 'connect-configs' supplied via the 'config.storage.topic' property is required to have \
             'cleanup.policy=compact' to guarantee consistency and durability of connector configurations, \
             but found the topic currently has 'cleanup.policy=delete'. Continuing would likely result in \
             eventually losing connector configurations and problems restarting this Connect cluster in the \
             future. Change the 'config.storage.topic' property in the Connect worker configurations to use \
             a topic with 'cleanup.policy=compact'."
        );
        let err = verify_cleanup_policy(&spec(), "delete,compact")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'cleanup.policy=compact,delete'"), "{err}");
    }

    #[test]
    fn new_topics_are_compacted_whatever_the_settings_say() {
        let mut s = spec();
        s.partitions = 1;
        s.settings
            .insert("cleanup.policy".to_string(), "delete".to_string());
        s.settings
            .insert("min.insync.replicas".to_string(), "1".to_string());
        let t = s.new_topic();
        assert_eq!(t.partitions, 1);
        assert_eq!(t.replication_factor, -1);
        assert_eq!(
            t.configs.get("cleanup.policy").map(String::as_str),
            Some("compact")
        );
        assert_eq!(
            t.configs.get("min.insync.replicas").map(String::as_str),
            Some("1")
        );
    }
}
