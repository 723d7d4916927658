//! Java's `RetryWithToleranceOperator`: runs one stage of one record's
//! processing (a converter, a transformation), retrying retriable failures
//! with exponential backoff up to `errors.retry.timeout`
//! (`errors.retry.delay.max.ms` caps one wait); a failure that remains is
//! reported (log, DLQ) and then either tolerated (`errors.tolerance=all`:
//! the record is skipped and counted) or fatal for the task
//! (`errors.tolerance=none`, the default).
//!
//! The happy path costs one call and one match: nothing is allocated unless
//! a stage fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::api::error::{ConnectError, ConnectResult, ErrorKind};
use crate::runtime::config::connector::{ErrorHandling, ToleranceType};

use super::dead_letter_queue_reporter::DeadLetterQueueReporter;
use super::log_reporter::LogReporter;
use super::{ErrorContext, ErrorMetrics, FailedRecord, Stage};

/// The shortest wait between two attempts (Java's `RETRIES_DELAY_MIN_MS`).
const RETRIES_DELAY_MIN: Duration = Duration::from_millis(300);

/// Java's doubling wait before retry number `attempt` (1-based), uncapped.
fn doubling_delay(attempt: u32) -> Duration {
    RETRIES_DELAY_MIN
        .checked_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .unwrap_or(Duration::MAX)
}

/// What became of an operation.
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    /// It failed, was reported and is tolerated: skip the record.
    Skipped,
}

/// The error handling of one task.
pub struct RetryWithToleranceOperator {
    /// `errors.retry.timeout`: `None` retries forever, zero never retries.
    retry_timeout: Option<Duration>,
    /// `errors.retry.delay.max.ms`.
    max_delay: Duration,
    tolerance: ToleranceType,
    metrics: Arc<ErrorMetrics>,
    log: Option<LogReporter>,
    dlq: Option<Arc<DeadLetterQueueReporter>>,
}

impl RetryWithToleranceOperator {
    pub fn new(
        errors: &ErrorHandling,
        metrics: Arc<ErrorMetrics>,
        log: Option<LogReporter>,
        dlq: Option<Arc<DeadLetterQueueReporter>>,
    ) -> RetryWithToleranceOperator {
        RetryWithToleranceOperator {
            retry_timeout: u64::try_from(errors.retry_timeout_ms)
                .ok()
                .map(Duration::from_millis),
            max_delay: Duration::from_millis(u64::try_from(errors.retry_delay_max_ms).unwrap_or(0)),
            tolerance: errors.tolerance,
            metrics,
            log,
            dlq,
        }
    }

    /// No retries, no tolerance, no reporters: every failure is fatal.
    pub fn fail_fast() -> RetryWithToleranceOperator {
        RetryWithToleranceOperator {
            retry_timeout: Some(Duration::ZERO),
            max_delay: Duration::ZERO,
            tolerance: ToleranceType::None,
            metrics: Arc::new(ErrorMetrics::default()),
            log: None,
            dlq: None,
        }
    }

    pub fn metrics(&self) -> &Arc<ErrorMetrics> {
        &self.metrics
    }

    pub fn dlq(&self) -> Option<&Arc<DeadLetterQueueReporter>> {
        self.dlq.as_ref()
    }

    pub fn tolerates_all(&self) -> bool {
        self.tolerance == ToleranceType::All
    }

    /// Whether a retriable failure is retried at all (`errors.retry.timeout`
    /// not 0): then an operation must be repeatable on the same input.
    pub fn retries_enabled(&self) -> bool {
        self.retry_timeout != Some(Duration::ZERO)
    }

    /// The wait before retry number `attempt` (1-based) of an operation
    /// outside this operator (a sink task's `put`), and whether the retry
    /// timeout still allows it, counting from `first_failure`. A timeout of
    /// 0 (the default) does not stop these retries: Java retries a `put`
    /// that threw a retriable error until it passes.
    pub fn backoff(&self, attempt: u32, first_failure: Instant) -> Option<Duration> {
        let delay = doubling_delay(attempt).min(self.max_delay.max(RETRIES_DELAY_MIN));
        match self.retry_timeout {
            Some(t) if !t.is_zero() && first_failure.elapsed() >= t => None,
            _ => {
                ErrorMetrics::add(&self.metrics.retries);
                Some(delay)
            }
        }
    }

    /// Runs `op` for one stage of one record. `record` describes the record
    /// for the reporters; it is only called when the stage failed for good.
    pub async fn execute<T>(
        &self,
        stage: Stage,
        executing_class: impl FnOnce() -> String,
        record: impl FnOnce() -> FailedRecord,
        mut op: impl FnMut() -> ConnectResult<T>,
    ) -> ConnectResult<Outcome<T>> {
        let first = op();
        let error = match first {
            Ok(v) => return Ok(Outcome::Done(v)),
            Err(e) => e,
        };
        let error = match self.retry(error, &mut op).await {
            Ok(v) => return Ok(Outcome::Done(v)),
            Err(e) => e,
        };
        let context = ErrorContext {
            stage,
            executing_class: executing_class(),
            record: record(),
            error,
        };
        self.execute_failed(context)
            .await
            .map(|()| Outcome::Skipped)
    }

    /// Retries a retriable failure with backoff until it succeeds, fails
    /// otherwise, or the retry timeout passes; returns the last error.
    async fn retry<T>(
        &self,
        mut error: ConnectError,
        op: &mut impl FnMut() -> ConnectResult<T>,
    ) -> Result<T, ConnectError> {
        let start = Instant::now();
        let deadline = self.retry_timeout.map(|t| start + t);
        let mut attempt: u32 = 1;
        while error.kind == ErrorKind::Retriable {
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                break;
            }
            let mut delay = doubling_delay(attempt);
            if delay > self.max_delay {
                // Java: a random wait below the cap once the doubling passes it.
                let cap = self.max_delay.as_millis() as u64;
                delay = Duration::from_millis(if cap == 0 {
                    0
                } else {
                    rand::random::<u64>() % cap
                });
            }
            if let Some(d) = deadline {
                delay = delay.min(d.saturating_duration_since(now));
            }
            tokio::time::sleep(delay).await;
            ErrorMetrics::add(&self.metrics.retries);
            attempt += 1;
            match op() {
                Ok(v) => return Ok(v),
                Err(e) => error = e,
            }
        }
        Err(error)
    }

    /// A failure with no record to report (a producer delivery failure):
    /// counted and logged; true when it is tolerated.
    pub fn tolerate_unreported(&self, what: &str) -> bool {
        ErrorMetrics::add(&self.metrics.record_failures);
        if self.tolerance == ToleranceType::All {
            ErrorMetrics::add(&self.metrics.records_skipped);
            tracing::error!("{what}; skipped because errors.tolerance=all");
            true
        } else {
            false
        }
    }

    /// A failure that already happened (the errant record reporter, a
    /// producer callback): counted, reported, then tolerated (`Ok`) or not
    /// (`Err`, Java's "Tolerance exceeded in error handler").
    pub async fn execute_failed(&self, context: ErrorContext) -> ConnectResult<()> {
        ErrorMetrics::add(&self.metrics.record_failures);
        if let Some(log) = &self.log {
            log.report(&context);
        }
        let reported = match &self.dlq {
            Some(dlq) => dlq.report(&context).await,
            None => Ok(()),
        };
        if self.tolerance == ToleranceType::All {
            // A DLQ that cannot take the record must not let it be skipped.
            reported?;
            ErrorMetrics::add(&self.metrics.records_skipped);
            return Ok(());
        }
        if let Err(e) = reported {
            tracing::error!(error = %e, "the failed record could not be written to the dead letter queue");
        }
        Err(ConnectError::fatal(format!(
            "Tolerance exceeded in error handler: {}: {}",
            context.describe(false),
            context.error
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::record::SourceRecord;
    use std::cell::Cell;

    fn errors(tolerance: ToleranceType, retry_timeout_ms: i64) -> ErrorHandling {
        ErrorHandling {
            retry_timeout_ms,
            retry_delay_max_ms: 60_000,
            tolerance,
            log_enable: false,
            log_include_messages: false,
        }
    }

    fn record() -> FailedRecord {
        FailedRecord::Source(SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            crate::api::data::value::Value::Null,
        ))
    }

    #[tokio::test]
    async fn success_needs_no_reporting() {
        let op = RetryWithToleranceOperator::new(
            &errors(ToleranceType::None, 0),
            Arc::default(),
            None,
            None,
        );
        let r = op
            .execute(
                Stage::ValueConverter,
                || "C".to_string(),
                record,
                || Ok::<_, ConnectError>(7),
            )
            .await;
        assert!(matches!(r, Ok(Outcome::Done(7))));
        assert!(!op.metrics().any());
    }

    #[tokio::test]
    async fn tolerance_all_skips_and_counts() {
        let op = RetryWithToleranceOperator::new(
            &errors(ToleranceType::All, 0),
            Arc::default(),
            None,
            None,
        );
        let r = op
            .execute(
                Stage::ValueConverter,
                || "C".to_string(),
                record,
                || Err::<(), _>(ConnectError::data("bad")),
            )
            .await;
        assert!(matches!(r, Ok(Outcome::Skipped)));
        assert!(op.metrics().summary().contains("total-records-skipped=1"));
    }

    #[tokio::test]
    async fn tolerance_none_fails_naming_the_stage() {
        let op = RetryWithToleranceOperator::new(
            &errors(ToleranceType::None, 0),
            Arc::default(),
            None,
            None,
        );
        let err = op
            .execute(
                Stage::KeyConverter,
                || "org.example.Conv".to_string(),
                record,
                || Err::<(), _>(ConnectError::data("bad")),
            )
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("Tolerance exceeded in error handler"), "{err}");
        assert!(
            err.contains("Executing stage 'KEY_CONVERTER' with class 'org.example.Conv'"),
            "{err}"
        );
        assert!(err.contains("bad"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn retriable_failures_are_retried_until_they_pass() {
        let op = RetryWithToleranceOperator::new(
            &errors(ToleranceType::None, 60_000),
            Arc::default(),
            None,
            None,
        );
        let calls = Cell::new(0);
        let r = op
            .execute(
                Stage::Transformation,
                || "T".to_string(),
                record,
                || {
                    calls.set(calls.get() + 1);
                    if calls.get() < 4 {
                        Err(ConnectError::retriable("later"))
                    } else {
                        Ok(calls.get())
                    }
                },
            )
            .await;
        assert!(matches!(r, Ok(Outcome::Done(4))));
        assert!(op.metrics().summary().contains("total-retries=3"));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_timeout_and_data_errors_are_not_retried() {
        let op = RetryWithToleranceOperator::new(
            &errors(ToleranceType::All, 1_000),
            Arc::default(),
            None,
            None,
        );
        let calls = Cell::new(0);
        let started = tokio::time::Instant::now();
        let r = op
            .execute(
                Stage::Transformation,
                || "T".to_string(),
                record,
                || {
                    calls.set(calls.get() + 1);
                    Err::<(), _>(ConnectError::retriable("never"))
                },
            )
            .await;
        assert!(matches!(r, Ok(Outcome::Skipped)));
        assert!(started.elapsed() >= Duration::from_millis(1_000));
        assert!(calls.get() >= 2);
        let calls = Cell::new(0);
        let _ = op
            .execute(
                Stage::Transformation,
                || "T".to_string(),
                record,
                || {
                    calls.set(calls.get() + 1);
                    Err::<(), _>(ConnectError::data("bad"))
                },
            )
            .await;
        assert_eq!(calls.get(), 1);
    }
}
