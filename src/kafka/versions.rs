//! ApiVersions negotiation (KIP-35, KIP-511): learn what a broker supports and
//! pick, per API, the highest version both sides speak.
//!
//! The "our side" ranges below are the versions this client fills correctly.
//! They stop short of versions that switch from topic names to topic ids
//! (Fetch 13+, Produce 13+), which the client does not use.

use std::collections::HashMap;

use kafka_protocol::messages::{self, ApiVersionsRequest, ApiVersionsResponse};
use kafka_protocol::protocol::{Decodable, Request, StrBytes};

use super::error::{Error, ErrorCode, Result};
use super::messenger::{api_name, Messenger};

/// The versions of each API that this client implements: (key, min, max).
const OURS: &[(i16, i16, i16)] = &[
    (messages::ProduceRequest::KEY, 3, 11),
    (messages::FetchRequest::KEY, 4, 12),
    (messages::ListOffsetsRequest::KEY, 1, 8),
    (messages::MetadataRequest::KEY, 1, 12),
    (messages::OffsetCommitRequest::KEY, 2, 8),
    (messages::OffsetFetchRequest::KEY, 1, 7),
    (messages::FindCoordinatorRequest::KEY, 1, 3),
    (messages::JoinGroupRequest::KEY, 0, 9),
    (messages::HeartbeatRequest::KEY, 0, 4),
    (messages::LeaveGroupRequest::KEY, 0, 5),
    (messages::SyncGroupRequest::KEY, 0, 5),
    (messages::ApiVersionsRequest::KEY, 0, 3),
    (messages::CreateTopicsRequest::KEY, 2, 7),
    (messages::DeleteTopicsRequest::KEY, 1, 5),
    (messages::InitProducerIdRequest::KEY, 0, 4),
    (messages::DescribeConfigsRequest::KEY, 1, 4),
    (messages::DescribeClusterRequest::KEY, 0, 1),
    (messages::DescribeGroupsRequest::KEY, 0, 5),
    (messages::DeleteGroupsRequest::KEY, 0, 2),
    (messages::OffsetDeleteRequest::KEY, 0, 0),
];

/// Our implemented range for an API key, if we implement it at all.
pub fn our_range(key: i16) -> Option<(i16, i16)> {
    OURS.iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, min, max)| (min, max))
}

/// What one broker supports, per API key.
#[derive(Debug, Clone, Default)]
pub struct ApiVersionTable {
    ranges: HashMap<i16, (i16, i16)>,
}

impl ApiVersionTable {
    /// Builds a table from the broker's ApiVersions answer.
    pub fn from_response(resp: &ApiVersionsResponse) -> ApiVersionTable {
        ApiVersionTable {
            ranges: resp
                .api_keys
                .iter()
                .map(|k| (k.api_key, (k.min_version, k.max_version)))
                .collect(),
        }
    }

    /// The broker's highest version of `key`.
    pub fn max_version(&self, key: i16) -> Option<i16> {
        self.ranges.get(&key).map(|r| r.1)
    }

    /// The highest version of `key` both we and the broker support.
    pub fn pick_key(&self, key: i16, broker: &str) -> Result<i16> {
        let unsupported = || Error::UnsupportedVersion {
            broker: broker.to_string(),
            api: api_name(key),
        };
        let (our_min, our_max) = our_range(key).ok_or_else(unsupported)?;
        if key == ApiVersionsRequest::KEY && self.ranges.is_empty() {
            // Before the handshake we only know our own range.
            return Ok(our_max);
        }
        let &(their_min, their_max) = self.ranges.get(&key).ok_or_else(unsupported)?;
        let version = our_max.min(their_max);
        if version < our_min.max(their_min) {
            return Err(unsupported());
        }
        Ok(version)
    }

    /// The highest version of `R` both sides support.
    pub fn pick<R: Request>(&self, broker: &str) -> Result<i16> {
        self.pick_key(R::KEY, broker)
    }
}

/// Runs the ApiVersions handshake on a fresh connection. If the broker does
/// not speak our version it answers in v0 format with UNSUPPORTED_VERSION and
/// its own range; we retry at the highest version it named.
pub async fn handshake(messenger: &Messenger) -> Result<ApiVersionTable> {
    let (_, mut version) = our_range(ApiVersionsRequest::KEY).unwrap_or((0, 3));
    for _attempt in 0..3 {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kconnect"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let body = messenger
            .send_raw::<ApiVersionsRequest>(&request, version)
            .await?;
        let decoded = ApiVersionsResponse::decode(&mut body.clone(), version);
        let response = match decoded {
            Ok(r) if r.error_code != ErrorCode::UnsupportedVersion.code() => r,
            _ => {
                // The v0 fallback: error code plus the broker's ranges.
                let v0 = ApiVersionsResponse::decode(&mut body.clone(), 0).map_err(|e| {
                    Error::Protocol {
                        broker: messenger.broker().to_string(),
                        api: "ApiVersions".to_string(),
                        message: e.to_string(),
                    }
                })?;
                let theirs = ApiVersionTable::from_response(&v0)
                    .max_version(ApiVersionsRequest::KEY)
                    .unwrap_or(0);
                if theirs >= version {
                    return Err(Error::UnsupportedVersion {
                        broker: messenger.broker().to_string(),
                        api: "ApiVersions".to_string(),
                    });
                }
                version = theirs;
                continue;
            }
        };
        ErrorCode::check(response.error_code, || {
            format!("ApiVersions from broker {}", messenger.broker())
        })?;
        return Ok(ApiVersionTable::from_response(&response));
    }
    Err(Error::UnsupportedVersion {
        broker: messenger.broker().to_string(),
        api: "ApiVersions".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::api_versions_response::ApiVersion;
    use kafka_protocol::messages::{FetchRequest, ProduceRequest};

    fn table(entries: &[(i16, i16, i16)]) -> ApiVersionTable {
        ApiVersionTable::from_response(
            &ApiVersionsResponse::default().with_api_keys(
                entries
                    .iter()
                    .map(|&(k, min, max)| {
                        ApiVersion::default()
                            .with_api_key(k)
                            .with_min_version(min)
                            .with_max_version(max)
                    })
                    .collect(),
            ),
        )
    }

    #[test]
    fn picks_highest_common_version() {
        let t = table(&[(0, 3, 12), (1, 4, 17)]);
        assert_eq!(t.pick::<ProduceRequest>("b").unwrap(), 11);
        assert_eq!(t.pick::<FetchRequest>("b").unwrap(), 12);
        let old = table(&[(0, 0, 7), (1, 0, 8)]);
        assert_eq!(old.pick::<ProduceRequest>("b").unwrap(), 7);
        assert_eq!(old.pick::<FetchRequest>("b").unwrap(), 8);
    }

    #[test]
    fn no_overlap_is_unsupported() {
        let t = table(&[(0, 0, 2)]);
        assert!(matches!(
            t.pick::<ProduceRequest>("b"),
            Err(Error::UnsupportedVersion { .. })
        ));
        // An API the broker does not list at all.
        assert!(t.pick::<FetchRequest>("b").is_err());
    }

    #[test]
    fn every_range_is_within_the_codec() {
        use kafka_protocol::messages::ApiKey;
        for &(key, min, max) in OURS {
            let codec = ApiKey::try_from(key).unwrap().valid_versions();
            assert!(min <= max, "{key}");
            assert!(
                codec.min <= min && max <= codec.max,
                "api {key}: ours {min}..={max}, codec {}..={}",
                codec.min,
                codec.max
            );
        }
    }
}
