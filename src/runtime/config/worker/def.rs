//! The worker's `ConfigDef`: Java's `WorkerConfig.baseConfigDef` with the
//! REST keys of `RestServerConfig.addPublicConfig`, then
//! `StandaloneConfig`'s or `DistributedConfig`'s keys, in Java's
//! definition order (so the first error `parse` reports is Java's), with
//! Java's types, defaults and validators. Keys Java defines only for its
//! own JVM clients (SSL, SASL) are left to the client property maps.

use crate::api::config_def::{
    ConfigDef, ConfigException, ConfigKey, Importance, Type, Validator, Value,
};

use super::{
    WorkerMode, BOOTSTRAP_SERVERS_CONFIG, HEADER_CONVERTER_CLASS_CONFIG,
    HEADER_CONVERTER_CLASS_DEFAULT, KEY_CONVERTER_CLASS_CONFIG, LISTENERS_CONFIG,
    LISTENERS_DEFAULT, OFFSET_STORAGE_FILE_FILENAME_CONFIG, VALUE_CONVERTER_CLASS_CONFIG,
};

/// The MAC algorithms kconnect signs and verifies inter-worker requests
/// with (Java accepts whatever its JVM provides; these are the usual ones).
pub(super) const SUPPORTED_MAC_ALGORITHMS: [&str; 5] = [
    "HmacSHA1",
    "HmacSHA224",
    "HmacSHA256",
    "HmacSHA384",
    "HmacSHA512",
];

/// A key's default, in the compact table below.
enum D {
    /// Required (no default).
    Req,
    /// Optional, null when unset.
    Null,
    /// This value (strings are parsed for the key's type, as Java does).
    V(Value),
}

fn s(v: &str) -> D {
    D::V(Value::String(v.to_string()))
}

fn i(v: i32) -> D {
    D::V(Value::Int(v))
}

fn l(v: i64) -> D {
    D::V(Value::Long(v))
}

fn k(name: &str, config_type: Type, importance: Importance, default: D) -> ConfigKey {
    // The worker's keys never reach the REST API, so they carry no
    // documentation of their own.
    let key = ConfigKey::new(name, config_type, importance, "");
    match default {
        D::Req => key,
        D::Null => key.with_null_default(),
        D::V(v) => key.with_default(v),
    }
}

/// `RestServerConfig.ListenersValidator`.
fn listeners_validator() -> Validator {
    const EXAMPLE: &str = "ex: http://localhost:8080,https://localhost:8443";
    Validator::custom(
        format!("List of comma-separated URLs, {EXAMPLE}."),
        |_, value| match value.and_then(Value::as_list) {
            None => Err(ConfigException::new(format!(
                "Invalid value type for listeners (expected list of URLs , {EXAMPLE})."
            ))),
            Some([]) => Err(ConfigException::new(format!(
                "Invalid value for listeners, at least one URL is expected, {EXAMPLE}."
            ))),
            Some(items) if items.iter().any(|i| i.trim().is_empty()) => Err(ConfigException::new(
                "Empty URL found when parsing listeners list.",
            )),
            Some(_) => Ok(()),
        },
    )
}

/// `RestServerConfig.AdminListenersValidator`.
fn admin_listeners_validator() -> Validator {
    Validator::custom(
        "List of comma-separated URLs, ex: http://localhost:8080,https://localhost:8443.",
        |_, value| match value.and_then(Value::as_list) {
            Some(items) if items.iter().any(|i| i.trim().is_empty()) => Err(ConfigException::new(
                "Empty URL found when parsing admin.listeners list.",
            )),
            _ => Ok(()),
        },
    )
}

/// `TopicCreationConfig.PARTITIONS_VALIDATOR`.
fn partitions_validator() -> Validator {
    Validator::custom(
        "Positive number, or -1 to use the broker's default",
        |name, value| match value.and_then(Value::as_i64) {
            Some(n) if n != -1 && n < 1 => Err(ConfigException::invalid(
                name,
                n,
                "Number of partitions must be positive, or -1 to use the broker's default",
            )),
            _ => Ok(()),
        },
    )
}

/// `TopicCreationConfig.REPLICATION_FACTOR_VALIDATOR`.
fn replication_factor_validator() -> Validator {
    const BOUND: &str = "not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default";
    Validator::custom(
        format!("Positive number {BOUND}"),
        |name, value| match value.and_then(Value::as_i64) {
            Some(n) if n != -1 && n < 1 => Err(ConfigException::invalid(
                name,
                n,
                &format!("Replication factor must be positive and {BOUND}"),
            )),
            _ => Ok(()),
        },
    )
}

/// `DistributedConfig`'s connect.protocol validator.
fn connect_protocol_validator() -> Validator {
    Validator::custom("[eager, compatible, sessioned]", |name, value| {
        let text = value.and_then(Value::as_str).unwrap_or("");
        match super::ConnectProtocol::parse(text) {
            Some(_) => Ok(()),
            None => Err(ConfigException::invalid(
                name,
                text,
                "Invalid Connect protocol compatibility",
            )),
        }
    })
}

fn mac_algorithm_validator(kind: &'static str) -> Validator {
    Validator::custom(
        format!("Any {kind} algorithm supported by the worker"),
        move |name, value| {
            let algorithm = value.and_then(Value::as_str).unwrap_or("null");
            if SUPPORTED_MAC_ALGORITHMS.contains(&algorithm) {
                Ok(())
            } else {
                Err(unsupported_algorithm(name, algorithm, kind))
            }
        },
    )
}

fn verification_algorithms_validator() -> Validator {
    Validator::custom(
        "A list of one or more MAC algorithms, each supported by the worker",
        |name, value| {
            let algorithms = value.and_then(Value::as_list).unwrap_or_default();
            if algorithms.is_empty() {
                return Err(ConfigException::invalid(
                    name,
                    "[]",
                    "At least one signature verification algorithm must be provided",
                ));
            }
            match algorithms
                .iter()
                .find(|a| !SUPPORTED_MAC_ALGORITHMS.contains(&a.as_str()))
            {
                Some(bad) => Err(unsupported_algorithm(name, bad, "Mac")),
                None => Ok(()),
            }
        },
    )
}

fn unsupported_algorithm(name: &str, algorithm: &str, kind: &str) -> ConfigException {
    ConfigException::invalid(
        name,
        algorithm,
        &format!(
            "the algorithm is not supported by this worker; the supported {kind} algorithms are: [{}]",
            SUPPORTED_MAC_ALGORITHMS.join(", ")
        ),
    )
}

/// The worker's `ConfigDef` for `mode`.
pub fn worker_config_def(mode: WorkerMode) -> ConfigDef {
    use Importance::{High, Low, Medium};
    use Type::{Boolean, Class, Int, List, Long, Short, String};
    use Validator as V;
    let mut keys = vec![
        k(BOOTSTRAP_SERVERS_CONFIG, List, High, s("localhost:9092")),
        k("client.dns.lookup", String, Medium, s("use_all_dns_ips")).with_validator(
            V::valid_string(&[
                "use_all_dns_ips",
                "resolve_canonical_bootstrap_servers_only",
            ]),
        ),
        k(KEY_CONVERTER_CLASS_CONFIG, Class, High, D::Req),
        k(VALUE_CONVERTER_CLASS_CONFIG, Class, High, D::Req),
        k("task.shutdown.graceful.timeout.ms", Long, Low, s("5000")),
        k("offset.flush.interval.ms", Long, Low, l(60000)),
        k("offset.flush.timeout.ms", Long, Low, l(5000)),
        k("plugin.path", List, Low, D::Null),
        k("plugin.discovery", String, Low, s("hybrid_warn")).with_validator(
            V::case_insensitive_valid_string(&[
                "only_scan",
                "hybrid_warn",
                "hybrid_fail",
                "service_load",
            ]),
        ),
        k("metrics.sample.window.ms", Long, Low, l(30000)).with_validator(V::at_least(0)),
        k("metrics.num.samples", Int, Low, i(2)).with_validator(V::at_least(1)),
        k("metrics.recording.level", String, Low, s("INFO"))
            .with_validator(V::valid_string(&["INFO", "DEBUG"])),
        k(
            "metric.reporters",
            List,
            Low,
            s("org.apache.kafka.common.metrics.JmxReporter"),
        ),
        k(
            HEADER_CONVERTER_CLASS_CONFIG,
            Class,
            Low,
            s(HEADER_CONVERTER_CLASS_DEFAULT),
        ),
        k(
            super::super::provider::CONFIG_PROVIDERS_CONFIG,
            List,
            Low,
            s(""),
        ),
        k(
            "connector.client.config.override.policy",
            String,
            Medium,
            s("All"),
        ),
        k(
            "topic.creation.enable",
            Boolean,
            Low,
            D::V(Value::Boolean(true)),
        ),
        k(
            "topic.tracking.enable",
            Boolean,
            Low,
            D::V(Value::Boolean(true)),
        ),
        k(
            "topic.tracking.allow.reset",
            Boolean,
            Low,
            D::V(Value::Boolean(true)),
        ),
        k(LISTENERS_CONFIG, List, Low, s(LISTENERS_DEFAULT)).with_validator(listeners_validator()),
        k("rest.advertised.host.name", String, Low, D::Null),
        k("rest.advertised.port", Int, Low, D::Null),
        k("rest.advertised.listener", String, Low, D::Null),
        k("access.control.allow.origin", String, Low, s("")),
        k("access.control.allow.methods", String, Low, s("")),
        k("response.http.headers.config", String, Low, s("")),
        k("ssl.client.auth", String, Low, s("none")).with_validator(V::valid_string(&[
            "required",
            "requested",
            "none",
        ])),
        k("rest.extension.classes", List, Low, s("")),
        k("admin.listeners", List, Low, D::Null).with_validator(admin_listeners_validator()),
    ];
    match mode {
        WorkerMode::Standalone => {
            keys.push(k(OFFSET_STORAGE_FILE_FILENAME_CONFIG, String, High, D::Req))
        }
        WorkerMode::Distributed => keys.extend([
            k("group.id", String, High, D::Req),
            k("session.timeout.ms", Int, High, i(10000)),
            k("rebalance.timeout.ms", Int, High, i(60000)),
            k("heartbeat.interval.ms", Int, High, i(3000)),
            k("exactly.once.source.support", String, High, s("disabled"))
                .with_validator(V::valid_string(&["disabled", "preparing", "enabled"])),
            k("metadata.max.age.ms", Long, Low, l(300000)).with_validator(V::at_least(0)),
            k("client.id", String, Low, s("")),
            k("send.buffer.bytes", Int, Medium, i(131072)).with_validator(V::at_least(-1)),
            k("receive.buffer.bytes", Int, Medium, i(32768)).with_validator(V::at_least(-1)),
            k("reconnect.backoff.ms", Long, Low, l(50)).with_validator(V::at_least(0)),
            k("reconnect.backoff.max.ms", Long, Low, l(1000)).with_validator(V::at_least(0)),
            k("socket.connection.setup.timeout.ms", Long, Low, l(10000))
                .with_validator(V::at_least(0)),
            k(
                "socket.connection.setup.timeout.max.ms",
                Long,
                Low,
                l(30000),
            )
            .with_validator(V::at_least(0)),
            k("retry.backoff.ms", Long, Low, l(100)).with_validator(V::at_least(0)),
            k("retry.backoff.max.ms", Long, Low, l(1000)).with_validator(V::at_least(0)),
            k("request.timeout.ms", Int, Medium, i(40000)).with_validator(V::at_least(0)),
            k("connections.max.idle.ms", Long, Medium, l(540000)),
            k("security.protocol", String, Medium, s("PLAINTEXT")).with_validator(V::valid_string(
                &["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
            )),
            k("worker.sync.timeout.ms", Int, Medium, i(3000)),
            k("worker.unsync.backoff.ms", Int, Medium, i(300000)),
            k("offset.storage.topic", String, High, D::Req),
            k("offset.storage.partitions", Int, Low, i(25)).with_validator(partitions_validator()),
            k(
                "offset.storage.replication.factor",
                Short,
                Low,
                D::V(Value::Short(3)),
            )
            .with_validator(replication_factor_validator()),
            k("config.storage.topic", String, High, D::Req),
            k(
                "config.storage.replication.factor",
                Short,
                Low,
                D::V(Value::Short(3)),
            )
            .with_validator(replication_factor_validator()),
            k("status.storage.topic", String, High, D::Req),
            k("status.storage.partitions", Int, Low, i(5)).with_validator(partitions_validator()),
            k(
                "status.storage.replication.factor",
                Short,
                Low,
                D::V(Value::Short(3)),
            )
            .with_validator(replication_factor_validator()),
            k("connect.protocol", String, Low, s("sessioned"))
                .with_validator(connect_protocol_validator()),
            k("scheduled.rebalance.max.delay.ms", Int, Low, i(300000))
                .with_validator(V::between(0, i64::from(i32::MAX))),
            k("inter.worker.key.ttl.ms", Int, Low, i(3600000))
                .with_validator(V::between(0, i64::from(i32::MAX))),
            k(
                "inter.worker.key.generation.algorithm",
                String,
                Low,
                s("HmacSHA256"),
            )
            .with_validator(mac_algorithm_validator("KeyGenerator")),
            k("inter.worker.key.size", Int, Low, D::Null),
            k(
                "inter.worker.signature.algorithm",
                String,
                Low,
                s("HmacSHA256"),
            )
            .with_validator(mac_algorithm_validator("Mac")),
            k(
                "inter.worker.verification.algorithms",
                List,
                Low,
                s("HmacSHA256"),
            )
            .with_validator(verification_algorithms_validator()),
            k("metadata.recovery.strategy", String, Low, s("none"))
                .with_validator(V::case_insensitive_valid_string(&["none", "rebootstrap"])),
        ]),
    }
    keys.into_iter().fold(ConfigDef::new(), ConfigDef::define)
}
