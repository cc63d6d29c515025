//! The app's router worker (issue 14): one thread, started with the app,
//! running the core's worker loop (`routers::worker::run`: the outbox
//! passes, the daily isolir check, back-off while a router is down) on a
//! database connection of its own, so the app's writer is never held while
//! a router answers. `Worker::stop` (on exit) ends the loop between rows.
//!
//! Another worker on the same file (`pelanggan router run`) holds the lock:
//! this one waits and tries again, quietly, as it does after any failure.

use std::path::PathBuf;
use std::time::Duration;

use pelanggan_core::error::Code;
use pelanggan_core::progress::Cancel;
use pelanggan_core::routers::worker;
use pelanggan_core::{Db, Result};
use pelanggan_routeros::provision;

use crate::workers::{self, Worker};

/// How long the loop sleeps when the outbox is empty: short, so what the
/// admin just saved reaches the router within seconds (a pass over an
/// empty outbox is one read).
const IDLE: Duration = Duration::from_secs(3);
/// How long to wait before starting again after the loop failed (the
/// lock held by another worker, the file busy).
const RETRY: Duration = Duration::from_secs(30);

/// Starts the worker on the database at `path`. (Its first pass, the day's
/// isolir check at a million customers, would take a core from the window:
/// `Worker` starts it after the window is drawn.)
pub fn start(path: PathBuf) -> Worker {
    Worker::spawn("router-worker", move |stop| {
        while !stop.is_cancelled() {
            if let Err(e) = run_once(&path, stop) {
                if e.code() != Code::RouterWorkerBusy {
                    eprintln!("pelanggan: the router worker stopped: {e}; trying again");
                }
                workers::pause(RETRY, stop);
            }
        }
    })
}

fn run_once(path: &std::path::Path, stop: &Cancel) -> Result<()> {
    let mut db = Db::open_existing(path)?;
    worker::run(&mut db, None, &mut provision::connect, false, IDLE, &|| {
        stop.is_cancelled()
    })?;
    Ok(())
}
