//! Herders: who decides which connectors and tasks run where (Java's
//! `Herder`). Both answer the same requests (`requests`).

pub mod distributed;
pub mod requests;
pub mod standalone;
pub mod validation;
