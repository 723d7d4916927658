//! Java's own `KafkaConfigBackingStore` (connect-runtime 4.3.1) and ours on
//! one config topic: Java reads back the connector, target state, task
//! configs and session key that kconnect wrote, and kconnect reads what
//! Java's store wrote — what moving a cluster between the two needs.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect::api::connector::Props;
use kconnect::api::data::base64;
use kconnect::runtime::status::{ConnectorTaskId, TargetState};
use kconnect::runtime::storage::config::{
    ConfigBackingStore, KafkaConfigBackingStore, CONFIG_TOPIC_CONFIG, CONFIG_TOPIC_PURPOSE,
};
use kconnect::runtime::storage::config_records::SessionKey;
use kconnect::runtime::storage::kafka_log::{KafkaBasedLogConfig, TopicSpec};
use support::{shared_broker, unique_topic};

const JAVA: &str = r#"
import java.util.*;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.SessionKey;
import org.apache.kafka.connect.runtime.RestartRequest;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.*;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;

public class JavaConfigStore {
    static String sorted(Map<String, String> m) {
        return m == null ? "null" : new TreeMap<>(m).toString();
    }
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], topic = args[1];
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", "interop");
        props.put("config.storage.topic", topic);
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.topic", topic + "-offsets");
        props.put("status.storage.topic", topic + "-status");
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        DistributedConfig config = new DistributedConfig(props);
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), false);
        Map<String, Object> adminProps = new HashMap<>();
        adminProps.put("bootstrap.servers", bootstrap);
        KafkaConfigBackingStore store = new KafkaConfigBackingStore(
            converter, config, null, () -> new TopicAdmin(adminProps), "interop-");
        store.setUpdateListener(new ConfigBackingStore.UpdateListener() {
            public void onConnectorConfigRemove(String c) {}
            public void onConnectorConfigUpdate(String c) {}
            public void onTaskConfigUpdate(Collection<ConnectorTaskId> t) {}
            public void onConnectorTargetStateChange(String c) {}
            public void onSessionKeyUpdate(SessionKey k) {}
            public void onRestartRequest(RestartRequest r) {}
            public void onLoggingLevelUpdate(String n, String l) {}
        });
        store.start();
        ClusterConfigState s = store.snapshot();
        System.out.println("R connectors " + new TreeSet<>(s.connectors()));
        for (String c : new TreeSet<>(s.connectors())) {
            System.out.println("R config " + c + " " + sorted(s.rawConnectorConfig(c)));
            System.out.println("R target " + c + " " + s.targetState(c));
            System.out.println("R tasks " + c + " " + s.tasks(c) + " inconsistent=" + s.inconsistentConnectors().contains(c));
            for (ConnectorTaskId id : s.tasks(c))
                System.out.println("R task " + id + " " + sorted(s.rawTaskConfig(id)));
        }
        SessionKey key = s.sessionKey();
        System.out.println("R session " + Base64.getEncoder().encodeToString(key.key().getEncoded())
            + " " + key.key().getAlgorithm() + " " + key.creationTimestamp());

        Map<String, String> jc = new HashMap<>();
        jc.put("connector.class", "FileStreamSink");
        jc.put("topics", "a,b");
        jc.put("file", "/tmp/out.txt");
        store.putConnectorConfig("java-conn", jc, TargetState.PAUSED);
        store.putTaskConfigs("java-conn", List.of(Map.of("task", "0"), Map.of("task", "1", "x", "y")));
        store.putTargetState("java-conn", TargetState.STOPPED);
        byte[] k = new byte[16];
        Arrays.fill(k, (byte) 9);
        store.putSessionKey(new SessionKey(new SecretKeySpec(k, "HmacSHA256"), 1234567890123L));
        store.refresh(30, java.util.concurrent.TimeUnit.SECONDS);
        store.stop();
        System.out.println("R done");
    }
}
"#;

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Java's `TreeMap.toString()` of a config.
fn java_map(p: &Props) -> String {
    let sorted: BTreeMap<&String, &String> = p.iter().collect();
    let inner: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn run_java(bootstrap: &str, topic: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("kconnect-java-config-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join("JavaConfigStore.java");
    std::fs::write(&path, JAVA).expect("write JavaConfigStore.java");
    let out = support::java_tool_timeout(
        path.to_str().expect("utf-8 temp path"),
        &[bootstrap, topic],
        None,
        Duration::from_secs(180),
    );
    support::assert_tool_ok(
        &out,
        "JavaConfigStore.java (Java's KafkaConfigBackingStore)",
    );
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("R ").map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_and_kconnect_config_stores_read_each_other() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("connect-configs-interop");
    let log = || {
        KafkaBasedLogConfig::new(
            &bootstrap,
            TopicSpec::new(&topic, CONFIG_TOPIC_CONFIG, CONFIG_TOPIC_PURPOSE),
        )
    };
    let (ours, _updates) = KafkaConfigBackingStore::start(log()).await.unwrap();
    let config = props(&[
        ("connector.class", "FileStreamSource"),
        ("file", "/tmp/in.txt"),
        ("topic", "lines"),
        ("tasks.max", "2"),
    ]);
    let tasks = vec![
        props(&[("file", "/tmp/in.txt"), ("topic", "lines")]),
        props(&[("task.index", "1")]),
    ];
    ours.put_connector_config("rust-conn", &config, Some(TargetState::Paused))
        .await
        .unwrap();
    ours.put_task_configs("rust-conn", &tasks).await.unwrap();
    ours.put_session_key(&SessionKey {
        key: vec![7; 32],
        algorithm: "HmacSHA256".to_string(),
        creation_timestamp: 1_700_000_000_000,
    })
    .await
    .unwrap();
    ours.stop().await;

    let (b, t) = (bootstrap.clone(), topic.clone());
    let lines = tokio::task::spawn_blocking(move || run_java(&b, &t))
        .await
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "connectors [rust-conn]".to_string(),
            format!("config rust-conn {}", java_map(&config)),
            "target rust-conn PAUSED".to_string(),
            "tasks rust-conn [rust-conn-0, rust-conn-1] inconsistent=false".to_string(),
            format!("task rust-conn-0 {}", java_map(&tasks[0])),
            format!("task rust-conn-1 {}", java_map(&tasks[1])),
            format!(
                "session {} HmacSHA256 1700000000000",
                base64::encode(&[7; 32])
            ),
            "done".to_string(),
        ]
    );

    // What Java's store wrote, read by a fresh kconnect store.
    let (fresh, _updates) = KafkaConfigBackingStore::start(log()).await.unwrap();
    let s = fresh.snapshot();
    assert_eq!(
        s.connectors(),
        vec!["java-conn".to_string(), "rust-conn".to_string()]
    );
    assert_eq!(
        s.connector_config("java-conn"),
        Some(&props(&[
            ("connector.class", "FileStreamSink"),
            ("topics", "a,b"),
            ("file", "/tmp/out.txt"),
        ]))
    );
    assert_eq!(s.target_state("java-conn"), Some(TargetState::Stopped));
    assert_eq!(
        s.tasks("java-conn"),
        vec![
            ConnectorTaskId {
                connector: "java-conn".to_string(),
                task: 0
            },
            ConnectorTaskId {
                connector: "java-conn".to_string(),
                task: 1
            },
        ]
    );
    assert_eq!(
        s.all_task_configs("java-conn"),
        vec![props(&[("task", "0")]), props(&[("task", "1"), ("x", "y")])]
    );
    assert_eq!(
        s.session_key,
        Some(SessionKey {
            key: vec![9; 16],
            algorithm: "HmacSHA256".to_string(),
            creation_timestamp: 1_234_567_890_123,
        })
    );
    assert_eq!(s.target_state("rust-conn"), Some(TargetState::Paused));
    fresh.stop().await;
}
