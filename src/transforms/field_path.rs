//! Field paths into Structs and schemaless maps (KIP-821): Java's
//! `FieldSyntaxVersion` and `SingleFieldPath`
//! (`org.apache.kafka.connect.transforms.field`).
//!
//! With `field.syntax.version=V1` (the default) a path is one plain field
//! name at the root, dots and backticks included. With `V2` a path is
//! dotted (`foo.bar.baz`), and a step that contains dots is wrapped in
//! backticks (`` `foo.bar`.baz ``); a backtick that would close the wrap
//! but is part of the name is escaped with a backslash. The parsing rules
//! and the error message are Java's, quirks included (an empty path has
//! no steps; a trailing dot adds an empty step).
//!
//! Among the SMTs of Kafka 4.x, only ExtractField declares
//! `field.syntax.version`; the others take plain root field names.
//!
//! Public API:
//! - [`FieldSyntaxVersion`]: `append_config_to(ConfigDef)` adds the key,
//!   `from_config(&SimpleConfig)` reads it.
//! - [`SingleFieldPath::new`]`(path, version)`: parse (a config error on an
//!   incomplete backtick pair).
//! - [`SingleFieldPath::field_from`] (a schema), [`SingleFieldPath::value_from_struct`]
//!   and [`SingleFieldPath::value_from_map`]: lookups; `None` when a step
//!   is missing, as Java returns null.

use std::fmt;

use crate::api::config_def::{ConfigDef, ConfigException, ConfigKey, Importance, Type, Validator};
use crate::api::data::{Field, Schema, Struct, Value};
use crate::api::error::{ConnectError, ConnectResult};

use super::util::{require_map_or_null, require_struct_or_null, SimpleConfig};

/// How field paths are written (Java's `FieldSyntaxVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldSyntaxVersion {
    /// One field name at the root, taken as is.
    #[default]
    V1,
    /// Dotted paths with backtick-wrapped steps.
    V2,
}

impl FieldSyntaxVersion {
    pub const CONFIG: &'static str = "field.syntax.version";
    /// As Kafka 4.3 words it (with `<code>` where older versions had backticks).
    pub const DOC: &'static str = "Defines the version of the syntax to access fields. \
If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. \
If set to <code>V2</code>, the syntax will support accessing nested elements. \
To access nested elements, dotted notation is used. \
If dots are already included in the field name, \
then backtick pairs can be used to wrap field names containing dots. \
E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map \
the following format can be used to access its elements: \"<code>foo.bar</code>.baz\".";
    pub const DEFAULT: &'static str = "V1";

    /// `appendConfigTo`: declares `field.syntax.version` (STRING, default
    /// `V1`, V1/V2 case-insensitively, HIGH).
    pub fn append_config_to(def: ConfigDef) -> ConfigDef {
        def.define(
            ConfigKey::new(Self::CONFIG, Type::String, Importance::High, Self::DOC)
                .with_default(Self::DEFAULT)
                .with_validator(Validator::case_insensitive_valid_string(&["V1", "V2"])),
        )
    }

    /// `fromConfig`: the version a parsed config asks for (absent: V1).
    pub fn from_config(config: &SimpleConfig) -> Result<FieldSyntaxVersion, ConfigException> {
        match config.get_string(Self::CONFIG) {
            None => Ok(FieldSyntaxVersion::V1),
            Some(v) => FieldSyntaxVersion::parse(v),
        }
    }

    /// `valueOf(text.toUpperCase())`.
    pub fn parse(text: &str) -> Result<FieldSyntaxVersion, ConfigException> {
        match text.to_uppercase().as_str() {
            "V1" => Ok(FieldSyntaxVersion::V1),
            "V2" => Ok(FieldSyntaxVersion::V2),
            _ => Err(ConfigException::invalid(
                Self::CONFIG,
                text,
                "Unrecognized field syntax version",
            )),
        }
    }
}

impl fmt::Display for FieldSyntaxVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldSyntaxVersion::V1 => "V1",
            FieldSyntaxVersion::V2 => "V2",
        })
    }
}

const BACKTICK: u8 = b'`';
const DOT: u8 = b'.';
const BACKSLASH: u8 = b'\\';

/// A path to one field (Java's `SingleFieldPath`): one or more steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleFieldPath {
    version: FieldSyntaxVersion,
    /// The field names from the root; empty only for an empty V2 path.
    steps: Vec<String>,
}

impl SingleFieldPath {
    /// Parses `path` under `version`; V2 fails on an unclosed backtick
    /// with Java's message.
    pub fn new(
        path: &str,
        version: FieldSyntaxVersion,
    ) -> Result<SingleFieldPath, ConfigException> {
        let steps = match version {
            FieldSyntaxVersion::V1 => vec![path.to_string()],
            FieldSyntaxVersion::V2 => parse_v2(path)?,
        };
        Ok(SingleFieldPath { version, steps })
    }

    /// A V1 path: the one root field `name` (cannot fail).
    pub fn plain(name: &str) -> SingleFieldPath {
        SingleFieldPath {
            version: FieldSyntaxVersion::V1,
            steps: vec![name.to_string()],
        }
    }

    pub fn version(&self) -> FieldSyntaxVersion {
        self.version
    }

    /// The field names from the root.
    pub fn steps(&self) -> &[String] {
        &self.steps
    }

    /// The steps before the last, and the last (`None` for no steps).
    fn split(&self) -> Option<(&[String], &str)> {
        self.steps
            .split_last()
            .map(|(last, init)| (init, last.as_str()))
    }

    /// `fieldFrom(schema)`: the field at this path, `None` if a step is
    /// missing. Looking up a field in a non-struct schema is Java's
    /// `DataException`.
    pub fn field_from<'a>(&self, schema: &'a Schema) -> ConnectResult<Option<&'a Field>> {
        let (init, last) = self.split().ok_or_else(empty_path)?;
        let mut current = schema;
        for step in init {
            match schema_field(current, step)? {
                Some(f) => current = &f.schema,
                None => return Ok(None),
            }
        }
        schema_field(current, last)
    }

    /// `valueFrom(struct, withDefault)`: the value at this path, `None` if
    /// a step is missing or a parent is null. A parent that is not a Struct
    /// is Java's `DataException`. `with_default` gives a null field's
    /// default (`Struct.get`), else the value as set (`getWithoutDefault`).
    pub fn value_from_struct<'a>(
        &self,
        value: &'a Struct,
        with_default: bool,
    ) -> ConnectResult<Option<&'a Value>> {
        let (init, last) = self.split().ok_or_else(empty_path)?;
        let mut current = value;
        for step in init {
            let Some(sub) = current.get(step) else {
                return Ok(None);
            };
            match require_struct_or_null(sub, "nested field access")? {
                Some(s) => current = s,
                None => return Ok(None),
            }
        }
        Ok(if with_default {
            current.get(last)
        } else {
            current.get_without_default(last)
        })
    }

    /// `valueFrom(map)`: the value at this path in schemaless data, `None`
    /// if a key is missing or a parent is null. A parent that is not a map
    /// is Java's `DataException`.
    pub fn value_from_map<'a>(
        &self,
        entries: &'a [(Value, Value)],
    ) -> ConnectResult<Option<&'a Value>> {
        let (init, last) = self.split().ok_or_else(empty_path)?;
        let mut current = entries;
        for step in init {
            let sub = map_get(current, step).unwrap_or(&Value::Null);
            match require_map_or_null(sub, "nested field access")? {
                Some(m) => current = m,
                None => return Ok(None),
            }
        }
        Ok(map_get(current, last))
    }
}

impl fmt::Display for SingleFieldPath {
    /// Java's `toString()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SingleFieldPath{{version={}, path={}}}",
            self.version,
            self.steps.join(".")
        )
    }
}

/// Java fails a lookup with no steps (its `subList(0, -1)`), at record time.
fn empty_path() -> ConnectError {
    ConnectError::data("fromIndex(0) > toIndex(-1)")
}

/// `Schema.field(name)`: on a non-struct schema Java throws.
fn schema_field<'a>(schema: &'a Schema, name: &str) -> ConnectResult<Option<&'a Field>> {
    if schema.type_() != crate::api::data::Type::Struct {
        return Err(ConnectError::data(
            "Cannot look up fields on non-struct type",
        ));
    }
    Ok(schema.field(name))
}

/// `Map.get(String)`: only string keys match.
fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// Java's `buildFieldPathV2`. Works on bytes: the three special
/// characters are ASCII, so every cut falls on a char boundary.
fn parse_v2(path: &str) -> Result<Vec<String>, ConfigException> {
    let bytes = path.as_bytes();
    let len = bytes.len();
    let find = |c: u8, from: usize| {
        bytes[from.min(len)..]
            .iter()
            .position(|b| *b == c)
            .map(|p| p + from)
    };
    let mut steps = Vec::new();
    let mut idx = 0;
    while idx < len {
        if bytes[idx] != BACKTICK {
            let start = idx;
            match find(DOT, idx) {
                Some(dot) => {
                    steps.push(path[start..dot].to_string());
                    idx = dot + 1;
                }
                None => {
                    steps.push(path[start..].to_string());
                    break;
                }
            }
        } else {
            let backtick_at = idx;
            idx += 1;
            let mut field = String::new();
            let mut start = idx;
            loop {
                idx = find(BACKTICK, idx).ok_or_else(|| incomplete(path, backtick_at))?;
                let escaped = bytes[idx - 1] == BACKSLASH;
                if idx + 1 >= len {
                    if escaped {
                        return Err(incomplete(path, backtick_at));
                    }
                    field.push_str(&path[start..idx]);
                    steps.push(field);
                    idx += 1;
                    break;
                }
                if bytes[idx + 1] != DOT {
                    idx += 1;
                    continue;
                }
                if escaped {
                    field.push_str(&path[start..idx - 1]);
                    field.push('`');
                    idx += 1;
                    start = idx;
                    continue;
                }
                field.push_str(&path[start..idx]);
                steps.push(field);
                idx += 2;
                break;
            }
        }
    }
    if path.ends_with('.') {
        steps.push(String::new());
    }
    Ok(steps)
}

/// Java's message; the position counts UTF-16 units, as Java's index does.
fn incomplete(path: &str, backtick_at: usize) -> ConfigException {
    let position = path[..backtick_at].encode_utf16().count();
    ConfigException::new(format!(
        "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {position} to escape it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::connector::Props;
    use crate::api::data::SchemaBuilder;

    fn v2(path: &str) -> Vec<String> {
        SingleFieldPath::new(path, FieldSyntaxVersion::V2)
            .unwrap()
            .steps()
            .to_vec()
    }

    fn v2_err(path: &str) -> String {
        SingleFieldPath::new(path, FieldSyntaxVersion::V2)
            .unwrap_err()
            .message
    }

    fn path(p: &str) -> SingleFieldPath {
        SingleFieldPath::new(p, FieldSyntaxVersion::V2).unwrap()
    }

    #[test]
    fn v1_is_one_step_as_written() {
        for p in ["foo.bar.baz", "foo`bar`", "foo.`bar.baz`", ""] {
            let parsed = SingleFieldPath::new(p, FieldSyntaxVersion::V1).unwrap();
            assert_eq!(parsed.steps(), [p]);
        }
    }

    #[test]
    fn v2_splits_on_dots_and_keeps_empty_names() {
        assert_eq!(v2(".."), ["", "", ""]);
        assert_eq!(v2("foo.."), ["foo", "", ""]);
        assert_eq!(v2(".bar."), ["", "bar", ""]);
        assert_eq!(v2("..baz"), ["", "", "baz"]);
        assert!(v2("").is_empty());
        assert_eq!(v2("foobarbaz"), ["foobarbaz"]);
        assert_eq!(v2("foo.bar.baz"), ["foo", "bar", "baz"]);
        assert_eq!(v2("foo`bar`baz"), ["foo`bar`baz"]);
    }

    #[test]
    fn v2_backticks_wrap_names_with_dots() {
        assert_eq!(v2("`foo.bar.baz`"), ["foo.bar.baz"]);
        assert_eq!(v2("foo.`bar.baz`"), ["foo", "bar.baz"]);
        assert_eq!(v2("`foo.bar`.baz"), ["foo.bar", "baz"]);
        assert_eq!(v2("foo.`bar`.baz"), ["foo", "bar", "baz"]);
        // Backticks that do not wrap stay in the name.
        assert_eq!(v2("foo.``bar.baz`"), ["foo", "`bar.baz"]);
        assert_eq!(v2("foo.`bar.baz``"), ["foo", "bar.baz`"]);
        assert_eq!(v2("foo.`ba`r.baz`"), ["foo", "ba`r.baz"]);
        assert_eq!(v2("foo.ba`r.baz"), ["foo", "ba`r", "baz"]);
        assert_eq!(v2("foo.``bar``.baz"), ["foo", "`bar`", "baz"]);
        assert_eq!(v2("``foo.bar.baz``"), ["`foo.bar.baz`"]);
    }

    #[test]
    fn v2_escaped_backticks() {
        assert_eq!(v2("foo.`bar\\`.baz`"), ["foo", "bar`.baz"]);
        assert_eq!(v2("foo.`bar.`baz`"), ["foo", "bar.`baz"]);
        assert_eq!(v2("foo.`bar\\`.`baz`"), ["foo", "bar`.`baz"]);
        assert_eq!(v2("foo.`bar\\\\`.\\`baz`"), ["foo", "bar\\`.\\`baz"]);
        assert_eq!(v2("é.`ü.x`"), ["é", "ü.x"]);
    }

    #[test]
    fn v2_incomplete_backticks_fail_like_java() {
        let msg = |p: &str, at: usize| {
            format!("Incomplete backtick pair in path: [{p}], consider adding a backslash before backtick at position {at} to escape it")
        };
        assert_eq!(v2_err("`foo.bar.baz"), msg("`foo.bar.baz", 0));
        assert_eq!(v2_err("foo.`bar.baz"), msg("foo.`bar.baz", 4));
        assert_eq!(v2_err("foo.bar.`baz"), msg("foo.bar.`baz", 8));
        assert_eq!(v2_err("foo.bar.`baz\\`"), msg("foo.bar.`baz\\`", 8));
        // Positions count UTF-16 units, as Java's do.
        assert_eq!(v2_err("é.`x"), msg("é.`x", 2));
    }

    #[test]
    fn config_key_and_version_parsing() {
        let def = FieldSyntaxVersion::append_config_to(ConfigDef::new());
        let key = def.key("field.syntax.version").unwrap();
        assert_eq!(key.default_value().and_then(|v| v.as_str()), Some("V1"));
        assert_eq!(key.importance, Importance::High);
        for (input, want) in [
            ("v1", FieldSyntaxVersion::V1),
            ("v2", FieldSyntaxVersion::V2),
            ("V1", FieldSyntaxVersion::V1),
            ("V2", FieldSyntaxVersion::V2),
        ] {
            let props: Props = [("field.syntax.version".to_string(), input.to_string())].into();
            let config = SimpleConfig::new(&def, &props).unwrap();
            assert_eq!(FieldSyntaxVersion::from_config(&config).unwrap(), want);
        }
        let config = SimpleConfig::new(&def, &Props::new()).unwrap();
        assert_eq!(
            FieldSyntaxVersion::from_config(&config).unwrap(),
            FieldSyntaxVersion::V1
        );
        for input in ["v3", "V 1", "v", "V 2", "2", "1"] {
            let props: Props = [("field.syntax.version".to_string(), input.to_string())].into();
            let e = SimpleConfig::new(&def, &props).unwrap_err();
            assert_eq!(
                e.message,
                format!("Invalid value {input} for configuration field.syntax.version: String must be one of (case insensitive): V1, V2")
            );
        }
    }

    #[test]
    fn finds_fields_in_schemas() {
        let bar = SchemaBuilder::struct_()
            .field("bar", Schema::int32())
            .build();
        let schema = SchemaBuilder::struct_().field("foo", bar.clone()).build();
        assert_eq!(
            path("foo.bar").field_from(&schema).unwrap(),
            bar.field("bar")
        );
        assert_eq!(
            path("foo").field_from(&schema).unwrap(),
            schema.field("foo")
        );
        assert_eq!(path("un.known").field_from(&schema).unwrap(), None);
        assert_eq!(path("foo.unknown").field_from(&schema).unwrap(), None);
        assert_eq!(path("unknown").field_from(&schema).unwrap(), None);
        let e = path("foo.bar.baz").field_from(&schema).unwrap_err();
        assert_eq!(e.message, "Cannot look up fields on non-struct type");
    }

    #[test]
    fn finds_values_in_maps() {
        let foo = Value::Map(vec![
            (Value::from("bar"), Value::Int32(42)),
            (Value::from("baz"), Value::Null),
        ]);
        let map = vec![(Value::from("foo"), foo)];
        assert_eq!(
            path("foo.bar").value_from_map(&map).unwrap(),
            Some(&Value::Int32(42))
        );
        assert_eq!(
            path("foo.baz").value_from_map(&map).unwrap(),
            Some(&Value::Null)
        );
        assert_eq!(path("un.known").value_from_map(&map).unwrap(), None);
        assert_eq!(path("foo.unknown").value_from_map(&map).unwrap(), None);
        assert_eq!(path("unknown").value_from_map(&map).unwrap(), None);
        assert_eq!(path("foo.baz.inner").value_from_map(&map).unwrap(), None);
        let e = path("foo.bar.x").value_from_map(&map).unwrap_err();
        assert_eq!(
            e.message,
            "Only Map objects supported in absence of schema for [nested field access], found: java.lang.Integer"
        );
        assert!(path("").value_from_map(&map).is_err());
    }

    #[test]
    fn finds_values_in_structs() {
        let baz = SchemaBuilder::struct_()
            .field("inner", Schema::string())
            .optional()
            .build();
        let bar = SchemaBuilder::struct_()
            .field("bar", Schema::int32())
            .field("baz", baz)
            .field(
                "dflt",
                SchemaBuilder::new(crate::api::data::Type::Int32)
                    .optional()
                    .default_value(Value::Int32(7))
                    .build(),
            )
            .build();
        let schema = SchemaBuilder::struct_().field("foo", bar.clone()).build();
        let foo = Struct::new(bar).put("bar", Value::Int32(42)).unwrap();
        let s = Struct::new(schema).put("foo", Value::Struct(foo)).unwrap();
        assert_eq!(
            path("foo.bar").value_from_struct(&s, true).unwrap(),
            Some(&Value::Int32(42))
        );
        assert_eq!(
            path("foo.baz").value_from_struct(&s, true).unwrap(),
            Some(&Value::Null)
        );
        assert_eq!(
            path("foo.dflt").value_from_struct(&s, true).unwrap(),
            Some(&Value::Int32(7))
        );
        assert_eq!(
            path("foo.dflt").value_from_struct(&s, false).unwrap(),
            Some(&Value::Null)
        );
        assert_eq!(path("un.known").value_from_struct(&s, true).unwrap(), None);
        assert_eq!(
            path("foo.unknown").value_from_struct(&s, true).unwrap(),
            None
        );
        assert_eq!(path("unknown").value_from_struct(&s, true).unwrap(), None);
        assert_eq!(
            path("foo.baz.inner").value_from_struct(&s, true).unwrap(),
            None
        );
        let e = path("foo.bar.x").value_from_struct(&s, true).unwrap_err();
        assert_eq!(
            e.message,
            "Only Struct objects supported for [nested field access], found: java.lang.Integer"
        );
    }

    /// Every V2 path of up to 6 characters from `a . \` \\` parses as Kafka
    /// 4.3.1's `SingleFieldPath` parses it: the steps (or the error) of all
    /// 5,461 paths, one `path\t<step>|<step>` line each, hash to the FNV-1a
    /// digest of Java's output.
    #[test]
    fn all_short_paths_parse_as_in_java() {
        let alpha = ['a', '.', '`', '\\'];
        let mut all = vec![String::new()];
        let mut prev = vec![String::new()];
        for _ in 0..6 {
            let next: Vec<String> = prev
                .iter()
                .flat_map(|p| alpha.iter().map(move |c| format!("{p}{c}")))
                .collect();
            all.extend(next.iter().cloned());
            prev = next;
        }
        let mut out = String::new();
        for p in &all {
            let line = match SingleFieldPath::new(p, FieldSyntaxVersion::V2) {
                Ok(path) => path
                    .steps()
                    .iter()
                    .map(|s| format!("<{s}>"))
                    .collect::<Vec<_>>()
                    .join("|"),
                Err(e) => format!("ERR {}", e.message),
            };
            out.push_str(&format!("{p}\t{line}\n"));
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in out.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(all.len(), 5461);
        assert_eq!((out.len(), hash), (298_084, 0xc00e_3a6b_ef79_e3e4));
    }

    #[test]
    fn displays_like_java() {
        assert_eq!(
            path("`a.b`.c").to_string(),
            "SingleFieldPath{version=V2, path=a.b.c}"
        );
    }
}
