//! DescribeCluster and FindCoordinator: this broker is the whole cluster,
//! its controller, and the coordinator of every group and transactional id
//! (key types 0 and 1; one key before v4, batched `coordinator_keys` from
//! v4, KIP-699).

use std::sync::Arc;

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{
    DescribeClusterRequest, DescribeClusterResponse, FindCoordinatorRequest,
    FindCoordinatorResponse,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::errors::message;
use crate::broker::state::BrokerState;
use crate::kafka::ErrorCode;

pub fn describe_cluster(
    state: &Arc<BrokerState>,
    request: &DescribeClusterRequest,
) -> DescribeClusterResponse {
    let node = state.config.node_id;
    DescribeClusterResponse::default()
        .with_endpoint_type(request.endpoint_type)
        .with_cluster_id(StrBytes::from_string(state.config.cluster_id.clone()))
        .with_controller_id(node.into())
        .with_brokers(vec![DescribeClusterBroker::default()
            .with_broker_id(node.into())
            .with_host(StrBytes::from_string(state.advertised_host.clone()))
            .with_port(state.advertised_port)])
}

pub fn find_coordinator(
    state: &Arc<BrokerState>,
    request: &FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let node = state.config.node_id;
    let host = StrBytes::from_string(state.advertised_host.clone());
    let port = state.advertised_port;
    let known_type = matches!(request.key_type, 0 | 1);
    if version < 4 {
        if !known_type {
            return FindCoordinatorResponse::default()
                .with_error_code(ErrorCode::InvalidRequest.code())
                .with_error_message(message(format!("Unknown key type {}", request.key_type)))
                .with_node_id((-1).into())
                .with_port(-1);
        }
        return FindCoordinatorResponse::default()
            .with_node_id(node.into())
            .with_host(host)
            .with_port(port);
    }
    let coordinators = request
        .coordinator_keys
        .iter()
        .map(|key| {
            let c = Coordinator::default().with_key(key.clone());
            if known_type {
                c.with_node_id(node.into())
                    .with_host(host.clone())
                    .with_port(port)
            } else {
                c.with_node_id((-1).into())
                    .with_port(-1)
                    .with_error_code(ErrorCode::InvalidRequest.code())
                    .with_error_message(message(format!("Unknown key type {}", request.key_type)))
            }
        })
        .collect();
    FindCoordinatorResponse::default().with_coordinators(coordinators)
}
