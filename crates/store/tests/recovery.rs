//! Recovery on open (SPEC §5): torn tails are cut after being saved; any other damage makes
//! `open` refuse, naming file and offset, without changing a byte on disk.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use pactlog_store::{
    Record, Store, StoreError, StoreOptions, CHECKPOINT_FILE_LEN, CHECKPOINT_SLOT_LEN,
};

/// Opens `dir`, expects a refusal with `Corrupt` naming `file` and `offset`, and checks that
/// the directory is byte-for-byte unchanged.
fn assert_refused(dir: &Path, options: StoreOptions, file: &Path, offset: u64) -> String {
    let before = snapshot(dir);
    let err = options.open(dir).unwrap_err();
    assert_eq!(
        snapshot(dir),
        before,
        "a refused open changed the directory"
    );
    let message = err.to_string();
    match &err {
        StoreError::Corrupt {
            file: got_file,
            offset: got_offset,
            ..
        } => {
            assert_eq!(got_file, file, "{message}");
            assert_eq!(*got_offset, offset, "{message}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("byte offset {offset}")),
        "{message}"
    );
    message
}

/// Tears the last record at every byte inside it and checks each recovery; `options`
/// decides whether the last record shares its segment with others.
fn tear_last_record_everywhere(options: StoreOptions) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let count = 6;
    let records = build(dir, options, count, |seq| 10 + seq as usize * 7);
    let last = &records[count as usize - 1];
    let (segment, start) = locate(dir, &records, last.seq);
    let pristine_segments = segments(dir);
    let pristine = fs::read(&segment).unwrap();
    let end = start + disk_len(last);
    assert_eq!(pristine.len() as u64, end);

    for cut in start..end {
        // Put the crash state in place: the last record holds `cut - start` of its bytes.
        fs::write(&segment, &pristine[..cut as usize]).unwrap();
        for save in torn_saves(dir) {
            fs::remove_file(save).unwrap();
        }
        for extra in segments(dir) {
            if !pristine_segments.contains(&extra) {
                fs::remove_file(extra).unwrap();
            }
        }

        let (mut store, recovery) = options.open(dir).unwrap();
        assert_eq!(recovery.records, count - 1, "cut at {cut}");
        assert_records(&store, &records[..count as usize - 1]);
        assert_eq!(store.durable_len(), count - 1);
        if cut == start {
            // The file ends exactly after a record: nothing is torn.
            assert_eq!(recovery.truncated_tail, None);
        } else {
            let torn = recovery.truncated_tail.expect("a torn tail");
            assert_eq!(torn.segment, segment);
            assert_eq!(torn.offset, start);
            assert_eq!(torn.bytes_cut, cut - start);
            assert_eq!(torn.first_lost_seq, count - 1);
            assert_eq!(torn.saved_to.parent(), Some(dir.join("log").as_path()));
            assert_eq!(
                fs::read(&torn.saved_to).unwrap(),
                pristine[start as usize..cut as usize]
            );
            assert!(torn.to_string().contains("torn tail"), "{torn}");
            assert_eq!(fs::metadata(&segment).unwrap().len(), start);
        }
        assert_eq!(store.seq_of(&last.id), None);

        // Appending continues at the right seq, and the result reopens clean.
        store.append(std::slice::from_ref(last)).unwrap();
        store.sync().unwrap();
        drop(store);
        let (store, recovery) = options.open(dir).unwrap();
        assert_eq!(recovery.truncated_tail, None);
        assert_records(&store, &records);
    }
}

#[test]
fn torn_last_record_in_a_shared_segment() {
    tear_last_record_everywhere(StoreOptions::default());
}

#[test]
fn torn_last_record_alone_in_its_segment() {
    tear_last_record_everywhere(tiny(1));
}

#[test]
fn zero_filled_tail_is_torn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, tiny(500), 9, |seq| seq as usize * 11);
    let segment = segments(dir).pop().unwrap();
    let good = fs::metadata(&segment).unwrap().len();
    for zeros in [1usize, 55, 56, 57, 4096] {
        let mut bytes = fs::read(&segment).unwrap();
        bytes.truncate(good as usize);
        bytes.resize(good as usize + zeros, 0);
        fs::write(&segment, &bytes).unwrap();
        let (store, recovery) = tiny(500).open(dir).unwrap();
        let torn = recovery.truncated_tail.expect("zeros are a torn tail");
        assert_eq!(torn.offset, good);
        assert_eq!(torn.bytes_cut, zeros as u64);
        assert_eq!(fs::read(&torn.saved_to).unwrap(), vec![0u8; zeros]);
        assert!(torn.reason.contains("magic"), "{}", torn.reason);
        assert_records(&store, &records);
    }
}

#[test]
fn garbage_tail_is_torn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 4, |_| 30);
    let segment = segments(dir).pop().unwrap();
    let good = fs::metadata(&segment).unwrap().len();
    let garbage: Vec<u8> = (0..300u32).map(|i| (i * 151 % 256) as u8).collect();
    let mut bytes = fs::read(&segment).unwrap();
    bytes.extend_from_slice(&garbage);
    fs::write(&segment, &bytes).unwrap();
    let (store, recovery) = Store::open(dir).unwrap();
    let torn = recovery.truncated_tail.unwrap();
    assert_eq!((torn.offset, torn.bytes_cut), (good, 300));
    assert_eq!(fs::read(&torn.saved_to).unwrap(), garbage);
    assert_records(&store, &records);
}

#[test]
fn bad_checksum_of_the_last_record_is_torn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 5, |_| 40);
    let (segment, start) = locate(dir, &records, 4);
    let pristine = fs::read(&segment).unwrap();
    flip(&segment, start + 60);
    let (store, recovery) = Store::open(dir).unwrap();
    let torn = recovery.truncated_tail.unwrap();
    assert_eq!(torn.offset, start);
    assert!(torn.reason.contains("checksum"), "{}", torn.reason);
    let mut saved = pristine[start as usize..].to_vec();
    saved[60] ^= 0x10;
    assert_eq!(fs::read(&torn.saved_to).unwrap(), saved);
    assert_records(&store, &records[..4]);
}

#[test]
fn a_new_segment_holding_only_garbage_is_cut_to_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, tiny(1), 3, |_| 5);
    // A crash right after a roll: the new segment exists, its record never fully arrived.
    let next = dir.join("log/00000000000000000003.seg");
    fs::write(&next, [0xFF, b'P', b'L', b'R', 1, 0]).unwrap();
    let (mut store, recovery) = tiny(1).open(dir).unwrap();
    let torn = recovery.truncated_tail.unwrap();
    assert_eq!(
        (torn.segment.as_path(), torn.offset, torn.bytes_cut),
        (next.as_path(), 0, 6)
    );
    assert!(
        torn.reason.contains("incomplete record header"),
        "{}",
        torn.reason
    );
    assert_eq!(recovery.segments, 4);
    assert_records(&store, &records);
    store.append(&[record(3, 5)]).unwrap();
    store.sync().unwrap();
    assert_eq!(fs::metadata(&next).unwrap().len(), disk_len(&record(3, 5)));
}

#[test]
fn an_empty_last_segment_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, tiny(1), 3, |_| 5);
    fs::write(dir.join("log/00000000000000000003.seg"), b"").unwrap();
    let (store, recovery) = tiny(1).open(dir).unwrap();
    assert_eq!(recovery.truncated_tail, None);
    assert_eq!(recovery.segments, 4);
    assert_records(&store, &records);
}

#[test]
fn a_repeated_recovery_reuses_its_save() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    build(dir, StoreOptions::default(), 3, |_| 5);
    let segment = segments(dir).pop().unwrap();
    let good = fs::read(&segment).unwrap();
    let mut torn = good.clone();
    torn.extend_from_slice(&[0xFF, b'P', b'L']);

    fs::write(&segment, &torn).unwrap();
    let (store, first) = Store::open(dir).unwrap();
    drop(store);
    // As if the previous open crashed after saving and before truncating.
    fs::write(&segment, &torn).unwrap();
    let (store, second) = Store::open(dir).unwrap();
    drop(store);
    let first = first.truncated_tail.unwrap();
    let second = second.truncated_tail.unwrap();
    assert_eq!(first.saved_to, second.saved_to);
    assert_eq!(torn_saves(dir).len(), 1);

    // Different bytes torn at the same point get their own save; none is overwritten.
    let mut other = good.clone();
    other.extend_from_slice(&[0, 0, 0]);
    fs::write(&segment, &other).unwrap();
    let (_store, third) = Store::open(dir).unwrap();
    let third = third.truncated_tail.unwrap();
    assert_ne!(third.saved_to, first.saved_to);
    assert_eq!(fs::read(&first.saved_to).unwrap(), [0xFF, b'P', b'L']);
    assert_eq!(fs::read(&third.saved_to).unwrap(), [0, 0, 0]);
    assert_eq!(torn_saves(dir).len(), 2);
}

#[test]
fn damaged_payload_in_the_middle_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 6, |_| 50);
    let (segment, start) = locate(dir, &records, 2);
    flip(&segment, start + 70);
    let message = assert_refused(dir, StoreOptions::default(), &segment, start);
    assert!(message.contains("checksum"), "{message}");
    assert!(message.contains("valid record (seq 3)"), "{message}");
}

#[test]
fn damaged_header_in_the_middle_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 6, |_| 50);
    let (segment, start) = locate(dir, &records, 3);
    // Magic, version, reserved, length, seq, id, checksum: every header field.
    for field_offset in [0u64, 4, 6, 8, 12, 20, 52] {
        let pristine = fs::read(&segment).unwrap();
        flip(&segment, start + field_offset);
        assert_refused(dir, StoreOptions::default(), &segment, start);
        fs::write(&segment, pristine).unwrap();
    }
    let (store, _) = Store::open(dir).unwrap();
    assert_records(&store, &records);
}

#[test]
fn damage_in_a_segment_before_the_last_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let options = tiny(300);
    let records = build(dir, options, 12, |_| 60);
    let all = segments(dir);
    assert!(all.len() >= 3);
    // Even damage at the very end of an earlier segment is not a torn tail.
    let middle = &all[1];
    let len = fs::metadata(middle).unwrap().len();
    let last_in_middle = first_seq_of(&all[2]) - 1;
    let (_, start) = locate(dir, &records, last_in_middle);
    flip(middle, len - 1);
    let message = assert_refused(dir, options, middle, start);
    assert!(message.contains("not the last segment"), "{message}");
    flip(middle, len - 1);

    // A truncated earlier segment: its last record is incomplete.
    let pristine = fs::read(middle).unwrap();
    fs::write(middle, &pristine[..pristine.len() - 3]).unwrap();
    assert_refused(dir, options, middle, start);
    fs::write(middle, &pristine).unwrap();

    // Zeros appended to an earlier segment.
    let mut padded = pristine.clone();
    padded.extend_from_slice(&[0; 64]);
    fs::write(middle, &padded).unwrap();
    assert_refused(dir, options, middle, len);
    fs::write(middle, &pristine).unwrap();

    let (store, _) = options.open(dir).unwrap();
    assert_records(&store, &records);
}

#[test]
fn a_seq_gap_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 6, |_| 20);
    // Remove record 2's bytes: record 3, valid, now sits where seq 2 belongs.
    let (segment, start) = locate(dir, &records, 2);
    let mut bytes = fs::read(&segment).unwrap();
    bytes.drain(start as usize..(start + disk_len(&records[2])) as usize);
    fs::write(&segment, bytes).unwrap();
    let message = assert_refused(dir, StoreOptions::default(), &segment, start);
    assert!(message.contains("seq 3 where seq 2 belongs"), "{message}");
}

#[test]
fn a_duplicated_record_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 4, |_| 20);
    let (segment, start) = locate(dir, &records, 3);
    let mut bytes = fs::read(&segment).unwrap();
    let copy = bytes[start as usize..].to_vec();
    bytes.extend_from_slice(&copy);
    fs::write(&segment, bytes).unwrap();
    let end = start + disk_len(&records[3]);
    assert_refused(dir, StoreOptions::default(), &segment, end);
}

#[test]
fn missing_or_misnamed_segments_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let options = tiny(300);
    let records = build(dir, options, 12, |_| 60);
    let all = segments(dir);
    assert!(all.len() >= 4);

    // A deleted middle segment.
    let middle = fs::read(&all[1]).unwrap();
    fs::remove_file(&all[1]).unwrap();
    let message = assert_refused(dir, options, &all[2], 0);
    assert!(message.contains("missing"), "{message}");
    fs::write(&all[1], &middle).unwrap();

    // A deleted first segment.
    let first = fs::read(&all[0]).unwrap();
    fs::remove_file(&all[0]).unwrap();
    assert_refused(dir, options, &all[1], 0);
    fs::write(&all[0], &first).unwrap();

    // A deleted last segment is not detectable here (the log just ends earlier): the
    // sequencer's check against the latest checkpoint catches that (SPEC §5).

    // A segment whose name does not follow the previous segment.
    let renamed = dir.join(format!("log/{:020}.seg", first_seq_of(&all[2]) + 1));
    fs::rename(&all[2], &renamed).unwrap();
    assert_refused(dir, options, &renamed, 0);
    fs::rename(&renamed, &all[2]).unwrap();

    // A segment whose name overlaps the previous one.
    let overlapping = dir.join(format!("log/{:020}.seg", first_seq_of(&all[2]) - 1));
    fs::rename(&all[2], &overlapping).unwrap();
    assert_refused(dir, options, &overlapping, 0);
    fs::rename(&overlapping, &all[2]).unwrap();

    // An empty segment before the last.
    let emptied = fs::read(&all[1]).unwrap();
    fs::write(&all[1], b"").unwrap();
    assert_refused(dir, options, &all[1], 0);
    fs::write(&all[1], &emptied).unwrap();

    // A segment name this store never writes.
    let odd = dir.join("log/42.seg");
    fs::write(&odd, b"").unwrap();
    assert_refused(dir, options, &odd, 0);
    fs::remove_file(&odd).unwrap();

    // No segments at all.
    let saved = snapshot(dir);
    for segment in &all {
        fs::remove_file(segment).unwrap();
    }
    assert_refused(dir, options, &all[0], 0);
    for (path, bytes) in saved {
        if let Some(bytes) = bytes {
            fs::write(path, bytes).unwrap();
        }
    }

    let (store, _) = options.open(dir).unwrap();
    assert_records(&store, &records);
}

#[test]
fn damaged_small_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut store = Store::create(dir).unwrap();
    store.append(&[record(0, 3)]).unwrap();
    store.sync().unwrap();
    store.write_checkpoint(b"origin\n1\nroot\n").unwrap();
    store.put_meta("origin", b"origin").unwrap();
    drop(store);

    let file = dir.join("meta/origin");
    let pristine = fs::read(&file).unwrap();
    flip(&file, pristine.len() as u64 - 1);
    let message = assert_refused(dir, StoreOptions::default(), &file, 0);
    assert!(message.contains("checksum"), "{message}");
    fs::write(&file, &pristine[..5]).unwrap();
    assert_refused(dir, StoreOptions::default(), &file, 0);
    fs::write(&file, &pristine).unwrap();

    let marker = dir.join("FORMAT");
    fs::write(&marker, b"pactlog-store format one\n").unwrap();
    assert_refused(dir, StoreOptions::default(), &marker, 0);
    fs::write(&marker, b"pactlog-store format 2\n").unwrap();

    fs::rename(dir.join("meta"), dir.join("meta-moved")).unwrap();
    assert_refused(dir, StoreOptions::default(), &dir.join("meta"), 0);
    fs::rename(dir.join("meta-moved"), dir.join("meta")).unwrap();

    let (store, _) = Store::open(dir).unwrap();
    assert_eq!(
        store.get_meta("origin").unwrap().as_deref(),
        Some(&b"origin"[..])
    );
}

#[test]
fn checksum_is_rechecked_on_every_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, tiny(400), 10, |_| 50);
    let (store, _) = tiny(400).open(dir).unwrap();
    let reader = store.reader();
    let (segment, start) = locate(dir, &records, 4);
    flip(&segment, start + 80);

    for err in [
        store.read(4).unwrap_err(),
        store.read_record(4).unwrap_err(),
        reader.read(4).unwrap_err(),
        store.read_range(0, 10).unwrap_err(),
        store.read_range(4, 1).unwrap_err(),
    ] {
        match &err {
            StoreError::Corrupt {
                file,
                offset,
                reason,
            } => {
                assert_eq!((file, *offset), (&segment, start));
                assert!(reason.contains("checksum"), "{reason}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    // Records that are not damaged still read.
    assert_eq!(store.read(3).unwrap(), records[3].leaf);
    assert_eq!(store.read(5).unwrap(), records[5].leaf);

    // A file cut short while open is an error too, not a short answer.
    let (last_segment, last_start) = locate(dir, &records, 9);
    fs::OpenOptions::new()
        .write(true)
        .open(&last_segment)
        .unwrap()
        .set_len(last_start + 10)
        .unwrap();
    assert!(matches!(store.read(9), Err(StoreError::Corrupt { .. })));
}

#[test]
fn torn_tail_then_reused_seq_and_id() {
    // A record lost to a torn tail was never acknowledged; the sequencer may log a different
    // statement at the same seq, and the lost id may be logged later.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let records = build(dir, StoreOptions::default(), 3, |_| 9);
    let segment = segments(dir).pop().unwrap();
    let bytes = fs::read(&segment).unwrap();
    fs::write(&segment, &bytes[..bytes.len() - 1]).unwrap();
    let (mut store, recovery) = Store::open(dir).unwrap();
    assert_eq!(recovery.records, 2);
    let other = Record {
        seq: 2,
        id: id_for(77),
        leaf: b"other".to_vec(),
    };
    store
        .append(&[
            other.clone(),
            Record {
                seq: 3,
                ..records[2].clone()
            },
        ])
        .unwrap();
    store.sync().unwrap();
    assert_eq!(store.read_record(2).unwrap(), other);
    assert_eq!(store.seq_of(&records[2].id), Some(3));
}

/// Writes `notes` as successive checkpoints into a new store in `dir`; returns the path of
/// the checkpoint file.
fn store_with_checkpoints(dir: &Path, notes: &[&[u8]]) -> std::path::PathBuf {
    let mut store = Store::create(dir).unwrap();
    store.append(&[record(0, 3)]).unwrap();
    store.sync().unwrap();
    for note in notes {
        store.write_checkpoint(note).unwrap();
    }
    dir.join("checkpoints")
}

#[test]
fn checkpoint_writes_alternate_slots_and_survive_a_torn_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Generation 1 goes to slot 1, generation 2 to slot 0.
    let file = store_with_checkpoints(dir, &[b"one", b"two"]);
    assert_eq!(fs::metadata(&file).unwrap().len(), CHECKPOINT_FILE_LEN);
    let slot = CHECKPOINT_SLOT_LEN as u64;
    let pristine = fs::read(&file).unwrap();
    assert_eq!(&pristine[24..27], b"two");
    assert_eq!(&pristine[slot as usize + 24..slot as usize + 27], b"one");

    // A write of generation 2 torn by a crash: its slot fails its checksum, the previous
    // checkpoint (never superseded by an acknowledged batch) is the latest, and it is said.
    flip(&file, 25);
    let (mut store, recovery) = Store::open(dir).unwrap();
    assert_eq!(store.latest_checkpoint().as_deref(), Some(&b"one"[..]));
    let damaged = recovery.damaged_checkpoint_slot.expect("reported");
    assert_eq!(
        (damaged.file.as_path(), damaged.offset),
        (file.as_path(), 0)
    );
    assert!(damaged.reason.contains("checksum"), "{}", damaged.reason);
    assert!(damaged.to_string().contains("byte offset 0"), "{damaged}");
    // The next write takes the damaged slot; the older good one is kept until then.
    store.write_checkpoint(b"three").unwrap();
    drop(store);
    let (store, recovery) = Store::open(dir).unwrap();
    assert_eq!(store.latest_checkpoint().as_deref(), Some(&b"three"[..]));
    assert_eq!(recovery.damaged_checkpoint_slot, None);
    drop(store);

    // The other slot torn instead: the same, mirrored.
    fs::write(&file, &pristine).unwrap();
    flip(&file, slot + 25);
    let (store, recovery) = Store::open(dir).unwrap();
    assert_eq!(store.latest_checkpoint().as_deref(), Some(&b"two"[..]));
    assert_eq!(recovery.damaged_checkpoint_slot.unwrap().offset, slot);
    drop(store);
    fs::write(&file, &pristine).unwrap();
}

#[test]
fn damaged_checkpoint_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = store_with_checkpoints(dir, &[b"one", b"two"]);
    let slot = CHECKPOINT_SLOT_LEN as u64;
    let pristine = fs::read(&file).unwrap();

    // Both slots damaged: nothing to fall back on.
    flip(&file, 25);
    flip(&file, slot + 25);
    let message = assert_refused(dir, StoreOptions::default(), &file, 0);
    assert!(message.contains("both checkpoint slots"), "{message}");

    // A file of the wrong size was not written by the store.
    fs::write(&file, &pristine[..pristine.len() - 1]).unwrap();
    let message = assert_refused(dir, StoreOptions::default(), &file, CHECKPOINT_FILE_LEN - 1);
    assert!(
        message.contains("not 81920") || message.contains("bytes, not"),
        "{message}"
    );

    // A generation in the slot of the other parity: not a sequence of our writes.
    let mut swapped = pristine[slot as usize..].to_vec();
    swapped.extend_from_slice(&pristine[..slot as usize]);
    fs::write(&file, &swapped).unwrap();
    let message = assert_refused(dir, StoreOptions::default(), &file, 0);
    assert!(message.contains("belongs in the other slot"), "{message}");

    // A missing checkpoint file is damage too, not "no checkpoint yet".
    fs::remove_file(&file).unwrap();
    let err = Store::open(dir).unwrap_err();
    assert!(err.to_string().contains("checkpoints"), "{err}");

    fs::write(&file, &pristine).unwrap();
    let (store, recovery) = Store::open(dir).unwrap();
    assert_eq!(store.latest_checkpoint().as_deref(), Some(&b"two"[..]));
    assert_eq!(recovery.damaged_checkpoint_slot, None);
}

/// Rewrites the store in `dir` as format 1 laid it out: the marker says 1, and the
/// checkpoint is a small-file frame named `checkpoint` instead of the slot file.
fn downgrade_to_format_1(dir: &Path, note: Option<&[u8]>) {
    fs::write(dir.join("FORMAT"), b"pactlog-store format 1\n").unwrap();
    fs::remove_file(dir.join("checkpoints")).unwrap();
    if let Some(note) = note {
        let mut frame = vec![0xFF, b'P', b'L', b'F', 1, 0, 0, 0];
        frame.extend_from_slice(&(note.len() as u32).to_le_bytes());
        let checksum = crc32c::crc32c_append(crc32c::crc32c(&frame), note);
        frame.extend_from_slice(&checksum.to_le_bytes());
        frame.extend_from_slice(note);
        fs::write(dir.join("checkpoint"), frame).unwrap();
    }
}

#[test]
fn format_1_directories_are_upgraded_after_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    store_with_checkpoints(dir, &[]);
    downgrade_to_format_1(dir, Some(b"origin\n1\nroot\n"));

    // A damaged format-1 checkpoint is refused before anything is upgraded.
    let legacy = dir.join("checkpoint");
    flip(&legacy, 17);
    assert_refused(dir, StoreOptions::default(), &legacy, 0);
    flip(&legacy, 17);

    let (mut store, recovery) = Store::open(dir).unwrap();
    assert_eq!(recovery.upgraded_from, Some(1));
    assert_eq!(recovery.records, 1);
    assert_eq!(
        store.latest_checkpoint().as_deref(),
        Some(&b"origin\n1\nroot\n"[..])
    );
    assert!(!legacy.exists());
    assert_eq!(
        fs::read_to_string(dir.join("FORMAT")).unwrap(),
        "pactlog-store format 2\n"
    );
    store.write_checkpoint(b"origin\n1\nnext\n").unwrap();
    drop(store);
    let (store, recovery) = Store::open(dir).unwrap();
    assert_eq!(recovery.upgraded_from, None);
    assert_eq!(
        store.latest_checkpoint().as_deref(),
        Some(&b"origin\n1\nnext\n"[..])
    );
    drop(store);

    // A format-1 directory that never had a checkpoint upgrades to one without.
    let tmp = tempfile::tempdir().unwrap();
    store_with_checkpoints(tmp.path(), &[]);
    downgrade_to_format_1(tmp.path(), None);
    let (store, recovery) = Store::open(tmp.path()).unwrap();
    assert_eq!(recovery.upgraded_from, Some(1));
    assert_eq!(store.latest_checkpoint(), None);
}
