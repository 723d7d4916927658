//! `VerifiableSourceConnector` / `VerifiableSourceTask`: task `id` emits
//! records keyed by its id (INT32) with an increasing `seqno` (INT64, or a
//! struct with `complete.record.data=true`) at `throughput` records per
//! second (negative: as fast as possible), under source partition
//! `{"id": id}` and offset `{"seqno": n}`, and resumes after the last
//! committed seqno.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::json;

use crate::api::connector::{Connector, ConnectorContext, Props, SourceConnector};
use crate::api::data::schema::{Schema, SchemaBuilder};
use crate::api::data::value::Struct;
use crate::api::data::Value;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::{SourceMap, SourceRecord};
use crate::api::source::{SourceTask, SourceTaskContext};

use super::{java_json, now_ms, Output, OUTPUT_FILE_CONFIG};

/// Most records one poll returns when there is a backlog to catch up.
const MAX_BATCH: u64 = 1000;

/// The connector: `tasks.max` tasks, each with its `id`.
#[derive(Default)]
pub struct VerifiableSourceConnector {
    props: Props,
}

impl Connector for VerifiableSourceConnector {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, _context: Box<dyn ConnectorContext>) -> ConnectResult<()> {
        self.props = props;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<Props>> {
        Ok((0..max_tasks)
            .map(|i| {
                let mut p = self.props.clone();
                p.insert("id".to_string(), i.to_string());
                p
            })
            .collect())
    }

    fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for VerifiableSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(VerifiableSourceTask::default())
    }
}

/// One task.
#[derive(Default)]
pub struct VerifiableSourceTask {
    name: String,
    id: i32,
    topic: String,
    /// Records per second; negative for no limit.
    throughput: i64,
    complete_record_data: bool,
    partition: SourceMap,
    starting_seqno: i64,
    seqno: i64,
    started: Option<Instant>,
    output: Option<Output>,
}

fn complete_schema() -> Schema {
    SchemaBuilder::struct_()
        .field("name", Schema::string())
        .field("task", Schema::int32())
        .field("topic", Schema::string())
        .field("time_ms", Schema::int64())
        .field("seqno", Schema::int64())
        .build()
}

impl VerifiableSourceTask {
    /// How many records are due by now at the configured throughput.
    fn due(&self) -> u64 {
        let sent = (self.seqno - self.starting_seqno).max(0) as u64;
        if self.throughput < 0 {
            return MAX_BATCH;
        }
        let elapsed = self.started.map_or(Duration::ZERO, |s| s.elapsed());
        let allowed = (elapsed.as_secs_f64() * self.throughput as f64) as u64 + 1;
        allowed.saturating_sub(sent).min(MAX_BATCH)
    }

    fn record(&self, seqno: i64, now: i64) -> ConnectResult<SourceRecord> {
        let mut offset = SourceMap::new();
        offset.insert("seqno".to_string(), json!(seqno));
        let (schema, value) = if self.complete_record_data {
            let schema = complete_schema();
            let value = Struct::new(schema.clone())
                .put("name", Value::String(self.name.clone()))?
                .put("task", Value::Int32(self.id))?
                .put("topic", Value::String(self.topic.clone()))?
                .put("time_ms", Value::Int64(now))?
                .put("seqno", Value::Int64(seqno))?;
            (schema, Value::Struct(value))
        } else {
            (Schema::int64(), Value::Int64(seqno))
        };
        let mut record = SourceRecord::new(
            self.partition.clone(),
            offset,
            self.topic.clone(),
            Some(schema),
            value,
        );
        record.key_schema = Some(Schema::int32());
        record.key = Value::Int32(self.id);
        Ok(record)
    }

    fn line(&self, seqno: i64, now: i64, committed: bool) -> String {
        let mut fields = vec![
            ("name", json!(self.name)),
            ("task", json!(self.id)),
            ("topic", json!(self.topic)),
            ("time_ms", json!(now)),
            ("seqno", json!(seqno)),
        ];
        if committed {
            fields.push(("committed", json!(true)));
        }
        java_json(fields)
    }
}

impl SourceTask for VerifiableSourceTask {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, context: SourceTaskContext) -> ConnectResult<()> {
        let invalid = || ConnectError::fatal("Invalid VerifiableSourceTask configuration");
        self.name = props.get("name").cloned().unwrap_or_default();
        self.id = props
            .get("id")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(invalid)?;
        self.topic = props.get("topic").cloned().ok_or_else(invalid)?;
        self.throughput = props
            .get("throughput")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(invalid)?;
        self.complete_record_data = props
            .get("complete.record.data")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        self.partition = SourceMap::new();
        self.partition.insert("id".to_string(), json!(self.id));
        self.seqno = context
            .offset_storage_reader
            .offset(&self.partition)
            .and_then(|o| o.get("seqno").and_then(|s| s.as_i64()))
            .map_or(0, |s| s + 1);
        self.starting_seqno = self.seqno;
        self.started = Some(Instant::now());
        self.output = Some(Output::open(props.get(OUTPUT_FILE_CONFIG))?);
        tracing::info!(
            "Started VerifiableSourceTask {}-{} producing to topic {} resuming from seqno {}",
            self.name,
            self.id,
            self.topic,
            self.starting_seqno
        );
        Ok(())
    }

    fn poll(&mut self) -> BoxFuture<'_, ConnectResult<Vec<SourceRecord>>> {
        Box::pin(async move {
            let mut due = self.due();
            while due == 0 {
                // The next record is due in 1/throughput seconds at most.
                let wait = if self.throughput > 0 {
                    Duration::from_secs_f64(1.0 / self.throughput as f64)
                } else {
                    Duration::from_millis(100)
                };
                tokio::time::sleep(wait.min(Duration::from_millis(100))).await;
                due = self.due();
            }
            let now = now_ms();
            let mut records = Vec::with_capacity(due as usize);
            let mut lines = String::new();
            for _ in 0..due {
                records.push(self.record(self.seqno, now)?);
                lines.push_str(&self.line(self.seqno, now, false));
                lines.push('\n');
                self.seqno += 1;
            }
            if let Some(out) = &self.output {
                out.write_lines(&lines)?;
            }
            Ok(records)
        })
    }

    fn commit_record(&mut self, record: &SourceRecord) -> ConnectResult<()> {
        let seqno = match &record.value {
            Value::Int64(n) => *n,
            Value::Struct(s) => match s.get("seqno") {
                Some(Value::Int64(n)) => *n,
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        if let Some(out) = &self.output {
            out.write_lines(&(self.line(seqno, now_ms(), true) + "\n"))?;
        }
        Ok(())
    }

    fn wants_record_commits(&self) -> bool {
        true
    }

    fn stop(&mut self) {}
}
