//! The in-memory indexes and the read path shared by the writer ([`crate::Store`]) and any
//! number of readers ([`crate::LogReader`]).
//!
//! Concurrency: the index sits behind one `RwLock`, held only for memory operations (a
//! lookup, or pushing the entries of a batch just written). File reads are positional
//! (`pread`) on a shared `File` and happen after the lock is released, so readers never wait
//! for the writer's `write` or `fdatasync`, and never see a record before all its bytes are
//! in the file: the writer publishes a record in the index only after `write` returned.

use foldhash::HashMap;
use std::fmt;
use std::fs::File;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::{io_at, StoreError};
use crate::format::decode_record;
use crate::Record;

/// Most records one `read_range` returns: the `limit` maximum of `GET /v1/entries`
/// (SPEC §7), so one page of the API is one call. With records of at most 64 KiB this bounds
/// the memory of one call by about 64 MiB; callers page on with the next `start`.
pub const READ_RANGE_LEN_MAX: usize = 1000;

/// One segment file, open for positional reads (and, for the last one, writes).
#[derive(Debug)]
pub(crate) struct SegmentFile {
    /// Seq of the first record in the file, as its name says.
    pub first_seq: u64,
    pub path: PathBuf,
    pub file: File,
}

/// Where every record is. Rebuilt from a full scan on every `open` (see the crate docs);
/// about 60 to 120 bytes of memory per record (an offset, an id map entry, growth slack).
#[derive(Default)]
pub(crate) struct Index {
    /// Segments in seq order; the last one is the one being appended to.
    pub segments: Vec<Arc<SegmentFile>>,
    /// `segment_ends[i]`: bytes of complete, indexed records in `segments[i]`; the end of the
    /// last record of that segment.
    pub segment_ends: Vec<u64>,
    /// `offsets[seq]`: byte offset of record `seq` within its segment.
    pub offsets: Vec<u64>,
    /// Statement id → seq of the first record with that id.
    pub by_id: HashMap<[u8; 32], u64>,
}

/// A contiguous run of records in one segment.
struct Span {
    segment: Arc<SegmentFile>,
    first_seq: u64,
    count: u64,
    start: u64,
    end: u64,
}

impl Index {
    pub fn len(&self) -> u64 {
        self.offsets.len() as u64
    }

    /// Index in `segments` of the segment holding `seq`. `seq` must be < `len()`.
    fn segment_of(&self, seq: u64) -> usize {
        debug_assert!(seq < self.len());
        let after = self.segments.partition_point(|s| s.first_seq <= seq);
        assert!(
            after > 0,
            "segment 0 starts at seq 0, so every seq has a segment"
        );
        after - 1
    }

    /// Seq one past the last record of segment `i`.
    fn segment_end_seq(&self, i: usize) -> u64 {
        self.segments
            .get(i + 1)
            .map_or(self.len(), |next| next.first_seq)
    }

    /// Byte offset where the record before `end_seq` ends, in segment `i`.
    fn end_offset(&self, i: usize, end_seq: u64) -> u64 {
        if end_seq == self.segment_end_seq(i) {
            self.segment_ends[i]
        } else {
            self.offsets[end_seq as usize]
        }
    }

    /// The spans of records `start..start + count`, one per segment touched.
    fn spans(&self, start: u64, count: u64) -> Vec<Span> {
        let stop = start + count;
        assert!(stop <= self.len());
        let mut spans = Vec::new();
        let mut seq = start;
        while seq < stop {
            let i = self.segment_of(seq);
            let span_stop = stop.min(self.segment_end_seq(i));
            spans.push(Span {
                segment: Arc::clone(&self.segments[i]),
                first_seq: seq,
                count: span_stop - seq,
                start: self.offsets[seq as usize],
                end: self.end_offset(i, span_stop),
            });
            seq = span_stop;
        }
        spans
    }
}

/// State shared by the writer and every reader.
pub(crate) struct Shared {
    index: RwLock<Index>,
    /// Records known to be on stable storage.
    durable_len: AtomicU64,
    /// The latest checkpoint, verified on open and replaced by `write_checkpoint`.
    checkpoint: RwLock<Option<Arc<[u8]>>>,
}

// By hand: the derived form would print every offset and id of the log.
impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = self.index();
        f.debug_struct("Shared")
            .field("len", &index.len())
            .field("durable_len", &self.durable_len())
            .field("segments", &index.segments.len())
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub fn new(index: Index, durable_len: u64, checkpoint: Option<Vec<u8>>) -> Shared {
        Shared {
            index: RwLock::new(index),
            durable_len: AtomicU64::new(durable_len),
            checkpoint: RwLock::new(checkpoint.map(Arc::from)),
        }
    }

    // A panic while holding a lock cannot leave the index half-updated in a way that matters
    // (the writer is poisoned by then and readers only read published entries), so a poisoned
    // lock is taken over rather than turned into a second panic.
    pub fn index(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn index_mut(&self) -> RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn len(&self) -> u64 {
        self.index().len()
    }

    pub fn durable_len(&self) -> u64 {
        self.durable_len.load(Ordering::Acquire)
    }

    pub fn set_durable_len(&self, len: u64) {
        self.durable_len.store(len, Ordering::Release);
    }

    pub fn latest_checkpoint(&self) -> Option<Vec<u8>> {
        let checkpoint = self.checkpoint.read().unwrap_or_else(|e| e.into_inner());
        checkpoint.as_deref().map(<[u8]>::to_vec)
    }

    pub fn set_checkpoint(&self, note: &[u8]) {
        *self.checkpoint.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::from(note));
    }

    pub fn seq_of(&self, id: &[u8; 32]) -> Option<u64> {
        self.index().by_id.get(id).copied()
    }

    pub fn read_record(&self, seq: u64) -> Result<Record, StoreError> {
        let span = {
            let index = self.index();
            if seq >= index.len() {
                return Err(StoreError::NotFound {
                    seq,
                    len: index.len(),
                });
            }
            index.spans(seq, 1).pop().expect("one seq is one span")
        };
        let mut records = read_span(&span)?;
        assert_eq!(records.len(), 1);
        Ok(records.remove(0))
    }

    pub fn read_range(&self, start: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let spans = {
            let index = self.index();
            let count =
                (limit.min(READ_RANGE_LEN_MAX) as u64).min(index.len().saturating_sub(start));
            if count == 0 {
                return Ok(Vec::new());
            }
            index.spans(start, count)
        };
        let mut leaves = Vec::new();
        for span in &spans {
            leaves.extend(read_span(span)?.into_iter().map(|record| record.leaf));
        }
        Ok(leaves)
    }
}

/// Reads one span with a single `pread` and verifies every record in it: checksum (re-checked
/// on every read, so a bit that rotted after `open` is an error, never wrong data), seq, and
/// that the records fill the span exactly.
fn read_span(span: &Span) -> Result<Vec<Record>, StoreError> {
    let path = &span.segment.path;
    let mut buf = vec![0u8; (span.end - span.start) as usize];
    span.segment
        .file
        .read_exact_at(&mut buf, span.start)
        .map_err(|error| {
            if error.kind() == ErrorKind::UnexpectedEof {
                StoreError::Corrupt {
                    file: path.clone(),
                    offset: span.start,
                    reason: format!(
                        "the file ends before byte {}, where the index says its records end \
                         (was it truncated while the store was open?)",
                        span.end
                    ),
                }
            } else {
                io_at("read", path)(error)
            }
        })?;
    let mut records = Vec::with_capacity(span.count as usize);
    let mut at = 0usize;
    for seq in span.first_seq..span.first_seq + span.count {
        let offset = span.start + at as u64;
        let corrupt = |reason: String| StoreError::Corrupt {
            file: path.clone(),
            offset,
            reason,
        };
        let view = decode_record(&buf[at..]).map_err(|defect| corrupt(defect.to_string()))?;
        if view.seq != seq {
            return Err(corrupt(format!(
                "record has seq {} where the index expects seq {seq}",
                view.seq
            )));
        }
        records.push(Record {
            seq,
            id: view.id,
            leaf: view.payload.to_vec(),
        });
        at += view.len;
    }
    if at != buf.len() {
        return Err(StoreError::Corrupt {
            file: path.clone(),
            offset: span.start + at as u64,
            reason: format!(
                "{} unexpected bytes after the last record the index knows in this range",
                buf.len() - at
            ),
        });
    }
    Ok(records)
}
