//! `pactlog serve`: the HTTP interface (SPEC §7, §8) over a ledger on the embedded store.
//!
//! Standard output carries one line, `listening on http://ADDR`, printed (and flushed) once
//! the server accepts connections, so a caller that asked for port 0 learns the real port.
//! Everything else (a ledger created on the way, a recovered torn tail, shutdown) goes to
//! standard error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use pactlog_sequencer::{InitOptions, Ledger, SystemClock};

/// What a ledger created by `serve --origin` gets besides its origin: `pactlog init`'s
/// defaults (see `pactlog init --help`).
const INIT_MAX_SKEW_S: u64 = 300;
const INIT_AUTHORITY_ORG: &str = "root.authority";
const INIT_AUTHORITY_NAME: &str = "中共中央和国家机关工作委员会";
const INIT_AUTHORITY_REGION: &str = "000000";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The data directory.
    #[arg(long)]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Create the ledger first, with this origin and `pactlog init`'s defaults, if the data
    /// directory does not exist yet.
    #[arg(long)]
    origin: Option<String>,
}

pub fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(origin) = &args.origin {
        if !args.dir.exists() {
            let report = Ledger::init(
                &args.dir,
                &InitOptions {
                    origin: origin.clone(),
                    max_skew_s: INIT_MAX_SKEW_S,
                    authority_org: INIT_AUTHORITY_ORG.into(),
                    authority_name: INIT_AUTHORITY_NAME.into(),
                    authority_region: INIT_AUTHORITY_REGION.into(),
                },
                &SystemClock,
            )
            .with_context(|| format!("initializing a ledger in {}", args.dir.display()))?;
            eprintln!("created ledger in {}", args.dir.display());
            eprintln!(
                "root authority key: {}",
                report.authority_key_file.display()
            );
            eprintln!("checkpoint verifier key (pin this / 审计方请固定此公钥):");
            eprintln!("{}", report.verifier_key);
        }
    }
    let (ledger, report) = Ledger::open(&args.dir, Arc::new(SystemClock))
        .with_context(|| format!("opening {}", args.dir.display()))?;
    super::ledger::report_recovery(&report.recovery);
    if report.newly_checkpointed > 0 {
        eprintln!(
            "recovered: {} entries durable but not yet checkpointed are now under a checkpoint",
            report.newly_checkpointed
        );
    }
    eprintln!(
        "ledger {}: {} entries, verifier key {}",
        ledger.view().origin(),
        report.entries,
        ledger.view().verifier_key()
    );
    let listener = std::net::TcpListener::bind(&args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    let server = pactlog_http::Server::new(ledger, Arc::new(SystemClock))?;
    let ledger = server.run(listener, |address| {
        println!("listening on http://{address}");
        let _ = std::io::stdout().flush();
    })?;
    // Queued submissions are decided, made durable and answered; then the writer stops.
    ledger.shutdown();
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}
