//! Topic creation for source connectors (KIP-158; Java's `TopicCreation`,
//! `TopicCreationGroup` and `SourceConnectorConfig`'s `topic.creation.*`).
//!
//! When the worker has `topic.creation.enable=true` (the default) and the
//! connector sets `topic.creation.default.replication.factor` and
//! `.partitions`, a topic the task writes to for the first time is created
//! with the settings of the first group whose `include` matches it (and whose
//! `exclude` does not), the `default` group matching everything else. Other
//! `topic.creation.<group>.*` keys become topic configs.

use std::collections::{BTreeMap, HashSet};

use regex::Regex;

use crate::api::connector::Props;
use crate::api::error::ConnectError;
use crate::kafka::admin::{Admin, NewTopic};

/// One `topic.creation.<group>` group.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    include: Vec<Regex>,
    exclude: Vec<Regex>,
    partitions: i32,
    replication_factor: i16,
    configs: BTreeMap<String, String>,
}

impl Group {
    fn matches(&self, topic: &str) -> bool {
        self.include.iter().any(|r| r.is_match(topic))
            && !self.exclude.iter().any(|r| r.is_match(topic))
    }
}

/// What a source task needs to create its topics.
pub struct TopicCreation {
    admin: Admin,
    /// Named groups in `topic.creation.groups` order, then `default`.
    groups: Vec<Group>,
    /// Topics already created or known to exist.
    known: HashSet<String>,
}

fn regex_list(v: Option<&String>, key: &str) -> Result<Vec<Regex>, ConnectError> {
    v.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                    ConnectError::fatal(format!("Invalid value {p} for configuration {key}: {e}"))
                })
            })
            .collect()
    })
    .unwrap_or(Ok(Vec::new()))
}

fn group(config: &Props, name: &str) -> Result<Group, ConnectError> {
    let prefix = format!("topic.creation.{name}.");
    let number = |key: &str, default: i64| -> Result<i64, ConnectError> {
        let full = format!("{prefix}{key}");
        match config.get(&full) {
            None => Ok(default),
            Some(v) => v.trim().parse::<i64>().map_err(|_| {
                ConnectError::fatal(format!(
                    "Invalid value {v} for configuration {full}: Not a number"
                ))
            }),
        }
    };
    let partitions = number("partitions", -1)?;
    let replication_factor = number("replication.factor", -1)?;
    if partitions == 0 || partitions < -1 {
        return Err(ConnectError::fatal(format!(
            "Invalid value {partitions} for configuration {prefix}partitions: Number of partitions must be positive, or -1 to use the broker's default"
        )));
    }
    if replication_factor == 0 || replication_factor < -1 {
        return Err(ConnectError::fatal(format!(
            "Invalid value {replication_factor} for configuration {prefix}replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
        )));
    }
    let include = if name == "default" {
        vec![Regex::new(".*").map_err(|e| ConnectError::fatal(e.to_string()))?]
    } else {
        regex_list(
            config.get(&format!("{prefix}include")),
            &format!("{prefix}include"),
        )?
    };
    let exclude = regex_list(
        config.get(&format!("{prefix}exclude")),
        &format!("{prefix}exclude"),
    )?;
    let configs = config
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(&prefix)?;
            (!matches!(
                rest,
                "partitions" | "replication.factor" | "include" | "exclude"
            ))
            .then(|| (rest.to_string(), v.clone()))
        })
        .collect();
    Ok(Group {
        name: name.to_string(),
        include,
        exclude,
        partitions: partitions as i32,
        replication_factor: replication_factor as i16,
        configs,
    })
}

impl TopicCreation {
    /// `None` when topic creation is off for this connector: disabled on the
    /// worker, or the connector sets no `topic.creation.default.*`.
    pub fn from_config(
        enabled: bool,
        config: &Props,
        admin: Admin,
    ) -> Result<Option<TopicCreation>, ConnectError> {
        let has_default = config.contains_key("topic.creation.default.replication.factor")
            || config.contains_key("topic.creation.default.partitions");
        if !enabled || !has_default {
            return Ok(None);
        }
        for key in ["replication.factor", "partitions"] {
            if !config.contains_key(&format!("topic.creation.default.{key}")) {
                return Err(ConnectError::fatal(format!(
                    "Missing required configuration \"topic.creation.default.{key}\" which has no default value."
                )));
            }
        }
        let mut groups = Vec::new();
        if let Some(names) = config.get("topic.creation.groups") {
            for name in names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty() && *n != "default")
            {
                groups.push(group(config, name)?);
            }
        }
        groups.push(group(config, "default")?);
        Ok(Some(TopicCreation {
            admin,
            groups,
            known: HashSet::new(),
        }))
    }

    /// Creates `topic` unless it was seen before (existing topics are fine).
    pub async fn ensure(&mut self, topic: &str) -> Result<(), ConnectError> {
        if self.known.contains(topic) {
            return Ok(());
        }
        let Some(group) = self.groups.iter().find(|g| g.matches(topic)) else {
            self.known.insert(topic.to_string());
            return Ok(());
        };
        let mut new_topic = NewTopic::new(topic, group.partitions, group.replication_factor);
        for (k, v) in &group.configs {
            new_topic = new_topic.config(k, v);
        }
        self.admin.create_topics(&[new_topic]).await.map_err(|e| {
            ConnectError::retriable(format!(
                "creating topic {topic} (topic creation group {}): {e}",
                group.name
            ))
        })?;
        tracing::info!(%topic, group = %group.name, "created topic");
        self.known.insert(topic.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(kv: &[(&str, &str)]) -> Props {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn groups_match_in_order_with_default_last() {
        let c = props(&[
            ("topic.creation.groups", "compacted"),
            ("topic.creation.compacted.include", "state-.*"),
            ("topic.creation.compacted.exclude", "state-tmp"),
            ("topic.creation.compacted.cleanup.policy", "compact"),
            ("topic.creation.default.partitions", "3"),
            ("topic.creation.default.replication.factor", "-1"),
        ]);
        let compacted = group(&c, "compacted").unwrap();
        assert!(compacted.matches("state-a"));
        assert!(!compacted.matches("state-tmp"));
        assert!(!compacted.matches("other"));
        assert_eq!(
            compacted.configs.get("cleanup.policy").map(String::as_str),
            Some("compact")
        );
        let default = group(&c, "default").unwrap();
        assert!(default.matches("anything"));
        assert_eq!((default.partitions, default.replication_factor), (3, -1));
    }

    #[test]
    fn bad_numbers_name_the_key() {
        let c = props(&[("topic.creation.default.partitions", "0")]);
        let err = group(&c, "default").unwrap_err();
        assert!(
            err.message.contains("topic.creation.default.partitions"),
            "{err}"
        );
    }
}
