//! The Connect group protocol against Java's own classes (connect-runtime
//! from the Kafka jars the broker uses): Java's `ConnectProtocol` and
//! `IncrementalCooperativeConnectProtocol` read the worker metadata and
//! assignments we write (v0, v1, v2; fixed and random cases), and we read
//! what Java writes, byte for byte where Java's order is deterministic.
//!
//! Both sides print a canonical text form of what they decoded (sorted
//! sets, non-ASCII as `\uXXXX` UTF-16 escapes) and the test compares them.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use kconnect::runtime::herder::distributed::protocol::{
    ConnectorsAndTasks, ExtendedAssignment, WorkerState, CONFIG_MISMATCH, NO_ERROR,
};
use kconnect::runtime::status::ConnectorTaskId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const JAVA: &str = r#"
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.io.*;
import java.util.*;
import java.util.stream.*;
import org.apache.kafka.connect.runtime.distributed.*;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class ConnectProtocolCompat {
    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 32 || c > 126 || c == '\\') b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
    static String conns(Collection<String> c) {
        return c.stream().sorted().distinct().map(ConnectProtocolCompat::esc).collect(Collectors.joining(",", "[", "]"));
    }
    static String tasks(Collection<ConnectorTaskId> c) {
        return c.stream().sorted().distinct().map(t -> esc(t.connector()) + "/" + t.task()).collect(Collectors.joining(",", "[", "]"));
    }
    static String canon(ConnectProtocol.Assignment a) {
        if (a == null) return "null";
        String s = "err=" + a.error() + " leader=" + esc(a.leader()) + " url=" + esc(a.leaderUrl())
            + " offset=" + a.offset() + " conns=" + conns(a.connectors()) + " tasks=" + tasks(a.tasks());
        if (a instanceof ExtendedAssignment) {
            ExtendedAssignment e = (ExtendedAssignment) a;
            s += " v=" + e.version() + " rconns=" + conns(e.revokedConnectors()) + " rtasks=" + tasks(e.revokedTasks()) + " delay=" + e.delay();
        }
        return s;
    }
    static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }
    static String hex(ByteBuffer buf) {
        StringBuilder b = new StringBuilder();
        ByteBuffer d = buf.duplicate();
        while (d.hasRemaining()) b.append(String.format("%02x", d.get()));
        return b.toString();
    }
    static ConnectorTaskId t(String c, int n) { return new ConnectorTaskId(c, n); }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ");
            if (p.length < 2) continue;
            String id = p[0], kind = p[1];
            ByteBuffer buf = ByteBuffer.wrap(p.length > 2 ? unhex(p[2]) : new byte[0]);
            String out;
            try {
                switch (kind) {
                    case "A": out = canon(IncrementalCooperativeConnectProtocol.deserializeAssignment(buf)); break;
                    case "A0": out = canon(ConnectProtocol.deserializeAssignment(buf)); break;
                    case "M": {
                        ExtendedWorkerState s = IncrementalCooperativeConnectProtocol.deserializeMetadata(buf);
                        ExtendedAssignment a = s.assignment() == ExtendedAssignment.empty() ? null : s.assignment();
                        out = "url=" + esc(s.url()) + " offset=" + s.offset() + " alloc=" + canon(a);
                        break;
                    }
                    case "M0": {
                        ConnectProtocol.WorkerState s = ConnectProtocol.deserializeMetadata(buf);
                        out = "url=" + esc(s.url()) + " offset=" + s.offset();
                        break;
                    }
                    default: out = "ERR unknown kind";
                }
            } catch (Exception e) {
                out = "ERR " + e.getClass().getSimpleName();
            }
            System.out.println(id + " " + out);
        }
        ExtendedAssignment alloc = new ExtendedAssignment((short) 2, (short) 0, "leader-j", "http://lj:8083/", 13L,
            List.of("c1"), List.of(t("c1", 0), t("c1", 1)), List.of(), List.of(), 0);
        System.out.println("J m0 " + hex(ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://j:8083/", 12L))));
        System.out.println("J m1 " + hex(IncrementalCooperativeConnectProtocol.serializeMetadata(new ExtendedWorkerState("http://j:8083/", 13L, null), false)));
        System.out.println("J m2 " + hex(IncrementalCooperativeConnectProtocol.serializeMetadata(new ExtendedWorkerState("http://j:8083/", 13L, alloc), true)));
        System.out.println("J a0 " + hex(ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment((short) 0, "l", "http://l/", 5L,
            List.of("c1"), List.of(t("c1", 0), t("c1", 2))))));
        System.out.println("J a1 " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(new ExtendedAssignment((short) 1, (short) 0, "l", "http://l/", 5L,
            List.of("c1"), List.of(t("c1", 0)), List.of(), List.of(t("c2", 1)), 3000), false)));
        System.out.println("J a2mismatch " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(new ExtendedAssignment((short) 2, (short) 1, "l", "http://l/", 9L,
            List.of(), List.of(), List.of(), List.of(), 0), true)));
        System.out.println("J a2multi " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(new ExtendedAssignment((short) 2, (short) 0, "l\u00e9", "http://l/", 9L,
            List.of("a", "b"), List.of(t("a", 0), t("b", 1), t("z", 3)), List.of("y"), List.of(t("y", 0)), 250), true)));
    }
}
"#;

fn esc(s: &str) -> String {
    let mut out = String::new();
    for unit in s.encode_utf16() {
        if !(32..=126).contains(&unit) || unit == b'\\' as u16 {
            let _ = write!(out, "\\u{unit:04x}");
        } else {
            out.push(unit as u8 as char);
        }
    }
    out
}

fn conns(set: &ConnectorsAndTasks) -> String {
    let names: Vec<String> = set.connectors.iter().map(|c| esc(c)).collect();
    format!("[{}]", names.join(","))
}

fn tasks(set: &ConnectorsAndTasks) -> String {
    let names: Vec<String> = set
        .tasks
        .iter()
        .map(|t| format!("{}/{}", esc(&t.connector), t.task))
        .collect();
    format!("[{}]", names.join(","))
}

/// The canonical form of `a` as read by Java's v1 reader (`extended`) or
/// v0 reader.
fn canon(a: &ExtendedAssignment, extended: bool) -> String {
    let mut s = format!(
        "err={} leader={} url={} offset={} conns={} tasks={}",
        a.error,
        esc(&a.leader),
        esc(&a.leader_url),
        a.config_offset,
        conns(&a.assigned),
        tasks(&a.assigned)
    );
    if extended {
        let _ = write!(
            s,
            " v={} rconns={} rtasks={} delay={}",
            a.version,
            conns(&a.revoked),
            tasks(&a.revoked),
            a.delay
        );
    }
    s
}

fn canon_metadata(m: &WorkerState, extended: bool) -> String {
    let mut s = format!("url={} offset={}", esc(&m.url), m.config_offset);
    if extended {
        let alloc = m
            .allocation
            .as_ref()
            .map(|a| canon(a, true))
            .unwrap_or_else(|| "null".into());
        let _ = write!(s, " alloc={alloc}");
    }
    s
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex from Java"))
        .collect()
}

fn task(c: &str, t: i32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: c.to_string(),
        task: t,
    }
}

fn set(connectors: &[&str], ts: &[(&str, i32)]) -> ConnectorsAndTasks {
    ConnectorsAndTasks {
        connectors: connectors.iter().map(|c| c.to_string()).collect(),
        tasks: ts.iter().map(|(c, t)| task(c, *t)).collect(),
    }
}

fn name(rng: &mut StdRng) -> String {
    let len = rng.random_range(1..8);
    (0..len)
        .map(|_| (b'a' + rng.random_range(0..6u8)) as char)
        .collect()
}

fn random_set(rng: &mut StdRng) -> ConnectorsAndTasks {
    let mut s = ConnectorsAndTasks::default();
    for _ in 0..rng.random_range(0..4) {
        s.connectors.insert(name(rng));
    }
    for _ in 0..rng.random_range(0..8) {
        let c = name(rng);
        s.tasks.insert(task(&c, rng.random_range(0..40)));
    }
    s
}

fn random_assignment(rng: &mut StdRng, version: i16) -> ExtendedAssignment {
    let v1 = version >= 1;
    ExtendedAssignment {
        version,
        error: rng.random_range(0..2),
        leader: name(rng),
        leader_url: format!("http://{}:8083/", name(rng)),
        config_offset: rng.random_range(-1..1_000_000),
        assigned: random_set(rng),
        revoked: if v1 {
            random_set(rng)
        } else {
            ConnectorsAndTasks::default()
        },
        delay: if v1 { rng.random_range(0..300_000) } else { 0 },
    }
}

/// (id, kind, bytes, our canonical form of what Java should read).
fn our_cases() -> Vec<(String, &'static str, Vec<u8>, String)> {
    let mut cases = Vec::new();
    let fixed = ExtendedAssignment {
        version: 2,
        error: NO_ERROR,
        leader: "leader-\u{e9}\u{1F600}".into(),
        leader_url: "http://w1:8083/".into(),
        config_offset: 42,
        assigned: set(&["c1"], &[("c1", 0), ("c1", 1), ("c2", 0)]),
        revoked: set(&["gone"], &[("gone", 2)]),
        delay: 10_000,
    };
    cases.push((
        "fixedA".into(),
        "A",
        fixed.encode().to_vec(),
        canon(&fixed, true),
    ));
    let v0 = ExtendedAssignment {
        version: 0,
        revoked: ConnectorsAndTasks::default(),
        delay: 0,
        ..fixed.clone()
    };
    cases.push((
        "fixedA0".into(),
        "A0",
        v0.encode().to_vec(),
        canon(&v0, false),
    ));
    // Java's v1 reader on a v0 assignment: revoked and delay missing.
    cases.push((
        "fixedA0as1".into(),
        "A",
        v0.encode().to_vec(),
        canon(&v0, true),
    ));
    let mismatch = ExtendedAssignment {
        error: CONFIG_MISMATCH,
        assigned: ConnectorsAndTasks::default(),
        revoked: ConnectorsAndTasks::default(),
        delay: 0,
        ..fixed.clone()
    };
    cases.push((
        "mismatch".into(),
        "A",
        mismatch.encode().to_vec(),
        canon(&mismatch, true),
    ));
    for version in 0..3i16 {
        let state = WorkerState {
            url: "http://w2:8083/".into(),
            config_offset: 17,
            allocation: (version > 0).then(|| ExtendedAssignment {
                version,
                revoked: ConnectorsAndTasks::default(),
                ..fixed.clone()
            }),
        };
        let bytes = state.encode(version).to_vec();
        if version == 0 {
            cases.push((
                "meta0".into(),
                "M0",
                bytes.clone(),
                canon_metadata(&state, false),
            ));
        }
        cases.push((
            format!("meta{version}x"),
            "M",
            bytes,
            canon_metadata(&state, true),
        ));
        let empty = WorkerState {
            allocation: None,
            ..state.clone()
        };
        cases.push((
            format!("meta{version}empty"),
            "M",
            empty.encode(version).to_vec(),
            canon_metadata(&empty, true),
        ));
    }
    let mut rng = StdRng::seed_from_u64(0xc0ff_ee15);
    for i in 0..200 {
        let version = (i % 3) as i16;
        let a = random_assignment(&mut rng, version);
        cases.push((format!("rA{i}"), "A", a.encode().to_vec(), canon(&a, true)));
        if version == 0 {
            cases.push((
                format!("rA0{i}"),
                "A0",
                a.encode().to_vec(),
                canon(&a, false),
            ));
        }
        let m = WorkerState {
            url: format!("http://{}/", name(&mut rng)),
            config_offset: rng.random_range(-1..100_000),
            allocation: (version > 0 && rng.random_bool(0.7)).then(|| {
                let mut alloc = random_assignment(&mut rng, version);
                alloc.version = version;
                alloc
            }),
        };
        cases.push((
            format!("rM{i}"),
            "M",
            m.encode(version).to_vec(),
            canon_metadata(&m, true),
        ));
    }
    cases
}

#[test]
fn java_reads_ours_and_we_read_javas() {
    let cases = our_cases();
    let mut input = String::new();
    for (id, kind, bytes, _) in &cases {
        let _ = writeln!(input, "{id} {kind} {}", hex(bytes));
    }
    let dir = std::env::temp_dir().join(format!(
        "kconnect-connect-protocol-compat-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("ConnectProtocolCompat.java");
    std::fs::write(&path, JAVA).expect("write ConnectProtocolCompat.java");
    let out = support::java_tool_timeout(
        path.to_str().expect("utf-8 temp path"),
        &[],
        Some(input.as_bytes()),
        Duration::from_secs(600),
    );
    support::assert_tool_ok(&out, "ConnectProtocolCompat.java (Java's ConnectProtocol)");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut java: BTreeMap<String, String> = BTreeMap::new();
    let mut written: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("J ") {
            if let Some((name, h)) = rest.split_once(' ') {
                written.insert(name.to_string(), unhex(h));
            }
        } else if let Some((id, rest)) = line.split_once(' ') {
            java.insert(id.to_string(), rest.to_string());
        }
    }

    assert_eq!(written.len(), 7, "Java's own encodings: {stdout}");

    // Java reads what we write.
    let mut failures = Vec::new();
    for (id, _, _, ours) in &cases {
        match java.get(id) {
            Some(theirs) if theirs == ours => {}
            other => failures.push(format!("{id}:\n  ours: {ours}\n  java: {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // We read what Java writes, and write the same bytes.
    let alloc = ExtendedAssignment {
        version: 2,
        error: NO_ERROR,
        leader: "leader-j".into(),
        leader_url: "http://lj:8083/".into(),
        config_offset: 13,
        assigned: set(&["c1"], &[("c1", 0), ("c1", 1)]),
        revoked: ConnectorsAndTasks::default(),
        delay: 0,
    };
    let metadata = [("m0", 0i16, None), ("m1", 1, None), ("m2", 2, Some(alloc))];
    for (name, version, allocation) in metadata {
        let bytes = written
            .get(name)
            .unwrap_or_else(|| panic!("Java wrote no {name}: {stdout}"));
        let expected = WorkerState {
            url: "http://j:8083/".into(),
            config_offset: if version == 0 { 12 } else { 13 },
            allocation,
        };
        assert_eq!(WorkerState::decode(bytes).expect(name), expected, "{name}");
        assert_eq!(&expected.encode(version)[..], &bytes[..], "{name} bytes");
    }
    let base = ExtendedAssignment {
        version: 0,
        error: NO_ERROR,
        leader: "l".into(),
        leader_url: "http://l/".into(),
        config_offset: 5,
        assigned: set(&["c1"], &[("c1", 0), ("c1", 2)]),
        revoked: ConnectorsAndTasks::default(),
        delay: 0,
    };
    let assignments = [
        ("a0", base.clone(), true),
        (
            "a1",
            ExtendedAssignment {
                version: 1,
                assigned: set(&["c1"], &[("c1", 0)]),
                revoked: set(&[], &[("c2", 1)]),
                delay: 3000,
                ..base.clone()
            },
            true,
        ),
        (
            "a2mismatch",
            ExtendedAssignment {
                version: 2,
                error: CONFIG_MISMATCH,
                config_offset: 9,
                assigned: ConnectorsAndTasks::default(),
                ..base.clone()
            },
            true,
        ),
        (
            "a2multi",
            ExtendedAssignment {
                version: 2,
                leader: "l\u{e9}".into(),
                config_offset: 9,
                assigned: set(&["a", "b"], &[("a", 0), ("b", 1), ("z", 3)]),
                revoked: set(&["y"], &[("y", 0)]),
                delay: 250,
                ..base.clone()
            },
            // Java groups connectors in hash order: compare what is read.
            false,
        ),
    ];
    for (name, expected, same_bytes) in assignments {
        let bytes = written
            .get(name)
            .unwrap_or_else(|| panic!("Java wrote no {name}: {stdout}"));
        assert_eq!(
            ExtendedAssignment::decode(bytes).expect(name),
            expected,
            "{name}"
        );
        if same_bytes {
            assert_eq!(&expected.encode()[..], &bytes[..], "{name} bytes");
        }
    }
}
