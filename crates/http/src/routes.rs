//! The route table: every route once, with its OpenAPI description next to its handler
//! (`#[utoipa::path]`). `utoipa_axum::routes!` registers each handler under the path of its
//! description, so the router and `GET /v1/openapi.json` cannot disagree.
//!
//! One adjustment: OpenAPI has no parameter spanning path segments, so the tile routes'
//! axum wildcards (`{*index}`) are written `{index}` in the document, whose parameter
//! description says it spans segments.

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{log, meta, projections, stream, submit, tiles, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pactlog",
        description = "A transparency ledger of 结对共建 pairing and co-building agreements: signed statements, \
            an append-only log with signed checkpoints (C2SP tlog-checkpoint, tlog-tiles, tlog-proof), and \
            read-only projections. Errors are RFC 9457 problems (application/problem+json) with a stable `code`."
    ),
    tags(
        (name = "log", description = "Submit statements and read the log (SPEC §5, §7)"),
        (name = "proofs", description = "Inclusion and consistency proofs, receipts (SPEC §7, §8)"),
        (name = "tiles", description = "C2SP tlog-tiles (SPEC §8)"),
        (name = "projections", description = "The log folded into agreements, obligations, results and aggregates (SPEC §6)"),
        (name = "statements", description = "Statement body schemas (SPEC §4)"),
        (name = "operations", description = "Metrics, liveness, this document"),
    )
)]
struct ApiDoc;

/// The router (without state, fallbacks or middleware) and the OpenAPI document, from one
/// table.
pub fn router_and_openapi() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(submit::submit))
        .routes(routes!(log::checkpoint))
        .routes(routes!(log::entries))
        .routes(routes!(stream::stream))
        .routes(routes!(log::entry))
        .routes(routes!(log::statement))
        .routes(routes!(log::inclusion_proof))
        .routes(routes!(log::consistency_proof))
        .routes(routes!(log::receipt))
        .routes(routes!(projections::orgs))
        .routes(routes!(projections::org))
        .routes(routes!(projections::agreements))
        .routes(routes!(projections::agreement))
        .routes(routes!(projections::obligations))
        .routes(routes!(projections::results))
        .routes(routes!(projections::needs))
        .routes(routes!(projections::stats))
        .routes(routes!(meta::metrics))
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::openapi))
        .routes(routes!(meta::schema))
        .routes(routes!(log::tiles_checkpoint))
        .routes(routes!(tiles::hash_tile))
        .routes(routes!(tiles::entry_bundle_tile))
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_string();
    openapi.paths.paths = std::mem::take(&mut openapi.paths.paths)
        .into_iter()
        .map(|(path, item)| (openapi_path(&path), item))
        .collect();
    (router, openapi)
}

/// The OpenAPI form of an axum path: `{*name}` becomes `{name}`.
pub fn openapi_path(axum_path: &str) -> String {
    axum_path.replace("{*", "{")
}
