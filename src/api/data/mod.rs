//! Connect's data model: schemas, values and structs, and the logical types
//! (Java's `org.apache.kafka.connect.data`).

pub mod base64;
pub mod big_decimal;
pub mod floating_decimal;
pub mod java_format;
pub mod java_hash;
pub mod logical;
pub mod schema;
pub mod value;
pub mod values;

pub use big_decimal::BigDecimal;
pub use logical::{Date, Decimal, LogicalType, Time, Timestamp};
pub use schema::{Field, Schema, SchemaBuilder, Type};
pub use value::{Struct, Value};
