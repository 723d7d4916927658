//! Source offsets (Java's `OffsetBackingStore` with the standalone
//! `FileOffsetBackingStore`, `OffsetStorageReaderImpl` and the key format of
//! `OffsetUtils`): keys are the schemaless JSON `["<connector>",{partition}]`,
//! values the JSON offset; the file holds them in Java's own format, so a
//! worker moved from Java keeps its offsets.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::api::record::SourceMap;
use crate::api::source::OffsetStorageReader;

use super::offset_file;

/// The serialized offset key of `partition` of `connector`.
pub fn offset_key(connector: &str, partition: &SourceMap) -> Vec<u8> {
    let key = serde_json::Value::Array(vec![
        serde_json::Value::String(connector.to_string()),
        serde_json::Value::Object(partition.clone()),
    ]);
    serde_json::to_vec(&key).unwrap_or_default()
}

/// The serialized offset value.
pub fn offset_value(offset: &SourceMap) -> Vec<u8> {
    serde_json::to_vec(offset).unwrap_or_default()
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
        data.iter()
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
}

/// A connector's view of the offsets (Java's `OffsetStorageReaderImpl`).
pub struct ConnectorOffsetReader {
    pub store: Arc<FileOffsetStore>,
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
