//! The consumer side of a group (Java's `ConsumerCoordinator`): joins with the
//! "consumer" protocol, runs the assignor when leader, applies eager or
//! cooperative rebalances, and commits / fetches offsets.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use kafka_protocol::messages::OffsetFetchRequest;

use super::assignor::{assignor_by_name, PartitionAssignor, RebalanceProtocol};
use super::consumer_protocol::{Assignment, Subscription, TopicPartition};
use super::membership::{GroupConfig, GroupMembership};
use super::offsets as wire;
use crate::kafka::cluster::Cluster;
use crate::kafka::config::ConsumerConfig;
use crate::kafka::error::{Error, ErrorCode, Result};

/// What a rebalance changed for this member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentChange {
    pub revoked: Vec<TopicPartition>,
    pub assigned: Vec<TopicPartition>,
}

/// A consumer's membership in its group.
pub struct ConsumerCoordinator {
    cluster: Arc<Cluster>,
    membership: GroupMembership,
    assignors: Vec<Box<dyn PartitionAssignor + Send + Sync>>,
    /// What we own now.
    owned: BTreeSet<TopicPartition>,
    /// The generation `owned` was assigned in.
    owned_generation: i32,
    /// Eagerly revoked partitions not yet reported to the consumer (a join
    /// may fail after the revocation).
    unreported_revoked: Vec<TopicPartition>,
    /// As leader, the metadata the current assignment was computed from
    /// (Java's `assignmentSnapshot`); `None` when not leading.
    assigned_from: Option<AssignedFrom>,
    /// When [`check_metadata`](Self::check_metadata) last refreshed metadata
    /// for a topic that had none, to pace those refreshes.
    last_missing_refresh: Option<Instant>,
}

/// The topics the group subscribes to and their partition counts when the
/// leader assigned them. A topic without usable metadata then (e.g. just
/// created, not yet known to the broker we asked) got no partitions.
#[derive(Debug)]
struct AssignedFrom {
    topics: Vec<String>,
    /// Topics absent here had no metadata.
    partitions: BTreeMap<String, i32>,
}

impl ConsumerCoordinator {
    pub fn new(
        cluster: Arc<Cluster>,
        config: &ConsumerConfig,
        group_id: String,
    ) -> ConsumerCoordinator {
        let mut assignors: Vec<Box<dyn PartitionAssignor + Send + Sync>> = config
            .assignment_strategy
            .iter()
            .filter_map(|name| {
                let a = assignor_by_name(name);
                if a.is_none() {
                    tracing::warn!(%name, "unknown partition.assignment.strategy ignored");
                }
                a
            })
            .collect();
        if assignors.is_empty() {
            assignors = ["range", "cooperative-sticky"]
                .iter()
                .filter_map(|n| assignor_by_name(n))
                .collect();
        }
        let membership = GroupMembership::new(
            cluster.clone(),
            GroupConfig {
                group_id,
                protocol_type: "consumer".to_string(),
                session_timeout: config.session_timeout,
                rebalance_timeout: config.max_poll_interval,
                heartbeat_interval: config.heartbeat_interval,
                group_instance_id: config.group_instance_id.clone(),
            },
        );
        ConsumerCoordinator {
            cluster,
            membership,
            assignors,
            owned: BTreeSet::new(),
            owned_generation: -1,
            unreported_revoked: Vec::new(),
            assigned_from: None,
            last_missing_refresh: None,
        }
    }

    pub fn generation(&self) -> Option<(String, i32)> {
        self.membership.generation()
    }

    pub fn needs_rejoin(&self) -> bool {
        self.membership.needs_rejoin()
    }

    pub fn request_rejoin(&self) {
        self.membership.request_rejoin();
    }

    /// Whether every configured assignor is cooperative (then owned
    /// partitions are kept across a rebalance).
    fn cooperative(&self) -> bool {
        self.assignors
            .iter()
            .all(|a| a.protocol_kind() == RebalanceProtocol::Cooperative)
    }

    /// Joins (or rejoins) the group for `topics` and returns what changed.
    pub async fn ensure_active(&mut self, topics: &[String]) -> Result<AssignmentChange> {
        if !self.cooperative() && !self.owned.is_empty() {
            // Eager: give everything up before joining. Kept until reported,
            // so that a failed join cannot lose the revocation.
            let owned = std::mem::take(&mut self.owned);
            self.unreported_revoked.extend(owned);
        }
        let mut change = AssignmentChange::default();
        loop {
            let protocols = self
                .assignors
                .iter()
                .map(|a| {
                    let subscription = Subscription {
                        topics: topics.to_vec(),
                        user_data: a.subscription_user_data(self.owned_generation),
                        owned_partitions: self.owned.iter().cloned().collect(),
                        generation_id: self.owned_generation,
                        rack_id: None,
                    };
                    Ok((a.name().to_string(), subscription.encode(3)?))
                })
                .collect::<Result<Vec<_>>>()?;
            let join = self.membership.join(&protocols).await?;
            let (assignments, assigned_from) = if join.is_leader() {
                let (assignments, from) = self.assign(&join.protocol, &join.members).await?;
                (assignments, Some(from))
            } else {
                (Vec::new(), None)
            };
            let bytes = match self.membership.sync(&join, assignments).await {
                Ok(b) => b,
                Err(e) if e.code() == Some(ErrorCode::RebalanceInProgress) || e.is_retriable() => {
                    continue;
                }
                Err(e)
                    if matches!(
                        e.code(),
                        Some(ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration)
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            };
            let assignment = Assignment::decode(bytes)?;
            let new: BTreeSet<TopicPartition> = assignment.partitions.into_iter().collect();
            let revoked: Vec<TopicPartition> = self.owned.difference(&new).cloned().collect();
            let assigned: Vec<TopicPartition> = new.difference(&self.owned).cloned().collect();
            self.owned = new;
            self.owned_generation = join.generation;
            self.assigned_from = assigned_from;
            let cooperative_chosen = self
                .assignors
                .iter()
                .find(|a| a.name() == join.protocol)
                .is_some_and(|a| a.protocol_kind() == RebalanceProtocol::Cooperative);
            if cooperative_chosen && !revoked.is_empty() {
                // KIP-429: after revoking, rejoin so the partitions can move.
                self.membership.request_rejoin();
            }
            change
                .revoked
                .extend(std::mem::take(&mut self.unreported_revoked));
            change.revoked.extend(revoked);
            change.assigned.extend(assigned);
            tracing::info!(
                group = self.membership.group_id(),
                generation = join.generation,
                assigned = ?change.assigned,
                revoked = ?change.revoked,
                "joined group"
            );
            return Ok(change);
        }
    }

    /// The leader's work: decode subscriptions, look up partition counts, run
    /// the chosen assignor, encode the result. Also returns the metadata it
    /// assigned from, to notice when that changes.
    async fn assign(
        &self,
        protocol: &str,
        members: &[super::membership::JoinedMember],
    ) -> Result<(Vec<(String, bytes::Bytes)>, AssignedFrom)> {
        let assignor = self
            .assignors
            .iter()
            .find(|a| a.name() == protocol)
            .ok_or_else(|| Error::Other(format!("the group chose unknown assignor {protocol}")))?;
        let mut subscriptions = BTreeMap::new();
        let mut all_topics = BTreeSet::new();
        for m in members {
            let s = Subscription::decode(m.metadata.clone())?;
            all_topics.extend(s.topics.iter().cloned());
            subscriptions.insert(m.member_id.clone(), s);
        }
        let refs: Vec<&str> = all_topics.iter().map(String::as_str).collect();
        let md = self.cluster.metadata_for(&refs).await?;
        let partitions_per_topic: BTreeMap<String, i32> = all_topics
            .iter()
            .filter_map(|t| {
                md.topic(t)
                    .ok()
                    .map(|tm| (t.clone(), tm.partitions.len() as i32))
            })
            .collect();
        let unknown: Vec<&String> = all_topics
            .iter()
            .filter(|t| !partitions_per_topic.contains_key(*t))
            .collect();
        if !unknown.is_empty() {
            tracing::warn!(
                group = self.membership.group_id(),
                topics = ?unknown,
                "subscribed topics without metadata get no partitions until they appear"
            );
        }
        let result = assignor.assign(&partitions_per_topic, &subscriptions);
        let assignments = result
            .into_iter()
            .map(|(member, partitions)| {
                let bytes = Assignment {
                    partitions,
                    user_data: None,
                }
                .encode(3)?;
                Ok((member, bytes))
            })
            .collect::<Result<_>>()?;
        let from = AssignedFrom {
            topics: all_topics.into_iter().collect(),
            partitions: partitions_per_topic,
        };
        Ok((assignments, from))
    }

    /// As leader, asks for a rebalance when a subscribed topic's partition
    /// count differs from what the current assignment was computed from: a
    /// topic that had no metadata yet has appeared, or partitions were added
    /// (Java's `ConsumerCoordinator.rejoinNeededOrPending`). Without it, a
    /// group whose leader assigned before a new topic reached the broker's
    /// metadata would stay without those partitions for good. Call it on
    /// every poll: it costs nothing unless metadata is stale, older than
    /// `metadata.max.age.ms`, or lacks one of the topics (then it refreshes,
    /// at most once per `retry.backoff.max.ms`, since the topic may never
    /// come).
    pub async fn check_metadata(&mut self) {
        let Some(from) = &self.assigned_from else {
            return;
        };
        if self.membership.needs_rejoin() {
            return;
        }
        let snapshot = self.cluster.snapshot();
        let missing = from.topics.iter().any(|t| snapshot.topic(t).is_err());
        if missing {
            let backoff = self.cluster.config().retry_backoff_max;
            if self
                .last_missing_refresh
                .is_some_and(|at| at.elapsed() < backoff)
            {
                return;
            }
            self.last_missing_refresh = Some(Instant::now());
        }
        let refs: Vec<&str> = from.topics.iter().map(String::as_str).collect();
        let md = match self.cluster.metadata_for(&refs).await {
            Ok(md) => md,
            Err(e) => {
                tracing::debug!(group = self.membership.group_id(), error = %e, "metadata refresh failed");
                return;
            }
        };
        // A topic whose metadata is (still, or transiently) unusable proves
        // nothing: only a known count that differs triggers a rebalance.
        let changed = from.topics.iter().find(|t| {
            md.topic(t)
                .is_ok_and(|tm| from.partitions.get(*t) != Some(&(tm.partitions.len() as i32)))
        });
        if let Some(topic) = changed {
            tracing::info!(
                group = self.membership.group_id(),
                %topic,
                "partition count changed since the assignment; rebalancing"
            );
            self.membership.request_rejoin();
        }
    }

    /// OffsetCommit for `offsets` in the current generation.
    pub async fn commit(&mut self, offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let (member_id, generation) = self
            .membership
            .generation()
            .unwrap_or_else(|| (String::new(), -1));
        let request =
            wire::commit_request(self.membership.group_id(), generation, &member_id, offsets);
        let deadline = Instant::now() + self.cluster.config().connection.request_timeout;
        let mut attempt = 0;
        loop {
            let result = async {
                let coordinator = self.membership.coordinator().await?;
                let resp = coordinator.request(&request).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                wire::check_commit(&resp)?;
                Ok::<(), Error>(())
            }
            .await;
            match result {
                Ok(()) => return Ok(()),
                Err(e) if e.is_retriable() && Instant::now() < deadline => {
                    if matches!(
                        e.code(),
                        Some(ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable)
                    ) || e.code().is_none()
                    {
                        self.membership.request_rejoin();
                    }
                    tokio::time::sleep(self.cluster.config().backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => {
                    if matches!(
                        e.code(),
                        Some(
                            ErrorCode::UnknownMemberId
                                | ErrorCode::IllegalGeneration
                                | ErrorCode::RebalanceInProgress
                        )
                    ) {
                        self.membership.request_rejoin();
                    }
                    return Err(e);
                }
            }
        }
    }

    /// OffsetFetch: the committed next offset of each partition that has one.
    pub async fn fetch_committed(
        &mut self,
        tps: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, i64>> {
        let request =
            wire::fetch_request(self.membership.group_id(), Some(tps)).with_require_stable(true);
        let deadline = Instant::now() + self.cluster.config().connection.request_timeout;
        let mut attempt = 0;
        loop {
            let result = async {
                let coordinator = self.membership.coordinator().await?;
                let version = coordinator.version_for::<OffsetFetchRequest>()?;
                let request = if version >= 7 {
                    request.clone()
                } else {
                    request.clone().with_require_stable(false)
                };
                let resp = coordinator.request_at(&request, version).await?;
                coordinator.note_throttle(resp.throttle_time_ms);
                wire::committed_offsets(&resp)
            }
            .await;
            match result {
                Ok(out) => return Ok(out),
                Err(e) if e.is_retriable() && Instant::now() < deadline => {
                    tokio::time::sleep(self.cluster.config().backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Leaves the group.
    pub async fn leave(&mut self) {
        self.membership.leave().await;
        self.owned.clear();
        self.owned_generation = -1;
        self.assigned_from = None;
    }
}
