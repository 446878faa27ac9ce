//! File-system steps that make writes survive a crash: fsync of directories, atomic replace
//! of small files, the single-writer lock.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

use crate::error::{io_at, StoreError};
use crate::format::{decode_small_file, encode_small_file, SMALL_FILE_HEADER_LEN};

/// Suffix of the temporary file an atomic replace writes before renaming it into place.
/// Names that can hold a dot are never given a `.tmp` suffix by callers (meta names hold no
/// dot), so a temporary file never shadows a real one. A leftover temporary file (a crash
/// between write and rename) is ignored by `open` and overwritten by the next replace: it was
/// never the committed value.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// fsync a directory, so that entries created, renamed or removed in it survive a crash
/// (a file's own fsync does not persist its name).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_at("fsync directory", dir))
}

/// Takes the exclusive advisory lock on the data directory, held as long as `handle` is open.
/// Two writers on one log would interleave records and break it; this makes the second one
/// fail at once instead.
pub(crate) fn lock_dir(handle: &File, dir: &Path) -> Result<(), StoreError> {
    use rustix::fs::{flock, FlockOperation};
    match flock(handle, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(()),
        Err(errno) if errno == rustix::io::Errno::WOULDBLOCK => Err(StoreError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(errno) => Err(io_at("lock", dir)(errno.into())),
    }
}

/// Replaces `dir/name` atomically with a checksummed frame of `payload`: write a temporary
/// file, fsync it, read it back and compare (the write is paired with its read-back), rename
/// it over the old file, fsync the directory. A crash at any point leaves either the old
/// value or the new one, never a mix.
pub(crate) fn replace_small_file(dir: &Path, name: &str, payload: &[u8]) -> Result<(), StoreError> {
    let frame = encode_small_file(payload);
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    let target = dir.join(name);
    {
        let mut file = File::create(&tmp).map_err(io_at("create", &tmp))?;
        file.write_all(&frame).map_err(io_at("write", &tmp))?;
        file.sync_all().map_err(io_at("fsync", &tmp))?;
    }
    let read_back = fs::read(&tmp).map_err(io_at("read back", &tmp))?;
    if read_back != frame {
        return Err(StoreError::ReadBack {
            file: tmp,
            offset: 0,
            reason: "the bytes read back differ from the bytes just written and synced".to_string(),
        });
    }
    fs::rename(&tmp, &target).map_err(io_at("rename into place", &target))?;
    sync_dir(dir)
}

/// Reads and verifies a small file written by [`replace_small_file`]. `Ok(None)` when the file
/// does not exist; `Corrupt` when it is larger than `payload_len_max` allows or its frame or
/// checksum is wrong.
pub(crate) fn read_small_file(
    path: &Path,
    payload_len_max: usize,
) -> Result<Option<Vec<u8>>, StoreError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_at("open", path)(error)),
    };
    let len = file.metadata().map_err(io_at("stat", path))?.len();
    let len_max = (SMALL_FILE_HEADER_LEN + payload_len_max) as u64;
    if len > len_max {
        return Err(StoreError::Corrupt {
            file: path.to_path_buf(),
            offset: 0,
            reason: format!("file is {len} bytes, more than the {len_max} a valid one can have"),
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len_max + 1)
        .read_to_end(&mut bytes)
        .map_err(io_at("read", path))?;
    match decode_small_file(&bytes) {
        Ok(payload) => Ok(Some(payload.to_vec())),
        Err(reason) => Err(StoreError::Corrupt {
            file: path.to_path_buf(),
            offset: 0,
            reason,
        }),
    }
}

/// Creates `path` as a new file holding `bytes`, synced, and its directory synced. Fails with
/// `AlreadyExists` (as an I/O error kind) if the name is taken.
pub(crate) fn create_new_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
