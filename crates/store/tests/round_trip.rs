//! Writing, reopening and reading back; the API's rules on input.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use pactlog_store::{
    Record, Store, StoreError, StoreOptions, CHECKPOINT_LEN_MAX, META_LEN_MAX, READ_RANGE_LEN_MAX,
    RECORD_PAYLOAD_LEN_MAX,
};

#[test]
fn round_trip_across_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let options = tiny(400);
    let pad = |seq: u64| (seq as usize * 37) % 200;
    let mut store = options.create(&dir).unwrap();
    assert!(store.is_empty());
    let mut records = Vec::new();
    let mut seq = 0;
    for (n, batch_len) in [1u64, 3, 5, 2, 7, 1, 4].into_iter().enumerate() {
        let batch: Vec<Record> = (seq..seq + batch_len).map(|s| record(s, pad(s))).collect();
        store.append(&batch).unwrap();
        seq += batch_len;
        records.extend(batch);
        assert_eq!(store.len(), seq);
        // Appended records are readable before they are synced.
        assert_records(&store, &records);
        if n % 2 == 0 {
            store.sync().unwrap();
            assert_eq!(store.durable_len(), seq);
        } else {
            assert!(store.durable_len() <= seq);
        }
    }
    store.sync().unwrap();
    drop(store);

    let found = segments(&dir);
    assert!(
        found.len() > 4,
        "expected many segments, got {}",
        found.len()
    );
    for segment in &found {
        let len = std::fs::metadata(segment).unwrap().len();
        let first = first_seq_of(segment);
        // A segment is within its limit unless it holds a single larger record.
        assert!(len <= 400 || len == disk_len(&records[first as usize]));
    }

    let (store, recovery) = options.open(&dir).unwrap();
    assert_eq!(recovery.records, seq);
    assert_eq!(recovery.segments, found.len() as u64);
    assert_eq!(recovery.truncated_tail, None);
    assert_eq!(store.durable_len(), seq);
    assert_records(&store, &records);
    assert_eq!(store.seq_of(&[0u8; 32]), None);
    assert!(matches!(
        store.read(seq),
        Err(StoreError::NotFound { seq: s, len }) if s == seq && len == seq
    ));

    for start in 0..=seq + 1 {
        for limit in [0usize, 1, 2, 5, 100] {
            let got = store.read_range(start, limit).unwrap();
            let want: Vec<Vec<u8>> = records
                .iter()
                .skip(start as usize)
                .take(limit)
                .map(|r| r.leaf.clone())
                .collect();
            assert_eq!(got, want, "start {start} limit {limit}");
        }
    }

    // Reopened with the default (large) segment limit, appends continue in the last segment.
    drop(store);
    let (mut store, _) = Store::open(&dir).unwrap();
    let next = record(seq, 10);
    store.append(std::slice::from_ref(&next)).unwrap();
    store.sync().unwrap();
    records.push(next);
    assert_records(&store, &records);
    assert_eq!(segments(&dir).len(), found.len());
}

#[test]
fn read_range_is_capped() {
    let tmp = tempfile::tempdir().unwrap();
    let count = READ_RANGE_LEN_MAX as u64 + 10;
    build(tmp.path(), StoreOptions::default(), count, |_| 1);
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_eq!(
        store.read_range(0, usize::MAX).unwrap().len(),
        READ_RANGE_LEN_MAX
    );
    assert_eq!(store.read_range(count - 3, usize::MAX).unwrap().len(), 3);
}

#[test]
fn one_record_per_segment_with_the_smallest_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let records = build(tmp.path(), tiny(1), 6, |seq| seq as usize);
    assert_eq!(segments(tmp.path()).len(), 6);
    let (store, recovery) = tiny(1).open(tmp.path()).unwrap();
    assert_eq!(recovery.segments, 6);
    assert_records(&store, &records);
    assert_eq!(
        store.read_range(0, 10).unwrap(),
        records.iter().map(|r| r.leaf.clone()).collect::<Vec<_>>()
    );
}

#[test]
fn append_refuses_bad_batches_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(tmp.path()).unwrap();
    store.append(&[record(0, 1), record(1, 1)]).unwrap();

    let err = store.append(&[record(2, 1), record(4, 1)]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SeqMismatch {
                expected: 3,
                got: 4
            }
        ),
        "{err}"
    );

    let err = store.append(&[record(1, 1)]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SeqMismatch {
                expected: 2,
                got: 1
            }
        ),
        "{err}"
    );

    let big = Record {
        seq: 3,
        id: id_for(3),
        leaf: vec![b'x'; RECORD_PAYLOAD_LEN_MAX + 1],
    };
    let err = store.append(&[record(2, 1), big]).unwrap_err();
    assert!(
        matches!(err, StoreError::RecordTooLarge { seq: 3, .. }),
        "{err}"
    );

    let mut dup = record(2, 1);
    dup.id = id_for(0);
    let err = store.append(&[dup]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::DuplicateId {
                seq: 2,
                existing: 0,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&"a5".repeat(24)), "{err}");

    let mut dup_in_batch = record(3, 1);
    dup_in_batch.id = id_for(2);
    let err = store.append(&[record(2, 1), dup_in_batch]).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::DuplicateId {
                seq: 3,
                existing: 2,
                ..
            }
        ),
        "{err}"
    );

    // Nothing of the refused batches was written; the store still accepts writes.
    assert_eq!(store.len(), 2);
    assert_eq!(store.read_range(0, 10).unwrap().len(), 2);
    let max = Record {
        seq: 2,
        id: id_for(2),
        leaf: vec![b'y'; RECORD_PAYLOAD_LEN_MAX],
    };
    store.append(std::slice::from_ref(&max)).unwrap();
    store.append(&[]).unwrap();
    store.sync().unwrap();
    drop(store);
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_eq!(store.len(), 3);
    assert_eq!(store.read(2).unwrap(), max.leaf);
}

#[test]
fn large_batch_is_written_in_bounded_pieces() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(tmp.path()).unwrap();
    // About 12.5 MiB: more than one write buffer.
    let records: Vec<Record> = (0..200)
        .map(|seq| Record {
            seq,
            id: id_for(seq),
            leaf: vec![b'a' + (seq % 26) as u8; 65_000],
        })
        .collect();
    store.append(&records).unwrap();
    store.sync().unwrap();
    drop(store);
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_records(&store, &records);
}

#[test]
fn checkpoint_write_replace_read() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(tmp.path()).unwrap();
    assert_eq!(store.latest_checkpoint(), None);
    let reader = store.reader();
    store
        .write_checkpoint(b"log.example\n1\nAAAA\n\n- sig\n")
        .unwrap();
    assert_eq!(
        store.latest_checkpoint().as_deref(),
        Some(&b"log.example\n1\nAAAA\n\n- sig\n"[..])
    );
    store
        .write_checkpoint(b"log.example\n2\nBBBB\n\n- sig\n")
        .unwrap();
    assert_eq!(
        reader.latest_checkpoint().as_deref(),
        Some(&b"log.example\n2\nBBBB\n\n- sig\n"[..])
    );
    let err = store
        .write_checkpoint(&vec![b'c'; CHECKPOINT_LEN_MAX + 1])
        .unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    drop(store);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|name| !name.ends_with(".tmp")),
        "{names:?}"
    );
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_eq!(
        store.latest_checkpoint().as_deref(),
        Some(&b"log.example\n2\nBBBB\n\n- sig\n"[..])
    );
}

#[test]
fn leftover_temporary_files_are_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(tmp.path()).unwrap();
    store.write_checkpoint(b"one").unwrap();
    drop(store);
    std::fs::write(tmp.path().join("checkpoints.tmp"), b"half-writ").unwrap();
    std::fs::write(tmp.path().join("meta/origin.tmp"), b"half-writ").unwrap();
    let (mut store, _) = Store::open(tmp.path()).unwrap();
    assert_eq!(store.latest_checkpoint().as_deref(), Some(&b"one"[..]));
    store.write_checkpoint(b"two").unwrap();
    store.put_meta("origin", b"o").unwrap();
    assert_eq!(
        store.get_meta("origin").unwrap().as_deref(),
        Some(&b"o"[..])
    );
}

#[test]
fn meta_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(tmp.path()).unwrap();
    assert_eq!(store.get_meta("origin").unwrap(), None);
    store
        .put_meta("origin", b"pairings.example.gov.cn/jiangsu")
        .unwrap();
    store.put_meta("empty", b"").unwrap();
    store
        .put_meta("origin", b"pairings.example.gov.cn/js")
        .unwrap();
    for bad in ["", "Origin", "a.b", "../x", "a/b", "origin.tmp"] {
        let err = store.put_meta(bad, b"x").unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidMetaName { .. }),
            "{bad}: {err}"
        );
        assert!(matches!(
            store.get_meta(bad),
            Err(StoreError::InvalidMetaName { .. })
        ));
    }
    let err = store
        .put_meta("big", &vec![0; META_LEN_MAX + 1])
        .unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    drop(store);
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_eq!(
        store.get_meta("origin").unwrap().as_deref(),
        Some(&b"pairings.example.gov.cn/js"[..])
    );
    assert_eq!(store.get_meta("empty").unwrap().as_deref(), Some(&b""[..]));
    assert_eq!(store.get_meta("big").unwrap(), None);
}

#[test]
fn create_refuses_an_existing_log() {
    let tmp = tempfile::tempdir().unwrap();
    let records = build(tmp.path(), StoreOptions::default(), 3, |_| 5);
    let before = snapshot(tmp.path());
    let err = Store::create(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    assert_eq!(snapshot(tmp.path()), before);
    let (store, _) = Store::open(tmp.path()).unwrap();
    assert_records(&store, &records);

    // The leftover of an interrupted create (no marker yet) is refused too.
    let half = tmp.path().join("half");
    std::fs::create_dir_all(half.join("log")).unwrap();
    let err = Store::create(&half).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    let err = Store::open(&half).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
}

#[test]
fn create_accepts_a_directory_with_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("log.genesis"), b"not ours").unwrap();
    let store = Store::create(tmp.path()).unwrap();
    assert!(store.is_empty());
}

#[test]
fn open_refuses_what_is_not_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    for dir in [tmp.path().to_path_buf(), tmp.path().join("missing")] {
        let err = Store::open(&dir).unwrap_err();
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        assert!(err.to_string().contains("FORMAT"), "{err}");
    }
}

#[test]
fn open_refuses_a_newer_format() {
    let tmp = tempfile::tempdir().unwrap();
    drop(Store::create(tmp.path()).unwrap());
    std::fs::write(tmp.path().join("FORMAT"), b"pactlog-store format 3\n").unwrap();
    let err = Store::open(tmp.path()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerFormat {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn one_writer_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::create(tmp.path()).unwrap();
    let err = Store::open(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    drop(store);
    let (_store, _) = Store::open(tmp.path()).unwrap();
}

#[test]
fn readers_run_while_the_writer_appends() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = tiny(2000).create(tmp.path()).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let reader = store.reader();
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut reads = 0u64;
                while !done.load(Ordering::Acquire) {
                    let len = reader.len();
                    for seq in len.saturating_sub(5)..len {
                        assert_eq!(reader.read(seq).unwrap(), leaf_for(seq, seq as usize % 50));
                        assert_eq!(reader.seq_of(&id_for(seq)), Some(seq));
                        reads += 1;
                    }
                    let range = reader.read_range(len.saturating_sub(20), 20).unwrap();
                    assert!(range.len() >= len.min(20) as usize);
                }
                reads
            })
        })
        .collect();
    for seq in (0..600).step_by(4) {
        let batch: Vec<Record> = (seq..seq + 4).map(|s| record(s, s as usize % 50)).collect();
        store.append(&batch).unwrap();
        if seq % 40 == 0 {
            store.sync().unwrap();
        }
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(store.reader().len(), 600);
}
