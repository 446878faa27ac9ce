//! Decimal numbers as C2SP writes them in paths and proofs: ASCII digits, no sign, no leading
//! zeros (`0` itself is fine), so each number has exactly one spelling.

/// Parses a C2SP decimal; `None` for anything else, including values above `u64::MAX`.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let digits_only = !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits_only || leading_zero {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_decimal;

    #[test]
    fn one_spelling_per_number() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("255"), Some(255));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "00",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "18446744073709551616",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
