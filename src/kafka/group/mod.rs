//! Consumer groups: generic membership (also used by the Connect worker's
//! "connect" protocol), the "consumer" protocol codec, the partition
//! assignors, and the consumer's coordinator.

pub mod assignor;
pub mod consumer_protocol;
pub mod coordinator;
pub mod membership;
pub mod offsets;

pub use consumer_protocol::TopicPartition;
