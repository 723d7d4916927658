//! kconnect: Kafka Connect, rewritten in Rust.
//!
//! A drop-in replacement for the Apache Kafka Connect worker. The crate is one
//! library (used by the `kconnect` binary, the integration tests and the
//! benchmarks); its folders are the architecture described in DESIGN.md.

pub mod api;
pub mod broker;
pub mod connectors;
pub mod converters;
pub mod kafka;
pub mod perf;
pub mod rest;
pub mod runtime;
