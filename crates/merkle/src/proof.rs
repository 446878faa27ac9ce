//! Proof verification, independent of any tree (RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! The hash chaining is `tlog_tiles`' `check_record` / `check_tree` (a port of Go's
//! `sumdb/tlog`, checked against every transparency-dev vector in `tests/vectors.rs`). Around
//! it we add what an auditor needs to know *why* a proof failed: the size rules, the exact
//! proof length the sizes call for (so a truncated or padded proof is reported as such, not as
//! a root mismatch), and typed errors.
//!
//! Edge cases, as RFC 9162 and the transparency-dev vectors fix them:
//! - inclusion: `index ≥ size` fails (so size 0 always fails); a one-leaf tree needs an empty
//!   proof and `root == leaf_hash`;
//! - consistency: `size1 > size2` fails; `size1 = 0` fails, even against size 0 (a proof from
//!   the empty tree proves nothing); `size1 == size2` needs an empty proof and equal roots;
//!   otherwise the proof must have exactly the RFC length;
//! - any extra, missing, reordered or altered proof hash fails.
//!
//! The `*_bytes` variants take hashes as byte strings, as transparency-dev's Go API does, so
//! that its vectors (some carry 0-, 9- or 12-byte "hashes") run unmodified. Where a value
//! enters a hash computation (a leaf hash, a proof hash) it must be 32 bytes; where it is only
//! compared (a root) any other length simply does not match — except for `size1 == size2`,
//! where RFC 9162 compares the two roots with each other and so do we.

use crate::hash::Hash;

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Inclusion of a leaf that is not in the tree of that size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// Consistency from a larger tree to a smaller one.
    #[error("consistency from tree size {size1} to the smaller size {size2}")]
    SizeOrder {
        /// Older size.
        size1: u64,
        /// Newer size.
        size2: u64,
    },
    /// Consistency from the empty tree (RFC 9162 §2.1.4 defines proofs for `0 < size1`).
    #[error("consistency from the empty tree proves nothing")]
    EmptyTree,
    /// The proof has more or fewer hashes than the sizes call for.
    #[error("proof has {got} hashes, these sizes need {want}")]
    WrongLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes the sizes need.
        want: usize,
    },
    /// A value that must be a SHA-256 hash has another length.
    #[error("{what} is {len} bytes long, a SHA-256 hash is 32")]
    HashLength {
        /// Which value (`"leaf hash"`, `"proof hash"`, `"root"`, …).
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// The proof does not lead to the given root(s).
    #[error("proof does not lead to the expected root")]
    RootMismatch,
}

/// Number of hashes in the inclusion proof of `index` in a tree of `size > index` leaves:
/// the levels below the point where the paths to `index` and to the last leaf part
/// (`inner`), plus one per complete left subtree above it (`border`).
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Number of hashes in the consistency proof between `0 < size1 < size2`.
fn consistency_proof_len(size1: u64, size2: u64) -> usize {
    let inner = u64::BITS - ((size1 - 1) ^ (size2 - 1)).leading_zeros();
    let border = (size1 - 1).checked_shr(inner).unwrap_or(0).count_ones();
    // The subtree of the old tree that is a whole node of the new one, of size 2^shift, is
    // sent unless it is the whole old tree (then the verifier already has its hash: root1).
    let shift = size1.trailing_zeros();
    let seed = u32::from(size1 != 1u64 << shift);
    (seed + inner - shift + border) as usize
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`
/// (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`], [`ProofError::WrongLength`] or [`ProofError::RootMismatch`].
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_proof_len(index, size);
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
    tlog_tiles::check_record(&proof, size, (*root).into(), index, (*leaf_hash).into())
        .map_err(|_| ProofError::RootMismatch)
}

/// Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of
/// `size2` leaves with root `root2` (RFC 9162 §2.1.4.2).
///
/// # Errors
/// [`ProofError::SizeOrder`], [`ProofError::EmptyTree`], [`ProofError::WrongLength`] or
/// [`ProofError::RootMismatch`].
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    check_consistency_sizes(size1, size2)?;
    let want = if size1 == size2 {
        0
    } else {
        consistency_proof_len(size1, size2)
    };
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    if size1 == size2 {
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(|h| (*h).into()).collect();
    tlog_tiles::check_tree(&proof, size2, (*root2).into(), size1, (*root1).into())
        .map_err(|_| ProofError::RootMismatch)
}

fn check_consistency_sizes(size1: u64, size2: u64) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyTree);
    }
    Ok(())
}

fn hash_from(what: &'static str, bytes: &[u8]) -> Result<Hash, ProofError> {
    Hash::try_from(bytes).map_err(|_| ProofError::HashLength {
        what,
        len: bytes.len(),
    })
}

fn proof_from<P: AsRef<[u8]>>(proof: &[P]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .map(|h| hash_from("proof hash", h.as_ref()))
        .collect()
}

/// [`verify_inclusion`] on byte strings (transparency-dev's `[]byte` API; see the module
/// documentation for how lengths other than 32 are treated).
///
/// # Errors
/// As [`verify_inclusion`], plus [`ProofError::HashLength`] for a leaf or proof hash that is
/// not 32 bytes.
pub fn verify_inclusion_bytes<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let leaf_hash = hash_from("leaf hash", leaf_hash)?;
    let proof = proof_from(proof)?;
    // A root that is not 32 bytes cannot equal any computed root.
    let root = Hash::try_from(root).map_err(|_| ProofError::RootMismatch)?;
    verify_inclusion(&leaf_hash, index, size, &proof, &root)
}

/// [`verify_consistency`] on byte strings (transparency-dev's `[]byte` API; see the module
/// documentation for how lengths other than 32 are treated).
///
/// # Errors
/// As [`verify_consistency`], plus [`ProofError::HashLength`] for a proof hash that is not 32
/// bytes.
pub fn verify_consistency_bytes<P: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[P],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    check_consistency_sizes(size1, size2)?;
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let proof = proof_from(proof)?;
    let root1 = Hash::try_from(root1).map_err(|_| ProofError::RootMismatch)?;
    let root2 = Hash::try_from(root2).map_err(|_| ProofError::RootMismatch)?;
    verify_consistency(size1, size2, &proof, &root1, &root2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proof lengths by the recursive definitions of RFC 9162 §2.1.3.1 / §2.1.4.1.
    fn path_len(m: u64, n: u64) -> usize {
        if n <= 1 {
            return 0;
        }
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        if m < k {
            1 + path_len(m, k)
        } else {
            1 + path_len(m - k, n - k)
        }
    }

    fn subproof_len(m: u64, n: u64, whole: bool) -> usize {
        if m == n {
            return usize::from(!whole);
        }
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        if m <= k {
            1 + subproof_len(m, k, whole)
        } else {
            1 + subproof_len(m - k, n - k, false)
        }
    }

    #[test]
    fn proof_lengths_match_the_rfc_recursion() {
        for n in 1..200u64 {
            for m in 0..n {
                assert_eq!(inclusion_proof_len(m, n), path_len(m, n), "PATH({m}, {n})");
            }
            for m in 1..n {
                assert_eq!(
                    consistency_proof_len(m, n),
                    subproof_len(m, n, true),
                    "PROOF({m}, {n})"
                );
            }
        }
        // Extreme sizes do not overflow.
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert!(consistency_proof_len(u64::MAX - 1, u64::MAX) <= 128);
        assert!(consistency_proof_len(1, u64::MAX) <= 128);
    }

    #[test]
    fn absurd_sizes_fail_cleanly() {
        let h = Hash::default();
        assert!(verify_inclusion(&h, u64::MAX - 1, u64::MAX, &[h; 64], &h).is_err());
        assert!(verify_consistency(1, u64::MAX, &[h; 64], &h, &h).is_err());
        assert!(verify_consistency(u64::MAX, u64::MAX, &[], &h, &h).is_ok());
    }
}
