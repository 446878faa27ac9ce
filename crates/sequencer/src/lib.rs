//! The sequencer (SPEC §5): the one writer of a pactlog log.
//!
//! Submissions are prepared (checks 1–5, 7–8: parsing and signature verification) on the
//! caller's thread, so verification runs on every core. Prepared submissions queue for the
//! single writer thread, which takes them in batches: it decides each one with the state
//! machine (checks 6, 9–15), appends the accepted ones to the store, makes the batch durable
//! with one `fdatasync`, extends the Merkle tree, signs a checkpoint over it and persists the
//! checkpoint — and only then acknowledges anyone (group commit). An acknowledged entry is on
//! disk and under a signed checkpoint.
//!
//! Batching and checkpointing live here, once, above the store (the Tessera shape): the store
//! knows files, not statements.

pub mod clock;
mod ingest;
pub mod keyfile;
pub mod load;
mod open;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use pactlog_merkle::{Hash, Tree};
use pactlog_state::replay::Prepared;
use pactlog_statement::ids::StatementId;
use pactlog_statement::rejection::Rejection;
use pactlog_statement::time::Timestamp;
use pactlog_store::{LogReader, StoreError};

pub use clock::{Clock, ManualClock, SystemClock};
pub use open::{InitOptions, InitReport, OpenReport};

/// Submissions waiting for the writer. Beyond this the ledger answers `overloaded` instead
/// of queueing without bound: 4 096 is several batches' worth, enough to keep the writer busy
/// through an `fdatasync`, small enough that a waiting client hears back within a few
/// batches.
pub const QUEUE_LEN_MAX: usize = 4096;

/// Most submissions decided and written in one group commit. Large batches amortize the
/// `fdatasync` and the checkpoint signature; 1 024 entries of at most 64 KB stay within the
/// store's write buffer a few times over.
pub const BATCH_LEN_MAX: usize = 1024;

/// Longest the writer holds a batch open, from its first submission, for submissions on their
/// way: being checked at that moment ([`LedgerView::prepare`]), or, when many are announced,
/// announced ([`LINGER_BACKLOG`]). Each batch costs two
/// `fdatasync`s and a checkpoint signature (about 90 µs of CPU on the development machine,
/// besides the wait); when the cores are busy verifying, syncing as soon as the queue runs
/// dry gave batches of about ten and spent a third of the writer's CPU on them. Waiting for
/// submissions already on their way — never for a lone one, never longer than this — is the
/// `commit_delay`/`commit_siblings` rule of PostgreSQL's group commit. 2 ms is the time two
/// cores take to check a few dozen statements, so a backlog of 64 HTTP requests fills most
/// of a batch (1 ms gave 25 per commit, 2 ms 25–33).
pub const LINGER_MAX: Duration = Duration::from_millis(2);

/// A batch this long is not held open any longer: the per-batch cost is then spread thin.
pub const LINGER_BATCH_LEN: usize = 64;

/// Submissions announced but not yet queued ([`LedgerView::announce`]) from which the writer
/// waits for all of them, not only for those being checked. Below it the cores are not the
/// bottleneck, and committing early lets the remaining checks run during the batch's
/// `fdatasync`s (eight closed-loop HTTP clients: 0.61 of in-process when waiting for all,
/// 0.70–0.88 when not); above it they are, and bigger batches save CPU (64 clients: 10
/// statements per commit → 25–33, server CPU per statement 181 → 152–159 µs).
pub const LINGER_BACKLOG: usize = 16;

/// Directory, inside the data directory, of the keys `pactlog init` creates.
pub const KEYS_DIR: &str = "keys";
/// The checkpoint signing key (SPEC §5), mode 0600.
pub const CHECKPOINT_KEY_FILE: &str = "checkpoint.key";
/// The root authority's first signing key, mode 0600.
pub const AUTHORITY_KEY_FILE: &str = "authority.key";

/// What a submission gets back once acknowledged (SPEC §7 `POST /v1/statements`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub seq: u64,
    pub id: StatementId,
    pub leaf_hash: Hash,
    pub accepted_at: Timestamp,
    /// The signed checkpoint covering the entry (for an already-logged statement, the
    /// latest).
    pub checkpoint: Arc<str>,
    /// True when this submission created the entry, false when it was already logged
    /// (HTTP 201 vs 200).
    pub created: bool,
}

/// Why a submission was not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Rejected(Rejection),
    /// The queue is full; try again shortly.
    #[error("the sequencer queue is full")]
    Overloaded,
    /// The ledger cannot write any more (a failed write or sync, or shutting down); nothing
    /// was acknowledged.
    #[error("the ledger is not accepting statements: {0}")]
    Unavailable(String),
}

/// Why a ledger could not be created or opened.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    KeyFile(#[from] keyfile::KeyFileError),
    #[error("{0}")]
    Init(String),
    #[error("the log in {dir} does not replay: {reason}")]
    Replay { dir: PathBuf, reason: String },
    /// SPEC §5: fewer entries than the latest checkpoint covers, or other entries than it
    /// covers. Acknowledged data is lost; the ledger refuses to start and never signs over it.
    #[error("the log in {dir} has lost acknowledged data: {reason}. Refusing to start; restore the data directory from a replica or backup")]
    LostAcknowledged { dir: PathBuf, reason: String },
    #[error("the checkpoint key in {path} is not the one the genesis pins ({pinned})")]
    WrongCheckpointKey { path: PathBuf, pinned: String },
}

/// The latest published checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub size: u64,
    pub root: Hash,
    pub note: Arc<str>,
}

/// What readers share with the writer.
struct Shared {
    origin: String,
    genesis: pactlog_state::Genesis,
    /// The root authority's region, for tools that register orgs under it.
    root_region: pactlog_statement::ids::Region,
    verifier_key: String,
    reader: LogReader,
    tree: RwLock<Tree>,
    published: Mutex<Published>,
    failed: AtomicBool,
    /// Submissions between the start of [`LedgerView::prepare`] and their arrival in the
    /// writer's queue (or their refusal): what a lingering writer waits for.
    in_flight: AtomicUsize,
    /// Of those, the ones being checked right now.
    verifying: AtomicUsize,
    /// Batches made durable and checkpointed since the ledger opened.
    group_commits: std::sync::atomic::AtomicU64,
    /// Where the writer sends each published batch's entries (see
    /// [`LedgerView::follow_commits`]).
    follower: Mutex<Option<SyncSender<Arc<[Committed]>>>>,
    /// The writer thread, unparked when the last submission in flight arrives.
    writer_thread: std::sync::OnceLock<std::thread::Thread>,
}

/// One entry of a published group commit, as the writer decided it: the entry and its
/// statement, already parsed.
#[derive(Debug)]
pub struct Committed {
    pub entry: pactlog_statement::entry::Entry,
    pub statement: pactlog_statement::statement::Statement,
}

/// Published group commits a follower may have waiting before newer ones are not sent to
/// it (it then reads what it missed back from the log).
pub const FOLLOW_QUEUE_LEN: usize = 64;

/// A submission that passed checks 1–5 and 7–8, on its way to the writer. Counted in
/// flight (see [`LedgerView::announce`]) until it is queued or dropped.
pub struct Submission {
    prepared: Prepared,
    _in_flight: InFlight,
}

/// A submission announced to the writer ([`LedgerView::announce`]), not yet checked.
pub struct Announced {
    view: LedgerView,
    in_flight: InFlight,
}

impl Announced {
    /// Checks 1–5 and 7–8, as [`LedgerView::prepare`]; still counted in flight until the
    /// result is queued or dropped.
    pub fn prepare(self, body: &[u8]) -> Result<Submission, Rejection> {
        let verifying = Verifying::new(&self.view.shared);
        let prepared = Prepared::new(body, &self.view.shared.origin)?;
        drop(verifying);
        Ok(Submission {
            prepared,
            _in_flight: self.in_flight,
        })
    }
}

/// One count in [`Shared::verifying`], given back when dropped.
struct Verifying<'a>(&'a Shared);

impl<'a> Verifying<'a> {
    fn new(shared: &'a Shared) -> Verifying<'a> {
        shared.verifying.fetch_add(1, Ordering::SeqCst);
        Verifying(shared)
    }
}

impl Drop for Verifying<'_> {
    fn drop(&mut self) {
        if self.0.verifying.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.unpark_writer();
        }
    }
}

impl Shared {
    fn unpark_writer(&self) {
        if let Some(writer) = self.writer_thread.get() {
            writer.unpark();
        }
    }
}

/// One count in [`Shared::in_flight`], given back when dropped.
struct InFlight(Arc<Shared>);

impl InFlight {
    fn new(shared: &Arc<Shared>) -> InFlight {
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(shared))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // The last one in flight tells a lingering writer to stop waiting; the others do not
        // wake it, so holding a batch open costs no wake-up per submission.
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.unpark_writer();
        }
    }
}

/// A read-only view of the ledger: entries, proofs and checkpoints up to the latest
/// published checkpoint. Cheap to clone; safe to use from any thread.
#[derive(Clone)]
pub struct LedgerView {
    shared: Arc<Shared>,
}

impl LedgerView {
    pub fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// What `log.genesis` fixed for the life of the log.
    pub fn genesis(&self) -> &pactlog_state::Genesis {
        &self.shared.genesis
    }

    /// The root authority's region.
    pub fn root_region(&self) -> &pactlog_statement::ids::Region {
        &self.shared.root_region
    }

    /// The checkpoint verifier key pinned by the genesis (SPEC §5).
    pub fn verifier_key(&self) -> &str {
        &self.shared.verifier_key
    }

    pub fn published(&self) -> Published {
        lock(&self.shared.published).clone()
    }

    /// Leaf data of entry `seq`, if it is under the latest checkpoint.
    pub fn leaf(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if seq >= self.published().size {
            return Ok(None);
        }
        self.shared.reader.read(seq).map(Some)
    }

    /// Leaf data of up to `limit` entries from `start`, stopping at the latest checkpoint.
    pub fn leaves(&self, start: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let size = self.published().size;
        if start >= size {
            return Ok(Vec::new());
        }
        let limit = limit.min(usize::try_from(size - start).unwrap_or(usize::MAX));
        self.shared.reader.read_range(start, limit)
    }

    /// The seq of a logged statement (under the latest checkpoint).
    pub fn seq_of(&self, id: &StatementId) -> Option<u64> {
        let size = self.published().size;
        self.shared
            .reader
            .seq_of(id.as_bytes())
            .filter(|seq| *seq < size)
    }

    /// Runs `f` on the Merkle tree. The tree may extend past the published checkpoint while
    /// a batch is being made durable; callers bound their sizes by [`LedgerView::published`].
    pub fn with_tree<T>(&self, f: impl FnOnce(&Tree) -> T) -> T {
        let tree = self
            .shared
            .tree
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&tree)
    }

    /// The entries of every group commit from now on, as the writer decided them, sent once
    /// the batch is durable and published. For one follower (the projections), so it need
    /// not read each entry back and parse it again; a later call replaces the earlier
    /// subscriber. Entries can be missed — committed before the call, or while the follower
    /// is more than [`FOLLOW_QUEUE_LEN`] batches behind — so a follower folds by seq and
    /// reads any gap from the log ([`LedgerView::leaves`]).
    pub fn follow_commits(&self) -> std::sync::mpsc::Receiver<Arc<[Committed]>> {
        let (sender, receiver) = mpsc::sync_channel(FOLLOW_QUEUE_LEN);
        *lock(&self.shared.follower) = Some(sender);
        receiver
    }

    /// Batches made durable and checkpointed since the ledger opened: entries over commits
    /// is the mean group-commit size.
    pub fn group_commits(&self) -> u64 {
        self.shared.group_commits.load(Ordering::Relaxed)
    }

    /// Checks 1–5 and 7–8 of a submission (parsing, canonical form, the signature, the
    /// schema, personal data) on the calling thread; the rest is the writer's. While this
    /// runs, and until the result is queued or dropped, the writer knows the submission is
    /// coming and may hold its batch open for it ([`LINGER_MAX`]).
    pub fn prepare(&self, body: &[u8]) -> Result<Submission, Rejection> {
        self.announce().prepare(body)
    }

    /// Tells the writer a submission is on its way before it is checked: it is counted in
    /// flight from now until it is queued or dropped. For a server whose requests wait their
    /// turn on a few async workers: announcing each as it arrives lets the writer hold a
    /// batch open for all of them, not only for the one or two being verified.
    pub fn announce(&self) -> Announced {
        Announced {
            view: self.clone(),
            in_flight: InFlight::new(&self.shared),
        }
    }

    /// Whether the writer stopped after a failed write or sync.
    pub fn has_failed(&self) -> bool {
        self.shared.failed.load(Ordering::SeqCst)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A submission travelling to the writer, with where to send its answer.
struct Request {
    prepared: Prepared,
    reply: tokio::sync::oneshot::Sender<Result<Ack, SubmitError>>,
}

/// An open ledger: the writer thread and a view. Dropping it (or [`Ledger::shutdown`])
/// finishes the queued batches — every submission already accepted into the queue is decided,
/// made durable and answered — and stops the writer.
pub struct Ledger {
    view: LedgerView,
    requests: Option<SyncSender<Request>>,
    writer: Option<JoinHandle<()>>,
}

impl Ledger {
    /// Creates a new ledger in `dir` (SPEC §3 `log.genesis`, §5 first checkpoint).
    pub fn init(
        dir: &Path,
        options: &InitOptions,
        clock: &dyn Clock,
    ) -> Result<InitReport, LedgerError> {
        open::init(dir, options, clock)
    }

    /// Opens an existing ledger, recovering a torn tail and checking the log against its
    /// latest checkpoint (SPEC §5), and starts the writer.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<(Ledger, OpenReport), LedgerError> {
        let opened = open::open(dir)?;
        let root_region = opened
            .state
            .orgs
            .get(&opened.state.genesis.root_authority)
            .map(|org| org.region.clone())
            .ok_or_else(|| LedgerError::Init("the genesis created no root authority".into()))?;
        let shared = Arc::new(Shared {
            origin: opened.state.origin().to_string(),
            genesis: opened.state.genesis.clone(),
            root_region,
            verifier_key: opened.state.genesis.checkpoint_key.clone(),
            reader: opened.store.reader(),
            tree: RwLock::new(opened.tree),
            published: Mutex::new(opened.published),
            failed: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            verifying: AtomicUsize::new(0),
            group_commits: std::sync::atomic::AtomicU64::new(0),
            follower: Mutex::new(None),
            writer_thread: std::sync::OnceLock::new(),
        });
        let (sender, receiver) = mpsc::sync_channel(QUEUE_LEN_MAX);
        let writer = ingest::Writer {
            shared: Arc::clone(&shared),
            store: opened.store,
            state: opened.state,
            signer: opened.signer,
            clock,
        };
        let handle = std::thread::Builder::new()
            .name("pactlog-sequencer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| LedgerError::Init(format!("cannot start the sequencer thread: {e}")))?;
        Ok((
            Ledger {
                view: LedgerView { shared },
                requests: Some(sender),
                writer: Some(handle),
            },
            opened.report,
        ))
    }

    pub fn view(&self) -> LedgerView {
        self.view.clone()
    }

    /// Queues a prepared submission without blocking; the answer arrives on the returned
    /// receiver. A full queue is `Overloaded`.
    pub fn enqueue(
        &self,
        submission: Submission,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<Ack, SubmitError>>, SubmitError> {
        let (reply, receiver) = tokio::sync::oneshot::channel();
        let sender = self.requests.as_ref().ok_or_else(stopped)?;
        let Submission {
            prepared,
            _in_flight,
        } = submission;
        match sender.try_send(Request { prepared, reply }) {
            Ok(()) => Ok(receiver),
            Err(TrySendError::Full(_)) => Err(SubmitError::Overloaded),
            Err(TrySendError::Disconnected(_)) => Err(stopped()),
        }
    }

    /// Queues a prepared submission, waiting for room in the queue; the answer arrives on
    /// the returned receiver. For producers that keep many submissions in flight.
    pub fn enqueue_wait(
        &self,
        submission: Submission,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<Ack, SubmitError>>, SubmitError> {
        let (reply, receiver) = tokio::sync::oneshot::channel();
        let sender = self.requests.as_ref().ok_or_else(stopped)?;
        let Submission {
            prepared,
            _in_flight,
        } = submission;
        sender
            .send(Request { prepared, reply })
            .map_err(|_| stopped())?;
        Ok(receiver)
    }

    /// Checks, decides and durably appends one envelope, blocking until it is acknowledged
    /// (or refused). Waits for room in the queue rather than answering `Overloaded`.
    pub fn submit(&self, body: &[u8]) -> Result<Ack, SubmitError> {
        let submission = self.view.prepare(body).map_err(SubmitError::Rejected)?;
        self.enqueue_wait(submission)?
            .blocking_recv()
            .map_err(|_| stopped())?
    }

    /// Finishes every queued submission and stops the writer.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.requests = None;
        if let Some(writer) = self.writer.take() {
            // A panicking writer has already failed every pending submission.
            let _ = writer.join();
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.stop();
    }
}

fn stopped() -> SubmitError {
    SubmitError::Unavailable("the sequencer has stopped".into())
}
