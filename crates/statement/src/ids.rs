//! Validated values of SPEC §1 and §4.1: identifiers, regions, digests, keys, text, numbers,
//! enumerations and periods.
//!
//! Each type can only hold a value that SPEC allows, so code that has one never re-checks it.
//! Each deserializes from its JSON form through its `TryFrom`/`parse` check (so serde errors
//! carry the member path, which becomes the `pointer` of a `schema` rejection, SPEC §4.2) and
//! describes itself to schemars with the same constraint (`pattern`, lengths, bounds), so the
//! published JSON Schemas (`schemas/<type>.json`) and the Rust checks say the same thing.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

use crate::time::Date;

/// Separates the English and the Chinese explanation inside a serde error message, so that
/// `parse_statement` can give both in its rejection (serde errors carry one string only).
/// A control character never occurs in our own explanations.
pub(crate) const ZH_SEPARATOR: char = '\u{1F}';

/// Splits the message of a serde error raised by one of this module's types into its English
/// and, when present, Chinese explanation. Crates that deserialize these types with serde
/// (query parameters, say) use it to show a clean message.
pub fn split_message(message: &str) -> (&str, Option<&str>) {
    match message.split_once(ZH_SEPARATOR) {
        Some((en, zh)) => (en, Some(zh)),
        None => (message, None),
    }
}

/// Why a value is not one SPEC allows, in English and in Chinese. Neither text repeats the
/// value (it may be long) nor names the member (the caller knows the pointer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct InvalidValue {
    pub en: Cow<'static, str>,
    pub zh: Cow<'static, str>,
}

impl InvalidValue {
    pub fn new(en: impl Into<Cow<'static, str>>, zh: impl Into<Cow<'static, str>>) -> Self {
        InvalidValue {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// As a serde error whose message carries both languages (see [`ZH_SEPARATOR`]).
    pub(crate) fn into_serde<E: de::Error>(self) -> E {
        E::custom(format_args!("{}{}{}", self.en, ZH_SEPARATOR, self.zh))
    }
}

/// Implements the string plumbing of a validated `String` newtype whose check is
/// `fn check(&str) -> Result<(), InvalidValue>` and whose JSON Schema is `$schema`.
macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident, $check:path, $schema:tt) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks `s` and wraps it.
            pub fn new(s: impl Into<String>) -> Result<Self, InvalidValue> {
                let s = s.into();
                $check(&s)?;
                Ok($name(s))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                $name::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidValue;
            fn try_from(s: &str) -> Result<Self, InvalidValue> {
                $name::new(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::try_from(String::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
            }
        }

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Identifiers (SPEC §1)

/// Shortest id: a first and last character and at least one in between (SPEC §1 pattern).
pub const ID_LEN_MIN: usize = 3;
/// Longest id: 1 + 62 + 1 characters (SPEC §1 pattern).
pub const ID_LEN_MAX: usize = 64;

/// SPEC §1: `^[a-z0-9][a-z0-9.-]{1,62}[a-z0-9]$`.
fn check_id(s: &str) -> Result<(), InvalidValue> {
    let b = s.as_bytes();
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let inner = |c: &u8| end(c) || *c == b'.' || *c == b'-';
    let ok = (ID_LEN_MIN..=ID_LEN_MAX).contains(&b.len())
        && b.first().is_some_and(end)
        && b.last().is_some_and(end)
        && b.iter().all(inner);
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(
            "must be an id of 3 to 64 characters from a-z, 0-9, `.` and `-` that begins and ends with a letter or digit",
            "应为 3 至 64 个字符的编号，只含小写字母、数字、“.”和“-”，且以字母或数字开头和结尾",
        ))
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        string_type!(
            $(#[$doc])*
            $name,
            check_id,
            {
                "type": "string",
                "minLength": ID_LEN_MIN,
                "maxLength": ID_LEN_MAX,
                "pattern": "^[a-z0-9][a-z0-9.-]{1,62}[a-z0-9]$"
            }
        );
    };
}

id_type!(
    /// An organization id (SPEC §1), e.g. `js.lyg.fgw`, `js.lyg.v.nanxin`. Chosen by the
    /// registering authority and never reused.
    OrgId
);
id_type!(
    /// An agreement id (SPEC §1): the org id pattern, unique among agreements.
    AgreementId
);
id_type!(
    /// A result id (SPEC §1): the org id pattern, unique among results.
    ResultId
);
id_type!(
    /// A card (黄牌/红牌) id (SPEC §1): the org id pattern, unique among cards.
    CardId
);
id_type!(
    /// A need (群众点单) id (SPEC §1): the org id pattern, unique among needs.
    NeedId
);
id_type!(
    /// An obligation id (SPEC §1): the org id pattern, unique within its agreement.
    ObligationId
);

// ---------------------------------------------------------------------------------------------
// Regions (SPEC §1)

fn check_region(s: &str) -> Result<(), InvalidValue> {
    if s.len() == 6 && s.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InvalidValue::new(
            "must be a six-digit administrative division code (GB/T 2260)",
            "应为六位数字的行政区划代码（GB/T 2260）",
        ))
    }
}

string_type!(
    /// A GB/T 2260 administrative division code, six digits (SPEC §1): `320700` = 连云港市,
    /// `320000` = 江苏省, `000000` = the nation. Codes are not checked against a table.
    Region,
    check_region,
    { "type": "string", "pattern": "^[0-9]{6}$" }
);

impl Region {
    /// The nation, `000000`.
    pub fn nation() -> Region {
        Region("000000".to_string())
    }

    /// The code with trailing `00` pairs stripped (SPEC §1): `320000` → `32`, `320700` →
    /// `3207`, `320706` → `320706`, `000000` → empty.
    pub fn significant_prefix(&self) -> &str {
        let mut s = self.0.as_str();
        while let Some(rest) = s.strip_suffix("00") {
            s = rest;
        }
        s
    }

    /// Whether this region contains `other` (SPEC §1): `other` starts with this region's
    /// significant prefix. Every region contains itself; the nation contains all.
    pub fn contains(&self, other: &Region) -> bool {
        other.0.starts_with(self.significant_prefix())
    }

    /// Whether this region is a province: it ends in `0000` (SPEC §1). By that rule the
    /// nation `000000` is one too.
    pub fn is_province(&self) -> bool {
        self.0.ends_with("0000")
    }

    /// Whether this is the nation, `000000`.
    pub fn is_nation(&self) -> bool {
        self.0 == "000000"
    }

    /// The province of this region: its first two digits and `0000` (for aggregates, SPEC §6).
    pub fn province(&self) -> Region {
        Region(format!("{}0000", &self.0[..2]))
    }

    /// The city (prefecture) of this region: its first four digits and `00`.
    pub fn city(&self) -> Region {
        Region(format!("{}00", &self.0[..4]))
    }
}

// ---------------------------------------------------------------------------------------------
// Log origin and checkpoint verifier key (SPEC §5, C2SP signed-note)

/// Longest log origin we accept. C2SP sets no limit; a checkpoint's first line should stay
/// short, and 255 is the usual bound of a host name.
pub const ORIGIN_LEN_MAX: usize = 255;

/// Whether `c` may appear in a signed-note key name: C2SP signed-note excludes Unicode
/// whitespace and `+`; we also exclude control characters and U+FEFF (invisible).
fn key_name_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || c == '+' || c == '\u{FEFF}')
}

/// The same set as [`key_name_char`], as an ECMA-262 character class for `pattern`.
macro_rules! key_name_class {
    () => {
        "[^\\s+\\u0000-\\u001f\\u007f-\\u009f\\ufeff]"
    };
}

fn check_key_name(s: &str) -> Result<(), InvalidValue> {
    let len = s.chars().count();
    if (1..=ORIGIN_LEN_MAX).contains(&len) && s.chars().all(key_name_char) {
        Ok(())
    } else {
        Err(InvalidValue::new(
            "must be a log origin of 1 to 255 characters without spaces, control characters or `+`",
            "应为 1 至 255 个字符的账本名称，不得含空白、控制字符或“+”",
        ))
    }
}

string_type!(
    /// A log's origin (SPEC §5), e.g. `pairings.example.gov.cn/jiangsu`: the first line of its
    /// checkpoints and the name of its checkpoint key, so a valid C2SP signed-note key name.
    LogOrigin,
    check_key_name,
    {
        "type": "string",
        "minLength": 1,
        "maxLength": ORIGIN_LEN_MAX,
        "pattern": concat!("^", key_name_class!(), "+$")
    }
);

/// The C2SP signed-note key hash of an Ed25519 key: the first 4 bytes of
/// `SHA-256(name || "\n" || 0x01 || public key)` (SPEC §5).
pub fn checkpoint_key_hash(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(public_key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The parts of a verifier key string, if it is well formed and its key hash is right.
fn parse_verifier_key(s: &str) -> Option<(&str, [u8; 4], [u8; 32])> {
    let (name, rest) = s.split_once('+')?;
    let (hash_hex, key_b64) = rest.split_once('+')?;
    check_key_name(name).ok()?;
    if hash_hex.len() != 8
        || !hash_hex
            .bytes()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let mut hash = [0u8; 4];
    hex::decode_to_slice(hash_hex, &mut hash).ok()?;
    // 33 bytes are exactly 44 base64 characters: no padding, no spare bits.
    if key_b64.len() != 44 {
        return None;
    }
    let data = BASE64.decode(key_b64).ok()?;
    let (&alg, key) = data.split_first()?;
    let key: [u8; 32] = key.try_into().ok()?;
    // 0x01 is the signed-note algorithm byte of Ed25519.
    (alg == 0x01 && checkpoint_key_hash(name, &key) == hash).then_some((name, hash, key))
}

fn check_verifier_key(s: &str) -> Result<(), InvalidValue> {
    parse_verifier_key(s).map(|_| ()).ok_or_else(|| {
        InvalidValue::new(
            "must be a C2SP Ed25519 verifier key `<name>+<8 hex digits>+<base64 of 0x01 and 32 key bytes>` whose key hash matches",
            "应为 C2SP Ed25519 验证密钥字符串“名称+8 位十六进制+base64(0x01 与 32 字节公钥)”，且密钥哈希正确",
        )
    })
}

string_type!(
    /// The log's checkpoint verifier key (SPEC §5): the C2SP signed-note verifier key string
    /// `<name>+<hex key hash>+<base64(0x01 || public key)>`, with a correct key hash.
    VerifierKey,
    check_verifier_key,
    {
        "type": "string",
        "pattern": concat!("^", key_name_class!(), "{1,255}\\+[0-9a-f]{8}\\+A[Q-Za-f][A-Za-z0-9+/]{42}$")
    }
);

impl VerifierKey {
    /// The key name (SPEC §5: the log's origin).
    pub fn name(&self) -> &str {
        self.parts().0
    }

    /// The 4-byte key hash.
    pub fn key_hash(&self) -> [u8; 4] {
        self.parts().1
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.parts().2
    }

    fn parts(&self) -> (&str, [u8; 4], [u8; 32]) {
        // Checked when constructed; the fallback is unreachable.
        parse_verifier_key(&self.0).unwrap_or(("", [0; 4], [0; 32]))
    }

    /// The verifier key string for `public_key` under `name`.
    pub fn from_parts(name: &str, public_key: &[u8; 32]) -> Result<VerifierKey, InvalidValue> {
        let mut data = Vec::with_capacity(33);
        data.push(0x01);
        data.extend_from_slice(public_key);
        VerifierKey::new(format!(
            "{name}+{}+{}",
            hex::encode(checkpoint_key_hash(name, public_key)),
            BASE64.encode(data)
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Media types and metrics (SPEC §4.1)

/// RFC 6838 `restricted-name`: 1–127 characters, first alphanumeric. SPEC §4.1 asks for
/// lower case; parameters (`; charset=…`) are not part of `type/subtype` and are refused.
fn restricted_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=127).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"!#$&^_.+-".contains(c))
}

fn check_media_type(s: &str) -> Result<(), InvalidValue> {
    match s.split_once('/') {
        Some((t, sub)) if restricted_name(t) && restricted_name(sub) => Ok(()),
        _ => Err(InvalidValue::new(
            "must be a lower-case media type `type/subtype` without parameters",
            "应为小写的媒体类型“type/subtype”，不带参数",
        )),
    }
}

string_type!(
    /// An evidence media type, `type/subtype` in lower case (SPEC §4.1), e.g. `image/jpeg`,
    /// `application/pdf`.
    MediaType,
    check_media_type,
    {
        "type": "string",
        "maxLength": 255,
        "pattern": "^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$"
    }
);

/// Implements a closed set of wire names: serde, schemars (`enum`), `as_str`, `ALL`, the
/// Chinese label the dashboard shows, `Display` and `FromStr`.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal, $zh:literal;)+ }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
        )]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in SPEC order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The Chinese name (SPEC §3, §4.1).
            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    InvalidValue::new(
                        concat!("must be one of: ", $($wire, " ",)+),
                        concat!("取值应为以下之一：", $($wire, " ",)+),
                    )
                })
            }
        }
    };
}

wire_enum!(
    /// The standard metric keys of SPEC §4.1 (label: what is counted, and its unit).
    StandardMetric {
        Visits = "visits", "走访调研(人次)";
        ProblemsSolved = "problems_solved", "协调解决问题(个)";
        Suggestions = "suggestions", "收集意见建议(条)";
        Projects = "projects", "项目(个)";
        FundsCny = "funds_cny", "资金(元)";
        VolunteerHours = "volunteer_hours", "志愿服务(小时)";
        Trainings = "trainings", "培训(场次)";
        Meetings = "meetings", "联席会议(次)";
        Jobs = "jobs", "就业岗位(个)";
        CollectiveIncomeCny = "collective_income_cny", "村集体增收(元)";
        Beneficiaries = "beneficiaries", "受益群众(人)";
    }
);

/// Longest custom metric key: `x-`, a letter and up to 31 more (SPEC §4.1).
pub const CUSTOM_METRIC_LEN_MAX: usize = 34;

fn check_metric_key(s: &str) -> Result<(), InvalidValue> {
    let custom = |s: &str| {
        let b = s.as_bytes();
        b.len() <= CUSTOM_METRIC_LEN_MAX
            && b.starts_with(b"x-")
            && b.get(2).is_some_and(u8::is_ascii_lowercase)
            && b[2..]
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
    };
    if s.parse::<StandardMetric>().is_ok() || custom(s) {
        Ok(())
    } else {
        Err(InvalidValue::new(
            "must be a standard metric key (visits, problems_solved, suggestions, projects, funds_cny, volunteer_hours, trainings, meetings, jobs, collective_income_cny, beneficiaries) or a custom key `x-` followed by a lower-case letter and up to 31 of a-z, 0-9, `_`, `-`",
            "应为标准指标名（visits、problems_solved 等）或以“x-”开头、后接小写字母及至多 31 个小写字母、数字、“_”或“-”的自定义指标名",
        ))
    }
}

string_type!(
    /// A metric key (SPEC §4.1): a standard key or a custom one matching
    /// `^x-[a-z][a-z0-9_-]{0,31}$`.
    MetricKey,
    check_metric_key,
    {
        "type": "string",
        "pattern": "^(visits|problems_solved|suggestions|projects|funds_cny|volunteer_hours|trainings|meetings|jobs|collective_income_cny|beneficiaries|x-[a-z][a-z0-9_-]{0,31})$"
    }
);

impl MetricKey {
    /// The standard metric this key names, or `None` for a custom (`x-…`) key.
    pub fn standard(&self) -> Option<StandardMetric> {
        self.0.parse().ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Digests and keys (SPEC §1)

/// Implements a 32-byte value written as 64 lower-case hex digits.
macro_rules! hex32_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; 32]);

        impl $name {
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }

            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            pub fn to_bytes(self) -> [u8; 32] {
                self.0
            }

            /// Parses exactly 64 lower-case hex digits (SPEC §1); upper case is refused so
            /// that each value has one spelling.
            pub fn parse(s: &str) -> Result<Self, InvalidValue> {
                let mut bytes = [0u8; 32];
                let lower_hex = s.len() == 64
                    && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    && hex::decode_to_slice(s, &mut bytes).is_ok();
                if lower_hex {
                    Ok($name(bytes))
                } else {
                    Err(InvalidValue::new(
                        "must be a SHA-256 digest written as 64 lower-case hex digits",
                        "应为 64 位小写十六进制的 SHA-256 摘要",
                    ))
                }
            }
        }

        impl From<[u8; 32]> for $name {
            fn from(bytes: [u8; 32]) -> Self {
                $name(bytes)
            }
        }

        impl From<$name> for [u8; 32] {
            fn from(v: $name) -> [u8; 32] {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                $name::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(s: String) -> Result<Self, InvalidValue> {
                $name::parse(&s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::try_from(String::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
            }
        }

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "pattern": "^[0-9a-f]{64}$" })
            }
        }
    };
}

hex32_type!(
    /// A statement id: `hex(SHA-256(canonical bytes))` (SPEC §2).
    StatementId
);
hex32_type!(
    /// The SHA-256 digest of an evidence document (SPEC §4.1); documents stay with the parties.
    Sha256Hex
);

/// An Ed25519 public key as it appears inside a body (SPEC §1): 32 bytes in standard base64
/// with padding, 44 characters, in its one canonical form (the spare low bits of the last
/// character zero). A malformed key in a body is `schema` (rule 7). Whether the bytes are a
/// usable curve point is not checked here: SPEC §1 asks only for the encoding, and strict
/// verification refuses signatures by a weak key anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PublicKey(bytes)
    }

    pub fn as_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Parses the 44-character canonical base64 form.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let decoded = (s.len() == 44)
            .then(|| BASE64.decode(s).ok())
            .flatten()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            // The engine refuses non-zero spare bits; re-encoding makes the one-spelling
            // rule explicit.
            .filter(|bytes| BASE64.encode(bytes) == s);
        decoded.map(PublicKey).ok_or_else(|| {
            InvalidValue::new(
                "must be an Ed25519 public key: 32 bytes in standard base64 with padding (44 characters, canonical)",
                "应为 Ed25519 公钥：32 字节的标准 base64 编码（含填充，44 个字符，规范形式）",
            )
        })
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&BASE64.encode(self.0))
    }
}

impl FromStr for PublicKey {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        PublicKey::parse(s)
    }
}

impl TryFrom<String> for PublicKey {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        PublicKey::parse(&s)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        PublicKey::try_from(String::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
    }
}

impl JsonSchema for PublicKey {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "PublicKey".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // 32 bytes = 256 bits: 42 full characters, then one carrying 4 bits and 2 zero bits
        // (so one of AEIMQUYcgkosw048 when canonical), then one `=`.
        json_schema!({
            "type": "string",
            "minLength": 44,
            "maxLength": 44,
            "pattern": "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Text (SPEC §1)

/// Longest `name` in characters (SPEC §1).
pub const NAME_CHARS_MAX: usize = 100;
/// Longest `title` and each goal in characters (SPEC §1).
pub const TITLE_CHARS_MAX: usize = 200;
/// Longest `summary`, `reason` and `comment` in characters (SPEC §1).
pub const SUMMARY_CHARS_MAX: usize = 2000;
/// Longest `description` in characters (SPEC §1).
pub const DESCRIPTION_CHARS_MAX: usize = 4000;

/// Free text of at most `MAX` characters (Unicode scalar values, SPEC §1), with no control
/// character U+0000–U+001F or U+007F, except `\n` when `MULTILINE` (SPEC §1: `description`,
/// `summary`, `comment`, `reason`). No Unicode normalization is applied.
///
/// Text is never empty: SPEC does not say, but every text member is either required (an empty
/// `name`, `title`, `reason` or `comment` says nothing, and a statement is public record) or
/// an element of `goals`, where an empty goal is noise. So `minLength` is 1 everywhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<const MAX: usize, const MULTILINE: bool>(String);

/// An org name, ≤ 100 characters, one line.
pub type Name = Text<NAME_CHARS_MAX, false>;
/// A title (agreement, obligation, need), ≤ 200 characters, one line.
pub type Title = Text<TITLE_CHARS_MAX, false>;
/// One goal of an agreement, ≤ 200 characters, one line.
pub type Goal = Text<TITLE_CHARS_MAX, false>;
/// A summary of a result or fulfilled need, ≤ 2000 characters, may have line breaks.
pub type Summary = Text<SUMMARY_CHARS_MAX, true>;
/// A reason (revocation, termination, dispute, card), ≤ 2000 characters, may have line breaks.
pub type Reason = Text<SUMMARY_CHARS_MAX, true>;
/// An evaluation comment, ≤ 2000 characters, may have line breaks.
pub type Comment = Text<SUMMARY_CHARS_MAX, true>;
/// A need's description, ≤ 4000 characters, may have line breaks.
pub type Description = Text<DESCRIPTION_CHARS_MAX, true>;

impl<const MAX: usize, const MULTILINE: bool> Text<MAX, MULTILINE> {
    /// Checks `s` and wraps it.
    pub fn new(s: impl Into<String>) -> Result<Self, InvalidValue> {
        let s = s.into();
        let mut chars = 0usize;
        for c in s.chars() {
            chars += 1;
            let control = c <= '\u{1F}' || c == '\u{7F}';
            if control && !(MULTILINE && c == '\n') {
                return Err(if MULTILINE {
                    InvalidValue::new(
                        "contains a control character (only the line feed \\n is allowed)",
                        "含有控制字符（只允许换行符 \\n）",
                    )
                } else {
                    InvalidValue::new(
                        "contains a control character (line breaks are not allowed here)",
                        "含有控制字符（此处不允许换行）",
                    )
                });
            }
        }
        if chars == 0 {
            return Err(InvalidValue::new("must not be empty", "不能为空"));
        }
        if chars > MAX {
            return Err(InvalidValue::new(
                format!("is too long: {chars} characters, at most {MAX} allowed"),
                format!("过长：共 {chars} 个字符，最多允许 {MAX} 个"),
            ));
        }
        Ok(Text(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Display for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize, const MULTILINE: bool> AsRef<str> for Text<MAX, MULTILINE> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> FromStr for Text<MAX, MULTILINE> {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Text::new(s)
    }
}

impl<const MAX: usize, const MULTILINE: bool> TryFrom<String> for Text<MAX, MULTILINE> {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Text::new(s)
    }
}

impl<const MAX: usize, const MULTILINE: bool> TryFrom<&str> for Text<MAX, MULTILINE> {
    type Error = InvalidValue;
    fn try_from(s: &str) -> Result<Self, InvalidValue> {
        Text::new(s)
    }
}

impl<const MAX: usize, const MULTILINE: bool> Serialize for Text<MAX, MULTILINE> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize, const MULTILINE: bool> Deserialize<'de> for Text<MAX, MULTILINE> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::try_from(String::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
    }
}

impl<const MAX: usize, const MULTILINE: bool> JsonSchema for Text<MAX, MULTILINE> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        if MULTILINE {
            format!("MultilineText{MAX}").into()
        } else {
            format!("Text{MAX}").into()
        }
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // JSON Schema counts string length in code points, as SPEC §1 does.
        let pattern = if MULTILINE {
            "^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f]*$"
        } else {
            "^[^\\u0000-\\u001f\\u007f]*$"
        };
        json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": MAX,
            "pattern": pattern
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Integers (SPEC §1, §4.1)

/// 2^53 − 1, the largest magnitude of a JSON number in a statement (SPEC §1).
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A non-negative integer in `MIN..=MAX` (SPEC §4.1 bounds; SPEC §1 caps every number at
/// 2^53 − 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedInt<const MIN: u64, const MAX: u64>(u64);

/// `max_skew_s`: 1 s to 7 days (SPEC §4.1).
pub type MaxSkewS = BoundedInt<1, 604_800>;
/// An evaluation score, 0–100.
pub type Score = BoundedInt<0, 100>;
/// A need's rating, 1–5.
pub type Rating = BoundedInt<1, 5>;
/// A metric value: an integer ≥ 0.
pub type MetricValue = BoundedInt<0, MAX_SAFE_INTEGER>;
/// A measure's target: an integer > 0.
pub type Target = BoundedInt<1, MAX_SAFE_INTEGER>;
/// An agreement version number, ≥ 1.
pub type Version = BoundedInt<1, MAX_SAFE_INTEGER>;
/// The version of a proposal: exactly 1.
pub type ProposedVersion = BoundedInt<1, 1>;
/// The version of an amendment: ≥ 2.
pub type AmendedVersion = BoundedInt<2, MAX_SAFE_INTEGER>;

impl<const MIN: u64, const MAX: u64> BoundedInt<MIN, MAX> {
    pub fn new(v: u64) -> Result<Self, InvalidValue> {
        if (MIN..=MAX).contains(&v) {
            Ok(BoundedInt(v))
        } else {
            Err(Self::range_error())
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }

    fn range_error() -> InvalidValue {
        if MIN == MAX {
            InvalidValue::new(format!("must be {MIN}"), format!("必须为 {MIN}"))
        } else if MAX == MAX_SAFE_INTEGER {
            InvalidValue::new(
                format!("must be an integer ≥ {MIN}"),
                format!("应为不小于 {MIN} 的整数"),
            )
        } else {
            InvalidValue::new(
                format!("must be an integer from {MIN} to {MAX}"),
                format!("应为 {MIN} 至 {MAX} 之间的整数"),
            )
        }
    }
}

impl<const MIN: u64, const MAX: u64> fmt::Display for BoundedInt<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<const MIN: u64, const MAX: u64> TryFrom<u64> for BoundedInt<MIN, MAX> {
    type Error = InvalidValue;
    fn try_from(v: u64) -> Result<Self, InvalidValue> {
        BoundedInt::new(v)
    }
}

impl<const MIN: u64, const MAX: u64> From<BoundedInt<MIN, MAX>> for u64 {
    fn from(v: BoundedInt<MIN, MAX>) -> u64 {
        v.0
    }
}

impl<const MIN: u64, const MAX: u64> Serialize for BoundedInt<MIN, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

struct BoundedIntVisitor<const MIN: u64, const MAX: u64>;

impl<'de, const MIN: u64, const MAX: u64> Visitor<'de> for BoundedIntVisitor<MIN, MAX> {
    type Value = BoundedInt<MIN, MAX>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer from {MIN} to {MAX}")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        BoundedInt::new(v).map_err(InvalidValue::into_serde)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let v = u64::try_from(v).map_err(|_| BoundedInt::<MIN, MAX>::range_error().into_serde())?;
        self.visit_u64(v)
    }
}

impl<'de, const MIN: u64, const MAX: u64> Deserialize<'de> for BoundedInt<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_u64(BoundedIntVisitor::<MIN, MAX>)
    }
}

impl<const MIN: u64, const MAX: u64> JsonSchema for BoundedInt<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Integer{MIN}to{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        if MIN == MAX {
            json_schema!({ "type": "integer", "const": MIN })
        } else {
            json_schema!({ "type": "integer", "minimum": MIN, "maximum": MAX })
        }
    }
}

/// The JSON literal `true`, the only value of `dissolved` (SPEC §4.1: dissolution is final
/// and cannot be undone by `false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct True;

impl Serialize for True {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for True {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if bool::deserialize(deserializer)? {
            Ok(True)
        } else {
            Err(InvalidValue::new("must be true", "只能为 true").into_serde())
        }
    }
}

impl JsonSchema for True {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "True".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "boolean", "const": true })
    }
}

// ---------------------------------------------------------------------------------------------
// Enumerations (SPEC §3, §4.1)

wire_enum!(
    /// Organization kinds (SPEC §3).
    OrgKind {
        Organ = "organ", "机关党组织";
        Enterprise = "enterprise", "企业党组织";
        Village = "village", "村党组织";
        Community = "community", "社区党组织";
        Institution = "institution", "事业单位党组织";
        Social = "social", "社会组织党组织";
        Authority = "authority", "机关工委/组织部门";
    }
);

wire_enum!(
    /// The ownership of an enterprise (SPEC §3).
    Ownership {
        State = "state", "国有企业";
        Private = "private", "民营企业";
        Foreign = "foreign", "外资企业";
        Mixed = "mixed", "混合所有制企业";
    }
);

wire_enum!(
    /// Agreement kinds (SPEC §4.1) with their party counts (SPEC §4).
    AgreementKind {
        Pairing = "pairing", "结对共建";
        Tripartite = "tripartite", "三方共建";
        Alliance = "alliance", "党建联盟";
        Resident = "resident", "驻村（社区）共建";
    }
);

impl AgreementKind {
    /// The number of parties this kind allows (SPEC §4: `tripartite` exactly 3, `alliance`
    /// ≥ 3, `pairing` and `resident` exactly 2), within the 2–64 every agreement allows.
    pub fn party_count(self) -> std::ops::RangeInclusive<usize> {
        match self {
            AgreementKind::Pairing | AgreementKind::Resident => 2..=2,
            AgreementKind::Tripartite => 3..=3,
            AgreementKind::Alliance => 3..=crate::body::PARTIES_MAX,
        }
    }
}

wire_enum!(
    /// Categories of co-building (共建内容, SPEC §4.1).
    Category {
        PartyBuilding = "party_building", "党建引领共建";
        Civility = "civility", "文明培育共建";
        Projects = "projects", "项目带动共建";
        Livelihood = "livelihood", "发展惠民共建";
        Talent = "talent", "人才共育";
        Governance = "governance", "基层治理";
        Other = "other", "其他";
    }
);

wire_enum!(
    /// How often the parties meet (SPEC §4.1 `meetings.every`).
    MeetingEvery {
        Month = "month", "每月";
        Quarter = "quarter", "每季度";
        HalfYear = "half_year", "每半年";
        Year = "year", "每年";
    }
);

wire_enum!(
    /// Evaluation grades (SPEC §4.1).
    Grade {
        Excellent = "excellent", "先进";
        Good = "good", "良好";
        Fair = "fair", "一般";
        Poor = "poor", "后进";
    }
);

wire_enum!(
    /// Card colours (SPEC §4.1).
    CardColor {
        Yellow = "yellow", "黄牌";
        Red = "red", "红牌";
    }
);

// ---------------------------------------------------------------------------------------------
// Periods (SPEC §4.1, §6)

/// The length of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    Year,
    Half,
    Quarter,
    Month,
}

/// An evaluation or aggregation period (SPEC §4.1): a year `2025`, a half `2025-H1`/`H2`, a
/// quarter `2025-Q1`…`Q4` or a month `2025-01`…`12`. Ordered by year, then kind, then index
/// (a total order for map keys, chronological only within one kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: u16,
    kind: PeriodKind,
    /// 0 for a year, 1–2 for a half, 1–4 for a quarter, 1–12 for a month.
    index: u8,
}

impl Period {
    /// The period of `kind` that contains `date`.
    pub fn containing(kind: PeriodKind, date: Date) -> Period {
        let month = date.month();
        let index = match kind {
            PeriodKind::Year => 0,
            PeriodKind::Half => (month - 1) / 6 + 1,
            PeriodKind::Quarter => (month - 1) / 3 + 1,
            PeriodKind::Month => month,
        };
        Period {
            year: date.year(),
            kind,
            index,
        }
    }

    pub fn parse(s: &str) -> Result<Period, InvalidValue> {
        let err = || {
            InvalidValue::new(
                "must be a period: a year `2025`, a half `2025-H1`, a quarter `2025-Q3` or a month `2025-07`",
                "应为期间：年“2025”、半年“2025-H1”、季度“2025-Q3”或月份“2025-07”",
            )
        };
        let b = s.as_bytes();
        if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
            return Err(err());
        }
        let year = b[..4]
            .iter()
            .fold(0u16, |acc, c| acc * 10 + u16::from(c - b'0'));
        let digit = |c: u8| c.is_ascii_digit().then(|| c - b'0');
        let (kind, index) = match b[4..] {
            [] => (PeriodKind::Year, 0),
            [b'-', b'H', h @ b'1'..=b'2'] => (PeriodKind::Half, h - b'0'),
            [b'-', b'Q', q @ b'1'..=b'4'] => (PeriodKind::Quarter, q - b'0'),
            [b'-', m1, m2] => match (digit(m1), digit(m2)) {
                (Some(m1), Some(m2)) if (1..=12).contains(&(m1 * 10 + m2)) => {
                    (PeriodKind::Month, m1 * 10 + m2)
                }
                _ => return Err(err()),
            },
            _ => return Err(err()),
        };
        Ok(Period { year, kind, index })
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The months `first..=last` (1–12) this period covers.
    fn months(&self) -> (u8, u8) {
        match self.kind {
            PeriodKind::Year => (1, 12),
            PeriodKind::Half => (self.index * 6 - 5, self.index * 6),
            PeriodKind::Quarter => (self.index * 3 - 2, self.index * 3),
            PeriodKind::Month => (self.index, self.index),
        }
    }

    /// The first day of the period.
    pub fn first_date(&self) -> Date {
        // Day 1 exists in every month of every four-digit year.
        Date::from_ymd(self.year, self.months().0, 1).unwrap_or(Date::MIN)
    }

    /// The last day of the period.
    pub fn last_date(&self) -> Date {
        let month = self.months().1;
        let day = crate::time::days_in_month(self.year, month);
        Date::from_ymd(self.year, month, day).unwrap_or(Date::MAX)
    }

    /// Whether `date` falls within this period (inclusive).
    pub fn contains(&self, date: Date) -> bool {
        self.first_date() <= date && date <= self.last_date()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{:04}", self.year),
            PeriodKind::Half => write!(f, "{:04}-H{}", self.year, self.index),
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.index),
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.index),
        }
    }
}

impl FromStr for Period {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        Period::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, InvalidValue> {
        Period::parse(&s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Period::try_from(String::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
    }
}

impl JsonSchema for Period {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Period".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(s: &str) -> Region {
        Region::new(s).expect(s)
    }

    #[test]
    fn ids_follow_the_pattern() {
        for ok in [
            "js.lyg.fgw",
            "js.lyg.v.nanxin",
            "abc",
            "a-b",
            &"a".repeat(64),
            "0.9",
        ] {
            assert!(OrgId::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(65),
            "-ab",
            "ab-",
            "a.b.",
            ".ab",
            "Js.lyg",
            "js_lyg",
            "js lyg",
            "连云港",
            "",
        ] {
            assert!(OrgId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_prefix_containment_and_levels() {
        assert_eq!(region("320000").significant_prefix(), "32");
        assert_eq!(region("320700").significant_prefix(), "3207");
        assert_eq!(region("320706").significant_prefix(), "320706");
        assert_eq!(region("000000").significant_prefix(), "");
        assert_eq!(region("300000").significant_prefix(), "30");
        assert!(region("320000").contains(&region("320706")));
        assert!(region("320700").contains(&region("320706")));
        assert!(region("320700").contains(&region("320700")));
        assert!(!region("320700").contains(&region("320800")));
        assert!(!region("320706").contains(&region("320700")));
        assert!(region("000000").contains(&region("650000")));
        assert!(region("320000").is_province());
        assert!(region("000000").is_province());
        assert!(!region("320700").is_province());
        assert_eq!(region("320706").province(), region("320000"));
        assert_eq!(region("320706").city(), region("320700"));
        for bad in ["32070", "3207000", "32070a", "３２０７００"] {
            assert!(Region::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_keys_must_be_canonical_base64_of_32_bytes() {
        let key = PublicKey::from_bytes([7; 32]);
        let s = key.to_string();
        assert_eq!(s.len(), 44);
        assert_eq!(PublicKey::parse(&s), Ok(key));
        // The last data character of [7;32] is `c`; `d` differs only in the spare bits.
        let mut bytes = s.clone().into_bytes();
        assert_eq!(bytes[42], b'c');
        bytes[42] = b'd';
        let non_canonical = String::from_utf8(bytes).expect("ascii");
        assert!(PublicKey::parse(&non_canonical).is_err());
        assert!(PublicKey::parse(s.trim_end_matches('=')).is_err());
        assert!(PublicKey::parse(&BASE64.encode([7u8; 31])).is_err());
        assert!(PublicKey::parse(&BASE64.encode([7u8; 33])).is_err());
        assert!(PublicKey::parse(&format!("-{}", &s[1..])).is_err());
    }

    #[test]
    fn verifier_keys_check_their_hash() {
        let vk = VerifierKey::from_parts("pairings.example.gov.cn/jiangsu", &[9; 32])
            .expect("well formed");
        assert_eq!(vk.name(), "pairings.example.gov.cn/jiangsu");
        assert_eq!(vk.public_key(), [9; 32]);
        let text = vk.to_string();
        let mut wrong_hash = text.clone();
        let at = text.find('+').expect("plus") + 1;
        let flipped = if &text[at..at + 1] == "0" { "1" } else { "0" };
        wrong_hash.replace_range(at..at + 1, flipped);
        assert!(VerifierKey::new(wrong_hash).is_err());
        assert!(VerifierKey::new(text.replace("jiangsu", "zhejiang")).is_err());
        assert!(VerifierKey::from_parts("has space", &[9; 32]).is_err());
    }

    #[test]
    fn text_limits_count_characters_and_refuse_control_characters() {
        assert!(Name::new("连".repeat(100)).is_ok());
        assert!(Name::new("连".repeat(101)).is_err());
        assert!(Name::new("").is_err());
        assert!(Name::new("a\nb").is_err());
        assert!(Name::new("a\tb").is_err());
        assert!(Name::new("a\u{7f}b").is_err());
        assert!(
            Name::new("a\u{85}b").is_ok(),
            "C1 controls are outside SPEC §1's set"
        );
        assert!(Description::new("第一行\n第二行").is_ok());
        assert!(Description::new("a\r\nb").is_err());
        assert!(Description::new("x".repeat(4000)).is_ok());
        assert!(Description::new("x".repeat(4001)).is_err());
    }

    #[test]
    fn metric_keys() {
        for ok in [
            "visits",
            "funds_cny",
            "x-a",
            "x-trees_planted",
            &format!("x-a{}", "b".repeat(31)),
        ] {
            assert!(MetricKey::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Visits",
            "x-",
            "x-1a",
            "x-A",
            "y-abc",
            &format!("x-a{}", "b".repeat(32)),
            "visit",
        ] {
            assert!(MetricKey::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            MetricKey::new("visits").expect("standard").standard(),
            Some(StandardMetric::Visits)
        );
    }

    #[test]
    fn media_types() {
        for ok in [
            "image/jpeg",
            "application/pdf",
            "image/svg+xml",
            "application/vnd.ms-excel",
        ] {
            assert!(MediaType::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "image/JPEG",
            "image",
            "image/",
            "/jpeg",
            "text/plain; charset=utf-8",
            "a/b/c",
        ] {
            assert!(MediaType::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_and_their_dates() {
        let p = |s: &str| Period::parse(s).expect(s);
        let d = |s: &str| Date::parse(s).expect(s);
        for (s, kind, first, last) in [
            ("2025", PeriodKind::Year, "2025-01-01", "2025-12-31"),
            ("2025-H1", PeriodKind::Half, "2025-01-01", "2025-06-30"),
            ("2025-H2", PeriodKind::Half, "2025-07-01", "2025-12-31"),
            ("2025-Q1", PeriodKind::Quarter, "2025-01-01", "2025-03-31"),
            ("2025-Q3", PeriodKind::Quarter, "2025-07-01", "2025-09-30"),
            ("2025-Q4", PeriodKind::Quarter, "2025-10-01", "2025-12-31"),
            ("2024-02", PeriodKind::Month, "2024-02-01", "2024-02-29"),
            ("2025-02", PeriodKind::Month, "2025-02-01", "2025-02-28"),
            ("2025-12", PeriodKind::Month, "2025-12-01", "2025-12-31"),
        ] {
            let period = p(s);
            assert_eq!(period.to_string(), s);
            assert_eq!(period.kind(), kind);
            assert_eq!(period.first_date(), d(first));
            assert_eq!(period.last_date(), d(last));
            assert_eq!(Period::containing(kind, d(first)), period);
            assert_eq!(Period::containing(kind, d(last)), period);
        }
        for bad in [
            "25", "2025-H3", "2025-Q0", "2025-Q5", "2025-00", "2025-13", "2025-7", "2025-h1",
            "2025-", "2025-W01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounded_integers() {
        assert!(Score::new(100).is_ok());
        assert!(Score::new(101).is_err());
        assert!(Rating::new(0).is_err());
        assert!(ProposedVersion::new(2).is_err());
        assert!(AmendedVersion::new(1).is_err());
        assert!(serde_json::from_str::<Score>("-1").is_err());
        assert!(serde_json::from_str::<Score>("1.5").is_err());
        assert_eq!(
            serde_json::from_str::<Score>("42").ok().map(Score::get),
            Some(42)
        );
    }

    #[test]
    fn enums_use_their_wire_names() {
        assert_eq!(Category::ALL.len(), 7);
        assert_eq!(
            serde_json::to_string(&Category::PartyBuilding)
                .ok()
                .as_deref(),
            Some("\"party_building\"")
        );
        assert_eq!(
            "half_year".parse::<MeetingEvery>(),
            Ok(MeetingEvery::HalfYear)
        );
        assert!("Organ".parse::<OrgKind>().is_err());
        assert_eq!(AgreementKind::Tripartite.party_count(), 3..=3);
    }
}
