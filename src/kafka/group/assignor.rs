//! Partition assignors run by the group leader under the "consumer" protocol:
//! given every member's [`Subscription`] and the partition count of each
//! topic, decide who consumes what. Mirrors Java's
//! `org.apache.kafka.clients.consumer.ConsumerPartitionAssignor` with its
//! `RangeAssignor` and `CooperativeStickyAssignor` (the latter built on
//! `AbstractStickyAssignor`).
//!
//! Rack-aware placement is not done: the leader only knows partition counts,
//! not replica racks, which is also the case in which Java's assignors fall
//! back to the rack-less algorithms implemented here.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

pub use super::consumer_protocol::TopicPartition;
use super::consumer_protocol::{Subscription, NO_GENERATION};

/// How members hand partitions over during a rebalance (Java's
/// `ConsumerPartitionAssignor.RebalanceProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RebalanceProtocol {
    /// Every member revokes everything before each rebalance.
    Eager,
    /// Members keep what they own; a partition that moves is first revoked
    /// by its owner and assigned in a follow-up rebalance (KIP-429).
    Cooperative,
}

impl RebalanceProtocol {
    /// Java's wire id (`EAGER` = 0, `COOPERATIVE` = 1).
    pub fn id(self) -> u8 {
        match self {
            RebalanceProtocol::Eager => 0,
            RebalanceProtocol::Cooperative => 1,
        }
    }
}

/// A leader-side assignment strategy.
pub trait PartitionAssignor {
    /// The protocol name members advertise in JoinGroup (e.g. `range`).
    fn name(&self) -> &'static str;

    /// Maps each member id in `subscriptions` to its partitions. Every member
    /// gets an entry, possibly empty. Topics missing from
    /// `partitions_per_topic` (unknown to the metadata) are skipped.
    fn assign(
        &self,
        partitions_per_topic: &BTreeMap<String, i32>,
        subscriptions: &BTreeMap<String, Subscription>,
    ) -> BTreeMap<String, Vec<TopicPartition>>;

    /// The rebalance protocol this assignor is written for.
    fn protocol_kind(&self) -> RebalanceProtocol;

    /// `Subscription::user_data` a member should send, given the generation
    /// of its last assignment (or [`NO_GENERATION`]); Java's
    /// `subscriptionUserData`.
    fn subscription_user_data(&self, generation: i32) -> Option<Bytes> {
        let _ = generation;
        None
    }
}

/// Finds an assignor by its protocol name or by Java's class name, as they
/// appear in `partition.assignment.strategy`.
pub fn assignor_by_name(name: &str) -> Option<Box<dyn PartitionAssignor + Send + Sync>> {
    match name.trim() {
        RangeAssignor::NAME | "org.apache.kafka.clients.consumer.RangeAssignor" => {
            Some(Box::new(RangeAssignor))
        }
        CooperativeStickyAssignor::NAME
        | "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" => {
            Some(Box::new(CooperativeStickyAssignor))
        }
        _ => None,
    }
}

/// An entry for every member, so that members left without partitions are
/// still told so.
fn empty_assignment(
    subscriptions: &BTreeMap<String, Subscription>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    subscriptions
        .keys()
        .map(|member| (member.clone(), Vec::new()))
        .collect()
}

/// The partition count of `topic`, if it is known and has partitions.
fn partition_count(partitions_per_topic: &BTreeMap<String, i32>, topic: &str) -> Option<i32> {
    partitions_per_topic.get(topic).copied().filter(|&n| n > 0)
}

/// Java's `RangeAssignor`: per topic, the subscribed members in member-id
/// order each take a contiguous range; the first `partitions % members` of
/// them take one extra.
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeAssignor;

impl RangeAssignor {
    pub const NAME: &'static str = "range";
}

impl PartitionAssignor for RangeAssignor {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn protocol_kind(&self) -> RebalanceProtocol {
        RebalanceProtocol::Eager
    }

    fn assign(
        &self,
        partitions_per_topic: &BTreeMap<String, i32>,
        subscriptions: &BTreeMap<String, Subscription>,
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        let mut assignment = empty_assignment(subscriptions);
        // BTreeMap iteration keeps each topic's member list sorted by id.
        let mut members_per_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (member, subscription) in subscriptions {
            let topics: BTreeSet<&str> = subscription.topics.iter().map(String::as_str).collect();
            for topic in topics {
                members_per_topic.entry(topic).or_default().push(member);
            }
        }
        for (topic, members) in members_per_topic {
            let Some(count) = partition_count(partitions_per_topic, topic) else {
                continue;
            };
            let (count, m) = (i64::from(count), members.len() as i64);
            let (per_member, with_extra) = (count / m, count % m);
            for (i, member) in (0i64..).zip(members) {
                let start = per_member * i + i.min(with_extra);
                let len = per_member + i64::from(i < with_extra);
                if let Some(partitions) = assignment.get_mut(member) {
                    partitions.extend(
                        (start..start + len)
                            .filter_map(|p| i32::try_from(p).ok())
                            .map(|p| TopicPartition::new(topic, p)),
                    );
                }
            }
        }
        assignment
    }
}

/// Java's `CooperativeStickyAssignor`: a balanced assignment (member counts
/// differ by at most one when subscriptions allow it) that keeps each
/// member's owned partitions wherever balance permits, and never hands a
/// partition still owned by one member to another in the same rebalance:
/// such a partition is only taken from its owner, and the rebalance that
/// follows the revocation assigns it.
///
/// Ownership claims come from `Subscription::owned_partitions`. When several
/// members claim a partition, the claim with the newest generation wins;
/// members tied at the newest generation all lose it, and it is withheld for
/// a round. Members that sent no generation field (protocol < 2) are read
/// from the 4-byte generation Java puts in the user data.
#[derive(Debug, Clone, Copy, Default)]
pub struct CooperativeStickyAssignor;

impl CooperativeStickyAssignor {
    pub const NAME: &'static str = "cooperative-sticky";
}

impl PartitionAssignor for CooperativeStickyAssignor {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn protocol_kind(&self) -> RebalanceProtocol {
        RebalanceProtocol::Cooperative
    }

    /// The generation as a big-endian `i32`, exactly what Java's assignor
    /// sends (its `COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_V0`).
    fn subscription_user_data(&self, generation: i32) -> Option<Bytes> {
        Some(Bytes::copy_from_slice(&generation.to_be_bytes()))
    }

    fn assign(
        &self,
        partitions_per_topic: &BTreeMap<String, i32>,
        subscriptions: &BTreeMap<String, Subscription>,
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        let state = StickyState::new(partitions_per_topic, subscriptions);
        let mut assignment = if state.all_subscriptions_equal() {
            state.constrained_assign()
        } else {
            state.general_assign()
        };
        // The cooperative part: a partition some other member still holds
        // is revoked this round and assigned in the next.
        for (member, partitions) in assignment.iter_mut() {
            partitions.retain(|tp| match state.holders.get(tp) {
                None => true,
                Some(holders) => holders.len() == 1 && holders.contains(*member),
            });
        }
        let mut out = empty_assignment(subscriptions);
        for (member, partitions) in assignment {
            if let Some(slot) = out.get_mut(member) {
                *slot = partitions;
            }
        }
        out
    }
}

/// The generation a member's owned partitions belong to (Java's
/// `CooperativeStickyAssignor.memberData`).
fn member_generation(subscription: &Subscription) -> i32 {
    if let Some(generation) = subscription.generation() {
        return generation;
    }
    match subscription.user_data.as_deref() {
        None => NO_GENERATION,
        Some(data) => data
            .get(..4)
            .and_then(|head| <[u8; 4]>::try_from(head).ok())
            .map_or(NO_GENERATION, i32::from_be_bytes),
    }
}

/// The inputs of one sticky assignment, normalised: existing topics only,
/// claims resolved by generation.
struct StickyState<'a> {
    /// Members in id order.
    members: Vec<&'a str>,
    /// Each member's subscribed topics that exist and have partitions.
    topics: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Every partition of every subscribed topic, sorted.
    partitions: Vec<TopicPartition>,
    /// Per claimed partition, the members claiming it at the newest
    /// generation seen for it: its current holders, who must give it up
    /// before anyone else may get it.
    holders: BTreeMap<TopicPartition, BTreeSet<&'a str>>,
    /// What each member may keep: partitions it alone holds, of topics it
    /// still subscribes to.
    owned: BTreeMap<&'a str, Vec<TopicPartition>>,
}

impl<'a> StickyState<'a> {
    fn new(
        partitions_per_topic: &BTreeMap<String, i32>,
        subscriptions: &'a BTreeMap<String, Subscription>,
    ) -> Self {
        let members: Vec<&str> = subscriptions.keys().map(String::as_str).collect();
        let topics: BTreeMap<&str, BTreeSet<&str>> = subscriptions
            .iter()
            .map(|(member, subscription)| {
                let topics = subscription
                    .topics
                    .iter()
                    .map(String::as_str)
                    .filter(|t| partition_count(partitions_per_topic, t).is_some())
                    .collect();
                (member.as_str(), topics)
            })
            .collect();
        let all_topics: BTreeSet<&str> = topics.values().flatten().copied().collect();
        let partitions: Vec<TopicPartition> = all_topics
            .iter()
            .flat_map(|&topic| {
                let count = partition_count(partitions_per_topic, topic).unwrap_or(0);
                (0..count).map(move |p| TopicPartition::new(topic, p))
            })
            .collect();

        // Claims on partitions that exist, whether or not the claimant still
        // subscribes: it consumes them until it revokes them.
        let mut claims: BTreeMap<&TopicPartition, Vec<(&str, i32)>> = BTreeMap::new();
        for (member, subscription) in subscriptions {
            let generation = member_generation(subscription);
            let owned: BTreeSet<&TopicPartition> = subscription.owned_partitions.iter().collect();
            for tp in owned {
                let exists = partition_count(partitions_per_topic, &tp.topic)
                    .is_some_and(|n| (0..n).contains(&tp.partition))
                    && all_topics.contains(tp.topic.as_str());
                if exists {
                    claims
                        .entry(tp)
                        .or_default()
                        .push((member.as_str(), generation));
                }
            }
        }
        let mut holders: BTreeMap<TopicPartition, BTreeSet<&str>> = BTreeMap::new();
        let mut owned: BTreeMap<&str, Vec<TopicPartition>> = BTreeMap::new();
        for (tp, claimants) in claims {
            let newest = claimants
                .iter()
                .map(|&(_, g)| g)
                .max()
                .unwrap_or(NO_GENERATION);
            let current: BTreeSet<&str> = claimants
                .iter()
                .filter(|&&(_, g)| g == newest)
                .map(|&(m, _)| m)
                .collect();
            if let [only] = current.iter().copied().collect::<Vec<_>>()[..] {
                if topics
                    .get(only)
                    .is_some_and(|t| t.contains(tp.topic.as_str()))
                {
                    owned.entry(only).or_default().push(tp.clone());
                }
            }
            holders.insert(tp.clone(), current);
        }
        StickyState {
            members,
            topics,
            partitions,
            holders,
            owned,
        }
    }

    fn all_subscriptions_equal(&self) -> bool {
        let mut sets = self.topics.values();
        match sets.next() {
            None => true,
            Some(first) => sets.all(|s| s == first),
        }
    }

    fn owned_by(&self, member: &str) -> Vec<TopicPartition> {
        self.owned.get(member).cloned().unwrap_or_default()
    }

    /// Java's `ConstrainedAssignmentBuilder`, for identical subscriptions:
    /// with `n` partitions over `m` members everyone gets `n / m`, and
    /// `n % m` members one more. Each member keeps up to its quota of what it
    /// owns; the rest goes, least loaded first, to members under quota.
    fn constrained_assign(&self) -> BTreeMap<&'a str, Vec<TopicPartition>> {
        let mut assignment: BTreeMap<&str, Vec<TopicPartition>> = BTreeMap::new();
        if self.members.is_empty() {
            return assignment;
        }
        let (n, m) = (self.partitions.len(), self.members.len());
        let min_quota = n / m;
        let max_quota = n.div_ceil(m);
        let expected_over = n % m;
        let mut over = 0usize;
        let mut taken: BTreeSet<TopicPartition> = BTreeSet::new();
        for &member in &self.members {
            // As Java: keep the lowest partition numbers across topics.
            let mut mine = self.owned_by(member);
            mine.sort_by(|a, b| (a.partition, &a.topic).cmp(&(b.partition, &b.topic)));
            let keep = if mine.len() <= min_quota {
                mine.len()
            } else if mine.len() >= max_quota && over < expected_over {
                over += 1;
                max_quota
            } else {
                min_quota
            };
            mine.truncate(keep);
            taken.extend(mine.iter().cloned());
            assignment.insert(member, mine);
        }
        // Least loaded first, ties by member id. Being under quota only gets
        // harder as the count grows, so when the least loaded member is full
        // everyone is; the quota arithmetic rules that out while partitions
        // remain, and a partition is never dropped regardless.
        let mut by_load: BTreeSet<(usize, &str)> = assignment
            .iter()
            .map(|(&member, partitions)| (partitions.len(), member))
            .collect();
        for tp in self.partitions.iter().filter(|tp| !taken.contains(*tp)) {
            let Some((count, member)) = by_load.pop_first() else {
                break;
            };
            assignment.entry(member).or_default().push(tp.clone());
            by_load.insert((count + 1, member));
        }
        assignment
    }

    /// Java's `GeneralAssignmentBuilder`, for differing subscriptions: keep
    /// every valid owned partition, give the rest to the least loaded
    /// eligible member (most constrained partitions first), then move single
    /// partitions from more to less loaded members while that narrows the
    /// gap. As balanced as single moves can make it.
    fn general_assign(&self) -> BTreeMap<&'a str, Vec<TopicPartition>> {
        // Members by index (id order) so that loads are cheap to look up.
        let mut lists: Vec<Vec<TopicPartition>> = self
            .members
            .iter()
            .map(|&member| self.owned_by(member))
            .collect();
        let owned: Vec<BTreeSet<TopicPartition>> = lists
            .iter()
            .map(|list| list.iter().cloned().collect())
            .collect();
        let mut members_per_topic: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, member) in self.members.iter().enumerate() {
            for &topic in self.topics.get(member).into_iter().flatten() {
                members_per_topic.entry(topic).or_default().push(index);
            }
        }
        let eligible = |topic: &str| members_per_topic.get(topic).map_or(&[][..], Vec::as_slice);

        let taken: BTreeSet<&TopicPartition> = owned.iter().flatten().collect();
        let mut unassigned: Vec<&TopicPartition> = self
            .partitions
            .iter()
            .filter(|tp| !taken.contains(tp))
            .collect();
        unassigned.sort_by_key(|tp| (eligible(&tp.topic).len(), *tp));
        for tp in unassigned {
            let least = eligible(&tp.topic)
                .iter()
                .copied()
                .min_by_key(|&i| (lists[i].len(), i));
            if let Some(i) = least {
                lists[i].push(tp.clone());
            }
        }

        // Each move lowers the sum of squared loads, so this ends.
        loop {
            let mut by_load: Vec<usize> = (0..lists.len()).collect();
            by_load.sort_by_key(|&i| (std::cmp::Reverse(lists[i].len()), i));
            let lightest = lists.iter().map(Vec::len).min().unwrap_or(0);
            let mut step: Option<(usize, usize, usize)> = None;
            'search: for &from in &by_load {
                let load = lists[from].len();
                if load <= lightest + 1 {
                    break; // neither this member nor any lighter one can give
                }
                // The least loaded other subscriber, per topic.
                let mut target_for: BTreeMap<&str, Option<usize>> = BTreeMap::new();
                // Prefer moving what the member did not own before.
                for previously_owned in [false, true] {
                    for (index, tp) in lists[from].iter().enumerate() {
                        if owned[from].contains(tp) != previously_owned {
                            continue;
                        }
                        let target = *target_for.entry(tp.topic.as_str()).or_insert_with(|| {
                            eligible(&tp.topic)
                                .iter()
                                .copied()
                                .filter(|&to| to != from)
                                .min_by_key(|&to| (lists[to].len(), to))
                        });
                        if let Some(to) = target.filter(|&to| lists[to].len() + 1 < load) {
                            step = Some((from, index, to));
                            break 'search;
                        }
                    }
                }
            }
            let Some((from, index, to)) = step else {
                break;
            };
            if index < lists[from].len() {
                let tp = lists[from].remove(index);
                lists[to].push(tp);
            }
        }
        self.members.iter().copied().zip(lists).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    fn topics(spec: &[(&str, i32)]) -> BTreeMap<String, i32> {
        spec.iter().map(|&(t, n)| (t.to_string(), n)).collect()
    }

    fn subscribe(members: &[&str], to: &[&str]) -> BTreeMap<String, Subscription> {
        members
            .iter()
            .map(|m| {
                let topics = to.iter().map(|t| t.to_string()).collect();
                (m.to_string(), Subscription::new(topics))
            })
            .collect()
    }

    /// The next round's subscriptions: each member reports what it was
    /// given as owned, at `generation`.
    fn after(
        subscriptions: &BTreeMap<String, Subscription>,
        assignment: &BTreeMap<String, Vec<TopicPartition>>,
        generation: i32,
    ) -> BTreeMap<String, Subscription> {
        subscriptions
            .iter()
            .map(|(member, sub)| {
                let mut next = sub.clone();
                next.owned_partitions = assignment.get(member).cloned().unwrap_or_default();
                next.generation_id = generation;
                (member.clone(), next)
            })
            .collect()
    }

    fn assert_disjoint(assignment: &BTreeMap<String, Vec<TopicPartition>>) {
        let mut seen = BTreeSet::new();
        for (member, partitions) in assignment {
            for tp in partitions {
                assert!(seen.insert(tp.clone()), "{tp} assigned twice ({member})");
            }
        }
    }

    fn total(assignment: &BTreeMap<String, Vec<TopicPartition>>) -> usize {
        assignment.values().map(Vec::len).sum()
    }

    fn assert_balanced(assignment: &BTreeMap<String, Vec<TopicPartition>>) {
        let counts: Vec<usize> = assignment.values().map(Vec::len).collect();
        let (min, max) = (
            counts.iter().min().copied().unwrap_or(0),
            counts.iter().max().copied().unwrap_or(0),
        );
        assert!(max - min <= 1, "unbalanced: {assignment:?}");
    }

    /// No partition a member reported as owned goes to another member.
    fn assert_only_revokes(
        subscriptions: &BTreeMap<String, Subscription>,
        assignment: &BTreeMap<String, Vec<TopicPartition>>,
    ) {
        for (member, partitions) in assignment {
            for tp in partitions {
                for (other, sub) in subscriptions {
                    if other != member {
                        assert!(
                            !sub.owned_partitions.contains(tp),
                            "{tp} moved from {other} to {member} in one round"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn range_matches_javas_documented_example() {
        let assignment = RangeAssignor.assign(
            &topics(&[("t0", 3), ("t1", 3)]),
            &subscribe(&["C0", "C1"], &["t0", "t1"]),
        );
        assert_eq!(
            assignment["C0"],
            [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)]
        );
        assert_eq!(assignment["C1"], [tp("t0", 2), tp("t1", 2)]);
    }

    #[test]
    fn range_gives_the_extra_partitions_to_the_first_members() {
        let assignment =
            RangeAssignor.assign(&topics(&[("t", 7)]), &subscribe(&["c", "a", "b"], &["t"]));
        let ranges: Vec<Vec<i32>> = assignment
            .values()
            .map(|ps| ps.iter().map(|tp| tp.partition).collect())
            .collect();
        assert_eq!(ranges, [vec![0, 1, 2], vec![3, 4], vec![5, 6]]);
    }

    #[test]
    fn range_skips_unknown_topics_and_lists_idle_members() {
        let mut subscriptions = subscribe(&["a", "b", "c"], &["t"]);
        subscriptions.insert("d".into(), Subscription::new(vec!["missing".into()]));
        let assignment = RangeAssignor.assign(&topics(&[("t", 2)]), &subscriptions);
        assert_eq!(assignment.len(), 4);
        assert_eq!(assignment["a"], [tp("t", 0)]);
        assert_eq!(assignment["b"], [tp("t", 1)]);
        assert!(assignment["c"].is_empty());
        assert!(assignment["d"].is_empty());
    }

    #[test]
    fn range_only_assigns_to_subscribers_of_each_topic() {
        let mut subscriptions = subscribe(&["a"], &["t0", "t1"]);
        subscriptions.insert("b".into(), Subscription::new(vec!["t1".into()]));
        let assignment = RangeAssignor.assign(&topics(&[("t0", 2), ("t1", 2)]), &subscriptions);
        assert_eq!(assignment["a"], [tp("t0", 0), tp("t0", 1), tp("t1", 0)]);
        assert_eq!(assignment["b"], [tp("t1", 1)]);
    }

    #[test]
    fn names_and_protocols() {
        for name in ["range", "org.apache.kafka.clients.consumer.RangeAssignor"] {
            let assignor = assignor_by_name(name).unwrap();
            assert_eq!(assignor.name(), "range");
            assert_eq!(assignor.protocol_kind(), RebalanceProtocol::Eager);
        }
        for name in [
            "cooperative-sticky",
            " org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        ] {
            let assignor = assignor_by_name(name).unwrap();
            assert_eq!(assignor.name(), "cooperative-sticky");
            assert_eq!(assignor.protocol_kind(), RebalanceProtocol::Cooperative);
        }
        assert!(assignor_by_name("roundrobin").is_none());
        assert_eq!(RebalanceProtocol::Cooperative.id(), 1);
        assert_eq!(RangeAssignor.subscription_user_data(3), None);
        assert_eq!(
            CooperativeStickyAssignor
                .subscription_user_data(3)
                .as_deref(),
            Some(&[0u8, 0, 0, 3][..])
        );
    }

    #[test]
    fn sticky_first_assignment_is_balanced_and_complete() {
        let subscriptions = subscribe(&["a", "b", "c"], &["t0", "t1"]);
        let assignment =
            CooperativeStickyAssignor.assign(&topics(&[("t0", 4), ("t1", 3)]), &subscriptions);
        assert_disjoint(&assignment);
        assert_balanced(&assignment);
        assert_eq!(total(&assignment), 7);
    }

    #[test]
    fn sticky_join_revokes_first_then_balances() {
        let partitions = topics(&[("t0", 3), ("t1", 3)]);
        let two = subscribe(&["a", "b"], &["t0", "t1"]);
        let gen1 = CooperativeStickyAssignor.assign(&partitions, &two);
        assert_eq!(total(&gen1), 6);

        // "c" joins owning nothing.
        let mut three = after(&two, &gen1, 1);
        three.insert(
            "c".into(),
            Subscription::new(vec!["t0".into(), "t1".into()]),
        );
        let gen2 = CooperativeStickyAssignor.assign(&partitions, &three);
        assert_disjoint(&gen2);
        assert_only_revokes(&three, &gen2);
        assert!(gen2["c"].is_empty(), "c got owned partitions: {gen2:?}");
        assert_eq!(total(&gen2), 4, "two partitions are revoked: {gen2:?}");
        for member in ["a", "b"] {
            assert!(gen2[member].iter().all(|tp| gen1[member].contains(tp)));
        }

        // The follow-up rebalance hands out what was revoked.
        let three = after(&three, &gen2, 2);
        let gen3 = CooperativeStickyAssignor.assign(&partitions, &three);
        assert_disjoint(&gen3);
        assert_only_revokes(&three, &gen3);
        assert_balanced(&gen3);
        assert_eq!(total(&gen3), 6);
        for member in ["a", "b"] {
            assert_eq!(gen3[member], gen2[member], "{member} kept its partitions");
        }
    }

    #[test]
    fn sticky_leave_redistributes_at_once() {
        let partitions = topics(&[("t", 9)]);
        let three = subscribe(&["a", "b", "c"], &["t"]);
        let gen1 = CooperativeStickyAssignor.assign(&partitions, &three);
        assert_balanced(&gen1);

        let mut two = after(&three, &gen1, 1);
        two.remove("c");
        let gen2 = CooperativeStickyAssignor.assign(&partitions, &two);
        assert_disjoint(&gen2);
        assert_balanced(&gen2);
        assert_eq!(total(&gen2), 9);
        for member in ["a", "b"] {
            assert!(gen1[member].iter().all(|tp| gen2[member].contains(tp)));
        }
    }

    #[test]
    fn sticky_newer_generation_wins_a_contested_partition() {
        let partitions = topics(&[("t", 2)]);
        let mut subscriptions = subscribe(&["a", "b"], &["t"]);
        if let Some(a) = subscriptions.get_mut("a") {
            a.owned_partitions = vec![tp("t", 0), tp("t", 1)];
            a.generation_id = 4;
        }
        if let Some(b) = subscriptions.get_mut("b") {
            b.owned_partitions = vec![tp("t", 0)];
            b.generation_id = 5;
        }
        let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
        assert_eq!(assignment["b"], [tp("t", 0)]);
        assert_eq!(assignment["a"], [tp("t", 1)]);
    }

    #[test]
    fn sticky_generation_falls_back_to_java_user_data() {
        let partitions = topics(&[("t", 1)]);
        let mut subscriptions = subscribe(&["a", "b"], &["t"]);
        for (member, generation) in [("a", 2), ("b", 9)] {
            if let Some(sub) = subscriptions.get_mut(member) {
                sub.owned_partitions = vec![tp("t", 0)];
                sub.user_data = CooperativeStickyAssignor.subscription_user_data(generation);
            }
        }
        let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
        assert_eq!(assignment["b"], [tp("t", 0)]);
        assert!(assignment["a"].is_empty());
    }

    #[test]
    fn sticky_same_generation_conflict_is_withheld_for_a_round() {
        let partitions = topics(&[("t", 2)]);
        let mut subscriptions = subscribe(&["a", "b"], &["t"]);
        for sub in subscriptions.values_mut() {
            sub.owned_partitions = vec![tp("t", 0)];
            sub.generation_id = 3;
        }
        let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
        assert_disjoint(&assignment);
        assert!(assignment.values().all(|ps| !ps.contains(&tp("t", 0))));
        assert_eq!(total(&assignment), 1);
    }

    #[test]
    fn sticky_unequal_subscriptions_respect_topics() {
        let partitions = topics(&[("t0", 4), ("t1", 2)]);
        let mut subscriptions = subscribe(&["a"], &["t0"]);
        subscriptions.insert(
            "b".into(),
            Subscription::new(vec!["t0".into(), "t1".into()]),
        );
        let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
        assert_disjoint(&assignment);
        assert_balanced(&assignment);
        assert_eq!(total(&assignment), 6);
        assert!(assignment["a"].iter().all(|tp| tp.topic == "t0"));
    }

    #[test]
    fn sticky_ignores_claims_on_vanished_partitions_and_handles_no_members() {
        let partitions = topics(&[("t", 2)]);
        let mut subscriptions = subscribe(&["a"], &["t", "gone"]);
        if let Some(a) = subscriptions.get_mut("a") {
            a.owned_partitions = vec![tp("t", 5), tp("gone", 0), tp("t", -1)];
            a.generation_id = 1;
        }
        let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
        assert_eq!(assignment["a"], [tp("t", 0), tp("t", 1)]);
        assert!(CooperativeStickyAssignor
            .assign(&partitions, &BTreeMap::new())
            .is_empty());
    }

    prop_compose! {
        fn arb_group()(
            counts in proptest::collection::vec(0..6i32, 1..4),
            members in 1..6usize,
            seed in proptest::collection::vec(any::<u16>(), 64),
            equal in any::<bool>(),
        ) -> (BTreeMap<String, i32>, BTreeMap<String, Subscription>) {
            let partitions: BTreeMap<String, i32> = counts
                .iter()
                .enumerate()
                .map(|(i, &n)| (format!("t{i}"), n))
                .collect();
            let names: Vec<String> = partitions.keys().cloned().collect();
            let mut noise = seed.into_iter().cycle();
            let mut subscriptions = BTreeMap::new();
            for m in 0..members {
                let topics: Vec<String> = if equal {
                    names.clone()
                } else {
                    names
                        .iter()
                        .filter(|_| noise.next().unwrap_or(0) % 2 == 0)
                        .cloned()
                        .collect()
                };
                let mut sub = Subscription::new(topics);
                // Random, possibly overlapping, possibly stale claims.
                for (topic, &n) in &partitions {
                    for p in 0..n {
                        if noise.next().unwrap_or(0) % 3 == 0 {
                            sub.owned_partitions.push(TopicPartition::new(topic.clone(), p));
                        }
                    }
                }
                sub.generation_id = i32::from(noise.next().unwrap_or(0) % 3) - 1;
                subscriptions.insert(format!("m{m}"), sub);
            }
            (partitions, subscriptions)
        }
    }

    proptest! {
        #[test]
        fn sticky_invariants_hold_and_converge((partitions, subscriptions) in arb_group()) {
            let mut subscriptions = subscriptions;
            for generation in 10..14 {
                let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
                prop_assert_eq!(assignment.len(), subscriptions.len());
                let mut seen = BTreeSet::new();
                for (member, owned) in &assignment {
                    let sub = &subscriptions[member];
                    for tp in owned {
                        prop_assert!(seen.insert(tp.clone()), "{} twice", tp);
                        prop_assert!(sub.topics.contains(&tp.topic));
                        prop_assert!(tp.partition >= 0 && tp.partition < partitions[&tp.topic]);
                    }
                }
                subscriptions = after(&subscriptions, &assignment, generation);
            }
            // Two clean rounds suffice: the last assignment is complete, and
            // balanced when everyone subscribes to the same topics.
            let last = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
            let subscribed: BTreeSet<&String> =
                subscriptions.values().flat_map(|s| s.topics.iter()).collect();
            let expected: i32 = partitions
                .iter()
                .filter(|(t, _)| subscribed.contains(t))
                .map(|(_, n)| n)
                .sum();
            prop_assert_eq!(total(&last) as i32, expected);
            let topic_sets: BTreeSet<&Vec<String>> = subscriptions.values().map(|s| &s.topics).collect();
            if topic_sets.len() == 1 {
                let counts: Vec<usize> = last.values().map(Vec::len).collect();
                let spread = counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0);
                prop_assert!(spread <= 1, "unbalanced {:?}", last);
            }
            // And stable: nothing moves once settled.
            prop_assert_eq!(&last, &CooperativeStickyAssignor.assign(&partitions, &after(&subscriptions, &last, 20)));
        }

        #[test]
        fn sticky_never_moves_a_held_partition_in_one_round((partitions, subscriptions) in arb_group()) {
            let assignment = CooperativeStickyAssignor.assign(&partitions, &subscriptions);
            // A partition goes to someone other than its claimants only if
            // all their claims are older than another claim (stale).
            for (member, owned) in &assignment {
                for tp in owned {
                    let newest = subscriptions
                        .values()
                        .filter(|s| s.owned_partitions.contains(tp))
                        .map(|s| s.generation_id)
                        .max();
                    for (other, sub) in &subscriptions {
                        if other != member && sub.owned_partitions.contains(tp) {
                            prop_assert!(Some(sub.generation_id) < newest,
                                "{} moved from {} to {}", tp, other, member);
                        }
                    }
                }
            }
        }
    }
}
