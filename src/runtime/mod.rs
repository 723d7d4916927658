//! The Connect runtime: herder, worker, tasks, storage, config; kameo actors.
//! Mirrors Java's `connect-runtime` (`org.apache.kafka.connect.runtime`).

pub mod config;
pub mod connector_offsets;
pub mod distributed;
pub mod errors;
pub mod herder;
pub mod loggers;
pub mod plugins;
pub mod standalone;
pub mod status;
pub mod storage;
pub mod task_builder;
pub mod topic_creation;
pub mod transformation_chain;
pub mod worker;
pub mod worker_connector;
pub mod worker_sink_task;
pub mod worker_source_task;
pub mod worker_task;
