//! What the core needs from the network to sync: the server's status, a
//! push, a pull. The `pelanggan-sync-client` crate implements it over HTTPS;
//! the core decides what to send and what an answer means.

use crate::error::{Code, Error};
use pelanggan_sync_protocol::{
    PullResponse, PushRequest, PushResponse, RotateResponse, Seq, StatusResponse,
};
use uuid::Uuid;

/// Why a request to the sync server did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: offline, refused, timed out, cut off. Retried next round.
    Unreachable(String),
    /// The server answered with an error: its stable code and message.
    Refused { code: String, message: String },
    /// The certificate file to pin (`--ca`) cannot be read or is not PEM:
    /// this desk's input, not the server's answer.
    Certificate(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "the sync server did not answer: {why}"),
            Failure::Refused { code, message } => {
                write!(f, "the sync server refused ({code}): {message}")
            }
            Failure::Certificate(why) => f.write_str(why),
        }
    }
}

/// `sync_unreachable` (try again later), `sync_refused` (the server's code
/// in the message), or `validation` of the `ca` file.
impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        match f {
            Failure::Unreachable(_) => Error::refused(Code::SyncUnreachable, f),
            Failure::Refused { .. } => Error::refused(Code::SyncRefused, f),
            Failure::Certificate(message) => Error::Validation {
                field: "ca",
                message,
            },
        }
    }
}

pub trait Transport {
    fn status(&mut self) -> Result<StatusResponse, Failure>;
    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, Failure>;
    /// `snapshot`: reading the compacted log from its start after a
    /// `behind_horizon` answer (pages below the horizon are then served).
    fn pull(&mut self, after: Seq, limit: u32, snapshot: bool) -> Result<PullResponse, Failure>;
    /// `POST /v1/device/rotate` to `device_id` (a desk restored from a
    /// backup); on success the transport speaks with the new token from
    /// then on. A transport that cannot (a test's) refuses.
    fn rotate(&mut self, device_id: Uuid) -> Result<RotateResponse, Failure> {
        let _ = device_id;
        Err(Failure::Refused {
            code: "not_found".to_owned(),
            message: "this transport cannot rotate a device".to_owned(),
        })
    }
}
