//! Unit tests of the Connect group protocol codec: byte layouts written by
//! hand from Java's format description, tolerant reads, round trips.
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
