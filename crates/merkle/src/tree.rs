//! The incremental Merkle tree and proof generation from any hash store (SPEC §5, RFC 9162
//! §2.1).
//!
//! Hashes are kept in the "stored hash" layout of Go's `sumdb/tlog` (Crosby and Wallach,
//! §3.3), as ported by `tlog_tiles`: appending leaf `n` writes its leaf hash followed by the
//! hash of every subtree that leaf completes, so the vector only ever grows at its end, an
//! append reads at most `log₂ n` earlier hashes, and the root of *every* earlier size stays
//! computable from at most `1 + log₂ n` stored hashes. A storage layer can persist that vector
//! as an append-only file and hand it back with [`Tree::from_stored_hashes`], or serve it
//! through [`HashReader`] without ever loading it whole.
//!
//! The index arithmetic and the proof algorithms are `tlog_tiles`' (`stored_hash_index`,
//! `stored_hashes_for_record_hash`, `tree_hash`, `prove_record`, `prove_tree`). What is ours is
//! the [`HashReader`] seam with an error that can carry a store's own failure, a guard that
//! turns a misbehaving reader (wrong number of hashes) into an error instead of the panic
//! `tlog_tiles` would raise, and size checks done before any index arithmetic so no input can
//! overflow it.

use std::cell::RefCell;

use crate::hash::{Hash, EMPTY_ROOT};

/// Largest tree size any function here accepts. The stored-hash index of a node is about twice
/// its leaf index, so `2^62` keeps every index computation inside a `u64` with room to spare;
/// no real log comes near it (it is 2^62 × 64 bytes of stored hashes).
pub const TREE_SIZE_MAX: u64 = 1 << 62;

/// Reads stored hashes by their index in the stored-hash layout (see [`stored_hash_index`]).
///
/// This is the seam between proof generation and storage: [`Tree`] implements it from memory;
/// a store can implement it from a file or a database and call [`tree_root`],
/// [`prove_inclusion`], [`prove_consistency`] or [`crate::tile::read_hash_tile`] without
/// building a [`Tree`].
pub trait HashReader {
    /// Returns the hash at each of `indexes`, in the same order. Callers in this crate ask for
    /// increasing indexes.
    ///
    /// # Errors
    /// [`HashReadError::NotStored`] when an index is past the end of the store, or
    /// [`HashReadError::Store`] for the store's own failure.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError>;
}

/// Why a [`HashReader`] could not answer.
#[derive(Debug, thiserror::Error)]
pub enum HashReadError {
    /// The store holds no hash at this index (it is for a smaller tree).
    #[error("no stored hash at index {index}")]
    NotStored {
        /// Stored-hash index asked for.
        index: u64,
    },
    /// The reader answered with a different number of hashes than it was asked for.
    #[error("hash reader returned {got} hashes for {want} indexes")]
    WrongCount {
        /// Hashes asked for.
        want: usize,
        /// Hashes returned.
        got: usize,
    },
    /// The store failed (I/O, corruption, …).
    #[error("hash store failed: {0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
}

/// Why a tree operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// A size beyond the tree (or beyond [`TREE_SIZE_MAX`]).
    #[error("tree size {size} is beyond the tree's size {max}")]
    SizeOutOfRange {
        /// Size asked for.
        size: u64,
        /// Largest size available.
        max: u64,
    },
    /// An inclusion proof for a leaf that is not in the tree of that size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index asked for.
        index: u64,
        /// Tree size asked for.
        size: u64,
    },
    /// A consistency proof needs `1 ≤ from ≤ to` (SPEC §7; a proof from the empty tree proves
    /// nothing, RFC 9162 §2.1.4).
    #[error("consistency proof needs 1 <= from <= to, got from {from} to {to}")]
    ConsistencyRange {
        /// Older size.
        from: u64,
        /// Newer size.
        to: u64,
    },
    /// A stored-hash vector whose length does not fit its tree size.
    #[error("a tree of size {size} has {want} stored hashes, got {got}")]
    StoredHashCount {
        /// Tree size claimed.
        size: u64,
        /// Stored hashes such a tree has.
        want: u64,
        /// Stored hashes given.
        got: u64,
    },
    /// A stored interior hash that is not the hash of its children.
    #[error("stored hash {index} (level {level}, node {node}) is not the hash of its children")]
    CorruptStoredHash {
        /// Stored-hash index.
        index: u64,
        /// Tree level of the node.
        level: u8,
        /// Node number within the level.
        node: u64,
    },
    /// The hash reader failed.
    #[error(transparent)]
    Read(#[from] HashReadError),
    /// `tlog_tiles` refused for a reason our own checks should have caught first.
    #[error("tlog_tiles: {0}")]
    Tlog(String),
}

/// Position of node `n` of tree level `level` (level 0 = leaves) in the stored-hash layout.
/// Valid for nodes of trees up to [`TREE_SIZE_MAX`] leaves.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    tlog_tiles::stored_hash_index(level, n)
}

/// Inverse of [`stored_hash_index`]: `(level, n)`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    tlog_tiles::split_stored_hash_index(index)
}

/// Number of stored hashes a tree of `size` leaves has (about `2 × size`).
/// Valid for sizes up to [`TREE_SIZE_MAX`].
pub fn stored_hash_count(size: u64) -> u64 {
    tlog_tiles::stored_hash_count(size)
}

/// Presents a [`HashReader`] to `tlog_tiles`. Its trait's error type cannot carry our store's
/// error, so the adapter keeps it aside and [`Adapter::finish`] puts it back.
struct Adapter<'a, R: ?Sized> {
    reader: &'a R,
    failure: RefCell<Option<HashReadError>>,
}

impl<'a, R: HashReader + ?Sized> Adapter<'a, R> {
    fn new(reader: &'a R) -> Self {
        Self {
            reader,
            failure: RefCell::new(None),
        }
    }

    fn finish<T>(self, result: Result<T, tlog_tiles::Error>) -> Result<T, TreeError> {
        match result {
            Ok(value) => Ok(value),
            Err(tlog_error) => Err(match self.failure.into_inner() {
                Some(read_error) => TreeError::Read(read_error),
                None => TreeError::Tlog(tlog_error.to_string()),
            }),
        }
    }
}

impl<R: HashReader + ?Sized> tlog_tiles::HashReader for Adapter<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        let failure = match self.reader.read_hashes(indexes) {
            // tlog_tiles asserts the count and would panic; check it here instead.
            Ok(hashes) if hashes.len() == indexes.len() => {
                return Ok(hashes.into_iter().map(Into::into).collect());
            }
            Ok(hashes) => HashReadError::WrongCount {
                want: indexes.len(),
                got: hashes.len(),
            },
            Err(read_error) => read_error,
        };
        *self.failure.borrow_mut() = Some(failure);
        Err(tlog_tiles::Error::IndexesNotInTree)
    }
}

/// Root of the tree of `size` leaves held by `reader` (RFC 9162 `MTH`); reads at most
/// `1 + log₂ size` hashes.
///
/// # Errors
/// [`TreeError::SizeOutOfRange`] beyond [`TREE_SIZE_MAX`], or the reader's failure.
pub fn tree_root<R: HashReader + ?Sized>(reader: &R, size: u64) -> Result<Hash, TreeError> {
    check_size(size, TREE_SIZE_MAX)?;
    if size == 0 {
        return Ok(EMPTY_ROOT);
    }
    let adapter = Adapter::new(reader);
    let result = tlog_tiles::tree_hash(size, &adapter);
    adapter.finish(result).map(Hash::from)
}

/// Inclusion proof (RFC 9162 §2.1.3.1 `PATH`) of leaf `index` in the tree of `size` leaves,
/// ordered from the leaf's sibling up to the root's child.
///
/// # Errors
/// [`TreeError::IndexOutOfRange`] unless `index < size`, [`TreeError::SizeOutOfRange`] beyond
/// [`TREE_SIZE_MAX`], or the reader's failure.
pub fn prove_inclusion<R: HashReader + ?Sized>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TreeError> {
    check_size(size, TREE_SIZE_MAX)?;
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    let adapter = Adapter::new(reader);
    let result = tlog_tiles::prove_record(size, index, &adapter);
    adapter
        .finish(result)
        .map(|proof| proof.into_iter().map(Hash::from).collect())
}

/// Consistency proof (RFC 9162 §2.1.4.1 `PROOF`) that the tree of `from` leaves is a prefix of
/// the tree of `to` leaves. Empty when `from == to`.
///
/// # Errors
/// [`TreeError::ConsistencyRange`] unless `1 ≤ from ≤ to`, [`TreeError::SizeOutOfRange`]
/// beyond [`TREE_SIZE_MAX`], or the reader's failure.
pub fn prove_consistency<R: HashReader + ?Sized>(
    reader: &R,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, TreeError> {
    check_size(to, TREE_SIZE_MAX)?;
    if from == 0 || from > to {
        return Err(TreeError::ConsistencyRange { from, to });
    }
    let adapter = Adapter::new(reader);
    let result = tlog_tiles::prove_tree(to, from, &adapter);
    adapter
        .finish(result)
        .map(|proof| proof.into_iter().map(Hash::from).collect())
}

/// The stored hashes appending leaf `index` (whose leaf hash is `leaf_hash`) adds, in order, to
/// a store that holds the stored hashes of the first `index` leaves: the leaf hash, then one
/// hash per subtree the leaf completes. They go at [`stored_hash_index`]`(0, index)` onwards.
///
/// # Errors
/// [`TreeError::SizeOutOfRange`] beyond [`TREE_SIZE_MAX`], or the reader's failure.
pub fn stored_hashes_for_leaf<R: HashReader + ?Sized>(
    reader: &R,
    index: u64,
    leaf_hash: Hash,
) -> Result<Vec<Hash>, TreeError> {
    check_size(index.saturating_add(1), TREE_SIZE_MAX)?;
    let adapter = Adapter::new(reader);
    let result = tlog_tiles::stored_hashes_for_record_hash(index, leaf_hash.into(), &adapter);
    adapter
        .finish(result)
        .map(|hashes| hashes.into_iter().map(Hash::from).collect())
}

fn check_size(size: u64, max: u64) -> Result<(), TreeError> {
    if size > max {
        return Err(TreeError::SizeOutOfRange { size, max });
    }
    Ok(())
}

/// An append-only RFC 9162 Merkle tree held in memory as its stored-hash vector.
///
/// Appends cost `O(log n)` hash reads and at most `1 + log₂ n` new hashes (amortized: the
/// vector grows by doubling). Roots and proofs are available for every size up to the current
/// one, so the sequencer can answer for any earlier checkpoint. The tree is plain data
/// (`Send + Sync`): share it behind an `Arc<RwLock<Tree>>` for concurrent reads, or clone it.
/// Memory is 64 bytes per leaf.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    size: u64,
    stored: Vec<Hash>,
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a tree by appending each leaf hash in turn.
    pub fn from_leaf_hashes<I: IntoIterator<Item = Hash>>(leaf_hashes: I) -> Self {
        let mut tree = Self::new();
        for leaf_hash in leaf_hashes {
            tree.append(leaf_hash);
        }
        tree
    }

    /// Takes back a stored-hash vector a storage layer persisted (from
    /// [`Tree::stored_hashes`] or [`stored_hashes_for_leaf`]). Only the length is checked, so
    /// this is `O(1)`; call [`Tree::check_stored_hashes`] to recompute every interior hash, and
    /// compare [`Tree::root`] with the latest signed checkpoint (SPEC §5).
    ///
    /// # Errors
    /// [`TreeError::StoredHashCount`] when `stored` does not have exactly the stored hashes of a
    /// tree of `size` leaves, [`TreeError::SizeOutOfRange`] beyond [`TREE_SIZE_MAX`].
    pub fn from_stored_hashes(size: u64, stored: Vec<Hash>) -> Result<Self, TreeError> {
        check_size(size, TREE_SIZE_MAX)?;
        let want = stored_hash_count(size);
        let got = stored.len() as u64;
        if got != want {
            return Err(TreeError::StoredHashCount { size, want, got });
        }
        Ok(Self { size, stored })
    }

    /// Recomputes every interior stored hash from the leaf hashes and compares (`O(n)`). The
    /// leaf hashes themselves are taken as given: a store checks them against its entries.
    ///
    /// # Errors
    /// [`TreeError::CorruptStoredHash`] naming the first stored hash that differs.
    pub fn check_stored_hashes(&self) -> Result<(), TreeError> {
        let mut rebuilt = Self::new();
        for n in 0..self.size {
            let index = stored_hash_index(0, n);
            let leaf = self.stored[usize_index(index)];
            rebuilt.append(leaf);
        }
        match self
            .stored
            .iter()
            .zip(&rebuilt.stored)
            .position(|(a, b)| a != b)
        {
            None => Ok(()),
            Some(position) => {
                let index = position as u64;
                let (level, node) = split_stored_hash_index(index);
                Err(TreeError::CorruptStoredHash { index, level, node })
            }
        }
    }

    /// The stored-hash vector, for a storage layer to persist. It only ever grows at its end:
    /// after an append, the new hashes are `stored_hashes()[old_len..]`.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.stored
    }

    /// Gives up the stored-hash vector.
    pub fn into_stored_hashes(self) -> Vec<Hash> {
        self.stored
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash and returns its index (the entry's `seq`).
    ///
    /// # Panics
    /// Only if the tree already holds [`TREE_SIZE_MAX`] leaves, which no memory can.
    pub fn append(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size;
        match stored_hashes_for_leaf(self, index, leaf_hash) {
            Ok(new_hashes) => self.stored.extend(new_hashes),
            // The reads are of subtrees this tree already completed; they are always stored.
            Err(error) => unreachable!("tree reads only hashes it stores: {error}"),
        }
        self.size += 1;
        index
    }

    /// Appends an entry's leaf data (hashed with [`crate::leaf_hash`]) and returns its index.
    pub fn append_data(&mut self, leaf_data: &[u8]) -> u64 {
        self.append(crate::hash::leaf_hash(leaf_data))
    }

    /// Root of the whole tree (`EMPTY_ROOT` when empty).
    pub fn root(&self) -> Hash {
        match tree_root(self, self.size) {
            Ok(root) => root,
            Err(error) => unreachable!("tree reads only hashes it stores: {error}"),
        }
    }

    /// Root of the tree as it was at `size` leaves.
    ///
    /// # Errors
    /// [`TreeError::SizeOutOfRange`] when `size` is beyond the tree.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        check_size(size, self.size)?;
        tree_root(self, size)
    }

    /// Leaf hash of entry `index`, if the tree has it.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.stored_hash(0, index)
    }

    /// Hash of node `n` at tree level `level` (level 0 = leaf hashes; node `n` of level `l`
    /// covers leaves `n·2^l .. (n+1)·2^l`), if that complete subtree is in the tree.
    pub fn stored_hash(&self, level: u8, n: u64) -> Option<Hash> {
        let complete_nodes = self.size.checked_shr(u32::from(level)).unwrap_or(0);
        if n >= complete_nodes {
            return None;
        }
        self.stored
            .get(usize_index(stored_hash_index(level, n)))
            .copied()
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves (`size` ≤ [`Tree::size`]).
    ///
    /// # Errors
    /// [`TreeError::SizeOutOfRange`] or [`TreeError::IndexOutOfRange`].
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        check_size(size, self.size)?;
        prove_inclusion(self, index, size)
    }

    /// Consistency proof from the tree of `from` leaves to the tree of `to` leaves
    /// (`1 ≤ from ≤ to ≤` [`Tree::size`]).
    ///
    /// # Errors
    /// [`TreeError::SizeOutOfRange`] or [`TreeError::ConsistencyRange`].
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, TreeError> {
        check_size(to, self.size)?;
        prove_consistency(self, from, to)
    }
}

impl HashReader for Tree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.stored.get(i))
                    .copied()
                    .ok_or(HashReadError::NotStored { index })
            })
            .collect()
    }
}

/// A stored-hash index of a node known to be in the vector: it is below `stored.len()`, a
/// `usize`, so the conversion cannot fail.
fn usize_index(index: u64) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, node_hash};

    #[test]
    fn small_trees_match_the_rfc_shape() {
        let leaves: Vec<Hash> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        let tree = Tree::from_leaf_hashes(leaves.clone());
        assert_eq!(tree.root_at(0).unwrap(), EMPTY_ROOT);
        assert_eq!(tree.root_at(1).unwrap(), leaves[0]);
        let ab = node_hash(&leaves[0], &leaves[1]);
        assert_eq!(tree.root_at(2).unwrap(), ab);
        assert_eq!(tree.root(), node_hash(&ab, &leaves[2]));
        assert_eq!(tree.stored_hash(1, 0), Some(ab));
        assert_eq!(tree.stored_hash(1, 1), None);
        assert_eq!(tree.stored_hash(200, 0), None);
        assert_eq!(tree.stored_hashes().len() as u64, stored_hash_count(3));
        assert!(tree.root_at(4).is_err());
    }

    #[test]
    fn stored_hashes_round_trip_and_corruption_is_found() {
        let tree = Tree::from_leaf_hashes((0u32..100).map(|i| leaf_hash(&i.to_be_bytes())));
        let again = Tree::from_stored_hashes(100, tree.stored_hashes().to_vec()).unwrap();
        assert_eq!(again, tree);
        again.check_stored_hashes().unwrap();
        assert!(Tree::from_stored_hashes(101, tree.stored_hashes().to_vec()).is_err());
        assert!(Tree::from_stored_hashes(u64::MAX, tree.stored_hashes().to_vec()).is_err());

        let mut stored = tree.into_stored_hashes();
        let index = stored_hash_index(2, 5);
        stored[usize_index(index)].0[0] ^= 1;
        let corrupt = Tree::from_stored_hashes(100, stored).unwrap();
        match corrupt.check_stored_hashes() {
            Err(TreeError::CorruptStoredHash { level, node, .. }) => {
                assert_eq!((level, node), (2, 5));
            }
            other => panic!("expected corruption, got {other:?}"),
        }
    }

    struct Liar;
    impl HashReader for Liar {
        fn read_hashes(&self, _indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
            Ok(Vec::new())
        }
    }

    struct Broken;
    impl HashReader for Broken {
        fn read_hashes(&self, _indexes: &[u64]) -> Result<Vec<Hash>, HashReadError> {
            Err(HashReadError::Store("disk on fire".into()))
        }
    }

    #[test]
    fn misbehaving_readers_give_errors_not_panics() {
        assert!(matches!(
            prove_inclusion(&Liar, 3, 10),
            Err(TreeError::Read(HashReadError::WrongCount { .. }))
        ));
        match tree_root(&Broken, 10) {
            Err(TreeError::Read(HashReadError::Store(e))) => {
                assert_eq!(e.to_string(), "disk on fire")
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            tree_root(&Broken, u64::MAX),
            Err(TreeError::SizeOutOfRange { .. })
        ));
        assert!(matches!(
            prove_consistency(&Broken, 0, 5),
            Err(TreeError::ConsistencyRange { .. })
        ));
        assert!(matches!(
            prove_consistency(&Broken, 6, 5),
            Err(TreeError::ConsistencyRange { .. })
        ));
    }

    #[test]
    fn tree_is_plain_shareable_data() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Tree>();
    }
}
