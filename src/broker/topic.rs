//! Topics of the embedded broker: name validation, topic configs (the
//! defaults Kafka 4.x reports, validation of the values the broker acts on),
//! and the [`Topic`] with its partitions, each a [`PartitionLog`] behind its
//! own short-held lock. Mirrors Kafka's `Topic.validate` and `LogConfig`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use super::partition::PartitionLog;

/// Kafka's maximum topic name length.
const MAX_NAME_LENGTH: usize = 249;

/// The topic configs Kafka 4.x knows, with their defaults (as a broker
/// without overrides reports them) and their DescribeConfigs type
/// (1 boolean, 2 string, 3 int, 5 long, 6 double, 7 list).
pub const TOPIC_DEFAULTS: &[(&str, &str, i8)] = &[
    ("cleanup.policy", "delete", 7),
    ("compression.gzip.level", "-1", 3),
    ("compression.lz4.level", "9", 3),
    ("compression.type", "producer", 2),
    ("compression.zstd.level", "3", 3),
    ("delete.retention.ms", "86400000", 5),
    ("file.delete.delay.ms", "60000", 5),
    ("flush.messages", "9223372036854775807", 5),
    ("flush.ms", "9223372036854775807", 5),
    ("follower.replication.throttled.replicas", "", 7),
    ("index.interval.bytes", "4096", 3),
    ("leader.replication.throttled.replicas", "", 7),
    ("local.retention.bytes", "-2", 5),
    ("local.retention.ms", "-2", 5),
    ("max.compaction.lag.ms", "9223372036854775807", 5),
    ("max.message.bytes", "1048588", 3),
    ("message.timestamp.after.max.ms", "3600000", 5),
    ("message.timestamp.before.max.ms", "9223372036854775807", 5),
    ("message.timestamp.type", "CreateTime", 2),
    ("min.cleanable.dirty.ratio", "0.5", 6),
    ("min.compaction.lag.ms", "0", 5),
    ("min.insync.replicas", "1", 3),
    ("preallocate", "false", 1),
    ("remote.log.copy.disable", "false", 1),
    ("remote.log.delete.on.disable", "false", 1),
    ("remote.storage.enable", "false", 1),
    ("retention.bytes", "-1", 5),
    ("retention.ms", "604800000", 5),
    ("segment.bytes", "1073741824", 3),
    ("segment.index.bytes", "10485760", 3),
    ("segment.jitter.ms", "0", 5),
    ("segment.ms", "604800000", 5),
    ("unclean.leader.election.enable", "false", 1),
];

/// Checks a topic name as Kafka's `Topic.validate` does.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Topic name is illegal, it can't be empty".to_string());
    }
    if name == "." || name == ".." {
        return Err("Topic name cannot be \".\" or \"..\"".to_string());
    }
    if name.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "Topic name is illegal, it can't be longer than {MAX_NAME_LENGTH} characters, topic name: {name}"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    {
        return Err(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// Validates one topic config entry; the error is Kafka's INVALID_CONFIG
/// message.
pub fn validate_config(key: &str, value: &str) -> Result<(), String> {
    let Some(&(_, _, kind)) = TOPIC_DEFAULTS.iter().find(|(k, _, _)| *k == key) else {
        return Err(format!("Unknown topic config name: {key}"));
    };
    let bad = || format!("Invalid value {value} for configuration {key}");
    match key {
        "cleanup.policy" => {
            let mut parts: Vec<&str> = value.split(',').map(str::trim).collect();
            parts.sort_unstable();
            parts.dedup();
            if parts.is_empty() || parts.iter().any(|p| *p != "compact" && *p != "delete") {
                return Err(format!(
                    "Invalid value {value} for configuration cleanup.policy: String must be one of: compact, delete"
                ));
            }
        }
        "message.timestamp.type" => {
            if value != "CreateTime" && value != "LogAppendTime" {
                return Err(format!(
                    "Invalid value {value} for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"
                ));
            }
        }
        "compression.type" => {
            if !["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"].contains(&value) {
                return Err(bad());
            }
        }
        _ => match kind {
            1 if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") => {
                return Err(bad())
            }
            3 if value.trim().parse::<i32>().is_err() => return Err(bad()),
            5 if value.trim().parse::<i64>().is_err() => return Err(bad()),
            6 if value.trim().parse::<f64>().is_err() => return Err(bad()),
            _ => {}
        },
    }
    Ok(())
}

/// A topic's explicitly set configs and what the broker derives from them.
#[derive(Debug, Clone, Default)]
pub struct TopicConfig {
    /// Configs set at creation (source TOPIC_CONFIG in DescribeConfigs).
    pub explicit: BTreeMap<String, String>,
}

impl TopicConfig {
    fn value(&self, key: &str) -> Option<&str> {
        self.explicit.get(key).map(String::as_str)
    }

    /// `cleanup.policy` contains `compact`.
    pub fn is_compacted(&self) -> bool {
        self.value("cleanup.policy")
            .is_some_and(|v| v.split(',').any(|p| p.trim() == "compact"))
    }

    /// `message.timestamp.type=LogAppendTime`.
    pub fn log_append_time(&self) -> bool {
        self.value("message.timestamp.type") == Some("LogAppendTime")
    }
}

/// One partition: its log behind a lock that is never held across an await.
#[derive(Debug, Default)]
pub struct Partition {
    log: Mutex<PartitionLog>,
}

impl Partition {
    /// Locks the log; a poisoned lock (a panic elsewhere) is recovered, since
    /// every log operation leaves the log consistent between statements.
    pub fn log(&self) -> MutexGuard<'_, PartitionLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A topic.
#[derive(Debug)]
pub struct Topic {
    pub name: String,
    pub id: Uuid,
    pub config: TopicConfig,
    /// Shared, so that a topic grown by CreatePartitions keeps its logs.
    pub partitions: Vec<Arc<Partition>>,
}

impl Topic {
    pub fn new(name: &str, partitions: i32, config: TopicConfig) -> Topic {
        Topic {
            name: name.to_string(),
            id: Uuid::new_v4(),
            config,
            partitions: (0..partitions.max(0))
                .map(|_| Arc::new(Partition::default()))
                .collect(),
        }
    }

    /// The same topic with `count` partitions: the existing ones (and their
    /// logs) and new, empty ones.
    pub fn grown_to(&self, count: i32) -> Topic {
        let mut partitions = self.partitions.clone();
        while partitions.len() < usize::try_from(count).unwrap_or(0) {
            partitions.push(Arc::new(Partition::default()));
        }
        Topic {
            name: self.name.clone(),
            id: self.id,
            config: self.config.clone(),
            partitions,
        }
    }

    pub fn partition(&self, index: i32) -> Option<&Partition> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.partitions.get(i))
            .map(|p| &**p)
    }

    /// Total bytes held by the topic's logs.
    pub fn size(&self) -> usize {
        self.partitions.iter().map(|p| p.log().size()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_configs_are_validated() {
        assert!(validate_name("connect-offsets_1.x").is_ok());
        for bad in ["", ".", "..", "a b", "t/x", &"x".repeat(250)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        for ok in ["delete", "compact", "compact,delete", "delete, compact"] {
            assert!(validate_config("cleanup.policy", ok).is_ok(), "{ok}");
        }
        assert!(validate_config("cleanup.policy", "forever").is_err());
        assert!(validate_config("retention.ms", "abc").is_err());
        assert!(validate_config("retention.ms", "-1").is_ok());
        assert!(validate_config("no.such.config", "1").is_err());
        assert!(validate_config("message.timestamp.type", "LogAppendTime").is_ok());
    }
}
