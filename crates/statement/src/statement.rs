//! Statements (SPEC §2) and their types (SPEC §4): reading canonical statement bytes into a
//! typed [`Statement`], with check 7 of SPEC §4.2 (`schema`, with a `pointer`).
//!
//! The one table in `statement_types!` lists every type once: its wire name, its `Body`
//! variant and its body struct. The type enum, the body enum, the parser and the schema
//! generator all come from it, so adding a type is one line.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::{Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::body::*;
use crate::ids::{split_message, InvalidValue, OrgId};
use crate::rejection::{pointer_token, Rejection};
use crate::time::Timestamp;

macro_rules! statement_types {
    ($($variant:ident = $wire:literal => $body:ident;)+) => {
        /// A statement type of SPEC §4.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum StatementType {
            $($variant,)+
        }

        impl StatementType {
            /// Every type, in the order of the table of SPEC §4.
            pub const ALL: &'static [StatementType] = &[$(StatementType::$variant,)+];

            /// The wire name, e.g. `agreement.proposed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(StatementType::$variant => $wire,)+
                }
            }

            /// The JSON Schema of this type's body as schemars derives it (before the
            /// post-processing of `schema::body_schema`).
            pub(crate) fn derived_body_schema(self, generator: SchemaGenerator) -> Schema {
                match self {
                    $(StatementType::$variant => generator.into_root_schema_for::<$body>(),)+
                }
            }
        }

        /// The typed body of a statement, one variant per type of SPEC §4.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Body {
            $($variant($body),)+
        }

        impl Body {
            pub fn statement_type(&self) -> StatementType {
                match self {
                    $(Body::$variant(_) => StatementType::$variant,)+
                }
            }

            /// Reads a body of type `t` from its JSON text and checks its statement-only
            /// rules; every failure is `schema` with a pointer under `/body`.
            pub fn parse(t: StatementType, json: &str) -> Result<Body, Rejection> {
                let body = match t {
                    $(StatementType::$variant => Body::$variant(decode::<$body>(json, "/body")?),)+
                };
                body.validate()?;
                Ok(body)
            }

            /// The statement-only rules of SPEC §4 for this body ([`BodyRules::validate`]).
            pub fn validate(&self) -> Result<(), Rejection> {
                match self {
                    $(Body::$variant(b) => b.validate(),)+
                }
            }

            fn push_text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
                match self {
                    $(Body::$variant(b) => b.text_fields(out),)+
                }
            }
        }

        impl Serialize for Body {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Body::$variant(b) => b.serialize(serializer),)+
                }
            }
        }

        $(
            impl From<$body> for Body {
                fn from(b: $body) -> Body {
                    Body::$variant(b)
                }
            }
        )+
    };
}

statement_types! {
    LogGenesis = "log.genesis" => LogGenesisBody;
    OrgRegistered = "org.registered" => OrgRegisteredBody;
    OrgUpdated = "org.updated" => OrgUpdatedBody;
    KeyAdded = "key.added" => KeyAddedBody;
    KeyRevoked = "key.revoked" => KeyRevokedBody;
    AgreementProposed = "agreement.proposed" => AgreementProposedBody;
    AgreementAmended = "agreement.amended" => AgreementAmendedBody;
    AgreementSigned = "agreement.signed" => AgreementSignedBody;
    AgreementTerminated = "agreement.terminated" => AgreementTerminatedBody;
    ResultReported = "result.reported" => ResultReportedBody;
    ResultConfirmed = "result.confirmed" => ResultConfirmedBody;
    ResultDisputed = "result.disputed" => ResultDisputedBody;
    EvaluationRecorded = "evaluation.recorded" => EvaluationRecordedBody;
    CardIssued = "card.issued" => CardIssuedBody;
    CardLifted = "card.lifted" => CardLiftedBody;
    NeedPosted = "need.posted" => NeedPostedBody;
    NeedClaimed = "need.claimed" => NeedClaimedBody;
    NeedFulfilled = "need.fulfilled" => NeedFulfilledBody;
    NeedClosed = "need.closed" => NeedClosedBody;
}

impl fmt::Display for StatementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatementType {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        StatementType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "is not a statement type of pactlog v1 (SPEC §4)",
                    "不是 pactlog v1 的声明类型（SPEC §4）",
                )
            })
    }
}

impl Serialize for StatementType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StatementType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(InvalidValue::into_serde)
    }
}

/// A statement (SPEC §2): what an org says, signed in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The log's origin; compared with this log's by check 5 (`wrong_log`) before the body
    /// is read, so any string is kept here.
    pub log: String,
    pub author: OrgId,
    /// Keeps its written precision so the statement serializes back to its signed bytes.
    pub time: Timestamp,
    pub body: Body,
}

/// The members of a statement, in canonical (JCS) order (SPEC §2).
const STATEMENT_MEMBERS: [&str; 5] = ["author", "body", "log", "time", "type"];

impl Statement {
    pub fn statement_type(&self) -> StatementType {
        self.body.statement_type()
    }

    /// The statement-only rules of SPEC §4 (see [`BodyRules::validate`]).
    pub fn validate(&self) -> Result<(), Rejection> {
        self.body.validate()
    }

    /// `(pointer, text)` for every text member SPEC §4.1 "Personal data" asks to scan
    /// (`name`, `title`, `goals`, `description`, `summary`, `reason`, `comment`, obligation
    /// titles, and the authority's `name` in a genesis), pointers relative to the statement,
    /// in canonical member order. Ids, hashes and keys are not listed (SPEC §4.1).
    pub fn text_fields(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        self.body.push_text_fields(&mut out);
        out
    }

    /// The statement as a JSON value; its JCS serialization is the statement's canonical
    /// bytes, equal to the bytes it was parsed from.
    pub fn to_canonical_value(&self) -> Value {
        // Every member serializes to a string, integer, boolean, array or string-keyed
        // object, which `to_value` cannot refuse.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Members in canonical order; a JCS serializer re-sorts anyway.
        let mut s = serializer.serialize_struct("Statement", STATEMENT_MEMBERS.len())?;
        s.serialize_field("author", &self.author)?;
        s.serialize_field("body", &self.body)?;
        s.serialize_field("log", &self.log)?;
        s.serialize_field("time", &self.time)?;
        s.serialize_field("type", &self.statement_type())?;
        s.end()
    }
}

/// Reads a statement from its canonical bytes (checks 1–6 of SPEC §4.2 have passed, so the
/// bytes are one canonical JSON object) and runs check 7: the statement's members and body
/// match SPEC §4.1, and the body's statement-only rules of SPEC §4 hold. Every failure is
/// `schema` with an RFC 6901 `pointer` relative to the statement.
///
/// Order, first failure answers: unknown members (pointer: the member), missing members
/// (pointer `""`, the statement), `type`, `author`, `log`, `time`, then the body member by
/// member in document order, then the body's cross-member rules.
pub fn parse_statement(canonical_bytes: &[u8]) -> Result<Statement, Rejection> {
    let members: BTreeMap<String, &RawValue> =
        serde_json::from_slice(canonical_bytes).map_err(|_| {
            Rejection::schema(
                "",
                "the statement must be a JSON object",
                "声明必须是 JSON 对象",
            )
        })?;
    if let Some(extra) = members
        .keys()
        .find(|k| !STATEMENT_MEMBERS.contains(&k.as_str()))
    {
        let pointer = format!("/{}", pointer_token(extra));
        return Err(Rejection::schema(
            pointer.clone(),
            format!("{pointer}: a statement has only the members author, body, log, time and type"),
            format!("成员 {pointer}：声明只能包含 author、body、log、time、type 五个成员"),
        ));
    }
    let member = |name: &str| {
        members.get(name).copied().ok_or_else(|| {
            Rejection::schema(
                "",
                format!("the statement lacks the member `{name}`"),
                format!("声明缺少成员 {name}"),
            )
        })
    };
    let (author, body, log, time, ty) = (
        member("author")?,
        member("body")?,
        member("log")?,
        member("time")?,
        member("type")?,
    );
    let statement_type: StatementType = decode(ty.get(), "/type")?;
    let author: OrgId = decode(author.get(), "/author")?;
    let log: String = decode(log.get(), "/log")?;
    let time: Timestamp = decode(time.get(), "/time")?;
    let body = Body::parse(statement_type, body.get())?;
    Ok(Statement {
        log,
        author,
        time,
        body,
    })
}

/// Deserializes `json` as a `T`, turning a serde error into a `schema` rejection whose
/// pointer is `base` followed by the path serde reached. serde reports a missing member at
/// the object that lacks it and an unknown member at that member, as SPEC §4.2 asks.
pub(crate) fn decode<T: DeserializeOwned>(json: &str, base: &str) -> Result<T, Rejection> {
    // Fast path: tracking the path costs about a third of the parse, and almost every
    // statement is valid. Only a failure is parsed again, with the path, for its pointer;
    // the parse is deterministic, so it fails at the same member.
    if let Ok(value) = serde_json::from_str(json) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let mut pointer = base.to_string();
        for segment in err.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&pointer_token(key));
                }
                serde_path_to_error::Segment::Enum { variant } => {
                    pointer.push('/');
                    pointer.push_str(&pointer_token(variant));
                }
                // A non-string map key cannot occur in JSON; stop at what is known.
                serde_path_to_error::Segment::Unknown => break,
            }
        }
        let inner = err.into_inner();
        let text = inner.to_string();
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        let message = text.strip_suffix(&position).unwrap_or(&text);
        let (en, zh) = explain(message);
        let (label_en, label_zh) = if pointer.is_empty() {
            ("the statement".to_string(), "声明".to_string())
        } else {
            (pointer.clone(), format!("成员 {pointer}"))
        };
        Rejection::schema(
            pointer,
            format!("{label_en}: {en}"),
            format!("{label_zh}：{zh}"),
        )
    })
}

/// The text between the first pair of backticks of `s`.
fn quoted(s: &str) -> &str {
    s.split('`').nth(1).unwrap_or("")
}

/// The Chinese name of a JSON kind as serde describes it ("a string", "struct Term", "u64").
fn kind_zh(s: &str) -> &'static str {
    if s.contains("string") {
        "字符串"
    } else if s.contains("sequence") || s.contains("array") {
        "数组"
    } else if s.contains("map") || s.contains("struct") || s.contains("object") {
        "对象"
    } else if s.contains("bool") {
        "布尔值"
    } else if s.contains("floating") {
        "小数"
    } else if s.contains("integer") || s.contains("u64") || s.contains("i64") {
        "整数"
    } else if s.contains("null") {
        "null"
    } else {
        "其他类型"
    }
}

/// English and Chinese explanations of a serde error message. Our own checks carry both
/// (see `ZH_SEPARATOR`); serde's structural errors are recognized by their fixed wording.
fn explain(message: &str) -> (String, String) {
    if let (en, Some(zh)) = split_message(message) {
        return (en.to_string(), zh.to_string());
    }
    if message.starts_with("missing field `") {
        let name = quoted(message);
        return (
            format!("the member `{name}` is missing"),
            format!("缺少成员 {name}"),
        );
    }
    if message.starts_with("unknown field `") {
        let allowed = message.split_once(", expected ").map_or("", |(_, e)| e);
        return (
            format!("is not an allowed member here (expected {allowed})"),
            "此处不允许该成员".to_string(),
        );
    }
    if message.starts_with("unknown variant `") {
        let value = quoted(message);
        let allowed = message.split_once(", expected ").map_or("", |(_, e)| e);
        // serde writes "`a` or `b`" / "one of `a`, `b`, `c`".
        let allowed_zh = allowed
            .trim_start_matches("one of ")
            .replace('`', "")
            .replace(", ", "、")
            .replace(" or ", "或");
        return (
            format!("`{value}` is not an allowed value (expected {allowed})"),
            format!("取值 {value} 不在允许的范围内（应为 {allowed_zh} 之一）"),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (
            format!("has the wrong type: {rest}"),
            // The found value follows its kind ("string \"x\""): only the kind is read.
            format!(
                "类型错误：应为{}，实际为{}",
                kind_zh(expected),
                kind_zh(found.split([' ', '`']).next().unwrap_or(""))
            ),
        );
    }
    if message.starts_with("duplicate field `") {
        let name = quoted(message);
        return (
            format!("the member `{name}` appears twice"),
            format!("成员 {name} 重复出现"),
        );
    }
    (message.to_string(), "不符合格式要求".to_string())
}
