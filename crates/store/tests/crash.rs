//! Simulated crashes: random batches, random syncs, then the unsynced part of the last
//! segment is cut at a random length and possibly followed by zeros or garbage (what a torn
//! write or a lost page leaves). Whatever happens, every record below the durable length is
//! back, byte-identical, and nothing after it is made up.

mod common;

use std::fs;

use common::*;
use pactlog_store::{Record, StoreOptions};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Tail {
    Nothing,
    Zeros(usize),
    Garbage(Vec<u8>),
}

fn tail() -> impl Strategy<Value = Tail> {
    prop_oneof![
        Just(Tail::Nothing),
        (1usize..300).prop_map(Tail::Zeros),
        proptest::collection::vec(any::<u8>(), 1..300).prop_map(Tail::Garbage),
    ]
}

/// One batch: the leaf lengths of its records, and whether `sync` follows it.
fn batches() -> impl Strategy<Value = Vec<(Vec<usize>, bool)>> {
    proptest::collection::vec(
        (proptest::collection::vec(0usize..300, 1..6), any::<bool>()),
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn crash_keeps_every_durable_record(
        segment_len_max in 1u64..1500,
        batches in batches(),
        seed: u64,
        keep in 0.0f64..=1.0,
        tail in tail(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let options = StoreOptions { segment_len_max };
        let mut store = options.create(dir).unwrap();
        let mut records: Vec<Record> = Vec::new();
        for (lens, sync) in &batches {
            let batch: Vec<Record> = lens
                .iter()
                .map(|&len| {
                    let seq = records.len() as u64;
                    let leaf = (0..len)
                        .map(|i| (seed.wrapping_mul(31).wrapping_add(seq * 7 + i as u64) % 251) as u8)
                        .collect();
                    let record = Record { seq, id: id_for(seq), leaf };
                    records.push(record.clone());
                    record
                })
                .collect();
            store.append(&batch).unwrap();
            if *sync {
                store.sync().unwrap();
            }
        }
        let durable = store.durable_len();
        prop_assert!(durable <= records.len() as u64);
        drop(store); // The crash: no final sync.

        // Sealing: every segment but the last was synced whole, so only the last one can
        // hold unsynced bytes, and it starts at or below the durable length.
        let last = segments(dir).pop().unwrap();
        let first = first_seq_of(&last);
        prop_assert!(first <= durable);
        let durable_end: u64 = records[first as usize..durable as usize].iter().map(disk_len).sum();
        let written_end = fs::metadata(&last).unwrap().len();
        let cut = durable_end + ((written_end - durable_end) as f64 * keep) as u64;
        let mut bytes = fs::read(&last).unwrap();
        bytes.truncate(cut as usize);
        match &tail {
            Tail::Nothing => {}
            Tail::Zeros(n) => bytes.resize(bytes.len() + n, 0),
            Tail::Garbage(garbage) => bytes.extend_from_slice(garbage),
        }
        fs::write(&last, &bytes).unwrap();

        let (mut store, recovery) = options.open(dir).unwrap();
        let recovered = recovery.records;
        prop_assert!(recovered >= durable, "lost durable records: {recovered} < {durable}");
        prop_assert!(recovered <= records.len() as u64);
        prop_assert_eq!(store.durable_len(), recovered);
        assert_records(&store, &records[..recovered as usize]);
        let good_end: u64 = records[first as usize..recovered as usize].iter().map(disk_len).sum();
        match &recovery.truncated_tail {
            None => prop_assert_eq!(bytes.len() as u64, good_end),
            Some(torn) => {
                prop_assert_eq!(&torn.segment, &last);
                prop_assert_eq!(torn.offset, good_end);
                prop_assert_eq!(fs::read(&torn.saved_to).unwrap(), bytes[good_end as usize..].to_vec());
            }
        }

        // The log goes on from where it now ends.
        let next = record(recovered, 12);
        store.append(std::slice::from_ref(&next)).unwrap();
        store.sync().unwrap();
        drop(store);
        let (store, recovery) = options.open(dir).unwrap();
        prop_assert_eq!(recovery.truncated_tail, None);
        prop_assert_eq!(recovery.records, recovered + 1);
        prop_assert_eq!(store.read(recovered).unwrap(), next.leaf);
    }
}
