//! The admin client (the parts of Java's `Admin` the worker needs):
//! CreateTopics, DeleteTopics, DescribeConfigs and DescribeCluster.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    CreateTopicsRequest, DeleteTopicsRequest, DescribeClusterRequest, DescribeConfigsRequest,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::cluster::Cluster;
use super::config::ClientConfig;
use super::error::{Error, ErrorCode, Result};

/// A topic to create. `-1` partitions or replication factor means the
/// broker's default (KIP-464).
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    pub configs: BTreeMap<String, String>,
}

impl NewTopic {
    pub fn new(name: impl Into<String>, partitions: i32, replication_factor: i16) -> NewTopic {
        NewTopic {
            name: name.into(),
            partitions,
            replication_factor,
            configs: BTreeMap::new(),
        }
    }

    /// Adds a topic config such as `cleanup.policy=compact`.
    pub fn config(mut self, key: &str, value: &str) -> NewTopic {
        self.configs.insert(key.to_string(), value.to_string());
        self
    }
}

/// What the cluster says about itself.
#[derive(Debug, Clone)]
pub struct ClusterDescription {
    pub cluster_id: String,
    pub controller_id: i32,
    /// (broker id, "host:port")
    pub brokers: Vec<(i32, String)>,
}

/// Whether a topic was made or was already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    AlreadyExists,
}

/// An admin client.
#[derive(Clone)]
pub struct Admin {
    cluster: Arc<Cluster>,
}

impl Admin {
    pub async fn connect(config: ClientConfig) -> Result<Admin> {
        Ok(Admin {
            cluster: Cluster::connect(config).await?,
        })
    }

    pub fn with_cluster(cluster: Arc<Cluster>) -> Admin {
        Admin { cluster }
    }

    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.cluster.config().connection.request_timeout
    }

    /// Creates topics on the controller (any broker forwards in KRaft).
    /// "Already exists" is an outcome, not an error.
    pub async fn create_topics(
        &self,
        topics: &[NewTopic],
    ) -> Result<BTreeMap<String, CreateOutcome>> {
        let request = CreateTopicsRequest::default()
            .with_timeout_ms(self.cluster.config().connection.request_timeout.as_millis() as i32)
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatableTopic::default()
                            .with_name(TopicName(StrBytes::from_string(t.name.clone())))
                            .with_num_partitions(t.partitions)
                            .with_replication_factor(t.replication_factor)
                            .with_configs(
                                t.configs
                                    .iter()
                                    .map(|(k, v)| {
                                        CreatableTopicConfig::default()
                                            .with_name(StrBytes::from_string(k.clone()))
                                            .with_value(Some(StrBytes::from_string(v.clone())))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        let cluster = &self.cluster;
        cluster
            .with_retries("CreateTopics", self.deadline(), || async {
                let broker = cluster.any_broker().await?;
                let resp = broker.request(&request).await?;
                broker.note_throttle(resp.throttle_time_ms);
                let mut out = BTreeMap::new();
                for t in resp.topics {
                    let name = t.name.0.to_string();
                    match ErrorCode::from_code(t.error_code) {
                        None => {
                            out.insert(name, CreateOutcome::Created);
                        }
                        Some(ErrorCode::TopicAlreadyExists) => {
                            out.insert(name, CreateOutcome::AlreadyExists);
                        }
                        Some(code) => {
                            let msg = t.error_message.map(|m| m.to_string()).unwrap_or_default();
                            return Err(Error::Broker {
                                code,
                                context: format!("creating topic {name}: {msg}"),
                            });
                        }
                    }
                }
                Ok(out)
            })
            .await
    }

    /// Deletes topics by name; unknown topics are reported as errors.
    pub async fn delete_topics(&self, names: &[&str]) -> Result<()> {
        let request = DeleteTopicsRequest::default()
            .with_timeout_ms(self.cluster.config().connection.request_timeout.as_millis() as i32)
            .with_topic_names(
                names
                    .iter()
                    .map(|n| TopicName(StrBytes::from_string(n.to_string())))
                    .collect(),
            );
        let cluster = &self.cluster;
        cluster
            .with_retries("DeleteTopics", self.deadline(), || async {
                let broker = cluster.any_broker().await?;
                let resp = broker.request(&request).await?;
                broker.note_throttle(resp.throttle_time_ms);
                for r in resp.responses {
                    let name = r.name.map(|n| n.0.to_string()).unwrap_or_default();
                    ErrorCode::check(r.error_code, || format!("deleting topic {name}"))?;
                }
                Ok(())
            })
            .await
    }

    /// A topic's configs (name -> value; null values omitted).
    pub async fn describe_topic_configs(&self, topic: &str) -> Result<BTreeMap<String, String>> {
        let request = DescribeConfigsRequest::default().with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(2) // TOPIC
                .with_resource_name(StrBytes::from_string(topic.to_string()))
                .with_configuration_keys(None),
        ]);
        let cluster = &self.cluster;
        cluster
            .with_retries("DescribeConfigs", self.deadline(), || async {
                let broker = cluster.any_broker().await?;
                let resp = broker.request(&request).await?;
                broker.note_throttle(resp.throttle_time_ms);
                let mut out = BTreeMap::new();
                for r in resp.results {
                    ErrorCode::check(r.error_code, || {
                        format!("describing configs of topic {topic}")
                    })?;
                    for c in r.configs {
                        if let Some(v) = c.value {
                            out.insert(c.name.to_string(), v.to_string());
                        }
                    }
                }
                Ok(out)
            })
            .await
    }

    /// DescribeCluster: the cluster id, controller and brokers.
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        let cluster = &self.cluster;
        cluster
            .with_retries("DescribeCluster", self.deadline(), || async {
                let broker = cluster.any_broker().await?;
                let resp = broker.request(&DescribeClusterRequest::default()).await?;
                broker.note_throttle(resp.throttle_time_ms);
                ErrorCode::check(resp.error_code, || "DescribeCluster".to_string())?;
                Ok(ClusterDescription {
                    cluster_id: resp.cluster_id.to_string(),
                    controller_id: resp.controller_id.0,
                    brokers: resp
                        .brokers
                        .iter()
                        .map(|b| (b.broker_id.0, format!("{}:{}", b.host.as_str(), b.port)))
                        .collect(),
                })
            })
            .await
    }
}
