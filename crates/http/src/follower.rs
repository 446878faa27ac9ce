//! The two threads that follow the published log: one tells the async side (SSE streams)
//! the published size, one folds every new entry into the projections (SPEC §6: an
//! acknowledged entry is reflected within one second — here within one batch, since the
//! thread wakes as soon as a checkpoint is published).
//!
//! Plain threads, because `LedgerView::wait_for_size_above` blocks on a condition variable.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use pactlog_projections::Projections;
use pactlog_sequencer::LedgerView;
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

/// The running follower threads.
pub struct Followers {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Followers {
    /// Starts both threads; `folded` entries are already in `projections`. Returns the
    /// receiver of the published size.
    pub fn start(
        view: LedgerView,
        projections: Arc<RwLock<Projections>>,
        folded: u64,
        metrics: Arc<Metrics>,
        failed: Arc<AtomicBool>,
    ) -> std::io::Result<(Followers, watch::Receiver<u64>)> {
        let stop = Arc::new(AtomicBool::new(false));
        let initial = view.published().size;
        metrics.log_entries.set(gauge(initial));
        let (sender, receiver) = watch::channel(initial);
        let size_thread = {
            let (view, stop, metrics) = (view.clone(), Arc::clone(&stop), Arc::clone(&metrics));
            std::thread::Builder::new()
                .name("pactlog-size-follower".into())
                .spawn(move || follow_size(&view, &stop, &sender, &metrics))?
        };
        let fold_thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("pactlog-projections".into())
                .spawn(move || {
                    follow_projections(&view, &stop, &projections, folded, &metrics, &failed)
                })?
        };
        Ok((
            Followers {
                stop,
                threads: vec![size_thread, fold_thread],
            },
            receiver,
        ))
    }

    /// Stops both threads (each notices within [`FOLLOWER_POLL`]).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

fn gauge(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

fn follow_size(
    view: &LedgerView,
    stop: &AtomicBool,
    sender: &watch::Sender<u64>,
    metrics: &Metrics,
) {
    let mut size = *sender.borrow();
    while !stop.load(Ordering::SeqCst) {
        let published = view.wait_for_size_above(size, FOLLOWER_POLL);
        if published.size > size {
            size = published.size;
            metrics.log_entries.set(gauge(size));
            metrics.group_commits.set(gauge(view.group_commits()));
            sender.send_replace(size);
        } else if view.has_failed() {
            // A failed ledger no longer waits; poll instead of spinning.
            std::thread::sleep(FOLLOWER_POLL);
        }
    }
}

fn follow_projections(
    view: &LedgerView,
    stop: &AtomicBool,
    projections: &RwLock<Projections>,
    mut folded: u64,
    metrics: &Metrics,
    failed: &AtomicBool,
) {
    while !stop.load(Ordering::SeqCst) {
        let published = view.wait_for_size_above(folded, FOLLOWER_POLL);
        if published.size <= folded && view.has_failed() {
            // A failed ledger no longer waits; poll instead of spinning.
            std::thread::sleep(FOLLOWER_POLL);
        }
        while folded < published.size && !stop.load(Ordering::SeqCst) {
            let count = usize::try_from(published.size - folded)
                .unwrap_or(usize::MAX)
                .min(FOLD_BATCH_LEN);
            let leaves = match view.leaves(folded, count) {
                Ok(leaves) if !leaves.is_empty() => leaves,
                Ok(_) => break,
                Err(error) => {
                    // A read error may pass (the store is checksummed and retried next
                    // round); the projections stay at `folded` meanwhile and say so.
                    eprintln!("projections: reading entry {folded}: {error}");
                    std::thread::sleep(FOLLOWER_POLL);
                    break;
                }
            };
            let mut projections = projections
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for leaf in leaves {
                if let Err(error) = projections.apply_leaf(&leaf) {
                    // The ledger replayed this entry when it opened or accepted it, so this
                    // is a bug in the projections: stop folding rather than show a state the
                    // log does not have. Answers keep saying the tree size they reflect.
                    eprintln!("projections: folding entry {folded} failed, stopped: {error}");
                    failed.store(true, Ordering::SeqCst);
                    return;
                }
                folded += 1;
            }
            metrics.projection_entries.set(gauge(folded));
        }
    }
}
