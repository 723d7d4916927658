//! The REST API end to end: a standalone worker started in-process against a
//! real broker, served on a free loopback port, driven over plain HTTP/1.1
//! the way curl drives Java's worker. Bodies and status codes are compared
//! with what Java's `ConnectorsResource` answers: the connector lifecycle
//! (create, read, pause, resume, reconfigure, restart, stop, delete), the
//! error answers (409, 404, 405, 400 for malformed JSON, 413), config
//! validation (the key sets Java's `connect_rest_test` checks), connector
//! offsets (KIP-875) for the file source and sink, and `/admin/loggers`.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::rest::{serve, ServerInfo};
use kconnect::runtime::standalone::{start_with_props, Standalone};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

// --- a tiny HTTP/1.1 client --------------------------------------------------------

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads
/// the whole answer.
async fn raw_request(addr: SocketAddr, head: &str, body: &[u8]) -> HttpResponse {
    let exchange = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .expect("connect to the REST server");
        stream
            .write_all(head.as_bytes())
            .await
            .expect("write request head");
        // The server may answer (413) and close before reading it all.
        let _ = stream.write_all(body).await;
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        raw
    };
    let raw = tokio::time::timeout(Duration::from_secs(60), exchange)
        .await
        .expect("REST request timed out");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

async fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    raw_request(addr, &head, body.as_bytes()).await
}

async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    request(addr, "GET", path, None).await
}

fn assert_status(resp: &HttpResponse, status: u16, what: &str) {
    assert_eq!(resp.status, status, "{what}: body {:?}", resp.body);
}

fn assert_error(resp: &HttpResponse, status: u16, message: &str) {
    assert_status(resp, status, message);
    assert_eq!(
        resp.json(),
        json!({"error_code": status, "message": message})
    );
}

// --- a worker with its REST server -------------------------------------------------

struct TestWorker {
    worker: Standalone,
    addr: SocketAddr,
    shutdown: CancellationToken,
    dir: PathBuf,
    info: ServerInfo,
}

impl TestWorker {
    async fn start(prefix: &str) -> TestWorker {
        TestWorker::start_with(prefix, &[]).await
    }

    async fn start_with(prefix: &str, extra: &[(&str, &str)]) -> TestWorker {
        let broker = tokio::task::block_in_place(support::shared_broker);
        let dir = std::env::temp_dir().join(format!(
            "kconnect-rest-{prefix}-{:016x}",
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let props: HashMap<String, String> = [
            ("bootstrap.servers", broker.bootstrap.clone()),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter".to_string(),
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter".to_string(),
            ),
            (
                "offset.storage.file.filename",
                dir.join("connect.offsets").display().to_string(),
            ),
            ("offset.flush.interval.ms", "1000".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
        let worker = start_with_props(props, &[])
            .await
            .expect("start the standalone worker");
        let info = ServerInfo::new("4.1.0", "0123456789abcdef", "test-cluster-id");
        let shutdown = CancellationToken::new();
        let addrs = serve(
            "http://127.0.0.1:0",
            kconnect::rest::HerderRef::Standalone(worker.herder.clone()),
            info.clone(),
            shutdown.clone(),
        )
        .await
        .expect("start the REST server");
        assert_eq!(addrs.len(), 1);
        TestWorker {
            worker,
            addr: addrs[0],
            shutdown,
            dir,
            info,
        }
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.worker.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Polls the status until `check` accepts it.
    async fn wait_for_status(
        &self,
        name: &str,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let resp = get(self.addr, &format!("/connectors/{name}/status")).await;
            if resp.status == 200 && check(&resp.json()) {
                return resp.json();
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last {}",
                resp.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn states(status: &Value) -> (String, Vec<String>) {
    let connector = status["connector"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tasks = status["tasks"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| t["state"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (connector, tasks)
}

fn all_in(state: &'static str, tasks: usize) -> impl Fn(&Value) -> bool {
    move |s| {
        let (c, t) = states(s);
        c == state && t.len() == tasks && t.iter().all(|t| t == state)
    }
}

// --- Kafka helpers -----------------------------------------------------------------

async fn create_topic(bootstrap: &str, topic: &str) {
    let admin = Admin::connect(ClientConfig::new(bootstrap))
        .await
        .expect("admin");
    admin
        .create_topics(&[NewTopic::new(topic, 1, 1)])
        .await
        .expect("create topic");
}

/// Reads values from partition 0 of `topic` until `done` accepts them.
async fn wait_for_values(
    bootstrap: &str,
    topic: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut config = ConsumerConfig::new(bootstrap);
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::connect(config).await.expect("consumer");
    consumer.assign([TopicPartition::new(topic, 0)]);
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(&values) {
        assert!(
            Instant::now() < deadline,
            "timed out reading {topic}; got {values:?}"
        );
        match consumer.poll(Duration::from_millis(500)).await {
            Ok(batches) => {
                for b in batches {
                    for r in b.records {
                        let v = r.value.map(|v| String::from_utf8_lossy(&v).into_owned());
                        values.push(v.unwrap_or_default());
                    }
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    consumer.close().await;
    values
}

fn append(path: &Path, lines: &[&str]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open source file");
    for l in lines {
        writeln!(f, "{l}").expect("append");
    }
}

// --- the tests ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_lifecycle_over_rest() {
    let w = TestWorker::start("lifecycle").await;
    let addr = w.addr;
    let bootstrap = support::shared_broker().bootstrap.clone();
    let topic = support::unique_topic("rest-src");
    let topic2 = support::unique_topic("rest-src-b");
    create_topic(&bootstrap, &topic).await;
    create_topic(&bootstrap, &topic2).await;
    let file = w.dir.join("source.txt");
    append(&file, &["one", "two", "three"]);
    let file_s = file.display().to_string();
    let worker_id = w.worker.worker_id.clone();

    // Create: 201, Location, and Java's ConnectorInfo (the name added to the config).
    let create = json!({
        "name": "file-src",
        "config": {"connector.class": "FileStreamSource", "tasks.max": "1", "file": file_s, "topic": topic}
    })
    .to_string();
    let resp = request(addr, "POST", "/connectors", Some(&create)).await;
    assert_status(&resp, 201, "create");
    assert_eq!(
        resp.header("Location"),
        Some(format!("http://{addr}/connectors/file-src").as_str())
    );
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    let config_json = format!(
        r#"{{"connector.class":"FileStreamSource","file":{},"name":"file-src","tasks.max":"1","topic":"{topic}"}}"#,
        Value::String(file_s.clone())
    );
    let info_json = format!(
        r#"{{"name":"file-src","config":{config_json},"tasks":[{{"connector":"file-src","task":0}}],"type":"source"}}"#
    );
    assert_eq!(resp.body, info_json);

    // The same name again: 409.
    let resp = request(addr, "POST", "/connectors", Some(&create)).await;
    assert_error(&resp, 409, "Connector file-src already exists");

    // Reads: list, info, config, tasks.
    let resp = get(addr, "/connectors").await;
    assert_status(&resp, 200, "list");
    assert_eq!(resp.body, r#"["file-src"]"#);
    let resp = get(addr, "/connectors/file-src").await;
    assert_status(&resp, 200, "info");
    assert_eq!(resp.body, info_json);
    let resp = get(addr, "/connectors/file-src/config").await;
    assert_status(&resp, 200, "config");
    assert_eq!(resp.body, config_json);
    let resp = get(addr, "/connectors/file-src/tasks").await;
    assert_status(&resp, 200, "tasks");
    // Java's task config: the connector's, with the task class it added.
    let task_json = format!(
        r#"{{"connector.class":"FileStreamSource","file":{},"name":"file-src","task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","tasks.max":"1","topic":"{topic}"}}"#,
        Value::String(file_s.clone())
    );
    assert_eq!(
        resp.body,
        format!(r#"[{{"id":{{"connector":"file-src","task":0}},"config":{task_json}}}]"#)
    );

    // Running, with exactly Java's status body; the lines reach the topic.
    w.wait_for_status("file-src", "RUNNING", all_in("RUNNING", 1))
        .await;
    let resp = get(addr, "/connectors/file-src/status").await;
    assert_eq!(
        resp.body,
        format!(
            r#"{{"name":"file-src","connector":{{"state":"RUNNING","worker_id":"{worker_id}"}},"tasks":[{{"id":0,"state":"RUNNING","worker_id":"{worker_id}"}}],"type":"source"}}"#
        )
    );
    let resp = get(addr, "/connectors/file-src/tasks/0/status").await;
    assert_status(&resp, 200, "task status");
    assert_eq!(
        resp.body,
        format!(r#"{{"id":0,"state":"RUNNING","worker_id":"{worker_id}"}}"#)
    );
    let values = wait_for_values(&bootstrap, &topic, |v| v.len() >= 3).await;
    assert_eq!(values, ["one", "two", "three"]);
    // The topic it produced to is an active topic (KIP-558).
    let resp = get(addr, "/connectors/file-src/topics").await;
    assert_status(&resp, 200, "active topics");
    assert_eq!(resp.json(), json!({"file-src": {"topics": [topic]}}));

    // Pause (202, no body) and resume (202).
    let resp = request(addr, "PUT", "/connectors/file-src/pause", None).await;
    assert_status(&resp, 202, "pause");
    assert_eq!(resp.body, "");
    w.wait_for_status("file-src", "PAUSED", all_in("PAUSED", 1))
        .await;
    let resp = request(addr, "PUT", "/connectors/file-src/resume", None).await;
    assert_status(&resp, 202, "resume");
    w.wait_for_status("file-src", "RUNNING after resume", all_in("RUNNING", 1))
        .await;

    // Reconfigure with PUT: 200 (replaced, not created), and the new topic is used.
    let update = json!({"connector.class": "FileStreamSource", "tasks.max": "1", "file": file_s, "topic": topic2}).to_string();
    let resp = request(addr, "PUT", "/connectors/file-src/config", Some(&update)).await;
    assert_status(&resp, 200, "config update");
    assert_eq!(resp.header("Location"), None);
    assert_eq!(resp.json()["config"]["topic"], json!(topic2));
    let resp = get(addr, "/connectors/file-src/tasks").await;
    assert_eq!(resp.json()[0]["config"]["topic"], json!(topic2));
    w.wait_for_status("file-src", "RUNNING after update", all_in("RUNNING", 1))
        .await;
    append(&file, &["after-update"]);
    let values = wait_for_values(&bootstrap, &topic2, |v| {
        v.iter().any(|s| s == "after-update")
    })
    .await;
    assert!(values.contains(&"after-update".to_string()), "{values:?}");
    let mut both = vec![topic.clone(), topic2.clone()];
    both.sort();
    assert_eq!(
        get(addr, "/connectors/file-src/topics").await.json(),
        json!({"file-src": {"topics": both}})
    );
    let resp = request(addr, "PUT", "/connectors/file-src/topics/reset", None).await;
    assert_status(&resp, 202, "topics reset");
    assert_eq!(
        get(addr, "/connectors/file-src/topics").await.json(),
        json!({"file-src": {"topics": []}})
    );

    // Stop: the connector is STOPPED with no tasks and no task configs.
    let resp = request(addr, "PUT", "/connectors/file-src/stop", None).await;
    assert_status(&resp, 204, "stop");
    w.wait_for_status("file-src", "STOPPED", |s| {
        states(s) == ("STOPPED".to_string(), Vec::new())
    })
    .await;
    assert_eq!(get(addr, "/connectors/file-src/tasks").await.body, "[]");
    assert_eq!(
        get(addr, "/connectors/file-src").await.json()["tasks"],
        json!([])
    );

    // Delete: 204, then 404 everywhere.
    let resp = request(addr, "DELETE", "/connectors/file-src", None).await;
    assert_status(&resp, 204, "delete");
    assert_eq!(resp.body, "");
    assert_error(
        &get(addr, "/connectors/file-src").await,
        404,
        "Connector file-src not found",
    );
    assert_error(
        &get(addr, "/connectors/file-src/status").await,
        404,
        "No status found for connector file-src",
    );
    assert_error(
        &request(addr, "DELETE", "/connectors/file-src", None).await,
        404,
        "Connector file-src not found",
    );
    assert_eq!(get(addr, "/connectors").await.body, "[]");

    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_endpoints_and_errors() {
    let w = TestWorker::start("errors").await;
    let addr = w.addr;

    // Root, health, plugins.
    let resp = get(addr, "/").await;
    assert_status(&resp, 200, "root");
    assert_eq!(
        resp.body,
        format!(
            r#"{{"version":"{}","commit":"{}","kafka_cluster_id":"{}"}}"#,
            w.info.version, w.info.commit, w.info.kafka_cluster_id
        )
    );
    let resp = get(addr, "/health").await;
    assert_status(&resp, 200, "health");
    assert_eq!(
        resp.body,
        r#"{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}"#
    );
    let version = env!("CARGO_PKG_VERSION");
    let plugins = format!(
        r#"[{{"class":"org.apache.kafka.connect.file.FileStreamSinkConnector","type":"sink","version":"{version}"}},{{"class":"org.apache.kafka.connect.file.FileStreamSourceConnector","type":"source","version":"{version}"}}]"#
    );
    assert_eq!(get(addr, "/connector-plugins").await.body, plugins);
    // All plugins: the connectors first, then converters, header converters,
    // transformations and predicates.
    let all = get(addr, "/connector-plugins?connectorsOnly=false")
        .await
        .json();
    let all = all.as_array().cloned().unwrap_or_default();
    let connectors: Value = serde_json::from_str(&plugins).unwrap_or_default();
    assert_eq!(
        &all[..2],
        connectors.as_array().map(|c| &c[..]).unwrap_or_default()
    );
    for (class, type_) in [
        ("org.apache.kafka.connect.json.JsonConverter", "converter"),
        (
            "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            "header_converter",
        ),
        (
            "org.apache.kafka.connect.transforms.InsertField$Value",
            "transformation",
        ),
        (
            "org.apache.kafka.connect.transforms.Cast$Key",
            "transformation",
        ),
    ] {
        assert!(
            all.contains(&json!({"class": class, "type": type_, "version": version})),
            "{class} missing from {all:?}"
        );
    }
    let keys = get(
        addr,
        "/connector-plugins/org.apache.kafka.connect.transforms.HoistField$Value/config",
    )
    .await;
    assert_status(&keys, 200, "SMT config");
    let names: Vec<String> = keys
        .json()
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["field"]);

    // Jersey's answers for unknown paths and methods.
    assert_error(&get(addr, "/nope").await, 404, "HTTP 404 Not Found");
    assert_error(
        &get(addr, "/connectors/c/tasks/abc/status").await,
        404,
        "HTTP 404 Not Found",
    );
    let resp = request(addr, "DELETE", "/connectors", None).await;
    assert_error(&resp, 405, "HTTP 405 Method Not Allowed");
    assert_eq!(resp.header("Allow"), Some("GET, POST, HEAD, OPTIONS"));

    // Bad bodies: 400 with an error body, never a 500.
    let resp = request(
        addr,
        "POST",
        "/connectors",
        Some("{\"name\": \"x\", \"config\": {"),
    )
    .await;
    assert_status(&resp, 400, "malformed JSON");
    let err = resp.json();
    assert_eq!(err["error_code"], json!(400));
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );
    let resp = request(addr, "POST", "/connectors", Some("")).await;
    assert_status(&resp, 400, "empty body");
    let resp = request(addr, "PUT", "/connectors/c/config", Some("[1,2]")).await;
    assert_status(&resp, 400, "config array");
    let mismatch =
        json!({"name": "a", "config": {"name": "b", "connector.class": "FileStreamSource"}})
            .to_string();
    assert_error(
        &request(addr, "POST", "/connectors", Some(&mismatch)).await,
        400,
        "Connector name configuration (b) doesn't match connector name in the URL (a)",
    );
    let unknown_class =
        json!({"name": "a", "config": {"connector.class": "com.example.Nope"}}).to_string();
    // Java's plugin lookup throws a plain ConnectException: a 500.
    let resp = request(addr, "POST", "/connectors", Some(&unknown_class)).await;
    assert_status(&resp, 500, "unknown class");
    assert!(
        resp.json()["message"].as_str().is_some_and(|m| m.starts_with(
            "Failed to find any class that implements Connector and which name matches com.example.Nope, available connectors are: PluginDesc{"
        )),
        "{}",
        resp.body
    );
    // A declared body over 10 MiB is refused before it is read.
    let head = format!(
        "POST /connectors HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        20 * 1024 * 1024
    );
    let resp = raw_request(addr, &head, b"{").await;
    assert_status(&resp, 413, "too large");
    assert_eq!(resp.json()["error_code"], json!(413));

    // PUT creates (201 + Location), PATCH merges and deletes keys with null.
    let file = w.dir.join("in.txt").display().to_string();
    let config = json!({"connector.class": "FileStreamSource", "file": file, "topic": "t-rest", "batch.size": "10"});
    let resp = request(
        addr,
        "PUT",
        "/connectors/my%20src/config",
        Some(&config.to_string()),
    )
    .await;
    assert_status(&resp, 201, "PUT create");
    assert_eq!(
        resp.header("Location"),
        Some(format!("http://{addr}/connectors/my%20src").as_str())
    );
    assert_eq!(resp.json()["name"], json!("my src"));
    let resp = request(
        addr,
        "PUT",
        "/connectors/my%20src/config",
        Some(&config.to_string()),
    )
    .await;
    assert_status(&resp, 200, "PUT replace");
    let resp = request(
        addr,
        "PATCH",
        "/connectors/my%20src/config",
        Some(r#"{"batch.size": null, "tasks.max": 1}"#),
    )
    .await;
    assert_status(&resp, 200, "PATCH");
    let patched = get(addr, "/connectors/my%20src/config").await.json();
    assert_eq!(
        patched,
        json!({"connector.class": "FileStreamSource", "file": file, "topic": "t-rest", "tasks.max": "1", "name": "my src"})
    );
    assert_error(
        &request(addr, "PATCH", "/connectors/nope/config", Some("{}")).await,
        404,
        "Connector nope not found",
    );

    // Expansions.
    w.wait_for_status("my%20src", "RUNNING", all_in("RUNNING", 1))
        .await;
    let resp = get(addr, "/connectors?expand=status&expand=info").await;
    assert_status(&resp, 200, "expand");
    let expanded = resp.json();
    assert_eq!(expanded["my src"]["info"]["name"], json!("my src"));
    assert_eq!(
        expanded["my src"]["status"]["connector"]["state"],
        json!("RUNNING")
    );
    let only_status = get(addr, "/connectors?expand=status").await.json();
    assert!(only_status["my src"].get("info").is_none(), "{only_status}");

    // Restarts: 204 for the connector alone, 202 with the plan otherwise.
    let resp = request(addr, "POST", "/connectors/my%20src/restart", None).await;
    assert_status(&resp, 204, "restart");
    let resp = request(
        addr,
        "POST",
        "/connectors/my%20src/restart?includeTasks=true",
        None,
    )
    .await;
    assert_status(&resp, 202, "restart with tasks");
    let (c, t) = states(&resp.json());
    assert_eq!(
        (c.as_str(), t),
        ("RESTARTING", vec!["RESTARTING".to_string()])
    );
    w.wait_for_status("my%20src", "RUNNING after restart", all_in("RUNNING", 1))
        .await;
    let resp = request(
        addr,
        "POST",
        "/connectors/my%20src/restart?includeTasks=true&onlyFailed=true",
        None,
    )
    .await;
    assert_status(&resp, 202, "restart only failed");
    assert_eq!(
        states(&resp.json()),
        ("RUNNING".to_string(), vec!["RUNNING".to_string()])
    );
    let resp = request(addr, "POST", "/connectors/my%20src/tasks/0/restart", None).await;
    assert_status(&resp, 204, "task restart");
    assert_error(
        &request(addr, "POST", "/connectors/my%20src/tasks/7/restart", None).await,
        404,
        "Task my src-7 not found",
    );
    assert_error(
        &get(addr, "/connectors/my%20src/tasks/7/status").await,
        404,
        "No status found for task my src-7",
    );

    // Stop (204) then resume from STOPPED (202).
    let resp = request(addr, "PUT", "/connectors/my%20src/stop", None).await;
    assert_status(&resp, 204, "stop");
    w.wait_for_status("my%20src", "STOPPED", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;
    let resp = request(addr, "PUT", "/connectors/my%20src/resume", None).await;
    assert_status(&resp, 202, "resume from stopped");
    w.wait_for_status("my%20src", "RUNNING after stop", all_in("RUNNING", 1))
        .await;
    assert_error(
        &request(addr, "PUT", "/connectors/nope/pause", None).await,
        404,
        "Unknown connector nope",
    );

    // Created STOPPED: no tasks until resumed.
    let stopped = json!({"name": "held", "config": config, "initial_state": "STOPPED"}).to_string();
    assert_status(
        &request(addr, "POST", "/connectors", Some(&stopped)).await,
        201,
        "create stopped",
    );
    w.wait_for_status("held", "created STOPPED", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;

    // After shutdown the listener stops accepting.
    w.shutdown.cancel();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting after shutdown");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop().await;
}

// --- validation, plugin config, offsets, loggers -------------------------------------

/// Java's `connect_rest_test.py`: the keys validate shows for the file source.
const FILE_SOURCE_CONFIGS: [&str; 23] = [
    "name",
    "connector.class",
    "tasks.max",
    "key.converter",
    "value.converter",
    "header.converter",
    "batch.size",
    "topic",
    "file",
    "transforms",
    "config.action.reload",
    "errors.retry.timeout",
    "errors.retry.delay.max.ms",
    "errors.tolerance",
    "errors.log.enable",
    "errors.log.include.messages",
    "predicates",
    "topic.creation.groups",
    "exactly.once.support",
    "transaction.boundary",
    "transaction.boundary.interval.ms",
    "offsets.storage.topic",
    "tasks.max.enforce",
];

/// ... and for the file sink.
const FILE_SINK_CONFIGS: [&str; 21] = [
    "name",
    "connector.class",
    "tasks.max",
    "key.converter",
    "value.converter",
    "header.converter",
    "topics",
    "file",
    "transforms",
    "topics.regex",
    "config.action.reload",
    "errors.retry.timeout",
    "errors.retry.delay.max.ms",
    "errors.tolerance",
    "errors.log.enable",
    "errors.log.include.messages",
    "errors.deadletterqueue.topic.name",
    "errors.deadletterqueue.topic.replication.factor",
    "errors.deadletterqueue.context.headers.enable",
    "predicates",
    "tasks.max.enforce",
];

fn definition_names(infos: &Value) -> std::collections::BTreeSet<String> {
    infos["configs"]
        .as_array()
        .map(|configs| {
            configs
                .iter()
                .map(|c| {
                    c["definition"]["name"]
                        .as_str()
                        .unwrap_or_else(|| panic!("a config without definition: {c}"))
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn key_set(keys: &[&str]) -> std::collections::BTreeSet<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

/// The errors validate reported, in order.
fn validation_errors(infos: &Value) -> Vec<String> {
    infos["configs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["value"]["errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_validation_and_plugin_config() {
    let w = TestWorker::start("validate").await;
    let addr = w.addr;

    // Java's connect_rest_test: no errors, exactly the common + file source keys.
    let source = json!({
        "name": "local-file-source",
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max": "1",
        "file": "/mnt/connect.input",
        "topic": "test",
        "errors.log.enable": "true",
        "errors.log.include.messages": "true",
        "errors.tolerance": "none"
    });
    let resp = request(
        addr,
        "PUT",
        "/connector-plugins/org.apache.kafka.connect.file.FileStreamSourceConnector/config/validate",
        Some(&source.to_string()),
    )
    .await;
    assert_status(&resp, 200, "validate source");
    let infos = resp.json();
    assert_eq!(
        infos["name"],
        json!("org.apache.kafka.connect.file.FileStreamSourceConnector")
    );
    assert_eq!(infos["error_count"], json!(0), "{infos}");
    assert_eq!(definition_names(&infos), key_set(&FILE_SOURCE_CONFIGS));
    assert_eq!(
        infos["groups"],
        json!([
            "Common",
            "Transforms",
            "Predicates",
            "Error Handling",
            "Topic Creation",
            "Exactly Once Support",
            "offsets.topic"
        ])
    );
    let topic = infos["configs"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["definition"]["name"] == json!("topic")))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        topic,
        json!({
            "definition": {
                "name": "topic", "type": "STRING", "required": true, "default_value": null,
                "importance": "HIGH", "documentation": "The topic to publish data to",
                "group": null, "width": "NONE", "display_name": "topic", "dependents": [],
                "order": -1
            },
            "value": {"name": "topic", "value": "test", "recommended_values": [], "errors": [], "visible": true}
        })
    );

    // The same for the sink, by its alias.
    let sink = json!({
        "name": "local-file-sink",
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "file": "/mnt/connect.output",
        "topics": "test"
    });
    let resp = request(
        addr,
        "PUT",
        "/connector-plugins/FileStreamSinkConnector/config/validate",
        Some(&sink.to_string()),
    )
    .await;
    assert_status(&resp, 200, "validate sink");
    let infos = resp.json();
    assert_eq!(infos["name"], json!("FileStreamSink"));
    assert_eq!(infos["error_count"], json!(0), "{infos}");
    assert_eq!(definition_names(&infos), key_set(&FILE_SINK_CONFIGS));

    // Invalid: still 200, with every error counted.
    let invalid =
        json!({"connector.class": "FileStreamSource", "tasks.max": "0", "batch.size": "lots"});
    let resp = request(
        addr,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some(&invalid.to_string()),
    )
    .await;
    assert_status(&resp, 200, "validate invalid");
    let infos = resp.json();
    assert_eq!(infos["error_count"], json!(4), "{infos}");
    assert_eq!(definition_names(&infos), key_set(&FILE_SOURCE_CONFIGS));
    assert_eq!(
        validation_errors(&infos),
        [
            "Missing required configuration \"name\" which has no default value.",
            "Invalid value 0 for configuration tasks.max: Value must be at least 1",
            "Missing required configuration \"topic\" which has no default value.",
            "Invalid value lots for configuration batch.size: Not a number of type INT",
        ]
    );
    // A sink without topics: both topic keys say so.
    let resp = request(
        addr,
        "PUT",
        "/connector-plugins/FileStreamSink/config/validate",
        Some(r#"{"name": "s", "connector.class": "FileStreamSink"}"#),
    )
    .await;
    assert_status(&resp, 200, "validate sink without topics");
    assert_eq!(resp.json()["error_count"], json!(2));

    // The plugin in the path must be the one in the body; the body needs one.
    assert_error(
        &request(
            addr,
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            Some(&source.to_string()),
        )
        .await,
        400,
        "Included connector type org.apache.kafka.connect.file.FileStreamSourceConnector does not match request type FileStreamSink",
    );
    assert_error(
        &request(
            addr,
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            Some(r#"{"name": "x"}"#),
        )
        .await,
        400,
        "Connector config {name=x} contains no connector type",
    );
    assert_error(
        &request(
            addr,
            "GET",
            "/connector-plugins/FileStreamSink/config/validate",
            None,
        )
        .await,
        405,
        "HTTP 405 Method Not Allowed",
    );

    // Plugin config: the connector's own keys first, then the common ones.
    let resp = get(addr, "/connector-plugins/FileStreamSource/config").await;
    assert_status(&resp, 200, "plugin config");
    let keys = resp.json();
    let names: Vec<&str> = keys
        .as_array()
        .map(|k| k.iter().filter_map(|k| k["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(&names[..3], ["file", "topic", "batch.size"]);
    assert_eq!(
        names
            .iter()
            .map(|n| n.to_string())
            .collect::<std::collections::BTreeSet<_>>(),
        key_set(&FILE_SOURCE_CONFIGS)
    );
    assert_eq!(
        keys[2],
        json!({
            "name": "batch.size", "type": "INT", "required": false, "default_value": "2000",
            "importance": "LOW",
            "documentation": "The maximum number of records the source task can read from the file each time it is polled",
            "group": null, "width": "NONE", "display_name": "batch.size", "dependents": [], "order": -1
        })
    );
    let resp = get(
        addr,
        "/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config",
    )
    .await;
    assert_status(&resp, 200, "sink plugin config");
    assert_eq!(resp.json()[0]["name"], json!("file"));
    assert_error(
        &get(addr, "/connector-plugins/Nope/config").await,
        404,
        "Unknown plugin Nope.",
    );

    // Create and update with an invalid config: 400 with every error, nothing created.
    let bad = json!({"name": "bad", "config": {"connector.class": "FileStreamSource", "batch.size": "lots"}});
    let message = "Connector configuration is invalid and contains the following 2 error(s):\n\
                   Missing required configuration \"topic\" which has no default value.\n\
                   Invalid value lots for configuration batch.size: Not a number of type INT\n\
                   You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";
    assert_error(
        &request(addr, "POST", "/connectors", Some(&bad.to_string())).await,
        400,
        message,
    );
    assert_error(
        &request(
            addr,
            "PUT",
            "/connectors/bad/config",
            Some(&bad["config"].to_string()),
        )
        .await,
        400,
        message,
    );
    assert_error(
        &get(addr, "/connectors/bad").await,
        404,
        "Connector bad not found",
    );
    let empty_name =
        json!({"name": "", "config": {"connector.class": "FileStreamSource", "topic": "t"}});
    assert_error(
        &request(addr, "POST", "/connectors", Some(&empty_name.to_string())).await,
        400,
        "Connector configuration is invalid and contains the following 1 error(s):\n\
         Invalid value  for configuration name: String may not be empty\n\
         You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
    assert_eq!(get(addr, "/connectors").await.body, "[]");
    w.stop().await;
}

/// Polls `GET /connectors/{name}/offsets` until `check` accepts the body.
async fn wait_for_offsets(addr: SocketAddr, name: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resp = get(addr, &format!("/connectors/{name}/offsets")).await;
        assert_status(&resp, 200, "offsets");
        let body = resp.json();
        if check(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for offsets of {name}; last {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_offsets_read_reset_and_alter() {
    let w = TestWorker::start("src-offsets").await;
    let addr = w.addr;
    let bootstrap = support::shared_broker().bootstrap.clone();
    let topic = support::unique_topic("rest-offsets");
    create_topic(&bootstrap, &topic).await;
    let file = w.dir.join("lines.txt");
    append(&file, &["one", "two", "three"]);
    let file_s = file.display().to_string();
    let create = json!({
        "name": "src",
        "config": {"connector.class": "FileStreamSource", "file": file_s, "topic": topic}
    });
    assert_status(
        &request(addr, "POST", "/connectors", Some(&create.to_string())).await,
        201,
        "create",
    );
    assert_eq!(
        wait_for_values(&bootstrap, &topic, |v| v.len() >= 3).await,
        ["one", "two", "three"]
    );

    // The committed position: after the third line ("one\ntwo\nthree\n").
    let want =
        json!({"offsets": [{"partition": {"filename": file_s}, "offset": {"position": 14}}]});
    wait_for_offsets(addr, "src", |b| *b == want).await;
    let resp = get(addr, "/connectors/src/offsets").await;
    assert_eq!(
        resp.body,
        format!(
            r#"{{"offsets":[{{"partition":{{"filename":{}}},"offset":{{"position":14}}}}]}}"#,
            Value::String(file_s.clone())
        )
    );
    assert_error(
        &get(addr, "/connectors/nope/offsets").await,
        404,
        "Connector nope not found",
    );

    // Only a STOPPED connector's offsets may change.
    let not_stopped = "Connectors must be in the STOPPED state before their offsets can be modified. \
                       This can be done for the specified connector by issuing a 'PUT' request to the \
                       '/connectors/src/stop' endpoint";
    assert_error(
        &request(addr, "DELETE", "/connectors/src/offsets", None).await,
        400,
        not_stopped,
    );
    let alter =
        json!({"offsets": [{"partition": {"filename": file_s}, "offset": {"position": 4}}]});
    assert_error(
        &request(
            addr,
            "PATCH",
            "/connectors/src/offsets",
            Some(&alter.to_string()),
        )
        .await,
        400,
        not_stopped,
    );
    assert_status(
        &request(addr, "PUT", "/connectors/src/pause", None).await,
        202,
        "pause",
    );
    assert_error(
        &request(addr, "DELETE", "/connectors/src/offsets", None).await,
        400,
        not_stopped,
    );

    // Stop, reset: nothing left; resumed, the file is read from the start.
    assert_status(
        &request(addr, "PUT", "/connectors/src/stop", None).await,
        204,
        "stop",
    );
    w.wait_for_status("src", "STOPPED", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;
    let resp = request(addr, "DELETE", "/connectors/src/offsets", None).await;
    assert_status(&resp, 200, "reset");
    assert_eq!(
        resp.body,
        r#"{"message":"The offsets for this connector have been reset successfully"}"#
    );
    assert_eq!(
        get(addr, "/connectors/src/offsets").await.body,
        r#"{"offsets":[]}"#
    );
    assert_status(
        &request(addr, "PUT", "/connectors/src/resume", None).await,
        202,
        "resume",
    );
    assert_eq!(
        wait_for_values(&bootstrap, &topic, |v| v.len() >= 6).await,
        ["one", "two", "three", "one", "two", "three"]
    );
    wait_for_offsets(addr, "src", |b| *b == want).await;

    // Alter: back to just after "one"; resumed, "two" and "three" come again.
    assert_status(
        &request(addr, "PUT", "/connectors/src/stop", None).await,
        204,
        "stop again",
    );
    w.wait_for_status("src", "STOPPED again", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;
    // Bad requests: Java's statuses and words.
    assert_error(
        &request(addr, "PATCH", "/connectors/src/offsets", Some("{}")).await,
        400,
        "Partitions / offsets need to be provided for an alter offsets request",
    );
    assert_error(
        &request(
            addr,
            "PATCH",
            "/connectors/src/offsets",
            Some(r#"{"offsets": []}"#),
        )
        .await,
        400,
        "Partitions / offsets need to be provided for an alter offsets request",
    );
    let negative =
        json!({"offsets": [{"partition": {"filename": file_s}, "offset": {"position": -1}}]});
    assert_error(
        &request(
            addr,
            "PATCH",
            "/connectors/src/offsets",
            Some(&negative.to_string()),
        )
        .await,
        500,
        "The value for the 'position' key in the offset should be a non-negative value",
    );
    let no_filename =
        json!({"offsets": [{"partition": {"file": file_s}, "offset": {"position": 1}}]});
    assert_error(
        &request(
            addr,
            "PATCH",
            "/connectors/src/offsets",
            Some(&no_filename.to_string()),
        )
        .await,
        500,
        "Partition objects should contain the key 'filename'",
    );
    let resp = request(
        addr,
        "PATCH",
        "/connectors/src/offsets",
        Some(r#"{"offsets": [123]}"#),
    )
    .await;
    assert_status(&resp, 500, "not an offset");
    assert!(
        resp.body.contains("Cannot construct instance"),
        "{}",
        resp.body
    );
    let resp = request(
        addr,
        "PATCH",
        "/connectors/src/offsets",
        Some(&alter.to_string()),
    )
    .await;
    assert_status(&resp, 200, "alter");
    assert_eq!(
        resp.body,
        r#"{"message":"The offsets for this connector have been altered successfully"}"#
    );
    wait_for_offsets(addr, "src", |b| {
        b["offsets"][0]["offset"]["position"] == json!(4)
    })
    .await;
    assert_status(
        &request(addr, "PUT", "/connectors/src/resume", None).await,
        202,
        "resume after alter",
    );
    assert_eq!(
        wait_for_values(&bootstrap, &topic, |v| v.len() >= 8).await,
        ["one", "two", "three", "one", "two", "three", "two", "three"]
    );
    w.stop().await;
}

/// Reads the lines of the file sink's output until `done` accepts them.
async fn wait_for_lines(path: &Path, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect();
        if done(&lines) {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {}; got {lines:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sink_offsets_are_the_consumer_groups() {
    let w = TestWorker::start("sink-offsets").await;
    let addr = w.addr;
    let bootstrap = support::shared_broker().bootstrap.clone();
    let topic = support::unique_topic("rest-sink-offsets");
    create_topic(&bootstrap, &topic).await;
    // A source fills the topic; the sink copies it to a file.
    let input = w.dir.join("in.txt");
    append(&input, &["a", "b", "c"]);
    let source = json!({"name": "fill", "config": {
        "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic
    }});
    assert_status(
        &request(addr, "POST", "/connectors", Some(&source.to_string())).await,
        201,
        "create source",
    );
    wait_for_values(&bootstrap, &topic, |v| v.len() >= 3).await;
    let output = w.dir.join("out.txt");
    let sink = json!({"name": "copy", "config": {
        "connector.class": "FileStreamSink", "file": output.display().to_string(), "topics": topic
    }});
    assert_status(
        &request(addr, "POST", "/connectors", Some(&sink.to_string())).await,
        201,
        "create sink",
    );
    assert_eq!(
        wait_for_lines(&output, |l| l.len() >= 3).await,
        ["a", "b", "c"]
    );

    // The group's committed offset, in Java's sink form and key order.
    let at = |offset: i64| json!({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": offset}}]});
    wait_for_offsets(addr, "copy", |b| *b == at(3)).await;
    assert_eq!(
        get(addr, "/connectors/copy/offsets").await.body,
        format!(
            r#"{{"offsets":[{{"partition":{{"kafka_partition":0,"kafka_topic":"{topic}"}},"offset":{{"kafka_offset":3}}}}]}}"#
        )
    );

    // Stopped, the group can be altered: back to offset 1, resumed, "b" and "c" again.
    assert_status(
        &request(addr, "PUT", "/connectors/copy/stop", None).await,
        204,
        "stop",
    );
    w.wait_for_status("copy", "STOPPED", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;
    let bad = json!({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "x"}, "offset": null}]});
    let resp = request(
        addr,
        "PATCH",
        "/connectors/copy/offsets",
        Some(&bad.to_string()),
    )
    .await;
    assert_status(&resp, 400, "bad partition");
    assert!(
        resp.body
            .contains("Partition values for sink connectors need to be integers"),
        "{}",
        resp.body
    );
    let alter = json!({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": {"kafka_offset": 1}}]});
    let resp = request(
        addr,
        "PATCH",
        "/connectors/copy/offsets",
        Some(&alter.to_string()),
    )
    .await;
    assert_status(&resp, 200, "alter");
    assert_eq!(
        resp.body,
        r#"{"message":"The offsets for this connector have been altered successfully"}"#
    );
    assert_eq!(get(addr, "/connectors/copy/offsets").await.json(), at(1));
    assert_status(
        &request(addr, "PUT", "/connectors/copy/resume", None).await,
        202,
        "resume",
    );
    assert_eq!(
        wait_for_lines(&output, |l| l.len() >= 5).await,
        ["a", "b", "c", "b", "c"]
    );
    wait_for_offsets(addr, "copy", |b| *b == at(3)).await;

    // Reset deletes the group: no offsets left.
    assert_status(
        &request(addr, "PUT", "/connectors/copy/stop", None).await,
        204,
        "stop again",
    );
    w.wait_for_status("copy", "STOPPED again", |s| {
        states(s) == ("STOPPED".to_string(), vec![])
    })
    .await;
    let resp = request(addr, "DELETE", "/connectors/copy/offsets", None).await;
    assert_status(&resp, 200, "reset");
    assert_eq!(
        resp.body,
        r#"{"message":"The offsets for this connector have been reset successfully"}"#
    );
    assert_eq!(
        get(addr, "/connectors/copy/offsets").await.body,
        r#"{"offsets":[]}"#
    );
    // Idempotent: the group is already gone.
    assert_status(
        &request(addr, "DELETE", "/connectors/copy/offsets", None).await,
        200,
        "reset again",
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_loggers() {
    let w = TestWorker::start("loggers").await;
    let addr = w.addr;

    let resp = get(addr, "/admin/loggers").await;
    assert_status(&resp, 200, "list loggers");
    assert_eq!(
        resp.json()["root"],
        json!({"level": "INFO", "last_modified": null})
    );
    assert_error(
        &get(addr, "/admin/loggers/kconnect::rest_test").await,
        404,
        "Logger kconnect::rest_test not found.",
    );

    // PUT answers the loggers it changed; the level then shows everywhere.
    let resp = request(
        addr,
        "PUT",
        "/admin/loggers/kconnect::rest_test",
        Some(r#"{"level": "debug"}"#),
    )
    .await;
    assert_status(&resp, 200, "set level");
    assert_eq!(resp.body, r#"["kconnect::rest_test"]"#);
    let level = get(addr, "/admin/loggers/kconnect::rest_test").await.json();
    assert_eq!(level["level"], json!("DEBUG"));
    assert!(
        level["last_modified"].as_i64().is_some_and(|t| t > 0),
        "{level}"
    );
    assert_eq!(
        get(addr, "/admin/loggers").await.json()["kconnect::rest_test"],
        level
    );
    // A child that exists now is changed with its parent.
    let resp = request(
        addr,
        "PUT",
        "/admin/loggers/kconnect::rest_test::child",
        Some(r#"{"level": "ERROR"}"#),
    )
    .await;
    assert_eq!(resp.body, r#"["kconnect::rest_test::child"]"#);
    let resp = request(
        addr,
        "PUT",
        "/admin/loggers/kconnect::rest_test?scope=worker",
        Some(r#"{"level": "WARN"}"#),
    )
    .await;
    assert_eq!(
        resp.body,
        r#"["kconnect::rest_test","kconnect::rest_test::child"]"#
    );
    // Cluster scope: this worker is the cluster; 204.
    let resp = request(
        addr,
        "PUT",
        "/admin/loggers/kconnect::rest_test?scope=cluster",
        Some(r#"{"level": "INFO"}"#),
    )
    .await;
    assert_status(&resp, 204, "cluster scope");
    assert_eq!(
        get(addr, "/admin/loggers/kconnect::rest_test").await.json()["level"],
        json!("INFO")
    );

    assert_error(
        &request(
            addr,
            "PUT",
            "/admin/loggers/x",
            Some(r#"{"level": "loud"}"#),
        )
        .await,
        404,
        "invalid log level 'loud'.",
    );
    assert_error(
        &request(addr, "PUT", "/admin/loggers/x", Some(r#"{"lvl": "INFO"}"#)).await,
        400,
        "Desired 'level' parameter was not specified in request.",
    );
    assert_error(
        &request(addr, "DELETE", "/admin/loggers/x", None).await,
        405,
        "HTTP 405 Method Not Allowed",
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_tracking_switches_answer_403() {
    let w = TestWorker::start_with("no-reset", &[("topic.tracking.allow.reset", "false")]).await;
    // Unknown connectors simply have no active topics, as in Java.
    assert_eq!(
        get(w.addr, "/connectors/ghost/topics").await.json(),
        json!({"ghost": {"topics": []}})
    );
    assert_error(
        &request(w.addr, "PUT", "/connectors/ghost/topics/reset", None).await,
        403,
        "Topic tracking reset is disabled.",
    );
    w.stop().await;

    let w = TestWorker::start_with("no-tracking", &[("topic.tracking.enable", "false")]).await;
    for (method, path) in [
        ("GET", "/connectors/ghost/topics"),
        ("PUT", "/connectors/ghost/topics/reset"),
    ] {
        assert_error(
            &request(w.addr, method, path, None).await,
            403,
            "Topic tracking is disabled.",
        );
    }
    w.stop().await;
}
