//! One partition's in-memory log: record batches kept as the `Bytes` the
//! producer sent (only the base offset rewritten, and on LogAppendTime topics
//! the timestamp fields), the high watermark and the log start offset, offset
//! lookups for ListOffsets, reads for Fetch, and the idempotent-producer
//! state. Mirrors the parts of Kafka's `UnifiedLog` a single in-memory
//! replica needs.
//!
//! A `PartitionLog` is plain data: the caller holds its lock only for the
//! duration of one call, never across an await, so that a slow consumer
//! never blocks producers.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::compaction;
use super::producer_state::{last_sequence, ProducerStates, SeqCheck};
use crate::kafka::batch::{decode_batch, BatchHeader, Record, NO_PRODUCER_ID};
use crate::kafka::ErrorCode;

/// ListOffsets' special timestamps.
pub const LATEST_TIMESTAMP: i64 = -1;
pub const EARLIEST_TIMESTAMP: i64 = -2;
pub const MAX_TIMESTAMP: i64 = -3;

/// Batch attribute bit 3: the broker's clock stamped the batch.
const LOG_APPEND_TIME_BIT: i16 = 0x08;

/// A batch in the log.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub base_offset: i64,
    pub last_offset: i64,
    pub max_timestamp: i64,
    /// The whole batch, as sent apart from the broker's rewrites.
    pub bytes: Bytes,
    /// Broker-wide append order, so that retention can drop the oldest batch
    /// across all partitions.
    pub append_seq: u64,
}

/// The result of a successful append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub base_offset: i64,
    /// The broker's timestamp on LogAppendTime topics, else -1.
    pub log_append_time: i64,
    /// Bytes the log grew by (0 for a duplicate).
    pub added_bytes: usize,
}

/// The log of one partition.
#[derive(Debug, Default)]
pub struct PartitionLog {
    /// Oldest first; base offsets increase (compaction leaves gaps).
    batches: VecDeque<StoredBatch>,
    /// First offset still readable; retention advances it.
    log_start_offset: i64,
    /// Next offset to assign; with a single in-sync replica it is also the
    /// high watermark and (without transactions) the last stable offset.
    high_watermark: i64,
    /// Sum of the batch sizes, for the broker's memory bound.
    size: usize,
    /// Bytes appended since the last compaction, to compact lazily.
    dirty_bytes: usize,
    /// Idempotent producers' recent batches, for duplicates and gaps.
    producers: ProducerStates,
}

/// A read for Fetch: whole batches starting with the one holding the fetch
/// offset.
#[derive(Debug, Default)]
pub struct ReadResult {
    pub batches: Vec<Bytes>,
    pub bytes: usize,
}

impl PartitionLog {
    pub fn high_watermark(&self) -> i64 {
        self.high_watermark
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn batch_count(&self) -> usize {
        self.batches.len()
    }

    /// Append order of the oldest batch, if any.
    pub fn oldest_append_seq(&self) -> Option<u64> {
        self.batches.front().map(|b| b.append_seq)
    }

    /// Appends one whole, CRC-checked batch: checks the producer sequence,
    /// assigns offsets by rewriting the base offset (outside the CRC), and on
    /// LogAppendTime topics stamps `log_append_time` (recomputing the CRC).
    pub fn append(
        &mut self,
        batch: &Bytes,
        header: &BatchHeader,
        log_append_time: Option<i64>,
        append_seq: u64,
    ) -> Result<Appended, ErrorCode> {
        let idempotent = header.producer_id != NO_PRODUCER_ID;
        let last_seq = last_sequence(header.base_sequence, header.last_offset_delta);
        if idempotent {
            match self.producers.check(
                header.producer_id,
                header.producer_epoch,
                header.base_sequence,
                last_seq,
            )? {
                SeqCheck::Accept => {}
                SeqCheck::Duplicate(base_offset) => {
                    return Ok(Appended {
                        base_offset,
                        log_append_time: log_append_time.unwrap_or(-1),
                        added_bytes: 0,
                    })
                }
            }
        }
        let base_offset = self.high_watermark;
        let mut bytes = BytesMut::from(&batch[..]);
        bytes[0..8].copy_from_slice(&base_offset.to_be_bytes());
        let mut max_timestamp = header.max_timestamp;
        if let Some(now) = log_append_time {
            let attributes = header.attributes | LOG_APPEND_TIME_BIT;
            bytes[21..23].copy_from_slice(&attributes.to_be_bytes());
            bytes[35..43].copy_from_slice(&now.to_be_bytes());
            let crc = crc32c::crc32c(&bytes[21..]);
            bytes[17..21].copy_from_slice(&crc.to_be_bytes());
            max_timestamp = now;
        }
        let last_offset = base_offset + i64::from(header.last_offset_delta);
        let added = bytes.len();
        self.batches.push_back(StoredBatch {
            base_offset,
            last_offset,
            max_timestamp,
            bytes: bytes.freeze(),
            append_seq,
        });
        self.high_watermark = last_offset + 1;
        self.size += added;
        self.dirty_bytes += added;
        if idempotent {
            self.producers.record(
                header.producer_id,
                header.producer_epoch,
                header.base_sequence,
                last_seq,
                base_offset,
            );
        }
        Ok(Appended {
            base_offset,
            log_append_time: log_append_time.unwrap_or(-1),
            added_bytes: added,
        })
    }

    /// Whether `offset` can be fetched: within `[log start, high watermark]`.
    pub fn offset_in_range(&self, offset: i64) -> bool {
        offset >= self.log_start_offset && offset <= self.high_watermark
    }

    /// Whole batches from the one holding `offset` on, up to `max_bytes`; the
    /// first batch is returned even when bigger if `min_one` (KIP-74).
    pub fn read(&self, offset: i64, max_bytes: usize, min_one: bool) -> ReadResult {
        let start = self.batches.partition_point(|b| b.last_offset < offset);
        let mut out = ReadResult::default();
        for batch in self.batches.iter().skip(start) {
            let len = batch.bytes.len();
            if out.bytes + len > max_bytes && !(min_one && out.batches.is_empty()) {
                break;
            }
            out.bytes += len;
            out.batches.push(batch.bytes.clone());
        }
        out
    }

    /// ListOffsets: `(timestamp, offset)` for a target timestamp or one of
    /// the special values; `(-1, -1)` when no record qualifies.
    pub fn offset_for_timestamp(&self, target: i64) -> (i64, i64) {
        match target {
            LATEST_TIMESTAMP => (-1, self.high_watermark),
            EARLIEST_TIMESTAMP => (-1, self.log_start_offset),
            MAX_TIMESTAMP => self.max_timestamp_offset(),
            t if t < 0 => (-1, -1),
            t => self.first_offset_at_or_after(t),
        }
    }

    /// The first record whose timestamp is at least `target`, looking inside
    /// the first batch whose max timestamp reaches it.
    fn first_offset_at_or_after(&self, target: i64) -> (i64, i64) {
        let mut records = Vec::new();
        for batch in &self.batches {
            if batch.max_timestamp < target {
                continue;
            }
            records.clear();
            if let Some(hit) = self.find_record(batch, &mut records, |r| r.timestamp >= target) {
                return hit;
            }
        }
        (-1, -1)
    }

    /// The record with the largest timestamp (the earliest one on ties).
    fn max_timestamp_offset(&self) -> (i64, i64) {
        let mut best: Option<&StoredBatch> = None;
        for batch in &self.batches {
            if best.is_none_or(|b| batch.max_timestamp > b.max_timestamp) {
                best = Some(batch);
            }
        }
        let Some(batch) = best else {
            return (-1, -1);
        };
        let max = batch.max_timestamp;
        let mut records = Vec::new();
        self.find_record(batch, &mut records, |r| r.timestamp >= max)
            .unwrap_or((max, batch.base_offset))
    }

    /// Decodes `batch` and returns `(timestamp, offset)` of its first record
    /// matching `pred`, below the high watermark and not before log start.
    fn find_record(
        &self,
        batch: &StoredBatch,
        records: &mut Vec<Record>,
        pred: impl Fn(&Record) -> bool,
    ) -> Option<(i64, i64)> {
        match decode_batch(&batch.bytes, records) {
            Ok(h) if h.is_control() => None,
            Ok(_) => records
                .iter()
                .filter(|r| r.offset >= self.log_start_offset)
                .find(|r| pred(r))
                .map(|r| (r.timestamp, r.offset)),
            Err(e) => {
                tracing::warn!(
                    "embedded broker: cannot decode stored batch at offset {}: {e}",
                    batch.base_offset
                );
                None
            }
        }
    }

    /// Drops the oldest batch (retention), advancing the log start offset;
    /// returns the bytes freed. The last batch is kept, as Kafka keeps the
    /// active segment.
    pub fn drop_oldest(&mut self) -> Option<usize> {
        if self.batches.len() <= 1 {
            return None;
        }
        let dropped = self.batches.pop_front()?;
        let freed = dropped.bytes.len();
        self.size -= freed;
        self.dirty_bytes = self.dirty_bytes.min(self.size);
        self.log_start_offset = self
            .batches
            .front()
            .map_or(dropped.last_offset + 1, |b| b.base_offset)
            .max(self.log_start_offset);
        Some(freed)
    }

    /// Whether enough was appended since the last compaction to compact now
    /// (half the log, like `min.cleanable.dirty.ratio` 0.5, and 1 MiB).
    pub fn needs_compaction(&self) -> bool {
        self.dirty_bytes >= 1 << 20 && self.dirty_bytes * 2 >= self.size
    }

    /// Compacts the log: keeps only the latest record per key (tombstones
    /// included). Returns the bytes freed.
    pub fn compact(&mut self) -> usize {
        let before = self.size;
        let batches: Vec<StoredBatch> = self.batches.drain(..).collect();
        let kept = compaction::compact(batches);
        self.size = kept.iter().map(|b| b.bytes.len()).sum();
        self.batches = kept.into();
        self.dirty_bytes = 0;
        before.saturating_sub(self.size)
    }

    /// Every batch, for tests and compaction checks.
    #[cfg(test)]
    pub fn batches(&self) -> impl Iterator<Item = &StoredBatch> {
        self.batches.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::{BatchBuilder, Compression};

    fn batch(records: &[(i64, Option<&str>, Option<&str>)], compression: Compression) -> Bytes {
        let mut b = BatchBuilder::new(compression);
        for (ts, k, v) in records {
            b.append(*ts, k.map(str::as_bytes), v.map(str::as_bytes), &[])
                .unwrap();
        }
        b.finish().unwrap()
    }

    fn append(log: &mut PartitionLog, b: &Bytes) -> Appended {
        let h = BatchHeader::parse(b).unwrap();
        h.verify_crc(b).unwrap();
        log.append(b, &h, None, 0).unwrap()
    }

    fn read_all(log: &PartitionLog) -> Vec<Record> {
        let mut out = Vec::new();
        for b in log.read(0, usize::MAX, true).batches {
            let mut recs = Vec::new();
            decode_batch(&b, &mut recs).unwrap();
            out.extend(recs);
        }
        out
    }

    #[test]
    fn offsets_are_assigned_by_rewriting_the_base_offset() {
        let mut log = PartitionLog::default();
        let b1 = batch(
            &[(1, None, Some("a")), (2, None, Some("b"))],
            Compression::None,
        );
        let b2 = batch(&[(3, None, Some("c"))], Compression::Lz4);
        assert_eq!(append(&mut log, &b1).base_offset, 0);
        assert_eq!(append(&mut log, &b2).base_offset, 2);
        assert_eq!(log.high_watermark(), 3);
        let recs = read_all(&log);
        let offsets: Vec<i64> = recs.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![0, 1, 2]);
        // Only the base offset changed: the rest is byte-identical.
        let stored = log.read(2, usize::MAX, true).batches;
        assert_eq!(stored.len(), 1);
        assert_eq!(&stored[0][8..], &b2[8..]);
        // Reading from inside a batch returns that whole batch.
        assert_eq!(log.read(1, usize::MAX, true).batches.len(), 2);
        assert!(log.read(3, usize::MAX, true).batches.is_empty());
    }

    #[test]
    fn read_honours_max_bytes_but_returns_one_big_batch() {
        let mut log = PartitionLog::default();
        let b = batch(&[(1, None, Some(&"x".repeat(500)))], Compression::None);
        for _ in 0..3 {
            append(&mut log, &b);
        }
        assert_eq!(log.read(0, 10, true).batches.len(), 1);
        assert_eq!(log.read(0, 10, false).batches.len(), 0);
        assert_eq!(log.read(0, b.len() * 2, false).batches.len(), 2);
    }

    #[test]
    fn list_offsets_by_timestamp_inside_multi_record_batches() {
        let mut log = PartitionLog::default();
        append(
            &mut log,
            &batch(
                &[
                    (100, None, Some("a")),
                    (200, None, Some("b")),
                    (300, None, Some("c")),
                ],
                Compression::Gzip,
            ),
        );
        append(
            &mut log,
            &batch(
                &[(400, None, Some("d")), (350, None, Some("e"))],
                Compression::None,
            ),
        );
        assert_eq!(log.offset_for_timestamp(50), (100, 0));
        assert_eq!(log.offset_for_timestamp(100), (100, 0));
        assert_eq!(log.offset_for_timestamp(150), (200, 1));
        assert_eq!(log.offset_for_timestamp(300), (300, 2));
        assert_eq!(log.offset_for_timestamp(301), (400, 3));
        assert_eq!(log.offset_for_timestamp(360), (400, 3));
        assert_eq!(log.offset_for_timestamp(401), (-1, -1));
        assert_eq!(log.offset_for_timestamp(EARLIEST_TIMESTAMP), (-1, 0));
        assert_eq!(log.offset_for_timestamp(LATEST_TIMESTAMP), (-1, 5));
        assert_eq!(log.offset_for_timestamp(MAX_TIMESTAMP), (400, 3));
    }

    #[test]
    fn log_append_time_stamps_the_batch_with_a_valid_crc() {
        let mut log = PartitionLog::default();
        let b = batch(
            &[(1, None, Some("a")), (2, None, Some("b"))],
            Compression::None,
        );
        let h = BatchHeader::parse(&b).unwrap();
        let got = log.append(&b, &h, Some(5_000), 0).unwrap();
        assert_eq!(got.log_append_time, 5_000);
        let stored = &log.read(0, usize::MAX, true).batches[0];
        let sh = BatchHeader::parse(stored).unwrap();
        sh.verify_crc(stored).unwrap();
        assert!(sh.timestamp_type_is_log_append());
        assert_eq!(sh.max_timestamp, 5_000);
        let recs = read_all(&log);
        assert!(recs.iter().all(|r| r.timestamp == 5_000));
        assert_eq!(log.offset_for_timestamp(10), (5_000, 0));
    }

    #[test]
    fn retention_drops_oldest_batches_and_advances_log_start() {
        let mut log = PartitionLog::default();
        let b = batch(
            &[(1, None, Some("a")), (2, None, Some("b"))],
            Compression::None,
        );
        for _ in 0..3 {
            append(&mut log, &b);
        }
        let size = log.size();
        assert_eq!(log.drop_oldest(), Some(b.len()));
        assert_eq!(log.log_start_offset(), 2);
        assert_eq!(log.size(), size - b.len());
        assert!(!log.offset_in_range(1));
        assert!(log.offset_in_range(2) && log.offset_in_range(6));
        assert_eq!(log.offset_for_timestamp(EARLIEST_TIMESTAMP), (-1, 2));
        assert!(log.drop_oldest().is_some());
        // The last batch stays.
        assert_eq!(log.drop_oldest(), None);
        assert_eq!(log.log_start_offset(), 4);
        assert_eq!(read_all(&log).first().map(|r| r.offset), Some(4));
    }

    #[test]
    fn compaction_keeps_the_latest_value_per_key() {
        let mut log = PartitionLog::default();
        append(
            &mut log,
            &batch(
                &[
                    (1, Some("k1"), Some("v1")),
                    (2, Some("k2"), Some("v1")),
                    (3, Some("k1"), Some("v2")),
                ],
                Compression::Snappy,
            ),
        );
        append(
            &mut log,
            &batch(
                &[(4, Some("k3"), Some("v1")), (5, Some("k2"), None)],
                Compression::None,
            ),
        );
        append(
            &mut log,
            &batch(&[(6, Some("k3"), Some("v2"))], Compression::Zstd),
        );
        let freed = log.compact();
        assert!(freed > 0);
        let recs = read_all(&log);
        let text = |b: &Option<Bytes>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        let got: Vec<_> = recs
            .iter()
            .map(|r| (r.offset, text(&r.key), text(&r.value)))
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            got,
            vec![
                (2, s("k1"), s("v2")),
                (4, s("k2"), None),
                (5, s("k3"), s("v2")),
            ]
        );
        // Every stored batch is still valid and the offsets stay put.
        for b in log.batches() {
            let h = BatchHeader::parse(&b.bytes).unwrap();
            h.verify_crc(&b.bytes).unwrap();
        }
        assert_eq!(log.high_watermark(), 6);
        assert_eq!(
            log.size(),
            log.batches().map(|b| b.bytes.len()).sum::<usize>()
        );
        // Fetching from an offset removed by compaction lands on the next batch.
        let from1 = log.read(1, usize::MAX, true).batches;
        assert_eq!(BatchHeader::parse(&from1[0]).unwrap().base_offset, 0);
        assert_eq!(log.offset_for_timestamp(4), (5, 4));
    }

    #[test]
    fn idempotent_duplicates_return_the_original_offset() {
        let mut log = PartitionLog::default();
        let mut b = BatchBuilder::new(Compression::None).producer_state(9, 0, 0);
        b.append(1, None, Some(&b"a"[..]), &[]).unwrap();
        b.append(1, None, Some(&b"b"[..]), &[]).unwrap();
        let first = b.finish().unwrap();
        let mut b = BatchBuilder::new(Compression::None).producer_state(9, 0, 2);
        b.append(1, None, Some(&b"c"[..]), &[]).unwrap();
        let second = b.finish().unwrap();
        assert_eq!(append(&mut log, &first).base_offset, 0);
        assert_eq!(append(&mut log, &second).base_offset, 2);
        let dup = append(&mut log, &first);
        assert_eq!((dup.base_offset, dup.added_bytes), (0, 0));
        assert_eq!(log.high_watermark(), 3);
        let mut b = BatchBuilder::new(Compression::None).producer_state(9, 0, 7);
        b.append(1, None, Some(&b"z"[..]), &[]).unwrap();
        let gap = b.finish().unwrap();
        let h = BatchHeader::parse(&gap).unwrap();
        assert_eq!(
            log.append(&gap, &h, None, 0),
            Err(ErrorCode::OutOfOrderSequenceNumber)
        );
    }
}
