//! Decoding the records of a batch (`DefaultRecord.readFrom`): [`Header`],
//! [`Record`] and [`decode_batch`], whose keys, values and headers are
//! zero-copy slices of the fetched batch (or of its one decompressed buffer).

use std::fmt;

use bytes::Bytes;

use super::header::{checked_header, BatchHeader};
use super::{corrupt, HEADER_SIZE};
use crate::kafka::error::Result;

/// One record header. Keys may repeat within a record, so headers are a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    pub key: Bytes,
    pub value: Option<Bytes>,
}

/// One decoded record. `key`, `value` and header bytes are slices of the
/// fetched batch (or of its one decompressed buffer), never copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Absolute offset: the batch's base offset plus the record's delta.
    pub offset: i64,
    /// Create time, or the batch's log-append time on LogAppendTime topics.
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
}

/// Why a record could not be read; turned into an error message only on
/// failure, so that the happy path allocates nothing for context.
pub(super) enum Fault {
    Truncated {
        what: &'static str,
        at: usize,
        need: usize,
    },
    VarintTooLong {
        what: &'static str,
        at: usize,
    },
    Invalid {
        what: &'static str,
        at: usize,
        value: i64,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Truncated { what, at, need } => write!(
                f,
                "{what} at byte {at} of the records section runs {need} bytes past the end of its record"
            ),
            Fault::VarintTooLong { what, at } => write!(
                f,
                "varint {what} at byte {at} of the records section is too long"
            ),
            Fault::Invalid { what, at, value } => write!(
                f,
                "invalid {what} {value} at byte {at} of the records section"
            ),
        }
    }
}

/// Reads a records section; `limit` bounds reads to the current record.
pub(super) struct Cursor {
    data: Bytes,
    pos: usize,
    limit: usize,
}

impl Cursor {
    pub(super) fn new(data: Bytes) -> Cursor {
        let limit = data.len();
        Cursor {
            data,
            pos: 0,
            limit,
        }
    }

    fn u8(&mut self, what: &'static str) -> std::result::Result<u8, Fault> {
        if self.pos >= self.limit {
            return Err(Fault::Truncated {
                what,
                at: self.pos,
                need: 1,
            });
        }
        let b = self.data[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// Zigzag varint of at most 5 bytes (`ByteUtils.readVarint`).
    pub(super) fn varint(&mut self, what: &'static str) -> std::result::Result<i32, Fault> {
        let at = self.pos;
        let mut raw: u32 = 0;
        for i in 0..5 {
            let b = self.u8(what)?;
            raw |= u32::from(b & 0x7f).wrapping_shl(7 * i);
            if b & 0x80 == 0 {
                return Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32));
            }
        }
        Err(Fault::VarintTooLong { what, at })
    }

    /// Zigzag varlong of at most 10 bytes (`ByteUtils.readVarlong`).
    pub(super) fn varlong(&mut self, what: &'static str) -> std::result::Result<i64, Fault> {
        let at = self.pos;
        let mut raw: u64 = 0;
        for i in 0..10 {
            let b = self.u8(what)?;
            raw |= u64::from(b & 0x7f).wrapping_shl(7 * i);
            if b & 0x80 == 0 {
                return Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64));
            }
        }
        Err(Fault::VarintTooLong { what, at })
    }

    fn bytes(&mut self, len: usize, what: &'static str) -> std::result::Result<Bytes, Fault> {
        let available = self.limit - self.pos;
        if len > available {
            return Err(Fault::Truncated {
                what,
                at: self.pos,
                need: len - available,
            });
        }
        let b = self.data.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(b)
    }

    /// A length-prefixed byte field; negative lengths mean null, as in Java.
    fn nullable(&mut self, what: &'static str) -> std::result::Result<Option<Bytes>, Fault> {
        let len = self.varint(what)?;
        if len < 0 {
            return Ok(None);
        }
        self.bytes(len as usize, what).map(Some)
    }

    /// Reads one record (`DefaultRecord.readFrom`), with its offset and
    /// timestamp deltas as written.
    pub(super) fn record(&mut self) -> std::result::Result<(i32, i64, Record), Fault> {
        let at = self.pos;
        let length = self.varint("record length")?;
        if length < 0 {
            return Err(Fault::Invalid {
                what: "record length",
                at,
                value: i64::from(length),
            });
        }
        let body_start = self.pos;
        let available = self.data.len() - body_start;
        if length as usize > available {
            return Err(Fault::Truncated {
                what: "record body",
                at: body_start,
                need: length as usize - available,
            });
        }
        self.limit = body_start + length as usize;
        let _attributes = self.u8("record attributes")?;
        let timestamp_delta = self.varlong("timestamp delta")?;
        let offset_delta = self.varint("offset delta")?;
        let key = self.nullable("key")?;
        let value = self.nullable("value")?;
        let count_at = self.pos;
        let header_count = self.varint("header count")?;
        if header_count < 0 {
            return Err(Fault::Invalid {
                what: "header count",
                at: count_at,
                value: i64::from(header_count),
            });
        }
        // Each header takes at least two bytes: never trust the count alone.
        let mut headers =
            Vec::with_capacity((header_count as usize).min((self.limit - self.pos) / 2));
        for _ in 0..header_count {
            let key_at = self.pos;
            let key_len = self.varint("header key length")?;
            if key_len < 0 {
                return Err(Fault::Invalid {
                    what: "header key length",
                    at: key_at,
                    value: i64::from(key_len),
                });
            }
            let key = self.bytes(key_len as usize, "header key")?;
            let value = self.nullable("header value")?;
            headers.push(Header { key, value });
        }
        if self.pos != self.limit {
            return Err(Fault::Invalid {
                what: "record length (bytes left after the last header)",
                at,
                value: i64::from(length),
            });
        }
        self.limit = self.data.len();
        let record = Record {
            offset: 0,
            timestamp: 0,
            key,
            value,
            headers,
        };
        Ok((offset_delta, timestamp_delta, record))
    }
}

/// The records section of a checked batch, decompressed if needed.
pub(super) fn records_section(header: &BatchHeader, batch: &Bytes) -> Result<Bytes> {
    let compression = header.compression()?;
    compression
        .decompress(batch.slice(HEADER_SIZE..))
        .map_err(|m| corrupt(format!("batch at base offset {}: {m}", header.base_offset)))
}

/// Decodes one whole batch, appending its records to `out` with absolute
/// offsets and timestamps, and returns its header. Control batches append
/// nothing. The CRC is verified first; on any error `out` is left as it was.
///
/// Uncompressed records are slices of `batch`; compressed ones are slices of
/// the batch's one decompressed buffer.
pub fn decode_batch(batch: &Bytes, out: &mut Vec<Record>) -> Result<BatchHeader> {
    let header = checked_header(batch)?;
    if header.is_control() {
        return Ok(header);
    }
    let count = header.record_count;
    if count < 0 {
        return Err(corrupt(format!(
            "batch at base offset {} has negative record count {count} (byte 57)",
            header.base_offset
        )));
    }
    let mut cursor = Cursor::new(records_section(&header, batch)?);
    let log_append = header.timestamp_type_is_log_append();
    let start_len = out.len();
    // A record takes at least 7 bytes; a lying count must not reserve memory.
    out.reserve((count as usize).min(cursor.data.len() / 7));
    for i in 0..count {
        match cursor.record() {
            Ok((offset_delta, timestamp_delta, mut record)) => {
                record.offset = header.base_offset.wrapping_add(i64::from(offset_delta));
                record.timestamp = if log_append {
                    header.max_timestamp
                } else {
                    header.base_timestamp.wrapping_add(timestamp_delta)
                };
                out.push(record);
            }
            Err(fault) => {
                out.truncate(start_len);
                return Err(corrupt(format!(
                    "batch at base offset {}: record {i} of {count}: {fault}",
                    header.base_offset
                )));
            }
        }
    }
    if cursor.pos != cursor.data.len() {
        out.truncate(start_len);
        return Err(corrupt(format!(
            "batch at base offset {}: {} bytes left after its {count} records (byte {} of the records section)",
            header.base_offset,
            cursor.data.len() - cursor.pos,
            cursor.pos
        )));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::header::write_crc;
    use crate::kafka::batch::test_support::*;
    use crate::kafka::batch::{Compression, TIMESTAMP_TYPE_BIT};
    use bytes::{BufMut, BytesMut};
    use proptest::prelude::*;

    /// A batch written field by field from the protocol guide, not by our
    /// encoder: record 0 has key "k", value "hello" and two headers with the
    /// same key (one null); record 1 has a null key, an empty value, no
    /// headers and a timestamp delta of 5.
    fn hand_built(attributes: i16) -> Bytes {
        let record0: &[u8] = &[
            0x00, // attributes
            0x00, // timestampDelta 0
            0x00, // offsetDelta 0
            0x02, b'k', // key length 1, "k"
            0x0a, b'h', b'e', b'l', b'l', b'o', // value length 5, "hello"
            0x04, // 2 headers
            0x02, b'h', 0x02, b'1', // "h" = "1"
            0x02, b'h', 0x01, // "h" = null
        ];
        assert_eq!(record0.len(), 19);
        let record1: &[u8] = &[
            0x00, // attributes
            0x0a, // timestampDelta 5
            0x02, // offsetDelta 1
            0x01, // key length -1 (null)
            0x00, // value length 0 (empty)
            0x00, // no headers
        ];
        let mut records = vec![0x26]; // length 19
        records.extend_from_slice(record0);
        records.push(0x0c); // length 6
        records.extend_from_slice(record1);

        let mut b = Vec::new();
        b.extend_from_slice(&100i64.to_be_bytes()); // baseOffset
        b.extend_from_slice(&((49 + records.len()) as i32).to_be_bytes()); // batchLength
        b.extend_from_slice(&7i32.to_be_bytes()); // partitionLeaderEpoch
        b.push(2); // magic
        b.extend_from_slice(&[0, 0, 0, 0]); // crc, filled below
        b.extend_from_slice(&attributes.to_be_bytes());
        b.extend_from_slice(&1i32.to_be_bytes()); // lastOffsetDelta
        b.extend_from_slice(&1_700_000_000_000i64.to_be_bytes()); // baseTimestamp
        b.extend_from_slice(&1_700_000_000_005i64.to_be_bytes()); // maxTimestamp
        b.extend_from_slice(&(-1i64).to_be_bytes()); // producerId
        b.extend_from_slice(&(-1i16).to_be_bytes()); // producerEpoch
        b.extend_from_slice(&(-1i32).to_be_bytes()); // baseSequence
        b.extend_from_slice(&2i32.to_be_bytes()); // records count
        assert_eq!(b.len(), 61);
        b.extend_from_slice(&records);
        let crc = crc32c::crc32c(&b[21..]);
        b[17..21].copy_from_slice(&crc.to_be_bytes());
        Bytes::from(b)
    }

    #[test]
    fn decodes_a_hand_built_batch_without_copying() {
        let batch = hand_built(0);
        let (header, records) = decode(&batch).unwrap();
        assert_eq!(header.base_offset, 100);
        assert_eq!(header.partition_leader_epoch, 7);
        assert_eq!(header.record_count, 2);
        assert_eq!(header.last_offset(), 101);
        assert_eq!(header.next_offset(), 102);
        assert_eq!(header.max_timestamp, 1_700_000_000_005);
        assert_eq!(header.compression().unwrap(), Compression::None);
        assert!(!header.is_transactional() && !header.is_control() && !header.has_producer_id());
        assert_eq!(records.len(), 2);

        let r0 = &records[0];
        assert_eq!((r0.offset, r0.timestamp), (100, 1_700_000_000_000));
        assert_eq!(r0.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(r0.value.as_deref(), Some(&b"hello"[..]));
        let h = Bytes::from_static(b"h");
        assert_eq!(
            r0.headers,
            vec![
                Header {
                    key: h.clone(),
                    value: Some(Bytes::from_static(b"1"))
                },
                Header {
                    key: h,
                    value: None
                },
            ]
        );
        let r1 = &records[1];
        assert_eq!((r1.offset, r1.timestamp), (101, 1_700_000_000_005));
        assert_eq!(r1.key, None);
        assert_eq!(r1.value.as_deref(), Some(&b""[..]));
        assert!(r1.headers.is_empty());

        for slice in [
            &r0.headers[0].key,
            r0.key.as_ref().unwrap(),
            r0.value.as_ref().unwrap(),
        ] {
            assert!(is_within(slice, &batch), "not a slice of the input");
        }
    }

    #[test]
    fn log_append_time_uses_max_timestamp() {
        let batch = hand_built(TIMESTAMP_TYPE_BIT);
        let (header, records) = decode(&batch).unwrap();
        assert!(header.timestamp_type_is_log_append());
        assert!(records.iter().all(|r| r.timestamp == 1_700_000_000_005));
    }

    #[test]
    fn record_errors_name_the_record_and_leave_out_untouched() {
        let batch = build(&simple(2), Compression::None);
        let mut bad = BytesMut::from(&batch[..]);
        bad[57..61].copy_from_slice(&3i32.to_be_bytes()); // claims one more record
        write_crc(&mut bad);
        let mut out = vec![];
        let err = decode_batch(&bad.freeze(), &mut out)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("record 2 of 3") && err.contains("byte"),
            "{err}"
        );
        assert!(out.is_empty());

        let mut bad = BytesMut::from(&batch[..]);
        bad[57..61].copy_from_slice(&1i32.to_be_bytes()); // hides a record
        write_crc(&mut bad);
        let err = decode(&bad.freeze()).unwrap_err().to_string();
        assert!(err.contains("bytes left"), "{err}");

        let mut varint = BytesMut::from(&batch[..61]);
        varint.put_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        let len = varint.len() as i32 - 12;
        varint[8..12].copy_from_slice(&len.to_be_bytes());
        write_crc(&mut varint);
        let err = decode(&varint.freeze()).unwrap_err().to_string();
        assert!(err.contains("too long"), "{err}");
    }

    fn arb_header() -> impl Strategy<Value = Header> {
        // A small key alphabet so that duplicate keys are common.
        (
            prop::sample::select(vec!["a", "b", "trace-id", ""]),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..8)),
        )
            .prop_map(|(k, v)| Header {
                key: Bytes::from_static(k.as_bytes()),
                value: v.map(Bytes::from),
            })
    }

    fn arb_input() -> impl Strategy<Value = Input> {
        (
            prop_oneof![any::<i64>(), 1_600_000_000_000i64..1_600_000_100_000],
            prop::option::of(prop::collection::vec(any::<u8>(), 0..24)),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
            prop::collection::vec(arb_header(), 0..4),
        )
            .prop_map(|(timestamp, key, value, headers)| Input {
                timestamp,
                key,
                value,
                headers,
            })
    }

    proptest! {
        #[test]
        fn round_trip(
            records in prop::collection::vec(arb_input(), 1..20),
            compression in prop::sample::select(Compression::ALL.to_vec()),
            base_offset in 0i64..1 << 40,
        ) {
            let batch = with_offset(build(&records, compression), base_offset);
            let (h, decoded) = decode(&batch).unwrap();
            prop_assert_eq!(h.record_count as usize, records.len());
            prop_assert_eq!(h.next_offset(), base_offset + records.len() as i64);
            prop_assert_eq!(h.base_timestamp, records[0].timestamp);
            let max = records.iter().map(|r| r.timestamp).fold(-1, i64::max);
            prop_assert_eq!(h.max_timestamp, max);
            prop_assert_eq!(decoded.len(), records.len());
            for (i, (r, d)) in records.iter().zip(&decoded).enumerate() {
                prop_assert_eq!(d.offset, base_offset + i as i64);
                prop_assert_eq!(d.timestamp, r.timestamp);
                prop_assert_eq!(d.key.as_deref(), r.key.as_deref());
                prop_assert_eq!(d.value.as_deref(), r.value.as_deref());
                prop_assert_eq!(&d.headers, &r.headers);
                if compression == Compression::None {
                    for b in d.key.iter().chain(&d.value) {
                        prop_assert!(is_within(b, &batch));
                    }
                }
            }
        }

        /// Valid batches with one byte changed (and the CRC fixed).
        #[test]
        fn mutated_batches_are_an_error_not_a_panic(
            records in prop::collection::vec(arb_input(), 1..6),
            compression in prop::sample::select(Compression::ALL.to_vec()),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let batch = build(&records, compression);
            let mut b = BytesMut::from(&batch[..]);
            let at = 21 + at.index(b.len() - 21);
            b[at] = byte;
            write_crc(&mut b);
            let _ = decode_batch(&b.freeze(), &mut Vec::new());
        }
    }
}
