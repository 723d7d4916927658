//! The errant record reporter a sink task gets (Java's
//! `WorkerErrantRecordReporter`): a record the task reports from `put` is
//! looked up among the consumed records (so the DLQ gets its original
//! bytes), then handled like any failed record: logged, sent to the DLQ,
//! tolerated or not. The task loop waits for the DLQ writes before it
//! commits offsets, and fails the task if a report was not tolerated even
//! when the task swallowed the error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::SinkRecord;
use crate::api::sink::ErrantRecordReporter;
use crate::kafka::fetcher::PartitionRecords;

use super::retry_with_tolerance_operator::RetryWithToleranceOperator;
use super::{ConsumedRecord, ErrorContext, FailedRecord, Stage};

pub struct WorkerErrantRecordReporter {
    operator: Arc<RetryWithToleranceOperator>,
    /// The sink task's class, for the `class.name` header.
    task_class: String,
    /// The batches being put: where reported records' bytes are found.
    current: Arc<Mutex<Vec<PartitionRecords>>>,
    /// Set when a report was not tolerated.
    failed: AtomicBool,
}

impl WorkerErrantRecordReporter {
    pub fn new(
        operator: Arc<RetryWithToleranceOperator>,
        task_class: String,
        current: Arc<Mutex<Vec<PartitionRecords>>>,
    ) -> WorkerErrantRecordReporter {
        WorkerErrantRecordReporter {
            operator,
            task_class,
            current,
            failed: AtomicBool::new(false),
        }
    }

    /// Whether a report exceeded the tolerance (the task must fail).
    pub fn tolerance_exceeded(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// The consumed record behind a sink record, by its coordinates.
    fn original(&self, record: &SinkRecord) -> ConsumedRecord {
        let batches = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let found = batches
            .iter()
            .filter(|b| *b.topic == *record.topic && b.partition == record.partition)
            .flat_map(|b| b.records.iter())
            .find(|r| r.offset == record.offset);
        match found {
            Some(r) => ConsumedRecord {
                topic: record.topic.clone(),
                partition: record.partition,
                offset: r.offset,
                timestamp: r.timestamp,
                key: r.key.clone(),
                value: r.value.clone(),
                headers: r.headers.clone(),
            },
            // A record the task made up or changed the coordinates of:
            // report what is known.
            None => ConsumedRecord {
                topic: record.topic.clone(),
                partition: record.partition,
                offset: record.offset,
                timestamp: record.timestamp.unwrap_or(-1),
                key: None,
                value: None,
                headers: Vec::new(),
            },
        }
    }
}

impl ErrantRecordReporter for Arc<WorkerErrantRecordReporter> {
    fn report(
        &self,
        record: &SinkRecord,
        error: ConnectError,
    ) -> BoxFuture<'static, ConnectResult<()>> {
        let context = ErrorContext {
            stage: Stage::TaskPut,
            executing_class: self.task_class.clone(),
            record: FailedRecord::Consumed(self.original(record)),
            error,
        };
        let me = self.clone();
        Box::pin(async move {
            let result = me.operator.execute_failed(context).await;
            if result.is_err() {
                me.failed.store(true, Ordering::Release);
            }
            result
        })
    }
}
