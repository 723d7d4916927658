//! Java's own `KafkaStatusBackingStore` and `KafkaOffsetBackingStore`
//! (connect-runtime 4.3.1) and ours on the same topics: Java reads the
//! statuses and source offsets kconnect wrote (offsets looked up by the key
//! bytes Java serializes itself), and kconnect reads what Java wrote.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kconnect::runtime::status::{ConnectorTaskId, State, StatusStore};
use kconnect::runtime::storage::kafka_log::{KafkaBasedLogConfig, TopicSpec};
use kconnect::runtime::storage::kafka_offset::{
    KafkaOffsetBackingStore, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::kafka_status::{
    KafkaStatusBackingStore, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::offset::{offset_key, offset_value, OffsetBackingStore};
use kconnect::runtime::storage::status_cache::StatusRecord;
use support::{shared_broker, unique_topic};

const JAVA: &str = r#"
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.*;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.*;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;

public class JavaStatusOffsets {
    static String show(AbstractStatus<?> s) {
        return s == null ? "null" : s.state() + " " + s.workerId() + " " + s.generation() + " " + s.trace();
    }
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], statusTopic = args[1], offsetTopic = args[2];
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", "interop");
        props.put("config.storage.topic", statusTopic + "-configs");
        props.put("offset.storage.topic", offsetTopic);
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.topic", statusTopic);
        props.put("status.storage.replication.factor", "1");
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        DistributedConfig config = new DistributedConfig(props);
        JsonConverter value = new JsonConverter();
        value.configure(Map.of("schemas.enable", "false"), false);
        JsonConverter key = new JsonConverter();
        key.configure(Map.of("schemas.enable", "false"), true);
        Map<String, Object> adminProps = new HashMap<>();
        adminProps.put("bootstrap.servers", bootstrap);

        KafkaStatusBackingStore statuses = new KafkaStatusBackingStore(
            Time.SYSTEM, value, () -> new TopicAdmin(adminProps), "interop-");
        statuses.configure(config);
        statuses.start();
        System.out.println("R connector " + show(statuses.get("rust-conn")));
        System.out.println("R task0 " + show(statuses.get(new ConnectorTaskId("rust-conn", 0))));
        System.out.println("R task1 " + show(statuses.get(new ConnectorTaskId("rust-conn", 1))));
        TopicStatus t = statuses.getTopic("rust-conn", "lines");
        System.out.println("R topic " + (t == null ? "null" : t.topic() + " " + t.connector() + " " + t.task()));

        KafkaOffsetBackingStore offsets = new KafkaOffsetBackingStore(
            () -> new TopicAdmin(adminProps), () -> "interop-", key);
        offsets.configure(config);
        offsets.start();
        byte[] rustKey = key.fromConnectData("rust-src", null,
            Arrays.asList("rust-src", Collections.singletonMap("filename", "/tmp/in.txt")));
        Map<ByteBuffer, ByteBuffer> got = offsets.get(List.of(ByteBuffer.wrap(rustKey))).get();
        ByteBuffer v = got.get(ByteBuffer.wrap(rustKey));
        System.out.println("R offset " + (v == null ? "null" : StandardCharsets.UTF_8.decode(v)));
        System.out.println("R partitions " + offsets.connectorPartitions("rust-src"));

        statuses.put(new ConnectorStatus("java-conn", AbstractStatus.State.PAUSED, "java:8083", 11));
        statuses.put(new TaskStatus(new ConnectorTaskId("java-conn", 0), AbstractStatus.State.FAILED,
            "java:8083", 11, "java.lang.RuntimeException: oops", "4.3.1"));
        statuses.put(new TopicStatus("jtopic", "java-conn", 0, 42L));
        statuses.flush();
        byte[] javaKey = key.fromConnectData("java-src", null,
            Arrays.asList("java-src", Collections.singletonMap("filename", "/j.txt")));
        byte[] javaValue = value.fromConnectData("java-src", null, Collections.singletonMap("position", 99L));
        offsets.set(Map.of(ByteBuffer.wrap(javaKey), ByteBuffer.wrap(javaValue)), (e, r) -> {}).get();
        offsets.stop();
        statuses.stop();
        System.out.println("R done");
    }
}
"#;

fn run_java(bootstrap: &str, status_topic: &str, offset_topic: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("kconnect-java-status-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("JavaStatusOffsets.java");
    std::fs::write(&path, JAVA).expect("write JavaStatusOffsets.java");
    let out = support::java_tool_timeout(
        path.to_str().expect("utf-8 temp path"),
        &[bootstrap, status_topic, offset_topic],
        None,
        Duration::from_secs(180),
    );
    support::assert_tool_ok(
        &out,
        "JavaStatusOffsets.java (Java's Kafka status and offset stores)",
    );
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("R ").map(str::to_owned))
        .collect()
}

fn status_log(bootstrap: &str, topic: &str) -> KafkaBasedLogConfig {
    let mut spec = TopicSpec::new(topic, STATUS_TOPIC_CONFIG, STATUS_TOPIC_PURPOSE);
    spec.partitions = 5;
    KafkaBasedLogConfig::new(bootstrap, spec)
}

fn offset_log(bootstrap: &str, topic: &str) -> KafkaBasedLogConfig {
    let mut spec = TopicSpec::new(topic, OFFSET_TOPIC_CONFIG, OFFSET_TOPIC_PURPOSE);
    spec.partitions = 25;
    KafkaBasedLogConfig::new(bootstrap, spec)
}

fn source_map(pairs: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    pairs.as_object().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_and_kconnect_status_and_offset_stores_read_each_other() {
    let bootstrap = shared_broker().bootstrap.clone();
    let status_topic = unique_topic("connect-status-interop");
    let offset_topic = unique_topic("connect-offsets-interop");

    let statuses = Arc::new(
        KafkaStatusBackingStore::start(status_log(&bootstrap, &status_topic))
            .await
            .unwrap(),
    );
    statuses.set_generation(4);
    let store = StatusStore::with_backend("rust:8083", statuses.clone());
    let task = |n| ConnectorTaskId {
        connector: "rust-conn".to_string(),
        task: n,
    };
    store.put_connector("rust-conn", State::Running, None);
    store.put_task(&task(0), State::Running, None);
    store.put_task(&task(1), State::Failed, Some("boom".to_string()));
    store.put_topic(&task(0), "lines");
    statuses.stop().await;
    let offsets = KafkaOffsetBackingStore::start(offset_log(&bootstrap, &offset_topic))
        .await
        .unwrap();
    let partition = source_map(serde_json::json!({"filename": "/tmp/in.txt"}));
    let offset = source_map(serde_json::json!({"position": 1234}));
    offsets
        .set(vec![(
            offset_key("rust-src", &partition),
            Some(offset_value(&offset)),
        )])
        .await
        .unwrap();
    offsets.stop().await;

    let (b, s, o) = (
        bootstrap.clone(),
        status_topic.clone(),
        offset_topic.clone(),
    );
    let lines = tokio::task::spawn_blocking(move || run_java(&b, &s, &o))
        .await
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "connector RUNNING rust:8083 4 null",
            "task0 RUNNING rust:8083 4 null",
            "task1 FAILED rust:8083 4 boom",
            "topic lines rust-conn 0",
            "offset {\"position\":1234}",
            "partitions [{filename=/tmp/in.txt}]",
            "done",
        ]
    );

    let statuses = KafkaStatusBackingStore::start(status_log(&bootstrap, &status_topic))
        .await
        .unwrap();
    assert_eq!(
        statuses.connector_status("java-conn"),
        Some(StatusRecord {
            state: State::Paused,
            trace: None,
            worker_id: "java:8083".to_string(),
            generation: 11,
            version: None,
        })
    );
    assert_eq!(
        statuses.task_status(&ConnectorTaskId {
            connector: "java-conn".to_string(),
            task: 0
        }),
        Some(StatusRecord {
            state: State::Failed,
            trace: Some("java.lang.RuntimeException: oops".to_string()),
            worker_id: "java:8083".to_string(),
            generation: 11,
            version: Some("4.3.1".to_string()),
        })
    );
    assert_eq!(
        statuses
            .topic_status("java-conn", "jtopic")
            .map(|t| (t.task, t.discover_timestamp)),
        Some((0, 42))
    );
    statuses.stop().await;
    let offsets = KafkaOffsetBackingStore::start(offset_log(&bootstrap, &offset_topic))
        .await
        .unwrap();
    let java_key = offset_key(
        "java-src",
        &source_map(serde_json::json!({"filename": "/j.txt"})),
    );
    let got = offsets
        .get_many(std::slice::from_ref(&java_key))
        .await
        .unwrap();
    assert_eq!(
        got.get(&java_key).cloned().flatten(),
        Some(br#"{"position":99}"#.to_vec())
    );
    offsets.stop().await;
}
