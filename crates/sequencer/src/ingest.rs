//! The writer thread: decide, append, sync, checkpoint, acknowledge — in batches.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Instant;

use pactlog_merkle::checkpoint::CheckpointSigner;
use pactlog_merkle::{leaf_hash, Hash};
use pactlog_state::replay::{decide, Verdict};
use pactlog_state::{Candidate, State};
use pactlog_statement::entry::{leaf_data, Entry};
use pactlog_statement::ids::StatementId;
use pactlog_statement::time::Timestamp;
use pactlog_store::{Record, Store};

use crate::{
    lock, Ack, Clock, Committed, Published, Request, Shared, SubmitError, BATCH_LEN_MAX,
    LINGER_BACKLOG, LINGER_BATCH_LEN, LINGER_MAX,
};

pub(crate) struct Writer {
    pub shared: Arc<Shared>,
    pub store: Store,
    pub state: State,
    pub signer: CheckpointSigner,
    pub clock: Arc<dyn Clock>,
}

/// A submission decided in this batch, waiting for the batch to be durable.
enum Pending {
    Created {
        seq: u64,
        id: StatementId,
        leaf_hash: Hash,
    },
    Existing {
        seq: u64,
        id: StatementId,
    },
}

impl Writer {
    pub fn run(mut self, requests: Receiver<Request>) {
        let _ = self.shared.writer_thread.set(std::thread::current());
        while let Ok(first) = requests.recv() {
            let mut batch = Vec::with_capacity(BATCH_LEN_MAX.min(64));
            batch.push(first);
            let deadline = Instant::now() + LINGER_MAX;
            loop {
                while batch.len() < BATCH_LEN_MAX {
                    match requests.try_recv() {
                        Ok(request) => batch.push(request),
                        Err(_) => break,
                    }
                }
                // Hold the batch open only for submissions being checked right now, or, with
                // a backlog of announced ones, for all of those; a lone submission is
                // committed at once. Parked, not blocked on the queue, so arrivals do not wake
                // the writer one by one: the last check or the last announced submission
                // does (`Verifying::drop`, `InFlight::drop`), or the deadline.
                let announced = self.shared.in_flight.load(Ordering::SeqCst);
                let waiting_for = if announced >= LINGER_BACKLOG {
                    announced
                } else {
                    self.shared.verifying.load(Ordering::SeqCst)
                };
                if batch.len() >= LINGER_BATCH_LEN || waiting_for == 0 {
                    break;
                }
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                std::thread::park_timeout(deadline - now);
            }
            if let Err(reason) = self.commit_batch(batch) {
                // A failed write or sync: the page cache no longer says what is on disk, so
                // nothing more is written. Everything still queued is told so; a restart
                // re-reads the log from disk.
                self.shared.failed.store(true, Ordering::SeqCst);
                for request in requests.iter() {
                    let _ = request
                        .reply
                        .send(Err(SubmitError::Unavailable(reason.clone())));
                }
                return;
            }
        }
    }

    /// The time entries of this batch are accepted at: the clock, but never before the
    /// previous entry (SPEC §5: `accepted_at` never decreases), in whole milliseconds.
    fn accepted_at(&self) -> Timestamp {
        let now = self.clock.now_unix_millis();
        let floor = self.state.last_accepted_at.unix_millis();
        Timestamp::from_unix_millis(now.max(floor)).unwrap_or(self.state.last_accepted_at)
    }

    fn commit_batch(&mut self, batch: Vec<Request>) -> Result<(), String> {
        let accepted_at = self.accepted_at();
        let accepted_at_millis = accepted_at.format_millis();
        let mut records = Vec::with_capacity(batch.len());
        let mut waiting = Vec::with_capacity(batch.len());
        let mut leaf_hashes = Vec::with_capacity(batch.len());
        let follower = lock(&self.shared.follower).clone();
        let mut committed = Vec::new();
        for request in batch {
            let prepared = &request.prepared;
            match decide(&self.state, prepared, accepted_at) {
                Verdict::Accept => {
                    let seq = self.state.size;
                    let statement = match &prepared.statement {
                        Ok(statement) => statement,
                        Err(_) => unreachable!("decide accepts only parsed statements"),
                    };
                    self.state.commit(
                        seq,
                        Candidate {
                            envelope: &prepared.envelope,
                            statement,
                            accepted_at,
                        },
                    );
                    let leaf = leaf_data(seq, &accepted_at_millis, &prepared.envelope);
                    let id = prepared.id();
                    let hash = leaf_hash(&leaf);
                    leaf_hashes.push(hash);
                    waiting.push((
                        request.reply,
                        Pending::Created {
                            seq,
                            id,
                            leaf_hash: hash,
                        },
                    ));
                    records.push(Record {
                        seq,
                        id: id.to_bytes(),
                        leaf,
                    });
                    if follower.is_some() {
                        let Request { prepared, .. } = request;
                        if let Ok(statement) = prepared.statement {
                            committed.push(Committed {
                                entry: Entry {
                                    seq,
                                    accepted_at,
                                    envelope: prepared.envelope,
                                },
                                statement,
                            });
                        }
                    }
                }
                Verdict::AlreadyLogged { seq } => waiting.push((
                    request.reply,
                    Pending::Existing {
                        seq,
                        id: prepared.id(),
                    },
                )),
                Verdict::Reject(rejection) => {
                    let _ = request.reply.send(Err(SubmitError::Rejected(rejection)));
                }
            }
        }
        let published = if records.is_empty() {
            lock(&self.shared.published).clone()
        } else {
            match self.make_durable(&records, &leaf_hashes) {
                Ok(published) => published,
                Err(reason) => {
                    for (reply, _) in waiting {
                        let _ = reply.send(Err(SubmitError::Unavailable(reason.clone())));
                    }
                    return Err(reason);
                }
            }
        };
        for (reply, pending) in waiting {
            let answer = match pending {
                Pending::Created { seq, id, leaf_hash } => Ack {
                    seq,
                    id,
                    leaf_hash,
                    accepted_at,
                    checkpoint: Arc::clone(&published.note),
                    created: true,
                },
                Pending::Existing { seq, id } => match self.existing(seq, id, &published) {
                    Some(ack) => ack,
                    None => {
                        let _ = reply.send(Err(SubmitError::Unavailable(format!(
                            "entry {seq} cannot be read back"
                        ))));
                        continue;
                    }
                },
            };
            let _ = reply.send(Ok(answer));
        }
        if let (Some(follower), false) = (follower, committed.is_empty()) {
            // Never blocks the writer: a follower that is this far behind reads the
            // entries it missed back from the log.
            let _ = follower.try_send(committed.into());
        }
        Ok(())
    }

    /// Append, sync, extend the tree, sign and persist the checkpoint, publish. Only after
    /// this returns may the batch be acknowledged (SPEC §5).
    fn make_durable(
        &mut self,
        records: &[Record],
        leaf_hashes: &[Hash],
    ) -> Result<Published, String> {
        self.store
            .append(records)
            .map_err(|e| format!("append failed: {e}"))?;
        self.store
            .sync()
            .map_err(|e| format!("fdatasync failed: {e}"))?;
        let (size, root) = {
            let mut tree = self
                .shared
                .tree
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for hash in leaf_hashes {
                tree.append(*hash);
            }
            (tree.size(), tree.root())
        };
        let note = self
            .signer
            .sign(size, root)
            .map_err(|e| format!("signing the checkpoint failed: {e}"))?;
        self.store
            .write_checkpoint(note.as_bytes())
            .map_err(|e| format!("persisting the checkpoint failed: {e}"))?;
        let published = Published {
            size,
            root,
            note: note.into(),
        };
        self.shared.group_commits.fetch_add(1, Ordering::Relaxed);
        *lock(&self.shared.published) = published.clone();
        Ok(published)
    }

    fn existing(&self, seq: u64, id: StatementId, published: &Published) -> Option<Ack> {
        let leaf = self.shared.reader.read(seq).ok()?;
        let accepted_at = accepted_at_of(&leaf)?;
        let leaf_hash = self.shared.tree.read().ok()?.leaf_hash(seq)?;
        Some(Ack {
            seq,
            id,
            leaf_hash,
            accepted_at,
            checkpoint: Arc::clone(&published.note),
            created: false,
        })
    }
}

/// Reads `accepted_at` from leaf data the store has checksummed.
fn accepted_at_of(leaf: &[u8]) -> Option<Timestamp> {
    #[derive(serde::Deserialize)]
    struct AcceptedAt<'a> {
        #[serde(borrow)]
        accepted_at: &'a str,
    }
    let members: AcceptedAt<'_> = serde_json::from_slice(leaf).ok()?;
    Timestamp::parse_millis(members.accepted_at).ok()
}
