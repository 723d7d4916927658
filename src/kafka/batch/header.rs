//! The 61-byte batch header (`DefaultRecordBatch`): parse it, check its
//! CRC, rewrite the producer fields of a whole batch in place (the producer
//! assigning sequences, a batch forwarded to another cluster), and cut a
//! fetched records region into whole batches (`ByteBufferLogInputStream`).

use bytes::{Bytes, BytesMut};

use super::{
    corrupt, Compression, COMPRESSION_MASK, CONTROL_BIT, CRC_START, HEADER_SIZE, LOG_OVERHEAD,
    MAGIC, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, TIMESTAMP_TYPE_BIT, TRANSACTIONAL_BIT,
};
use crate::kafka::error::{Error, Result};

/// The 61-byte header of a v2 record batch (`DefaultRecordBatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    /// Size of the batch after this field: the whole batch is
    /// `LOG_OVERHEAD + batch_length` bytes.
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub record_count: i32,
}

pub(super) fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

pub(super) fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(a)
}

pub(super) fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}

impl BatchHeader {
    /// Parses the first 61 bytes of `bytes`. Fails when there are fewer, when
    /// the magic is not 2, or when `batchLength` is smaller than a header.
    pub fn parse(bytes: &[u8]) -> Result<BatchHeader> {
        if bytes.len() < HEADER_SIZE {
            return Err(corrupt(format!(
                "batch header needs {HEADER_SIZE} bytes, only {} available",
                bytes.len()
            )));
        }
        let base_offset = be_i64(bytes, 0);
        let magic = bytes[16] as i8;
        if magic != MAGIC {
            return Err(corrupt(format!(
                "batch at base offset {base_offset} has magic {magic} (byte 16), only magic 2 is supported"
            )));
        }
        let batch_length = be_i32(bytes, 8);
        check_batch_length(base_offset, batch_length)?;
        Ok(BatchHeader {
            base_offset,
            batch_length,
            partition_leader_epoch: be_i32(bytes, 12),
            magic,
            crc: be_i32(bytes, 17) as u32,
            attributes: be_i16(bytes, 21),
            last_offset_delta: be_i32(bytes, 23),
            base_timestamp: be_i64(bytes, 27),
            max_timestamp: be_i64(bytes, 35),
            producer_id: be_i64(bytes, 43),
            producer_epoch: be_i16(bytes, 51),
            base_sequence: be_i32(bytes, 53),
            record_count: be_i32(bytes, 57),
        })
    }

    /// Writes the header into `out[..61]` with the `crc` field as it is; the
    /// CRC must be recomputed afterwards when anything past byte 21 changed.
    pub(super) fn write(&self, out: &mut [u8]) {
        out[0..8].copy_from_slice(&self.base_offset.to_be_bytes());
        out[8..12].copy_from_slice(&self.batch_length.to_be_bytes());
        out[12..16].copy_from_slice(&self.partition_leader_epoch.to_be_bytes());
        out[16] = self.magic as u8;
        out[17..21].copy_from_slice(&self.crc.to_be_bytes());
        out[21..23].copy_from_slice(&self.attributes.to_be_bytes());
        out[23..27].copy_from_slice(&self.last_offset_delta.to_be_bytes());
        out[27..35].copy_from_slice(&self.base_timestamp.to_be_bytes());
        out[35..43].copy_from_slice(&self.max_timestamp.to_be_bytes());
        out[43..51].copy_from_slice(&self.producer_id.to_be_bytes());
        out[51..53].copy_from_slice(&self.producer_epoch.to_be_bytes());
        out[53..57].copy_from_slice(&self.base_sequence.to_be_bytes());
        out[57..61].copy_from_slice(&self.record_count.to_be_bytes());
    }

    /// The codec of the records section (attribute bits 0..2).
    pub fn compression(&self) -> Result<Compression> {
        let id = self.attributes & COMPRESSION_MASK;
        Compression::from_id(id).ok_or_else(|| {
            corrupt(format!(
                "batch at base offset {} has unknown compression id {id} (attributes {:#06x})",
                self.base_offset, self.attributes
            ))
        })
    }

    /// Attribute bit 4: the batch belongs to a transaction.
    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    /// Attribute bit 5: the batch holds transaction markers, not user records.
    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    /// Attribute bit 3: the broker stamped the batch with its own clock, and
    /// every record's timestamp is `max_timestamp`.
    pub fn timestamp_type_is_log_append(&self) -> bool {
        self.attributes & TIMESTAMP_TYPE_BIT != 0
    }

    /// Whether an idempotent or transactional producer wrote the batch.
    pub fn has_producer_id(&self) -> bool {
        self.producer_id != NO_PRODUCER_ID
    }

    /// Offset of the last record the batch held when written (compaction may
    /// have removed records since, but never this offset's slot).
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .wrapping_add(i64::from(self.last_offset_delta))
    }

    /// The offset to fetch after this batch, even when compaction emptied it.
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    /// Size of the whole batch in bytes.
    pub fn size(&self) -> usize {
        // batch_length was checked to be at least a header at parse time.
        LOG_OVERHEAD + self.batch_length.max(0) as usize
    }

    /// Checks the CRC32C of `batch[21..size]` against the header's `crc`.
    pub fn verify_crc(&self, batch: &[u8]) -> Result<()> {
        let size = self.size();
        if batch.len() < size {
            return Err(corrupt(format!(
                "batch at base offset {} declares {size} bytes, only {} available",
                self.base_offset,
                batch.len()
            )));
        }
        let computed = crc32c::crc32c(&batch[CRC_START..size]);
        if computed != self.crc {
            return Err(corrupt(format!(
                "CRC mismatch in batch at base offset {}: header says {:#010x}, bytes 21..{size} give {computed:#010x}",
                self.base_offset, self.crc
            )));
        }
        Ok(())
    }
}

fn check_batch_length(base_offset: i64, batch_length: i32) -> Result<()> {
    if batch_length < (HEADER_SIZE - LOG_OVERHEAD) as i32 {
        return Err(corrupt(format!(
            "batch at base offset {base_offset} has batchLength {batch_length} (byte 8), smaller than the {} bytes of a header",
            HEADER_SIZE - LOG_OVERHEAD
        )));
    }
    Ok(())
}

/// Parses the header of a whole batch (exactly `LOG_OVERHEAD + batchLength`
/// bytes, as [`batches`] cuts them) and verifies its CRC.
pub(super) fn checked_header(batch: &[u8]) -> Result<BatchHeader> {
    let header = BatchHeader::parse(batch)?;
    if batch.len() != header.size() {
        return Err(corrupt(format!(
            "batch at base offset {} declares {} bytes but {} were given",
            header.base_offset,
            header.size(),
            batch.len()
        )));
    }
    header.verify_crc(batch)?;
    Ok(header)
}

/// Recomputes the CRC of a whole batch whose header was checked.
pub(super) fn write_crc(batch: &mut [u8]) {
    let crc = crc32c::crc32c(&batch[CRC_START..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
}

/// Checks that `batch` is one whole v2 batch before it is rewritten in place.
fn check_whole(batch: &[u8]) -> Result<BatchHeader> {
    let header = BatchHeader::parse(batch)?;
    if batch.len() != header.size() {
        return Err(corrupt(format!(
            "batch at base offset {} declares {} bytes but {} were given",
            header.base_offset,
            header.size(),
            batch.len()
        )));
    }
    Ok(header)
}

/// Writes producer id, epoch and base sequence into a whole batch and
/// recomputes its CRC: the producer assigns sequences when it sends.
pub fn set_producer_state(
    batch: &mut [u8],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
) -> Result<()> {
    check_whole(batch)?;
    batch[43..51].copy_from_slice(&producer_id.to_be_bytes());
    batch[51..53].copy_from_slice(&producer_epoch.to_be_bytes());
    batch[53..57].copy_from_slice(&base_sequence.to_be_bytes());
    write_crc(batch);
    Ok(())
}

/// Writes the base offset of a whole batch (outside the CRC, so the CRC
/// stays valid); a broker assigns offsets this way.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) -> Result<()> {
    check_whole(batch)?;
    batch[0..8].copy_from_slice(&base_offset.to_be_bytes());
    Ok(())
}

/// Prepares a fetched batch for producing to another cluster: producer id,
/// epoch and base sequence become -1 (the source cluster's producer state
/// means nothing there) and the CRC is recomputed. The transactional bit is
/// cleared too, since a transactional batch without a producer id is
/// invalid; records and everything else are unchanged. The source CRC is
/// verified first. Control batches cannot be produced and are refused: drop
/// them (and aborted batches, see [`AbortedFilter`](super::AbortedFilter)) before forwarding.
pub fn rewrite_for_forwarding(batch: &Bytes) -> Result<Bytes> {
    let header = checked_header(batch)?;
    if header.is_control() {
        return Err(corrupt(format!(
            "batch at base offset {} is a control batch and cannot be forwarded",
            header.base_offset
        )));
    }
    let mut out = BytesMut::from(&batch[..]);
    let attributes = header.attributes & !TRANSACTIONAL_BIT;
    out[21..23].copy_from_slice(&attributes.to_be_bytes());
    set_producer_state(&mut out, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE)?;
    Ok(out.freeze())
}

// ---------------------------------------------------------------------------
// Splitting a fetched region

/// Iterator over the whole batches of a fetched records region (see
/// [`batches`]). Yields `Err` once, then stops, on a batch with a bad magic or
/// length.
pub struct Batches {
    region: Bytes,
    pos: usize,
    failed: bool,
}

/// Cuts a fetched records region into whole batches, each a zero-copy slice
/// of `region`. A truncated last batch is normal in fetch responses (the
/// broker fills up to the size limit) and is dropped silently.
pub fn batches(region: &Bytes) -> Batches {
    Batches {
        region: region.clone(),
        pos: 0,
        failed: false,
    }
}

/// [`batches`], collected.
pub fn split_batches(region: &Bytes) -> Result<Vec<Bytes>> {
    batches(region).collect()
}

impl Iterator for Batches {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Result<Bytes>> {
        if self.failed {
            return None;
        }
        let rest = self.region.get(self.pos..)?;
        if rest.len() < LOG_OVERHEAD {
            return None;
        }
        let base_offset = be_i64(rest, 0);
        let batch_length = be_i32(rest, 8);
        if let Err(e) = check_batch_length(base_offset, batch_length) {
            self.failed = true;
            return Some(Err(with_position(e, self.pos)));
        }
        if let Some(&magic) = rest.get(16) {
            if magic as i8 != MAGIC {
                self.failed = true;
                return Some(Err(corrupt(format!(
                    "batch at base offset {base_offset} (byte {} of the region) has magic {}, only magic 2 is supported",
                    self.pos, magic as i8
                ))));
            }
        }
        let size = LOG_OVERHEAD + batch_length as usize;
        if rest.len() < size {
            return None;
        }
        let batch = self.region.slice(self.pos..self.pos + size);
        self.pos += size;
        Some(Ok(batch))
    }
}

fn with_position(e: Error, pos: usize) -> Error {
    match e {
        Error::CorruptBatch(m) => corrupt(format!("{m} (byte {pos} of the region)")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::test_support::*;
    use crate::kafka::batch::BatchBuilder;
    use proptest::prelude::*;

    #[test]
    fn crc32c_is_castagnoli() {
        // The standard check value of CRC-32C.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn split_drops_a_truncated_tail() {
        let batches: Vec<Bytes> = (0..3)
            .map(|i| with_offset(build(&simple(2), Compression::None), i * 2))
            .collect();
        let whole: Vec<u8> = batches.iter().flat_map(|b| b.iter().copied()).collect();
        let whole = Bytes::from(whole);
        assert_eq!(split_batches(&whole).unwrap(), batches);
        let two = batches[0].len() + batches[1].len();
        for cut in [two, two + 1, two + 11, two + 12, two + 17, whole.len() - 1] {
            let region = whole.slice(..cut);
            let got = split_batches(&region).unwrap();
            assert_eq!(got, batches[..2].to_vec(), "cut at {cut}");
            assert!(is_within(&got[1], &region));
        }
        assert!(split_batches(&Bytes::new()).unwrap().is_empty());
    }

    #[test]
    fn split_rejects_bad_magic_and_length() {
        let batch = build(&simple(1), Compression::None);
        let mut bad = BytesMut::from(&batch[..]);
        bad[16] = 1;
        let err = split_batches(&bad.freeze()).unwrap_err().to_string();
        assert!(err.contains("magic 1"), "{err}");

        let mut bad = BytesMut::from(&batch[..]);
        bad[8..12].copy_from_slice(&(-5i32).to_be_bytes());
        let err = split_batches(&bad.freeze()).unwrap_err().to_string();
        assert!(err.contains("batchLength -5"), "{err}");

        let mut bad = BytesMut::from(&batch[..]);
        bad[8..12].copy_from_slice(&10i32.to_be_bytes());
        assert!(split_batches(&bad.freeze()).is_err());
    }

    #[test]
    fn crc_mismatch_is_detected() {
        let batch = build(&simple(3), Compression::None);
        let mut bad = BytesMut::from(&batch[..]);
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        let err = decode(&bad.freeze()).unwrap_err().to_string();
        assert!(err.contains("CRC mismatch"), "{err}");
        // Bytes outside the CRC (base offset) do not matter.
        let moved = with_offset(batch, 1_000);
        assert_eq!(decode(&moved).unwrap().1[0].offset, 1_000);
    }

    #[test]
    fn producer_state_is_rewritten_with_a_valid_crc() {
        let mut batch = BatchBuilder::new(Compression::Snappy);
        for r in simple(4) {
            batch
                .append(
                    r.timestamp,
                    r.key.as_deref(),
                    r.value.as_deref(),
                    &r.headers,
                )
                .unwrap();
        }
        let mut batch = batch.finish_mut().unwrap();
        set_producer_state(&mut batch, 77, 2, 1_000).unwrap();
        let batch = batch.freeze();
        let (h, records) = decode(&batch).unwrap();
        assert_eq!(
            (h.producer_id, h.producer_epoch, h.base_sequence),
            (77, 2, 1_000)
        );
        assert_eq!(records.len(), 4);
        assert!(set_producer_state(&mut [0u8; 30], 1, 1, 1).is_err());
    }

    #[test]
    fn forwarding_clears_producer_state_and_keeps_records() {
        for compression in Compression::ALL {
            let builder = BatchBuilder::new(compression)
                .producer_state(5, 1, 10)
                .transactional(true);
            let source = with_offset(build_with(builder, &simple(5)).unwrap(), 300);
            let forwarded = rewrite_for_forwarding(&source).unwrap();
            let (h, records) = decode(&forwarded).unwrap();
            assert_eq!(
                (h.producer_id, h.producer_epoch, h.base_sequence),
                (-1, -1, -1)
            );
            assert!(!h.is_transactional());
            assert_eq!(h.compression().unwrap(), compression);
            assert_eq!(records, decode(&source).unwrap().1);
            assert_eq!(forwarded[..17], source[..17]);
            assert_eq!(forwarded[23..43], source[23..43]);
            assert_eq!(forwarded[57..], source[57..]);
        }
        assert!(rewrite_for_forwarding(&control_batch(1, 0, true)).is_err());
    }

    proptest! {
        #[test]
        fn split_keeps_whole_batches(sizes in prop::collection::vec(1usize..5, 1..5), cut in any::<prop::sample::Index>()) {
            let batches: Vec<Bytes> = sizes.iter().map(|&n| build(&simple(n), Compression::None)).collect();
            let whole = Bytes::from(batches.iter().flat_map(|b| b.iter().copied()).collect::<Vec<u8>>());
            let cut = cut.index(whole.len() + 1);
            let got = split_batches(&whole.slice(..cut)).unwrap();
            let mut end = 0;
            let expected: Vec<Bytes> = batches.iter().take_while(|b| { end += b.len(); end <= cut }).cloned().collect();
            prop_assert_eq!(got, expected);
        }
    }
}
