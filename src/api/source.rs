//! Source tasks (Java's `SourceTask` and `SourceTaskContext`).
//!
//! `poll` is async and must be cancellation-safe: the runtime drops a pending
//! poll when the task is paused or stopped (where Java calls `stop()` from
//! another thread to interrupt a blocked poll).

use futures::future::BoxFuture;

use super::connector::Props;
use super::error::ConnectResult;
use super::record::{SourceMap, SourceRecord};

/// Read access to the committed source offsets (Java's `OffsetStorageReader`).
pub trait OffsetStorageReader: Send + Sync {
    /// The last committed offset of `partition`, if any.
    fn offset(&self, partition: &SourceMap) -> Option<SourceMap>;
}

/// What a source task gets from the runtime.
pub struct SourceTaskContext {
    pub offset_storage_reader: Box<dyn OffsetStorageReader>,
    /// The task's config.
    pub configs: Props,
}

/// A source task.
pub trait SourceTask: Send {
    fn version(&self) -> String;
    fn start(&mut self, props: Props, context: SourceTaskContext) -> ConnectResult<()>;
    /// The next batch of records; an empty batch when there is nothing yet
    /// (the task should wait a little itself rather than spin).
    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>>;
    /// Offsets up to now were committed.
    fn commit(&mut self) -> ConnectResult<()> {
        Ok(())
    }
    /// One record was acknowledged by Kafka (or dropped by a
    /// transformation or skipped by the error handling). Called only when
    /// [`SourceTask::wants_record_commits`] says so.
    fn commit_record(&mut self, _record: &SourceRecord) -> ConnectResult<()> {
        Ok(())
    }
    /// Whether the task overrides [`SourceTask::commit_record`]. The
    /// runtime then keeps every record until Kafka acknowledged it, which
    /// costs memory; tasks that do not need it (most) keep the default.
    fn wants_record_commits(&self) -> bool {
        false
    }
    fn stop(&mut self);
}
