//! Every transparency-dev Merkle vector under `shared/testvectors/merkle/` (RFC 6962/9162
//! inclusion and consistency proofs), honoring `wantErr`.
//!
//! Each vector runs through the byte-string API (which takes the vectors as they are), through
//! the typed API when all its values are 32-byte hashes (the typed API cannot even hold the
//! others), and straight through `tlog_tiles`' `check_record` / `check_tree` — the evidence
//! behind delegating the hash chaining to that crate.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use pactlog_merkle::{
    verify_consistency, verify_consistency_bytes, verify_inclusion, verify_inclusion_bytes, Hash,
    Tree,
};
use serde::Deserialize;

/// The public vectors: `$PACTLOG_TESTVECTORS` if set, else the project's shared copy
/// (`../shared/testvectors` beside the repository) when it is there, else the unmodified copy
/// kept in `tests/vectors/` so a clone anywhere runs them all. `tests/vectors.rs` in the
/// statement crate checks that the kept copy equals the shared one whenever both exist.
fn vectors_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("PACTLOG_TESTVECTORS") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = repo.join("../shared/testvectors");
    if shared.is_dir() {
        shared
    } else {
        repo.join("tests/vectors")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionProbe {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConsistencyProbe {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn b64(text: &str) -> Vec<u8> {
    BASE64.decode(text).unwrap()
}

fn b64_list(list: &Option<Vec<String>>) -> Vec<Vec<u8>> {
    list.iter().flatten().map(|s| b64(s)).collect()
}

/// Prints past libtest's output capture, so the counts show in a plain `cargo test`.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The typed form, if every value is a 32-byte hash.
fn typed(values: &[&[u8]]) -> Option<Vec<Hash>> {
    values.iter().map(|v| Hash::try_from(*v).ok()).collect()
}

#[derive(Default)]
struct Counts {
    run: usize,
    want_err: usize,
    typed: usize,
    tlog: usize,
}

#[test]
fn inclusion_vectors() {
    let files = json_files(&vectors_root().join("merkle/inclusion"));
    assert!(
        !files.is_empty(),
        "no inclusion vectors under {}",
        vectors_root().display()
    );
    let mut counts = Counts::default();
    for file in &files {
        let probe: InclusionProbe =
            serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        let name = format!("{} ({})", file.display(), probe.desc);
        let (root, leaf, proof) = (
            b64(&probe.root),
            b64(&probe.leaf_hash),
            b64_list(&probe.proof),
        );

        let got = verify_inclusion_bytes(&leaf, probe.leaf_idx, probe.tree_size, &proof, &root);
        assert_eq!(got.is_err(), probe.want_err, "{name}: {got:?}");

        let mut all: Vec<&[u8]> = vec![&root, &leaf];
        all.extend(proof.iter().map(Vec::as_slice));
        if let Some(hashes) = typed(&all) {
            let (root, leaf, proof) = (hashes[0], hashes[1], &hashes[2..]);
            let got = verify_inclusion(&leaf, probe.leaf_idx, probe.tree_size, proof, &root);
            assert_eq!(got.is_err(), probe.want_err, "{name} (typed): {got:?}");
            counts.typed += 1;

            // tlog_tiles alone (it asserts nothing on these inputs: index < size is checked
            // first and the proof is consumed recursively).
            let tlog_proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
            let tlog = tlog_tiles::check_record(
                &tlog_proof,
                probe.tree_size,
                root.into(),
                probe.leaf_idx,
                leaf.into(),
            );
            assert_eq!(tlog.is_err(), probe.want_err, "{name} (tlog_tiles)");
            counts.tlog += 1;
        }
        counts.run += 1;
        counts.want_err += usize::from(probe.want_err);
    }
    report(&format!(
        "merkle inclusion vectors: {} run, {} expected errors, all as expected \
         ({} also through the typed API and tlog_tiles::check_record)",
        counts.run, counts.want_err, counts.typed
    ));
    assert_eq!(counts.typed, counts.tlog);
}

#[test]
fn consistency_vectors() {
    let files = json_files(&vectors_root().join("merkle/consistency"));
    assert!(
        !files.is_empty(),
        "no consistency vectors under {}",
        vectors_root().display()
    );
    let mut counts = Counts::default();
    for file in &files {
        let probe: ConsistencyProbe =
            serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        let name = format!("{} ({})", file.display(), probe.desc);
        let (root1, root2, proof) = (b64(&probe.root1), b64(&probe.root2), b64_list(&probe.proof));

        let got = verify_consistency_bytes(probe.size1, probe.size2, &proof, &root1, &root2);
        assert_eq!(got.is_err(), probe.want_err, "{name}: {got:?}");

        let mut all: Vec<&[u8]> = vec![&root1, &root2];
        all.extend(proof.iter().map(Vec::as_slice));
        if let Some(hashes) = typed(&all) {
            let (root1, root2, proof) = (hashes[0], hashes[1], &hashes[2..]);
            let got = verify_consistency(probe.size1, probe.size2, proof, &root1, &root2);
            assert_eq!(got.is_err(), probe.want_err, "{name} (typed): {got:?}");
            counts.typed += 1;

            // tlog_tiles alone. It asserts `1 <= size1 <= size2` before any arithmetic.
            let tlog_proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
            let tlog = tlog_tiles::check_tree(
                &tlog_proof,
                probe.size2,
                root2.into(),
                probe.size1,
                root1.into(),
            );
            assert_eq!(tlog.is_err(), probe.want_err, "{name} (tlog_tiles)");
            counts.tlog += 1;
        }
        counts.run += 1;
        counts.want_err += usize::from(probe.want_err);
    }
    report(&format!(
        "merkle consistency vectors: {} run, {} expected errors, all as expected \
         ({} also through the typed API and tlog_tiles::check_tree)",
        counts.run, counts.want_err, counts.typed
    ));
    assert_eq!(counts.typed, counts.tlog);
}

/// The tree the vectors were made from (README): its 8-leaf root, and the happy-path
/// proofs regenerated by our tree.
#[test]
fn readme_tree() {
    let leaves: [&[u8]; 8] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ];
    let mut tree = Tree::new();
    for leaf in leaves {
        tree.append_data(leaf);
    }
    assert_eq!(
        tree.root().to_hex(),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );

    // Every happy-path vector is reproduced exactly by the tree's own proofs.
    let mut reproduced = 0;
    for file in json_files(&vectors_root().join("merkle/inclusion")) {
        let probe: InclusionProbe =
            serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        if probe.desc == "happy path" && probe.tree_size <= 8 {
            let proof = tree
                .inclusion_proof(probe.leaf_idx, probe.tree_size)
                .unwrap();
            let want: Vec<Hash> = b64_list(&probe.proof)
                .iter()
                .map(|h| Hash::try_from(h.as_slice()).unwrap())
                .collect();
            assert_eq!(proof, want, "{}", file.display());
            assert_eq!(
                tree.root_at(probe.tree_size).unwrap().as_bytes().as_slice(),
                b64(&probe.root)
            );
            reproduced += 1;
        }
    }
    for file in json_files(&vectors_root().join("merkle/consistency")) {
        let probe: ConsistencyProbe =
            serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        if probe.desc == "happy path" {
            let proof = tree.consistency_proof(probe.size1, probe.size2).unwrap();
            let want: Vec<Hash> = b64_list(&probe.proof)
                .iter()
                .map(|h| Hash::try_from(h.as_slice()).unwrap())
                .collect();
            assert_eq!(proof, want, "{}", file.display());
            reproduced += 1;
        }
    }
    report(&format!(
        "merkle README tree: root 5dc9da79… matches; {reproduced} happy-path proofs regenerated"
    ));
    assert!(reproduced >= 8);
}
