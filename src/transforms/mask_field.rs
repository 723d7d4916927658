//! MaskField (`org.apache.kafka.connect.transforms.MaskField$Key` /
//! `$Value`): replaces the listed root fields with the "empty" value of
//! their type (0, false, "", epoch, empty list or map), or with a custom
//! `replacement` converted to the field's type (numbers and strings only).
//! As in Java, a null key or value is an error (nothing to mask in).

use std::str::FromStr;

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::Props;
use crate::api::data::values::convert_to;
use crate::api::data::{BigDecimal, Schema, Struct, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    field_list_validator, field_value, replace_null_with_default_key, require_map, require_struct,
    SimpleConfig, Which, REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str = "Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on).<p/>For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.";

const FIELDS_CONFIG: &str = "fields";
const REPLACEMENT_CONFIG: &str = "replacement";
const PURPOSE: &str = "mask fields";

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS_CONFIG,
                Type::List,
                Importance::High,
                "Names of fields to mask.",
            )
            .with_validator(field_list_validator(false)),
        )
        .define(
            ConfigKey::new(
                REPLACEMENT_CONFIG,
                Type::String,
                Importance::Low,
                "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
            )
            .with_null_default()
            .with_validator(Validator::NonEmptyString),
        )
        .define(replace_null_with_default_key())
}

pub struct MaskField {
    which: Which,
    /// Distinct, in configured order.
    masked_fields: Vec<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

impl MaskField {
    pub fn new(which: Which) -> MaskField {
        MaskField {
            which,
            masked_fields: Vec::new(),
            replacement: None,
            replace_null_with_default: true,
        }
    }

    fn masked(&self, value: &Value) -> ConnectResult<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match &self.replacement {
            None => mask_with_null_value(value),
            Some(r) => mask_with_custom_replacement(value, r),
        }
    }
}

/// The "empty" value of the value's Java class.
fn mask_with_null_value(value: &Value) -> ConnectResult<Value> {
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        Value::Decimal(_) => Value::Decimal(BigDecimal::from_i64(0, 0)),
        Value::Date(_) => Value::Date(0),
        Value::Time(_) => Value::Time(0),
        Value::Timestamp(_) => Value::Timestamp(0),
        Value::String(_) => Value::from(""),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(ConnectError::data(format!(
                "Cannot mask value of type: {}",
                other.java_class()
            )))
        }
    })
}

/// The replacement text converted to the value's Java class.
fn mask_with_custom_replacement(value: &Value, replacement: &str) -> ConnectResult<Value> {
    let text = Value::from(replacement);
    let to = match value {
        Value::Int8(_) => Schema::optional_int8(),
        Value::Int16(_) => Schema::optional_int16(),
        Value::Int32(_) => Schema::optional_int32(),
        Value::Int64(_) => Schema::optional_int64(),
        Value::Float32(_) => Schema::optional_float32(),
        Value::Float64(_) => Schema::optional_float64(),
        Value::String(_) => return Ok(text),
        Value::Decimal(_) => {
            return BigDecimal::from_str(replacement)
                .map(Value::Decimal)
                .map_err(|_| {
                    ConnectError::data(format!(
                        "Unable to convert {replacement} (class java.lang.String) to number"
                    ))
                })
        }
        other => {
            return Err(ConnectError::data(format!(
                "Cannot mask value of type {} with custom replacement.",
                other.java_class()
            )))
        }
    };
    convert_to(&to, None, &text)
}

impl<R: ConnectRecord> Transformation<R> for MaskField {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.masked_fields = config.get_list(FIELDS_CONFIG);
        self.replacement = config.get_string(REPLACEMENT_CONFIG).map(str::to_string);
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if self.which.schema(&record).is_none() {
            let entries = require_map(self.which.value(&record), PURPOSE)?;
            let mut updated = entries.to_vec();
            for field in &self.masked_fields {
                let key = Value::from(field.as_str());
                let original = Value::map_get(entries, &key).unwrap_or(&Value::Null);
                let masked = self.masked(original)?;
                Value::map_put(&mut updated, key, masked);
            }
            self.which.set(&mut record, None, Value::Map(updated));
        } else {
            let value = require_struct(self.which.value(&record), PURPOSE)?;
            let mut updated = Struct::new(value.schema().clone());
            for field in value.schema().fields() {
                let original = field_value(value, field.index, self.replace_null_with_default);
                let v = if self.masked_fields.contains(&field.name) {
                    self.masked(&original)?
                } else {
                    original
                };
                updated.set_index(field.index, v)?;
            }
            let schema = self.which.schema(&record).cloned();
            self.which.set(&mut record, schema, Value::Struct(updated));
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{Date, Decimal, SchemaBuilder, Time, Timestamp, Type as SchemaType};
    use crate::api::record::SinkRecord;
    use crate::transforms::util::test_support::{map, props, sink};

    fn schema() -> Schema {
        SchemaBuilder::struct_()
            .field("magic", Schema::int32())
            .field("bool", Schema::boolean())
            .field("byte", Schema::int8())
            .field("short", Schema::int16())
            .field("int", Schema::int32())
            .field("long", Schema::int64())
            .field("float", Schema::float32())
            .field("double", Schema::float64())
            .field("string", Schema::string())
            .field("date", Date::schema())
            .field("time", Time::schema())
            .field("timestamp", Timestamp::schema())
            .field("decimal", Decimal::schema(0))
            .field("array", SchemaBuilder::array(Schema::int32()).build())
            .field(
                "map",
                SchemaBuilder::map(Schema::string(), Schema::string()).build(),
            )
            .field(
                "withDefault",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value(Value::from("default"))
                    .build(),
            )
            .field("bytes", Schema::optional_bytes())
            .build()
    }

    fn values_with_schema() -> Struct {
        let mut s = Struct::new(schema());
        for (k, v) in [
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(true)),
            ("byte", Value::Int8(42)),
            ("short", Value::Int16(42)),
            ("int", Value::Int32(42)),
            ("long", Value::Int64(42)),
            ("float", Value::Float32(42.0)),
            ("double", Value::Float64(42.0)),
            ("string", Value::from("hmm")),
            ("date", Value::Date(19000)),
            ("time", Value::Time(1000)),
            ("timestamp", Value::Timestamp(1_700_000_000_000)),
            ("decimal", Value::Decimal(BigDecimal::from_i64(42, 0))),
            (
                "array",
                Value::Array(vec![Value::Int32(1), Value::Int32(2)]),
            ),
            ("map", map(&[("what", Value::from("what"))])),
            ("bytes", Value::Bytes(bytes::Bytes::from_static(b"x"))),
        ] {
            s.set(k, v).unwrap();
        }
        s
    }

    fn values() -> Value {
        map(&[
            ("magic", Value::Int32(42)),
            ("bool", Value::Boolean(true)),
            ("byte", Value::Int8(42)),
            ("short", Value::Int16(42)),
            ("int", Value::Int32(42)),
            ("long", Value::Int64(42)),
            ("float", Value::Float32(42.0)),
            ("double", Value::Float64(42.0)),
            ("string", Value::from("55.121.20.20")),
            ("date", Value::Timestamp(1_700_000_000_000)),
            ("bigdec", Value::Decimal(BigDecimal::from_i64(420, 1))),
            ("list", Value::Array(vec![Value::Int32(42)])),
            ("map", map(&[("key", Value::from("value"))])),
        ])
    }

    fn xform(fields: &str, replacement: Option<&str>) -> MaskField {
        let mut pairs = vec![("fields", fields), ("replace.null.with.default", "false")];
        if let Some(r) = replacement {
            pairs.push(("replacement", r));
        }
        let mut t = MaskField::new(Which::Value);
        Transformation::<SinkRecord>::configure(&mut t, &props(&pairs)).unwrap();
        t
    }

    fn apply(t: &MaskField, schema: Option<Schema>, value: Value) -> ConnectResult<Value> {
        t.apply(sink(None, Value::Null, schema, value))
            .map(|r| r.unwrap().value)
    }

    fn get(v: &Value, name: &str) -> Value {
        match v {
            Value::Struct(s) => s.get_without_default(name).unwrap().clone(),
            Value::Map(e) => Value::map_get(e, &Value::from(name)).unwrap().clone(),
            other => panic!("not a struct or map: {other:?}"),
        }
    }

    #[test]
    fn schemaless() {
        let t = xform(
            "bool,byte,short,int,long,float,double,string,date,bigdec,list,map",
            None,
        );
        let v = apply(&t, None, values()).unwrap();
        assert_eq!(get(&v, "magic"), Value::Int32(42));
        assert_eq!(get(&v, "bool"), Value::Boolean(false));
        assert_eq!(get(&v, "byte"), Value::Int8(0));
        assert_eq!(get(&v, "short"), Value::Int16(0));
        assert_eq!(get(&v, "int"), Value::Int32(0));
        assert_eq!(get(&v, "long"), Value::Int64(0));
        assert_eq!(get(&v, "float"), Value::Float32(0.0));
        assert_eq!(get(&v, "double"), Value::Float64(0.0));
        assert_eq!(get(&v, "string"), Value::from(""));
        assert_eq!(get(&v, "date"), Value::Timestamp(0));
        assert_eq!(
            get(&v, "bigdec"),
            Value::Decimal(BigDecimal::from_i64(0, 0))
        );
        assert_eq!(get(&v, "list"), Value::Array(vec![]));
        assert_eq!(get(&v, "map"), Value::Map(vec![]));
    }

    #[test]
    fn schemaless_missing_field_becomes_null_entry() {
        let t = xform("nope", None);
        let v = apply(&t, None, map(&[("a", Value::Int32(1))])).unwrap();
        assert_eq!(v, map(&[("a", Value::Int32(1)), ("nope", Value::Null)]));
    }

    #[test]
    fn with_schema() {
        let fields: Vec<_> = schema()
            .fields()
            .iter()
            .map(|f| f.name.clone())
            .filter(|n| n != "magic" && n != "bytes")
            .collect();
        let t = xform(&fields.join(","), None);
        let v = apply(&t, Some(schema()), Value::Struct(values_with_schema())).unwrap();
        assert_eq!(get(&v, "magic"), Value::Int32(42));
        assert_eq!(get(&v, "bool"), Value::Boolean(false));
        assert_eq!(get(&v, "byte"), Value::Int8(0));
        assert_eq!(get(&v, "short"), Value::Int16(0));
        assert_eq!(get(&v, "int"), Value::Int32(0));
        assert_eq!(get(&v, "long"), Value::Int64(0));
        assert_eq!(get(&v, "float"), Value::Float32(0.0));
        assert_eq!(get(&v, "double"), Value::Float64(0.0));
        assert_eq!(get(&v, "string"), Value::from(""));
        assert_eq!(get(&v, "date"), Value::Date(0));
        assert_eq!(get(&v, "time"), Value::Time(0));
        assert_eq!(get(&v, "timestamp"), Value::Timestamp(0));
        assert_eq!(
            get(&v, "decimal"),
            Value::Decimal(BigDecimal::from_i64(0, 0))
        );
        assert_eq!(get(&v, "array"), Value::Array(vec![]));
        assert_eq!(get(&v, "map"), Value::Map(vec![]));
        assert_eq!(get(&v, "withDefault"), Value::Null);
        match v {
            Value::Struct(s) => assert_eq!(s.schema(), &schema()),
            other => panic!("not a struct: {other:?}"),
        }
    }

    #[test]
    fn bytes_cannot_be_masked() {
        let t = xform("bytes", None);
        let e = apply(&t, Some(schema()), Value::Struct(values_with_schema())).unwrap_err();
        assert_eq!(e.message, "Cannot mask value of type: class [B");
    }

    #[test]
    fn schemaless_with_replacement() {
        for (field, replacement, want) in [
            ("short", "123", Value::Int16(123)),
            ("byte", "123", Value::Int8(123)),
            ("int", "123", Value::Int32(123)),
            ("long", "123", Value::Int64(123)),
            ("float", "123.0", Value::Float32(123.0)),
            ("double", "123.0", Value::Float64(123.0)),
            ("string", "123", Value::from("123")),
            (
                "bigdec",
                "123.0",
                Value::Decimal(BigDecimal::from_i64(1230, 1)),
            ),
        ] {
            let t = xform(field, Some(replacement));
            let v = apply(&t, None, values()).unwrap();
            assert_eq!(get(&v, field), want, "{field}");
        }
    }

    #[test]
    fn with_schema_and_replacement() {
        for (field, replacement, want) in [
            ("short", "123", Value::Int16(123)),
            ("byte", "123", Value::Int8(123)),
            ("int", "123", Value::Int32(123)),
            ("long", "123", Value::Int64(123)),
            ("float", "123.0", Value::Float32(123.0)),
            ("double", "123.0", Value::Float64(123.0)),
            ("string", "123", Value::from("123")),
            (
                "decimal",
                "123.0",
                Value::Decimal(BigDecimal::from_i64(1230, 1)),
            ),
        ] {
            let t = xform(field, Some(replacement));
            let v = apply(&t, Some(schema()), Value::Struct(values_with_schema())).unwrap();
            assert_eq!(get(&v, field), want, "{field}");
        }
    }

    #[test]
    fn unsupported_replacement_types() {
        for field in ["date", "bool", "list", "map"] {
            let t = xform(field, Some("123"));
            let e = apply(&t, None, values()).unwrap_err();
            assert!(
                e.message.starts_with("Cannot mask value of type class"),
                "{}",
                e.message
            );
        }
        let t = xform("bool", Some("false"));
        assert_eq!(
            apply(&t, None, values()).unwrap_err().message,
            "Cannot mask value of type class java.lang.Boolean with custom replacement."
        );
        for field in ["time", "timestamp", "array"] {
            let t = xform(field, Some("123"));
            assert!(apply(&t, Some(schema()), Value::Struct(values_with_schema())).is_err());
        }
    }

    #[test]
    fn replacement_type_mismatch() {
        for field in ["byte", "short", "int", "long", "float", "double"] {
            let t = xform(field, Some("foo"));
            assert!(apply(&t, None, values()).is_err(), "{field}");
        }
        let t = xform("bigdec", Some("foo"));
        assert_eq!(
            apply(&t, None, values()).unwrap_err().message,
            "Unable to convert foo (class java.lang.String) to number"
        );
        // Checked against Kafka 4.3.1: the number conversions of `Values`.
        let one = |field: &str, replacement: &str, value: Value| {
            let t = xform(field, Some(replacement));
            apply(&t, None, map(&[(field, value)])).map(|v| get(&v, field))
        };
        assert_eq!(
            one("i", "foo", Value::Int32(1)).unwrap_err().message,
            "Unable to convert foo (class java.lang.String) to a number"
        );
        assert_eq!(one("i", "1.5", Value::Int32(7)).unwrap(), Value::Int32(1));
        assert_eq!(one("b", "300", Value::Int8(7)).unwrap(), Value::Int8(44));
        let t = xform("string,int", Some("foo"));
        assert!(apply(&t, None, values()).is_err());
    }

    /// Checked against Kafka 4.3.1: a masked Decimal is zero with scale 0,
    /// a replacement parses as a BigDecimal; a string field takes the text.
    #[test]
    fn decimal_and_string_fields_with_schema() {
        let schema = SchemaBuilder::struct_()
            .field("d", Decimal::schema(2))
            .field("s", Schema::string())
            .build();
        let v = Struct::new(schema.clone())
            .put("d", Value::Decimal(BigDecimal::from_i64(125, 2)))
            .unwrap()
            .put("s", Value::from("x"))
            .unwrap();
        let t = xform("d", None);
        let out = apply(&t, Some(schema.clone()), Value::Struct(v.clone())).unwrap();
        assert_eq!(get(&out, "d"), Value::Decimal(BigDecimal::from_i64(0, 0)));
        let t = xform("d", Some("3"));
        let out = apply(&t, Some(schema.clone()), Value::Struct(v.clone())).unwrap();
        assert_eq!(get(&out, "d"), Value::Decimal(BigDecimal::from_i64(3, 0)));
        let t = xform("s", Some("42"));
        let out = apply(&t, Some(schema), Value::Struct(v)).unwrap();
        assert_eq!(get(&out, "s"), Value::from("42"));
    }

    #[test]
    fn null_value_is_an_error() {
        let t = xform("int", None);
        let e = apply(&t, None, Value::Null).unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [mask fields], found: null"
        );
    }

    #[test]
    fn replace_null_with_default_on() {
        let mut t = MaskField::new(Which::Key);
        Transformation::<SinkRecord>::configure(&mut t, &props(&[("fields", "int")])).unwrap();
        let r = t
            .apply(sink(
                Some(schema()),
                Value::Struct(values_with_schema()),
                None,
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        assert_eq!(get(&r.key, "withDefault"), Value::from("default"));
        assert_eq!(get(&r.key, "int"), Value::Int32(0));
    }

    #[test]
    fn config_errors() {
        let mut t = MaskField::new(Which::Value);
        let e = Transformation::<SinkRecord>::configure(
            &mut t,
            &props(&[("fields", "a"), ("replacement", "")]),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value  for configuration replacement: String must be non-empty"
        );
        let e =
            Transformation::<SinkRecord>::configure(&mut t, &props(&[("fields", "")])).unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'fields' must not be empty. Valid values include: any non-empty value"
        );
    }
}
