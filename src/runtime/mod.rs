//! The Connect runtime: herder, worker, tasks, storage, config; kameo actors.
//! Mirrors Java's `connect-runtime` (`org.apache.kafka.connect.runtime`).

pub mod config;
pub mod herder;
pub mod plugins;
pub mod standalone;
pub mod status;
pub mod storage;
pub mod worker;
pub mod worker_sink_task;
pub mod worker_source_task;
pub mod topic_creation;
