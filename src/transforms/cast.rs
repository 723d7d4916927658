//! Cast (`org.apache.kafka.connect.transforms.Cast$Key` / `$Value`):
//! casts root fields of a Struct or map (`spec=field:type,...`), or the
//! whole key or value (`spec=type`), to int8, int16, int32, int64, float32,
//! float64, boolean or string. Numbers narrow as Java's `Number.xxxValue()`
//! does, strings parse as Java's `Integer.parseInt` / `Double.parseDouble`
//! / `Boolean.parseBoolean`, bytes cast only to string (base64), and the
//! logical types cast to their underlying number (Date, Time, Timestamp)
//! or to text (`Values.dateFormatFor`). Null keys and values pass
//! unchanged.

use crate::api::config_def::{self, ConfigDef, ConfigException, ConfigKey, Importance, Validator};
use crate::api::connector::Props;
use crate::api::data::values::convert_to_string;
use crate::api::data::{Schema, SchemaBuilder, Struct, Type, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    config_error, copy_schema_basics_into, field_value, into_map, java_list, java_split_colon,
    replace_null_with_default_key, require_map, require_struct, SchemaCache, SimpleConfig, Which,
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str = "Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width. Cast from integers, floats, boolean and string to any other type, and cast binary to string (base64 encoded).";

pub const SPEC_CONFIG: &str = "spec";
const PURPOSE: &str = "cast types";

const SUPPORTED_INPUT: [Type; 9] = [
    Type::Int8,
    Type::Int16,
    Type::Int32,
    Type::Int64,
    Type::Float32,
    Type::Float64,
    Type::Boolean,
    Type::String,
    Type::Bytes,
];
const SUPPORTED_OUTPUT: [Type; 8] = [
    Type::Int8,
    Type::Int16,
    Type::Int32,
    Type::Int64,
    Type::Float32,
    Type::Float64,
    Type::Boolean,
    Type::String,
];

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                SPEC_CONFIG,
                config_def::Type::List,
                Importance::High,
                "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
            )
            .with_validator(Validator::custom(
                "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
                |_, value| match value.and_then(config_def::Value::as_list) {
                    None | Some([]) => Err(ConfigException::new(
                        "Must specify at least one field to cast.",
                    )),
                    Some(items) => parse_field_types(items).map(|_| ()),
                },
            )),
        )
        .define(replace_null_with_default_key())
}

/// What the spec casts.
#[derive(Debug, Clone, PartialEq)]
enum Casts {
    /// The whole key or value.
    Whole(Type),
    /// Root fields, in spec order (a field named twice takes the last type).
    Fields(Vec<(String, Type)>),
}

impl Casts {
    fn field(&self, name: &str) -> Option<Type> {
        match self {
            Casts::Whole(_) => None,
            Casts::Fields(f) => f.iter().find(|(n, _)| n == name).map(|(_, t)| *t),
        }
    }
}

fn supported(types: &[Type]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.java_name()).collect();
    format!("[{}]", names.join(", "))
}

/// `Schema.Type.valueOf(text.trim().toUpperCase())`.
fn type_by_java_name(text: &str) -> Result<Type, ConfigException> {
    let name = text.trim();
    let upper = name.to_uppercase();
    Type::ALL
        .into_iter()
        .find(|t| t.java_name() == upper)
        .ok_or_else(|| {
            // Java passes the message as the key name and the enum lookup's
            // exception as the value of `ConfigException(name, value)`.
            ConfigException::new(format!(
                "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.{upper} for configuration Invalid type found in casting spec: {name}"
            ))
        })
}

fn valid_output(t: Type) -> Result<Type, ConfigException> {
    if SUPPORTED_OUTPUT.contains(&t) {
        Ok(t)
    } else {
        Err(ConfigException::new(format!(
            "Cast transformation does not support casting to {t}; supported types are {}",
            supported(&SUPPORTED_OUTPUT)
        )))
    }
}

/// Java's `parseFieldTypes`, with its messages (a pair with more than one
/// colon is reported as an invalid *rename* mapping, as Java does).
fn parse_field_types(mappings: &[String]) -> Result<Casts, ConfigException> {
    let mut whole = None;
    let mut fields: Vec<(String, Type)> = Vec::new();
    for mapping in mappings {
        let parts = java_split_colon(mapping);
        match parts.as_slice() {
            [t] => whole = Some(valid_output(type_by_java_name(t)?)?),
            [name, t] => {
                let t = valid_output(type_by_java_name(t)?)?;
                let name = name.trim();
                fields.retain(|(n, _)| n != name);
                fields.push((name.to_string(), t));
            }
            [] => return Err(ConfigException::new("Index 1 out of bounds for length 0")),
            _ => {
                return Err(ConfigException::invalid(
                    "renames",
                    java_list(mappings),
                    &format!("Invalid rename mapping: {mapping}"),
                ))
            }
        }
    }
    match whole {
        Some(_) if mappings.len() > 1 => Err(ConfigException::new(
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
        )),
        Some(t) => Ok(Casts::Whole(t)),
        None => Ok(Casts::Fields(fields)),
    }
}

/// Java's `castValueToType`: `schema` is the value's schema when known.
fn cast_value(schema: Option<&Schema>, value: &Value, target: Type) -> ConnectResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let inferred = match schema {
        Some(s) => s.type_(),
        None => value.schema_type().ok_or_else(|| {
            ConnectError::data(format!(
                "Cast transformation was passed a value of type {} which is not supported by Connect's data API",
                value.java_class()
            ))
        })?,
    };
    if !SUPPORTED_INPUT.contains(&inferred) {
        return Err(ConnectError::data(format!(
            "Cast transformation does not support casting from {inferred}; supported types are {}",
            supported(&SUPPORTED_INPUT)
        )));
    }
    let encoded;
    let mut value = value;
    if target != Type::String && schema.is_some_and(|s| s.name().is_some()) {
        encoded = encode_logical(schema, value)?;
        value = &encoded;
    }
    let out_of_range = || {
        ConnectError::data(format!(
            "Value ({value}) was out of range for requested data type"
        ))
    };
    Ok(match target {
        Type::Int8 => Value::Int8(match value {
            Value::String(s) => s.parse::<i8>().map_err(|_| out_of_range())?,
            other => to_long_like(other)?.as_int() as i8,
        }),
        Type::Int16 => Value::Int16(match value {
            Value::String(s) => s.parse::<i16>().map_err(|_| out_of_range())?,
            other => to_long_like(other)?.as_int() as i16,
        }),
        Type::Int32 => Value::Int32(match value {
            Value::String(s) => s.parse::<i32>().map_err(|_| out_of_range())?,
            other => to_long_like(other)?.as_int(),
        }),
        Type::Int64 => Value::Int64(match value {
            Value::String(s) => s.parse::<i64>().map_err(|_| out_of_range())?,
            other => to_long_like(other)?.as_long(),
        }),
        Type::Float32 => Value::Float32(match value {
            Value::String(s) => java_parse_float(s).ok_or_else(out_of_range)?,
            other => to_long_like(other)?.as_float(),
        }),
        Type::Float64 => Value::Float64(match value {
            Value::String(s) => java_parse_double(s).ok_or_else(out_of_range)?,
            other => to_long_like(other)?.as_double(),
        }),
        Type::Boolean => Value::Boolean(match value {
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            other => to_long_like(other)?.as_long() != 0,
        }),
        Type::String => Value::String(match value {
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) | Value::Bytes(_) => {
                convert_to_string(value).unwrap_or_default()
            }
            other => other.to_string(),
        }),
        other => {
            return Err(ConnectError::data(format!(
                "{other} is not supported in the Cast transformation."
            )))
        }
    })
}

/// Java's `encodeLogicalType`: Date, Time and Timestamp to their number.
fn encode_logical(schema: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let name = schema.and_then(Schema::name).unwrap_or_default();
    let expect_date = |v: &Value| {
        ConnectError::data(format!(
            "{} cannot be cast to class java.util.Date",
            v.java_class()
        ))
    };
    Ok(match name {
        "org.apache.kafka.connect.data.Date" => match value {
            Value::Date(days) => Value::Int32(*days),
            other => return Err(expect_date(other)),
        },
        "org.apache.kafka.connect.data.Time" => match value {
            Value::Time(ms) => Value::Int32(*ms),
            other => return Err(expect_date(other)),
        },
        "org.apache.kafka.connect.data.Timestamp" => match value {
            Value::Timestamp(ms) => Value::Int64(*ms),
            other => return Err(expect_date(other)),
        },
        _ => value.clone(),
    })
}

/// A Java `Number` (or a Boolean, which casts as 1 or 0).
enum Num {
    Long(i64),
    Float(f32),
    Double(f64),
    Decimal(crate::api::data::BigDecimal),
}

impl Num {
    fn as_long(&self) -> i64 {
        match self {
            Num::Long(v) => *v,
            Num::Float(f) => *f as i64,
            Num::Double(d) => *d as i64,
            Num::Decimal(d) => d.low_i64(),
        }
    }
    /// `intValue()`; byte and short values narrow it further.
    fn as_int(&self) -> i32 {
        match self {
            Num::Long(v) => *v as i32,
            Num::Float(f) => *f as i32,
            Num::Double(d) => *d as i32,
            Num::Decimal(d) => d.low_i64() as i32,
        }
    }
    fn as_float(&self) -> f32 {
        match self {
            Num::Long(v) => *v as f32,
            Num::Float(f) => *f,
            Num::Double(d) => *d as f32,
            Num::Decimal(d) => d.to_f32(),
        }
    }
    fn as_double(&self) -> f64 {
        match self {
            Num::Long(v) => *v as f64,
            Num::Float(f) => f64::from(*f),
            Num::Double(d) => *d,
            Num::Decimal(d) => d.to_f64(),
        }
    }
}

fn to_long_like(value: &Value) -> ConnectResult<Num> {
    Ok(match value {
        Value::Int8(v) => Num::Long(i64::from(*v)),
        Value::Int16(v) => Num::Long(i64::from(*v)),
        Value::Int32(v) => Num::Long(i64::from(*v)),
        Value::Int64(v) => Num::Long(*v),
        Value::Float32(v) => Num::Float(*v),
        Value::Float64(v) => Num::Double(*v),
        Value::Decimal(d) => Num::Decimal(d.clone()),
        Value::Boolean(b) => Num::Long(i64::from(*b)),
        other => {
            return Err(ConnectError::data(format!(
                "Unexpected type in Cast transformation: {}",
                other.java_class()
            )))
        }
    })
}

/// A Java floating-point literal, as `Double.parseDouble` /
/// `Float.parseFloat` read it: trimmed (chars up to U+0020), optional
/// sign, `NaN`, `Infinity`, decimal digits with an optional `f`/`F`/`d`/`D`
/// suffix, or a hex literal (`0x1.8p3`).
enum JavaFloat {
    /// NaN, an infinity or a hex literal's value.
    Exact(f64),
    /// Decimal text Rust's parsers take, to round once to either width.
    Decimal(String),
}

fn java_float_literal(text: &str) -> Option<JavaFloat> {
    let t = text.trim_matches(|c: char| c <= ' ');
    let (sign, body) = match t.as_bytes().first() {
        Some(b'+') => ("", &t[1..]),
        Some(b'-') => ("-", &t[1..]),
        _ => ("", t),
    };
    let negate = |v: f64| if sign == "-" { -v } else { v };
    match body {
        "NaN" => return Some(JavaFloat::Exact(f64::NAN)),
        "Infinity" => return Some(JavaFloat::Exact(negate(f64::INFINITY))),
        _ => {}
    }
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|v| JavaFloat::Exact(negate(v)));
    }
    let valid = body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && !body.starts_with(['+', '-']);
    valid.then(|| JavaFloat::Decimal(format!("{sign}{body}")))
}

/// `Double.parseDouble`; `None` when Java would throw.
fn java_parse_double(text: &str) -> Option<f64> {
    match java_float_literal(text)? {
        JavaFloat::Exact(v) => Some(v),
        JavaFloat::Decimal(d) => d.parse().ok(),
    }
}

/// `Float.parseFloat`; `None` when Java would throw.
fn java_parse_float(text: &str) -> Option<f32> {
    match java_float_literal(text)? {
        JavaFloat::Exact(v) => Some(v as f32),
        JavaFloat::Decimal(d) => d.parse().ok(),
    }
}

/// The digits of a Java hex float after `0x`: `h[.h]p[+-]d` (the binary
/// exponent is required). Exact for up to 52 significant bits.
fn parse_hex_float(hex: &str) -> Option<f64> {
    let (mantissa, exponent) = hex.split_once(['p', 'P'])?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exponent.checked_sub(4 * i32::try_from(frac_part.len()).ok()?)?;
    Some(value * 2f64.powi(shift))
}

/// Java's `convertFieldType`.
fn builder_for(t: Type) -> SchemaBuilder {
    SchemaBuilder::new(t)
}

pub struct Cast {
    which: Which,
    casts: Casts,
    replace_null_with_default: bool,
    /// Cast schema per input schema.
    cache: SchemaCache,
}

impl Cast {
    pub fn new(which: Which) -> Cast {
        Cast {
            which,
            casts: Casts::Fields(Vec::new()),
            replace_null_with_default: true,
            cache: SchemaCache::default(),
        }
    }

    /// Java's `getOrBuildSchema` (uncached part).
    fn build_schema(&self, schema: &Schema) -> ConnectResult<Schema> {
        let mut builder = match &self.casts {
            Casts::Whole(t) => copy_schema_basics_into(schema, builder_for(*t)),
            Casts::Fields(_) => {
                let mut b = copy_schema_basics_into(schema, SchemaBuilder::struct_());
                for field in schema.fields() {
                    match self.casts.field(&field.name) {
                        Some(t) => {
                            let mut fb = builder_for(t);
                            if field.schema.is_optional() {
                                fb = fb.optional();
                            }
                            if let Some(d) = field.schema.default_value() {
                                fb =
                                    fb.try_default_value(cast_value(Some(&field.schema), d, t)?)?;
                            }
                            b = b.try_field(field.name.clone(), fb.build())?;
                        }
                        None => b = b.try_field(field.name.clone(), field.schema.clone())?,
                    }
                }
                b
            }
        };
        if schema.is_optional() {
            builder = builder.optional();
        }
        if let Some(d) = schema.default_value() {
            let t = builder.type_();
            builder = builder.try_default_value(cast_value(Some(schema), d, t)?)?;
        }
        Ok(builder.build())
    }
}

impl<R: ConnectRecord> Transformation<R> for Cast {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.casts = parse_field_types(&config.get_list(SPEC_CONFIG)).map_err(config_error)?;
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        self.cache = SchemaCache::default();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if self.which.value(&record).is_null() {
            return Ok(Some(record));
        }
        let value = self.which.value(&record);
        let (schema, updated) = match self.which.schema(&record) {
            None => match &self.casts {
                Casts::Whole(t) => (None, cast_value(None, value, *t)?),
                Casts::Fields(fields) => {
                    require_map(value, PURPOSE)?;
                    // Cast in place: each field is read before it is replaced.
                    let (_, taken) = self.which.take(&mut record);
                    let mut updated = into_map(taken, PURPOSE)?;
                    for (name, t) in fields {
                        let key = Value::from(name.as_str());
                        let original = Value::map_get(&updated, &key).unwrap_or(&Value::Null);
                        let cast = cast_value(None, original, *t)?;
                        Value::map_put(&mut updated, key, cast);
                    }
                    (None, Value::Map(updated))
                }
            },
            Some(schema) => {
                let updated_schema = self
                    .cache
                    .get_or_try_insert(schema, || self.build_schema(schema))?;
                let updated = match &self.casts {
                    Casts::Whole(t) => cast_value(Some(schema), value, *t)?,
                    Casts::Fields(_) => {
                        let s = require_struct(value, PURPOSE)?;
                        let mut out = Struct::new(updated_schema.clone());
                        for field in s.schema().fields() {
                            let original =
                                field_value(s, field.index, self.replace_null_with_default);
                            let v = match self.casts.field(&field.name) {
                                Some(t) => cast_value(Some(&field.schema), &original, t)?,
                                None => original,
                            };
                            out.set(&field.name, v)?;
                        }
                        Value::Struct(out)
                    }
                };
                (Some(updated_schema), updated)
            }
        };
        self.which.set(&mut record, schema, updated);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::{BigDecimal, Date, Decimal, Time, Timestamp};
    use crate::api::record::SourceRecord;
    use crate::transforms::util::test_support::{map, props, source};
    use bytes::Bytes;

    const MILLIS_PER_DAY: i64 = 86_400_000;

    fn xform(which: Which, spec: &str) -> Cast {
        let mut t = Cast::new(which);
        Transformation::<SourceRecord>::configure(&mut t, &props(&[("spec", spec)])).unwrap();
        t
    }

    fn configure_err(spec: &str) -> String {
        let mut t = Cast::new(Which::Key);
        Transformation::<SourceRecord>::configure(&mut t, &props(&[("spec", spec)]))
            .unwrap_err()
            .message
    }

    fn cast_value_of(spec: &str, schema: Option<Schema>, value: Value) -> SourceRecord {
        xform(Which::Value, spec)
            .apply(source(None, Value::Null, schema, value))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn config_errors() {
        assert_eq!(
            configure_err(""),
            "Must specify at least one field to cast."
        );
        // Checked against Kafka 4.3.1.
        assert_eq!(
            configure_err("foo:faketype"),
            "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.FAKETYPE for configuration Invalid type found in casting spec: faketype"
        );
        assert_eq!(configure_err(":"), "Index 1 out of bounds for length 0");
        assert_eq!(
            configure_err("int8,int8"),
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
        );
        let to_list =
            "supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
        assert_eq!(
            configure_err("foo:array"),
            format!("Cast transformation does not support casting to ARRAY; {to_list}")
        );
        assert_eq!(
            configure_err("array"),
            format!("Cast transformation does not support casting to ARRAY; {to_list}")
        );
        assert_eq!(
            configure_err("foo:bytes"),
            format!("Cast transformation does not support casting to BYTES; {to_list}")
        );
        assert_eq!(
            configure_err("foo:int8:extra"),
            "Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra"
        );
        assert_eq!(
            configure_err("foo:int8,int32"),
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
        );
        let mut t = Cast::new(Which::Key);
        let e = Transformation::<SourceRecord>::configure(&mut t, &props(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "Missing required configuration \"spec\" which has no default value."
        );
        // Types are case-insensitive; spaces around names and types are trimmed.
        assert_eq!(
            parse_field_types(&["a : INT8".to_string(), "b:Float64".to_string()]).unwrap(),
            Casts::Fields(vec![("a".into(), Type::Int8), ("b".into(), Type::Float64)])
        );
    }

    #[test]
    fn null_values_pass_unchanged() {
        for schema in [None, Some(Schema::optional_string())] {
            let r = cast_value_of("foo:int64", schema.clone(), Value::Null);
            assert_eq!((r.value_schema, r.value), (schema.clone(), Value::Null));
            let r = xform(Which::Key, "foo:int64")
                .apply(source(schema.clone(), Value::Null, None, Value::Null))
                .unwrap()
                .unwrap();
            assert_eq!((r.key_schema, r.key), (schema, Value::Null));
        }
    }

    #[test]
    fn field_with_default_value() {
        let schema = SchemaBuilder::struct_()
            .field(
                "magic",
                SchemaBuilder::new(Type::Int32)
                    .optional()
                    .default_value(Value::Int32(10))
                    .build(),
            )
            .build();
        for (flag, want) in [("true", Value::from("10")), ("false", Value::Null)] {
            let mut t = Cast::new(Which::Value);
            Transformation::<SourceRecord>::configure(
                &mut t,
                &props(&[
                    ("spec", "magic:string"),
                    ("replace.null.with.default", flag),
                ]),
            )
            .unwrap();
            let r = t
                .apply(source(
                    None,
                    Value::Null,
                    Some(schema.clone()),
                    Value::Struct(Struct::new(schema.clone())),
                ))
                .unwrap()
                .unwrap();
            let s = r.value_schema.unwrap();
            let f = &s.field("magic").unwrap().schema;
            assert_eq!(f.type_(), Type::String);
            assert_eq!(f.default_value(), Some(&Value::from("10")));
            match r.value {
                Value::Struct(v) => assert_eq!(v.get_without_default("magic"), Some(&want)),
                other => panic!("not a struct: {other:?}"),
            }
        }
    }

    #[test]
    fn whole_record_with_schema() {
        let r = xform(Which::Key, "int8")
            .apply(source(
                Some(Schema::int32()),
                Value::Int32(42),
                None,
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        assert_eq!(r.key_schema.unwrap().type_(), Type::Int8);
        assert_eq!(r.key, Value::Int8(42));
        for (spec, want) in [
            ("int8", Value::Int8(42)),
            ("int16", Value::Int16(42)),
            ("int32", Value::Int32(42)),
            ("int64", Value::Int64(42)),
            ("float32", Value::Float32(42.0)),
            ("float64", Value::Float64(42.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("42")),
        ] {
            let r = cast_value_of(spec, Some(Schema::int32()), Value::Int32(42));
            assert_eq!(r.value, want, "{spec}");
            assert_eq!(r.value_schema.unwrap().type_(), want.schema_type().unwrap());
        }
        let r = cast_value_of("boolean", Some(Schema::int32()), Value::Int32(0));
        assert_eq!(r.value, Value::Boolean(false));
        let r = cast_value_of(
            "string",
            Some(Decimal::schema(0)),
            Value::Decimal(BigDecimal::from_i64(42, 0)),
        );
        assert_eq!(r.value, Value::from("42"));
        let ts = 1_700_000_000_123;
        let r = cast_value_of("string", Some(Timestamp::schema()), Value::Timestamp(ts));
        assert_eq!(r.value, Value::from("2023-11-14T22:13:20.123Z"));
        // Java copies the name, version and doc onto the cast schema.
        assert_eq!(
            r.value_schema.unwrap().name(),
            Some("org.apache.kafka.connect.data.Timestamp")
        );
    }

    #[test]
    fn whole_record_default_value_is_cast() {
        let schema = SchemaBuilder::new(Type::Int64)
            .default_value(Value::Int64(-42))
            .build();
        let r = cast_value_of("int32", Some(schema), Value::Int64(42));
        let s = r.value_schema.unwrap();
        assert_eq!(s.type_(), Type::Int32);
        assert_eq!(s.default_value(), Some(&Value::Int32(-42)));
        assert_eq!(r.value, Value::Int32(42));
    }

    #[test]
    fn whole_record_schemaless() {
        let r = xform(Which::Key, "int8")
            .apply(source(None, Value::Int32(42), None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!((r.key_schema, r.key), (None, Value::Int8(42)));
        for (spec, want) in [
            ("int8", Value::Int8(42)),
            ("int16", Value::Int16(42)),
            ("int32", Value::Int32(42)),
            ("int64", Value::Int64(42)),
            ("float32", Value::Float32(42.0)),
            ("float64", Value::Float64(42.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("42")),
        ] {
            let r = cast_value_of(spec, None, Value::Int32(42));
            assert_eq!((r.value_schema, r.value), (None, want), "{spec}");
        }
        let e = xform(Which::Value, "int8")
            .apply(source(
                None,
                Value::Null,
                None,
                Value::Array(vec![Value::from("foo")]),
            ))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
        );
        let e = xform(Which::Value, "int8")
            .apply(source(None, Value::Null, None, Value::Timestamp(0)))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Cast transformation was passed a value of type class java.util.Date which is not supported by Connect's data API"
        );
    }

    #[test]
    fn logical_to_primitive() {
        let spec = "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32";
        let schema = SchemaBuilder::struct_()
            .field("date_to_int32", Date::schema())
            .field("timestamp_to_int64", Timestamp::schema())
            .field("time_to_int64", Time::schema())
            .field("decimal_to_int32", Decimal::schema(0))
            .field("timestamp_to_float64", Timestamp::schema())
            .field(
                "null_timestamp_to_int32",
                Timestamp::builder().optional().build(),
            )
            .build();
        let mut v = Struct::new(schema.clone());
        v.set("date_to_int32", Value::Date(1)).unwrap();
        v.set("timestamp_to_int64", Value::Timestamp(0)).unwrap();
        v.set("time_to_int64", Value::Time(1)).unwrap();
        v.set(
            "decimal_to_int32",
            Value::Decimal(BigDecimal::from_i64(i64::from(i32::MAX) + 1, 0)),
        )
        .unwrap();
        v.set("timestamp_to_float64", Value::Timestamp(i64::MAX))
            .unwrap();
        let r = cast_value_of(spec, Some(schema), Value::Struct(v));
        let Value::Struct(out) = r.value else {
            panic!("not a struct")
        };
        assert_eq!(out.get("date_to_int32"), Some(&Value::Int32(1)));
        assert_eq!(out.get("timestamp_to_int64"), Some(&Value::Int64(0)));
        assert_eq!(out.get("time_to_int64"), Some(&Value::Int64(1)));
        assert_eq!(out.get("decimal_to_int32"), Some(&Value::Int32(i32::MIN)));
        assert_eq!(
            out.get("timestamp_to_float64"),
            Some(&Value::Float64(9.223372036854776E18))
        );
        assert_eq!(out.get("null_timestamp_to_int32"), Some(&Value::Null));
        let s = out.schema();
        assert_eq!(s.field("date_to_int32").unwrap().schema, Schema::int32());
        assert_eq!(
            s.field("null_timestamp_to_int32").unwrap().schema,
            Schema::optional_int32()
        );
    }

    #[test]
    fn logical_to_string() {
        let schema = SchemaBuilder::struct_()
            .field("date", Date::schema())
            .field("decimal", Decimal::schema(0))
            .field("time", Time::schema())
            .field("timestamp", Timestamp::schema())
            .build();
        let mut v = Struct::new(schema.clone());
        v.set("date", Value::Date(1)).unwrap();
        v.set("decimal", Value::Decimal(BigDecimal::from_i64(1982, 0)))
            .unwrap();
        v.set("time", Value::Time(3_600_000)).unwrap();
        v.set("timestamp", Value::Timestamp(MILLIS_PER_DAY + 1))
            .unwrap();
        let r = cast_value_of(
            "date:string,decimal:string,time:string,timestamp:string",
            Some(schema),
            Value::Struct(v),
        );
        let Value::Struct(out) = r.value else {
            panic!("not a struct")
        };
        assert_eq!(out.get("date"), Some(&Value::from("1970-01-02")));
        assert_eq!(out.get("decimal"), Some(&Value::from("1982")));
        assert_eq!(out.get("time"), Some(&Value::from("01:00:00.000Z")));
        assert_eq!(
            out.get("timestamp"),
            Some(&Value::from("1970-01-02T00:00:00.001Z"))
        );
        for f in out.schema().fields() {
            assert_eq!(f.schema.type_(), Type::String);
        }
    }

    #[test]
    fn fields_with_schema() {
        let spec = "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string";
        let schema = SchemaBuilder::struct_()
            .field("int8", Schema::int8())
            .field("int16", Schema::optional_int16())
            .field(
                "int32",
                SchemaBuilder::new(Type::Int32)
                    .default_value(Value::Int32(2))
                    .build(),
            )
            .field("int64", Schema::int64())
            .field("float32", Schema::float32())
            .field(
                "float64",
                SchemaBuilder::new(Type::Float64)
                    .default_value(Value::Float64(-1.125))
                    .build(),
            )
            .field("boolean", Schema::boolean())
            .field("string", Schema::string())
            .field("bigdecimal", Decimal::schema(0))
            .field("date", Date::schema())
            .field("optional", Schema::optional_float32())
            .field("timestamp", Timestamp::schema())
            .field("bytes", Schema::bytes())
            .build();
        let mut v = Struct::new(schema.clone());
        for (k, val) in [
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(-64.0)),
            ("boolean", Value::Boolean(true)),
            ("bigdecimal", Value::Decimal(BigDecimal::from_i64(42, 0))),
            ("date", Value::Date(1)),
            ("string", Value::from("42")),
            ("timestamp", Value::Timestamp(0)),
            (
                "bytes",
                Value::Bytes(Bytes::from_static(&[
                    0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
                ])),
            ),
        ] {
            v.set(k, val).unwrap();
        }
        let r = cast_value_of(spec, Some(schema), Value::Struct(v));
        let Value::Struct(out) = r.value else {
            panic!("not a struct")
        };
        let expect = [
            ("int8", Value::Int16(8)),
            ("int16", Value::Int32(16)),
            ("int32", Value::Int64(32)),
            ("int64", Value::Boolean(true)),
            ("float32", Value::Float64(32.0)),
            ("float64", Value::Boolean(true)),
            ("boolean", Value::Int8(1)),
            ("string", Value::Int32(42)),
            ("bigdecimal", Value::from("42")),
            ("date", Value::from("1970-01-02")),
            ("optional", Value::Null),
            ("timestamp", Value::Timestamp(0)),
            ("bytes", Value::from("/ty6mHZUMhA=")),
        ];
        for (k, want) in expect {
            assert_eq!(out.get(k), Some(&want), "{k}");
        }
        let s = out.schema();
        assert!(s.field("int16").unwrap().schema.is_optional());
        assert!(s.field("optional").unwrap().schema.is_optional());
        assert_eq!(
            s.field("int32").unwrap().schema.default_value(),
            Some(&Value::Int64(2))
        );
        assert_eq!(
            s.field("float64").unwrap().schema.default_value(),
            Some(&Value::Boolean(true))
        );
        assert_eq!(s.field("timestamp").unwrap().schema, Timestamp::schema());
    }

    #[test]
    fn fields_schemaless() {
        let spec = "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,missing:int8";
        let value = map(&[
            ("int8", Value::Int8(8)),
            ("int16", Value::Int16(16)),
            ("int32", Value::Int32(32)),
            ("int64", Value::Int64(64)),
            ("float32", Value::Float32(32.0)),
            ("float64", Value::Float64(-64.0)),
            ("boolean", Value::Boolean(true)),
            ("string", Value::from("42")),
        ]);
        let r = cast_value_of(spec, None, value);
        assert_eq!(r.value_schema, None);
        assert_eq!(
            r.value,
            map(&[
                ("int8", Value::Int16(8)),
                ("int16", Value::Int32(16)),
                ("int32", Value::Int64(32)),
                ("int64", Value::Boolean(true)),
                ("float32", Value::Float64(32.0)),
                ("float64", Value::Boolean(true)),
                ("boolean", Value::Int8(1)),
                ("string", Value::Int32(42)),
                // Java puts a null for a cast field the map lacks.
                ("missing", Value::Null),
            ])
        );
    }

    #[test]
    fn narrowing_and_parsing_follow_java() {
        let c = |v: Value, t: Type| cast_value(None, &v, t).unwrap();
        assert_eq!(c(Value::Int32(300), Type::Int8), Value::Int8(44));
        assert_eq!(c(Value::Int64(1 << 40), Type::Int32), Value::Int32(0));
        assert_eq!(c(Value::Float64(1e20), Type::Int32), Value::Int32(i32::MAX));
        assert_eq!(c(Value::Float64(f64::NAN), Type::Int64), Value::Int64(0));
        assert_eq!(c(Value::Float64(300.7), Type::Int8), Value::Int8(44));
        assert_eq!(c(Value::Float32(0.5), Type::Boolean), Value::Boolean(false));
        assert_eq!(c(Value::from("TRUE"), Type::Boolean), Value::Boolean(true));
        assert_eq!(c(Value::from("yes"), Type::Boolean), Value::Boolean(false));
        assert_eq!(c(Value::from(" 1.5 "), Type::Float64), Value::Float64(1.5));
        assert_eq!(c(Value::from("2.5f"), Type::Float32), Value::Float32(2.5));
        assert_eq!(
            c(Value::from("-Infinity"), Type::Float64),
            Value::Float64(f64::NEG_INFINITY)
        );
        assert_eq!(c(Value::from("+7"), Type::Int16), Value::Int16(7));
        assert_eq!(c(Value::Float32(0.1), Type::String), Value::from("0.1"));
        assert_eq!(c(Value::Boolean(true), Type::Float32), Value::Float32(1.0));
        // Checked against Kafka 4.3.1.
        for (text, want) in [
            ("1e3", 1000.0),
            (" 5", 5.0),
            ("5 ", 5.0),
            ("+5", 5.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("1d", 1.0),
            ("0x1p3", 8.0),
            ("-0x1.8p1", -3.0),
        ] {
            assert_eq!(
                c(Value::from(text), Type::Float64),
                Value::Float64(want),
                "{text}"
            );
        }
        assert_eq!(c(Value::from("-0"), Type::Float64), Value::Float64(-0.0));
        assert_eq!(c(Value::from("-0"), Type::Int32), Value::Int32(0));
        assert_eq!(
            c(Value::from("NaN"), Type::Float64),
            Value::Float64(f64::NAN)
        );
        assert_eq!(
            c(Value::Float64(f64::NAN), Type::String),
            Value::from("NaN")
        );
        assert_eq!(c(Value::Float32(-0.0), Type::String), Value::from("-0.0"));
        assert_eq!(c(Value::Float64(1e10), Type::String), Value::from("1.0E10"));
        assert_eq!(c(Value::Float32(f32::MAX), Type::Int8), Value::Int8(-1));
        assert_eq!(
            c(Value::Int64(i64::MAX), Type::Float32),
            Value::Float32(9.223372E18)
        );
        assert_eq!(
            cast_value(
                Some(&Timestamp::schema()),
                &Value::Timestamp(-1),
                Type::String
            )
            .unwrap(),
            Value::from("23:59:59.999Z")
        );
        let big = BigDecimal::from_i64(1, -3);
        assert_eq!(
            cast_value(
                Some(&Decimal::schema(-3)),
                &Value::Decimal(big),
                Type::String
            )
            .unwrap(),
            Value::from("1E+3")
        );
        for (text, t) in [
            ("1e3", Type::Int32),
            ("0x10", Type::Float64),
            ("0x10", Type::Int32),
            (" 5", Type::Int32),
            ("1_0", Type::Float64),
            ("Infinity", Type::Int32),
            ("1.5e", Type::Float64),
            ("128", Type::Int8),
            ("1.0", Type::Int32),
            ("inf", Type::Float64),
            ("nan", Type::Float32),
            ("", Type::Int64),
        ] {
            let e = cast_value(None, &Value::from(text), t).unwrap_err();
            assert_eq!(
                e.message,
                format!("Value ({text}) was out of range for requested data type")
            );
        }
        let e = cast_value(None, &Value::Bytes(Bytes::from_static(b"x")), Type::Int8).unwrap_err();
        assert_eq!(
            e.message,
            "Unexpected type in Cast transformation: class [B"
        );
    }

    #[test]
    fn struct_with_default_cannot_be_field_cast_like_java() {
        let inner = SchemaBuilder::struct_().field("a", Schema::int32());
        let default = Struct::new(inner.clone().build())
            .put("a", Value::Int32(1))
            .unwrap();
        let schema = inner.default_value(Value::Struct(default)).build();
        let value = Struct::new(schema.clone())
            .put("a", Value::Int32(2))
            .unwrap();
        let e = xform(Which::Value, "a:int64")
            .apply(source(
                None,
                Value::Null,
                Some(schema),
                Value::Struct(value),
            ))
            .unwrap_err();
        assert!(
            e.message
                .starts_with("Cast transformation does not support casting from STRUCT"),
            "{}",
            e.message
        );
    }
}
