//! From one request frame to one response frame: decode the request header
//! and body with the `kafka-protocol` codecs, apply injected faults, answer
//! versions we do not serve with UNSUPPORTED_VERSION, route to the handler
//! of the API, and encode the response with the header version it needs.
//! Mirrors the request path of Kafka's `SocketServer` / `KafkaApis`.
//!
//! Known limit: the codec reserves memory for an array from the count on
//! the wire before reading its elements, so a crafted frame declaring an
//! array of billions of entries makes the allocation fail, which aborts the
//! process. Frames are bounded in size and the broker is for loopback dev
//! use; everything else malformed (short, truncated, garbage, unknown API,
//! a codec panic) closes only that connection.
//!
//! The group coordinator APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
//! OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, OffsetDelete,
//! DeleteGroups) go to the broker's `GroupManager` (one actor per group).

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{Decodable, Encodable};

use super::api_versions;
use super::errors::error_response;
use super::group::ClientInfo;
use super::handlers;
use super::state::BrokerState;
use crate::kafka::ErrorCode;

/// What the connection does after a request.
#[derive(Debug)]
pub enum Outcome {
    /// Write this whole frame (length prefix included).
    Respond(Bytes),
    /// Nothing to write (Produce with acks=0).
    NoResponse,
    /// Close the connection (malformed frame, injected drop).
    Close(String),
}

/// Who sent a request: what handlers may need beyond the body.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub header: RequestHeader,
    pub api_key: ApiKey,
    pub api_version: i16,
    pub client_addr: SocketAddr,
}

/// Handles one request frame (without its length prefix).
pub async fn handle_frame(
    state: &Arc<BrokerState>,
    frame: Bytes,
    client_addr: SocketAddr,
) -> Outcome {
    if frame.len() < 8 {
        return Outcome::Close(format!("request of {} bytes has no header", frame.len()));
    }
    let raw_key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let correlation_id = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let Ok(api_key) = ApiKey::try_from(raw_key) else {
        return Outcome::Close(format!("unknown API key {raw_key}"));
    };
    let decision = state.faults.decide(raw_key);
    if decision.drop_connection {
        return Outcome::Close("fault injection: connection dropped".to_string());
    }
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }

    if api_key == ApiKey::ApiVersions && !api_versions::is_served(api_key, version) {
        // Kafka answers an ApiVersions it cannot parse in v0 format with
        // UNSUPPORTED_VERSION and its ranges, header v0, body unread.
        return encode(
            correlation_id,
            0,
            &ResponseKind::ApiVersions(api_versions::unsupported()),
            0,
        );
    }
    let codec = api_key.valid_versions();
    if version < codec.min || version > codec.max {
        return Outcome::Close(format!(
            "{api_key:?} version {version} is outside what the codec can parse"
        ));
    }

    let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut buf = frame.clone();
        let header = RequestHeader::decode(&mut buf, api_key.request_header_version(version))
            .map_err(|e| format!("{e:#}"))?;
        let body = RequestKind::decode(api_key, &mut buf, version).map_err(|e| format!("{e:#}"))?;
        Ok::<_, String>((header, body))
    }));
    let (header, request) = match decoded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Outcome::Close(format!("malformed {api_key:?} v{version}: {e}")),
        Err(_) => return Outcome::Close(format!("malformed {api_key:?} v{version}")),
    };
    let ctx = RequestContext {
        header,
        api_key,
        api_version: version,
        client_addr,
    };

    let forced_error = if !api_versions::is_served(api_key, version) {
        Some(ErrorCode::UnsupportedVersion.code())
    } else {
        decision.error_code
    };
    let acks_zero = matches!(&request, RequestKind::Produce(p) if p.acks == 0);
    let response = match forced_error {
        Some(code) => match error_response(&request, code) {
            Some(r) => Some(r),
            None => {
                return Outcome::Close(format!(
                    "no error response for {api_key:?} v{version} (error {code})"
                ))
            }
        },
        None => route(state, &ctx, request).await,
    };
    if acks_zero {
        // No response; but as Kafka does, a failed acks=0 produce closes the
        // connection, the only way the client can learn of it.
        return match response.as_ref().and_then(produce_error) {
            Some(code) => Outcome::Close(format!("acks=0 produce failed with error {code}")),
            None => Outcome::NoResponse,
        };
    }
    match response {
        Some(r) => {
            let header_version = r.header_version(version);
            encode(correlation_id, header_version, &r, version)
        }
        None => Outcome::Close(format!("no response for {api_key:?} v{version}")),
    }
}

/// Calls the handler of the request's API. `None`: no answer is possible,
/// close the connection.
async fn route(
    state: &Arc<BrokerState>,
    ctx: &RequestContext,
    request: RequestKind,
) -> Option<ResponseKind> {
    let version = ctx.api_version;
    tracing::trace!(client = %ctx.client_addr, api = ?ctx.api_key, version, "embedded broker request");
    Some(match request {
        RequestKind::ApiVersions(_) => ResponseKind::ApiVersions(api_versions::response(0)),
        RequestKind::Produce(r) => ResponseKind::Produce(handlers::produce::handle(state, &r)),
        RequestKind::Fetch(r) => ResponseKind::Fetch(handlers::fetch::handle(state, r).await),
        RequestKind::ListOffsets(r) => {
            ResponseKind::ListOffsets(handlers::list_offsets::handle(state, &r))
        }
        RequestKind::Metadata(r) => {
            ResponseKind::Metadata(handlers::metadata::handle(state, &r, version))
        }
        RequestKind::CreateTopics(r) => {
            ResponseKind::CreateTopics(handlers::topics::create(state, &r, ctx))
        }
        RequestKind::DeleteTopics(r) => {
            ResponseKind::DeleteTopics(handlers::topics::delete(state, &r))
        }
        RequestKind::CreatePartitions(r) => {
            ResponseKind::CreatePartitions(handlers::topics::create_partitions(state, &r))
        }
        RequestKind::DescribeConfigs(r) => {
            ResponseKind::DescribeConfigs(handlers::configs::describe(state, &r))
        }
        RequestKind::DescribeCluster(r) => {
            ResponseKind::DescribeCluster(handlers::cluster::describe_cluster(state, &r))
        }
        RequestKind::FindCoordinator(r) => {
            ResponseKind::FindCoordinator(handlers::cluster::find_coordinator(state, &r, version))
        }
        RequestKind::InitProducerId(r) => {
            ResponseKind::InitProducerId(handlers::producer_id::init(state, &r))
        }
        RequestKind::JoinGroup(r) => {
            let client = ClientInfo {
                client_id: ctx
                    .header
                    .client_id
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                client_host: format!("/{}", ctx.client_addr.ip()),
            };
            ResponseKind::JoinGroup(state.groups.join_group_from(r, version, client).await)
        }
        RequestKind::SyncGroup(r) => {
            ResponseKind::SyncGroup(state.groups.sync_group(r, version).await)
        }
        RequestKind::Heartbeat(r) => {
            ResponseKind::Heartbeat(state.groups.heartbeat(r, version).await)
        }
        RequestKind::LeaveGroup(r) => {
            ResponseKind::LeaveGroup(state.groups.leave_group(r, version).await)
        }
        RequestKind::OffsetCommit(r) => {
            ResponseKind::OffsetCommit(state.groups.offset_commit(r, version).await)
        }
        RequestKind::OffsetFetch(r) => {
            ResponseKind::OffsetFetch(state.groups.offset_fetch(r, version).await)
        }
        RequestKind::ListGroups(r) => {
            ResponseKind::ListGroups(state.groups.list_groups(r, version).await)
        }
        RequestKind::DescribeGroups(r) => {
            ResponseKind::DescribeGroups(state.groups.describe_groups(r, version).await)
        }
        RequestKind::OffsetDelete(r) => {
            ResponseKind::OffsetDelete(state.groups.offset_delete(r, version).await)
        }
        RequestKind::DeleteGroups(r) => {
            ResponseKind::DeleteGroups(state.groups.delete_groups(r, version).await)
        }
        other => error_response(&other, ErrorCode::UnsupportedVersion.code())?,
    })
}

/// The first partition error of a Produce response.
fn produce_error(response: &ResponseKind) -> Option<i16> {
    let ResponseKind::Produce(p) = response else {
        return None;
    };
    p.responses
        .iter()
        .flat_map(|t| &t.partition_responses)
        .map(|p| p.error_code)
        .find(|&c| c != 0)
}

/// Encodes a response frame: length, response header, body.
fn encode(
    correlation_id: i32,
    header_version: i16,
    response: &ResponseKind,
    version: i16,
) -> Outcome {
    let mut out = BytesMut::with_capacity(256);
    out.put_i32(0);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    if let Err(e) = header.encode(&mut out, header_version) {
        return Outcome::Close(format!("cannot encode response header: {e:#}"));
    }
    if let Err(e) = response.encode(&mut out, version) {
        tracing::error!("embedded broker: cannot encode a v{version} response: {e:#}");
        return Outcome::Close(format!("cannot encode response: {e:#}"));
    }
    let len = (out.len() - 4) as i32;
    out[0..4].copy_from_slice(&len.to_be_bytes());
    Outcome::Respond(out.freeze())
}
