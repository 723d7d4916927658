//! `org.apache.kafka.connect.transforms.Filter`: drops every record. Meant
//! to be used with a predicate (`transforms.<a>.predicate`, `negate`), to
//! drop only the records that match (or do not match) it.

use crate::api::config_def::ConfigDef;
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

pub const OVERVIEW_DOC: &str =
    "Drops all records, filtering them from subsequent transformations in the chain. \
This is intended to be used conditionally to filter out records matching (or not matching) \
a particular Predicate.";

/// Drops all records; no settings.
#[derive(Debug, Default)]
pub struct Filter;

impl<R: ConnectRecord> Transformation<R> for Filter {
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn apply(&self, _record: R) -> ConnectResult<Option<R>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::connector::Props;
    use crate::api::data::Value;
    use crate::api::record::SourceRecord;

    #[test]
    fn drops_every_record() {
        let mut f = Filter;
        Transformation::<SourceRecord>::configure(&mut f, &Props::new()).unwrap();
        let record = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::from("v"),
        );
        assert_eq!(f.apply(record).unwrap(), None);
        let tombstone = SourceRecord::new(
            Default::default(),
            Default::default(),
            "t",
            None,
            Value::Null,
        );
        assert_eq!(f.apply(tombstone).unwrap(), None);
        assert!(Transformation::<SourceRecord>::config(&f)
            .config_keys()
            .is_empty());
    }
}
