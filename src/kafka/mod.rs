//! The native Kafka client: our own transport and client logic over the
//! `kafka-protocol` codecs. It knows nothing of Connect and holds no actors;
//! the runtime calls into it, it never calls back.
//!
//! Layers, bottom up: [`messenger`] (one pipelined connection per broker),
//! [`versions`] (ApiVersions negotiation), [`cluster`] (bootstrap, metadata,
//! leader routing), [`batch`] (the v2 record-batch codec), then the
//! [`producer`], [`fetcher`] (consumer), [`group`] (membership and the
//! consumer protocol) and [`admin`] clients.

pub mod admin;
pub mod batch;
pub mod cluster;
pub mod config;
pub mod error;
pub mod fetcher;
pub mod group;
pub mod messenger;
pub mod partitioner;
pub mod producer;
pub mod versions;

pub use error::{Error, ErrorCode, Result};
