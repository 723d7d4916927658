//! Java's `org.apache.kafka.connect.data.Values`: conversions between
//! Connect values, the text form `convert_to_string` writes, and
//! `parse_string`, which infers a schema and value from such text (what
//! `SimpleHeaderConverter` does with every header).
//!
//! The parser is a faithful port, quirks included: escapes inside quoted
//! strings are kept verbatim (`"a\"b"` reads as `a\"b`), a top-level number
//! followed by more text reads as the number (`1,2` is 1), a non-integral
//! number that fits a `float` reads as FLOAT32, an array holding both nulls
//! and values falls back to the whole text as a string, and temporal text
//! is parsed like a lenient `SimpleDateFormat` in UTC (Java uses the JVM's
//! default time zone; Connect workers normally run in UTC).

use super::big_decimal::BigDecimal;
use super::logical::{
    civil_from_days, days_from_civil, epoch_millis, Date, Decimal, LogicalType, Time, Timestamp,
    MILLIS_PER_DAY,
};
use super::schema::{Schema, SchemaBuilder, Type};
use super::value::Value;
use crate::api::converter::SchemaAndValue;
use crate::api::error::{ConnectError, ConnectResult};

fn error(msg: impl Into<String>) -> ConnectError {
    ConnectError::data(msg)
}

fn unable(value: &Value, target: &str) -> ConnectError {
    error(format!(
        "Unable to convert {value} ({}) to {target}",
        value.java_class()
    ))
}

fn null_required() -> ConnectError {
    error("Unable to convert a null value to a schema that requires a value")
}

// --- value to text --------------------------------------------------------------

/// `Values.convertToString`: strings as they are, numbers as Java prints
/// them, bytes as base64, lists `[a,b]`, maps `{k:v}` and structs
/// `{"f":v}` with strings inside them quoted, dates in ISO 8601.
/// `None` for null.
pub fn convert_to_string(value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut out = String::new();
    append(&mut out, value, false);
    Some(out)
}

fn append(out: &mut String, value: &Value, embedded: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::String(s) => {
            if embedded {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '"' => out.push_str("\\\""),
                        c => out.push(c),
                    }
                }
                out.push('"');
            } else {
                out.push_str(s);
            }
        }
        Value::Bytes(b) => {
            if embedded {
                out.push('"');
            }
            out.push_str(&super::base64::encode(b));
            if embedded {
                out.push('"');
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, item, true);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, k, true);
                out.push(':');
                append(out, v, true);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, field) in s.schema().fields().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                append(out, &Value::String(field.name.clone()), true);
                out.push(':');
                append(out, s.get_index(i), true);
            }
            out.push('}');
        }
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            out.push_str(&format_date(epoch_millis(value).unwrap_or(0)));
        }
        // Numbers, booleans and decimals print as Java's toString().
        other => out.push_str(&other.to_string()),
    }
}

/// `Values.dateFormatFor(date).format(date)` in UTC: time of day for
/// instants before 1970-01-02, a date at midnights, else a timestamp.
fn format_date(millis: i64) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    );
    if millis < MILLIS_PER_DAY {
        return time;
    }
    let (y, m, d) = civil_from_days(days);
    let date = format!("{y:04}-{m:02}-{d:02}");
    if ms == 0 {
        date
    } else {
        format!("{date}T{time}")
    }
}

// --- conversions -----------------------------------------------------------------

/// `Values.convertTo(toSchema, fromSchema, value)`: converts `value` (whose
/// schema, if known, is `from`) to what `to` expects.
pub fn convert_to(to: &Schema, from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    if value.is_null() {
        if to.is_optional() {
            return Ok(Value::Null);
        }
        return Err(null_required());
    }
    let logical = to.logical_type();
    Ok(match to.type_() {
        Type::Bytes if logical == Some(LogicalType::Decimal) => {
            Value::Decimal(decimal_for(to, value)?)
        }
        Type::Bytes => match value {
            Value::Bytes(b) => Value::Bytes(b.clone()),
            Value::Decimal(d) => {
                Value::Bytes(bytes::Bytes::copy_from_slice(Decimal::from_logical(to, d)?))
            }
            other => return Err(unable(other, &to.to_string())),
        },
        Type::String => Value::String(convert_to_string(value).unwrap_or_default()),
        Type::Boolean => Value::Boolean(convert_to_boolean(from, value)?),
        Type::Int8 => Value::Int8(match value {
            Value::Int8(v) => *v,
            other => as_long(other, from)? as i8,
        }),
        Type::Int16 => Value::Int16(match value {
            Value::Int16(v) => *v,
            other => as_long(other, from)? as i16,
        }),
        Type::Int32 if logical == Some(LogicalType::Date) => date_for(from, value)?,
        Type::Int32 if logical == Some(LogicalType::Time) => time_for(from, value)?,
        Type::Int32 => Value::Int32(match value {
            Value::Int32(v) => *v,
            other => as_long(other, from)? as i32,
        }),
        Type::Int64 if logical == Some(LogicalType::Timestamp) => timestamp_for(from, value)?,
        Type::Int64 => Value::Int64(match value {
            Value::Int64(v) => *v,
            other => as_long(other, from)?,
        }),
        Type::Float32 => Value::Float32(match value {
            Value::Float32(v) => *v,
            other => as_double(other, from)? as f32,
        }),
        Type::Float64 => Value::Float64(match value {
            Value::Float64(v) => *v,
            other => as_double(other, from)?,
        }),
        Type::Array => match parsed_if_string(value) {
            v @ Value::Array(_) => v,
            _ => return Err(unable(value, &to.to_string())),
        },
        Type::Map => match parsed_if_string(value) {
            v @ Value::Map(_) => v,
            _ => return Err(unable(value, &to.to_string())),
        },
        Type::Struct => match value {
            v @ Value::Struct(_) => v.clone(),
            other => return Err(unable(other, &to.to_string())),
        },
    })
}

/// A string parsed with [`parse_string`]; any other value as it is.
fn parsed_if_string(value: &Value) -> Value {
    match value {
        Value::String(s) => parse_string(s).value,
        other => other.clone(),
    }
}

/// `Values.convertToBoolean`.
pub fn convert_to_boolean(from: Option<&Schema>, value: &Value) -> ConnectResult<bool> {
    match value {
        Value::Boolean(b) => return Ok(*b),
        Value::String(s) => {
            if let Value::Boolean(b) = parse_string(s).value {
                return Ok(b);
            }
        }
        _ => {}
    }
    Ok(as_long(value, from)? != 0)
}

/// Java's `Number.longValue()` of a number, `new BigDecimal(s).longValue()`
/// of a string, the stored number of a logical temporal value.
fn as_long(value: &Value, from: Option<&Schema>) -> ConnectResult<i64> {
    match value {
        Value::Int8(v) => return Ok(*v as i64),
        Value::Int16(v) => return Ok(*v as i64),
        Value::Int32(v) => return Ok(*v as i64),
        Value::Int64(v) => return Ok(*v),
        Value::Float32(v) => return Ok(*v as i64),
        Value::Float64(v) => return Ok(*v as i64),
        Value::Decimal(d) => return Ok(d.low_i64()),
        Value::String(s) => {
            if let Ok(d) = s.parse::<BigDecimal>() {
                return Ok(d.low_i64());
            }
        }
        _ => {}
    }
    if let Some(from) = from {
        match (from.logical_type(), value) {
            (Some(LogicalType::Date), Value::Date(d)) => return Ok(*d as i64),
            (Some(LogicalType::Time), Value::Time(t)) => return Ok(*t as i64),
            (Some(LogicalType::Timestamp), Value::Timestamp(t)) => return Ok(*t),
            _ => {}
        }
        return Err(unable(value, &from.to_string()));
    }
    Err(unable(value, "a number"))
}

fn as_double(value: &Value, from: Option<&Schema>) -> ConnectResult<f64> {
    match value {
        Value::Int8(v) => Ok(*v as f64),
        Value::Int16(v) => Ok(*v as f64),
        Value::Int32(v) => Ok(*v as f64),
        Value::Int64(v) => Ok(*v as f64),
        Value::Float32(v) => Ok(*v as f64),
        Value::Float64(v) => Ok(*v),
        Value::Decimal(d) => Ok(d.to_f64()),
        Value::String(s) => match s.parse::<BigDecimal>() {
            Ok(d) => Ok(d.to_f64()),
            Err(_) => Ok(as_long(value, from)? as f64),
        },
        other => Ok(as_long(other, from)? as f64),
    }
}

fn decimal_for(to: &Schema, value: &Value) -> ConnectResult<BigDecimal> {
    match value {
        Value::Bytes(b) => Decimal::to_logical(to, b),
        Value::Decimal(d) => Ok(d.clone()),
        Value::String(s) => s
            .parse::<BigDecimal>()
            .map_err(|_| unable(value, &to.to_string())),
        other => {
            let d = as_double(other, None).map_err(|_| unable(other, &to.to_string()))?;
            BigDecimal::from_f64(d).ok_or_else(|| unable(other, &to.to_string()))
        }
    }
}

fn to_i32(v: i64, value: &Value, target: &str) -> ConnectResult<i32> {
    i32::try_from(v).map_err(|_| unable(value, target))
}

/// `Values.convertToDate(toSchema, fromSchema, value)`.
fn date_for(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value);
    if let Some(millis) = epoch_millis(&value) {
        let from_logical = from.and_then(Schema::logical_type);
        match (from, from_logical, &value) {
            (None, _, Value::Date(_)) | (Some(_), Some(LogicalType::Date), Value::Date(_)) => {
                return Ok(value)
            }
            (None, _, _) | (Some(_), Some(LogicalType::Timestamp), _) => {
                // Java truncates toward zero.
                return Ok(Value::Date(to_i32(
                    millis / MILLIS_PER_DAY,
                    &value,
                    "Date",
                )?));
            }
            _ => {}
        }
    }
    Ok(Value::Date(as_long(&value, from)? as i32))
}

/// `Values.convertToTime(toSchema, fromSchema, value)`.
fn time_for(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value);
    if let Some(millis) = epoch_millis(&value) {
        let from_logical = from.and_then(Schema::logical_type);
        match (from, from_logical, &value) {
            (None, _, Value::Time(_)) | (Some(_), Some(LogicalType::Time), Value::Time(_)) => {
                return Ok(value)
            }
            (Some(_), Some(LogicalType::Timestamp), _) => {
                return Ok(Value::Time(Time::check(millis.rem_euclid(MILLIS_PER_DAY))?));
            }
            (None, _, _) => return Ok(Value::Time(to_i32(millis, &value, "Time")?)),
            _ => {}
        }
    }
    let n = as_long(&value, from)? as i32;
    Ok(Value::Time(Time::check(n as i64)?))
}

/// `Values.convertToTimestamp(toSchema, fromSchema, value)`.
fn timestamp_for(from: Option<&Schema>, value: &Value) -> ConnectResult<Value> {
    let value = parsed_if_string(value);
    if let Some(millis) = epoch_millis(&value) {
        match from.and_then(Schema::logical_type) {
            Some(LogicalType::Date) | Some(LogicalType::Time) | Some(LogicalType::Timestamp) => {
                return Ok(Value::Timestamp(millis))
            }
            _ if from.is_none() => return Ok(Value::Timestamp(millis)),
            _ => {}
        }
    }
    Ok(Value::Timestamp(as_long(&value, from)?))
}

// --- schema inference ------------------------------------------------------------

/// `Values.inferSchema`: the schema of a value's representation; `None`
/// when it cannot be told (null, logical values, empty or mixed lists and
/// maps).
pub fn infer_schema(value: &Value) -> Option<Schema> {
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return None;
            }
            let mut detector = SchemaDetector::default();
            for item in items {
                if !detector.can_detect(item) {
                    return None;
                }
            }
            Some(SchemaBuilder::array(detector.schema()?).build())
        }
        Value::Map(entries) => {
            if entries.is_empty() {
                return None;
            }
            let (mut keys, mut values) = (SchemaDetector::default(), SchemaDetector::default());
            for (k, v) in entries {
                if !keys.can_detect(k) || !values.can_detect(v) {
                    return None;
                }
            }
            Some(SchemaBuilder::map(keys.schema()?, values.schema()?).build())
        }
        Value::Struct(s) => Some(s.schema().clone()),
        other => other.schema_type().map(|t| Schema::of(t, false)),
    }
}

#[derive(Default)]
struct SchemaDetector {
    known: Option<Type>,
    optional: bool,
}

impl SchemaDetector {
    fn can_detect(&mut self, value: &Value) -> bool {
        if value.is_null() {
            self.optional = true;
            return true;
        }
        let Some(schema) = infer_schema(value) else {
            return false;
        };
        match self.known {
            None => self.known = Some(schema.type_()),
            Some(t) if t != schema.type_() => return false,
            Some(_) => {}
        }
        true
    }

    fn schema(&self) -> Option<Schema> {
        Some(
            SchemaBuilder::new(self.known?)
                .optional_if(self.optional)
                .build(),
        )
    }
}

// --- text to value ---------------------------------------------------------------

/// `Values.parseString`: the schema and value a text denotes. Text that is
/// not a literal, number, date, array or map is a string (the whole text).
pub fn parse_string(text: &str) -> SchemaAndValue {
    if text.is_empty() {
        return SchemaAndValue {
            schema: Some(Schema::string()),
            value: Value::String(String::new()),
        };
    }
    let mut parser = ValueParser {
        p: Parser::new(text),
    };
    match parser.parse(false) {
        Ok(Some(sv)) => sv,
        // A null literal; errors cannot escape a top-level parse.
        Ok(None) | Err(_) => SchemaAndValue {
            schema: None,
            value: Value::Null,
        },
    }
}

fn is_blank(s: &str) -> bool {
    java_trim(s).is_empty()
}

/// Java's `String.trim()`: strips characters up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java's `Values.Parser`: a tokenizer splitting at unescaped delimiters.
struct Parser<'a> {
    original: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
    /// A token read ahead by `can_consume` and not yet taken.
    next_token: Option<&'a str>,
    /// The last token `next` returned (for error messages).
    previous: Option<&'a str>,
}

impl<'a> Parser<'a> {
    fn new(original: &'a str) -> Parser<'a> {
        Parser {
            original,
            pos: 0,
            next_token: None,
            previous: None,
        }
    }

    fn mark(&self) -> usize {
        self.pos - self.next_token.map_or(0, str::len)
    }

    fn rewind_to(&mut self, position: usize) {
        self.pos = position;
        self.next_token = None;
        self.previous = None;
    }

    fn can_consume_next_token(&self) -> bool {
        self.pos < self.original.len()
    }

    fn has_next(&self) -> bool {
        self.next_token.is_some() || self.can_consume_next_token()
    }

    fn next(&mut self) -> &'a str {
        let token = match self.next_token.take() {
            Some(t) => t,
            None => self.consume_next_token(),
        };
        self.previous = Some(token);
        token
    }

    /// The text of the next `n` tokens, or `None` (and nothing consumed)
    /// if there are fewer.
    fn next_n(&mut self, n: usize) -> Option<&'a str> {
        let start = self.mark();
        for _ in 0..n {
            if !self.has_next() {
                self.rewind_to(start);
                return None;
            }
            self.next();
        }
        Some(&self.original[start..self.pos])
    }

    fn consume_next_token(&mut self) -> &'a str {
        let bytes = self.original.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\\' => escaped = !escaped,
                b':' | b',' | b'{' | b'}' | b'[' | b']' | b'"' => {
                    if !escaped {
                        if start < self.pos {
                            return &self.original[start..self.pos];
                        }
                        self.pos += 1;
                        return &self.original[start..start + 1];
                    }
                    escaped = false;
                }
                _ => escaped = false,
            }
            self.pos += 1;
        }
        &self.original[start..self.pos]
    }

    fn can_consume(&mut self, expected: &str) -> bool {
        if self.is_next(expected) {
            self.next_token = None;
            return true;
        }
        false
    }

    fn is_next(&mut self, expected: &str) -> bool {
        let mut token = match self.next_token {
            Some(t) => t,
            None => {
                if !self.has_next() {
                    return false;
                }
                self.consume_next_token()
            }
        };
        while is_blank(token) && self.can_consume_next_token() {
            token = self.consume_next_token();
        }
        self.next_token = Some(token);
        java_trim(token) == expected
    }
}

struct ValueParser<'a> {
    p: Parser<'a>,
}

fn sv(schema: Schema, value: Value) -> SchemaAndValue {
    SchemaAndValue {
        schema: Some(schema),
        value,
    }
}

impl<'a> ValueParser<'a> {
    /// `None` is a null literal (or nothing left).
    fn parse(&mut self, embedded: bool) -> ConnectResult<Option<SchemaAndValue>> {
        if !self.p.has_next() {
            return Ok(None);
        }
        if embedded && self.p.can_consume("\"") {
            return Ok(Some(self.parse_quoted_string()));
        }
        if self.can_parse_single_token_literal(embedded, "null") {
            return Ok(None);
        }
        if self.can_parse_single_token_literal(embedded, "true") {
            return Ok(Some(sv(Schema::boolean(), Value::Boolean(true))));
        }
        if self.can_parse_single_token_literal(embedded, "false") {
            return Ok(Some(sv(Schema::boolean(), Value::Boolean(false))));
        }
        let start = self.p.mark();
        let attempt = if self.p.can_consume("[") {
            Some(self.parse_array())
        } else if self.p.can_consume("{") {
            Some(self.parse_map())
        } else {
            None
        };
        match attempt {
            Some(Ok(v)) => return Ok(Some(v)),
            // Not an array or map after all: read it as a token.
            Some(Err(_)) => self.p.rewind_to(start),
            None => {}
        }
        let token = self.p.next();
        if is_blank(token) {
            return Ok(Some(sv(Schema::string(), Value::String(token.to_string()))));
        }
        self.parse_next_token(embedded, java_trim(token)).map(Some)
    }

    fn can_parse_single_token_literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.p.mark();
        if self.p.can_consume(literal) && (embedded || !self.p.has_next()) {
            return true;
        }
        self.p.rewind_to(start);
        false
    }

    fn parse_next_token(&mut self, embedded: bool, token: &str) -> ConnectResult<SchemaAndValue> {
        let first = token.chars().next().unwrap_or(' ');
        let digit = first.is_ascii_digit();
        if digit {
            if let Some(temporal) = self.parse_multiple_tokens_as_temporal(token) {
                return Ok(temporal);
            }
        }
        if digit || first == '+' || first == '-' {
            if let Some(number) = parse_as_number(token) {
                return Ok(number);
            }
        }
        if embedded {
            return Err(error("Failed to parse embedded value"));
        }
        Ok(sv(
            Schema::string(),
            Value::String(self.p.original.to_string()),
        ))
    }

    /// Times and timestamps span five tokens, since `:` is a delimiter.
    fn parse_multiple_tokens_as_temporal(&mut self, token: &str) -> Option<SchemaAndValue> {
        let position = self.p.mark();
        if let Some(remainder) = self.p.next_n(4) {
            if let Some(t) = parse_as_temporal(&format!("{token}{remainder}")) {
                return Some(t);
            }
        }
        self.p.rewind_to(position);
        parse_as_temporal(token)
    }

    fn parse_quoted_string(&mut self) -> SchemaAndValue {
        let mut content = String::new();
        while self.p.has_next() {
            if self.p.can_consume("\"") {
                break;
            }
            content.push_str(self.p.next());
        }
        if let Some(t) = parse_as_temporal(&content) {
            return t;
        }
        sv(Schema::string(), Value::String(content))
    }

    fn parse_array(&mut self) -> ConnectResult<SchemaAndValue> {
        let mut result: Vec<Value> = Vec::new();
        let mut element_schema = SchemaMerger::default();
        while self.p.has_next() {
            if self.p.can_consume("]") {
                return Ok(match element_schema.common {
                    Some(common) => {
                        let items = result
                            .iter()
                            .map(|v| convert_to(&common, None, v))
                            .collect::<ConnectResult<Vec<_>>>()?;
                        sv(SchemaBuilder::array(common).build(), Value::Array(items))
                    }
                    None => sv(SchemaBuilder::array_of_null().build(), Value::Array(result)),
                });
            }
            if self.p.can_consume(",") {
                return Err(error(format!(
                    "Unable to parse an empty array element: {}",
                    self.p.original
                )));
            }
            let element = self.parse(true)?;
            element_schema.merge(element.as_ref());
            result.push(element.map_or(Value::Null, |e| e.value));
            let current = self.p.mark();
            if self.p.can_consume("]") {
                self.p.rewind_to(current);
            } else if !self.p.can_consume(",") {
                return Err(error("Array elements missing ',' delimiter"));
            }
        }
        if self.p.previous == Some(",") {
            return Err(error(format!(
                "Array is missing element after ',': {}",
                self.p.original
            )));
        }
        Err(error(format!(
            "Array is missing terminating ']': {}",
            self.p.original
        )))
    }

    fn parse_map(&mut self) -> ConnectResult<SchemaAndValue> {
        let mut result: Vec<(Value, Value)> = Vec::new();
        let mut key_schema = SchemaMerger::default();
        let mut value_schema = SchemaMerger::default();
        while self.p.has_next() {
            if self.p.can_consume("}") {
                return Ok(match (key_schema.common, value_schema.common) {
                    (Some(k), Some(v)) => {
                        let mut aligned = Vec::with_capacity(result.len());
                        for (key, value) in &result {
                            let key = convert_to(&k, None, key)?;
                            let value = convert_to(&v, None, value)?;
                            Value::map_put(&mut aligned, key, value);
                        }
                        sv(SchemaBuilder::map(k, v).build(), Value::Map(aligned))
                    }
                    (Some(k), None) => {
                        let mut aligned = Vec::with_capacity(result.len());
                        for (key, value) in result {
                            let key = convert_to(&k, None, &key)?;
                            Value::map_put(&mut aligned, key, value);
                        }
                        sv(
                            SchemaBuilder::map_of(Some(k), None).build(),
                            Value::Map(aligned),
                        )
                    }
                    _ => sv(
                        SchemaBuilder::map_of(None, None).build(),
                        Value::Map(result),
                    ),
                });
            }
            if self.p.can_consume(",") {
                return Err(error(format!(
                    "Unable to parse a map entry with no key or value: {}",
                    self.p.original
                )));
            }
            let key = match self.parse(true)? {
                Some(k) if !k.value.is_null() => k,
                _ => {
                    return Err(error(format!(
                        "Map entry may not have a null key: {}",
                        self.p.original
                    )))
                }
            };
            if !self.p.can_consume(":") {
                return Err(error(format!(
                    "Map entry is missing ':' at {} in {}",
                    self.p.pos, self.p.original
                )));
            }
            let value = self.parse(true)?;
            let entry_value = value.as_ref().map_or(Value::Null, |v| v.value.clone());
            Value::map_put(&mut result, key.value.clone(), entry_value);
            self.p.can_consume(",");
            key_schema.merge(Some(&key));
            value_schema.merge(value.as_ref());
        }
        if self.p.previous == Some(",") {
            return Err(error(format!(
                "Map is missing element after ',': {}",
                self.p.original
            )));
        }
        Err(error(format!(
            "Map is missing terminating '}}': {}",
            self.p.original
        )))
    }
}

/// Java's `SchemaMerger`: the common schema of parsed elements, widening
/// numbers; gives up at the first incompatible one.
struct SchemaMerger {
    common: Option<Schema>,
    /// False once two elements had no common schema.
    compatible: bool,
}

impl Default for SchemaMerger {
    fn default() -> SchemaMerger {
        SchemaMerger {
            common: None,
            compatible: true,
        }
    }
}

impl SchemaMerger {
    fn merge(&mut self, latest: Option<&SchemaAndValue>) {
        let Some(schema) = latest.and_then(|l| l.schema.as_ref()) else {
            return;
        };
        if !self.compatible {
            return;
        }
        self.common = match &self.common {
            None => Some(schema.clone()),
            Some(previous) => {
                let merged = merge_schemas(previous, schema);
                self.compatible = merged.is_some();
                merged
            }
        };
    }
}

fn merge_schemas(previous: &Schema, new: &Schema) -> Option<Schema> {
    use Type::*;
    let (p, n) = (previous.type_(), new.type_());
    if p != n {
        let widened = match (p, n) {
            (Int8, Int16 | Int32 | Int64 | Float32 | Float64) => new,
            (Int16, Int8) => previous,
            (Int16, Int32 | Int64 | Float32 | Float64) => new,
            (Int32, Int8 | Int16) => previous,
            (Int32, Int64 | Float32 | Float64) => new,
            (Int64, Int8 | Int16 | Int32) => previous,
            (Int64, Float32 | Float64) => new,
            (Float32, Int8 | Int16 | Int32 | Int64) => previous,
            (Float32, Float64) => new,
            (Float64, Int8 | Int16 | Int32 | Int64 | Float32) => previous,
            _ => return None,
        };
        return Some(widened.clone());
    }
    if previous.is_optional() == new.is_optional() {
        return Some(
            if previous.is_optional() {
                previous
            } else {
                new
            }
            .clone(),
        );
    }
    if previous != new {
        return None;
    }
    Some(previous.clone())
}

/// `ValueParser.parseAsNumber`: the smallest integer type that holds an
/// integral value, else FLOAT32 if finite as a float, FLOAT64 if finite as
/// a double, else a Decimal.
fn parse_as_number(token: &str) -> Option<SchemaAndValue> {
    let decimal: BigDecimal = token.parse().ok()?;
    if let Some(integral) = decimal.to_i64_exact() {
        return Some(if let Ok(v) = i8::try_from(integral) {
            sv(Schema::int8(), Value::Int8(v))
        } else if let Ok(v) = i16::try_from(integral) {
            sv(Schema::int16(), Value::Int16(v))
        } else if let Ok(v) = i32::try_from(integral) {
            sv(Schema::int32(), Value::Int32(v))
        } else {
            sv(Schema::int64(), Value::Int64(integral))
        });
    }
    let f = decimal.to_f32();
    if f.is_finite() && decimal.scale() != 0 {
        return Some(sv(Schema::float32(), Value::Float32(f)));
    }
    let d = decimal.to_f64();
    if d.is_finite() && decimal.scale() != 0 {
        return Some(sv(Schema::float64(), Value::Float64(d)));
    }
    Some(sv(
        Decimal::schema(decimal.scale()),
        Value::Decimal(decimal),
    ))
}

#[derive(Clone, Copy)]
enum Part {
    Num(Field),
    Lit(u8),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Milli,
}

const DATE_PATTERN: &[Part] = &[
    Part::Num(Field::Year),
    Part::Lit(b'-'),
    Part::Num(Field::Month),
    Part::Lit(b'-'),
    Part::Num(Field::Day),
];
const TIME_PATTERN: &[Part] = &[
    Part::Num(Field::Hour),
    Part::Lit(b':'),
    Part::Num(Field::Minute),
    Part::Lit(b':'),
    Part::Num(Field::Second),
    Part::Lit(b'.'),
    Part::Num(Field::Milli),
    Part::Lit(b'Z'),
];

/// `ValueParser.parseAsTemporal`: by length, a time (`HH:mm:ss.SSS'Z'`),
/// a timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`) or a date (`yyyy-MM-dd`).
fn parse_as_temporal(token: &str) -> Option<SchemaAndValue> {
    let token = token.replace("\\:", ":");
    match token.encode_utf16().count() {
        13 => {
            let ms = parse_date_format(&token, TIME_PATTERN)?;
            Some(sv(Time::schema(), Value::Time(i32::try_from(ms).ok()?)))
        }
        24 => {
            let mut pattern = DATE_PATTERN.to_vec();
            pattern.push(Part::Lit(b'T'));
            pattern.extend_from_slice(TIME_PATTERN);
            let ms = parse_date_format(&token, &pattern)?;
            Some(sv(Timestamp::schema(), Value::Timestamp(ms)))
        }
        10 => {
            let ms = parse_date_format(&token, DATE_PATTERN)?;
            let days = i32::try_from(ms.div_euclid(MILLIS_PER_DAY)).ok()?;
            Some(sv(Date::schema(), Value::Date(days)))
        }
        _ => None,
    }
}

/// A lenient `SimpleDateFormat.parse` in UTC of the fixed patterns above:
/// numeric fields take all their digits (after optional spaces or tabs),
/// out-of-range fields roll over, text after the pattern is ignored, dates
/// before the 1582 Gregorian cutover use the Julian calendar. Returns the
/// epoch milliseconds.
fn parse_date_format(text: &str, pattern: &[Part]) -> Option<i64> {
    let b = text.as_bytes();
    let mut i = 0;
    let (mut year, mut month, mut day) = (1970i64, 1i64, 1i64);
    let (mut hour, mut minute, mut second, mut milli) = (0i64, 0i64, 0i64, 0i64);
    for part in pattern {
        match part {
            Part::Lit(c) => {
                if b.get(i) != Some(c) {
                    return None;
                }
                i += 1;
            }
            Part::Num(field) => {
                while matches!(b.get(i), Some(b' ') | Some(b'\t')) {
                    i += 1;
                }
                let negative = b.get(i) == Some(&b'-');
                if negative {
                    i += 1;
                }
                let start = i;
                let mut n: i64 = 0;
                while let Some(c @ b'0'..=b'9') = b.get(i) {
                    n = n.checked_mul(10)?.checked_add((c - b'0') as i64)?;
                    i += 1;
                }
                if i == start {
                    return None;
                }
                let n = if negative { -n } else { n };
                match field {
                    Field::Year => year = n,
                    Field::Month => month = n,
                    Field::Day => day = n,
                    Field::Hour => hour = n,
                    Field::Minute => minute = n,
                    Field::Second => second = n,
                    Field::Milli => milli = n,
                }
            }
        }
    }
    // Lenient: months roll into years, days into months.
    let y = year.checked_add((month - 1).div_euclid(12))?;
    let m = (month - 1).rem_euclid(12) as u32 + 1;
    if y.abs() > 1_000_000 {
        return None;
    }
    let first_of_month = if (y, m) < (1582, 10) || ((y, m) == (1582, 10) && day < 15) {
        julian_days_from_civil(y, m, 1)
    } else {
        days_from_civil(y, m, 1)
    };
    let days = first_of_month.checked_add(day - 1)?;
    days.checked_mul(MILLIS_PER_DAY)?
        .checked_add(hour.checked_mul(3_600_000)?)?
        .checked_add(minute.checked_mul(60_000)?)?
        .checked_add(second.checked_mul(1000)?)?
        .checked_add(milli)
}

/// Days since 1970-01-01 of a date in the Julian calendar.
fn julian_days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let a = (14 - month as i64) / 12;
    let y = year + 4800 - a;
    let m = month as i64 + 12 * a - 3;
    let jdn = day as i64 + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - 32083;
    jdn - 2_440_588
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Struct;

    fn parse(s: &str) -> (Option<Schema>, Value) {
        let sv = parse_string(s);
        (sv.schema, sv.value)
    }

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn literals_numbers_and_strings() {
        assert_eq!(parse(""), (Some(Schema::string()), s("")));
        assert_eq!(parse("null"), (None, Value::Null));
        assert_eq!(
            parse(" true "),
            (Some(Schema::boolean()), Value::Boolean(true))
        );
        assert_eq!(
            parse("false"),
            (Some(Schema::boolean()), Value::Boolean(false))
        );
        assert_eq!(parse("true}"), (Some(Schema::string()), s("true}")));
        assert_eq!(parse("42"), (Some(Schema::int8()), Value::Int8(42)));
        assert_eq!(parse("1.0"), (Some(Schema::int8()), Value::Int8(1)));
        assert_eq!(parse("300"), (Some(Schema::int16()), Value::Int16(300)));
        assert_eq!(
            parse("-70000"),
            (Some(Schema::int32()), Value::Int32(-70000))
        );
        assert_eq!(
            parse("9223372036854775807"),
            (Some(Schema::int64()), Value::Int64(i64::MAX))
        );
        assert_eq!(parse("1.5"), (Some(Schema::float32()), Value::Float32(1.5)));
        assert_eq!(
            parse("1e300"),
            (Some(Schema::float64()), Value::Float64(1e300))
        );
        let big = "123456789012345678901234567890";
        assert_eq!(
            parse(big),
            (
                Some(Decimal::schema(0)),
                Value::Decimal(big.parse().unwrap())
            )
        );
        assert_eq!(
            parse("hello world"),
            (Some(Schema::string()), s("hello world"))
        );
        assert_eq!(parse("  padded"), (Some(Schema::string()), s("  padded")));
        assert_eq!(parse("1,2"), (Some(Schema::int8()), Value::Int8(1)));
        assert_eq!(parse("12abc"), (Some(Schema::string()), s("12abc")));
        assert_eq!(parse("   "), (Some(Schema::string()), s("   ")));
    }

    #[test]
    fn arrays() {
        let (schema, value) = parse("[1, 2, 3]");
        assert_eq!(schema, Some(SchemaBuilder::array(Schema::int8()).build()));
        assert_eq!(
            value,
            Value::Array(vec![Value::Int8(1), Value::Int8(2), Value::Int8(3)])
        );
        let (schema, value) = parse("[1, 1000, 2.5]");
        assert_eq!(
            schema,
            Some(SchemaBuilder::array(Schema::float32()).build())
        );
        assert_eq!(
            value,
            Value::Array(vec![
                Value::Float32(1.0),
                Value::Float32(1000.0),
                Value::Float32(2.5)
            ])
        );
        let (schema, value) = parse("[\"a\", 1]");
        assert_eq!(schema, Some(SchemaBuilder::array_of_null().build()));
        assert_eq!(value, Value::Array(vec![s("a"), Value::Int8(1)]));
        let (schema, value) = parse("[]");
        assert_eq!(schema, Some(SchemaBuilder::array_of_null().build()));
        assert_eq!(value, Value::Array(vec![]));
        // A null among values cannot be aligned: the whole text is a string.
        assert_eq!(parse("[1, null]"), (Some(Schema::string()), s("[1, null]")));
        assert_eq!(parse("[1,]").1, Value::Array(vec![Value::Int8(1)]));
        assert_eq!(parse("[1,"), (Some(Schema::string()), s("[1,")));
        assert_eq!(parse("[a, b]"), (Some(Schema::string()), s("[a, b]")));
        let (_, value) = parse("[\"a\\\"b\"]");
        assert_eq!(value, Value::Array(vec![s("a\\\"b")]));
        let (_, value) = parse("[[1],[2]] trailing");
        assert_eq!(
            value,
            Value::Array(vec![
                Value::Array(vec![Value::Int8(1)]),
                Value::Array(vec![Value::Int8(2)])
            ])
        );
    }

    #[test]
    fn maps() {
        let (schema, value) = parse("{\"a\": 1, \"b\": 2}");
        assert_eq!(
            schema,
            Some(SchemaBuilder::map(Schema::string(), Schema::int8()).build())
        );
        assert_eq!(
            value,
            Value::Map(vec![(s("a"), Value::Int8(1)), (s("b"), Value::Int8(2))])
        );
        let (schema, value) = parse("{1:null}");
        assert_eq!(
            schema,
            Some(SchemaBuilder::map_of(Some(Schema::int8()), None).build())
        );
        assert_eq!(value, Value::Map(vec![(Value::Int8(1), Value::Null)]));
        assert_eq!(parse("{a:1}"), (Some(Schema::string()), s("{a:1}")));
        assert_eq!(parse("{null:1}"), (Some(Schema::string()), s("{null:1}")));
        let (_, value) = parse("{\"a\":1,\"a\":2}");
        assert_eq!(value, Value::Map(vec![(s("a"), Value::Int8(2))]));
    }

    #[test]
    fn temporals() {
        assert_eq!(
            parse("2021-03-04"),
            (Some(Date::schema()), Value::Date(18690))
        );
        assert_eq!(
            parse("12:34:56.789Z"),
            (Some(Time::schema()), Value::Time(45_296_789))
        );
        assert_eq!(
            parse("2021-03-04T12:34:56.789Z"),
            (
                Some(Timestamp::schema()),
                Value::Timestamp(1_614_861_296_789)
            )
        );
        assert_eq!(
            parse("2021-13-01"),
            (Some(Date::schema()), Value::Date(18993))
        );
        let (_, value) = parse("[\"2021-03-04\", 1]");
        assert_eq!(
            value,
            Value::Array(vec![Value::Date(18690), Value::Date(1)])
        );
        assert_eq!(parse("1000-01-01").1, Value::Date(-354_280));
    }

    #[test]
    fn to_string_forms() {
        let cs = |v: &Value| convert_to_string(v).unwrap();
        assert_eq!(convert_to_string(&Value::Null), None);
        assert_eq!(cs(&s("plain \"x\"")), "plain \"x\"");
        assert_eq!(cs(&Value::Float64(1e10)), "1.0E10");
        assert_eq!(
            cs(&Value::Array(vec![
                s("a\"b\\"),
                Value::Int8(1),
                Value::Null
            ])),
            "[\"a\\\"b\\\\\",1,null]"
        );
        assert_eq!(
            cs(&Value::Map(vec![(s("k"), Value::Boolean(true))])),
            "{\"k\":true}"
        );
        assert_eq!(cs(&Value::Bytes(bytes::Bytes::from_static(b"hi"))), "aGk=");
        assert_eq!(cs(&Value::Date(18690)), "2021-03-04");
        assert_eq!(cs(&Value::Time(45_296_789)), "12:34:56.789Z");
        assert_eq!(
            cs(&Value::Timestamp(1_614_861_296_789)),
            "2021-03-04T12:34:56.789Z"
        );
        assert_eq!(cs(&Value::Date(0)), "00:00:00.000Z");
        assert_eq!(cs(&Value::Timestamp(-1)), "23:59:59.999Z");
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::optional_string())
            .build();
        let st = Struct::new(schema).put("a", Value::Int32(5)).unwrap();
        assert_eq!(cs(&Value::Struct(st)), "{\"a\":5,\"b\":null}");
    }

    #[test]
    fn conversions() {
        let v = convert_to(&Schema::int32(), None, &s("12.7")).unwrap();
        assert_eq!(v, Value::Int32(12));
        assert_eq!(
            convert_to(&Schema::boolean(), None, &s("true")).unwrap(),
            Value::Boolean(true)
        );
        assert_eq!(
            convert_to(&Schema::boolean(), None, &Value::Int8(0)).unwrap(),
            Value::Boolean(false)
        );
        assert!(convert_to(&Schema::int8(), None, &s("abc")).is_err());
        assert!(convert_to(&Schema::int8(), None, &Value::Null).is_err());
        assert_eq!(
            convert_to(&Schema::optional_int8(), None, &Value::Null).unwrap(),
            Value::Null
        );
        assert_eq!(
            convert_to(&Timestamp::schema(), Some(&Date::schema()), &Value::Date(2)).unwrap(),
            Value::Timestamp(2 * MILLIS_PER_DAY)
        );
        assert_eq!(
            convert_to(&Decimal::schema(1), None, &Value::Float64(2.5)).unwrap(),
            Value::Decimal("2.5".parse().unwrap())
        );
    }

    #[test]
    fn inference() {
        assert_eq!(infer_schema(&s("x")), Some(Schema::string()));
        assert_eq!(infer_schema(&Value::Null), None);
        assert_eq!(
            infer_schema(&Value::Array(vec![Value::Int32(1), Value::Null])),
            Some(SchemaBuilder::array(Schema::optional_int32()).build())
        );
        assert_eq!(
            infer_schema(&Value::Array(vec![Value::Int32(1), s("x")])),
            None
        );
        assert_eq!(infer_schema(&Value::Array(vec![])), None);
        assert_eq!(infer_schema(&Value::Date(1)), None);
    }
}
