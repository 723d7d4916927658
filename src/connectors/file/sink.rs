//! FileStreamSinkConnector / FileStreamSinkTask: every record value of the
//! subscribed topics is written as one line to `file` (stdout when absent),
//! as Java's `FileStreamSinkTask` prints `record.value()`.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type};
use crate::api::connector::{Connector, ConnectorContext, Props, SinkConnector};
use crate::api::data::Value;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::{SinkRecord, TopicPartition};
use crate::api::sink::{SinkTask, SinkTaskContext};

pub const FILE_CONFIG: &str = "file";

/// Java's `FileStreamSinkConnector.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            FILE_CONFIG,
            Type::String,
            Importance::High,
            "Destination filename. If not specified, the standard output will be used",
        )
        .with_null_default(),
    )
}

/// The connector: every task writes to the same file (Java allows one).
#[derive(Default)]
pub struct FileStreamSinkConnector {
    props: Props,
}

impl Connector for FileStreamSinkConnector {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        self.props = props;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<Props>> {
        Ok(vec![self.props.clone(); max_tasks.max(1)])
    }

    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }

    fn config(&self) -> ConfigDef {
        config_def()
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::default())
    }

    /// No offsets of its own and no checks to make (as Java's).
    fn alter_offsets(
        &self,
        _config: &Props,
        _offsets: &BTreeMap<TopicPartition, Option<i64>>,
    ) -> ConnectResult<bool> {
        Ok(true)
    }
}

/// The task: appends one line per record.
#[derive(Default)]
pub struct FileStreamSinkTask {
    filename: Option<String>,
    out: Option<BufWriter<Box<dyn AsyncWrite + Send + Unpin>>>,
}

/// Java's `String.valueOf(value)` for the values a sink sees most; structs,
/// maps and arrays print in Java's `toString` shape.
pub fn java_to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        Value::Boolean(b) => b.to_string(),
        Value::Int8(v) => v.to_string(),
        Value::Int16(v) => v.to_string(),
        Value::Int32(v) => v.to_string(),
        Value::Int64(v) => v.to_string(),
        Value::Float32(v) => format!("{v:?}"),
        Value::Float64(v) => format!("{v:?}"),
        Value::Bytes(b) => format!("{b:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(java_to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}={}", java_to_string(k), java_to_string(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Struct(s) => format!(
            "Struct{{{}}}",
            s.schema()
                .fields()
                .iter()
                .zip(s.values())
                .filter(|(_, v)| !v.is_null())
                .map(|(f, v)| format!("{}={}", f.name, java_to_string(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

impl FileStreamSinkTask {
    async fn write(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        if self.out.is_none() {
            let out: Box<dyn AsyncWrite + Send + Unpin> = match &self.filename {
                None => Box::new(tokio::io::stdout()),
                Some(path) => Box::new(
                    tokio::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .await
                        .map_err(|e| {
                            ConnectError::fatal(format!(
                                "Couldn't find or create file '{path}' for FileStreamSinkTask: {e}"
                            ))
                        })?,
                ),
            };
            self.out = Some(BufWriter::with_capacity(64 * 1024, out));
        }
        let target = self.describe();
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let mut text = String::new();
        for r in &records {
            text.push_str(&java_to_string(&r.value));
            text.push('\n');
        }
        // Java's PrintStream hands every line to the file at once; one write
        // per batch keeps that promptness without a syscall per line.
        let write_error =
            |e: std::io::Error| ConnectError::retriable(format!("writing to {target}: {e}"));
        out.write_all(text.as_bytes()).await.map_err(write_error)?;
        out.flush().await.map_err(write_error)
    }

    async fn flush_out(&mut self) -> ConnectResult<()> {
        if let Some(out) = self.out.as_mut() {
            out.flush().await.map_err(|e| {
                ConnectError::retriable(format!("flushing {}: {e}", self.describe()))
            })?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.filename
            .clone()
            .unwrap_or_else(|| "stdout".to_string())
    }
}

impl SinkTask for FileStreamSinkTask {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, _context: SinkTaskContext) -> ConnectResult<()> {
        self.filename = props
            .get(FILE_CONFIG)
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty());
        Ok(())
    }

    fn put(&mut self, records: Vec<SinkRecord>) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(self.write(records))
    }

    fn flush(
        &mut self,
        _offsets: &BTreeMap<TopicPartition, i64>,
    ) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(self.flush_out())
    }

    fn stop(&mut self) {
        self.out = None;
    }
}
