//! The values of the config, status and offsets topics against Java's own
//! classes: a Java program serializes each case as Kafka Connect does (the
//! public schemas of `KafkaConfigBackingStore` with a schemaless
//! `JsonConverter`; `KafkaStatusBackingStore`'s own `serialize` and
//! `serializeTopicStatus`; the offset key `[namespace, partition]` as
//! `OffsetStorageWriter` writes it) and prints the bytes; ours must be
//! identical. Needs Java 17+ and the Kafka jars (fetched by
//! `tests/kafka/broker.sh`); no broker.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use kconnect::api::connector::Props;
use kconnect::api::data::base64;
use kconnect::runtime::status::{ConnectorTaskId, State, TargetState};
use kconnect::runtime::storage::config_records::*;
use kconnect::runtime::storage::kafka_offset::canonical_key;
use kconnect::runtime::storage::offset::{offset_key, offset_value};
use kconnect::runtime::storage::status_cache::{
    status_value, topic_status_value, StatusRecord, TopicStatus,
};

const JAVA: &str = r#"
import java.util.*;
import java.lang.reflect.*;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.*;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaStatusBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;
import static org.apache.kafka.connect.storage.KafkaConfigBackingStore.*;

public class InternalTopics {
    static JsonConverter value = new JsonConverter();
    static JsonConverter key = new JsonConverter();
    static void out(String id, byte[] b) {
        System.out.println(id + " " + Base64.getEncoder().encodeToString(b));
    }
    static Map<String, String> props(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
    public static void main(String[] args) throws Exception {
        value.configure(Map.of("schemas.enable", "false"), false);
        key.configure(Map.of("schemas.enable", "false"), true);
        Struct s = new Struct(CONNECTOR_CONFIGURATION_V0);
        s.put("properties", props("connector.class", "FileStreamSource", "tasks.max", "2",
            "file", "/tmp/in \"quoted\"\n", "topic", "t\u00e9", "name", "src"));
        out("connector", value.fromConnectData("t", CONNECTOR_CONFIGURATION_V0, s));
        s = new Struct(TASK_CONFIGURATION_V0);
        s.put("properties", props());
        out("task-empty", value.fromConnectData("t", TASK_CONFIGURATION_V0, s));
        for (String[] st : new String[][] {{"STARTED", "STARTED"}, {"PAUSED", "PAUSED"}, {"PAUSED", "STOPPED"}}) {
            s = new Struct(TARGET_STATE_V1);
            s.put("state", st[0]);
            s.put("state.v2", st[1]);
            out("target-" + st[1], value.fromConnectData("t", TARGET_STATE_V1, s));
        }
        s = new Struct(CONNECTOR_TASKS_COMMIT_V0);
        s.put("tasks", 3);
        out("commit", value.fromConnectData("t", CONNECTOR_TASKS_COMMIT_V0, s));
        s = new Struct(TASK_COUNT_RECORD_V0);
        s.put("task-count", 4);
        out("fencing", value.fromConnectData("t", TASK_COUNT_RECORD_V0, s));
        s = new Struct(SESSION_KEY_V0);
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) k[i] = (byte) (i * 7);
        s.put("key", Base64.getEncoder().encodeToString(k));
        s.put("algorithm", "HmacSHA256");
        s.put("creation-timestamp", 1700000000123L);
        out("session-key", value.fromConnectData("t", SESSION_KEY_V0, s));
        s = new Struct(RESTART_REQUEST_V0);
        s.put("include-tasks", true);
        s.put("only-failed", false);
        out("restart", value.fromConnectData("t", RESTART_REQUEST_V0, s));
        s = new Struct(LOGGER_LEVEL_V0);
        s.put("level", "DEBUG");
        out("logger", value.fromConnectData("t", LOGGER_LEVEL_V0, s));

        KafkaStatusBackingStore statuses = new KafkaStatusBackingStore(
            org.apache.kafka.common.utils.Time.SYSTEM, value, null, "compat");
        Method serialize = KafkaStatusBackingStore.class.getDeclaredMethod("serialize", AbstractStatus.class);
        serialize.setAccessible(true);
        Method topic = KafkaStatusBackingStore.class.getDeclaredMethod("serializeTopicStatus", TopicStatus.class);
        topic.setAccessible(true);
        out("status-running", (byte[]) serialize.invoke(statuses,
            new ConnectorStatus("c", AbstractStatus.State.RUNNING, "host:8083", 7)));
        out("status-failed", (byte[]) serialize.invoke(statuses,
            new TaskStatus(new ConnectorTaskId("c", 1), AbstractStatus.State.FAILED, "host:8083", 2,
                "org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)", "4.3.1")));
        out("status-topic", (byte[]) topic.invoke(statuses, new TopicStatus("orders", "c", 3, 1700000000000L)));

        Map<String, Object> partition = new HashMap<>();
        partition.put("filename", "/tmp/in.txt");
        Map<String, Object> offset = new HashMap<>();
        offset.put("position", 1234L);
        out("offset-key", key.fromConnectData("file-source", null, Arrays.asList("file-source", partition)));
        out("offset-value", value.fromConnectData("file-source", null, offset));
        Map<String, Object> multi = new HashMap<>();
        multi.put("topic", "t");
        multi.put("partition", 3);
        multi.put("cluster", "primary");
        out("offset-key-multi", key.fromConnectData("mirror", null, Arrays.asList("mirror", multi)));
    }
}
"#;

fn run_java() -> HashMap<String, Vec<u8>> {
    let dir = std::env::temp_dir().join(format!("kconnect-internal-topics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("InternalTopics.java");
    std::fs::write(&path, JAVA).expect("write InternalTopics.java");
    let out = support::java_tool_timeout(
        path.to_str().expect("utf-8 temp path"),
        &[],
        None,
        Duration::from_secs(300),
    );
    support::assert_tool_ok(&out, "InternalTopics.java (Java's Connect classes)");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (id, b64) = l.split_once(' ')?;
            Some((id.to_string(), base64::decode(b64).ok()?))
        })
        .collect()
}

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn internal_topic_values_match_java_byte_for_byte() {
    let java = run_java();
    let ours: Vec<(&str, Vec<u8>)> = vec![
        (
            "connector",
            properties_value(&props(&[
                ("connector.class", "FileStreamSource"),
                ("tasks.max", "2"),
                ("file", "/tmp/in \"quoted\"\n"),
                ("topic", "t\u{e9}"),
                ("name", "src"),
            ])),
        ),
        ("task-empty", properties_value(&Props::new())),
        ("target-STARTED", target_state_value(TargetState::Started)),
        ("target-PAUSED", target_state_value(TargetState::Paused)),
        ("target-STOPPED", target_state_value(TargetState::Stopped)),
        ("commit", commit_value(3)),
        ("fencing", task_count_value(4)),
        (
            "session-key",
            session_key_value(&SessionKey {
                key: (0..32u8).map(|i| i.wrapping_mul(7)).collect(),
                algorithm: "HmacSHA256".to_string(),
                creation_timestamp: 1_700_000_000_123,
            }),
        ),
        (
            "restart",
            restart_value(&RestartRequest {
                connector: "c".to_string(),
                only_failed: false,
                include_tasks: true,
            }),
        ),
        ("logger", logger_level_value("DEBUG")),
        (
            "status-running",
            status_value(&StatusRecord {
                state: State::Running,
                trace: None,
                worker_id: "host:8083".to_string(),
                generation: 7,
                version: None,
            }),
        ),
        (
            "status-failed",
            status_value(&StatusRecord {
                state: State::Failed,
                trace: Some(
                    "org.apache.kafka.connect.errors.ConnectException: boom\n\tat X.y(X.java:1)"
                        .to_string(),
                ),
                worker_id: "host:8083".to_string(),
                generation: 2,
                version: Some("4.3.1".to_string()),
            }),
        ),
        (
            "status-topic",
            topic_status_value(&TopicStatus {
                topic: "orders".to_string(),
                connector: "c".to_string(),
                task: 3,
                discover_timestamp: 1_700_000_000_000,
            }),
        ),
    ];
    let mut mismatches = Vec::new();
    for (id, bytes) in &ours {
        match java.get(*id) {
            Some(j) if j == bytes => {}
            Some(j) => mismatches.push(format!(
                "{id}:\n  java: {}\n  ours: {}",
                String::from_utf8_lossy(j),
                String::from_utf8_lossy(bytes)
            )),
            None => mismatches.push(format!("{id}: Java printed nothing")),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The task id parser agrees with the key format.
    assert_eq!(
        parse_task_id(&task_key(&ConnectorTaskId {
            connector: "a-b".to_string(),
            task: 9
        }))
        .map(|id| (id.connector, id.task)),
        Some(("a-b".to_string(), 9))
    );
}

#[test]
fn offset_keys_and_values_match_java() {
    let java = run_java();
    let mut partition = serde_json::Map::new();
    partition.insert("filename".into(), "/tmp/in.txt".into());
    let mut offset = serde_json::Map::new();
    offset.insert("position".into(), 1234.into());
    assert_eq!(
        java.get("offset-key")
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        Some(String::from_utf8_lossy(&offset_key("file-source", &partition)).into_owned())
    );
    assert_eq!(java.get("offset-value"), Some(&offset_value(&offset)));
    // Several partition fields: Java writes them in HashMap order; the
    // Kafka offset store finds them by their canonical form.
    let mut multi = serde_json::Map::new();
    multi.insert("topic".into(), "t".into());
    multi.insert("partition".into(), 3.into());
    multi.insert("cluster".into(), "primary".into());
    let java_multi = java
        .get("offset-key-multi")
        .expect("Java printed the multi key");
    assert_eq!(
        canonical_key(java_multi),
        canonical_key(&offset_key("mirror", &multi))
    );
}
