//! Built-in connectors, one folder each. They use the SDK (`crate::api`) only.

pub mod file;
pub mod verifiable;
