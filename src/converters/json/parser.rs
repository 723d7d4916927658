//! A JSON reader with the semantics of the Jackson `ObjectMapper.readTree`
//! that Java's `JsonDeserializer` uses (`ALLOW_LEADING_ZEROS_FOR_NUMBERS`,
//! `USE_BIG_DECIMAL_FOR_FLOATS`): what Jackson accepts and rejects, and
//! the node kinds it builds (`IntNode`, `LongNode`, `BigIntegerNode`,
//! `DecimalNode`...), whose conversions (`intValue()`, `textValue()`...)
//! JsonConverter relies on.
//!
//! Like Jackson: only the first root value is read (trailing bytes after an
//! object, array or string are ignored; after a root number or literal
//! only whitespace may follow); empty input is the missing node; later
//! duplicate keys replace earlier ones in place; nesting is limited to 1000
//! levels, numbers to 1000 characters, strings to 20,000,000 bytes.

use crate::api::data::base64;
use crate::api::data::BigDecimal;

const MAX_DEPTH: usize = 1000;
const MAX_NUMBER_LEN: usize = 1000;
const MAX_STRING_LEN: usize = 20_000_000;

/// A parsed JSON value (Jackson's `JsonNode`).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonNode {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<JsonNode>),
    /// Keys are unique, in first-occurrence order.
    Object(Vec<(String, JsonNode)>),
}

/// A JSON number, as the Jackson node it becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// `IntNode`: an integral number that fits an `int`.
    Int(i32),
    /// `LongNode`.
    Long(i64),
    /// `BigIntegerNode`: the decimal text (with its sign).
    BigInteger(String),
    /// `DecimalNode`: a number with a fraction or an exponent, as text.
    Decimal(String),
}

impl JsonNode {
    /// Jackson's `getNodeType()` name, for messages.
    pub fn node_type(&self) -> &'static str {
        match self {
            JsonNode::Null => "NULL",
            JsonNode::Bool(_) => "BOOLEAN",
            JsonNode::Number(_) => "NUMBER",
            JsonNode::String(_) => "STRING",
            JsonNode::Array(_) => "ARRAY",
            JsonNode::Object(_) => "OBJECT",
        }
    }

    /// `get(name)` of an object; `None` for other nodes or absent keys.
    pub fn get(&self, key: &str) -> Option<&JsonNode> {
        match self {
            JsonNode::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `get(name)`, trying position `hint` first (struct fields usually come
    /// in schema order).
    pub fn get_hinted(&self, key: &str, hint: usize) -> Option<&JsonNode> {
        match self {
            JsonNode::Object(entries) => match entries.get(hint) {
                Some((k, v)) if k == key => Some(v),
                _ => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            },
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, JsonNode::Null)
    }

    /// `isInt()`: an `IntNode`.
    pub fn is_int(&self) -> bool {
        matches!(self, JsonNode::Number(Number::Int(_)))
    }

    /// `isIntegralNumber()`.
    pub fn is_integral(&self) -> bool {
        matches!(
            self,
            JsonNode::Number(Number::Int(_) | Number::Long(_) | Number::BigInteger(_))
        )
    }

    /// `booleanValue()`: false unless a boolean node.
    pub fn boolean_value(&self) -> bool {
        matches!(self, JsonNode::Bool(true))
    }

    /// `textValue()`: `None` unless a string node.
    pub fn text_value(&self) -> Option<&str> {
        match self {
            JsonNode::String(s) => Some(s),
            _ => None,
        }
    }

    /// `longValue()`: Java's narrowing of the number (low 64 bits of the
    /// integer part); 0 for non-numbers.
    pub fn long_value(&self) -> i64 {
        match self {
            JsonNode::Number(Number::Int(v)) => *v as i64,
            JsonNode::Number(Number::Long(v)) => *v,
            JsonNode::Number(Number::BigInteger(t) | Number::Decimal(t)) => {
                t.parse::<BigDecimal>().map(|d| d.low_i64()).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// `intValue()`: the low 32 bits of `longValue()`.
    pub fn int_value(&self) -> i32 {
        self.long_value() as i32
    }

    /// `doubleValue()`: correctly rounded; 0.0 for non-numbers.
    pub fn double_value(&self) -> f64 {
        match self {
            JsonNode::Number(Number::Int(v)) => *v as f64,
            JsonNode::Number(Number::Long(v)) => *v as f64,
            JsonNode::Number(Number::BigInteger(t) | Number::Decimal(t)) => {
                // A BigDecimal zero has no sign: "-0.0" reads as 0.0.
                t.parse::<f64>()
                    .map_or(0.0, |v| if is_zero(t) { 0.0 } else { v })
            }
            _ => 0.0,
        }
    }

    /// `floatValue()`: correctly rounded from the decimal; 0.0 for
    /// non-numbers.
    pub fn float_value(&self) -> f32 {
        match self {
            JsonNode::Number(Number::Int(v)) => *v as f32,
            JsonNode::Number(Number::Long(v)) => *v as f32,
            JsonNode::Number(Number::BigInteger(t) | Number::Decimal(t)) => t
                .parse::<f32>()
                .map_or(0.0, |v| if is_zero(t) { 0.0 } else { v }),
            _ => 0.0,
        }
    }

    /// `decimalValue()` of a number node.
    pub fn decimal_value(&self) -> Option<BigDecimal> {
        match self {
            JsonNode::Number(Number::Int(v)) => Some(BigDecimal::from_i64(*v as i64, 0)),
            JsonNode::Number(Number::Long(v)) => Some(BigDecimal::from_i64(*v, 0)),
            JsonNode::Number(Number::BigInteger(t) | Number::Decimal(t)) => t.parse().ok(),
            _ => None,
        }
    }

    /// `binaryValue()`: the base64-decoded text of a string node; `None`
    /// for other nodes; an error for text that is not base64.
    pub fn binary_value(&self) -> Result<Option<Vec<u8>>, String> {
        match self {
            JsonNode::String(s) => base64::decode(s).map(Some),
            _ => Ok(None),
        }
    }
}

/// A byte range of the input.
pub type Span = (usize, usize);

/// The root node (`None`: empty input) and the span of a key's value.
pub type ParsedRoot = (Option<JsonNode>, Option<Span>);

/// Parses `input` into its root node; `Ok(None)` for empty input (Jackson's
/// missing node).
pub fn parse(input: &[u8]) -> Result<Option<JsonNode>, String> {
    let mut p = Parser::new(input);
    p.parse_root(None).map(|(node, _)| node)
}

/// Like [`parse`], and for a root object also returns the byte range of
/// the last value of key `span_key` (for caching by the schema's text).
pub fn parse_with_span(input: &[u8], span_key: &str) -> Result<ParsedRoot, String> {
    let mut p = Parser::new(input);
    p.parse_root(Some(span_key))
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

fn describe(c: u8) -> String {
    if c.is_ascii_graphic() || c == b' ' {
        format!("'{}' (code {})", c as char, c)
    } else {
        format!("(CTRL-CHAR, code {c})")
    }
}

impl<'a> Parser<'a> {
    fn new(b: &'a [u8]) -> Parser<'a> {
        let i = if b.starts_with(&[0xef, 0xbb, 0xbf]) {
            3
        } else {
            0
        };
        Parser { b, i, depth: 0 }
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T, String> {
        Err(format!("{} at byte {}", msg.into(), self.i))
    }

    fn skip_ws(&mut self) -> Result<(), String> {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                c if c < b' ' => {
                    return self.err(format!(
                        "Illegal character ({}): only regular white space (\\r, \\n, \\t) is allowed between tokens",
                        describe(c)
                    ))
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn parse_root(&mut self, span_key: Option<&str>) -> Result<ParsedRoot, String> {
        self.skip_ws()?;
        let Some(&c) = self.b.get(self.i) else {
            return Ok((None, None));
        };
        let mut span = None;
        let node = match c {
            b'{' => self.parse_object(span_key, &mut span)?,
            b'[' => self.parse_array()?,
            b'"' => JsonNode::String(self.parse_string()?),
            b't' | b'f' | b'n' => self.parse_scalar()?,
            _ => {
                let node = self.parse_scalar()?;
                // A root number must be followed by white space.
                if let Some(&next) = self.b.get(self.i) {
                    if !matches!(next, b' ' | b'\t' | b'\n' | b'\r') {
                        return self.err(format!(
                            "Unexpected character ({}): Expected space separating root-level values",
                            describe(next)
                        ));
                    }
                }
                node
            }
        };
        Ok((Some(node), span))
    }

    fn parse_value(&mut self) -> Result<JsonNode, String> {
        match self.b.get(self.i) {
            Some(b'{') => self.parse_object(None, &mut None),
            Some(b'[') => self.parse_array(),
            Some(b'"') => Ok(JsonNode::String(self.parse_string()?)),
            Some(_) => self.parse_scalar(),
            None => self.err("Unexpected end-of-input: expected a value"),
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH})",
                self.depth
            ));
        }
        self.i += 1;
        Ok(())
    }

    fn parse_object(
        &mut self,
        span_key: Option<&str>,
        span: &mut Option<(usize, usize)>,
    ) -> Result<JsonNode, String> {
        self.enter()?;
        let mut entries: Vec<(String, JsonNode)> = Vec::new();
        self.skip_ws()?;
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(JsonNode::Object(entries));
        }
        loop {
            self.skip_ws()?;
            match self.b.get(self.i) {
                Some(b'"') => {}
                Some(&c) => {
                    return self.err(format!(
                        "Unexpected character ({}): was expecting double-quote to start field name",
                        describe(c)
                    ))
                }
                None => return self.err("Unexpected end-of-input: expected a field name"),
            }
            let key = self.parse_string()?;
            self.skip_ws()?;
            match self.b.get(self.i) {
                Some(b':') => self.i += 1,
                Some(&c) => {
                    return self.err(format!(
                        "Unexpected character ({}): was expecting a colon to separate field name and value",
                        describe(c)
                    ))
                }
                None => return self.err("Unexpected end-of-input: expected ':'"),
            }
            self.skip_ws()?;
            let start = self.i;
            let value = self.parse_value()?;
            if span_key == Some(key.as_str()) {
                *span = Some((start, self.i));
            }
            insert_entry(&mut entries, key, value);
            self.skip_ws()?;
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(JsonNode::Object(entries));
                }
                Some(&c) => {
                    return self.err(format!(
                        "Unexpected character ({}): was expecting comma to separate Object entries",
                        describe(c)
                    ))
                }
                None => {
                    return self.err("Unexpected end-of-input: expected close marker for Object")
                }
            }
        }
    }

    fn parse_array(&mut self) -> Result<JsonNode, String> {
        self.enter()?;
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(JsonNode::Array(items));
        }
        loop {
            self.skip_ws()?;
            items.push(self.parse_value()?);
            self.skip_ws()?;
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(JsonNode::Array(items));
                }
                Some(&c) => {
                    return self.err(format!(
                        "Unexpected character ({}): was expecting comma to separate Array entries",
                        describe(c)
                    ))
                }
                None => {
                    return self.err("Unexpected end-of-input: expected close marker for Array")
                }
            }
        }
    }

    /// A string starting at the opening quote.
    fn parse_string(&mut self) -> Result<String, String> {
        self.i += 1;
        let start = self.i;
        // Fast path: no escapes.
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    let s = std::str::from_utf8(&self.b[start..self.i])
                        .map_err(|e| format!("Invalid UTF-8 in string at byte {}: {e}", start))?;
                    self.i += 1;
                    self.check_len(s.len())?;
                    return Ok(s.to_string());
                }
                b'\\' => break,
                c if c < 0x20 => {
                    return self.err(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in string value",
                        describe(c)
                    ))
                }
                _ => self.i += 1,
            }
        }
        let mut buf: Vec<u8> = self.b[start..self.i].to_vec();
        let mut pending_high: Option<u16> = None;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return self.err(
                    "Unexpected end-of-input: was expecting closing quote for a string value",
                );
            };
            if c != b'\\' {
                if let Some(_high) = pending_high.take() {
                    buf.extend_from_slice("\u{fffd}".as_bytes());
                }
            }
            match c {
                b'"' => {
                    self.i += 1;
                    let s = String::from_utf8(buf)
                        .map_err(|e| format!("Invalid UTF-8 in string at byte {start}: {e}"))?;
                    self.check_len(s.len())?;
                    return Ok(s);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return self.err("Unexpected end-of-input in character escape sequence");
                    };
                    self.i += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0c),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        other => {
                            return self.err(format!(
                                "Unrecognized character escape {}",
                                describe(other)
                            ))
                        }
                    };
                    if let Some(ch) = simple {
                        if pending_high.take().is_some() {
                            buf.extend_from_slice("\u{fffd}".as_bytes());
                        }
                        buf.push(ch);
                        continue;
                    }
                    let unit = self.hex4()?;
                    match (pending_high.take(), unit) {
                        (Some(high), 0xdc00..=0xdfff) => {
                            let cp = 0x10000 + (((high as u32) - 0xd800) << 10) + (unit as u32 - 0xdc00);
                            push_char(&mut buf, char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        (previous, 0xd800..=0xdbff) => {
                            if previous.is_some() {
                                push_char(&mut buf, '\u{fffd}');
                            }
                            pending_high = Some(unit);
                        }
                        (previous, _) => {
                            if previous.is_some() {
                                push_char(&mut buf, '\u{fffd}');
                            }
                            // A lone low surrogate cannot be kept in UTF-8.
                            push_char(&mut buf, char::from_u32(unit as u32).unwrap_or('\u{fffd}'));
                        }
                    }
                }
                c if c < 0x20 => {
                    return self.err(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in string value",
                        describe(c)
                    ))
                }
                c => {
                    buf.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn check_len(&self, len: usize) -> Result<(), String> {
        if len > MAX_STRING_LEN {
            return self.err(format!(
                "String value length ({len}) exceeds the maximum allowed ({MAX_STRING_LEN})"
            ));
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, String> {
        let mut v: u16 = 0;
        for _ in 0..4 {
            let Some(&c) = self.b.get(self.i) else {
                return self.err("Unexpected end-of-input in character escape sequence");
            };
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => {
                    return self.err(format!(
                    "Unexpected character ({}): expected a hex-digit for character escape sequence",
                    describe(c)
                ))
                }
            };
            v = (v << 4) | d as u16;
            self.i += 1;
        }
        Ok(v)
    }

    /// A number or `true` / `false` / `null`.
    fn parse_scalar(&mut self) -> Result<JsonNode, String> {
        let c = self.b[self.i];
        match c {
            b't' => self.literal("true", JsonNode::Bool(true)),
            b'f' => self.literal("false", JsonNode::Bool(false)),
            b'n' => self.literal("null", JsonNode::Null),
            b'-' | b'0'..=b'9' => self.parse_number(),
            _ => self.err(format!(
                "Unexpected character ({}): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                describe(c)
            )),
        }
    }

    fn literal(&mut self, word: &str, node: JsonNode) -> Result<JsonNode, String> {
        let end = self.i + word.len();
        if self.b.get(self.i..end) != Some(word.as_bytes())
            || self.b.get(end).is_some_and(|&c| is_ident_part(c))
        {
            let token_end = self.b[self.i..]
                .iter()
                .position(|&c| !is_ident_part(c))
                .map_or(self.b.len(), |p| self.i + p);
            let token =
                String::from_utf8_lossy(&self.b[self.i..token_end.max(self.i + 1)]).into_owned();
            return self.err(format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            ));
        }
        self.i = end;
        Ok(node)
    }

    fn parse_number(&mut self) -> Result<JsonNode, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        let int_start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i == int_start {
            return match self.b.get(self.i) {
                Some(&c) => self.err(format!(
                    "Unexpected character ({}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
                    describe(c)
                )),
                None => self.err("Unexpected end-of-input in numeric value"),
            };
        }
        let mut is_float = false;
        if self.b.get(self.i) == Some(&b'.') {
            is_float = true;
            self.i += 1;
            let frac_start = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if self.i == frac_start {
                return self.err(
                    "Unexpected character in numeric value: Decimal point not followed by a digit",
                );
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            is_float = true;
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let exp_start = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if self.i == exp_start {
                return self.err("Unexpected character in numeric value: Exponent indicator not followed by a digit");
            }
        }
        let len = self.i - start;
        if len > MAX_NUMBER_LEN {
            return self.err(format!(
                "Number value length ({len}) exceeds the maximum allowed ({MAX_NUMBER_LEN})"
            ));
        }
        // Only ASCII digits, signs, '.', 'e' were consumed.
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        if is_float {
            if text.parse::<BigDecimal>().is_err() {
                return self.err(format!("Malformed numeric value ('{text}')"));
            }
            return Ok(JsonNode::Number(Number::Decimal(text.to_string())));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok(JsonNode::Number(match i32::try_from(v) {
                Ok(i) => Number::Int(i),
                Err(_) => Number::Long(v),
            }));
        }
        // Beyond 64 bits: keep the digits without leading zeros.
        let negative = text.starts_with('-');
        let digits = text.trim_start_matches('-').trim_start_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        Ok(JsonNode::Number(Number::BigInteger(if negative {
            format!("-{digits}")
        } else {
            digits.to_string()
        })))
    }
}

/// Whether a number's text denotes zero (whose sign Java's BigDecimal drops).
fn is_zero(text: &str) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.bytes().all(|c| !c.is_ascii_digit() || c == b'0')
}

/// Characters that continue a Java identifier: after `true`, they make an
/// unrecognized token.
fn is_ident_part(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn push_char(buf: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// Adds an object entry; a repeated key replaces the earlier value in place.
fn insert_entry(entries: &mut Vec<(String, JsonNode)>, key: String, value: JsonNode) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else {
        entries.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<JsonNode> {
        parse(s.as_bytes()).unwrap()
    }

    fn bad(s: &str) {
        assert!(parse(s.as_bytes()).is_err(), "{s:?} should not parse");
    }

    #[test]
    fn scalars_and_number_kinds() {
        assert_eq!(p(""), None);
        assert_eq!(p("  \n"), None);
        assert_eq!(p("null"), Some(JsonNode::Null));
        assert_eq!(p(" true "), Some(JsonNode::Bool(true)));
        assert_eq!(p("42"), Some(JsonNode::Number(Number::Int(42))));
        assert_eq!(p("007"), Some(JsonNode::Number(Number::Int(7))));
        assert_eq!(p("-0"), Some(JsonNode::Number(Number::Int(0))));
        assert_eq!(
            p("3000000000"),
            Some(JsonNode::Number(Number::Long(3_000_000_000)))
        );
        assert_eq!(
            p("-123456789012345678901234567890"),
            Some(JsonNode::Number(Number::BigInteger(
                "-123456789012345678901234567890".into()
            )))
        );
        assert_eq!(
            p("1.50"),
            Some(JsonNode::Number(Number::Decimal("1.50".into())))
        );
        assert_eq!(
            p("1E+2"),
            Some(JsonNode::Number(Number::Decimal("1E+2".into())))
        );
        for s in [
            "1.", ".5", "+1", "-", "1e", "NaN", "Infinity", "0x10", "12a", "truex", "nul", "'a'",
            "123]",
        ] {
            bad(s);
        }
        // Only whitespace may follow a root number; anything may follow a
        // root string, object or array.
        assert_eq!(p("1 2"), Some(JsonNode::Number(Number::Int(1))));
        assert_eq!(p("\"a\"x"), Some(JsonNode::String("a".into())));
        assert_eq!(p("{}x"), Some(JsonNode::Object(vec![])));
        assert_eq!(p("true]"), Some(JsonNode::Bool(true)));
    }

    #[test]
    fn strings() {
        assert_eq!(
            p(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00""#),
            Some(JsonNode::String("a\"b\\c/d\u{8}\u{c}\n\r\té😀".into()))
        );
        assert_eq!(
            p("\"\\ud800x\""),
            Some(JsonNode::String("\u{fffd}x".into()))
        );
        assert_eq!(p("\"日本\""), Some(JsonNode::String("日本".into())));
        bad("\"a\nb\"");
        bad("\"\\x\"");
        bad("\"abc");
        bad("\"\\u12\"");
        assert!(parse(b"\"\xff\"").is_err());
    }

    #[test]
    fn containers() {
        assert_eq!(
            p(r#" { "a" : [1, {"b": null}] , "c": "d" } "#),
            Some(JsonNode::Object(vec![
                (
                    "a".into(),
                    JsonNode::Array(vec![
                        JsonNode::Number(Number::Int(1)),
                        JsonNode::Object(vec![("b".into(), JsonNode::Null)])
                    ])
                ),
                ("c".into(), JsonNode::String("d".into())),
            ]))
        );
        assert_eq!(
            p(r#"{"a":1,"b":2,"a":3}"#),
            Some(JsonNode::Object(vec![
                ("a".into(), JsonNode::Number(Number::Int(3))),
                ("b".into(), JsonNode::Number(Number::Int(2))),
            ]))
        );
        for s in [
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{a:1}",
            "{\"a\":1,}",
            "[1 2]",
            "[",
            "{\"a\":1",
        ] {
            bad(s);
        }
        let deep_ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(parse(deep_ok.as_bytes()).is_ok());
        let too_deep = format!("{}{}", "[".repeat(1001), "]".repeat(1001));
        assert!(parse(too_deep.as_bytes()).is_err());
        let span = parse_with_span(br#"{"schema":{"type":"int8"},"payload":1}"#, "schema")
            .unwrap()
            .1;
        assert_eq!(span, Some((10, 25)));
    }

    #[test]
    fn node_conversions_follow_jackson() {
        let n = |s: &str| p(s).unwrap();
        assert_eq!(n("1.9").int_value(), 1);
        assert_eq!(n("-1.9").long_value(), -1);
        assert_eq!(n("300").int_value() as i8, 44);
        assert_eq!(n("\"x\"").int_value(), 0);
        assert_eq!(n("18446744073709551617").long_value(), 1);
        assert_eq!(n("0.1").float_value(), 0.1f32);
        assert_eq!(n("1e400").double_value(), f64::INFINITY);
        assert!(!n("1").boolean_value());
        assert_eq!(n("1").text_value(), None);
        assert_eq!(n("1.50").decimal_value().unwrap().to_string(), "1.50");
        assert_eq!(
            n("\"AJw=\"").binary_value().unwrap(),
            Some(vec![0x00, 0x9c])
        );
        assert!(n("\"A\"").binary_value().is_err());
        assert_eq!(n("1").binary_value().unwrap(), None);
    }
}
