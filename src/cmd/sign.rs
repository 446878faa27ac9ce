//! `pactlog sign` and `pactlog verify`.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use pactlog_statement::envelope::Envelope;

use super::keys::read_signing_key;

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The private key file (`signing.key` from `pactlog key generate`).
    #[arg(long)]
    key: PathBuf,
    /// The statement (JSON with members log, type, author, time, body); any formatting —
    /// it is canonicalized before signing.
    statement: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also require the statement to belong to this log (SPEC §4.2 check 5).
    #[arg(long)]
    origin: Option<String>,
    /// The envelope file.
    envelope: PathBuf,
}

pub fn run_sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let key = read_signing_key(&args.key)?;
    let text = fs::read(&args.statement)
        .with_context(|| format!("reading {}", args.statement.display()))?;
    let statement: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not JSON", args.statement.display()))?;
    match Envelope::sign(&statement, &key) {
        Ok(envelope) => {
            println!("{}", envelope.to_canonical_json());
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            super::print_rejection(&rejection);
            Ok(ExitCode::from(super::EXIT_REJECTED))
        }
    }
}

pub fn run_verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let body =
        fs::read(&args.envelope).with_context(|| format!("reading {}", args.envelope.display()))?;
    let verdict = Envelope::parse(&body).and_then(|envelope| {
        if let Some(origin) = &args.origin {
            envelope.check_log(origin)?;
        }
        envelope.statement()?;
        Ok(envelope)
    });
    match verdict {
        Ok(envelope) => {
            println!(
                "ok: statement {} signed by {}",
                envelope.id(),
                envelope.signer_base64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            super::print_rejection(&rejection);
            Ok(ExitCode::from(super::EXIT_REJECTED))
        }
    }
}
