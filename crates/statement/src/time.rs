//! Calendar dates and instants as SPEC §1 writes them: `Date` is `"YYYY-MM-DD"` (a date in
//! China Standard Time, UTC+8) and `Timestamp` is RFC 3339 in UTC with `Z`.
//!
//! Written by hand rather than with `jiff` or `time`: SPEC §1 admits a small, strict subset of
//! RFC 3339 (upper-case `T` and `Z` only, no offsets, no fraction or exactly 3 digits, no leap
//! second), which general parsers accept far more liberally; what remains is the well-known
//! days-from-civil conversion (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"),
//! which is a dozen lines and tested below against leap years, 1900/2000 and month lengths.
//! This module reads no clock (the statement crate does no I/O and reads no clock).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::InvalidValue;

/// Milliseconds in one day.
const DAY_MS: i64 = 86_400_000;
/// China Standard Time is UTC+8 (SPEC §1: dates are calendar dates in UTC+8).
const CST_OFFSET_MS: i64 = 8 * 3_600_000;
/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_SHIFT_DAYS: i64 = 719_468;
/// Days in a 400-year Gregorian era.
const ERA_DAYS: i64 = 146_097;
/// Years have four digits (SPEC §1 `YYYY`), so dates run from 0000-01-01 to 9999-12-31.
const YEAR_MAX: u16 = 9999;

/// A calendar date (SPEC §1: `"YYYY-MM-DD"`, a real date of the proleptic Gregorian
/// calendar, years 0000–9999). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived `Ord` is chronological.
    year: u16,
    month: u8,
    day: u8,
}

/// Whether `year` is a Gregorian leap year (divisible by 4, except centuries not divisible
/// by 400: 1900 is not, 2000 is).
pub fn is_leap_year(year: u16) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid civil date (days-from-civil; March-based years put the
/// leap day last, so the day of year is a linear function of the month).
fn days_from_civil(year: u16, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * ERA_DAYS + day_of_era - EPOCH_SHIFT_DAYS
}

/// The civil date of a day count since 1970-01-01 (inverse of [`days_from_civil`]), as
/// `(year, month, day)` with an unbounded year.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + EPOCH_SHIFT_DAYS;
    let era = z.div_euclid(ERA_DAYS);
    let day_of_era = z - era * ERA_DAYS;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (year, month as u8, day as u8)
}

/// Parses exactly `n` ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

fn date_error() -> InvalidValue {
    InvalidValue::new(
        "must be a calendar date written YYYY-MM-DD",
        "应为 YYYY-MM-DD 格式的有效日期",
    )
}

impl Date {
    /// The first representable date, 0000-01-01.
    pub const MIN: Date = Date {
        year: 0,
        month: 1,
        day: 1,
    };
    /// The last representable date, 9999-12-31.
    pub const MAX: Date = Date {
        year: YEAR_MAX,
        month: 12,
        day: 31,
    };

    /// The date `year-month-day`, if it exists in the calendar and `year` ≤ 9999.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        (year <= YEAR_MAX && day >= 1 && day <= days_in_month(year, month)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// Parses `YYYY-MM-DD` strictly: ten ASCII characters, a date that exists.
    pub fn parse(s: &str) -> Result<Date, InvalidValue> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(date_error());
        }
        let (Some(year), Some(month), Some(day)) =
            (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
        else {
            return Err(date_error());
        };
        // year < 10000, month and day < 100 after the digit checks above.
        Date::from_ymd(year as u16, month as u8, day as u8).ok_or_else(|| {
            InvalidValue::new(
                "is not a date of the calendar (month 01–12, day within the month)",
                "不是有效的日历日期（月份 01–12，日期不超过当月天数）",
            )
        })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The date `days` days after 1970-01-01, if within 0000-01-01..=9999-12-31.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let (year, month, day) = civil_from_days(days);
        let year = u16::try_from(year).ok()?;
        Date::from_ymd(year, month, day)
    }

    /// The date `days` days later (earlier when negative), if representable.
    pub fn checked_add_days(self, days: i64) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch().checked_add(days)?)
    }

    /// The date `days` days later (earlier when negative), saturating at [`Date::MIN`] and
    /// [`Date::MAX`]: projections compute windows such as "due within 30 days" and must not
    /// fail on a far-off date.
    pub fn add_days(self, days: i64) -> Date {
        self.checked_add_days(days)
            .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Date::parse(s)
    }
}

impl TryFrom<String> for Date {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Date::parse(&s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Date::parse(&s).map_err(|e| e.into_serde())
    }
}

impl JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // `format: date` is RFC 3339 full-date, which also checks the day of the month for
        // validators that assert formats; the pattern holds for those that do not.
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
        })
    }
}

/// How many fraction digits a timestamp was written with (SPEC §1: none or exactly 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// `2025-03-01T10:00:00Z`
    Seconds,
    /// `2025-03-01T10:00:00.123Z`
    Millis,
}

/// An instant, RFC 3339 in UTC with `Z` (SPEC §1), held as unix milliseconds together with
/// the precision it was written in.
///
/// The precision is kept because statements are signed as canonical bytes: a statement's
/// `time` must serialize back to exactly the text it was read from (`…:00Z` and `…:00.000Z`
/// are the same instant but different bytes). Equality, order and hashing compare the instant
/// only.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    unix_ms: i64,
    precision: Precision,
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.unix_ms == other.unix_ms
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.unix_ms.cmp(&other.unix_ms)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.unix_ms.hash(state);
    }
}

fn timestamp_error() -> InvalidValue {
    InvalidValue::new(
        "must be an RFC 3339 time in UTC written YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.sssZ",
        "应为 UTC 时间，格式为 YYYY-MM-DDTHH:MM:SSZ 或 YYYY-MM-DDTHH:MM:SS.sssZ",
    )
}

impl Timestamp {
    /// The first representable instant, 0000-01-01T00:00:00.000Z.
    pub const MIN_UNIX_MS: i64 = -62_167_219_200_000;
    /// The last representable instant, 9999-12-31T23:59:59.999Z.
    pub const MAX_UNIX_MS: i64 = 253_402_300_799_999;

    /// Parses a statement `time`: `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ`
    /// (SPEC §1). Upper-case `T` and `Z` only; no other offset, no leap second (`:60`), no
    /// `24:00:00`, and no fraction of 1, 2 or more than 3 digits.
    pub fn parse(s: &str) -> Result<Timestamp, InvalidValue> {
        let b = s.as_bytes();
        if !s.is_ascii() || b.len() < 20 {
            return Err(timestamp_error());
        }
        if b[b.len() - 1] != b'Z' {
            return Err(InvalidValue::new(
                "must be in UTC and end with an upper-case `Z` (no other offset)",
                "必须是 UTC 时间并以大写 Z 结尾（不接受其他时区偏移）",
            ));
        }
        let precision = match b.len() {
            20 => Precision::Seconds,
            24 if b[19] == b'.' => Precision::Millis,
            _ if b[19] == b'.' => {
                return Err(InvalidValue::new(
                    "must have no fraction of a second or exactly 3 fractional digits",
                    "秒的小数部分必须省略或恰好为 3 位",
                ))
            }
            _ => return Err(timestamp_error()),
        };
        let date = Date::parse(&s[0..10])?;
        if b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(timestamp_error());
        }
        let (Some(hour), Some(minute), Some(second)) =
            (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19]))
        else {
            return Err(timestamp_error());
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(InvalidValue::new(
                "has a time of day out of range (hours 00–23, minutes and seconds 00–59)",
                "时刻超出范围（时 00–23，分、秒 00–59）",
            ));
        }
        let millis = match precision {
            Precision::Seconds => 0,
            Precision::Millis => digits(&b[20..23]).ok_or_else(timestamp_error)?,
        };
        let unix_ms = date.days_since_epoch() * DAY_MS
            + i64::from(hour * 3600 + minute * 60 + second) * 1000
            + i64::from(millis);
        Ok(Timestamp { unix_ms, precision })
    }

    /// Parses an `accepted_at`, which always has exactly 3 fractional digits (SPEC §1).
    pub fn parse_millis(s: &str) -> Result<Timestamp, InvalidValue> {
        let t = Timestamp::parse(s)?;
        if t.precision != Precision::Millis {
            return Err(InvalidValue::new(
                "must have exactly 3 fractional digits",
                "秒的小数部分必须恰好为 3 位",
            ));
        }
        Ok(t)
    }

    /// The instant `unix_ms` milliseconds after 1970-01-01T00:00:00Z, written with
    /// milliseconds; `None` outside years 0000–9999.
    pub fn from_unix_millis(unix_ms: i64) -> Option<Timestamp> {
        (Self::MIN_UNIX_MS..=Self::MAX_UNIX_MS)
            .contains(&unix_ms)
            .then_some(Timestamp {
                unix_ms,
                precision: Precision::Millis,
            })
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(&self) -> i64 {
        self.unix_ms
    }

    /// The precision this timestamp was written in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// `|self − other|` in milliseconds (SPEC §3 clock skew).
    pub fn abs_diff_millis(&self, other: &Timestamp) -> u64 {
        self.unix_ms.abs_diff(other.unix_ms)
    }

    /// The calendar date of this instant in UTC+8 (SPEC §1: the date of an entry is its
    /// `accepted_at` in UTC+8). Saturates at 9999-12-31 for the last eight hours of year 9999,
    /// which have no four-digit date in UTC+8.
    pub fn date_cst(&self) -> Date {
        let days = (self.unix_ms + CST_OFFSET_MS).div_euclid(DAY_MS);
        Date::from_days_since_epoch(days).unwrap_or(Date::MAX)
    }

    /// The calendar date of this instant in UTC.
    fn date_utc(&self) -> Date {
        // In range by construction (MIN_UNIX_MS..=MAX_UNIX_MS).
        Date::from_days_since_epoch(self.unix_ms.div_euclid(DAY_MS)).unwrap_or(Date::MAX)
    }

    fn write(&self, f: &mut impl fmt::Write, precision: Precision) -> fmt::Result {
        let ms_of_day = self.unix_ms.rem_euclid(DAY_MS);
        let (hour, minute, second, millis) = (
            ms_of_day / 3_600_000,
            ms_of_day / 60_000 % 60,
            ms_of_day / 1000 % 60,
            ms_of_day % 1000,
        );
        write!(f, "{}T{hour:02}:{minute:02}:{second:02}", self.date_utc())?;
        if precision == Precision::Millis {
            write!(f, ".{millis:03}")?;
        }
        f.write_char('Z')
    }

    /// Always with exactly 3 fractional digits, as `accepted_at` is written (SPEC §1, §5).
    pub fn format_millis(&self) -> String {
        let mut s = String::with_capacity(24);
        // Writing into a String cannot fail.
        let _ = self.write(&mut s, Precision::Millis);
        s
    }
}

impl fmt::Display for Timestamp {
    /// In the precision it was written in, so a parsed `time` prints back byte for byte. A
    /// `Seconds` timestamp always holds whole seconds (it comes from parsing).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, self.precision)
    }
}

impl FromStr for Timestamp {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Timestamp::parse(s)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Timestamp::parse(&s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Timestamp::parse(&s).map_err(|e| e.into_serde())
    }
}

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{3})?Z$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect(s)
    }

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2100));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(2025));
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2025-02-28").is_ok());
    }

    #[test]
    fn month_lengths() {
        for (month, len) in [
            (1, 31),
            (3, 31),
            (4, 30),
            (5, 31),
            (6, 30),
            (7, 31),
            (8, 31),
            (9, 30),
            (10, 31),
            (11, 30),
            (12, 31),
        ] {
            assert!(Date::from_ymd(2025, month, len).is_some());
            assert!(Date::from_ymd(2025, month, len + 1).is_none());
        }
        for bad in [
            "2025-00-10",
            "2025-13-01",
            "2025-04-31",
            "2025-01-00",
            "2025-1-01",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn date_syntax_is_strict() {
        for bad in [
            "",
            "2025-03-1",
            "2025/03/01",
            "2025-03-01 ",
            " 2025-03-01",
            "+025-03-01",
            "2025-03-01T00:00:00Z",
            "２０２５-03-01",
            "20250301",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_since_epoch_matches_known_values() {
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("1969-12-31").days_since_epoch(), -1);
        assert_eq!(d("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(d("2025-03-01").days_since_epoch(), 20_148);
        assert_eq!(d("0000-01-01").days_since_epoch(), -719_528);
        assert_eq!(d("9999-12-31").days_since_epoch(), 2_932_896);
    }

    #[test]
    fn days_round_trip_over_a_long_range() {
        let mut date = Date::MIN;
        let mut days = date.days_since_epoch();
        while date < Date::MAX {
            let next = date.checked_add_days(1).expect("next day");
            days += 1;
            assert_eq!(next.days_since_epoch(), days);
            assert!(next > date);
            assert_eq!(Date::from_days_since_epoch(days), Some(next));
            date = next;
        }
        assert_eq!(date, Date::MAX);
        assert_eq!(Date::MAX.checked_add_days(1), None);
        assert_eq!(Date::MIN.checked_add_days(-1), None);
        assert_eq!(Date::MAX.add_days(1), Date::MAX);
    }

    #[test]
    fn add_days_crosses_months_and_leap_days() {
        assert_eq!(d("2024-02-28").add_days(1), d("2024-02-29"));
        assert_eq!(d("2025-02-28").add_days(1), d("2025-03-01"));
        assert_eq!(d("1900-02-28").add_days(1), d("1900-03-01"));
        assert_eq!(d("2000-02-28").add_days(1), d("2000-02-29"));
        assert_eq!(d("2025-12-31").add_days(1), d("2026-01-01"));
        assert_eq!(d("2025-03-01").add_days(-1), d("2025-02-28"));
        assert_eq!(d("2025-03-01").add_days(30), d("2025-03-31"));
        assert_eq!(d("2025-03-01").to_string(), "2025-03-01");
    }

    #[test]
    fn timestamps_parse_both_precisions_and_print_back_exactly() {
        for s in [
            "2025-03-01T10:00:00Z",
            "2025-03-01T10:00:00.000Z",
            "2025-03-01T10:00:01.123Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T23:59:59Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            let t = Timestamp::parse(s).expect(s);
            assert_eq!(t.to_string(), s);
        }
        let t = Timestamp::parse("2025-03-01T10:00:01.123Z").expect("valid");
        assert_eq!(t.unix_millis(), 1_740_823_201_123);
        assert_eq!(t.format_millis(), "2025-03-01T10:00:01.123Z");
        let whole = Timestamp::parse("2025-03-01T10:00:00Z").expect("valid");
        assert_eq!(whole.format_millis(), "2025-03-01T10:00:00.000Z");
        assert_eq!(
            whole,
            Timestamp::parse("2025-03-01T10:00:00.000Z").expect("valid")
        );
        assert_eq!(
            Timestamp::from_unix_millis(-1).map(|t| t.to_string()),
            Some("1969-12-31T23:59:59.999Z".to_string())
        );
        assert_eq!(
            Timestamp::from_unix_millis(Timestamp::MIN_UNIX_MS).map(|t| t.to_string()),
            Some("0000-01-01T00:00:00.000Z".to_string())
        );
        assert_eq!(
            Timestamp::from_unix_millis(Timestamp::MAX_UNIX_MS + 1),
            None
        );
        assert_eq!(
            Timestamp::from_unix_millis(Timestamp::MIN_UNIX_MS - 1),
            None
        );
    }

    #[test]
    fn timestamps_outside_the_spec_subset_are_rejected() {
        for bad in [
            "2025-03-01T24:00:00Z",
            "2025-03-01T23:60:00Z",
            "2025-03-01T23:59:60Z",
            "2025-03-01T10:00:00z",
            "2025-03-01t10:00:00Z",
            "2025-03-01 10:00:00Z",
            "2025-03-01T10:00:00+08:00",
            "2025-03-01T10:00:00+00:00",
            "2025-03-01T10:00:00-00:00",
            "2025-03-01T10:00:00",
            "2025-03-01T10:00:00.1Z",
            "2025-03-01T10:00:00.12Z",
            "2025-03-01T10:00:00.1234Z",
            "2025-03-01T10:00:00.123456Z",
            "2025-03-01T10:00:00.Z",
            "2025-03-01T10:00:00.12aZ",
            "2025-02-29T10:00:00Z",
            "2025-03-01T1:00:00Z",
            "2025-03-01T10:00Z",
            "２025-03-01T10:00:00Z",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse_millis("2025-03-01T10:00:00Z").is_err());
        assert!(Timestamp::parse_millis("2025-03-01T10:00:00.000Z").is_ok());
    }

    #[test]
    fn date_in_china_standard_time() {
        let t = |s: &str| Timestamp::parse(s).expect(s);
        assert_eq!(t("2025-03-01T15:59:59.999Z").date_cst(), d("2025-03-01"));
        assert_eq!(t("2025-03-01T16:00:00.000Z").date_cst(), d("2025-03-02"));
        assert_eq!(t("2024-12-31T16:00:00Z").date_cst(), d("2025-01-01"));
        assert_eq!(t("1969-12-31T15:59:59Z").date_cst(), d("1969-12-31"));
        assert_eq!(t("1969-12-31T16:00:00Z").date_cst(), d("1970-01-01"));
        assert_eq!(t("9999-12-31T23:59:59Z").date_cst(), Date::MAX);
    }
}
