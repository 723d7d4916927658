//! Fetch: read whole batches from each requested partition, honouring
//! `max_bytes` and `partition_max_bytes` (the first batch is returned even if
//! bigger, KIP-74), and long-poll until `min_bytes` are available or
//! `max_wait_ms` passes, woken by appends. Sessionless (session id 0, which
//! every client accepts); the last stable offset is the high watermark since
//! the broker has no transactions. Mirrors Kafka's `ReplicaManager.fetchMessages`
//! and `DelayedFetch`.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{FetchRequest, FetchResponse};
use tokio::time::Instant;

use crate::broker::state::BrokerState;
use crate::kafka::ErrorCode;

/// Upper bound on `max_wait_ms`, so that a confused client cannot park a
/// connection for hours.
const MAX_WAIT_CAP: Duration = Duration::from_secs(60);

pub async fn handle(state: &Arc<BrokerState>, request: FetchRequest) -> FetchResponse {
    let wait = Duration::from_millis(request.max_wait_ms.max(0) as u64).min(MAX_WAIT_CAP);
    let deadline = Instant::now() + wait;
    let min_bytes = request.min_bytes.max(0) as usize;
    loop {
        // Subscribe before reading so that an append in between is not missed.
        let mut appended = state.subscribe_appends();
        appended.borrow_and_update();
        let (response, bytes, errors) = read_once(state, &request);
        if bytes >= min_bytes || errors || Instant::now() >= deadline {
            return response;
        }
        if tokio::time::timeout_at(deadline, appended.changed())
            .await
            .is_err()
        {
            return read_once(state, &request).0;
        }
    }
}

/// One pass over the requested partitions: the response, the record bytes
/// in it, and whether any partition has an error.
fn read_once(state: &BrokerState, request: &FetchRequest) -> (FetchResponse, usize, bool) {
    let mut remaining = if request.max_bytes > 0 {
        request.max_bytes as usize
    } else {
        usize::MAX
    };
    let mut total = 0usize;
    let mut errors = false;
    let read_committed = request.isolation_level == 1;
    let topics = request
        .topics
        .iter()
        .map(|t| {
            let topic = if t.topic.is_empty() && !t.topic_id.is_nil() {
                state.topic_by_id(t.topic_id)
            } else {
                state.topic(&t.topic)
            };
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let base = PartitionData::default()
                        .with_partition_index(p.partition)
                        .with_preferred_read_replica((-1).into())
                        .with_aborted_transactions(read_committed.then(Vec::new));
                    let Some(partition) = topic.as_ref().and_then(|t| t.partition(p.partition))
                    else {
                        errors = true;
                        return base
                            .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                            .with_high_watermark(-1)
                            .with_last_stable_offset(-1)
                            .with_log_start_offset(-1)
                            .with_records(Some(Bytes::new()));
                    };
                    let log = partition.log();
                    let hw = log.high_watermark();
                    let base = base
                        .with_high_watermark(hw)
                        .with_last_stable_offset(hw)
                        .with_log_start_offset(log.log_start_offset());
                    if !log.offset_in_range(p.fetch_offset) {
                        errors = true;
                        return base
                            .with_error_code(ErrorCode::OffsetOutOfRange.code())
                            .with_records(Some(Bytes::new()));
                    }
                    let limit = (p.partition_max_bytes.max(0) as usize).min(remaining);
                    let read = log.read(p.fetch_offset, limit, total == 0);
                    drop(log);
                    remaining = remaining.saturating_sub(read.bytes);
                    total += read.bytes;
                    base.with_records(Some(concat(read.batches, read.bytes)))
                })
                .collect();
            FetchableTopicResponse::default()
                .with_topic(t.topic.clone())
                .with_topic_id(t.topic_id)
                .with_partitions(partitions)
        })
        .collect();
    let response = FetchResponse::default()
        .with_session_id(0)
        .with_responses(topics);
    (response, total, errors)
}

/// One records region from whole batches (one copy; a single batch is not
/// copied at all).
fn concat(batches: Vec<Bytes>, bytes: usize) -> Bytes {
    if batches.len() == 1 {
        return batches.into_iter().next().unwrap_or_default();
    }
    let mut out = BytesMut::with_capacity(bytes);
    for b in batches {
        out.extend_from_slice(&b);
    }
    out.freeze()
}
