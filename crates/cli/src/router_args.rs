//! The command line of routers and isolir (issue 14), as clap structs.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum RouterCmd {
    /// Add a MikroTik router (its password read from standard input, never from the command line)
    Add {
        /// A short name for the router, such as kantor (unique, no spaces)
        name: String,
        /// The router's address: an IP address or a host name
        #[arg(long)]
        host: String,
        /// The API port [default: 8728, 8729 with --tls; REST: 80, 443 with --tls]
        #[arg(long)]
        port: Option<u16>,
        /// The RouterOS user Pelanggan logs in as
        #[arg(long)]
        user: String,
        /// Read the router password from standard input (one line)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// binary (the RouterOS API, 8728) or rest (RouterOS 7's REST API)
        #[arg(long, default_value = "binary")]
        api: String,
        /// Connect with TLS (api-ssl on 8729, or HTTPS for REST); the binary API needs --ca
        #[arg(long)]
        tls: bool,
        /// The router's certificate, or the CA that signed it, as a PEM file (pinned: the only one trusted)
        #[arg(long, value_name = "FILE", requires = "tls")]
        ca: Option<PathBuf>,
    },
    /// The routers, with what the worker last saw and how many commands wait
    List,
    /// Log in and print the RouterOS version and the PPPoE and hotspot profiles
    Test {
        /// The router's name
        name: String,
    },
    /// Remove a router that no live subscription uses
    Remove {
        /// The router's name
        name: String,
    },
    /// Compare the router's users with the subscriptions on it; --apply fixes what Pelanggan owns
    Sync {
        /// The router's name
        name: String,
        /// Queue and send the fixes (never deletes a user Pelanggan did not create)
        #[arg(long)]
        apply: bool,
    },
    /// The worker: send the queued router commands, retrying with back-off (Ctrl-C stops it)
    Run {
        /// Send what is queued once and exit (what a router down leaves stays queued)
        #[arg(long)]
        until_empty: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IsolirCmd {
    /// Apply the suspend and resume rules as of a day and queue what the routers must do
    Check {
        /// YYYY-MM-DD [default: today in the shop's time zone]
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Who is suspended by the rules, since when, and what they owe
    List,
}
