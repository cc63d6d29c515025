//! The command line of sync (issue 15), as clap structs.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Join a shop's sync server with the one-time code its owner made (`pelanggan-sync-server invite`)
    Pair {
        /// The server's address, such as https://sync.toko.example:8443
        url: String,
        /// The pairing code (valid 15 minutes, once)
        code: String,
        /// A PEM certificate file the server's certificate is checked against (a self-signed server)
        #[arg(long, value_name = "FILE")]
        ca: Option<String>,
        /// How the other devices see this one [default: the computer's name]
        #[arg(long)]
        name: Option<String>,
    },
    /// Push this device's changes and pull everyone else's, now
    Now,
    /// The pairing, the last sync, what waits to be pushed
    Status,
    /// The shop's devices, as the server knows them
    Devices,
    /// Revoke a device: its token stops working at once (its data stays)
    Revoke {
        /// The device id (`sync devices` lists them)
        device: String,
    },
}
