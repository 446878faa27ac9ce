//! `pactlog`: the command line and server wiring. Glue only — every rule lives in the
//! library crates (see ARCHITECTURE.md).

mod cmd;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's malloc: the sequencer and the HTTP workers allocate on many
/// threads, where glibc's arenas spent measurable time growing themselves (see
/// benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
