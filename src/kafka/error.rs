//! Errors of the native Kafka client: transport failures, garbage on the wire,
//! and the broker's own error codes (mirrors `org.apache.kafka.common.protocol.Errors`).

use std::fmt;

/// Result of every client operation.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything the Kafka client can fail with. Each variant names what and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to broker {broker}: {source}")]
    Connect {
        broker: String,
        source: std::io::Error,
    },
    #[error("i/o error on the connection to broker {broker}: {source}")]
    Io {
        broker: String,
        source: std::io::Error,
    },
    #[error("the connection to broker {broker} was closed: {reason}")]
    ConnectionClosed { broker: String, reason: String },
    #[error("broker {broker} sent a frame of {size} bytes, larger than the limit of {max}")]
    FrameTooLarge {
        broker: String,
        size: usize,
        max: usize,
    },
    #[error("malformed response from broker {broker} to {api}: {message}")]
    Protocol {
        broker: String,
        api: String,
        message: String,
    },
    #[error("cannot encode {api} request: {message}")]
    Encode { api: String, message: String },
    #[error("corrupt record batch: {0}")]
    CorruptBatch(String),
    #[error("{context}: {code}")]
    Broker { code: ErrorCode, context: String },
    #[error("broker {broker} supports no version of {api} that this client speaks")]
    UnsupportedVersion { broker: String, api: String },
    #[error("timed out after {ms} ms: {what}")]
    Timeout { what: String, ms: u64 },
    #[error("invalid client configuration {key}: {message}")]
    Config { key: String, message: String },
    #[error("no broker reachable among {0}")]
    NoBrokers(String),
    #[error("unknown topic or partition {0}")]
    UnknownPartition(String),
    #[error("the client is closed")]
    Closed,
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Whether retrying the same operation may succeed (a transport error, a
    /// timeout, or a retriable broker code).
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Connect { .. }
            | Error::Io { .. }
            | Error::ConnectionClosed { .. }
            | Error::Timeout { .. }
            | Error::NoBrokers(_)
            | Error::UnknownPartition(_) => true,
            Error::Broker { code, .. } => code.is_retriable(),
            _ => false,
        }
    }

    /// The broker error code, if this error carries one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Broker { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether cached metadata should be refreshed before a retry.
    pub fn invalidates_metadata(&self) -> bool {
        match self {
            Error::Connect { .. }
            | Error::Io { .. }
            | Error::ConnectionClosed { .. }
            | Error::UnknownPartition(_) => true,
            Error::Broker { code, .. } => code.invalidates_metadata(),
            _ => false,
        }
    }
}

macro_rules! error_codes {
    ($( $variant:ident = $code:literal, $retriable:literal, $name:literal; )*) => {
        /// A Kafka protocol error code. Codes this client does not know are kept
        /// as `Unknown(code)` so that they still reach the caller by number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $variant, )*
            Unknown(i16),
        }

        impl ErrorCode {
            /// Maps a wire code; 0 (no error) maps to `None`.
            pub fn from_code(code: i16) -> Option<ErrorCode> {
                match code {
                    0 => None,
                    $( $code => Some(ErrorCode::$variant), )*
                    other => Some(ErrorCode::Unknown(other)),
                }
            }

            /// The wire code.
            pub fn code(self) -> i16 {
                match self {
                    $( ErrorCode::$variant => $code, )*
                    ErrorCode::Unknown(c) => c,
                }
            }

            /// Whether Java's client treats this code as a `RetriableException`.
            pub fn is_retriable(self) -> bool {
                match self {
                    $( ErrorCode::$variant => $retriable, )*
                    ErrorCode::Unknown(_) => false,
                }
            }

            /// Java's upper-case name, e.g. `NOT_LEADER_OR_FOLLOWER`.
            pub fn name(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $name, )*
                    ErrorCode::Unknown(_) => "UNKNOWN",
                }
            }
        }
    };
}

error_codes! {
    UnknownServerError = -1, false, "UNKNOWN_SERVER_ERROR";
    OffsetOutOfRange = 1, false, "OFFSET_OUT_OF_RANGE";
    CorruptMessage = 2, true, "CORRUPT_MESSAGE";
    UnknownTopicOrPartition = 3, true, "UNKNOWN_TOPIC_OR_PARTITION";
    InvalidFetchSize = 4, false, "INVALID_FETCH_SIZE";
    LeaderNotAvailable = 5, true, "LEADER_NOT_AVAILABLE";
    NotLeaderOrFollower = 6, true, "NOT_LEADER_OR_FOLLOWER";
    RequestTimedOut = 7, true, "REQUEST_TIMED_OUT";
    BrokerNotAvailable = 8, false, "BROKER_NOT_AVAILABLE";
    ReplicaNotAvailable = 9, true, "REPLICA_NOT_AVAILABLE";
    MessageTooLarge = 10, false, "MESSAGE_TOO_LARGE";
    OffsetMetadataTooLarge = 12, false, "OFFSET_METADATA_TOO_LARGE";
    NetworkException = 13, true, "NETWORK_EXCEPTION";
    CoordinatorLoadInProgress = 14, true, "COORDINATOR_LOAD_IN_PROGRESS";
    CoordinatorNotAvailable = 15, true, "COORDINATOR_NOT_AVAILABLE";
    NotCoordinator = 16, true, "NOT_COORDINATOR";
    InvalidTopicException = 17, false, "INVALID_TOPIC_EXCEPTION";
    RecordListTooLarge = 18, false, "RECORD_LIST_TOO_LARGE";
    NotEnoughReplicas = 19, true, "NOT_ENOUGH_REPLICAS";
    NotEnoughReplicasAfterAppend = 20, true, "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    InvalidRequiredAcks = 21, false, "INVALID_REQUIRED_ACKS";
    IllegalGeneration = 22, false, "ILLEGAL_GENERATION";
    InconsistentGroupProtocol = 23, false, "INCONSISTENT_GROUP_PROTOCOL";
    InvalidGroupId = 24, false, "INVALID_GROUP_ID";
    UnknownMemberId = 25, false, "UNKNOWN_MEMBER_ID";
    InvalidSessionTimeout = 26, false, "INVALID_SESSION_TIMEOUT";
    RebalanceInProgress = 27, false, "REBALANCE_IN_PROGRESS";
    InvalidCommitOffsetSize = 28, false, "INVALID_COMMIT_OFFSET_SIZE";
    TopicAuthorizationFailed = 29, false, "TOPIC_AUTHORIZATION_FAILED";
    GroupAuthorizationFailed = 30, false, "GROUP_AUTHORIZATION_FAILED";
    ClusterAuthorizationFailed = 31, false, "CLUSTER_AUTHORIZATION_FAILED";
    InvalidTimestamp = 32, false, "INVALID_TIMESTAMP";
    UnsupportedVersion = 35, false, "UNSUPPORTED_VERSION";
    TopicAlreadyExists = 36, false, "TOPIC_ALREADY_EXISTS";
    InvalidPartitions = 37, false, "INVALID_PARTITIONS";
    InvalidReplicationFactor = 38, false, "INVALID_REPLICATION_FACTOR";
    InvalidReplicaAssignment = 39, false, "INVALID_REPLICA_ASSIGNMENT";
    InvalidConfig = 40, false, "INVALID_CONFIG";
    NotController = 41, true, "NOT_CONTROLLER";
    InvalidRequest = 42, false, "INVALID_REQUEST";
    PolicyViolation = 44, false, "POLICY_VIOLATION";
    OutOfOrderSequenceNumber = 45, false, "OUT_OF_ORDER_SEQUENCE_NUMBER";
    DuplicateSequenceNumber = 46, false, "DUPLICATE_SEQUENCE_NUMBER";
    InvalidProducerEpoch = 47, false, "INVALID_PRODUCER_EPOCH";
    InvalidTxnState = 48, false, "INVALID_TXN_STATE";
    InvalidProducerIdMapping = 49, false, "INVALID_PRODUCER_ID_MAPPING";
    ConcurrentTransactions = 51, true, "CONCURRENT_TRANSACTIONS";
    KafkaStorageError = 56, true, "KAFKA_STORAGE_ERROR";
    UnknownProducerId = 59, false, "UNKNOWN_PRODUCER_ID";
    GroupIdNotFound = 69, false, "GROUP_ID_NOT_FOUND";
    FencedLeaderEpoch = 74, true, "FENCED_LEADER_EPOCH";
    UnknownLeaderEpoch = 75, true, "UNKNOWN_LEADER_EPOCH";
    UnsupportedCompressionType = 76, false, "UNSUPPORTED_COMPRESSION_TYPE";
    OffsetNotAvailable = 78, true, "OFFSET_NOT_AVAILABLE";
    MemberIdRequired = 79, false, "MEMBER_ID_REQUIRED";
    PreferredLeaderNotAvailable = 80, true, "PREFERRED_LEADER_NOT_AVAILABLE";
    GroupMaxSizeReached = 81, false, "GROUP_MAX_SIZE_REACHED";
    FencedInstanceId = 82, false, "FENCED_INSTANCE_ID";
    InvalidRecord = 87, false, "INVALID_RECORD";
    UnstableOffsetCommit = 88, true, "UNSTABLE_OFFSET_COMMIT";
    ThrottlingQuotaExceeded = 89, true, "THROTTLING_QUOTA_EXCEEDED";
    ProducerFenced = 90, false, "PRODUCER_FENCED";
    UnknownTopicId = 100, true, "UNKNOWN_TOPIC_ID";
    InconsistentTopicId = 103, true, "INCONSISTENT_TOPIC_ID";
}

impl ErrorCode {
    /// Codes after which Java's client requests a metadata update.
    pub fn invalidates_metadata(self) -> bool {
        matches!(
            self,
            ErrorCode::NotLeaderOrFollower
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::LeaderNotAvailable
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownLeaderEpoch
                | ErrorCode::KafkaStorageError
                | ErrorCode::UnknownTopicId
                | ErrorCode::InconsistentTopicId
                | ErrorCode::NotCoordinator
                | ErrorCode::CoordinatorNotAvailable
        )
    }

    /// Turns a wire code into `Ok(())` or a typed error carrying `context`.
    pub fn check(code: i16, context: impl FnOnce() -> String) -> Result<()> {
        match ErrorCode::from_code(code) {
            None => Ok(()),
            Some(code) => Err(Error::Broker {
                code,
                context: context(),
            }),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_classify() {
        assert_eq!(ErrorCode::from_code(0), None);
        let nl = ErrorCode::from_code(6).unwrap();
        assert_eq!(nl, ErrorCode::NotLeaderOrFollower);
        assert!(nl.is_retriable());
        assert!(nl.invalidates_metadata());
        assert_eq!(nl.code(), 6);
        let unknown = ErrorCode::from_code(9999).unwrap();
        assert_eq!(unknown, ErrorCode::Unknown(9999));
        assert!(!unknown.is_retriable());
        assert_eq!(unknown.code(), 9999);
        assert!(!ErrorCode::TopicAlreadyExists.is_retriable());
        assert_eq!(
            ErrorCode::MemberIdRequired.to_string(),
            "MEMBER_ID_REQUIRED (79)"
        );
    }
}
