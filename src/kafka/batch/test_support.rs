//! Test helpers shared by the tests of every file of the batch codec:
//! building batches from plain inputs and decoding them back.

use bytes::{Bytes, BytesMut};

use super::header::write_crc;
use super::{
    decode_batch, set_base_offset, BatchBuilder, BatchHeader, Compression, Header, Record,
    CONTROL_BIT, TRANSACTIONAL_BIT,
};
use crate::kafka::error::Result;

/// A record as the tests write it.
#[derive(Debug, Clone)]
pub(super) struct Input {
    pub(super) timestamp: i64,
    pub(super) key: Option<Vec<u8>>,
    pub(super) value: Option<Vec<u8>>,
    pub(super) headers: Vec<Header>,
}

pub(super) fn build_with(builder: BatchBuilder, records: &[Input]) -> Result<Bytes> {
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

pub(super) fn build(records: &[Input], compression: Compression) -> Bytes {
    build_with(BatchBuilder::new(compression), records).unwrap()
}

pub(super) fn simple(n: usize) -> Vec<Input> {
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

pub(super) fn decode(batch: &Bytes) -> Result<(BatchHeader, Vec<Record>)> {
    let mut out = Vec::new();
    let header = decode_batch(batch, &mut out)?;
    Ok((header, out))
}

pub(super) fn with_offset(batch: Bytes, base_offset: i64) -> Bytes {
    let mut b = BytesMut::from(&batch[..]);
    set_base_offset(&mut b, base_offset).unwrap();
    b.freeze()
}

/// Overwrites the attributes of a whole batch and fixes its CRC.
pub(super) fn with_attributes(batch: &Bytes, attributes: i16) -> Bytes {
    let mut b = BytesMut::from(&batch[..]);
    b[21..23].copy_from_slice(&attributes.to_be_bytes());
    write_crc(&mut b);
    b.freeze()
}

pub(super) fn control_batch(producer_id: i64, base_offset: i64, abort: bool) -> Bytes {
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

pub(super) fn is_within(slice: &Bytes, whole: &Bytes) -> bool {
    let start = whole.as_ptr() as usize;
    let p = slice.as_ptr() as usize;
    slice.is_empty() || (p >= start && p + slice.len() <= start + whole.len())
}
