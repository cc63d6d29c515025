//! Merging what other devices pushed: one page of pulled changes applied in
//! one write. The rules are the same on every device, so all converge:
//!
//! - a changed field is last-writer-wins by (HLC, device id): it is applied
//!   only if no change of that field (or the row's insert) held here is
//!   later;
//! - a delete or restore carries the row's causal length (odd = alive) and
//!   wins when it is larger: a late edit never resurrects a deleted row;
//! - ledger entries and activity never change and merge by id, so a
//!   balance, recomputed here from the entries, is the sum of every
//!   device's entries;
//! - an admin is known by username (the same on every desk), never with a
//!   password (passwords are per file).
//!
//! Every change applied (or outvoted) is recorded in the change log with
//! its own device and clock, and a change already held is skipped, so a
//! page received twice changes nothing. A change this version does not
//! merge (another entity, a field it does not know, a row whose parent has
//! not arrived) goes to `sync_inbox`: kept, never dropped.

use std::collections::BTreeSet;

use pelanggan_sync_protocol::{Change, MAX_CLOCK_AHEAD_MS, Op, Pulled};
use rusqlite::OptionalExtension;
use rusqlite::types::Value as Sql;
use serde::Serialize;
use serde_json::Value;

use super::rows::{ActivityRow, LedgerRow};
use crate::db::{RemoteChange, Write};
use crate::error::{Error, Result};

/// The customer fields a remote update may set (the columns of the same name).
const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "whatsapp",
    "email",
    "phone",
    "address",
    "notes",
    "status",
    "notify_opt_out",
];

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

enum Outcome {
    Merged,
    Held,
}

/// Applies `page` (in the server's order).
pub fn apply(w: &mut Write<'_>, page: &[Pulled]) -> Result<Applied> {
    let mut done = Applied::default();
    let mut balances: BTreeSet<i64> = BTreeSet::new();
    for pulled in page {
        let c = &pulled.change;
        let device = c.device.to_string();
        if w.holds_change(&device, c.hlc.0)? || in_inbox(w, &device, c.hlc.0)? {
            done.skipped += 1;
            continue;
        }
        match merge(w, c, &device, &mut balances)? {
            Outcome::Merged => {
                w.record_remote(
                    &RemoteChange {
                        device: &device,
                        hlc: c.hlc.0,
                        entity: &c.entity,
                        entity_id: &c.entity_id,
                        op: c.op.as_str(),
                        field: c.field.as_deref(),
                        value: c.value.as_deref(),
                    },
                    MAX_CLOCK_AHEAD_MS,
                )?;
                done.applied += 1;
            }
            Outcome::Held => {
                hold(w, c, &device)?;
                done.held += 1;
            }
        }
    }
    recompute_balances(w, &balances)?;
    Ok(done)
}

fn merge(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    balances: &mut BTreeSet<i64>,
) -> Result<Outcome> {
    match (c.entity.as_str(), c.op) {
        ("customer", Op::Insert) => insert_customer(w, c),
        ("customer", Op::Update) => update_customer(w, c, device),
        ("customer", Op::Delete | Op::Restore) => delete_or_restore_customer(w, c),
        ("ledger_entry", Op::Insert) => insert_ledger_entry(w, c, balances),
        ("activity", Op::Insert) => insert_activity(w, c),
        ("admin", Op::Insert) => insert_admin(w, c),
        _ => Ok(Outcome::Held),
    }
}

fn value_of(c: &Change) -> Result<Value> {
    let text = c.value.as_deref().unwrap_or("null");
    serde_json::from_str(text).map_err(|e| {
        Error::Internal(format!(
            "the {} change {} has no JSON value: {e}",
            c.entity, c.hlc
        ))
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn customer_id(w: &Write<'_>, uuid: &str) -> Result<Option<(i64, i64)>> {
    Ok(w.tx()
        .prepare_cached("SELECT id, causal_length FROM customers WHERE uuid = ?1")?
        .query_row([uuid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn insert_customer(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    if customer_id(w, &c.entity_id)?.is_some() {
        return Ok(Outcome::Merged);
    }
    let v = value_of(c)?;
    let (Some(name), Some(whatsapp), Some(created_at)) = (
        text(&v, "name"),
        text(&v, "whatsapp"),
        text(&v, "created_at"),
    ) else {
        return Ok(Outcome::Held);
    };
    let causal_length = v.get("causal_length").and_then(Value::as_i64).unwrap_or(1);
    let status = if causal_length % 2 == 0 {
        "deleted".to_owned()
    } else {
        text(&v, "status").unwrap_or_else(|| "active".into())
    };
    // The number may be another customer's here (both made offline): both
    // are kept; a merge joins them.
    w.exec(
        "INSERT INTO customers (id, uuid, name, whatsapp, email, phone, address, notes, status,
                                causal_length, balance, created_at, updated_at, created_by)
         VALUES ((SELECT coalesce(max(id), 0) + 1 FROM customers), ?1, ?2, ?3, ?4, ?5, ?6, ?7,
                 ?8, ?9, 0, ?10, ?10, ?11)",
        rusqlite::params![
            c.entity_id,
            name,
            whatsapp,
            text(&v, "email"),
            text(&v, "phone"),
            text(&v, "address"),
            text(&v, "notes"),
            status,
            causal_length,
            created_at,
            text(&v, "created_by").unwrap_or_else(|| "sync".into()),
        ],
    )?;
    Ok(Outcome::Merged)
}

/// Whether a change (hlc, device) is later than every change of `field`
/// (or the row's insert) held here.
fn wins(w: &Write<'_>, c: &Change, device: &str, field: &str) -> Result<bool> {
    let latest: Option<(i64, String)> = w
        .tx()
        .prepare_cached(
            "SELECT c.hlc, d.device_id FROM change_log c JOIN devices d ON d.id = c.device
             WHERE c.entity = ?1 AND c.entity_id = ?2
               AND (c.field = ?3 OR (c.op = 'insert' AND c.field IS NULL))
             ORDER BY c.hlc DESC, d.device_id DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![c.entity, c.entity_id, field], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match latest {
        None => true,
        Some((hlc, holder)) => (c.hlc.0, device) > (hlc, holder.as_str()),
    })
}

fn update_customer(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    let Some(field) = c.field.as_deref().filter(|f| CUSTOMER_FIELDS.contains(f)) else {
        return Ok(Outcome::Held);
    };
    if customer_id(w, &c.entity_id)?.is_none() {
        return Ok(Outcome::Held);
    }
    if !wins(w, c, device, field)? {
        return Ok(Outcome::Merged);
    }
    let value = match value_of(c)? {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(b)),
        Value::Number(n) => n.as_i64().map_or(Sql::Null, Sql::Integer),
        Value::String(s) => Sql::Text(s),
        other => Sql::Text(other.to_string()),
    };
    // Only the causal length deletes or restores: a deleted customer keeps
    // the status it returns to beside it (a status set elsewhere before the
    // delete arrived is that one), and a status of `deleted` (an erase's
    // record of a deleted row) changes nothing.
    let column = match field {
        "status" => {
            "CASE WHEN status = 'deleted' OR ?1 = 'deleted' THEN status ELSE ?1 END,
                     status_before_delete = CASE WHEN status = 'deleted' AND ?1 != 'deleted'
                                                 THEN ?1 ELSE status_before_delete END"
        }
        _ => "?1",
    };
    // `field` is one of CUSTOMER_FIELDS: a column name, never input text.
    let sql = format!("UPDATE customers SET {field} = {column}, updated_at = ?2 WHERE uuid = ?3");
    let now = w.now().to_owned();
    w.exec(&sql, rusqlite::params![value, now, c.entity_id])?;
    Ok(Outcome::Merged)
}

fn delete_or_restore_customer(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some((id, local)) = customer_id(w, &c.entity_id)? else {
        return Ok(Outcome::Held);
    };
    let Some(remote) = value_of(c)?.as_i64() else {
        return Ok(Outcome::Held);
    };
    if remote <= local {
        return Ok(Outcome::Merged);
    }
    let now = w.now().to_owned();
    if remote % 2 == 0 {
        w.exec(
            "UPDATE customers SET
                 status_before_delete = CASE WHEN status = 'deleted' THEN status_before_delete ELSE status END,
                 status = 'deleted', causal_length = ?2, updated_at = ?3
             WHERE id = ?1",
            rusqlite::params![id, remote, now],
        )?;
    } else {
        w.exec(
            "UPDATE customers SET
                 status = CASE WHEN status = 'deleted' THEN coalesce(status_before_delete, 'active') ELSE status END,
                 status_before_delete = NULL, causal_length = ?2, updated_at = ?3
             WHERE id = ?1",
            rusqlite::params![id, remote, now],
        )?;
    }
    Ok(Outcome::Merged)
}

fn insert_ledger_entry(
    w: &mut Write<'_>,
    c: &Change,
    balances: &mut BTreeSet<i64>,
) -> Result<Outcome> {
    let Some(value) = c.value.as_deref() else {
        return Ok(Outcome::Held);
    };
    let Ok(row) = serde_json::from_str::<LedgerRow>(value) else {
        return Ok(Outcome::Held);
    };
    let Some((customer, _)) = customer_id(w, &row.customer_id)? else {
        return Ok(Outcome::Held);
    };
    let inserted = w.exec(
        "INSERT OR IGNORE INTO customer_balance_history (uuid, customer_id, type, amount,
             previous_balance, new_balance, description, reference_type, reference_id,
             created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        rusqlite::params![
            c.entity_id,
            customer,
            row.kind,
            row.amount,
            row.previous_balance,
            row.new_balance,
            row.description,
            row.reference_type,
            row.reference_id,
            row.created_at,
            row.created_by,
        ],
    )?;
    if inserted > 0 {
        balances.insert(customer);
    }
    Ok(Outcome::Merged)
}

fn insert_activity(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some(value) = c.value.as_deref() else {
        return Ok(Outcome::Held);
    };
    let Ok(row) = serde_json::from_str::<ActivityRow>(value) else {
        return Ok(Outcome::Held);
    };
    let Some((customer, _)) = customer_id(w, &row.customer_id)? else {
        return Ok(Outcome::Held);
    };
    w.exec(
        "INSERT OR IGNORE INTO customer_activity_log (uuid, customer_id, action, details, admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![c.entity_id, customer, row.action, row.details, row.admin, row.created_at],
    )?;
    Ok(Outcome::Merged)
}

/// An admin made on another desk. A username already here is the same
/// person (every new shop file starts with `admin`); a new one arrives with
/// its role and without a password, which is per file
/// (`admin passwd` on this desk before they sign in here).
fn insert_admin(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let v = value_of(c)?;
    let (Some(username), Some(name), Some(created_at)) = (
        text(&v, "username"),
        text(&v, "name"),
        text(&v, "created_at"),
    ) else {
        return Ok(Outcome::Held);
    };
    let role = text(&v, "role").unwrap_or_else(|| "owner".into());
    w.exec(
        "INSERT INTO admin_users (uuid, username, name, created_at, role)
         SELECT ?1, ?2, ?3, ?4, ?5
         WHERE NOT EXISTS (SELECT 1 FROM admin_users WHERE uuid = ?1 OR username = ?2)",
        rusqlite::params![c.entity_id, username, name, created_at, role],
    )?;
    Ok(Outcome::Merged)
}

/// The balance cache of each customer whose ledger grew: the sum of every
/// device's entries, never a synced number.
fn recompute_balances(w: &mut Write<'_>, customers: &BTreeSet<i64>) -> Result<()> {
    for id in customers {
        w.uncounted(|w| {
            w.exec(
                "UPDATE customers SET balance = coalesce((
                     SELECT sum(CASE type WHEN 'debit' THEN -amount ELSE amount END)
                     FROM customer_balance_history WHERE customer_id = ?1), 0)
                 WHERE id = ?1",
                [id],
            )
        })?;
    }
    Ok(())
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
