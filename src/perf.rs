//! `kconnect perf produce|consume`: throughput and latency of the native
//! client, printed like Kafka's own `ProducerPerformance` and
//! `ConsumerPerformance` tools so that the two can be compared side by side.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::kafka::config::{ConsumerConfig, ProducerConfig};
use crate::kafka::fetcher::{Consumer, TopicPartition};
use crate::kafka::producer::{DeliveryFuture, Producer, ProducerRecord};
use crate::kafka::{Error, Result};

/// Options of `perf produce`.
#[derive(Debug, Clone)]
pub struct ProduceOptions {
    pub bootstrap: String,
    pub topic: String,
    pub num_records: u64,
    pub record_size: usize,
    pub acks: String,
    pub linger_ms: u64,
    pub batch_size: usize,
    pub compression: String,
    /// Extra producer properties (`key=value`).
    pub props: Vec<(String, String)>,
}

/// The measured outcome of `perf produce`.
#[derive(Debug, Clone)]
pub struct ProduceReport {
    pub records: u64,
    pub failed: u64,
    pub elapsed: Duration,
    pub bytes: u64,
    /// Per-record send-to-ack latencies, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
}

impl ProduceReport {
    pub fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let idx = ((self.latencies_us.len() as f64 * p) as usize).min(self.latencies_us.len() - 1);
        self.latencies_us[idx] as f64 / 1000.0
    }

    /// One line in the shape of Java's ProducerPerformance summary.
    pub fn summary(&self) -> String {
        let avg = if self.latencies_us.is_empty() {
            0.0
        } else {
            self.latencies_us.iter().sum::<u64>() as f64 / self.latencies_us.len() as f64 / 1000.0
        };
        let max = self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0;
        format!(
            "{} records sent, {:.1} records/sec ({:.2} MB/sec), {:.2} ms avg latency, {:.2} ms max latency, {:.0} ms 50th, {:.0} ms 95th, {:.0} ms 99th, {:.0} ms 99.9th.{}",
            self.records,
            self.records_per_sec(),
            self.bytes as f64 / 1024.0 / 1024.0 / self.elapsed.as_secs_f64().max(1e-9),
            avg,
            max,
            self.percentile_ms(0.5),
            self.percentile_ms(0.95),
            self.percentile_ms(0.99),
            self.percentile_ms(0.999),
            if self.failed > 0 {
                format!(" {} records FAILED.", self.failed)
            } else {
                String::new()
            }
        )
    }
}

/// Produces `num_records` records of `record_size` bytes as fast as the
/// producer takes them, measuring each record's send-to-ack latency.
pub async fn produce(opts: &ProduceOptions) -> Result<ProduceReport> {
    let mut props: HashMap<String, String> = opts.props.iter().cloned().collect();
    props.insert("bootstrap.servers".into(), opts.bootstrap.clone());
    props.insert("acks".into(), opts.acks.clone());
    props.insert("linger.ms".into(), opts.linger_ms.to_string());
    props.insert("batch.size".into(), opts.batch_size.to_string());
    props.insert("compression.type".into(), opts.compression.clone());
    let config = ProducerConfig::from_props(&props)?;
    let producer = Producer::connect(config).await?;
    // Java's tool sends one random payload of uppercase letters for every record.
    let payload: Bytes = (0..opts.record_size)
        .map(|_| b'A' + rand::random_range(0..26u8))
        .collect::<Vec<u8>>()
        .into();

    // Acks are awaited in send order by a collector, off the send loop.
    let (tx, mut rx) = mpsc::channel::<(Instant, DeliveryFuture)>(1 << 16);
    let collector = tokio::spawn(async move {
        let mut latencies = Vec::new();
        let mut failed = 0u64;
        let mut first_error = None;
        while let Some((sent, fut)) = rx.recv().await {
            match fut.wait().await {
                Ok(_) => latencies.push(sent.elapsed().as_micros() as u64),
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert(e.to_string());
                }
            }
        }
        (latencies, failed, first_error)
    });

    let start = Instant::now();
    for _ in 0..opts.num_records {
        let sent = Instant::now();
        let fut = producer
            .send(ProducerRecord {
                topic: opts.topic.clone(),
                value: Some(payload.clone()),
                ..ProducerRecord::default()
            })
            .await?;
        if tx.send((sent, fut)).await.is_err() {
            return Err(Error::Other("latency collector stopped".to_string()));
        }
    }
    drop(tx);
    producer.flush().await;
    let (mut latencies, failed, first_error) = collector
        .await
        .map_err(|e| Error::Other(format!("latency collector failed: {e}")))?;
    let elapsed = start.elapsed();
    producer.close().await;
    if let Some(e) = first_error {
        tracing::error!(failed, "first delivery error: {e}");
    }
    latencies.sort_unstable();
    Ok(ProduceReport {
        records: latencies.len() as u64,
        failed,
        elapsed,
        bytes: latencies.len() as u64 * opts.record_size as u64,
        latencies_us: latencies,
    })
}

/// Options of `perf consume`.
#[derive(Debug, Clone)]
pub struct ConsumeOptions {
    pub bootstrap: String,
    pub topic: String,
    pub num_records: u64,
    /// Give up after this long without new records.
    pub timeout: Duration,
    pub props: Vec<(String, String)>,
}

/// The measured outcome of `perf consume`.
#[derive(Debug, Clone)]
pub struct ConsumeReport {
    pub records: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl ConsumeReport {
    pub fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Java ConsumerPerformance's columns (without the rebalance ones).
    pub fn summary(&self) -> String {
        let mb = self.bytes as f64 / 1024.0 / 1024.0;
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, fetch.time.ms\n{:.4}, {:.4}, {}, {:.4}, {}",
            mb,
            mb / secs,
            self.records,
            self.records_per_sec(),
            self.elapsed.as_millis()
        )
    }
}

/// Reads `num_records` records from the start of every partition of the topic.
pub async fn consume(opts: &ConsumeOptions) -> Result<ConsumeReport> {
    let mut props: HashMap<String, String> = opts.props.iter().cloned().collect();
    props.insert("bootstrap.servers".into(), opts.bootstrap.clone());
    props.insert("auto.offset.reset".into(), "earliest".into());
    props.remove("group.id");
    let config = ConsumerConfig::from_props(&props)?;
    let mut consumer = Consumer::connect(config).await?;
    let partitions = consumer.cluster().partition_count(&opts.topic).await?;
    consumer.assign((0..partitions).map(|p| TopicPartition::new(opts.topic.clone(), p)));
    let mut records = 0u64;
    let mut bytes = 0u64;
    let start = Instant::now();
    let mut last_progress = Instant::now();
    while records < opts.num_records {
        let polled = consumer.poll(Duration::from_millis(100)).await?;
        if polled.is_empty() {
            if last_progress.elapsed() > opts.timeout {
                break;
            }
            continue;
        }
        last_progress = Instant::now();
        for p in &polled {
            records += p.records.len() as u64;
            bytes += p
                .records
                .iter()
                .map(|r| r.value.as_ref().map_or(0, |v| v.len()) as u64)
                .sum::<u64>();
        }
    }
    Ok(ConsumeReport {
        records,
        bytes,
        elapsed: start.elapsed(),
    })
}
