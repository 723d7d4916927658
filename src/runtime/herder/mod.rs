//! Herders: who decides which connectors and tasks run where (Java's
//! `Herder`). Standalone now; distributed being built.

pub mod distributed;
pub mod standalone;
pub mod validation;
