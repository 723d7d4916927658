//! Kafka's test connectors `org.apache.kafka.connect.tools.VerifiableSourceConnector`
//! and `VerifiableSinkConnector`: a source that emits sequence-numbered
//! records per task at a configured throughput and resumes from its stored
//! offset, and a sink that reports every sequence number it receives.
//! Both print one JSON line per record as Java's do (to stdout, or — a
//! kconnect extension — appended to `output.file`), so that a test can
//! check that nothing was lost across restarts and rebalances.

pub mod sink;
pub mod source;

use std::io::Write;
use std::sync::Mutex;

use serde_json::Value as Json;

use crate::api::data::java_hash::hash_map_order;
use crate::api::data::Value;
use crate::api::error::{ConnectError, ConnectResult};

pub use sink::VerifiableSinkConnector;
pub use source::VerifiableSourceConnector;

/// `output.file`: where the JSON lines go instead of stdout.
pub const OUTPUT_FILE_CONFIG: &str = "output.file";

/// Where a task writes its JSON lines.
pub(crate) enum Output {
    Stdout,
    File(Mutex<std::fs::File>),
}

impl Output {
    pub(crate) fn open(path: Option<&String>) -> ConnectResult<Output> {
        match path.map(|p| p.trim()).filter(|p| !p.is_empty()) {
            None => Ok(Output::Stdout),
            Some(p) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map(|f| Output::File(Mutex::new(f)))
                .map_err(|e| {
                    ConnectError::fatal(format!("cannot open {OUTPUT_FILE_CONFIG} {p}: {e}"))
                }),
        }
    }

    /// Writes the lines at once (one write per batch).
    pub(crate) fn write_lines(&self, lines: &str) -> ConnectResult<()> {
        let written = match self {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(lines.as_bytes()).and_then(|()| out.flush())
            }
            Output::File(f) => f
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .write_all(lines.as_bytes()),
        };
        written.map_err(|e| {
            ConnectError::retriable(format!("cannot write the verifiable output: {e}"))
        })
    }
}

/// A JSON object with its keys in the order Java's `HashMap` iterates
/// them, as Jackson writes the maps of Java's verifiable tasks.
pub(crate) fn java_json(fields: Vec<(&str, Json)>) -> String {
    let entries = fields
        .into_iter()
        .map(|(k, v)| (Value::String(k.to_string()), Value::String(v.to_string())))
        .collect();
    let mut out = String::from("{");
    for (i, (k, v)) in hash_map_order(entries).into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
            out.push_str(&Json::String(k.to_string()).to_string());
            out.push(':');
            out.push_str(v);
        }
    }
    out.push('}');
    out
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
