//! `org.apache.kafka.connect.transforms.TimestampRouter`: the topic becomes
//! `topic.format` with `${topic}` replaced by the topic and `${timestamp}`
//! by the record timestamp formatted with `timestamp.format` (a
//! `SimpleDateFormat` pattern, in UTC). A record without a timestamp is a
//! data error.
//!
//! Java builds the date format at the first record; here a bad
//! `timestamp.format` is a config error when the SMT is configured.

use crate::api::config_def::{ConfigDef, ConfigException, ConfigKey, Importance, Type};
use crate::api::connector::Props;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util_props::{config_error, describe_record, SimpleConfig};
use super::util_time::SimpleDateFormat;

pub const OVERVIEW_DOC: &str = "Update the record's topic field as a function of the original topic value and the record timestamp.\
<p/>This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system\
(e.g. database table or search index name).";
pub const TOPIC_FORMAT: &str = "topic.format";
pub const TIMESTAMP_FORMAT: &str = "timestamp.format";

/// Routes records to a topic named after the topic and the timestamp.
#[derive(Debug, Default)]
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: Option<SimpleDateFormat>,
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                TOPIC_FORMAT,
                Type::String,
                Importance::High,
                "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.",
            )
            .with_default("${topic}-${timestamp}"),
        )
        .define(
            ConfigKey::new(
                TIMESTAMP_FORMAT,
                Type::String,
                Importance::High,
                "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
            )
            .with_default("yyyyMMdd"),
        )
}

impl<R: ConnectRecord> Transformation<R> for TimestampRouter {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.topic_format = config.string(TOPIC_FORMAT).unwrap_or_default();
        let pattern = config.string(TIMESTAMP_FORMAT).unwrap_or_default();
        let format = SimpleDateFormat::new(&pattern).map_err(|why| {
            config_error(ConfigException::invalid(TIMESTAMP_FORMAT, &pattern, &why).message)
        })?;
        self.timestamp_format = Some(format);
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let Some(timestamp) = record.timestamp() else {
            return Err(ConnectError::data(format!(
                "Timestamp missing on record: {}",
                describe_record(&record)
            )));
        };
        let formatted = self
            .timestamp_format
            .as_ref()
            .map(|f| f.format(timestamp))
            .unwrap_or_default();
        let topic = self
            .topic_format
            .replace("${topic}", record.topic())
            .replace("${timestamp}", &formatted);
        record.set_topic(topic);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Value;
    use crate::api::record::SourceRecord;

    fn router(pairs: &[(&str, &str)]) -> ConnectResult<TimestampRouter> {
        let mut x = TimestampRouter::default();
        let props: Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Transformation::<SourceRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    fn record(topic: &str, timestamp: Option<i64>) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            topic,
            None,
            Value::from("v"),
        );
        r.timestamp = timestamp;
        r
    }

    #[test]
    fn default_configuration() {
        let x = router(&[]).unwrap();
        // 2017-01-05T18:17:59.123Z
        let out = x
            .apply(record("test", Some(1_483_640_279_123)))
            .unwrap()
            .unwrap();
        assert_eq!(out.topic, "test-20170105");
        assert_eq!(out.value, Value::from("v"));
        assert_eq!(out.timestamp, Some(1_483_640_279_123));
    }

    #[test]
    fn javas_own_case() {
        let x = router(&[]).unwrap();
        let out = x
            .apply(record("test", Some(1_483_425_001_864)))
            .unwrap()
            .unwrap();
        assert_eq!(out.topic, "test-20170103");
    }

    #[test]
    fn custom_formats() {
        let x = router(&[
            ("topic.format", "${timestamp}/${topic}/${topic}"),
            ("timestamp.format", "yyyy-MM-dd'T'HH"),
        ])
        .unwrap();
        let out = x.apply(record("t", Some(0))).unwrap().unwrap();
        assert_eq!(out.topic, "1970-01-01T00/t/t");
        let x = router(&[("topic.format", "fixed")]).unwrap();
        assert_eq!(
            x.apply(record("t", Some(0))).unwrap().unwrap().topic,
            "fixed"
        );
    }

    #[test]
    fn missing_timestamp_is_a_data_error() {
        let x = router(&[]).unwrap();
        let e = x.apply(record("test", None)).unwrap_err();
        assert_eq!(e.kind, crate::api::error::ErrorKind::Data);
        assert_eq!(
            e.message,
            "Timestamp missing on record: SourceRecord{sourcePartition={}, sourceOffset={}} \
             ConnectRecord{topic='test', kafkaPartition=null, key=null, keySchema=null, value=v, \
             valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=)}"
        );
        // As Kafka 4.3.1 words it (checked against its jar).
        let mut r = record("test", None);
        r.source_partition.insert("p".into(), 1.into());
        r.source_offset.insert("o".into(), 2.into());
        r.kafka_partition = Some(0);
        r.key = Value::from("k");
        r.headers.push(crate::api::record::ConnectHeader {
            key: "h".into(),
            schema: Some(crate::api::data::Schema::string()),
            value: Value::from("x"),
        });
        let e = x.apply(r).unwrap_err();
        assert_eq!(
            e.message,
            "Timestamp missing on record: SourceRecord{sourcePartition={p=1}, sourceOffset={o=2}} \
             ConnectRecord{topic='test', kafkaPartition=0, key=k, keySchema=null, value=v, \
             valueSchema=null, timestamp=null, headers=ConnectHeaders(headers=[ConnectHeader(key=h, \
             value=x, schema=Schema{STRING})])}"
        );
    }

    #[test]
    fn bad_timestamp_format_is_a_config_error() {
        let e = router(&[("timestamp.format", "yyyyMMdd-q")]).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value yyyyMMdd-q for configuration timestamp.format: Illegal pattern character 'q'"
        );
    }
}
