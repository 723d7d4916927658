//! InitProducerId for idempotent producers: a fresh producer id at epoch 0,
//! or, when the producer presents its current id and epoch (KIP-360), the
//! same id with the next epoch. Transactional ids are not supported by the
//! embedded broker and are refused.

use std::sync::Arc;

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse};

use crate::broker::state::BrokerState;

/// The code Kafka answers when a transactional id may not be used; fatal
/// for the client, which is what a refused transaction should be.
const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: i16 = 53;

pub fn init(state: &Arc<BrokerState>, request: &InitProducerIdRequest) -> InitProducerIdResponse {
    if request
        .transactional_id
        .as_ref()
        .is_some_and(|t| !t.is_empty())
    {
        tracing::warn!(
            "embedded broker: refusing InitProducerId for transactional id {:?}: transactions are not supported",
            request.transactional_id.as_deref().map(|t| t.as_str())
        );
        return InitProducerIdResponse::default()
            .with_error_code(TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
            .with_producer_id((-1).into())
            .with_producer_epoch(-1);
    }
    let (pid, epoch) = {
        let pid = request.producer_id.0;
        let epoch = request.producer_epoch;
        if pid >= 0 && (0..i16::MAX - 1).contains(&epoch) && state.is_known_producer_id(pid) {
            (pid, epoch + 1)
        } else {
            (state.allocate_producer_id(), 0)
        }
    };
    InitProducerIdResponse::default()
        .with_producer_id(pid.into())
        .with_producer_epoch(epoch)
}
