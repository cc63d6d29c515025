//! The router outbox: one row per desired state of one router user, written
//! in the same transaction as the change that caused it, sent by the worker.
//!
//! Row life: `queued` → `in_flight` (claimed) → `done`, or back to `queued`
//! when the router does not answer, or `failed` after `MAX_ATTEMPTS`
//! refusals. A newer state for the same user marks a queued one
//! `superseded` (it never went out, and the newer one says all of it,
//! including a kick the older one asked for). Retrying a row is safe: it is
//! a state ("budi: profile isolir, no session"), not a command.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::local::local;
use super::state::State;
use crate::db::{Reader, Write};
use crate::error::Result;
use crate::names::text_enum;
use crate::wire::ServiceType;

/// Refusals (`!trap`) before a row is marked failed.
pub const MAX_ATTEMPTS: i64 = 5;

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum OutboxStatus("status") {
        Queued => "queued",
        InFlight => "in_flight",
        Done => "done",
        Failed => "failed",
        Superseded => "superseded",
    }
}

/// One outbox row as lists show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxRow {
    pub id: i64,
    pub router: String,
    #[serde(rename = "type")]
    pub service: ServiceType,
    pub username: String,
    pub present: bool,
    pub profile: Option<String>,
    pub disabled: bool,
    pub kick: bool,
    pub reason: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub done_at: Option<String>,
}

/// A claimed row, with what the worker needs to send it.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub id: i64,
    pub subscription_id: Option<i64>,
    pub state: State,
    pub kick: bool,
    pub attempts: i64,
}

/// Queues `state` for router `router_id`, superseding a queued row of the
/// same user (and keeping its kick).
pub(crate) fn queue(
    w: &mut Write<'_>,
    router_id: i64,
    subscription_id: Option<i64>,
    state: &State,
    kick: bool,
    reason: &str,
) -> Result<()> {
    let older_kick: bool = w.query_row(
        "SELECT coalesce(max(kick), 0) FROM router_outbox
         WHERE router_id = ?1 AND service = ?2 AND username = ?3 AND status = 'queued'",
        params![router_id, state.service.as_str(), state.username],
        |r| r.get(0),
    )?;
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET status = 'superseded', updated_at = ?4
         WHERE router_id = ?1 AND service = ?2 AND username = ?3 AND status = 'queued'",
        params![router_id, state.service.as_str(), state.username, now],
    )?;
    let now = w.now().to_owned();
    local(
        w,
        "INSERT INTO router_outbox (router_id, subscription_id, service, username, present,
             profile, disabled, kick, reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            router_id,
            subscription_id,
            state.service.as_str(),
            state.username,
            state.present,
            state.profile,
            state.disabled,
            kick || older_kick,
            reason,
            now,
        ],
    )?;
    if let Some(id) = subscription_id {
        set_provisioning(w, id, "queued")?;
    }
    Ok(())
}

/// The last state queued for subscription `id` (sent or not), and its router.
pub(crate) fn latest_for(r: Reader<'_>, id: i64) -> Result<Option<(i64, State)>> {
    Ok(r.conn()
        .query_row(
            "SELECT router_id, service, username, present, profile, disabled FROM router_outbox
             WHERE subscription_id = ?1 ORDER BY id DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, state_of(r, 1)?)),
        )
        .optional()?)
}

/// Outbox rows, newest first: of one router (by row id) or all, pending
/// ones (queued, in flight, failed) only unless `all`.
pub fn list(
    r: Reader<'_>,
    router_id: Option<i64>,
    all: bool,
    limit: u32,
) -> Result<Vec<OutboxRow>> {
    let mut stmt = r.conn().prepare(
        "SELECT o.id, r.name, o.service, o.username, o.present, o.profile, o.disabled, o.kick,
             o.reason, o.status, o.attempts, o.last_error, o.created_at, o.done_at
         FROM router_outbox o JOIN routers r ON r.id = o.router_id
         WHERE (?1 IS NULL OR o.router_id = ?1)
           AND (?2 OR o.status IN ('queued', 'in_flight', 'failed'))
         ORDER BY o.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![router_id, all, limit], |r| {
        let service: String = r.get(2)?;
        let status: String = r.get(9)?;
        Ok(OutboxRow {
            id: r.get(0)?,
            router: r.get(1)?,
            service: service.parse().unwrap_or(ServiceType::Pppoe),
            username: r.get(3)?,
            present: r.get(4)?,
            profile: r.get(5)?,
            disabled: r.get(6)?,
            kick: r.get(7)?,
            reason: r.get(8)?,
            status: status.parse().unwrap_or(OutboxStatus::Queued),
            attempts: r.get(10)?,
            last_error: r.get(11)?,
            created_at: r.get(12)?,
            done_at: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The routers with queued rows, in row order of their oldest one.
pub(crate) fn routers_with_work(r: Reader<'_>) -> Result<Vec<i64>> {
    let mut stmt = r.conn().prepare(
        "SELECT router_id FROM router_outbox WHERE status = 'queued'
         GROUP BY router_id ORDER BY min(id)",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Marks the oldest queued row of the router after row `after` in flight
/// and returns it (a pass moves forward, so a refused row waits for the next).
pub(crate) fn claim_next(w: &mut Write<'_>, router_id: i64, after: i64) -> Result<Option<Claimed>> {
    let row = w
        .tx()
        .query_row(
            "SELECT id, subscription_id, service, username, present, profile, disabled, kick, attempts
             FROM router_outbox WHERE router_id = ?1 AND status = 'queued' AND id > ?2
             ORDER BY id LIMIT 1",
            params![router_id, after],
            |r| {
                Ok(Claimed {
                    id: r.get(0)?,
                    subscription_id: r.get(1)?,
                    state: state_of(r, 2)?,
                    kick: r.get(7)?,
                    attempts: r.get(8)?,
                })
            },
        )
        .optional()?;
    if let Some(claimed) = &row {
        let now = w.now().to_owned();
        local(w,
            "UPDATE router_outbox SET status = 'in_flight', attempts = attempts + 1, updated_at = ?2
             WHERE id = ?1",
            params![claimed.id, now],
        )?;
    }
    Ok(row)
}

/// The row reached the router.
pub(crate) fn mark_done(w: &mut Write<'_>, row: &Claimed) -> Result<()> {
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET status = 'done', last_error = NULL, done_at = ?2, updated_at = ?2
         WHERE id = ?1",
        params![row.id, now],
    )?;
    if let Some(sub) = row.subscription_id
        && is_latest(w.reader(), sub, row.id)?
    {
        set_provisioning(w, sub, "applied")?;
    }
    Ok(())
}

/// The router refused the row: queued again, or failed after
/// `MAX_ATTEMPTS`, or superseded when a newer state of the user was queued
/// while it was in flight (retrying the old one would undo the new).
pub(crate) fn mark_refused(w: &mut Write<'_>, row: &Claimed, error: &str) -> Result<bool> {
    let failed = row.attempts + 1 >= MAX_ATTEMPTS;
    let status = if has_newer(w.reader(), row)? {
        "superseded"
    } else if failed {
        "failed"
    } else {
        "queued"
    };
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET status = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1",
        params![row.id, status, error, now],
    )?;
    let failed = status == "failed";
    if failed
        && let Some(sub) = row.subscription_id
        && is_latest(w.reader(), sub, row.id)?
    {
        set_provisioning(w, sub, "failed")?;
    }
    Ok(failed)
}

/// The router did not answer: the row waits, its attempt not counted
/// against it (a router down for a day must not fail the queue).
pub(crate) fn mark_waiting(w: &mut Write<'_>, row: &Claimed, error: &str) -> Result<()> {
    let status = if has_newer(w.reader(), row)? {
        "superseded"
    } else {
        "queued"
    };
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET status = ?4, attempts = attempts - 1, last_error = ?2,
             updated_at = ?3
         WHERE id = ?1",
        params![row.id, error, now, status],
    )?;
    Ok(())
}

/// Whether a newer state of the same router user is queued after `row`.
fn has_newer(r: Reader<'_>, row: &Claimed) -> Result<bool> {
    Ok(r.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM router_outbox o JOIN router_outbox me ON me.id = ?1
             WHERE o.router_id = me.router_id AND o.service = me.service
               AND o.username = me.username AND o.id > me.id AND o.status = 'queued')",
        [row.id],
        |r| r.get(0),
    )?)
}

/// Notes on every queued row of a router why it waits.
pub(crate) fn note_waiting(w: &mut Write<'_>, router_id: i64, error: &str) -> Result<usize> {
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET last_error = ?2, updated_at = ?3
         WHERE router_id = ?1 AND status = 'queued'",
        params![router_id, error, now],
    )
}

/// Rows left in flight by a worker that stopped (killed, crashed, power
/// cut) go back to the queue: sending a state twice is harmless.
pub(crate) fn recover_in_flight(w: &mut Write<'_>) -> Result<usize> {
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE router_outbox SET status = 'queued',
             last_error = 'the worker stopped while sending this; sent again', updated_at = ?1
         WHERE status = 'in_flight'",
        [now],
    )
}

/// How many rows are queued or in flight.
pub fn pending(r: Reader<'_>) -> Result<i64> {
    Ok(r.conn().query_row(
        "SELECT count(*) FROM router_outbox WHERE status IN ('queued', 'in_flight')",
        [],
        |r| r.get(0),
    )?)
}

fn is_latest(r: Reader<'_>, subscription: i64, row: i64) -> Result<bool> {
    let latest: i64 = r.conn().query_row(
        "SELECT max(id) FROM router_outbox WHERE subscription_id = ?1",
        [subscription],
        |r| r.get(0),
    )?;
    Ok(latest == row)
}

fn state_of(r: &Row<'_>, at: usize) -> rusqlite::Result<State> {
    let service: String = r.get(at)?;
    Ok(State {
        service: service.parse().unwrap_or(ServiceType::Pppoe),
        username: r.get(at + 1)?,
        present: r.get(at + 2)?,
        profile: r.get(at + 3)?,
        disabled: r.get(at + 4)?,
    })
}

/// Sets where a subscription's provisioning stands (`provisioning` column).
fn set_provisioning(w: &mut Write<'_>, id: i64, status: &str) -> Result<()> {
    local(
        w,
        "UPDATE subscriptions SET provisioning = ?2 WHERE id = ?1 AND router_id IS NOT NULL",
        params![id, status],
    )?;
    Ok(())
}
