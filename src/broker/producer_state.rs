//! Idempotent-producer bookkeeping for one partition: the epoch and the last
//! few batches (sequence ranges and offsets) of every producer id that wrote
//! to it, to drop retried duplicates and refuse gaps.
//!
//! Mirrors Kafka's `ProducerStateManager` / `ProducerAppendInfo`: a batch
//! whose sequence range matches one of the producer's last five batches is a
//! duplicate and gets the original offset back; otherwise the first sequence
//! must follow the last one (or be 0 on a new epoch), and an older epoch is
//! fenced.

use std::collections::{HashMap, VecDeque};

use crate::kafka::ErrorCode;

/// How many recent batches per producer are remembered for duplicate
/// detection (Kafka's `NUM_BATCHES_TO_RETAIN`, matching the client's
/// `max.in.flight.requests.per.connection` limit of 5).
const BATCHES_TO_RETAIN: usize = 5;

/// One remembered batch: its sequence range and where it was written.
#[derive(Debug, Clone, Copy)]
struct SeqRange {
    first_seq: i32,
    last_seq: i32,
    base_offset: i64,
}

#[derive(Debug, Default)]
struct ProducerEntry {
    epoch: i16,
    /// Oldest first, at most [`BATCHES_TO_RETAIN`].
    recent: VecDeque<SeqRange>,
}

/// What the sequence check decided for an incoming batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCheck {
    /// Append it.
    Accept,
    /// A retry of a batch already written at this base offset.
    Duplicate(i64),
}

/// Per-partition producer state.
#[derive(Debug, Default)]
pub struct ProducerStates {
    producers: HashMap<i64, ProducerEntry>,
}

/// The sequence of the last record of a batch, wrapping as Kafka does.
pub fn last_sequence(first_seq: i32, last_offset_delta: i32) -> i32 {
    let last = i64::from(first_seq) + i64::from(last_offset_delta);
    if last > i64::from(i32::MAX) {
        (last - i64::from(i32::MAX) - 1) as i32
    } else {
        last as i32
    }
}

fn in_sequence(last_seq: i32, next_seq: i32) -> bool {
    next_seq == last_seq.wrapping_add(1) || (last_seq == i32::MAX && next_seq == 0)
}

impl ProducerStates {
    /// Checks a batch of producer `pid` at `epoch` covering `first_seq..=last_seq`.
    pub fn check(
        &self,
        pid: i64,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
    ) -> Result<SeqCheck, ErrorCode> {
        let Some(entry) = self.producers.get(&pid) else {
            // No state for this producer here (first write, or its batches
            // were removed): Kafka accepts any sequence.
            return Ok(SeqCheck::Accept);
        };
        if epoch < entry.epoch {
            return Err(ErrorCode::InvalidProducerEpoch);
        }
        if epoch > entry.epoch {
            return if first_seq == 0 {
                Ok(SeqCheck::Accept)
            } else {
                Err(ErrorCode::OutOfOrderSequenceNumber)
            };
        }
        if let Some(dup) = entry
            .recent
            .iter()
            .find(|r| r.first_seq == first_seq && r.last_seq == last_seq)
        {
            return Ok(SeqCheck::Duplicate(dup.base_offset));
        }
        match entry.recent.back() {
            Some(last) if !in_sequence(last.last_seq, first_seq) => {
                Err(ErrorCode::OutOfOrderSequenceNumber)
            }
            _ => Ok(SeqCheck::Accept),
        }
    }

    /// Records a batch that was appended at `base_offset`.
    pub fn record(
        &mut self,
        pid: i64,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
        base_offset: i64,
    ) {
        let entry = self.producers.entry(pid).or_default();
        if epoch != entry.epoch {
            entry.epoch = epoch;
            entry.recent.clear();
        }
        if entry.recent.len() == BATCHES_TO_RETAIN {
            entry.recent.pop_front();
        }
        entry.recent.push_back(SeqRange {
            first_seq,
            last_seq,
            base_offset,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_gaps_and_fencing() {
        let mut s = ProducerStates::default();
        assert_eq!(s.check(7, 0, 0, 4), Ok(SeqCheck::Accept));
        s.record(7, 0, 0, 4, 100);
        // In order.
        assert_eq!(s.check(7, 0, 5, 9), Ok(SeqCheck::Accept));
        s.record(7, 0, 5, 9, 105);
        // A retry of either batch returns its offset.
        assert_eq!(s.check(7, 0, 0, 4), Ok(SeqCheck::Duplicate(100)));
        assert_eq!(s.check(7, 0, 5, 9), Ok(SeqCheck::Duplicate(105)));
        // A gap.
        assert_eq!(
            s.check(7, 0, 12, 12),
            Err(ErrorCode::OutOfOrderSequenceNumber)
        );
        // A new epoch must start at 0; an older one is fenced.
        assert_eq!(
            s.check(7, 1, 10, 10),
            Err(ErrorCode::OutOfOrderSequenceNumber)
        );
        assert_eq!(s.check(7, 1, 0, 0), Ok(SeqCheck::Accept));
        s.record(7, 1, 0, 0, 110);
        assert_eq!(s.check(7, 0, 10, 10), Err(ErrorCode::InvalidProducerEpoch));
    }

    #[test]
    fn sequences_wrap() {
        assert_eq!(last_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(last_sequence(5, 0), 5);
        assert!(in_sequence(i32::MAX, 0));
    }
}
