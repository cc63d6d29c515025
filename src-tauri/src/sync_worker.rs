//! The app's periodic sync (issue 15): one thread, started with the app,
//! running a round every few minutes while the database is paired, on a
//! connection of its own. It stays quiet: a server that does not answer is
//! noted in the sync status (the app shows "offline") and tried again at
//! the next turn, never a dialog while the admin types.

use std::path::PathBuf;
use std::time::Duration;

use pelanggan_core::Db;

use crate::workers::{self, Worker};

/// Between two rounds.
const EVERY: Duration = Duration::from_secs(5 * 60);

pub fn start(path: PathBuf) -> Worker {
    Worker::spawn("sync", move |stop| {
        while !stop.is_cancelled() {
            // Not paired, offline, refused: all in the status, none fatal.
            if let Ok(mut db) = Db::open_existing(&path) {
                let paired = db
                    .reader()
                    .and_then(pelanggan_core::sync::state::pairing)
                    .is_ok_and(|p| p.is_some());
                if paired {
                    let _ = pelanggan_sync_client::run(&mut db, None);
                }
            }
            workers::pause(EVERY, stop);
        }
    })
}
