//! Sink tasks (Java's `SinkTask` and `SinkTaskContext`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use super::connector::Props;
use super::error::{ConnectError, ConnectResult};
use super::record::{SinkRecord, TopicPartition};

/// Requests a sink task makes of the runtime; read by the runtime after each
/// call into the task (Java's `SinkTaskContext`).
#[derive(Debug, Default)]
pub struct SinkTaskRequests {
    pub pause: Vec<TopicPartition>,
    pub resume: Vec<TopicPartition>,
    /// Rewind (or skip) to these offsets.
    pub offsets: BTreeMap<TopicPartition, i64>,
    pub commit_requested: bool,
}

/// Reports single records a sink task could not write, so that it can go on
/// with the rest (Java's `ErrantRecordReporter`, KIP-610). The runtime
/// applies the connector's `errors.*` settings: the record is logged and
/// sent to the dead letter queue, and its offset is committed only after
/// that. With `errors.tolerance=none` the answer is an error and the task
/// fails.
pub trait ErrantRecordReporter: Send + Sync {
    fn report(
        &self,
        record: &SinkRecord,
        error: ConnectError,
    ) -> BoxFuture<'static, ConnectResult<()>>;
}

/// What a sink task gets from the runtime.
#[derive(Clone)]
pub struct SinkTaskContext {
    pub configs: Props,
    pub requests: Arc<Mutex<SinkTaskRequests>>,
    /// Present when the connector configured error reporting (a dead letter
    /// queue or the error log), as in Java.
    pub errant_record_reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

impl SinkTaskContext {
    /// The reporter for records the task cannot write, if error reporting
    /// is configured.
    pub fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        self.errant_record_reporter.clone()
    }

    fn with_requests(&self, f: impl FnOnce(&mut SinkTaskRequests)) {
        let mut r = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut r);
    }
    pub fn pause(&self, partitions: &[TopicPartition]) {
        self.with_requests(|r| r.pause.extend_from_slice(partitions));
    }
    pub fn resume(&self, partitions: &[TopicPartition]) {
        self.with_requests(|r| r.resume.extend_from_slice(partitions));
    }
    pub fn offset(&self, partition: TopicPartition, offset: i64) {
        self.with_requests(|r| {
            r.offsets.insert(partition, offset);
        });
    }
    pub fn request_commit(&self) {
        self.with_requests(|r| r.commit_requested = true);
    }
}

/// A sink task.
pub trait SinkTask: Send {
    fn version(&self) -> String;
    fn start(&mut self, props: Props, context: SinkTaskContext) -> ConnectResult<()>;
    /// Partitions newly assigned to this task.
    fn open(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }
    /// Partitions taken away (after their offsets were committed).
    fn close(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }
    /// Writes a batch of records.
    fn put(&mut self, records: Vec<SinkRecord>) -> BoxFuture<'_, ConnectResult<()>>;
    /// Makes everything put so far durable.
    fn flush(
        &mut self,
        offsets: &BTreeMap<TopicPartition, i64>,
    ) -> BoxFuture<'_, ConnectResult<()>>;
    /// Called before offsets are committed with the offsets of everything
    /// put; returns the offsets that are safe to commit (Java's
    /// `preCommit`). By default: flush, then commit everything put.
    fn pre_commit(
        &mut self,
        offsets: BTreeMap<TopicPartition, i64>,
    ) -> BoxFuture<'_, ConnectResult<BTreeMap<TopicPartition, i64>>> {
        Box::pin(async move {
            self.flush(&offsets).await?;
            Ok(offsets)
        })
    }
    fn stop(&mut self);
}
