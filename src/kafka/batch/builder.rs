//! Encoding a batch for the producer (`MemoryRecordsBuilder`,
//! `DefaultRecord.writeTo`): [`BatchBuilder`] and the record size estimate
//! [`record_size_upper_bound`] that `batch.size` is checked with.

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{write_crc, BatchHeader};
use super::records::Header;
use super::varint::{put_varint, put_varlong, varint_size, varlong_size};
use super::{
    encode_error, Compression, HEADER_SIZE, LOG_OVERHEAD, MAGIC, NO_PRODUCER_EPOCH, NO_PRODUCER_ID,
    NO_SEQUENCE, TRANSACTIONAL_BIT,
};
use crate::kafka::error::Result;

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
    /// [`set_producer_state`](super::set_producer_state) to assign them after `finish`).
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
    /// [`set_producer_state`](super::set_producer_state).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::test_support::*;
    use crate::kafka::batch::HEADER_SIZE;

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
}
