//! Receipts: C2SP `tlog-proof` (`c2sp.org/tlog-proof@v1`) files whose `extra` line carries
//! the entry's leaf data (SPEC §8).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 leaf data>
//! index <decimal, no leading zeros>
//! <base64 proof hash, leaf's sibling first>     (zero or more lines)
//!
//! <the checkpoint note, verbatim>
//! ```
//!
//! No crate implements tlog-proof, so the format is written here, following the C2SP text:
//! the `extra` line is optional in the format ([`Receipt::extra`] is an `Option`) but a
//! pactlog receipt needs it, so [`verify_receipt`] refuses a receipt without one. What is
//! inside the leaf data is the caller's to check: the envelope's signature (SPEC §2), and
//! that the entry's `seq` is the receipt's index (the proof binds the leaf to the index, not
//! to the number written inside it).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::checkpoint::{Checkpoint, CheckpointError, CheckpointVerifier};
use crate::decimal::parse_decimal;
use crate::hash::{leaf_hash, Hash};
use crate::proof::{verify_inclusion, ProofError};

/// First line of every receipt.
pub const RECEIPT_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Largest receipt we parse. The leaf data is at most 65 535 bytes (87 380 in base64), the
/// proof at most 64 lines of 45 bytes, and the checkpoint a few hundred bytes per signature;
/// 256 KiB leaves room for well over a hundred cosignatures and bounds the work a hostile
/// file can cause.
pub const RECEIPT_LEN_MAX: usize = 256 * 1024;

/// Most proof lines a receipt may carry: an inclusion proof in a tree of at most 2^64 leaves
/// has at most 64 hashes.
const PROOF_LINES_MAX: usize = 64;

/// A parsed (not yet verified) receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The `extra` data: for pactlog, the entry's leaf data.
    pub extra: Option<Vec<u8>>,
    /// The entry's index (`seq`).
    pub index: u64,
    /// Inclusion proof of the entry in the checkpoint's tree.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

/// What a verified receipt proves: entry `index`, whose leaf data is `leaf_data`, is in the
/// tree the log signed in `checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The entry's index (`seq`).
    pub index: u64,
    /// The entry's leaf data (JCS bytes of the entry, SPEC §5).
    pub leaf_data: Vec<u8>,
    /// The verified checkpoint.
    pub checkpoint: Checkpoint,
}

/// Why a receipt was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Longer than [`RECEIPT_LEN_MAX`].
    #[error("receipt is {len} bytes, at most {RECEIPT_LEN_MAX} are accepted")]
    TooLong {
        /// Length.
        len: usize,
    },
    /// Not a tlog-proof file.
    #[error("malformed receipt, line {line}: {reason}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// No `extra` line, so no leaf data to check.
    #[error("receipt has no extra line with the entry's leaf data")]
    MissingExtra,
    /// The checkpoint does not verify.
    #[error("receipt checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not verify against the checkpoint.
    #[error("receipt inclusion proof: {0}")]
    Inclusion(#[from] ProofError),
}

impl Receipt {
    /// The receipt text for entry `index` with `leaf_data`, `proof` in the tree of
    /// `checkpoint_note` (a signed note, which ends in a newline).
    pub fn encode(leaf_data: &[u8], index: u64, proof: &[Hash], checkpoint_note: &str) -> String {
        Self {
            extra: Some(leaf_data.to_vec()),
            index,
            proof: proof.to_vec(),
            checkpoint: checkpoint_note.to_owned(),
        }
        .to_text()
    }

    /// The receipt text.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        text.push_str(RECEIPT_HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str("extra ");
            text.push_str(&BASE64.encode(extra));
            text.push('\n');
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Parses a receipt. The checkpoint part is kept verbatim and checked only by
    /// [`verify_receipt`].
    ///
    /// # Errors
    /// [`ReceiptError::TooLong`] or [`ReceiptError::Malformed`].
    pub fn parse(text: &str) -> Result<Self, ReceiptError> {
        if text.len() > RECEIPT_LEN_MAX {
            return Err(ReceiptError::TooLong { len: text.len() });
        }
        let malformed = |line, reason| ReceiptError::Malformed { line, reason };
        // The header lines are all non-empty, so the first empty line ends them and the
        // checkpoint note follows.
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| malformed(1, "no empty line before the checkpoint"))?;
        let mut lines = head.split('\n').zip(1usize..);

        let (header, _) = lines.next().unwrap_or_default();
        if header != RECEIPT_HEADER {
            return Err(malformed(1, "first line is not c2sp.org/tlog-proof@v1"));
        }

        let (mut line, mut n) = lines.next().ok_or_else(|| malformed(2, "no index line"))?;
        let mut extra = None;
        if let Some(encoded) = line.strip_prefix("extra ") {
            extra = Some(
                BASE64
                    .decode(encoded)
                    .map_err(|_| malformed(n, "extra is not standard base64"))?,
            );
            (line, n) = lines
                .next()
                .ok_or_else(|| malformed(n + 1, "no index line"))?;
        }

        let index = line
            .strip_prefix("index ")
            .and_then(parse_decimal)
            .ok_or_else(|| malformed(n, "expected index <decimal without leading zeros>"))?;

        let mut proof = Vec::new();
        for (line, n) in lines {
            if proof.len() == PROOF_LINES_MAX {
                return Err(malformed(n, "more than 64 proof hashes"));
            }
            proof.push(
                Hash::from_base64(line)
                    .map_err(|_| malformed(n, "proof line is not a base64 SHA-256 hash"))?,
            );
        }

        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// Verifies a receipt against the pinned log key (SPEC §8): the checkpoint's signature and
/// origin, then the inclusion of `leaf_hash(extra)` at `index` under the checkpoint's root.
///
/// # Errors
/// [`ReceiptError`] naming the first check that failed.
pub fn verify_receipt(text: &str, verifier_key: &str) -> Result<VerifiedReceipt, ReceiptError> {
    let verifier = CheckpointVerifier::parse(verifier_key)?;
    verify_receipt_with(text, &verifier)
}

/// [`verify_receipt`] with an already parsed key.
///
/// # Errors
/// As [`verify_receipt`].
pub fn verify_receipt_with(
    text: &str,
    verifier: &CheckpointVerifier,
) -> Result<VerifiedReceipt, ReceiptError> {
    let receipt = Receipt::parse(text)?;
    let leaf_data = receipt.extra.ok_or(ReceiptError::MissingExtra)?;
    let checkpoint = verifier.verify(&receipt.checkpoint)?;
    verify_inclusion(
        &leaf_hash(&leaf_data),
        receipt.index,
        checkpoint.size,
        &receipt.proof,
        &checkpoint.root,
    )?;
    Ok(VerifiedReceipt {
        index: receipt.index,
        leaf_data,
        checkpoint,
    })
}
