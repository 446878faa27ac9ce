//! The projection routes (SPEC §6, §7): query parameters read into `pactlog-projections`'
//! query structs, answers passed through as they come, with the tree size they reflect as
//! the header `X-Pactlog-Tree-Size` (and, from the projections, the member `tree_size`).
//!
//! `as_of` defaults to today in UTC+8, read from the server's clock: the projections read no
//! clock. `limit` defaults to 100 and is capped at 1000 by the projections; `limit=0`, a bad
//! cursor or a bad filter value is `bad_request`. An unknown org or agreement is `not_found`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pactlog_projections::{
    parse_need_status, AgreementQuery, NeedQuery, ObligationQuery, OrgQuery, Page, Projections,
    QueryError, ResultQuery, StatsQuery, LIMIT_DEFAULT,
};
use pactlog_statement::time::{Date, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use crate::log::tree_size_header;
use crate::problem::{Problem, ProblemBody};
use crate::query::QueryParams;
use crate::AppState;

/// A list answer (SPEC §6), for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ListPage {
    /// Entries folded when the answer was made.
    tree_size: u64,
    #[schema(value_type = Vec<Object>)]
    items: Vec<serde_json::Value>,
    /// Cursor of the following page (pass back as `?cursor=`), or null on the last page.
    next: Option<String>,
}

/// Today in China Standard Time (SPEC §1, §6), from the server's clock.
fn today(app: &AppState) -> Date {
    Timestamp::from_unix_millis(app.clock.now_unix_millis()).map_or(Date::MAX, |now| now.date_cst())
}

fn as_of(app: &AppState, query: &QueryParams) -> Result<Date, Problem> {
    Ok(query.parsed::<Date>("as_of")?.unwrap_or_else(|| today(app)))
}

fn limit(query: &QueryParams) -> Result<usize, Problem> {
    Ok(query.u64("limit")?.map_or(LIMIT_DEFAULT, |limit| {
        usize::try_from(limit).unwrap_or(usize::MAX)
    }))
}

fn query_error(error: QueryError) -> Problem {
    let zh = match &error {
        QueryError::BadCursor => "分页游标无效",
        QueryError::BadFilter(_) => "筛选条件无效",
    };
    Problem::bad_request(error.to_string(), zh)
}

/// Runs a query on a blocking thread (aggregates walk the whole state) under the read lock.
async fn read<T, F>(app: &AppState, f: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&Projections) -> T + Send + 'static,
{
    let projections = Arc::clone(&app.projections);
    tokio::task::spawn_blocking(move || {
        f(&projections
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    })
    .await
    .map_err(Problem::unavailable)
}

fn page<T: Serialize>(result: Result<Page<T>, QueryError>) -> Result<Response, Problem> {
    let page = result.map_err(query_error)?;
    Ok(([tree_size_header(page.tree_size)], Json(page)).into_response())
}

fn detail<T: Serialize>(tree_size: u64, answer: T) -> Response {
    ([tree_size_header(tree_size)], Json(answer)).into_response()
}

/// The org directory, by id.
#[utoipa::path(
    get,
    path = "/v1/orgs",
    tag = "projections",
    params(
        ("region" = Option<String>, Query, description = "Orgs whose region this region contains"),
        ("kind" = Option<String>, Query, description = "organ, enterprise, village, community, institution, social, authority"),
        ("q" = Option<String>, Query, description = "A substring of the id or the name"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 100, at most 1000"),
    ),
    responses(
        (status = 200, body = ListPage, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn orgs(State(app): State<AppState>, query: QueryParams) -> Result<Response, Problem> {
    let q = OrgQuery {
        region: query.parsed("region")?,
        kind: query.parsed("kind")?,
        q: query.get("q").map(str::to_string),
        cursor: query.get("cursor").map(str::to_string),
        limit: limit(&query)?,
    };
    page(read(&app, move |p| p.orgs(&q)).await?)
}

/// An org's profile, with its agreements' states as of a date.
#[utoipa::path(
    get,
    path = "/v1/orgs/{id}",
    tag = "projections",
    params(
        ("id" = String, Path, description = "Org id"),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today (UTC+8)"),
    ),
    responses(
        (status = 200, body = Object, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn org(
    State(app): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let as_of = as_of(&app, &query)?;
    let lookup = id.clone();
    let answer = read(&app, move |p| p.org(&lookup, as_of)).await?;
    let answer = answer.ok_or_else(|| {
        Problem::not_found(
            format!("no org {id:?} is registered"),
            format!("组织 {id} 未登记"),
        )
    })?;
    Ok(detail(answer.tree_size, answer))
}

/// Agreements with their state as of a date, by id.
#[utoipa::path(
    get,
    path = "/v1/agreements",
    tag = "projections",
    params(
        ("state" = Option<String>, Query, description = "proposed, pending_start, active, expired, terminated"),
        ("party" = Option<String>, Query, description = "Agreements this org is a party to"),
        ("region" = Option<String>, Query, description = "Agreements with a party in this region"),
        ("kind" = Option<String>, Query, description = "pairing, tripartite, alliance, resident"),
        ("category" = Option<String>, Query),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today (UTC+8)"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 100, at most 1000"),
    ),
    responses(
        (status = 200, body = ListPage, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn agreements(
    State(app): State<AppState>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let q = AgreementQuery {
        state: query.parsed("state")?,
        party: query.parsed("party")?,
        region: query.parsed("region")?,
        kind: query.parsed("kind")?,
        category: query.parsed("category")?,
        as_of: as_of(&app, &query)?,
        cursor: query.get("cursor").map(str::to_string),
        limit: limit(&query)?,
    };
    page(read(&app, move |p| p.agreements(&q)).await?)
}

/// An agreement as of a date: versions, signatures, obligations with status, results,
/// evaluations, cards.
#[utoipa::path(
    get,
    path = "/v1/agreements/{id}",
    tag = "projections",
    params(
        ("id" = String, Path, description = "Agreement id"),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today (UTC+8)"),
    ),
    responses(
        (status = 200, body = Object, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn agreement(
    State(app): State<AppState>,
    Path(id): Path<String>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let as_of = as_of(&app, &query)?;
    let lookup = id.clone();
    let answer = read(&app, move |p| p.agreement(&lookup, as_of)).await?;
    let answer = answer.ok_or_else(|| {
        Problem::not_found(
            format!("no agreement {id:?} has been proposed"),
            format!("协议 {id} 不存在"),
        )
    })?;
    Ok(detail(answer.tree_size, answer))
}

/// Obligations of the versions in force, with their status as of a date.
#[utoipa::path(
    get,
    path = "/v1/obligations",
    tag = "projections",
    params(
        ("status" = Option<String>, Query, description = "met, disputed, overdue, at_risk, open"),
        ("agreement" = Option<String>, Query), ("party" = Option<String>, Query),
        ("owner" = Option<String>, Query), ("region" = Option<String>, Query),
        ("category" = Option<String>, Query),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today (UTC+8)"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 100, at most 1000"),
    ),
    responses(
        (status = 200, body = ListPage, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn obligations(
    State(app): State<AppState>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let q = ObligationQuery {
        status: query.parsed("status")?,
        agreement: query.parsed("agreement")?,
        party: query.parsed("party")?,
        owner: query.parsed("owner")?,
        region: query.parsed("region")?,
        category: query.parsed("category")?,
        as_of: as_of(&app, &query)?,
        cursor: query.get("cursor").map(str::to_string),
        limit: limit(&query)?,
    };
    page(read(&app, move |p| p.obligations(&q)).await?)
}

/// Results, newest first.
#[utoipa::path(
    get,
    path = "/v1/results",
    tag = "projections",
    params(
        ("agreement" = Option<String>, Query), ("obligation" = Option<String>, Query),
        ("party" = Option<String>, Query), ("reporter" = Option<String>, Query),
        ("region" = Option<String>, Query), ("category" = Option<String>, Query),
        ("confirmation" = Option<String>, Query, description = "unconfirmed, confirmed, disputed"),
        ("from" = Option<String>, Query, description = "Results dated on or after (YYYY-MM-DD)"),
        ("to" = Option<String>, Query, description = "Results dated on or before (YYYY-MM-DD)"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 100, at most 1000"),
    ),
    responses(
        (status = 200, body = ListPage, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn results(State(app): State<AppState>, query: QueryParams) -> Result<Response, Problem> {
    let q = ResultQuery {
        agreement: query.parsed("agreement")?,
        obligation: query.parsed("obligation")?,
        party: query.parsed("party")?,
        reporter: query.parsed("reporter")?,
        region: query.parsed("region")?,
        category: query.parsed("category")?,
        confirmation: query.parsed("confirmation")?,
        from: query.parsed("from")?,
        to: query.parsed("to")?,
        cursor: query.get("cursor").map(str::to_string),
        limit: limit(&query)?,
    };
    page(read(&app, move |p| p.results(&q)).await?)
}

/// Needs (群众点单), newest first.
#[utoipa::path(
    get,
    path = "/v1/needs",
    tag = "projections",
    params(
        ("status" = Option<String>, Query, description = "open, claimed, fulfilled, closed"),
        ("poster" = Option<String>, Query), ("claimant" = Option<String>, Query),
        ("region" = Option<String>, Query), ("category" = Option<String>, Query),
        ("agreement" = Option<String>, Query),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 100, at most 1000"),
    ),
    responses(
        (status = 200, body = ListPage, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn needs(State(app): State<AppState>, query: QueryParams) -> Result<Response, Problem> {
    let status = query
        .get("status")
        .map(parse_need_status)
        .transpose()
        .map_err(query_error)?;
    let q = NeedQuery {
        status,
        poster: query.parsed("poster")?,
        claimant: query.parsed("claimant")?,
        region: query.parsed("region")?,
        category: query.parsed("category")?,
        agreement: query.parsed("agreement")?,
        cursor: query.get("cursor").map(str::to_string),
        limit: limit(&query)?,
    };
    page(read(&app, move |p| p.needs(&q)).await?)
}

/// The aggregates of SPEC §6.
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "projections",
    params(
        ("region" = Option<String>, Query, description = "Six-digit region; default the nation"),
        ("period" = Option<String>, Query, description = "2025, 2025-H1, 2025-Q3 or 2025-07"),
        ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today (UTC+8)"),
    ),
    responses(
        (status = 200, body = Object, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn stats(State(app): State<AppState>, query: QueryParams) -> Result<Response, Problem> {
    let q = StatsQuery {
        region: query.parsed("region")?,
        period: query.parsed("period")?,
        as_of: as_of(&app, &query)?,
    };
    let key = format!(
        "{}|{}|{}",
        q.region
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        q.period
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        q.as_of
    );
    let tree_size = app
        .projections
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .tree_size();
    if let Some(body) = lock_cache(&app).get(tree_size, &key) {
        return Ok(json_body(tree_size, body));
    }
    let answer = read(&app, move |p| p.stats(&q)).await?;
    let body: Arc<[u8]> = serde_json::to_vec(&answer)
        .map_err(Problem::unavailable)?
        .into();
    lock_cache(&app).put(answer.tree_size, key, Arc::clone(&body));
    Ok(json_body(answer.tree_size, body))
}

/// Stats answers for the current tree size. An answer depends only on the folded log and
/// the query (`as_of` included), so it is valid until the next entry is folded; computing one
/// scans every agreement (milliseconds at a few thousand), far too slow to repeat for every
/// request of a public dashboard. Cleared whenever the tree size moves on.
#[derive(Default)]
pub(crate) struct StatsCache {
    tree_size: u64,
    answers: std::collections::HashMap<String, Arc<[u8]>>,
}

/// Distinct stats queries kept per tree size: regions × periods × dates a dashboard asks
/// for; beyond this the cache starts over rather than grow without bound.
const STATS_CACHE_LEN_MAX: usize = 1024;

impl StatsCache {
    fn get(&self, tree_size: u64, key: &str) -> Option<Arc<[u8]>> {
        (self.tree_size == tree_size)
            .then(|| self.answers.get(key).cloned())
            .flatten()
    }

    fn put(&mut self, tree_size: u64, key: String, body: Arc<[u8]>) {
        if self.tree_size != tree_size || self.answers.len() >= STATS_CACHE_LEN_MAX {
            self.answers.clear();
            self.tree_size = tree_size;
        }
        self.answers.insert(key, body);
    }
}

fn lock_cache(app: &AppState) -> std::sync::MutexGuard<'_, StatsCache> {
    app.stats_cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn json_body(tree_size: u64, body: Arc<[u8]>) -> Response {
    (
        [
            tree_size_header(tree_size),
            (
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            ),
        ],
        axum::body::Bytes::from_owner(body),
    )
        .into_response()
}
