//! FileStreamSourceConnector / FileStreamSourceTask: every line of `file`
//! (stdin when absent) becomes a string record on `topic`. The source
//! partition is `{"filename": <file>}` and the offset `{"position": <byte
//! offset after the line>}`, so a restarted task resumes after the last
//! committed line, exactly as Java's does.

use std::io::SeekFrom;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncSeekExt, BufReader};

use crate::api::config_def::{ConfigDef, ConfigKey, Importance, Type, Validator};
use crate::api::connector::{Connector, ConnectorContext, Props, SourceConnector};
use crate::api::data::{Schema, Value};
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::{SourceMap, SourceRecord};
use crate::api::source::{SourceTask, SourceTaskContext};

pub const FILE_CONFIG: &str = "file";
pub const TOPIC_CONFIG: &str = "topic";
pub const BATCH_SIZE_CONFIG: &str = "batch.size";
const DEFAULT_BATCH_SIZE: usize = 2000;
const FILENAME_FIELD: &str = "filename";
const POSITION_FIELD: &str = "position";

/// Java's `FileStreamSourceConnector.CONFIG_DEF`, key for key.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FILE_CONFIG,
                Type::String,
                Importance::High,
                "Source filename. If not specified, the standard input will be used",
            )
            .with_null_default(),
        )
        .define(
            ConfigKey::new(
                TOPIC_CONFIG,
                Type::String,
                Importance::High,
                "The topic to publish data to",
            )
            .with_validator(Validator::NonEmptyString),
        )
        .define(
            ConfigKey::new(
                BATCH_SIZE_CONFIG,
                Type::Int,
                Importance::Low,
                "The maximum number of records the source task can read from the file each time it is polled",
            )
            .with_default(DEFAULT_BATCH_SIZE as i32),
        )
}

/// The connector: validates its config and hands it to one task.
#[derive(Default)]
pub struct FileStreamSourceConnector {
    props: Props,
}

impl Connector for FileStreamSourceConnector {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        let topic = props.get(TOPIC_CONFIG).map(|t| t.trim()).unwrap_or("");
        if topic.is_empty() || topic.contains(',') {
            return Err(ConnectError::fatal(
                "'topic' must be exactly one topic name".to_string(),
            ));
        }
        parse_batch_size(&props)?;
        self.props = props;
        Ok(())
    }

    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<Props>> {
        // One file, one reader: only ever one task, as in Java.
        Ok(vec![self.props.clone()])
    }

    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }

    fn config(&self) -> ConfigDef {
        config_def()
    }
}

impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn crate::api::source::SourceTask> {
        Box::new(FileStreamSourceTask::default())
    }

    /// Java's checks: offsets are only tracked for a file, a partition
    /// names its `filename`, an offset is null or a non-negative `position`.
    fn alter_offsets(
        &self,
        config: &Props,
        offsets: &[(Option<SourceMap>, Option<SourceMap>)],
    ) -> ConnectResult<bool> {
        if config.get(FILE_CONFIG).is_none_or(|f| f.is_empty()) {
            return Err(ConnectError::fatal(format!(
                "Offsets cannot be modified if the '{FILE_CONFIG}' configuration is unspecified. \
                 This is because stdin is used for input and offsets are not tracked."
            )));
        }
        for (partition, offset) in offsets {
            // Tombstones are fine for anything, so that garbage can be cleaned up.
            let Some(offset) = offset else {
                continue;
            };
            let Some(position) = offset.get(POSITION_FIELD) else {
                return Err(ConnectError::fatal(format!(
                    "Offset objects should either be null or contain the key '{POSITION_FIELD}'"
                )));
            };
            let Some(position) = position.as_i64() else {
                return Err(ConnectError::fatal(format!(
                    "The value for the '{POSITION_FIELD}' key in the offset is expected to be a Long value"
                )));
            };
            if position < 0 {
                return Err(ConnectError::fatal(format!(
                    "The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                )));
            }
            let Some(partition) = partition else {
                return Err(ConnectError::fatal("Partition objects cannot be null"));
            };
            if !partition.contains_key(FILENAME_FIELD) {
                return Err(ConnectError::fatal(format!(
                    "Partition objects should contain the key '{FILENAME_FIELD}'"
                )));
            }
        }
        // The task checks the position against the file when it starts.
        Ok(true)
    }
}

fn parse_batch_size(props: &Props) -> ConnectResult<usize> {
    match props.get(BATCH_SIZE_CONFIG) {
        None => Ok(DEFAULT_BATCH_SIZE),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                ConnectError::fatal(format!(
                    "Invalid value {v} for configuration batch.size: must be a positive integer"
                ))
            }),
    }
}

type Reader = BufReader<Box<dyn AsyncRead + Send + Unpin>>;

/// The task: reads lines from the stored position on.
#[derive(Default)]
pub struct FileStreamSourceTask {
    filename: Option<String>,
    topic: String,
    batch_size: usize,
    reader: Option<Reader>,
    /// Byte offset just after the last line handed out.
    position: u64,
    /// The line being read. A field, not a local, so that a poll cancelled
    /// mid-line (pause, stop) loses nothing: the next poll appends to it.
    line: Vec<u8>,
    partition: SourceMap,
    stored_offset: Option<u64>,
}

impl FileStreamSourceTask {
    async fn open(&mut self) -> ConnectResult<()> {
        let reader: Box<dyn AsyncRead + Send + Unpin> = match &self.filename {
            None => Box::new(tokio::io::stdin()),
            Some(path) => {
                let mut file = match tokio::fs::File::open(path).await {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        // As Java: wait for the file to appear.
                        return Ok(());
                    }
                    Err(e) => {
                        return Err(ConnectError::fatal(format!("cannot open file {path}: {e}")));
                    }
                };
                if let Some(pos) = self.stored_offset.take() {
                    file.seek(SeekFrom::Start(pos)).await.map_err(|e| {
                        ConnectError::fatal(format!("cannot seek {path} to {pos}: {e}"))
                    })?;
                    self.position = pos;
                }
                Box::new(file)
            }
        };
        self.reader = Some(BufReader::with_capacity(64 * 1024, reader));
        Ok(())
    }

    /// One line as a record, stamped with the time it was read (as Java's
    /// task stamps `System.currentTimeMillis()`).
    fn record(&self, line: String, now_ms: i64) -> SourceRecord {
        let mut offset = SourceMap::new();
        offset.insert(POSITION_FIELD.to_string(), self.position.into());
        let mut record = SourceRecord::new(
            self.partition.clone(),
            offset,
            self.topic.clone(),
            Some(Schema::string()),
            Value::String(line),
        );
        record.timestamp = Some(now_ms);
        record
    }

    async fn read_batch(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        if self.reader.is_none() {
            self.open().await?;
            if self.reader.is_none() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                return Ok(Vec::new());
            }
        }
        let mut records = Vec::new();
        // One clock read per batch: its lines were read at the same time.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        while records.len() < self.batch_size {
            let Some(reader) = self.reader.as_mut() else {
                break;
            };
            // Lines end at \n; a \r before it is dropped, so files written on
            // Unix and on Windows both work.
            let n = reader
                .read_until(b'\n', &mut self.line)
                .await
                .map_err(|e| {
                    ConnectError::fatal(format!("error reading {}: {e}", self.describe()))
                })?;
            if n == 0 || self.line.last() != Some(&b'\n') {
                break; // end of file for now; an unfinished line waits
            }
            self.position += self.line.len() as u64;
            let mut line = std::mem::take(&mut self.line);
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8(line).map_err(|e| {
                ConnectError::data(format!(
                    "line before byte {} of {} is not UTF-8: {e}",
                    self.position,
                    self.describe()
                ))
            })?;
            records.push(self.record(line, now_ms));
        }
        if records.is_empty() {
            // Nothing new: Java waits a second before polling again.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(records)
    }

    fn describe(&self) -> String {
        self.filename.clone().unwrap_or_else(|| "stdin".to_string())
    }
}

impl SourceTask for FileStreamSourceTask {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, context: SourceTaskContext) -> ConnectResult<()> {
        self.filename = props
            .get(FILE_CONFIG)
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty());
        self.topic = props
            .get(TOPIC_CONFIG)
            .map(|t| t.trim().to_string())
            .ok_or_else(|| ConnectError::fatal("Missing required configuration \"topic\""))?;
        self.batch_size = parse_batch_size(&props)?;
        let mut partition = SourceMap::new();
        if let Some(f) = &self.filename {
            partition.insert(FILENAME_FIELD.to_string(), f.clone().into());
            let stored = context.offset_storage_reader.offset(&partition);
            if let Some(stored) = stored {
                match stored.get(POSITION_FIELD).and_then(|p| p.as_u64()) {
                    Some(pos) => self.stored_offset = Some(pos),
                    None => {
                        return Err(ConnectError::fatal(format!(
                            "Offset position is the incorrect type: {stored:?}"
                        )))
                    }
                }
            }
        }
        // stdin has no partition key: its offsets are not tracked (as Java).
        self.partition = partition;
        Ok(())
    }

    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>> {
        Box::pin(self.read_batch())
    }

    fn stop(&mut self) {
        self.reader = None;
    }
}
