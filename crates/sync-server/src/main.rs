//! `pelanggan-sync-server`: parse, run one command, report.

use std::process::ExitCode;

use clap::Parser;
use pelanggan_sync_server::{cli::Cli, commands, logging};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
