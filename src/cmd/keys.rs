//! `pactlog key …` and `pactlog checkpoint verify`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use ed25519_dalek::SigningKey;
use pactlog_sequencer::keyfile;
use pactlog_statement::signature::encode_public_key;

/// File name of a private signing key inside a key directory.
pub const SIGNING_KEY_FILE: &str = "signing.key";
/// File name of the matching public key.
pub const PUBLIC_KEY_FILE: &str = "public.key";

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 key pair into DIR: `signing.key` (mode 0600, base64 seed) and
    /// `public.key`; print the public key (base64, as statements carry it).
    Generate {
        /// Directory to write the key files into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Verify a signed checkpoint against the log's pinned verifier key.
    Verify {
        /// The verifier key string `<origin>+<hex key hash>+<base64 key>` (SPEC §5).
        #[arg(long)]
        key: String,
        /// The checkpoint file (a C2SP signed note).
        file: PathBuf,
    },
}

pub fn run_key(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Generate { out } => {
            let key = generate_key_files(&out)?;
            println!("{}", encode_public_key(&key.verifying_key()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run_checkpoint(command: CheckpointCommand) -> anyhow::Result<ExitCode> {
    match command {
        CheckpointCommand::Verify { key, file } => {
            let note =
                fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            match pactlog_merkle::checkpoint::verify_checkpoint(&note, &key) {
                Ok(checkpoint) => {
                    println!(
                        "ok: {} size {} root {}",
                        checkpoint.origin,
                        checkpoint.size,
                        checkpoint.root.to_base64()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("rejected: checkpoint");
                    eprintln!("  {error}");
                    eprintln!("  检查点验证失败：{error}");
                    Ok(ExitCode::from(super::EXIT_REJECTED))
                }
            }
        }
    }
}

/// Creates `dir` if needed and writes a fresh key pair into it, refusing to overwrite an
/// existing key: a lost private key cannot be recovered, an overwritten one even less.
pub fn generate_key_files(dir: &Path) -> anyhow::Result<SigningKey> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = keyfile::generate_key_file(&dir.join(SIGNING_KEY_FILE))?;
    fs::write(
        dir.join(PUBLIC_KEY_FILE),
        format!("{}\n", encode_public_key(&key.verifying_key())),
    )
    .with_context(|| format!("writing {}", dir.join(PUBLIC_KEY_FILE).display()))?;
    Ok(key)
}

/// Reads a private signing key written by `pactlog key generate` or `pactlog init`.
pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    Ok(keyfile::read_key(path)?)
}
