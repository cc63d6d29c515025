//! What a command's failure looks like to the UI: the core's `ErrorBody`
//! (`{code, message, field, holder_id, details}`), whatever went wrong.

use pelanggan_core::{Error, ErrorBody};
use serde::Serialize;

/// A command's error: always the core's body, so the UI handles one shape.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CmdError(pub ErrorBody);

impl From<Error> for CmdError {
    fn from(e: Error) -> CmdError {
        CmdError(ErrorBody::from(&e))
    }
}

impl CmdError {
    /// A failure of the shell itself (a worker thread that panicked).
    pub fn internal(what: impl std::fmt::Display) -> CmdError {
        Error::Internal(what.to_string()).into()
    }
}

pub type CmdResult<T> = std::result::Result<T, CmdError>;
