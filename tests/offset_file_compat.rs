//! The standalone offset file against Java: what Java's `ObjectOutputStream`
//! and Kafka's own `FileOffsetBackingStore` write, `offset_file::load` reads;
//! what `offset_file::save` writes, Java's `ObjectInputStream` and
//! `FileOffsetBackingStore` read, with the same entries.
//!
//! A small Java program (written to a temp dir, run with the Kafka jars by
//! `broker.sh tool`) does the Java side; entries cross the process boundary
//! as hex, so that no platform encoding touches the bytes. No broker needed.

mod support;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use kconnect::runtime::storage::offset_file::{self, OffsetMap};

const PROGRAM: &str = r#"
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;

public class OffsetFileCompat {
    static final HexFormat HEX = HexFormat.of();

    /** Exposes the store's map, which is protected. */
    static class Store extends FileOffsetBackingStore {
        Store(JsonConverter keyConverter) { super(keyConverter); }
        Map<ByteBuffer, ByteBuffer> entries() { return data; }
    }

    static Store store(String file) {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "false", "converter.type", "key"));
        Store store = new Store(keys);
        store.configure(new StandaloneConfig(Map.of(
            "bootstrap.servers", "127.0.0.1:9",
            "key.converter", "org.apache.kafka.connect.json.JsonConverter",
            "value.converter", "org.apache.kafka.connect.json.JsonConverter",
            "offset.storage.file.filename", file)));
        return store;
    }

    /** "KEYHEX=VALUEHEX", "KEYHEX=null", or "KEYHEX=same" (the key's own array). */
    static HashMap<byte[], byte[]> parse(String[] args, int from) {
        HashMap<byte[], byte[]> map = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            byte[] key = HEX.parseHex(kv[0]);
            byte[] value = kv[1].equals("null") ? null
                : kv[1].equals("same") ? key : HEX.parseHex(kv[1]);
            map.put(key, value);
        }
        return map;
    }

    static void print(Map<byte[], byte[]> map) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            byte[] v = e.getValue();
            lines.add(HEX.formatHex(e.getKey()) + "=" + (v == null ? "null" : HEX.formatHex(v)));
        }
        Collections.sort(lines);
        lines.forEach(System.out::println);
    }

    static byte[] bytes(ByteBuffer b) {
        if (b == null) return null;
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    public static void main(String[] args) throws Exception {
        String file = args[1];
        switch (args[0]) {
            case "write-oos" -> {
                try (ObjectOutputStream os = new ObjectOutputStream(new FileOutputStream(file))) {
                    os.writeObject(parse(args, 2));
                }
            }
            case "read-oos" -> {
                try (ObjectInputStream is = new ObjectInputStream(new FileInputStream(file))) {
                    @SuppressWarnings("unchecked")
                    Map<byte[], byte[]> map = (Map<byte[], byte[]>) is.readObject();
                    if (map.getClass() != HashMap.class) throw new IllegalStateException("read a " + map.getClass());
                    print(map);
                }
            }
            case "write-store" -> {
                Store store = store(file);
                store.start();
                Map<ByteBuffer, ByteBuffer> values = new HashMap<>();
                parse(args, 2).forEach((k, v) -> values.put(ByteBuffer.wrap(k), v == null ? null : ByteBuffer.wrap(v)));
                store.set(values, (error, result) -> { if (error != null) error.printStackTrace(); })
                    .get(30, TimeUnit.SECONDS);
                store.stop();
            }
            case "read-store" -> {
                // Then, per connector named (hex) after the file: its
                // partitions as the store parsed them from the keys.
                Store store = store(file);
                store.start();
                Map<byte[], byte[]> map = new HashMap<>();
                store.entries().forEach((k, v) -> map.put(bytes(k), bytes(v)));
                print(map);
                for (int i = 2; i < args.length; i++) {
                    String connector = new String(HEX.parseHex(args[i]), StandardCharsets.UTF_8);
                    List<String> partitions = new ArrayList<>();
                    for (Map<String, Object> p : store.connectorPartitions(connector))
                        partitions.add(new TreeMap<>(p).toString());
                    Collections.sort(partitions);
                    System.out.println("partitions " + args[i] + " "
                        + HEX.formatHex(String.join(";", partitions).getBytes(StandardCharsets.UTF_8)));
                }
                store.stop();
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("{s:?}: {e}")))
        .collect()
}

/// A temp dir with the Java program in it, removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "kconnect-offset-compat-{:016x}",
            rand::random::<u64>()
        ));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("OffsetFileCompat.java"), PROGRAM).unwrap();
        Scratch { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Runs the Java program: `mode file args...`; returns its stdout lines.
    fn java(&self, mode: &str, file: &Path, args: &[String]) -> Vec<String> {
        let program = self.file("OffsetFileCompat.java");
        let mut all = vec![mode.to_owned(), file.to_str().unwrap().to_owned()];
        all.extend_from_slice(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = support::java_tool(program.to_str().unwrap(), &all);
        support::assert_tool_ok(&out, &format!("OffsetFileCompat {mode}"));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The program's `KEYHEX=VALUEHEX|null` form of a map, sorted.
fn lines(map: &OffsetMap) -> Vec<String> {
    let mut lines: Vec<String> = map
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}={}", hex(k), hex(v)),
            None => format!("{}=null", hex(k)),
        })
        .collect();
    lines.sort();
    lines
}

fn entry(key: &str, value: Option<&str>) -> (Vec<u8>, Option<Vec<u8>>) {
    (
        key.as_bytes().to_vec(),
        value.map(|v| v.as_bytes().to_vec()),
    )
}

/// Offsets as a standalone worker stores them: JSON keys and values, a
/// tombstone, non-ASCII names and an empty offset object.
fn connect_offsets() -> OffsetMap {
    HashMap::from([
        entry(
            r#"["file-source",{"filename":"/tmp/in.txt"}]"#,
            Some(r#"{"position":42}"#),
        ),
        entry(
            r#"["file-source",{"filename":"/tmp/other.txt"}]"#,
            Some("{}"),
        ),
        entry(
            r#"["café-source",{"file":"日本語.txt"}]"#,
            Some(r#"{"position":7,"note":"ü"}"#),
        ),
        entry(r#"["gone",{"p":1}]"#, None),
    ])
}

/// `connect_offsets` plus entries no JSON converter wrote: raw binary bytes,
/// an empty value, and enough entries to grow Java's table twice.
fn odd_offsets() -> OffsetMap {
    let mut map = connect_offsets();
    map.insert(vec![0x00, 0xff, 0x80, 0x7f, 0xac, 0xed], Some(Vec::new()));
    map.insert(Vec::new(), Some(vec![0xfe; 300]));
    for i in 0..40u8 {
        map.insert(vec![b'k', i], Some(vec![i; usize::from(i)]));
    }
    map
}

#[test]
fn loads_what_java_object_output_stream_writes() {
    let scratch = Scratch::new();
    let path = scratch.file("java.offsets");
    let mut args = lines(&odd_offsets());
    // A value that is the key's own array: Java writes a back-reference.
    args.push(format!("{}=same", hex(b"shared")));
    scratch.java("write-oos", &path, &args);

    let mut expected = odd_offsets();
    expected.insert(b"shared".to_vec(), Some(b"shared".to_vec()));
    let loaded = offset_file::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lines(&loaded), lines(&expected));
}

#[test]
fn java_object_input_stream_reads_what_save_writes() {
    let scratch = Scratch::new();
    for (name, map) in [
        ("odd.offsets", odd_offsets()),
        ("empty.offsets", OffsetMap::new()),
    ] {
        let path = scratch.file(name);
        offset_file::save(&path, &map).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scratch.java("read-oos", &path, &[]), lines(&map), "{name}");
    }
}

#[test]
fn loads_what_kafka_file_offset_backing_store_writes() {
    let scratch = Scratch::new();
    let path = scratch.file("kafka.offsets");
    scratch.java("write-store", &path, &lines(&connect_offsets()));
    let loaded = offset_file::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lines(&loaded), lines(&connect_offsets()));
}

#[test]
fn kafka_file_offset_backing_store_reads_what_save_writes() {
    let scratch = Scratch::new();
    let path = scratch.file("ours.offsets");
    offset_file::save(&path, &connect_offsets()).unwrap_or_else(|e| panic!("{e}"));
    let connectors = ["file-source", "café-source", "gone"];
    let out = scratch.java(
        "read-store",
        &path,
        &connectors
            .iter()
            .map(|c| hex(c.as_bytes()))
            .collect::<Vec<_>>(),
    );
    let (partitions, entries): (Vec<String>, Vec<String>) =
        out.into_iter().partition(|l| l.starts_with("partitions "));
    assert_eq!(entries, lines(&connect_offsets()));

    // The store parsed our keys as connector name + partition; the
    // tombstoned partition is gone.
    let partitions: HashMap<String, String> = partitions
        .iter()
        .map(|l| {
            let mut parts = l.split(' ').skip(1);
            let connector = String::from_utf8(unhex(parts.next().unwrap_or(""))).unwrap();
            let list = String::from_utf8(unhex(parts.next().unwrap_or(""))).unwrap();
            (connector, list)
        })
        .collect();
    let expected: HashMap<String, String> = HashMap::from([
        (
            "file-source".to_owned(),
            "{filename=/tmp/in.txt};{filename=/tmp/other.txt}".to_owned(),
        ),
        ("café-source".to_owned(), "{file=日本語.txt}".to_owned()),
        ("gone".to_owned(), String::new()),
    ]);
    assert_eq!(partitions, expected);
}
