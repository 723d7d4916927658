//! Transactions for read_committed consumers: the type of a control batch
//! (`ControlRecordType`) and dropping the batches of aborted transactions
//! (the aborted-transaction handling of the consumer's `CompletedFetch`).

use std::collections::HashSet;

use bytes::Bytes;

use super::corrupt;
use super::header::{be_i16, BatchHeader};
use super::records::{records_section, Cursor};
use crate::kafka::error::Result;

/// The type of a control batch, read from its first record's key
/// (`ControlRecordType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlType {
    Abort,
    Commit,
    /// A type this client does not know (Java's `UNKNOWN`).
    Unknown(i16),
}

/// The marker type of a control batch: `None` for a batch that is not a
/// control batch or holds no record. Does not verify the CRC.
pub fn control_type(batch: &Bytes) -> Result<Option<ControlType>> {
    let header = BatchHeader::parse(batch)?;
    if !header.is_control() || header.record_count <= 0 {
        return Ok(None);
    }
    let end = header.size().min(batch.len());
    let section = records_section(&header, &batch.slice(..end))?;
    let where_ = || format!("control batch at base offset {}", header.base_offset);
    let (_, _, record) = Cursor::new(section)
        .record()
        .map_err(|f| corrupt(format!("{}: first record: {f}", where_())))?;
    let key = record.key.unwrap_or_default();
    if key.len() < 4 {
        return Err(corrupt(format!(
            "{}: control record key has {} bytes, needs 4",
            where_(),
            key.len()
        )));
    }
    let version = be_i16(&key, 0);
    if version < 0 {
        return Err(corrupt(format!(
            "{}: invalid control record version {version}",
            where_()
        )));
    }
    Ok(Some(match be_i16(&key, 2) {
        0 => ControlType::Abort,
        1 => ControlType::Commit,
        other => ControlType::Unknown(other),
    }))
}

/// Decides, batch by batch in offset order, which batches of a
/// read_committed fetch belong to aborted transactions (the logic of Java's
/// `CompletedFetch.nextFetchedRecord`).
///
/// Built from the partition's `aborted_transactions` list of the fetch
/// response. An aborted transaction of producer P starts at its first
/// offset: from the batch whose last offset reaches it on, P's transactional
/// batches are dropped until P's abort marker (a control batch) is seen.
/// Feed every batch of the partition, control batches included, to
/// [`AbortedFilter::should_drop`]; a new fetch response needs a new filter.
#[derive(Debug, Default)]
pub struct AbortedFilter {
    /// Aborted transactions not yet reached, as `(first_offset, producer_id)`
    /// sorted by first offset descending, so that the next one is at the end.
    pending: Vec<(i64, i64)>,
    /// Producers inside an aborted transaction whose marker is not yet seen.
    aborted_producers: HashSet<i64>,
}

impl AbortedFilter {
    /// `aborted` holds `(producer_id, first_offset)` pairs, in any order.
    pub fn new(aborted: impl IntoIterator<Item = (i64, i64)>) -> AbortedFilter {
        let mut pending: Vec<(i64, i64)> = aborted.into_iter().map(|(p, o)| (o, p)).collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        AbortedFilter {
            pending,
            aborted_producers: HashSet::new(),
        }
    }

    /// Whether the records of this batch must not be delivered. Fails only
    /// when a control batch's marker record cannot be read.
    pub fn should_drop(&mut self, header: &BatchHeader, batch: &Bytes) -> Result<bool> {
        if !header.has_producer_id() {
            return Ok(false);
        }
        let last = header.last_offset();
        while let Some(&(first_offset, producer_id)) = self.pending.last() {
            if first_offset > last {
                break;
            }
            self.aborted_producers.insert(producer_id);
            self.pending.pop();
        }
        if header.is_control() && control_type(batch)? == Some(ControlType::Abort) {
            self.aborted_producers.remove(&header.producer_id);
            return Ok(false);
        }
        Ok(header.is_transactional() && self.aborted_producers.contains(&header.producer_id))
    }
}

/// Removes the batches of aborted transactions from a partition's fetched
/// batches (in offset order), given the response's `aborted_transactions` as
/// `(producer_id, first_offset)`. Control batches are kept: [`decode_batch`](super::decode_batch)
/// skips them, and the caller may need their offsets.
pub fn drop_aborted(batches: Vec<Bytes>, aborted: &[(i64, i64)]) -> Result<Vec<Bytes>> {
    if aborted.is_empty() {
        return Ok(batches);
    }
    let mut filter = AbortedFilter::new(aborted.iter().copied());
    let mut kept = Vec::with_capacity(batches.len());
    for batch in batches {
        let header = BatchHeader::parse(&batch)?;
        if !filter.should_drop(&header, &batch)? {
            kept.push(batch);
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::test_support::*;
    use crate::kafka::batch::{decode_batch, BatchBuilder, Compression};

    fn txn_batch(producer_id: i64, base_offset: i64, n: usize) -> Bytes {
        let builder = BatchBuilder::new(Compression::None)
            .producer_state(producer_id, 0, 0)
            .transactional(true);
        with_offset(build_with(builder, &simple(n)).unwrap(), base_offset)
    }

    #[test]
    fn control_batches_are_skipped() {
        let commit = control_batch(9, 10, false);
        let (header, records) = decode(&commit).unwrap();
        assert!(header.is_control() && header.is_transactional());
        assert!(records.is_empty());
        assert_eq!(control_type(&commit).unwrap(), Some(ControlType::Commit));
        assert_eq!(
            control_type(&control_batch(9, 10, true)).unwrap(),
            Some(ControlType::Abort)
        );
        assert_eq!(
            control_type(&build(&simple(1), Compression::None)).unwrap(),
            None
        );
    }

    #[test]
    fn aborted_transactions_are_dropped() {
        // P1 aborts at 0..1, P2 commits 2..3, P1's abort marker at 4, P2's
        // commit marker at 5, P1 writes again at 6 (aborted again if listed),
        // a plain batch at 8.
        let batches = vec![
            txn_batch(1, 0, 2),
            txn_batch(2, 2, 2),
            control_batch(1, 4, true),
            control_batch(2, 5, false),
            txn_batch(1, 6, 2),
            with_offset(build(&simple(1), Compression::None), 8),
        ];
        let kept = drop_aborted(batches.clone(), &[(1, 0)]).unwrap();
        let offsets: Vec<i64> = kept
            .iter()
            .map(|b| BatchHeader::parse(b).unwrap().base_offset)
            .collect();
        assert_eq!(offsets, vec![2, 4, 5, 6, 8]);

        let kept = drop_aborted(batches.clone(), &[(1, 6), (1, 0)]).unwrap();
        let offsets: Vec<i64> = kept
            .iter()
            .map(|b| BatchHeader::parse(b).unwrap().base_offset)
            .collect();
        assert_eq!(offsets, vec![2, 4, 5, 8]);

        // An aborted transaction that starts inside a batch catches that
        // batch; as in Java, P2's later (here: commit) marker is dropped too,
        // since only an abort marker ends the aborted range.
        let kept = drop_aborted(batches.clone(), &[(2, 3)]).unwrap();
        let offsets: Vec<i64> = kept
            .iter()
            .map(|b| BatchHeader::parse(b).unwrap().base_offset)
            .collect();
        assert_eq!(offsets, vec![0, 4, 6, 8]);
        assert_eq!(drop_aborted(batches.clone(), &[]).unwrap(), batches);

        let mut records = vec![];
        for b in drop_aborted(batches, &[(1, 0)]).unwrap() {
            decode_batch(&b, &mut records).unwrap();
        }
        let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![2, 3, 6, 7, 8]);
    }
}
