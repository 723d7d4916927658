//! Micro-benchmark of the v2 record-batch codec (`kconnect::kafka::batch`,
//! our counterpart of Java's `MemoryRecordsBuilder` and `DefaultRecordBatch`):
//! encoding and decoding one batch of 1000 records of 100 bytes, uncompressed
//! and lz4. Throughput is reported in records.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kconnect::kafka::batch::{decode_batch, BatchBuilder, Compression, Header, Record};

const RECORDS: usize = 1000;
const VALUE_SIZE: usize = 100;

/// Values that are not all alike, so that lz4 has realistic work to do.
fn values() -> Vec<Vec<u8>> {
    (0..RECORDS)
        .map(|i| {
            let text = format!("{{\"id\":{i},\"name\":\"record-{i}\",\"payload\":\"");
            let mut v = text.into_bytes();
            v.resize(VALUE_SIZE - 2, b'a' + (i % 26) as u8);
            v.extend_from_slice(b"\"}");
            v
        })
        .collect()
}

fn encode(values: &[Vec<u8>], compression: Compression, headers: &[Header]) -> Bytes {
    let mut builder = BatchBuilder::with_capacity(compression, 128 * 1024);
    for (i, v) in values.iter().enumerate() {
        let key = (i as u32).to_be_bytes();
        if let Err(e) = builder.append(1_700_000_000_000 + i as i64, Some(&key), Some(v), headers) {
            panic!("append failed: {e}");
        }
    }
    match builder.finish() {
        Ok(batch) => batch,
        Err(e) => panic!("finish failed: {e}"),
    }
}

fn bench_batch(c: &mut Criterion) {
    let values = values();
    let headers = [Header {
        key: Bytes::from_static(b"source"),
        value: Some(Bytes::from_static(b"bench")),
    }];
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(RECORDS as u64));
    for compression in [Compression::None, Compression::Lz4] {
        group.bench_with_input(
            BenchmarkId::new("encode", compression),
            &compression,
            |b, &compression| b.iter(|| encode(black_box(&values), compression, &headers)),
        );
        let batch = encode(&values, compression, &headers);
        let mut out: Vec<Record> = Vec::with_capacity(RECORDS);
        group.bench_with_input(
            BenchmarkId::new("decode", compression),
            &batch,
            |b, batch| {
                b.iter(|| {
                    out.clear();
                    if let Err(e) = decode_batch(black_box(batch), &mut out) {
                        panic!("decode failed: {e}");
                    }
                    black_box(out.len())
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
