//! Consumer group membership: the "consumer" protocol codec and the partition assignors.

pub mod assignor;
pub mod consumer_protocol;
