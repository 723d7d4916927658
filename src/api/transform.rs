//! Single message transforms (Java's `Transformation<R extends ConnectRecord<R>>`):
//! a function from one record to one record, or to none (filtered out).
//! The runtime chains them per connector; the chain runs in the source path
//! before the converters and in the sink path after them.

use super::error::ConnectResult;

/// One transformation of records of type `R` (a `SourceRecord` or a
/// `SinkRecord`).
pub trait Transformation<R>: Send + Sync {
    /// The transformed record, or `None` to drop it.
    fn apply(&self, record: R) -> ConnectResult<Option<R>>;

    /// Releases what the transformation holds; called once when its task stops.
    fn close(&self) {}
}
