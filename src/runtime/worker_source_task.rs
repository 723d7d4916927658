//! Runs one source task (Java's `WorkerSourceTask` with its
//! `SubmittedRecords` and `OffsetStorageWriter`): poll a batch, convert it,
//! hand it to the producer, and commit source offsets only for records the
//! broker acknowledged, in the order they were submitted.
//!
//! Offsets are tracked per polled batch, not per record: a batch's last
//! offset of each source partition becomes committable once every record of
//! the batch (and of every earlier batch) is acknowledged. A delivery failure
//! fails the task; nothing is dropped silently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::connector::Props;
use crate::api::converter::HeaderConverter;
use crate::api::error::{ConnectError, ErrorKind};
use crate::api::record::{SourceMap, SourceRecord};
use crate::api::source::{SourceTask, SourceTaskContext};
use crate::kafka::batch::Header;
use crate::kafka::producer::{DeliveryFuture, Producer, ProducerRecord};

use super::errors::retry_with_tolerance_operator::{Outcome, RetryWithToleranceOperator};
use super::errors::{ErrorContext, FailedRecord, Stage};
use super::plugins::TaskConverters;
use super::status::{ConnectorTaskId, State, StatusStore, TargetState};
use super::storage::offset::{offset_key, offset_value, ConnectorOffsetReader, OffsetBackingStore};
use super::topic_creation::TopicCreation;
use super::transformation_chain::TransformationChain;
use super::worker_sink_task::{fail, transform};
use super::worker_task::TaskControl;

/// Everything a source task runs with.
pub struct SourceTaskParams {
    pub id: ConnectorTaskId,
    pub task: Box<dyn SourceTask>,
    pub props: Props,
    pub producer: Producer,
    pub converters: TaskConverters,
    /// The connector's SMTs, applied before the converters.
    pub transformations: TransformationChain<SourceRecord>,
    /// `errors.*`: retries, tolerance, error log, dead letter queue.
    pub errors: Arc<RetryWithToleranceOperator>,
    /// Where committed source offsets go (file or offsets topic).
    pub offsets: Arc<dyn OffsetBackingStore>,
    pub statuses: StatusStore,
    /// `topic.tracking.enable`: record the topics this task produces to.
    pub track_topics: bool,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
    /// `offset.flush.timeout.ms`: how long a flush waits for acks on stop.
    pub flush_timeout: Duration,
    /// Target state and stop signal from the task's actor.
    pub control: TaskControl,
    /// Creates topics on first use, when the connector asks for it.
    pub topic_creation: Option<TopicCreation>,
}

/// One polled batch on its way to the broker.
struct InFlightBatch {
    deliveries: Vec<DeliveryFuture>,
    /// The batch's last offset per source partition (serialized key/value).
    offsets: HashMap<Vec<u8>, Vec<u8>>,
    /// The records as polled (before transformations), for the task's
    /// `commit_record` once the batch is acknowledged.
    records: Vec<SourceRecord>,
}

/// Offsets acknowledged and not yet written, plus the first delivery error.
#[derive(Default)]
struct Acked {
    offsets: HashMap<Vec<u8>, Vec<u8>>,
    /// Acknowledged batches whose records the task has not been told about.
    records: Vec<Vec<SourceRecord>>,
    error: Option<String>,
}

/// Runs the task until cancelled or failed. Statuses go to the store.
pub async fn run(p: SourceTaskParams) {
    let SourceTaskParams {
        id,
        mut task,
        props,
        producer,
        converters,
        transformations,
        errors,
        offsets,
        statuses,
        track_topics,
        flush_interval,
        flush_timeout,
        control,
        mut topic_creation,
    } = p;
    let TaskControl { mut target, cancel } = control;
    // See the offsets other workers committed before the task reads them.
    if let Err(e) = offsets.refresh().await {
        tracing::warn!(task = %id, error = %e, "could not read the offset store to its end");
    }
    let context = SourceTaskContext {
        offset_storage_reader: Box::new(ConnectorOffsetReader {
            store: offsets.clone(),
            connector: id.connector.clone(),
        }),
        configs: props.clone(),
    };
    if let Err(e) = task.start(props, context) {
        fail(&statuses, &id, &e.to_string(), &errors);
        return;
    }
    statuses.put_task(&id, State::Running, None);
    tracing::info!(task = %id, "source task started");

    let acked = Arc::new(Mutex::new(Acked::default()));
    let (batches_tx, batches_rx) = mpsc::unbounded_channel::<InFlightBatch>();
    let collector = tokio::spawn(collect_acks(
        batches_rx,
        acked.clone(),
        cancel.clone(),
        errors.clone(),
    ));
    let mut last_commit = Instant::now();
    let mut failure: Option<String> = None;
    let mut poll_retries: Option<(u32, Instant)> = None;
    let record_commits = task.wants_record_commits();

    'run: loop {
        if *target.borrow() != TargetState::Started {
            statuses.put_task(&id, State::Paused, None);
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => break 'run,
                    changed = target.changed() => {
                        if changed.is_err() { break 'run; }
                        if *target.borrow() == TargetState::Started { break; }
                    }
                }
            }
            statuses.put_task(&id, State::Running, None);
        }
        let polled = tokio::select! {
            _ = cancel.cancelled() => break 'run,
            _ = target.changed() => continue 'run,
            polled = task.poll() => polled,
        };
        let records = match polled {
            Ok(r) => {
                poll_retries = None;
                r
            }
            Err(e) if e.kind == ErrorKind::Retriable => {
                // Java logs a retriable poll failure and polls again.
                let (attempt, since) = poll_retries.unwrap_or((0, Instant::now()));
                let wait = errors.backoff(attempt + 1, since);
                poll_retries = Some((attempt + 1, since));
                tracing::warn!(task = %id, error = %e, "poll failed with a retriable error; polling again");
                tokio::select! {
                    _ = cancel.cancelled() => break 'run,
                    _ = tokio::time::sleep(wait.unwrap_or(Duration::ZERO)) => {}
                }
                continue 'run;
            }
            Err(e) => {
                failure = Some(e.to_string());
                break 'run;
            }
        };
        if !records.is_empty() {
            // Offsets come from every polled record, also those a
            // transformation drops or the error handling skips: those
            // count as done once the rest of the batch is acknowledged.
            let batch_offsets = last_offsets(&id, &records);
            let mut stage = SendStage {
                id: &id,
                producer: &producer,
                converters: &converters,
                errors: &errors,
                topic_creation: topic_creation.as_mut(),
                statuses: track_topics.then_some(&statuses),
                last_topic: None,
            };
            match send_batch(&mut stage, &transformations, records).await {
                Ok((deliveries, polled)) => {
                    let _ = batches_tx.send(InFlightBatch {
                        deliveries,
                        offsets: batch_offsets,
                        // Kept until acknowledged only for a task that
                        // wants `commit_record`.
                        records: if record_commits { polled } else { Vec::new() },
                    });
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    break 'run;
                }
            }
        }
        if let Some(e) = acked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .error
            .clone()
        {
            failure = Some(e);
            break 'run;
        }
        commit_records(&id, &acked, &mut *task);
        if last_commit.elapsed() >= flush_interval {
            commit(&id, &*offsets, &acked, &mut *task, flush_timeout).await;
            last_commit = Instant::now();
        }
    }

    // Stop: no more polls; wait (bounded) for what is in flight, then commit
    // exactly what was acknowledged.
    task.stop();
    drop(batches_tx);
    let drained = tokio::time::timeout(flush_timeout, async {
        producer.flush().await;
        let _ = collector.await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!(task = %id, "offset flush timed out; committing what was acknowledged");
    }
    commit_records(&id, &acked, &mut *task);
    commit(&id, &*offsets, &acked, &mut *task, flush_timeout).await;
    if failure.is_none() {
        failure = acked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .error
            .clone();
    }
    if let Some(dlq) = errors.dlq() {
        if let Err(e) = dlq.flush().await {
            tracing::error!(task = %id, error = %e, "dead letter queue writes failed");
        }
        dlq.close().await;
    }
    match failure {
        Some(trace) => fail(&statuses, &id, &trace, &errors),
        None => tracing::info!(task = %id, "source task stopped"),
    }
}

/// The last source offset of each source partition in a polled batch,
/// serialized once per partition, not per record.
fn last_offsets(id: &ConnectorTaskId, records: &[SourceRecord]) -> HashMap<Vec<u8>, Vec<u8>> {
    // Newest first, so the first offset seen of a partition is its last;
    // a record of the same partition as the one before it (the usual run)
    // is skipped without hashing its partition.
    let mut last: HashMap<&SourceMap, &SourceMap> = HashMap::new();
    let mut previous: Option<&SourceMap> = None;
    for r in records.iter().rev() {
        if r.source_partition.is_empty() || previous == Some(&r.source_partition) {
            continue;
        }
        previous = Some(&r.source_partition);
        last.entry(&r.source_partition).or_insert(&r.source_offset);
    }
    last.into_iter()
        .map(|(partition, offset)| (offset_key(&id.connector, partition), offset_value(offset)))
        .collect()
}

/// What sending records needs, for one polled batch.
struct SendStage<'a> {
    id: &'a ConnectorTaskId,
    producer: &'a Producer,
    converters: &'a TaskConverters,
    errors: &'a RetryWithToleranceOperator,
    topic_creation: Option<&'a mut TopicCreation>,
    /// Where active topics are recorded (KIP-558), when tracking is on.
    statuses: Option<&'a StatusStore>,
    /// The last topic recorded: one store lookup per run of records.
    last_topic: Option<String>,
}

/// Transforms, converts and sends one polled batch. Returns the deliveries
/// and the records as polled (for `commit_record`).
async fn send_batch(
    stage: &mut SendStage<'_>,
    chain: &TransformationChain<SourceRecord>,
    records: Vec<SourceRecord>,
) -> Result<(Vec<DeliveryFuture>, Vec<SourceRecord>), ConnectError> {
    let mut deliveries = Vec::with_capacity(records.len());
    if chain.is_identity() {
        for r in &records {
            if let Some(d) = send_record(stage, r).await? {
                deliveries.push(d);
            }
        }
        return Ok((deliveries, records));
    }
    // `commit_record` and the error reports get the records as polled.
    for original in &records {
        let failed = || FailedRecord::Source(original.clone());
        let Some(r) = transform(chain, original.clone(), stage.errors, failed).await? else {
            continue;
        };
        if let Some(d) = send_record(stage, &r).await? {
            deliveries.push(d);
        }
    }
    Ok((deliveries, records))
}

/// Converts one record and hands it to the producer; `None` when a
/// tolerated failure skipped it.
async fn send_record(
    stage: &mut SendStage<'_>,
    r: &SourceRecord,
) -> Result<Option<DeliveryFuture>, ConnectError> {
    let (converters, errors) = (stage.converters, stage.errors);
    let failed = || FailedRecord::Source(r.clone());
    let key = match errors
        .execute(
            Stage::KeyConverter,
            || converters.key_class.clone(),
            failed,
            || {
                converters
                    .key
                    .from_connect(&r.topic, r.key_schema.as_ref(), &r.key)
            },
        )
        .await?
    {
        Outcome::Done(k) => k,
        Outcome::Skipped => return Ok(None),
    };
    let value = match errors
        .execute(
            Stage::ValueConverter,
            || converters.value_class.clone(),
            failed,
            || {
                converters
                    .value
                    .from_connect(&r.topic, r.value_schema.as_ref(), &r.value)
            },
        )
        .await?
    {
        Outcome::Done(v) => v,
        Outcome::Skipped => return Ok(None),
    };
    let headers = match errors
        .execute(
            Stage::HeaderConverter,
            || converters.header_class.clone(),
            failed,
            || convert_headers(r, converters.header.as_deref()),
        )
        .await?
    {
        Outcome::Done(h) => h,
        Outcome::Skipped => return Ok(None),
    };
    if let Some(tc) = stage.topic_creation.as_deref_mut() {
        tc.ensure(&r.topic).await?;
    }
    let sent = stage
        .producer
        .send(ProducerRecord {
            topic: r.topic.clone(),
            partition: r.kafka_partition,
            key,
            value,
            headers,
            timestamp: r.timestamp,
        })
        .await;
    let delivery = match sent {
        Ok(d) => d,
        Err(e) => {
            let context = ErrorContext {
                stage: Stage::KafkaProduce,
                executing_class: "org.apache.kafka.clients.producer.KafkaProducer".to_string(),
                record: failed(),
                error: ConnectError::fatal(format!(
                    "sending a record of task {} to topic {}: {e}",
                    stage.id, r.topic
                )),
            };
            errors.execute_failed(context).await?;
            return Ok(None);
        }
    };
    if let Some(statuses) = stage.statuses {
        if stage.last_topic.as_deref() != Some(r.topic.as_str()) {
            statuses.put_topic(stage.id, &r.topic);
            stage.last_topic = Some(r.topic.clone());
        }
    }
    Ok(Some(delivery))
}

fn convert_headers(
    r: &SourceRecord,
    converter: Option<&dyn HeaderConverter>,
) -> Result<Vec<Header>, ConnectError> {
    let Some(hc) = converter else {
        return Ok(Vec::new());
    };
    let mut headers = Vec::with_capacity(r.headers.len());
    for h in &r.headers {
        let v = hc
            .from_connect_header(&r.topic, &h.key, h.schema.as_ref(), &h.value)
            .map_err(|e| e.context(format!("converting header {}", h.key)))?;
        headers.push(Header {
            key: Bytes::copy_from_slice(h.key.as_bytes()),
            value: v,
        });
    }
    Ok(headers)
}

/// Awaits batches in submission order; a batch's offsets count once all its
/// records (and all earlier ones) are acknowledged.
async fn collect_acks(
    mut batches: mpsc::UnboundedReceiver<InFlightBatch>,
    acked: Arc<Mutex<Acked>>,
    cancel: CancellationToken,
    errors: Arc<RetryWithToleranceOperator>,
) {
    while let Some(batch) = batches.recv().await {
        let mut error = None;
        for d in batch.deliveries {
            if let Err(e) = d.wait().await {
                // KIP-779: with errors.tolerance=all a record the producer
                // could not deliver is logged, counted and skipped.
                if errors.tolerate_unreported(&format!("producer send failed: {e}")) {
                    continue;
                }
                error = Some(format!("org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception from producer send callback: {e}"));
                break;
            }
        }
        let mut a = acked.lock().unwrap_or_else(|e| e.into_inner());
        match error {
            Some(e) => {
                // Nothing after a failed record may be committed.
                a.error.get_or_insert(e);
                drop(a);
                cancel.cancel();
                return;
            }
            None => {
                a.offsets.extend(batch.offsets);
                a.records.push(batch.records);
            }
        }
    }
}

/// Tells the task about every acknowledged record (Java's `commitRecord`).
fn commit_records(id: &ConnectorTaskId, acked: &Mutex<Acked>, task: &mut dyn SourceTask) {
    let batches = std::mem::take(&mut acked.lock().unwrap_or_else(|e| e.into_inner()).records);
    for record in batches.iter().flatten() {
        if let Err(e) = task.commit_record(record) {
            tracing::warn!(task = %id, error = %e, "commit_record hook failed");
        }
    }
}

/// Writes the acknowledged offsets, waits until the store has them durably
/// (the broker acknowledged them, for the offsets topic), and tells the task.
/// A write that takes longer than `offset.flush.timeout.ms` counts as failed
/// (Java's "Timed out waiting for offset flush"): its offsets are retried.
async fn commit(
    id: &ConnectorTaskId,
    store: &dyn OffsetBackingStore,
    acked: &Mutex<Acked>,
    task: &mut dyn SourceTask,
    timeout: Duration,
) {
    let offsets = std::mem::take(&mut acked.lock().unwrap_or_else(|e| e.into_inner()).offsets);
    if offsets.is_empty() {
        return;
    }
    let entries = offsets
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    let written = match tokio::time::timeout(timeout, store.set(entries)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "Timed out waiting for offset flush after {} ms",
            timeout.as_millis()
        )),
    };
    match written {
        Ok(()) => {
            if let Err(e) = task.commit() {
                tracing::warn!(task = %id, error = %e, "commit hook failed");
            }
        }
        Err(e) => {
            tracing::error!(task = %id, error = %e, "failed to write source offsets; will retry");
            // Keep them (unless newer ones arrived meanwhile) for the next commit.
            let mut a = acked.lock().unwrap_or_else(|e| e.into_inner());
            for (k, v) in offsets {
                a.offsets.entry(k).or_insert(v);
            }
        }
    }
}
