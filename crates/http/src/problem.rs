//! RFC 9457 problem answers (SPEC §4.2): every error the server gives, with its HTTP status.
//!
//! The §4 rejection codes come from `pactlog-statement` with their English detail, Chinese
//! message and pointer; the HTTP status of each is decided here, the one place that knows
//! HTTP. Outside submissions only three codes exist: `not_found`, `bad_request` and
//! `overloaded`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pactlog_statement::rejection::{Code, Rejection};
use serde::Serialize;
use utoipa::ToSchema;

use crate::RETRY_AFTER_S;

/// Media type of every problem answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of a problem's `type` (SPEC §4.2).
const TYPE_PREFIX: &str = "urn:pactlog:problem:";

/// The codes outside the submission checks (SPEC §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpCode {
    NotFound,
    BadRequest,
    Overloaded,
}

impl HttpCode {
    fn as_str(self) -> &'static str {
        match self {
            HttpCode::NotFound => "not_found",
            HttpCode::BadRequest => "bad_request",
            HttpCode::Overloaded => "overloaded",
        }
    }

    fn title(self) -> &'static str {
        match self {
            HttpCode::NotFound => "Not found",
            HttpCode::BadRequest => "Bad request",
            HttpCode::Overloaded => "Overloaded",
        }
    }

    fn title_zh(self) -> &'static str {
        match self {
            HttpCode::NotFound => "未找到",
            HttpCode::BadRequest => "请求参数错误",
            HttpCode::Overloaded => "服务繁忙，请稍后重试",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            HttpCode::NotFound => StatusCode::NOT_FOUND,
            HttpCode::BadRequest => StatusCode::BAD_REQUEST,
            HttpCode::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The HTTP status of a rejection code (the table of SPEC §4.2).
pub fn status_of(code: Code) -> StatusCode {
    match code {
        Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::Malformed
        | Code::NotCanonical
        | Code::BadSignature
        | Code::WrongLog
        | Code::Schema
        | Code::PersonalData
        | Code::ClockSkew => StatusCode::BAD_REQUEST,
        Code::UnknownAuthor | Code::KeyNotActive | Code::NotAuthorized => StatusCode::FORBIDDEN,
        Code::UnknownReference => StatusCode::UNPROCESSABLE_ENTITY,
        Code::DuplicateId | Code::InvalidTransition => StatusCode::CONFLICT,
    }
}

/// An error answer: RFC 9457 `application/problem+json`. Boxed: it travels in every
/// handler's `Result`, which should stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(Box<ProblemParts>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ProblemParts {
    status: StatusCode,
    body: ProblemBody,
}

/// The members of a problem answer (SPEC §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// `urn:pactlog:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:pactlog:problem:schema")]
    pub problem_type: String,
    /// A short English title of the code.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What went wrong, in English.
    pub detail: String,
    /// The stable code clients branch on.
    #[schema(example = "schema")]
    pub code: String,
    /// What went wrong, in Chinese.
    pub message_zh: String,
    /// For `schema` and `personal_data`: RFC 6901 pointer into the statement object.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/body/parties/2")]
    pub pointer: Option<String>,
}

impl Problem {
    /// A submission refused by check `rejection.code` of SPEC §4.2.
    pub fn rejection(rejection: Rejection) -> Problem {
        let code = rejection.code;
        Problem(Box::new(ProblemParts {
            status: status_of(code),
            body: ProblemBody {
                problem_type: format!("{TYPE_PREFIX}{code}"),
                title: code.title().to_string(),
                status: status_of(code).as_u16(),
                detail: rejection.detail,
                code: code.as_str().to_string(),
                message_zh: rejection.message_zh,
                pointer: rejection.pointer,
            },
        }))
    }

    fn http(code: HttpCode, detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Problem {
        let detail_zh = detail_zh.as_ref();
        Problem(Box::new(ProblemParts {
            status: code.status(),
            body: ProblemBody {
                problem_type: format!("{TYPE_PREFIX}{}", code.as_str()),
                title: code.title().to_string(),
                status: code.status().as_u16(),
                detail: detail.into(),
                code: code.as_str().to_string(),
                message_zh: format!("{}：{detail_zh}", code.title_zh()),
                pointer: None,
            },
        }))
    }

    /// `not_found` (404): no such route, entry, statement, tile, org, agreement or type.
    pub fn not_found(detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Problem {
        Problem::http(HttpCode::NotFound, detail, detail_zh)
    }

    /// `bad_request` (400): a bad query parameter (or, for a submission, a content type
    /// other than JSON).
    pub fn bad_request(detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Problem {
        Problem::http(HttpCode::BadRequest, detail, detail_zh)
    }

    /// `overloaded` (503, `Retry-After`): the server cannot answer now; try again.
    pub fn overloaded(detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Problem {
        Problem::http(HttpCode::Overloaded, detail, detail_zh)
    }

    /// The store could not be read: answered as `overloaded`, the only 5xx SPEC names.
    pub fn unavailable(what: impl std::fmt::Display) -> Problem {
        Problem::overloaded(
            format!("the log could not be read: {what}"),
            "账本暂时无法读取",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn body(&self) -> &ProblemBody {
        &self.0.body
    }

    /// The code (`schema`, `not_found`, …).
    pub fn code(&self) -> &str {
        &self.0.body.code
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        // A struct of strings and integers always serializes.
        let ProblemParts { status, body } = *self.0;
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_the_status_of_spec_4_2() {
        let expected = [
            (Code::TooLarge, 413),
            (Code::Malformed, 400),
            (Code::NotCanonical, 400),
            (Code::BadSignature, 400),
            (Code::WrongLog, 400),
            (Code::Schema, 400),
            (Code::PersonalData, 400),
            (Code::ClockSkew, 400),
            (Code::UnknownAuthor, 403),
            (Code::KeyNotActive, 403),
            (Code::UnknownReference, 422),
            (Code::NotAuthorized, 403),
            (Code::DuplicateId, 409),
            (Code::InvalidTransition, 409),
        ];
        assert_eq!(expected.len(), Code::ALL.len());
        for (code, status) in expected {
            assert_eq!(status_of(code).as_u16(), status, "{code}");
        }
    }

    #[test]
    fn a_rejection_keeps_its_messages_and_pointer() {
        let problem = Problem::rejection(Rejection::schema(
            "/body/parties/2",
            "duplicate party",
            "参与方重复",
        ));
        let json = serde_json::to_value(problem.body()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "urn:pactlog:problem:schema",
                "title": "Statement does not match its schema",
                "status": 400,
                "detail": "duplicate party",
                "code": "schema",
                "message_zh": "声明不符合格式要求：参与方重复",
                "pointer": "/body/parties/2",
            })
        );
    }

    #[test]
    fn http_problems_have_no_pointer_and_overloaded_says_when_to_retry() {
        let response = Problem::overloaded("queue full", "队列已满").into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let not_found = Problem::not_found("no route", "无此路径");
        assert_eq!(not_found.body().pointer, None);
        assert_eq!(not_found.body().message_zh, "未找到：无此路径");
    }
}
