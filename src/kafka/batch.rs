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

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::compression::{Compressor, Decompressor, Gzip, Lz4, Snappy, Zstd};

use super::error::{Error, Result};

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

// ---------------------------------------------------------------------------
// Records

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

// ---------------------------------------------------------------------------
// Header

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

fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(a)
}

fn be_i16(b: &[u8], at: usize) -> i16 {
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
    fn write(&self, out: &mut [u8]) {
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

// ---------------------------------------------------------------------------
// Decoding

/// Why a record could not be read; turned into an error message only on
/// failure, so that the happy path allocates nothing for context.
enum Fault {
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
struct Cursor {
    data: Bytes,
    pos: usize,
    limit: usize,
}

impl Cursor {
    fn new(data: Bytes) -> Cursor {
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
    fn varint(&mut self, what: &'static str) -> std::result::Result<i32, Fault> {
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
    fn varlong(&mut self, what: &'static str) -> std::result::Result<i64, Fault> {
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
    fn record(&mut self) -> std::result::Result<(i32, i64, Record), Fault> {
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

/// Parses the header of a whole batch (exactly `LOG_OVERHEAD + batchLength`
/// bytes, as [`batches`] cuts them) and verifies its CRC.
fn checked_header(batch: &[u8]) -> Result<BatchHeader> {
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

/// The records section of a checked batch, decompressed if needed.
fn records_section(header: &BatchHeader, batch: &Bytes) -> Result<Bytes> {
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

// ---------------------------------------------------------------------------
// Transactions (read_committed)

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
/// `(producer_id, first_offset)`. Control batches are kept: [`decode_batch`]
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

// ---------------------------------------------------------------------------
// Encoding

fn varint_size(v: i32) -> usize {
    varlong_size(i64::from(v))
}

fn varlong_size(v: i64) -> usize {
    let raw = ((v << 1) ^ (v >> 63)) as u64;
    let bits = 64 - (raw | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

fn put_varlong(out: &mut BytesMut, v: i64) {
    let mut raw = ((v << 1) ^ (v >> 63)) as u64;
    while raw >= 0x80 {
        out.put_u8((raw as u8 & 0x7f) | 0x80);
        raw >>= 7;
    }
    out.put_u8(raw as u8);
}

fn put_varint(out: &mut BytesMut, v: i32) {
    put_varlong(out, i64::from(v));
}

fn field_len(len: usize, what: &str) -> Result<i32> {
    i32::try_from(len).map_err(|_| encode_error(format!("{what} of {len} bytes is too large")))
}

fn nullable_size(field: Option<&[u8]>) -> usize {
    match field {
        None => 1,
        Some(b) => varint_size(b.len() as i32) + b.len(),
    }
}

fn headers_size(headers: &[Header]) -> usize {
    varint_size(headers.len() as i32)
        + headers
            .iter()
            .map(|h| {
                varint_size(h.key.len() as i32) + h.key.len() + nullable_size(h.value.as_deref())
            })
            .sum::<usize>()
}

/// Upper bound of a record's encoded size whatever its deltas
/// (`DefaultRecord.estimateSizeInBytesUpperBound`): 5 bytes of length,
/// attributes, 10 bytes of timestamp delta and 5 of offset delta.
pub fn record_size_upper_bound(
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
) -> usize {
    5 + 1 + 10 + 5 + nullable_size(key) + nullable_size(value) + headers_size(headers)
}

/// Builds one v2 batch for the producer (`MemoryRecordsBuilder`): records are
/// encoded straight into one buffer behind a reserved header, which
/// [`BatchBuilder::finish`] fills in after compressing the records section.
#[derive(Debug)]
pub struct BatchBuilder {
    /// 61 reserved header bytes followed by the uncompressed records.
    buf: BytesMut,
    compression: Compression,
    /// Timestamp of the first record; the others are stored as deltas to it.
    base_timestamp: i64,
    max_timestamp: i64,
    record_count: i32,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    transactional: bool,
}

impl BatchBuilder {
    /// An empty batch without producer id (non-idempotent).
    pub fn new(compression: Compression) -> BatchBuilder {
        BatchBuilder::with_capacity(compression, 1024)
    }

    /// Like [`BatchBuilder::new`], reserving `capacity` bytes (e.g. `batch.size`).
    pub fn with_capacity(compression: Compression, capacity: usize) -> BatchBuilder {
        let mut buf = BytesMut::with_capacity(capacity.max(HEADER_SIZE));
        buf.put_bytes(0, HEADER_SIZE);
        BatchBuilder {
            buf,
            compression,
            base_timestamp: 0,
            max_timestamp: -1,
            record_count: 0,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            transactional: false,
        }
    }

    /// Producer id, epoch and base sequence to write (see also
    /// [`set_producer_state`] to assign them after `finish`).
    pub fn producer_state(
        mut self,
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
    ) -> BatchBuilder {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.base_sequence = base_sequence;
        self
    }

    /// Marks the batch as part of a transaction (attribute bit 4).
    pub fn transactional(mut self, transactional: bool) -> BatchBuilder {
        self.transactional = transactional;
        self
    }

    /// Appends a record; its offset delta is its index in the batch.
    pub fn append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
    ) -> Result<()> {
        let offset_delta = self.record_count;
        if offset_delta == i32::MAX {
            return Err(encode_error(
                "a batch holds at most i32::MAX records".to_string(),
            ));
        }
        if offset_delta == 0 {
            self.base_timestamp = timestamp;
        }
        let timestamp_delta = timestamp.wrapping_sub(self.base_timestamp);
        let key_len = key.map(|k| field_len(k.len(), "record key")).transpose()?;
        let value_len = value
            .map(|v| field_len(v.len(), "record value"))
            .transpose()?;
        field_len(headers.len(), "header list")?;
        for h in headers {
            field_len(h.key.len(), "header key")?;
            if let Some(v) = &h.value {
                field_len(v.len(), "header value")?;
            }
        }
        let body = 1
            + varlong_size(timestamp_delta)
            + varint_size(offset_delta)
            + nullable_size(key)
            + nullable_size(value)
            + headers_size(headers);
        let body_len = field_len(body, "record")?;

        let out = &mut self.buf;
        out.reserve(varint_size(body_len) + body);
        put_varint(out, body_len);
        out.put_u8(0);
        put_varlong(out, timestamp_delta);
        put_varint(out, offset_delta);
        put_nullable(out, key, key_len);
        put_nullable(out, value, value_len);
        put_varint(out, headers.len() as i32);
        for h in headers {
            put_varint(out, h.key.len() as i32);
            out.put_slice(&h.key);
            let v = h.value.as_deref();
            put_nullable(out, v, v.map(|v| v.len() as i32));
        }
        self.record_count += 1;
        self.max_timestamp = self.max_timestamp.max(timestamp);
        Ok(())
    }

    /// Number of records appended.
    pub fn len(&self) -> usize {
        self.record_count as usize
    }

    /// Whether no record was appended yet.
    pub fn is_empty(&self) -> bool {
        self.record_count == 0
    }

    /// The batch's size before compression: what `batch.size` is compared
    /// with (Java starts its compression-ratio estimate at 1.0 as well).
    pub fn estimated_size(&self) -> usize {
        self.buf.len()
    }

    /// Whether a record fits within `batch_size` (Java's `hasRoomFor`): an
    /// empty batch always takes its first record, however large.
    pub fn has_room_for(
        &self,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
        batch_size: usize,
    ) -> bool {
        self.is_empty()
            || self.estimated_size() + record_size_upper_bound(key, value, headers) <= batch_size
    }

    /// Compresses the records and writes the header and CRC. Fails on an
    /// empty batch (Kafka has no empty produce batches).
    pub fn finish(self) -> Result<Bytes> {
        self.finish_mut().map(BytesMut::freeze)
    }

    /// [`BatchBuilder::finish`], keeping the buffer mutable for
    /// [`set_producer_state`].
    pub fn finish_mut(self) -> Result<BytesMut> {
        if self.record_count == 0 {
            return Err(encode_error(
                "cannot finish a batch without records".to_string(),
            ));
        }
        let mut buf = match self.compression {
            Compression::None => self.buf,
            codec => {
                let mut buf = self.buf;
                let records = buf.split_off(HEADER_SIZE);
                let mut out = BytesMut::with_capacity(HEADER_SIZE + records.len() / 2);
                out.put_bytes(0, HEADER_SIZE);
                codec.compress_into(records, &mut out)?;
                out
            }
        };
        let batch_length = field_len(buf.len() - LOG_OVERHEAD, "batch")?;
        let mut attributes = self.compression.id();
        if self.transactional {
            attributes |= TRANSACTIONAL_BIT;
        }
        let header = BatchHeader {
            base_offset: 0,
            batch_length,
            partition_leader_epoch: -1,
            magic: MAGIC,
            crc: 0,
            attributes,
            last_offset_delta: self.record_count - 1,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: self.base_sequence,
            record_count: self.record_count,
        };
        header.write(&mut buf[..HEADER_SIZE]);
        write_crc(&mut buf);
        Ok(buf)
    }
}

fn put_nullable(out: &mut BytesMut, field: Option<&[u8]>, len: Option<i32>) {
    match (field, len) {
        (Some(b), Some(len)) => {
            put_varint(out, len);
            out.put_slice(b);
        }
        _ => put_varint(out, -1),
    }
}

/// Recomputes the CRC of a whole batch whose header was checked.
fn write_crc(batch: &mut [u8]) {
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
/// them (and aborted batches, see [`AbortedFilter`]) before forwarding.
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A record as the tests write it.
    #[derive(Debug, Clone)]
    struct Input {
        timestamp: i64,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        headers: Vec<Header>,
    }

    fn build_with(builder: BatchBuilder, records: &[Input]) -> Result<Bytes> {
        let mut builder = builder;
        for r in records {
            builder.append(
                r.timestamp,
                r.key.as_deref(),
                r.value.as_deref(),
                &r.headers,
            )?;
        }
        builder.finish()
    }

    fn build(records: &[Input], compression: Compression) -> Bytes {
        build_with(BatchBuilder::new(compression), records).unwrap()
    }

    fn simple(n: usize) -> Vec<Input> {
        (0..n)
            .map(|i| Input {
                timestamp: 1_000 + i as i64,
                key: Some(format!("key-{i}").into_bytes()),
                value: Some(vec![b'v'; 20 + i]),
                headers: vec![Header {
                    key: Bytes::from_static(b"h"),
                    value: Some(Bytes::from(format!("{i}"))),
                }],
            })
            .collect()
    }

    fn decode(batch: &Bytes) -> Result<(BatchHeader, Vec<Record>)> {
        let mut out = Vec::new();
        let header = decode_batch(batch, &mut out)?;
        Ok((header, out))
    }

    fn with_offset(batch: Bytes, base_offset: i64) -> Bytes {
        let mut b = BytesMut::from(&batch[..]);
        set_base_offset(&mut b, base_offset).unwrap();
        b.freeze()
    }

    /// Overwrites the attributes of a whole batch and fixes its CRC.
    fn with_attributes(batch: &Bytes, attributes: i16) -> Bytes {
        let mut b = BytesMut::from(&batch[..]);
        b[21..23].copy_from_slice(&attributes.to_be_bytes());
        write_crc(&mut b);
        b.freeze()
    }

    fn txn_batch(producer_id: i64, base_offset: i64, n: usize) -> Bytes {
        let builder = BatchBuilder::new(Compression::None)
            .producer_state(producer_id, 0, 0)
            .transactional(true);
        with_offset(build_with(builder, &simple(n)).unwrap(), base_offset)
    }

    fn control_batch(producer_id: i64, base_offset: i64, abort: bool) -> Bytes {
        let key = [0u8, 0, 0, if abort { 0 } else { 1 }];
        let marker = Input {
            timestamp: 5,
            key: Some(key.to_vec()),
            value: Some(vec![0, 0, 0, 0, 0, 0]),
            headers: vec![],
        };
        let builder = BatchBuilder::new(Compression::None).producer_state(producer_id, 0, -1);
        let batch = build_with(builder, &[marker]).unwrap();
        with_offset(
            with_attributes(&batch, TRANSACTIONAL_BIT | CONTROL_BIT),
            base_offset,
        )
    }

    fn is_within(slice: &Bytes, whole: &Bytes) -> bool {
        let start = whole.as_ptr() as usize;
        let p = slice.as_ptr() as usize;
        slice.is_empty() || (p >= start && p + slice.len() <= start + whole.len())
    }

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

    #[test]
    fn crc32c_is_castagnoli() {
        // The standard check value of CRC-32C.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
    }

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
    fn encoder_writes_the_expected_header() {
        let builder = BatchBuilder::new(Compression::Gzip).producer_state(42, 3, 17);
        let batch = build_with(builder, &simple(3)).unwrap();
        let h = BatchHeader::parse(&batch).unwrap();
        assert_eq!(h.size(), batch.len());
        assert_eq!(
            (h.base_offset, h.partition_leader_epoch, h.magic),
            (0, -1, 2)
        );
        assert_eq!(h.compression().unwrap(), Compression::Gzip);
        assert_eq!((h.last_offset_delta, h.record_count), (2, 3));
        assert_eq!((h.base_timestamp, h.max_timestamp), (1_000, 1_002));
        assert_eq!(
            (h.producer_id, h.producer_epoch, h.base_sequence),
            (42, 3, 17)
        );
        h.verify_crc(&batch).unwrap();
    }

    #[test]
    fn builder_tracks_size_and_refuses_empty_batches() {
        assert!(BatchBuilder::new(Compression::None).finish().is_err());
        let mut b = BatchBuilder::new(Compression::Lz4);
        assert!(b.is_empty());
        assert!(b.has_room_for(None, Some(&[0; 500]), &[], 100));
        b.append(1, None, Some(&[0; 50]), &[]).unwrap();
        assert_eq!(b.len(), 1);
        assert!(b.estimated_size() > HEADER_SIZE + 50);
        assert!(b.has_room_for(None, Some(&[0; 10]), &[], 200));
        assert!(!b.has_room_for(None, Some(&[0; 150]), &[], 200));
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

    #[test]
    fn varints_match_java() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (300, &[0xd8, 0x04]),
            (i64::from(i32::MIN), &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ];
        for &(v, bytes) in cases {
            let mut out = BytesMut::new();
            put_varlong(&mut out, v);
            assert_eq!(&out[..], bytes, "{v}");
            assert_eq!(varlong_size(v), bytes.len());
            let mut c = Cursor::new(Bytes::copy_from_slice(bytes));
            assert_eq!(c.varlong("v").ok(), Some(v));
            if let Ok(v32) = i32::try_from(v) {
                let mut c = Cursor::new(Bytes::copy_from_slice(bytes));
                assert_eq!(c.varint("v").ok(), Some(v32));
            }
        }
        assert_eq!(varlong_size(i64::MIN), 10);
        assert!(Cursor::new(Bytes::from_static(&[0x80; 5]))
            .varint("v")
            .is_err());
        assert!(Cursor::new(Bytes::from_static(&[0x80; 10]))
            .varlong("v")
            .is_err());
        assert!(Cursor::new(Bytes::from_static(&[0x80]))
            .varint("v")
            .is_err());
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

        #[test]
        fn varint_round_trip(v in any::<i64>()) {
            let mut out = BytesMut::new();
            put_varlong(&mut out, v);
            prop_assert_eq!(out.len(), varlong_size(v));
            prop_assert_eq!(Cursor::new(out.freeze()).varlong("v").ok(), Some(v));
        }

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
