//! `errors.log.enable` (Java's `LogReporter`): one error log line per failed
//! record, naming the task, the stage, the executing class and the record's
//! coordinates, and the record itself with `errors.log.include.messages`.

use std::sync::Arc;

use super::{ErrorContext, ErrorMetrics};
use crate::runtime::status::ConnectorTaskId;

pub struct LogReporter {
    task: ConnectorTaskId,
    /// `errors.log.include.messages`.
    include_messages: bool,
    metrics: Arc<ErrorMetrics>,
}

impl LogReporter {
    pub fn new(task: ConnectorTaskId, include_messages: bool, metrics: Arc<ErrorMetrics>) -> Self {
        LogReporter {
            task,
            include_messages,
            metrics,
        }
    }

    /// Java's message: `Error encountered in task <id>. <context>`.
    pub fn message(&self, context: &ErrorContext) -> String {
        format!(
            "Error encountered in task {}. {}",
            self.task,
            context.describe(self.include_messages)
        )
    }

    pub fn report(&self, context: &ErrorContext) {
        tracing::error!(task = %self.task, error = %context.error, "{}", self.message(context));
        ErrorMetrics::add(&self.metrics.errors_logged);
    }
}
