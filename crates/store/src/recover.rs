//! The scan that `open` runs: read every segment, verify every record, rebuild the indexes,
//! and decide whether damage is a torn tail (cut it, after saving it) or damage inside the
//! log (refuse). The scan itself only reads; the one change `open` may make, cutting a torn
//! tail, happens in [`cut_torn_tail`] after every check of the whole directory has passed.

use foldhash::HashMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::durable::{create_new_synced, sync_dir};
use crate::error::{io_at, StoreError};
use crate::format::{
    decode_record, find_valid_record, parse_segment_file_name, segment_file_name, SEGMENT_EXTENSION,
};
use crate::{TornTail, SEGMENT_FILE_LEN_MAX};

/// How many differently named saves of torn bytes at the same (seq, offset) `open` will make
/// before giving up. The same point can tear again only if the process crashes again while
/// writing the same record after a recovery; more than a handful means something is looping.
pub const TORN_SAVES_PER_POINT_MAX: u32 = 100;

/// A segment as found by the scan.
#[derive(Debug)]
pub(crate) struct ScannedSegment {
    pub first_seq: u64,
    pub path: PathBuf,
    /// Bytes of valid records (the whole file unless a torn tail is to be cut).
    pub good_len: u64,
}

/// A torn tail found by the scan and not yet cut.
#[derive(Debug)]
pub(crate) struct PendingCut {
    pub segment: PathBuf,
    pub offset: u64,
    pub bytes: Vec<u8>,
    pub first_lost_seq: u64,
    pub reason: String,
}

/// Everything the scan found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub segments: Vec<ScannedSegment>,
    pub offsets: Vec<u64>,
    pub by_id: HashMap<[u8; 32], u64>,
    pub torn: Option<PendingCut>,
}

/// Lists the segment files of `log_dir` in seq order. Other files (saved torn tails) are not
/// segments and are left alone; a `.seg` file whose name is not 20 digits is refused, since
/// it was not written by this store and might hold records we would otherwise skip.
fn list_segments(log_dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(log_dir).map_err(io_at("list", log_dir))? {
        let entry = entry.map_err(io_at("list", log_dir))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !name.ends_with(SEGMENT_EXTENSION) {
            continue;
        }
        let Some(first_seq) = parse_segment_file_name(&name) else {
            return Err(StoreError::Corrupt {
                file: path,
                offset: 0,
                reason: "not a segment name this store writes (20 digits, then .seg)".to_string(),
            });
        };
        if !entry.file_type().map_err(io_at("stat", &path))?.is_file() {
            return Err(StoreError::Corrupt {
                file: path,
                offset: 0,
                reason: "a segment name that is not a regular file".to_string(),
            });
        }
        segments.push((first_seq, path));
    }
    segments.sort_unstable();
    Ok(segments)
}

/// Reads and verifies the whole log. Refuses (`Corrupt`) on any damage that is not a torn
/// tail of the last segment; changes nothing.
pub(crate) fn scan_log(log_dir: &Path) -> Result<Scan, StoreError> {
    let listed = list_segments(log_dir)?;
    if listed.is_empty() {
        return Err(StoreError::Corrupt {
            file: log_dir.join(segment_file_name(0)),
            offset: 0,
            reason: "the log has no segment files at all; the first segment is missing".to_string(),
        });
    }
    let mut scan = Scan::default();
    let last = listed.len() - 1;
    for (i, (first_seq, path)) in listed.into_iter().enumerate() {
        let expected = scan.offsets.len() as u64;
        if first_seq != expected {
            let reason = if first_seq > expected {
                format!(
                    "this segment starts at seq {first_seq}, but the segments before it end \
                     before seq {expected}: records {expected}..{} are missing (a deleted or \
                     lost segment file?)",
                    first_seq - 1
                )
            } else {
                format!(
                    "this segment starts at seq {first_seq}, but the segments before it \
                     already hold records up to seq {}",
                    expected.saturating_sub(1)
                )
            };
            return Err(StoreError::Corrupt {
                file: path,
                offset: 0,
                reason,
            });
        }
        let good_len = scan_segment(&path, first_seq, i == last, &mut scan)?;
        if i != last && good_len == 0 {
            return Err(StoreError::Corrupt {
                file: path,
                offset: 0,
                reason: "an empty segment before the last one (the store never leaves one)"
                    .to_string(),
            });
        }
        scan.segments.push(ScannedSegment {
            first_seq,
            path,
            good_len,
        });
    }
    Ok(scan)
}

/// Scans one segment into `scan`, returning the bytes of valid records.
fn scan_segment(
    path: &Path,
    first_seq: u64,
    is_last: bool,
    scan: &mut Scan,
) -> Result<u64, StoreError> {
    let file_len = fs::metadata(path).map_err(io_at("stat", path))?.len();
    if file_len > SEGMENT_FILE_LEN_MAX {
        return Err(StoreError::Corrupt {
            file: path.to_path_buf(),
            offset: 0,
            reason: format!(
                "segment file is {file_len} bytes, larger than any segment this store writes \
                 ({SEGMENT_FILE_LEN_MAX})"
            ),
        });
    }
    // One read of the whole segment: at most SEGMENT_FILE_LEN_MAX bytes (64 MiB by default),
    // and every byte has to be read to verify its checksum anyway.
    let buf = fs::read(path).map_err(io_at("read", path))?;
    let mut at = 0usize;
    let mut expected = first_seq;
    while at < buf.len() {
        let corrupt = |reason: String| StoreError::Corrupt {
            file: path.to_path_buf(),
            offset: at as u64,
            reason,
        };
        match decode_record(&buf[at..]) {
            Ok(view) => {
                if view.seq != expected {
                    return Err(corrupt(format!(
                        "a valid record with seq {} where seq {expected} belongs (a gap or a \
                         misplaced record)",
                        view.seq
                    )));
                }
                scan.offsets.push(at as u64);
                scan.by_id.entry(view.id).or_insert(view.seq);
                expected += 1;
                at += view.len;
            }
            Err(defect) => {
                if !is_last {
                    // A segment is sealed (fsynced whole) before the next one is created, so a
                    // crash cannot leave a torn record in any segment but the last.
                    return Err(corrupt(format!(
                        "{defect}; this is not the last segment, so it is damage, not a torn \
                         write"
                    )));
                }
                if let Some((valid_at, valid_seq)) = find_valid_record(&buf, at + 1) {
                    return Err(corrupt(format!(
                        "{defect}, but a valid record (seq {valid_seq}) follows at byte offset \
                         {valid_at}: the damage is inside the log, not a torn write at its end"
                    )));
                }
                scan.torn = Some(PendingCut {
                    segment: path.to_path_buf(),
                    offset: at as u64,
                    bytes: buf[at..].to_vec(),
                    first_lost_seq: expected,
                    reason: defect.to_string(),
                });
                break;
            }
        }
    }
    Ok(at as u64)
}

/// Saves the torn bytes to `log/torn-<seq>-<offset>.bin` (synced, directory synced, read
/// back), and only then truncates the segment to its valid records and syncs it. A crash
/// between the two steps repeats the recovery on the next open, which finds the identical
/// save and reuses it.
pub(crate) fn cut_torn_tail(log_dir: &Path, cut: &PendingCut) -> Result<TornTail, StoreError> {
    let saved_to = save_torn_bytes(log_dir, cut)?;
    let segment = OpenOptions::new()
        .write(true)
        .open(&cut.segment)
        .map_err(io_at("open for truncation", &cut.segment))?;
    segment
        .set_len(cut.offset)
        .map_err(io_at("truncate", &cut.segment))?;
    segment.sync_all().map_err(io_at("fsync", &cut.segment))?;
    let len = segment
        .metadata()
        .map_err(io_at("stat", &cut.segment))?
        .len();
    // The truncation paired with its read-back.
    if len != cut.offset {
        return Err(StoreError::ReadBack {
            file: cut.segment.clone(),
            offset: cut.offset,
            reason: format!(
                "the segment is {len} bytes after truncating it to {} (is another program \
                 writing to the log?); the torn bytes are saved in {}",
                cut.offset,
                saved_to.display()
            ),
        });
    }
    Ok(TornTail {
        segment: cut.segment.clone(),
        offset: cut.offset,
        bytes_cut: cut.bytes.len() as u64,
        saved_to,
        first_lost_seq: cut.first_lost_seq,
        reason: cut.reason.clone(),
    })
}

fn save_torn_bytes(log_dir: &Path, cut: &PendingCut) -> Result<PathBuf, StoreError> {
    for attempt in 0..TORN_SAVES_PER_POINT_MAX {
        let name = if attempt == 0 {
            format!("torn-{:020}-{}.bin", cut.first_lost_seq, cut.offset)
        } else {
            format!(
                "torn-{:020}-{}.{attempt}.bin",
                cut.first_lost_seq, cut.offset
            )
        };
        let path = log_dir.join(name);
        match create_new_synced(&path, &cut.bytes) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                // An earlier open saved bytes here and may have crashed before truncating:
                // reuse the save if it is the same bytes, else take the next name.
                if fs::read(&path).map_err(io_at("read", &path))? != cut.bytes {
                    continue;
                }
            }
            Err(error) => return Err(io_at("save torn bytes to", &path)(error)),
        }
        sync_dir(log_dir)?;
        let saved = fs::File::open(&path).map_err(io_at("open", &path))?;
        let mut read_back = vec![0u8; cut.bytes.len()];
        saved
            .read_exact_at(&mut read_back, 0)
            .map_err(io_at("read back", &path))?;
        if read_back != cut.bytes {
            return Err(StoreError::ReadBack {
                file: path,
                offset: 0,
                reason: "the saved torn bytes read back differently from what was written"
                    .to_string(),
            });
        }
        return Ok(path);
    }
    Err(StoreError::Corrupt {
        file: cut.segment.clone(),
        offset: cut.offset,
        reason: format!(
            "a torn tail ({}) should be cut here, but {TORN_SAVES_PER_POINT_MAX} different saves \
             for this point already exist in {}; inspect and move them away",
            cut.reason,
            log_dir.display()
        ),
    })
}
