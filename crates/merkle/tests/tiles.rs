//! C2SP tiles (SPEC §8): paths, which tiles exist, tile bytes (checked by hashing them back up
//! to the root, with `tlog_tiles`' authenticating `TileHashReader`), entry bundles.

use std::collections::HashMap;
use std::sync::OnceLock;

use pactlog_merkle::{
    entry_bundle, entry_bundles_at, hash_tiles_at, leaf_hash, node_hash, parse_entry_bundle,
    read_hash_tile, Hash, Tile, TileError, TileKind, Tree, EMPTY_ROOT, HASH_LEN,
};
use proptest::prelude::*;

#[test]
fn paths_format_as_c2sp() {
    let cases = [
        (Tile::hash(0, 0, 256).unwrap(), "tile/0/000"),
        (
            Tile::hash(0, 1_234_067, 256).unwrap(),
            "tile/0/x001/x234/067",
        ),
        (
            Tile::hash(3, 1_234_067, 1).unwrap(),
            "tile/3/x001/x234/067.p/1",
        ),
        (Tile::hash(1, 999, 255).unwrap(), "tile/1/999.p/255"),
        (Tile::hash(63, 1000, 256).unwrap(), "tile/63/x001/000"),
        (Tile::entries(0, 7).unwrap(), "tile/entries/000.p/7"),
        (Tile::entries(5, 256).unwrap(), "tile/entries/005"),
        (
            Tile::entries(u64::MAX, 256).unwrap(),
            "tile/entries/x018/x446/x744/x073/x709/x551/615",
        ),
    ];
    for (tile, path) in cases {
        assert_eq!(tile.path(), path);
        assert_eq!(Tile::parse_path(path).unwrap(), tile, "{path}");
        assert_eq!(path.parse::<Tile>().unwrap(), tile);
    }
    assert!(Tile::hash(64, 0, 256).is_err());
    assert!(Tile::hash(0, 0, 0).is_err());
    assert!(Tile::hash(0, 0, 257).is_err());
    assert!(Tile::entries(0, 0).is_err());
}

#[test]
fn invalid_paths_are_rejected() {
    let bad = [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tile/0/x001",      // the last group has no x
        "tile/0/001.p/0",   // W = 0
        "tile/0/001.p/256", // W = 256 is a full tile: no .p
        "tile/0/001.p/01",  // leading zero in W
        "tile/0/001.p/",
        "tile/0/001.p",
        "tile/0/001.p/5/",
        "tile/0/001.p/5.p/5",
        "tile/0/001.p/-5",
        "tile/0/001.p/+5",
        "/tile/0/000", // leading garbage
        "xtile/0/000",
        " tile/0/000",
        "tile/0/000 ",
        "tile/0/000/",
        "tile//000",
        "tile/00/000", // leading zero in L
        "tile/01/000",
        "tile/64/000", // L > 63
        "tile/-1/000",
        "tile/+1/000",
        "tile/8/0/000", // Go sumdb form, with a height
        "tile/8/data/000",
        "tile/data/000",
        "tile/entries",
        "tile/entries/",
        "tile/entries/1",
        "tile/0/1", // not 3 digits
        "tile/0/0001",
        "tile/0/x1/000",
        "tile/0/x000/001", // leading zero group: 1 has one spelling, 001
        "tile/0/001/x002", // x on the last group only
        "tile/0/y001/002",
        "tile/0/x001/x002",
        "tile/0/00a",
        "tile/0/x018/x446/x744/x073/x709/x551/616", // u64::MAX + 1
        "tile/0/x001/x001/x001/x001/x001/x001/x001/x001/x001/x001/x001/001", // too long
        "TILE/0/000",
        "tile/0/０００",
    ];
    for path in bad {
        assert!(
            matches!(Tile::parse_path(path), Err(TileError::BadPath { .. })),
            "accepted {path:?}"
        );
    }
}

proptest! {
    #[test]
    fn paths_round_trip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256, entries in any::<bool>()) {
        let tile = if entries { Tile::entries(index, width) } else { Tile::hash(level, index, width) }.unwrap();
        let path = tile.path();
        prop_assert_eq!(Tile::parse_path(&path).unwrap(), tile);
        prop_assert!(path.len() <= 52);
    }

    #[test]
    fn random_strings_never_panic(path in "tile/[0-9a-z./x]{0,40}") {
        if let Ok(tile) = Tile::parse_path(&path) {
            // Whatever parses is the one spelling of its tile.
            prop_assert_eq!(tile.path(), path);
        }
    }
}

fn summary(tiles: &[Tile]) -> Vec<(TileKind, u64, u16)> {
    tiles
        .iter()
        .map(|t| (t.kind(), t.index(), t.width()))
        .collect()
}

#[test]
fn tiles_of_the_c2sp_examples() {
    // "A tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level
    // 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    let tiles = hash_tiles_at(70_000);
    let level = |l: u8| -> Vec<&Tile> {
        tiles
            .iter()
            .filter(|t| t.kind() == TileKind::Hash { level: l })
            .collect()
    };
    let l0 = level(0);
    assert_eq!(l0.len(), 274);
    assert_eq!(l0.iter().filter(|t| !t.is_partial()).count(), 273);
    assert_eq!(l0.last().unwrap().width(), 112);
    assert_eq!(l0.last().unwrap().index(), 273);
    assert_eq!(
        summary(&level(1).into_iter().copied().collect::<Vec<_>>()).len(),
        2
    );
    assert_eq!(level(1)[1].width(), 17);
    assert_eq!(level(2).len(), 1);
    assert_eq!(level(2)[0].width(), 1);
    assert_eq!(tiles.len(), 274 + 2 + 1);

    // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1
    // tile of width 1."
    assert_eq!(
        summary(&hash_tiles_at(256)),
        vec![
            (TileKind::Hash { level: 0 }, 0, 256),
            (TileKind::Hash { level: 1 }, 0, 1)
        ]
    );
    assert!(hash_tiles_at(0).is_empty());
    assert!(entry_bundles_at(0).is_empty());
    assert_eq!(
        summary(&entry_bundles_at(513)),
        vec![
            (TileKind::Entries, 0, 256),
            (TileKind::Entries, 1, 256),
            (TileKind::Entries, 2, 1)
        ]
    );
}

#[test]
fn tiles_at_match_tlog_tiles_new_tiles() {
    for size in [
        1u64, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 16_777_217,
    ] {
        let ours = summary(&hash_tiles_at(size));
        let theirs: Vec<(TileKind, u64, u16)> = tlog_tiles::Tile::new_tiles(8, 0, size)
            .iter()
            .map(|t| {
                (
                    TileKind::Hash { level: t.level() },
                    t.level_index(),
                    u16::try_from(t.width()).unwrap(),
                )
            })
            .collect();
        let mut theirs = theirs;
        theirs.sort();
        let mut ours_sorted = ours.clone();
        ours_sorted.sort();
        assert_eq!(ours_sorted, theirs, "size {size}");
        for tile in hash_tiles_at(size) {
            assert!(tile.exists_at(size) && tile.available_at(size));
        }
    }
}

#[test]
fn existence_and_availability() {
    let p = |level, index, width| Tile::hash(level, index, width).unwrap();
    // Size 600: level 0 has tiles 0, 1 full and 2.p/88; level 1 has 0.p/2.
    assert!(p(0, 1, 256).exists_at(600));
    assert!(p(0, 2, 88).exists_at(600));
    assert!(!p(0, 2, 87).exists_at(600)); // the partial tile of size 599, not 600
    assert!(p(0, 2, 87).available_at(600)); // ... still served (SPEC §8)
    assert!(!p(0, 2, 89).available_at(600));
    assert!(!p(0, 2, 256).available_at(600));
    assert!(!p(0, 1, 5).exists_at(600)); // from size 261, superseded by the full tile
    assert!(p(0, 1, 5).available_at(600));
    assert!(p(1, 0, 2).exists_at(600));
    assert!(p(1, 0, 1).available_at(600));
    assert!(!p(1, 0, 3).available_at(600));
    assert!(!p(2, 0, 1).available_at(600));
    assert!(!p(63, 0, 1).available_at(u64::MAX));
    assert!(p(7, 0, 255).available_at(u64::MAX));
    assert!(!p(0, u64::MAX, 256).available_at(u64::MAX)); // N × 256 overflows
    let e = Tile::entries(2, 88).unwrap();
    assert!(e.exists_at(600) && !e.exists_at(601) && e.available_at(601));
    assert_eq!(
        Tile::entry_bundle_for(0, 1).unwrap(),
        Tile::entries(0, 1).unwrap()
    );
    assert_eq!(
        Tile::entry_bundle_for(257, 600).unwrap(),
        Tile::entries(1, 256).unwrap()
    );
    assert_eq!(
        Tile::entry_bundle_for(599, 600).unwrap(),
        Tile::entries(2, 88).unwrap()
    );
    assert!(Tile::entry_bundle_for(600, 600).is_err());
}

/// A tree reaching level 2 (more than 256² leaves), built once.
const BIG: u64 = 65_536 + 700;

fn big() -> &'static (Vec<Vec<u8>>, Tree) {
    static BIG_TREE: OnceLock<(Vec<Vec<u8>>, Tree)> = OnceLock::new();
    BIG_TREE.get_or_init(|| {
        let entries: Vec<Vec<u8>> = (0..BIG).map(|i| format!("e{i}").into_bytes()).collect();
        let mut tree = Tree::new();
        for entry in &entries {
            tree.append_data(entry);
        }
        (entries, tree)
    })
}

/// Serves tiles to `tlog_tiles`' `TileHashReader` from our C2SP paths.
struct C2spTiles(HashMap<String, Vec<u8>>);

impl tlog_tiles::TileReader for C2spTiles {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let ours = Tile::hash(t.level(), t.level_index(), t.width() as u16).unwrap();
                self.0
                    .get(&ours.path())
                    .cloned()
                    .ok_or(tlog_tiles::Error::InvalidTile)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[tlog_tiles::Tile], _data: &[Vec<u8>]) {}
}

fn mth(hashes: &[Hash]) -> Hash {
    match hashes.len() {
        0 => EMPTY_ROOT,
        1 => hashes[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&mth(&hashes[..k]), &mth(&hashes[k..]))
        }
    }
}

fn hashes_of(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(HASH_LEN)
        .map(|c| Hash::try_from(c).unwrap())
        .collect()
}

#[test]
fn tiles_hash_back_up_to_the_root() {
    let (entries, tree) = big();
    for size in [1u64, 255, 256, 257, 700, 65_535, 65_536, BIG] {
        let root = tree.root_at(size).unwrap();
        let mut served = HashMap::new();
        let mut leaf_hashes = Vec::new();
        for tile in hash_tiles_at(size) {
            let bytes = read_hash_tile(tree, size, &tile).unwrap();
            assert_eq!(bytes.len(), usize::from(tile.width()) * HASH_LEN);
            if tile.kind() == (TileKind::Hash { level: 0 }) {
                leaf_hashes.extend(hashes_of(&bytes));
            }
            served.insert(tile.path(), bytes);
        }
        // Level-0 tiles are the leaf hashes of the entries, and hash up to the root.
        assert_eq!(leaf_hashes.len() as u64, size);
        for (i, h) in leaf_hashes.iter().enumerate().step_by(97) {
            assert_eq!(*h, leaf_hash(&entries[i]));
        }
        assert_eq!(mth(&leaf_hashes), root, "size {size}");

        // Each hash of a level-1 tile is the subtree hash of the full level-0 tile below it.
        let first_l1 = hash_tiles_at(size)
            .into_iter()
            .find(|t| t.kind() == TileKind::Hash { level: 1 });
        if let Some(l1) = first_l1 {
            for (n, h) in hashes_of(&served[&l1.path()]).iter().enumerate().take(3) {
                let l0 = &served[&Tile::hash(0, n as u64, 256).unwrap().path()];
                assert_eq!(mth(&hashes_of(l0)), *h);
            }
        }

        // tlog_tiles authenticates every tile it reads against the root, then proves.
        let tiles = C2spTiles(served);
        let reader = tlog_tiles::TileHashReader::new(size, root.into(), &tiles);
        assert_eq!(
            Hash::from(tlog_tiles::tree_hash(size, &reader).unwrap()),
            root
        );
        for index in [0, size / 3, size - 1] {
            let theirs: Vec<Hash> = tlog_tiles::prove_record(size, index, &reader)
                .unwrap()
                .into_iter()
                .map(Hash::from)
                .collect();
            assert_eq!(theirs, tree.inclusion_proof(index, size).unwrap());
        }
        if size > 1 {
            let theirs: Vec<Hash> = tlog_tiles::prove_tree(size, size / 2, &reader)
                .unwrap()
                .into_iter()
                .map(Hash::from)
                .collect();
            assert_eq!(theirs, tree.consistency_proof(size / 2, size).unwrap());
        }
    }
}

#[test]
fn partial_tiles_stay_servable_and_are_prefixes() {
    let (_, tree) = big();
    let size = tree.size();
    let full = read_hash_tile(tree, size, &Tile::hash(0, 3, 256).unwrap()).unwrap();
    for width in [1u16, 100, 255] {
        let partial = read_hash_tile(tree, size, &Tile::hash(0, 3, width).unwrap()).unwrap();
        assert_eq!(partial[..], full[..usize::from(width) * HASH_LEN]);
        // ... and equal to what the tree of the size that made it would have served.
        let then = 3 * 256 + u64::from(width);
        let mut old = Tree::new();
        for n in 0..then {
            old.append(tree.leaf_hash(n).unwrap());
        }
        let tile = Tile::hash(0, 3, width).unwrap();
        assert!(tile.exists_at(then));
        assert_eq!(read_hash_tile(&old, then, &tile).unwrap(), partial);
    }
    let level2 = Tile::hash(2, 0, 1).unwrap();
    let bytes = read_hash_tile(tree, size, &level2).unwrap();
    assert_eq!(bytes, tree.root_at(65_536).unwrap().as_bytes().to_vec());

    for missing in [
        Tile::hash(0, 400, 256).unwrap(),
        Tile::hash(0, 258, 189).unwrap(), // 258 × 256 + 189 > BIG
        Tile::hash(2, 0, 2).unwrap(),
        Tile::hash(3, 0, 1).unwrap(),
        Tile::hash(63, 0, 1).unwrap(),
        Tile::entries(0, 256).unwrap(),
    ] {
        assert!(
            matches!(
                read_hash_tile(tree, size, &missing),
                Err(TileError::NotAvailable { .. })
            ),
            "{missing}"
        );
    }
}

#[test]
fn entry_bundles_hash_to_level_zero_tiles() {
    let (entries, tree) = big();
    let size = 700u64;
    for bundle in entry_bundles_at(size) {
        let first = (bundle.index() * 256) as usize;
        let slice = &entries[first..first + usize::from(bundle.width())];
        let bytes = entry_bundle(slice).unwrap();
        // Each entry behind a big-endian u16 length.
        assert_eq!(&bytes[..2], &(slice[0].len() as u16).to_be_bytes());
        assert_eq!(&bytes[2..2 + slice[0].len()], slice[0].as_slice());
        let parsed = parse_entry_bundle(&bytes).unwrap();
        assert_eq!(parsed.len(), slice.len());
        let hash_tile = Tile::hash(0, bundle.index(), bundle.width()).unwrap();
        let tile_hashes = hashes_of(&read_hash_tile(tree, size, &hash_tile).unwrap());
        let entry_hashes: Vec<Hash> = parsed.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(entry_hashes, tile_hashes);
    }
}

#[test]
fn entry_bundle_limits() {
    let max = vec![0xabu8; 65_535];
    let bytes = entry_bundle([max.as_slice(), b"", b"x"]).unwrap();
    assert_eq!(&bytes[..2], &[0xff, 0xff]);
    assert_eq!(
        parse_entry_bundle(&bytes).unwrap(),
        vec![max.as_slice(), b"", b"x"]
    );
    assert!(matches!(
        entry_bundle([vec![0u8; 65_536]]),
        Err(TileError::EntryTooLong {
            position: 0,
            len: 65_536
        })
    ));
    assert!(matches!(
        entry_bundle(Vec::<Vec<u8>>::new()),
        Err(TileError::BundleCount { count: 0 })
    ));
    assert!(matches!(
        entry_bundle(vec![b"e".to_vec(); 257]),
        Err(TileError::BundleCount { .. })
    ));
    assert!(entry_bundle(vec![b"e".to_vec(); 256]).is_ok());
    for bad in [&[][..], &[0][..], &[0, 2, 1][..], &[0, 1, 1, 0][..]] {
        assert!(parse_entry_bundle(bad).is_err(), "{bad:?}");
    }
    assert!(parse_entry_bundle(&[0u8; 2 * 257]).is_err());
}
