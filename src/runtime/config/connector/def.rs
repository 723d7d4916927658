//! The `ConfigDef`s of Java's `ConnectorConfig`, `SinkConnectorConfig`
//! and `SourceConnectorConfig`, key for key: names, types, defaults,
//! validators, groups, orders, display names and documentation, since the
//! REST validate endpoint shows all of them.

use regex::Regex;

use super::{
    CONFIG_RELOAD_ACTION_CONFIG, CONNECTOR_CLASS_CONFIG, DLQ_CONTEXT_HEADERS_ENABLE_CONFIG,
    DLQ_TOPIC_NAME_CONFIG, DLQ_TOPIC_REPLICATION_FACTOR_CONFIG, ERRORS_LOG_ENABLE_CONFIG,
    ERRORS_LOG_INCLUDE_MESSAGES_CONFIG, ERRORS_RETRY_MAX_DELAY_CONFIG, ERRORS_RETRY_TIMEOUT_CONFIG,
    ERRORS_TOLERANCE_CONFIG, EXACTLY_ONCE_SUPPORT_CONFIG, HEADER_CONVERTER_CLASS_CONFIG,
    KEY_CONVERTER_CLASS_CONFIG, NAME_CONFIG, OFFSETS_TOPIC_CONFIG, PREDICATES_CONFIG,
    TASKS_MAX_CONFIG, TASKS_MAX_ENFORCE_CONFIG, TOPICS_CONFIG, TOPICS_REGEX_CONFIG,
    TOPIC_CREATION_GROUPS_CONFIG, TRANSACTION_BOUNDARY_CONFIG,
    TRANSACTION_BOUNDARY_INTERVAL_CONFIG, TRANSFORMS_CONFIG, VALUE_CONVERTER_CLASS_CONFIG,
};
use crate::api::config_def::{
    ConfigDef, ConfigException, ConfigKey, Importance, Type, Validator, Value, Width,
};

const COMMON_GROUP: &str = "Common";
const TRANSFORMS_GROUP: &str = "Transforms";
const PREDICATES_GROUP: &str = "Predicates";
const ERROR_GROUP: &str = "Error Handling";
const TOPIC_CREATION_GROUP: &str = "Topic Creation";
const EXACTLY_ONCE_SUPPORT_GROUP: &str = "Exactly Once Support";
const OFFSETS_TOPIC_GROUP: &str = "offsets.topic";

const CONVERTER_DOC_HEAD: &str = "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.";
const CONVERTER_DOC_TAIL: &str = " independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.";

/// `ConnectorConfig`'s "unique aliases" validator for `transforms` and
/// `predicates` (non-null, no duplicates).
fn alias_validator(kind: &str) -> Validator {
    Validator::Composite(vec![
        Validator::NonNull,
        Validator::custom(format!("unique {kind} aliases"), |name, value| {
            let aliases = value.and_then(Value::as_list).unwrap_or_default();
            let mut seen = std::collections::HashSet::new();
            if aliases.iter().all(|a| seen.insert(a)) {
                Ok(())
            } else {
                Err(ConfigException::invalid(
                    name,
                    format!("[{}]", aliases.join(", ")),
                    "Duplicate alias provided.",
                ))
            }
        }),
    ])
}

/// `ConnectorConfig.configDef()`.
pub fn connector_config_def() -> ConfigDef {
    use Importance::{High, Low, Medium};
    ConfigDef::new()
        .define(
            ConfigKey::new(NAME_CONFIG, Type::String, High, "Globally unique name to use for this connector.")
                .with_validator(Validator::NonEmptyStringWithoutControlChars)
                .in_group(COMMON_GROUP, 1, Width::Medium, "Connector name"),
        )
        .define(
            ConfigKey::new(
                CONNECTOR_CLASS_CONFIG,
                Type::String,
                High,
                "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter",
            )
            .in_group(COMMON_GROUP, 2, Width::Long, "Connector class"),
        )
        .define(
            ConfigKey::new(TASKS_MAX_CONFIG, Type::Int, High, "Maximum number of tasks to use for this connector.")
                .with_default(1)
                .with_validator(Validator::at_least(1))
                .in_group(COMMON_GROUP, 3, Width::Short, "Tasks max"),
        )
        .define(
            ConfigKey::new(
                TASKS_MAX_ENFORCE_CONFIG,
                Type::Boolean,
                Low,
                "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated and will be removed in an upcoming major release.",
            )
            .with_default(true)
            .in_group(COMMON_GROUP, 4, Width::Short, "Enforce tasks max"),
        )
        .define(
            ConfigKey::new(
                KEY_CONVERTER_CLASS_CONFIG,
                Type::Class,
                Low,
                format!("{CONVERTER_DOC_HEAD} This controls the format of the keys in messages written to or read from Kafka, and since this is{CONVERTER_DOC_TAIL}"),
            )
            .with_null_default()
            .in_group(COMMON_GROUP, 5, Width::Short, "Key converter class"),
        )
        .define(
            ConfigKey::new(
                VALUE_CONVERTER_CLASS_CONFIG,
                Type::Class,
                Low,
                format!("{CONVERTER_DOC_HEAD} This controls the format of the values in messages written to or read from Kafka, and since this is{CONVERTER_DOC_TAIL}"),
            )
            .with_null_default()
            .in_group(COMMON_GROUP, 6, Width::Short, "Value converter class"),
        )
        .define(
            ConfigKey::new(
                HEADER_CONVERTER_CLASS_CONFIG,
                Type::Class,
                Low,
                "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.",
            )
            .with_null_default()
            .in_group(COMMON_GROUP, 7, Width::Short, "Header converter class"),
        )
        .define(
            ConfigKey::new(TRANSFORMS_CONFIG, Type::List, Low, "Aliases for the transformations to be applied to records.")
                .with_default(Value::List(Vec::new()))
                .with_validator(alias_validator("transformation"))
                .in_group(TRANSFORMS_GROUP, 8, Width::Long, "Transforms"),
        )
        .define(
            ConfigKey::new(PREDICATES_CONFIG, Type::List, Low, "Aliases for the predicates used by transformations.")
                .with_default(Value::List(Vec::new()))
                .with_validator(alias_validator("predicate"))
                .in_group(PREDICATES_GROUP, 9, Width::Long, "Predicates"),
        )
        .define(
            ConfigKey::new(
                CONFIG_RELOAD_ACTION_CONFIG,
                Type::String,
                Low,
                "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.",
            )
            .with_default("restart")
            .with_validator(Validator::valid_string(&["none", "restart"]))
            .in_group(COMMON_GROUP, 10, Width::Medium, "Reload Action"),
        )
        .define(
            ConfigKey::new(
                ERRORS_RETRY_TIMEOUT_CONFIG,
                Type::Long,
                Medium,
                "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
            )
            .with_default(0)
            .in_group(ERROR_GROUP, 1, Width::Medium, "Retry Timeout for Errors"),
        )
        .define(
            ConfigKey::new(
                ERRORS_RETRY_MAX_DELAY_CONFIG,
                Type::Long,
                Medium,
                "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.",
            )
            .with_default(60000)
            .in_group(ERROR_GROUP, 2, Width::Medium, "Maximum Delay Between Retries for Errors"),
        )
        .define(
            ConfigKey::new(
                ERRORS_TOLERANCE_CONFIG,
                Type::String,
                Medium,
                "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.",
            )
            .with_default("none")
            .with_validator(Validator::valid_string(&["none", "all"]))
            .in_group(ERROR_GROUP, 3, Width::Short, "Error Tolerance"),
        )
        .define(
            ConfigKey::new(
                ERRORS_LOG_ENABLE_CONFIG,
                Type::Boolean,
                Medium,
                "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.",
            )
            .with_default(false)
            .in_group(ERROR_GROUP, 4, Width::Short, "Log Errors"),
        )
        .define(
            ConfigKey::new(
                ERRORS_LOG_INCLUDE_MESSAGES_CONFIG,
                Type::Boolean,
                Medium,
                "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.",
            )
            .with_default(false)
            .in_group(ERROR_GROUP, 5, Width::Short, "Log Error Details"),
        )
}

/// The `valid regex` validator of `topics.regex`.
fn regex_validator() -> Validator {
    Validator::custom("valid regex", |name, value| {
        let pattern = value.and_then(Value::as_str).unwrap_or("");
        Regex::new(pattern)
            .map(|_| ())
            .map_err(|e| ConfigException::invalid(name, pattern, &format!("Invalid regex: {e}")))
    })
}

/// `SinkConnectorConfig.configDef()`.
pub fn sink_connector_config_def() -> ConfigDef {
    use Importance::{High, Medium};
    connector_config_def()
        .define(
            ConfigKey::new(TOPICS_CONFIG, Type::List, High, "List of topics to consume, separated by commas")
                .with_default("")
                .in_group(COMMON_GROUP, 4, Width::Long, "Topics"),
        )
        .define(
            ConfigKey::new(
                TOPICS_REGEX_CONFIG,
                Type::String,
                High,
                "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.",
            )
            .with_default("")
            .with_validator(regex_validator())
            .in_group(COMMON_GROUP, 4, Width::Long, "Topics regex"),
        )
        .define(
            ConfigKey::new(
                DLQ_TOPIC_NAME_CONFIG,
                Type::String,
                Medium,
                "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.",
            )
            .with_default("")
            .in_group(ERROR_GROUP, 6, Width::Medium, "Dead Letter Queue Topic Name"),
        )
        .define(
            ConfigKey::new(
                DLQ_TOPIC_REPLICATION_FACTOR_CONFIG,
                Type::Short,
                Medium,
                "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
            )
            .with_default(Value::Short(3))
            .in_group(ERROR_GROUP, 7, Width::Medium, "Dead Letter Queue Topic Replication Factor"),
        )
        .define(
            ConfigKey::new(
                DLQ_CONTEXT_HEADERS_ENABLE_CONFIG,
                Type::Boolean,
                Medium,
                "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>",
            )
            .with_default(false)
            .in_group(ERROR_GROUP, 8, Width::Medium, "Enable Error Context Headers"),
        )
}

/// `SourceConnectorConfig.configDef()` (without the per-group
/// `topic.creation.<group>.*` keys, which depend on the configuration).
pub fn source_connector_config_def() -> ConfigDef {
    use Importance::{Low, Medium};
    connector_config_def()
        .define(
            ConfigKey::new(TOPIC_CREATION_GROUPS_CONFIG, Type::List, Low, "Groups of configurations for topics created by source connectors")
                .with_default(Value::List(Vec::new()))
                .with_validator(Validator::Composite(vec![
                    Validator::NonNull,
                    Validator::custom("unique topic creation groups", |name, value| {
                        let groups = value.and_then(Value::as_list).unwrap_or_default();
                        let mut seen = std::collections::HashSet::new();
                        if groups.iter().all(|g| seen.insert(g)) {
                            Ok(())
                        } else {
                            Err(ConfigException::invalid(name, format!("[{}]", groups.join(", ")), "Duplicate alias provided."))
                        }
                    }),
                ]))
                .in_group(TOPIC_CREATION_GROUP, 1, Width::Long, "Topic Creation Groups"),
        )
        .define(
            ConfigKey::new(
                EXACTLY_ONCE_SUPPORT_CONFIG,
                Type::String,
                Medium,
                "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.",
            )
            .with_default("requested")
            .with_validator(Validator::case_insensitive_valid_string(&["requested", "required"]))
            .in_group(EXACTLY_ONCE_SUPPORT_GROUP, 2, Width::Short, "Exactly once support"),
        )
        .define(
            ConfigKey::new(
                TRANSACTION_BOUNDARY_CONFIG,
                Type::String,
                Medium,
                "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
            )
            .with_default("poll")
            .with_validator(Validator::case_insensitive_valid_string(&["poll", "interval", "connector"]))
            .in_group(EXACTLY_ONCE_SUPPORT_GROUP, 3, Width::Short, "Transaction Boundary"),
        )
        .define(
            ConfigKey::new(
                TRANSACTION_BOUNDARY_INTERVAL_CONFIG,
                Type::Long,
                Low,
                "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
            )
            .with_null_default()
            .with_validator(Validator::custom("[0,...]", |name, value| match value {
                None => Ok(()),
                Some(v) => Validator::at_least(0).ensure_valid(name, Some(v)),
            }))
            .in_group(EXACTLY_ONCE_SUPPORT_GROUP, 4, Width::Short, "Transaction boundary interval"),
        )
        .define(
            ConfigKey::new(
                OFFSETS_TOPIC_CONFIG,
                Type::String,
                Low,
                "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker\u{2019}s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
            )
            .with_null_default()
            .with_validator(Validator::NonEmptyString)
            .in_group(OFFSETS_TOPIC_GROUP, 1, Width::Long, "Offsets topic"),
        )
}
