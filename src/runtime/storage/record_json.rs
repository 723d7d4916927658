//! The JSON of internal-topic record values, byte for byte as Java's
//! `JsonConverter` with `schemas.enable=false` writes a `Struct` (fields in
//! schema order, absent optional fields as `null`) or a `Map` (entries in
//! the map's iteration order; Connect's maps are `java.util.HashMap`s):
//! compact, with Jackson's string escapes. Reading accepts any JSON object.

use std::collections::HashMap;

use crate::api::data::java_hash::hash_map_order;
use crate::api::data::Value as DataValue;
use crate::converters::json::writer::write_escaped;

/// Builds one JSON object, fields in call order.
pub struct JsonObject {
    out: Vec<u8>,
    empty: bool,
}

impl JsonObject {
    pub fn new() -> JsonObject {
        JsonObject {
            out: vec![b'{'],
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        write_escaped(&mut self.out, key);
        self.out.push(b':');
    }

    pub fn string(mut self, key: &str, value: &str) -> JsonObject {
        self.key(key);
        write_escaped(&mut self.out, value);
        self
    }

    /// A string, or `null` (an optional struct field that is not set).
    pub fn opt_string(mut self, key: &str, value: Option<&str>) -> JsonObject {
        self.key(key);
        match value {
            Some(v) => write_escaped(&mut self.out, v),
            None => self.out.extend_from_slice(b"null"),
        }
        self
    }

    pub fn int(mut self, key: &str, value: i64) -> JsonObject {
        self.key(key);
        self.out.extend_from_slice(value.to_string().as_bytes());
        self
    }

    pub fn boolean(mut self, key: &str, value: bool) -> JsonObject {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" as &[u8] } else { b"false" });
        self
    }

    /// An already-serialized JSON value.
    pub fn raw(mut self, key: &str, json: &[u8]) -> JsonObject {
        self.key(key);
        self.out.extend_from_slice(json);
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

impl Default for JsonObject {
    fn default() -> JsonObject {
        JsonObject::new()
    }
}

/// A string map as a JSON object, in the order a `java.util.HashMap`
/// holding these entries iterates them.
pub fn string_map(map: &HashMap<String, String>) -> Vec<u8> {
    let mut keys: Vec<&String> = map.keys().collect();
    // A deterministic start: HashMap order only depends on insertion order
    // within a bucket.
    keys.sort();
    let ordered = hash_map_order(
        keys.iter()
            .enumerate()
            .map(|(i, k)| (DataValue::String((*k).clone()), DataValue::Int32(i as i32)))
            .collect(),
    );
    let mut obj = JsonObject::new();
    for (_, index) in ordered {
        if let DataValue::Int32(i) = index {
            if let Some(k) = keys.get(i as usize) {
                obj = obj.string(k, &map[*k]);
            }
        }
    }
    obj.finish()
}

/// A JSON object parsed from a record value; `None` when the value is not
/// JSON or not an object (the caller logs and skips the record).
pub fn parse_object(value: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// A JSON object of strings as a string map (null values are dropped, as a
/// `Map<String, String>` holding nulls has no use to the runtime).
pub fn to_string_map(value: &serde_json::Value) -> Option<HashMap<String, String>> {
    let obj = value.as_object()?;
    Some(
        obj.iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k.clone(), s.clone())),
                serde_json::Value::Null => None,
                other => Some((k.clone(), other.to_string())),
            })
            .collect(),
    )
}

/// An integral JSON number as i32 (Java's `intValue` of Integer or Long).
pub fn int_value(value: Option<&serde_json::Value>) -> Option<i32> {
    value?.as_i64().map(|v| v as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_compact_with_jacksons_escapes() {
        let bytes = JsonObject::new()
            .string("a", "x\"y\u{1}")
            .opt_string("b", None)
            .int("c", -5)
            .boolean("d", true)
            .raw("e", b"{}")
            .finish();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"a":"x\"y\u0001","b":null,"c":-5,"d":true,"e":{}}"#
        );
        assert_eq!(JsonObject::new().finish(), b"{}");
    }

    #[test]
    fn string_maps_come_in_java_hash_map_order() {
        // A java.util.HashMap of these keys iterates them as
        // [connector.class, file, tasks.max, name, topic] (checked with jshell).
        let map: HashMap<String, String> = [
            ("tasks.max", "1"),
            ("name", "src"),
            ("connector.class", "FileStreamSource"),
            ("topic", "t"),
            ("file", "/tmp/in"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            String::from_utf8(string_map(&map)).unwrap(),
            r#"{"connector.class":"FileStreamSource","file":"/tmp/in","tasks.max":"1","name":"src","topic":"t"}"#
        );
    }
}
