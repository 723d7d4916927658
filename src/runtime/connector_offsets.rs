//! Connector offsets through the REST API (KIP-875; Java's
//! `Worker.connectorOffsets` / `modifyConnectorOffsets`, `SinkUtils` and the
//! `ConnectorOffsets` entity): read, alter and reset the source offsets a
//! connector committed to the offset store, or a sink connector's consumer
//! group offsets (`connect-<name>`), which are read and written with
//! OffsetFetch, OffsetCommit, OffsetDelete and DeleteGroups on the group
//! coordinator, as Java's admin client does.
//!
//! The herder checks that the connector exists and is stopped; the
//! functions here do the rest, with Java's messages.

use super::storage::offset::JavaOrderedMap;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::delete_groups_request::DeleteGroupsRequest;
use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::{GroupId, TopicName};
use kafka_protocol::protocol::StrBytes;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::api::connector::{Props, SinkConnector, SourceConnector};
use crate::api::data::java_hash::hash_map_order;
use crate::api::data::Value as DataValue;
use crate::api::record::{SourceMap, TopicPartition};
use crate::kafka::cluster::Cluster;
use crate::kafka::group::membership::{GroupConfig, GroupMembership};
use crate::kafka::group::offsets as wire;
use crate::kafka::group::TopicPartition as ClientPartition;
use crate::kafka::messenger::Messenger;
use crate::kafka::{Error as KafkaError, ErrorCode};

use super::herder::requests::{HerderError, HerderWork};
use super::plugins::{find_connector, ConnectorFactory};
use super::storage::offset::OffsetBackingStore;
use super::task_builder::TaskEnvironment;

pub const KAFKA_TOPIC_KEY: &str = "kafka_topic";
pub const KAFKA_PARTITION_KEY: &str = "kafka_partition";
pub const KAFKA_OFFSET_KEY: &str = "kafka_offset";

/// How long a sink offsets request may take (Java bounds it by the REST
/// request timeout).
const SINK_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Broker error codes that `ErrorCode` may not name.
const NON_EMPTY_GROUP: i16 = 68;
const GROUP_ID_NOT_FOUND: i16 = 69;
const UNKNOWN_MEMBER_ID: i16 = 25;
const GROUP_SUBSCRIBED_TO_TOPIC: i16 = 86;

/// One `{partition, offset}` pair (Java's `ConnectorOffset`). Either may be
/// null in a request; a null offset resets its partition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorOffset {
    pub partition: Option<SourceMap>,
    pub offset: Option<SourceMap>,
}

impl Serialize for ConnectorOffset {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ConnectorOffset", 2)?;
        s.serialize_field("partition", &self.partition.as_ref().map(JavaOrderedMap))?;
        s.serialize_field("offset", &self.offset.as_ref().map(JavaOrderedMap))?;
        s.end()
    }
}

/// Java's `ConnectorOffsets`: `{"offsets": [...]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ConnectorOffsets {
    pub offsets: Vec<ConnectorOffset>,
}

/// A JSON value as Java's schemaless JsonConverter reads it, for its
/// `hashCode` (integers are `Long`, other numbers `Double`).
fn java_value(v: &serde_json::Value) -> DataValue {
    match v {
        serde_json::Value::Null => DataValue::Null,
        serde_json::Value::Bool(b) => DataValue::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => DataValue::Int64(i),
            None => DataValue::Float64(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => DataValue::String(s.clone()),
        serde_json::Value::Array(items) => DataValue::Array(items.iter().map(java_value).collect()),
        serde_json::Value::Object(m) => java_map(m),
    }
}

fn java_map(m: &SourceMap) -> DataValue {
    DataValue::Map(
        m.iter()
            .map(|(k, v)| (DataValue::from(k.as_str()), java_value(v)))
            .collect(),
    )
}

/// The message Java answers a successful alter or reset with.
pub fn modified_message(connector_result: bool, reset: bool) -> String {
    let kind = if reset { "reset" } else { "altered" };
    if connector_result {
        format!("The offsets for this connector have been {kind} successfully")
    } else {
        format!(
            "The Connect framework-managed offsets for this connector have been {kind} successfully. \
             However, if this connector manages offsets externally, they will need to be manually {kind} \
             in the system that the connector uses."
        )
    }
}

// --- source connectors ---------------------------------------------------------------

/// The committed offsets of a source connector: every partition whose
/// offset is not a tombstone, in Java's `HashMap` order.
pub fn source_offsets(store: &dyn OffsetBackingStore, connector: &str) -> ConnectorOffsets {
    let mut found: Vec<(SourceMap, SourceMap)> = store
        .connector_offsets(connector)
        .into_iter()
        .filter_map(|(p, o)| o.map(|o| (p, o)))
        .collect();
    // A deterministic start for partitions that share a bucket.
    found.sort_by_key(|(p, _)| serde_json::to_string(p).unwrap_or_default());
    let ordered = hash_map_order(
        found
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (java_map(p), DataValue::Int32(i as i32)))
            .collect(),
    );
    let offsets = ordered
        .into_iter()
        .filter_map(|(_, i)| match i {
            DataValue::Int32(i) => found.get(i as usize).cloned(),
            _ => None,
        })
        .map(|(partition, offset)| ConnectorOffset {
            partition: Some(partition),
            offset: Some(offset),
        })
        .collect();
    ConnectorOffsets { offsets }
}

/// Java's `OffsetUtils.validateFormat`: values must be primitives.
fn validate_format(map: Option<&SourceMap>) -> Result<(), HerderError> {
    for (field, value) in map.into_iter().flatten() {
        let kind = match value {
            serde_json::Value::Array(_) => "ARRAY",
            serde_json::Value::Object(_) => "MAP",
            _ => continue,
        };
        return Err(HerderError::Internal(format!(
            "Offsets may only contain primitive types as values, but field {field} contains {kind}"
        )));
    }
    Ok(())
}

/// The key of a source partition in the offset store: `["<connector>",
/// {partition}]`, or `["<connector>", null]`.
fn source_offset_key(connector: &str, partition: Option<&SourceMap>) -> Vec<u8> {
    let partition = partition
        .cloned()
        .map_or(serde_json::Value::Null, serde_json::Value::Object);
    let key = serde_json::Value::Array(vec![
        serde_json::Value::String(connector.to_string()),
        partition,
    ]);
    serde_json::to_vec(&key).unwrap_or_default()
}

/// Alters (`Some(offsets)`) or resets (`None`) a stopped source connector's
/// offsets, as Java's `modifySourceConnectorOffsets`: the offsets must be
/// primitive-valued maps and pass the connector's `alter_offsets`; then
/// they are written to the store (a reset writes a tombstone for every
/// partition). The checks run now; the returned future waits for the write.
pub fn modify_source_offsets(
    store: &dyn OffsetBackingStore,
    name: &str,
    connector: &dyn SourceConnector,
    config: &Props,
    offsets: Option<Vec<ConnectorOffset>>,
) -> futures::future::BoxFuture<'static, Result<String, HerderError>> {
    let (writes, message) = match source_offset_writes(store, name, connector, config, offsets) {
        Ok(w) => w,
        Err(e) => return Box::pin(std::future::ready(Err(e))),
    };
    if writes.is_empty() {
        return Box::pin(std::future::ready(Ok(message)));
    }
    let write = store.set(writes);
    let name = name.to_string();
    Box::pin(async move {
        write.await.map_err(|e| {
            tracing::error!(connector = %name, error = %e, "Failed to modify offsets for source connector");
            HerderError::Internal(format!(
                "Failed to modify offsets for source connector {name}"
            ))
        })?;
        Ok(message)
    })
}

/// The validated writes of `modify_source_offsets` and its success message.
type OffsetWrites = Vec<(Vec<u8>, Option<Vec<u8>>)>;

fn source_offset_writes(
    store: &dyn OffsetBackingStore,
    name: &str,
    connector: &dyn SourceConnector,
    config: &Props,
    offsets: Option<Vec<ConnectorOffset>>,
) -> Result<(OffsetWrites, String), HerderError> {
    let reset = offsets.is_none();
    let requested = match offsets {
        Some(o) => o,
        None => source_offsets(store, name)
            .offsets
            .into_iter()
            .map(|o| ConnectorOffset {
                partition: o.partition,
                offset: None,
            })
            .collect(),
    };
    // Java collects them into a map: the last offset of a partition wins.
    let mut entries: Vec<(Option<SourceMap>, Option<SourceMap>)> = Vec::new();
    for o in requested {
        validate_format(o.partition.as_ref())?;
        validate_format(o.offset.as_ref())?;
        match entries.iter_mut().find(|(p, _)| *p == o.partition) {
            Some(entry) => entry.1 = o.offset,
            None => entries.push((o.partition, o.offset)),
        }
    }
    let connector_result = connector
        .alter_offsets(config, &entries)
        .map_err(|e| HerderError::Internal(e.message))?;
    if entries.is_empty() {
        tracing::info!(
            connector = name,
            "No offsets found for source connector {name} - this can occur due to a prior attempt to reset offsets \
             or if the source connector hasn't committed any offsets yet"
        );
        return Ok((Vec::new(), modified_message(connector_result, reset)));
    }
    let writes = entries
        .iter()
        .map(|(p, o)| {
            let value = o
                .as_ref()
                .map(|o| serde_json::to_vec(o).unwrap_or_default());
            (source_offset_key(name, p.as_ref()), value)
        })
        .collect();
    Ok((writes, modified_message(connector_result, reset)))
}

// --- sink connectors -----------------------------------------------------------------

/// Java's `SinkUtils.parseSinkConnectorOffsets`: partitions must name a
/// topic and an integer partition, offsets be null or an integer
/// `kafka_offset`; numbers may come as strings.
pub fn parse_sink_offsets(
    offsets: &[ConnectorOffset],
) -> Result<BTreeMap<TopicPartition, Option<i64>>, HerderError> {
    let bad = |m: String| HerderError::BadRequest(m);
    let mut parsed = BTreeMap::new();
    for o in offsets {
        let Some(partition) = &o.partition else {
            return Err(bad(
                "The partition for a sink connector offset cannot be null or missing".to_string(),
            ));
        };
        let (Some(topic), Some(index)) = (
            partition.get(KAFKA_TOPIC_KEY),
            partition.get(KAFKA_PARTITION_KEY),
        ) else {
            return Err(bad(format!(
                "The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC_KEY}' and '{KAFKA_PARTITION_KEY}'"
            )));
        };
        if topic.is_null() {
            return Err(bad(
                "Kafka topic names must be valid strings and may not be null".to_string(),
            ));
        }
        if index.is_null() {
            return Err(bad(
                "Kafka partitions must be valid numbers and may not be null".to_string(),
            ));
        }
        let topic = java_string(topic);
        let index: i32 = java_string(index).parse().map_err(|_| {
            bad(format!(
                "Failed to parse the following Kafka partition value in the provided offsets: '{}'. \
                 Partition values for sink connectors need to be integers.",
                java_string(index)
            ))
        })?;
        let tp = TopicPartition::new(topic, index);
        let offset = match &o.offset {
            None => None,
            Some(offset) => {
                let Some(value) = offset.get(KAFKA_OFFSET_KEY) else {
                    return Err(bad(format!(
                        "The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET_KEY}'"
                    )));
                };
                let text = java_string(value);
                Some(text.parse::<i64>().map_err(|_| {
                    bad(format!(
                        "Failed to parse the following Kafka offset value in the provided offsets: '{text}'. \
                         Offset values for sink connectors need to be integers."
                    ))
                })?)
            }
        };
        parsed.insert(tp, offset);
    }
    Ok(parsed)
}

/// Java's `String.valueOf` of a value Jackson read.
fn java_string(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// A sink connector's consumer group, reached through its coordinator.
pub struct SinkGroup {
    cluster: Arc<Cluster>,
    group_id: String,
}

impl SinkGroup {
    pub fn new(cluster: Arc<Cluster>, group_id: impl Into<String>) -> SinkGroup {
        SinkGroup {
            cluster,
            group_id: group_id.into(),
        }
    }

    fn group_field(&self) -> GroupId {
        GroupId(StrBytes::from_string(self.group_id.clone()))
    }

    /// Runs `op` against the group coordinator, retrying retriable errors
    /// (a moved or loading coordinator) until the deadline.
    async fn with_coordinator<T, F, Fut>(&self, op: F) -> Result<T, KafkaError>
    where
        F: Fn(Arc<Messenger>) -> Fut,
        Fut: Future<Output = Result<T, KafkaError>>,
    {
        let deadline = Instant::now() + SINK_REQUEST_TIMEOUT;
        let mut attempt = 0;
        loop {
            let mut membership = GroupMembership::new(
                self.cluster.clone(),
                GroupConfig {
                    group_id: self.group_id.clone(),
                    protocol_type: "consumer".to_string(),
                    session_timeout: Duration::from_secs(45),
                    rebalance_timeout: SINK_REQUEST_TIMEOUT,
                    heartbeat_interval: Duration::from_secs(3),
                    group_instance_id: None,
                },
            );
            let result = match membership.coordinator().await {
                Ok(coordinator) => op(coordinator).await,
                Err(e) => Err(e),
            };
            match result {
                Err(e) if e.is_retriable() && Instant::now() < deadline => {
                    tokio::time::sleep(self.cluster.config().backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The group's committed offsets (OffsetFetch for all topics).
    pub async fn committed(&self) -> Result<BTreeMap<TopicPartition, i64>, KafkaError> {
        let request = wire::fetch_request(&self.group_id, None);
        self.with_coordinator(|coordinator| {
            let request = request.clone();
            async move {
                let resp = coordinator.request(&request).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                // A deleted (reset) group has no offsets.
                if resp.error_code == GROUP_ID_NOT_FOUND {
                    return Ok(BTreeMap::new());
                }
                Ok(wire::committed_offsets(&resp)?
                    .into_iter()
                    .map(|(tp, o)| (TopicPartition::new(tp.topic, tp.partition), o))
                    .collect())
            }
        })
        .await
    }

    /// Commits offsets outside any generation, as an admin client does; the
    /// broker refuses it while the group has members.
    async fn commit(&self, offsets: &BTreeMap<TopicPartition, i64>) -> Result<(), KafkaError> {
        let offsets: BTreeMap<ClientPartition, i64> = offsets
            .iter()
            .map(|(tp, o)| (ClientPartition::new(tp.topic.clone(), tp.partition), *o))
            .collect();
        let request = wire::commit_request(&self.group_id, -1, "", &offsets);
        self.with_coordinator(|coordinator| {
            let request = request.clone();
            async move {
                let resp = coordinator.request(&request).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                wire::check_commit(&resp)?;
                Ok(())
            }
        })
        .await
    }

    /// Deletes the committed offsets of `partitions` (OffsetDelete).
    async fn delete_offsets(&self, partitions: &[TopicPartition]) -> Result<(), KafkaError> {
        let mut by_topic: BTreeMap<&str, Vec<OffsetDeleteRequestPartition>> = BTreeMap::new();
        for tp in partitions {
            by_topic
                .entry(&tp.topic)
                .or_default()
                .push(OffsetDeleteRequestPartition::default().with_partition_index(tp.partition));
        }
        let request = OffsetDeleteRequest::default()
            .with_group_id(self.group_field())
            .with_topics(
                by_topic
                    .into_iter()
                    .map(|(t, p)| {
                        OffsetDeleteRequestTopic::default()
                            .with_name(TopicName(StrBytes::from_string(t.to_string())))
                            .with_partitions(p)
                    })
                    .collect(),
            );
        self.with_coordinator(|coordinator| {
            let request = request.clone();
            async move {
                let resp = coordinator.request(&request).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                // No group, or nothing committed: nothing to delete.
                if resp.error_code == GROUP_ID_NOT_FOUND {
                    return Ok(());
                }
                ErrorCode::check(resp.error_code, || "OffsetDelete".to_string())?;
                for t in &resp.topics {
                    for p in &t.partitions {
                        ErrorCode::check(p.error_code, || {
                            format!(
                                "OffsetDelete for {}-{}",
                                t.name.0.as_str(),
                                p.partition_index
                            )
                        })?;
                    }
                }
                Ok(())
            }
        })
        .await
    }

    /// Deletes the whole group (DeleteGroups); a group that does not exist
    /// is already reset.
    async fn delete_group(&self) -> Result<(), KafkaError> {
        let request = DeleteGroupsRequest::default().with_groups_names(vec![self.group_field()]);
        self.with_coordinator(|coordinator| {
            let request = request.clone();
            async move {
                let resp = coordinator.request(&request).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                for r in &resp.results {
                    if r.error_code == GROUP_ID_NOT_FOUND {
                        continue;
                    }
                    ErrorCode::check(r.error_code, || {
                        format!("DeleteGroups for {}", r.group_id.0.as_str())
                    })?;
                }
                Ok(())
            }
        })
        .await
    }
}

fn code_of(e: &KafkaError) -> Option<i16> {
    e.code().map(ErrorCode::code)
}

/// The consumer group offsets of a sink connector, as Java's
/// `SinkUtils.consumerGroupOffsetsToConnectorOffsets` shows them.
pub async fn sink_offsets(group: &SinkGroup, name: &str) -> Result<ConnectorOffsets, HerderError> {
    let committed = group.committed().await.map_err(|e| {
        tracing::error!(connector = name, error = %e, "Failed to retrieve consumer group offsets for sink connector");
        HerderError::Internal(format!(
            "Failed to retrieve consumer group offsets for sink connector {name}"
        ))
    })?;
    Ok(ConnectorOffsets {
        offsets: committed
            .into_iter()
            .map(|(tp, offset)| {
                let mut partition = SourceMap::new();
                partition.insert(KAFKA_TOPIC_KEY.to_string(), tp.topic.into());
                partition.insert(KAFKA_PARTITION_KEY.to_string(), tp.partition.into());
                let mut o = SourceMap::new();
                o.insert(KAFKA_OFFSET_KEY.to_string(), offset.into());
                ConnectorOffset {
                    partition: Some(partition),
                    offset: Some(o),
                }
            })
            .collect(),
    })
}

/// Alters (`Some`) or resets (`None`) a stopped sink connector's consumer
/// group offsets, as Java's `modifySinkConnectorOffsets`: an alter commits
/// the given offsets and deletes those given as null; a reset deletes the
/// group.
pub async fn modify_sink_offsets(
    group: &SinkGroup,
    name: &str,
    connector: fn() -> Box<dyn SinkConnector>,
    config: &Props,
    offsets: Option<Vec<ConnectorOffset>>,
) -> Result<String, HerderError> {
    let zombies = |what: &str| {
        format!(
            "Failed to {what} consumer group offsets for connector {name} either because its tasks haven't stopped \
             completely yet or the connector was resumed before the request to {what} its offsets could be successfully \
             completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't \
             eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
        )
    };
    match offsets {
        None => {
            let listed = group.committed().await.map_err(|e| {
                tracing::error!(connector = name, error = %e, "Failed to list offsets prior to resetting offsets");
                HerderError::Internal(format!(
                    "Failed to list offsets prior to resetting offsets for sink connector {name}"
                ))
            })?;
            let to_reset: BTreeMap<TopicPartition, Option<i64>> =
                listed.into_keys().map(|tp| (tp, None)).collect();
            let connector_result = call_sink_alter(connector, config, &to_reset, name)?;
            match group.delete_group().await {
                Ok(()) => Ok(modified_message(connector_result, true)),
                Err(e) if code_of(&e) == Some(NON_EMPTY_GROUP) => {
                    Err(HerderError::Internal(zombies("reset")))
                }
                Err(e) => {
                    tracing::error!(connector = name, error = %e, "Failed to reset consumer group offsets");
                    Err(HerderError::Internal(format!(
                        "Failed to reset consumer group offsets for sink connector {name}"
                    )))
                }
            }
        }
        Some(offsets) => {
            let parsed = parse_sink_offsets(&offsets)?;
            let connector_result = call_sink_alter(connector, config, &parsed, name)?;
            let to_commit: BTreeMap<TopicPartition, i64> = parsed
                .iter()
                .filter_map(|(tp, o)| o.map(|o| (tp.clone(), o)))
                .collect();
            let to_delete: Vec<TopicPartition> = parsed
                .iter()
                .filter(|(_, o)| o.is_none())
                .map(|(tp, _)| tp.clone())
                .collect();
            let mut result = Ok(());
            if !to_commit.is_empty() {
                result = group.commit(&to_commit).await;
            }
            if result.is_ok() && !to_delete.is_empty() {
                result = group.delete_offsets(&to_delete).await;
            }
            match result {
                Ok(()) => Ok(modified_message(connector_result, false)),
                Err(e)
                    if matches!(
                        code_of(&e),
                        Some(UNKNOWN_MEMBER_ID | GROUP_SUBSCRIBED_TO_TOPIC | NON_EMPTY_GROUP)
                    ) =>
                {
                    Err(HerderError::Internal(zombies("alter")))
                }
                Err(e) => {
                    tracing::error!(connector = name, error = %e, "Failed to alter consumer group offsets");
                    Err(HerderError::Internal(format!(
                        "Failed to alter consumer group offsets for connector {name}"
                    )))
                }
            }
        }
    }
}

/// Asks a fresh instance of the connector (made here, so that no
/// connector lives across an await).
fn call_sink_alter(
    connector: fn() -> Box<dyn SinkConnector>,
    config: &Props,
    offsets: &BTreeMap<TopicPartition, Option<i64>>,
    name: &str,
) -> Result<bool, HerderError> {
    connector().alter_offsets(config, offsets).map_err(|e| {
        tracing::error!(connector = name, error = %e, "Failed to modify offsets for sink connector");
        HerderError::Internal(e.message)
    })
}

/// A connector's offsets (Java's `connectorOffsets`), as work to await
/// outside the herder: a source's from the offset store (read to its end
/// first), a sink's from its consumer group.
pub fn read_connector_offsets(
    env: &TaskEnvironment,
    name: &str,
    config: &Props,
) -> Result<HerderWork<ConnectorOffsets>, HerderError> {
    let name = name.to_string();
    match connector_factory(config)? {
        ConnectorFactory::Source(_) => {
            let offsets = env.offsets.clone();
            Ok(Box::pin(async move {
                offsets.refresh().await.map_err(HerderError::Internal)?;
                Ok(source_offsets(&*offsets, &name))
            }))
        }
        ConnectorFactory::Sink(_) => {
            let group = SinkGroup::new(env.cluster.clone(), env.sink_group_id(&name, config));
            Ok(Box::pin(async move { sink_offsets(&group, &name).await }))
        }
    }
}

/// Alters (`Some`) or resets (`None`) a stopped connector's offsets (Java's
/// `alterConnectorOffsets` / `resetConnectorOffsets`); the work answers
/// Java's success message. The caller checked that the connector is
/// STOPPED.
pub fn modify_connector_offsets(
    env: &TaskEnvironment,
    name: &str,
    config: &Props,
    offsets: Option<Vec<ConnectorOffset>>,
) -> Result<HerderWork<String>, HerderError> {
    match connector_factory(config)? {
        ConnectorFactory::Source(make) => Ok(modify_source_offsets(
            &*env.offsets,
            name,
            &*make(),
            config,
            offsets,
        )),
        ConnectorFactory::Sink(make) => {
            let group = SinkGroup::new(env.cluster.clone(), env.sink_group_id(name, config));
            let (name, config) = (name.to_string(), config.clone());
            Ok(Box::pin(async move {
                modify_sink_offsets(&group, &name, make, &config, offsets).await
            }))
        }
    }
}

/// The factory of `connector.class`; an unknown class is Java's 500.
fn connector_factory(config: &Props) -> Result<ConnectorFactory, HerderError> {
    let class = config.get("connector.class").cloned().unwrap_or_default();
    find_connector(&class).map(|p| p.factory).ok_or_else(|| {
        HerderError::Internal(super::herder::validation::no_such_connector_message(&class))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> Option<SourceMap> {
        v.as_object().cloned()
    }

    #[test]
    fn offsets_serialize_as_java_writes_them() {
        let offsets = ConnectorOffsets {
            offsets: vec![ConnectorOffset {
                partition: map(json!({"kafka_topic": "t", "kafka_partition": 0})),
                offset: map(json!({"kafka_offset": 5})),
            }],
        };
        // Java's HashMap puts "kafka_partition" (bucket 4) before "kafka_topic" (10).
        assert_eq!(
            serde_json::to_string(&offsets).unwrap_or_default(),
            r#"{"offsets":[{"partition":{"kafka_partition":0,"kafka_topic":"t"},"offset":{"kafka_offset":5}}]}"#
        );
        let empty = serde_json::to_string(&ConnectorOffsets::default()).unwrap_or_default();
        assert_eq!(empty, r#"{"offsets":[]}"#);
    }

    #[test]
    fn sink_offsets_parse_like_java() {
        let ok = parse_sink_offsets(&[
            ConnectorOffset {
                partition: map(json!({"kafka_topic": "t", "kafka_partition": "3"})),
                offset: map(json!({"kafka_offset": "10"})),
            },
            ConnectorOffset {
                partition: map(json!({"kafka_topic": "t", "kafka_partition": 1})),
                offset: None,
            },
        ]);
        let want: BTreeMap<TopicPartition, Option<i64>> = [
            (TopicPartition::new("t", 3), Some(10)),
            (TopicPartition::new("t", 1), None),
        ]
        .into_iter()
        .collect();
        assert_eq!(ok, Ok(want));
        let err =
            |partition: serde_json::Value, offset: serde_json::Value| match parse_sink_offsets(&[
                ConnectorOffset {
                    partition: map(partition),
                    offset: map(offset),
                },
            ]) {
                Err(HerderError::BadRequest(m)) => m,
                other => format!("unexpected {other:?}"),
            };
        assert_eq!(
            err(json!(null), json!(null)),
            "The partition for a sink connector offset cannot be null or missing"
        );
        assert_eq!(
            err(json!({}), json!(null)),
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"
        );
        assert!(err(
            json!({"kafka_topic": "t", "kafka_partition": "x"}),
            json!(null)
        )
        .ends_with("Partition values for sink connectors need to be integers."));
        assert_eq!(
            err(json!({"kafka_topic": "t", "kafka_partition": 1}), json!({})),
            "The offset for a sink connector should either be null or contain the key 'kafka_offset'"
        );
        assert!(err(
            json!({"kafka_topic": "t", "kafka_partition": 1}),
            json!({"kafka_offset": 1.5})
        )
        .contains("'1.5'. Offset values for sink connectors need to be integers."));
        assert_eq!(
            err(
                json!({"kafka_topic": null, "kafka_partition": 1}),
                json!(null)
            ),
            "Kafka topic names must be valid strings and may not be null"
        );
    }

    #[test]
    fn source_offsets_alter_and_reset_in_the_store() {
        use crate::runtime::storage::offset::FileOffsetStore;
        use futures::executor::block_on;
        let dir =
            std::env::temp_dir().join(format!("kconnect-offsets-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = FileOffsetStore::open(dir.join("offsets")).expect("store");
        let connector = crate::connectors::file::FileStreamSourceConnector::default();
        let config: Props = [("file", "/tmp/in.txt"), ("topic", "t")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(source_offsets(&*store, "c"), ConnectorOffsets::default());
        let alter = vec![ConnectorOffset {
            partition: map(json!({"filename": "/tmp/in.txt"})),
            offset: map(json!({"position": 42})),
        }];
        assert_eq!(
            block_on(modify_source_offsets(
                &*store,
                "c",
                &connector,
                &config,
                Some(alter.clone())
            )),
            Ok("The offsets for this connector have been altered successfully".to_string())
        );
        assert_eq!(source_offsets(&*store, "c").offsets, alter);
        assert_eq!(source_offsets(&*store, "other").offsets, vec![]);

        let refused = |offset: serde_json::Value| {
            block_on(modify_source_offsets(
                &*store,
                "c",
                &connector,
                &config,
                Some(vec![ConnectorOffset {
                    partition: map(json!({"filename": "/tmp/in.txt"})),
                    offset: map(offset),
                }]),
            ))
        };
        assert_eq!(
            refused(json!({"position": -1})),
            Err(HerderError::Internal(
                "The value for the 'position' key in the offset should be a non-negative value"
                    .to_string()
            ))
        );
        assert_eq!(
            refused(json!({"position": "1"})),
            Err(HerderError::Internal(
                "The value for the 'position' key in the offset is expected to be a Long value"
                    .to_string()
            ))
        );
        assert_eq!(
            refused(json!({"position": [1]})),
            Err(HerderError::Internal(
                "Offsets may only contain primitive types as values, but field position contains ARRAY"
                    .to_string()
            ))
        );
        assert_eq!(source_offsets(&*store, "c").offsets, alter);

        assert_eq!(
            block_on(modify_source_offsets(
                &*store, "c", &connector, &config, None
            )),
            Ok("The offsets for this connector have been reset successfully".to_string())
        );
        assert_eq!(source_offsets(&*store, "c"), ConnectorOffsets::default());
        // Reset again: nothing left, still a success.
        assert!(block_on(modify_source_offsets(
            &*store, "c", &connector, &config, None
        ))
        .is_ok());
        let stdin: Props = [("topic", "t")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(matches!(
            block_on(modify_source_offsets(&*store, "c", &connector, &stdin, None)),
            Err(HerderError::Internal(m)) if m.starts_with("Offsets cannot be modified if the 'file' configuration is unspecified.")
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn messages_match_java() {
        assert_eq!(
            modified_message(false, true),
            "The Connect framework-managed offsets for this connector have been reset successfully. \
             However, if this connector manages offsets externally, they will need to be manually reset \
             in the system that the connector uses."
        );
    }
}
