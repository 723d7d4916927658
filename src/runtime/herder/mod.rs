//! Herders: who decides which connectors and tasks run where (Java's
//! `Herder`). Standalone now; distributed later.

pub mod standalone;
pub mod validation;
