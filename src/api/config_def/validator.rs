//! Java's `ConfigDef.Validator` implementations (`Range`, `ValidString`,
//! `CaseInsensitiveValidString`, `ValidList`, `NonNullValidator`,
//! `NonEmptyString`, `NonEmptyStringWithoutControlChars`, `ListSize`,
//! `CompositeValidator`, `LambdaValidator`) and `ConfigDef.Recommender`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::types::{java_double_to_string, ConfigException, Value};

/// A number bound for [`Validator::Range`], printed as Java prints the
/// boxed number it was given (`1`, `0.5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Integer(i64),
    Double(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Integer(i) => i as f64,
            Number::Double(d) => d,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Integer(i) => write!(f, "{i}"),
            Number::Double(d) => f.write_str(&java_double_to_string(*d)),
        }
    }
}

/// The signature of a custom validator: the key's name and its parsed value
/// (`None` for null).
pub type ValidatorFn = dyn Fn(&str, Option<&Value>) -> Result<(), ConfigException> + Send + Sync;

/// `ConfigDef.Validator` and its stock implementations.
#[derive(Clone)]
pub enum Validator {
    /// `Range.atLeast` / `Range.between`.
    Range {
        min: Option<Number>,
        max: Option<Number>,
    },
    /// `ValidString.in`: one of the given strings, case-sensitively.
    ValidString(Vec<String>),
    /// `CaseInsensitiveValidString.in`.
    CaseInsensitiveValidString(Vec<String>),
    /// `ValidList.in`: every item one of the given strings.
    ValidList(Vec<String>),
    /// `NonNullValidator`.
    NonNull,
    /// `NonEmptyString`: null is fine, "" is not.
    NonEmptyString,
    /// `NonEmptyStringWithoutControlChars`.
    NonEmptyStringWithoutControlChars,
    /// `ListSize.atMostOfSize`.
    ListSize(usize),
    /// `CompositeValidator.of`: each in turn, stopping at the first error.
    Composite(Vec<Validator>),
    /// `LambdaValidator.with`: any check, with the description Java's
    /// `toString` would give.
    Custom {
        check: Arc<ValidatorFn>,
        description: String,
    },
    /// What `ConfigDef.embed` wraps a child's validator in: the child sees
    /// the key's name without the prefix.
    Embedded {
        prefix_len: usize,
        inner: Box<Validator>,
    },
}

impl Validator {
    pub fn at_least(min: i64) -> Validator {
        Validator::Range {
            min: Some(Number::Integer(min)),
            max: None,
        }
    }

    pub fn between(min: i64, max: i64) -> Validator {
        Validator::Range {
            min: Some(Number::Integer(min)),
            max: Some(Number::Integer(max)),
        }
    }

    pub fn valid_string(values: &[&str]) -> Validator {
        Validator::ValidString(values.iter().map(|s| s.to_string()).collect())
    }

    pub fn case_insensitive_valid_string(values: &[&str]) -> Validator {
        Validator::CaseInsensitiveValidString(values.iter().map(|s| s.to_string()).collect())
    }

    pub fn custom(
        description: impl Into<String>,
        check: impl Fn(&str, Option<&Value>) -> Result<(), ConfigException> + Send + Sync + 'static,
    ) -> Validator {
        Validator::Custom {
            check: Arc::new(check),
            description: description.into(),
        }
    }

    /// `ensureValid`: `Ok` or Java's exception for this value.
    pub fn ensure_valid(&self, name: &str, value: Option<&Value>) -> Result<(), ConfigException> {
        match self {
            Validator::Range { min, max } => {
                let Some(v) = value else {
                    return Err(ConfigException::invalid(
                        name,
                        "null",
                        "Value must be non-null",
                    ));
                };
                let Some(n) = v.as_f64() else {
                    return Err(ConfigException::invalid_value(
                        name,
                        value,
                        "Value must be a number",
                    ));
                };
                if let Some(min) = min {
                    if n < min.as_f64() {
                        return Err(ConfigException::invalid_value(
                            name,
                            value,
                            &format!("Value must be at least {min}"),
                        ));
                    }
                }
                if let Some(max) = max {
                    if n > max.as_f64() {
                        return Err(ConfigException::invalid_value(
                            name,
                            value,
                            &format!("Value must be no more than {max}"),
                        ));
                    }
                }
                Ok(())
            }
            Validator::ValidString(valid) => {
                let ok = matches!(value.and_then(Value::as_str), Some(s) if valid.iter().any(|v| v == s));
                if ok {
                    Ok(())
                } else {
                    Err(ConfigException::invalid_value(
                        name,
                        value,
                        &format!("String must be one of: {}", valid.join(", ")),
                    ))
                }
            }
            Validator::CaseInsensitiveValidString(valid) => {
                let upper: Vec<String> = valid.iter().map(|s| s.to_uppercase()).collect();
                let ok = matches!(value.and_then(Value::as_str), Some(s) if upper.contains(&s.to_uppercase()));
                if ok {
                    Ok(())
                } else {
                    Err(ConfigException::invalid_value(
                        name,
                        value,
                        &format!(
                            "String must be one of (case insensitive): {}",
                            java_hash_set_order(&upper).join(", ")
                        ),
                    ))
                }
            }
            Validator::ValidList(valid) => {
                // Java would throw a NullPointerException for null; nothing
                // to check is the useful reading.
                for item in value.and_then(Value::as_list).unwrap_or_default() {
                    if !valid.contains(item) {
                        return Err(ConfigException::invalid(
                            name,
                            item,
                            &format!("String must be one of: {}", valid.join(", ")),
                        ));
                    }
                }
                Ok(())
            }
            Validator::NonNull => match value {
                Some(_) => Ok(()),
                None => Err(ConfigException::invalid(
                    name,
                    "null",
                    "entry must be non null",
                )),
            },
            Validator::NonEmptyString => match value.and_then(Value::as_str) {
                Some("") => Err(ConfigException::invalid(
                    name,
                    "",
                    "String must be non-empty",
                )),
                _ => Ok(()),
            },
            Validator::NonEmptyStringWithoutControlChars => {
                let Some(s) = value.and_then(Value::as_str) else {
                    return Ok(());
                };
                if s.is_empty() {
                    return Err(ConfigException::invalid(name, s, "String may not be empty"));
                }
                let illegal: Vec<String> = s
                    .chars()
                    .filter(|c| c.is_control())
                    .map(|c| u32::from(c).to_string())
                    .collect();
                if illegal.is_empty() {
                    Ok(())
                } else {
                    Err(ConfigException::invalid(
                        name,
                        s,
                        &format!(
                            "String may not contain control sequences but had the following ASCII chars: {}",
                            illegal.join(", ")
                        ),
                    ))
                }
            }
            Validator::ListSize(max) => {
                let len = value.and_then(Value::as_list).map_or(0, <[String]>::len);
                if len > *max {
                    Err(ConfigException::invalid_value(
                        name,
                        value,
                        &format!("exceeds maximum list size of [{max}]."),
                    ))
                } else {
                    Ok(())
                }
            }
            Validator::Composite(validators) => validators
                .iter()
                .try_for_each(|v| v.ensure_valid(name, value)),
            Validator::Custom { check, .. } => check(name, value),
            Validator::Embedded { prefix_len, inner } => {
                inner.ensure_valid(name.get(*prefix_len..).unwrap_or(name), value)
            }
        }
    }
}

impl fmt::Display for Validator {
    /// The validator's Java `toString` (the "Valid Values" of the docs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Range { min, max } => match (min, max) {
                (None, None) => f.write_str("[...]"),
                (None, Some(max)) => write!(f, "[...,{max}]"),
                (Some(min), None) => write!(f, "[{min},...]"),
                (Some(min), Some(max)) => write!(f, "[{min},...,{max}]"),
            },
            Validator::ValidString(valid) | Validator::ValidList(valid) => {
                write!(f, "[{}]", valid.join(", "))
            }
            Validator::CaseInsensitiveValidString(valid) => {
                let upper: Vec<String> = valid.iter().map(|s| s.to_uppercase()).collect();
                write!(
                    f,
                    "(case insensitive) [{}]",
                    java_hash_set_order(&upper).join(", ")
                )
            }
            Validator::NonNull => f.write_str("non-null string"),
            Validator::NonEmptyString => f.write_str("non-empty string"),
            Validator::NonEmptyStringWithoutControlChars => {
                f.write_str("non-empty string without ISO control characters")
            }
            Validator::ListSize(max) => write!(f, "List containing maximum of {max} elements"),
            Validator::Composite(validators) => {
                let parts: Vec<String> = validators.iter().map(|v| v.to_string()).collect();
                f.write_str(&parts.join(", "))
            }
            Validator::Custom { description, .. } => f.write_str(description),
            Validator::Embedded { inner, .. } => inner.fmt(f),
        }
    }
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Validator({self})")
    }
}

/// The order a `java.util.HashSet` of these strings iterates in (Java's
/// `CaseInsensitiveValidString` prints its set, so its messages list the
/// values in hash order). Buckets by `String.hashCode` spread as
/// `HashMap.hash` does, in a table grown as `HashMap` grows it.
fn java_hash_set_order(items: &[String]) -> Vec<String> {
    let mut unique: Vec<&String> = Vec::new();
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    let mut capacity = 16usize;
    while unique.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let bucket = |s: &str| {
        let h = s.encode_utf16().fold(0i32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(i32::from(unit))
        });
        let spread = (h as u32) ^ ((h as u32) >> 16);
        spread as usize & (capacity - 1)
    };
    let mut ordered: Vec<(usize, usize, &String)> = unique
        .iter()
        .enumerate()
        .map(|(i, s)| (bucket(s), i, *s))
        .collect();
    ordered.sort();
    ordered.into_iter().map(|(_, _, s)| s.clone()).collect()
}

/// `ConfigDef.Recommender`: suggests values and says whether a key applies,
/// given the other keys' parsed values.
pub trait Recommender: Send + Sync {
    fn valid_values(
        &self,
        name: &str,
        parsed: &HashMap<String, Option<Value>>,
    ) -> Result<Vec<Value>, ConfigException>;

    fn visible(
        &self,
        name: &str,
        parsed: &HashMap<String, Option<Value>>,
    ) -> Result<bool, ConfigException>;
}

/// What `ConfigDef.embed` wraps a child's recommender in: it sees names and
/// parsed values without the prefix.
pub(super) struct EmbeddedRecommender {
    pub(super) prefix: String,
    pub(super) inner: Arc<dyn Recommender>,
}

impl EmbeddedRecommender {
    fn unprefixed(
        &self,
        parsed: &HashMap<String, Option<Value>>,
    ) -> HashMap<String, Option<Value>> {
        parsed
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(self.prefix.as_str())
                    .map(|k| (k.to_string(), v.clone()))
            })
            .collect()
    }
}

impl Recommender for EmbeddedRecommender {
    fn valid_values(
        &self,
        name: &str,
        parsed: &HashMap<String, Option<Value>>,
    ) -> Result<Vec<Value>, ConfigException> {
        let name = name.strip_prefix(self.prefix.as_str()).unwrap_or(name);
        self.inner.valid_values(name, &self.unprefixed(parsed))
    }

    fn visible(
        &self,
        name: &str,
        parsed: &HashMap<String, Option<Value>>,
    ) -> Result<bool, ConfigException> {
        let name = name.strip_prefix(self.prefix.as_str()).unwrap_or(name);
        self.inner.visible(name, &self.unprefixed(parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_word_errors_like_java() {
        let at_least = Validator::at_least(1);
        assert_eq!(
            at_least
                .ensure_valid("tasks.max", Some(&Value::Int(0)))
                .map_err(|e| e.message),
            Err("Invalid value 0 for configuration tasks.max: Value must be at least 1".into())
        );
        assert_eq!(
            at_least.ensure_valid("x", None).map_err(|e| e.message),
            Err("Invalid value null for configuration x: Value must be non-null".into())
        );
        let between = Validator::between(0, 10);
        assert!(between.ensure_valid("x", Some(&Value::Long(10))).is_ok());
        assert_eq!(
            between
                .ensure_valid("x", Some(&Value::Long(11)))
                .map_err(|e| e.message),
            Err("Invalid value 11 for configuration x: Value must be no more than 10".into())
        );
        assert_eq!(at_least.to_string(), "[1,...]");
        assert_eq!(between.to_string(), "[0,...,10]");

        let tolerance = Validator::valid_string(&["none", "all"]);
        assert_eq!(
            tolerance.ensure_valid("errors.tolerance", Some(&"ALL".into())).map_err(|e| e.message),
            Err("Invalid value ALL for configuration errors.tolerance: String must be one of: none, all".into())
        );
        assert_eq!(tolerance.to_string(), "[none, all]");

        let name = Validator::NonEmptyStringWithoutControlChars;
        assert!(name.ensure_valid("name", None).is_ok());
        assert_eq!(
            name.ensure_valid("name", Some(&"a\tb\u{7f}".into())).map_err(|e| e.message),
            Err("Invalid value a\tb\u{7f} for configuration name: String may not contain control sequences but had the following ASCII chars: 9, 127".into())
        );
        assert_eq!(
            name.ensure_valid("name", Some(&"".into()))
                .map_err(|e| e.message),
            Err("Invalid value  for configuration name: String may not be empty".into())
        );
        assert_eq!(
            Validator::ListSize(1)
                .ensure_valid("l", Some(&Value::List(vec!["a".into(), "b".into()])))
                .map_err(|e| e.message),
            Err(
                "Invalid value [a, b] for configuration l: exceeds maximum list size of [1]."
                    .into()
            )
        );
    }

    #[test]
    fn case_insensitive_valid_string_lists_values_in_java_hash_order() {
        // Java: CaseInsensitiveValidString.in("only_scan", "hybrid_warn",
        // "hybrid_fail", "service_load") prints its HashSet.
        let v = Validator::case_insensitive_valid_string(&[
            "only_scan",
            "hybrid_warn",
            "hybrid_fail",
            "service_load",
        ]);
        assert!(v
            .ensure_valid("plugin.discovery", Some(&"Hybrid_Warn".into()))
            .is_ok());
        let message = match v.ensure_valid("plugin.discovery", Some(&"x".into())) {
            Err(e) => e.message,
            Ok(()) => panic!("expected an error"),
        };
        assert!(message.starts_with(
            "Invalid value x for configuration plugin.discovery: String must be one of (case insensitive): "
        ));
        let mut listed: Vec<&str> = message
            .rsplit(": ")
            .next()
            .unwrap_or("")
            .split(", ")
            .collect();
        listed.sort_unstable();
        assert_eq!(
            listed,
            ["HYBRID_FAIL", "HYBRID_WARN", "ONLY_SCAN", "SERVICE_LOAD"]
        );
        // Buckets by hash: "A" (65) and "B" (66) land in buckets 1 and 2.
        assert_eq!(java_hash_set_order(&["B".into(), "A".into()]), ["A", "B"]);
    }
}
