//! ReplaceField (`org.apache.kafka.connect.transforms.ReplaceField$Key` /
//! `$Value`): drops (`exclude`), keeps (`include`) and renames (`renames`,
//! `old:new` pairs) root fields of a Struct or a schemaless map. Null keys
//! and values pass unchanged.
//!
//! Kafka 4.0 removed the deprecated `blacklist` / `whitelist` aliases
//! (KAFKA-17530); like Java 4.x, they are ignored.

use std::collections::{HashMap, HashSet};

use crate::api::config_def::{
    self, ConfigDef, ConfigException, ConfigKey, Importance, Type, Validator,
};
use crate::api::connector::Props;
use crate::api::data::{Schema, SchemaBuilder, Struct, Value};
use crate::api::error::ConnectResult;
use crate::api::transform::{ConnectRecord, Transformation};

use super::util::{
    config_error, copy_schema_basics_into, field_list_validator, java_list, java_split_colon,
    replace_null_with_default_key, require_map, require_struct, SchemaCache, SimpleConfig, Which,
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
};

pub const OVERVIEW_DOC: &str = "Filter or rename fields.";

const EXCLUDE: &str = "exclude";
const INCLUDE: &str = "include";
const RENAMES: &str = "renames";
const PURPOSE: &str = "field replacement";

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                EXCLUDE,
                Type::List,
                Importance::Medium,
                "Fields to exclude. This takes precedence over the fields to include.",
            )
            .with_default(Vec::<String>::new())
            .with_validator(field_list_validator(true)),
        )
        .define(
            ConfigKey::new(
                INCLUDE,
                Type::List,
                Importance::Medium,
                "Fields to include. If specified, only these fields will be used.",
            )
            .with_default(Vec::<String>::new())
            .with_validator(field_list_validator(true)),
        )
        .define(
            ConfigKey::new(
                RENAMES,
                Type::List,
                Importance::Medium,
                "Field rename mappings.",
            )
            .with_default(Vec::<String>::new())
            .with_validator(Validator::custom(
                "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
                |_, value| {
                    let items = value.and_then(config_def::Value::as_list).unwrap_or(&[]);
                    parse_rename_mappings(items).map(|_| ())
                },
            )),
        )
        .define(replace_null_with_default_key())
}

/// `old:new` pairs, in order (a later pair for the same name wins).
fn parse_rename_mappings(mappings: &[String]) -> Result<Vec<(String, String)>, ConfigException> {
    let mut out: Vec<(String, String)> = Vec::new();
    for mapping in mappings {
        let parts = java_split_colon(mapping);
        if parts.len() != 2 {
            return Err(ConfigException::invalid(
                RENAMES,
                java_list(mappings),
                &format!("Invalid rename mapping: {mapping}"),
            ));
        }
        out.retain(|(from, _)| from != parts[0]);
        out.push((parts[0].to_string(), parts[1].to_string()));
    }
    Ok(out)
}

pub struct ReplaceField {
    which: Which,
    exclude: HashSet<String>,
    include: HashSet<String>,
    renames: HashMap<String, String>,
    reverse_renames: HashMap<String, String>,
    replace_null_with_default: bool,
    /// Updated schema per input schema.
    cache: SchemaCache,
}

impl ReplaceField {
    pub fn new(which: Which) -> ReplaceField {
        ReplaceField {
            which,
            exclude: HashSet::new(),
            include: HashSet::new(),
            renames: HashMap::new(),
            reverse_renames: HashMap::new(),
            replace_null_with_default: true,
            cache: SchemaCache::default(),
        }
    }

    fn filter(&self, name: &str) -> bool {
        !self.exclude.contains(name) && (self.include.is_empty() || self.include.contains(name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.get(name).map(String::as_str).unwrap_or(name)
    }

    fn reverse_renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.reverse_renames
            .get(name)
            .map(String::as_str)
            .unwrap_or(name)
    }

    fn updated_schema(&self, schema: &Schema) -> ConnectResult<Schema> {
        let mut builder = copy_schema_basics_into(schema, SchemaBuilder::struct_());
        for field in schema.fields() {
            if self.filter(&field.name) {
                builder = builder.try_field(self.renamed(&field.name), field.schema.clone())?;
            }
        }
        Ok(builder.build())
    }
}

impl<R: ConnectRecord> Transformation<R> for ReplaceField {
    fn config(&self) -> ConfigDef {
        config_def()
    }

    fn configure(&mut self, props: &Props) -> ConnectResult<()> {
        let config = SimpleConfig::new(&config_def(), props)?;
        self.exclude = config.get_list(EXCLUDE).into_iter().collect();
        self.include = config.get_list(INCLUDE).into_iter().collect();
        let renames = parse_rename_mappings(&config.get_list(RENAMES)).map_err(config_error)?;
        self.reverse_renames = renames
            .iter()
            .map(|(from, to)| (to.clone(), from.clone()))
            .collect();
        self.renames = renames.into_iter().collect();
        self.replace_null_with_default = config.get_bool(REPLACE_NULL_WITH_DEFAULT_CONFIG);
        self.cache = SchemaCache::default();
        Ok(())
    }

    fn apply(&self, mut record: R) -> ConnectResult<Option<R>> {
        if self.which.value(&record).is_null() {
            return Ok(Some(record));
        }
        if self.which.schema(&record).is_none() {
            let entries = require_map(self.which.value(&record), PURPOSE)?;
            let mut updated = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                // Java's map is Map<String, Object>: a key is its string.
                let name = match k {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if self.filter(&name) {
                    Value::map_put(&mut updated, Value::from(self.renamed(&name)), v.clone());
                }
            }
            self.which.set(&mut record, None, Value::Map(updated));
        } else {
            let value = require_struct(self.which.value(&record), PURPOSE)?;
            let updated_schema = self
                .cache
                .get_or_try_insert(value.schema(), || self.updated_schema(value.schema()))?;
            let mut updated = Struct::new(updated_schema.clone());
            for field in updated_schema.fields() {
                let original = self.reverse_renamed(&field.name);
                let v = if self.replace_null_with_default {
                    value.get(original)
                } else {
                    value.get_without_default(original)
                };
                let v = v.cloned().ok_or_else(|| {
                    crate::api::error::ConnectError::data(format!(
                        "{original} is not a valid field name"
                    ))
                })?;
                updated.set(&field.name, v)?;
            }
            self.which
                .set(&mut record, Some(updated_schema), Value::Struct(updated));
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::Type as SchemaType;
    use crate::api::record::SinkRecord;
    use crate::transforms::util::test_support::{map, props, sink};

    fn xform(which: Which, pairs: &[(&str, &str)]) -> ReplaceField {
        let mut t = ReplaceField::new(which);
        Transformation::<SinkRecord>::configure(&mut t, &props(pairs)).unwrap();
        t
    }

    fn schema() -> Schema {
        SchemaBuilder::struct_()
            .name("rec")
            .field("dont", Schema::string())
            .field("abc", Schema::int32())
            .field("foo", Schema::boolean())
            .field("etc", Schema::string())
            .build()
    }

    fn value() -> Struct {
        Struct::new(schema())
            .put("dont", Value::from("whatever"))
            .unwrap()
            .put("abc", Value::Int32(42))
            .unwrap()
            .put("foo", Value::Boolean(true))
            .unwrap()
            .put("etc", Value::from("etc"))
            .unwrap()
    }

    #[test]
    fn tombstones_pass_unchanged() {
        let t = xform(
            Which::Value,
            &[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")],
        );
        let r = t
            .apply(sink(None, Value::Null, None, Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!((r.value_schema, r.value), (None, Value::Null));
        let r = t
            .apply(sink(None, Value::Null, Some(schema()), Value::Null))
            .unwrap()
            .unwrap();
        assert_eq!((r.value_schema, r.value), (Some(schema()), Value::Null));
    }

    #[test]
    fn schemaless() {
        let t = xform(
            Which::Value,
            &[("exclude", "dont"), ("renames", "abc:xyz,foo:bar")],
        );
        let value = map(&[
            ("dont", Value::from("whatever")),
            ("abc", Value::Int32(42)),
            ("foo", Value::Boolean(true)),
            ("etc", Value::from("etc")),
        ]);
        let r = t
            .apply(sink(None, Value::Null, None, value))
            .unwrap()
            .unwrap();
        assert_eq!(
            r.value,
            map(&[
                ("xyz", Value::Int32(42)),
                ("bar", Value::Boolean(true)),
                ("etc", Value::from("etc")),
            ])
        );
    }

    #[test]
    fn with_schema() {
        let t = xform(
            Which::Value,
            &[("include", "abc,foo"), ("renames", "abc:xyz,foo:bar")],
        );
        let r = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema()),
                Value::Struct(value()),
            ))
            .unwrap()
            .unwrap();
        let s = r.value_schema.clone().unwrap();
        assert_eq!(s.name(), Some("rec"));
        let names: Vec<_> = s.fields().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["xyz", "bar"]);
        match &r.value {
            Value::Struct(v) => {
                assert_eq!(v.get("xyz"), Some(&Value::Int32(42)));
                assert_eq!(v.get("bar"), Some(&Value::Boolean(true)));
            }
            other => panic!("not a struct: {other:?}"),
        }
    }

    #[test]
    fn exclude_takes_precedence_over_include() {
        let t = xform(Which::Key, &[("include", "abc,foo"), ("exclude", "foo")]);
        let r = t
            .apply(sink(
                Some(schema()),
                Value::Struct(value()),
                None,
                Value::Null,
            ))
            .unwrap()
            .unwrap();
        let names: Vec<_> = r
            .key_schema
            .unwrap()
            .fields()
            .iter()
            .map(|f| f.name.clone())
            .collect();
        assert_eq!(names, ["abc"]);
    }

    #[test]
    fn include_of_unknown_fields_gives_an_empty_struct() {
        let t = xform(Which::Value, &[("include", "zz")]);
        let r = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema()),
                Value::Struct(value()),
            ))
            .unwrap()
            .unwrap();
        assert!(r.value_schema.unwrap().fields().is_empty());
    }

    #[test]
    fn replace_null_with_default() {
        let schema = SchemaBuilder::struct_()
            .field(
                "abc",
                SchemaBuilder::new(SchemaType::Int32)
                    .optional()
                    .default_value(Value::Int32(42))
                    .build(),
            )
            .build();
        for which in [Which::Key, Which::Value] {
            for (flag, want) in [("true", Value::Int32(42)), ("false", Value::Null)] {
                let t = xform(
                    which,
                    &[
                        ("include", "abc"),
                        ("renames", "abc:optional_with_default"),
                        ("replace.null.with.default", flag),
                    ],
                );
                let v = Value::Struct(Struct::new(schema.clone()));
                let record = match which {
                    Which::Key => sink(Some(schema.clone()), v, None, Value::Null),
                    Which::Value => sink(None, Value::Null, Some(schema.clone()), v),
                };
                let r = t.apply(record).unwrap().unwrap();
                match which.value(&r) {
                    Value::Struct(s) => {
                        assert_eq!(s.schema().fields().len(), 1);
                        assert_eq!(s.get_without_default("optional_with_default"), Some(&want));
                    }
                    other => panic!("not a struct: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn invalid_renames_fail_at_configure() {
        let mut t = ReplaceField::new(Which::Value);
        for (renames, msg) in [
            (
                "a:b,c",
                "Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c",
            ),
            (
                "a:b:c",
                "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c",
            ),
            (
                "a:",
                "Invalid value [a:] for configuration renames: Invalid rename mapping: a:",
            ),
        ] {
            let e =
                Transformation::<SinkRecord>::configure(&mut t, &props(&[("renames", renames)]))
                    .unwrap_err();
            assert_eq!(e.message, msg);
        }
        let e = Transformation::<SinkRecord>::configure(&mut t, &props(&[("include", "a,,b")]))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Configuration 'include' values must not be empty."
        );
        // Java's split drops trailing empty parts: `a:b:` is a valid pair.
        assert!(
            Transformation::<SinkRecord>::configure(&mut t, &props(&[("renames", "a:b:")])).is_ok()
        );
    }

    #[test]
    fn renaming_onto_an_existing_field_is_an_error() {
        let t = xform(Which::Value, &[("renames", "abc:foo")]);
        let e = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema()),
                Value::Struct(value()),
            ))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Cannot create field because of field name duplication foo"
        );
    }

    #[test]
    fn removed_aliases_are_ignored() {
        let t = xform(Which::Value, &[("blacklist", "dont"), ("whitelist", "abc")]);
        let r = t
            .apply(sink(
                None,
                Value::Null,
                Some(schema()),
                Value::Struct(value()),
            ))
            .unwrap()
            .unwrap();
        assert_eq!(r.value_schema.unwrap().fields().len(), 4);
    }
}
