//! Choosing a record's partition exactly as Java's producer does, so that a
//! key lands on the same partition whichever client wrote it.
//!
//! Mirrors `org.apache.kafka.common.utils.Utils.murmur2`/`toPositive`, the
//! keyed path of `BuiltInPartitioner.partitionForKey` (the default
//! partitioner), and the sticky choice for null keys of KIP-480's
//! `StickyPartitionCache`: one random partition per topic until a batch for it
//! completes.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Java's `Utils.murmur2`: 32-bit MurmurHash2 with seed `0x9747b28c`, bytes
/// read little-endian in groups of four.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java mixes in the length as an int; lengths beyond i32 cannot occur there.
    let mut h = SEED ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        // Java's switch falls through from case 3 to case 1.
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u32::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Java's `Utils.toPositive`: clears the sign bit (not `abs`, which would
/// overflow on `i32::MIN`).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition of a keyed record: `toPositive(murmur2(key)) % numPartitions`.
/// Returns 0 when `num_partitions` is not positive (no metadata yet: the
/// record cannot be sent anyway).
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    if num_partitions <= 0 {
        return 0;
    }
    to_positive(murmur2(key)) % num_partitions
}

/// Sticky partitioning of records without a key: every such record of a topic
/// goes to the same randomly chosen partition until the producer completes a
/// batch for it, then another partition is chosen. This fills batches faster
/// than round robin. Not thread safe by itself: the producer owns one.
#[derive(Debug)]
pub struct StickyPartitioner {
    /// The current sticky partition of each topic.
    current: HashMap<String, i32>,
    /// Source of the random choices (seedable for tests).
    rng: StdRng,
}

impl Default for StickyPartitioner {
    fn default() -> Self {
        StickyPartitioner::new()
    }
}

impl StickyPartitioner {
    /// A partitioner seeded from the operating system.
    pub fn new() -> StickyPartitioner {
        StickyPartitioner {
            current: HashMap::new(),
            rng: StdRng::from_os_rng(),
        }
    }

    /// A partitioner with reproducible choices.
    pub fn with_seed(seed: u64) -> StickyPartitioner {
        StickyPartitioner {
            current: HashMap::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The partition for the next keyless record of `topic`. A cached choice
    /// that no longer exists (the partition count shrank in metadata) is
    /// replaced. Returns 0 when `num_partitions` is not positive.
    pub fn partition(&mut self, topic: &str, num_partitions: i32) -> i32 {
        if num_partitions <= 0 {
            return 0;
        }
        match self.current.get(topic) {
            Some(&p) if p < num_partitions => p,
            _ => self.choose(topic, None, num_partitions),
        }
    }

    /// Called when the batch for `prev_partition` of `topic` completed (or a
    /// new batch had to be started): moves on to another partition, unless a
    /// switch already happened since `prev_partition` was chosen.
    pub fn on_new_batch(&mut self, topic: &str, prev_partition: i32, num_partitions: i32) {
        if num_partitions <= 0 {
            return;
        }
        match self.current.get(topic) {
            Some(&p) if p != prev_partition && p < num_partitions => {}
            current => {
                let old = current.copied();
                self.choose(topic, old, num_partitions);
            }
        }
    }

    /// Picks a random partition different from `old` when there is a choice.
    fn choose(&mut self, topic: &str, old: Option<i32>, num_partitions: i32) -> i32 {
        let mut p = self.rng.random_range(0..num_partitions);
        if num_partitions > 1 && Some(p) == old {
            // Shift by 1..n-1: uniform over the other partitions, no retry loop.
            p = (p + self.rng.random_range(1..num_partitions)) % num_partitions;
        }
        match self.current.get_mut(topic) {
            Some(slot) => *slot = p,
            None => {
                self.current.insert(topic.to_string(), p);
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_java() {
        // Vectors from Java's UtilsTest.testMurmur2.
        let cases: &[(&str, i32)] = &[
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
        ];
        for &(input, expected) in cases {
            assert_eq!(murmur2(input.as_bytes()), expected, "murmur2({input:?})");
        }
    }

    #[test]
    fn murmur2_covers_every_tail_length() {
        // Lengths 0..=3 exercise the fall-through tail; none may panic, and
        // the hash must depend on every tail byte.
        let data = b"abcdefg";
        let hashes: Vec<i32> = (0..=data.len()).map(|n| murmur2(&data[..n])).collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn keyed_partition_is_positive_modulo() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
        // toPositive(-973932308) = 1173551340; 1173551340 % 7 = 3.
        assert_eq!(partition_for_key(b"21", 7), 1_173_551_340 % 7);
        for n in 1..50 {
            let p = partition_for_key(b"some key", n);
            assert!((0..n).contains(&p));
        }
        assert_eq!(partition_for_key(b"k", 0), 0);
    }

    #[test]
    fn sticky_partition_stays_until_a_batch_completes() {
        let mut s = StickyPartitioner::with_seed(7);
        let first = s.partition("t", 6);
        assert!((0..6).contains(&first));
        for _ in 0..20 {
            assert_eq!(s.partition("t", 6), first);
        }
        s.on_new_batch("t", first, 6);
        let second = s.partition("t", 6);
        assert_ne!(second, first);
        // A stale notification (for the partition we already left) does nothing.
        s.on_new_batch("t", first, 6);
        assert_eq!(s.partition("t", 6), second);
        // Topics are independent.
        let other = s.partition("u", 3);
        assert!((0..3).contains(&other));
        assert_eq!(s.partition("t", 6), second);
    }

    #[test]
    fn sticky_partition_spreads_and_handles_edge_counts() {
        let mut s = StickyPartitioner::with_seed(1);
        let mut seen = [false; 4];
        for _ in 0..200 {
            let p = s.partition("t", 4);
            seen[p as usize] = true;
            s.on_new_batch("t", p, 4);
        }
        assert!(seen.iter().all(|&x| x), "{seen:?}");

        assert_eq!(s.partition("one", 1), 0);
        s.on_new_batch("one", 0, 1);
        assert_eq!(s.partition("one", 1), 0);
        assert_eq!(s.partition("none", 0), 0);
        s.on_new_batch("none", 0, 0);

        // The partition count shrank below the sticky choice.
        let mut s = StickyPartitioner::with_seed(3);
        let mut p = s.partition("t", 100);
        while p < 10 {
            s.on_new_batch("t", p, 100);
            p = s.partition("t", 100);
        }
        assert!((0..10).contains(&s.partition("t", 10)));
    }
}
