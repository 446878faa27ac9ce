//! SHA-256 tree hashes (SPEC §1, §5; RFC 9162 §2.1.1).
//!
//! The leaf and node hash functions delegate to `tlog_tiles` so that the tree, the proofs
//! and the tiles are all computed by one implementation; [`struct@Hash`] is our own type because
//! `tlog_tiles::Hash` is neither `Eq` nor `Hash` nor `Ord`, and because callers of this crate
//! should not have to name a third-party type.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// Length of a SHA-256 hash in bytes.
pub const HASH_LEN: usize = 32;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
///
/// `Display` prints standard base64 (how proofs, tiles and checkpoints carry hashes, SPEC §1);
/// `Debug` prints lowercase hex (how API answers and ids carry them), so both forms are one call
/// away.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

/// Why a string or byte slice is not a [`struct@Hash`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// The text is not standard, padded, canonical base64.
    #[error("hash is not canonical standard base64")]
    Base64,
    /// The text is not 64 lowercase hex digits.
    #[error("hash is not 64 lowercase hex digits")]
    Hex,
    /// The bytes are not 32 long.
    #[error("hash is {len} bytes long, a SHA-256 hash is 32")]
    Length {
        /// Length actually found.
        len: usize,
    },
}

impl Hash {
    /// Wraps 32 bytes.
    pub const fn from_bytes(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Standard base64 with padding (44 characters).
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses standard base64 with padding. Non-canonical encodings (stray low bits in the last
    /// character) are rejected by the `base64` engine, so one hash has exactly one text form.
    ///
    /// # Errors
    /// [`HashParseError::Base64`] or [`HashParseError::Length`].
    pub fn from_base64(text: &str) -> Result<Self, HashParseError> {
        let bytes = BASE64.decode(text).map_err(|_| HashParseError::Base64)?;
        Self::try_from(bytes.as_slice())
    }

    /// Lowercase hex (64 characters).
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(2 * HASH_LEN);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// Parses exactly 64 lowercase hex digits. Uppercase is rejected because SPEC §1 fixes
    /// lowercase, and accepting both would give one hash two spellings.
    ///
    /// # Errors
    /// [`HashParseError::Hex`].
    pub fn from_hex(text: &str) -> Result<Self, HashParseError> {
        fn nibble(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            }
        }
        let text = text.as_bytes();
        if text.len() != 2 * HASH_LEN {
            return Err(HashParseError::Hex);
        }
        let mut out = [0u8; HASH_LEN];
        for (slot, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
            let high = nibble(pair[0]).ok_or(HashParseError::Hex)?;
            let low = nibble(pair[1]).ok_or(HashParseError::Hex)?;
            *slot = (high << 4) | low;
        }
        Ok(Self(out))
    }
}

impl TryFrom<&[u8]> for Hash {
    type Error = HashParseError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        <[u8; HASH_LEN]>::try_from(bytes)
            .map(Self)
            .map_err(|_| HashParseError::Length { len: bytes.len() })
    }
}

impl From<[u8; HASH_LEN]> for Hash {
    fn from(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl From<tlog_tiles::Hash> for Hash {
    fn from(h: tlog_tiles::Hash) -> Self {
        Self(h.0)
    }
}

impl From<Hash> for tlog_tiles::Hash {
    fn from(h: Hash) -> Self {
        tlog_tiles::Hash(h.0)
    }
}

/// Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1, `MTH({})`).
pub const EMPTY_ROOT: Hash = Hash(tlog_tiles::EMPTY_HASH.0);

/// Leaf hash of an entry: `SHA-256(0x00 || data)` (SPEC §5).
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data).into()
}

/// Interior node hash: `SHA-256(0x01 || left || right)` (SPEC §5).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    tlog_tiles::node_hash((*left).into(), (*right).into()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            EMPTY_ROOT.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_hash_use_domain_separation() {
        use sha2::{Digest, Sha256};
        let want: [u8; 32] = Sha256::digest(b"\x00abc").into();
        assert_eq!(leaf_hash(b"abc"), Hash(want));
        let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l.0);
        h.update(r.0);
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(node_hash(&l, &r), Hash(want));
    }

    #[test]
    fn text_forms_round_trip_and_are_strict() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(h.to_string(), h.to_base64());
        assert_eq!(
            Hash::from_hex(&h.to_hex().to_uppercase()),
            Err(HashParseError::Hex)
        );
        assert_eq!(Hash::from_hex("00"), Err(HashParseError::Hex));
        assert_eq!(
            Hash::from_base64("V3JvbmdSb290"),
            Err(HashParseError::Length { len: 9 })
        );
        // Unpadded and non-canonical forms are refused. 32 bytes leave 2 unused low bits in
        // the 43rd character; setting one gives a second spelling of the same bytes.
        let b64 = h.to_base64();
        assert!(Hash::from_base64(b64.trim_end_matches('=')).is_err());
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bad = b64.into_bytes();
        let pos = ALPHABET.iter().position(|&c| c == bad[42]).unwrap();
        assert_eq!(pos & 0b11, 0);
        bad[42] = ALPHABET[pos | 1];
        assert_eq!(
            Hash::from_base64(std::str::from_utf8(&bad).unwrap()),
            Err(HashParseError::Base64)
        );
    }
}
