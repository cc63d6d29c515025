//! What the app's background threads (the WhatsApp sender, the router
//! worker, the day's backup) share: when they begin and how they wait.

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
