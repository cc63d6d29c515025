//! The crate's error: what went wrong talking to a router, sorted by what a
//! caller does about it (retry later, fix the credentials, fix the command).

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum Error {
    /// The router could not be reached or stopped answering (connect
    /// refused, timeout, connection closed): worth retrying later.
    Unreachable(String),
    /// The router refused the user name or password.
    Login(String),
    /// The router refused a command (`!trap`): its message, e.g.
    /// "no such item" or "failure: secret with the same name already exists".
    Trap {
        category: Option<String>,
        message: String,
    },
    /// The router ended the connection with `!fatal`.
    Fatal(String),
    /// Bytes that are not the RouterOS protocol (a wrong port, a broken
    /// length prefix, an HTTP answer that is not JSON).
    Protocol(String),
    /// TLS set-up failed (an unreadable CA file, a certificate refused).
    Tls(String),
}

impl Error {
    /// True when a later retry may succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unreachable(_) | Error::Fatal(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable(m) => write!(f, "router unreachable: {m}"),
            Error::Login(m) => write!(f, "router refused the login: {m}"),
            Error::Trap { message, .. } => write!(f, "router refused the command: {message}"),
            Error::Fatal(m) => write!(f, "router closed the connection: {m}"),
            Error::Protocol(m) => write!(f, "not a RouterOS answer: {m}"),
            Error::Tls(m) => write!(f, "TLS: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        // rustls reports a refused certificate as an io error: say it is TLS.
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(tls) => Error::Tls(tls.to_string()),
            None => Error::Unreachable(e.to_string()),
        }
    }
}
