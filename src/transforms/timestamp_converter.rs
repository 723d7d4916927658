//! `org.apache.kafka.connect.transforms.TimestampConverter$Key` / `$Value`:
//! converts a timestamp between a string (`format`, a `SimpleDateFormat`
//! pattern in UTC), a Unix time (`unix`, an int64 in `unix.precision`) and
//! the Connect logical types `Date`, `Time` and `Timestamp`. It converts the
//! whole key or value, or one top-level field of it (`field`; Kafka 4.x has
//! no nested paths for this SMT).
//!
//! The source type comes from the schema (a logical name, else STRING is a
//! string and INT64 a Unix time) or, without a schema, from the value (a
//! date is a Timestamp, an int64 a Unix time, a string a formatted one).
//! Everything goes through epoch milliseconds, as Java's `java.util.Date`
//! does, so sub-millisecond precision is lost.

use std::sync::Mutex;

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::data::logical::{epoch_millis, MILLIS_PER_DAY};
use crate::api::data::{
    Date, Schema, SchemaBuilder, Struct, Time, Timestamp, Type as SchemaType, Value,
};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::Which;
use super::util_props::{
    config_error, require_map, require_struct, set_operating, take_operating, SimpleConfig,
};
use super::util_time::SimpleDateFormat;

pub const OVERVIEW_DOC: &str = "Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.\
Applies to individual fields or to the entire value.\
<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.TimestampConverter$Key</code>) \
or value (<code>org.apache.kafka.connect.transforms.TimestampConverter$Value</code>).";

pub const FIELD_CONFIG: &str = "field";
pub const TARGET_TYPE_CONFIG: &str = "target.type";
pub const FORMAT_CONFIG: &str = "format";
pub const UNIX_PRECISION_CONFIG: &str = "unix.precision";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
const PURPOSE: &str = "converting timestamp formats";

const TYPE_STRING: &str = "string";
const TYPE_UNIX: &str = "unix";
const TYPE_DATE: &str = "Date";
const TYPE_TIME: &str = "Time";
const TYPE_TIMESTAMP: &str = "Timestamp";
const UNIX_PRECISION_MILLIS: &str = "milliseconds";
const UNIX_PRECISION_MICROS: &str = "microseconds";
const UNIX_PRECISION_NANOS: &str = "nanoseconds";
const UNIX_PRECISION_SECONDS: &str = "seconds";

/// A timestamp representation (Java's translators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            TYPE_STRING => Kind::String,
            TYPE_UNIX => Kind::Unix,
            TYPE_DATE => Kind::Date,
            TYPE_TIME => Kind::Time,
            TYPE_TIMESTAMP => Kind::Timestamp,
            _ => return None,
        })
    }

    /// The schema of this representation.
    fn schema(self, optional: bool) -> Schema {
        match self {
            Kind::String => Schema::of(SchemaType::String, optional),
            Kind::Unix => Schema::of(SchemaType::Int64, optional),
            Kind::Date => Date::builder().optional_if(optional).build(),
            Kind::Time => Time::builder().optional_if(optional).build(),
            Kind::Timestamp => Timestamp::builder().optional_if(optional).build(),
        }
    }

    /// Java's `timestampTypeFromSchema`.
    fn of_schema(schema: &Schema) -> ConnectResult<Kind> {
        match schema.name() {
            Some(Timestamp::LOGICAL_NAME) => return Ok(Kind::Timestamp),
            Some(Date::LOGICAL_NAME) => return Ok(Kind::Date),
            Some(Time::LOGICAL_NAME) => return Ok(Kind::Time),
            _ => {}
        }
        match schema.type_() {
            SchemaType::String => Ok(Kind::String),
            SchemaType::Int64 => Ok(Kind::Unix),
            _ => Err(ConnectError::fatal(format!(
                "Schema {schema} does not correspond to a known timestamp type format"
            ))),
        }
    }

    /// Java's `inferTimestampType` (Date, Time and Timestamp values are all
    /// a `java.util.Date` there, read as a Timestamp).
    fn of_value(value: &Value) -> ConnectResult<Kind> {
        match value {
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => Ok(Kind::Timestamp),
            Value::Int64(_) => Ok(Kind::Unix),
            Value::String(_) => Ok(Kind::String),
            other => Err(ConnectError::data(format!(
                "TimestampConverter does not support {} objects as timestamps",
                other.java_class()
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

/// Converts timestamps in the key or value.
#[derive(Debug)]
pub struct TimestampConverter {
    which: Which,
    field: String,
    target: Kind,
    format: Option<SimpleDateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
    /// The last struct schema seen and its converted schema.
    schema_cache: Mutex<Option<(Schema, Schema)>>,
}

impl TimestampConverter {
    pub fn new(which: Which) -> TimestampConverter {
        TimestampConverter {
            which,
            field: String::new(),
            target: Kind::Timestamp,
            format: None,
            precision: Precision::Millis,
            replace_null_with_default: true,
            schema_cache: Mutex::new(None),
        }
    }

    /// Epoch milliseconds of `value` read as `kind` (Java's `toRaw`).
    fn to_raw(&self, kind: Kind, value: &Value) -> ConnectResult<i64> {
        let not_a_date = |what: &str| {
            ConnectError::data(format!(
                "Expected {what} to be a java.util.Date, but found {}",
                value.java_class()
            ))
        };
        match kind {
            Kind::String => {
                let Value::String(text) = value else {
                    return Err(ConnectError::data(format!(
                        "Expected string timestamp to be a String, but found {}",
                        value.java_class()
                    )));
                };
                let Some(format) = &self.format else {
                    return Err(ConnectError::data(
                        "TimestampConverter requires format option to be specified when using string timestamps",
                    ));
                };
                format.parse(text).ok_or_else(|| {
                    ConnectError::data(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.to_pattern()
                    ))
                })
            }
            Kind::Unix => {
                let Value::Int64(unix) = value else {
                    return Err(ConnectError::data(format!(
                        "Expected Unix timestamp to be a Long, but found {}",
                        value.java_class()
                    )));
                };
                Ok(match self.precision {
                    Precision::Seconds => unix.saturating_mul(1000),
                    Precision::Millis => *unix,
                    Precision::Micros => unix / 1000,
                    Precision::Nanos => unix / 1_000_000,
                })
            }
            Kind::Date => epoch_millis(value).ok_or_else(|| not_a_date("Date")),
            Kind::Time => epoch_millis(value).ok_or_else(|| not_a_date("Time")),
            Kind::Timestamp => epoch_millis(value).ok_or_else(|| not_a_date("Timestamp")),
        }
    }

    /// The target representation of epoch milliseconds (Java's `toType`).
    fn to_type(&self, millis: i64) -> ConnectResult<Value> {
        Ok(match self.target {
            Kind::String => Value::String(
                self.format
                    .as_ref()
                    .map(|f| f.format(millis))
                    .unwrap_or_default(),
            ),
            Kind::Unix => Value::Int64(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Millis => millis,
                Precision::Micros => millis.saturating_mul(1000),
                Precision::Nanos => millis.saturating_mul(1_000_000),
            }),
            Kind::Date => {
                let days = millis.div_euclid(MILLIS_PER_DAY);
                Value::Date(i32::try_from(days).map_err(|_| {
                    ConnectError::data(format!(
                        "Timestamp {millis} is out of the range of the Date type"
                    ))
                })?)
            }
            Kind::Time => Value::Time(millis.rem_euclid(MILLIS_PER_DAY) as i32),
            Kind::Timestamp => Value::Timestamp(millis),
        })
    }

    /// Java's `convertTimestamp`: null stays null; `kind` `None` infers the
    /// source type from the value.
    fn convert(&self, value: &Value, kind: Option<Kind>) -> ConnectResult<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let kind = match kind {
            Some(k) => k,
            None => Kind::of_value(value)?,
        };
        let millis = self.to_raw(kind, value)?;
        self.to_type(millis)
    }

    fn field_value<'a>(&self, value: &'a Struct, index: usize) -> &'a Value {
        if self.replace_null_with_default {
            value.get_index(index)
        } else {
            value.values().get(index).unwrap_or(&Value::Null)
        }
    }

    /// The struct schema with the converted field's schema replaced.
    fn updated_struct_schema(&self, schema: &Schema) -> ConnectResult<Schema> {
        if let Ok(cache) = self.schema_cache.lock() {
            if let Some((from, to)) = cache.as_ref() {
                if from.ptr_eq(schema) || from == schema {
                    return Ok(to.clone());
                }
            }
        }
        let mut builder = SchemaBuilder::struct_().parameters(schema.parameters());
        if let Some(name) = schema.name() {
            builder = builder.name(name);
        }
        if let Some(version) = schema.version() {
            builder = builder.version(version);
        }
        if let Some(doc) = schema.doc() {
            builder = builder.doc(doc);
        }
        for field in schema.fields() {
            let field_schema = if field.name == self.field {
                self.target.schema(field.schema.is_optional())
            } else {
                field.schema.clone()
            };
            builder = builder.field(field.name.clone(), field_schema);
        }
        builder = builder.optional_if(schema.is_optional());
        if let Some(Value::Struct(default)) = schema.default_value() {
            let without_default = builder.clone().build();
            let converted = self.apply_value_with_schema(default, &without_default)?;
            builder = builder.default_value(Value::Struct(converted));
        }
        let updated = builder.build();
        if let Ok(mut cache) = self.schema_cache.lock() {
            *cache = Some((schema.clone(), updated.clone()));
        }
        Ok(updated)
    }

    /// Java's `applyValueWithSchema`: the struct on the updated schema, the
    /// named field converted.
    fn apply_value_with_schema(&self, value: &Struct, updated: &Schema) -> ConnectResult<Struct> {
        let mut result = Struct::new(updated.clone());
        for field in value.schema().fields() {
            let field_value = self.field_value(value, field.index);
            let converted = if field.name == self.field {
                self.convert(field_value, Some(Kind::of_schema(&field.schema)?))?
            } else {
                field_value.clone()
            };
            result.set(&field.name, converted)?;
        }
        Ok(result)
    }

    fn apply_with_schema(&self, schema: Schema, value: Value) -> ConnectResult<(Schema, Value)> {
        if self.field.is_empty() {
            let kind = Kind::of_schema(&schema)?;
            let updated = self.target.schema(schema.is_optional());
            return Ok((updated, self.convert(&value, Some(kind))?));
        }
        if !value.is_null() {
            require_struct(&value, PURPOSE)?;
        }
        let updated = self.updated_struct_schema(&schema)?;
        let converted = match &value {
            Value::Struct(s) => Value::Struct(self.apply_value_with_schema(s, &updated)?),
            _ => Value::Null,
        };
        Ok((updated, converted))
    }

    fn apply_schemaless(&self, value: Value) -> ConnectResult<Value> {
        if value.is_null() || self.field.is_empty() {
            return self.convert(&value, None);
        }
        let entries = require_map(&value, PURPOSE)?;
        let key = Value::from(self.field.as_str());
        let converted =
            self.convert(Value::map_get(entries, &key).unwrap_or(&Value::Null), None)?;
        let mut updated = entries.to_vec();
        Value::map_put(&mut updated, key, converted);
        Ok(Value::Map(updated))
    }
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELD_CONFIG,
                Type::String,
                Importance::High,
                "The field containing the timestamp, or empty if the entire value is a timestamp",
            )
            .with_default(""),
        )
        .define(
            ConfigKey::new(
                TARGET_TYPE_CONFIG,
                Type::String,
                Importance::High,
                "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
            )
            .with_validator(Validator::valid_string(&[
                TYPE_STRING,
                TYPE_UNIX,
                TYPE_DATE,
                TYPE_TIME,
                TYPE_TIMESTAMP,
            ])),
        )
        .define(
            ConfigKey::new(
                FORMAT_CONFIG,
                Type::String,
                Importance::Medium,
                "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string \
or used to parse the input if the input is a string.",
            )
            .with_default(""),
        )
        .define(
            ConfigKey::new(
                UNIX_PRECISION_CONFIG,
                Type::String,
                Importance::Low,
                "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. \
Used to generate the output when type=unix or used to parse the input if the input is a Long.\
Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.",
            )
            .with_default(UNIX_PRECISION_MILLIS)
            .with_validator(Validator::valid_string(&[
                UNIX_PRECISION_NANOS,
                UNIX_PRECISION_MICROS,
                UNIX_PRECISION_MILLIS,
                UNIX_PRECISION_SECONDS,
            ])),
        )
        .define(
            ConfigKey::new(
                REPLACE_NULL_WITH_DEFAULT_CONFIG,
                Type::Boolean,
                Importance::Medium,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
            )
            .with_default(true),
        )
}

impl<R: ConnectRecord> Transformation<R> for TimestampConverter {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        let type_name = config.string(TARGET_TYPE_CONFIG).unwrap_or_default();
        let target = Kind::from_name(&type_name)
            .ok_or_else(|| config_error(format!("Unsupported timestamp type: {type_name}")))?;
        let pattern = config.string(FORMAT_CONFIG).unwrap_or_default();
        let blank = pattern.trim().is_empty();
        if target == Kind::String && blank {
            return Err(config_error(
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let format = if blank {
            None
        } else {
            // Java passes the exception as the "value" of a ConfigException
            // whose "name" is the sentence, hence the odd wording.
            Some(SimpleDateFormat::new(&pattern).map_err(|why| {
                config_error(format!(
                    "Invalid value java.lang.IllegalArgumentException: {why} for configuration \
                     TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"
                ))
            })?)
        };
        self.field = config.string(FIELD_CONFIG).unwrap_or_default();
        self.target = target;
        self.format = format;
        self.precision = match config.string(UNIX_PRECISION_CONFIG).as_deref() {
            Some(UNIX_PRECISION_SECONDS) => Precision::Seconds,
            Some(UNIX_PRECISION_MICROS) => Precision::Micros,
            Some(UNIX_PRECISION_NANOS) => Precision::Nanos,
            _ => Precision::Millis,
        };
        self.replace_null_with_default = config.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        if let Ok(mut cache) = self.schema_cache.lock() {
            *cache = None;
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        let (schema, value) = take_operating(&mut record, self.which);
        let (schema, value) = match schema {
            Some(schema) => {
                let (s, v) = self.apply_with_schema(schema, value)?;
                (Some(s), v)
            }
            None => (None, self.apply_schemaless(value)?),
        };
        set_operating(&mut record, self.which, schema, value);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::ErrorKind;
    use crate::api::record::SourceRecord;

    const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
    const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";
    /// 1970-01-02T00:00:01.234Z
    const DATE_PLUS_TIME_UNIX: i64 = 86_401_234;
    const DATE_PLUS_TIME_UNIX_MICROS: i64 = DATE_PLUS_TIME_UNIX * 1000 + 123;
    const DATE_PLUS_TIME_UNIX_NANOS: i64 = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456;
    const DATE_PLUS_TIME_UNIX_SECONDS: i64 = 86_401;
    const DATE_PLUS_TIME: Value = Value::Timestamp(DATE_PLUS_TIME_UNIX);
    const DATE: Value = Value::Date(1);
    const TIME: Value = Value::Time(1234);

    fn xform(which: Which, pairs: &[(&str, &str)]) -> ConnectResult<TimestampConverter> {
        let mut x = TimestampConverter::new(which);
        let props: Props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Transformation::<SourceRecord>::configure(&mut x, &props)?;
        Ok(x)
    }

    fn value_xform(pairs: &[(&str, &str)]) -> TimestampConverter {
        xform(Which::Value, pairs).unwrap()
    }

    fn record(schema: Option<Schema>, value: Value) -> SourceRecord {
        let mut r = SourceRecord::new(
            Default::default(),
            Default::default(),
            "topic",
            schema,
            value,
        );
        r.kafka_partition = Some(0);
        r
    }

    fn apply(x: &TimestampConverter, schema: Option<Schema>, value: Value) -> SourceRecord {
        x.apply(record(schema, value)).unwrap().unwrap()
    }

    #[test]
    fn config_errors() {
        let e = xform(Which::Value, &[]).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"target.type\" which has no default value."
        );
        let e = xform(Which::Value, &[("target.type", "invalid")]).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp"
        );
        let e = xform(
            Which::Value,
            &[("target.type", "unix"), ("unix.precision", "invalid")],
        )
        .unwrap_err();
        assert!(e.message.contains("unix.precision"), "{}", e.message);
        assert!(xform(
            Which::Value,
            &[("target.type", "unix"), ("unix.precision", "seconds")]
        )
        .is_ok());
        let e = xform(Which::Value, &[("target.type", "string")]).unwrap_err();
        assert_eq!(
            e.message,
            "TimestampConverter requires format option to be specified when using string timestamps"
        );
        let e = xform(
            Which::Value,
            &[("target.type", "string"), ("format", "bad-format")],
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'b' for configuration \
             TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"
        );
    }

    #[test]
    fn schemaless_from_timestamp() {
        let cases = [
            ("Timestamp", DATE_PLUS_TIME),
            ("Date", DATE),
            ("Time", TIME),
            ("unix", Value::Int64(DATE_PLUS_TIME_UNIX)),
            ("string", Value::from(DATE_PLUS_TIME_STRING)),
        ];
        for (target, expected) in cases {
            let x = value_xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
            let out = apply(&x, None, DATE_PLUS_TIME);
            assert_eq!(out.value_schema, None, "{target}");
            assert_eq!(out.value, expected, "{target}");
        }
    }

    #[test]
    fn schemaless_to_timestamp() {
        let x = value_xform(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
        // Coarser types keep their instant.
        assert_eq!(apply(&x, None, DATE).value, Value::Timestamp(86_400_000));
        assert_eq!(apply(&x, None, TIME).value, Value::Timestamp(1234));
        assert_eq!(
            apply(&x, None, Value::Int64(DATE_PLUS_TIME_UNIX)).value,
            DATE_PLUS_TIME
        );
        assert_eq!(
            apply(&x, None, Value::from(DATE_PLUS_TIME_STRING)).value,
            DATE_PLUS_TIME
        );
    }

    #[test]
    fn with_schema_from_timestamp() {
        let cases = [
            ("Timestamp", Timestamp::schema(), DATE_PLUS_TIME),
            ("Date", Date::schema(), DATE),
            ("Time", Time::schema(), TIME),
            ("unix", Schema::int64(), Value::Int64(DATE_PLUS_TIME_UNIX)),
            (
                "string",
                Schema::string(),
                Value::from(DATE_PLUS_TIME_STRING),
            ),
        ];
        for (target, schema, expected) in cases {
            let x = value_xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
            let out = apply(&x, Some(Timestamp::schema()), DATE_PLUS_TIME);
            assert_eq!(out.value_schema, Some(schema), "{target}");
            assert_eq!(out.value, expected, "{target}");
        }
    }

    #[test]
    fn with_schema_to_timestamp() {
        let x = value_xform(&[("target.type", "Timestamp"), ("format", STRING_DATE_FMT)]);
        let cases = [
            (Date::schema(), DATE, Value::Timestamp(86_400_000)),
            (Time::schema(), TIME, Value::Timestamp(1234)),
            (
                Schema::int64(),
                Value::Int64(DATE_PLUS_TIME_UNIX),
                DATE_PLUS_TIME,
            ),
            (
                Schema::string(),
                Value::from(DATE_PLUS_TIME_STRING),
                DATE_PLUS_TIME,
            ),
        ];
        for (schema, value, expected) in cases {
            let out = apply(&x, Some(schema), value);
            assert_eq!(out.value_schema, Some(Timestamp::schema()));
            assert_eq!(out.value, expected);
        }
    }

    fn optional_sources() -> Vec<Schema> {
        vec![
            Schema::optional_int64(),
            Time::builder().optional().build(),
            Date::builder().optional().build(),
            Schema::optional_string(),
            Timestamp::builder().optional().build(),
        ]
    }

    #[test]
    fn null_values_and_fields() {
        for target in ["Timestamp", "unix", "Time", "Date", "string"] {
            let expected = Kind::from_name(target).unwrap().schema(true);
            // Schemaless null value, whole or with a field.
            for field in ["", "ts"] {
                let x = value_xform(&[
                    ("target.type", target),
                    ("format", STRING_DATE_FMT),
                    ("field", field),
                ]);
                assert_eq!(apply(&x, None, Value::Null).value, Value::Null);
            }
            let whole = value_xform(&[("target.type", target), ("format", STRING_DATE_FMT)]);
            let by_field = value_xform(&[
                ("target.type", target),
                ("format", STRING_DATE_FMT),
                ("field", "ts"),
            ]);
            for source in optional_sources() {
                let out = apply(&whole, Some(source.clone()), Value::Null);
                assert_eq!(out.value_schema, Some(expected.clone()), "{target}");
                assert_eq!(out.value, Value::Null);

                let struct_schema = SchemaBuilder::struct_()
                    .field("ts", source.clone())
                    .field("other", Schema::string());
                let expected_struct = SchemaBuilder::struct_()
                    .field("ts", expected.clone())
                    .field("other", Schema::string());
                let original = Struct::new(struct_schema.clone().build())
                    .put("other", Value::from("test"))
                    .unwrap();
                let out = apply(
                    &by_field,
                    Some(struct_schema.clone().build()),
                    Value::Struct(original),
                );
                assert_eq!(out.value_schema, Some(expected_struct.clone().build()));
                let Value::Struct(s) = out.value else {
                    panic!("not a struct")
                };
                assert_eq!(s.get("ts"), Some(&Value::Null));
                assert_eq!(s.get("other"), Some(&Value::from("test")));
                // The entire struct null.
                let out = apply(
                    &by_field,
                    Some(struct_schema.optional().build()),
                    Value::Null,
                );
                assert_eq!(out.value_schema, Some(expected_struct.optional().build()));
                assert_eq!(out.value, Value::Null);
            }
        }
    }

    #[test]
    fn field_conversion() {
        let x = value_xform(&[("target.type", "Date"), ("field", "ts")]);
        let out = apply(
            &x,
            None,
            Value::Map(vec![(Value::from("ts"), DATE_PLUS_TIME)]),
        );
        assert_eq!(out.value, Value::Map(vec![(Value::from("ts"), DATE)]));
        // A missing key is added as null.
        let out = apply(
            &x,
            None,
            Value::Map(vec![(Value::from("a"), Value::Int32(1))]),
        );
        assert_eq!(
            out.value,
            Value::Map(vec![
                (Value::from("a"), Value::Int32(1)),
                (Value::from("ts"), Value::Null)
            ])
        );

        let x = value_xform(&[("target.type", "Timestamp"), ("field", "ts")]);
        let schema = SchemaBuilder::struct_()
            .name("n")
            .version(3)
            .field("ts", Schema::int64())
            .field("other", Schema::string())
            .build();
        let original = Struct::new(schema.clone())
            .put("ts", Value::Int64(DATE_PLUS_TIME_UNIX))
            .unwrap()
            .put("other", Value::from("test"))
            .unwrap();
        let out = apply(&x, Some(schema), Value::Struct(original));
        let expected = SchemaBuilder::struct_()
            .name("n")
            .version(3)
            .field("ts", Timestamp::schema())
            .field("other", Schema::string())
            .build();
        assert_eq!(out.value_schema, Some(expected));
        let Value::Struct(s) = out.value else {
            panic!("not a struct")
        };
        assert_eq!(s.get("ts"), Some(&DATE_PLUS_TIME));
        assert_eq!(s.get("other"), Some(&Value::from("test")));
    }

    #[test]
    fn null_field_with_default() {
        let schema = SchemaBuilder::struct_()
            .field(
                "ts",
                SchemaBuilder::new(SchemaType::Int64)
                    .optional()
                    .default_value(Value::Int64(0))
                    .build(),
            )
            .field("other", Schema::string())
            .build();
        let original = Struct::new(schema.clone())
            .put("other", Value::from("test"))
            .unwrap();
        for (replace, expected) in [("false", Value::Null), ("true", Value::Timestamp(0))] {
            let x = value_xform(&[
                ("target.type", "Timestamp"),
                ("field", "ts"),
                ("replace.null.with.default", replace),
            ]);
            let out = apply(&x, Some(schema.clone()), Value::Struct(original.clone()));
            let expected_schema = SchemaBuilder::struct_()
                .field("ts", Timestamp::builder().optional().build())
                .field("other", Schema::string())
                .build();
            assert_eq!(out.value_schema, Some(expected_schema));
            let Value::Struct(s) = out.value else {
                panic!("not a struct")
            };
            assert_eq!(s.get("ts"), Some(&expected), "replace={replace}");
        }
    }

    #[test]
    fn struct_default_is_converted_too() {
        let inner = SchemaBuilder::struct_()
            .field("ts", Schema::int64())
            .field("other", Schema::string())
            .build();
        let default = Struct::new(inner.clone())
            .put("ts", Value::Int64(86_400_000))
            .unwrap()
            .put("other", Value::from("d"))
            .unwrap();
        let mut b = SchemaBuilder::struct_()
            .optional()
            .default_value(Value::Struct(default));
        for f in inner.fields() {
            b = b.field(f.name.clone(), f.schema.clone());
        }
        let schema = b.build();
        let x = value_xform(&[("target.type", "Date"), ("field", "ts")]);
        let out = apply(&x, Some(schema), Value::Null);
        assert_eq!(out.value, Value::Null);
        let updated = out.value_schema.unwrap();
        assert!(updated.is_optional());
        assert_eq!(updated.field("ts").unwrap().schema, Date::schema());
        let Some(Value::Struct(d)) = updated.default_value() else {
            panic!("no struct default")
        };
        assert_eq!(d.get("ts"), Some(&Value::Date(1)));
        assert_eq!(d.get("other"), Some(&Value::from("d")));
    }

    #[test]
    fn works_on_sink_records() {
        use crate::api::record::{SinkRecord, TimestampType};
        let x = value_xform(&[("target.type", "string"), ("format", "yyyy-MM-dd")]);
        let record = SinkRecord {
            topic: "t".to_string(),
            partition: 3,
            offset: 42,
            timestamp: Some(5),
            timestamp_type: TimestampType::CreateTime,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(Timestamp::schema()),
            value: Value::Timestamp(DATE_PLUS_TIME_UNIX),
            headers: Vec::new(),
        };
        let out = Transformation::<SinkRecord>::apply(&x, record)
            .unwrap()
            .unwrap();
        assert_eq!(out.value, Value::from("1970-01-02"));
        assert_eq!(out.value_schema, Some(Schema::string()));
        assert_eq!((out.partition, out.offset), (3, 42));
    }

    #[test]
    fn unix_precisions() {
        let struct_of = |v: i64| {
            let schema = SchemaBuilder::struct_()
                .field("ts", Schema::int64())
                .build();
            let s = Struct::new(schema.clone())
                .put("ts", Value::Int64(v))
                .unwrap();
            (schema, Value::Struct(s))
        };
        for (precision, input, expected) in [
            (
                "microseconds",
                DATE_PLUS_TIME_UNIX_MICROS,
                DATE_PLUS_TIME_UNIX,
            ),
            (
                "nanoseconds",
                DATE_PLUS_TIME_UNIX_NANOS,
                DATE_PLUS_TIME_UNIX,
            ),
            ("seconds", DATE_PLUS_TIME_UNIX_SECONDS, 86_401_000),
        ] {
            let x = value_xform(&[
                ("target.type", "Timestamp"),
                ("field", "ts"),
                ("unix.precision", precision),
            ]);
            let (schema, value) = struct_of(input);
            let out = apply(&x, Some(schema), value);
            let Value::Struct(s) = out.value else {
                panic!("not a struct")
            };
            assert_eq!(
                s.get("ts"),
                Some(&Value::Timestamp(expected)),
                "{precision}"
            );
        }
        // To unix: sub-millisecond parts are lost.
        for (precision, expected) in [
            ("microseconds", 86_401_234_000i64),
            ("nanoseconds", 86_401_234_000_000),
            ("seconds", DATE_PLUS_TIME_UNIX_SECONDS),
        ] {
            let x = value_xform(&[
                ("target.type", "unix"),
                ("unix.precision", precision),
                ("format", STRING_DATE_FMT),
            ]);
            let out = apply(&x, None, Value::from(DATE_PLUS_TIME_STRING));
            assert_eq!(out.value, Value::Int64(expected), "{precision}");
        }
    }

    #[test]
    fn key_variant() {
        let x = xform(Which::Key, &[("target.type", "Timestamp")]).unwrap();
        let mut r = record(None, Value::from("value"));
        r.key = DATE_PLUS_TIME;
        let out = x.apply(r).unwrap().unwrap();
        assert_eq!(out.key_schema, None);
        assert_eq!(out.key, DATE_PLUS_TIME);
        assert_eq!(out.value, Value::from("value"));
        let x = xform(Which::Key, &[("target.type", "unix")]).unwrap();
        let mut r = record(None, Value::Null);
        r.key_schema = Some(Date::schema());
        r.key = DATE;
        let out = x.apply(r).unwrap().unwrap();
        assert_eq!(out.key_schema, Some(Schema::int64()));
        assert_eq!(out.key, Value::Int64(86_400_000));
    }

    #[test]
    fn data_errors() {
        let x = value_xform(&[("target.type", "Timestamp"), ("format", "yyyy-MM-dd")]);
        let e = x.apply(record(None, Value::from("nope"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Data);
        assert_eq!(
            e.message,
            "Could not parse timestamp: value (nope) does not match pattern (yyyy-MM-dd)"
        );
        let e = x.apply(record(None, Value::Int32(1))).unwrap_err();
        assert_eq!(
            e.message,
            "TimestampConverter does not support class java.lang.Integer objects as timestamps"
        );
        let e = x
            .apply(record(Some(Schema::int64()), Value::from("x")))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Expected Unix timestamp to be a Long, but found class java.lang.String"
        );
        let e = x
            .apply(record(Some(Timestamp::schema()), Value::Int64(1)))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Expected Timestamp to be a java.util.Date, but found class java.lang.Long"
        );
        let e = x
            .apply(record(Some(Schema::int32()), Value::Int32(1)))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Fatal);
        assert_eq!(
            e.message,
            "Schema Schema{INT32} does not correspond to a known timestamp type format"
        );
        let by_field = value_xform(&[("target.type", "Timestamp"), ("field", "ts")]);
        let e = by_field.apply(record(None, Value::from("x"))).unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [converting timestamp formats], found: java.lang.String"
        );
        let e = by_field
            .apply(record(Some(Schema::string()), Value::from("x")))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [converting timestamp formats], found: java.lang.String"
        );
        // A string input without a format.
        let no_format = value_xform(&[("target.type", "Timestamp")]);
        let e = no_format
            .apply(record(None, Value::from("2017-01-01")))
            .unwrap_err();
        assert!(e.message.contains("requires format"), "{}", e.message);
    }

    #[test]
    fn dates_before_the_epoch() {
        let x = value_xform(&[("target.type", "Date")]);
        assert_eq!(apply(&x, None, Value::Timestamp(-1)).value, Value::Date(-1));
        let x = value_xform(&[("target.type", "Time")]);
        assert_eq!(
            apply(&x, None, Value::Timestamp(-1)).value,
            Value::Time(86_399_999)
        );
        let x = value_xform(&[("target.type", "unix"), ("unix.precision", "seconds")]);
        // TimeUnit conversions truncate toward zero.
        assert_eq!(
            apply(&x, None, Value::Timestamp(-1500)).value,
            Value::Int64(-1)
        );
    }
}
