//! Client settings under Java's property names (`bootstrap.servers`,
//! `linger.ms`, `fetch.max.wait.ms`, ...), with Java's defaults, so that the
//! `producer.`/`consumer.`/`admin.` prefixed worker properties apply as-is.
//! Mirrors `CommonClientConfigs`, `ProducerConfig` and `ConsumerConfig`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::batch::Compression;
use super::error::{Error, Result};
use super::messenger::ConnectionOptions;

/// Reads typed values out of a property map, naming the key on error.
pub struct Props<'a>(pub &'a HashMap<String, String>);

impl Props<'_> {
    /// The raw value of `key`, trimmed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim())
    }

    /// A parsed value, or `default` when absent.
    pub fn parse<T: FromStr>(&self, key: &str, default: T) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| Error::Config {
                key: key.to_string(),
                message: format!("invalid value '{v}': {e}"),
            }),
        }
    }

    /// A duration given in milliseconds.
    pub fn millis(&self, key: &str, default_ms: u64) -> Result<Duration> {
        self.parse::<u64>(key, default_ms)
            .map(Duration::from_millis)
    }

    /// A boolean, accepting Java's case-insensitive `true`/`false`.
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(Error::Config {
                key: key.to_string(),
                message: format!("expected true or false, got '{v}'"),
            }),
        }
    }
}

/// Settings shared by every client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `bootstrap.servers`: where to learn the cluster from.
    pub bootstrap_servers: Vec<String>,
    pub connection: ConnectionOptions,
    /// `retry.backoff.ms` and `retry.backoff.max.ms` (KIP-580 exponential backoff).
    pub retry_backoff: Duration,
    pub retry_backoff_max: Duration,
    /// `metadata.max.age.ms`: metadata older than this is refreshed.
    pub metadata_max_age: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            bootstrap_servers: vec!["localhost:9092".to_string()],
            connection: ConnectionOptions::default(),
            retry_backoff: Duration::from_millis(100),
            retry_backoff_max: Duration::from_millis(1000),
            metadata_max_age: Duration::from_millis(300_000),
        }
    }
}

impl ClientConfig {
    /// A config for `bootstrap` ("h1:p1,h2:p2") with every other default.
    pub fn new(bootstrap: &str) -> ClientConfig {
        ClientConfig {
            bootstrap_servers: split_list(bootstrap),
            ..ClientConfig::default()
        }
    }

    pub fn from_props(props: &HashMap<String, String>) -> Result<ClientConfig> {
        let p = Props(props);
        let d = ClientConfig::default();
        let bootstrap_servers = match p.get("bootstrap.servers") {
            Some(v) => split_list(v),
            None => d.bootstrap_servers,
        };
        if bootstrap_servers.is_empty() {
            return Err(Error::Config {
                key: "bootstrap.servers".to_string(),
                message: "no address given".to_string(),
            });
        }
        Ok(ClientConfig {
            bootstrap_servers,
            connection: ConnectionOptions {
                client_id: Arc::from(p.get("client.id").unwrap_or("kconnect")),
                request_timeout: p.millis("request.timeout.ms", 30_000)?,
                connect_timeout: p.millis("socket.connection.setup.timeout.ms", 10_000)?,
                max_frame_bytes: p.parse("receive.max.frame.bytes", 100 * 1024 * 1024)?,
            },
            retry_backoff: p.millis("retry.backoff.ms", 100)?,
            retry_backoff_max: p.millis("retry.backoff.max.ms", 1000)?,
            metadata_max_age: p.millis("metadata.max.age.ms", 300_000)?,
        })
    }

    /// The backoff before retry number `attempt` (0-based): exponential with
    /// ±20% jitter, capped at `retry.backoff.max.ms`, as Java's clients do.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.retry_backoff.as_millis() as f64;
        let max = self.retry_backoff_max.as_millis().max(1) as f64;
        let exp = (base * 2f64.powi(attempt.min(30) as i32)).min(max);
        let jitter = rand::random_range(0.8..1.2);
        Duration::from_millis((exp * jitter) as u64)
    }
}

/// `acks`: how many replicas must have a record before it counts as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    None,
    Leader,
    All,
}

impl Acks {
    pub fn wire(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

impl FromStr for Acks {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Acks, String> {
        match s {
            "0" => Ok(Acks::None),
            "1" => Ok(Acks::Leader),
            "all" | "-1" => Ok(Acks::All),
            other => Err(format!("'{other}' is not one of 0, 1, all, -1")),
        }
    }
}

/// Producer settings (`ProducerConfig`).
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    pub client: ClientConfig,
    pub acks: Acks,
    /// `batch.size`: a partition's batch is sent once it reaches this size.
    pub batch_size: usize,
    /// `linger.ms`: how long a non-full batch may wait for more records.
    pub linger: Duration,
    pub compression: Compression,
    /// `max.in.flight.requests.per.connection` (at most 5 with idempotence).
    pub max_in_flight: usize,
    /// `delivery.timeout.ms`: upper bound on a record's time from send to ack.
    pub delivery_timeout: Duration,
    /// `retries`.
    pub retries: u32,
    /// `enable.idempotence` (on by default, as in Java 3.0+).
    pub idempotence: bool,
    /// `buffer.memory`: bytes of unsent records before `send` waits.
    pub buffer_memory: usize,
    /// `max.request.size`: largest single record accepted.
    pub max_request_size: usize,
    /// `max.block.ms`: how long `send` may wait for buffer space or metadata.
    pub max_block: Duration,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            client: ClientConfig::default(),
            acks: Acks::All,
            batch_size: 16384,
            linger: Duration::from_millis(5),
            compression: Compression::None,
            max_in_flight: 5,
            delivery_timeout: Duration::from_millis(120_000),
            retries: i32::MAX as u32,
            idempotence: true,
            buffer_memory: 32 * 1024 * 1024,
            max_request_size: 1024 * 1024,
            max_block: Duration::from_millis(60_000),
        }
    }
}

impl ProducerConfig {
    pub fn new(bootstrap: &str) -> ProducerConfig {
        ProducerConfig {
            client: ClientConfig::new(bootstrap),
            ..ProducerConfig::default()
        }
    }

    pub fn from_props(props: &HashMap<String, String>) -> Result<ProducerConfig> {
        let p = Props(props);
        let d = ProducerConfig::default();
        let acks = p.parse("acks", d.acks)?;
        let explicit_idempotence = p.get("enable.idempotence").is_some();
        let mut idempotence = p.boolean("enable.idempotence", true)?;
        let max_in_flight = p.parse("max.in.flight.requests.per.connection", d.max_in_flight)?;
        if idempotence && (acks != Acks::All || max_in_flight > 5) {
            // Java turns idempotence off silently when it was only the default,
            // and rejects the combination when the user asked for it.
            if explicit_idempotence {
                return Err(Error::Config {
                    key: "enable.idempotence".to_string(),
                    message: "idempotence requires acks=all and max.in.flight.requests.per.connection <= 5".to_string(),
                });
            }
            idempotence = false;
        }
        let compression = match p.get("compression.type") {
            None => d.compression,
            Some(v) => v.parse().map_err(|e: Error| Error::Config {
                key: "compression.type".to_string(),
                message: e.to_string(),
            })?,
        };
        Ok(ProducerConfig {
            client: ClientConfig::from_props(props)?,
            acks,
            batch_size: p.parse("batch.size", d.batch_size)?,
            linger: p.millis("linger.ms", 5)?,
            compression,
            max_in_flight: max_in_flight.max(1),
            delivery_timeout: p.millis("delivery.timeout.ms", 120_000)?,
            retries: p.parse("retries", d.retries)?,
            idempotence,
            buffer_memory: p.parse("buffer.memory", d.buffer_memory)?,
            max_request_size: p.parse("max.request.size", d.max_request_size)?,
            max_block: p.millis("max.block.ms", 60_000)?,
        })
    }
}

/// `isolation.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
}

impl FromStr for IsolationLevel {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "read_uncommitted" => Ok(IsolationLevel::ReadUncommitted),
            "read_committed" => Ok(IsolationLevel::ReadCommitted),
            other => Err(format!(
                "'{other}' is not one of read_uncommitted, read_committed"
            )),
        }
    }
}

/// `auto.offset.reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    Latest,
    None,
}

impl FromStr for OffsetReset {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "earliest" => Ok(OffsetReset::Earliest),
            "latest" => Ok(OffsetReset::Latest),
            "none" => Ok(OffsetReset::None),
            other => Err(format!("'{other}' is not one of earliest, latest, none")),
        }
    }
}

/// Consumer settings (`ConsumerConfig`).
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub client: ClientConfig,
    /// `group.id`; absent for assign-only consumers.
    pub group_id: Option<String>,
    pub fetch_min_bytes: i32,
    pub fetch_max_bytes: i32,
    pub fetch_max_wait: Duration,
    pub max_partition_fetch_bytes: i32,
    pub isolation_level: IsolationLevel,
    pub auto_offset_reset: OffsetReset,
    pub session_timeout: Duration,
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`: sent as the rebalance timeout.
    pub max_poll_interval: Duration,
    /// `partition.assignment.strategy`, in preference order.
    pub assignment_strategy: Vec<String>,
    /// `group.instance.id` for static membership.
    pub group_instance_id: Option<String>,
    /// `check.crcs`.
    pub check_crcs: bool,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            client: ClientConfig::default(),
            group_id: None,
            fetch_min_bytes: 1,
            fetch_max_bytes: 52_428_800,
            fetch_max_wait: Duration::from_millis(500),
            max_partition_fetch_bytes: 1_048_576,
            isolation_level: IsolationLevel::ReadUncommitted,
            auto_offset_reset: OffsetReset::Latest,
            session_timeout: Duration::from_millis(45_000),
            heartbeat_interval: Duration::from_millis(3_000),
            max_poll_interval: Duration::from_millis(300_000),
            assignment_strategy: vec!["range".to_string(), "cooperative-sticky".to_string()],
            group_instance_id: None,
            check_crcs: true,
        }
    }
}

impl ConsumerConfig {
    pub fn new(bootstrap: &str) -> ConsumerConfig {
        ConsumerConfig {
            client: ClientConfig::new(bootstrap),
            ..ConsumerConfig::default()
        }
    }

    pub fn from_props(props: &HashMap<String, String>) -> Result<ConsumerConfig> {
        let p = Props(props);
        let d = ConsumerConfig::default();
        let enum_err = |key: &str| {
            let key = key.to_string();
            move |message: String| Error::Config { key, message }
        };
        Ok(ConsumerConfig {
            client: ClientConfig::from_props(props)?,
            group_id: p
                .get("group.id")
                .filter(|g| !g.is_empty())
                .map(String::from),
            fetch_min_bytes: p.parse("fetch.min.bytes", d.fetch_min_bytes)?,
            fetch_max_bytes: p.parse("fetch.max.bytes", d.fetch_max_bytes)?,
            fetch_max_wait: p.millis("fetch.max.wait.ms", 500)?,
            max_partition_fetch_bytes: p
                .parse("max.partition.fetch.bytes", d.max_partition_fetch_bytes)?,
            isolation_level: match p.get("isolation.level") {
                None => d.isolation_level,
                Some(v) => v.parse().map_err(enum_err("isolation.level"))?,
            },
            auto_offset_reset: match p.get("auto.offset.reset") {
                None => d.auto_offset_reset,
                Some(v) => v.parse().map_err(enum_err("auto.offset.reset"))?,
            },
            session_timeout: p.millis("session.timeout.ms", 45_000)?,
            heartbeat_interval: p.millis("heartbeat.interval.ms", 3_000)?,
            max_poll_interval: p.millis("max.poll.interval.ms", 300_000)?,
            assignment_strategy: match p.get("partition.assignment.strategy") {
                None => d.assignment_strategy,
                Some(v) => split_list(v),
            },
            group_instance_id: p.get("group.instance.id").map(String::from),
            check_crcs: p.boolean("check.crcs", true)?,
        })
    }
}

/// Splits a Java comma-separated list, dropping blanks.
pub fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(kv: &[(&str, &str)]) -> HashMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn producer_defaults_match_java() {
        let c = ProducerConfig::from_props(&props(&[])).unwrap();
        assert_eq!(c.acks, Acks::All);
        assert!(c.idempotence);
        assert_eq!(c.batch_size, 16384);
        assert_eq!(c.linger, Duration::from_millis(5));
        assert_eq!(c.client.bootstrap_servers, vec!["localhost:9092"]);
    }

    #[test]
    fn idempotence_follows_java_rules() {
        let c = ProducerConfig::from_props(&props(&[("acks", "1")])).unwrap();
        assert!(!c.idempotence, "default idempotence yields to acks=1");
        let err =
            ProducerConfig::from_props(&props(&[("acks", "1"), ("enable.idempotence", "true")]))
                .unwrap_err();
        assert!(err.to_string().contains("enable.idempotence"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = ProducerConfig::from_props(&props(&[("linger.ms", "soon")])).unwrap_err();
        assert!(err.to_string().contains("linger.ms"), "{err}");
        let err = ConsumerConfig::from_props(&props(&[("isolation.level", "x")])).unwrap_err();
        assert!(err.to_string().contains("isolation.level"), "{err}");
        let err =
            ProducerConfig::from_props(&props(&[("compression.type", "brotli")])).unwrap_err();
        assert!(err.to_string().contains("compression.type"), "{err}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = ClientConfig::default();
        let first = c.backoff(0).as_millis();
        assert!((80..=120).contains(&first), "{first}");
        let late = c.backoff(20).as_millis();
        assert!((800..=1200).contains(&late), "{late}");
    }
}
