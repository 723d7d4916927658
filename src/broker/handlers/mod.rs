//! One file per API (or pair of related APIs) the embedded broker answers
//! itself; the dispatcher calls into them with decoded requests.

pub mod cluster;
pub mod configs;
pub mod fetch;
pub mod list_offsets;
pub mod metadata;
pub mod produce;
pub mod producer_id;
pub mod topics;
