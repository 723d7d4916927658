//! Compact JSON output byte-identical to Jackson's `UTF8JsonGenerator` with
//! the default features Java's `JsonSerializer` uses: no whitespace;
//! strings escape `"` `\` and control characters (`\b \t \n \f \r`, others
//! `\u00XX` in upper-case hex), everything else raw UTF-8; numbers as
//! Java's `toString`; NaN and infinities as the strings `"NaN"`,
//! `"Infinity"`, `"-Infinity"`; bytes as padded base64 strings; nesting
//! limited to 1000 levels (`StreamWriteConstraints`).

use crate::api::data::base64;
use crate::api::data::java_format::{double_to_string, float_to_string};
use crate::api::error::{ConnectError, ConnectResult};

const MAX_DEPTH: usize = 1000;

/// Writes one JSON document. Commas are inserted automatically.
pub struct JsonWriter {
    pub out: Vec<u8>,
    /// Whether a value was already written in each open container (a comma
    /// goes before the next).
    stack: Vec<bool>,
    /// A key was just written: the next value follows its colon.
    after_key: bool,
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        JsonWriter::with_capacity(128)
    }

    pub fn with_capacity(capacity: usize) -> JsonWriter {
        JsonWriter {
            out: Vec::with_capacity(capacity),
            stack: Vec::new(),
            after_key: false,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn before_value(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(has_values) = self.stack.last_mut() {
            if *has_values {
                self.out.push(b',');
            }
            *has_values = true;
        }
    }

    fn open(&mut self, c: u8) -> ConnectResult<()> {
        self.before_value();
        if self.stack.len() >= MAX_DEPTH {
            return Err(ConnectError::data(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH})",
                self.stack.len() + 1
            )));
        }
        self.out.push(c);
        self.stack.push(false);
        Ok(())
    }

    pub fn begin_object(&mut self) -> ConnectResult<()> {
        self.open(b'{')
    }

    pub fn begin_array(&mut self) -> ConnectResult<()> {
        self.open(b'[')
    }

    pub fn end_object(&mut self) {
        self.stack.pop();
        self.out.push(b'}');
    }

    pub fn end_array(&mut self) {
        self.stack.pop();
        self.out.push(b']');
    }

    /// An object key; the next call writes its value.
    pub fn key(&mut self, key: &str) {
        self.before_value();
        write_escaped(&mut self.out, key);
        self.out.push(b':');
        self.after_key = true;
    }

    pub fn null(&mut self) {
        self.before_value();
        self.out.extend_from_slice(b"null");
    }

    pub fn boolean(&mut self, v: bool) {
        self.before_value();
        self.out
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
    }

    pub fn int(&mut self, v: i64) {
        self.before_value();
        let mut buf = itoa_buf(v);
        self.out.append(&mut buf);
    }

    pub fn float(&mut self, v: f32) {
        self.before_value();
        if v.is_finite() {
            self.out.extend_from_slice(float_to_string(v).as_bytes());
        } else {
            self.quoted_raw(&float_to_string(v));
        }
    }

    pub fn double(&mut self, v: f64) {
        self.before_value();
        if v.is_finite() {
            self.out.extend_from_slice(double_to_string(v).as_bytes());
        } else {
            self.quoted_raw(&double_to_string(v));
        }
    }

    /// A number already in its JSON text (a `BigDecimal.toString()`).
    pub fn raw_number(&mut self, text: &str) {
        self.before_value();
        self.out.extend_from_slice(text.as_bytes());
    }

    fn quoted_raw(&mut self, text: &str) {
        self.out.push(b'"');
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'"');
    }

    pub fn string(&mut self, s: &str) {
        self.before_value();
        write_escaped(&mut self.out, s);
    }

    /// Bytes as a base64 string.
    pub fn binary(&mut self, b: &[u8]) {
        self.before_value();
        self.out.push(b'"');
        base64::encode_into(b, &mut self.out);
        self.out.push(b'"');
    }

    /// Already-serialized JSON (a cached schema) as the next value.
    pub fn raw_value(&mut self, json: &[u8]) {
        self.before_value();
        self.out.extend_from_slice(json);
    }
}

impl Default for JsonWriter {
    fn default() -> JsonWriter {
        JsonWriter::new()
    }
}

fn itoa_buf(v: i64) -> Vec<u8> {
    v.to_string().into_bytes()
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Bytes `write_escaped` must look at: control characters, `"`, `\\`,
/// and the lead byte of a 4-byte UTF-8 sequence (written as a surrogate
/// pair, as Jackson does).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize || b >= 0xf0;
        b += 1;
    }
    table
};

/// Appends `s` as a quoted JSON string with Jackson's escapes. Characters
/// beyond the Basic Multilingual Plane are written as escaped UTF-16
/// surrogate pairs (`\uD83D\uDE00`), as Jackson does by default.
pub fn write_escaped(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Runs of bytes written as they are, skipped a table lookup each.
        while i < bytes.len() && !SPECIAL[bytes[i] as usize] {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        let c = bytes[i];
        let escape: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            b'\r' => Some(b"\\r"),
            c if c < 0x20 => None,
            // The lead byte of a 4-byte UTF-8 sequence: a supplementary character.
            c if c >= 0xf0 => {
                out.extend_from_slice(&bytes[start..i]);
                let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    push_unicode_escape(out, *unit);
                }
                i += ch.len_utf8().max(1);
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => push_unicode_escape(out, c as u16),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn push_unicode_escape(out: &mut Vec<u8>, unit: u16) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[(unit >> 12) as usize & 15],
        HEX[(unit >> 8) as usize & 15],
        HEX[(unit >> 4) as usize & 15],
        HEX[unit as usize & 15],
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(w: JsonWriter) -> String {
        String::from_utf8(w.into_bytes()).unwrap()
    }

    #[test]
    fn escapes_like_jackson() {
        let mut out = Vec::new();
        write_escaped(&mut out, "a\"b\\c/d\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001F\u{7f}é\\uD83D\\uDE00\""
        );
    }

    #[test]
    fn structure_and_numbers() {
        let mut w = JsonWriter::new();
        w.begin_object().unwrap();
        w.key("a");
        w.begin_array().unwrap();
        w.int(1);
        w.double(1e10);
        w.float(0.1);
        w.double(f64::NAN);
        w.float(f32::NEG_INFINITY);
        w.null();
        w.end_array();
        w.key("b");
        w.binary(&[0, 0x9c]);
        w.key("c");
        w.boolean(false);
        w.end_object();
        assert_eq!(
            text(w),
            r#"{"a":[1,1.0E10,0.1,"NaN","-Infinity",null],"b":"AJw=","c":false}"#
        );
    }

    #[test]
    fn depth_limit() {
        let mut w = JsonWriter::new();
        for _ in 0..1000 {
            w.begin_array().unwrap();
        }
        assert!(w.begin_array().is_err());
    }
}
