//! pelanggan-core: every business rule of Pelanggan and all of its SQL.
//!
//! Architecture invariant: this crate knows nothing of tauri, clap or axum.
//! The CLI, the desktop shell and the sync server are adapters that parse
//! input, call one function here and present the result.
//!
//! Reads take a `Reader` (`Db::reader`, `ReadConn`, `Readers`: a connection
//! with the shop's region and zone, handed by value); writes run inside `Db::write`,
//! whose `Write` handle records the change log and the activity log in the
//! same transaction as the change itself.

pub mod activity;
pub mod admins;
pub mod analytics;
pub mod backup;
pub mod balance;
pub mod billing;
#[cfg(feature = "ts")]
pub mod bindings;
pub(crate) mod bulk;
mod caches;
pub mod contacts;
pub mod customer_merge;
pub mod customers;
pub mod days;
pub mod db;
pub mod error;
pub mod export;
mod file_copy;
mod filters;
#[cfg(feature = "gen")]
#[cfg(feature = "gen")]
pub mod generate;
pub mod hlc;
pub mod import;
pub mod iso;
pub mod ledger;
pub mod money;
mod names;
// WhatsApp notifications (issue 13).
pub mod notify;
pub mod outfile;
pub mod page;
pub mod paths;
pub mod phone;
pub mod printer_address;
pub mod privacy;
pub mod progress;
pub mod receipt;
// Routers (issue 14): MikroTik provisioning and isolir.
pub mod routers;
pub mod search;
pub mod session;
pub mod settings;
pub mod stats;
pub mod sync;
pub mod tags;
pub mod validate;
pub mod warning;
pub mod wire;
pub mod worker_lock;

pub use db::{Db, Reader, Write};
pub use error::{Error, ErrorBody, Result};
pub use money::Money;
pub use names::NameError;
pub use session::{PooledReader, ReadConn, Readers};
pub use warning::{Warned, Warning};
