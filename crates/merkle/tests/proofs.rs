//! Property tests: the incremental tree against a naive RFC 9162 reference, and generated
//! proofs against the verifiers (they verify, and fail for any other leaf, index, size or
//! root).
//!
//! One 10 000-leaf tree is built once and queried many times; case counts are chosen so the
//! whole file runs in a few seconds in a debug build.

use std::sync::OnceLock;

use pactlog_merkle::{
    leaf_hash, node_hash, prove_consistency, prove_inclusion, stored_hashes_for_leaf, tree_root,
    verify_consistency, verify_inclusion, Hash, HashReadError, HashReader, ProofError, Tree,
    EMPTY_ROOT,
};
use proptest::prelude::*;

const SIZE_MAX: u64 = 10_000;

struct Fixture {
    leaves: Vec<Hash>,
    tree: Tree,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let leaves: Vec<Hash> = (0..SIZE_MAX)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect();
        let tree = Tree::from_leaf_hashes(leaves.iter().copied());
        Fixture { leaves, tree }
    })
}

// ---- Naive RFC 9162 §2.1 reference, written from the RFC's recursive definitions. ----

/// Largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// `MTH(D[n])` over leaf hashes.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])` (§2.1.3.1).
fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// `SUBPROOF(m, D[n], b)` (§2.1.4.1).
fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], whole);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

// ---- Strategies ----

fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=SIZE_MAX).prop_flat_map(|size| (Just(size), 0..size))
}

fn two_sizes() -> impl Strategy<Value = (u64, u64)> {
    (1..=SIZE_MAX).prop_flat_map(|size2| (1..=size2, Just(size2)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn inclusion_proofs_verify_and_bind_leaf_index_and_root(
        (size, index) in size_and_index(),
        other in any::<u64>(),
        flip in any::<(usize, u8)>(),
    ) {
        let f = fixture();
        let proof = f.tree.inclusion_proof(index, size).unwrap();
        let root = f.tree.root_at(size).unwrap();
        let leaf = f.leaves[index as usize];
        prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));

        // Another leaf (another entry's, or one not in the tree).
        let other_leaf = f.leaves[((index + 1 + other % (SIZE_MAX - 1)) % SIZE_MAX) as usize];
        prop_assert!(verify_inclusion(&other_leaf, index, size, &proof, &root).is_err());
        prop_assert!(verify_inclusion(&leaf_hash(b"not logged"), index, size, &proof, &root).is_err());

        // Another index in the same tree.
        if size > 1 {
            let other_index = (index + 1 + other % (size - 1)) % size;
            prop_assert!(verify_inclusion(&leaf, other_index, size, &proof, &root).is_err());
        }
        // Indexes past the end.
        prop_assert_eq!(
            verify_inclusion(&leaf, size, size, &proof, &root),
            Err(ProofError::IndexOutOfRange { index: size, size })
        );

        // Another root: another size's, or a random one.
        let other_size = index + 1 + other % (SIZE_MAX - index);
        if other_size != size {
            let other_root = f.tree.root_at(other_size).unwrap();
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &other_root).is_err());
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &leaf_hash(b"root")).is_err());

        // One altered bit anywhere in the proof.
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let (i, bit) = (flip.0 % bad.len(), flip.1);
            bad[i].0[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
        }
    }

    /// A proof for `size` checked against another size and that size's root fails, unless the
    /// two sizes happen to give the very same proof (then the statement is true for both).
    /// Against the *same* root another size can pass: e.g. leaf 0's proof in a tree of 3 and
    /// of 4 leaves chain the same way. Inclusion proofs do not bind the size; the signed
    /// checkpoint binds size and root together.
    #[test]
    fn inclusion_proofs_bind_the_size_with_its_root(
        (size, index) in size_and_index(),
        other in any::<u64>(),
    ) {
        let f = fixture();
        let proof = f.tree.inclusion_proof(index, size).unwrap();
        let leaf = f.leaves[index as usize];
        let other_size = index + 1 + other % (SIZE_MAX - index);
        prop_assume!(other_size != size);
        let other_root = f.tree.root_at(other_size).unwrap();
        let same_proof = f.tree.inclusion_proof(index, other_size).unwrap() == proof;
        let verdict = verify_inclusion(&leaf, index, other_size, &proof, &other_root);
        prop_assert_eq!(verdict.is_ok(), same_proof);
    }

    #[test]
    fn consistency_proofs_verify_and_bind_sizes_and_roots(
        (size1, size2) in two_sizes(),
        other in any::<u64>(),
        flip in any::<(usize, u8)>(),
    ) {
        let f = fixture();
        let proof = f.tree.consistency_proof(size1, size2).unwrap();
        let root1 = f.tree.root_at(size1).unwrap();
        let root2 = f.tree.root_at(size2).unwrap();
        prop_assert_eq!(verify_consistency(size1, size2, &proof, &root1, &root2), Ok(()));

        // Another size1 or size2, each with its own root.
        let other1 = 1 + other % size2;
        if other1 != size1 {
            let root = f.tree.root_at(other1).unwrap();
            let same = f.tree.consistency_proof(other1, size2).unwrap() == proof;
            prop_assert_eq!(verify_consistency(other1, size2, &proof, &root, &root2).is_ok(), same);
            // And with the old root1, always a failure.
            prop_assert!(verify_consistency(other1, size2, &proof, &root1, &root2).is_err());
        }
        let other2 = size1 + other % (SIZE_MAX - size1 + 1);
        if other2 != size2 {
            let root = f.tree.root_at(other2).unwrap();
            let same = f.tree.consistency_proof(size1, other2).unwrap() == proof;
            prop_assert_eq!(verify_consistency(size1, other2, &proof, &root1, &root).is_ok(), same);
        }

        // Other roots.
        let junk = leaf_hash(b"junk");
        prop_assert!(verify_consistency(size1, size2, &proof, &junk, &root2).is_err());
        prop_assert!(verify_consistency(size1, size2, &proof, &root1, &junk).is_err());
        if size1 != size2 {
            prop_assert!(verify_consistency(size1, size2, &proof, &root2, &root1).is_err());
        }

        // One altered bit, one hash too many, one too few.
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let (i, bit) = (flip.0 % bad.len(), flip.1);
            bad[i].0[usize::from(bit / 8) % 32] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(size1, size2, &bad, &root1, &root2).is_err());
            prop_assert!(verify_consistency(size1, size2, &proof[1..], &root1, &root2).is_err());
        }
        let mut longer = proof.clone();
        longer.push(root1);
        prop_assert!(verify_consistency(size1, size2, &longer, &root1, &root2).is_err());
    }
}

proptest! {
    // The naive reference costs O(n) hashes per call and debug-build SHA-256 is slow:
    // few cases, each on a random size up to 10 000.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The tree's roots and proofs equal the naive RFC 9162 definitions (fewer cases: the
    /// reference is `O(n)` per call).
    #[test]
    fn tree_matches_naive_reference(
        (size, index) in size_and_index(),
        size1 in 1..=SIZE_MAX,
    ) {
        let f = fixture();
        let leaves = &f.leaves[..size as usize];
        prop_assert_eq!(f.tree.root_at(size).unwrap(), mth(leaves));
        prop_assert_eq!(f.tree.inclusion_proof(index, size).unwrap(), path(index as usize, leaves));
        let size1 = size1.min(size);
        prop_assert_eq!(
            f.tree.consistency_proof(size1, size).unwrap(),
            subproof(size1 as usize, leaves, true)
        );
    }

    /// Appending one leaf at a time gives, after each append, the naive root of the prefix,
    /// and every earlier root stays available.
    #[test]
    fn incremental_roots_equal_naive_roots(
        data in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..60),
    ) {
        let mut tree = Tree::new();
        let mut leaves = Vec::new();
        prop_assert_eq!(tree.root(), EMPTY_ROOT);
        for (i, entry) in data.iter().enumerate() {
            prop_assert_eq!(tree.append_data(entry), i as u64);
            leaves.push(leaf_hash(entry));
            prop_assert_eq!(tree.root(), mth(&leaves));
        }
        for size in 0..=leaves.len() {
            prop_assert_eq!(tree.root_at(size as u64).unwrap(), mth(&leaves[..size]));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary proofs and sizes never panic, and never verify by accident.
    #[test]
    fn arbitrary_inputs_fail_cleanly(
        index in any::<u64>(),
        size in any::<u64>(),
        size1 in any::<u64>(),
        proof in prop::collection::vec(any::<[u8; 32]>(), 0..70),
        root in any::<[u8; 32]>(),
    ) {
        let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
        let root = Hash(root);
        prop_assert!(verify_inclusion(&leaf_hash(b"x"), index, size, &proof, &root).is_err());
        if size1 != size {
            prop_assert!(verify_consistency(size1, size, &proof, &root, &leaf_hash(b"y")).is_err());
        }
    }

}

proptest! {
    // Each case builds a store of up to 10 000 leaves.
    #![proptest_config(ProptestConfig::with_cases(10))]

    /// A store that keeps only stored hashes (as the storage layer will) answers exactly as
    /// the in-memory tree does.
    #[test]
    fn proofs_from_any_hash_reader_equal_the_trees(
        (size, index) in size_and_index(),
        size1 in 1..=SIZE_MAX,
    ) {
        let f = fixture();
        let store = store_of(&f.leaves[..size as usize]);
        prop_assert_eq!(store.0.as_slice(), &f.tree.stored_hashes()[..store.0.len()]);
        prop_assert_eq!(tree_root(&store, size).unwrap(), f.tree.root_at(size).unwrap());
        prop_assert_eq!(
            prove_inclusion(&store, index, size).unwrap(),
            f.tree.inclusion_proof(index, size).unwrap()
        );
        let size1 = size1.min(size);
        prop_assert_eq!(
            prove_consistency(&store, size1, size).unwrap(),
            f.tree.consistency_proof(size1, size).unwrap()
        );
    }
}

/// A minimal append-only store of stored hashes.
struct VecStore(Vec<Hash>);

impl HashReader for VecStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
        indexes
            .iter()
            .map(|&i| {
                self.0
                    .get(i as usize)
                    .copied()
                    .ok_or(HashReadError::NotStored { index: i })
            })
            .collect()
    }
}

fn store_of(leaves: &[Hash]) -> VecStore {
    let mut store = VecStore(Vec::new());
    for (i, leaf) in leaves.iter().enumerate() {
        let new = stored_hashes_for_leaf(&store, i as u64, *leaf).unwrap();
        store.0.extend(new);
    }
    store
}

/// Every size, index and pair up to 40 leaves, against the naive reference.
#[test]
fn small_trees_exhaustively() {
    let f = fixture();
    for size in 1..=40usize {
        let leaves = &f.leaves[..size];
        let root = mth(leaves);
        assert_eq!(f.tree.root_at(size as u64).unwrap(), root);
        for index in 0..size {
            let proof = f.tree.inclusion_proof(index as u64, size as u64).unwrap();
            assert_eq!(proof, path(index, leaves), "PATH({index}, {size})");
            verify_inclusion(&leaves[index], index as u64, size as u64, &proof, &root).unwrap();
        }
        for size1 in 1..=size {
            let proof = f.tree.consistency_proof(size1 as u64, size as u64).unwrap();
            assert_eq!(
                proof,
                subproof(size1, leaves, true),
                "PROOF({size1}, {size})"
            );
            let root1 = mth(&leaves[..size1]);
            verify_consistency(size1 as u64, size as u64, &proof, &root1, &root).unwrap();
        }
    }
}

#[test]
fn out_of_range_requests_are_errors() {
    let f = fixture();
    assert!(f.tree.root_at(SIZE_MAX + 1).is_err());
    assert!(f.tree.inclusion_proof(5, 5).is_err());
    assert!(f.tree.inclusion_proof(0, SIZE_MAX + 1).is_err());
    assert!(f.tree.consistency_proof(0, 5).is_err());
    assert!(f.tree.consistency_proof(6, 5).is_err());
    assert!(f.tree.consistency_proof(1, SIZE_MAX + 1).is_err());
    assert_eq!(f.tree.consistency_proof(7, 7).unwrap(), Vec::<Hash>::new());
    assert_eq!(f.tree.leaf_hash(SIZE_MAX), None);
    assert_eq!(f.tree.leaf_hash(3), Some(f.leaves[3]));
}

#[test]
fn reads_from_many_threads() {
    let f = fixture();
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            scope.spawn(move || {
                for i in 0..50u64 {
                    let size = 1 + (t * 2_503 + i * 97) % SIZE_MAX;
                    let index = (i * 31) % size;
                    let proof = f.tree.inclusion_proof(index, size).unwrap();
                    let root = f.tree.root_at(size).unwrap();
                    verify_inclusion(&f.leaves[index as usize], index, size, &proof, &root)
                        .unwrap();
                }
            });
        }
    });
}
