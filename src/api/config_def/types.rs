//! Configuration value types: Java's `ConfigDef.Type`, `Importance`,
//! `Width`, the parsed values (`Password` among them), `ConfigException`,
//! and `ConfigDef.parseType`, with Java's number and list syntax and its
//! error wording.

use std::fmt;

/// Java's `ConfigException`: the message is the whole of it, worded as
/// Java words it; `name` is the key it is about, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigException {
    pub name: Option<String>,
    pub message: String,
}

impl ConfigException {
    /// `new ConfigException(message)`.
    pub fn new(message: impl Into<String>) -> ConfigException {
        ConfigException {
            name: None,
            message: message.into(),
        }
    }

    /// `new ConfigException(name, value, message)`:
    /// `Invalid value <value> for configuration <name>: <message>`.
    pub fn invalid(name: &str, value: impl fmt::Display, message: &str) -> ConfigException {
        ConfigException {
            name: Some(name.to_string()),
            message: format!("Invalid value {value} for configuration {name}: {message}"),
        }
    }

    /// The same, for an optional parsed value (`null` when absent).
    pub(super) fn invalid_value(
        name: &str,
        value: Option<&Value>,
        message: &str,
    ) -> ConfigException {
        ConfigException::invalid(name, JavaDisplay(value), message)
    }

    pub(super) fn missing(name: &str) -> ConfigException {
        ConfigException {
            name: Some(name.to_string()),
            message: format!(
                "Missing required configuration \"{name}\" which has no default value."
            ),
        }
    }
}

impl fmt::Display for ConfigException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigException {}

/// A secret. Shown as `[hidden]` everywhere (Debug, Display, REST); only
/// [`Password::value`] gives the text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Password(String);

impl Password {
    pub const HIDDEN: &'static str = "[hidden]";

    pub fn new(value: impl Into<String>) -> Password {
        Password(value.into())
    }

    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Password::HIDDEN)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Password::HIDDEN)
    }
}

/// `ConfigDef.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl Type {
    /// The upper-case Java name, as the REST API shows it.
    pub fn name(self) -> &'static str {
        match self {
            Type::Boolean => "BOOLEAN",
            Type::String => "STRING",
            Type::Int => "INT",
            Type::Short => "SHORT",
            Type::Long => "LONG",
            Type::Double => "DOUBLE",
            Type::List => "LIST",
            Type::Class => "CLASS",
            Type::Password => "PASSWORD",
        }
    }

    pub fn is_sensitive(self) -> bool {
        self == Type::Password
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `ConfigDef.Importance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Importance {
    High,
    Medium,
    Low,
}

impl Importance {
    pub fn name(self) -> &'static str {
        match self {
            Importance::High => "HIGH",
            Importance::Medium => "MEDIUM",
            Importance::Low => "LOW",
        }
    }
}

/// `ConfigDef.Width`: a hint for UIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Width {
    None,
    Short,
    Medium,
    Long,
}

impl Width {
    pub fn name(self) -> &'static str {
        match self {
            Width::None => "NONE",
            Width::Short => "SHORT",
            Width::Medium => "MEDIUM",
            Width::Long => "LONG",
        }
    }
}

/// A parsed configuration value (Java's boxed `Object` values).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Boolean(bool),
    String(String),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    List(Vec<String>),
    /// A class name; resolving it is the plugin registry's business.
    Class(String),
    Password(Password),
}

impl Value {
    /// `ConfigDef.convertToString`: lists joined by `,`, passwords as
    /// `[hidden]`, doubles as Java prints them.
    pub fn to_config_string(&self) -> String {
        match self {
            Value::Boolean(b) => b.to_string(),
            Value::String(s) | Value::Class(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Short(i) => i.to_string(),
            Value::Long(i) => i.to_string(),
            Value::Double(d) => java_double_to_string(*d),
            Value::List(items) => items.join(","),
            Value::Password(p) => p.to_string(),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The text of a STRING or CLASS value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::Class(s) => Some(s),
            _ => None,
        }
    }

    /// Any integral value, widened.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Short(i) => Some(i64::from(*i)),
            Value::Int(i) => Some(i64::from(*i)),
            Value::Long(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Double(d) => Some(*d),
            other => other.as_i64().map(|i| i as f64),
        }
    }

    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_password(&self) -> Option<&Password> {
        match self {
            Value::Password(p) => Some(p),
            _ => None,
        }
    }

    /// The Java class name of the boxed value, for Java's type-mismatch
    /// messages.
    fn java_class(&self) -> &'static str {
        match self {
            Value::Boolean(_) => "java.lang.Boolean",
            Value::String(_) => "java.lang.String",
            Value::Int(_) => "java.lang.Integer",
            Value::Short(_) => "java.lang.Short",
            Value::Long(_) => "java.lang.Long",
            Value::Double(_) => "java.lang.Double",
            Value::List(_) => "java.util.ArrayList",
            Value::Class(_) => "java.lang.Class",
            Value::Password(_) => "org.apache.kafka.common.config.types.Password",
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Boolean(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::String(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::String(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v)
    }
}

impl From<i16> for Value {
    fn from(v: i16) -> Value {
        Value::Short(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Long(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Double(v)
    }
}

impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Value {
        Value::List(v)
    }
}

/// How Java's `String.valueOf(Object)` shows a value inside a
/// `ConfigException` message: `null`, lists as `[a, b]`, classes as
/// `class x.Y`, passwords as `[hidden]`.
pub(super) struct JavaDisplay<'a>(Option<&'a Value>);

impl fmt::Display for JavaDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("null"),
            Some(Value::List(items)) => write!(f, "[{}]", items.join(", ")),
            Some(Value::Class(name)) => write!(f, "class {name}"),
            Some(other) => f.write_str(&other.to_config_string()),
        }
    }
}

/// Java's `Double.toString`: plain decimal between 10^-3 and 10^7, the
/// computerized scientific form (`1.0E10`, `1.0E-4`) outside, and always a
/// digit after the point.
pub fn java_double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let sign = if d.is_sign_negative() { "-" } else { "" };
    if d == 0.0 {
        return format!("{sign}0.0");
    }
    let abs = d.abs();
    // Rust's `{:e}` gives the shortest digits that round-trip, as Java does.
    let sci = format!("{abs:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            let (int_part, frac) = if digits.len() > int_len {
                (digits[..int_len].to_string(), digits[int_len..].to_string())
            } else {
                let mut int_part = digits.clone();
                int_part.extend(std::iter::repeat_n('0', int_len - digits.len()));
                (int_part, "0".to_string())
            };
            format!("{sign}{int_part}.{frac}")
        } else {
            let zeros = "0".repeat((-exp - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

/// Java's `String.trim`: strips every character up to and including space.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java's `\s`: `[ \t\n\x0B\f\r]`.
fn is_java_regex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Java's `Double.parseDouble` on an already trimmed string: decimal or
/// `NaN` / `Infinity` with an optional sign and an optional `f`/`d` suffix.
fn parse_java_double(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let negative = s.starts_with('-');
    match unsigned {
        "NaN" => return Some(f64::NAN),
        "Infinity" => {
            return Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        _ => {}
    }
    let body = s.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(s);
    let digits = body.strip_prefix(['+', '-']).unwrap_or(body);
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        || !digits.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    body.parse().ok()
}

/// `ConfigDef.parseType` for a string value: trims it (except that the
/// error message shows the value as given) and converts it to `type`.
pub fn parse_type(name: &str, value: &str, config_type: Type) -> Result<Value, ConfigException> {
    let trimmed = java_trim(value);
    let not_a_number =
        || ConfigException::invalid(name, value, &format!("Not a number of type {config_type}"));
    Ok(match config_type {
        Type::Boolean => {
            if trimmed.eq_ignore_ascii_case("true") {
                Value::Boolean(true)
            } else if trimmed.eq_ignore_ascii_case("false") {
                Value::Boolean(false)
            } else {
                return Err(ConfigException::invalid(
                    name,
                    value,
                    "Expected value to be either true or false",
                ));
            }
        }
        Type::Password => Value::Password(Password::new(trimmed)),
        Type::String => Value::String(trimmed.to_string()),
        Type::Int => Value::Int(trimmed.parse().map_err(|_| not_a_number())?),
        Type::Short => Value::Short(trimmed.parse().map_err(|_| not_a_number())?),
        Type::Long => Value::Long(trimmed.parse().map_err(|_| not_a_number())?),
        Type::Double => Value::Double(parse_java_double(trimmed).ok_or_else(not_a_number)?),
        Type::List => Value::List(parse_list(trimmed)),
        Type::Class => Value::Class(trimmed.to_string()),
    })
}

/// A LIST value: empty for an empty string, otherwise split on commas with
/// the whitespace around them, keeping empty items (`a,,b` has three).
fn parse_list(trimmed: &str) -> Vec<String> {
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed
        .split(',')
        .map(|item| item.trim_matches(is_java_regex_space).to_string())
        .collect()
}

/// `parseType` for a typed (non-string) value, as Java accepts boxed
/// defaults: an Integer for a LONG, any number for a DOUBLE.
pub(super) fn coerce(
    name: &str,
    value: Value,
    config_type: Type,
) -> Result<Value, ConfigException> {
    if let Value::String(s) = &value {
        if config_type != Type::String {
            return parse_type(name, s, config_type);
        }
    }
    let mismatch = |expected: &str, v: &Value| {
        ConfigException::invalid(
            name,
            JavaDisplay(Some(v)),
            &format!("{expected}, but it was a {}", v.java_class()),
        )
    };
    match (config_type, value) {
        (Type::Boolean, v @ Value::Boolean(_)) => Ok(v),
        (Type::Boolean, v) => Err(ConfigException::invalid(
            name,
            JavaDisplay(Some(&v)),
            "Expected value to be either true or false",
        )),
        (Type::Password, v @ Value::Password(_)) => Ok(v),
        (Type::Password, v) => Err(mismatch("Expected value to be a string", &v)),
        (Type::String, Value::String(s)) => Ok(Value::String(java_trim(&s).to_string())),
        (Type::String, v) => Err(mismatch("Expected value to be a string", &v)),
        (Type::Int, v @ Value::Int(_)) => Ok(v),
        (Type::Int, v) => Err(mismatch("Expected value to be a 32-bit integer", &v)),
        (Type::Short, v @ Value::Short(_)) => Ok(v),
        (Type::Short, v) => Err(mismatch(
            "Expected value to be a 16-bit integer (short)",
            &v,
        )),
        (Type::Long, Value::Int(i)) => Ok(Value::Long(i64::from(i))),
        (Type::Long, v @ Value::Long(_)) => Ok(v),
        (Type::Long, v) => Err(mismatch("Expected value to be a 64-bit integer (long)", &v)),
        (Type::Double, v) => match v.as_f64() {
            Some(d) => Ok(Value::Double(d)),
            None => Err(mismatch("Expected value to be a double", &v)),
        },
        (Type::List, v @ Value::List(_)) => Ok(v),
        (Type::List, v) => Err(ConfigException::invalid(
            name,
            JavaDisplay(Some(&v)),
            "Expected a comma separated list.",
        )),
        (Type::Class, v @ Value::Class(_)) => Ok(v),
        (Type::Class, v) => Err(ConfigException::invalid(
            name,
            JavaDisplay(Some(&v)),
            "Expected a Class instance or class name.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: Result<Value, ConfigException>) -> String {
        match r {
            Err(e) => e.message,
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    fn ok(r: Result<Value, ConfigException>) -> Value {
        match r {
            Ok(v) => v,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn booleans_are_case_insensitive_and_trimmed() {
        assert_eq!(
            ok(parse_type("b", " TRUE ", Type::Boolean)),
            Value::Boolean(true)
        );
        assert_eq!(
            ok(parse_type("b", "False", Type::Boolean)),
            Value::Boolean(false)
        );
        assert_eq!(
            err(parse_type("b", "yes", Type::Boolean)),
            "Invalid value yes for configuration b: Expected value to be either true or false"
        );
    }

    #[test]
    fn numbers_parse_like_java() {
        assert_eq!(ok(parse_type("i", " +42 ", Type::Int)), Value::Int(42));
        assert_eq!(ok(parse_type("s", "-7", Type::Short)), Value::Short(-7));
        assert_eq!(
            ok(parse_type("l", "9223372036854775807", Type::Long)),
            Value::Long(i64::MAX)
        );
        assert_eq!(
            err(parse_type("i", "2147483648", Type::Int)),
            "Invalid value 2147483648 for configuration i: Not a number of type INT"
        );
        assert_eq!(
            err(parse_type("s", "40000", Type::Short)),
            "Invalid value 40000 for configuration s: Not a number of type SHORT"
        );
        assert_eq!(
            err(parse_type("i", " 1.5", Type::Int)),
            "Invalid value  1.5 for configuration i: Not a number of type INT"
        );
        assert_eq!(
            ok(parse_type("d", "1.5e3", Type::Double)),
            Value::Double(1500.0)
        );
        assert_eq!(ok(parse_type("d", "2d", Type::Double)), Value::Double(2.0));
        assert_eq!(ok(parse_type("d", ".5", Type::Double)), Value::Double(0.5));
        assert_eq!(
            ok(parse_type("d", "-Infinity", Type::Double)),
            Value::Double(f64::NEG_INFINITY)
        );
        for bad in ["inf", "nan", "infinity", "1x", "", "e5", "0x10"] {
            assert_eq!(
                err(parse_type("d", bad, Type::Double)),
                format!("Invalid value {bad} for configuration d: Not a number of type DOUBLE")
            );
        }
    }

    #[test]
    fn lists_split_on_commas_and_keep_empty_items() {
        let list = |s: &str| ok(parse_type("l", s, Type::List));
        assert_eq!(list("  "), Value::List(vec![]));
        assert_eq!(
            list("a , b,c"),
            Value::List(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(
            list("a,,b"),
            Value::List(vec!["a".into(), "".into(), "b".into()])
        );
        assert_eq!(list("a,"), Value::List(vec!["a".into(), "".into()]));
    }

    #[test]
    fn strings_classes_and_passwords_are_trimmed() {
        assert_eq!(
            ok(parse_type("s", "  x y ", Type::String)),
            Value::String("x y".into())
        );
        assert_eq!(
            ok(parse_type("c", " a.B ", Type::Class)),
            Value::Class("a.B".into())
        );
        assert_eq!(
            ok(parse_type("p", " secret ", Type::Password)),
            Value::Password(Password::new("secret"))
        );
    }

    #[test]
    fn double_to_string_like_java() {
        let cases = [
            (1.0, "1.0"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (1.0e10, "1.0E10"),
            (1234567.0, "1234567.0"),
            (1.0e7, "1.0E7"),
            (123.456, "123.456"),
            (-0.5, "-0.5"),
            (-0.0, "-0.0"),
            (1.5e-7, "1.5E-7"),
            (100.0, "100.0"),
            (f64::NAN, "NaN"),
        ];
        for (d, s) in cases {
            assert_eq!(java_double_to_string(d), s, "{d}");
        }
    }
}
