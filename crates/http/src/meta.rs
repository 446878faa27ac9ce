//! Operational routes: `/metrics`, `/healthz`, `/v1/openapi.json`, `/v1/schemas/{type}`.

use std::str::FromStr;
use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pactlog_statement::schema::body_schema_file;
use pactlog_statement::statement::StatementType;
use serde::Serialize;
use utoipa::ToSchema;

use crate::log::tree_size_header;
use crate::problem::{Problem, ProblemBody};
use crate::AppState;

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String,
        content_type = "text/plain; version=0.0.4; charset=utf-8"))
)]
pub async fn metrics(State(app): State<AppState>) -> Response {
    let size = app.view.published().size;
    app.metrics
        .log_entries
        .set(i64::try_from(size).unwrap_or(i64::MAX));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// What `/healthz` says.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Health {
    /// `ok`, or `failing` when the ledger stopped writing after a failed write or sync, or
    /// the projections stopped folding.
    pub status: String,
    /// Entries under the latest checkpoint.
    pub tree_size: u64,
    /// Entries folded into the projections.
    pub projections_tree_size: u64,
}

/// Liveness.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "The ledger cannot write or the projections stopped", body = Health),
    )
)]
pub async fn healthz(State(app): State<AppState>) -> Response {
    let tree_size = app.view.published().size;
    let projections_tree_size = app
        .projections
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .tree_size();
    let failing = app.view.has_failed() || app.projections_failed.load(Ordering::SeqCst);
    let status = if failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        status,
        [
            tree_size_header(tree_size),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(Health {
            status: if failing { "failing" } else { "ok" }.into(),
            tree_size,
            projections_tree_size,
        }),
    )
        .into_response()
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 description of every route", body = Object))
)]
pub async fn openapi(State(app): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        app.openapi_json.to_string(),
    )
        .into_response()
}

/// The JSON Schema (draft 2020-12) of a statement type's body (SPEC §4.2).
#[utoipa::path(
    get,
    path = "/v1/schemas/{type}",
    tag = "statements",
    params(("type" = String, Path, description = "A statement type of SPEC §4, e.g. agreement.proposed")),
    responses(
        (status = 200, description = "The body's JSON Schema", body = Object, content_type = "application/schema+json"),
        (status = 404, description = "not_found: no such statement type", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn schema(Path(statement_type): Path<String>) -> Result<Response, Problem> {
    let parsed = StatementType::from_str(&statement_type).map_err(|_| {
        Problem::not_found(
            format!("{statement_type:?} is not a statement type of SPEC §4"),
            format!("{statement_type} 不是 SPEC §4 中的声明类型"),
        )
    })?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/schema+json"),
        )],
        body_schema_file(parsed),
    )
        .into_response())
}
