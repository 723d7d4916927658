//! Converters between Connect data and the bytes stored in Kafka (Java's
//! `Converter` and `HeaderConverter`).

use std::collections::HashMap;

use bytes::Bytes;

use super::data::{Schema, Value};
use super::error::ConnectResult;

/// A value with its (optional) schema, as converters return it.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaAndValue {
    pub schema: Option<Schema>,
    pub value: Value,
}

/// Converts record keys or values (Java's `Converter`). The method names
/// follow Java's `fromConnectData` / `toConnectData`.
#[allow(clippy::wrong_self_convention)]
pub trait Converter: Send + Sync {
    /// Applies the converter's settings (`<key|value>.converter.*` with the
    /// prefix removed). `is_key` says which side it serves.
    fn configure(&mut self, configs: &HashMap<String, String>, is_key: bool) -> ConnectResult<()>;

    /// Connect data to bytes (`fromConnectData`); `None` is a null record part.
    fn from_connect(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>>;

    /// Bytes to Connect data (`toConnectData`); `None` is a null record part.
    fn to_connect(&self, topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue>;
}

/// Converts header values (Java's `HeaderConverter`).
#[allow(clippy::wrong_self_convention)]
pub trait HeaderConverter: Send + Sync {
    fn configure(&mut self, configs: &HashMap<String, String>) -> ConnectResult<()>;

    fn from_connect_header(
        &self,
        topic: &str,
        header_key: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>>;

    fn to_connect_header(
        &self,
        topic: &str,
        header_key: &str,
        bytes: Option<&Bytes>,
    ) -> ConnectResult<SchemaAndValue>;
}
