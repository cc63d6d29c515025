//! The app's router worker (issue 14): one thread, started with the app,
//! running the core's worker loop (`routers::worker::run`: the outbox
//! passes, the daily isolir check, back-off while a router is down) on a
//! database connection of its own, so the app's writer is never held while
//! a router answers. `stop` (on exit) ends the loop between rows.
//!
//! Another worker on the same file (`pelanggan router run`) holds the lock:
//! this one waits and tries again, quietly, as it does after any failure.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pelanggan_core::error::Code;
use pelanggan_core::progress::Cancel;
use pelanggan_core::routers::worker;
use pelanggan_core::{Db, Result};
use pelanggan_routeros::provision;

use crate::workers;

/// How long the loop sleeps when the outbox is empty: short, so what the
/// admin just saved reaches the router within seconds (a pass over an
/// empty outbox is one read).
const IDLE: Duration = Duration::from_secs(3);
/// How long to wait before starting again after the loop failed (the
/// lock held by another worker, the file busy).
const RETRY: Duration = Duration::from_secs(30);

pub struct RouterWorker {
    cancel: Arc<Cancel>,
    thread: Option<JoinHandle<()>>,
}

impl RouterWorker {
    /// Starts the worker on the database at `path`.
    pub fn start(path: PathBuf) -> RouterWorker {
        let cancel = Arc::new(Cancel::new());
        let stop = cancel.clone();
        let thread = std::thread::Builder::new()
            .name("router-worker".into())
            .spawn(move || {
                // The window first: the worker's first pass (the day's isolir
                // check at a million customers) would take a core from it.
                workers::pause(workers::START_AFTER, &stop);
                while !stop.is_cancelled() {
                    if let Err(e) = run_once(&path, &stop) {
                        if e.code() != Code::RouterWorkerBusy {
                            eprintln!("pelanggan: the router worker stopped: {e}; trying again");
                        }
                        workers::pause(RETRY, &stop);
                    }
                }
            })
            .ok();
        RouterWorker { cancel, thread }
    }

    /// Ends the loop (a row in flight is finished first) and waits for it.
    pub fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run_once(path: &std::path::Path, stop: &Cancel) -> Result<()> {
    let mut db = Db::open_existing(path)?;
    worker::run(&mut db, None, &mut provision::connect, false, IDLE, &|| {
        stop.is_cancelled()
    })?;
    Ok(())
}
