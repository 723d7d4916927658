//! The API versions the embedded broker serves (KIP-35, KIP-511) and the
//! ApiVersions answer, including Kafka's fallback for a client that asks
//! with a version newer than ours: a v0 response with UNSUPPORTED_VERSION
//! and our ranges, so that the client retries lower.
//!
//! The ranges are those of Kafka 4.x that use topic names (Fetch and Produce
//! stop before the topic-id versions 13+), all within what the
//! `kafka-protocol` codec can decode and encode. Java 4.x clients and our
//! native client (`kafka::versions`) negotiate within them. The group APIs
//! are listed for the group coordinator (`broker::group`).

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse};

use crate::kafka::ErrorCode;

/// (API, min, max) served.
pub const SERVED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 11),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 8),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::OffsetCommit, 2, 9),
    (ApiKey::OffsetFetch, 1, 9),
    (ApiKey::FindCoordinator, 0, 5),
    (ApiKey::JoinGroup, 0, 9),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::ListGroups, 0, 5),
    (ApiKey::ApiVersions, 0, 4),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::DeleteTopics, 1, 6),
    (ApiKey::InitProducerId, 0, 5),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::DeleteGroups, 0, 2),
    (ApiKey::OffsetDelete, 0, 0),
    (ApiKey::DescribeCluster, 0, 1),
    (ApiKey::CreatePartitions, 0, 3),
];

/// The served range of `key`, if the broker serves it.
pub fn served_range(key: ApiKey) -> Option<(i16, i16)> {
    SERVED
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, min, max)| (min, max))
}

/// Whether `version` of `key` is served.
pub fn is_served(key: ApiKey, version: i16) -> bool {
    served_range(key).is_some_and(|(min, max)| (min..=max).contains(&version))
}

/// The ApiVersions answer with `error_code` (0, or UNSUPPORTED_VERSION for
/// the v0 fallback).
pub fn response(error_code: i16) -> ApiVersionsResponse {
    ApiVersionsResponse::default()
        .with_error_code(error_code)
        .with_api_keys(
            SERVED
                .iter()
                .map(|&(k, min, max)| {
                    ApiVersion::default()
                        .with_api_key(k as i16)
                        .with_min_version(min)
                        .with_max_version(max)
                })
                .collect(),
        )
        .with_finalized_features_epoch(-1)
}

/// The v0 fallback answer to an ApiVersions request we cannot parse.
pub fn unsupported() -> ApiVersionsResponse {
    response(ErrorCode::UnsupportedVersion.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_range_is_within_the_codec_and_our_client_can_negotiate() {
        for &(key, min, max) in SERVED {
            let codec = key.valid_versions();
            assert!(
                min <= max && codec.min <= min && max <= codec.max,
                "{key:?}"
            );
            if let Some((cmin, cmax)) = crate::kafka::versions::our_range(key as i16) {
                assert!(
                    cmin <= max && min <= cmax,
                    "client cannot negotiate {key:?}"
                );
            }
        }
    }
}
