//! ListOffsets: earliest (-2), latest (-1), max timestamp (-3) and by
//! timestamp (the first record at or after it, looked up inside batches).
//! Mirrors Kafka's `UnifiedLog.fetchOffsetByTimestamp`.

use std::sync::Arc;

use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};

use crate::broker::state::BrokerState;
use crate::kafka::ErrorCode;

pub fn handle(state: &Arc<BrokerState>, request: &ListOffsetsRequest) -> ListOffsetsResponse {
    let topics = request
        .topics
        .iter()
        .map(|t| {
            let topic = state.topic(&t.name);
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let base = ListOffsetsPartitionResponse::default()
                        .with_partition_index(p.partition_index)
                        .with_leader_epoch(-1);
                    match topic.as_ref().and_then(|t| t.partition(p.partition_index)) {
                        None => base
                            .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                            .with_timestamp(-1)
                            .with_offset(-1),
                        Some(partition) => {
                            let (timestamp, offset) =
                                partition.log().offset_for_timestamp(p.timestamp);
                            base.with_timestamp(timestamp).with_offset(offset)
                        }
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default()
                .with_name(t.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}
