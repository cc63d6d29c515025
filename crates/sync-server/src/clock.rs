//! The server's wall clock, in the protocol's unit (Unix milliseconds).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        // A clock before 1970 is a broken clock; 0 makes every code expired
        // and every change "ahead", which refuses rather than accepts.
        .unwrap_or(0)
}
