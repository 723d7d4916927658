//! The Java `.properties` syntax, read exactly as `java.util.Properties.load`
//! reads it (its `LineReader`, `load0` and `loadConvert`), so that a worker
//! or connector file means the same thing to kconnect as to Java Connect.
//!
//! What Java does, and so what this does:
//! - A natural line ends at `\n`, `\r` or `\r\n`. Leading spaces, tabs and
//!   form feeds are dropped; blank lines are skipped.
//! - A line whose first non-blank character is `#` or `!` is a comment, even
//!   when it ends with a backslash (comments never continue).
//! - An odd number of backslashes at the end of a line joins the next line,
//!   whose leading whitespace is dropped; a lone backslash at the very end of
//!   the input is dropped. An empty continuation line ends the logical line.
//! - The key ends at the first unescaped `=`, `:`, space, tab or form feed;
//!   whitespace after it, then at most one `=` or `:`, then whitespace are
//!   skipped; the rest of the line is the value (trailing whitespace kept).
//! - Escapes: `\t \n \r \f` are control characters, `\uXXXX` is a UTF-16
//!   code unit (surrogate pairs combine; a malformed one is an error), and a
//!   backslash before anything else stands for that character (`\=`, `\ `,
//!   `\\`, `\b` is `b`).
//! - A key given twice keeps its last value.
//!
//! Java Connect reads worker and connector files through
//! `Utils.loadProps`, which hands a byte stream to `Properties.load`: bytes
//! are ISO-8859-1, one byte per character. [`load_properties`] does the same;
//! [`load_properties_utf8`] reads UTF-8 as `FileConfigProvider` does.

use std::path::Path;

use indexmap::IndexMap;

use super::ConfigError;

/// Java's `Properties.load` message for a bad `\u` escape.
const MALFORMED_UNICODE: &str = "Malformed \\uxxxx encoding.";

/// Parses `.properties` text. Keys keep the order of their first appearance;
/// a repeated key takes its last value.
pub fn parse_properties(text: &str) -> Result<IndexMap<String, String>, ConfigError> {
    parse_with_origin(text, "<text>")
}

/// Reads a `.properties` file as Java Connect reads worker and connector
/// files (`Utils.loadProps`): each byte is one ISO-8859-1 character, so
/// anything outside ASCII should be written as `\uXXXX`, as in Java.
pub fn load_properties(path: impl AsRef<Path>) -> Result<IndexMap<String, String>, ConfigError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    parse_with_origin(&text, &path.display().to_string())
}

/// Reads a UTF-8 `.properties` file, as `FileConfigProvider` does (it hands
/// `Properties.load` a UTF-8 reader). Invalid UTF-8 is an error.
pub fn load_properties_utf8(
    path: impl AsRef<Path>,
) -> Result<IndexMap<String, String>, ConfigError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_with_origin(&text, &path.display().to_string())
}

fn parse_with_origin(text: &str, origin: &str) -> Result<IndexMap<String, String>, ConfigError> {
    let chars: Vec<char> = text.chars().collect();
    let mut reader = LineReader {
        chars: &chars,
        off: 0,
    };
    let mut map = IndexMap::new();
    while let Some((line, start)) = reader.read_line() {
        let (key, value) = split_key_value(&line);
        let syntax = |message: &str| ConfigError::Syntax {
            origin: origin.to_string(),
            line: line_number(&chars, start),
            message: message.to_string(),
        };
        let key = unescape(key).map_err(syntax)?;
        let value = unescape(value).map_err(syntax)?;
        map.insert(key, value);
    }
    Ok(map)
}

/// The 1-based number of the natural line holding `chars[offset]`.
fn line_number(chars: &[char], offset: usize) -> usize {
    let mut line = 1;
    let mut i = 0;
    while i < offset && i < chars.len() {
        match chars[i] {
            '\n' => line += 1,
            '\r' if chars.get(i + 1) != Some(&'\n') => line += 1,
            _ => {}
        }
        i += 1;
    }
    line
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{c}'
}

fn is_eol(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Java's `Properties.LineReader`: yields logical lines with comments, blank
/// lines, leading whitespace and continuation backslashes removed.
struct LineReader<'a> {
    chars: &'a [char],
    off: usize,
}

impl LineReader<'_> {
    /// The next logical line and the offset of its first character.
    fn read_line(&mut self) -> Option<(Vec<char>, usize)> {
        let mut line: Vec<char> = Vec::new();
        let mut start = self.off;
        let mut skip_white_space = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;
        loop {
            let Some(&c) = self.chars.get(self.off) else {
                // End of input: a dangling continuation backslash is dropped.
                if line.is_empty() {
                    return None;
                }
                if preceding_backslash {
                    line.pop();
                }
                return Some((line, start));
            };
            self.off += 1;

            if skip_white_space {
                if is_blank(c) {
                    continue;
                }
                if !appended_line_begin && is_eol(c) {
                    continue;
                }
                skip_white_space = false;
                appended_line_begin = false;
            }
            if line.is_empty() {
                // Still at the start of a logical line (which, as in Java,
                // includes a continuation whose text so far is empty).
                if c == '#' || c == '!' {
                    while let Some(&n) = self.chars.get(self.off) {
                        self.off += 1;
                        if is_eol(n) {
                            break;
                        }
                    }
                    skip_white_space = true;
                    continue;
                }
                start = self.off - 1;
            }

            if !is_eol(c) {
                line.push(c);
                preceding_backslash = c == '\\' && !preceding_backslash;
                continue;
            }
            if line.is_empty() {
                skip_white_space = true;
                continue;
            }
            if preceding_backslash {
                // The backslash joins the next natural line to this one.
                line.pop();
                skip_white_space = true;
                appended_line_begin = true;
                preceding_backslash = false;
                if c == '\r' && self.chars.get(self.off) == Some(&'\n') {
                    self.off += 1;
                }
            } else {
                return Some((line, start));
            }
        }
    }
}

/// Java's `load0`: splits a logical line into its raw (still escaped) key
/// and value.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let limit = line.len();
    let mut key_len = 0;
    let mut value_start = limit;
    let mut has_sep = false;
    let mut preceding_backslash = false;
    while key_len < limit {
        let c = line[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_sep = true;
            break;
        } else if is_blank(c) && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < limit {
        let c = line[value_start];
        if !is_blank(c) {
            if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_len], &line[value_start..])
}

/// Java's `loadConvert`: resolves backslash escapes.
fn unescape(raw: &[char]) -> Result<String, &'static str> {
    let mut out = Utf16Builder::default();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c != '\\' {
            out.push_char(c);
            continue;
        }
        // The line reader never leaves an unescaped backslash at the end of
        // a key or value; if one were there, Java would fail on it, and
        // dropping it is the harmless equivalent.
        let Some(&e) = raw.get(i) else { break };
        i += 1;
        match e {
            'u' => {
                let digits = raw.get(i..i + 4).ok_or(MALFORMED_UNICODE)?;
                let mut unit: u16 = 0;
                for d in digits {
                    let v = d.to_digit(16).ok_or(MALFORMED_UNICODE)?;
                    unit = (unit << 4) | v as u16;
                }
                i += 4;
                out.push_unit(unit);
            }
            't' => out.push_char('\t'),
            'r' => out.push_char('\r'),
            'n' => out.push_char('\n'),
            'f' => out.push_char('\u{c}'),
            other => out.push_char(other),
        }
    }
    Ok(out.finish())
}

/// Builds a string from characters and `\u` UTF-16 code units: a high
/// surrogate followed by a low one makes one character; a surrogate on its
/// own (legal in a Java string, not in a Rust one) becomes U+FFFD.
#[derive(Default)]
struct Utf16Builder {
    out: String,
    pending_high: Option<u16>,
}

impl Utf16Builder {
    fn flush_pending(&mut self) {
        if self.pending_high.take().is_some() {
            self.out.push(char::REPLACEMENT_CHARACTER);
        }
    }

    fn push_char(&mut self, c: char) {
        self.flush_pending();
        self.out.push(c);
    }

    fn push_unit(&mut self, unit: u16) {
        match unit {
            0xD800..=0xDBFF => {
                self.flush_pending();
                self.pending_high = Some(unit);
            }
            0xDC00..=0xDFFF => match self.pending_high.take() {
                Some(high) => {
                    let cp =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                    self.out
                        .push(char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => self.out.push(char::REPLACEMENT_CHARACTER),
            },
            _ => {
                self.flush_pending();
                self.out
                    .push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush_pending();
        self.out
    }
}

/// Writes a map as `.properties` text the way Java's `Properties.store`
/// escapes it (without the date comment): `key=value` lines, `\uXXXX` for
/// characters outside printable ASCII, and `\` before `= : # !`, before
/// every space in a key and before a leading space in a value.
pub fn store_properties<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in entries {
        store_escape(&mut out, key, true);
        out.push('=');
        store_escape(&mut out, value, false);
        out.push('\n');
    }
    out
}

/// Java's `saveConvert` with `escapeUnicode` on.
fn store_escape(out: &mut String, s: &str, escape_space: bool) {
    let mut units = [0u16; 2];
    for (x, c) in s.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' ' => {
                if x == 0 || escape_space {
                    out.push('\\');
                }
                out.push(' ');
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04X}", unit));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        match parse_properties(text) {
            Ok(map) => map.into_iter().collect(),
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_three_separators() {
        assert_eq!(
            parse("a=1\nb: 2\nc 3\nd\t4\ne\u{c}5\n"),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")])
        );
    }

    #[test]
    fn whitespace_around_separators() {
        assert_eq!(
            parse("a  =  1\nb :2\nc   = = x\nd  e f  \n"),
            pairs(&[("a", "1"), ("b", "2"), ("c", "= x"), ("d", "e f  ")])
        );
    }

    #[test]
    fn whitespace_then_separator_is_one_separator() {
        // "key  : value": blanks end the key, then one ':' is swallowed.
        assert_eq!(parse("key  : value"), pairs(&[("key", "value")]));
        // A second separator belongs to the value.
        assert_eq!(parse("key==v"), pairs(&[("key", "=v")]));
        assert_eq!(parse("key:=v"), pairs(&[("key", "=v")]));
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# comment\n! also a comment\n   # indented comment\n\n   \n\t\na=1\n#b=2\n";
        assert_eq!(parse(text), pairs(&[("a", "1")]));
    }

    #[test]
    fn hash_inside_a_value_is_not_a_comment() {
        assert_eq!(
            parse("a=1 # not a comment"),
            pairs(&[("a", "1 # not a comment")])
        );
        assert_eq!(parse("a#b=c"), pairs(&[("a#b", "c")]));
    }

    #[test]
    fn comment_lines_do_not_continue() {
        assert_eq!(parse("# comment \\\na=1"), pairs(&[("a", "1")]));
    }

    #[test]
    fn leading_whitespace_ignored() {
        assert_eq!(parse("   \t a = 1"), pairs(&[("a", "1")]));
    }

    #[test]
    fn empty_values() {
        assert_eq!(
            parse("a=\nb\nc:\nd =   \n"),
            pairs(&[("a", ""), ("b", ""), ("c", ""), ("d", "")])
        );
    }

    #[test]
    fn trailing_whitespace_is_kept_in_values() {
        assert_eq!(parse("a=1  \t"), pairs(&[("a", "1  \t")]));
    }

    #[test]
    fn duplicate_keys_last_wins_first_position_kept() {
        let map = parse("a=1\nb=2\na=3\n");
        assert_eq!(map, pairs(&[("a", "3"), ("b", "2")]));
    }

    #[test]
    fn line_continuation_drops_leading_whitespace() {
        assert_eq!(
            parse("fruits = apple, banana, \\\n    pear, \\\n\t  cantaloupe\n"),
            pairs(&[("fruits", "apple, banana, pear, cantaloupe")])
        );
    }

    #[test]
    fn continuation_over_crlf_and_cr() {
        assert_eq!(
            parse("a=1\\\r\n  2\r\nb=3\r"),
            pairs(&[("a", "12"), ("b", "3")])
        );
        assert_eq!(parse("a=1\\\r  2\rb=3"), pairs(&[("a", "12"), ("b", "3")]));
    }

    #[test]
    fn continued_line_starting_with_hash_is_text() {
        assert_eq!(parse("a=1\\\n#2"), pairs(&[("a", "1#2")]));
    }

    #[test]
    fn empty_continuation_line_ends_the_logical_line() {
        assert_eq!(parse("a=1\\\n\nb=2"), pairs(&[("a", "1"), ("b", "2")]));
    }

    #[test]
    fn even_backslashes_do_not_continue() {
        assert_eq!(parse("a=x\\\\\nb=2"), pairs(&[("a", "x\\"), ("b", "2")]));
        assert_eq!(parse("a=x\\\\\\\n y"), pairs(&[("a", "x\\y")]));
    }

    #[test]
    fn lone_trailing_backslash_at_end_of_input_is_dropped() {
        assert_eq!(parse("a=b\\"), pairs(&[("a", "b")]));
        assert_eq!(parse("a\\"), pairs(&[("a", "")]));
    }

    #[test]
    fn escaped_separators_in_keys() {
        assert_eq!(
            parse("a\\=b=c\nx\\:y:z\nsp\\ ace = v\nh\\#k=1\n"),
            pairs(&[("a=b", "c"), ("x:y", "z"), ("sp ace", "v"), ("h#k", "1")])
        );
    }

    #[test]
    fn every_escape_and_a_continuation() {
        let text = "k\\ e\\=y\\:\\#\\! = \\t\\n\\r\\f\\\\\\=\\:\\#\\!\\ \\u0041\\u00e9\\u20AC\\q \\\n      end\n";
        assert_eq!(
            parse(text),
            pairs(&[("k e=y:#!", "\t\n\r\u{c}\\=:#! A\u{e9}\u{20ac}q end")])
        );
    }

    #[test]
    fn leading_space_escaped_in_value() {
        assert_eq!(parse("a=\\  x"), pairs(&[("a", "  x")]));
    }

    #[test]
    fn surrogate_pairs_combine() {
        assert_eq!(parse("a=\\uD83D\\uDE00"), pairs(&[("a", "\u{1F600}")]));
        assert_eq!(parse("a=\\uD83Dx"), pairs(&[("a", "\u{FFFD}x")]));
        assert_eq!(parse("a=\\uDE00"), pairs(&[("a", "\u{FFFD}")]));
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        for text in ["a=1\nb=\\u12G4\n", "a=1\nb=\\u12", "a=1\n\\u=x"] {
            match parse_properties(text) {
                Err(ConfigError::Syntax { line, message, .. }) => {
                    assert_eq!(line, 2, "{text:?}");
                    assert_eq!(message, MALFORMED_UNICODE);
                }
                other => panic!("expected a syntax error for {text:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_escape_line_number_after_continuations() {
        match parse_properties("a=1\\\n 2\n\n# c\nbad=\\uZZZZ") {
            Err(e) => assert_eq!(e.to_string(), "<text>:5: Malformed \\uxxxx encoding."),
            Ok(m) => panic!("expected an error, got {m:?}"),
        }
    }

    #[test]
    fn unicode_outside_escapes_is_kept() {
        assert_eq!(parse("clé=värde"), pairs(&[("clé", "värde")]));
    }

    #[test]
    fn load_reads_latin1_like_java() {
        let dir = std::env::temp_dir().join(format!("kconnect-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join("latin1.properties");
        // "é" as UTF-8 is two bytes; Java's byte-stream load makes them two
        // Latin-1 characters.
        std::fs::write(&path, "a=\u{e9}\nb=\\u00e9\n").unwrap_or_default();
        let latin1 = load_properties(&path).map_err(|e| e.to_string());
        let utf8 = load_properties_utf8(&path).map_err(|e| e.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        let latin1 = latin1.unwrap_or_default();
        assert_eq!(latin1.get("a").map(String::as_str), Some("\u{c3}\u{a9}"));
        assert_eq!(latin1.get("b").map(String::as_str), Some("\u{e9}"));
        let utf8 = utf8.unwrap_or_default();
        assert_eq!(utf8.get("a").map(String::as_str), Some("\u{e9}"));
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        match load_properties("/nonexistent/kconnect/worker.properties") {
            Err(e @ ConfigError::Io { .. }) => {
                assert!(e
                    .to_string()
                    .contains("/nonexistent/kconnect/worker.properties"))
            }
            other => panic!("expected an io error, got {other:?}"),
        }
    }

    #[test]
    fn store_escapes_like_java() {
        let text = store_properties([("a b", " x=y"), ("k:#!", "\u{e9}\u{1F600}\t")]);
        assert_eq!(
            text,
            "a\\ b=\\ x\\=y\nk\\:\\#\\!=\\u00E9\\uD83D\\uDE00\\t\n"
        );
    }

    proptest! {
        #[test]
        fn stored_maps_parse_back_equal(
            entries in proptest::collection::vec(
                ("\\PC{0,12}|[ =:#!\\\\\t\r\n\u{c}a-z]{0,8}", "\\PC{0,16}|[ =:#!\\\\\t\r\n\u{c}a-z]{0,12}"),
                0..8,
            )
        ) {
            let mut expected: IndexMap<String, String> = IndexMap::new();
            for (k, v) in &entries {
                expected.insert(k.clone(), v.clone());
            }
            let text = store_properties(expected.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let parsed = parse_properties(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed, expected);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,64}|[ =:#!\\\\\t\r\nu0-9a-fA-F]{0,64}") {
            let _ = parse_properties(&text);
        }
    }
}
