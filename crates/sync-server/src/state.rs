//! What every handler gets: the storage and the request limits.

use std::time::Duration;

/// The server's limits, from `serve`'s flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body, in bytes (413 above it).
    pub max_body: usize,
    /// How long a request body may take to arrive (408 after it).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 16 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState<S> {
    pub storage: S,
    pub limits: Limits,
}
