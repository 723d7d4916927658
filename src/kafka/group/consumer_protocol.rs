//! The "consumer" group protocol's member metadata (what a member sends in
//! JoinGroup) and assignment (what the leader hands out in SyncGroup), byte
//! for byte as Java writes them. Mirrors
//! `org.apache.kafka.clients.consumer.internals.ConsumerProtocol`.
//!
//! The wire form is an `i16` big-endian version followed by the
//! `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment` message
//! encoded at that version. As in Java, a reader accepts any version `>= 0`:
//! newer versions only append fields, so they are read with the newest layout
//! this crate knows and whatever follows is ignored.
//!
//! Encoding goes through the `kafka-protocol` codecs. Decoding is done here by
//! hand: the crate sizes its vectors from the array count on the wire before
//! reading a single element, so a corrupt count from another member could ask
//! for gigabytes and abort the process. This reader never allocates more than
//! the input can actually hold.

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::messages::{
    consumer_protocol_assignment, consumer_protocol_subscription, ConsumerProtocolAssignment,
    ConsumerProtocolSubscription, TopicName,
};
use kafka_protocol::protocol::{Encodable, StrBytes};

use crate::kafka::error::{Error, Result};

/// The protocol type a consumer group member names in JoinGroup.
pub const PROTOCOL_TYPE: &str = "consumer";

/// The newest subscription / assignment version this module knows; also the
/// version we send by default (Java's `HIGHEST_SUPPORTED_VERSION`).
pub const HIGHEST_VERSION: i16 = 3;

/// Java's "no generation" marker (`DEFAULT_GENERATION`).
pub const NO_GENERATION: i32 = -1;

/// One partition of one topic (Java's `org.apache.kafka.common.TopicPartition`).
/// Orders by topic, then partition, as Java's comparators do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    /// `topic-partition`, as Java prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A member's subscription: the metadata it sends in JoinGroup under the
/// "consumer" protocol type (Java's `ConsumerPartitionAssignor.Subscription`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Topics the member wants to consume.
    pub topics: Vec<String>,
    /// Assignor-specific data, passed to the leader untouched.
    pub user_data: Option<Bytes>,
    /// Partitions the member currently owns (version 1+); the sticky
    /// assignors keep them where they can and the cooperative protocol
    /// revokes them before they move.
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation in which `owned_partitions` were assigned (version 2+),
    /// or [`NO_GENERATION`]; lets the leader discard stale claims.
    pub generation_id: i32,
    /// The member's `client.rack` (version 3+).
    pub rack_id: Option<String>,
}

impl Default for Subscription {
    fn default() -> Self {
        Subscription {
            topics: Vec::new(),
            user_data: None,
            owned_partitions: Vec::new(),
            generation_id: NO_GENERATION,
            rack_id: None,
        }
    }
}

impl Subscription {
    /// A subscription to `topics` that owns nothing yet.
    pub fn new(topics: Vec<String>) -> Self {
        Subscription {
            topics,
            ..Subscription::default()
        }
    }

    /// The generation, if the member sent one (Java maps negatives to empty).
    pub fn generation(&self) -> Option<i32> {
        (self.generation_id >= 0).then_some(self.generation_id)
    }

    /// Version-prefixed bytes at `version` (versions above
    /// [`HIGHEST_VERSION`] are written as the highest, as Java does). Topics
    /// and owned partitions are sorted first, like Java's serializer. Fails
    /// on a negative version or a string too long for the wire.
    pub fn encode(&self, version: i16) -> Result<Bytes> {
        let version = encode_version(version, "ConsumerProtocolSubscription")?;
        let mut topics: Vec<&String> = self.topics.iter().collect();
        topics.sort();
        let mut owned: Vec<&TopicPartition> = self.owned_partitions.iter().collect();
        owned.sort();
        let mut owned_partitions: Vec<consumer_protocol_subscription::TopicPartition> = Vec::new();
        for tp in owned {
            match owned_partitions.last_mut() {
                Some(last) if last.topic.0.as_str() == tp.topic => {
                    last.partitions.push(tp.partition)
                }
                _ => owned_partitions.push(
                    consumer_protocol_subscription::TopicPartition::default()
                        .with_topic(topic_name(&tp.topic))
                        .with_partitions(vec![tp.partition]),
                ),
            }
        }
        let message = ConsumerProtocolSubscription::default()
            .with_topics(
                topics
                    .into_iter()
                    .map(|t| StrBytes::from_string(t.clone()))
                    .collect(),
            )
            .with_user_data(self.user_data.clone())
            .with_owned_partitions(owned_partitions)
            .with_generation_id(self.generation_id)
            .with_rack_id(self.rack_id.clone().map(StrBytes::from_string));
        prefixed(&message, version, "ConsumerProtocolSubscription")
    }

    /// Reads version-prefixed subscription bytes from any version `>= 0`.
    pub fn decode(bytes: Bytes) -> Result<Subscription> {
        const WHAT: &str = "consumer protocol subscription";
        let mut r = Reader::new(bytes, WHAT);
        let version = r.version()?;
        let topics = r.array(2, |r| r.string())?;
        let user_data = r.nullable_bytes()?;
        let owned_partitions = if version >= 1 {
            r.topic_partitions()?
        } else {
            Vec::new()
        };
        let generation_id = if version >= 2 {
            r.i32()?
        } else {
            NO_GENERATION
        };
        // Java treats an empty rack like an absent one.
        let rack_id = if version >= 3 {
            r.nullable_string()?.filter(|rack| !rack.is_empty())
        } else {
            None
        };
        Ok(Subscription {
            topics,
            user_data,
            owned_partitions,
            generation_id,
            rack_id,
        })
    }
}

/// What the leader gives one member (Java's
/// `ConsumerPartitionAssignor.Assignment`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    /// The partitions this member is to consume.
    pub partitions: Vec<TopicPartition>,
    /// Assignor-specific data for the member.
    pub user_data: Option<Bytes>,
}

impl Assignment {
    /// Version-prefixed bytes at `version` (clamped to [`HIGHEST_VERSION`]).
    /// Partitions are grouped by topic in order of first appearance, as Java
    /// does. Fails on a negative version or an over-long topic name.
    pub fn encode(&self, version: i16) -> Result<Bytes> {
        let version = encode_version(version, "ConsumerProtocolAssignment")?;
        let mut by_topic: IndexMap<&str, Vec<i32>> = IndexMap::new();
        for tp in &self.partitions {
            by_topic
                .entry(tp.topic.as_str())
                .or_default()
                .push(tp.partition);
        }
        let message = ConsumerProtocolAssignment::default()
            .with_assigned_partitions(
                by_topic
                    .into_iter()
                    .map(|(topic, partitions)| {
                        consumer_protocol_assignment::TopicPartition::default()
                            .with_topic(topic_name(topic))
                            .with_partitions(partitions)
                    })
                    .collect(),
            )
            .with_user_data(self.user_data.clone());
        prefixed(&message, version, "ConsumerProtocolAssignment")
    }

    /// Reads version-prefixed assignment bytes from any version `>= 0`.
    /// Zero bytes (what the coordinator hands a member the leader left out)
    /// read as an empty assignment.
    pub fn decode(bytes: Bytes) -> Result<Assignment> {
        if bytes.is_empty() {
            return Ok(Assignment::default());
        }
        let mut r = Reader::new(bytes, "consumer protocol assignment");
        r.version()?;
        let partitions = r.topic_partitions()?;
        let user_data = r.nullable_bytes()?;
        Ok(Assignment {
            partitions,
            user_data,
        })
    }
}

fn topic_name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_owned()))
}

/// Java's `checkSubscriptionVersion` / `checkAssignmentVersion` on the
/// writing side: negatives are refused, newer versions fall back to ours.
fn encode_version(version: i16, api: &str) -> Result<i16> {
    if version < 0 {
        return Err(Error::Encode {
            api: api.to_owned(),
            message: format!("unsupported version {version}"),
        });
    }
    Ok(version.min(HIGHEST_VERSION))
}

fn prefixed<M: Encodable>(message: &M, version: i16, api: &str) -> Result<Bytes> {
    let mut buf = BytesMut::new();
    buf.put_i16(version);
    message
        .encode(&mut buf, version)
        .map_err(|e| Error::Encode {
            api: api.to_owned(),
            message: e.to_string(),
        })?;
    Ok(buf.freeze())
}

/// A bounds-checked reader over the classic (non-flexible) encoding used by
/// the consumer protocol: big-endian ints, `i16`-length strings, `i32`-length
/// bytes and `i32`-count arrays.
struct Reader {
    buf: Bytes,
    /// Names the structure in error messages.
    what: &'static str,
}

impl Reader {
    fn new(buf: Bytes, what: &'static str) -> Self {
        Reader { buf, what }
    }

    fn malformed(&self, message: impl fmt::Display) -> Error {
        Error::Other(format!("malformed {}: {message}", self.what))
    }

    fn need(&self, n: usize, field: &str) -> Result<()> {
        if self.buf.remaining() < n {
            return Err(self.malformed(format_args!(
                "{field} needs {n} bytes but only {} remain",
                self.buf.remaining()
            )));
        }
        Ok(())
    }

    /// The version prefix; newer versions are read with our newest layout.
    fn version(&mut self) -> Result<i16> {
        self.need(2, "the version header")?;
        let version = self.buf.get_i16();
        if version < 0 {
            return Err(self.malformed(format_args!("unsupported version {version}")));
        }
        Ok(version.min(HIGHEST_VERSION))
    }

    fn i32(&mut self) -> Result<i32> {
        self.need(4, "an int32")?;
        Ok(self.buf.get_i32())
    }

    fn nullable_string(&mut self) -> Result<Option<String>> {
        self.need(2, "a string length")?;
        let len = self.buf.get_i16();
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len)
            .map_err(|_| self.malformed(format_args!("negative string length {len}")))?;
        self.need(len, "a string")?;
        let raw = self.buf.split_to(len);
        String::from_utf8(raw.to_vec())
            .map(Some)
            .map_err(|e| self.malformed(format_args!("string is not UTF-8: {e}")))
    }

    fn string(&mut self) -> Result<String> {
        self.nullable_string()?
            .ok_or_else(|| self.malformed("null in a non-nullable string"))
    }

    fn nullable_bytes(&mut self) -> Result<Option<Bytes>> {
        let len = self.i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len)
            .map_err(|_| self.malformed(format_args!("negative bytes length {len}")))?;
        self.need(len, "the bytes")?;
        Ok(Some(self.buf.split_to(len)))
    }

    /// A non-nullable array whose elements each take at least `min_size`
    /// bytes; the count is checked against what is left before anything is
    /// allocated.
    fn array<T>(
        &mut self,
        min_size: usize,
        mut element: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<Vec<T>> {
        let count = self.i32()?;
        let count = usize::try_from(count)
            .map_err(|_| self.malformed(format_args!("invalid array length {count}")))?;
        if count.saturating_mul(min_size) > self.buf.remaining() {
            return Err(self.malformed(format_args!(
                "array of {count} elements cannot fit in {} bytes",
                self.buf.remaining()
            )));
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(element(self)?);
        }
        Ok(out)
    }

    /// `[topic => [partition]]`, flattened.
    fn topic_partitions(&mut self) -> Result<Vec<TopicPartition>> {
        let groups = self.array(6, |r| {
            let topic = r.string()?;
            let partitions = r.array(4, |r| r.i32())?;
            Ok((topic, partitions))
        })?;
        Ok(groups
            .into_iter()
            .flat_map(|(topic, partitions)| {
                partitions
                    .into_iter()
                    .map(move |partition| TopicPartition::new(topic.clone(), partition))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::protocol::Decodable;
    use proptest::prelude::*;

    fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    /// What a subscription looks like after a trip through `version`: fields
    /// the version lacks fall back to their defaults, lists come back sorted.
    fn expected_after(sub: &Subscription, version: i16) -> Subscription {
        let mut topics = sub.topics.clone();
        topics.sort();
        let mut owned = sub.owned_partitions.clone();
        owned.sort();
        Subscription {
            topics,
            user_data: sub.user_data.clone(),
            owned_partitions: if version >= 1 { owned } else { Vec::new() },
            generation_id: if version >= 2 {
                sub.generation_id
            } else {
                NO_GENERATION
            },
            rack_id: if version >= 3 {
                sub.rack_id.clone().filter(|r| !r.is_empty())
            } else {
                None
            },
        }
    }

    fn sample_subscription() -> Subscription {
        Subscription {
            topics: vec!["orders".into(), "clicks".into()],
            user_data: Some(Bytes::from_static(&[0, 0, 0, 7])),
            owned_partitions: vec![tp("orders", 2), tp("clicks", 0), tp("orders", 0)],
            generation_id: 7,
            rack_id: Some("rack-a".into()),
        }
    }

    #[test]
    fn subscription_round_trips_at_every_version() {
        let sub = sample_subscription();
        for version in 0..=HIGHEST_VERSION {
            let bytes = sub.encode(version).unwrap();
            assert_eq!(&bytes[..2], &version.to_be_bytes());
            let back = Subscription::decode(bytes).unwrap();
            assert_eq!(back, expected_after(&sub, version), "version {version}");
        }
    }

    #[test]
    fn encode_sorts_and_groups_owned_partitions_like_java() {
        let bytes = sample_subscription().encode(1).unwrap();
        let mut body = bytes.slice(2..);
        let decoded = ConsumerProtocolSubscription::decode(&mut body, 1).unwrap();
        let topics: Vec<&str> = decoded.topics.iter().map(|t| t.as_str()).collect();
        assert_eq!(topics, ["clicks", "orders"]);
        let owned: Vec<(&str, Vec<i32>)> = decoded
            .owned_partitions
            .iter()
            .map(|g| (g.topic.0.as_str(), g.partitions.clone()))
            .collect();
        assert_eq!(owned, [("clicks", vec![0]), ("orders", vec![0, 2])]);
    }

    #[test]
    fn v0_subscription_built_by_hand_decodes() {
        let mut raw = BytesMut::new();
        raw.put_i16(0); // version
        raw.put_i32(2); // topics: count
        raw.put_i16(2);
        raw.put_slice(b"t0");
        raw.put_i16(5);
        raw.put_slice(b"topic");
        raw.put_i32(3); // user_data: length
        raw.put_slice(&[1, 2, 3]);
        let sub = Subscription::decode(raw.freeze()).unwrap();
        assert_eq!(sub.topics, ["t0", "topic"]);
        assert_eq!(sub.user_data.as_deref(), Some(&[1u8, 2, 3][..]));
        assert!(sub.owned_partitions.is_empty());
        assert_eq!(sub.generation_id, NO_GENERATION);
        assert_eq!(sub.generation(), None);
        assert_eq!(sub.rack_id, None);

        let mut raw = BytesMut::new();
        raw.put_i16(0);
        raw.put_i32(0);
        raw.put_i32(-1); // null user_data
        let sub = Subscription::decode(raw.freeze()).unwrap();
        assert!(sub.topics.is_empty());
        assert_eq!(sub.user_data, None);
    }

    #[test]
    fn v0_encoding_matches_the_java_layout() {
        let sub = Subscription {
            topics: vec!["b".into(), "a".into()],
            user_data: None,
            ..Subscription::default()
        };
        let bytes = sub.encode(0).unwrap();
        let expected: &[u8] = &[
            0, 0, // version
            0, 0, 0, 2, // topics
            0, 1, b'a', 0, 1, b'b', //
            0xff, 0xff, 0xff, 0xff, // null user_data
        ];
        assert_eq!(&bytes[..], expected);
    }

    #[test]
    fn newer_versions_decode_with_the_newest_known_layout() {
        let sub = sample_subscription();
        let mut raw = BytesMut::from(&sub.encode(HIGHEST_VERSION).unwrap()[..]);
        raw[0..2].copy_from_slice(&9i16.to_be_bytes());
        raw.put_slice(&[0xde, 0xad, 0xbe, 0xef]); // a field from the future
        let back = Subscription::decode(raw.freeze()).unwrap();
        assert_eq!(back, expected_after(&sub, HIGHEST_VERSION));

        let assignment = Assignment {
            partitions: vec![tp("t", 1)],
            user_data: None,
        };
        let mut raw = BytesMut::from(&assignment.encode(1).unwrap()[..]);
        raw[0..2].copy_from_slice(&42i16.to_be_bytes());
        raw.put_slice(&[7; 10]);
        assert_eq!(Assignment::decode(raw.freeze()).unwrap(), assignment);
    }

    #[test]
    fn encode_clamps_new_versions_and_refuses_negative_ones() {
        let sub = sample_subscription();
        assert_eq!(
            sub.encode(12).unwrap(),
            sub.encode(HIGHEST_VERSION).unwrap()
        );
        assert!(matches!(sub.encode(-1), Err(Error::Encode { .. })));
        assert!(Assignment::default().encode(-3).is_err());
    }

    #[test]
    fn over_long_names_fail_to_encode() {
        let sub = Subscription::new(vec!["x".repeat(40_000)]);
        assert!(matches!(sub.encode(3), Err(Error::Encode { .. })));
        let assignment = Assignment {
            partitions: vec![tp(&"y".repeat(40_000), 0)],
            user_data: None,
        };
        assert!(assignment.encode(3).is_err());
    }

    #[test]
    fn empty_rack_reads_as_none() {
        let sub = Subscription {
            rack_id: Some(String::new()),
            ..Subscription::new(vec!["t".into()])
        };
        let back = Subscription::decode(sub.encode(3).unwrap()).unwrap();
        assert_eq!(back.rack_id, None);
    }

    #[test]
    fn assignment_round_trips_and_groups_by_topic() {
        let assignment = Assignment {
            partitions: vec![tp("b", 1), tp("a", 0), tp("b", 0)],
            user_data: Some(Bytes::from_static(b"hello")),
        };
        for version in 0..=HIGHEST_VERSION {
            let back = Assignment::decode(assignment.encode(version).unwrap()).unwrap();
            assert_eq!(back.partitions, [tp("b", 1), tp("b", 0), tp("a", 0)]);
            assert_eq!(back.user_data, assignment.user_data);
        }
    }

    #[test]
    fn empty_assignment_bytes_read_as_empty() {
        assert_eq!(
            Assignment::decode(Bytes::new()).unwrap(),
            Assignment::default()
        );
    }

    #[test]
    fn malformed_bytes_are_errors() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],                                                           // no version
            vec![0],                                                          // half a version
            vec![0xff, 0xff, 0, 0, 0, 0],                                     // negative version
            vec![0, 0, 0, 0, 0],                                              // truncated count
            vec![0, 0, 0x7f, 0xff, 0xff, 0xff],                               // huge topic count
            vec![0, 0, 0xff, 0xff, 0xff, 0xfe], // negative topic count
            vec![0, 0, 0, 0, 0, 1, 0, 9, b'a'], // string shorter than its length
            vec![0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // null topic
            vec![0, 0, 0, 0, 0, 1, 0, 2, 0xc3, 0x28, 0xff, 0xff, 0xff, 0xff], // bad UTF-8
            vec![0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0], // user_data past the end
            vec![0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0], // negative user_data length
            vec![0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], // no generation
        ];
        for raw in cases {
            let result = Subscription::decode(Bytes::from(raw.clone()));
            assert!(
                matches!(result, Err(Error::Other(_))),
                "{raw:?} -> {result:?}"
            );
        }
        let assignments: Vec<Vec<u8>> = vec![
            vec![0],
            vec![0x80, 0],
            vec![0, 1, 0x7f, 0xff, 0xff, 0xff],
            vec![0, 1, 0, 0, 0, 1, 0, 1, b't', 0x40, 0, 0, 0],
            vec![0, 1, 0, 0, 0, 0],
        ];
        for raw in assignments {
            let result = Assignment::decode(Bytes::from(raw.clone()));
            assert!(result.is_err(), "{raw:?} -> {result:?}");
        }
    }

    fn arb_topic() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9._-]{1,12}"
    }

    fn arb_tp() -> impl Strategy<Value = TopicPartition> {
        (arb_topic(), 0..1000i32).prop_map(|(t, p)| TopicPartition::new(t, p))
    }

    fn arb_bytes() -> impl Strategy<Value = Option<Bytes>> {
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..32).prop_map(Bytes::from))
    }

    prop_compose! {
        fn arb_subscription()(
            topics in proptest::collection::vec(arb_topic(), 0..6),
            user_data in arb_bytes(),
            owned_partitions in proptest::collection::vec(arb_tp(), 0..10),
            generation_id in -1..1000i32,
            rack_id in proptest::option::of("[a-z0-9-]{0,8}"),
        ) -> Subscription {
            Subscription { topics, user_data, owned_partitions, generation_id, rack_id }
        }
    }

    proptest! {
        #[test]
        fn subscription_round_trip(sub in arb_subscription(), version in 0..=HIGHEST_VERSION) {
            let bytes = sub.encode(version).unwrap();
            // The crate's own decoder agrees with ours on what we wrote.
            let mut body = bytes.slice(2..);
            let theirs = ConsumerProtocolSubscription::decode(&mut body, version).unwrap();
            prop_assert_eq!(theirs.generation_id, if version >= 2 { sub.generation_id } else { NO_GENERATION });
            prop_assert_eq!(Subscription::decode(bytes).unwrap(), expected_after(&sub, version));
        }

        #[test]
        fn assignment_round_trip(
            partitions in proptest::collection::vec(arb_tp(), 0..12),
            user_data in arb_bytes(),
            version in 0..=HIGHEST_VERSION,
        ) {
            let assignment = Assignment { partitions, user_data };
            let back = Assignment::decode(assignment.encode(version).unwrap()).unwrap();
            // Java groups by topic in order of first appearance.
            let mut grouped: IndexMap<&str, Vec<i32>> = IndexMap::new();
            for tp in &assignment.partitions {
                grouped.entry(tp.topic.as_str()).or_default().push(tp.partition);
            }
            let expected: Vec<TopicPartition> = grouped
                .into_iter()
                .flat_map(|(t, ps)| ps.into_iter().map(move |p| TopicPartition::new(t, p)))
                .collect();
            prop_assert_eq!(back.partitions, expected);
            prop_assert_eq!(back.user_data, assignment.user_data);
        }

        #[test]
        fn garbage_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Subscription::decode(Bytes::from(raw.clone()));
            let _ = Assignment::decode(Bytes::from(raw));
        }

        #[test]
        fn truncations_are_errors(sub in arb_subscription(), version in 0..=HIGHEST_VERSION, cut in 0usize..1000) {
            let bytes = sub.encode(version).unwrap();
            let cut = cut % bytes.len();
            prop_assert!(Subscription::decode(bytes.slice(..cut)).is_err());
        }
    }
}
