//! Source offsets (Java's `OffsetBackingStore` with the standalone
//! `FileOffsetBackingStore`, `OffsetStorageReaderImpl` and the key format of
//! `OffsetUtils`): keys are the schemaless JSON `["<connector>",{partition}]`,
//! values the JSON offset; the file holds them in Java's own format, so a
//! worker moved from Java keeps its offsets.
//!
//! [`OffsetBackingStore`] is what the runtime uses: the file store here in
//! standalone mode, [`super::kafka_offset::KafkaOffsetBackingStore`] in
//! distributed mode.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

use crate::api::record::SourceMap;
use crate::api::source::OffsetStorageReader;

use super::offset_file;

/// The serialized offset key of `partition` of `connector`: compact JSON
/// `["<connector>",{...}]` with the partition's fields in the order a Java
/// `HashMap` iterates them, as Java's JsonConverter writes the maps source
/// connectors build, so that the bytes (which offsets are looked up by)
/// match Java's.
pub fn offset_key(connector: &str, partition: &SourceMap) -> Vec<u8> {
    serde_json::to_vec(&(connector, JavaOrderedMap(partition))).unwrap_or_default()
}

/// The serialized offset value, fields in Java `HashMap` order.
pub fn offset_value(offset: &SourceMap) -> Vec<u8> {
    serde_json::to_vec(&JavaOrderedMap(offset)).unwrap_or_default()
}

/// A JSON object written in the order a Java `HashMap` iterates it, as
/// Jackson writes the maps Java's connectors and JsonConverter produce.
pub struct JavaOrderedMap<'a>(pub &'a SourceMap);

impl serde::Serialize for JavaOrderedMap<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::api::data::Value as DataValue;
        use serde::ser::SerializeMap;
        let keys = crate::api::data::java_hash::hash_map_order(
            self.0
                .keys()
                .map(|k| (DataValue::from(k.as_str()), DataValue::Null))
                .collect(),
        );
        let mut map = serializer.serialize_map(Some(keys.len()))?;
        for (key, _) in keys {
            if let DataValue::String(k) = key {
                if let Some(v) = self.0.get(&k) {
                    map.serialize_entry(&k, v)?;
                }
            }
        }
        map.end()
    }
}

/// Where source offsets are kept (Java's `OffsetBackingStore`). Keys and
/// values are the serialized JSON of [`offset_key`] / [`offset_value`].
pub trait OffsetBackingStore: Send + Sync {
    /// The stored offset of a serialized key, as known now (what was read
    /// or written so far; call [`OffsetBackingStore::refresh`] first to see
    /// other workers' writes).
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// Stores `entries` (`None` is a tombstone). Resolves once they are
    /// durable (written to the file, or acknowledged by the broker): only
    /// then may a source task consider its offsets committed.
    fn set(
        &self,
        entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> BoxFuture<'static, Result<(), String>>;

    /// Catches up with writes made elsewhere (a read to the end of the
    /// offsets topic); nothing to do for a file.
    fn refresh(&self) -> BoxFuture<'static, Result<(), String>>;

    /// All offsets of one connector: (partition, offset), tombstones as
    /// `None`.
    fn connector_offsets(&self, connector: &str) -> Vec<(SourceMap, Option<SourceMap>)>;
}

/// The offsets of `connector` among serialized entries.
pub fn connector_entries<'a>(
    entries: impl Iterator<Item = (&'a Vec<u8>, &'a Option<Vec<u8>>)>,
    connector: &str,
) -> Vec<(SourceMap, Option<SourceMap>)> {
    entries
        .filter_map(|(k, v)| {
            let key: serde_json::Value = serde_json::from_slice(k).ok()?;
            let arr = key.as_array()?;
            if arr.first()?.as_str()? != connector {
                return None;
            }
            let partition = arr.get(1)?.as_object()?.clone();
            let offset = v
                .as_ref()
                .and_then(|v| serde_json::from_slice::<serde_json::Value>(v).ok())
                .and_then(|v| v.as_object().cloned());
            Some((partition, offset))
        })
        .collect()
}

/// Offsets in a file, loaded on start and rewritten (atomically) on flush.
pub struct FileOffsetStore {
    path: PathBuf,
    data: Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl FileOffsetStore {
    /// Loads `path` (a missing file is an empty store).
    pub fn open(path: impl Into<PathBuf>) -> Result<Arc<FileOffsetStore>, String> {
        let path = path.into();
        let data = offset_file::load(&path).map_err(|e| e.to_string())?;
        Ok(Arc::new(FileOffsetStore {
            path,
            data: Mutex::new(data),
        }))
    }

    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        data.get(key).cloned().flatten()
    }

    /// Stores `entries` and writes the whole file.
    pub fn put_all(&self, entries: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<(), String> {
        let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        for (k, v) in entries {
            data.insert(k, v);
        }
        offset_file::save(&self.path, &data).map_err(|e| e.to_string())
    }

    /// All offsets of one connector: (partition, offset).
    pub fn connector_offsets(&self, connector: &str) -> Vec<(SourceMap, Option<SourceMap>)> {
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        connector_entries(data.iter(), connector)
    }
}

impl OffsetBackingStore for FileOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        FileOffsetStore::get(self, key)
    }

    fn set(
        &self,
        entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(std::future::ready(self.put_all(entries)))
    }

    fn refresh(&self) -> BoxFuture<'static, Result<(), String>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn connector_offsets(&self, connector: &str) -> Vec<(SourceMap, Option<SourceMap>)> {
        FileOffsetStore::connector_offsets(self, connector)
    }
}

/// A connector's view of the offsets (Java's `OffsetStorageReaderImpl`).
pub struct ConnectorOffsetReader {
    pub store: Arc<dyn OffsetBackingStore>,
    pub connector: String,
}

impl OffsetStorageReader for ConnectorOffsetReader {
    fn offset(&self, partition: &SourceMap) -> Option<SourceMap> {
        let raw = self.store.get(&offset_key(&self.connector, partition))?;
        match serde_json::from_slice::<serde_json::Value>(&raw) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => {
                tracing::warn!(connector = %self.connector, "stored offset is not a JSON object; ignored");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_java_hash_map_order() {
        // "p" hashes to bucket 0 and "a" to bucket 1 of a 16-bucket HashMap:
        // Java writes p first, though a sorts first.
        let mut partition = SourceMap::new();
        partition.insert("a".into(), serde_json::json!(1));
        partition.insert("p".into(), serde_json::json!("x"));
        assert_eq!(
            String::from_utf8(offset_key("conn", &partition)).unwrap_or_default(),
            r#"["conn",{"p":"x","a":1}]"#
        );
        assert_eq!(
            String::from_utf8(offset_value(&partition)).unwrap_or_default(),
            r#"{"p":"x","a":1}"#
        );
    }

    #[test]
    fn keys_are_javas_compact_json() {
        let mut p = SourceMap::new();
        p.insert("filename".into(), "/tmp/test.txt".into());
        assert_eq!(
            offset_key("local-file-source", &p),
            br#"["local-file-source",{"filename":"/tmp/test.txt"}]"#.to_vec()
        );
        let mut o = SourceMap::new();
        o.insert("position".into(), 1234.into());
        assert_eq!(offset_value(&o), br#"{"position":1234}"#.to_vec());
    }
}
