//! The app's periodic sync (issue 15): one thread, started with the app,
//! running a round every few minutes while the database is paired, on a
//! connection of its own. It stays quiet: a server that does not answer is
//! noted in the sync status (the app shows "offline") and tried again at
//! the next turn, never a dialog while the admin types.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pelanggan_core::Db;
use pelanggan_core::progress::Cancel;

use crate::workers;

/// Between two rounds.
const EVERY: Duration = Duration::from_secs(5 * 60);

pub struct SyncWorker {
    cancel: Arc<Cancel>,
    thread: Option<JoinHandle<()>>,
}

impl SyncWorker {
    pub fn start(path: PathBuf) -> SyncWorker {
        let cancel = Arc::new(Cancel::new());
        let stop = cancel.clone();
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                workers::pause(workers::START_AFTER, &stop);
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
                    workers::pause(EVERY, &stop);
                }
            })
            .ok();
        SyncWorker { cancel, thread }
    }

    /// Ends the loop (a round in flight is finished first) and waits for it.
    pub fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
