//! The REST API (Java's `org.apache.kafka.connect.runtime.rest`): the same
//! paths, bodies and status codes as the Java worker, so that curl scripts,
//! UIs and operators keep working. A thin layer over the herder: `server`
//! accepts connections, `routes` maps a path to an endpoint, `handlers` turn
//! requests into herder messages, `entities` are Java's JSON shapes, `error`
//! renders failures as Java's `{"error_code", "message"}`, `body` bounds
//! request bodies.

pub mod body;
pub mod client;
pub mod entities;
pub mod error;
pub mod handlers;
pub mod internal_request_signature;
pub mod routes;
pub mod server;

pub use entities::ServerInfo;
pub use error::{ApiError, RestError};
pub use handlers::HerderRef;
pub use server::{bind, serve, serve_bound, serve_worker, server_info, DEFAULT_LISTENERS};
