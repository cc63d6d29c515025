//! The command line: clap structs that only parse. Every option can also come
//! from its environment variable or from the `--config` TOML file
//! (`config.rs` merges them: flag, then environment, then file, then default).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "pelanggan-sync-server",
    version,
    about = "The central sync server of Pelanggan: pairs a shop's devices and relays their changes.",
    after_help = "Every option can also be set by its environment variable (shown with each \
option) or in the TOML file given by --config, with the option's long name in snake case \
(database, listen, tls_cert, tls_key, insecure_http, max_body, body_timeout_secs). A flag \
wins over its environment variable, which wins over the file.\n\n\
--database takes a file path or sqlite://PATH (an embedded SQLite file, created on first \
use) or postgres://USER:PASSWORD@HOST:PORT/DB (PostgreSQL)."
)]
pub struct Cli {
    /// A TOML file of defaults for the options (keys: database, listen, tls_cert, tls_key,
    /// insecure_http, max_body, body_timeout_secs).
    #[arg(
        long,
        env = "PELANGGAN_SYNC_CONFIG",
        global = true,
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sync API (HTTPS unless --insecure-http).
    Serve(ServeArgs),
    /// Print a one-time pairing code for a shop, valid 15 minutes (the shop is created on
    /// its first invite).
    Invite(InviteArgs),
    /// List the paired devices (of one shop, or of all).
    Devices(DevicesArgs),
    /// Revoke a device: its token stops working at once; its changes stay.
    Revoke(RevokeArgs),
    /// Drop the updates a later update of the same field superseded, and move the shop's
    /// horizon to its newest change (devices behind it pull from 0).
    Compact(CompactArgs),
}

#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Where the data is: a file path or sqlite://PATH, or postgres://...
    #[arg(long, env = "PELANGGAN_SYNC_DATABASE", value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The address and port to listen on [default: 127.0.0.1:8443]; port 0 picks a free one
    /// (printed at start).
    #[arg(long, env = "PELANGGAN_SYNC_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// The TLS certificate chain (PEM).
    #[arg(long, env = "PELANGGAN_SYNC_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, env = "PELANGGAN_SYNC_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP: only behind a proxy that terminates TLS, or on a trusted network
    /// (tokens cross the wire in the clear otherwise).
    #[arg(long, env = "PELANGGAN_SYNC_INSECURE_HTTP")]
    pub insecure_http: bool,
    /// The largest request body in bytes [default: 16777216]; larger ones get 413.
    #[arg(long, env = "PELANGGAN_SYNC_MAX_BODY", value_name = "BYTES")]
    pub max_body: Option<usize>,
    /// Seconds a request body may take to arrive [default: 30]; slower ones get 408.
    #[arg(long, env = "PELANGGAN_SYNC_BODY_TIMEOUT_SECS", value_name = "SECS")]
    pub body_timeout_secs: Option<u64>,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The shop's name (its devices see only each other).
    #[arg(long, env = "PELANGGAN_SYNC_SHOP", value_name = "NAME")]
    pub shop: String,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// Only this shop's devices.
    #[arg(long, env = "PELANGGAN_SYNC_SHOP", value_name = "NAME")]
    pub shop: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The device's id (a UUID, as `devices` lists it).
    #[arg(value_name = "DEVICE")]
    pub device: Uuid,
    /// Only in this shop (by default in every shop the device is paired with).
    #[arg(long, env = "PELANGGAN_SYNC_SHOP", value_name = "NAME")]
    pub shop: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompactArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The shop to compact.
    #[arg(long, env = "PELANGGAN_SYNC_SHOP", value_name = "NAME")]
    pub shop: String,
}
