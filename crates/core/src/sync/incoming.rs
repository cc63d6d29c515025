//! Merging what other devices pushed: one page of pulled changes applied in
//! one write, with the rules of `merge`, the same on every device, so all
//! converge.
//!
//! Every change applied (or outvoted) is recorded in the change log with
//! its own device and clock, and a change already held is skipped, so a
//! page received twice changes nothing. A change that cannot apply yet (a
//! row whose parent has not arrived) or ever by this version (another
//! entity, a field it does not know) goes to `sync_inbox`: kept, never
//! dropped, unless it belongs to a customer erased here (privacy: it would
//! keep what was erased). After a page that merged something, the held changes of the
//! entities this version merges are tried again, oldest first, until none
//! applies: their parents may have come.

use pelanggan_sync_protocol::{Change, Hlc, MAX_CLOCK_AHEAD_MS, Op, Pulled};
use serde::Serialize;
use uuid::Uuid;

use super::merge::{self, MERGED, Outcome, Touched};
use crate::db::{RemoteChange, Write};
use crate::error::{Error, Result};

/// What one page did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Applied {
    /// Merged (including changes outvoted by a later one held here).
    pub applied: u64,
    /// Kept in the inbox, not applied by this version.
    pub held: u64,
    /// Already held: received before.
    pub skipped: u64,
}

/// Applies `page` (in the server's order).
pub fn apply(w: &mut Write<'_>, page: &[Pulled]) -> Result<Applied> {
    let mut done = Applied::default();
    let mut touched = Touched::default();
    for pulled in page {
        let c = &pulled.change;
        let device = c.device.to_string();
        let held = w.holds_change(&device, c.hlc.0)? || in_inbox(w, &device, c.hlc.0)?;
        if held && !super::restore::forked(w, c, &device)? {
            done.skipped += 1;
            continue;
        }
        match merge::merge(w, c, &device, &mut touched)? {
            Outcome::Merged => {
                record(w, c, &device)?;
                done.applied += 1;
            }
            Outcome::Held if merge::for_erased(w, c)? => done.skipped += 1,
            Outcome::Held => {
                hold(w, c, &device)?;
                done.held += 1;
            }
        }
    }
    if done.applied > 0 {
        let released = retry_held(w, &mut touched)?;
        done.applied += released;
        done.held = done.held.saturating_sub(released);
    }
    merge::recompute(w, &touched)?;
    Ok(done)
}

fn record(w: &mut Write<'_>, c: &Change, device: &str) -> Result<()> {
    w.record_remote(
        &RemoteChange {
            device,
            hlc: c.hlc.0,
            entity: &c.entity,
            entity_id: &c.entity_id,
            op: c.op.as_str(),
            field: c.field.as_deref(),
            value: c.value.as_deref(),
        },
        MAX_CLOCK_AHEAD_MS,
    )
}

/// Tries the held changes of merged entities again until a pass applies
/// none; returns how many applied (and left the inbox).
fn retry_held(w: &mut Write<'_>, touched: &mut Touched) -> Result<u64> {
    let mut released = 0;
    loop {
        let mut progress = false;
        for (id, c) in held(w)? {
            let device = c.device.to_string();
            if let Outcome::Merged = merge::merge(w, &c, &device, touched)? {
                w.uncounted(|w| w.exec("DELETE FROM sync_inbox WHERE id = ?1", [id]))?;
                record(w, &c, &device)?;
                released += 1;
                progress = true;
            }
        }
        if !progress {
            return Ok(released);
        }
    }
}

/// The inbox's changes of the entities this version merges, oldest first.
fn held(w: &Write<'_>) -> Result<Vec<(i64, Change)>> {
    let entities = MERGED
        .iter()
        .map(|e| format!("'{e}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // `entities` are this module's constants, never input text.
    let sql = format!(
        "SELECT id, device, hlc, entity, entity_id, op, field, value, schema FROM sync_inbox
         WHERE entity IN ({entities}) ORDER BY id"
    );
    let mut stmt = w.tx().prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, u32>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, device, hlc, entity, entity_id, op, field, value, schema) = row?;
        let device = Uuid::parse_str(&device).map_err(|e| Error::Internal(e.to_string()))?;
        let Some(op) = Op::ALL.into_iter().find(|o| o.as_str() == op) else {
            continue;
        };
        out.push((
            id,
            Change {
                device,
                hlc: Hlc(hlc),
                entity,
                entity_id,
                op,
                field,
                value,
                schema,
            },
        ));
    }
    Ok(out)
}

fn in_inbox(w: &Write<'_>, device: &str, hlc: i64) -> Result<bool> {
    Ok(w.tx()
        .prepare_cached("SELECT 1 FROM sync_inbox WHERE device = ?1 AND hlc = ?2")?
        .exists(rusqlite::params![device, hlc])?)
}

fn hold(w: &mut Write<'_>, c: &Change, device: &str) -> Result<()> {
    let now = w.now().to_owned();
    w.uncounted(|w| {
        w.exec(
            "INSERT OR IGNORE INTO sync_inbox (device, hlc, entity, entity_id, op, field, value, schema, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![
                device,
                c.hlc.0,
                c.entity,
                c.entity_id,
                c.op.as_str(),
                c.field,
                c.value,
                c.schema,
                now
            ],
        )
    })?;
    Ok(())
}
