//! Distributed mode's group side (Java's `org.apache.kafka.connect.runtime.distributed`):
//! the "connect" group protocol, the leader's assignors, and the
//! `WorkerCoordinator` that joins the group on the client's generic group
//! membership. The `DistributedHerder` drives the coordinator.

pub mod assignor;
pub mod connect_protocol_compatibility;
pub mod coordinator;
pub mod incremental_cooperative_assignor;
pub mod protocol;

pub use assignor::{ConfigSnapshot, ConnectAssignor, EagerAssignor, GroupAssignment};
pub use coordinator::{
    AssignmentChange, ConfigSnapshotSource, WorkerCoordinator, WorkerCoordinatorConfig,
};
pub use incremental_cooperative_assignor::IncrementalCooperativeAssignor;
pub use protocol::{
    ConnectProtocolCompatibility, ConnectorsAndTasks, ExtendedAssignment, WorkerState,
};
