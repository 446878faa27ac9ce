//! # pactlog-store: the embedded log store
//!
//! The only pactlog crate that knows files. It stores opaque **records** — `{seq, id, leaf}`,
//! seqs dense from 0 — and knows nothing about statements, signatures, Merkle trees or
//! checkpoint notes: the sequencer above it batches (group commit), signs checkpoints, and
//! compares the recovered log with the latest checkpoint (SPEC §5). The store's promise is
//! narrow and absolute: **after [`Store::sync`] returns `Ok`, every record appended so far
//! survives a crash**, and nothing stored is ever dropped or changed silently.
//!
//! Architecture invariants:
//! - records are never rewritten; the only removal is cutting a torn tail on `open`, and the
//!   cut bytes are saved to a file and reported first;
//! - every byte read from disk is checksum-verified before it is returned, on `open` and on
//!   every read;
//! - a refusal to open changes nothing on disk;
//! - one writer per data directory (an exclusive `flock` on the directory).
//!
//! ## Directory layout
//!
//! ```text
//! DATA/FORMAT                         text "pactlog-store format 2\n" (FORMAT_VERSION)
//! DATA/log/00000000000000000000.seg   segment: records from seq 0
//! DATA/log/00000000000000001234.seg   segment: records from seq 1234 (name = first seq, 20 digits)
//! DATA/log/torn-<seq, 20 digits>-<byte offset>.bin   bytes cut from a torn tail (kept forever)
//! DATA/checkpoints                    latest checkpoint note: two slots, written alternately
//! DATA/meta/<name>                    small values for the sequencer (e.g. "origin"), small-file frame
//! ```
//!
//! `open` refuses a directory without `FORMAT` ([`StoreError::NotAStore`]) or whose `FORMAT`
//! names a newer version ([`StoreError::NewerFormat`]). It upgrades format 1 (the same, but
//! the checkpoint in a small-file frame named `checkpoint`) after verifying it, and reports
//! the upgrade in [`Recovery::upgraded_from`].
//!
//! ## Record format (segment files)
//!
//! A segment is a plain concatenation of records; there is no segment header (the first seq
//! is in the name and in every record). All integers little-endian.
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic `FF 50 4C 52` (`0xFF "PLR"`; `0xFF` never occurs in UTF-8 leaf data) |
//! | 4 | 2 | record version, `1` |
//! | 6 | 2 | reserved, `0` |
//! | 8 | 4 | payload length *n*, ≤ 65 535 ([`RECORD_PAYLOAD_LEN_MAX`]) |
//! | 12 | 8 | seq |
//! | 20 | 32 | statement id |
//! | 52 | 4 | CRC32C (Castagnoli) over bytes 0..52, then the payload |
//! | 56 | *n* | payload: the entry's leaf data |
//!
//! ## Checkpoint slots (`checkpoints`)
//!
//! Two slots of [`CHECKPOINT_SLOT_LEN`] bytes (a page multiple); the file never changes
//! size. Write number *g* (from 1) goes to slot *g* mod 2 with one positional write and one
//! `fdatasync`; the latest checkpoint is the valid slot with the higher generation. A slot
//! whose header is all zeros was never written. Slot layout:
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic `FF 50 4C 43` (`0xFF "PLC"`) |
//! | 4 | 2 | version, `1` |
//! | 6 | 2 | reserved, `0` |
//! | 8 | 8 | generation *g* ≥ 1 |
//! | 16 | 4 | note length *n* ≤ [`CHECKPOINT_LEN_MAX`] |
//! | 20 | 4 | CRC32C over bytes 0..20, then the note |
//! | 24 | *n* | the checkpoint note; the rest of the slot is ignored |
//!
//! One damaged slot beside a valid one is a checkpoint write a crash interrupted (its batch
//! was never acknowledged): `open` uses the other slot and reports it in
//! [`Recovery::damaged_checkpoint_slot`]. Two damaged slots, a slot holding the other slot's
//! generation parity, or a file of another size: [`StoreError::Corrupt`].
//!
//! ## Small-file frame (meta)
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic `FF 50 4C 46` (`0xFF "PLF"`) |
//! | 4 | 2 | version, `1` |
//! | 6 | 2 | reserved, `0` |
//! | 8 | 4 | payload length *n*; the file is exactly 16 + *n* bytes |
//! | 12 | 4 | CRC32C over bytes 0..12, then the payload |
//! | 16 | *n* | payload |
//!
//! Small files are replaced atomically: write `NAME.tmp`, fsync, read back and compare,
//! rename over `NAME`, fsync the directory. A leftover `NAME.tmp` is ignored. (The
//! checkpoint, rewritten after every batch, uses the cheaper slots above.)
//!
//! ## Writing
//!
//! [`Store::append`] validates the whole batch first (seq = [`Store::len`], leaf ≤ 65 535
//! bytes, id not yet logged), then encodes it into one buffer and writes it with one
//! positional `write` per segment touched (more only past [`WRITE_BUFFER_LEN_MAX`]), so group
//! commit costs one `write` plus one `fdatasync`. Writes are not read back: every read, and
//! every `open`, verifies each record's checksum, which is where damage is caught. A
//! record is published to readers only after its write returned. [`Store::sync`]
//! `fdatasync`s every segment written since the last sync and fsyncs `log/` when a segment was
//! created. A segment is rolled when the next record would take it past
//! [`StoreOptions::segment_len_max`] (default [`SEGMENT_LEN_MAX_DEFAULT`], 64 MiB); a segment
//! holds at least one record. **Before a new segment is created, everything written so far is
//! synced** ("sealing"), so a crash can leave a torn record only in the last segment; this is
//! what lets `open` treat damage anywhere else as corruption.
//!
//! After any failed write or sync the store refuses further writes ([`StoreError::Failed`]):
//! once an `fdatasync` has failed, the page cache no longer says what is on disk, and the only
//! safe way on is to reopen, which re-reads everything.
//!
//! ## Reading
//!
//! The indexes — seq → (segment, offset) and statement id → seq — live in memory and are
//! rebuilt by a full scan on every `open` (a persisted index is future work; the scan reads
//! every byte anyway to verify every checksum). Reads are positional (`pread`) on shared file
//! handles, so any number of [`LogReader`]s run concurrently with the single writer, including
//! during its `fdatasync`. Every read re-verifies each record's checksum and seq. Records
//! that were appended but not yet synced **are** readable (served from the file, i.e. the page
//! cache), never partially: do not expose records beyond the latest checkpoint — deciding
//! what is acknowledged is the sequencer's job (SPEC §5).
//!
//! ## Recovery on open (SPEC §5: durability is sacred)
//!
//! `open` reads and verifies every segment, the checkpoint and every meta file before it
//! changes anything. The only damage it repairs is a **torn tail**: in the last segment, a
//! record that is incomplete (the file ends inside its header or payload) or invalid (bad
//! magic, bad checksum, …) with no valid record anywhere after it (zeros or garbage to end of
//! file). Those bytes are saved to `log/torn-<seq>-<offset>.bin` (synced), then cut, and the
//! cut is reported in [`Recovery::truncated_tail`] for the binary to log. Any other damage
//! makes `open` refuse with [`StoreError::Corrupt`] naming the file and byte offset: a bad
//! record followed by a valid one, a valid record with the wrong seq, damage in a segment
//! that is not the last, a missing first or middle segment, a segment whose name does not
//! follow the previous one, an empty segment before the last, an unparsable segment name, a
//! damaged checkpoint or meta file.
//!
//! A torn tail can only hold records whose `sync` never returned, so cutting it loses nothing
//! acknowledged. If bit rot hits the very last record *after* it was acknowledged, it looks
//! exactly like a torn tail; it is then cut but saved, and the sequencer's check that the
//! recovered log still covers the latest checkpoint (SPEC §5) refuses to start.
//!
//! ## Limits
//!
//! Every limit is a named constant: [`RECORD_PAYLOAD_LEN_MAX`], [`SEGMENT_LEN_MAX_DEFAULT`],
//! [`SEGMENT_LEN_MAX_LIMIT`], [`SEGMENT_FILE_LEN_MAX`], [`WRITE_BUFFER_LEN_MAX`],
//! [`READ_RANGE_LEN_MAX`], [`CHECKPOINT_LEN_MAX`], [`META_LEN_MAX`], [`META_NAME_LEN_MAX`],
//! [`FORMAT_FILE_LEN_MAX`], [`TORN_SAVES_PER_POINT_MAX`].
//!
//! Memory: about 60 to 120 bytes per record for the indexes, plus one file handle per segment.
//! Future work: a persisted index (open without a full scan), closing cold segment handles.

mod checkpoint;
mod durable;
mod error;
mod format;
mod index;
mod recover;

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use checkpoint::{DamagedSlot, CHECKPOINT_FILE_LEN};
pub use error::StoreError;
pub use format::{
    CHECKPOINT_SLOT_LEN, FORMAT_FILE_LEN_MAX, FORMAT_FILE_NAME, FORMAT_VERSION, RECORD_HEADER_LEN,
    RECORD_LEN_MAX, RECORD_PAYLOAD_LEN_MAX,
};
pub use index::READ_RANGE_LEN_MAX;
pub use recover::TORN_SAVES_PER_POINT_MAX;

use checkpoint::CheckpointFile;
use durable::{lock_dir, read_small_file, replace_small_file, sync_dir, TMP_SUFFIX};
use error::io_at;
use format::{encode_format_marker, encode_record, parse_format_marker, segment_file_name};
use index::{Index, SegmentFile, Shared};

/// Default segment size: large enough that a log of millions of entries has few files (and
/// few open handles, and one seal-fsync per 64 MiB), small enough that `open` reads one
/// segment into memory at a time without strain and a damaged file is a bounded loss to
/// restore.
pub const SEGMENT_LEN_MAX_DEFAULT: u64 = 64 << 20;

/// Largest allowed [`StoreOptions::segment_len_max`]: `open` reads a whole segment into
/// memory to verify it, so a segment must stay a comfortable allocation.
pub const SEGMENT_LEN_MAX_LIMIT: u64 = 1 << 30;

/// Largest segment file `open` accepts: the largest segment limit plus one record (a record
/// that does not fit an empty segment still goes into it alone). A larger file was not
/// written by this store.
pub const SEGMENT_FILE_LEN_MAX: u64 = SEGMENT_LEN_MAX_LIMIT + RECORD_LEN_MAX as u64;

/// Bytes `append` encodes before it writes them out. A typical group-commit batch fits, so
/// it is one `write`; a huge batch is written in pieces of this size, bounding the memory of
/// one call.
pub const WRITE_BUFFER_LEN_MAX: usize = 8 << 20;

/// Largest checkpoint note. A C2SP checkpoint is three short lines plus one signature line of
/// about 100 bytes per signer; 16 KiB leaves room for over a hundred witness cosignatures
/// while refusing anything that is plainly not a checkpoint.
pub const CHECKPOINT_LEN_MAX: usize = 16 * 1024;

/// Largest meta value. Meta values are small settings (an origin, a verifier key string);
/// anything near this size belongs in the log, not in meta.
pub const META_LEN_MAX: usize = 64 * 1024;

/// Longest meta name; names are file names, so they stay short and portable.
pub const META_NAME_LEN_MAX: usize = 64;

/// Directory of segment files and saved torn tails.
pub const LOG_DIR_NAME: &str = "log";

/// Directory of meta files.
pub const META_DIR_NAME: &str = "meta";

/// File of the latest checkpoint (two slots, see the crate docs).
pub const CHECKPOINT_FILE_NAME: &str = "checkpoints";

/// File of the latest checkpoint in format 1 (a small-file frame), upgraded by `open`.
pub const FORMAT_1_CHECKPOINT_FILE_NAME: &str = "checkpoint";

/// One record: an entry's statement id and leaf data at its seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Position in the log; seqs are dense from 0.
    pub seq: u64,
    /// The statement id (SHA-256), indexed for [`Store::seq_of`].
    pub id: [u8; 32],
    /// The entry's leaf data (SPEC §5), at most [`RECORD_PAYLOAD_LEN_MAX`] bytes.
    pub leaf: Vec<u8>,
}

/// What `open` found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// Records in the log after recovery; all of them are durable.
    pub records: u64,
    /// Segment files in the log.
    pub segments: u64,
    /// The torn tail that was cut, if there was one. The binary must log it.
    pub truncated_tail: Option<TornTail>,
    /// A checkpoint slot found damaged beside a valid one. The binary must log it.
    pub damaged_checkpoint_slot: Option<DamagedSlot>,
    /// The format version the directory was upgraded from, if `open` upgraded it. The binary
    /// must log it.
    pub upgraded_from: Option<u64>,
}

/// A torn tail cut from the last segment by `open`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment that was cut.
    pub segment: PathBuf,
    /// Byte offset of the cut: the segment's length now.
    pub offset: u64,
    /// Bytes removed from the segment.
    pub bytes_cut: u64,
    /// Where those bytes were saved first.
    pub saved_to: PathBuf,
    /// The seq the first cut record would have had (= records after recovery).
    pub first_lost_seq: u64,
    /// What was wrong at the cut.
    pub reason: String,
}

impl fmt::Display for TornTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cut a torn tail of {} bytes from {} at byte offset {} (where seq {} would start: \
             {}); the cut bytes are saved in {}",
            self.bytes_cut,
            self.segment.display(),
            self.offset,
            self.first_lost_seq,
            self.reason,
            self.saved_to.display()
        )
    }
}

/// Settings for creating or opening a store. Not part of the on-disk format: a log may be
/// reopened with different options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// A segment is rolled when the next record would make it longer than this; 1 to
    /// [`SEGMENT_LEN_MAX_LIMIT`]. Tests use tiny values to exercise many segments.
    pub segment_len_max: u64,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            segment_len_max: SEGMENT_LEN_MAX_DEFAULT,
        }
    }
}

impl StoreOptions {
    fn validate(&self) -> Result<(), StoreError> {
        if !(1..=SEGMENT_LEN_MAX_LIMIT).contains(&self.segment_len_max) {
            return Err(StoreError::InvalidOptions {
                reason: format!(
                    "segment_len_max is {}, but must be between 1 and {SEGMENT_LEN_MAX_LIMIT}",
                    self.segment_len_max
                ),
            });
        }
        Ok(())
    }

    /// Creates a new, empty log in `dir` (created if missing) and opens it. Refuses
    /// ([`StoreError::AlreadyExists`]) if `dir` holds a format marker, a `log/` or `meta/`
    /// directory or a checkpoint, even from an interrupted create: nothing is overwritten.
    pub fn create(&self, dir: &Path) -> Result<Store, StoreError> {
        self.validate()?;
        fs::create_dir_all(dir).map_err(io_at("create directory", dir))?;
        let lock = File::open(dir).map_err(io_at("open directory", dir))?;
        lock_dir(&lock, dir)?;
        for name in [
            FORMAT_FILE_NAME,
            LOG_DIR_NAME,
            META_DIR_NAME,
            CHECKPOINT_FILE_NAME,
            FORMAT_1_CHECKPOINT_FILE_NAME,
        ] {
            let found = dir.join(name);
            match fs::symlink_metadata(&found) {
                Ok(_) => {
                    return Err(StoreError::AlreadyExists {
                        dir: dir.to_path_buf(),
                        found,
                    })
                }
                Err(error) if error.kind() == ErrorKind::NotFound => {}
                Err(error) => return Err(io_at("stat", &found)(error)),
            }
        }
        let log_dir = dir.join(LOG_DIR_NAME);
        let meta_dir = dir.join(META_DIR_NAME);
        fs::create_dir(&log_dir).map_err(io_at("create directory", &log_dir))?;
        fs::create_dir(&meta_dir).map_err(io_at("create directory", &meta_dir))?;
        let first = log_dir.join(segment_file_name(0));
        durable::create_new_synced(&first, &[]).map_err(io_at("create", &first))?;
        sync_dir(&log_dir)?;
        let checkpoints = dir.join(CHECKPOINT_FILE_NAME);
        durable::create_new_synced(&checkpoints, &checkpoint::initial_bytes(None))
            .map_err(io_at("create", &checkpoints))?;
        // The marker goes last: a crash before this point leaves a directory that `open`
        // calls "not a store" and `create` refuses, never one that looks valid but is not.
        let marker = dir.join(FORMAT_FILE_NAME);
        let marker_tmp = dir.join(format!("{FORMAT_FILE_NAME}{TMP_SUFFIX}"));
        durable::create_new_synced(&marker_tmp, encode_format_marker().as_bytes())
            .map_err(io_at("create", &marker_tmp))?;
        fs::rename(&marker_tmp, &marker).map_err(io_at("rename into place", &marker))?;
        sync_dir(dir)?;
        // `dir` itself may have just been created.
        match dir.parent() {
            Some(parent) if parent.as_os_str().is_empty() => sync_dir(Path::new("."))?,
            Some(parent) => sync_dir(parent)?,
            None => {}
        }
        let (store, recovery) = self.open_locked(dir, lock)?;
        assert_eq!(recovery.records, 0);
        assert!(recovery.truncated_tail.is_none());
        assert!(recovery.damaged_checkpoint_slot.is_none());
        Ok(store)
    }

    /// Opens the log in `dir`: verifies every record, the checkpoint and every meta file,
    /// rebuilds the indexes, and cuts a torn tail (saving it first). Refuses with
    /// [`StoreError::Corrupt`], changing nothing, on any other damage.
    pub fn open(&self, dir: &Path) -> Result<(Store, Recovery), StoreError> {
        self.validate()?;
        let lock = match File::open(dir) {
            Ok(lock) => lock,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Err(StoreError::NotAStore {
                    dir: dir.to_path_buf(),
                })
            }
            Err(error) => return Err(io_at("open directory", dir)(error)),
        };
        lock_dir(&lock, dir)?;
        self.open_locked(dir, lock)
    }

    fn open_locked(&self, dir: &Path, lock: File) -> Result<(Store, Recovery), StoreError> {
        let version = check_format_marker(dir)?;
        let log_dir = dir.join(LOG_DIR_NAME);
        let meta_dir = dir.join(META_DIR_NAME);
        for needed in [&log_dir, &meta_dir] {
            if !needed.is_dir() {
                return Err(StoreError::Corrupt {
                    file: needed.clone(),
                    offset: 0,
                    reason: "this directory of the store is missing".to_string(),
                });
            }
        }

        // Phase 1: read and verify everything; any error here leaves the disk untouched.
        let scan = recover::scan_log(&log_dir)?;
        let checkpoint_path = dir.join(CHECKPOINT_FILE_NAME);
        let loaded = if version == 1 {
            let legacy = dir.join(FORMAT_1_CHECKPOINT_FILE_NAME);
            Err(read_small_file(&legacy, CHECKPOINT_LEN_MAX)?)
        } else {
            Ok(CheckpointFile::open(&checkpoint_path)?)
        };
        verify_meta_files(&meta_dir)?;

        // Phase 2: every check passed; cut a torn tail if there is one.
        let truncated_tail = match &scan.torn {
            Some(cut) => Some(recover::cut_torn_tail(&log_dir, cut)?),
            None => None,
        };
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(legacy_note) => {
                upgrade_from_format_1(dir, legacy_note.as_deref())?;
                CheckpointFile::open(&checkpoint_path)?
            }
        };
        remove_format_1_checkpoint(dir)?;
        let checkpoint = loaded.note;

        let last = scan.segments.len() - 1;
        let mut index = Index {
            offsets: scan.offsets,
            by_id: scan.by_id,
            ..Index::default()
        };
        for (i, segment) in scan.segments.into_iter().enumerate() {
            let file = OpenOptions::new()
                .read(true)
                .write(i == last)
                .open(&segment.path)
                .map_err(io_at("open", &segment.path))?;
            let len = file.metadata().map_err(io_at("stat", &segment.path))?.len();
            if len != segment.good_len {
                return Err(StoreError::Corrupt {
                    file: segment.path,
                    offset: segment.good_len,
                    reason: format!(
                        "the file changed while the store was opening it (now {len} bytes); \
                         is another program writing to the log?"
                    ),
                });
            }
            index.segments.push(Arc::new(SegmentFile {
                first_seq: segment.first_seq,
                path: segment.path,
                file,
            }));
            index.segment_ends.push(segment.good_len);
        }
        let tail = Arc::clone(&index.segments[last]);
        let tail_len = index.segment_ends[last];
        // A process that crashed (the machine did not) may have left records in the page cache
        // only. Sync them now, so that every record `open` reports is durable. Earlier
        // segments were sealed before their successors were created.
        tail.file
            .sync_data()
            .map_err(io_at("fdatasync", &tail.path))?;
        sync_dir(&log_dir)?;

        let records = index.len();
        let recovery = Recovery {
            records,
            segments: index.segments.len() as u64,
            truncated_tail,
            damaged_checkpoint_slot: loaded.damaged,
            upgraded_from: (version < FORMAT_VERSION).then_some(version),
        };
        let log_dir_handle = File::open(&log_dir).map_err(io_at("open directory", &log_dir))?;
        let store = Store {
            shared: Arc::new(Shared::new(index, records, checkpoint)),
            dir: dir.to_path_buf(),
            log_dir,
            meta_dir,
            _lock: lock,
            log_dir_handle,
            options: *self,
            len: records,
            tail,
            tail_len,
            unsynced: Vec::new(),
            log_dir_dirty: false,
            write_buf: Vec::new(),
            checkpoint: loaded.file,
            failed: None,
        };
        Ok((store, recovery))
    }
}

/// Upgrades a verified format-1 directory to format 2: writes `checkpoints` (through a
/// temporary file and a rename) holding the old checkpoint, then the new marker, then
/// removes the old `checkpoint`. A crash at any step leaves a directory that opens: before
/// the marker changes, format 1 is intact and the upgrade runs again; after it, format 2 is
/// complete and a leftover old file is removed by the next open.
fn upgrade_from_format_1(dir: &Path, note: Option<&[u8]>) -> Result<(), StoreError> {
    replace_raw_file(dir, CHECKPOINT_FILE_NAME, &checkpoint::initial_bytes(note))?;
    replace_raw_file(dir, FORMAT_FILE_NAME, encode_format_marker().as_bytes())?;
    remove_format_1_checkpoint(dir)
}

/// Replaces `dir/name` with `bytes` atomically, without a frame: a new temporary file
/// (a stale one from an interrupted attempt is removed first), synced, renamed into place,
/// the directory synced.
fn replace_raw_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let target = dir.join(name);
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(io_at("remove", &tmp)(error)),
    }
    durable::create_new_synced(&tmp, bytes).map_err(io_at("create", &tmp))?;
    fs::rename(&tmp, &target).map_err(io_at("rename into place", &target))?;
    sync_dir(dir)
}

/// Removes the format-1 checkpoint file left by an upgrade, if there is one.
fn remove_format_1_checkpoint(dir: &Path) -> Result<(), StoreError> {
    let legacy = dir.join(FORMAT_1_CHECKPOINT_FILE_NAME);
    match fs::remove_file(&legacy) {
        Ok(()) => sync_dir(dir),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_at("remove", &legacy)(error)),
    }
}

/// The format version of `dir`, refusing a missing marker or a newer version.
fn check_format_marker(dir: &Path) -> Result<u64, StoreError> {
    let path = dir.join(FORMAT_FILE_NAME);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(StoreError::NotAStore {
                dir: dir.to_path_buf(),
            })
        }
        Err(error) => return Err(io_at("open", &path)(error)),
    };
    let mut bytes = Vec::new();
    file.take(FORMAT_FILE_LEN_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(io_at("read", &path))?;
    let version = parse_format_marker(&bytes).map_err(|reason| StoreError::Corrupt {
        file: path.clone(),
        offset: 0,
        reason,
    })?;
    if version > FORMAT_VERSION {
        return Err(StoreError::NewerFormat {
            path,
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    // `parse_format_marker` refuses 0, so this is 1 (upgraded by `open`) or current.
    Ok(version)
}

/// Whether `name` is a valid meta name: 1 to [`META_NAME_LEN_MAX`] of `a-z 0-9 - _`. No dot,
/// so no meta name collides with a temporary file or means anything to the file system.
fn is_meta_name(name: &str) -> bool {
    (1..=META_NAME_LEN_MAX).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn verify_meta_files(meta_dir: &Path) -> Result<(), StoreError> {
    for entry in fs::read_dir(meta_dir).map_err(io_at("list", meta_dir))? {
        let entry = entry.map_err(io_at("list", meta_dir))?;
        // Leftover temporary files and foreign names are not meta values.
        if entry.file_name().to_str().is_some_and(is_meta_name) {
            read_small_file(&entry.path(), META_LEN_MAX)?;
        }
    }
    Ok(())
}

/// The single writer of a log, and a reader of it.
///
/// `Send + Sync`. Reads take `&self`; writes take `&mut self`. To read from other threads
/// while this one writes (and waits in `fdatasync`), hand them a [`LogReader`] from
/// [`Store::reader`] rather than wrapping the `Store` in a lock.
#[derive(Debug)]
pub struct Store {
    shared: Arc<Shared>,
    dir: PathBuf,
    log_dir: PathBuf,
    meta_dir: PathBuf,
    /// The data directory, open and `flock`ed for as long as the store lives.
    _lock: File,
    log_dir_handle: File,
    options: StoreOptions,
    /// Records appended (written to a segment and indexed).
    len: u64,
    /// The segment being appended to (the last one).
    tail: Arc<SegmentFile>,
    /// Bytes written to `tail`.
    tail_len: u64,
    /// Segments written to since the last sync.
    unsynced: Vec<Arc<SegmentFile>>,
    /// A segment file was created since the last sync, so `log/` needs an fsync.
    log_dir_dirty: bool,
    write_buf: Vec<u8>,
    checkpoint: CheckpointFile,
    /// Set by the first failed write or sync; the store then refuses writes.
    failed: Option<String>,
}

/// Where a record of the batch being written will be.
struct Pending {
    offset: u64,
    seq: u64,
    id: [u8; 32],
}

impl Store {
    /// Creates a new, empty log in `dir` with default options; see [`StoreOptions::create`].
    pub fn create(dir: &Path) -> Result<Store, StoreError> {
        StoreOptions::default().create(dir)
    }

    /// Opens the log in `dir` with default options; see [`StoreOptions::open`].
    pub fn open(dir: &Path) -> Result<(Store, Recovery), StoreError> {
        StoreOptions::default().open(dir)
    }

    /// A cheap, cloneable read handle that other threads can use while this store writes.
    pub fn reader(&self) -> LogReader {
        LogReader {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records appended so far, synced or not; the seq of the next record.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the log has no records at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records that are on stable storage: all of them after `open` and after each `sync`.
    pub fn durable_len(&self) -> u64 {
        self.shared.durable_len()
    }

    /// Appends records to the log: written to the segment (and readable), **not synced**.
    /// The batch must continue the log (`records[i].seq == len() + i`), every leaf must fit
    /// [`RECORD_PAYLOAD_LEN_MAX`], and no id may be logged already; a batch that breaks a rule
    /// is refused whole, before anything is written.
    pub fn append(&mut self, records: &[Record]) -> Result<(), StoreError> {
        self.refuse_if_failed()?;
        self.validate(records)?;
        let result = self.write_records(records);
        self.fail_on_error(result)
    }

    /// Makes every record appended so far durable: `fdatasync` of each segment written since
    /// the last sync, then an fsync of `log/` if a segment was created. Only after this returns
    /// `Ok` may the sequencer count those records as on disk.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.refuse_if_failed()?;
        let result = self.sync_written();
        self.fail_on_error(result)
    }

    /// The leaf data at `seq`; the record's checksum is verified on every read.
    pub fn read(&self, seq: u64) -> Result<Vec<u8>, StoreError> {
        Ok(self.shared.read_record(seq)?.leaf)
    }

    /// The whole record at `seq` (leaf and statement id), verified as [`Store::read`] does.
    pub fn read_record(&self, seq: u64) -> Result<Record, StoreError> {
        self.shared.read_record(seq)
    }

    /// Leaf data of records from `start`, at most `limit` and at most [`READ_RANGE_LEN_MAX`]
    /// of them, fewer at the end of the log, none when `start` is past the end (SPEC §7
    /// `/v1/entries`). One `pread` per segment touched; every record verified.
    pub fn read_range(&self, start: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        self.shared.read_range(start, limit)
    }

    /// The seq of the record with statement id `id`; the first one if (against the rules)
    /// an id occurs twice in a log written by someone else.
    pub fn seq_of(&self, id: &[u8; 32]) -> Option<u64> {
        self.shared.seq_of(id)
    }

    /// Replaces the latest checkpoint: writes the slot the latest one is not in and
    /// `fdatasync`s it (see the crate docs). The store does not parse the note; the sequencer must only write a
    /// checkpoint over records that `sync` has made durable (SPEC §5).
    pub fn write_checkpoint(&mut self, note: &[u8]) -> Result<(), StoreError> {
        self.refuse_if_failed()?;
        if note.len() > CHECKPOINT_LEN_MAX {
            return Err(StoreError::TooLarge {
                what: "checkpoint note",
                len: note.len(),
                max: CHECKPOINT_LEN_MAX,
            });
        }
        let result = self.checkpoint.write(note);
        self.fail_on_error(result)?;
        self.shared.set_checkpoint(note);
        Ok(())
    }

    /// The latest checkpoint written, as verified by `open` or set by `write_checkpoint`.
    pub fn latest_checkpoint(&self) -> Option<Vec<u8>> {
        self.shared.latest_checkpoint()
    }

    /// Stores a small named value atomically (as `write_checkpoint` does), in `meta/<name>`.
    /// For the sequencer's settings, such as the origin; never for secrets such as keys.
    pub fn put_meta(&mut self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.refuse_if_failed()?;
        check_meta_name(name)?;
        if bytes.len() > META_LEN_MAX {
            return Err(StoreError::TooLarge {
                what: "meta value",
                len: bytes.len(),
                max: META_LEN_MAX,
            });
        }
        let result = replace_small_file(&self.meta_dir, name, bytes);
        self.fail_on_error(result)
    }

    /// The value stored under `name`, read from disk and checksum-verified, or `None`.
    pub fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_meta_name(name)?;
        read_small_file(&self.meta_dir.join(name), META_LEN_MAX)
    }

    fn refuse_if_failed(&self) -> Result<(), StoreError> {
        match &self.failed {
            Some(cause) => Err(StoreError::Failed {
                cause: cause.clone(),
            }),
            None => Ok(()),
        }
    }

    fn fail_on_error<T>(&mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(error) = &result {
            if self.failed.is_none() {
                self.failed = Some(error.to_string());
            }
        }
        result
    }

    fn validate(&self, records: &[Record]) -> Result<(), StoreError> {
        let index = self.shared.index();
        let mut batch_ids = foldhash::HashMap::with_capacity_and_hasher(
            records.len(),
            foldhash::fast::RandomState::default(),
        );
        for (i, record) in records.iter().enumerate() {
            let expected = self.len + i as u64;
            if record.seq != expected {
                return Err(StoreError::SeqMismatch {
                    expected,
                    got: record.seq,
                });
            }
            if record.leaf.len() > RECORD_PAYLOAD_LEN_MAX {
                return Err(StoreError::RecordTooLarge {
                    seq: record.seq,
                    len: record.leaf.len(),
                    max: RECORD_PAYLOAD_LEN_MAX,
                });
            }
            let existing = index
                .by_id
                .get(&record.id)
                .or_else(|| batch_ids.get(&record.id));
            if let Some(&existing) = existing {
                return Err(StoreError::DuplicateId {
                    seq: record.seq,
                    id: record.id,
                    existing,
                });
            }
            batch_ids.insert(record.id, record.seq);
        }
        Ok(())
    }

    fn write_records(&mut self, records: &[Record]) -> Result<(), StoreError> {
        let mut buf = std::mem::take(&mut self.write_buf);
        buf.clear();
        let mut pending = Vec::new();
        for record in records {
            let record_len = (RECORD_HEADER_LEN + record.leaf.len()) as u64;
            let used = self.tail_len + buf.len() as u64;
            if used > 0 && used + record_len > self.options.segment_len_max {
                self.write_out(&mut buf, &mut pending)?;
                self.roll()?;
            } else if !buf.is_empty() && buf.len() + record_len as usize > WRITE_BUFFER_LEN_MAX {
                self.write_out(&mut buf, &mut pending)?;
            }
            pending.push(Pending {
                offset: self.tail_len + buf.len() as u64,
                seq: record.seq,
                id: record.id,
            });
            encode_record(&mut buf, record.seq, &record.id, &record.leaf);
        }
        self.write_out(&mut buf, &mut pending)?;
        self.write_buf = buf;
        Ok(())
    }

    /// Writes the buffer at the end of the tail segment, then publishes its records in the
    /// index.
    fn write_out(
        &mut self,
        buf: &mut Vec<u8>,
        pending: &mut Vec<Pending>,
    ) -> Result<(), StoreError> {
        if buf.is_empty() {
            assert!(pending.is_empty());
            return Ok(());
        }
        let tail = Arc::clone(&self.tail);
        if !self.unsynced.last().is_some_and(|s| Arc::ptr_eq(s, &tail)) {
            self.unsynced.push(Arc::clone(&tail));
        }
        tail.file
            .write_all_at(buf, self.tail_len)
            .map_err(io_at("write", &tail.path))?;
        self.tail_len += buf.len() as u64;
        {
            let mut index = self.shared.index_mut();
            for entry in pending.drain(..) {
                assert_eq!(entry.seq, index.len(), "records are indexed in seq order");
                index.offsets.push(entry.offset);
                index.by_id.entry(entry.id).or_insert(entry.seq);
            }
            *index.segment_ends.last_mut().expect("a log has a segment") = self.tail_len;
            self.len = index.len();
        }
        buf.clear();
        Ok(())
    }

    /// Seals the tail segment (syncs everything written) and starts a new one.
    fn roll(&mut self) -> Result<(), StoreError> {
        self.sync_written()?;
        let first_seq = self.len;
        let path = self.log_dir.join(segment_file_name(first_seq));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_at("create segment", &path))?;
        self.log_dir_dirty = true;
        let segment = Arc::new(SegmentFile {
            first_seq,
            path,
            file,
        });
        {
            let mut index = self.shared.index_mut();
            index.segments.push(Arc::clone(&segment));
            index.segment_ends.push(0);
        }
        self.tail = segment;
        self.tail_len = 0;
        Ok(())
    }

    fn sync_written(&mut self) -> Result<(), StoreError> {
        for segment in self.unsynced.drain(..) {
            segment
                .file
                .sync_data()
                .map_err(io_at("fdatasync", &segment.path))?;
        }
        if self.log_dir_dirty {
            self.log_dir_handle
                .sync_all()
                .map_err(io_at("fsync directory", &self.log_dir))?;
            self.log_dir_dirty = false;
        }
        self.shared.set_durable_len(self.len);
        Ok(())
    }
}

fn check_meta_name(name: &str) -> Result<(), StoreError> {
    if is_meta_name(name) {
        Ok(())
    } else {
        Err(StoreError::InvalidMetaName {
            name: name.to_string(),
        })
    }
}

/// A read handle on a log, for other threads: `Clone + Send + Sync`, and never blocked by the
/// writer's I/O. Sees every record the writer has appended (synced or not) and the latest
/// checkpoint. Meant to live no longer than its [`Store`]: after the store is dropped another
/// process may open the directory and cut a torn tail under it.
#[derive(Debug, Clone)]
pub struct LogReader {
    shared: Arc<Shared>,
}

impl LogReader {
    /// Records appended so far.
    pub fn len(&self) -> u64 {
        self.shared.len()
    }

    /// Whether the log has no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records on stable storage.
    pub fn durable_len(&self) -> u64 {
        self.shared.durable_len()
    }

    /// See [`Store::read`].
    pub fn read(&self, seq: u64) -> Result<Vec<u8>, StoreError> {
        Ok(self.shared.read_record(seq)?.leaf)
    }

    /// See [`Store::read_record`].
    pub fn read_record(&self, seq: u64) -> Result<Record, StoreError> {
        self.shared.read_record(seq)
    }

    /// See [`Store::read_range`].
    pub fn read_range(&self, start: u64, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        self.shared.read_range(start, limit)
    }

    /// See [`Store::seq_of`].
    pub fn seq_of(&self, id: &[u8; 32]) -> Option<u64> {
        self.shared.seq_of(id)
    }

    /// See [`Store::latest_checkpoint`].
    pub fn latest_checkpoint(&self) -> Option<Vec<u8>> {
        self.shared.latest_checkpoint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_and_reader_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
        assert_send_sync::<LogReader>();
    }

    #[test]
    fn meta_names() {
        for good in ["origin", "a", "key-id_2", &"x".repeat(META_NAME_LEN_MAX)] {
            assert!(is_meta_name(good), "{good}");
        }
        for bad in [
            "",
            "Origin",
            "a.b",
            "a/b",
            "..",
            "origin.tmp",
            "名",
            &"x".repeat(META_NAME_LEN_MAX + 1),
        ] {
            assert!(!is_meta_name(bad), "{bad}");
        }
    }

    #[test]
    fn options_are_bounded() {
        for bad in [0, SEGMENT_LEN_MAX_LIMIT + 1] {
            let options = StoreOptions {
                segment_len_max: bad,
            };
            assert!(matches!(
                options.validate(),
                Err(StoreError::InvalidOptions { .. })
            ));
        }
        assert!(StoreOptions::default().validate().is_ok());
    }
}
