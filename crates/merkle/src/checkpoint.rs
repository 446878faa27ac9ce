//! Checkpoints: C2SP `tlog-checkpoint` v1.0.0 bodies in C2SP `signed-note` envelopes, signed
//! with Ed25519 (SPEC §5).
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//!
//! — <origin> <base64(key hash || signature)>
//! — <witness> <base64(...)>            (any number of further lines, ignored if unknown)
//! ```
//!
//! Parsing and verifying the note (text/signature split, control characters, duplicate and
//! unknown signatures, the "a known key that fails rejects the whole note" rule) is
//! `signed_note`'s `Note`; parsing the body is `tlog_tiles`' `Checkpoint`. Ours are: the
//! signature check itself, which uses ed25519-dalek's `verify_strict` — `signed_note`'s
//! `StandardVerifier` uses the lax `verify`, and pactlog verifies every Ed25519 signature the
//! strict way (SPEC §2); the parser of the verifier key string, written so that it can build
//! that strict verifier and report precise errors; the rule that the body has no extension
//! lines; and the rule that the origin is the key name (SPEC §5).
//!
//! A body of size 0 parses and verifies: C2SP allows it and a verifier has no reason to fail
//! on it. SPEC §5's "there is no checkpoint of size 0" is a promise of the pactlog log, which
//! its sequencer keeps (its first checkpoint covers the genesis); an auditor may check it.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::hash::Hash;

/// Signature type byte of Ed25519 in C2SP signed notes.
const ALG_ED25519: u8 = 0x01;

/// A checkpoint body: the tree head a log signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin (SPEC §5); also the name of the log's key.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 9162 root of the tree of `size` leaves.
    pub root: Hash,
}

/// Why a checkpoint, a note or a verifier key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A key name (= origin) that C2SP signed-note forbids.
    #[error("key name {0:?} is empty or holds a space or '+' (C2SP signed-note)")]
    InvalidKeyName(String),
    /// The verifier key string is not `<name>+<8 hex digits>+<base64(0x01 || 32-byte key)>`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// The key hash in the verifier key string is not the one of its name and key.
    #[error("verifier key hash {got:08x} is not the hash of its name and key ({want:08x})")]
    KeyHashMismatch {
        /// Key hash written in the string.
        got: u32,
        /// Key hash of the name and key.
        want: u32,
    },
    /// The text is not a well-formed signed note.
    #[error("malformed signed note: {0}")]
    MalformedNote(String),
    /// A signature line by the pinned key does not verify.
    #[error("signature by {name}+{key_id:08x} does not verify")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key hash.
        key_id: u32,
    },
    /// No signature line is by the pinned key.
    #[error("note is not signed by {name}+{key_id:08x}")]
    NotSignedByKey {
        /// Key name.
        name: String,
        /// Key hash.
        key_id: u32,
    },
    /// The note text is not `<origin>\n<size>\n<base64 root>\n` plus optional extensions.
    #[error("malformed checkpoint body")]
    MalformedBody,
    /// The body has extension lines, which SPEC §5 rules out.
    #[error("checkpoint has extension lines; pactlog checkpoints have none (SPEC §5)")]
    ExtensionLines,
    /// The checkpoint's origin is not the name of the key it is checked against.
    #[error("checkpoint origin {origin:?} is not the log key's name {key_name:?}")]
    OriginMismatch {
        /// Origin line.
        origin: String,
        /// Name of the pinned key.
        key_name: String,
    },
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(String),
}

impl Checkpoint {
    /// The note text: `<origin>\n<size>\n<base64 root>\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        )
    }

    /// Parses a note text that must be exactly a body with no extension lines. The size must
    /// be decimal without leading zeros and the root canonical base64 of 32 bytes.
    ///
    /// # Errors
    /// [`CheckpointError::MalformedBody`] or [`CheckpointError::ExtensionLines`].
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let parsed = tlog_tiles::Checkpoint::from_bytes(text.as_bytes())
            .map_err(|_| CheckpointError::MalformedBody)?;
        if !parsed.extension().is_empty() {
            return Err(CheckpointError::ExtensionLines);
        }
        Ok(Self {
            origin: parsed.origin().to_owned(),
            size: parsed.size(),
            root: Hash::from(*parsed.hash()),
        })
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body())
    }
}

fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    if signed_note::is_key_name_valid(name) {
        Ok(())
    } else {
        Err(CheckpointError::InvalidKeyName(name.to_owned()))
    }
}

/// The 4-byte key hash of SPEC §5 as a big-endian `u32` (C2SP's "key ID"):
/// the first 4 bytes of `SHA-256(name || "\n" || 0x01 || public key)`.
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([ALG_ED25519]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The verifier key string `<name>+<hex key hash>+<base64(0x01 || public key)>` that
/// `log.genesis` records and auditors pin (SPEC §5).
///
/// # Errors
/// [`CheckpointError::InvalidKeyName`].
pub fn verifier_key(name: &str, key: &VerifyingKey) -> Result<String, CheckpointError> {
    Ok(CheckpointVerifier::new(name, *key)?.to_string())
}

/// The log's checkpoint signing key, bound to its origin.
#[derive(Clone)]
pub struct CheckpointSigner {
    origin: String,
    key_id: u32,
    key: SigningKey,
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret key.
        f.debug_struct("CheckpointSigner")
            .field("origin", &self.origin)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// `signed_note`'s signer interface over our key, used to build the note.
struct NoteSigner<'a>(&'a CheckpointSigner);

impl signed_note::Signer for NoteSigner<'_> {
    fn name(&self) -> &str {
        &self.0.origin
    }

    fn key_id(&self) -> u32 {
        self.0.key_id
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.0.key.try_sign(msg)?.to_bytes().to_vec())
    }
}

impl CheckpointSigner {
    /// Binds `key` to `origin`, which is also the key name.
    ///
    /// # Errors
    /// [`CheckpointError::InvalidKeyName`] when `origin` is empty or holds a space or `+`.
    pub fn new(origin: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(origin)?;
        Ok(Self {
            origin: origin.to_owned(),
            key_id: key_id(origin, &key.verifying_key()),
            key,
        })
    }

    /// The origin (= key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The key hash as a big-endian `u32`.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier for this key.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier {
            name: self.origin.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The verifier key string to record in `log.genesis` and pin.
    pub fn verifier_key(&self) -> String {
        self.verifier().to_string()
    }

    /// Signs the checkpoint of a tree of `size` leaves with root `root`, returning the whole
    /// note text (ending in a newline).
    ///
    /// # Errors
    /// [`CheckpointError::Signing`] if the signature fails.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, CheckpointError> {
        let body = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .body();
        let mut note = signed_note::Note::new(body.as_bytes(), &[])
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        note.add_sigs(&[&NoteSigner(self)])
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|e| CheckpointError::Signing(e.to_string()))
    }

    /// Signs `checkpoint`, whose origin must be this signer's.
    ///
    /// # Errors
    /// [`CheckpointError::OriginMismatch`] or [`CheckpointError::Signing`].
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        if checkpoint.origin != self.origin {
            return Err(CheckpointError::OriginMismatch {
                origin: checkpoint.origin.clone(),
                key_name: self.origin.clone(),
            });
        }
        self.sign(checkpoint.size, checkpoint.root)
    }
}

/// A pinned log key: verifies checkpoint notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

/// `signed_note`'s verifier interface with strict Ed25519 verification.
struct StrictNoteVerifier(CheckpointVerifier);

impl signed_note::Verifier for StrictNoteVerifier {
    fn name(&self) -> &str {
        &self.0.name
    }

    fn key_id(&self) -> u32 {
        self.0.key_id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match Signature::from_slice(sig) {
            Ok(sig) => self.0.key.verify_strict(msg, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

impl CheckpointVerifier {
    /// A verifier for `key` under the key name `name` (the log's origin).
    ///
    /// # Errors
    /// [`CheckpointError::InvalidKeyName`].
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
        })
    }

    /// Parses a verifier key string `<name>+<8 hex digits>+<base64(0x01 || 32-byte key)>`.
    /// The hex may be in either case (Go's `note` package accepts both); the key hash must be
    /// the one of the name and key.
    ///
    /// # Errors
    /// [`CheckpointError::InvalidKeyName`], [`CheckpointError::MalformedVerifierKey`] or
    /// [`CheckpointError::KeyHashMismatch`].
    pub fn parse(verifier_key: &str) -> Result<Self, CheckpointError> {
        let (name, rest) =
            verifier_key
                .split_once('+')
                .ok_or(CheckpointError::MalformedVerifierKey(
                    "no '+' after the name",
                ))?;
        let (hex, key64) = rest
            .split_once('+')
            .ok_or(CheckpointError::MalformedVerifierKey(
                "no '+' after the key hash",
            ))?;
        check_key_name(name)?;
        if hex.len() != 8 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(CheckpointError::MalformedVerifierKey(
                "key hash is not 8 hex digits",
            ));
        }
        let got = u32::from_str_radix(hex, 16)
            .map_err(|_| CheckpointError::MalformedVerifierKey("key hash is not 8 hex digits"))?;
        let key = BASE64
            .decode(key64)
            .map_err(|_| CheckpointError::MalformedVerifierKey("key is not standard base64"))?;
        let Some((&ALG_ED25519, key)) = key.split_first() else {
            return Err(CheckpointError::MalformedVerifierKey(
                "key is not of type 0x01 (Ed25519)",
            ));
        };
        let key: [u8; 32] = key.try_into().map_err(|_| {
            CheckpointError::MalformedVerifierKey("Ed25519 public key is not 32 bytes")
        })?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| {
            CheckpointError::MalformedVerifierKey("Ed25519 public key is not a curve point")
        })?;
        let verifier = Self::new(name, key)?;
        if got != verifier.key_id {
            return Err(CheckpointError::KeyHashMismatch {
                got,
                want: verifier.key_id,
            });
        }
        Ok(verifier)
    }

    /// Key name (= the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key hash as a big-endian `u32`.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Verifies a checkpoint note: it must carry a valid signature by this key (signatures by
    /// other keys, such as witness cosignatures, are ignored), its body must be a checkpoint
    /// without extension lines, and its origin must be this key's name.
    ///
    /// # Errors
    /// [`CheckpointError::MalformedNote`], [`CheckpointError::NotSignedByKey`],
    /// [`CheckpointError::BadSignature`], [`CheckpointError::MalformedBody`],
    /// [`CheckpointError::ExtensionLines`] or [`CheckpointError::OriginMismatch`].
    pub fn verify(&self, note_text: &str) -> Result<Checkpoint, CheckpointError> {
        let note = signed_note::Note::from_bytes(note_text.as_bytes())
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        let known =
            signed_note::VerifierList::new(vec![Box::new(StrictNoteVerifier(self.clone()))]);
        note.verify(&known).map_err(|e| match e {
            signed_note::NoteError::UnverifiedNote => CheckpointError::NotSignedByKey {
                name: self.name.clone(),
                key_id: self.key_id,
            },
            signed_note::NoteError::InvalidSignature { name, id } => {
                CheckpointError::BadSignature { name, key_id: id }
            }
            other => CheckpointError::MalformedNote(other.to_string()),
        })?;
        // The text was checked as UTF-8 by `Note::from_bytes`.
        let body = std::str::from_utf8(note.text())
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        let checkpoint = Checkpoint::parse_body(body)?;
        if checkpoint.origin != self.name {
            return Err(CheckpointError::OriginMismatch {
                origin: checkpoint.origin,
                key_name: self.name.clone(),
            });
        }
        Ok(checkpoint)
    }
}

impl fmt::Display for CheckpointVerifier {
    /// The verifier key string, with the key hash in lowercase hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = Vec::with_capacity(33);
        key.push(ALG_ED25519);
        key.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(key)
        )
    }
}

/// Verifies `note_text` against the pinned verifier key string (SPEC §5) and returns its
/// checkpoint. See [`CheckpointVerifier::verify`].
///
/// # Errors
/// As [`CheckpointVerifier::parse`] and [`CheckpointVerifier::verify`].
pub fn verify_checkpoint(
    note_text: &str,
    verifier_key: &str,
) -> Result<Checkpoint, CheckpointError> {
    CheckpointVerifier::parse(verifier_key)?.verify(note_text)
}
