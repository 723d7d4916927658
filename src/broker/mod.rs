//! The embedded in-memory dev broker (placeholder in the `broker-group`
//! branch: the broker core replaces this file at merge).

pub mod group;
