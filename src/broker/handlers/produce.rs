//! Produce: validate each partition's record batch (one whole v2 batch, CRC,
//! size, keys on compacted topics), check idempotent sequences and append it
//! with broker-assigned offsets. Mirrors Kafka's `ReplicaManager.appendRecords`
//! and `LogValidator` for a single in-sync replica, so acks 1 and all are the
//! same; with acks 0 the dispatcher sends no response.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse};

use crate::broker::errors::message;
use crate::broker::state::BrokerState;
use crate::broker::topic::Topic;
use crate::kafka::batch::{decode_batch, split_batches, BatchHeader};
use crate::kafka::ErrorCode;

/// Kafka's default `max.message.bytes`.
const DEFAULT_MAX_MESSAGE_BYTES: usize = 1_048_588;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// One partition's outcome.
struct Outcome {
    error: Option<(ErrorCode, String)>,
    base_offset: i64,
    log_append_time: i64,
    log_start_offset: i64,
}

impl Outcome {
    fn error(code: ErrorCode, msg: impl Into<String>) -> Outcome {
        Outcome {
            error: Some((code, msg.into())),
            base_offset: -1,
            log_append_time: -1,
            log_start_offset: -1,
        }
    }
}

pub fn handle(state: &Arc<BrokerState>, request: &ProduceRequest) -> ProduceResponse {
    let acks_valid = (-1..=1).contains(&request.acks);
    let responses = request
        .topic_data
        .iter()
        .map(|t| {
            let topic = state.topic(&t.name);
            let partitions = t
                .partition_data
                .iter()
                .map(|p| {
                    let outcome = if !acks_valid {
                        Outcome::error(ErrorCode::InvalidRequiredAcks, "acks must be 0, 1 or -1")
                    } else {
                        match &topic {
                            None => Outcome::error(
                                ErrorCode::UnknownTopicOrPartition,
                                format!("topic {} does not exist", &*t.name),
                            ),
                            Some(topic) => append(state, topic, p.index, p.records.as_ref()),
                        }
                    };
                    let (code, msg) = match outcome.error {
                        Some((c, m)) => (c.code(), message(m)),
                        None => (0, None),
                    };
                    PartitionProduceResponse::default()
                        .with_index(p.index)
                        .with_error_code(code)
                        .with_error_message(msg)
                        .with_base_offset(outcome.base_offset)
                        .with_log_append_time_ms(outcome.log_append_time)
                        .with_log_start_offset(outcome.log_start_offset)
                })
                .collect();
            TopicProduceResponse::default()
                .with_name(t.name.clone())
                .with_partition_responses(partitions)
        })
        .collect();
    ProduceResponse::default().with_responses(responses)
}

fn append(state: &BrokerState, topic: &Topic, index: i32, records: Option<&Bytes>) -> Outcome {
    let Some(partition) = topic.partition(index) else {
        return Outcome::error(
            ErrorCode::UnknownTopicOrPartition,
            format!("partition {}-{index} does not exist", topic.name),
        );
    };
    let (batch, header) = match validate(topic, records) {
        Ok(v) => v,
        Err((code, msg)) => return Outcome::error(code, msg),
    };
    if header.has_producer_id() && !state.is_known_producer_id(header.producer_id) {
        return Outcome::error(
            ErrorCode::UnknownProducerId,
            format!(
                "producer id {} was not allocated by this broker",
                header.producer_id
            ),
        );
    }
    let log_append_time = topic.config.log_append_time().then(now_ms);
    let seq = state.next_append_seq();
    let result = {
        let mut log = partition.log();
        log.append(&batch, &header, log_append_time, seq)
            .map(|a| (a, log.log_start_offset()))
    };
    match result {
        Ok((appended, log_start_offset)) => {
            if appended.added_bytes > 0 {
                state.appended(appended.added_bytes);
                state.maybe_compact(topic, index);
            }
            Outcome {
                error: None,
                base_offset: appended.base_offset,
                log_append_time: appended.log_append_time,
                log_start_offset,
            }
        }
        Err(code) => Outcome::error(
            code,
            format!(
                "producer {} epoch {} sequence {} rejected by {}-{index}",
                header.producer_id, header.producer_epoch, header.base_sequence, topic.name
            ),
        ),
    }
}

/// Checks that `records` is exactly one whole, valid batch.
fn validate(
    topic: &Topic,
    records: Option<&Bytes>,
) -> Result<(Bytes, BatchHeader), (ErrorCode, String)> {
    let corrupt = |m: String| (ErrorCode::CorruptMessage, m);
    let invalid = |m: &str| (ErrorCode::InvalidRecord, m.to_string());
    let records = match records {
        Some(r) if !r.is_empty() => r,
        _ => return Err(invalid("the produce request holds no records")),
    };
    let batches = split_batches(records).map_err(|e| corrupt(e.to_string()))?;
    let whole: usize = batches.iter().map(Bytes::len).sum();
    if whole != records.len() {
        return Err(corrupt(format!(
            "the records end with a partial batch ({} of {} bytes are whole batches)",
            whole,
            records.len()
        )));
    }
    let [batch] = <[Bytes; 1]>::try_from(batches).map_err(|b| {
        invalid(&format!(
            "produce requests v3+ must hold exactly one record batch per partition, got {}",
            b.len()
        ))
    })?;
    let header = BatchHeader::parse(&batch).map_err(|e| corrupt(e.to_string()))?;
    header
        .verify_crc(&batch)
        .map_err(|e| corrupt(e.to_string()))?;
    header.compression().map_err(|e| corrupt(e.to_string()))?;
    if header.is_control() {
        return Err(invalid("clients may not produce control batches"));
    }
    // As Kafka's LogValidator: the offset range must match the record count,
    // or offsets assigned from it would overlap or run backwards.
    if header.record_count <= 0
        || header.last_offset_delta < 0
        || i64::from(header.record_count) != i64::from(header.last_offset_delta) + 1
    {
        return Err(invalid(&format!(
            "Inconsistent batch offset range: {} records, last offset delta {}",
            header.record_count, header.last_offset_delta
        )));
    }
    let max = topic
        .config
        .explicit
        .get("max.message.bytes")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(DEFAULT_MAX_MESSAGE_BYTES);
    if batch.len() > max {
        return Err((
            ErrorCode::MessageTooLarge,
            format!(
                "batch of {} bytes exceeds max.message.bytes {max}",
                batch.len()
            ),
        ));
    }
    if topic.config.is_compacted() {
        let mut decoded = Vec::new();
        decode_batch(&batch, &mut decoded).map_err(|e| corrupt(e.to_string()))?;
        if decoded.iter().any(|r| r.key.is_none()) {
            return Err(invalid(&format!(
                "Compacted topic cannot accept message without key in topic partition {}",
                topic.name
            )));
        }
    }
    Ok((batch, header))
}
