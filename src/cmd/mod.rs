//! Command-line interface: parsed once by clap's derive (the help comes from these doc
//! comments), then dispatched to one module per command group.

mod keys;
mod sign;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status when a statement, envelope or checkpoint is refused.
pub const EXIT_REJECTED: u8 = 1;
/// Exit status for any other failure (unreadable file, bad arguments).
pub const EXIT_ERROR: u8 = 2;

/// pactlog — a transparency ledger of 结对共建 pairing and co-building agreements.
#[derive(Debug, Parser)]
#[command(name = "pactlog", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage Ed25519 signing keys.
    Key {
        #[command(subcommand)]
        command: keys::KeyCommand,
    },
    /// Sign a statement: canonicalize it (RFC 8785) and print the envelope.
    Sign(sign::SignArgs),
    /// Verify an envelope: canonical bytes, strict signature, statement schema and
    /// personal-data rules. Exit 0 if valid; otherwise print the rejection code and message.
    Verify(sign::VerifyArgs),
    /// Work with signed checkpoints.
    Checkpoint {
        #[command(subcommand)]
        command: keys::CheckpointCommand,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Key { command } => keys::run_key(command),
        Command::Sign(args) => sign::run_sign(args),
        Command::Verify(args) => sign::run_verify(args),
        Command::Checkpoint { command } => keys::run_checkpoint(command),
    }
}

/// Prints a rejection the way every command does: the stable code first, then English and
/// Chinese, then the pointer when there is one.
pub fn print_rejection(rejection: &pactlog_statement::rejection::Rejection) {
    eprintln!("rejected: {}", rejection.code);
    eprintln!("  {}", rejection.detail);
    eprintln!("  {}", rejection.message_zh);
    if let Some(pointer) = &rejection.pointer {
        eprintln!("  pointer: {pointer}");
    }
}
