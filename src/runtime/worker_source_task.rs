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
use crate::api::error::ConnectError;
use crate::api::record::{SourceMap, SourceRecord};
use crate::api::source::{SourceTask, SourceTaskContext};
use crate::kafka::batch::Header;
use crate::kafka::producer::{DeliveryFuture, Producer, ProducerRecord};

use super::plugins::TaskConverters;
use super::status::{ConnectorTaskId, State, StatusStore, TargetState};
use super::storage::offset::{offset_key, offset_value, ConnectorOffsetReader, FileOffsetStore};
use super::topic_creation::TopicCreation;
use super::transformation_chain::TransformationChain;
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
    pub offsets: Arc<FileOffsetStore>,
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
        offsets,
        statuses,
        track_topics,
        flush_interval,
        flush_timeout,
        control,
        mut topic_creation,
    } = p;
    let TaskControl { mut target, cancel } = control;
    let context = SourceTaskContext {
        offset_storage_reader: Box::new(ConnectorOffsetReader {
            store: offsets.clone(),
            connector: id.connector.clone(),
        }),
        configs: props.clone(),
    };
    if let Err(e) = task.start(props, context) {
        fail(&statuses, &id, &e.to_string());
        return;
    }
    statuses.put_task(&id, State::Running, None);
    tracing::info!(task = %id, "source task started");

    let acked = Arc::new(Mutex::new(Acked::default()));
    let (batches_tx, batches_rx) = mpsc::unbounded_channel::<InFlightBatch>();
    let collector = tokio::spawn(collect_acks(batches_rx, acked.clone(), cancel.clone()));
    let mut last_commit = Instant::now();
    let mut failure: Option<String> = None;

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
            Ok(r) => r,
            Err(e) => {
                failure = Some(e.to_string());
                break 'run;
            }
        };
        if !records.is_empty() {
            // Offsets come from every polled record, also those a
            // transformation drops: those count as done once the batch is.
            let batch_offsets = last_offsets(&id, &records);
            // `commit_record` gets the records as polled; keep a copy only
            // when transformations change them.
            let originals = (!transformations.is_identity()).then(|| records.clone());
            let records = match transformations.apply_batch(records) {
                Ok(r) => r,
                Err(e) => {
                    failure = Some(e.to_string());
                    break 'run;
                }
            };
            match send_batch(
                &id,
                &producer,
                &records,
                &converters,
                topic_creation.as_mut(),
            )
            .await
            {
                Ok(deliveries) => {
                    if track_topics {
                        record_active_topics(&statuses, &id.connector, &records);
                    }
                    let _ = batches_tx.send(InFlightBatch {
                        deliveries,
                        offsets: batch_offsets,
                        records: originals.unwrap_or(records),
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
            commit(&id, &offsets, &acked, &mut *task);
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
    commit(&id, &offsets, &acked, &mut *task);
    if failure.is_none() {
        failure = acked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .error
            .clone();
    }
    match failure {
        Some(trace) => fail(&statuses, &id, &trace),
        None => tracing::info!(task = %id, "source task stopped"),
    }
}

fn fail(statuses: &StatusStore, id: &ConnectorTaskId, trace: &str) {
    tracing::error!(task = %id, "task failed: {trace}");
    statuses.put_task(id, State::Failed, Some(trace.to_string()));
}

/// Records the topics of a sent batch as the connector's active topics
/// (KIP-558); one store lookup per run of records with the same topic.
fn record_active_topics(statuses: &StatusStore, connector: &str, records: &[SourceRecord]) {
    let mut last: Option<&str> = None;
    for r in records {
        if last != Some(r.topic.as_str()) {
            statuses.put_topic(connector, &r.topic);
            last = Some(&r.topic);
        }
    }
}

/// The last source offset of each source partition in a polled batch,
/// serialized once per partition, not per record.
fn last_offsets(id: &ConnectorTaskId, records: &[SourceRecord]) -> HashMap<Vec<u8>, Vec<u8>> {
    let mut last: HashMap<&SourceMap, &SourceMap> = HashMap::new();
    for r in records {
        if !r.source_partition.is_empty() {
            last.insert(&r.source_partition, &r.source_offset);
        }
    }
    last.into_iter()
        .map(|(partition, offset)| (offset_key(&id.connector, partition), offset_value(offset)))
        .collect()
}

/// Converts and sends one polled batch.
async fn send_batch(
    id: &ConnectorTaskId,
    producer: &Producer,
    records: &[SourceRecord],
    converters: &TaskConverters,
    mut topic_creation: Option<&mut TopicCreation>,
) -> Result<Vec<DeliveryFuture>, ConnectError> {
    let (key_converter, value_converter, header_converter) = (
        &*converters.key,
        &*converters.value,
        converters.header.as_deref(),
    );
    let mut deliveries = Vec::with_capacity(records.len());
    for r in records {
        let key = key_converter
            .from_connect(&r.topic, r.key_schema.as_ref(), &r.key)
            .map_err(|e| {
                e.context(format!(
                    "converting the key of a record of task {id} for topic {}",
                    r.topic
                ))
            })?;
        let value = value_converter
            .from_connect(&r.topic, r.value_schema.as_ref(), &r.value)
            .map_err(|e| {
                e.context(format!(
                    "converting the value of a record of task {id} for topic {}",
                    r.topic
                ))
            })?;
        let mut headers = Vec::with_capacity(r.headers.len());
        if let Some(hc) = header_converter {
            for h in &r.headers {
                let v = hc
                    .from_connect_header(&r.topic, &h.key, h.schema.as_ref(), &h.value)
                    .map_err(|e| {
                        e.context(format!("converting header {} for topic {}", h.key, r.topic))
                    })?;
                headers.push(Header {
                    key: Bytes::copy_from_slice(h.key.as_bytes()),
                    value: v,
                });
            }
        }
        if let Some(tc) = topic_creation.as_deref_mut() {
            tc.ensure(&r.topic).await?;
        }
        let delivery = producer
            .send(ProducerRecord {
                topic: r.topic.clone(),
                partition: r.kafka_partition,
                key,
                value,
                headers,
                timestamp: r.timestamp,
            })
            .await
            .map_err(|e| {
                ConnectError::fatal(format!(
                    "sending a record of task {id} to topic {}: {e}",
                    r.topic
                ))
            })?;
        deliveries.push(delivery);
    }
    Ok(deliveries)
}

/// Awaits batches in submission order; a batch's offsets count once all its
/// records (and all earlier ones) are acknowledged.
async fn collect_acks(
    mut batches: mpsc::UnboundedReceiver<InFlightBatch>,
    acked: Arc<Mutex<Acked>>,
    cancel: CancellationToken,
) {
    while let Some(batch) = batches.recv().await {
        let mut error = None;
        for d in batch.deliveries {
            if let Err(e) = d.wait().await {
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

/// Writes the acknowledged offsets and tells the task.
fn commit(
    id: &ConnectorTaskId,
    store: &FileOffsetStore,
    acked: &Mutex<Acked>,
    task: &mut dyn SourceTask,
) {
    let offsets = std::mem::take(&mut acked.lock().unwrap_or_else(|e| e.into_inner()).offsets);
    if offsets.is_empty() {
        return;
    }
    let entries = offsets
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    match store.put_all(entries) {
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
