//! Where the shops, their devices, invites and change logs are kept: one small
//! trait, [`Storage`], with an embedded SQLite file ([`sqlite`], the default)
//! and PostgreSQL ([`postgres`]). The same test suite runs against both.
//!
//! Owns: the data model and its guarantees. Each shop's log is numbered by a
//! gapless `seq` assigned under a per-shop lock in the pushing transaction, so
//! commit order is seq order and a pull that reads up to some seq has seen
//! every change below it. A change is stored once per (shop, device, hlc); a
//! batch id seen before answers with its first response and writes nothing.
//! Must not know HTTP, tokens in clear (only their hashes arrive here), or
//! what a change means: `value` is stored and returned as given.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use pelanggan_sync_protocol::{Change, DeviceInfo, Hlc, PullResponse, PushResponse, Seq};
use uuid::Uuid;

use crate::error::Result;
use crate::tokens::Hash;

/// The backend `--database` names, as one value for the commands and tests;
/// the router itself is generic, so requests never go through this match.
#[derive(Clone)]
pub enum AnyStorage {
    Sqlite(sqlite::SqliteStorage),
    Postgres(postgres::PostgresStorage),
}

impl AnyStorage {
    /// Opens the file or connects, and migrates the schema.
    pub async fn open(db: &crate::config::Database) -> Result<AnyStorage> {
        Ok(match db {
            crate::config::Database::Sqlite(path) => {
                AnyStorage::Sqlite(sqlite::SqliteStorage::open(path).await?)
            }
            crate::config::Database::Postgres(url) => {
                AnyStorage::Postgres(postgres::PostgresStorage::connect(url).await?)
            }
        })
    }
}

/// A device that presented a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    pub shop_id: i64,
    pub shop: String,
    pub device_id: Uuid,
    /// The devices this one replaced (`rotate`), directly or through
    /// others: their changes it may push too.
    pub replaced: Vec<Uuid>,
}

impl DeviceAuth {
    /// Whether this device may push a change made under `device`: its own
    /// id, or one it replaced.
    pub fn may_push_as(&self, device: Uuid) -> bool {
        device == self.device_id || self.replaced.contains(&device)
    }
}

/// A device taking a new id (the token of the old one already checked by
/// hash, the new token hashed).
#[derive(Debug, Clone)]
pub struct Rotation {
    pub old_token_hash: Hash,
    /// The new device, which takes the old one's name (the same desk).
    pub device_id: Uuid,
    pub token_hash: Hash,
    pub now_ms: i64,
}

/// What a rotation did: the shop, and the device replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub shop: String,
    pub replaced: Uuid,
}

/// A device joining with a code (the token already hashed).
#[derive(Debug, Clone)]
pub struct Pairing {
    pub code_hash: Hash,
    pub device_id: Uuid,
    pub device_name: String,
    pub token_hash: Hash,
    pub now_ms: i64,
}

/// A shop's place in its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceStatus {
    pub cursor: Seq,
    pub horizon: Seq,
    pub last_pushed_hlc: Option<Hlc>,
}

/// A device with the name of its shop (the operator's list spans shops).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopDevice {
    pub shop: String,
    pub info: DeviceInfo,
}

/// What `compact` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    pub removed: u64,
    pub horizon: Seq,
}

/// The storage of the sync server. Methods are futures that are `Send`, so the
/// router stays generic over the backend without boxing.
pub trait Storage: Clone + Send + Sync + 'static {
    /// Stores a one-time pairing code for `shop`, creating the shop on its
    /// first invite.
    fn create_invite(
        &self,
        shop: &str,
        code_hash: Hash,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Uses the code (`InvalidCode` if unknown, used or expired) and pairs the
    /// device; a device paired before gets the new token and is un-revoked.
    /// Returns the shop's name.
    fn pair(&self, pairing: Pairing) -> impl Future<Output = Result<String>> + Send;

    /// Replaces the device holding `old_token_hash` (unrevoked, not replaced)
    /// by a new device of the same shop: the old one is marked `replaced_by`
    /// it, so its token stops working. `Unauthorized` for a token that does
    /// not authenticate, `DeviceExists` when the new id is a device of the
    /// shop already. A retry for the same new id, whose token was never used,
    /// gives it the new token (the first answer may have been lost).
    fn rotate(&self, rotation: Rotation) -> impl Future<Output = Result<Rotated>> + Send;

    /// The device holding this token, unless it is revoked or replaced.
    fn authenticate(
        &self,
        token_hash: Hash,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<DeviceAuth>>> + Send;

    /// Stores a checked batch of the device's own changes in one transaction.
    fn push(
        &self,
        auth: &DeviceAuth,
        batch_id: Uuid,
        changes: Vec<Change>,
    ) -> impl Future<Output = Result<PushResponse>> + Send;

    /// Up to `limit` changes of the shop's other devices after `after`;
    /// `snapshot`: the device reads the compacted log from its start, so a
    /// page below the horizon is served (see `check_horizon`).
    fn pull(
        &self,
        auth: &DeviceAuth,
        after: Seq,
        limit: u32,
        snapshot: bool,
    ) -> impl Future<Output = Result<PullResponse>> + Send;

    fn status(&self, auth: &DeviceAuth) -> impl Future<Output = Result<DeviceStatus>> + Send;

    /// The devices of one shop, or of every shop.
    fn devices(&self, shop: Option<&str>) -> impl Future<Output = Result<Vec<ShopDevice>>> + Send;

    /// Revokes the device in one shop (or in every shop it is paired with)
    /// and returns what was revoked; `NotFound` when nothing matched.
    fn revoke(
        &self,
        shop: Option<&str>,
        device_id: Uuid,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<ShopDevice>>> + Send;

    /// Drops the updates superseded by a later update (greater hlc) of the
    /// same entity, entity_id and field, and moves the horizon to the newest seq.
    fn compact(&self, shop: &str) -> impl Future<Output = Result<Compacted>> + Send;
}

/// A device's `last_seen_at` is written at most this often: every request
/// authenticates, and a write per pull would serialise the readers.
pub const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;

/// Page size and horizon rules shared by both backends: the rows read (at most
/// `limit + 1`, the extra one only says `more`) become a response.
pub(crate) fn pull_page(
    mut rows: Vec<(i64, Change)>,
    after: Seq,
    limit: u32,
    cursor: i64,
    horizon: i64,
) -> PullResponse {
    let limit = limit as usize;
    let more = rows.len() > limit;
    rows.truncate(limit);
    // Without more, everything up to the cursor was read (the device's own
    // changes too), so the next pull starts there and skips them for good.
    let next = match (more, rows.last()) {
        (true, Some((seq, _))) => *seq,
        _ => cursor.max(after.0),
    };
    PullResponse {
        changes: rows
            .into_iter()
            .map(|(seq, change)| pelanggan_sync_protocol::Pulled {
                seq: Seq(seq),
                change,
            })
            .collect(),
        next: Seq(next),
        more,
        horizon: Seq(horizon),
    }
}

/// `after` must be 0 (everything) or at or above the horizon: the changes
/// below it may have been compacted away.
pub(crate) fn check_horizon(after: Seq, horizon: i64, snapshot: bool) -> Result<()> {
    if !snapshot && after.0 != 0 && after.0 < horizon {
        return Err(crate::error::Error::BehindHorizon {
            after: after.0,
            horizon,
        });
    }
    Ok(())
}
