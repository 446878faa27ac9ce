//! Command-line interface: parsed once by clap's derive (the help comes from these doc
//! comments), then dispatched to one module per command group.

mod keys;
mod ledger;
mod serve;
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
    /// Print the latest signed checkpoint of a ledger (`--dir`), or verify one (`verify`).
    #[command(args_conflicts_with_subcommands = true)]
    Checkpoint {
        /// The data directory whose latest checkpoint to print.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        #[command(subcommand)]
        command: Option<keys::CheckpointCommand>,
    },
    /// Create a new ledger: root authority and its key, checkpoint key, the signed
    /// `log.genesis` at seq 0 and the first checkpoint. Prints the verifier key to pin.
    Init(ledger::InitArgs),
    /// Submit envelopes to a ledger, with the same checks the server makes; prints each
    /// entry's seq once it is durable and under a signed checkpoint.
    Submit(ledger::SubmitArgs),
    /// Work with the whole log.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Print entries as NDJSON, each line exactly an entry's leaf data (as `GET /v1/entries`).
    Entries(ledger::EntriesArgs),
    /// Serve the HTTP interface (SPEC §7, §8) until SIGTERM or SIGINT; prints
    /// `listening on http://ADDR` once it accepts connections.
    Serve(serve::ServeArgs),
    /// Submit generated statements under load (for crash tests and benchmarks).
    #[command(hide = true)]
    Load(ledger::LoadArgs),
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Replay the log: every signature, every rule, and the tree root against the latest
    /// checkpoint signed by the key the genesis pins.
    Verify {
        /// The data directory.
        #[arg(long)]
        dir: std::path::PathBuf,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Key { command } => keys::run_key(command),
        Command::Sign(args) => sign::run_sign(args),
        Command::Verify(args) => sign::run_verify(args),
        Command::Checkpoint {
            command: Some(command),
            ..
        } => keys::run_checkpoint(command),
        Command::Checkpoint {
            dir: Some(dir),
            command: None,
        } => ledger::run_checkpoint_show(&dir),
        Command::Checkpoint {
            dir: None,
            command: None,
        } => {
            anyhow::bail!("give --dir DATA to print a ledger's checkpoint, or `checkpoint verify`")
        }
        Command::Init(args) => ledger::run_init(args),
        Command::Submit(args) => ledger::run_submit(args),
        Command::Log {
            command: LogCommand::Verify { dir },
        } => ledger::run_log_verify(&dir),
        Command::Entries(args) => ledger::run_entries(args),
        Command::Load(args) => ledger::run_load(args),
        Command::Serve(args) => serve::run_serve(args),
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
