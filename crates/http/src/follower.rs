//! The thread that follows the published log: it tells the async side (SSE streams) the
//! published size and folds every new entry into the projections (SPEC §6: an acknowledged
//! entry is reflected within one second — here within one batch, since the sequencer sends
//! each batch as soon as its checkpoint is published).
//!
//! A plain thread, because it blocks on the sequencer's channel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use pactlog_projections::Projections;
use pactlog_sequencer::{Committed, LedgerView};
use tokio::sync::watch;

use crate::metrics::Metrics;
use crate::FOLLOWER_POLL;

/// Entries folded under one write lock. Folding an entry takes microseconds, so 256 keeps a
/// reader waiting at most a millisecond or so behind the writer.
const FOLD_BATCH_LEN: usize = 256;

/// Entries read at a time when folding the whole log at start.
const REBUILD_BATCH_LEN: usize = 1000;

/// Folds the whole published log into fresh projections; returns them and the size folded.
pub fn fold_from_scratch(view: &LedgerView) -> Result<(Projections, u64), String> {
    let started = Instant::now();
    let mut projections = Projections::new();
    let size = view.published().size;
    let mut folded = 0;
    while folded < size {
        let count = usize::try_from(size - folded)
            .unwrap_or(usize::MAX)
            .min(REBUILD_BATCH_LEN);
        let leaves = view
            .leaves(folded, count)
            .map_err(|e| format!("reading entry {folded}: {e}"))?;
        if leaves.is_empty() {
            return Err(format!("entry {folded} is not in the store"));
        }
        for leaf in leaves {
            projections
                .apply_leaf(&leaf)
                .map_err(|e| format!("folding entry {folded}: {e}"))?;
            folded += 1;
        }
    }
    eprintln!(
        "projections: folded {folded} entries in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok((projections, folded))
}

/// The running follower thread.
pub struct Followers {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Followers {
    /// Starts the follower; `folded` entries are already in `projections`. Returns the
    /// receiver of the published size.
    pub fn start(
        view: LedgerView,
        projections: Arc<RwLock<Projections>>,
        folded: u64,
        metrics: Arc<Metrics>,
        failed: Arc<AtomicBool>,
    ) -> std::io::Result<(Followers, watch::Receiver<u64>)> {
        let stop = Arc::new(AtomicBool::new(false));
        // Subscribe before reading the published size: a batch published in between is
        // both sent and read back, and folded once (by seq).
        let commits = view.follow_commits();
        let initial = view.published().size;
        metrics.log_entries.set(gauge(initial));
        let (sender, receiver) = watch::channel(initial);
        let follower = Follower {
            view,
            projections,
            folded,
            metrics,
            failed,
            size: sender,
        };
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("pactlog-follower".into())
                .spawn(move || follower.run(&stop, &commits))?
        };
        Ok((Followers { stop, thread }, receiver))
    }

    /// Stops the thread (it notices within [`FOLLOWER_POLL`]).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
    }
}

fn gauge(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// One thread that wakes on every published group commit: it tells the async side (SSE
/// streams, metrics) the new size, then folds the batch into the projections — from the
/// entries the sequencer sends (already parsed), or, for any it missed, from the log. One
/// thread rather than two: each wake-up per batch showed in the server's CPU per statement.
struct Follower {
    view: LedgerView,
    projections: Arc<RwLock<Projections>>,
    /// Entries folded so far.
    folded: u64,
    metrics: Arc<Metrics>,
    /// Set when an entry cannot be folded; sizes are still followed.
    failed: Arc<AtomicBool>,
    size: watch::Sender<u64>,
}

impl Follower {
    fn run(mut self, stop: &AtomicBool, commits: &Receiver<Arc<[Committed]>>) {
        while !stop.load(Ordering::SeqCst) {
            let batch = match commits.recv_timeout(FOLLOWER_POLL) {
                Ok(batch) => Some(batch),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    // Another subscriber replaced this one (not done by the server); keep
                    // following from the log.
                    std::thread::sleep(FOLLOWER_POLL);
                    None
                }
            };
            let published = self.view.published().size;
            if published > *self.size.borrow() {
                self.metrics.log_entries.set(gauge(published));
                self.metrics
                    .group_commits
                    .set(gauge(self.view.group_commits()));
                self.size.send_replace(published);
            }
            if self.failed.load(Ordering::SeqCst) {
                continue;
            }
            if let Some(batch) = batch {
                let first = batch.first().map_or(published, |c| c.entry.seq);
                if !self.fold_from_log(first.min(published), stop) {
                    continue;
                }
                self.fold_committed(&batch);
            }
            // Batches that were not sent (the follower was behind) are read back.
            self.fold_from_log(published, stop);
            self.metrics.projection_entries.set(gauge(self.folded));
        }
    }

    /// Folds entries the sequencer sent, skipping any already folded from the log.
    fn fold_committed(&mut self, batch: &[Committed]) {
        let mut projections = self
            .projections
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for committed in batch {
            if committed.entry.seq != self.folded {
                continue;
            }
            if let Err(error) = projections.apply_parsed(&committed.entry, &committed.statement) {
                self.stop_folding(&error.to_string());
                return;
            }
            self.folded += 1;
        }
    }

    /// Folds entries from the log up to `until`; false when folding stopped on an error.
    fn fold_from_log(&mut self, until: u64, stop: &AtomicBool) -> bool {
        while self.folded < until && !stop.load(Ordering::SeqCst) {
            let count = usize::try_from(until - self.folded)
                .unwrap_or(usize::MAX)
                .min(FOLD_BATCH_LEN);
            let leaves = match self.view.leaves(self.folded, count) {
                Ok(leaves) if !leaves.is_empty() => leaves,
                Ok(_) => return true,
                Err(error) => {
                    // A read error may pass (the store is checksummed and retried next
                    // round); the projections stay at `folded` meanwhile and say so.
                    eprintln!("projections: reading entry {}: {error}", self.folded);
                    return true;
                }
            };
            let mut projections = self
                .projections
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for leaf in leaves {
                if let Err(error) = projections.apply_leaf(&leaf) {
                    self.stop_folding(&error.to_string());
                    return false;
                }
                self.folded += 1;
            }
        }
        true
    }

    /// The ledger accepted this entry, so failing to fold it is a bug in the projections:
    /// stop folding rather than show a state the log does not have. Answers keep saying the
    /// tree size they reflect.
    fn stop_folding(&self, error: &str) {
        eprintln!(
            "projections: folding entry {} failed, stopped: {error}",
            self.folded
        );
        self.failed.store(true, Ordering::SeqCst);
    }
}
