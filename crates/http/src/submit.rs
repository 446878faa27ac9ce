//! `POST /v1/statements` (SPEC §7): the one write.
//!
//! Order (SPEC §4.2): the body size first (check 1, before the body is even parsed, and
//! before the content type), then the content type, then `LedgerView::prepare` (checks 2–5,
//! with 7–8 held back), then the sequencer, which decides check 6 and 9–15 and answers only
//! once the entry is durable and under a signed checkpoint.
//!
//! The checks run inline on the async worker, not on the blocking pool: a strict Ed25519
//! verification of a typical statement is about 40–60 µs, within what a tokio task may take
//! between awaits, and the two thread hand-offs of `spawn_blocking` cost more CPU than the
//! check itself on the 2-core development machine (server CPU per submission with one
//! client 600 → 320 µs, with 64 clients 261 → 177 µs; `benches/README.md`). The body is at
//! most 64 KiB ([`crate::ENVELOPE_BYTES_MAX`]), which bounds the longest check.
//!
//! Once its body is read, a submission is announced to the sequencer and the task yields once,
//! so that the requests ready on other connections are announced too before any is checked;
//! with a large backlog the writer then batches all of them (`LedgerView::announce`,
//! `LINGER_BACKLOG`) instead of syncing after the one or two a worker has just checked.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use pactlog_sequencer::{Ack, SubmitError};
use pactlog_statement::rejection::{Code, Rejection};
use serde::Serialize;
use utoipa::ToSchema;

use crate::metrics::Outcome;
use crate::problem::{Problem, ProblemBody};
use crate::{AppState, ENVELOPE_BYTES_MAX};

/// Most bytes of a too-large body read and thrown away before answering 413. A client still
/// sending when the server answers and closes may see a reset instead of the answer; reading
/// the rest first (when it is at most 1 MiB, a few milliseconds on any link that sends it)
/// lets it read the problem. A longer body is not read: the answer closes the connection.
const DISCARD_BYTES_MAX: u64 = 1 << 20;

/// The answer to an accepted or already logged statement (SPEC §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Acknowledgement {
    /// The entry's seq (its leaf index).
    pub seq: u64,
    /// The statement id: lowercase hex SHA-256 of the canonical statement bytes.
    #[schema(example = "3f0c5d0e8b9a4f6c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c")]
    pub id: String,
    /// The leaf hash, lowercase hex: SHA-256(0x00 || leaf data).
    pub leaf_hash: String,
    /// When the sequencer accepted the statement (RFC 3339 UTC, 3 fraction digits).
    #[schema(example = "2025-03-01T10:00:01.123Z")]
    pub accepted_at: String,
    /// A signed checkpoint covering the entry (for an already logged statement, the
    /// latest), verbatim.
    pub checkpoint: String,
}

impl From<&Ack> for Acknowledgement {
    fn from(ack: &Ack) -> Self {
        Acknowledgement {
            seq: ack.seq,
            id: ack.id.to_string(),
            leaf_hash: ack.leaf_hash.to_hex(),
            accepted_at: ack.accepted_at.format_millis(),
            checkpoint: ack.checkpoint.to_string(),
        }
    }
}

/// An envelope (SPEC §2), for the OpenAPI document only: the server reads the raw bytes.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Envelope {
    /// The statement, in RFC 8785 canonical form, byte for byte as signed.
    #[schema(value_type = Object)]
    statement: serde_json::Value,
    /// Ed25519 public key, standard base64 with padding (44 characters).
    signer: String,
    /// Ed25519 signature over `"pactlog/v1/statement\n" || canonical statement`, standard
    /// base64 with padding (88 characters).
    signature: String,
}

/// Submits one signed statement.
#[utoipa::path(
    post,
    path = "/v1/statements",
    tag = "log",
    request_body(
        content = Envelope,
        content_type = "application/json",
        description = "One envelope, at most 64 000 bytes. A missing Content-Type is read as \
            JSON; any other than application/json is bad_request."
    ),
    responses(
        (status = 201, description = "Accepted: durable and under a signed checkpoint", body = Acknowledgement,
            headers(("Location" = String, description = "/v1/entries/{seq}"))),
        (status = 200, description = "Already logged (check 6); checkpoint = the latest", body = Acknowledgement),
        (status = 400, description = "malformed, not_canonical, bad_signature, wrong_log, schema, personal_data, clock_skew; bad_request for a content type other than JSON",
            body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "unknown_author, key_not_active, not_authorized", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "duplicate_id, invalid_transition", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "too_large", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "unknown_reference", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "overloaded (Retry-After)", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn submit(State(app): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match decide(&app, &headers, body).await {
        Ok(ack) => {
            let answer = Acknowledgement::from(&ack);
            if ack.created {
                app.metrics.submission(Outcome::Created);
                let location = HeaderValue::from_str(&format!("/v1/entries/{}", ack.seq))
                    .unwrap_or(HeaderValue::from_static("/v1/entries"));
                (
                    StatusCode::CREATED,
                    [(header::LOCATION, location)],
                    Json(answer),
                )
                    .into_response()
            } else {
                app.metrics.submission(Outcome::AlreadyLogged);
                (StatusCode::OK, Json(answer)).into_response()
            }
        }
        Err(Failure::Rejected(rejection)) => {
            app.metrics.rejection(rejection.code);
            Problem::rejection(rejection).into_response()
        }
        Err(Failure::TooLarge {
            rejection,
            close_connection,
        }) => {
            app.metrics.rejection(rejection.code);
            let mut response = Problem::rejection(rejection).into_response();
            if close_connection {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        Err(Failure::Http(problem, outcome)) => {
            app.metrics.submission(outcome);
            problem.into_response()
        }
    }
}

enum Failure {
    Rejected(Rejection),
    /// Check 1; the rest of the body may not have been read.
    TooLarge {
        rejection: Rejection,
        close_connection: bool,
    },
    Http(Problem, Outcome),
}

async fn decide(app: &AppState, headers: &HeaderMap, body: Body) -> Result<Ack, Failure> {
    let bytes = read_body(headers, body).await?;
    check_content_type(headers).map_err(|p| Failure::Http(p, Outcome::BadRequest))?;
    // Announce the submission, then let the worker take the other requests that are ready
    // before checking this one, so that they are announced too and the writer batches them
    // together (see `LedgerView::announce`). Only once the body is read: a client that sends
    // it slowly must not hold batches open.
    let announced = app.view.announce();
    tokio::task::yield_now().await;
    let prepared = announced.prepare(&bytes).map_err(Failure::Rejected)?;
    let answer = app.ledger.enqueue(prepared).map_err(submit_failure)?;
    match answer.await {
        Ok(result) => result.map_err(submit_failure),
        Err(_) => Err(submit_failure(SubmitError::Unavailable(
            "the sequencer stopped before answering".into(),
        ))),
    }
}

fn submit_failure(error: SubmitError) -> Failure {
    match error {
        SubmitError::Rejected(rejection) => Failure::Rejected(rejection),
        SubmitError::Overloaded => Failure::Http(
            Problem::overloaded(
                "the sequencer queue is full; retry shortly",
                "排序队列已满，请稍后重试",
            ),
            Outcome::Overloaded,
        ),
        SubmitError::Unavailable(reason) => Failure::Http(
            Problem::overloaded(
                format!("the ledger is not accepting statements: {reason}"),
                "账本暂不接受声明",
            ),
            Outcome::Overloaded,
        ),
    }
}

fn too_large(length: Option<u64>) -> Rejection {
    match length {
        Some(length) => Rejection::new(
            Code::TooLarge,
            format!("the request body is {length} bytes; the limit is {ENVELOPE_BYTES_MAX}"),
            format!("请求体为 {length} 字节，上限为 {ENVELOPE_BYTES_MAX} 字节"),
        ),
        None => Rejection::new(
            Code::TooLarge,
            format!("the request body is longer than {ENVELOPE_BYTES_MAX} bytes"),
            format!("请求体超过 {ENVELOPE_BYTES_MAX} 字节"),
        ),
    }
}

/// Check 1: at most [`ENVELOPE_BYTES_MAX`] bytes, whatever `Content-Length` says or
/// whether there is one (a chunked body is counted as it arrives).
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Failure> {
    let limit = ENVELOPE_BYTES_MAX as u64;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut stream = body.into_data_stream();
    if let Some(length) = declared.filter(|length| *length > limit) {
        let close_connection = length > DISCARD_BYTES_MAX || !discard(&mut stream).await;
        return Err(Failure::TooLarge {
            rejection: too_large(Some(length)),
            close_connection,
        });
    }
    let mut bytes = Vec::with_capacity(declared.map_or(8192, |length| length as usize));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::Http(
                Problem::bad_request(
                    format!("the request body could not be read: {e}"),
                    "无法读取请求体",
                ),
                Outcome::BadRequest,
            )
        })?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            let read = (bytes.len() + chunk.len()) as u64;
            let close_connection = !discard_within(&mut stream, DISCARD_BYTES_MAX - read).await;
            return Err(Failure::TooLarge {
                rejection: too_large(None),
                close_connection,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(bytes))
}

/// Reads and drops the rest of a too-large body, up to [`DISCARD_BYTES_MAX`]; false when
/// there was more (or it could not be read), and the connection must close.
async fn discard(stream: &mut axum::body::BodyDataStream) -> bool {
    discard_within(stream, DISCARD_BYTES_MAX).await
}

async fn discard_within(stream: &mut axum::body::BodyDataStream, mut budget: u64) -> bool {
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) if (chunk.len() as u64) <= budget => budget -= chunk.len() as u64,
            _ => return false,
        }
    }
    true
}

/// `application/json`, any parameters and case; or no `Content-Type` at all (read as JSON:
/// the body must still be a JSON object, check 2).
fn check_content_type(headers: &HeaderMap) -> Result<(), Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media_type = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(Problem::bad_request(
            format!(
                "Content-Type must be application/json, not {:?}",
                value.to_str().unwrap_or("(not text)")
            ),
            "Content-Type 必须为 application/json",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let with = |v: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            check_content_type(&headers)
        };
        assert!(check_content_type(&HeaderMap::new()).is_ok());
        assert!(with("application/json").is_ok());
        assert!(with("Application/JSON; charset=utf-8").is_ok());
        assert_eq!(with("text/plain").unwrap_err().code(), "bad_request");
        assert_eq!(
            with("application/x-www-form-urlencoded")
                .unwrap_err()
                .code(),
            "bad_request"
        );
    }
}
