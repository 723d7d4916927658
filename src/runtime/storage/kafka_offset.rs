//! Source offsets in the offsets topic (Java's `KafkaOffsetBackingStore`):
//! keys are the serialized `["<connector>",{partition}]` of
//! [`super::offset::offset_key`], values the serialized offset or a
//! tombstone; the producer's default partitioner (murmur2 of the key bytes,
//! as Java's) picks the partition, so Java and kconnect workers find each
//! other's offsets. Everything read is kept in memory; a write counts once
//! the broker acknowledged it.
//!
//! Java looks offsets up by exact key bytes. The in-memory map here is keyed
//! by a canonical form of the key JSON instead (object fields sorted), so a
//! key Java wrote with its `HashMap` field order is found by a lookup that
//! serializes the same partition in another order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::future::BoxFuture;

use crate::api::record::SourceMap;

use super::config::READ_WRITE_TOTAL_TIMEOUT;
use super::error::Result;
use super::kafka_log::{KafkaBasedLog, KafkaBasedLogConfig, LogRecord};
use super::offset::{connector_entries, OffsetBackingStore};

/// The worker property naming the offsets topic.
pub const OFFSET_TOPIC_CONFIG: &str = "offset.storage.topic";
/// What the offsets topic holds, for error messages.
pub const OFFSET_TOPIC_PURPOSE: &str = "source connector offsets";

type OffsetData = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// The key JSON re-serialized with sorted object fields; bytes that are
/// not JSON stay as they are.
pub fn canonical_key(key: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(key) {
        Ok(v) => serde_json::to_vec(&v).unwrap_or_else(|_| key.to_vec()),
        Err(_) => key.to_vec(),
    }
}

/// The offset store on a Kafka topic.
pub struct KafkaOffsetBackingStore {
    /// Shared with the futures `set` returns, which outlive a borrow.
    log: Arc<KafkaBasedLog>,
    /// Every key read from the topic and its last value (`None`: tombstone);
    /// filled by the log's reader only, so it follows the topic's order.
    data: Arc<Mutex<OffsetData>>,
}

impl KafkaOffsetBackingStore {
    /// Starts the log (creating the compacted topic with the configured
    /// partitions when missing) and reads it to the end.
    pub async fn start(config: KafkaBasedLogConfig) -> Result<KafkaOffsetBackingStore> {
        let data: Arc<Mutex<OffsetData>> = Arc::new(Mutex::new(HashMap::new()));
        let callback_data = data.clone();
        let callback = Box::new(move |record: LogRecord| {
            let Some(key) = record.key else {
                tracing::warn!(
                    partition = record.partition,
                    offset = record.offset,
                    "ignoring an offset record without a key"
                );
                return;
            };
            callback_data
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(canonical_key(&key), record.value.map(|v| v.to_vec()));
        });
        let log = KafkaBasedLog::start(config, callback).await?;
        Ok(KafkaOffsetBackingStore {
            log: Arc::new(log),
            data,
        })
    }

    /// The values of `keys` after reading to the end of the topic (Java's
    /// `get`): absent keys and tombstones are `None`.
    pub async fn get_many(&self, keys: &[Vec<u8>]) -> Result<HashMap<Vec<u8>, Option<Vec<u8>>>> {
        self.log
            .read_to_end_within(READ_WRITE_TOTAL_TIMEOUT)
            .await?;
        let data = self.lock();
        Ok(keys
            .iter()
            .map(|k| (k.clone(), data.get(&canonical_key(k)).cloned().flatten()))
            .collect())
    }

    /// The partition count of the offsets topic.
    pub fn partition_count(&self) -> i32 {
        self.log.partition_count()
    }

    pub async fn stop(&self) {
        self.log.stop().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OffsetData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl OffsetBackingStore for KafkaOffsetBackingStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.lock().get(&canonical_key(key)).cloned().flatten()
    }

    fn set(
        &self,
        entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> BoxFuture<'static, std::result::Result<(), String>> {
        let log = self.log.clone();
        Box::pin(async move {
            let mut deliveries = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let d = log
                    .send(Some(Bytes::from(key)), value.map(Bytes::from))
                    .await
                    .map_err(|e| e.to_string())?;
                deliveries.push(d);
            }
            for d in deliveries {
                d.wait().await.map_err(|e| e.to_string())?;
            }
            Ok(())
        })
    }

    fn refresh(&self) -> BoxFuture<'static, std::result::Result<(), String>> {
        let read = self.log.read_to_end();
        Box::pin(async move {
            match tokio::time::timeout(READ_WRITE_TOTAL_TIMEOUT, read).await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(_) => Err(format!(
                    "timed out after {} ms reading the offsets topic to its end",
                    READ_WRITE_TOTAL_TIMEOUT.as_millis()
                )),
            }
        })
    }

    fn connector_offsets(&self, connector: &str) -> Vec<(SourceMap, Option<SourceMap>)> {
        connector_entries(self.lock().iter(), connector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keys_ignore_field_order_but_nothing_else() {
        let java = br#"["c",{"topic":"t","cluster":"a","partition":1}]"#;
        let ours = br#"["c",{"cluster":"a","partition":1,"topic":"t"}]"#;
        assert_eq!(canonical_key(java), canonical_key(ours));
        assert_eq!(canonical_key(ours), ours.to_vec());
        assert_ne!(
            canonical_key(br#"["c",{"partition":2}]"#),
            canonical_key(br#"["c",{"partition":1}]"#)
        );
        assert_eq!(canonical_key(b"not json"), b"not json".to_vec());
    }
}
