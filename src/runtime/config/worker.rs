//! The worker's configuration: Java's `WorkerConfig` with
//! `StandaloneConfig` and `DistributedConfig` (keys, types, defaults and
//! validators in Java's definition order, so the first error reported is
//! Java's), the REST keys of `RestServerConfig`, the listener syntax of
//! `RestServer.createConnector` and its advertised URL, and the client
//! property maps `Worker.baseProducerConfigs` / `baseConsumerConfigs` /
//! `adminConfigs` build.
//!
//! `${provider:path:key}` variables are resolved first, with the providers
//! the worker properties themselves declare (as `AbstractConfig` does).
//! Keys the worker does not define are kept (clients, converters and
//! connectors read them through prefixes) and otherwise ignored.

use std::collections::HashMap;
use std::time::Duration;

use indexmap::IndexMap;

mod def;
mod listener;

pub use def::worker_config_def;
pub use listener::{AdvertisedUrl, Listener};

use super::provider::{transform, ConfigProviders};
use super::ConfigError;
use crate::api::config_def::Value;

/// How the worker runs, which decides the keys it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerMode {
    Standalone,
    Distributed,
}

/// `DistributedConfig.ExactlyOnceSourceSupport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactlyOnceSourceSupport {
    Disabled,
    Preparing,
    Enabled,
}

impl ExactlyOnceSourceSupport {
    /// Whether the leader writes to the config topic in transactions.
    pub fn uses_transactional_leader(self) -> bool {
        self != ExactlyOnceSourceSupport::Disabled
    }
}

/// `ConnectProtocolCompatibility`: which group protocols the worker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectProtocol {
    Eager,
    Compatible,
    Sessioned,
}

impl ConnectProtocol {
    fn parse(s: &str) -> Option<ConnectProtocol> {
        match s.to_ascii_lowercase().as_str() {
            "eager" => Some(ConnectProtocol::Eager),
            "compatible" => Some(ConnectProtocol::Compatible),
            "sessioned" => Some(ConnectProtocol::Sessioned),
            _ => None,
        }
    }
}

/// One internal topic's settings in distributed mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageTopic {
    pub topic: String,
    /// Always 1 for the config topic.
    pub partitions: i32,
    /// -1 means the broker's default.
    pub replication_factor: i16,
    /// Other `<prefix>.*` settings, passed to topic creation
    /// (`DistributedConfig.topicSettings`: never `cleanup.policy`).
    pub settings: HashMap<String, String>,
}

/// The settings only a distributed worker has.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributedSettings {
    pub group_id: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub heartbeat_interval_ms: i32,
    pub exactly_once_source_support: ExactlyOnceSourceSupport,
    pub worker_sync_timeout_ms: i32,
    pub worker_unsync_backoff_ms: i32,
    pub offset_storage: StorageTopic,
    pub config_storage: StorageTopic,
    pub status_storage: StorageTopic,
    pub connect_protocol: ConnectProtocol,
    pub scheduled_rebalance_max_delay_ms: i32,
    pub inter_worker_key_ttl_ms: i32,
    pub inter_worker_key_generation_algorithm: String,
    pub inter_worker_key_size: Option<i32>,
    pub inter_worker_signature_algorithm: String,
    pub inter_worker_verification_algorithms: Vec<String>,
    pub client_id: String,
    pub request_timeout_ms: i32,
}

pub const BOOTSTRAP_SERVERS_CONFIG: &str = "bootstrap.servers";
pub const KEY_CONVERTER_CLASS_CONFIG: &str = "key.converter";
pub const VALUE_CONVERTER_CLASS_CONFIG: &str = "value.converter";
pub const HEADER_CONVERTER_CLASS_CONFIG: &str = "header.converter";
pub const HEADER_CONVERTER_CLASS_DEFAULT: &str =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";
pub const LISTENERS_CONFIG: &str = "listeners";
pub const LISTENERS_DEFAULT: &str = "http://:8083";
pub const OFFSET_STORAGE_FILE_FILENAME_CONFIG: &str = "offset.storage.file.filename";

/// Prefixes of keys the worker hands on to others rather than reading.
const PASS_THROUGH_PREFIXES: [&str; 12] = [
    "producer.",
    "consumer.",
    "admin.",
    "config.providers.",
    "offset.storage.",
    "config.storage.",
    "status.storage.",
    "listeners.https.",
    "key.converter.",
    "value.converter.",
    "header.converter.",
    "ssl.",
];

/// A parsed, validated worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub mode: WorkerMode,
    /// Every property as given, with config provider variables resolved
    /// (Java's `originals()`), unknown keys included.
    pub props: IndexMap<String, String>,
    /// Every defined key's parsed value (null when unset without default).
    values: IndexMap<String, Option<Value>>,
    pub bootstrap_servers: Vec<String>,
    pub key_converter: String,
    pub value_converter: String,
    pub header_converter: String,
    pub offset_flush_interval_ms: i64,
    pub offset_flush_timeout_ms: i64,
    pub task_shutdown_graceful_timeout_ms: i64,
    pub listeners: Vec<Listener>,
    pub rest_advertised_host_name: Option<String>,
    pub rest_advertised_port: Option<i32>,
    pub rest_advertised_listener: Option<String>,
    pub plugin_path: Option<Vec<String>>,
    pub config_providers: Vec<String>,
    pub connector_client_config_override_policy: String,
    pub topic_creation_enable: bool,
    pub topic_tracking_enable: bool,
    pub topic_tracking_allow_reset: bool,
    /// Standalone only (required there).
    pub offset_storage_file_filename: Option<String>,
    /// Distributed only.
    pub distributed: Option<DistributedSettings>,
}

impl WorkerConfig {
    /// A standalone worker's configuration (`StandaloneConfig`).
    pub fn standalone<I, K, V>(props: I) -> Result<WorkerConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        WorkerConfig::new(WorkerMode::Standalone, props)
    }

    /// A distributed worker's configuration (`DistributedConfig`).
    pub fn distributed<I, K, V>(props: I) -> Result<WorkerConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        WorkerConfig::new(WorkerMode::Distributed, props)
    }

    pub fn new<I, K, V>(mode: WorkerMode, props: I) -> Result<WorkerConfig, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let raw: IndexMap<String, String> = props
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let providers = ConfigProviders::from_worker_props(&raw)?;
        let props = if providers.is_empty() {
            raw.clone()
        } else {
            transform(&raw, &providers)?
        };
        if raw.get("plugin.path") != props.get("plugin.path") {
            tracing::warn!(
                "Variables cannot be used in the 'plugin.path' property, since the property is used by plugin scanning before the config providers that replace the variables are initialized. The raw value '{}' was used for plugin scanning, as opposed to the transformed value '{}', and this may cause unexpected results.",
                raw.get("plugin.path").map_or("null", String::as_str),
                props.get("plugin.path").map_or("null", String::as_str)
            );
        }

        let def = worker_config_def(mode);
        let values = def.parse(&props)?;
        for key in props.keys() {
            if def.key(key).is_none() && !PASS_THROUGH_PREFIXES.iter().any(|p| key.starts_with(p)) {
                tracing::debug!(
                    "worker property '{key}' is not a worker setting; kept for clients and plugins"
                );
            }
        }
        for removed in ["internal.key.converter", "internal.value.converter"] {
            if props
                .keys()
                .any(|k| k == removed || k.starts_with(&format!("{removed}.")))
            {
                tracing::warn!("The worker has been configured with the internal converter property {removed}, which was removed in Kafka 3.0 and has no effect.");
            }
        }

        let v = Values(&values);
        let listeners = v
            .list(LISTENERS_CONFIG)
            .iter()
            .map(|l| Listener::parse(l))
            .collect::<Result<Vec<_>, _>>()?;
        let distributed = match mode {
            WorkerMode::Standalone => None,
            WorkerMode::Distributed => Some(distributed_settings(&v, &props)?),
        };
        Ok(WorkerConfig {
            mode,
            bootstrap_servers: v.list(BOOTSTRAP_SERVERS_CONFIG),
            key_converter: v.string(KEY_CONVERTER_CLASS_CONFIG).unwrap_or_default(),
            value_converter: v.string(VALUE_CONVERTER_CLASS_CONFIG).unwrap_or_default(),
            header_converter: v
                .string(HEADER_CONVERTER_CLASS_CONFIG)
                .unwrap_or_else(|| HEADER_CONVERTER_CLASS_DEFAULT.to_string()),
            offset_flush_interval_ms: v.long("offset.flush.interval.ms"),
            offset_flush_timeout_ms: v.long("offset.flush.timeout.ms"),
            task_shutdown_graceful_timeout_ms: v.long("task.shutdown.graceful.timeout.ms"),
            listeners,
            rest_advertised_host_name: v.string("rest.advertised.host.name"),
            rest_advertised_port: v.int("rest.advertised.port"),
            rest_advertised_listener: v.string("rest.advertised.listener"),
            plugin_path: v
                .get("plugin.path")
                .and_then(Value::as_list)
                .map(<[String]>::to_vec),
            config_providers: v.list(super::provider::CONFIG_PROVIDERS_CONFIG),
            connector_client_config_override_policy: v
                .string("connector.client.config.override.policy")
                .unwrap_or_default(),
            topic_creation_enable: v.bool("topic.creation.enable"),
            topic_tracking_enable: v.bool("topic.tracking.enable"),
            topic_tracking_allow_reset: v.bool("topic.tracking.allow.reset"),
            offset_storage_file_filename: v.string(OFFSET_STORAGE_FILE_FILENAME_CONFIG),
            distributed,
            values,
            props,
        })
    }

    /// A defined key's parsed value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key).and_then(Option::as_ref)
    }

    /// `bootstrap.servers` as one comma-separated string.
    pub fn bootstrap_servers_string(&self) -> String {
        self.bootstrap_servers.join(",")
    }

    pub fn offset_flush_interval(&self) -> Duration {
        millis(self.offset_flush_interval_ms)
    }

    pub fn offset_flush_timeout(&self) -> Duration {
        millis(self.offset_flush_timeout_ms)
    }

    pub fn task_shutdown_graceful_timeout(&self) -> Duration {
        millis(self.task_shutdown_graceful_timeout_ms)
    }

    /// `AbstractConfig.originalsWithPrefix`: the properties under `prefix`,
    /// with it stripped.
    pub fn originals_with_prefix(&self, prefix: &str) -> HashMap<String, String> {
        self.props
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix)
                    .filter(|rest| !rest.is_empty())
                    .map(|rest| (rest.to_string(), v.clone()))
            })
            .collect()
    }

    /// The worker's `<prefix>*` client settings (`producer.`, `consumer.`,
    /// `admin.`), prefix stripped, over the worker's `bootstrap.servers`.
    pub fn client_props(&self, prefix: &str) -> HashMap<String, String> {
        let mut out = HashMap::new();
        out.insert(
            BOOTSTRAP_SERVERS_CONFIG.to_string(),
            self.bootstrap_servers_string(),
        );
        out.extend(self.originals_with_prefix(prefix));
        out
    }

    /// A task producer's settings before connector overrides
    /// (`Worker.baseProducerConfigs`): Connect's delivery defaults, then
    /// the worker's `producer.*`.
    pub fn producer_props(&self, client_id: &str) -> HashMap<String, String> {
        let mut out: HashMap<String, String> = [
            ("enable.idempotence", "false"),
            ("acks", "all"),
            ("max.in.flight.requests.per.connection", "1"),
            ("delivery.timeout.ms", "2147483647"),
            ("max.block.ms", "9223372036854775807"),
            ("client.id", client_id),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        out.extend(self.client_props("producer."));
        out
    }

    /// A sink task consumer's settings before connector overrides
    /// (`Worker.baseConsumerConfigs`): group `connect-<connector>`, no
    /// auto-commit, `earliest`, then the worker's `consumer.*`.
    pub fn consumer_props(&self, connector: &str, client_id: &str) -> HashMap<String, String> {
        let mut out: HashMap<String, String> = [
            ("group.id", format!("connect-{connector}")),
            ("client.id", client_id.to_string()),
            ("enable.auto.commit", "false".to_string()),
            ("auto.offset.reset", "earliest".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        out.extend(self.client_props("consumer."));
        out
    }

    /// A connector's admin client settings before connector overrides
    /// (`Worker.adminConfigs`): every unprefixed worker property (Java
    /// keeps this for compatibility), then the worker's `admin.*`.
    pub fn admin_props(&self, client_id: &str) -> HashMap<String, String> {
        let mut out = HashMap::new();
        out.insert(
            BOOTSTRAP_SERVERS_CONFIG.to_string(),
            self.bootstrap_servers_string(),
        );
        out.insert("client.id".to_string(), client_id.to_string());
        for (k, v) in &self.props {
            let prefixed = ["admin.", "producer.", "consumer."]
                .iter()
                .any(|p| k.starts_with(p));
            if !prefixed && k != super::provider::CONFIG_PROVIDERS_CONFIG {
                out.insert(k.clone(), v.clone());
            }
        }
        out.insert(
            BOOTSTRAP_SERVERS_CONFIG.to_string(),
            self.bootstrap_servers_string(),
        );
        out.extend(self.originals_with_prefix("admin."));
        out
    }

    /// `RestServer.advertisedUrl`: the protocol from
    /// `rest.advertised.listener` (else `http` if any listener is http,
    /// else `https`), the host from `rest.advertised.host.name` (else the
    /// listener's host, else `local_host_address`), the port from
    /// `rest.advertised.port` (else the listener's port, else `bound_port`,
    /// for a listener on port 0).
    pub fn advertised_url(&self, local_host_address: &str, bound_port: u16) -> AdvertisedUrl {
        let protocol = match &self.rest_advertised_listener {
            Some(p) => p.to_lowercase(),
            None => match self.props.get(LISTENERS_CONFIG).map(|l| l.to_lowercase()) {
                Some(raw) if !raw.contains("http://") && raw.contains("https://") => {
                    "https".to_string()
                }
                _ => "http".to_string(),
            },
        };
        let listener = self.listeners.iter().find(|l| l.protocol == protocol);
        let host = match &self.rest_advertised_host_name {
            Some(h) if !h.is_empty() => h.clone(),
            _ => match listener {
                Some(l) if !l.host.is_empty() => l.host.clone(),
                _ => local_host_address.to_string(),
            },
        };
        let port = match self
            .rest_advertised_port
            .and_then(|p| u16::try_from(p).ok())
        {
            Some(p) => p,
            None => match listener {
                Some(l) if l.port > 0 => l.port,
                _ => bound_port,
            },
        };
        AdvertisedUrl {
            protocol,
            host,
            port,
        }
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Typed reads of parsed values; a key the definition guarantees is read
/// with a neutral fallback rather than a panic.
struct Values<'a>(&'a IndexMap<String, Option<Value>>);

impl Values<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).and_then(Option::as_ref)
    }

    fn string(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Value::as_str).map(str::to_string)
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .and_then(Value::as_list)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    }

    fn long(&self, key: &str) -> i64 {
        self.get(key).and_then(Value::as_i64).unwrap_or_default()
    }

    fn int(&self, key: &str) -> Option<i32> {
        self.get(key)
            .and_then(Value::as_i64)
            .and_then(|i| i32::try_from(i).ok())
    }

    fn short(&self, key: &str) -> i16 {
        self.get(key)
            .and_then(Value::as_i64)
            .and_then(|i| i16::try_from(i).ok())
            .unwrap_or_default()
    }

    fn bool(&self, key: &str) -> bool {
        self.get(key).and_then(Value::as_bool).unwrap_or_default()
    }
}

/// `DistributedConfig.topicSettings`: `<prefix>*` minus the keys the
/// worker sets itself; `cleanup.policy` is always `compact`.
fn topic_settings(props: &IndexMap<String, String>, prefix: &str) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = props
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .filter(|rest| !rest.is_empty())
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect();
    if prefix == "config.storage." {
        if let Some(p) = out.get("partitions") {
            tracing::warn!("Ignoring '{prefix}partitions={p}' setting, since config topic partitions is always 1");
        }
    }
    if let Some(policy) = out.remove("cleanup.policy") {
        tracing::warn!(
            "Ignoring '{prefix}cleanup.policy={policy}' setting, since compaction is always used"
        );
    }
    for own in ["topic", "replication.factor", "partitions"] {
        out.remove(own);
    }
    out
}

fn distributed_settings(
    v: &Values<'_>,
    props: &IndexMap<String, String>,
) -> Result<DistributedSettings, ConfigError> {
    let storage = |prefix: &str, partitions: i32| StorageTopic {
        topic: v.string(&format!("{prefix}topic")).unwrap_or_default(),
        partitions,
        replication_factor: v.short(&format!("{prefix}replication.factor")),
        settings: topic_settings(props, prefix),
    };
    let exactly_once = match v.string("exactly.once.source.support").as_deref() {
        Some("enabled") => ExactlyOnceSourceSupport::Enabled,
        Some("preparing") => ExactlyOnceSourceSupport::Preparing,
        _ => ExactlyOnceSourceSupport::Disabled,
    };
    let signature = v
        .string("inter.worker.signature.algorithm")
        .unwrap_or_default();
    let verification = v.list("inter.worker.verification.algorithms");
    if !verification.contains(&signature) {
        return Err(ConfigError::invalid(
            "inter.worker.signature.algorithm",
            &signature,
            "Signature algorithm must be present in inter.worker.verification.algorithms list",
        ));
    }
    let key_size = v.int("inter.worker.key.size");
    if let Some(size) = key_size {
        if size < 40 {
            return Err(ConfigError::Invalid {
                key: "inter.worker.key.size".to_string(),
                message: format!(
                    "Unable to create key generator with algorithm {} and key size {size}: the key size must be at least 40 bits",
                    v.string("inter.worker.key.generation.algorithm").unwrap_or_default()
                ),
            });
        }
    }
    Ok(DistributedSettings {
        group_id: v.string("group.id").unwrap_or_default(),
        session_timeout_ms: v.int("session.timeout.ms").unwrap_or(10000),
        rebalance_timeout_ms: v.int("rebalance.timeout.ms").unwrap_or(60000),
        heartbeat_interval_ms: v.int("heartbeat.interval.ms").unwrap_or(3000),
        exactly_once_source_support: exactly_once,
        worker_sync_timeout_ms: v.int("worker.sync.timeout.ms").unwrap_or(3000),
        worker_unsync_backoff_ms: v.int("worker.unsync.backoff.ms").unwrap_or(300000),
        offset_storage: storage(
            "offset.storage.",
            v.int("offset.storage.partitions").unwrap_or(25),
        ),
        config_storage: storage("config.storage.", 1),
        status_storage: storage(
            "status.storage.",
            v.int("status.storage.partitions").unwrap_or(5),
        ),
        connect_protocol: v
            .string("connect.protocol")
            .as_deref()
            .and_then(ConnectProtocol::parse)
            .unwrap_or(ConnectProtocol::Sessioned),
        scheduled_rebalance_max_delay_ms: v
            .int("scheduled.rebalance.max.delay.ms")
            .unwrap_or(300000),
        inter_worker_key_ttl_ms: v.int("inter.worker.key.ttl.ms").unwrap_or(3600000),
        inter_worker_key_generation_algorithm: v
            .string("inter.worker.key.generation.algorithm")
            .unwrap_or_default(),
        inter_worker_key_size: key_size,
        inter_worker_signature_algorithm: signature,
        inter_worker_verification_algorithms: verification,
        client_id: v.string("client.id").unwrap_or_default(),
        request_timeout_ms: v.int("request.timeout.ms").unwrap_or(40000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standalone(extra: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let mut props = vec![
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
        ];
        props.extend_from_slice(extra);
        WorkerConfig::standalone(props)
    }

    fn distributed(extra: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let mut props = vec![
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("group.id", "connect-cluster"),
            ("offset.storage.topic", "connect-offsets"),
            ("config.storage.topic", "connect-configs"),
            ("status.storage.topic", "connect-status"),
        ];
        props.extend_from_slice(extra);
        WorkerConfig::distributed(props)
    }

    fn message(r: Result<WorkerConfig, ConfigError>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(c) => panic!("expected an error, got {c:?}"),
        }
    }

    #[test]
    fn standalone_defaults_are_javas() {
        let c = standalone(&[]).expect("valid config");
        assert_eq!(c.bootstrap_servers, ["localhost:9092"]);
        assert_eq!(c.bootstrap_servers_string(), "localhost:9092");
        assert_eq!(c.header_converter, HEADER_CONVERTER_CLASS_DEFAULT);
        assert_eq!(c.offset_flush_interval(), Duration::from_secs(60));
        assert_eq!(c.offset_flush_timeout(), Duration::from_secs(5));
        assert_eq!(c.task_shutdown_graceful_timeout(), Duration::from_secs(5));
        assert_eq!(
            c.listeners,
            [Listener {
                protocol: "http".into(),
                host: "".into(),
                port: 8083
            }]
        );
        assert_eq!(c.listeners[0].bind_address(), "0.0.0.0:8083");
        assert!(c.topic_creation_enable);
        assert_eq!(c.connector_client_config_override_policy, "All");
        assert_eq!(
            c.offset_storage_file_filename.as_deref(),
            Some("/tmp/connect.offsets")
        );
        assert!(c.plugin_path.is_none());
        assert!(c.distributed.is_none());
        assert_eq!(c.get("metrics.num.samples"), Some(&Value::Int(2)));
    }

    #[test]
    fn required_keys_are_named() {
        assert_eq!(
            message(WorkerConfig::standalone([("value.converter", "x")])),
            "Missing required configuration \"key.converter\" which has no default value."
        );
        assert_eq!(
            message(WorkerConfig::standalone([("key.converter", "x")])),
            "Missing required configuration \"value.converter\" which has no default value."
        );
        assert_eq!(
            message(WorkerConfig::standalone([("key.converter", "x"), ("value.converter", "y")])),
            "Missing required configuration \"offset.storage.file.filename\" which has no default value."
        );
        let err = WorkerConfig::distributed([("key.converter", "x"), ("value.converter", "y")])
            .expect_err("group.id is required");
        assert_eq!(err.key(), Some("group.id"));
    }

    #[test]
    fn invalid_values_use_javas_wording() {
        assert_eq!(
            message(standalone(&[("offset.flush.interval.ms", "soon")])),
            "Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG"
        );
        assert_eq!(
            message(standalone(&[("topic.creation.enable", "yes")])),
            "Invalid value yes for configuration topic.creation.enable: Expected value to be either true or false"
        );
    }

    #[test]
    fn listener_settings() {
        let c = standalone(&[(
            "listeners",
            "http://:8083, HTTP://localhost:9000,https://[::1]:8443,http://0.0.0.0:0",
        )])
        .expect("valid config");
        let shown: Vec<String> = c.listeners.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            shown,
            [
                "http://:8083",
                "http://localhost:9000",
                "https://[::1]:8443",
                "http://0.0.0.0:0"
            ]
        );
    }

    #[test]
    fn bad_listeners() {
        assert_eq!(
            message(standalone(&[("listeners", "")])),
            "Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443."
        );
        assert_eq!(
            message(standalone(&[("listeners", "http://:8083,,http://:8084")])),
            "Empty URL found when parsing listeners list."
        );
        assert_eq!(
            message(standalone(&[("listeners", "localhost:8083")])),
            "Listener doesn't have the right format (protocol://hostname:port)."
        );
        assert_eq!(
            message(standalone(&[("listeners", "ftp://host:21")])),
            "Listener protocol must be either \"http\" or \"https\"."
        );
        assert!(message(standalone(&[("listeners", "http://host:70000")])).contains("70000"));
    }

    #[test]
    fn advertised_url() {
        let c = standalone(&[]).expect("valid config");
        let url = c.advertised_url("127.0.1.1", 8083);
        assert_eq!(url.to_string(), "http://127.0.1.1:8083/");
        assert_eq!(url.worker_id(), "127.0.1.1:8083");

        let c = standalone(&[
            ("listeners", "https://myhost:8443,http://other:0"),
            ("rest.advertised.host.name", "connect-1.example"),
        ])
        .expect("valid config");
        // "http://" appears in the raw listeners, so http is advertised; its
        // port is 0, so the bound port is used.
        assert_eq!(
            c.advertised_url("10.0.0.1", 41234).to_string(),
            "http://connect-1.example:41234/"
        );

        let c = standalone(&[
            ("listeners", "https://myhost:8443"),
            ("rest.advertised.port", "443"),
        ])
        .expect("valid config");
        assert_eq!(
            c.advertised_url("10.0.0.1", 8443).to_string(),
            "https://myhost:443/"
        );
    }

    #[test]
    fn client_props_carry_bootstrap_servers() {
        let c = standalone(&[
            ("bootstrap.servers", "b1:9092, b2:9092"),
            ("producer.linger.ms", "5"),
            ("producer.bootstrap.servers", "override:9092"),
            ("consumer.max.poll.records", "10"),
            ("admin.request.timeout.ms", "1000"),
            ("sasl.mechanism", "PLAIN"),
        ])
        .expect("valid config");
        let producer = c.client_props("producer.");
        assert_eq!(producer.get("linger.ms").map(String::as_str), Some("5"));
        assert_eq!(
            producer.get("bootstrap.servers").map(String::as_str),
            Some("override:9092")
        );
        let consumer = c.client_props("consumer.");
        assert_eq!(
            consumer.get("bootstrap.servers").map(String::as_str),
            Some("b1:9092,b2:9092")
        );
        assert_eq!(
            consumer.get("max.poll.records").map(String::as_str),
            Some("10")
        );
        assert!(!consumer.contains_key("linger.ms"));

        let task_producer = c.producer_props("connector-producer-c-0");
        assert_eq!(task_producer.get("acks").map(String::as_str), Some("all"));
        assert_eq!(
            task_producer.get("enable.idempotence").map(String::as_str),
            Some("false")
        );
        assert_eq!(
            task_producer.get("linger.ms").map(String::as_str),
            Some("5")
        );

        let sink_consumer = c.consumer_props("my-sink", "connector-consumer-my-sink-0");
        assert_eq!(
            sink_consumer.get("group.id").map(String::as_str),
            Some("connect-my-sink")
        );
        assert_eq!(
            sink_consumer.get("auto.offset.reset").map(String::as_str),
            Some("earliest")
        );

        let admin = c.admin_props("connector-adminclient-c");
        assert_eq!(
            admin.get("request.timeout.ms").map(String::as_str),
            Some("1000")
        );
        assert_eq!(
            admin.get("sasl.mechanism").map(String::as_str),
            Some("PLAIN")
        );
        assert_eq!(
            admin.get("bootstrap.servers").map(String::as_str),
            Some("b1:9092,b2:9092")
        );
        assert!(!admin.contains_key("linger.ms"));
    }

    #[test]
    fn unknown_keys_are_kept() {
        let c = standalone(&[("my.custom.setting", "42")]).expect("valid config");
        assert_eq!(
            c.props.get("my.custom.setting").map(String::as_str),
            Some("42")
        );
    }

    #[test]
    fn provider_variables_in_the_worker_config_resolve() {
        let dir = std::env::temp_dir().join(format!("kconnect-worker-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let secrets = dir.join("worker-secrets.properties");
        std::fs::write(&secrets, "servers=kafka-1:9092\n").expect("write");
        let var = format!("${{file:{}:servers}}", secrets.display());
        let c = standalone(&[
            ("config.providers", "file"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
            ("bootstrap.servers", &var),
        ]);
        let _ = std::fs::remove_dir_all(&dir);
        let c = c.expect("valid config");
        assert_eq!(c.bootstrap_servers, ["kafka-1:9092"]);
        assert_eq!(c.config_providers, ["file"]);
    }

    #[test]
    fn distributed_defaults_are_javas() {
        let c = distributed(&[
            ("offset.storage.cleanup.policy", "delete"),
            ("status.storage.min.insync.replicas", "2"),
        ])
        .expect("valid config");
        let d = c.distributed.as_ref().expect("distributed settings");
        assert_eq!(d.group_id, "connect-cluster");
        assert_eq!(d.session_timeout_ms, 10000);
        assert_eq!(d.heartbeat_interval_ms, 3000);
        assert_eq!(d.rebalance_timeout_ms, 60000);
        assert_eq!(d.connect_protocol, ConnectProtocol::Sessioned);
        assert_eq!(d.scheduled_rebalance_max_delay_ms, 300000);
        assert_eq!(
            d.exactly_once_source_support,
            ExactlyOnceSourceSupport::Disabled
        );
        assert_eq!(
            (
                d.offset_storage.partitions,
                d.offset_storage.replication_factor
            ),
            (25, 3)
        );
        assert_eq!(
            (
                d.config_storage.partitions,
                d.config_storage.replication_factor
            ),
            (1, 3)
        );
        assert_eq!(
            (
                d.status_storage.partitions,
                d.status_storage.replication_factor
            ),
            (5, 3)
        );
        assert!(
            d.offset_storage.settings.is_empty(),
            "cleanup.policy is never passed on"
        );
        assert_eq!(
            d.status_storage
                .settings
                .get("min.insync.replicas")
                .map(String::as_str),
            Some("2")
        );
        assert_eq!(d.inter_worker_signature_algorithm, "HmacSHA256");
        assert_eq!(d.inter_worker_verification_algorithms, ["HmacSHA256"]);
        assert!(c.offset_storage_file_filename.is_none());
    }

    #[test]
    fn distributed_validation() {
        assert_eq!(
            message(distributed(&[("connect.protocol", "cooperative")])),
            "Invalid value cooperative for configuration connect.protocol: Invalid Connect protocol compatibility"
        );
        let c = distributed(&[
            ("connect.protocol", "EAGER"),
            ("offset.storage.replication.factor", "-1"),
        ])
        .expect("valid config");
        let d = c.distributed.as_ref().expect("distributed settings");
        assert_eq!(d.connect_protocol, ConnectProtocol::Eager);
        assert_eq!(d.offset_storage.replication_factor, -1);
        assert_eq!(
            message(distributed(&[("offset.storage.replication.factor", "0")])),
            "Invalid value 0 for configuration offset.storage.replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
        );
        assert_eq!(
            message(distributed(&[("status.storage.partitions", "-2")])),
            "Invalid value -2 for configuration status.storage.partitions: Number of partitions must be positive, or -1 to use the broker's default"
        );
        assert_eq!(
            message(distributed(&[("exactly.once.source.support", "ENABLED")])),
            "Invalid value ENABLED for configuration exactly.once.source.support: String must be one of: disabled, preparing, enabled"
        );
        assert_eq!(
            message(distributed(&[("inter.worker.signature.algorithm", "HmacSHA512")])),
            "Invalid value HmacSHA512 for configuration inter.worker.signature.algorithm: Signature algorithm must be present in inter.worker.verification.algorithms list"
        );
        assert!(distributed(&[
            ("inter.worker.signature.algorithm", "HmacSHA512"),
            (
                "inter.worker.verification.algorithms",
                "HmacSHA256,HmacSHA512"
            ),
        ])
        .is_ok());
        assert!(message(distributed(&[("inter.worker.key.generation.algorithm", "AES")]))
            .starts_with("Invalid value AES for configuration inter.worker.key.generation.algorithm: the algorithm is not supported"));
    }
}
