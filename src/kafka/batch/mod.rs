//! The Kafka record batch, format v2 (magic 2): parse the 61-byte header, cut
//! a fetched records region into whole batches, decode records without
//! copying, encode a batch for the producer, filter aborted transactions
//! (read_committed), and rewrite a fetched batch's producer fields for
//! forwarding to another cluster.
//!
//! Mirrors `org.apache.kafka.common.record.DefaultRecordBatch`,
//! `DefaultRecord`, `MemoryRecordsBuilder`, `ByteBufferLogInputStream` and the
//! aborted-transaction handling of the consumer's `CompletedFetch`. The
//! `kafka-protocol` crate's own batch codec is not used (it collapses duplicate
//! header keys, hides `maxTimestamp`/`lastOffsetDelta` and splits batches per
//! record, see COMPAT.md section 5); only its compression codecs are.
//!
//! Layout of a v2 batch (big-endian):
//!
//! ```text
//! 0  baseOffset i64        8  batchLength i32     12 partitionLeaderEpoch i32
//! 16 magic i8              17 crc u32 (CRC32C of bytes 21..)
//! 21 attributes i16        23 lastOffsetDelta i32 27 baseTimestamp i64
//! 35 maxTimestamp i64      43 producerId i64      51 producerEpoch i16
//! 53 baseSequence i32      57 recordCount i32     61 records (maybe compressed)
//! ```
//!
//! A record is `length varint, attributes i8, timestampDelta varlong,
//! offsetDelta varint, keyLength varint, key, valueLength varint, value,
//! headerCount varint, [keyLength varint, key, valueLength varint, value]`,
//! with zigzag varints and -1 lengths for null.
//!
//! One concern per file:
//!
//! - `header`: [`BatchHeader`] (parse, CRC, attributes), in-place rewrites of
//!   the producer fields ([`set_producer_state`], [`set_base_offset`],
//!   [`rewrite_for_forwarding`]) and cutting a fetched region into whole
//!   batches ([`batches`], [`split_batches`]).
//! - `records`: [`Header`], [`Record`] and [`decode_batch`].
//! - `varint`: zigzag varint encoding and sizes.
//! - `builder`: [`BatchBuilder`] and [`record_size_upper_bound`].
//! - `aborted`: control batches ([`ControlType`], [`control_type`]) and the
//!   read_committed filter ([`AbortedFilter`], [`drop_aborted`]).
//! - `test_support` (tests only): batches the tests of every file build.
//!
//! This file holds the format constants and [`Compression`].

mod aborted;
mod builder;
mod header;
mod records;
#[cfg(test)]
mod test_support;
mod varint;

use std::fmt;
use std::str::FromStr;

use bytes::{Bytes, BytesMut};
use kafka_protocol::compression::{Compressor, Decompressor, Gzip, Lz4, Snappy, Zstd};

use super::error::{Error, Result};

pub use aborted::{control_type, drop_aborted, AbortedFilter, ControlType};
pub use builder::{record_size_upper_bound, BatchBuilder};
pub use header::{
    batches, rewrite_for_forwarding, set_base_offset, set_producer_state, split_batches,
    BatchHeader, Batches,
};
pub use records::{decode_batch, Header, Record};

/// Size of the v2 batch header; records start here.
pub const HEADER_SIZE: usize = 61;
/// Bytes before (and not counted in) `batchLength`: baseOffset and batchLength.
pub const LOG_OVERHEAD: usize = 12;
/// The only record format this codec speaks.
pub const MAGIC: i8 = 2;
/// `producerId` of a batch written without idempotence.
pub const NO_PRODUCER_ID: i64 = -1;
/// `producerEpoch` of a batch written without idempotence.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `baseSequence` of a batch written without idempotence.
pub const NO_SEQUENCE: i32 = -1;

/// The CRC covers everything from the attributes on.
const CRC_START: usize = 21;
const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_BIT: i16 = 0x08;
const TRANSACTIONAL_BIT: i16 = 0x10;
const CONTROL_BIT: i16 = 0x20;

fn corrupt(message: String) -> Error {
    Error::CorruptBatch(message)
}

fn encode_error(message: String) -> Error {
    Error::Encode {
        api: "record batch".to_string(),
        message,
    }
}

// ---------------------------------------------------------------------------
// Compression

/// A batch's compression codec (attribute bits 0..2), named as in Java's
/// `compression.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    /// Every codec, in attribute-id order.
    pub const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    /// The id stored in attribute bits 0..2.
    pub fn id(self) -> i16 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// The codec for an attribute id, if it is one Kafka defines.
    pub fn from_id(id: i16) -> Option<Compression> {
        Compression::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Java's `compression.type` name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Compresses `records` into the end of `out`.
    fn compress_into(self, records: BytesMut, out: &mut BytesMut) -> Result<()> {
        if self == Compression::None {
            out.extend_from_slice(&records);
            return Ok(());
        }
        // The codecs hand us an empty scratch buffer to fill; moving ours in
        // avoids copying the records once more.
        let fill = |scratch: &mut BytesMut| {
            *scratch = records;
            Ok(())
        };
        let done = match self {
            Compression::None => return Ok(()),
            Compression::Gzip => Gzip::compress(out, fill),
            Compression::Snappy => Snappy::compress(out, fill),
            Compression::Lz4 => Lz4::compress(out, fill),
            Compression::Zstd => Zstd::compress(out, fill),
        };
        done.map_err(|e| encode_error(format!("{} compression failed: {e:#}", self.name())))
    }

    /// Decompresses a whole records section into one buffer.
    fn decompress(self, mut data: Bytes) -> std::result::Result<Bytes, String> {
        let take = |buf: &mut Bytes| Ok(std::mem::take(buf));
        let done = match self {
            Compression::None => return Ok(data),
            Compression::Gzip => Gzip::decompress(&mut data, take),
            Compression::Snappy => Snappy::decompress(&mut data, take),
            Compression::Lz4 => Lz4::decompress(&mut data, take),
            Compression::Zstd => Zstd::decompress(&mut data, take),
        };
        done.map_err(|e| format!("{} decompression failed: {e:#}", self.name()))
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Compression {
    type Err = Error;

    /// Parses Java's `compression.type` names (exact, lower case, as Java's
    /// validator requires).
    fn from_str(s: &str) -> Result<Compression> {
        Compression::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                Error::Other(format!(
                    "unknown compression type '{s}': expected one of none, gzip, snappy, lz4, zstd"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::header::write_crc;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compression_names_and_ids() {
        for c in Compression::ALL {
            assert_eq!(c.name().parse::<Compression>().unwrap(), c);
            assert_eq!(Compression::from_id(c.id()), Some(c));
        }
        assert_eq!(Compression::Lz4.id(), 3);
        assert_eq!(Compression::from_id(5), None);
        let err = "brotli".parse::<Compression>().unwrap_err().to_string();
        assert!(err.contains("brotli") && err.contains("zstd"), "{err}");
        assert!("GZIP".parse::<Compression>().is_err());
    }

    proptest! {
        #[test]
        fn garbage_is_an_error_not_a_panic(data in prop::collection::vec(any::<u8>(), 0..400)) {
            let data = Bytes::from(data);
            let _ = split_batches(&data);
            let _ = BatchHeader::parse(&data);
            let _ = decode_batch(&data, &mut Vec::new());
            let _ = control_type(&data);
            let _ = rewrite_for_forwarding(&data);
            let _ = drop_aborted(vec![data.clone()], &[(-1, 0), (0, 0)]);
        }

        /// Garbage behind a plausible header and a valid CRC reaches the
        /// record parser and the decompressors.
        #[test]
        fn garbage_records_are_an_error_not_a_panic(
            data in prop::collection::vec(any::<u8>(), 61..400),
            compression in prop::sample::select(Compression::ALL.to_vec()),
            flags in 0i16..64,
        ) {
            let mut b = BytesMut::from(&data[..]);
            let len = b.len() as i32 - 12;
            b[8..12].copy_from_slice(&len.to_be_bytes());
            b[16] = 2;
            b[21..23].copy_from_slice(&((flags & !7) | compression.id()).to_be_bytes());
            write_crc(&mut b);
            let b = b.freeze();
            let _ = decode_batch(&b, &mut Vec::new());
            let _ = control_type(&b);
            let _ = drop_aborted(vec![b.clone()], &[(BatchHeader::parse(&b).unwrap().producer_id, 0)]);
        }
    }
}
