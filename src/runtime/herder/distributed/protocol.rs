//! The "connect" group protocol: what a worker sends in JoinGroup (its
//! [`WorkerState`]) and what the leader hands out in SyncGroup (an
//! [`ExtendedAssignment`]), byte for byte as Java writes them. Mirrors
//! `ConnectProtocol` (v0, protocol "default"), `IncrementalCooperativeConnectProtocol`
//! (v1 "compatible", v2 "sessioned"), `ExtendedAssignment`, `ExtendedWorkerState`
//! and `ConnectProtocolCompatibility`.
//!
//! Layout (big-endian; STRING = i16 length + UTF-8; NULLABLE_BYTES = i32
//! length, -1 null; ARRAY = i32 count, -1 null where nullable):
//!
//! - metadata: `version:i16, url:STRING, config_offset:i64` and, from v1,
//!   `allocation:NULLABLE_BYTES` (the member's current assignment encoded as
//!   an assignment of the same version, or null when it has none);
//! - assignment: `version:i16, error:i16, leader:STRING, leader_url:STRING,
//!   config_offset:i64, assignment:ARRAY[{connector:STRING, tasks:ARRAY[i32]}]`
//!   and, from v1, `revoked:ARRAY[...]` and `delay:i32`.
//!
//! As in Java, readers accept any version `>= 0` and read the v1 layout,
//! tolerating missing trailing fields (a v0 assignment simply ends before
//! `revoked`): a missing array is empty, a missing delay is 0, a missing
//! allocation is null. A field that starts but is cut short is an error.
//!
//! Task id -1 ([`CONNECTOR_TASK`]) stands for the connector instance itself.
//! Java groups an assignment by connector in hash order; we write connectors
//! in name order, the instance (-1) first and then the tasks in ascending
//! order, which Java reads the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::runtime::status::ConnectorTaskId;

/// Version of the eager protocol ("default").
pub const CONNECT_PROTOCOL_V0: i16 = 0;
/// Version of the incremental cooperative protocol ("compatible").
pub const CONNECT_PROTOCOL_V1: i16 = 1;
/// Version of the incremental cooperative protocol with session keys
/// ("sessioned", KIP-507): schematically identical to v1.
pub const CONNECT_PROTOCOL_V2: i16 = 2;
/// The task id that stands for the connector instance in an assignment.
pub const CONNECTOR_TASK: i32 = -1;
/// The group's protocol type in JoinGroup / SyncGroup.
pub const PROTOCOL_TYPE: &str = "connect";

/// Assignment error: none.
pub const NO_ERROR: i16 = 0;
/// Assignment error: the leader's config is behind a member's; read the
/// config topic to the end and rejoin.
pub const CONFIG_MISMATCH: i16 = 1;

/// Bytes that do not follow the layout (Java's `SchemaException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Connect protocol data: {0}")]
pub struct SchemaError(pub String);

type Result<T> = std::result::Result<T, SchemaError>;

/// `connect.protocol`: which protocols a worker offers (Java's
/// `ConnectProtocolCompatibility`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConnectProtocolCompatibility {
    /// Protocol "default", v0: every rebalance revokes everything.
    Eager,
    /// Protocol "compatible", v1: incremental cooperative rebalancing.
    Compatible,
    /// Protocol "sessioned", v2: v1 plus signed internal requests.
    Sessioned,
}

impl ConnectProtocolCompatibility {
    /// The protocol name in JoinGroup.
    pub fn protocol(self) -> &'static str {
        match self {
            ConnectProtocolCompatibility::Eager => "default",
            ConnectProtocolCompatibility::Compatible => "compatible",
            ConnectProtocolCompatibility::Sessioned => "sessioned",
        }
    }

    pub fn protocol_version(self) -> i16 {
        match self {
            ConnectProtocolCompatibility::Eager => CONNECT_PROTOCOL_V0,
            ConnectProtocolCompatibility::Compatible => CONNECT_PROTOCOL_V1,
            ConnectProtocolCompatibility::Sessioned => CONNECT_PROTOCOL_V2,
        }
    }

    /// The `connect.protocol` value, case-insensitive (`compatibility(name)`).
    pub fn from_config(name: &str) -> Option<ConnectProtocolCompatibility> {
        [Self::Eager, Self::Compatible, Self::Sessioned]
            .into_iter()
            .find(|m| m.to_string().eq_ignore_ascii_case(name))
    }

    /// The mode of a protocol name the group chose, case-insensitive
    /// (`fromProtocol`).
    pub fn from_protocol(protocol: &str) -> Option<ConnectProtocolCompatibility> {
        [Self::Eager, Self::Compatible, Self::Sessioned]
            .into_iter()
            .find(|m| m.protocol().eq_ignore_ascii_case(protocol))
    }

    pub fn from_protocol_version(version: i16) -> Option<ConnectProtocolCompatibility> {
        match version {
            CONNECT_PROTOCOL_V0 => Some(Self::Eager),
            CONNECT_PROTOCOL_V1 => Some(Self::Compatible),
            CONNECT_PROTOCOL_V2 => Some(Self::Sessioned),
            _ => None,
        }
    }

    /// The protocols a worker in this mode offers, most preferred first.
    pub fn offered(self) -> &'static [ConnectProtocolCompatibility] {
        match self {
            ConnectProtocolCompatibility::Eager => &[Self::Eager],
            ConnectProtocolCompatibility::Compatible => &[Self::Compatible, Self::Eager],
            ConnectProtocolCompatibility::Sessioned => {
                &[Self::Sessioned, Self::Compatible, Self::Eager]
            }
        }
    }
}

impl fmt::Display for ConnectProtocolCompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectProtocolCompatibility::Eager => "eager",
            ConnectProtocolCompatibility::Compatible => "compatible",
            ConnectProtocolCompatibility::Sessioned => "sessioned",
        })
    }
}

impl FromStr for ConnectProtocolCompatibility {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::from_config(s)
            .ok_or_else(|| format!("Unknown Connect protocol compatibility mode: {s}"))
    }
}

/// A set of connectors and tasks (Java's `WorkerCoordinator.ConnectorsAndTasks`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectorsAndTasks {
    pub connectors: BTreeSet<String>,
    pub tasks: BTreeSet<ConnectorTaskId>,
}

impl ConnectorsAndTasks {
    pub fn is_empty(&self) -> bool {
        self.connectors.is_empty() && self.tasks.is_empty()
    }

    pub fn len(&self) -> usize {
        self.connectors.len() + self.tasks.len()
    }

    pub fn add_all(&mut self, other: &ConnectorsAndTasks) {
        self.connectors.extend(other.connectors.iter().cloned());
        self.tasks.extend(other.tasks.iter().cloned());
    }

    pub fn remove_all(&mut self, other: &ConnectorsAndTasks) {
        self.connectors.retain(|c| !other.connectors.contains(c));
        self.tasks.retain(|t| !other.tasks.contains(t));
    }

    /// The entries as written on the wire: per connector, -1 for the
    /// instance first, then its tasks.
    fn as_map(&self) -> BTreeMap<&str, Vec<i32>> {
        let mut map: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for c in &self.connectors {
            map.entry(c.as_str()).or_default().push(CONNECTOR_TASK);
        }
        for t in &self.tasks {
            map.entry(t.connector.as_str()).or_default().push(t.task);
        }
        map
    }
}

/// What the leader hands a member (Java's `ConnectProtocol.Assignment` for
/// v0 and `ExtendedAssignment` for v1/v2; v0 has no `revoked` nor `delay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedAssignment {
    /// The protocol version the assignment was written with.
    pub version: i16,
    /// [`NO_ERROR`] or [`CONFIG_MISMATCH`].
    pub error: i16,
    /// The leader's member id.
    pub leader: String,
    /// The leader's REST URL, where requests that need the leader go.
    pub leader_url: String,
    /// The config topic offset the assignment was computed from.
    pub config_offset: i64,
    /// v0: everything the member runs. v1/v2: what it starts now.
    pub assigned: ConnectorsAndTasks,
    /// v1/v2: what the member must stop now.
    pub revoked: ConnectorsAndTasks,
    /// v1/v2: milliseconds after which the member must rejoin (a scheduled
    /// rebalance while a departed worker's work is held); 0 for none.
    pub delay: i32,
}

impl ExtendedAssignment {
    pub fn failed(&self) -> bool {
        self.error != NO_ERROR
    }

    /// Encodes at `self.version`.
    pub fn encode(&self) -> Bytes {
        let mut buf = BytesMut::new();
        self.write_at(&mut buf, self.version);
        buf.freeze()
    }

    fn write_at(&self, buf: &mut BytesMut, version: i16) {
        buf.put_i16(version);
        buf.put_i16(self.error);
        put_string(buf, &self.leader);
        put_string(buf, &self.leader_url);
        buf.put_i64(self.config_offset);
        put_connector_assignments(buf, &self.assigned);
        if version >= CONNECT_PROTOCOL_V1 {
            put_connector_assignments(buf, &self.revoked);
            buf.put_i32(self.delay);
        }
    }

    /// Decodes an assignment of any version, as Java's
    /// `IncrementalCooperativeConnectProtocol.deserializeAssignment` does.
    pub fn decode(bytes: &[u8]) -> Result<ExtendedAssignment> {
        let mut r = Reader(bytes);
        let version = r.version()?;
        let error = r.i16("error")?;
        let leader = r.string("leader")?;
        let leader_url = r.string("leader-url")?;
        let config_offset = r.i64("config-offset")?;
        let assigned = r.connector_assignments("assignment")?;
        let revoked = r.connector_assignments("revoked")?;
        let delay = if r.0.has_remaining() {
            r.i32("delay")?
        } else {
            0
        };
        Ok(ExtendedAssignment {
            version,
            error,
            leader,
            leader_url,
            config_offset,
            assigned,
            revoked,
            delay,
        })
    }
}

/// A worker's JoinGroup metadata (Java's `WorkerState` / `ExtendedWorkerState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerState {
    /// The worker's advertised REST URL.
    pub url: String,
    /// The newest config topic offset this worker has read.
    pub config_offset: i64,
    /// v1/v2: everything the worker runs now (its last assignment with
    /// revocations applied); `None` before its first assignment.
    pub allocation: Option<ExtendedAssignment>,
}

impl WorkerState {
    /// Encodes for a protocol version; v0 leaves the allocation out and
    /// v1/v2 write it with the same version in its header.
    pub fn encode(&self, version: i16) -> Bytes {
        let mut buf = BytesMut::new();
        buf.put_i16(version);
        put_string(&mut buf, &self.url);
        buf.put_i64(self.config_offset);
        if version >= CONNECT_PROTOCOL_V1 {
            match &self.allocation {
                None => buf.put_i32(-1),
                Some(a) => {
                    let mut inner = BytesMut::new();
                    a.write_at(&mut inner, version);
                    buf.put_i32(inner.len() as i32);
                    buf.put_slice(&inner);
                }
            }
        }
        buf.freeze()
    }

    /// Decodes metadata of any version (a v0 one has no allocation).
    pub fn decode(bytes: &[u8]) -> Result<WorkerState> {
        let mut r = Reader(bytes);
        r.version()?;
        let url = r.string("url")?;
        let config_offset = r.i64("config-offset")?;
        let allocation = if r.0.has_remaining() {
            match r.nullable_bytes("allocation")? {
                None => None,
                Some(b) => Some(ExtendedAssignment::decode(b)?),
            }
        } else {
            None
        };
        Ok(WorkerState {
            url,
            config_offset,
            allocation,
        })
    }
}

/// JoinGroup's protocols for a worker in `mode`: (name, metadata), most
/// preferred first (Java's `metadataRequest`).
pub fn metadata_request(
    mode: ConnectProtocolCompatibility,
    state: &WorkerState,
) -> Vec<(String, Bytes)> {
    mode.offered()
        .iter()
        .map(|p| (p.protocol().to_string(), state.encode(p.protocol_version())))
        .collect()
}

fn put_string(buf: &mut BytesMut, s: &str) {
    // Java's STRING cannot hold more than i16::MAX bytes; names that long
    // are refused long before they reach the group protocol.
    let bytes = s.as_bytes();
    let len = bytes.len().min(i16::MAX as usize);
    buf.put_i16(len as i16);
    buf.put_slice(&bytes[..len]);
}

fn put_connector_assignments(buf: &mut BytesMut, set: &ConnectorsAndTasks) {
    let map = set.as_map();
    buf.put_i32(map.len() as i32);
    for (connector, tasks) in map {
        put_string(buf, connector);
        buf.put_i32(tasks.len() as i32);
        for t in tasks {
            buf.put_i32(t);
        }
    }
}

/// A bounds-checked reader: never trusts a length or count beyond what the
/// input holds, so a corrupt member cannot make us allocate gigabytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn need(&self, n: usize, field: &str) -> Result<()> {
        if self.0.remaining() < n {
            return Err(SchemaError(format!(
                "{field}: needs {n} bytes, {} left",
                self.0.remaining()
            )));
        }
        Ok(())
    }

    fn version(&mut self) -> Result<i16> {
        let v = self.i16("version")?;
        if v < CONNECT_PROTOCOL_V0 {
            return Err(SchemaError(format!(
                "Unsupported subscription version: {v}"
            )));
        }
        Ok(v)
    }

    fn i16(&mut self, field: &str) -> Result<i16> {
        self.need(2, field)?;
        Ok(self.0.get_i16())
    }

    fn i32(&mut self, field: &str) -> Result<i32> {
        self.need(4, field)?;
        Ok(self.0.get_i32())
    }

    fn i64(&mut self, field: &str) -> Result<i64> {
        self.need(8, field)?;
        Ok(self.0.get_i64())
    }

    fn string(&mut self, field: &str) -> Result<String> {
        let len = self.i16(field)?;
        if len < 0 {
            return Err(SchemaError(format!(
                "{field}: string length {len} cannot be negative"
            )));
        }
        let len = len as usize;
        self.need(len, field)?;
        let s = std::str::from_utf8(&self.0[..len])
            .map_err(|e| SchemaError(format!("{field}: {e}")))?
            .to_string();
        self.0.advance(len);
        Ok(s)
    }

    fn nullable_bytes(&mut self, field: &str) -> Result<Option<&'a [u8]>> {
        let len = self.i32(field)?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        self.need(len, field)?;
        let (head, tail) = self.0.split_at(len);
        self.0 = tail;
        Ok(Some(head))
    }

    /// A non-nullable array's count, checked against the bytes left
    /// (`min_size` per element).
    fn count(&mut self, field: &str, min_size: usize) -> Result<usize> {
        let n = self.i32(field)?;
        if n < 0 {
            return Err(SchemaError(format!(
                "{field}: array size {n} cannot be negative"
            )));
        }
        let n = n as usize;
        if n.saturating_mul(min_size) > self.0.remaining() {
            return Err(SchemaError(format!(
                "{field}: {n} elements cannot fit in {} bytes",
                self.0.remaining()
            )));
        }
        Ok(n)
    }

    /// A nullable `ARRAY[{connector, tasks}]`; missing at the end or null
    /// reads as empty.
    fn connector_assignments(&mut self, field: &str) -> Result<ConnectorsAndTasks> {
        let mut out = ConnectorsAndTasks::default();
        if !self.0.has_remaining() {
            return Ok(out);
        }
        let n = self.i32(field)?;
        if n < 0 {
            return Ok(out);
        }
        // Each element holds at least a string length and an array count.
        if (n as usize).saturating_mul(6) > self.0.remaining() {
            return Err(SchemaError(format!(
                "{field}: {n} elements cannot fit in {} bytes",
                self.0.remaining()
            )));
        }
        for _ in 0..n {
            let connector = self.string("connector")?;
            let tasks = self.count("tasks", 4)?;
            for _ in 0..tasks {
                let task = self.i32("tasks")?;
                if task == CONNECTOR_TASK {
                    out.connectors.insert(connector.clone());
                } else {
                    out.tasks.insert(ConnectorTaskId {
                        connector: connector.clone(),
                        task,
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn task(c: &str, t: i32) -> ConnectorTaskId {
        ConnectorTaskId {
            connector: c.to_string(),
            task: t,
        }
    }

    fn set(connectors: &[&str], tasks: &[(&str, i32)]) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: connectors.iter().map(|c| c.to_string()).collect(),
            tasks: tasks.iter().map(|(c, t)| task(c, *t)).collect(),
        }
    }

    /// Hand-built bytes: each helper appends one field as the spec says.
    struct Spec(Vec<u8>);
    impl Spec {
        fn new() -> Spec {
            Spec(Vec::new())
        }
        fn int16(mut self, v: i16) -> Spec {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn int32(mut self, v: i32) -> Spec {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn int64(mut self, v: i64) -> Spec {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn string(mut self, s: &str) -> Spec {
            self.0.extend_from_slice(&(s.len() as i16).to_be_bytes());
            self.0.extend_from_slice(s.as_bytes());
            self
        }
        fn raw(mut self, b: &[u8]) -> Spec {
            self.0.extend_from_slice(b);
            self
        }
    }

    #[test]
    fn metadata_v0_bytes() {
        let state = WorkerState {
            url: "http://w1:8083/".into(),
            config_offset: 42,
            allocation: None,
        };
        let expected = Spec::new()
            .int16(0) // version
            .string("http://w1:8083/") // url
            .int64(42) // config-offset
            .0;
        assert_eq!(&state.encode(0)[..], &expected[..]);
        // Literal check of the first bytes, independent of the helper.
        assert_eq!(&expected[..4], &[0x00, 0x00, 0x00, 0x0f]);
        assert_eq!(WorkerState::decode(&expected).unwrap(), state);
    }

    #[test]
    fn metadata_v1_without_allocation_is_null_bytes() {
        let state = WorkerState {
            url: "u".into(),
            config_offset: -1,
            allocation: None,
        };
        let expected = Spec::new()
            .int16(1)
            .string("u")
            .int64(-1)
            .int32(-1) // allocation: null
            .0;
        assert_eq!(&state.encode(1)[..], &expected[..]);
        assert_eq!(WorkerState::decode(&expected).unwrap(), state);
    }

    fn sample_assignment(version: i16) -> ExtendedAssignment {
        ExtendedAssignment {
            version,
            error: NO_ERROR,
            leader: "leader-1".into(),
            leader_url: "http://l:8083/".into(),
            config_offset: 7,
            assigned: set(&["conn"], &[("conn", 0), ("conn", 2), ("other", 1)]),
            revoked: set(&[], &[("gone", 3)]),
            delay: 5000,
        }
    }

    fn sample_assignment_v2_bytes() -> Vec<u8> {
        Spec::new()
            .int16(2) // version
            .int16(0) // error
            .string("leader-1")
            .string("http://l:8083/")
            .int64(7) // config-offset
            .int32(2) // assignment: 2 connectors
            .string("conn")
            .int32(3)
            .int32(-1) // the connector instance
            .int32(0)
            .int32(2)
            .string("other")
            .int32(1)
            .int32(1)
            .int32(1) // revoked: 1 connector
            .string("gone")
            .int32(1)
            .int32(3)
            .int32(5000) // delay
            .0
    }

    #[test]
    fn assignment_v2_bytes() {
        let a = sample_assignment(2);
        let expected = sample_assignment_v2_bytes();
        assert_eq!(&a.encode()[..], &expected[..]);
        assert_eq!(ExtendedAssignment::decode(&expected).unwrap(), a);
    }

    #[test]
    fn assignment_v0_bytes_and_tolerant_read() {
        let mut a = sample_assignment(0);
        a.revoked = ConnectorsAndTasks::default();
        a.delay = 0;
        let expected = Spec::new()
            .int16(0)
            .int16(0)
            .string("leader-1")
            .string("http://l:8083/")
            .int64(7)
            .int32(2)
            .string("conn")
            .int32(3)
            .int32(-1)
            .int32(0)
            .int32(2)
            .string("other")
            .int32(1)
            .int32(1)
            .0;
        assert_eq!(&a.encode()[..], &expected[..]);
        // The v1 reader accepts it: revoked and delay are missing.
        assert_eq!(ExtendedAssignment::decode(&expected).unwrap(), a);
    }

    #[test]
    fn metadata_v2_embeds_allocation_with_same_version() {
        let mut alloc = sample_assignment(2);
        alloc.revoked = ConnectorsAndTasks::default();
        let state = WorkerState {
            url: "http://w:1/".into(),
            config_offset: 9,
            allocation: Some(alloc.clone()),
        };
        let inner = alloc.encode();
        let expected = Spec::new()
            .int16(2)
            .string("http://w:1/")
            .int64(9)
            .int32(inner.len() as i32)
            .raw(&inner)
            .0;
        assert_eq!(&state.encode(2)[..], &expected[..]);
        // Revoked is an empty (not null) array: count 0.
        let tail = &inner[inner.len() - 8..];
        assert_eq!(tail, &[0, 0, 0, 0, 0, 0, 0x13, 0x88]);
        assert_eq!(WorkerState::decode(&expected).unwrap(), state);
    }

    #[test]
    fn null_arrays_read_as_empty() {
        let bytes = Spec::new()
            .int16(1)
            .int16(1) // CONFIG_MISMATCH
            .string("l")
            .string("u")
            .int64(3)
            .int32(-1) // assignment: null
            .int32(-1) // revoked: null
            .int32(0)
            .0;
        let a = ExtendedAssignment::decode(&bytes).unwrap();
        assert!(a.failed());
        assert_eq!(a.error, CONFIG_MISMATCH);
        assert!(a.assigned.is_empty() && a.revoked.is_empty());
    }

    #[test]
    fn truncated_and_corrupt_input_is_an_error() {
        let full = sample_assignment_v2_bytes();
        // Cut inside a field (not at a field boundary) -> error.
        for cut in [1usize, 3, 5, 12, full.len() - 2] {
            assert!(
                ExtendedAssignment::decode(&full[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        // A huge array count does not allocate, it fails.
        let bytes = Spec::new()
            .int16(1)
            .int16(0)
            .string("l")
            .string("u")
            .int64(3)
            .int32(i32::MAX)
            .0;
        assert!(ExtendedAssignment::decode(&bytes).is_err());
        // Negative version.
        assert!(WorkerState::decode(&Spec::new().int16(-1).0).is_err());
        // Negative string length.
        assert!(WorkerState::decode(&Spec::new().int16(0).int16(-1).0).is_err());
    }

    #[test]
    fn newer_versions_are_read_with_the_v1_layout() {
        let mut a = sample_assignment(3);
        a.version = 3;
        let decoded = ExtendedAssignment::decode(&a.encode()).unwrap();
        assert_eq!(decoded, a);
    }

    #[test]
    fn compatibility_names_and_preference_order() {
        use ConnectProtocolCompatibility::*;
        assert_eq!(Eager.protocol(), "default");
        assert_eq!(Compatible.protocol(), "compatible");
        assert_eq!(Sessioned.protocol(), "sessioned");
        assert_eq!(
            "SESSIONED".parse::<ConnectProtocolCompatibility>(),
            Ok(Sessioned)
        );
        assert_eq!(
            ConnectProtocolCompatibility::from_config("eager"),
            Some(Eager)
        );
        assert_eq!(ConnectProtocolCompatibility::from_config("default"), None);
        assert_eq!(
            ConnectProtocolCompatibility::from_protocol("default"),
            Some(Eager)
        );
        assert_eq!(
            ConnectProtocolCompatibility::from_protocol_version(2),
            Some(Sessioned)
        );
        let state = WorkerState {
            url: "u".into(),
            config_offset: 1,
            allocation: None,
        };
        let names = |m| {
            metadata_request(m, &state)
                .into_iter()
                .map(|(n, b)| (n, i16::from_be_bytes([b[0], b[1]])))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(Sessioned),
            vec![
                ("sessioned".to_string(), 2),
                ("compatible".to_string(), 1),
                ("default".to_string(), 0)
            ]
        );
        assert_eq!(
            names(Compatible),
            vec![("compatible".to_string(), 1), ("default".to_string(), 0)]
        );
        assert_eq!(names(Eager), vec![("default".to_string(), 0)]);
    }

    fn arb_set() -> impl Strategy<Value = ConnectorsAndTasks> {
        (
            proptest::collection::btree_set("[a-z]{1,6}", 0..4),
            proptest::collection::btree_set(("[a-z]{1,6}", 0i32..50), 0..8),
        )
            .prop_map(|(connectors, tasks)| ConnectorsAndTasks {
                connectors,
                tasks: tasks
                    .into_iter()
                    .map(|(connector, task)| ConnectorTaskId { connector, task })
                    .collect(),
            })
    }

    fn arb_assignment(version: i16) -> impl Strategy<Value = ExtendedAssignment> {
        (
            0i16..2,
            "\\PC{0,12}",
            "\\PC{0,20}",
            any::<i64>(),
            arb_set(),
            arb_set(),
            any::<i32>(),
        )
            .prop_map(
                move |(error, leader, leader_url, config_offset, assigned, revoked, delay)| {
                    let v1 = version >= CONNECT_PROTOCOL_V1;
                    ExtendedAssignment {
                        version,
                        error,
                        leader,
                        leader_url,
                        config_offset,
                        assigned,
                        revoked: if v1 {
                            revoked
                        } else {
                            ConnectorsAndTasks::default()
                        },
                        delay: if v1 { delay } else { 0 },
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn assignment_round_trips(a in (0i16..3).prop_flat_map(arb_assignment)) {
            prop_assert_eq!(ExtendedAssignment::decode(&a.encode()).unwrap(), a);
        }

        #[test]
        fn metadata_round_trips(
            version in 0i16..3,
            url in "\\PC{0,20}",
            offset in any::<i64>(),
            alloc in proptest::option::of(arb_assignment(1)),
        ) {
            let allocation = if version == 0 {
                None
            } else {
                alloc.map(|mut a| { a.version = version; a })
            };
            let state = WorkerState { url, config_offset: offset, allocation };
            prop_assert_eq!(WorkerState::decode(&state.encode(version)).unwrap(), state);
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = ExtendedAssignment::decode(&bytes);
            let _ = WorkerState::decode(&bytes);
        }
    }
}
