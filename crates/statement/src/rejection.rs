//! Rejections: the stable codes of SPEC §4.2 with their bilingual messages.
//!
//! The code, not the message, is the contract: clients branch on `code`; people read
//! `detail` (English) and `message_zh` (Chinese). HTTP statuses are not here — only the HTTP
//! crate knows HTTP.

use std::fmt;

/// A rejection code of SPEC §4.2, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    TooLarge,
    Malformed,
    NotCanonical,
    BadSignature,
    WrongLog,
    Schema,
    PersonalData,
    ClockSkew,
    UnknownAuthor,
    KeyNotActive,
    UnknownReference,
    NotAuthorized,
    DuplicateId,
    InvalidTransition,
}

impl Code {
    /// Every code, in the order of the checks of SPEC §4.2.
    pub const ALL: [Code; 14] = [
        Code::TooLarge,
        Code::Malformed,
        Code::NotCanonical,
        Code::BadSignature,
        Code::WrongLog,
        Code::Schema,
        Code::PersonalData,
        Code::ClockSkew,
        Code::UnknownAuthor,
        Code::KeyNotActive,
        Code::UnknownReference,
        Code::NotAuthorized,
        Code::DuplicateId,
        Code::InvalidTransition,
    ];

    /// The stable wire name (`urn:pactlog:problem:<code>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::TooLarge => "too_large",
            Code::Malformed => "malformed",
            Code::NotCanonical => "not_canonical",
            Code::BadSignature => "bad_signature",
            Code::WrongLog => "wrong_log",
            Code::Schema => "schema",
            Code::PersonalData => "personal_data",
            Code::ClockSkew => "clock_skew",
            Code::UnknownAuthor => "unknown_author",
            Code::KeyNotActive => "key_not_active",
            Code::UnknownReference => "unknown_reference",
            Code::NotAuthorized => "not_authorized",
            Code::DuplicateId => "duplicate_id",
            Code::InvalidTransition => "invalid_transition",
        }
    }

    /// The check number of SPEC §4.2 (check 6, "already logged", is not a rejection).
    pub fn check_number(self) -> u8 {
        match self {
            Code::TooLarge => 1,
            Code::Malformed => 2,
            Code::NotCanonical => 3,
            Code::BadSignature => 4,
            Code::WrongLog => 5,
            Code::Schema => 7,
            Code::PersonalData => 8,
            Code::ClockSkew => 9,
            Code::UnknownAuthor => 10,
            Code::KeyNotActive => 11,
            Code::UnknownReference => 12,
            Code::NotAuthorized => 13,
            Code::DuplicateId => 14,
            Code::InvalidTransition => 15,
        }
    }

    /// A short English title (the problem's `title`).
    pub fn title(self) -> &'static str {
        match self {
            Code::TooLarge => "Request body too large",
            Code::Malformed => "Malformed JSON",
            Code::NotCanonical => "Statement not canonical",
            Code::BadSignature => "Bad signature",
            Code::WrongLog => "Statement for another log",
            Code::Schema => "Statement does not match its schema",
            Code::PersonalData => "Personal data in a public statement",
            Code::ClockSkew => "Statement time too far from the log's clock",
            Code::UnknownAuthor => "Unknown author",
            Code::KeyNotActive => "Signing key not active",
            Code::UnknownReference => "Unknown reference",
            Code::NotAuthorized => "Author not authorized",
            Code::DuplicateId => "Id already used",
            Code::InvalidTransition => "Invalid state transition",
        }
    }

    /// A short Chinese title, the prefix of `message_zh`.
    pub fn title_zh(self) -> &'static str {
        match self {
            Code::TooLarge => "请求体过大",
            Code::Malformed => "JSON 格式错误",
            Code::NotCanonical => "声明不是规范形式",
            Code::BadSignature => "签名无效",
            Code::WrongLog => "声明不属于本账本",
            Code::Schema => "声明不符合格式要求",
            Code::PersonalData => "公开声明中含有个人信息",
            Code::ClockSkew => "声明时间与账本时钟相差过大",
            Code::UnknownAuthor => "作者未登记",
            Code::KeyNotActive => "签名密钥未生效",
            Code::UnknownReference => "引用的编号不存在",
            Code::NotAuthorized => "作者无权作出此声明",
            Code::DuplicateId => "编号已被使用",
            Code::InvalidTransition => "状态或顺序不允许",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Code::ALL.into_iter().find(|c| c.as_str() == s).ok_or(())
    }
}

/// Why a statement was refused: a code, an English detail, a Chinese message and, for
/// `schema` and `personal_data`, the RFC 6901 pointer (relative to the statement object) of
/// the member at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Rejection {
    pub code: Code,
    /// English, for the problem's `detail`.
    pub detail: String,
    /// Chinese, for the problem's `message_zh`.
    pub message_zh: String,
    pub pointer: Option<String>,
}

impl Rejection {
    /// A rejection without a pointer. `detail_zh` is the Chinese explanation; the Chinese
    /// title of the code is put in front of it.
    pub fn new(code: Code, detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Self {
        let detail_zh = detail_zh.as_ref();
        let message_zh = if detail_zh.is_empty() {
            code.title_zh().to_string()
        } else {
            format!("{}：{}", code.title_zh(), detail_zh)
        };
        Rejection {
            code,
            detail: detail.into(),
            message_zh,
            pointer: None,
        }
    }

    /// A `schema` rejection at `pointer` (RFC 6901, relative to the statement object).
    pub fn schema(
        pointer: impl Into<String>,
        detail: impl Into<String>,
        detail_zh: impl AsRef<str>,
    ) -> Self {
        Rejection {
            pointer: Some(pointer.into()),
            ..Rejection::new(Code::Schema, detail, detail_zh)
        }
    }

    /// A `personal_data` rejection at `pointer`.
    pub fn personal_data(
        pointer: impl Into<String>,
        detail: impl Into<String>,
        detail_zh: impl AsRef<str>,
    ) -> Self {
        Rejection {
            pointer: Some(pointer.into()),
            ..Rejection::new(Code::PersonalData, detail, detail_zh)
        }
    }
}

/// RFC 6901 escaping of one reference token (`~` → `~0`, `/` → `~1`).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_ordered_by_check() {
        let mut last = 0;
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert!(code.check_number() > last, "{code} out of order");
            last = code.check_number();
        }
    }

    #[test]
    fn message_zh_leads_with_the_code_title() {
        let r = Rejection::schema("/body/parties/2", "duplicate party", "参与方重复");
        assert_eq!(r.message_zh, "声明不符合格式要求：参与方重复");
        assert_eq!(r.pointer.as_deref(), Some("/body/parties/2"));
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
    }
}
