//! A desk restored from an old backup: found, and recovered before any edit.
//!
//! Why: a restored file has the device id and clock it had at the backup,
//! while the lost copy may have pushed changes under that id since. A new
//! change made with the same id could reuse an (id, clock) pair the server
//! already holds, and would be dropped there as a duplicate; the changes
//! made after the backup would never come back, since a device never pulls
//! its own. So the file takes a new device id at once (the old one is never
//! used again for a new change), and the server is told at the next round
//! (`POST /v1/device/rotate`): the old device is replaced by the new one,
//! which re-pushes everything the file holds (old-id changes too: those
//! the server holds count as duplicates) and pulls everything again, the
//! old device's later changes among them, as another device's.
//!
//! Found two ways: an epoch, a random value written after pairing and after
//! each good round in `sync_state` and in `<db>.sync-epoch` beside the file
//! (`check_on_open`, when the file is opened for writing: before any edit);
//! and, when the sidecar went too, the server's record of the newest change
//! this device pushed, which a restored file does not hold
//! (`restored_per_server`, at the start of a round, before any push).
//! Found that late, the file may have made changes under its old id and
//! clock since it was put back, reusing pairs the lost copy had pushed
//! already: the server keeps the lost copy's, and when it arrives here the
//! file's own is recorded again under the new id (`forked`), so that both
//! reach every desk.

use std::path::{Path, PathBuf};

use pelanggan_sync_protocol::{Change, StatusResponse};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::db::{Db, Reader, Write};
use crate::error::{Error, Result};

/// `<db file name>.sync-epoch`, beside the database.
pub fn sidecar(db_path: &Path) -> PathBuf {
    crate::outfile::with_suffix(db_path, ".sync-epoch")
}

pub(crate) fn new_epoch() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Writes `epoch` to the sidecar: a temporary file renamed over it, so the
/// sidecar is always whole. When that fails the sidecar is removed (the
/// server's record still finds a restore), so that a stale one cannot be
/// taken for a restore at the next open.
pub(crate) fn write_sidecar(db_path: &Path, epoch: &str) {
    let target = sidecar(db_path);
    let temp = crate::outfile::with_suffix(&target, ".partial");
    let written =
        std::fs::write(&temp, format!("{epoch}\n")).and_then(|()| std::fs::rename(&temp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(&target);
    }
}

/// Moves the epoch on (the one before kept) inside a write; returns the
/// new one, for `write_sidecar` once the write committed.
pub(crate) fn next_epoch(w: &mut Write<'_>) -> Result<String> {
    let epoch = new_epoch();
    w.uncounted(|w| {
        w.exec(
            "UPDATE sync_state SET epoch_prev = epoch, epoch = ?1",
            [&epoch],
        )
    })?;
    Ok(epoch)
}

/// On opening a paired file for writing: when the sidecar names an epoch
/// the file never had, the file was put back from a copy: it recovers at
/// once (`recover_locally`). A missing sidecar decides nothing here (the
/// server's record does, at the next round); nor does a file paired before
/// epochs were kept, or one whose recovery waits for the server already.
pub(crate) fn check_on_open(db: &mut Db) -> Result<()> {
    // The sidecar before the database: a round in another process that
    // moves the epoch between the two reads then leaves the database one
    // ahead, and the sidecar's is still its `epoch_prev`.
    let side = std::fs::read_to_string(sidecar(db.path())).map(|t| t.trim().to_owned());
    let state: Option<(Option<String>, Option<String>, bool)> = db
        .conn()
        .query_row(
            "SELECT epoch, epoch_prev, rotation_pending FROM sync_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((Some(epoch), prev, false)) = state else {
        return Ok(());
    };
    let Ok(side) = side else {
        return Ok(());
    };
    if side == epoch || prev.as_deref() == Some(side.as_str()) {
        return Ok(());
    }
    recover_locally(db)?;
    Ok(())
}

/// The file's own recovery: a new device id, the old one retired (its rows
/// in the change log made here are still pushed, by the new id), the
/// restore noted for `sync status` and the server to be told at the next
/// round. Returns the new id.
pub(crate) fn recover_locally(db: &mut Db) -> Result<String> {
    let epoch = new_epoch();
    let mut ours = false;
    let new = db.take_new_device_id(|w, old| {
        ours = true;
        let now = w.now().to_owned();
        w.exec(
            "INSERT INTO sync_retired_devices (device_id, until_seq, retired_at)
             VALUES (?1, (SELECT coalesce(max(seq), 0) FROM change_log), ?2)
             ON CONFLICT (device_id) DO UPDATE SET until_seq = max(until_seq, excluded.until_seq)",
            [old, now.as_str()],
        )?;
        w.exec(
            "UPDATE sync_state SET restored_at = ?1, restored_from = ?2, rotation_pending = 1,
                 recovered_at = NULL, epoch_prev = epoch, epoch = ?3",
            [now.as_str(), old, epoch.as_str()],
        )?;
        Ok(())
    })?;
    if ours {
        write_sidecar(db.path(), &epoch);
    }
    Ok(new)
}

/// Whether the server holds a change from this device that this file does
/// not: newer than what the file knows was acknowledged, and not in its
/// change log under any id it had. (A push whose answer was lost leaves the
/// server ahead of the acknowledgement, but the file holds the change.)
pub(crate) fn restored_per_server(
    r: Reader<'_>,
    status: &StatusResponse,
    device_id: &str,
) -> Result<bool> {
    let Some(server) = status.last_pushed_hlc else {
        return Ok(false);
    };
    let acked: Option<i64> = r
        .conn()
        .query_row("SELECT pushed_hlc FROM sync_state", [], |r| r.get(0))?;
    if acked.is_some_and(|acked| acked >= server.0) {
        return Ok(false);
    }
    let held = r
        .conn()
        .prepare(
            "SELECT 1 FROM change_log c JOIN devices d ON d.id = c.device
             WHERE c.hlc = ?1 AND (d.device_id = ?2
                OR d.device_id IN (SELECT device_id FROM sync_retired_devices))",
        )?
        .exists(rusqlite::params![server.0, device_id])?;
    Ok(!held)
}

/// Whether this file took a new device id the server has not been told of.
pub(crate) fn rotation_pending(r: Reader<'_>) -> Result<bool> {
    Ok(r.conn()
        .query_row("SELECT rotation_pending FROM sync_state", [], |r| r.get(0))?)
}

/// The server replaced the old device by this one (`token` is the new
/// device's): everything is pushed and pulled again, and the clock moves
/// past `clock` (the newest the server showed: the old device's last push,
/// the server's time), so that what is made here from now on orders after
/// everything the lost copy made.
pub(crate) fn rotated(w: &mut Write<'_>, token: &str, clock: i64) -> Result<()> {
    w.observe_clock(clock);
    w.uncounted(|w| {
        w.exec(
            "UPDATE sync_state SET token = ?1, rotation_pending = 0, pushed_seq = 0,
                 pushed_hlc = NULL, cursor = 0",
            [token],
        )
    })?;
    Ok(())
}

/// Whether the pulled change `c` has the (device, clock) of another change
/// this file made under an id it had before a restore: one made after the
/// file was put back and before the restore was found, reusing a pair the
/// lost copy had used. The server kept the lost copy's, which is then
/// merged like any other; the file's own is recorded again as a change
/// made now by this device (a new id, and a clock past everything the
/// server showed: it was made after all the lost copy made), and pushed.
/// The same change from the two (made before the backup, pushed by the
/// lost copy) is no fork: it is held already.
pub(crate) fn forked(w: &mut Write<'_>, c: &Change, device: &str) -> Result<bool> {
    type Held = (i64, String, String, String, Option<String>, Option<String>);
    let held: Option<Held> = w
        .tx()
        .prepare_cached(
            "SELECT c.seq, c.entity, c.entity_id, c.op, c.field, c.value
             FROM change_log c JOIN devices d ON d.id = c.device
             JOIN sync_retired_devices r ON r.device_id = d.device_id
             WHERE d.device_id = ?1 AND c.hlc = ?2",
        )?
        .query_row(rusqlite::params![device, c.hlc.0], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((seq, entity, entity_id, op, field, value)) = held else {
        return Ok(false);
    };
    // An insert's record may be read from its table at push time (None here).
    let same = entity == c.entity
        && entity_id == c.entity_id
        && op == c.op.as_str()
        && field == c.field
        && (value.is_none() || value == c.value);
    if same {
        return Ok(false);
    }
    let internal = |e: crate::names::NameError| Error::Internal(e.to_string());
    w.uncounted(|w| w.exec("DELETE FROM change_log WHERE seq = ?1", [seq]))?;
    w.record_changes(&[crate::db::Change {
        entity: entity.parse().map_err(internal)?,
        entity_id: &entity_id,
        op: op.parse().map_err(internal)?,
        field: field.as_deref(),
        value,
    }])?;
    Ok(true)
}
