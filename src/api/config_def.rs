//! Declared configuration: Java's `ConfigDef` (with its `ConfigKey`,
//! `Type`, `Importance`, `Width`, validators and `Recommender`),
//! `ConfigValue`, `ConfigException` and `Password`, plus the REST shapes
//! the validate endpoints return (`ConfigInfos`, `ConfigInfo`,
//! `ConfigKeyInfo`, `ConfigValueInfo` from `connect/runtime` rest entities,
//! filled as `AbstractHerder.generateResult` fills them).
//!
//! Values are parsed exactly as `ConfigDef.parseType` parses strings, and
//! error messages use Java's wording, because the REST validate response
//! shows them to users. A `CLASS` value is kept as its trimmed class name:
//! whether the class exists is for the runtime's plugin registry to say.
//!
//! This file holds `ConfigDef`, `ConfigKey` and `ConfigValue`; `types`
//! holds the value types and parsing, `validator` the validators and
//! recommenders, `info` the REST shapes.

mod info;
mod types;
mod validator;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

pub use info::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
pub use types::{
    java_double_to_string, parse_type, ConfigException, Importance, Password, Type, Value, Width,
};
pub use validator::{Number, Recommender, Validator, ValidatorFn};

use types::coerce;
use validator::EmbeddedRecommender;

/// A key's default: none (the key is required, Java's `NO_DEFAULT_VALUE`),
/// null, or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Required,
    Null,
    Value(Value),
}

/// `ConfigDef.ConfigKey`: one declared key. Build with [`ConfigKey::new`]
/// and the `with_*` methods; the defaults match Java's short `define`
/// overloads (no group, order -1, width NONE, display name = name).
#[derive(Clone)]
pub struct ConfigKey {
    pub name: String,
    pub config_type: Type,
    pub default: DefaultValue,
    pub validator: Option<Validator>,
    pub importance: Importance,
    pub documentation: Option<String>,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    pub dependents: Vec<String>,
    pub recommender: Option<Arc<dyn Recommender>>,
    pub internal: bool,
}

impl ConfigKey {
    /// A required key (no default).
    pub fn new(
        name: impl Into<String>,
        config_type: Type,
        importance: Importance,
        documentation: impl Into<String>,
    ) -> ConfigKey {
        let name = name.into();
        ConfigKey {
            display_name: name.clone(),
            name,
            config_type,
            default: DefaultValue::Required,
            validator: None,
            importance,
            documentation: Some(documentation.into()),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
            recommender: None,
            internal: false,
        }
    }

    /// A default, given as Java would give it: a typed value, or a string
    /// parsed for the key's type when the key is defined.
    pub fn with_default(mut self, value: impl Into<Value>) -> ConfigKey {
        self.default = DefaultValue::Value(value.into());
        self
    }

    /// A null default: optional, with no value when unset.
    pub fn with_null_default(mut self) -> ConfigKey {
        self.default = DefaultValue::Null;
        self
    }

    pub fn with_validator(mut self, validator: Validator) -> ConfigKey {
        self.validator = Some(validator);
        self
    }

    /// Where the key shows in UIs: its group, order in the group, width and
    /// display name.
    pub fn in_group(
        mut self,
        group: impl Into<String>,
        order_in_group: i32,
        width: Width,
        display_name: impl Into<String>,
    ) -> ConfigKey {
        self.group = Some(group.into());
        self.order_in_group = order_in_group;
        self.width = width;
        self.display_name = display_name.into();
        self
    }

    pub fn with_dependents(mut self, dependents: Vec<String>) -> ConfigKey {
        self.dependents = dependents;
        self
    }

    pub fn with_recommender(mut self, recommender: Arc<dyn Recommender>) -> ConfigKey {
        self.recommender = Some(recommender);
        self
    }

    /// `defineInternal`: hidden from generated docs.
    pub fn internal(mut self) -> ConfigKey {
        self.internal = true;
        self
    }

    pub fn has_default(&self) -> bool {
        self.default != DefaultValue::Required
    }

    /// The default as a parsed value (`None` when null or required).
    pub fn default_value(&self) -> Option<&Value> {
        match &self.default {
            DefaultValue::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Debug for ConfigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigKey")
            .field("name", &self.name)
            .field("type", &self.config_type)
            .field("default", &self.default)
            .field("validator", &self.validator)
            .field("importance", &self.importance)
            .field("group", &self.group)
            .field("order_in_group", &self.order_in_group)
            .field("dependents", &self.dependents)
            .finish_non_exhaustive()
    }
}

/// Read access to string properties, so that the parse and validate
/// functions take any of the map types in use.
pub trait Properties {
    fn get_property(&self, key: &str) -> Option<&str>;
}

impl Properties for HashMap<String, String> {
    fn get_property(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Properties for IndexMap<String, String> {
    fn get_property(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Properties for std::collections::BTreeMap<String, String> {
    fn get_property(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// `ConfigValue`: the outcome of validating one key.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub name: String,
    pub value: Option<Value>,
    pub recommended_values: Vec<Value>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl ConfigValue {
    pub fn new(name: impl Into<String>) -> ConfigValue {
        ConfigValue {
            name: name.into(),
            value: None,
            recommended_values: Vec::new(),
            errors: Vec::new(),
            visible: true,
        }
    }

    pub fn add_error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }
}

/// `ConfigDef`: the declared keys, in definition order, and their groups in
/// order of first use.
#[derive(Clone, Default, Debug)]
pub struct ConfigDef {
    keys: IndexMap<String, ConfigKey>,
    groups: Vec<String>,
}

impl ConfigDef {
    pub fn new() -> ConfigDef {
        ConfigDef::default()
    }

    /// Adds a key, for definitions written in code. A key defined twice or
    /// a default that fails its type or validator is a programming error:
    /// it is logged and the key is left out (debug builds panic, so tests
    /// catch it). Use [`ConfigDef::try_define`] for keys derived from input.
    pub fn define(mut self, key: ConfigKey) -> ConfigDef {
        if let Err(e) = self.try_define(key) {
            tracing::error!("invalid config definition: {e}");
            debug_assert!(false, "invalid config definition: {e}");
        }
        self
    }

    /// Adds a key: Java's `define`, with its checks (not yet defined; the
    /// default parses for the type and passes the validator).
    pub fn try_define(&mut self, mut key: ConfigKey) -> Result<(), ConfigException> {
        if self.keys.contains_key(&key.name) {
            return Err(ConfigException::new(format!(
                "Configuration {} is defined twice.",
                key.name
            )));
        }
        if let DefaultValue::Value(v) = key.default {
            let parsed = coerce(&key.name, v, key.config_type)?;
            if let Some(validator) = &key.validator {
                validator.ensure_valid(&key.name, Some(&parsed))?;
            }
            key.default = DefaultValue::Value(parsed);
        } else if key.default == DefaultValue::Null {
            if let Some(validator) = &key.validator {
                validator.ensure_valid(&key.name, None)?;
            }
        }
        if let Some(group) = &key.group {
            if !self.groups.contains(group) {
                self.groups.push(group.clone());
            }
        }
        self.keys.insert(key.name.clone(), key);
        Ok(())
    }

    pub fn config_keys(&self) -> &IndexMap<String, ConfigKey> {
        &self.keys
    }

    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// The keys that have a non-null default, with it.
    pub fn default_values(&self) -> IndexMap<String, Value> {
        self.keys
            .values()
            .filter_map(|k| k.default_value().map(|v| (k.name.clone(), v.clone())))
            .collect()
    }

    /// `ConfigDef.parse`: every declared key's value (given, else its
    /// default), validated; the first problem, in definition order, is the
    /// error. Undeclared keys are ignored.
    pub fn parse<P: Properties + ?Sized>(
        &self,
        props: &P,
    ) -> Result<IndexMap<String, Option<Value>>, ConfigException> {
        let undefined = self.undefined_dependents();
        if !undefined.is_empty() {
            return Err(ConfigException::new(format!(
                "Some configurations in are referred in the dependents, but not defined: {}",
                undefined.join(",")
            )));
        }
        let mut values = IndexMap::new();
        for key in self.keys.values() {
            let value = match props.get_property(&key.name) {
                Some(raw) => Some(parse_type(&key.name, raw, key.config_type)?),
                None => match &key.default {
                    DefaultValue::Required => return Err(ConfigException::missing(&key.name)),
                    DefaultValue::Null => None,
                    DefaultValue::Value(v) => Some(v.clone()),
                },
            };
            if let Some(validator) = &key.validator {
                validator.ensure_valid(&key.name, value.as_ref())?;
            }
            values.insert(key.name.clone(), value);
        }
        Ok(values)
    }

    /// `ConfigDef.validate`: one [`ConfigValue`] per declared key (in
    /// definition order, then any undefined dependents), each with all of
    /// its errors rather than only the first.
    pub fn validate<P: Properties + ?Sized>(&self, props: &P) -> Vec<ConfigValue> {
        self.validate_all(props).into_values().collect()
    }

    /// `ConfigDef.validateAll`: as [`ConfigDef::validate`], by name.
    pub fn validate_all<P: Properties + ?Sized>(&self, props: &P) -> IndexMap<String, ConfigValue> {
        let mut values: IndexMap<String, ConfigValue> = self
            .keys
            .keys()
            .map(|name| (name.clone(), ConfigValue::new(name.clone())))
            .collect();
        for undefined in self.undefined_dependents() {
            let mut value = ConfigValue::new(undefined.clone());
            value.add_error(format!(
                "{undefined} is referred in the dependents, but not defined."
            ));
            value.visible = false;
            values.insert(undefined, value);
        }

        let roots = self.configs_with_no_parent();
        let mut parsed = HashMap::new();
        let mut stack = HashSet::new();
        for name in &roots {
            self.parse_for_validate(name, props, &mut parsed, &mut values, &mut stack);
        }
        for name in &roots {
            self.validate_one(name, &parsed, &mut values, &mut stack);
        }
        values
    }

    fn undefined_dependents(&self) -> Vec<String> {
        let mut undefined: Vec<String> = Vec::new();
        for key in self.keys.values() {
            for dependent in &key.dependents {
                if !self.keys.contains_key(dependent) && !undefined.contains(dependent) {
                    undefined.push(dependent.clone());
                }
            }
        }
        undefined
    }

    fn configs_with_no_parent(&self) -> Vec<String> {
        let with_parent: HashSet<&String> = self
            .keys
            .values()
            .flat_map(|k| k.dependents.iter())
            .collect();
        self.keys
            .keys()
            .filter(|name| !with_parent.contains(name))
            .cloned()
            .collect()
    }

    /// Java's recursive `parseForValidate`. A key reached through two
    /// parents is parsed twice, as in Java (its errors show twice); `stack`
    /// only breaks dependency cycles, on which Java would overflow.
    fn parse_for_validate<P: Properties + ?Sized>(
        &self,
        name: &str,
        props: &P,
        parsed: &mut HashMap<String, Option<Value>>,
        values: &mut IndexMap<String, ConfigValue>,
        stack: &mut HashSet<String>,
    ) {
        let Some(key) = self.keys.get(name) else {
            return;
        };
        if !stack.insert(name.to_string()) {
            return;
        }
        let mut errors = Vec::new();
        let value = match props.get_property(&key.name) {
            Some(raw) => match parse_type(&key.name, raw, key.config_type) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(e.message);
                    None
                }
            },
            None => match &key.default {
                DefaultValue::Required => {
                    errors.push(ConfigException::missing(&key.name).message);
                    None
                }
                DefaultValue::Null => None,
                DefaultValue::Value(v) => Some(v.clone()),
            },
        };
        if let Some(validator) = &key.validator {
            if let Err(e) = validator.ensure_valid(&key.name, value.as_ref()) {
                errors.push(e.message);
            }
        }
        if let Some(config_value) = values.get_mut(name) {
            config_value.errors.extend(errors);
            config_value.value = value.clone();
        }
        parsed.insert(name.to_string(), value);
        for dependent in &key.dependents {
            self.parse_for_validate(dependent, props, parsed, values, stack);
        }
        stack.remove(name);
    }

    /// Java's recursive `validate(name, ...)`: asks the recommender.
    fn validate_one(
        &self,
        name: &str,
        parsed: &HashMap<String, Option<Value>>,
        values: &mut IndexMap<String, ConfigValue>,
        stack: &mut HashSet<String>,
    ) {
        let Some(key) = self.keys.get(name) else {
            return;
        };
        if !stack.insert(name.to_string()) {
            return;
        }
        if let (Some(recommender), Some(config_value)) = (&key.recommender, values.get_mut(name)) {
            let outcome = recommender
                .valid_values(name, parsed)
                .and_then(|recommended| Ok((recommended, recommender.visible(name, parsed)?)));
            match outcome {
                Ok((mut recommended, visible)) => {
                    if !config_value.recommended_values.is_empty() {
                        let original = &config_value.recommended_values;
                        recommended.retain(|v| original.contains(v));
                    }
                    config_value.recommended_values = recommended;
                    config_value.visible = visible;
                }
                Err(e) => config_value.add_error(e.message),
            }
        }
        for dependent in &key.dependents {
            self.validate_one(dependent, parsed, values, stack);
        }
        stack.remove(name);
    }

    /// The keys ordered as Java's `sortedConfigs`: by group (in order of
    /// first use, ungrouped first), order in group, required before
    /// defaulted, importance, then name.
    pub fn sorted_configs(&self) -> Vec<&ConfigKey> {
        let group_ord = |group: &Option<String>| {
            group
                .as_ref()
                .and_then(|g| self.groups.iter().position(|x| x == g))
        };
        let mut keys: Vec<&ConfigKey> = self.keys.values().collect();
        keys.sort_by(|a, b| {
            let (ga, gb) = (group_ord(&a.group), group_ord(&b.group));
            let by_group = match (&a.group, &b.group) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(_), Some(_)) => ga.cmp(&gb),
            };
            by_group
                .then(a.order_in_group.cmp(&b.order_in_group))
                .then(a.has_default().cmp(&b.has_default()))
                .then(a.importance.cmp(&b.importance))
                .then(a.name.cmp(&b.name))
        });
        keys
    }

    /// `ConfigDef.embed`: adds `child`'s keys under `key_prefix`, in
    /// `group_prefix` (`group_prefix: <child group>` for grouped keys),
    /// numbered from `starting_ord` in the child's sorted order. The child's
    /// validators and recommenders see unprefixed names.
    pub fn embed(
        &mut self,
        key_prefix: &str,
        group_prefix: &str,
        starting_ord: i32,
        child: &ConfigDef,
    ) -> Result<(), ConfigException> {
        for (order, key) in (starting_ord..).zip(child.sorted_configs()) {
            let group = match &key.group {
                None => group_prefix.to_string(),
                Some(g) => format!("{group_prefix}: {g}"),
            };
            let embedded = ConfigKey {
                name: format!("{key_prefix}{}", key.name),
                config_type: key.config_type,
                default: key.default.clone(),
                validator: key.validator.clone().map(|inner| Validator::Embedded {
                    prefix_len: key_prefix.len(),
                    inner: Box::new(inner),
                }),
                importance: key.importance,
                documentation: key.documentation.clone(),
                group: Some(group),
                order_in_group: order,
                width: key.width,
                display_name: key.display_name.clone(),
                dependents: key
                    .dependents
                    .iter()
                    .map(|d| format!("{key_prefix}{d}"))
                    .collect(),
                recommender: key.recommender.clone().map(|inner| {
                    Arc::new(EmbeddedRecommender {
                        prefix: key_prefix.to_string(),
                        inner,
                    }) as Arc<dyn Recommender>
                }),
                internal: key.internal,
            };
            self.try_define(embedded)?;
        }
        Ok(())
    }

    /// The REST validate response for these keys and validation results,
    /// with this definition's groups (`AbstractHerder.generateResult`).
    pub fn config_infos(&self, name: &str, values: &[ConfigValue]) -> ConfigInfos {
        ConfigInfos::generate(name, &self.keys, values, self.groups.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn props(items: &[(&str, &str)]) -> HashMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ok(r: Result<Value, ConfigException>) -> Value {
        match r {
            Ok(v) => v,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    #[test]
    fn passwords_never_show() {
        let p = ok(parse_type("p", "secret", Type::Password));
        assert!(!format!("{p:?}").contains("secret"));
        assert_eq!(p.to_config_string(), "[hidden]");
        let def =
            ConfigDef::new().define(ConfigKey::new("p", Type::Password, Importance::High, "pw"));
        let values = def.validate(&props(&[("p", "secret")]));
        assert!(!format!("{values:?}").contains("secret"));
        let infos = def.config_infos("X", &values);
        let json = serde_json::to_string(&infos).unwrap_or_default();
        assert!(!json.contains("secret"), "{json}");
        assert!(json.contains("\"value\":\"[hidden]\""), "{json}");
        assert_eq!(
            values[0]
                .value
                .as_ref()
                .and_then(Value::as_password)
                .map(Password::value),
            Some("secret")
        );
    }

    fn connector_like_def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("name", Type::String, Importance::High, "Connector name doc")
                    .with_validator(Validator::NonEmptyStringWithoutControlChars)
                    .in_group("Common", 1, Width::Medium, "Connector name"),
            )
            .define(
                ConfigKey::new("tasks.max", Type::Int, Importance::High, "Tasks doc")
                    .with_default(1)
                    .with_validator(Validator::at_least(1))
                    .in_group("Common", 3, Width::Short, "Tasks max"),
            )
            .define(
                ConfigKey::new("errors.retry.timeout", Type::Long, Importance::Medium, "d")
                    .with_default(0)
                    .in_group(
                        "Error Handling",
                        1,
                        Width::Medium,
                        "Retry Timeout for Errors",
                    ),
            )
            .define(
                ConfigKey::new("key.converter", Type::Class, Importance::Low, "kc")
                    .with_null_default()
                    .in_group("Common", 5, Width::Short, "Key converter class"),
            )
    }

    #[test]
    fn parse_applies_defaults_and_reports_the_first_problem() {
        let def = connector_like_def();
        let values = match def.parse(&props(&[("name", "x"), ("tasks.max", "3")])) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(values.get("tasks.max"), Some(&Some(Value::Int(3))));
        assert_eq!(
            values.get("errors.retry.timeout"),
            Some(&Some(Value::Long(0)))
        );
        assert_eq!(values.get("key.converter"), Some(&None));
        assert_eq!(
            def.parse(&props(&[("tasks.max", "0")]))
                .map_err(|e| e.message),
            Err("Missing required configuration \"name\" which has no default value.".into())
        );
        assert_eq!(
            def.parse(&props(&[("name", "x"), ("tasks.max", "0")]))
                .map_err(|e| e.message),
            Err("Invalid value 0 for configuration tasks.max: Value must be at least 1".into())
        );
    }

    #[test]
    fn validate_collects_every_error() {
        let def = connector_like_def();
        let values = def.validate_all(&props(&[
            ("tasks.max", "many"),
            ("errors.retry.timeout", "5"),
        ]));
        let names: Vec<&str> = values.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["name", "tasks.max", "errors.retry.timeout", "key.converter"]
        );
        assert_eq!(
            values["name"].errors,
            ["Missing required configuration \"name\" which has no default value."]
        );
        // A parse failure leaves the value null, which the validator then
        // also rejects: two errors, as in Java.
        assert_eq!(
            values["tasks.max"].errors,
            [
                "Invalid value many for configuration tasks.max: Not a number of type INT",
                "Invalid value null for configuration tasks.max: Value must be non-null",
            ]
        );
        assert_eq!(values["errors.retry.timeout"].value, Some(Value::Long(5)));
        assert!(values["key.converter"].errors.is_empty());
    }

    #[test]
    fn config_infos_json_matches_java_shape() {
        let def = connector_like_def();
        let mut values = def.validate(&props(&[("name", "c"), ("tasks.max", "2")]));
        let mut extra = ConfigValue::new("topics");
        extra.add_error("Must configure one of topics or topics.regex");
        values.push(extra);
        let infos = def.config_infos("org.example.MySink", &values);
        assert_eq!(infos.error_count, 1);
        let json = match serde_json::to_value(&infos) {
            Ok(j) => j,
            Err(e) => panic!("{e}"),
        };
        let expected = serde_json::json!({
            "name": "org.example.MySink",
            "error_count": 1,
            "groups": ["Common", "Error Handling"],
            "configs": [
                {"definition": null, "value": {"name": "topics", "value": null, "recommended_values": [], "errors": ["Must configure one of topics or topics.regex"], "visible": true}},
                {"definition": {"name": "name", "type": "STRING", "required": true, "default_value": null, "importance": "HIGH", "documentation": "Connector name doc", "group": "Common", "width": "MEDIUM", "display_name": "Connector name", "dependents": [], "order": 1},
                 "value": {"name": "name", "value": "c", "recommended_values": [], "errors": [], "visible": true}},
                {"definition": {"name": "tasks.max", "type": "INT", "required": false, "default_value": "1", "importance": "HIGH", "documentation": "Tasks doc", "group": "Common", "width": "SHORT", "display_name": "Tasks max", "dependents": [], "order": 3},
                 "value": {"name": "tasks.max", "value": "2", "recommended_values": [], "errors": [], "visible": true}},
                {"definition": {"name": "errors.retry.timeout", "type": "LONG", "required": false, "default_value": "0", "importance": "MEDIUM", "documentation": "d", "group": "Error Handling", "width": "MEDIUM", "display_name": "Retry Timeout for Errors", "dependents": [], "order": 1},
                 "value": {"name": "errors.retry.timeout", "value": "0", "recommended_values": [], "errors": [], "visible": true}},
                {"definition": {"name": "key.converter", "type": "CLASS", "required": false, "default_value": null, "importance": "LOW", "documentation": "kc", "group": "Common", "width": "SHORT", "display_name": "Key converter class", "dependents": [], "order": 5},
                 "value": {"name": "key.converter", "value": null, "recommended_values": [], "errors": [], "visible": true}},
            ]
        });
        assert_eq!(json, expected);
        // Field order, as Java writes it.
        let text = serde_json::to_string(&infos.configs[1].definition).unwrap_or_default();
        assert!(text.starts_with("{\"name\":\"name\",\"type\":\"STRING\",\"required\":true,\"default_value\":null,\"importance\":\"HIGH\",\"documentation\":"), "{text}");
        assert!(
            text.ends_with("\"display_name\":\"Connector name\",\"dependents\":[],\"order\":1}"),
            "{text}"
        );
        // And it reads back, also from Java's creator name.
        let back: ConfigInfos = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, infos);
        let key: ConfigKeyInfo =
            serde_json::from_str(&text.replace("\"order\"", "\"order_in_group\""))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.order_in_group, 1);
    }

    #[test]
    fn defaults_are_parsed_and_checked_at_definition() {
        let mut def = ConfigDef::new();
        assert!(def
            .try_define(ConfigKey::new("l", Type::Long, Importance::Low, "").with_default("5000"))
            .is_ok());
        assert_eq!(
            def.key("l").and_then(|k| k.default_value().cloned()),
            Some(Value::Long(5000))
        );
        assert!(def
            .try_define(ConfigKey::new("i", Type::Long, Importance::Low, "").with_default(7))
            .is_ok());
        assert_eq!(
            def.key("i").and_then(|k| k.default_value().cloned()),
            Some(Value::Long(7))
        );
        assert_eq!(
            def.try_define(ConfigKey::new("l", Type::Long, Importance::Low, ""))
                .map_err(|e| e.message),
            Err("Configuration l is defined twice.".into())
        );
        assert_eq!(
            def.try_define(
                ConfigKey::new("t", Type::Int, Importance::Low, "")
                    .with_default(0)
                    .with_validator(Validator::at_least(1))
            )
            .map_err(|e| e.message),
            Err("Invalid value 0 for configuration t: Value must be at least 1".into())
        );
        assert_eq!(
            def.try_define(ConfigKey::new("s", Type::Short, Importance::Low, "").with_default(3))
                .map_err(|e| e.message),
            Err("Invalid value 3 for configuration s: Expected value to be a 16-bit integer (short), but it was a java.lang.Integer".into())
        );
    }

    struct Choices;

    impl Recommender for Choices {
        fn valid_values(
            &self,
            _name: &str,
            parsed: &HashMap<String, Option<Value>>,
        ) -> Result<Vec<Value>, ConfigException> {
            Ok(match parsed.get("mode").cloned().flatten() {
                Some(Value::String(m)) if m == "fast" => vec!["a".into(), "b".into()],
                _ => vec!["c".into()],
            })
        }

        fn visible(
            &self,
            _name: &str,
            parsed: &HashMap<String, Option<Value>>,
        ) -> Result<bool, ConfigException> {
            Ok(parsed.get("mode").cloned().flatten().is_some())
        }
    }

    #[test]
    fn dependents_and_recommenders() {
        let def = ConfigDef::new()
            .define(
                ConfigKey::new("mode", Type::String, Importance::High, "m")
                    .with_null_default()
                    .with_dependents(vec!["choice".into()]),
            )
            .define(
                ConfigKey::new("choice", Type::String, Importance::High, "c")
                    .with_null_default()
                    .with_recommender(Arc::new(Choices)),
            )
            .define(
                ConfigKey::new("orphan", Type::String, Importance::Low, "o")
                    .with_null_default()
                    .with_dependents(vec!["ghost".into()]),
            );
        let values = def.validate_all(&props(&[("mode", "fast")]));
        assert_eq!(
            values["choice"].recommended_values,
            vec![Value::from("a"), Value::from("b")]
        );
        assert!(values["choice"].visible);
        assert_eq!(
            values["ghost"].errors,
            ["ghost is referred in the dependents, but not defined."]
        );
        assert!(!values["ghost"].visible);
        let hidden = def.validate_all(&props(&[]));
        assert!(!hidden["choice"].visible);
        assert_eq!(
            def.parse(&props(&[])).map_err(|e| e.message),
            Err(
                "Some configurations in are referred in the dependents, but not defined: ghost"
                    .into()
            )
        );
    }

    #[test]
    fn dependency_cycles_terminate() {
        let def = ConfigDef::new()
            .define(
                ConfigKey::new("a", Type::String, Importance::High, "")
                    .with_null_default()
                    .with_dependents(vec!["b".into()]),
            )
            .define(
                ConfigKey::new("b", Type::String, Importance::High, "")
                    .with_null_default()
                    .with_dependents(vec!["a".into()]),
            );
        let values = def.validate(&props(&[("a", "1")]));
        assert_eq!(values.len(), 2);
    }

    #[test]
    fn embed_prefixes_keys_groups_and_validator_names() {
        let child = ConfigDef::new()
            .define(
                ConfigKey::new("field", Type::String, Importance::Medium, "f")
                    .with_validator(Validator::NonEmptyString),
            )
            .define(ConfigKey::new("count", Type::Int, Importance::High, "n").with_default(1));
        let mut def = ConfigDef::new();
        assert!(def
            .embed("transforms.x.", "Transforms: x", 1, &child)
            .is_ok());
        let names: Vec<&str> = def.names().collect();
        // Sorted: required before defaulted.
        assert_eq!(names, ["transforms.x.field", "transforms.x.count"]);
        let field = def
            .key("transforms.x.field")
            .map(|k| (k.group.clone(), k.order_in_group));
        assert_eq!(field, Some((Some("Transforms: x".into()), 1)));
        let values = def.validate_all(&props(&[("transforms.x.field", "")]));
        assert_eq!(
            values["transforms.x.field"].errors,
            ["Invalid value  for configuration field: String must be non-empty"]
        );
        assert!(def
            .embed("transforms.x.", "Transforms: x", 1, &child)
            .is_err());
    }

    #[test]
    fn sorted_configs_order() {
        let def = ConfigDef::new()
            .define(
                ConfigKey::new("z", Type::String, Importance::Low, "")
                    .with_default("")
                    .in_group("G2", 1, Width::None, "z"),
            )
            .define(ConfigKey::new("b", Type::String, Importance::Low, "").with_default(""))
            .define(ConfigKey::new("a", Type::String, Importance::High, "").with_default(""))
            .define(
                ConfigKey::new("y", Type::String, Importance::Low, "").in_group(
                    "G1",
                    2,
                    Width::None,
                    "y",
                ),
            )
            .define(
                ConfigKey::new("x", Type::String, Importance::Low, "")
                    .with_default("")
                    .in_group("G1", 2, Width::None, "x"),
            );
        let order: Vec<&str> = def
            .sorted_configs()
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        assert_eq!(order, ["a", "b", "z", "y", "x"]);
    }
}
