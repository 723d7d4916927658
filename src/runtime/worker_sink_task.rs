//! Runs one sink task (Java's `WorkerSinkTask`): consume in the group
//! `connect-<connector>`, convert whole fetched batches, `put` them, and
//! commit consumer offsets only after the task flushed what was put, every
//! `offset.flush.interval.ms`, on rebalance and on shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::api::connector::Props;
use crate::api::error::ConnectError;
use crate::api::record::{
    ConnectHeader, SinkRecord, TimestampType, TopicPartition as SdkPartition,
};
use crate::api::sink::{SinkTask, SinkTaskContext, SinkTaskRequests};
use crate::kafka::fetcher::{Consumer, PartitionRecords, TopicPartition};

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
        statuses,
        track_topics,
        commit_interval,
        control,
    } = p;
    let TaskControl { mut target, cancel } = control;
    let requests = Arc::new(Mutex::new(SinkTaskRequests::default()));
    let context = SinkTaskContext {
        configs: props.clone(),
        requests: requests.clone(),
    };
    if let Err(e) = task.start(props, context) {
        fail(&statuses, &id, &e.to_string());
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
            if let Err(e) = commit(&id, &mut *task, &mut consumer, &consumed, &mut committed).await
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
                        statuses.put_topic(&id.connector, &b.topic);
                        last = Some(&b.topic);
                    }
                }
            }
            let records =
                match convert(&batches, &converters).and_then(|r| transformations.apply_batch(r)) {
                    Ok(r) => r,
                    Err(e) => {
                        failure = Some(e);
                        break 'run;
                    }
                };
            for b in &batches {
                if let Some(last) = b.records.last() {
                    consumed.insert(
                        TopicPartition::new(b.topic.to_string(), b.partition),
                        last.offset + 1,
                    );
                }
            }
            if let Err(e) = task.put(records).await {
                failure = Some(e);
                break 'run;
            }
        }
        apply_requests(&requests, &mut consumer, &mut last_commit, commit_interval);
        if last_commit.elapsed() >= commit_interval {
            if let Err(e) = commit(&id, &mut *task, &mut consumer, &consumed, &mut committed).await
            {
                failure = Some(e);
                break 'run;
            }
            last_commit = Instant::now();
        }
    }

    if failure.is_none() {
        if let Err(e) = commit(&id, &mut *task, &mut consumer, &consumed, &mut committed).await {
            failure = Some(e);
        }
        let all: Vec<SdkPartition> = owned.iter().map(sdk).collect();
        let _ = task.close(&all);
    }
    task.stop();
    consumer.close().await;
    match failure {
        Some(e) => fail(&statuses, &id, &e.to_string()),
        None => tracing::info!(task = %id, "sink task stopped"),
    }
}

fn fail(statuses: &StatusStore, id: &ConnectorTaskId, trace: &str) {
    tracing::error!(task = %id, "task failed: {trace}");
    statuses.put_task(id, State::Failed, Some(trace.to_string()));
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
) -> Result<(), ConnectError> {
    let changed = consumed.iter().any(|(tp, o)| committed.get(tp) != Some(o));
    if !changed {
        return Ok(());
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

/// Converts fetched batches into sink records; a bad record is a data error
/// naming its topic, partition and offset.
fn convert(
    batches: &[PartitionRecords],
    converters: &TaskConverters,
) -> Result<Vec<SinkRecord>, ConnectError> {
    let (key_converter, value_converter, header_converter) = (
        &*converters.key,
        &*converters.value,
        converters.header.as_deref(),
    );
    let mut out = Vec::with_capacity(batches.iter().map(|b| b.records.len()).sum());
    for b in batches {
        let topic = b.topic.to_string();
        for r in &b.records {
            let at = || {
                format!(
                    "topic {} partition {} offset {}",
                    b.topic, b.partition, r.offset
                )
            };
            let key = key_converter
                .to_connect(&topic, r.key.as_ref())
                .map_err(|e| e.context(format!("converting the key at {}", at())))?;
            let value = value_converter
                .to_connect(&topic, r.value.as_ref())
                .map_err(|e| e.context(format!("converting the value at {}", at())))?;
            let mut headers = Vec::with_capacity(r.headers.len());
            if let Some(hc) = header_converter {
                for h in &r.headers {
                    let name = String::from_utf8_lossy(&h.key).into_owned();
                    let v = hc
                        .to_connect_header(&topic, &name, h.value.as_ref())
                        .map_err(|e| e.context(format!("converting header {name} at {}", at())))?;
                    headers.push(ConnectHeader {
                        key: name,
                        schema: v.schema,
                        value: v.value,
                    });
                }
            }
            out.push(SinkRecord {
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
            });
        }
    }
    Ok(out)
}
