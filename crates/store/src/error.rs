//! The one error type of the store. Every message says what happened, where (file and byte
//! offset when there is one), and what the operator can do about it.

use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the store.
///
/// Errors from writes ([`Io`](StoreError::Io) during `append`, `sync`, `write_checkpoint`,
/// `put_meta`) leave the store refusing further writes ([`Failed`](StoreError::Failed)): after
/// a failed write or fsync the kernel's page cache no longer tells us what is on disk, so the
/// only safe way on is to reopen, which re-reads and re-verifies the files.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An operating-system call failed.
    #[error(
        "could not {op} {path}: {source}; check that the disk is present, writable and not \
         full, then restart (opening the store re-verifies and recovers the log)",
        path = path.display()
    )]
    Io {
        /// What the store was doing ("write", "fdatasync", "rename", …).
        op: &'static str,
        /// The file or directory it was doing it to.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// `open` was pointed at a directory that holds no store.
    #[error(
        "{dir} is not a pactlog store: it has no {marker} file; point to the right data \
         directory, or create a new log there",
        dir = dir.display(),
        marker = crate::FORMAT_FILE_NAME
    )]
    NotAStore {
        /// The directory given to `open`.
        dir: PathBuf,
    },

    /// `create` was pointed at a directory that already holds (part of) a log.
    #[error(
        "{dir} already holds a log ({found} exists); refusing to create a new one over it. Open \
         it instead, or, if it is the leftover of an interrupted create and holds nothing you \
         need, move it away first",
        dir = dir.display(),
        found = found.display()
    )]
    AlreadyExists {
        /// The directory given to `create`.
        dir: PathBuf,
        /// The file or directory that shows a log is there.
        found: PathBuf,
    },

    /// The data directory was laid out by a newer pactlog.
    #[error(
        "{path} says store format {found}, but this pactlog supports format {supported} only; \
         run a pactlog version that supports format {found}",
        path = path.display()
    )]
    NewerFormat {
        /// The marker file.
        path: PathBuf,
        /// The version in it.
        found: u64,
        /// The newest version this build knows.
        supported: u64,
    },

    /// Stored bytes are damaged or inconsistent. On `open` this means the store refused to
    /// start and changed nothing.
    #[error(
        "{file}: damaged data at byte offset {offset}: {reason}. Nothing was changed on disk; \
         stop the service, restore this file from a replica or backup (or move the damaged \
         part aside after inspecting it), then start again",
        file = file.display()
    )]
    Corrupt {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset of the damage within it.
        offset: u64,
        /// What is wrong there.
        reason: String,
    },

    /// Bytes read back right after writing them differ from what was written: the disk or file
    /// system does not keep what it is given. The write did happen.
    #[error(
        "{file}: at byte offset {offset}, {reason}; the disk or file system is not keeping what \
         it is given: stop the service and check the hardware before starting again",
        file = file.display()
    )]
    ReadBack {
        /// The file written.
        file: PathBuf,
        /// Byte offset of the write.
        offset: u64,
        /// What differed.
        reason: String,
    },

    /// Another process (or another `Store` in this one) has the data directory open.
    #[error(
        "{dir} is in use by another pactlog process (its lock is held); stop that process \
         first: two writers would corrupt the log",
        dir = dir.display()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },

    /// `append` was given a record whose seq is not the next one. Seqs are dense from 0.
    #[error(
        "cannot append seq {got}: the next seq of this log is {expected} (a bug in the caller)"
    )]
    SeqMismatch {
        /// The seq the log needs next.
        expected: u64,
        /// The seq that was offered.
        got: u64,
    },

    /// `append` was given a leaf longer than a record can hold.
    #[error(
        "cannot append seq {seq}: its leaf data is {len} bytes, more than the limit of {max} \
         (SPEC §1 Size); such an entry must be rejected before it reaches the store"
    )]
    RecordTooLarge {
        /// The seq of the record.
        seq: u64,
        /// Its leaf length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// `append` was given a statement id that is already in the log (or twice in the batch).
    #[error(
        "cannot append seq {seq}: statement id {id} is already logged at seq {existing}; the \
         caller must answer with the existing entry instead of logging it again",
        id = crate::error::hex(id)
    )]
    DuplicateId {
        /// The seq the duplicate would have had.
        seq: u64,
        /// The statement id.
        id: [u8; 32],
        /// Where it already is.
        existing: u64,
    },

    /// A read asked for a seq past the end of the log.
    #[error("seq {seq} is not in the log, which has {len} records")]
    NotFound {
        /// The seq asked for.
        seq: u64,
        /// The number of records.
        len: u64,
    },

    /// A checkpoint or meta value is larger than its limit.
    #[error("{what} is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A meta name is not one the store accepts.
    #[error(
        "meta name {name:?} is not valid: use 1 to {max} characters from a-z, 0-9, '-' and '_'",
        max = crate::META_NAME_LEN_MAX
    )]
    InvalidMetaName {
        /// The name given.
        name: String,
    },

    /// `StoreOptions` holds a value outside its allowed range.
    #[error("invalid store options: {reason}")]
    InvalidOptions {
        /// What is wrong.
        reason: String,
    },

    /// An earlier write or fsync failed, so the store refuses to write again.
    #[error(
        "the store refuses writes because an earlier write failed ({cause}); what reached the \
         disk is unknown, so restart the process: opening the store re-verifies the log and \
         cuts any torn tail"
    )]
    Failed {
        /// The first error.
        cause: String,
    },
}

/// Adapter for `map_err`: an I/O error on `path` while doing `op`.
pub(crate) fn io_at<'a>(
    op: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Lowercase hex, as SPEC §1 writes statement ids.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}
