//! How long operations (import, export, backup, and later sync and bulk
//! notifications) report progress and learn that they should stop.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// Where a long operation stands: `done` of `total` units of work (bytes of
/// the file for an import, rows for an export, pages for a backup), and how
/// many rows it has handled so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub rows: u64,
    pub done: u64,
    pub total: u64,
}

/// Set from another thread (a Ctrl-C handler, the app's Cancel button) to
/// stop a long operation; it then returns `Error::Cancelled` having undone its work.
#[derive(Debug, Default)]
pub struct Cancel(AtomicBool);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: for `?` in a loop.
    pub fn check(&self) -> crate::Result<()> {
        if self.is_cancelled() {
            return Err(crate::Error::Cancelled);
        }
        Ok(())
    }
}
