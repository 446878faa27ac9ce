//! The log read back (SPEC §5, §7, §8): the latest checkpoint, entries, one entry by seq or
//! statement id, inclusion and consistency proofs, and receipts. Everything is bounded by
//! the latest *published* checkpoint: an entry is visible once it is acknowledged.

use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pactlog_merkle::{Hash, Receipt};
use pactlog_sequencer::Published;
use pactlog_statement::ids::StatementId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{Problem, ProblemBody};
use crate::query::QueryParams;
use crate::{AppState, ENTRIES_PAGE_DEFAULT, ENTRIES_PAGE_MAX};

/// The header every log and projection answer carries: the tree size it reflects (SPEC §6).
pub const TREE_SIZE_HEADER: HeaderName = HeaderName::from_static("x-pactlog-tree-size");

/// The leaf hash (hex) of a single-entry answer.
pub const LEAF_HASH_HEADER: HeaderName = HeaderName::from_static("x-pactlog-leaf-hash");

/// `Cache-Control` of `GET /checkpoint` (SPEC §8: "cached a few seconds at most"): 2 s lets a
/// CDN absorb a burst of tile clients while a new checkpoint shows within 2 s.
pub const CHECKPOINT_CACHE_CONTROL: &str = "public, max-age=2";

/// `Cache-Control` of answers that never change: an entry, a full tile.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
pub const NDJSON: &str = "application/x-ndjson";

pub fn tree_size_header(size: u64) -> (HeaderName, HeaderValue) {
    (TREE_SIZE_HEADER, HeaderValue::from(size))
}

/// The latest checkpoint (SPEC §5), verbatim.
#[utoipa::path(
    get,
    path = "/v1/checkpoint",
    tag = "log",
    responses((status = 200, description = "The latest signed checkpoint (C2SP tlog-checkpoint)",
        body = String, content_type = "text/plain; charset=utf-8",
        headers(("X-Pactlog-Tree-Size" = u64))))
)]
pub async fn checkpoint(State(app): State<AppState>) -> Response {
    checkpoint_answer(&app.view.published(), "no-cache")
}

/// The latest checkpoint for tlog-tiles clients (SPEC §8): the same bytes as
/// `/v1/checkpoint`, cacheable for 2 seconds.
#[utoipa::path(
    get,
    path = "/checkpoint",
    tag = "tiles",
    responses((status = 200, description = "The latest signed checkpoint", body = String,
        content_type = "text/plain; charset=utf-8",
        headers(("Cache-Control" = String, description = "public, max-age=2"))))
)]
pub async fn tiles_checkpoint(State(app): State<AppState>) -> Response {
    checkpoint_answer(&app.view.published(), CHECKPOINT_CACHE_CONTROL)
}

fn checkpoint_answer(published: &Published, cache_control: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ),
            tree_size_header(published.size),
        ],
        published.note.to_string(),
    )
        .into_response()
}

/// Entries as NDJSON: each line exactly an entry's leaf data and `\n`.
#[utoipa::path(
    get,
    path = "/v1/entries",
    tag = "log",
    params(
        ("start" = Option<u64>, Query, description = "First seq (default 0); past the end gives an empty answer"),
        ("limit" = Option<u64>, Query, description = "At most this many entries (default 100; above 1000 counts as 1000)"),
    ),
    responses(
        (status = 200, description = "Leaf data, one entry per line", body = String,
            content_type = "application/x-ndjson", headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn entries(State(app): State<AppState>, query: QueryParams) -> Result<Response, Problem> {
    let start = query.u64("start")?.unwrap_or(0);
    let limit = query.u64("limit")?.map_or(ENTRIES_PAGE_DEFAULT, |limit| {
        usize::try_from(limit).map_or(ENTRIES_PAGE_MAX, |l| l.min(ENTRIES_PAGE_MAX))
    });
    let size = app.view.published().size;
    let count = usize::try_from(size.saturating_sub(start))
        .unwrap_or(usize::MAX)
        .min(limit);
    let mut body = Vec::new();
    if count > 0 {
        let view = app.view.clone();
        let leaves = tokio::task::spawn_blocking(move || view.leaves(start, count))
            .await
            .map_err(Problem::unavailable)?
            .map_err(Problem::unavailable)?;
        body.reserve(leaves.iter().map(|leaf| leaf.len() + 1).sum());
        for leaf in leaves {
            body.extend_from_slice(&leaf);
            body.push(b'\n');
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(NDJSON)),
            tree_size_header(size),
        ],
        body,
    )
        .into_response())
}

/// One entry by seq: its leaf data, byte for byte.
#[utoipa::path(
    get,
    path = "/v1/entries/{seq}",
    tag = "log",
    params(("seq" = u64, Path, description = "The entry's seq")),
    responses(
        (status = 200, description = "The entry `{seq, accepted_at, envelope}`: its leaf data verbatim",
            body = Object, headers(("X-Pactlog-Leaf-Hash" = String, description = "lowercase hex"))),
        (status = 404, description = "not_found", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn entry(
    State(app): State<AppState>,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let not_found = || {
        Problem::not_found(
            format!("no entry {seq:?} under the latest checkpoint"),
            format!("最新检查点下没有第 {seq} 条记录"),
        )
    };
    let seq_number = (!seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()))
        .then(|| seq.parse::<u64>().ok())
        .flatten()
        .ok_or_else(not_found)?;
    entry_answer(&app, seq_number)?.ok_or_else(not_found)
}

/// One entry by the id of its statement.
#[utoipa::path(
    get,
    path = "/v1/statements/{id}",
    tag = "log",
    params(("id" = String, Path, description = "Statement id: 64 lowercase hex digits")),
    responses(
        (status = 200, description = "The entry holding the statement: its leaf data verbatim",
            body = Object, headers(("X-Pactlog-Leaf-Hash" = String, description = "lowercase hex"))),
        (status = 404, description = "not_found", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn statement(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let seq = seq_of(&app, &id)?;
    entry_answer(&app, seq)?.ok_or_else(|| statement_not_found(&id))
}

fn statement_not_found(id: &str) -> Problem {
    Problem::not_found(
        format!("no statement {id:?} under the latest checkpoint"),
        "最新检查点下没有此声明",
    )
}

fn seq_of(app: &AppState, id: &str) -> Result<u64, Problem> {
    StatementId::parse(id)
        .ok()
        .and_then(|id| app.view.seq_of(&id))
        .ok_or_else(|| statement_not_found(id))
}

fn entry_answer(app: &AppState, seq: u64) -> Result<Option<Response>, Problem> {
    let Some(leaf) = app.view.leaf(seq).map_err(Problem::unavailable)? else {
        return Ok(None);
    };
    let leaf_hash = app
        .view
        .with_tree(|tree| tree.leaf_hash(seq))
        .unwrap_or_else(|| pactlog_merkle::leaf_hash(&leaf));
    Ok(Some(
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
                (
                    LEAF_HASH_HEADER,
                    HeaderValue::from_str(&leaf_hash.to_hex())
                        .unwrap_or(HeaderValue::from_static("")),
                ),
            ],
            leaf,
        )
            .into_response(),
    ))
}

/// An inclusion proof (RFC 9162 §2.1.3).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Standard base64 hashes, the leaf's sibling first.
    pub hashes: Vec<String>,
}

/// A consistency proof (RFC 9162 §2.1.4).
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// Standard base64 hashes.
    pub hashes: Vec<String>,
}

fn base64_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(Hash::to_base64).collect()
}

fn required(query: &QueryParams, name: &str) -> Result<u64, Problem> {
    query.u64(name)?.ok_or_else(|| {
        Problem::bad_request(
            format!("query parameter {name} is required"),
            format!("缺少查询参数 {name}"),
        )
    })
}

/// Inclusion proof of entry `seq` in the tree of `size` entries.
#[utoipa::path(
    get,
    path = "/v1/proofs/inclusion",
    tag = "proofs",
    params(
        ("seq" = u64, Query, description = "The entry's seq (leaf index)"),
        ("size" = Option<u64>, Query, description = "Tree size, seq < size ≤ the latest checkpoint's (default: the latest)"),
    ),
    responses(
        (status = 200, body = InclusionProof, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn inclusion_proof(
    State(app): State<AppState>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let seq = required(&query, "seq")?;
    let latest = app.view.published().size;
    let size = query.u64("size")?.unwrap_or(latest);
    if size > latest {
        return Err(Problem::bad_request(
            format!("size {size} is beyond the latest checkpoint's size {latest}"),
            format!("size {size} 超过最新检查点的大小 {latest}"),
        ));
    }
    if seq >= size {
        return Err(Problem::bad_request(
            format!("seq {seq} is not below size {size}"),
            format!("seq {seq} 必须小于 size {size}"),
        ));
    }
    let hashes = app
        .view
        .with_tree(|tree| tree.inclusion_proof(seq, size))
        .map_err(Problem::unavailable)?;
    Ok((
        [tree_size_header(latest)],
        Json(InclusionProof {
            leaf_index: seq,
            tree_size: size,
            hashes: base64_hashes(&hashes),
        }),
    )
        .into_response())
}

/// Consistency proof between two tree sizes.
#[utoipa::path(
    get,
    path = "/v1/proofs/consistency",
    tag = "proofs",
    params(
        ("from" = u64, Query, description = "Older tree size, at least 1"),
        ("to" = u64, Query, description = "Newer tree size, from ≤ to ≤ the latest checkpoint's"),
    ),
    responses(
        (status = 200, body = ConsistencyProof, headers(("X-Pactlog-Tree-Size" = u64))),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn consistency_proof(
    State(app): State<AppState>,
    query: QueryParams,
) -> Result<Response, Problem> {
    let from = required(&query, "from")?;
    let to = required(&query, "to")?;
    let latest = app.view.published().size;
    if !(1 <= from && from <= to && to <= latest) {
        return Err(Problem::bad_request(
            format!("need 1 ≤ from ≤ to ≤ {latest} (the latest checkpoint's size); got from {from}, to {to}"),
            format!("需满足 1 ≤ from ≤ to ≤ {latest}（最新检查点大小），实际 from {from}，to {to}"),
        ));
    }
    let hashes = app
        .view
        .with_tree(|tree| tree.consistency_proof(from, to))
        .map_err(Problem::unavailable)?;
    Ok((
        [tree_size_header(latest)],
        Json(ConsistencyProof {
            from,
            to,
            hashes: base64_hashes(&hashes),
        }),
    )
        .into_response())
}

/// A receipt (SPEC §8): C2SP tlog-proof whose `extra` is the entry's leaf data, proved
/// against the latest checkpoint.
#[utoipa::path(
    get,
    path = "/v1/receipts/{id}",
    tag = "proofs",
    params(("id" = String, Path, description = "Statement id: 64 lowercase hex digits")),
    responses(
        (status = 200, description = "c2sp.org/tlog-proof@v1 text; store it as <name>.tlog-proof",
            body = String, content_type = "text/plain; charset=utf-8"),
        (status = 404, description = "not_found", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn receipt(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let seq = seq_of(&app, &id)?;
    let published = app.view.published();
    let leaf = app
        .view
        .leaf(seq)
        .map_err(Problem::unavailable)?
        .ok_or_else(|| statement_not_found(&id))?;
    let proof = app
        .view
        .with_tree(|tree| tree.inclusion_proof(seq, published.size))
        .map_err(Problem::unavailable)?;
    let text = Receipt::encode(&leaf, seq, &proof, &published.note);
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{id}.tlog-proof\""))
        .unwrap_or(HeaderValue::from_static("inline"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN)),
            (header::CONTENT_DISPOSITION, disposition),
            tree_size_header(published.size),
        ],
        text,
    )
        .into_response())
}
