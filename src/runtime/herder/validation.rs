//! Connector config validation, shared by every herder (Java's
//! `AbstractHerder.validateConnectorConfig`, `generateResult`,
//! `maybeAddConfigErrors` and `connectorPluginConfig`): the common
//! connector definition (source or sink variant) and the connector's own
//! definition are validated together; the result is the REST `ConfigInfos`
//! of `PUT /connector-plugins/{plugin}/config/validate`, and a config with
//! errors is refused on create and update with Java's message.
//!
//! Transformations and predicates are enriched as Java's
//! `ConnectorConfig.enrich` does: each alias adds a `Transforms: <alias>` /
//! `Predicates: <alias>` group with its `type` key and the plugin's own keys
//! (prefixed), validated with the rest; a plugin whose `configure` refuses
//! the settings reports that on its `type` key, so that a bad SMT config is
//! refused at create time, never at the first record.
//!
//! Not validated yet, as Java would: the keys of topic creation groups, the
//! converters' own settings, and client overrides against the override
//! policy.

use indexmap::IndexMap;

use crate::api::config_def::{
    ConfigDef, ConfigException, ConfigInfos, ConfigKey, ConfigKeyInfo, ConfigValue, Importance,
    Type, Width,
};
use crate::api::connector::Props;
use crate::api::data::java_hash::hash_map_order;
use crate::api::data::Value as DataValue;
use crate::api::record::{SinkRecord, SourceRecord};
use crate::api::transform::ConnectRecord;
use crate::kafka::config::split_list;
use crate::runtime::config::connector::{
    sink_connector_config_def, source_connector_config_def, validate_sink, CONNECTOR_CLASS_CONFIG,
    HEADER_CONVERTER_CLASS_CONFIG, KEY_CONVERTER_CLASS_CONFIG, VALUE_CONVERTER_CLASS_CONFIG,
};
use crate::runtime::plugins::{
    connector_plugins, find_connector, ConnectorFactory, ConnectorPlugin,
};
use crate::transforms::{predicate_by_class, transformation_by_class};

use super::standalone::HerderError;

/// What Java appends to every invalid-configuration message.
const SEE_VALIDATE_ENDPOINT: &str =
    "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";

/// Validates a connector configuration as Java's herder does. A config
/// without `connector.class` is a 400; an unknown class is a 500 (Java's
/// `ConnectException` from the plugin lookup). Invalid values are not
/// errors here: they are counted in the result.
pub fn validate_connector_config(props: &Props) -> Result<ConfigInfos, HerderError> {
    validate_connector_config_with_nulls(props, &[])
}

/// As [`validate_connector_config`], for a request whose `null_keys` were
/// given as JSON nulls: each gets Java's error (and is otherwise absent).
pub fn validate_connector_config_with_nulls(
    props: &Props,
    null_keys: &[String],
) -> Result<ConfigInfos, HerderError> {
    let Some(class) = props.get(CONNECTOR_CLASS_CONFIG) else {
        return Err(HerderError::BadRequest(format!(
            "Connector config {} contains no connector type",
            java_map_string(props)
        )));
    };
    let plugin = find_connector(class)
        .ok_or_else(|| HerderError::Internal(no_such_connector_message(class)))?;
    let ordered: IndexMap<String, String> =
        props.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let (enriched, mut validated, connector_def, connector_values) = match plugin.factory {
        ConnectorFactory::Source(make) => {
            let connector = make();
            let mut def = source_connector_config_def();
            let plugin_errors = enrich::<SourceRecord>(&mut def, props);
            let mut validated = def.validate_all(props);
            add_plugin_errors(&mut validated, plugin_errors);
            (
                def,
                validated,
                connector.config(),
                connector.validate(props),
            )
        }
        ConnectorFactory::Sink(make) => {
            let connector = make();
            let mut def = sink_connector_config_def();
            let plugin_errors = enrich::<SinkRecord>(&mut def, props);
            let mut validated = def.validate_all(props);
            add_plugin_errors(&mut validated, plugin_errors);
            validate_sink(&ordered, &mut validated);
            (
                def,
                validated,
                connector.config(),
                connector.validate(props),
            )
        }
    };
    check_converter_classes(props, &mut validated);
    for key in null_keys {
        validated
            .entry(key.clone())
            .or_insert_with(|| ConfigValue::new(key.clone()))
            .add_error("Null value can not be supplied as the configuration value.");
    }

    let mut values: Vec<ConfigValue> = validated.into_values().collect();
    values.extend(connector_values);
    let mut keys = enriched.config_keys().clone();
    for (name, key) in connector_def.config_keys() {
        keys.insert(name.clone(), key.clone());
    }
    let mut groups: Vec<String> = enriched.groups().to_vec();
    for group in connector_def.groups() {
        if !groups.contains(group) {
            groups.push(group.clone());
        }
    }
    Ok(ConfigInfos::generate(class, &keys, &values, groups))
}

/// Java's `ConnectorConfig.enrich` for transformations and predicates:
/// adds each alias's group and keys to `def`. Returns errors for `type`
/// keys: unknown classes, and settings the plugin's `configure` refuses.
fn enrich<R: ConnectRecord>(def: &mut ConfigDef, props: &Props) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for (aliases_key, kind, group_name) in [
        ("transforms", "transformation", "Transforms"),
        ("predicates", "predicate", "Predicates"),
    ] {
        let mut seen = Vec::new();
        for alias in props
            .get(aliases_key)
            .map(|a| split_list(a))
            .unwrap_or_default()
        {
            if seen.contains(&alias) {
                continue;
            }
            seen.push(alias.clone());
            let prefix = format!("{aliases_key}.{alias}.");
            let group = format!("{group_name}: {alias}");
            let type_key = format!("{prefix}type");
            let simple = if kind == "transformation" {
                "Transformation"
            } else {
                "Predicate"
            };
            let _ = def.try_define(
                ConfigKey::new(
                    type_key.clone(),
                    Type::Class,
                    Importance::High,
                    format!("Class for the '{alias}' {kind}."),
                )
                .in_group(
                    group.clone(),
                    0,
                    Width::Long,
                    format!("{simple} type for {alias}"),
                ),
            );
            let Some(class) = props.get(&type_key).map(|c| c.trim().to_string()) else {
                continue;
            };
            let own_props: Props = props
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(&prefix)
                        .map(|rest| (rest.to_string(), v.clone()))
                })
                .collect();
            let (mut child, configured) = if kind == "transformation" {
                let child = ConfigDef::new()
                    .define(
                        ConfigKey::new(
                            "predicate",
                            Type::String,
                            Importance::Medium,
                            "The alias of a predicate used to determine whether to apply this transformation.",
                        )
                        .with_null_default(),
                    )
                    .define(
                        ConfigKey::new(
                            "negate",
                            Type::Boolean,
                            Importance::Medium,
                            "Whether the configured predicate should be negated.",
                        )
                        .with_default(false),
                    );
                match transformation_by_class::<R>(&class) {
                    None => (child, None),
                    Some(mut t) => {
                        let own = t.config();
                        (child, Some((own, t.configure(&own_props).err())))
                    }
                }
            } else {
                match predicate_by_class::<R>(&class) {
                    None => (ConfigDef::new(), None),
                    Some(mut p) => {
                        let own = p.config();
                        (ConfigDef::new(), Some((own, p.configure(&own_props).err())))
                    }
                }
            };
            match configured {
                None => errors.push((
                    type_key.clone(),
                    ConfigException::invalid(
                        &type_key,
                        &class,
                        &format!("Class {class} could not be found."),
                    )
                    .message,
                )),
                Some((own, refused)) => {
                    for key in own.config_keys().values() {
                        let _ = child.try_define(key.clone());
                    }
                    if let Some(e) = refused {
                        errors.push((type_key.clone(), e.message));
                    }
                }
            }
            let _ = def.embed(&prefix, &group, 1, &child);
        }
    }
    errors
}

/// Adds `enrich`'s errors to the keys they are about, unless the key has
/// errors of its own already (which say the same more precisely).
fn add_plugin_errors(validated: &mut IndexMap<String, ConfigValue>, errors: Vec<(String, String)>) {
    for (key, message) in errors {
        let prefix = key.trim_end_matches("type");
        let has_own = validated
            .iter()
            .any(|(k, v)| k.starts_with(prefix) && !v.errors.is_empty());
        if has_own {
            continue;
        }
        let value = validated
            .entry(key.clone())
            .or_insert_with(|| ConfigValue::new(key.clone()));
        value.add_error(message);
    }
}

/// Java parses a `CLASS` value by loading the class: a converter that does
/// not exist is an error of its key. The value then is null.
fn check_converter_classes(props: &Props, validated: &mut IndexMap<String, ConfigValue>) {
    // (key, whether it names a header converter)
    let checks = [
        (KEY_CONVERTER_CLASS_CONFIG, false),
        (VALUE_CONVERTER_CLASS_CONFIG, false),
        (HEADER_CONVERTER_CLASS_CONFIG, true),
    ];
    for (key, header) in checks {
        let Some(raw) = props.get(key) else {
            continue;
        };
        let class = raw.trim();
        let exists = if header {
            crate::converters::header_converter_by_class(class).is_some()
        } else {
            crate::converters::converter_by_class(class).is_some()
        };
        if exists {
            continue;
        }
        if let Some(value) = validated.get_mut(key) {
            if value.errors.is_empty() {
                value.value = None;
                value.add_error(
                    ConfigException::invalid(key, raw, &format!("Class {raw} could not be found."))
                        .message,
                );
            }
        }
    }
}

/// Java's `maybeAddConfigErrors`: the message of the 400 that refuses an
/// invalid configuration, or `None` when there is no error.
pub fn config_errors_message(infos: &ConfigInfos) -> Option<String> {
    if infos.error_count == 0 {
        return None;
    }
    let mut message = format!(
        "Connector configuration is invalid and contains the following {} error(s):",
        infos.error_count
    );
    for info in &infos.configs {
        for error in info.value.iter().flat_map(|v| v.errors.iter()) {
            message.push('\n');
            message.push_str(error);
        }
    }
    message.push('\n');
    message.push_str(SEE_VALIDATE_ENDPOINT);
    Some(message)
}

/// `GET /connector-plugins/{plugin}/config` (Java's `connectorPluginConfig`):
/// the plugin's own keys, then the common source or sink keys it does not
/// redefine. Only connectors are plugins here; anything else is unknown.
pub fn connector_plugin_config(plugin: &str) -> Result<Vec<ConfigKeyInfo>, HerderError> {
    // A transformation or predicate answers with its own keys only.
    let smt_keys = transformation_by_class::<SourceRecord>(plugin)
        .map(|t| t.config())
        .or_else(|| predicate_by_class::<SourceRecord>(plugin).map(|p| p.config()));
    if let Some(def) = smt_keys {
        return Ok(def
            .config_keys()
            .values()
            .map(|key| ConfigKeyInfo::from_key(key, ""))
            .collect());
    }
    let found = find_connector(plugin)
        .ok_or_else(|| HerderError::NotFoundMessage(format!("Unknown plugin {plugin}.")))?;
    let (own, base): (ConfigDef, ConfigDef) = match found.factory {
        ConnectorFactory::Source(make) => (make().config(), source_connector_config_def()),
        ConnectorFactory::Sink(make) => (make().config(), sink_connector_config_def()),
    };
    let mut keys = own.config_keys().clone();
    for (name, key) in base.config_keys() {
        if !keys.contains_key(name) {
            keys.insert(name.clone(), key.clone());
        }
    }
    Ok(keys
        .values()
        .map(|key| ConfigKeyInfo::from_key(key, ""))
        .collect())
}

/// The message of Java's `Plugins.connectorClass` when nothing matches.
pub fn no_such_connector_message(class: &str) -> String {
    let available: Vec<String> = connector_plugins().iter().map(plugin_desc).collect();
    format!(
        "Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
        available.join(", ")
    )
}

/// Java's `PluginDesc.toString()` for a built-in connector.
fn plugin_desc(plugin: &ConnectorPlugin) -> String {
    let version = match plugin.factory {
        ConnectorFactory::Source(make) => make().version(),
        ConnectorFactory::Sink(make) => make().version(),
    };
    let type_name = plugin.factory.type_name();
    format!(
        "PluginDesc{{klass=class {class}, name='{class}', version='{version}', encodedVersion={version}, type={type_name}, typeName='{type_name}', location='classpath'}}",
        class = plugin.class
    )
}

/// Java's `AbstractMap.toString()` of a `HashMap<String, String>`:
/// `{k1=v1, k2=v2}` in the map's hash order.
fn java_map_string(props: &Props) -> String {
    let mut entries: Vec<(&String, &String)> = props.iter().collect();
    entries.sort();
    let ordered = hash_map_order(
        entries
            .into_iter()
            .map(|(k, v)| (DataValue::from(k.as_str()), DataValue::from(v.as_str())))
            .collect(),
    );
    let parts: Vec<String> = ordered
        .iter()
        .map(|(k, v)| match (k, v) {
            (DataValue::String(k), DataValue::String(v)) => format!("{k}={v}"),
            _ => String::new(),
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(items: &[(&str, &str)]) -> Props {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn names(infos: &ConfigInfos) -> Vec<String> {
        infos
            .configs
            .iter()
            .filter_map(|c| c.definition.as_ref().map(|d| d.name.clone()))
            .collect()
    }

    const COMMON: [&str; 15] = [
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
    ];

    #[test]
    fn a_valid_file_source_has_javas_key_set_and_no_errors() {
        let config = props(&[
            ("name", "local-file-source"),
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
            ),
            ("tasks.max", "1"),
            ("file", "/tmp/in.txt"),
            ("topic", "t"),
            ("errors.log.enable", "true"),
        ]);
        let infos = validate_connector_config(&config).expect("validates");
        assert_eq!(
            infos.name,
            "org.apache.kafka.connect.file.FileStreamSourceConnector"
        );
        assert_eq!(infos.error_count, 0);
        let mut want: Vec<&str> = COMMON.to_vec();
        want.extend([
            "topic.creation.groups",
            "exactly.once.support",
            "transaction.boundary",
            "transaction.boundary.interval.ms",
            "offsets.storage.topic",
            "file",
            "topic",
            "batch.size",
        ]);
        assert_eq!(names(&infos), want);
        assert!(infos.configs.iter().all(|c| c.value.is_some()));
        assert_eq!(
            infos.groups,
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
        assert_eq!(config_errors_message(&infos), None);
    }

    #[test]
    fn errors_are_counted_and_listed_in_key_order() {
        let config = props(&[
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "0"),
            ("batch.size", "lots"),
            ("key.converter", "com.example.Nope"),
        ]);
        let infos = validate_connector_config(&config).expect("validates");
        assert_eq!(infos.name, "FileStreamSource");
        assert_eq!(infos.error_count, 5);
        assert_eq!(
            config_errors_message(&infos).as_deref(),
            Some(
                "Connector configuration is invalid and contains the following 5 error(s):\n\
                 Missing required configuration \"name\" which has no default value.\n\
                 Invalid value 0 for configuration tasks.max: Value must be at least 1\n\
                 Invalid value com.example.Nope for configuration key.converter: Class com.example.Nope could not be found.\n\
                 Missing required configuration \"topic\" which has no default value.\n\
                 Invalid value lots for configuration batch.size: Not a number of type INT\n\
                 You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
            )
        );
        let key_converter = infos
            .configs
            .iter()
            .find(|c| {
                c.definition
                    .as_ref()
                    .is_some_and(|d| d.name == "key.converter")
            })
            .and_then(|c| c.value.clone())
            .expect("key.converter value");
        assert_eq!(key_converter.value, None);
    }

    #[test]
    fn sinks_check_their_topics() {
        let config = props(&[
            ("name", "s"),
            ("connector.class", "FileStreamSink"),
            ("file", "/tmp/out.txt"),
        ]);
        let infos = validate_connector_config(&config).expect("validates");
        assert_eq!(infos.error_count, 2);
        let mut want: Vec<&str> = COMMON.to_vec();
        want.extend([
            "topics",
            "topics.regex",
            "errors.deadletterqueue.topic.name",
            "errors.deadletterqueue.topic.replication.factor",
            "errors.deadletterqueue.context.headers.enable",
            "file",
        ]);
        assert_eq!(names(&infos), want);
        let ok = props(&[
            ("name", "s"),
            ("connector.class", "FileStreamSink"),
            ("topics", "a"),
        ]);
        assert_eq!(validate_connector_config(&ok).map(|i| i.error_count), Ok(0));
    }

    #[test]
    fn null_values_are_errors() {
        let config = props(&[
            ("name", "s"),
            ("connector.class", "FileStreamSource"),
            ("topic", "t"),
        ]);
        let infos = validate_connector_config_with_nulls(
            &config,
            &["tasks.max".to_string(), "extra".to_string()],
        )
        .expect("validates");
        assert_eq!(infos.error_count, 2);
        // An undeclared key comes first, without a definition.
        assert!(infos.configs[0].definition.is_none());
        assert_eq!(
            infos.configs[0].value.as_ref().map(|v| v.name.as_str()),
            Some("extra")
        );
    }

    #[test]
    fn missing_and_unknown_classes() {
        let none = validate_connector_config(&props(&[("name", "x")]));
        assert_eq!(
            none,
            Err(HerderError::BadRequest(
                "Connector config {name=x} contains no connector type".to_string()
            ))
        );
        let unknown = validate_connector_config(&props(&[("connector.class", "Nope")]));
        let Err(HerderError::Internal(message)) = unknown else {
            panic!("expected an internal error, got {unknown:?}");
        };
        assert!(
            message.starts_with(
                "Failed to find any class that implements Connector and which name matches Nope, available connectors are: \
                 PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='"
            ),
            "{message}"
        );
        assert!(message.ends_with("type=source, typeName='source', location='classpath'}"));
    }

    #[test]
    fn plugin_config_lists_own_keys_first() {
        let keys = connector_plugin_config("FileStreamSource").expect("known");
        let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(&names[..4], ["file", "topic", "batch.size", "name"]);
        assert_eq!(names.len(), 23);
        let topic = serde_json::to_value(&keys[1]).expect("json");
        assert_eq!(
            topic,
            serde_json::json!({
                "name": "topic", "type": "STRING", "required": true, "default_value": null,
                "importance": "HIGH", "documentation": "The topic to publish data to",
                "group": null, "width": "NONE", "display_name": "topic",
                "dependents": [], "order": -1
            })
        );
        let batch = serde_json::to_value(&keys[2]).expect("json");
        assert_eq!(batch["default_value"], serde_json::json!("2000"));
        assert_eq!(batch["importance"], serde_json::json!("LOW"));
        let sink = connector_plugin_config("org.apache.kafka.connect.file.FileStreamSinkConnector")
            .expect("known");
        assert_eq!(sink.len(), 21);
        assert_eq!(sink[0].name, "file");
        assert_eq!(
            connector_plugin_config("StringConverter").err(),
            Some(HerderError::NotFoundMessage(
                "Unknown plugin StringConverter.".to_string()
            ))
        );
    }
}
