//! The pairing with a sync server and how far this device got: the
//! `sync_state` row, local to this file (never in the change log, never
//! exported; the token never printed or logged).

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::transport::Failure;
use crate::db::{Db, Reader, Write};
use crate::error::{Code, Error, Result};

/// Where this device syncs, for the transport. `Debug` hides the token.
#[derive(Clone)]
pub struct Pairing {
    pub server_url: String,
    pub shop: String,
    pub ca_file: Option<String>,
    token: String,
}

impl Pairing {
    /// The device token, for the transport's `Authorization` header only.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing")
            .field("server_url", &self.server_url)
            .field("shop", &self.shop)
            .field("ca_file", &self.ca_file)
            .field("token", &"••••")
            .finish()
    }
}

/// What `sync status` shows: never the token.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub paired: bool,
    pub server_url: Option<String>,
    pub shop: Option<String>,
    /// This device's id on the server.
    pub device_id: String,
    pub last_sync_at: Option<String>,
    /// Why the last round did not finish (None after a good one): its
    /// code (`sync_unreachable`, `sync_refused`...) and sentence.
    pub last_error_code: Option<String>,
    pub last_error: Option<String>,
    /// This device's changes the server has not acknowledged yet.
    pub pending: u64,
    /// Changes received that this version keeps but does not apply yet.
    pub held: u64,
    /// WhatsApp numbers two live customers share (made on two desks
    /// offline): `customer_merge::duplicates` lists them.
    pub conflicts: u64,
    /// When this file was found restored from an old backup (`restore`),
    /// and the device id it had then (never used again for a new change).
    pub restored_at: Option<String>,
    pub restored_from: Option<String>,
    /// The server has not been told of the new device id yet: the next
    /// round does it, re-pushes and pulls everything again.
    pub recovery_pending: bool,
    /// When the first round after the restore finished.
    pub recovered_at: Option<String>,
}

/// What a device sends to join a shop, for the transport's pairing call.
#[derive(Debug, Clone)]
pub struct PairAsk<'a> {
    pub server_url: &'a str,
    pub ca_file: Option<&'a str>,
    pub code: &'a str,
    pub device_id: &'a str,
    pub device_name: &'a str,
}

/// The server's answer to a pairing: the shop and this device's token.
pub struct PairAnswer {
    pub shop: String,
    pub token: String,
}

/// `sync pair`: joins the shop whose one-time `code` the server's owner
/// made (`pelanggan-sync-server invite`), through `ask` (the transport's
/// pairing request), and keeps the token. Refused before any request when
/// this file is already paired (a device belongs to one shop).
pub fn pair(
    db: &mut Db,
    server_url: &str,
    ca_file: Option<&str>,
    code: &str,
    device_name: &str,
    ask: impl FnOnce(&PairAsk<'_>) -> std::result::Result<PairAnswer, Failure>,
) -> Result<String> {
    if pairing(db.reader()?)?.is_some() {
        return Err(Error::refused(
            Code::SyncAlreadyPaired,
            "this database is already paired with a sync server",
        ));
    }
    let url = server_url.trim().trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(Error::validation(
            "url",
            format!("'{url}' is not an http:// or https:// address"),
        ));
    }
    let device_id = db.device_id().to_owned();
    let answer = ask(&PairAsk {
        server_url: url,
        ca_file,
        code: code.trim(),
        device_id: &device_id,
        device_name,
    })?;
    let epoch = super::restore::new_epoch();
    db.write(None, |w| {
        let now = w.now().to_owned();
        w.uncounted(|w| {
            w.exec(
                "INSERT INTO sync_state (singleton, server_url, shop, ca_file, token, paired_at, epoch)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![url, answer.shop, ca_file, answer.token, now, epoch],
            )?;
            // Invoices made offline on two desks must not share a number:
            // from now on this desk numbers within its own block (a block
            // set by hand before pairing stands).
            w.exec(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                rusqlite::params![
                    crate::settings::Key::InvoiceBlock.as_str(),
                    crate::settings::block_for(&device_id)
                ],
            )
        })
    })?;
    super::restore::write_sidecar(db.path(), &epoch);
    Ok(answer.shop)
}

/// The pairing, or None before `sync pair`.
pub fn pairing(r: Reader<'_>) -> Result<Option<Pairing>> {
    Ok(r.conn()
        .query_row(
            "SELECT server_url, shop, ca_file, token FROM sync_state",
            [],
            |r| {
                Ok(Pairing {
                    server_url: r.get(0)?,
                    shop: r.get(1)?,
                    ca_file: r.get(2)?,
                    token: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// The pairing, or `sync_not_paired`.
pub fn require(r: Reader<'_>) -> Result<Pairing> {
    pairing(r)?.ok_or_else(|| {
        Error::refused(
            Code::SyncNotPaired,
            "this database is not paired with a sync server: run `sync pair URL CODE` first",
        )
    })
}

pub fn status(r: Reader<'_>, device_id: &str) -> Result<SyncStatus> {
    let conn = r.conn();
    // One row, paired or not: the state's columns are NULL before `sync pair`.
    let (mut status, pushed) = conn.query_row(
        "SELECT s.server_url, s.shop, s.last_sync_at, s.last_error_code, s.last_error,
                coalesce(s.pushed_seq, 0), (SELECT count(*) FROM sync_inbox),
                s.restored_at, s.restored_from, coalesce(s.rotation_pending, 0), s.recovered_at
         FROM (SELECT 1) LEFT JOIN sync_state s",
        [],
        |row| {
            let server_url: Option<String> = row.get(0)?;
            let held: i64 = row.get(6)?;
            let status = SyncStatus {
                paired: server_url.is_some(),
                server_url,
                shop: row.get(1)?,
                device_id: device_id.to_owned(),
                last_sync_at: row.get(2)?,
                last_error_code: row.get(3)?,
                last_error: row.get(4)?,
                pending: 0,
                held: held.unsigned_abs(),
                conflicts: 0,
                restored_at: row.get(7)?,
                restored_from: row.get(8)?,
                recovery_pending: row.get(9)?,
                recovered_at: row.get(10)?,
            };
            Ok((status, row.get::<_, i64>(5)?))
        },
    )?;
    let pending: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM change_log c JOIN devices d ON d.id = c.device
             WHERE {OWN_CHANGE} AND c.seq > ?2"
        ),
        rusqlite::params![device_id, pushed],
        |r| r.get(0),
    )?;
    status.pending = pending.unsigned_abs();
    status.conflicts = crate::customer_merge::conflict_count(r)?;
    Ok(status)
}

/// The condition on a change-log row `c` (its device `d`) that it is this
/// desk's to push: made under its id (`?1`), or made here under an id it
/// had before a restore gave it a new one (`restore`); later rows under such
/// an id came from the server.
pub(crate) const OWN_CHANGE: &str = "(d.device_id = ?1 OR EXISTS (
    SELECT 1 FROM sync_retired_devices r WHERE r.device_id = d.device_id AND c.seq <= r.until_seq))";

/// The server's sequence this device pulled up to.
pub(crate) fn cursor(r: Reader<'_>) -> Result<i64> {
    Ok(r.conn()
        .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))?)
}

pub(crate) fn set_cursor(w: &mut Write<'_>, cursor: i64) -> Result<()> {
    w.uncounted(|w| w.exec("UPDATE sync_state SET cursor = ?1", [cursor]))?;
    Ok(())
}

pub(crate) fn pushed_seq(r: Reader<'_>) -> Result<i64> {
    Ok(r.conn()
        .query_row("SELECT pushed_seq FROM sync_state", [], |r| r.get(0))?)
}

/// A page acknowledged: its last change-log seq and its newest hlc.
pub(crate) fn set_pushed(w: &mut Write<'_>, seq: i64, hlc: Option<i64>) -> Result<()> {
    w.uncounted(|w| {
        w.exec(
            "UPDATE sync_state SET pushed_seq = max(pushed_seq, ?1),
                 pushed_hlc = max(coalesce(pushed_hlc, ?2), coalesce(?2, pushed_hlc))",
            rusqlite::params![seq, hlc],
        )
    })?;
    Ok(())
}

/// A round that finished: when, and no error (the first after a restore
/// completes the recovery). Moves the epoch on: returned, for the sidecar.
pub(crate) fn note_success(w: &mut Write<'_>) -> Result<String> {
    let now = w.now().to_owned();
    w.uncounted(|w| {
        w.exec(
            "UPDATE sync_state SET last_sync_at = ?1, last_error_code = NULL, last_error = NULL,
                 last_error_at = NULL,
                 recovered_at = CASE WHEN restored_at IS NOT NULL AND rotation_pending = 0
                     AND recovered_at IS NULL THEN ?1 ELSE recovered_at END",
            [now],
        )
    })?;
    super::restore::next_epoch(w)
}

/// A round that stopped: why (shown by `sync status` and the app's badge).
pub(crate) fn note_failure(w: &mut Write<'_>, why: &Error) -> Result<()> {
    let now = w.now().to_owned();
    let (code, message) = (why.code().as_str(), why.to_string());
    w.uncounted(|w| {
        w.exec(
            "UPDATE sync_state SET last_error_code = ?1, last_error = ?2, last_error_at = ?3",
            [code, message.as_str(), now.as_str()],
        )
    })?;
    Ok(())
}
