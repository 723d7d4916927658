//! A connector's common configuration: Java's `ConnectorConfig`,
//! `SinkConnectorConfig` and `SourceConnectorConfig`. Their `ConfigDef`s
//! are reproduced key for key (names, types, defaults, validators, groups,
//! orders, display names and documentation), because the REST validate
//! endpoint shows them; the typed views read what the runtime needs
//! (tasks, converters, transforms and predicates, error handling, sink
//! topics, client overrides).
//!
//! Plugin-specific keys (`transforms.<alias>.*` settings, converter
//! settings) are the plugins' own; this module finds them by prefix.

use std::collections::HashMap;

use indexmap::IndexMap;
use regex::Regex;

mod def;

pub use def::{connector_config_def, sink_connector_config_def, source_connector_config_def};

use super::ConfigError;
use crate::api::config_def::{parse_type, ConfigDef, ConfigValue, Type, Value};

pub const NAME_CONFIG: &str = "name";
pub const CONNECTOR_CLASS_CONFIG: &str = "connector.class";
pub const TASKS_MAX_CONFIG: &str = "tasks.max";
pub const TASKS_MAX_ENFORCE_CONFIG: &str = "tasks.max.enforce";
pub const KEY_CONVERTER_CLASS_CONFIG: &str = "key.converter";
pub const VALUE_CONVERTER_CLASS_CONFIG: &str = "value.converter";
pub const HEADER_CONVERTER_CLASS_CONFIG: &str = "header.converter";
pub const TRANSFORMS_CONFIG: &str = "transforms";
pub const PREDICATES_CONFIG: &str = "predicates";
pub const CONFIG_RELOAD_ACTION_CONFIG: &str = "config.action.reload";
pub const ERRORS_RETRY_TIMEOUT_CONFIG: &str = "errors.retry.timeout";
pub const ERRORS_RETRY_MAX_DELAY_CONFIG: &str = "errors.retry.delay.max.ms";
pub const ERRORS_TOLERANCE_CONFIG: &str = "errors.tolerance";
pub const ERRORS_LOG_ENABLE_CONFIG: &str = "errors.log.enable";
pub const ERRORS_LOG_INCLUDE_MESSAGES_CONFIG: &str = "errors.log.include.messages";
pub const TOPICS_CONFIG: &str = "topics";
pub const TOPICS_REGEX_CONFIG: &str = "topics.regex";
pub const DLQ_TOPIC_NAME_CONFIG: &str = "errors.deadletterqueue.topic.name";
pub const DLQ_TOPIC_REPLICATION_FACTOR_CONFIG: &str =
    "errors.deadletterqueue.topic.replication.factor";
pub const DLQ_CONTEXT_HEADERS_ENABLE_CONFIG: &str = "errors.deadletterqueue.context.headers.enable";
pub const TOPIC_CREATION_GROUPS_CONFIG: &str = "topic.creation.groups";
pub const EXACTLY_ONCE_SUPPORT_CONFIG: &str = "exactly.once.support";
pub const TRANSACTION_BOUNDARY_CONFIG: &str = "transaction.boundary";
pub const TRANSACTION_BOUNDARY_INTERVAL_CONFIG: &str = "transaction.boundary.interval.ms";
pub const OFFSETS_TOPIC_CONFIG: &str = "offsets.storage.topic";
pub const PRODUCER_OVERRIDES_PREFIX: &str = "producer.override.";
pub const CONSUMER_OVERRIDES_PREFIX: &str = "consumer.override.";
pub const ADMIN_OVERRIDES_PREFIX: &str = "admin.override.";

/// `ToleranceType`: what a failed record does to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToleranceType {
    /// The task fails.
    None,
    /// The record is skipped (and reported).
    All,
}

/// The `errors.*` settings every connector has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorHandling {
    /// -1 retries forever; 0 (the default) never retries.
    pub retry_timeout_ms: i64,
    pub retry_delay_max_ms: i64,
    pub tolerance: ToleranceType,
    pub log_enable: bool,
    pub log_include_messages: bool,
}

/// A transformation to build: `transforms.<alias>.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformSpec {
    pub alias: String,
    /// The `type` as given (a class name or alias, for the plugin registry).
    pub class: String,
    /// Every `transforms.<alias>.*` setting, prefix stripped, except
    /// `predicate` and `negate` (Java passes `type` on too).
    pub props: HashMap<String, String>,
    pub predicate: Option<PredicateSpec>,
    pub negate: bool,
}

/// A predicate a transformation is conditioned on: `predicates.<alias>.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateSpec {
    pub alias: String,
    pub class: String,
    /// Every `predicates.<alias>.*` setting, prefix stripped.
    pub props: HashMap<String, String>,
}

/// The common connector settings, parsed and validated.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    /// The configuration as given.
    pub props: IndexMap<String, String>,
    pub name: String,
    pub connector_class: String,
    pub tasks_max: i32,
    pub tasks_max_enforce: bool,
    /// Connector-level converters; `None` means the worker's.
    pub key_converter: Option<String>,
    pub value_converter: Option<String>,
    pub header_converter: Option<String>,
    pub transforms: Vec<String>,
    pub predicates: Vec<String>,
    /// `restart` or `none`.
    pub config_reload_action: String,
    pub errors: ErrorHandling,
}

impl ConnectorConfig {
    /// Parses the common keys (Java's `new ConnectorConfig(plugins, props)`
    /// before plugin enrichment): the first problem, in Java's definition
    /// order, is the error.
    pub fn new<I, K, V>(props: I) -> Result<ConnectorConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let props: IndexMap<String, String> = props
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        ConnectorConfig::parse_with(&connector_config_def(), props)
    }

    fn parse_with(
        def: &ConfigDef,
        props: IndexMap<String, String>,
    ) -> Result<ConnectorConfig, ConfigError> {
        let values = def.parse(&props)?;
        Ok(ConnectorConfig::from_values(&values, props))
    }

    /// The typed view of values parsed by a connector definition.
    fn from_values(
        values: &IndexMap<String, Option<Value>>,
        props: IndexMap<String, String>,
    ) -> ConnectorConfig {
        let get = |k: &str| values.get(k).and_then(Option::as_ref);
        let string = |k: &str| get(k).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| {
            get(k)
                .and_then(Value::as_list)
                .map(<[String]>::to_vec)
                .unwrap_or_default()
        };
        let long = |k: &str| get(k).and_then(Value::as_i64).unwrap_or_default();
        let boolean = |k: &str| get(k).and_then(Value::as_bool).unwrap_or_default();
        ConnectorConfig {
            name: string(NAME_CONFIG).unwrap_or_default(),
            connector_class: string(CONNECTOR_CLASS_CONFIG).unwrap_or_default(),
            tasks_max: get(TASKS_MAX_CONFIG)
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(1),
            tasks_max_enforce: boolean(TASKS_MAX_ENFORCE_CONFIG),
            key_converter: string(KEY_CONVERTER_CLASS_CONFIG),
            value_converter: string(VALUE_CONVERTER_CLASS_CONFIG),
            header_converter: string(HEADER_CONVERTER_CLASS_CONFIG),
            transforms: list(TRANSFORMS_CONFIG),
            predicates: list(PREDICATES_CONFIG),
            config_reload_action: string(CONFIG_RELOAD_ACTION_CONFIG).unwrap_or_default(),
            errors: ErrorHandling {
                retry_timeout_ms: long(ERRORS_RETRY_TIMEOUT_CONFIG),
                retry_delay_max_ms: long(ERRORS_RETRY_MAX_DELAY_CONFIG),
                tolerance: match string(ERRORS_TOLERANCE_CONFIG).as_deref() {
                    Some(t) if t.eq_ignore_ascii_case("all") => ToleranceType::All,
                    _ => ToleranceType::None,
                },
                log_enable: boolean(ERRORS_LOG_ENABLE_CONFIG),
                log_include_messages: boolean(ERRORS_LOG_INCLUDE_MESSAGES_CONFIG),
            },
            props,
        }
    }

    /// `originalsWithPrefix`: the settings under `prefix`, stripped.
    pub fn originals_with_prefix(&self, prefix: &str) -> HashMap<String, String> {
        with_prefix(&self.props, prefix)
    }

    /// A connector-level converter's own settings (`key.converter.*`,
    /// `value.converter.*`, `header.converter.*`), for `kind` `key`,
    /// `value` or `header`.
    pub fn converter_props(&self, kind: &str) -> HashMap<String, String> {
        self.originals_with_prefix(&format!("{kind}.converter."))
    }

    /// `producer.override.*`, prefix stripped.
    pub fn producer_overrides(&self) -> HashMap<String, String> {
        self.originals_with_prefix(PRODUCER_OVERRIDES_PREFIX)
    }

    /// `consumer.override.*`, prefix stripped.
    pub fn consumer_overrides(&self) -> HashMap<String, String> {
        self.originals_with_prefix(CONSUMER_OVERRIDES_PREFIX)
    }

    /// `admin.override.*`, prefix stripped.
    pub fn admin_overrides(&self) -> HashMap<String, String> {
        self.originals_with_prefix(ADMIN_OVERRIDES_PREFIX)
    }

    /// The transformation chain to build, in `transforms` order, with
    /// Java's errors for a missing type, a `negate` without a `predicate`,
    /// and a predicate that is not declared in `predicates`.
    pub fn transformation_specs(&self) -> Result<Vec<TransformSpec>, ConfigError> {
        let mut specs = Vec::with_capacity(self.transforms.len());
        for alias in &self.transforms {
            let prefix = format!("{TRANSFORMS_CONFIG}.{alias}.");
            let type_key = format!("{prefix}type");
            let negate_key = format!("{prefix}negate");
            let predicate_key = format!("{prefix}predicate");
            if self.props.contains_key(&negate_key) && !self.props.contains_key(&predicate_key) {
                return Err(ConfigError::Invalid {
                    key: negate_key.clone(),
                    message: format!("Config '{negate_key}' was provided but there is no config '{predicate_key}' defining a predicate to be negated."),
                });
            }
            let class = self.required_class(&type_key)?;
            let mut props = self.originals_with_prefix(&prefix);
            let predicate_alias = props
                .remove("predicate")
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty());
            let negate = match props.remove("negate") {
                Some(raw) => matches!(
                    parse_type(&negate_key, &raw, Type::Boolean)?,
                    Value::Boolean(true)
                ),
                None => false,
            };
            let predicate = match predicate_alias {
                None => None,
                Some(p) => {
                    let predicate_prefix = format!("{PREDICATES_CONFIG}.{p}.");
                    let predicate_type = format!("{predicate_prefix}type");
                    if !self.predicates.contains(&p) {
                        return Err(ConfigError::Invalid {
                            key: predicate_type.clone(),
                            message: format!("Unknown configuration '{predicate_type}'"),
                        });
                    }
                    Some(PredicateSpec {
                        class: self.required_class(&predicate_type)?,
                        props: self.originals_with_prefix(&predicate_prefix),
                        alias: p,
                    })
                }
            };
            specs.push(TransformSpec {
                alias: alias.clone(),
                class,
                props,
                predicate,
                negate,
            });
        }
        Ok(specs)
    }

    fn required_class(&self, key: &str) -> Result<String, ConfigError> {
        match self.props.get(key) {
            Some(raw) => match parse_type(key, raw, Type::Class)? {
                Value::Class(c) => Ok(c),
                _ => Ok(raw.trim().to_string()),
            },
            None => Err(ConfigError::Invalid {
                key: key.to_string(),
                message: format!(
                    "Missing required configuration \"{key}\" which has no default value."
                ),
            }),
        }
    }
}

fn with_prefix(props: &IndexMap<String, String>, prefix: &str) -> HashMap<String, String> {
    props
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .filter(|rest| !rest.is_empty())
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect()
}

/// A sink connector's settings: the common ones plus its topics and
/// dead letter queue.
#[derive(Debug, Clone)]
pub struct SinkConnectorConfig {
    pub common: ConnectorConfig,
    /// `topics`, empty items and duplicates dropped
    /// (`SinkConnectorConfig.parseTopicsList`).
    pub topics: Vec<String>,
    /// `topics.regex`, when set (not blank).
    pub topics_regex: Option<String>,
    /// Empty means no dead letter queue.
    pub dlq_topic_name: String,
    pub dlq_topic_replication_factor: i16,
    pub dlq_context_headers_enable: bool,
}

impl SinkConnectorConfig {
    /// Parses a sink's configuration and checks its topics as Java's
    /// `SinkConnectorConfig.validate(props)` does: exactly one of `topics`
    /// and `topics.regex`, and the DLQ topic not among them.
    pub fn new<I, K, V>(props: I) -> Result<SinkConnectorConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let props: IndexMap<String, String> = props
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let def = sink_connector_config_def();
        let values = def.parse(&props)?;
        validate_sink_props(&props)?;
        let common = ConnectorConfig::from_values(&values, props);
        let get = |k: &str| values.get(k).and_then(Option::as_ref);
        Ok(SinkConnectorConfig {
            topics: parse_topics_list(&common.props),
            topics_regex: common
                .props
                .get(TOPICS_REGEX_CONFIG)
                .filter(|r| !r.trim().is_empty())
                .cloned(),
            dlq_topic_name: get(DLQ_TOPIC_NAME_CONFIG)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            dlq_topic_replication_factor: get(DLQ_TOPIC_REPLICATION_FACTOR_CONFIG)
                .and_then(Value::as_i64)
                .and_then(|n| i16::try_from(n).ok())
                .unwrap_or(3),
            dlq_context_headers_enable: get(DLQ_CONTEXT_HEADERS_ENABLE_CONFIG)
                .and_then(Value::as_bool)
                .unwrap_or(false),
            common,
        })
    }

    /// Whether records that fail are reported somewhere (a DLQ or the log).
    pub fn enable_errant_record_reporter(&self) -> bool {
        !self.dlq_topic_name.is_empty() || self.common.errors.log_enable
    }
}

/// `SinkConnectorConfig.parseTopicsList`: `topics` as a list, empty items
/// and repeats removed.
pub fn parse_topics_list(props: &IndexMap<String, String>) -> Vec<String> {
    let Some(raw) = props.get(TOPICS_CONFIG) else {
        return Vec::new();
    };
    let mut topics: Vec<String> = Vec::new();
    if let Ok(Value::List(items)) = parse_type(TOPICS_CONFIG, raw, Type::List) {
        for t in items {
            if !t.is_empty() && !topics.contains(&t) {
                topics.push(t);
            }
        }
    }
    topics
}

/// `SinkConnectorConfig.validate(props, validatedConfig)`: adds the sink
/// topic errors to `validated` (creating entries as needed), with Java's
/// messages.
pub fn validate_sink(
    props: &IndexMap<String, String>,
    validated: &mut IndexMap<String, ConfigValue>,
) {
    let topics_list = props.get(TOPICS_CONFIG);
    let topics_regex = props.get(TOPICS_REGEX_CONFIG);
    let dlq_topic = props.get(DLQ_TOPIC_NAME_CONFIG).map_or("", |d| d.trim());
    let has_topics = topics_list.is_some_and(|t| !t.trim().is_empty());
    let has_regex = topics_regex.is_some_and(|t| !t.trim().is_empty());

    let mut add = |name: &str, value: Option<&String>, message: String| {
        validated
            .entry(name.to_string())
            .or_insert_with(|| {
                let mut v = ConfigValue::new(name);
                v.value = value.map(|s| Value::String(s.clone()));
                v
            })
            .add_error(message);
    };

    if has_topics && has_regex {
        let message = format!("{TOPICS_CONFIG} and {TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set.");
        add(TOPICS_CONFIG, topics_list, message.clone());
        add(TOPICS_REGEX_CONFIG, topics_regex, message);
    }
    if !has_topics && !has_regex {
        let message = format!("Must configure one of {TOPICS_CONFIG} or {TOPICS_REGEX_CONFIG}");
        add(TOPICS_CONFIG, topics_list, message.clone());
        add(TOPICS_REGEX_CONFIG, topics_regex, message);
    }
    if !dlq_topic.is_empty() {
        if has_topics {
            let topics = parse_topics_list(props);
            if topics.iter().any(|t| t == dlq_topic) {
                add(
                    TOPICS_CONFIG,
                    topics_list,
                    format!(
                        "The DLQ topic '{dlq_topic}' may not be included in the list of topics ('{TOPICS_CONFIG}=[{}]') consumed by the connector",
                        topics.join(", ")
                    ),
                );
            }
        }
        if let Some(regex) = topics_regex.filter(|_| has_regex) {
            let matches =
                Regex::new(&format!("^(?:{regex})$")).is_ok_and(|r| r.is_match(dlq_topic));
            if matches {
                add(
                    TOPICS_REGEX_CONFIG,
                    topics_regex,
                    format!(
                        "The DLQ topic '{dlq_topic}' may not be matched by the regex for the topics ('{TOPICS_REGEX_CONFIG}={regex}') consumed by the connector"
                    ),
                );
            }
        }
    }
}

/// `SinkConnectorConfig.validate(props)`: the first sink topic error, as
/// `Invalid value <value> for configuration <key>: <message>`.
pub fn validate_sink_props(props: &IndexMap<String, String>) -> Result<(), ConfigError> {
    let mut validated = IndexMap::new();
    validate_sink(props, &mut validated);
    match validated.values().find(|v| !v.errors.is_empty()) {
        None => Ok(()),
        Some(v) => {
            let shown = v
                .value
                .as_ref()
                .map_or_else(|| "null".to_string(), Value::to_config_string);
            Err(ConfigError::invalid(&v.name, shown, &v.errors[0]))
        }
    }
}

/// A source connector's settings beyond the common ones.
#[derive(Debug, Clone)]
pub struct SourceConnectorConfig {
    pub common: ConnectorConfig,
    pub topic_creation_groups: Vec<String>,
    /// `requested` or `required`, lower-cased.
    pub exactly_once_support: String,
    /// `poll`, `interval` or `connector`, lower-cased.
    pub transaction_boundary: String,
    pub transaction_boundary_interval_ms: Option<i64>,
    /// A connector-specific offsets topic (distributed mode only).
    pub offsets_storage_topic: Option<String>,
}

impl SourceConnectorConfig {
    pub fn new<I, K, V>(props: I) -> Result<SourceConnectorConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let props: IndexMap<String, String> = props
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let def = source_connector_config_def();
        let values = def.parse(&props)?;
        let get = |k: &str| values.get(k).and_then(Option::as_ref);
        let lower = |k: &str| {
            get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_lowercase()
        };
        let mut groups: Vec<String> = Vec::new();
        for g in get(TOPIC_CREATION_GROUPS_CONFIG)
            .and_then(Value::as_list)
            .unwrap_or_default()
        {
            if g == "default" {
                tracing::warn!("'default' topic creation group always exists and does not need to be listed explicitly");
            } else if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        Ok(SourceConnectorConfig {
            topic_creation_groups: groups,
            exactly_once_support: lower(EXACTLY_ONCE_SUPPORT_CONFIG),
            transaction_boundary: lower(TRANSACTION_BOUNDARY_CONFIG),
            transaction_boundary_interval_ms: get(TRANSACTION_BOUNDARY_INTERVAL_CONFIG)
                .and_then(Value::as_i64),
            offsets_storage_topic: get(OFFSETS_TOPIC_CONFIG)
                .and_then(Value::as_str)
                .map(str::to_string),
            common: ConnectorConfig::from_values(&values, props),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(items: &[(&str, &str)]) -> IndexMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn base(extra: &[(&str, &str)]) -> IndexMap<String, String> {
        let mut p = props(&[
            ("name", "local-file-sink"),
            ("connector.class", "FileStreamSink"),
        ]);
        for (k, v) in extra {
            p.insert(k.to_string(), v.to_string());
        }
        p
    }

    fn error(r: Result<impl std::fmt::Debug, ConfigError>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn common_defaults() {
        let c = ConnectorConfig::new(base(&[])).expect("valid config");
        assert_eq!(c.name, "local-file-sink");
        assert_eq!(c.connector_class, "FileStreamSink");
        assert_eq!(c.tasks_max, 1);
        assert!(c.tasks_max_enforce);
        assert_eq!(c.key_converter, None);
        assert!(c.transforms.is_empty());
        assert_eq!(c.config_reload_action, "restart");
        assert_eq!(
            c.errors,
            ErrorHandling {
                retry_timeout_ms: 0,
                retry_delay_max_ms: 60000,
                tolerance: ToleranceType::None,
                log_enable: false,
                log_include_messages: false,
            }
        );
    }

    #[test]
    fn required_and_invalid_keys() {
        assert_eq!(
            error(ConnectorConfig::new(props(&[("connector.class", "X")]))),
            "Missing required configuration \"name\" which has no default value."
        );
        assert_eq!(
            error(ConnectorConfig::new(props(&[("name", "n")]))),
            "Missing required configuration \"connector.class\" which has no default value."
        );
        assert_eq!(
            error(ConnectorConfig::new(base(&[("tasks.max", "0")]))),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
        assert_eq!(
            error(ConnectorConfig::new(base(&[("tasks.max", "two")]))),
            "Invalid value two for configuration tasks.max: Not a number of type INT"
        );
        assert_eq!(
            error(ConnectorConfig::new(base(&[("errors.tolerance", "ALL")]))),
            "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"
        );
        assert_eq!(
            error(ConnectorConfig::new(base(&[("transforms", "a, b, a")]))),
            "Invalid value [a, b, a] for configuration transforms: Duplicate alias provided."
        );
        assert_eq!(
            error(ConnectorConfig::new(props(&[
                ("name", ""),
                ("connector.class", "X")
            ]))),
            "Invalid value  for configuration name: String may not be empty"
        );
    }

    #[test]
    fn error_handling_keys() {
        let c = ConnectorConfig::new(base(&[
            ("errors.tolerance", "all"),
            ("errors.retry.timeout", "-1"),
            ("errors.retry.delay.max.ms", "1000"),
            ("errors.log.enable", "TRUE"),
            ("errors.log.include.messages", "true"),
        ]))
        .expect("valid config");
        assert_eq!(
            c.errors,
            ErrorHandling {
                retry_timeout_ms: -1,
                retry_delay_max_ms: 1000,
                tolerance: ToleranceType::All,
                log_enable: true,
                log_include_messages: true,
            }
        );
    }

    #[test]
    fn converter_and_override_sub_maps() {
        let c = ConnectorConfig::new(base(&[
            (
                "value.converter",
                " org.apache.kafka.connect.json.JsonConverter ",
            ),
            ("value.converter.schemas.enable", "false"),
            ("key.converter.ignored", "x"),
            ("producer.override.linger.ms", "10"),
            ("consumer.override.max.poll.records", "5"),
            ("admin.override.request.timeout.ms", "100"),
        ]))
        .expect("valid config");
        assert_eq!(
            c.value_converter.as_deref(),
            Some("org.apache.kafka.connect.json.JsonConverter")
        );
        assert_eq!(
            c.converter_props("value")
                .get("schemas.enable")
                .map(String::as_str),
            Some("false")
        );
        assert_eq!(c.converter_props("value").len(), 1);
        assert_eq!(
            c.producer_overrides().get("linger.ms").map(String::as_str),
            Some("10")
        );
        assert_eq!(
            c.consumer_overrides()
                .get("max.poll.records")
                .map(String::as_str),
            Some("5")
        );
        assert_eq!(
            c.admin_overrides()
                .get("request.timeout.ms")
                .map(String::as_str),
            Some("100")
        );
    }

    #[test]
    fn transforms_and_predicates() {
        let c = ConnectorConfig::new(base(&[
            ("transforms", "insert, drop"),
            (
                "transforms.insert.type",
                "org.apache.kafka.connect.transforms.InsertField$Value",
            ),
            ("transforms.insert.static.field", "source"),
            ("transforms.drop.type", "Filter"),
            ("transforms.drop.predicate", "isFoo"),
            ("transforms.drop.negate", "true"),
            ("predicates", "isFoo"),
            ("predicates.isFoo.type", "TopicNameMatches"),
            ("predicates.isFoo.pattern", "foo.*"),
        ]))
        .expect("valid config");
        let specs = c.transformation_specs().expect("specs");
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].alias, "insert");
        assert_eq!(
            specs[0].class,
            "org.apache.kafka.connect.transforms.InsertField$Value"
        );
        assert_eq!(
            specs[0].props.get("static.field").map(String::as_str),
            Some("source")
        );
        assert!(specs[0].props.contains_key("type"));
        assert!(specs[0].predicate.is_none());
        assert!(specs[1].negate);
        assert!(!specs[1].props.contains_key("negate"));
        let predicate = specs[1].predicate.as_ref().expect("predicate");
        assert_eq!(predicate.alias, "isFoo");
        assert_eq!(predicate.class, "TopicNameMatches");
        assert_eq!(
            predicate.props.get("pattern").map(String::as_str),
            Some("foo.*")
        );
    }

    #[test]
    fn transform_errors() {
        let missing = ConnectorConfig::new(base(&[("transforms", "t")])).expect("valid config");
        assert_eq!(
            error(missing.transformation_specs()),
            "Missing required configuration \"transforms.t.type\" which has no default value."
        );
        let negate = ConnectorConfig::new(base(&[
            ("transforms", "t"),
            ("transforms.t.type", "Filter"),
            ("transforms.t.negate", "true"),
        ]))
        .expect("valid config");
        assert_eq!(
            error(negate.transformation_specs()),
            "Config 'transforms.t.negate' was provided but there is no config 'transforms.t.predicate' defining a predicate to be negated."
        );
        let undeclared = ConnectorConfig::new(base(&[
            ("transforms", "t"),
            ("transforms.t.type", "Filter"),
            ("transforms.t.predicate", "p"),
        ]))
        .expect("valid config");
        assert_eq!(
            error(undeclared.transformation_specs()),
            "Unknown configuration 'predicates.p.type'"
        );
    }

    #[test]
    fn sink_topics_exactly_one() {
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[]))),
            "Invalid value null for configuration topics: Must configure one of topics or topics.regex"
        );
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[("topics", " ")]))),
            "Invalid value   for configuration topics: Must configure one of topics or topics.regex"
        );
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[("topics", "a"), ("topics.regex", "b.*")]))),
            "Invalid value a for configuration topics: topics and topics.regex are mutually exclusive options, but both are set."
        );
        let by_list =
            SinkConnectorConfig::new(base(&[("topics", "a, b,,a")])).expect("valid config");
        assert_eq!(by_list.topics, ["a", "b"]);
        assert_eq!(by_list.topics_regex, None);
        assert_eq!(by_list.dlq_topic_replication_factor, 3);
        assert!(!by_list.enable_errant_record_reporter());
        let by_regex =
            SinkConnectorConfig::new(base(&[("topics.regex", "logs-.*")])).expect("valid config");
        assert!(by_regex.topics.is_empty());
        assert_eq!(by_regex.topics_regex.as_deref(), Some("logs-.*"));
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[("topics.regex", "(")])))
                .split(':')
                .next(),
            Some("Invalid value ( for configuration topics.regex")
        );
    }

    #[test]
    fn sink_dlq_may_not_be_consumed() {
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[
                ("topics", "a,dlq"),
                ("errors.deadletterqueue.topic.name", "dlq"),
            ]))),
            "Invalid value a,dlq for configuration topics: The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector"
        );
        assert_eq!(
            error(SinkConnectorConfig::new(base(&[
                ("topics.regex", "d.*"),
                ("errors.deadletterqueue.topic.name", "dlq"),
            ]))),
            "Invalid value d.* for configuration topics.regex: The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') consumed by the connector"
        );
        let ok = SinkConnectorConfig::new(base(&[
            ("topics", "a"),
            ("errors.deadletterqueue.topic.name", "dlq"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
        ]))
        .expect("valid config");
        assert_eq!(ok.dlq_topic_name, "dlq");
        assert!(ok.dlq_context_headers_enable);
        assert_eq!(ok.dlq_topic_replication_factor, 1);
        assert!(ok.enable_errant_record_reporter());
    }

    #[test]
    fn validate_sink_adds_errors_to_both_keys() {
        let mut validated = IndexMap::new();
        validate_sink(&base(&[]), &mut validated);
        let names: Vec<&str> = validated.keys().map(String::as_str).collect();
        assert_eq!(names, ["topics", "topics.regex"]);
        assert_eq!(
            validated["topics"].errors,
            ["Must configure one of topics or topics.regex"]
        );
    }

    #[test]
    fn source_keys() {
        let c = SourceConnectorConfig::new(base(&[
            ("exactly.once.support", "REQUIRED "),
            ("transaction.boundary", "Interval"),
            ("transaction.boundary.interval.ms", "500"),
            ("topic.creation.groups", "default, compacted"),
        ]))
        .expect("valid config");
        assert_eq!(c.exactly_once_support, "required");
        assert_eq!(c.transaction_boundary, "interval");
        assert_eq!(c.transaction_boundary_interval_ms, Some(500));
        assert_eq!(c.topic_creation_groups, ["compacted"]);
        assert_eq!(c.offsets_storage_topic, None);
        assert_eq!(
            error(SourceConnectorConfig::new(base(&[("transaction.boundary.interval.ms", "-1")]))),
            "Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0"
        );
        assert_eq!(
            error(SourceConnectorConfig::new(base(&[(
                "offsets.storage.topic",
                ""
            )]))),
            "Invalid value  for configuration offsets.storage.topic: String must be non-empty"
        );
    }

    #[test]
    fn definitions_match_javas_key_sets() {
        let common_def = connector_config_def();
        let common: Vec<&str> = common_def.names().collect();
        assert_eq!(
            common,
            [
                "name",
                "connector.class",
                "tasks.max",
                "tasks.max.enforce",
                "key.converter",
                "value.converter",
                "header.converter",
                "transforms",
                "predicates",
                "config.action.reload",
                "errors.retry.timeout",
                "errors.retry.delay.max.ms",
                "errors.tolerance",
                "errors.log.enable",
                "errors.log.include.messages",
            ]
        );
        let sink = sink_connector_config_def();
        assert_eq!(sink.config_keys().len(), 20);
        assert_eq!(
            sink.groups(),
            ["Common", "Transforms", "Predicates", "Error Handling"]
        );
        let source = source_connector_config_def();
        assert_eq!(
            source.groups(),
            [
                "Common",
                "Transforms",
                "Predicates",
                "Error Handling",
                "Topic Creation",
                "Exactly Once Support",
                "offsets.topic"
            ]
        );
        let info = crate::api::config_def::ConfigKeyInfo::from_key(
            sink.key("connector.class").expect("connector.class"),
            "",
        );
        let json = serde_json::to_string(&info).expect("json");
        assert!(
            json.contains("\"display_name\":\"Connector class\",\"dependents\":[],\"order\":2}"),
            "{json}"
        );
        assert!(
            json.contains("\"required\":true,\"default_value\":null"),
            "{json}"
        );
    }
}
