//! The pactlog HTTP interface (SPEC §7, §8): the one write (`POST /v1/statements`), the log
//! read back (checkpoint, entries, an SSE stream, proofs, receipts, C2SP tiles), the
//! projections (SPEC §6), and the operational routes (`/metrics`, `/healthz`, the OpenAPI
//! document, the body schemas).
//!
//! # Shape
//!
//! - [`Server::new`] takes an open [`Ledger`], folds the projections from the whole log and
//!   starts two follower threads: one tells the async side (SSE streams) when the published
//!   size grows, one folds each newly published entry into the projections (SPEC §6: within
//!   one second).
//! - [`Server::router`] is the axum router. Every route is declared once with
//!   `#[utoipa::path]` and registered through `utoipa_axum::routes!`, so the router and
//!   `GET /v1/openapi.json` come from the same table (`routes.rs`).
//! - [`Server::run`] serves until SIGTERM or SIGINT, then shuts down gracefully: it stops
//!   accepting, ends SSE streams, finishes the requests in flight (a submission in flight is
//!   answered once its batch is durable), and hands the [`Ledger`] back so the caller can
//!   [`Ledger::shutdown`] it (queued batches finish; nothing is half-written).
//!
//! # Decisions where SPEC is silent
//!
//! - `POST /v1/statements` reads at most [`ENVELOPE_BYTES_MAX`] bytes before anything else
//!   (check 1, `too_large`, 413). Then the `Content-Type`: absent or `application/json`
//!   (any parameters, any case) goes on to check 2; anything else is `bad_request` (400),
//!   since SPEC §4.2 allows no other code outside the §4 checks.
//! - A path that exists with another method is `not_found` (404), for the same reason.
//! - A ledger that cannot write (a failed sync) or a store read that fails is `overloaded`
//!   (503, `Retry-After`): the only 5xx code SPEC §4.2 names.
//! - `GET /v1/entries/{seq}` and `GET /v1/statements/{id}` answer the entry's leaf data
//!   byte for byte (`application/json`), nothing added, so the body hashes to the leaf hash;
//!   the leaf hash (hex) is also in the header `X-Pactlog-Leaf-Hash`.
//! - `limit` above [`ENTRIES_PAGE_MAX`] is capped at it; `limit=0` gives an empty page.
//! - Log answers carry `X-Pactlog-Tree-Size` too (the published size they were read at).
//!
//! # Architecture invariants
//!
//! - This is the only crate that knows axum and HTTP status codes.
//! - It decides no rule of SPEC §3–§4: checks 1–5, 7–8 are `Prepared::new`'s, the rest the
//!   sequencer's state machine; a rejection's code, detail, Chinese message and pointer are
//!   passed through as they come.
//! - Nothing is answered `201` before the sequencer acknowledged it (durable, under a
//!   signed checkpoint).

mod follower;
mod log;
mod meta;
mod metrics;
mod middleware;
mod problem;
mod projections;
mod query;
mod routes;
mod stream;
mod submit;
mod tiles;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::serve::ListenerExt;
use axum::Router;
use pactlog_sequencer::{Clock, Ledger, LedgerView};
use tokio::sync::{watch, Semaphore};

pub use pactlog_statement::envelope::ENVELOPE_BYTES_MAX;
pub use problem::Problem;

/// Entries `GET /v1/entries` answers when no `limit` is given (SPEC §7).
pub const ENTRIES_PAGE_DEFAULT: usize = 100;

/// Most entries one `GET /v1/entries` answers (SPEC §7); a larger `limit` is capped. At most
/// 1 000 × 65 535 bytes, a bounded response even for the largest entries.
pub const ENTRIES_PAGE_MAX: usize = 1000;

/// Requests handled at once. Beyond this the server answers `overloaded` (503) at once
/// rather than queueing: 1 024 waiting submissions is a quarter of the sequencer's queue, and
/// reads are quick, so a client that sees 503 retries into a server that has caught up.
pub const REQUESTS_IN_FLIGHT_MAX: usize = 1024;

/// Open SSE streams (`GET /v1/entries/stream`). Each holds a connection for as long as the
/// client likes; 256 followers (mirrors, dashboards, auditors) is plenty for one log, and the
/// bound keeps a flood of streams from starving the other routes.
pub const STREAMS_MAX: usize = 256;

/// Longest a request may take to produce its response head. A submission waits for its
/// batch's `fdatasync` and checkpoint (milliseconds); 30 s is far beyond any healthy batch
/// and short enough that a stuck disk is reported rather than hidden. SSE bodies are not
/// bounded by it (their head is sent at once).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `Retry-After` of an `overloaded` answer, in seconds: one group commit takes milliseconds,
/// so a second is enough for the queue to drain.
pub const RETRY_AFTER_S: u64 = 1;

/// After SIGTERM, how long requests in flight may take to finish before their connections
/// are dropped. A submission in flight needs one batch; 10 s covers a slow disk.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Threads of the runtime's blocking pool: store reads of entry pages and bundles,
/// projection queries (signature checks run on the async workers, see `submit.rs`). Each holds at most one request's work, so 64
/// keeps two cores saturated many times over while bounding the threads a flood can create
/// (tokio's default is 512).
pub const BLOCKING_THREADS_MAX: usize = 64;

/// How often the follower threads wake to check for shutdown while no entry arrives.
const FOLLOWER_POLL: Duration = Duration::from_millis(200);

/// What the handlers share. One `Arc`: axum clones the state for every extractor and
/// middleware of every request, and cloning a dozen `Arc`s and `watch` receivers each time
/// was 3 % of the server's CPU under ingest.
#[derive(Clone)]
pub(crate) struct AppState(Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

pub(crate) struct App {
    pub ledger: Arc<Ledger>,
    pub view: LedgerView,
    pub metrics: Arc<metrics::Metrics>,
    /// The latest published tree size, as the size follower saw it (for SSE streams).
    pub published_size: watch::Receiver<u64>,
    /// Becomes true when the server shuts down (SSE streams end).
    pub shutting_down: watch::Receiver<bool>,
    pub requests_in_flight: Arc<Semaphore>,
    pub streams: Arc<Semaphore>,
    pub projections: Arc<RwLock<pactlog_projections::Projections>>,
    /// Whether the projection follower stopped on an entry it could not fold.
    pub projections_failed: Arc<std::sync::atomic::AtomicBool>,
    /// The clock `as_of` defaults are read from (SPEC §6: today in UTC+8).
    pub clock: Arc<dyn Clock>,
    /// `GET /v1/openapi.json`, serialized once.
    pub openapi_json: Arc<str>,
    /// `GET /v1/stats` answers of the current tree size (see [`projections::StatsCache`]).
    pub stats_cache: Arc<std::sync::Mutex<projections::StatsCache>>,
}

/// Why the server could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("folding the log into projections failed: {0}")]
    Projections(String),
    #[error("the ledger is still in use after the server stopped")]
    LedgerInUse,
}

/// The HTTP server over one open ledger.
pub struct Server {
    ledger: Arc<Ledger>,
    state: AppState,
    router: Router,
    shutdown_sender: watch::Sender<bool>,
    followers: follower::Followers,
}

impl Server {
    /// Builds the server: folds the whole log into fresh projections (blocking; like
    /// [`Ledger::open`], it reads every entry), then starts the follower threads.
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>) -> Result<Server, ServeError> {
        let ledger = Arc::new(ledger);
        let view = ledger.view();
        let metrics = Arc::new(metrics::Metrics::new());
        let (projections, folded) =
            follower::fold_from_scratch(&view).map_err(ServeError::Projections)?;
        metrics.projection_entries.set(folded as i64);
        let projections = Arc::new(RwLock::new(projections));
        let projections_failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (shutdown_sender, shutting_down) = watch::channel(false);
        let (followers, published_size) = follower::Followers::start(
            view.clone(),
            Arc::clone(&projections),
            folded,
            Arc::clone(&metrics),
            Arc::clone(&projections_failed),
        )?;
        let (router, openapi) = routes::router_and_openapi();
        let openapi_json: Arc<str> = openapi
            .to_pretty_json()
            .map_err(|e| ServeError::Io(std::io::Error::other(e)))?
            .into();
        let state = AppState(Arc::new(App {
            view,
            ledger: Arc::clone(&ledger),
            metrics,
            published_size,
            shutting_down,
            requests_in_flight: Arc::new(Semaphore::new(REQUESTS_IN_FLIGHT_MAX)),
            streams: Arc::new(Semaphore::new(STREAMS_MAX)),
            projections,
            projections_failed,
            clock,
            openapi_json,
            stats_cache: Arc::default(),
        }));
        let router = middleware::wrap(router, state.clone());
        Ok(Server {
            ledger,
            state,
            router,
            shutdown_sender,
            followers,
        })
    }

    /// The router with every route and middleware, ready to serve.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The OpenAPI 3.1 document (`GET /v1/openapi.json`).
    pub fn openapi_json(&self) -> &str {
        &self.state.openapi_json
    }

    /// Serves on `listener` until `shutdown` completes, then shuts down gracefully: stops
    /// accepting, ends SSE streams, and waits up to [`SHUTDOWN_GRACE`] for requests in
    /// flight. Must run inside a multi-threaded tokio runtime.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stopping_sender, mut stopping) = watch::channel(false);
        let shutdown_sender = self.shutdown_sender.clone();
        let signal = async move {
            shutdown.await;
            let _ = shutdown_sender.send(true);
            let _ = stopping_sender.send(true);
        };
        // Answers and SSE events are written whole; Nagle's algorithm would only hold a write
        // back until the client acknowledges the previous one.
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                eprintln!("could not set TCP_NODELAY on a connection: {error}");
            }
        });
        let serving = axum::serve(
            listener,
            self.router
                .clone()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);
        let grace = async move {
            let _ = stopping.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            result = serving => result,
            () = grace => {
                eprintln!(
                    "shutdown: requests still in flight after {} s are dropped",
                    SHUTDOWN_GRACE.as_secs()
                );
                Ok(())
            }
        }
    }

    /// Runs the server on its own tokio runtime until SIGTERM or SIGINT, then shuts down
    /// gracefully and returns the ledger for the caller to [`Ledger::shutdown`].
    /// `on_listening` is called once the signal handlers are installed and the listener
    /// accepts (so a test may signal as soon as it knows the address).
    pub fn run(
        self,
        listener: std::net::TcpListener,
        on_listening: impl FnOnce(SocketAddr),
    ) -> Result<Ledger, ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(BLOCKING_THREADS_MAX)
            .thread_name("pactlog-http")
            .build()?;
        let served = runtime.block_on(async {
            use tokio::signal::unix::{signal, SignalKind};
            let mut terminate = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            listener.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            on_listening(listener.local_addr()?);
            let shutdown = async move {
                tokio::select! {
                    _ = terminate.recv() => eprintln!("shutdown: SIGTERM"),
                    _ = interrupt.recv() => eprintln!("shutdown: SIGINT"),
                }
            };
            self.serve(listener, shutdown).await
        });
        // Drops whatever connection tasks outlived the grace period, and with them their
        // handles on the ledger.
        runtime.shutdown_timeout(Duration::from_secs(1));
        served?;
        self.into_ledger()
    }

    /// Stops the followers and gives the ledger back. Every router clone and connection
    /// must be gone (the ledger is shared with them).
    pub fn into_ledger(self) -> Result<Ledger, ServeError> {
        let Server {
            ledger,
            state,
            router,
            shutdown_sender,
            followers,
        } = self;
        let _ = shutdown_sender.send(true);
        followers.stop();
        drop((state, router));
        Arc::try_unwrap(ledger).map_err(|_| ServeError::LedgerInUse)
    }
}
