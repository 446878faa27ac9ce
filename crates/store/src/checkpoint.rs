//! The latest checkpoint: a file of two slots, written in place, alternately.
//!
//! The checkpoint is rewritten after every group commit, so its cost is paid per batch. An
//! atomic replace (temporary file, fsync, rename, directory fsync — what meta files use)
//! costs three device flushes and a new inode each time. Here the file is created once at its
//! final size and never changes size; each write goes to the slot the previous write did not
//! use, with one `pwrite` and one `fdatasync` (no metadata to flush, since the size is
//! unchanged). The slots sit at page-aligned offsets, so a torn write can damage only the
//! slot being written, and the other still holds the previous checkpoint — the scheme of
//! database superblocks (and of TigerBeetle's superblock copies).
//!
//! Each slot carries a generation, counting writes from 1; write `g` goes to slot `g % 2`.
//! The latest checkpoint is the valid slot with the higher generation.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{io_at, StoreError};
use crate::format::{decode_checkpoint_slot, encode_checkpoint_slot, Slot, CHECKPOINT_SLOT_LEN};

/// Bytes of the whole checkpoint file: two slots.
pub const CHECKPOINT_FILE_LEN: u64 = 2 * CHECKPOINT_SLOT_LEN as u64;

/// A checkpoint slot that failed verification on `open` while the other slot was valid:
/// almost always a checkpoint write interrupted by a crash (its batch was never
/// acknowledged), so the previous checkpoint, in the other slot, is the latest. Reported so
/// that the operator sees it; the slot is overwritten by the next checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedSlot {
    /// The checkpoint file.
    pub file: PathBuf,
    /// Byte offset of the damaged slot.
    pub offset: u64,
    /// What was wrong with it.
    pub reason: String,
}

impl std::fmt::Display for DamagedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the checkpoint slot at byte offset {} of {} is damaged ({}), most likely by a \
             checkpoint write that a crash interrupted; the checkpoint in the other slot is used",
            self.offset,
            self.file.display(),
            self.reason
        )
    }
}

/// The open checkpoint file.
#[derive(Debug)]
pub(crate) struct CheckpointFile {
    file: File,
    path: PathBuf,
    /// Generation of the latest valid slot; 0 when no checkpoint was ever written.
    generation: u64,
}

/// What `open` read.
pub(crate) struct Loaded {
    pub file: CheckpointFile,
    pub note: Option<Vec<u8>>,
    pub damaged: Option<DamagedSlot>,
}

/// Bytes of a new checkpoint file holding `note` (if any) as generation 1.
pub(crate) fn initial_bytes(note: Option<&[u8]>) -> Vec<u8> {
    let mut bytes = vec![0u8; CHECKPOINT_FILE_LEN as usize];
    if let Some(note) = note {
        let slot = encode_checkpoint_slot(1, note);
        let start = CHECKPOINT_SLOT_LEN;
        bytes[start..start + slot.len()].copy_from_slice(&slot);
    }
    bytes
}

impl CheckpointFile {
    /// Opens and verifies the checkpoint file at `path`. Refuses ([`StoreError::Corrupt`])
    /// a file of the wrong size, two damaged slots, or slots that no sequence of writes by
    /// this module can produce.
    pub fn open(path: &Path) -> Result<Loaded, StoreError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io_at("open", path))?;
        let len = file.metadata().map_err(io_at("stat", path))?.len();
        let corrupt = |offset: u64, reason: String| StoreError::Corrupt {
            file: path.to_path_buf(),
            offset,
            reason,
        };
        if len != CHECKPOINT_FILE_LEN {
            return Err(corrupt(
                len.min(CHECKPOINT_FILE_LEN),
                format!("the checkpoint file is {len} bytes, not {CHECKPOINT_FILE_LEN}"),
            ));
        }
        let mut bytes = vec![0u8; CHECKPOINT_FILE_LEN as usize];
        file.read_exact_at(&mut bytes, 0)
            .map_err(io_at("read", path))?;
        let (first, second) = bytes.split_at(CHECKPOINT_SLOT_LEN);
        let slots = [
            decode_checkpoint_slot(first),
            decode_checkpoint_slot(second),
        ];
        for (index, slot) in slots.iter().enumerate() {
            if let Ok(Slot::Written { generation, .. }) = slot {
                if generation % 2 != index as u64 {
                    return Err(corrupt(
                        (index * CHECKPOINT_SLOT_LEN) as u64,
                        format!("slot {index} holds generation {generation}, which belongs in the other slot"),
                    ));
                }
            }
        }
        let written = |index: usize| match slots[index] {
            Ok(Slot::Written { generation, note }) => Some((generation, note)),
            _ => None,
        };
        let latest = match (written(0), written(1)) {
            (Some(a), Some(b)) => Some(if a.0 > b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let mut damaged = None;
        for (index, slot) in slots.iter().enumerate() {
            if let Err(reason) = slot {
                let offset = (index * CHECKPOINT_SLOT_LEN) as u64;
                let other_valid = slots[1 - index].is_ok();
                if !other_valid {
                    return Err(corrupt(
                        offset,
                        format!("both checkpoint slots are damaged; this one: {reason}"),
                    ));
                }
                damaged = Some(DamagedSlot {
                    file: path.to_path_buf(),
                    offset,
                    reason: reason.clone(),
                });
            }
        }
        Ok(Loaded {
            note: latest.map(|(_, note)| note.to_vec()),
            file: CheckpointFile {
                file,
                path: path.to_path_buf(),
                generation: latest.map_or(0, |(generation, _)| generation),
            },
            damaged,
        })
    }

    /// Writes `note` into the slot the latest checkpoint is not in, and `fdatasync`s it. When
    /// this returns `Ok`, `note` is the checkpoint a restart finds.
    pub fn write(&mut self, note: &[u8]) -> Result<(), StoreError> {
        let generation = self.generation + 1;
        let offset = (generation % 2) * CHECKPOINT_SLOT_LEN as u64;
        self.file
            .write_all_at(&encode_checkpoint_slot(generation, note), offset)
            .map_err(io_at("write", &self.path))?;
        self.file
            .sync_data()
            .map_err(io_at("fdatasync", &self.path))?;
        self.generation = generation;
        Ok(())
    }
}
