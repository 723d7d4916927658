//! `org.apache.kafka.connect.transforms.DropHeaders`: removes every header
//! whose key is one of `headers`.

use std::collections::HashSet;

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util_props::{any_non_duplicate_values, SimpleConfig};

pub const OVERVIEW_DOC: &str = "Removes one or more headers from each record.";
pub const HEADERS_FIELD: &str = "headers";

/// Removes the named headers (all of a repeated key).
#[derive(Debug, Default)]
pub struct DropHeaders {
    headers: HashSet<String>,
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            HEADERS_FIELD,
            Type::List,
            Importance::High,
            "The name of the headers to be removed.",
        )
        .with_validator(any_non_duplicate_values()),
    )
}

impl<R: ConnectRecord> Transformation<R> for DropHeaders {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.headers = config.list(HEADERS_FIELD).into_iter().collect();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        record
            .headers_mut()
            .retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Schema, Value};
    use crate::api::record::{ConnectHeader, SourceRecord};

    fn header(key: &str, value: &str) -> ConnectHeader {
        ConnectHeader {
            key: key.to_string(),
            schema: Some(Schema::string()),
            value: Value::from(value),
        }
    }

    fn record(headers: Vec<ConnectHeader>) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "topic",
            None,
            Value::from("value"),
        );
        r.kafka_partition = Some(0);
        r.key = Value::from("key");
        r.timestamp = Some(0);
        r.headers = headers;
        r
    }

    fn xform(headers: &str) -> ConnectResult<DropHeaders> {
        let mut x = DropHeaders::default();
        let props: Props = [(HEADERS_FIELD.to_string(), headers.to_string())].into();
        Transformation::<SourceRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    #[test]
    fn drops_existing_header_and_all_its_values() {
        let x = xform("to-drop").unwrap();
        let original = record(vec![
            header("existing", "existing-value"),
            header("to-drop", "existing-value"),
            header("to-drop", "existing-other-value"),
        ]);
        let out = x.apply(original.clone()).unwrap().unwrap();
        assert_eq!(out.headers, vec![header("existing", "existing-value")]);
        assert_eq!(out.topic, original.topic);
        assert_eq!(out.key, original.key);
        assert_eq!(out.value, original.value);
        assert_eq!(out.timestamp, original.timestamp);
        assert_eq!(out.kafka_partition, original.kafka_partition);
    }

    #[test]
    fn several_names_and_missing_ones() {
        let x = xform("a, b").unwrap();
        let out = x
            .apply(record(vec![
                header("b", "1"),
                header("c", "2"),
                header("a", "3"),
            ]))
            .unwrap()
            .unwrap();
        assert_eq!(out.headers, vec![header("c", "2")]);
        let out = x
            .apply(record(vec![header("existing", "v")]))
            .unwrap()
            .unwrap();
        assert_eq!(out.headers, vec![header("existing", "v")]);
    }

    #[test]
    fn config_rejects_empty_duplicate_or_missing_names() {
        let e = xform("").unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'headers' must not be empty. Valid values include: any non-empty value"
        );
        let e = xform("a,,b").unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'headers' values must not be empty."
        );
        let e = xform("a, a").unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'headers' values must not be duplicated."
        );
        let mut x = DropHeaders::default();
        let e = Transformation::<SourceRecord>::configure(&mut x, &Props::new()).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"headers\" which has no default value."
        );
    }
}
