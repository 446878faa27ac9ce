//! Canonical JSON: RFC 8785 (JCS) serialization and a check that bytes already are canonical.
//!
//! Serializing uses `serde_json_canonicalizer`, which passes all six upstream JCS vectors
//! (number formatting as ECMAScript, keys ordered by UTF-16 code units). `canon-json` was the
//! other candidate; it also formats numbers correctly, but it is a `serde_json` formatter and
//! relies on the caller to sort keys, so it does not canonicalize a typed struct by itself.
//!
//! Checking is written by hand. SPEC §2 requires the sequencer to accept a statement only if
//! the bytes it received are *already* canonical, and §1 admits only integers within
//! ±(2^53−1). The obvious check — parse, re-serialize, compare — builds a tree and a second
//! buffer on the hot path of every submission; this validator walks the bytes once, allocates
//! nothing for ASCII keys, and answers with the offset of the first non-canonical byte, which
//! a re-serialization cannot tell. No crate validates JCS form. Property tests pin it to
//! `serde_json_canonicalizer`: `check_canonical(b)` succeeds exactly when `b` equals the JCS
//! form of its own parse (for documents within pactlog's integer rule).

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// Nesting deeper than this is refused. Statements nest five levels at most
/// (`body.obligations[i].measure`); 64 leaves room for any future body and keeps recursion
/// bounded on hostile input.
pub const DEPTH_MAX: usize = 64;

/// The largest integer magnitude SPEC §1 admits: integers IEEE doubles represent exactly.
pub const INTEGER_MAGNITUDE_MAX: u64 = (1 << 53) - 1;

/// Serializes `value` as RFC 8785 canonical JSON.
pub fn to_canonical_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    serde_json_canonicalizer::to_vec(value)
}

/// Why bytes are not canonical, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not canonical at byte {offset}: {reason}")]
pub struct NotCanonical {
    pub offset: usize,
    pub reason: Reason,
}

/// The kinds of departure from canonical form, each with a bilingual description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    InvalidUtf8,
    Whitespace,
    Syntax,
    KeyOrder,
    DuplicateKey,
    StringEscape,
    NumberForm,
    NumberRange,
    TooDeep,
    TrailingBytes,
}

impl Reason {
    pub fn describe_en(self) -> &'static str {
        match self {
            Reason::InvalidUtf8 => "invalid UTF-8",
            Reason::Whitespace => "whitespace outside strings",
            Reason::Syntax => "not valid JSON",
            Reason::KeyOrder => "object keys not sorted by UTF-16 code units",
            Reason::DuplicateKey => "duplicate object key",
            Reason::StringEscape => "string escape not in canonical form",
            Reason::NumberForm => {
                "number not a plain integer (fraction, exponent, sign or leading zero)"
            }
            Reason::NumberRange => "integer outside ±(2^53−1)",
            Reason::TooDeep => "nesting too deep",
            Reason::TrailingBytes => "bytes after the JSON value",
        }
    }

    pub fn describe_zh(self) -> &'static str {
        match self {
            Reason::InvalidUtf8 => "不是有效的 UTF-8",
            Reason::Whitespace => "字符串之外有空白字符",
            Reason::Syntax => "不是有效的 JSON",
            Reason::KeyOrder => "对象的键未按 UTF-16 码元排序",
            Reason::DuplicateKey => "对象的键重复",
            Reason::StringEscape => "字符串转义不是规范形式",
            Reason::NumberForm => "数字不是简单整数（含小数、指数、正负号或前导零）",
            Reason::NumberRange => "整数超出 ±(2^53−1)",
            Reason::TooDeep => "嵌套层数过多",
            Reason::TrailingBytes => "JSON 值之后还有多余字节",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe_en())
    }
}

/// Checks that `bytes` are one JSON value in RFC 8785 canonical form whose numbers are
/// integers within ±(2^53−1) (SPEC §1, §2). Canonical objects have strictly increasing keys,
/// so a document that passes has no duplicate keys either.
pub fn check_canonical(bytes: &[u8]) -> Result<(), NotCanonical> {
    check_canonical_statement(bytes).map(drop)
}

/// [`check_canonical`], also returning the top-level `log` member when it is a string, read
/// on the way: check 5 (`wrong_log`) then needs no second parse of the statement.
pub fn check_canonical_statement(bytes: &[u8]) -> Result<Option<Cow<'_, str>>, NotCanonical> {
    scan(bytes, 0).map(|scan| scan.log)
}

/// What one pass over canonical bytes found besides their being canonical.
pub(crate) struct Scan<'a> {
    /// The string `log` member of the object at depth `log_depth`.
    pub log: Option<Cow<'a, str>>,
    /// The top-level object's members: key and the byte range of the value.
    pub members: Vec<(Cow<'a, str>, std::ops::Range<usize>)>,
}

/// Checks canonical form and reads, on the way, the top-level members and the string `log`
/// of objects at depth `log_depth` (0 for a statement, 1 for a statement inside an
/// envelope, where the statement is the only object at that depth).
pub(crate) fn scan(bytes: &[u8], log_depth: usize) -> Result<Scan<'_>, NotCanonical> {
    let source = match std::str::from_utf8(bytes) {
        Ok(source) => source,
        Err(e) => {
            return Err(NotCanonical {
                offset: e.valid_up_to(),
                reason: Reason::InvalidUtf8,
            })
        }
    };
    let mut checker = Checker {
        bytes,
        source,
        pos: 0,
        log: None,
        log_depth,
        members: Vec::new(),
    };
    checker.value(0)?;
    if checker.pos != bytes.len() {
        return Err(checker.fail(Reason::TrailingBytes));
    }
    Ok(Scan {
        log: checker.log,
        members: checker.members,
    })
}

struct Checker<'a> {
    bytes: &'a [u8],
    /// The same bytes, validated as UTF-8 once on entry.
    source: &'a str,
    pos: usize,
    /// The `log` member at depth `log_depth`, if a string.
    log: Option<Cow<'a, str>>,
    log_depth: usize,
    /// The top-level members with their value ranges.
    members: Vec<(Cow<'a, str>, std::ops::Range<usize>)>,
}

/// Orders keys as JCS does, by UTF-16 code units. For ASCII (every key pactlog defines)
/// that is byte order, compared without transcoding.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

impl<'a> Checker<'a> {
    fn fail(&self, reason: Reason) -> NotCanonical {
        let reason = match (reason, self.bytes.get(self.pos)) {
            (Reason::Syntax, Some(b' ' | b'\n' | b'\r' | b'\t')) => Reason::Whitespace,
            (r, _) => r,
        };
        NotCanonical {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), NotCanonical> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail(Reason::Syntax))
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), NotCanonical> {
        if depth > DEPTH_MAX {
            return Err(self.fail(Reason::TooDeep));
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(drop),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => Err(self.fail(Reason::Syntax)),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), NotCanonical> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.fail(Reason::Syntax))
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), NotCanonical> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut previous: Option<Cow<'a, str>> = None;
        loop {
            let key_start = self.pos;
            let key = self.string()?;
            if let Some(previous) = &previous {
                match utf16_order(previous, &key) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => {
                        return Err(NotCanonical {
                            offset: key_start,
                            reason: Reason::DuplicateKey,
                        })
                    }
                    std::cmp::Ordering::Greater => {
                        return Err(NotCanonical {
                            offset: key_start,
                            reason: Reason::KeyOrder,
                        })
                    }
                }
            }
            self.expect(b':')?;
            let value_start = self.pos;
            if depth == self.log_depth && key == "log" && self.peek() == Some(b'"') {
                self.log = Some(self.string()?);
            } else {
                self.value(depth + 1)?;
            }
            if depth == 0 {
                self.members.push((key.clone(), value_start..self.pos));
            }
            previous = Some(key);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail(Reason::Syntax)),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), NotCanonical> {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail(Reason::Syntax)),
            }
        }
    }

    /// A string in JCS form: `"` and `\` escaped as `\"` and `\\`; U+0008, U+0009, U+000A,
    /// U+000C, U+000D as `\b \t \n \f \r`; other controls below U+0020 as `\u00xx` with
    /// lowercase hex; everything else (U+007F and all non-ASCII included) as itself.
    /// Returns the decoded text, borrowed when it had no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, NotCanonical> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut decoded: Option<String> = None;
        let mut run_start = start;
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.fail(Reason::Syntax));
            };
            match byte {
                b'"' => {
                    let text = self.text(run_start, self.pos);
                    self.pos += 1;
                    return Ok(match decoded {
                        None => Cow::Borrowed(text),
                        Some(mut s) => {
                            s.push_str(text);
                            Cow::Owned(s)
                        }
                    });
                }
                0x00..=0x1f => {
                    return Err(NotCanonical {
                        offset: self.pos,
                        reason: Reason::Syntax,
                    })
                }
                b'\\' => {
                    let escape_start = self.pos;
                    let buffer = decoded.get_or_insert_with(String::new);
                    buffer.push_str(self.text(run_start, escape_start));
                    let unescaped = match self.bytes.get(self.pos + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'b') => '\u{8}',
                        Some(b't') => '\t',
                        Some(b'n') => '\n',
                        Some(b'f') => '\u{c}',
                        Some(b'r') => '\r',
                        Some(b'u') => {
                            let hex = self.bytes.get(self.pos + 2..self.pos + 6);
                            let code = hex.and_then(|h| {
                                std::str::from_utf8(h)
                                    .ok()
                                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                                    .map(|c| (h, c))
                            });
                            match code {
                                Some((h, c))
                                    if c < 0x20
                                        && !matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)
                                        && h.iter().all(|b| !b.is_ascii_uppercase()) =>
                                {
                                    self.pos += 4;
                                    char::from(c as u8)
                                }
                                Some(_) => return Err(self.fail(Reason::StringEscape)),
                                None => return Err(self.fail(Reason::Syntax)),
                            }
                        }
                        Some(b'/') => return Err(self.fail(Reason::StringEscape)),
                        _ => return Err(self.fail(Reason::Syntax)),
                    };
                    buffer.push(unescaped);
                    self.pos += 2;
                    run_start = self.pos;
                }
                _ => {
                    // Skip the run of bytes that stand for themselves in one tight loop.
                    let rest = &self.bytes[self.pos..];
                    self.pos += rest
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                        .unwrap_or(rest.len());
                }
            }
        }
    }

    /// The text of `bytes[from..to]`. Both ends sit next to an ASCII quote or backslash, so
    /// they are char boundaries of the input validated on entry: slicing costs nothing.
    fn text(&self, from: usize, to: usize) -> &'a str {
        self.source.get(from..to).unwrap_or_default()
    }

    /// An integer as JCS writes it: `-?(0|[1-9][0-9]*)`, never `-0`, magnitude ≤ 2^53−1.
    fn number(&mut self) -> Result<(), NotCanonical> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let digits = &self.bytes[digits_start..self.pos];
        let form_error = NotCanonical {
            offset: start,
            reason: Reason::NumberForm,
        };
        if digits.is_empty() {
            return Err(self.fail(Reason::Syntax));
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E'))
            || (digits.len() > 1 && digits[0] == b'0')
            || (negative && digits == b"0")
        {
            return Err(form_error);
        }
        // 2^53−1 has 16 digits; anything longer is out of range without parsing.
        let magnitude = if digits.len() > 16 {
            None
        } else {
            std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse::<u64>().ok())
        };
        match magnitude {
            Some(m) if m <= INTEGER_MAGNITUDE_MAX => Ok(()),
            _ => Err(NotCanonical {
                offset: start,
                reason: Reason::NumberRange,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Option<Reason> {
        check_canonical(text.as_bytes()).err().map(|e| e.reason)
    }

    #[test]
    fn accepts_canonical_documents() {
        for ok in [
            r#"{}"#,
            r#"[]"#,
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#"{"n":-9007199254740991,"p":9007199254740991,"z":0}"#,
            r#"{"s":"tab\there \"q\" \\ \u001f é 中"}"#,
            "{\"del\":\"\u{7f}\"}",
            "{\"\u{20ac}\":1,\"\u{1f602}\":2,\"\u{fb33}\":3}",
        ] {
            assert_eq!(reason(ok), None, "{ok}");
        }
    }

    #[test]
    fn rejects_each_departure_with_its_reason() {
        let cases = [
            (r#"{"b":1,"a":2}"#, Reason::KeyOrder),
            (r#"{"a":1,"a":2}"#, Reason::DuplicateKey),
            (r#"{"a": 1}"#, Reason::Whitespace),
            (r#" {}"#, Reason::Whitespace),
            (r#"{}\n"#, Reason::TrailingBytes),
            (r#"{"a":1.0}"#, Reason::NumberForm),
            (r#"{"a":1e2}"#, Reason::NumberForm),
            (r#"{"a":-0}"#, Reason::NumberForm),
            (r#"{"a":01}"#, Reason::NumberForm),
            (r#"{"a":9007199254740992}"#, Reason::NumberRange),
            (r#"{"a":-9007199254740992}"#, Reason::NumberRange),
            (r#"{"a":123456789012345678901234}"#, Reason::NumberRange),
            (r#"{"a":"\u0041"}"#, Reason::StringEscape),
            (r#"{"a":"\u000A"}"#, Reason::StringEscape),
            (r#"{"a":"\u000a"}"#, Reason::StringEscape),
            (r#"{"a":"\u001F"}"#, Reason::StringEscape),
            (r#"{"a":"\/"}"#, Reason::StringEscape),
            (r#"{"a":"\ud83d\ude02"}"#, Reason::StringEscape),
            (r#"{"a":tru}"#, Reason::Syntax),
            (r#"{"a":1,}"#, Reason::Syntax),
            (r#"{"a""#, Reason::Syntax),
            ("{\"a\":\"\n\"}", Reason::Syntax),
        ];
        for (text, want) in cases {
            assert_eq!(reason(text), Some(want), "{text}");
        }
        assert_eq!(
            check_canonical(b"{\"a\":\"\xff\"}").err().map(|e| e.reason),
            Some(Reason::InvalidUtf8)
        );
    }

    #[test]
    fn orders_keys_by_utf16_not_by_code_point() {
        // U+FB33 sorts after U+1F602 in UTF-16 (0xFB33 > 0xD83D), before it by code point.
        assert_eq!(reason("{\"\u{1f602}\":1,\"\u{fb33}\":2}"), None);
        assert_eq!(
            reason("{\"\u{fb33}\":1,\"\u{1f602}\":2}"),
            Some(Reason::KeyOrder)
        );
    }

    #[test]
    fn refuses_hostile_nesting() {
        let deep = format!("{}{}", "[".repeat(DEPTH_MAX + 2), "]".repeat(DEPTH_MAX + 2));
        assert_eq!(reason(&deep), Some(Reason::TooDeep));
    }
}
