//! `VerifiableSinkConnector` / `VerifiableSinkTask`: reports every record
//! it receives (the source task in its key, the `seqno` in its value, the
//! Kafka offset) when it is put, and again marked `flushed` when the
//! runtime flushes before committing offsets.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde_json::{json, Value as Json};

use crate::api::connector::{Connector, ConnectorContext, Props, SinkConnector};
use crate::api::data::Value;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::record::{SinkRecord, TopicPartition};
use crate::api::sink::{SinkTask, SinkTaskContext};

use super::{java_json, now_ms, Output, OUTPUT_FILE_CONFIG};

/// The connector: `tasks.max` tasks, each with its `id`.
#[derive(Default)]
pub struct VerifiableSinkConnector {
    props: Props,
}

impl Connector for VerifiableSinkConnector {
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

impl SinkConnector for VerifiableSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(VerifiableSinkTask::default())
    }
}

/// One task.
#[derive(Default)]
pub struct VerifiableSinkTask {
    name: String,
    id: i32,
    /// Records put and not flushed yet: (source task, seqno, topic, offset).
    unflushed: Vec<(Json, Json, String, i64)>,
    output: Option<Output>,
}

fn json_of(v: &Value) -> Json {
    match v {
        Value::Int8(n) => json!(n),
        Value::Int16(n) => json!(n),
        Value::Int32(n) => json!(n),
        Value::Int64(n) => json!(n),
        Value::String(s) => json!(s),
        Value::Struct(s) => s.get("seqno").map(json_of).unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

impl VerifiableSinkTask {
    fn line(&self, entry: &(Json, Json, String, i64), now: i64, flushed: bool) -> String {
        let (task, seqno, topic, offset) = entry;
        let mut fields = vec![
            ("name", json!(self.name)),
            ("task", task.clone()),
            ("sinkTask", json!(self.id)),
            ("topic", json!(topic)),
            ("time_ms", json!(now)),
            ("seqno", seqno.clone()),
            ("offset", json!(offset)),
        ];
        if flushed {
            fields.push(("flushed", json!(true)));
        }
        java_json(fields)
    }
}

impl SinkTask for VerifiableSinkTask {
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn start(&mut self, props: Props, _context: SinkTaskContext) -> ConnectResult<()> {
        self.name = props.get("name").cloned().unwrap_or_default();
        self.id = props
            .get("id")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| ConnectError::fatal("Invalid VerifiableSourceTask configuration"))?;
        self.output = Some(Output::open(props.get(OUTPUT_FILE_CONFIG))?);
        Ok(())
    }

    fn put(&mut self, records: Vec<SinkRecord>) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(async move {
            let now = now_ms();
            let mut lines = String::new();
            for r in &records {
                let entry = (
                    json_of(&r.key),
                    json_of(&r.value),
                    r.topic.clone(),
                    r.offset,
                );
                lines.push_str(&self.line(&entry, now, false));
                lines.push('\n');
                self.unflushed.push(entry);
            }
            if let Some(out) = &self.output {
                out.write_lines(&lines)?;
            }
            Ok(())
        })
    }

    fn flush(
        &mut self,
        _offsets: &BTreeMap<TopicPartition, i64>,
    ) -> BoxFuture<'_, ConnectResult<()>> {
        Box::pin(async move {
            let now = now_ms();
            let mut lines = String::new();
            for entry in &self.unflushed {
                lines.push_str(&self.line(entry, now, true));
                lines.push('\n');
            }
            if let Some(out) = &self.output {
                out.write_lines(&lines)?;
            }
            self.unflushed.clear();
            Ok(())
        })
    }

    fn stop(&mut self) {}
}
