//! Connect's data model: schemas, values and structs, and the logical types
//! (Java's `org.apache.kafka.connect.data`).

pub mod schema;
pub mod value;

pub use schema::{Field, Schema, SchemaBuilder, Type};
pub use value::{Struct, Value};
