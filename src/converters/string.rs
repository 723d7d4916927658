//! StringConverter (Java's `org.apache.kafka.connect.storage.StringConverter`):
//! any value as its Java `toString()` in `converter.encoding` (UTF-8 by
//! default); bytes back as an optional string. Like Java, undecodable
//! bytes become U+FFFD and unencodable characters `?`: never an error.

use std::collections::HashMap;

use bytes::Bytes;

use crate::api::converter::{Converter, SchemaAndValue};
use crate::api::data::{Schema, Value};
use crate::api::error::{ConnectError, ConnectResult};

/// `converter.encoding`.
pub const ENCODING_CONFIG: &str = "converter.encoding";

/// The Java charsets StringConverter supports here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    #[default]
    Utf8,
    UsAscii,
    Latin1,
    /// `UTF-16`: writes a big-endian BOM; reads by BOM, big-endian without.
    Utf16,
    Utf16Be,
    Utf16Le,
}

impl Charset {
    /// Looks up a Java charset name or alias (case-insensitive).
    pub fn for_name(name: &str) -> Option<Charset> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Charset::Utf8,
            "us-ascii" | "ascii" | "iso646-us" | "646" | "ascii7" | "us" | "iso_646.irv:1983"
            | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "cp367" | "csascii" | "default" | "ibm367"
            | "iso-ir-6" => Charset::UsAscii,
            "iso-8859-1" | "iso8859-1" | "iso8859_1" | "iso_8859_1" | "iso_8859-1"
            | "iso_8859-1:1987" | "latin1" | "l1" | "8859_1" | "cp819" | "ibm819" | "ibm-819"
            | "iso-ir-100" | "csisolatin1" | "819" => Charset::Latin1,
            "utf-16" | "utf16" | "utf_16" | "unicode" => Charset::Utf16,
            "utf-16be" | "utf_16be" | "x-utf-16be" | "iso-10646-ucs-2" | "unicodebigunmarked" => {
                Charset::Utf16Be
            }
            "utf-16le" | "utf_16le" | "x-utf-16le" | "unicodelittleunmarked" => Charset::Utf16Le,
            _ => return None,
        })
    }

    /// `String.getBytes(charset)`.
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => s.as_bytes().to_vec(),
            Charset::UsAscii => s
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
            Charset::Latin1 => s
                .chars()
                .map(|c| if (c as u32) < 0x100 { c as u8 } else { b'?' })
                .collect(),
            Charset::Utf16 | Charset::Utf16Be => {
                let mut out = Vec::with_capacity(s.len() * 2 + 2);
                if self == Charset::Utf16 && !s.is_empty() {
                    out.extend_from_slice(&[0xfe, 0xff]);
                }
                for unit in s.encode_utf16() {
                    out.extend_from_slice(&unit.to_be_bytes());
                }
                out
            }
            Charset::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    /// `new String(bytes, charset)`, replacing what does not decode.
    pub fn decode(self, b: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(b).into_owned(),
            Charset::UsAscii => b
                .iter()
                .map(|&x| if x < 0x80 { x as char } else { '\u{fffd}' })
                .collect(),
            Charset::Latin1 => b.iter().map(|&x| x as char).collect(),
            Charset::Utf16 => match b {
                [0xfe, 0xff, rest @ ..] => decode_utf16(rest, true),
                [0xff, 0xfe, rest @ ..] => decode_utf16(rest, false),
                _ => decode_utf16(b, true),
            },
            Charset::Utf16Be => decode_utf16(b, true),
            Charset::Utf16Le => decode_utf16(b, false),
        }
    }
}

fn decode_utf16(b: &[u8], big_endian: bool) -> String {
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    let mut s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect();
    if b.len() % 2 == 1 {
        s.push('\u{fffd}');
    }
    s
}

/// Java's StringConverter.
#[derive(Debug, Default, Clone)]
pub struct StringConverter {
    /// `converter.encoding`, applied both ways.
    charset: Charset,
}

impl StringConverter {
    pub fn new() -> StringConverter {
        StringConverter::default()
    }

    fn configure_map(&mut self, configs: &HashMap<String, String>) -> ConnectResult<()> {
        if let Some(name) = configs.get(ENCODING_CONFIG) {
            self.charset = Charset::for_name(name).ok_or_else(|| {
                ConnectError::fatal(format!(
                    "Invalid value {name} for configuration {ENCODING_CONFIG}: unsupported charset"
                ))
            })?;
        }
        Ok(())
    }
}

impl Converter for StringConverter {
    fn configure(&mut self, configs: &HashMap<String, String>, _is_key: bool) -> ConnectResult<()> {
        self.configure_map(configs)
    }

    fn from_connect(
        &self,
        _topic: &str,
        _schema: Option<&Schema>,
        value: &Value,
    ) -> ConnectResult<Option<Bytes>> {
        Ok(match value {
            Value::Null => None,
            Value::String(s) if self.charset == Charset::Utf8 => {
                Some(Bytes::copy_from_slice(s.as_bytes()))
            }
            Value::String(s) => Some(Bytes::from(self.charset.encode(s))),
            other => Some(Bytes::from(self.charset.encode(&other.to_string()))),
        })
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&Bytes>) -> ConnectResult<SchemaAndValue> {
        Ok(SchemaAndValue {
            schema: Some(Schema::optional_string()),
            value: match bytes {
                Some(b) => Value::String(self.charset.decode(b)),
                None => Value::Null,
            },
        })
    }
}

header_converter_via_converter!(StringConverter, |this, configs| this.configure_map(configs));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::data::BigDecimal;

    fn configured(encoding: &str) -> StringConverter {
        let mut c = StringConverter::new();
        let conf = HashMap::from([(ENCODING_CONFIG.to_string(), encoding.to_string())]);
        Converter::configure(&mut c, &conf, false).unwrap();
        c
    }

    #[test]
    fn utf8_round_trip() {
        let c = StringConverter::new();
        let b = c
            .from_connect("t", Some(&Schema::string()), &Value::from("héllo ☃"))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], "héllo ☃".as_bytes());
        let back = c.to_connect("t", Some(&b)).unwrap();
        assert_eq!(back.schema, Some(Schema::optional_string()));
        assert_eq!(back.value, Value::from("héllo ☃"));
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
        assert_eq!(c.to_connect("t", None).unwrap().value, Value::Null);
        let bad = Bytes::from_static(b"a\xffb");
        assert_eq!(
            c.to_connect("t", Some(&bad)).unwrap().value,
            Value::from("a\u{fffd}b")
        );
    }

    #[test]
    fn other_values_use_java_to_string() {
        let c = StringConverter::new();
        let cases = [
            (Value::Int32(42), "42"),
            (Value::Float64(1e10), "1.0E10"),
            (Value::Boolean(true), "true"),
            (Value::Decimal(BigDecimal::from_i64(156, 2)), "1.56"),
            (Value::Array(vec![Value::Int8(1), Value::Int8(2)]), "[1, 2]"),
        ];
        for (v, want) in cases {
            let b = c.from_connect("t", None, &v).unwrap().unwrap();
            assert_eq!(std::str::from_utf8(&b).unwrap(), want);
        }
    }

    #[test]
    fn encodings() {
        let c = configured("UTF-16");
        let b = c
            .from_connect("t", None, &Value::from("hi"))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[0xfe, 0xff, 0, b'h', 0, b'i']);
        assert_eq!(
            c.to_connect("t", Some(&b)).unwrap().value,
            Value::from("hi")
        );
        let le = Bytes::from_static(&[0xff, 0xfe, b'h', 0]);
        assert_eq!(
            c.to_connect("t", Some(&le)).unwrap().value,
            Value::from("h")
        );
        let c = configured("iso-8859-1");
        let b = c
            .from_connect("t", None, &Value::from("é☃"))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], &[0xe9, b'?']);
        assert_eq!(
            c.to_connect("t", Some(&b)).unwrap().value,
            Value::from("é?")
        );
        let c = configured("US-ASCII");
        let b = c
            .from_connect("t", None, &Value::from("é😀x"))
            .unwrap()
            .unwrap();
        assert_eq!(&b[..], b"??x");
        let c = configured("utf-16le");
        let b = c
            .from_connect("t", None, &Value::from("😀"))
            .unwrap()
            .unwrap();
        assert_eq!(
            c.to_connect("t", Some(&b)).unwrap().value,
            Value::from("😀")
        );
        let mut c = StringConverter::new();
        let conf = HashMap::from([(ENCODING_CONFIG.to_string(), "klingon".to_string())]);
        assert!(Converter::configure(&mut c, &conf, true).is_err());
    }
}
