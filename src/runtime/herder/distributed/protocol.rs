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

use bytes::{Buf, BufMut, Bytes, BytesMut};

pub use super::connect_protocol_compatibility::ConnectProtocolCompatibility;
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
    let mut len = s.len().min(i16::MAX as usize);
    while !s.is_char_boundary(len) {
        len -= 1;
    }
    buf.put_i16(len as i16);
    buf.put_slice(&s.as_bytes()[..len]);
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
#[path = "protocol_tests.rs"]
mod tests;
