//! `GET /v1/entries/stream?from=SEQ` (SPEC §7): Server-Sent Events, one event per entry
//! (`id:` = seq, `data:` = leaf data, which is one line: JCS escapes every control
//! character), from SEQ to the latest published entry, then each new entry as it is
//! acknowledged. A reconnecting client's `Last-Event-ID` resumes after that seq when `from`
//! is not given. The stream ends when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use pactlog_sequencer::LedgerView;
use tokio::sync::{watch, OwnedSemaphorePermit};

use crate::metrics::Metrics;
use crate::problem::{Problem, ProblemBody};
use crate::query::{parse_u64, QueryParams};
use crate::{AppState, STREAMS_MAX};

/// Entries read from the store at a time while catching up: big enough to amortize a read,
/// small enough (at most 256 × 64 KB) to keep a slow client's buffer bounded.
const CATCH_UP_BATCH_LEN: usize = 256;

/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Follows the log.
#[utoipa::path(
    get,
    path = "/v1/entries/stream",
    tag = "log",
    params(
        ("from" = Option<u64>, Query, description = "First seq (default: after Last-Event-ID, else 0)"),
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this seq when `from` is not given"),
    ),
    responses(
        (status = 200, description = "text/event-stream: `id: <seq>` and `data: <leaf data>` per entry", body = String, content_type = "text/event-stream"),
        (status = 400, description = "bad_request", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "overloaded: too many open streams", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn stream(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: QueryParams,
) -> Result<Response, Problem> {
    let from = match query.u64("from")? {
        Some(from) => from,
        None => match headers.get("last-event-id").map(|v| v.to_str()) {
            None => 0,
            Some(Ok(id)) => parse_u64("Last-Event-ID", id.trim())?.saturating_add(1),
            Some(Err(_)) => {
                return Err(Problem::bad_request(
                    "Last-Event-ID is not a seq",
                    "Last-Event-ID 不是有效的序号",
                ))
            }
        },
    };
    let permit = app.streams.clone().try_acquire_owned().map_err(|_| {
        Problem::overloaded(
            format!("more than {STREAMS_MAX} streams are open"),
            format!("已打开的事件流超过 {STREAMS_MAX} 个"),
        )
    })?;
    let follower = Follower {
        next: from,
        view: app.view.clone(),
        published_size: app.published_size.clone(),
        shutting_down: app.shutting_down.clone(),
        pending: VecDeque::new(),
        _open: OpenStream::new(permit, &app.metrics),
    };
    Ok(Sse::new(events(follower))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

/// Counts an open stream (a permit and the gauge) for as long as the stream lives.
struct OpenStream {
    _permit: OwnedSemaphorePermit,
    gauge: prometheus::IntGauge,
}

impl OpenStream {
    fn new(permit: OwnedSemaphorePermit, metrics: &Metrics) -> Self {
        metrics.streams.inc();
        OpenStream {
            _permit: permit,
            gauge: metrics.streams.clone(),
        }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

struct Follower {
    next: u64,
    view: LedgerView,
    published_size: watch::Receiver<u64>,
    shutting_down: watch::Receiver<bool>,
    pending: VecDeque<Event>,
    _open: OpenStream,
}

fn events(follower: Follower) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(follower, |mut f| async move {
        loop {
            if let Some(event) = f.pending.pop_front() {
                return Some((Ok(event), f));
            }
            if *f.shutting_down.borrow() {
                return None;
            }
            let size = *f.published_size.borrow_and_update();
            if f.next < size {
                let count = usize::try_from(size - f.next)
                    .unwrap_or(usize::MAX)
                    .min(CATCH_UP_BATCH_LEN);
                let (view, start) = (f.view.clone(), f.next);
                // A store that cannot be read ends the stream; the client reconnects with
                // Last-Event-ID.
                let leaves = tokio::task::spawn_blocking(move || view.leaves(start, count))
                    .await
                    .ok()?
                    .ok()?;
                if leaves.is_empty() {
                    return None;
                }
                for leaf in leaves {
                    let data = String::from_utf8(leaf).ok()?;
                    f.pending
                        .push_back(Event::default().id(f.next.to_string()).data(data));
                    f.next += 1;
                }
                continue;
            }
            tokio::select! {
                changed = f.published_size.changed() => changed.ok()?,
                changed = f.shutting_down.changed() => changed.ok()?,
            }
        }
    })
}
