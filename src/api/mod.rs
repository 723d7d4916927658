//! The connector SDK: what a connector, converter or transform author sees,
//! and nothing else (Java's `connect-api`). The runtime depends on it; it
//! depends on nothing of ours.

pub mod config_def;
pub mod connector;
pub mod converter;
pub mod data;
pub mod error;
pub mod record;
pub mod sink;
pub mod source;
pub mod transform;

pub use error::{ConnectError, ErrorKind};
