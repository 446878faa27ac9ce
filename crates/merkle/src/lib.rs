//! pactlog's Merkle tree: RFC 9162 hashing, an incremental tree with proofs for every
//! earlier size, proof verification, signed checkpoints, C2SP tiles and receipts
//! (SPEC §1, §5, §8).
//!
//! This crate does no I/O and reads no clock: it takes bytes and returns values. A store
//! persists what [`Tree::stored_hashes`] exposes (or serves it through [`HashReader`]); the
//! sequencer signs with a [`CheckpointSigner`]; auditors and clients need only the free
//! verification functions and a pinned verifier key string.
//!
//! # Modules
//!
//! - [`hash`]: [`struct@Hash`], [`leaf_hash`], [`node_hash`], [`EMPTY_ROOT`].
//! - [`tree`]: [`Tree`], the [`HashReader`] seam, proof generation from any reader
//!   ([`tree_root`], [`prove_inclusion`], [`prove_consistency`], [`stored_hashes_for_leaf`]).
//! - [`proof`]: [`verify_inclusion`], [`verify_consistency`] (and `*_bytes` forms).
//! - [`checkpoint`]: [`Checkpoint`], [`CheckpointSigner`], [`CheckpointVerifier`],
//!   [`verify_checkpoint`].
//! - [`tile`]: [`Tile`] paths, [`read_hash_tile`], [`entry_bundle`], [`parse_entry_bundle`].
//! - [`receipt`]: [`Receipt`], [`verify_receipt`].
//!
//! # Example
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use pactlog_merkle::{
//!     leaf_hash, verify_checkpoint, verify_consistency, verify_inclusion, verify_receipt,
//!     CheckpointSigner, Receipt, Tree,
//! };
//!
//! // Sequencer: append entries, sign a checkpoint.
//! let mut tree = Tree::new();
//! for entry in [&b"genesis"[..], b"second", b"third"] {
//!     tree.append_data(entry);
//! }
//! let signer = CheckpointSigner::new("log.example/test", SigningKey::from_bytes(&[1; 32]))?;
//! let note = signer.sign(tree.size(), tree.root())?;
//! let pinned_key = signer.verifier_key(); // recorded in log.genesis, pinned by auditors
//!
//! // Auditor: check the checkpoint, an inclusion proof and a consistency proof.
//! let checkpoint = verify_checkpoint(&note, &pinned_key)?;
//! let proof = tree.inclusion_proof(1, checkpoint.size)?;
//! verify_inclusion(&leaf_hash(b"second"), 1, checkpoint.size, &proof, &checkpoint.root)?;
//! let old_root = tree.root_at(2)?;
//! let consistency = tree.consistency_proof(2, checkpoint.size)?;
//! verify_consistency(2, checkpoint.size, &consistency, &old_root, &checkpoint.root)?;
//!
//! // Anyone: a receipt proves the entry offline.
//! let receipt = Receipt::encode(b"second", 1, &proof, &note);
//! assert_eq!(verify_receipt(&receipt, &pinned_key)?.leaf_data, b"second");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Which crate does what, and why
//!
//! - **`tlog_tiles` 0.2** (Cloudflare's port of Go's `golang.org/x/mod/sumdb/tlog`) does the
//!   Merkle arithmetic: the stored-hash layout (`stored_hash_index`,
//!   `stored_hashes_for_record_hash`, `stored_hash_count`), roots at any size (`tree_hash`),
//!   proof generation (`prove_record`, `prove_tree`) and the hash chaining of proof
//!   verification (`check_record`, `check_tree`), and parses checkpoint bodies
//!   (`Checkpoint::from_bytes`). Its verifiers give the expected verdict on every
//!   transparency-dev vector whose inputs are 32-byte hashes (`tests/vectors.rs` runs them
//!   directly too), the Go original is what the Go checksum database runs on, and its layout
//!   is append-only, which is what a store wants to persist. Around it we add: our own
//!   [`struct@Hash`] type (theirs is not `Eq`/`Hash`/`Ord`, and callers should not name a
//!   third-party type), a [`HashReader`] trait whose error can carry a store's failure, checks
//!   that turn its panics on bad input or a misbehaving reader into errors, exact proof
//!   lengths so a wrong-length proof is reported as such, and the byte-string verification
//!   forms that transparency-dev's vectors need (some of them carry 0-, 9- or 12-byte
//!   "hashes", which no 32-byte type can hold).
//! - **`signed_note` 0.2** (C2SP signed notes) parses and assembles the note around a
//!   checkpoint: the text/signature split, control characters, duplicate and unknown
//!   signatures (witness cosignatures are ignored), and "a known key whose signature fails
//!   rejects the note". We plug in our own verifier because its `StandardVerifier` uses
//!   ed25519-dalek's lax `verify`, and pactlog verifies Ed25519 the strict way everywhere
//!   (`verify_strict`, SPEC §2); we parse the verifier key string ourselves to build that
//!   verifier and to report precise errors. The tests check our key hash, key string and
//!   notes against `signed_note`'s own `StandardVerifier` and `new_ed25519_verifier_key`.
//! - **Written here**, because no crate does them: C2SP tile paths and tile availability
//!   (`tlog_tiles::Tile` only knows Go sumdb's `tile/<H>/<L>/<N>` paths with any height;
//!   C2SP's are `tile/<L>/<N>` with height 8, an `entries` level, and stricter numbers),
//!   entry bundles, the C2SP `tlog-proof` receipt format, and the pactlog rules on top of
//!   C2SP (no checkpoint extension lines, origin = key name).
//! - **`ct-merkle` 0.3** was not used: it needs `digest` 0.11 (our `sha2` 0.10 is on
//!   `digest` 0.10), keeps the leaf values rather than just hashes, and proves only against
//!   its current size, while pactlog answers proofs for any earlier checkpoint size.
//!
//! # Architecture invariants
//!
//! - No I/O, no clock, no global state; every type is plain data and `Send + Sync`.
//! - Nothing on an input path panics: sizes are checked before index arithmetic, and readers
//!   that misbehave give errors.
//! - Verification needs no tree: an auditor holding a pinned key string can check
//!   checkpoints, proofs and receipts with the free functions alone.

pub mod checkpoint;
mod decimal;
pub mod hash;
pub mod proof;
pub mod receipt;
pub mod tile;
pub mod tree;

pub use checkpoint::{
    key_id, verifier_key, verify_checkpoint, Checkpoint, CheckpointError, CheckpointSigner,
    CheckpointVerifier,
};
pub use hash::{leaf_hash, node_hash, Hash, HashParseError, EMPTY_ROOT, HASH_LEN};
pub use proof::{
    verify_consistency, verify_consistency_bytes, verify_inclusion, verify_inclusion_bytes,
    ProofError,
};
pub use receipt::{
    verify_receipt, verify_receipt_with, Receipt, ReceiptError, VerifiedReceipt, RECEIPT_HEADER,
    RECEIPT_LEN_MAX,
};
pub use tile::{
    entry_bundle, entry_bundles_at, hash_tiles_at, parse_entry_bundle, read_hash_tile, Tile,
    TileError, TileKind, ENTRY_LEN_MAX, TILE_HEIGHT, TILE_LEVEL_MAX, TILE_WIDTH,
};
pub use tree::{
    prove_consistency, prove_inclusion, split_stored_hash_index, stored_hash_count,
    stored_hash_index, stored_hashes_for_leaf, tree_root, HashReadError, HashReader, Tree,
    TreeError, TREE_SIZE_MAX,
};
