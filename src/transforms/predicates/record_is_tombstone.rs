//! `org.apache.kafka.connect.transforms.predicates.RecordIsTombstone`: true
//! for records whose value is null (tombstones).

use crate::api::config_def::ConfigDef;
use crate::api::transform::{ConnectRecord, Predicate};

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records which are tombstones (i.e. have null value).";

/// Tests for a null value; no settings.
#[derive(Debug, Default)]
pub struct RecordIsTombstone;

impl<R: ConnectRecord> Predicate<R> for RecordIsTombstone {
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn test(&self, record: &R) -> bool {
        record.value().is_null()
    }
}

impl std::fmt::Display for RecordIsTombstone {
    /// Java's `toString()`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordIsTombstone{}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Schema, Value};
    use crate::api::record::SourceRecord;

    #[test]
    fn true_only_for_null_values() {
        let p = RecordIsTombstone;
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        assert!(p.test(&r));
        // A schema does not make a null value less of a tombstone.
        r.value_schema = Some(Schema::optional_string());
        assert!(p.test(&r));
        r.value = Value::from("");
        assert!(!p.test(&r));
        r.key = Value::Null;
        r.value = Value::Int32(0);
        assert!(!p.test(&r));
        assert_eq!(p.to_string(), "RecordIsTombstone{}");
    }
}
