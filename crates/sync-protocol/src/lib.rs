//! The sync protocol between a Pelanggan device and the sync server: the
//! request and response bodies, their constants and the error codes.
//!
//! Owns: the wire format (JSON through serde) and the numbers both sides must
//! agree on (`PROTOCOL`, the accepted schema range, the batch and page limits,
//! the clock tolerance). Must not know: HTTP clients or servers, storage, or
//! what a change's `value` means (it is JSON text the server never reads).
//! API boundary: every type and constant here; the server and the device's
//! sync code both depend on this crate and on nothing of each other.
//!
//! The endpoints (all JSON; every one but `pair` and `health` needs
//! `Authorization: Bearer TOKEN`):
//!
//! | method and path | request | response |
//! |---|---|---|
//! | `GET /v1/health` | | [`HealthResponse`] |
//! | `POST /v1/pair` | [`PairRequest`] | [`PairResponse`] |
//! | `POST /v1/push` | [`PushRequest`] | [`PushResponse`] |
//! | `GET /v1/pull?after=SEQ&limit=N` | | [`PullResponse`] |
//! | `GET /v1/status` | | [`StatusResponse`] |
//! | `GET /v1/devices` | | [`DevicesResponse`] |
//! | `POST /v1/devices/{device_id}/revoke` | | [`DeviceInfo`] |
//! | `POST /v1/device/rotate` | [`RotateRequest`] | [`RotateResponse`] |
//!
//! Every non-2xx answer has an [`ErrorBody`] whose `code` is one of
//! [`ErrorCode`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The protocol version this build speaks. A push with another one is refused
/// with `please_update`.
pub const PROTOCOL: u32 = 1;

/// The oldest change schema the server accepts.
pub const SCHEMA_MIN: u32 = 1;
/// The newest change schema the server accepts (the desktop database's schema
/// version; a core test fails when a migration outgrows it). Schema changes
/// are additive: a change written at an
/// older schema is still valid at a newer one, so the server accepts the whole
/// range and a device newer than the server is told to wait for its update.
pub const SCHEMA_MAX: u32 = 20;

/// The most changes one push may carry.
pub const MAX_BATCH: usize = 5000;
/// The page size of a pull without `limit`.
pub const PULL_LIMIT_DEFAULT: u32 = 1000;
/// The largest `limit` a pull honours (a larger one is lowered to it).
pub const PULL_LIMIT_MAX: u32 = 5000;
/// How far a change's clock may run ahead of the server's wall clock.
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;
/// Bits of an [`Hlc`] below its Unix milliseconds.
pub const HLC_COUNTER_BITS: u32 = 16;

/// Writes an `i64` as a decimal string and reads it back: hybrid-clock values
/// and sequence numbers exceed 2^53, which JavaScript numbers cannot hold.
macro_rules! string_i64 {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "expected a decimal integer in a string, got {text:?}"
                    ))
                })
            }
        }
    };
}

string_i64!(
    /// A device's hybrid logical clock value: Unix milliseconds << 16 plus a
    /// counter. With the device id it identifies a change.
    Hlc
);

impl Hlc {
    /// The Unix milliseconds the value carries.
    pub const fn millis(self) -> i64 {
        self.0 >> HLC_COUNTER_BITS
    }
}

string_i64!(
    /// A position in a shop's change log on the server. Seqs start at 1 and
    /// have no gaps; `0` is "before everything".
    Seq
);

/// What a change did to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Insert,
    Update,
    Delete,
    Restore,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Insert, Op::Update, Op::Delete, Op::Restore];

    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::Restore => "restore",
        }
    }
}

impl FromStr for Op {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Op::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or_else(|| format!("unknown op {s:?}"))
    }
}

/// One row of a device's change log. Identified by `(device, hlc)`: pushing
/// the same pair twice stores it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub device: Uuid,
    pub hlc: Hlc,
    pub entity: String,
    pub entity_id: String,
    pub op: Op,
    #[serde(default)]
    pub field: Option<String>,
    /// JSON text, opaque to the server.
    #[serde(default)]
    pub value: Option<String>,
    /// The device's database schema version when it wrote the change.
    pub schema: u32,
}

/// `POST /v1/pair`: a device joins a shop with a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRequest {
    pub code: String,
    pub device_id: Uuid,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    pub shop: String,
    /// The device's bearer token; the server keeps only its hash, so it is
    /// shown this once.
    pub token: String,
    pub server_time_ms: i64,
}

/// `POST /v1/device/rotate`, with the token of the device being replaced: a
/// desk restored from an old backup takes a new device id (`device_id`), so
/// that none of its new changes reuses an id and clock the old device may
/// already have used after the backup. The server records the new device in
/// the same shop, marks the old one `replaced_by` it (its token stops
/// working) and returns the new device's token. From then on the new device
/// may push changes whose `device` is itself or any device it replaced (the
/// restored desk re-pushes its old-id changes; those the server holds count
/// as duplicates). A retry with the old token, for the same new id, before
/// the new token was ever used, gets a fresh token for it (the first answer
/// may have been lost); any other use of the old token is `unauthorized`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateRequest {
    pub device_id: Uuid,
    /// Checked as at pairing; the new device keeps the name of the one it
    /// replaces (the same desk, put back), as the shop's owner knows it.
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateResponse {
    pub shop: String,
    /// The new device.
    pub device_id: Uuid,
    /// The device it replaced.
    pub replaced: Uuid,
    /// The new device's bearer token, shown this once.
    pub token: String,
    pub server_time_ms: i64,
}

/// `POST /v1/push`: a batch of the pushing device's own changes (its own id,
/// or the id of a device it replaced: see [`RotateRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    /// Chosen by the device per batch; a retry of the same batch reuses it and
    /// gets the first answer back.
    pub batch_id: Uuid,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Changes stored by this batch.
    pub accepted: u32,
    /// Changes the server already held (same device and hlc).
    pub duplicates: u32,
    /// The shop's newest seq once the batch was stored. Not a pull cursor:
    /// other devices' changes below it may not have been pulled yet.
    pub cursor: Seq,
}

/// A change as pulled, with its place in the shop's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pulled {
    pub seq: Seq,
    pub change: Change,
}

/// `GET /v1/pull?after=SEQ&limit=N`: the other devices' changes with
/// `seq > after`, in seq order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Pulled>,
    /// The `after` of the next pull: past every change read, including the
    /// device's own, which are skipped.
    pub next: Seq,
    /// More changes follow `next`.
    pub more: bool,
    /// The shop's compaction horizon: a pull with `0 < after < horizon` is
    /// refused with `behind_horizon`, and the device pulls from 0.
    pub horizon: Seq,
}

/// `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub shop: String,
    pub device_id: Uuid,
    /// The shop's newest seq.
    pub cursor: Seq,
    pub horizon: Seq,
    /// The newest hlc the server holds from this device.
    pub last_pushed_hlc: Option<Hlc>,
    pub server_time_ms: i64,
    pub schema_min: u32,
    pub schema_max: u32,
    pub protocol: u32,
}

/// A device of the shop. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_id: Uuid,
    pub name: String,
    pub paired_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
    pub last_pushed_hlc: Option<Hlc>,
    /// The device that took this one's place (`POST /v1/device/rotate`):
    /// this one's token no longer works.
    #[serde(default)]
    pub replaced_by: Option<Uuid>,
}

/// `GET /v1/devices`: the shop's devices, oldest pairing first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub devices: Vec<DeviceInfo>,
}

/// `GET /v1/health`, without authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// Always `"ok"`.
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// The body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// A sentence for people; clients branch on `code` only.
    pub message: String,
}

/// The stable error codes and the HTTP status each comes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: a missing, unknown or revoked token.
    Unauthorized,
    /// 401: a pairing code that is unknown, used or expired.
    InvalidCode,
    /// 426: the protocol, or a change's schema, is outside what this server accepts.
    PleaseUpdate,
    /// 409: a change's clock is more than [`MAX_CLOCK_AHEAD_MS`] ahead of the
    /// server's; the whole batch is refused.
    ClockAhead,
    /// 403: a pushed change names another device (one the pushing device
    /// did not replace).
    ForeignChange,
    /// 409: the new device id of a rotation is already a device of the shop.
    DeviceExists,
    /// 410: `after` is below the shop's compaction horizon; pull from 0.
    BehindHorizon,
    /// 413: the body is larger than the server accepts.
    BodyTooLarge,
    /// 400 (not JSON) or 422 (JSON with wrong or invalid fields).
    Malformed,
    /// 408: the body was not received in time.
    Timeout,
    /// 404: no such route, or no such device in the shop.
    NotFound,
    /// 405: the route exists with another method.
    MethodNotAllowed,
    /// 503: storage failed (disk full, database down); nothing that was not
    /// stored was acknowledged.
    Storage,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCode => "invalid_code",
            ErrorCode::PleaseUpdate => "please_update",
            ErrorCode::ClockAhead => "clock_ahead",
            ErrorCode::ForeignChange => "foreign_change",
            ErrorCode::DeviceExists => "device_exists",
            ErrorCode::BehindHorizon => "behind_horizon",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::Malformed => "malformed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Storage => "storage",
        }
    }

    /// The HTTP status of the code (`Malformed` is 422 here: the server
    /// answers 400 for a body that is not JSON at all).
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized | ErrorCode::InvalidCode => 401,
            ErrorCode::PleaseUpdate => 426,
            ErrorCode::ClockAhead | ErrorCode::DeviceExists => 409,
            ErrorCode::ForeignChange => 403,
            ErrorCode::BehindHorizon => 410,
            ErrorCode::BodyTooLarge => 413,
            ErrorCode::Malformed => 422,
            ErrorCode::Timeout => 408,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Storage => 503,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_and_seq_are_decimal_strings_beyond_2_pow_53() {
        let big = (1_780_000_000_000_i64 << 16) + 7;
        let json = serde_json::to_string(&Hlc(big)).unwrap();
        assert_eq!(json, format!("\"{big}\""));
        assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), Hlc(big));
        assert_eq!(Hlc(big).millis(), 1_780_000_000_000);
        assert_eq!(serde_json::to_string(&Seq(3)).unwrap(), "\"3\"");
        assert!(
            serde_json::from_str::<Seq>("3").is_err(),
            "a bare number is refused"
        );
        assert!(serde_json::from_str::<Seq>("\"x\"").is_err());
    }

    #[test]
    fn a_change_reads_as_documented() {
        let json = r#"{"device":"0190a000-0000-7000-8000-000000000001","hlc":"116655737208832000",
            "entity":"customer","entity_id":"c1","op":"update","field":"name","value":"\"Budi\"","schema":15}"#;
        let change: Change = serde_json::from_str(json).unwrap();
        assert_eq!(change.op, Op::Update);
        assert_eq!(change.value.as_deref(), Some("\"Budi\""));
        let back: serde_json::Value = serde_json::to_value(&change).unwrap();
        assert_eq!(back["hlc"], "116655737208832000");
        assert_eq!(back["op"], "update");
    }

    #[test]
    fn error_codes_serialise_as_their_names() {
        for code in [
            ErrorCode::Unauthorized,
            ErrorCode::InvalidCode,
            ErrorCode::PleaseUpdate,
            ErrorCode::ClockAhead,
            ErrorCode::ForeignChange,
            ErrorCode::DeviceExists,
            ErrorCode::BehindHorizon,
            ErrorCode::BodyTooLarge,
            ErrorCode::Malformed,
            ErrorCode::Timeout,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Storage,
        ] {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
        for op in Op::ALL {
            assert_eq!(op.as_str().parse::<Op>().unwrap(), op);
        }
    }
}
