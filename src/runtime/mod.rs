//! The Connect runtime: herder, worker, tasks, storage, config; kameo actors.
//! Mirrors Java's `connect-runtime` (`org.apache.kafka.connect.runtime`).

pub mod config;
pub mod storage;
