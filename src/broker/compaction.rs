//! Log compaction for `cleanup.policy=compact` topics: keep only the latest
//! record of every key (a tombstone counts as the latest value), mirroring
//! what Kafka's `LogCleaner` leaves behind.
//!
//! Batches whose records all survive are kept byte for byte; a batch that
//! loses records is re-encoded uncompressed with the survivors, keeping their
//! offsets, timestamps, headers and the batch's producer fields and
//! `lastOffsetDelta` (so the next fetch offset stays right); a batch that
//! loses every record is dropped. Control batches and records without a key
//! (which a compacted topic refuses anyway) are kept.

use std::collections::HashMap;

use bytes::{BufMut, Bytes, BytesMut};

use super::partition::StoredBatch;
use crate::kafka::batch::{decode_batch, Record, HEADER_SIZE, LOG_OVERHEAD};

/// Attribute bits 0..2: the codec. Re-encoded batches are uncompressed.
const COMPRESSION_MASK: i16 = 0x07;

/// Compacts `batches` (oldest first).
pub fn compact(batches: Vec<StoredBatch>) -> Vec<StoredBatch> {
    let mut decoded: Vec<Option<Vec<Record>>> = Vec::with_capacity(batches.len());
    let mut latest: HashMap<Bytes, i64> = HashMap::new();
    for batch in &batches {
        let mut records = Vec::new();
        match decode_batch(&batch.bytes, &mut records) {
            Ok(h) if !h.is_control() => {
                for r in &records {
                    if let Some(k) = &r.key {
                        latest.insert(k.clone(), r.offset);
                    }
                }
                decoded.push(Some(records));
            }
            Ok(_) => decoded.push(None),
            Err(e) => {
                tracing::warn!(
                    "embedded broker: compaction keeps undecodable batch at offset {}: {e}",
                    batch.base_offset
                );
                decoded.push(None);
            }
        }
    }
    let keep = |r: &Record| match &r.key {
        Some(k) => latest.get(k) == Some(&r.offset),
        None => true,
    };
    let mut out = Vec::with_capacity(batches.len());
    for (batch, records) in batches.into_iter().zip(decoded) {
        let Some(records) = records else {
            out.push(batch);
            continue;
        };
        let survivors: Vec<&Record> = records.iter().filter(|r| keep(r)).collect();
        if survivors.len() == records.len() {
            out.push(batch);
        } else if !survivors.is_empty() {
            let bytes = reencode(&batch.bytes, &survivors);
            out.push(StoredBatch { bytes, ..batch });
        }
    }
    out
}

/// Writes a new uncompressed batch with `records`, copying the header
/// fields of `original` other than length, CRC, codec and record count.
fn reencode(original: &Bytes, records: &[&Record]) -> Bytes {
    let base_offset = i64::from_be_bytes(original[0..8].try_into().unwrap_or_default());
    let base_timestamp = i64::from_be_bytes(original[27..35].try_into().unwrap_or_default());
    let mut body = BytesMut::new();
    for r in records {
        let mut rec = BytesMut::new();
        rec.put_i8(0);
        put_varlong(&mut rec, r.timestamp.wrapping_sub(base_timestamp));
        put_varlong(&mut rec, r.offset - base_offset);
        put_bytes(&mut rec, r.key.as_deref());
        put_bytes(&mut rec, r.value.as_deref());
        put_varlong(&mut rec, r.headers.len() as i64);
        for h in &r.headers {
            put_bytes(&mut rec, Some(&h.key));
            put_bytes(&mut rec, h.value.as_deref());
        }
        put_varlong(&mut body, rec.len() as i64);
        body.extend_from_slice(&rec);
    }
    let mut out = BytesMut::with_capacity(HEADER_SIZE + body.len());
    out.extend_from_slice(&original[..HEADER_SIZE]);
    let batch_length = (HEADER_SIZE - LOG_OVERHEAD + body.len()) as i32;
    out[8..12].copy_from_slice(&batch_length.to_be_bytes());
    let attributes = i16::from_be_bytes([original[21], original[22]]) & !COMPRESSION_MASK;
    out[21..23].copy_from_slice(&attributes.to_be_bytes());
    out[57..61].copy_from_slice(&(records.len() as i32).to_be_bytes());
    out.extend_from_slice(&body);
    let crc = crc32c::crc32c(&out[21..]);
    out[17..21].copy_from_slice(&crc.to_be_bytes());
    out.freeze()
}

/// Zigzag varint, as records encode every integer.
fn put_varlong(out: &mut BytesMut, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.put_u8((z as u8) | 0x80);
        z >>= 7;
    }
    out.put_u8(z as u8);
}

/// A length-prefixed byte field, -1 for null.
fn put_bytes(out: &mut BytesMut, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            put_varlong(out, b.len() as i64);
            out.extend_from_slice(b);
        }
        None => put_varlong(out, -1),
    }
}
