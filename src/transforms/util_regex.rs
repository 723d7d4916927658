//! Java regular expressions (`java.util.regex.Pattern`) on the `regex`
//! crate: `Matcher.matches()` (the whole text) and `Matcher.replaceFirst`
//! with Java's replacement syntax (`$1`, `${name}`, `\` escapes).
//!
//! The common differences of syntax are translated: `\Q...\E` quoting,
//! possessive quantifiers (`a*+`) and atomic groups (`(?>...)`, matched as
//! plain ones), the ASCII meaning of `\d`, `\w`, `\s` and their negations,
//! `\h`, `\v`, `\R`, `\Z`, `\e`, octal `\0nn`, and the POSIX classes
//! `\p{Lower}`, `\p{Alpha}`... What the crate
//! cannot do (back-references, look-around) is a clear error when the
//! pattern is compiled, that is when the SMT is configured.

use std::fmt;

use regex::Regex;

/// A compiled Java pattern.
#[derive(Clone)]
pub struct JavaRegex {
    source: String,
    /// The pattern anchored at both ends, for `matches()`.
    full: Regex,
    /// The pattern as written, for `find()` / `replaceFirst`.
    find: Regex,
}

impl fmt::Debug for JavaRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JavaRegex({})", self.source)
    }
}

impl fmt::Display for JavaRegex {
    /// `Pattern.toString()`: the source text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// One piece of a parsed replacement string.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    Group(usize),
    Named(String),
}

/// A replacement string checked against a pattern's groups
/// (`Matcher.appendReplacement` syntax).
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    pieces: Vec<Piece>,
}

impl JavaRegex {
    /// `Pattern.compile(source)`; the error says why it cannot be used.
    pub fn new(source: &str) -> Result<JavaRegex, String> {
        let translated = translate(source)?;
        let find = Regex::new(&translated).map_err(|e| e.to_string())?;
        let full = Regex::new(&format!(r"\A(?:{translated})\z")).map_err(|e| e.to_string())?;
        Ok(JavaRegex {
            source: source.to_string(),
            full,
            find,
        })
    }

    /// The Java source text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// `matcher(text).matches()`: the whole text matches.
    pub fn matches(&self, text: &str) -> bool {
        self.full.is_match(text)
    }

    /// Parses a replacement string as `Matcher.appendReplacement` would use
    /// it with this pattern; the error is Java's exception message.
    pub fn replacement(&self, replacement: &str) -> Result<Replacement, String> {
        let group_count = self.find.captures_len() - 1;
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let chars: Vec<char> = replacement.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '\\' => {
                    let Some(&next) = chars.get(i) else {
                        return Err("character to be escaped is missing".to_string());
                    };
                    literal.push(next);
                    i += 1;
                }
                '$' => {
                    let Some(&next) = chars.get(i) else {
                        return Err("Illegal group reference: group index is missing".to_string());
                    };
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    if next == '{' {
                        i += 1;
                        let mut name = String::new();
                        while let Some(&ch) = chars.get(i) {
                            if ch.is_ascii_alphanumeric() {
                                name.push(ch);
                                i += 1;
                            } else {
                                break;
                            }
                        }
                        if name.is_empty() {
                            return Err("named capturing group has 0 length name".to_string());
                        }
                        if chars.get(i) != Some(&'}') {
                            return Err("named capturing group is missing trailing '}'".to_string());
                        }
                        i += 1;
                        if name.starts_with(|ch: char| ch.is_ascii_digit()) {
                            return Err("capturing group name {".to_string()
                                + &name
                                + "} starts with digit character");
                        }
                        if !self.find.capture_names().any(|n| n == Some(name.as_str())) {
                            return Err(format!("No group with name {{{name}}}"));
                        }
                        pieces.push(Piece::Named(name));
                    } else if let Some(first) = next.to_digit(10) {
                        i += 1;
                        let mut group = first as usize;
                        if group > group_count {
                            return Err(format!("No group {group}"));
                        }
                        // As many more digits as still name a group.
                        while let Some(d) = chars.get(i).and_then(|ch| ch.to_digit(10)) {
                            let longer = group * 10 + d as usize;
                            if longer > group_count {
                                break;
                            }
                            group = longer;
                            i += 1;
                        }
                        pieces.push(Piece::Group(group));
                    } else {
                        return Err("Illegal group reference".to_string());
                    }
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Replacement { pieces })
    }

    /// `matcher(text).replaceFirst(replacement)`: the first match replaced,
    /// the rest of the text kept; the text itself when nothing matches.
    pub fn replace_first(&self, text: &str, replacement: &Replacement) -> String {
        let Some(caps) = self.find.captures(text) else {
            return text.to_string();
        };
        let Some(whole) = caps.get(0) else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str(&text[..whole.start()]);
        for piece in &replacement.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                // A group that did not take part in the match adds nothing.
                Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
                Piece::Named(n) => out.push_str(caps.name(n).map_or("", |m| m.as_str())),
            }
        }
        out.push_str(&text[whole.end()..]);
        out
    }
}

/// The POSIX character classes Java names with `\p{...}` (US-ASCII only).
fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[a-z]",
        "Upper" => "[A-Z]",
        "ASCII" => r"[\x00-\x7F]",
        "Alpha" => "[a-zA-Z]",
        "Digit" => "[0-9]",
        "Alnum" => "[a-zA-Z0-9]",
        "Punct" => r##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"##,
        "Graph" => r##"[a-zA-Z0-9!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"##,
        "Print" => r##"[ a-zA-Z0-9!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"##,
        "Blank" => r"[ \t]",
        "Cntrl" => r"[\x00-\x1F\x7F]",
        "XDigit" => "[0-9a-fA-F]",
        "Space" => r"[ \t\n\x0B\x0C\r]",
        _ => return None,
    })
}

/// Java's pattern syntax in the `regex` crate's.
fn translate(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 8);
    let mut class_depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let Some(&next) = chars.get(i) else {
                    return Err(format!(
                        "Unexpected internal error near index {}\n{java}",
                        chars.len()
                    ));
                };
                i += 1;
                match next {
                    'Q' => {
                        let mut literal = String::new();
                        while i < chars.len() {
                            if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                                i += 2;
                                break;
                            }
                            literal.push(chars[i]);
                            i += 1;
                        }
                        out.push_str(&regex::escape(&literal));
                    }
                    // The end of `\Q...\E` without a start: nothing.
                    'E' => {}
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    'w' => out.push_str("[a-zA-Z_0-9]"),
                    'W' => out.push_str("[^a-zA-Z_0-9]"),
                    's' => out.push_str(r"[ \t\n\x0B\x0C\r]"),
                    'S' => out.push_str(r"[^ \t\n\x0B\x0C\r]"),
                    'Z' if class_depth == 0 => out.push_str(r"(?:\n?\z)"),
                    'h' => out.push_str(
                        r"[ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]",
                    ),
                    'H' => out.push_str(
                        r"[^ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]",
                    ),
                    'v' => out.push_str(r"[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]"),
                    'V' => out.push_str(r"[^\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]"),
                    'R' if class_depth == 0 => {
                        out.push_str(r"(?:\r\n|[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}])")
                    }
                    'e' => out.push_str(r"\x1B"),
                    'a' => out.push_str(r"\x07"),
                    // `\0` and one to three octal digits (at most 0377).
                    '0' => {
                        let mut value = 0u32;
                        let mut digits = 0;
                        while digits < 3 {
                            let Some(d) = chars.get(i).and_then(|c| c.to_digit(8)) else {
                                break;
                            };
                            if value * 8 + d > 0o377 {
                                break;
                            }
                            value = value * 8 + d;
                            digits += 1;
                            i += 1;
                        }
                        if digits == 0 {
                            return Err(format!(
                                "Illegal octal escape sequence near index {i}\n{java}"
                            ));
                        }
                        out.push_str(&format!(r"\x{{{value:X}}}"));
                    }
                    'p' | 'P' if chars.get(i) == Some(&'{') => {
                        let close = chars[i..].iter().position(|&ch| ch == '}');
                        let name: Option<String> =
                            close.map(|end| chars[i + 1..i + end].iter().collect());
                        match (close, name.as_deref().and_then(posix_class)) {
                            (Some(end), Some(class)) => {
                                i += end + 1;
                                if next == 'P' {
                                    out.push_str("[^");
                                    out.push_str(&class[1..]);
                                } else {
                                    out.push_str(class);
                                }
                            }
                            _ => {
                                out.push('\\');
                                out.push(next);
                            }
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A `]` or `^]` right after the opening bracket is literal
                // in neither language the same way; leave it to the crate.
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '*' | '+' | '?' | '}' if class_depth == 0 => {
                out.push(c);
                // A possessive quantifier: matched as a greedy one.
                if chars.get(i) == Some(&'+') {
                    i += 1;
                }
            }
            '(' if class_depth == 0
                && chars.get(i) == Some(&'?')
                && chars.get(i + 1) == Some(&'>') =>
            {
                i += 2;
                out.push_str("(?:");
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(pattern: &str, replacement: &str, text: &str) -> String {
        let re = JavaRegex::new(pattern).unwrap();
        let r = re.replacement(replacement).unwrap();
        re.replace_first(text, &r)
    }

    #[test]
    fn matches_the_whole_text() {
        let re = JavaRegex::new("a|ab").unwrap();
        assert!(re.matches("ab"));
        assert!(re.matches("a"));
        assert!(!re.matches("abc"));
        // replaceFirst replaces the first match, which may be shorter.
        assert_eq!(replace("a|ab", "X", "ab"), "Xb");
    }

    #[test]
    fn replacement_syntax_is_javas() {
        assert_eq!(replace("(.*)-(.*)", "$2_$1", "foo-bar"), "bar_foo");
        assert_eq!(replace("(?<x>.*)-.*", "${x}!", "foo-bar"), "foo!");
        assert_eq!(replace("(a)", r"\$1 $1", "a"), "$1 a");
        // $12 with one group is group 1 then a literal 2.
        assert_eq!(replace("(a)", "$12", "a"), "a2");
        // A group that did not match adds nothing.
        assert_eq!(replace("(x)?a", "[$1]", "a"), "[]");
        let re = JavaRegex::new("(a)").unwrap();
        assert_eq!(re.replacement("$2").unwrap_err(), "No group 2");
        assert_eq!(re.replacement("$x").unwrap_err(), "Illegal group reference");
        assert_eq!(
            re.replacement("a$").unwrap_err(),
            "Illegal group reference: group index is missing"
        );
        assert_eq!(
            re.replacement("a\\").unwrap_err(),
            "character to be escaped is missing"
        );
        assert_eq!(
            re.replacement("${nope}").unwrap_err(),
            "No group with name {nope}"
        );
    }

    #[test]
    fn java_syntax_is_translated() {
        assert!(JavaRegex::new(r"\Qa.b\E").unwrap().matches("a.b"));
        assert!(!JavaRegex::new(r"\Qa.b\E").unwrap().matches("axb"));
        assert!(JavaRegex::new("a*+b").unwrap().matches("aab"));
        assert!(JavaRegex::new("(?>a|b)c").unwrap().matches("bc"));
        assert!(JavaRegex::new(r"\p{Lower}+\d").unwrap().matches("abc1"));
        assert!(!JavaRegex::new(r"\d").unwrap().matches("\u{0663}"));
        assert!(JavaRegex::new(r"[\w-]+").unwrap().matches("a-b_c"));
        assert!(JavaRegex::new(r"[a-z&&[^b]]+").unwrap().matches("ac"));
        assert!(!JavaRegex::new(r"[a-z&&[^b]]+").unwrap().matches("ab"));
        assert!(JavaRegex::new(r"a\hb\vc").unwrap().matches("a\u{3000}b\nc"));
        assert!(JavaRegex::new(r"\0101\e").unwrap().matches("A\u{1b}"));
        assert!(JavaRegex::new(r"[\h]").unwrap().matches(" "));
        assert!(JavaRegex::new(r"a\Rb").unwrap().matches("a\r\nb"));
    }

    #[test]
    fn unsupported_and_bad_patterns_are_errors() {
        assert!(JavaRegex::new("(a").is_err());
        assert!(JavaRegex::new(r"(a)\1").is_err());
        assert!(JavaRegex::new("a(?=b)").is_err());
        assert!(JavaRegex::new("[a").is_err());
    }

    /// What JDK 17's `java.util.regex` gave for these cases (tab separated):
    /// `M pattern text matches()` (`BAD`: no pattern) and
    /// `R pattern replacement topic result` (RegexRouter: `replaceFirst`
    /// when the whole topic matches; `EXC:` the exception's message).
    const JDK17: &str = r#"M	a|ab	ab	true
M	a|ab	a	true
M	a|ab	abc	false
M	\Qa.b\E	a.b	true
M	\Qa.b\E	axb	false
M	a*+b	aab	true
M	(?>a|b)c	bc	true
M	\p{Lower}+\d	abc1	true
M	\d	٣	false
M	[\w-]+	a-b_c	true
M	[a-z&&[^b]]+	ac	true
M	[a-z&&[^b]]+	ab	false
M	[\h]	 	true
M	my-prefix-.*	my-prefix-foo	true
M	my-prefix-.*	x-my-prefix-	false
M	(?i)TOPIC\..*	topic.x	true
M	\w+	té	false
M	\s	 	false
M	[^\d]+	abc	true
M	\D+	abc	true
M	\p{Alpha}+	abcXYZ	true
M	\P{Digit}	a	true
M	\p{Punct}	!	true
M	[\p{Upper}\d]+	A1	true
M	a{2}+	aa	true
M	x?+y	xy	true
M	\x41\u0042	AB	true
M	[a-c]{1,2}	abc	false
M	db\.(.*)\.(\w+)	db.s.t	true
M	(a)\1	aa	true
M	a(?=b)b	ab	true
M	[	[	BAD
M	*	*	BAD
M	(abc	abc	BAD
R	foo	bar	foo	bar
R	(.*)	$1	orig	orig
R	(.*)	prefix-$1	orig	prefix-orig
R	(.*)-(\d\d\d\d\d\d\d\d)	$1	index-20160117	index
R	a|ab	X	ab	Xb
R	(.*)-(.*)	$2_$1	foo-bar	bar_foo
R	(?<x>.*)-.*	${x}!	foo-bar	foo!
R	(a)	\$1 $1	a	$1 a
R	(a)	$12	a	a2
R	(x)?a	[$1]	a	[]
R	(a)	$2	a	EXC:No group 2
R	(a)	$x	a	EXC:Illegal group reference
R	(a)	a$	a	EXC:Illegal group reference: group index is missing
R	(a)	a\	a	EXC:character to be escaped is missing
R	(a)	${nope}	a	EXC:No group with name {nope}
R	(a)	${}	a	EXC:named capturing group has 0 length name
R	(a)	${1a}	a	EXC:capturing group name {1a} starts with digit character
R	(a)	${a	a	EXC:named capturing group is missing trailing '}'
R	(?<base>.*)\.v\d+	${base}	db.t.v2	db.t
R	(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)	$11-$10-$1	abcdefghijk	k-j-a
R	(.*?)(-\d+)?	$1	topic-12	topic-12
R	a*	X	aaa	X
R	(a*)(a*)	[$1|$2]	aaa	[aaa|]"#;

    /// Java features the `regex` crate does not have: an error instead.
    const UNSUPPORTED: &[&str] = &[r"(a)\1", r"a(?=b)b"];

    #[test]
    fn same_results_as_jdk17() {
        let mut bad = Vec::new();
        for line in JDK17.lines() {
            let parts: Vec<&str> = line.split('\t').collect();
            let (got, want) = match parts[0] {
                "M" => {
                    let got = match JavaRegex::new(parts[1]) {
                        Ok(re) => re.matches(parts[2]).to_string(),
                        Err(_) => "BAD".to_string(),
                    };
                    let want = if UNSUPPORTED.contains(&parts[1]) {
                        "BAD"
                    } else {
                        parts[3]
                    };
                    (got, want)
                }
                _ => {
                    let re = JavaRegex::new(parts[1]).unwrap();
                    let got = match re.replacement(parts[2]) {
                        Ok(r) if re.matches(parts[3]) => re.replace_first(parts[3], &r),
                        Ok(_) => parts[3].to_string(),
                        Err(e) => format!("EXC:{e}"),
                    };
                    (got, parts[4])
                }
            };
            if got != want {
                bad.push(format!("{line}  <-- kconnect: {got}"));
            }
        }
        assert!(bad.is_empty(), "\n{}", bad.join("\n"));
    }
}
