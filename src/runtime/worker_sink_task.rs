//! Runs one sink task (Java's `WorkerSinkTask`): consume in the group
//! `connect-<connector>`, convert whole fetched batches, `put` them, and
//! commit consumer offsets only after the task flushed what was put, every
//! `offset.flush.interval.ms`, on rebalance and on shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api::connector::Props;
use crate::api::converter::HeaderConverter;
use crate::api::error::ConnectError;
use crate::api::error::ErrorKind;
use crate::api::record::{
    ConnectHeader, SinkRecord, TimestampType, TopicPartition as SdkPartition,
};
use crate::api::sink::{ErrantRecordReporter, SinkTask, SinkTaskContext, SinkTaskRequests};
use crate::kafka::fetcher::{Consumer, PartitionRecords, TopicPartition};

use super::errors::errant_record_reporter::WorkerErrantRecordReporter;
use super::errors::retry_with_tolerance_operator::{Outcome, RetryWithToleranceOperator};
use super::errors::{ConsumedRecord, ErrorContext, FailedRecord, Stage};
use super::plugins::TaskConverters;
use super::status::{ConnectorTaskId, State, StatusStore, TargetState};
use super::transformation_chain::TransformationChain;
use super::worker_task::TaskControl;

/// Everything a sink task runs with.
pub struct SinkTaskParams {
    pub id: ConnectorTaskId,
    pub task: Box<dyn SinkTask>,
    pub props: Props,
    /// Subscribed already (topics or regex) in group `connect-<connector>`.
    pub consumer: Consumer,
    pub converters: TaskConverters,
    /// The connector's SMTs, applied after the converters.
    pub transformations: TransformationChain<SinkRecord>,
    /// `errors.*`: retries, tolerance, error log, dead letter queue.
    pub errors: Arc<RetryWithToleranceOperator>,
    /// Whether the task gets an errant record reporter (a DLQ or the error
    /// log is configured).
    pub errant_reporting: bool,
    /// The task's class, for error reports.
    pub task_class: String,
    pub statuses: StatusStore,
    /// `topic.tracking.enable`: record the topics this task consumes.
    pub track_topics: bool,
    pub commit_interval: Duration,
    /// Target state and stop signal from the task's actor.
    pub control: TaskControl,
}

fn sdk(tp: &TopicPartition) -> SdkPartition {
    SdkPartition::new(tp.topic.clone(), tp.partition)
}

/// Runs the task until cancelled or failed.
pub async fn run(p: SinkTaskParams) {
    let SinkTaskParams {
        id,
        mut task,
        props,
        mut consumer,
        converters,
        transformations,
        errors,
        errant_reporting,
        task_class,
        statuses,
        track_topics,
        commit_interval,
        control,
    } = p;
    let TaskControl { mut target, cancel } = control;
    let requests = Arc::new(Mutex::new(SinkTaskRequests::default()));
    // The batches being put, where reported records' bytes are found.
    let current: Arc<Mutex<Vec<PartitionRecords>>> = Arc::default();
    let reporter = errant_reporting.then(|| {
        Arc::new(WorkerErrantRecordReporter::new(
            errors.clone(),
            task_class,
            current.clone(),
        ))
    });
    let context = SinkTaskContext {
        configs: props.clone(),
        requests: requests.clone(),
        errant_record_reporter: reporter
            .clone()
            .map(|r| Arc::new(r) as Arc<dyn ErrantRecordReporter>),
    };
    if let Err(e) = task.start(props, context) {
        fail(&statuses, &id, &e.to_string(), &errors);
        consumer.close().await;
        return;
    }
    statuses.put_task(&id, State::Running, None);
    tracing::info!(task = %id, "sink task started");

    // Next offset to commit per partition: what was put.
    let mut consumed: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    let mut committed: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    let mut owned: BTreeSet<TopicPartition> = BTreeSet::new();
    let mut last_commit = Instant::now();
    let mut failure: Option<ConnectError> = None;
    let mut paused = false;
    // Consecutive retriable `put` failures, and when the first happened.
    let mut put_retries: Option<(u32, Instant)> = None;

    'run: loop {
        let want_paused = *target.borrow() != TargetState::Started;
        if want_paused != paused {
            paused = want_paused;
            let all = consumer.assignment();
            if paused {
                consumer.pause(&all);
                statuses.put_task(&id, State::Paused, None);
            } else {
                consumer.resume(&all);
                statuses.put_task(&id, State::Running, None);
            }
        }
        if consumer.rebalance_pending() && !owned.is_empty() {
            // Java's `onPartitionsRevoked`: commit what was put before the
            // rebalance can hand the partitions to another task, so that the
            // new owner does not see them again.
            if let Err(e) = commit(
                &id,
                &mut *task,
                &mut consumer,
                &consumed,
                &mut committed,
                &errors,
            )
            .await
            {
                failure = Some(e);
                break 'run;
            }
            last_commit = Instant::now();
        }
        let polled = tokio::select! {
            _ = cancel.cancelled() => break 'run,
            _ = target.changed() => continue 'run,
            polled = consumer.poll(Duration::from_millis(500)) => polled,
        };
        let batches = match polled {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(task = %id, error = %e, "poll failed; retrying");
                continue;
            }
        };
        // Partitions assigned or revoked by a rebalance inside poll.
        let now_owned: BTreeSet<TopicPartition> = consumer.assignment().into_iter().collect();
        if now_owned != owned {
            let revoked: Vec<SdkPartition> = owned.difference(&now_owned).map(sdk).collect();
            let assigned: Vec<SdkPartition> = now_owned.difference(&owned).map(sdk).collect();
            if !revoked.is_empty() {
                if let Err(e) = task.close(&revoked) {
                    failure = Some(e);
                    break 'run;
                }
                consumed.retain(|tp, _| now_owned.contains(tp));
            }
            if !assigned.is_empty() {
                if let Err(e) = task.open(&assigned) {
                    failure = Some(e);
                    break 'run;
                }
            }
            if paused {
                consumer.pause(&now_owned.iter().cloned().collect::<Vec<_>>());
            }
            owned = now_owned;
        }
        if !batches.is_empty() {
            if track_topics {
                let mut last: Option<&str> = None;
                for b in &batches {
                    if last != Some(&*b.topic) {
                        statuses.put_topic(&id, &b.topic);
                        last = Some(&b.topic);
                    }
                }
            }
            let records =
                match convert_and_transform(&batches, &converters, &transformations, &errors).await
                {
                    Ok(r) => r,
                    Err(e) => {
                        failure = Some(e);
                        break 'run;
                    }
                };
            // Where each partition's part of this batch starts and ends.
            let ranges: Vec<(TopicPartition, i64, i64)> = batches
                .iter()
                .filter_map(|b| {
                    let first = b.records.first()?.offset;
                    let last = b.records.last()?.offset;
                    Some((
                        TopicPartition::new(b.topic.to_string(), b.partition),
                        first,
                        last,
                    ))
                })
                .collect();
            if reporter.is_some() {
                *current.lock().unwrap_or_else(|e| e.into_inner()) = batches;
            }
            match task.put(records).await {
                Ok(()) => {
                    put_retries = None;
                    for (tp, _, last) in ranges {
                        consumed.insert(tp, last + 1);
                    }
                }
                Err(e) if e.kind == ErrorKind::Retriable => {
                    // Java's `RetriableException` from put: the same records
                    // come again after a wait.
                    let (attempt, since) = put_retries.unwrap_or((0, Instant::now()));
                    let Some(wait) = errors.backoff(attempt + 1, since) else {
                        failure = Some(e.context("retries of put exceeded errors.retry.timeout"));
                        break 'run;
                    };
                    put_retries = Some((attempt + 1, since));
                    tracing::warn!(task = %id, error = %e, ?wait, "put failed with a retriable error; the records come again");
                    for (tp, first, _) in &ranges {
                        consumer.seek(tp, *first);
                    }
                    tokio::select! {
                        _ = cancel.cancelled() => break 'run,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break 'run;
                }
            }
            if reporter.as_ref().is_some_and(|r| r.tolerance_exceeded()) {
                failure = Some(ConnectError::fatal(
                    "Tolerance exceeded in error handler: a record reported by the task through the errant record reporter",
                ));
                break 'run;
            }
        }
        apply_requests(&requests, &mut consumer, &mut last_commit, commit_interval);
        if last_commit.elapsed() >= commit_interval {
            if let Err(e) = commit(
                &id,
                &mut *task,
                &mut consumer,
                &consumed,
                &mut committed,
                &errors,
            )
            .await
            {
                failure = Some(e);
                break 'run;
            }
            last_commit = Instant::now();
        }
    }

    if failure.is_none() {
        if let Err(e) = commit(
            &id,
            &mut *task,
            &mut consumer,
            &consumed,
            &mut committed,
            &errors,
        )
        .await
        {
            failure = Some(e);
        }
        let all: Vec<SdkPartition> = owned.iter().map(sdk).collect();
        let _ = task.close(&all);
    } else if let Some(dlq) = errors.dlq() {
        // What was reported before the failure still goes out.
        let _ = dlq.flush().await;
    }
    task.stop();
    consumer.close().await;
    if let Some(dlq) = errors.dlq() {
        dlq.close().await;
    }
    match failure {
        Some(e) => fail(&statuses, &id, &e.to_string(), &errors),
        None => tracing::info!(task = %id, "sink task stopped"),
    }
}

/// Marks the task FAILED with its trace, and its error counters when
/// records failed before.
pub(crate) fn fail(
    statuses: &StatusStore,
    id: &ConnectorTaskId,
    trace: &str,
    errors: &RetryWithToleranceOperator,
) {
    let trace = if errors.metrics().any() {
        format!("{trace}\n\t{}", errors.metrics().summary())
    } else {
        trace.to_string()
    };
    tracing::error!(task = %id, "task failed: {trace}");
    statuses.put_task(id, State::Failed, Some(trace));
}

/// Pause/resume/rewind requests the task made through its context.
fn apply_requests(
    requests: &Mutex<SinkTaskRequests>,
    consumer: &mut Consumer,
    last_commit: &mut Instant,
    commit_interval: Duration,
) {
    let r = std::mem::take(&mut *requests.lock().unwrap_or_else(|e| e.into_inner()));
    let to_client = |v: &[SdkPartition]| -> Vec<TopicPartition> {
        v.iter()
            .map(|p| TopicPartition::new(p.topic.clone(), p.partition))
            .collect()
    };
    if !r.pause.is_empty() {
        consumer.pause(&to_client(&r.pause));
    }
    if !r.resume.is_empty() {
        consumer.resume(&to_client(&r.resume));
    }
    for (p, offset) in r.offsets {
        consumer.seek(&TopicPartition::new(p.topic, p.partition), offset);
    }
    if r.commit_requested {
        // Due now.
        *last_commit = Instant::now() - commit_interval;
    }
}

/// Asks the task what is safe to commit (`pre_commit`, which flushes by
/// default), then commits that.
async fn commit(
    id: &ConnectorTaskId,
    task: &mut dyn SinkTask,
    consumer: &mut Consumer,
    consumed: &BTreeMap<TopicPartition, i64>,
    committed: &mut BTreeMap<TopicPartition, i64>,
    errors: &RetryWithToleranceOperator,
) -> Result<(), ConnectError> {
    let changed = consumed.iter().any(|(tp, o)| committed.get(tp) != Some(o));
    if !changed {
        return Ok(());
    }
    // Records sent to the dead letter queue must be there before their
    // offsets are committed.
    if let Some(dlq) = errors.dlq() {
        dlq.flush().await?;
    }
    let sdk_offsets: BTreeMap<SdkPartition, i64> =
        consumed.iter().map(|(tp, o)| (sdk(tp), *o)).collect();
    // The task says which offsets are safe: only those, and only for
    // partitions this task still owns, are committed.
    let safe = task.pre_commit(sdk_offsets).await?;
    let pending: BTreeMap<TopicPartition, i64> = safe
        .into_iter()
        .map(|(p, o)| (TopicPartition::new(p.topic, p.partition), o))
        .filter(|(tp, o)| consumed.contains_key(tp) && committed.get(tp) != Some(o))
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    match consumer.commit_sync(&pending).await {
        Ok(()) => {
            committed.extend(pending);
            Ok(())
        }
        Err(e) => {
            // Not fatal (Java logs and retries at the next interval): the
            // records stay uncommitted and would be redelivered.
            tracing::warn!(task = %id, error = %e, "offset commit failed");
            Ok(())
        }
    }
}

/// Converts fetched batches into sink records and runs the transformation
/// chain, each stage under the task's error handling: a record that fails
/// and is tolerated is skipped (and reported); one that is not fails the
/// task with the stage and the record's topic, partition and offset.
async fn convert_and_transform(
    batches: &[PartitionRecords],
    converters: &TaskConverters,
    chain: &TransformationChain<SinkRecord>,
    errors: &RetryWithToleranceOperator,
) -> Result<Vec<SinkRecord>, ConnectError> {
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.records.len()).sum());
    for b in batches {
        let topic = b.topic.to_string();
        for r in &b.records {
            let consumed = || {
                FailedRecord::Consumed(ConsumedRecord {
                    topic: topic.clone(),
                    partition: b.partition,
                    offset: r.offset,
                    timestamp: r.timestamp,
                    key: r.key.clone(),
                    value: r.value.clone(),
                    headers: r.headers.clone(),
                })
            };
            let key = match errors
                .execute(
                    Stage::KeyConverter,
                    || converters.key_class.clone(),
                    consumed,
                    || converters.key.to_connect(&topic, r.key.as_ref()),
                )
                .await?
            {
                Outcome::Done(k) => k,
                Outcome::Skipped => continue,
            };
            let value = match errors
                .execute(
                    Stage::ValueConverter,
                    || converters.value_class.clone(),
                    consumed,
                    || converters.value.to_connect(&topic, r.value.as_ref()),
                )
                .await?
            {
                Outcome::Done(v) => v,
                Outcome::Skipped => continue,
            };
            let headers = match errors
                .execute(
                    Stage::HeaderConverter,
                    || converters.header_class.clone(),
                    consumed,
                    || convert_headers(&topic, &r.headers, converters.header.as_deref()),
                )
                .await?
            {
                Outcome::Done(h) => h,
                Outcome::Skipped => continue,
            };
            let record = SinkRecord {
                topic: topic.clone(),
                partition: b.partition,
                offset: r.offset,
                timestamp: Some(r.timestamp),
                timestamp_type: TimestampType::CreateTime,
                key_schema: key.schema,
                key: key.value,
                value_schema: value.schema,
                value: value.value,
                headers,
            };
            if chain.is_identity() {
                out.push(record);
            } else if let Some(record) = transform(chain, record, errors, consumed).await? {
                out.push(record);
            }
        }
    }
    Ok(out)
}

fn convert_headers(
    topic: &str,
    headers: &[crate::kafka::batch::Header],
    converter: Option<&dyn HeaderConverter>,
) -> Result<Vec<ConnectHeader>, ConnectError> {
    let Some(hc) = converter else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(headers.len());
    for h in headers {
        let name = String::from_utf8_lossy(&h.key).into_owned();
        let v = hc
            .to_connect_header(topic, &name, h.value.as_ref())
            .map_err(|e| e.context(format!("converting header {name}")))?;
        out.push(ConnectHeader {
            key: name,
            schema: v.schema,
            value: v.value,
        });
    }
    Ok(out)
}

/// Runs the chain on one record under the error handling. Retrying needs
/// the input again, so the record is copied only when retries are on.
pub(crate) async fn transform<R: Clone>(
    chain: &TransformationChain<R>,
    record: R,
    errors: &RetryWithToleranceOperator,
    failed: impl FnOnce() -> FailedRecord,
) -> Result<Option<R>, ConnectError> {
    if !errors.retries_enabled() {
        return match chain.apply(record) {
            Ok(r) => Ok(r),
            Err(f) => errors
                .execute_failed(ErrorContext {
                    stage: Stage::Transformation,
                    executing_class: f.class,
                    record: failed(),
                    error: f.error,
                })
                .await
                .map(|()| None),
        };
    }
    let failed_class = Mutex::new(String::new());
    let outcome = errors
        .execute(
            Stage::Transformation,
            || std::mem::take(&mut *failed_class.lock().unwrap_or_else(|e| e.into_inner())),
            failed,
            || {
                chain.apply(record.clone()).map_err(|f| {
                    *failed_class.lock().unwrap_or_else(|e| e.into_inner()) = f.class;
                    f.error
                })
            },
        )
        .await?;
    Ok(match outcome {
        Outcome::Done(r) => r,
        Outcome::Skipped => None,
    })
}
