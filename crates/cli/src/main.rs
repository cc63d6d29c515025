//! `pelanggan`: the core from a terminal. This crate only parses arguments,
//! calls one core function per command and prints the result (a readable
//! table, or one JSON document with `--json`). No business rule lives here.

mod args;
mod commands;
#[cfg(test)]
mod help_tests;
mod list_args;
mod notify_args;
mod output;
mod progress;
mod router_args;
mod sync_args;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    // Known before clap runs, so that usage errors honour --json too.
    let json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::usage_error(e, json),
    };
    // Needs no database: printed before one is opened.
    if let Command::Completions { shell } = cli.command {
        return output::completions(shell);
    }
    match commands::run(&cli) {
        Ok(out) => output::print(out.as_ref(), cli.global.json),
        Err(e) => output::error(&e, cli.global.json),
    }
}
