//! Backing stores for configs, offsets and statuses.

pub mod offset;
pub mod offset_file;
