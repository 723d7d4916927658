//! Backing stores for configs, offsets and statuses: the standalone file
//! store for offsets, and the Kafka-topic stores of distributed mode (on
//! [`kafka_log::KafkaBasedLog`]).

pub mod config;
pub mod config_memory;
pub mod config_records;
pub mod config_state;
pub mod error;
pub mod internal_topics;
pub mod kafka_log;
pub mod kafka_offset;
pub mod kafka_status;
pub mod offset;
pub mod offset_file;
pub mod record_json;
pub mod status_cache;
