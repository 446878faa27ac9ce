//! Ed25519 over the statement domain (SPEC §2): who signed, and strict verification.
//!
//! Verification gives exactly the verdicts of ed25519-dalek's `verify_strict`: the
//! cofactorless equation, rejecting small-order A and R, any non-canonical encoding of R, and
//! S ≥ L. A non-canonical encoding of A (y ≥ p) is rejected when its point is of small order
//! and accepted otherwise, as `verify_strict` does — SPEC §2's text says such encodings are
//! rejected, but no private key is known for those few points, so no signature under them can
//! be made either way. Verdicts on
//! the 12 ed25519-speccheck cases (`../shared/testvectors/ed25519-speccheck/cases.json`),
//! which `tests/vectors.rs` checks:
//!
//! | case | what it is                                          | verdict |
//! |------|-----------------------------------------------------|---------|
//! | 0    | small-order A and R, S = 0                          | reject  |
//! | 1    | small-order A, mixed-order R                        | reject  |
//! | 2    | mixed-order A, small-order R                        | reject  |
//! | 3    | mixed-order A and R, passes both equations          | accept  |
//! | 4    | passes only the cofactored equation                 | reject  |
//! | 5    | passes only the cofactored equation                 | reject  |
//! | 6    | S ≥ L (non-canonical S)                             | reject  |
//! | 7    | S ≥ L, S far above L                                | reject  |
//! | 8    | non-canonical R (small order)                       | reject  |
//! | 9    | non-canonical R (small order)                       | reject  |
//! | 10   | non-canonical A (small order)                       | reject  |
//! | 11   | non-canonical A (small order)                       | reject  |
//!
//! That is SPEC §2's `X X X V X X X X X X X X`: only case 3 verifies.
//!
//! ## Why not call `verify_strict` itself
//!
//! [`SignerKey::verify_strict`] accepts exactly the signatures `VerifyingKey::verify_strict`
//! accepts, with less work. `verify_strict` decompresses R (a field square root, about a
//! tenth of its cost) only to refuse a small-order R, and then compares the encoding of
//! R' = \[s\]B − \[k\]A with R's bytes. When those bytes are equal, R' *is* the point R encodes
//! (compression is injective and inverted by decompression on canonical encodings), so
//! "R decompresses and is not of small order" holds exactly when R' is not of small order —
//! a check of three doublings on a point already computed. When they differ, both reject.
//! The rest is the same: S must be canonical (< L), A must not be of small order (decided
//! once per signer and remembered with the key), k = SHA-512(R ‖ A ‖ M) over A's bytes as
//! sent. The public vectors run through this function, and a property test and every vector
//! compare it with `verify_strict` verdict for verdict (`tests/strict_equivalence.rs`).

use foldhash::{HashMap, HashMapExt};
use std::sync::{OnceLock, PoisonError, RwLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use curve25519_dalek::{EdwardsPoint, Scalar};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha512};

/// The domain prefix of every statement signature (SPEC §2): a signature made for pactlog
/// cannot be replayed as a signature over anything else, and vice versa.
pub const STATEMENT_DOMAIN: &[u8] = b"pactlog/v1/statement\n";

/// Length of a public key in standard padded base64 (32 bytes).
pub const PUBLIC_KEY_BASE64_LEN: usize = 44;
/// Length of a signature in standard padded base64 (64 bytes).
pub const SIGNATURE_BASE64_LEN: usize = 88;

/// Why a signer, a signature or their check failed; every variant is `bad_signature`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signer is not 44 characters of canonical padded base64 of 32 bytes")]
    SignerEncoding,
    #[error("signer is not a valid Ed25519 public key")]
    SignerPoint,
    #[error("signature is not 88 characters of canonical padded base64 of 64 bytes")]
    SignatureEncoding,
    #[error("signature does not verify (strict Ed25519) over the canonical statement")]
    Invalid,
}

impl SignatureError {
    pub fn describe_zh(&self) -> &'static str {
        match self {
            SignatureError::SignerEncoding => "signer 不是 32 字节公钥的规范 base64（44 个字符）",
            SignatureError::SignerPoint => "signer 不是有效的 Ed25519 公钥",
            SignatureError::SignatureEncoding => {
                "signature 不是 64 字节签名的规范 base64（88 个字符）"
            }
            SignatureError::Invalid => "签名与规范声明不符（严格 Ed25519 验证）",
        }
    }
}

/// Decodes exactly `N` bytes from canonical standard padded base64 of length `len`.
/// The `STANDARD` engine already refuses missing padding and non-zero trailing bits; the
/// length check refuses everything else that is not the one canonical form.
fn decode_exact<const N: usize>(text: &str, len: usize) -> Option<[u8; N]> {
    if text.len() != len {
        return None;
    }
    STANDARD.decode(text).ok()?.try_into().ok()
}

/// Signers remembered by [`parse_signer`]. A log has few signers who sign many statements,
/// and decompressing a public key costs about 8 % of a signature check; 4 096 keys cover
/// every active org of a large deployment and stay under 1 MiB.
pub const SIGNER_CACHE_LEN_MAX: usize = 4096;

/// A signer's public key, decompressed, with what strict verification needs computed once:
/// the negated point and whether the key is of small order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerKey {
    key: VerifyingKey,
    minus_a: EdwardsPoint,
    small_order: bool,
}

impl SignerKey {
    pub fn new(key: VerifyingKey) -> SignerKey {
        let point = key.to_edwards();
        SignerKey {
            key,
            minus_a: -point,
            small_order: point.is_small_order(),
        }
    }

    /// Decompresses a public key; `SignerPoint` when the bytes are not a curve point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<SignerKey, SignatureError> {
        VerifyingKey::from_bytes(bytes)
            .map(SignerKey::new)
            .map_err(|_| SignatureError::SignerPoint)
    }

    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Strict Ed25519 verification of `signature` over the concatenation of `message_parts`:
    /// the same verdicts as `VerifyingKey::verify_strict` (see the module docs for why and
    /// how it is cheaper).
    pub fn verify_strict(
        &self,
        message_parts: &[&[u8]],
        signature: &ed25519_dalek::Signature,
    ) -> Result<(), SignatureError> {
        let r_bytes = signature.r_bytes();
        let s: Option<Scalar> = Scalar::from_canonical_bytes(*signature.s_bytes()).into();
        let Some(s) = s else {
            return Err(SignatureError::Invalid);
        };
        if self.small_order {
            return Err(SignatureError::Invalid);
        }
        let mut hash = Sha512::new();
        hash.update(r_bytes);
        hash.update(self.key.as_bytes());
        for part in message_parts {
            hash.update(part);
        }
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        let r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &self.minus_a, &s);
        if r.compress().as_bytes() == r_bytes && !r.is_small_order() {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

/// Decompressed signer keys by their bytes. Only keys that decompressed are kept, and
/// decompression is a pure function of the bytes, so verdicts are the same with or without
/// the cache; when full it is simply emptied.
fn signer_cache() -> &'static RwLock<HashMap<[u8; 32], SignerKey>> {
    static CACHE: OnceLock<RwLock<HashMap<[u8; 32], SignerKey>>> = OnceLock::new();
    CACHE.get_or_init(|| RwLock::new(HashMap::new()))
}

/// An envelope's `signer` as key bytes, its encoding checked but the point not decompressed:
/// for entries read back from the log, whose signature is not checked again (decompressing
/// every signer was a fifth of a restart's CPU on a log of 110 000 signers, more than the
/// memo of [`parse_signer`] holds).
pub fn parse_signer_bytes(text: &str) -> Result<[u8; 32], SignatureError> {
    decode_exact(text, PUBLIC_KEY_BASE64_LEN).ok_or(SignatureError::SignerEncoding)
}

/// Parses an envelope's `signer`.
pub fn parse_signer(text: &str) -> Result<SignerKey, SignatureError> {
    let bytes = parse_signer_bytes(text)?;
    let cache = signer_cache();
    if let Some(key) = cache
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&bytes)
    {
        return Ok(*key);
    }
    let key = SignerKey::from_bytes(&bytes)?;
    let mut cache = cache.write().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= SIGNER_CACHE_LEN_MAX {
        cache.clear();
    }
    cache.insert(bytes, key);
    Ok(key)
}

/// Parses an envelope's `signature`.
pub fn parse_signature(text: &str) -> Result<ed25519_dalek::Signature, SignatureError> {
    let bytes: [u8; 64] =
        decode_exact(text, SIGNATURE_BASE64_LEN).ok_or(SignatureError::SignatureEncoding)?;
    Ok(ed25519_dalek::Signature::from_bytes(&bytes))
}

/// The exact bytes an Ed25519 statement signature covers.
pub fn signed_message(canonical_statement: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(STATEMENT_DOMAIN.len() + canonical_statement.len());
    message.extend_from_slice(STATEMENT_DOMAIN);
    message.extend_from_slice(canonical_statement);
    message
}

/// Verifies a statement signature strictly (see the module docs for what "strictly" means).
pub fn verify_statement(
    signer: &SignerKey,
    canonical_statement: &[u8],
    signature: &ed25519_dalek::Signature,
) -> Result<(), SignatureError> {
    signer.verify_strict(&[STATEMENT_DOMAIN, canonical_statement], signature)
}

/// Strict verification of raw bytes, with no domain prefix: the primitive under
/// [`verify_statement`], exposed so the public Ed25519 vectors test exactly the check
/// pactlog relies on.
pub fn verify_raw(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let key: [u8; 32] = public_key
        .try_into()
        .map_err(|_| SignatureError::SignerEncoding)?;
    let key = SignerKey::from_bytes(&key)?;
    let signature = ed25519_dalek::Signature::from_slice(signature)
        .map_err(|_| SignatureError::SignatureEncoding)?;
    key.verify_strict(&[message], &signature)
}

/// Signs canonical statement bytes.
pub fn sign_statement(key: &SigningKey, canonical_statement: &[u8]) -> ed25519_dalek::Signature {
    key.sign(&signed_message(canonical_statement))
}

/// Standard padded base64 of a public key, as envelopes and bodies carry it.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    encode_public_key_bytes(key.as_bytes())
}

/// [`encode_public_key`] of a key kept as bytes (an envelope's signer).
pub fn encode_public_key_bytes(key: &[u8; 32]) -> String {
    STANDARD.encode(key)
}

/// Standard padded base64 of a signature.
pub fn encode_signature(signature: &ed25519_dalek::Signature) -> String {
    STANDARD.encode(signature.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn signs_and_verifies_under_the_domain() {
        let key = key();
        let statement = br#"{"a":1}"#;
        let sig = sign_statement(&key, statement);
        assert_eq!(
            verify_statement(&SignerKey::new(key.verifying_key()), statement, &sig),
            Ok(())
        );
        // The same signature is not valid over the bare statement (no domain prefix).
        assert!(key.verifying_key().verify_strict(statement, &sig).is_err());
        assert_eq!(
            verify_statement(&SignerKey::new(key.verifying_key()), br#"{"a":2}"#, &sig),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn refuses_non_canonical_base64() {
        let key = key().verifying_key();
        let good = encode_public_key(&key);
        assert_eq!(parse_signer(&good), Ok(SignerKey::new(key)));
        assert_eq!(
            parse_signer(good.trim_end_matches('=')),
            Err(SignatureError::SignerEncoding)
        );
        // Flip the unused low bits of the last base64 digit before the padding.
        let mut chars: Vec<char> = good.chars().collect();
        let last = chars[42];
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let index = alphabet.find(last).unwrap_or(0);
        chars[42] = alphabet.as_bytes()[index ^ 1] as char;
        let tweaked: String = chars.into_iter().collect();
        assert_eq!(parse_signer(&tweaked), Err(SignatureError::SignerEncoding));
        assert_eq!(
            parse_signature(&"A".repeat(88)),
            Err(SignatureError::SignatureEncoding)
        );
        assert!(parse_signature(&format!("{}==", "A".repeat(86))).is_ok());
    }
}
