//! A group's committed offsets (what Kafka keeps in `__consumer_offsets`),
//! in memory: offset, leader epoch and metadata per partition, with the
//! commit time that retention works from.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

/// One committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CommittedOffset {
    pub offset: i64,
    /// -1 when the committer did not say (OffsetCommit before v6).
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_time: Instant,
    /// An explicit expiry asked for by OffsetCommit v2-v4's retention time.
    pub expire_at: Option<Instant>,
}

/// The committed offsets of one group, by topic then partition.
#[derive(Debug, Default)]
pub(super) struct OffsetStore {
    topics: BTreeMap<String, BTreeMap<i32, CommittedOffset>>,
}

impl OffsetStore {
    pub fn commit(&mut self, topic: &str, partition: i32, offset: CommittedOffset) {
        self.topics
            .entry(topic.to_string())
            .or_default()
            .insert(partition, offset);
    }

    pub fn get(&self, topic: &str, partition: i32) -> Option<&CommittedOffset> {
        self.topics.get(topic).and_then(|p| p.get(&partition))
    }

    /// Every committed offset, topic by topic.
    pub fn all(&self) -> impl Iterator<Item = (&String, &BTreeMap<i32, CommittedOffset>)> {
        self.topics.iter()
    }

    pub fn delete(&mut self, topic: &str, partition: i32) {
        if let Some(partitions) = self.topics.get_mut(topic) {
            partitions.remove(&partition);
            if partitions.is_empty() {
                self.topics.remove(topic);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    pub fn clear(&mut self) {
        self.topics.clear();
    }

    /// Drops the offsets whose retention ran out (Kafka's offset expiration,
    /// KIP-211): an explicit expiry wins; otherwise an offset lives for
    /// `retention` after `since` (when the group became empty) or, for a
    /// group that never had members, after its commit.
    pub fn expire(&mut self, now: Instant, since: Option<Instant>, retention: Duration) -> usize {
        let mut dropped = 0;
        self.topics.retain(|_, partitions| {
            partitions.retain(|_, o| {
                let deadline = match o.expire_at {
                    Some(at) => Some(at),
                    None => since
                        .unwrap_or(o.commit_time)
                        .max(o.commit_time)
                        .checked_add(retention),
                };
                // A retention beyond the clock's range never runs out.
                let keep = match deadline {
                    Some(deadline) => now < deadline,
                    None => true,
                };
                if !keep {
                    dropped += 1;
                }
                keep
            });
            !partitions.is_empty()
        });
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(at: Instant, expire_at: Option<Instant>) -> CommittedOffset {
        CommittedOffset {
            offset: 5,
            leader_epoch: -1,
            metadata: "m".into(),
            commit_time: at,
            expire_at,
        }
    }

    #[test]
    fn commit_get_delete() {
        let now = Instant::now();
        let mut store = OffsetStore::default();
        store.commit("t", 0, offset(now, None));
        assert_eq!(store.get("t", 0).map(|o| o.offset), Some(5));
        assert!(store.get("t", 1).is_none());
        store.delete("t", 0);
        assert!(store.is_empty());
    }

    #[test]
    fn expiry_counts_from_empty_time_or_commit() {
        let now = Instant::now();
        let day = Duration::from_secs(86_400);
        let mut store = OffsetStore::default();
        store.commit("t", 0, offset(now, None));
        store.commit("t", 1, offset(now, Some(now + Duration::from_secs(1))));
        assert_eq!(store.expire(now + Duration::from_secs(2), None, day), 1);
        assert_eq!(store.expire(now + day, Some(now + day), day), 0);
        assert_eq!(store.expire(now + day * 2, Some(now + day), day), 1);
        assert!(store.is_empty());
    }
}
