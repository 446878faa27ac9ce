//! Personal data in public text: mainland mobile numbers and resident identity numbers.
//!
//! SPEC §4.1 **Personal data**: statements are public, so their text fields must not carry a
//! mainland mobile number or a resident identity number; such a statement is rejected with
//! `personal_data` (SPEC §4.2 check 8). This module decides only whether one string carries
//! one; which fields are scanned, and the JSON pointer of the rejection, are the caller's
//! business (ids, hashes and keys are not scanned).
//!
//! The rules are implemented to the letter of the SPEC, not as a best-effort detector: a
//! statement rejected here is rejected by every replica and auditor, so the answer must be the
//! same everywhere. Readings of the SPEC's wording that needed a choice:
//!
//! - **Full-width forms** (SPEC §4.1: "Full-width digits (U+FF10–U+FF19), `＋` and `Ｘ` count
//!   as their ASCII forms"): exactly these twelve characters are mapped, nothing else. In
//!   particular full-width small `ｘ` (U+FF58) is *not* mapped, so `11010519491231002ｘ` is
//!   not an identity number, and full-width space or hyphen-minus are not separators.
//! - **Digit** means an ASCII `0`–`9` after that mapping. Other Unicode decimal digits
//!   (Arabic-Indic, Devanagari, mathematical digits, …) are ordinary characters: they neither
//!   form a number nor count as "a digit directly before or after" one.
//! - **"Directly before it either no digit or a prefix"**: the two alternatives are read as a
//!   disjunction. If the character right before the `1` is not a digit, the number matches
//!   whatever comes earlier — so `5086 13812345678` matches (a space is not a digit), exactly
//!   as `9 13812345678` does. The prefix alternative therefore only decides numbers glued to
//!   preceding digits: `8613812345678` and `008613812345678` match, `508613812345678` does
//!   not. A consequence is that the "(optionally followed by one space or hyphen)" clause and
//!   the `+86` prefix never change an answer (`+` is not a digit, so `+86…` always satisfies
//!   the `86` alternative); they are kept in the code to mirror the SPEC.
//!
//! Scanning is one pass over `char`s with a five-character look-behind and a bounded
//! look-ahead (at most 19 characters) from each candidate start, so it is linear in the length
//! of the text and allocates nothing: the full-width mapping is applied on the fly to a cloned
//! `CharIndices` iterator instead of building a mapped copy of the text.

use std::str::CharIndices;

/// What kind of personal data a text carries (SPEC §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalDataKind {
    /// A mainland mobile number, `1[3-9]\d[ -]?\d{4}[ -]?\d{4}` with its boundary rules.
    MobileNumber,
    /// A resident identity number: 17 digits and a valid GB 11643 check character.
    IdentityNumber,
}

impl PersonalDataKind {
    /// English description, for the `detail` of a `personal_data` rejection.
    pub fn describe_en(self) -> &'static str {
        match self {
            PersonalDataKind::MobileNumber => "mainland mobile number",
            PersonalDataKind::IdentityNumber => "resident identity number",
        }
    }

    /// Chinese description, for the `message_zh` of a `personal_data` rejection.
    pub fn describe_zh(self) -> &'static str {
        match self {
            PersonalDataKind::MobileNumber => "手机号码",
            PersonalDataKind::IdentityNumber => "居民身份证号码",
        }
    }
}

/// Where personal data was found in a text.
///
/// The offsets locate the number itself (its first digit), not a `+86`/`0086`/`86` prefix.
/// Deliberately no slice of the match: echoing the number back in a rejection would publish
/// it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonalDataMatch {
    pub kind: PersonalDataKind,
    /// Offset in `char`s from the start of the text.
    pub char_offset: usize,
    /// Offset in bytes from the start of the text (always on a `char` boundary).
    pub byte_offset: usize,
}

/// The kind of the first personal data in `text`, if any (SPEC §4.1).
pub fn find_personal_data(text: &str) -> Option<PersonalDataKind> {
    find_personal_data_match(text).map(|found| found.kind)
}

/// Digits in a mobile number, the shorter of the two kinds of match.
const MOBILE_DIGITS: usize = 11;

/// ASCII and full-width digits in UTF-8 text.
fn digit_count(bytes: &[u8]) -> usize {
    let ascii = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let full_width = bytes
        .windows(3)
        .filter(|w| w[0] == 0xEF && w[1] == 0xBC && (0x90..=0x99).contains(&w[2]))
        .count();
    ascii + full_width
}

/// The first personal data in `text` by start position, if any (SPEC §4.1).
///
/// A mobile number and an identity number can never start at the same character (one needs a
/// non-digit, the other a digit, twelve characters on), so "first" is unambiguous.
pub fn find_personal_data_match(text: &str) -> Option<PersonalDataMatch> {
    // Every match holds at least 11 digits, ASCII or full-width (U+FF10–U+FF19, encoded
    // EF BC 90–99). Most text has fewer, and one byte pass settles it before the
    // char-by-char search.
    if digit_count(text.as_bytes()) < MOBILE_DIGITS {
        return None;
    }
    // The last LOOK_BEHIND_LEN mapped characters, most recent first. NO_CHAR stands for
    // "before the start of the text": it is not a digit and not part of any prefix.
    let mut behind = [NO_CHAR; LOOK_BEHIND_LEN];
    let mut rest = text.char_indices();
    let mut char_offset = 0;
    loop {
        let from_here = rest.clone();
        let (byte_offset, raw) = rest.next()?;
        let c = to_ascii_form(raw);
        let kind = if c == '1' && is_mobile_at(from_here.clone(), &behind) {
            Some(PersonalDataKind::MobileNumber)
        } else if is_digit(c) && !is_digit(behind[0]) && is_identity_at(from_here) {
            Some(PersonalDataKind::IdentityNumber)
        } else {
            None
        };
        if let Some(kind) = kind {
            return Some(PersonalDataMatch {
                kind,
                char_offset,
                byte_offset,
            });
        }
        behind.rotate_right(1);
        behind[0] = c;
        char_offset += 1;
    }
}

/// Enough look-behind for the longest prefix, `0086`, and the character before it.
const LOOK_BEHIND_LEN: usize = 5;

/// Stand-in for the characters before the start of the text.
const NO_CHAR: char = '\0';

/// GB 11643-1999 weights of the first 17 digits (2^(17-i) mod 11, ISO 7064 MOD 11-2).
const IDENTITY_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// GB 11643-1999 check character, indexed by the weighted sum mod 11.
const IDENTITY_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// SPEC §4.1: full-width digits, `＋` and `Ｘ` count as their ASCII forms; nothing else is
/// mapped (not `ｘ` U+FF58, which the SPEC does not name).
fn to_ascii_form(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' => char::from(b'0' + (u32::from(c) - 0xFF10) as u8),
        '\u{FF0B}' => '+',
        '\u{FF38}' => 'X',
        _ => c,
    }
}

/// SPEC §4.1: `\d` and "digit" are ASCII digits after the full-width mapping only.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// SPEC §4.1: each `[ -]` is one U+0020 or U+002D.
fn is_separator(c: char) -> bool {
    c == ' ' || c == '-'
}

/// Does a mobile number start at the head of `from_here` (whose first char maps to `1`)?
/// `behind` holds the mapped characters before it, most recent first.
fn is_mobile_at(from_here: CharIndices<'_>, behind: &[char; LOOK_BEHIND_LEN]) -> bool {
    mobile_pattern_then_no_digit(from_here).is_some() && mobile_boundary_before(behind)
}

/// SPEC §4.1: `1[3-9]\d[ -]?\d{4}[ -]?\d{4}`, then no digit directly after.
///
/// A separator can never be mistaken for a digit, so the pattern matches in one way only and
/// needs no backtracking: a separator where one is allowed is taken, anything else must be a
/// digit.
fn mobile_pattern_then_no_digit(from_here: CharIndices<'_>) -> Option<()> {
    let mut chars = from_here.map(|(_, c)| to_ascii_form(c));
    expect(chars.next()? == '1')?;
    expect(matches!(chars.next()?, '3'..='9'))?;
    expect(is_digit(chars.next()?))?;
    for _group in 0..2 {
        let mut c = chars.next()?;
        if is_separator(c) {
            c = chars.next()?;
        }
        expect(is_digit(c))?;
        for _ in 0..3 {
            expect(is_digit(chars.next()?))?;
        }
    }
    expect(!chars.next().is_some_and(is_digit))
}

/// SPEC §4.1: directly before a mobile number either no digit, or a `+86`, `0086` or `86`
/// prefix (optionally followed by one space or hyphen) that has no digit directly before it.
fn mobile_boundary_before(behind: &[char; LOOK_BEHIND_LEN]) -> bool {
    // A prefix followed by a separator leaves a non-digit directly before the number, so it
    // is already covered here; the prefix checks below only decide numbers glued to digits.
    if !is_digit(behind[0]) {
        return true;
    }
    let prefix_without_digit_before = |prefix: &str| {
        let len = prefix.chars().count();
        prefix.chars().rev().zip(behind).all(|(p, &b)| p == b) && !is_digit(behind[len])
    };
    ["+86", "0086", "86"]
        .into_iter()
        .any(prefix_without_digit_before)
}

/// SPEC §4.1: 17 digits and a check character (`0-9`, `X` or `x`) written together, no digit
/// directly after, and a valid GB 11643 check character. The caller has checked that no digit
/// is directly before.
fn is_identity_at(from_here: CharIndices<'_>) -> bool {
    identity_then_no_digit(from_here).is_some()
}

fn identity_then_no_digit(from_here: CharIndices<'_>) -> Option<()> {
    let mut chars = from_here.map(|(_, c)| to_ascii_form(c));
    let mut sum = 0;
    for weight in IDENTITY_WEIGHTS {
        sum += weight * chars.next()?.to_digit(10)?;
    }
    let check = chars.next()?.to_ascii_uppercase();
    // An 18-character run with a wrong check character (an order number, say) is not an
    // identity number; nor is a 17-digit run followed by anything but `0-9`, `X`, `x`, which
    // the comparison also rejects.
    expect(check == IDENTITY_CHECK[(sum % 11) as usize])?;
    expect(!chars.next().is_some_and(is_digit))
}

fn expect(holds: bool) -> Option<()> {
    holds.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use PersonalDataKind::{IdentityNumber as Id, MobileNumber as Mobile};

    /// A check character computed independently of the module's tables:
    /// ISO 7064 MOD 11-2, weights 2^(17-i) mod 11, check value (12 - sum mod 11) mod 11.
    fn check_char(first17: &str) -> char {
        assert_eq!(first17.len(), 17);
        let sum: u32 = first17
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * ((1u32 << (17 - i)) % 11))
            .sum();
        match (12 - sum % 11) % 11 {
            10 => 'X',
            v => char::from_digit(v, 10).unwrap(),
        }
    }

    fn valid_id(first17: &str) -> String {
        format!("{first17}{}", check_char(first17))
    }

    /// Some other check character than the valid one.
    fn invalid_id(first17: &str) -> String {
        let wrong = if check_char(first17) == '0' { '1' } else { '0' };
        format!("{first17}{wrong}")
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0xFF10 + (c as u32 - '0' as u32)).unwrap(),
                '+' => '＋',
                'X' => 'Ｘ',
                c => c,
            })
            .collect()
    }

    /// Table of SPEC §4.1 cases: text → expected kind and char offset of the number.
    const CASES: &[(&str, Option<(PersonalDataKind, usize)>)] = &[
        // Mobile numbers, the pattern itself.
        ("13812345678", Some((Mobile, 0))),
        ("13312345678", Some((Mobile, 0))),
        ("19912345678", Some((Mobile, 0))),
        ("138 1234 5678", Some((Mobile, 0))),
        ("138-1234-5678", Some((Mobile, 0))),
        ("138 1234-5678", Some((Mobile, 0))),
        ("1381234 5678", Some((Mobile, 0))),
        ("138 12345678", Some((Mobile, 0))),
        ("12812345678", None),
        ("10812345678", None),
        ("1381234567", None),
        ("138 1234 567", None),
        ("138  1234 5678", None),
        ("138 1234  5678", None),
        ("138--1234-5678", None),
        ("13 81234 5678", None),
        ("138_1234_5678", None),
        ("138.1234.5678", None),
        ("138\t1234\t5678", None),
        ("138\u{3000}1234\u{3000}5678", None), // ideographic space is not a separator
        ("138－1234－5678", None),             // full-width hyphen is not mapped
        // Mobile numbers, digits glued after.
        ("138123456789", None),
        ("138 1234 56789", None),
        ("13812345678 9", Some((Mobile, 0))),
        ("13812345678-9", Some((Mobile, 0))),
        ("13812345678X", Some((Mobile, 0))),
        // Mobile numbers, what comes before.
        ("913812345678", None),
        ("9 13812345678", Some((Mobile, 2))),
        ("+86 13812345678", Some((Mobile, 4))),
        ("+86-13812345678", Some((Mobile, 4))),
        ("+8613812345678", Some((Mobile, 3))),
        ("008613812345678", Some((Mobile, 4))),
        ("0086 13812345678", Some((Mobile, 5))),
        ("0086-13812345678", Some((Mobile, 5))),
        ("8613812345678", Some((Mobile, 2))),
        ("86 13812345678", Some((Mobile, 3))),
        ("86-13812345678", Some((Mobile, 3))),
        ("x0086 13812345678", Some((Mobile, 6))),
        ("x008613812345678", Some((Mobile, 5))),
        ("x8613812345678", Some((Mobile, 3))),
        ("电话+8613812345678", Some((Mobile, 5))),
        // A digit before the prefix: only the glued form is refused; with a separator the
        // number itself has no digit directly before it (module doc).
        ("508613812345678", None),
        ("5086 13812345678", Some((Mobile, 5))),
        ("586 13812345678", Some((Mobile, 4))),
        ("58613812345678", None),
        ("1008613812345678", None),
        ("868613812345678", None),
        ("0000861381234567", None),
        ("5+8613812345678", Some((Mobile, 4))), // the `86` alternative: `+` is not a digit
        ("8813812345678", None),
        ("08613812345678", None), // `86` has `0` before it, and `086` is no prefix
        ("00086 13812345678", Some((Mobile, 6))),
        ("0008613812345678", None),
        ("+08613812345678", None), // `+0` is not `+86` and `86` has `0` before it
        // Mobile numbers in Chinese text, at the start and end.
        ("联系电话13812345678。", Some((Mobile, 4))),
        ("联系电话：138-1234-5678，王先生", Some((Mobile, 5))),
        ("电话13812345678", Some((Mobile, 2))),
        ("13812345678号", Some((Mobile, 0))),
        // Full-width forms.
        ("１３８１２３４５６７８", Some((Mobile, 0))),
        ("＋８６ １３８１２３４５６７８", Some((Mobile, 4))),
        ("＋８６１３８１２３４５６７８", Some((Mobile, 3))),
        ("００８６１３８１２３４５６７８", Some((Mobile, 4))),
        ("１３８-1234-５６７８", Some((Mobile, 0))),
        ("９１３８１２３４５６７８", None),
        ("１３８１２３４５６７８９", None),
        ("13812345678９", None),
        ("９13812345678", None),
        // Other Unicode digits are not digits: they neither form nor glue.
        ("١٣٨١٢٣٤٥٦٧٨", None),
        ("٣13812345678", Some((Mobile, 1))),
        ("13812345678٣", Some((Mobile, 0))),
        ("𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", None),
        // Identity numbers.
        ("11010519491231002X", Some((Id, 0))),
        ("11010519491231002x", Some((Id, 0))),
        ("11010519491231002Ｘ", Some((Id, 0))),
        ("11010519491231002ｘ", None), // SPEC names `Ｘ` only
        ("１１０１０５１９４９１２３１００２Ｘ", Some((Id, 0))),
        ("身份证号11010519491231002X。", Some((Id, 4))),
        ("身份证号：11010519491231002X", Some((Id, 5))),
        ("11010519491231002X号", Some((Id, 0))),
        ("11010519491231002X ", Some((Id, 0))),
        ("11010519491231002Y", None),
        ("110105194912310021", None), // wrong check character
        ("110105194912310020", None),
        ("11010519491231002", None),
        ("911010519491231002X", None),
        ("11010519491231002X9", None),
        ("11010519491231002X9 11010519491231002X", Some((Id, 20))),
        ("９11010519491231002X", None),
        ("11010519491231002X９", None),
        ("11010519491231002XX", Some((Id, 0))), // an X is not a digit
        ("X11010519491231002X", Some((Id, 1))),
        // Not written together, so not an identity number; but `19491231002` after the space
        // is itself a mobile number (followed by X, not a digit).
        ("110105 19491231002X", Some((Mobile, 7))),
        ("110105-19491231002X", Some((Mobile, 7))),
        ("110105 29491231002X", None),
        ("1101051949123100 2X", None),
        ("٣11010519491231002X", Some((Id, 1))),
        // Empty and digit-free.
        ("", None),
        ("结对共建 联席会议 每季度一次", None),
        ("+86", None),
        ("0086-", None),
        ("X", None),
        // The first candidate fails, a later one matches.
        ("12812345678 13812345678", Some((Mobile, 12))),
        ("138123456789 13912345678", Some((Mobile, 13))),
        ("110105194912310021 11010519491231002X", Some((Id, 19))),
        ("110105194912310021，13812345678", Some((Mobile, 19))),
        ("订单1381234567 再联系13812345678", Some((Mobile, 16))),
        ("13812345678 11010519491231002X", Some((Mobile, 0))),
        ("11010519491231002X 13812345678", Some((Id, 0))),
    ];

    #[test]
    fn spec_cases() {
        for &(text, expected) in CASES {
            let found = find_personal_data_match(text).map(|m| (m.kind, m.char_offset));
            assert_eq!(found, expected, "text {text:?}");
            assert_eq!(find_personal_data(text), expected.map(|(kind, _)| kind));
            assert_eq!(reference(text), expected, "reference on {text:?}");
        }
    }

    #[test]
    fn byte_offset_is_the_number_start() {
        let text = "联系电话＋８６ 13812345678";
        let found = find_personal_data_match(text).unwrap();
        assert_eq!(&text[found.byte_offset..], "13812345678");
        assert_eq!(found.char_offset, 8);
    }

    #[test]
    fn known_valid_identity_numbers() {
        // Published examples with a correct check character, and the independent formula.
        for id in ["11010519491231002X", "440524188001010014"] {
            assert_eq!(check_char(&id[..17]), id.chars().last().unwrap());
            assert_eq!(find_personal_data(id), Some(Id), "{id}");
        }
    }

    #[test]
    fn every_check_character_is_covered() {
        // Vary the last weighted digit so the weighted sum takes every value mod 11 (its
        // weight, 2, is invertible mod 11), hitting all eleven check characters including X.
        let mut seen = std::collections::BTreeSet::new();
        for base in ["1101051949123100", "4405241880010100", "3201021990060700"] {
            for last in '0'..='9' {
                let first17 = format!("{base}{last}");
                let id = valid_id(&first17);
                seen.insert(id.chars().last().unwrap());
                assert_eq!(find_personal_data(&id), Some(Id), "{id}");
                assert_eq!(find_personal_data(&full_width(&id)), Some(Id), "{id}");
                assert_eq!(find_personal_data(&invalid_id(&first17)), None, "{first17}");
                for check in ('0'..='9').chain(['X', 'x']) {
                    let candidate = format!("{first17}{check}");
                    let valid = check.to_ascii_uppercase() == check_char(&first17);
                    let expected = valid.then_some(Id);
                    assert_eq!(find_personal_data(&candidate), expected, "{candidate}");
                }
            }
        }
        assert_eq!(seen.len(), 11, "{seen:?}");
    }

    #[test]
    fn descriptions() {
        assert_eq!(Mobile.describe_en(), "mainland mobile number");
        assert_eq!(Mobile.describe_zh(), "手机号码");
        assert_eq!(Id.describe_en(), "resident identity number");
        assert_eq!(Id.describe_zh(), "居民身份证号码");
    }

    #[test]
    fn full_width_mapping_is_exactly_the_spec_set() {
        for c in '\u{FF00}'..='\u{FFEF}' {
            let mapped = to_ascii_form(c);
            let expected = match c {
                '\u{FF10}'..='\u{FF19}' | '\u{FF0B}' | '\u{FF38}' => {
                    char::from_u32(u32::from(c) - 0xFEE0).unwrap()
                }
                _ => c,
            };
            assert_eq!(mapped, expected, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn long_text_is_scanned_linearly() {
        // 200 000 near-misses: every position starts a candidate that fails late.
        let text = "1381234567 ".repeat(20_000) + "13812345678";
        let found = find_personal_data_match(&text).unwrap();
        assert_eq!(found.char_offset, 11 * 20_000);
        let digits = "1".repeat(200_000);
        assert_eq!(find_personal_data(&digits), None);
    }

    /// A deliberately naive restatement of SPEC §4.1 over a mapped `Vec<char>`, trying each
    /// separator choice of the pattern and each prefix as a literal, to cross-check the
    /// single-pass scanner.
    fn reference(text: &str) -> Option<(PersonalDataKind, usize)> {
        let chars: Vec<char> = text.chars().map(to_ascii_form).collect();
        let digit_at =
            |i: isize| i >= 0 && (i as usize) < chars.len() && chars[i as usize].is_ascii_digit();
        let has_at = |i: isize, s: &str| {
            i >= 0
                && s.chars()
                    .enumerate()
                    .all(|(k, c)| chars.get(i as usize + k) == Some(&c))
        };
        for start in 0..chars.len() {
            let i = start as isize;
            for sep1 in [None, Some(' '), Some('-')] {
                for sep2 in [None, Some(' '), Some('-')] {
                    let mut shape = String::from("1ad");
                    shape.extend(sep1);
                    shape.push_str("dddd");
                    shape.extend(sep2);
                    shape.push_str("dddd");
                    let len = shape.chars().count() as isize;
                    let pattern = shape.chars().enumerate().all(|(k, p)| {
                        chars.get(start + k).is_some_and(|&c| match p {
                            'a' => ('3'..='9').contains(&c),
                            'd' => c.is_ascii_digit(),
                            p => c == p,
                        })
                    });
                    let before_ok = !digit_at(i - 1)
                        || ["+86", "0086", "86"].iter().any(|p| {
                            let pl = p.len() as isize;
                            [0, 1].iter().any(|sl| {
                                let sep_ok = *sl == 0
                                    || (start >= 1 && matches!(chars[start - 1], ' ' | '-'));
                                sep_ok && has_at(i - sl - pl, p) && !digit_at(i - sl - pl - 1)
                            })
                        });
                    if pattern && !digit_at(i + len) && before_ok {
                        return Some((Mobile, start));
                    }
                }
            }
            let identity = !digit_at(i - 1)
                && (0..17).all(|k| digit_at(i + k))
                && chars.get(start + 17).is_some_and(|c| {
                    let first17: String = chars[start..start + 17].iter().collect();
                    c.to_ascii_uppercase() == check_char(&first17)
                })
                && !digit_at(i + 18);
            if identity {
                return Some((Id, start));
            }
        }
        None
    }

    fn maybe_full_width(s: &str, mask: u64) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 64) & 1 == 1 {
                    full_width(&c.to_string()).chars().next().unwrap()
                } else {
                    c
                }
            })
            .collect()
    }

    /// Text that holds no digit at all: Chinese, letters, and the non-digit characters the
    /// rules look at.
    const NO_DIGIT_TEXT: &str = "[\u{4e00}-\u{9fa5}a-zA-Z +\\-xXＸｘ＋，。：]{0,40}";

    /// A prefix (with its optional separator) and a mobile number, with random separators.
    fn mobile_candidate() -> impl Strategy<Value = (String, String)> {
        (
            prop::sample::select(vec!["", "+86", "0086", "86"]),
            prop::sample::select(vec!["", " ", "-"]),
            "1[3-9][0-9]",
            prop::sample::select(vec!["", " ", "-"]),
            "[0-9]{4}",
            prop::sample::select(vec!["", " ", "-"]),
            "[0-9]{4}",
        )
            .prop_map(|(prefix, prefix_sep, head, s1, mid, s2, tail)| {
                let prefix = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}{prefix_sep}")
                };
                (prefix, format!("{head}{s1}{mid}{s2}{tail}"))
            })
    }

    proptest! {
        #[test]
        fn text_without_digits_never_matches(text in NO_DIGIT_TEXT) {
            prop_assert_eq!(find_personal_data(&text), None);
        }

        #[test]
        fn inserted_mobile_number_always_matches(
            before in NO_DIGIT_TEXT,
            (prefix, number) in mobile_candidate(),
            after in NO_DIGIT_TEXT,
            mask in any::<u64>(),
        ) {
            let prefix = maybe_full_width(&prefix, mask);
            let number = maybe_full_width(&number, mask.rotate_left(13));
            let text = format!("{before}{prefix}{number}{after}");
            let found = find_personal_data_match(&text);
            let offset = before.chars().count() + prefix.chars().count();
            prop_assert_eq!(
                found.map(|m| (m.kind, m.char_offset)),
                Some((Mobile, offset)),
                "{:?}", text
            );
        }

        #[test]
        fn inserted_identity_number_matches_iff_check_is_valid(
            before in NO_DIGIT_TEXT,
            first17 in "[0-9]{17}",
            lower_x in any::<bool>(),
            wrong in any::<bool>(),
            after in NO_DIGIT_TEXT,
            mask in any::<u64>(),
        ) {
            let id = if wrong { invalid_id(&first17) } else { valid_id(&first17) };
            let id = if lower_x { id.replace('X', "x") } else { id };
            let id = maybe_full_width(&id, mask);
            let text = format!("{before}{id}{after}");
            let expected = (!wrong).then_some((Id, before.chars().count()));
            let found = find_personal_data_match(&text).map(|m| (m.kind, m.char_offset));
            prop_assert_eq!(found, expected, "{:?}", text);
        }

        #[test]
        fn digit_glued_to_a_number_defeats_it(
            first17 in "[0-9]{17}",
            number in "1[3-9][0-9]{9}",
            glue in "[0-9]",
            glue_after in any::<bool>(),
        ) {
            let glued = |candidate: &str| {
                if glue_after {
                    format!("{candidate}{glue}")
                } else {
                    format!("{glue}{candidate}")
                }
            };
            // One digit is too short to be a prefix, so a glued mobile number never matches.
            let text = glued(&number);
            prop_assert_eq!(find_personal_data(&text), None, "{:?}", text);
            // A digit after an identity number defeats it. A digit before it can shift the
            // window so another 18-character run checks out by chance (when the last
            // character is an X), so there the reference decides.
            let text = glued(&valid_id(&first17));
            let found = find_personal_data_match(&text).map(|m| (m.kind, m.char_offset));
            prop_assert_eq!(found, reference(&text), "{:?}", text);
            if glue_after {
                prop_assert_eq!(found, None, "{:?}", text);
            }
        }

        #[test]
        fn scanner_agrees_with_reference(
            text in "[0-9０-９ \\-+＋xXＸｘ6866801１３８中]{0,60}",
        ) {
            prop_assert_eq!(
                find_personal_data_match(&text).map(|m| (m.kind, m.char_offset)),
                reference(&text),
                "{:?}", text
            );
        }

        #[test]
        fn scanner_agrees_with_reference_near_numbers(
            parts in prop::collection::vec(
                prop_oneof![
                    "1[3-9][0-9]{9}",
                    "1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}",
                    "(\\+86|0086|86)[ -]?",
                    "[0-9]{17}[0-9Xx]",
                    "[0-9]{1,3}",
                    "[ \\-a中]",
                ],
                0..8,
            ),
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(
                find_personal_data_match(&text).map(|m| (m.kind, m.char_offset)),
                reference(&text),
                "{:?}", text
            );
        }
    }
}
