//! C2SP tlog-tiles (SPEC §8): hash tiles `/tile/<L>/<N>[.p/<W>]` and entry bundles
//! `/tile/entries/<N>[.p/<W>]`, as `application/octet-stream`.
//!
//! A tile is served when some tree of at most the latest checkpoint's size publishes it
//! (`Tile::available_at`): every full tile the tree covers, and every partial tile of every
//! earlier size, so a client holding an older checkpoint can still read its tiles. Anything
//! else — a malformed path, a tile beyond the tree, an empty tile — is `not_found`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use pactlog_merkle::tile::{entry_bundle, read_hash_tile, Tile, TileError, TileKind};
use pactlog_merkle::TILE_WIDTH;

use crate::log::IMMUTABLE;
use crate::problem::{Problem, ProblemBody};
use crate::AppState;

/// `Cache-Control` of a partial tile. Its bytes never change either (a partial tile is a
/// prefix of the full tile it grows into), but clients move on to the full tile, so an hour
/// is plenty.
const PARTIAL_TILE_CACHE_CONTROL: &str = "public, max-age=3600";

/// A hash tile: `W` hashes of 32 bytes, concatenated.
#[utoipa::path(
    get,
    path = "/tile/{level}/{*index}",
    tag = "tiles",
    params(
        ("level" = u8, Path, description = "Tile level L, 0–63"),
        ("index" = String, Path, description = "N in x001/x234/067 form (it spans path segments), optionally followed by .p/<W> for a partial tile of width W"),
    ),
    responses(
        (status = 200, description = "The tile; full tiles are immutable", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "not_found: no such tile", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn hash_tile(
    State(app): State<AppState>,
    Path((level, index)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let path = format!("tile/{level}/{index}");
    let tile = parse(&path)?;
    let size = app.view.published().size;
    let bytes = app
        .view
        .with_tree(|tree| read_hash_tile(tree, size, &tile))
        .map_err(|error| match error {
            TileError::NotAvailable { .. } => not_found(&path, size),
            other => Problem::unavailable(other),
        })?;
    Ok(answer(&tile, bytes))
}

/// An entry bundle: each entry's leaf data behind a big-endian uint16 length.
#[utoipa::path(
    get,
    path = "/tile/entries/{*index}",
    tag = "tiles",
    params(
        ("index" = String, Path, description = "N in x001/x234/067 form (it spans path segments), optionally followed by .p/<W>"),
    ),
    responses(
        (status = 200, description = "The entry bundle; full bundles are immutable", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 404, description = "not_found: no such bundle", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn entry_bundle_tile(
    State(app): State<AppState>,
    Path(index): Path<String>,
) -> Result<Response, Problem> {
    let path = format!("tile/entries/{index}");
    let tile = parse(&path)?;
    let size = app.view.published().size;
    if tile.kind() != TileKind::Entries || !tile.available_at(size) {
        return Err(not_found(&path, size));
    }
    let start = tile.index() * u64::from(TILE_WIDTH);
    let width = usize::from(tile.width());
    let view = app.view.clone();
    let leaves = tokio::task::spawn_blocking(move || view.leaves(start, width))
        .await
        .map_err(Problem::unavailable)?
        .map_err(Problem::unavailable)?;
    if leaves.len() != width {
        return Err(Problem::unavailable(format!(
            "read {} entries for a bundle of {width}",
            leaves.len()
        )));
    }
    let bytes = entry_bundle(&leaves).map_err(Problem::unavailable)?;
    Ok(answer(&tile, bytes))
}

fn parse(path: &str) -> Result<Tile, Problem> {
    Tile::parse_path(path).map_err(|error| {
        Problem::not_found(
            format!("/{path} is not a tile: {error}"),
            format!("/{path} 不是有效的瓦片路径"),
        )
    })
}

fn not_found(path: &str, size: u64) -> Problem {
    Problem::not_found(
        format!("/{path} is not published by any tree of at most {size} entries"),
        format!("大小不超过 {size} 的树中没有 /{path}"),
    )
}

fn answer(tile: &Tile, bytes: Vec<u8>) -> Response {
    let cache_control = if tile.is_partial() {
        PARTIAL_TILE_CACHE_CONTROL
    } else {
        IMMUTABLE
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ),
        ],
        bytes,
    )
        .into_response()
}
