//! Distributed mode's group side (Java's `org.apache.kafka.connect.runtime.distributed`):
//! the "connect" group protocol, the leader's assignors, and the
//! `WorkerCoordinator` that joins the group on the client's generic group
//! membership. The `DistributedHerder` owns the cluster view; the `member` loop drives
//! the coordinator for it.

pub mod assignor;
pub mod connect_protocol_compatibility;
pub mod coordinator;
pub mod herder;
pub mod incremental_cooperative_assignor;
pub mod member;
pub mod protocol;

pub use assignor::{ConfigSnapshot, ConnectAssignor, EagerAssignor, GroupAssignment};
pub use coordinator::{
    AssignmentChange, ConfigSnapshotSource, OwnerUrls, WorkerCoordinator, WorkerCoordinatorConfig,
};
pub use herder::{DistributedHerder, DistributedHerderParts};
pub use incremental_cooperative_assignor::IncrementalCooperativeAssignor;
pub use protocol::{
    ConnectProtocolCompatibility, ConnectorsAndTasks, ExtendedAssignment, WorkerState,
};
