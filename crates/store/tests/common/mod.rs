//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use pactlog_store::{Record, Store, StoreOptions, RECORD_HEADER_LEN};

/// A deterministic statement id for `seq` (distinct for every seq).
pub fn id_for(seq: u64) -> [u8; 32] {
    let mut id = [0xA5u8; 32];
    id[..8].copy_from_slice(&seq.to_le_bytes());
    id
}

/// A JSON-looking leaf of about `pad + 20` bytes.
pub fn leaf_for(seq: u64, pad: usize) -> Vec<u8> {
    format!("{{\"seq\":{seq},\"pad\":\"{}\"}}", "x".repeat(pad)).into_bytes()
}

pub fn record(seq: u64, pad: usize) -> Record {
    Record {
        seq,
        id: id_for(seq),
        leaf: leaf_for(seq, pad),
    }
}

/// Bytes of `record` on disk.
pub fn disk_len(record: &Record) -> u64 {
    (RECORD_HEADER_LEN + record.leaf.len()) as u64
}

pub fn tiny(segment_len_max: u64) -> StoreOptions {
    StoreOptions { segment_len_max }
}

/// Segment files of the store in `dir`, in seq order.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir.join("log"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    found.sort();
    found
}

/// Saved torn tails in `dir/log`, sorted.
pub fn torn_saves(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir.join("log"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("torn-"))
        })
        .collect();
    found.sort();
    found
}

/// The first seq a segment file name says.
pub fn first_seq_of(segment: &Path) -> u64 {
    segment
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Every file and directory under `dir` with its bytes (`None` for directories).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(next) = todo.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                todo.push(path);
            } else {
                out.insert(path.clone(), Some(fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// A synced log of `count` records (leaf padding `pad(seq)`), closed again.
pub fn build(
    dir: &Path,
    options: StoreOptions,
    count: u64,
    pad: impl Fn(u64) -> usize,
) -> Vec<Record> {
    let mut store = options.create(dir).unwrap();
    let records: Vec<Record> = (0..count).map(|seq| record(seq, pad(seq))).collect();
    for batch in records.chunks(3) {
        store.append(batch).unwrap();
    }
    store.sync().unwrap();
    assert_eq!(store.durable_len(), count);
    records
}

/// Asserts that every record is readable from `store` and byte-identical, and indexed.
pub fn assert_records(store: &Store, records: &[Record]) {
    assert_eq!(store.len(), records.len() as u64);
    for record in records {
        assert_eq!(store.read_record(record.seq).unwrap(), *record);
        assert_eq!(store.read(record.seq).unwrap(), record.leaf);
        assert_eq!(store.seq_of(&record.id), Some(record.seq));
    }
}

/// Segment and byte offset of record `seq`, from the record sizes and the segment names.
pub fn locate(dir: &Path, records: &[Record], seq: u64) -> (PathBuf, u64) {
    let segment = segments(dir)
        .into_iter()
        .rfind(|segment| first_seq_of(segment) <= seq)
        .unwrap();
    let first = first_seq_of(&segment);
    let offset = records[first as usize..seq as usize]
        .iter()
        .map(disk_len)
        .sum();
    (segment, offset)
}

/// Flips one bit of the byte at `offset` in `path`.
pub fn flip(path: &Path, offset: u64) {
    let mut bytes = fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x10;
    fs::write(path, bytes).unwrap();
}
