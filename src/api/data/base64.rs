//! Standard padded base64, as Java's `Base64.getEncoder()` writes it and
//! Jackson's default variant (`MIME-NO-LINEFEEDS`) reads it: Connect prints
//! bytes this way in JSON and in `Values.convertToString`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the padded base64 of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let n = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        out.extend_from_slice(&[
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            ALPHABET[(n >> 6) as usize & 63],
            ALPHABET[n as usize & 63],
        ]);
    }
    match chunks.remainder() {
        [a] => {
            let n = (*a as u32) << 16;
            out.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ]);
        }
        [a, b] => {
            let n = (*a as u32) << 16 | (*b as u32) << 8;
            out.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                ALPHABET[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

/// The padded base64 of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    encode_into(bytes, &mut out);
    // The alphabet is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

fn sextet(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 the way Jackson's `TextNode.binaryValue()` does: the text
/// is trimmed, whitespace may precede each 4-character group, padding is
/// required. The error says what is wrong.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let s = text.trim_matches(|c: char| c <= ' ').as_bytes();
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let mut i = 0;
    let bad = |c: u8, index: usize| {
        format!(
            "Illegal character '{}' (code 0x{:x}) in base64 content at group position {index}",
            c as char, c
        )
    };
    let eof = || {
        "Unexpected end of base64-encoded String: base64 variant 'MIME-NO-LINEFEEDS' expects padding (one or more '=' characters) at the end".to_string()
    };
    loop {
        let c0 = loop {
            match s.get(i) {
                None => return Ok(out),
                Some(&c) => {
                    i += 1;
                    if c > b' ' {
                        break c;
                    }
                }
            }
        };
        let b0 = sextet(c0).ok_or_else(|| bad(c0, 0))?;
        let c1 = *s.get(i).ok_or_else(eof)?;
        i += 1;
        let b1 = sextet(c1).ok_or_else(|| bad(c1, 1))?;
        let mut data = (b0 << 6) | b1;
        let c2 = *s.get(i).ok_or_else(eof)?;
        i += 1;
        match sextet(c2) {
            None if c2 == b'=' => {
                let c3 = *s.get(i).ok_or_else(eof)?;
                i += 1;
                if c3 != b'=' {
                    return Err(bad(c3, 3));
                }
                out.push((data >> 4) as u8);
                continue;
            }
            None => return Err(bad(c2, 2)),
            Some(b2) => data = (data << 6) | b2,
        }
        let c3 = *s.get(i).ok_or_else(eof)?;
        i += 1;
        match sextet(c3) {
            None if c3 == b'=' => {
                let two = data >> 2;
                out.extend_from_slice(&[(two >> 8) as u8, two as u8]);
            }
            None => return Err(bad(c3, 3)),
            Some(b3) => {
                data = (data << 6) | b3;
                out.extend_from_slice(&[(data >> 16) as u8, (data >> 8) as u8, data as u8]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_java() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(&[0x00, 0x9c]), "AJw=");
        assert_eq!(encode(&[0xff, 0xfe, 0xfd, 0xfc]), "//79/A==");
    }

    #[test]
    fn decodes_like_jackson() {
        assert_eq!(decode("Zm9v").unwrap(), b"foo");
        assert_eq!(decode(" Zg== ").unwrap(), b"f");
        assert_eq!(decode("Zm8=Zm9v").unwrap(), b"fofoo");
        assert_eq!(decode("Zm9v Zm9v").unwrap(), b"foofoo");
        assert_eq!(decode("").unwrap(), b"");
        assert!(decode("Zg").is_err());
        assert!(decode("Zm9").is_err());
        assert!(decode("Z m9v").is_err());
        assert!(decode("Zm9v!").is_err());
        assert!(decode("é").is_err());
    }
}
