//! `pactlog`: the command line and server wiring. Glue only — every rule lives in the
//! library crates (see ARCHITECTURE.md).

mod cmd;

use std::process::ExitCode;

use clap::Parser;

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
