//! What the app's background threads (the WhatsApp sender, the router
//! worker, the sync, the day's backup) share: when they begin, how they
//! wait, and (`Worker`) how the router worker and the sync are stopped.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pelanggan_core::progress::Cancel;

/// How long after launch the background work begins: the first page is
/// drawn first (at a million customers their first pass took a core from it).
pub const START_AFTER: Duration = Duration::from_secs(3);

/// Sleeps `wait`, waking early once `cancel` is set (the app exits).
pub fn pause(wait: Duration, cancel: &Cancel) {
    let step = Duration::from_millis(200);
    let mut slept = Duration::ZERO;
    while slept < wait && !cancel.is_cancelled() {
        std::thread::sleep(step);
        slept += step;
    }
}

/// A background thread that runs until the app exits: `stop` sets its
/// cancel flag and waits for it (what it is doing is finished first).
pub struct Worker {
    cancel: Arc<Cancel>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `body` on a thread named `name`, `START_AFTER` after launch
    /// (the window is drawn first); `body` returns once its flag is set.
    pub fn spawn(name: &str, body: impl FnOnce(&Cancel) + Send + 'static) -> Worker {
        let cancel = Arc::new(Cancel::new());
        let stop = cancel.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                pause(START_AFTER, &stop);
                body(&stop);
            })
            .ok();
        Worker { cancel, thread }
    }

    pub fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
