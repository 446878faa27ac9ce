//! Private key files: one base64 Ed25519 seed per file, mode 0600, never overwritten.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::SigningKey;

/// Why a key file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot create key file {path} (refusing to overwrite an existing key): {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is not base64 of a 32-byte Ed25519 seed")]
    Format { path: PathBuf },
}

/// Writes a fresh key to a new file readable by its owner only (mode 0600), synced.
pub fn write_new_key(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let create = |source| KeyFileError::Create {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(create)?;
    writeln!(file, "{}", STANDARD.encode(key.to_bytes())).map_err(create)?;
    file.sync_all().map_err(create)
}

/// Generates a key with the operating system's randomness and writes it.
pub fn generate_key_file(path: &Path) -> Result<SigningKey, KeyFileError> {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    write_new_key(path, &key)?;
    Ok(key)
}

/// Reads a key written by [`write_new_key`].
pub fn read_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = fs::read_to_string(path).map_err(|source| KeyFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let format = || KeyFileError::Format {
        path: path.to_path_buf(),
    };
    let seed = STANDARD.decode(text.trim()).map_err(|_| format())?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| format())?;
    Ok(SigningKey::from_bytes(&seed))
}
