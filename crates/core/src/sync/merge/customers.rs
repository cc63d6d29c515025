//! Customers, and the rows that hang on them and never change: ledger
//! entries and activity (merged by id), and admins (by username).

use pelanggan_sync_protocol::Change;
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::{Outcome, Touched, sql_of, text, value_of, wins};
use crate::customer_merge;
use crate::customers;
use crate::db::Write;
use crate::error::Result;
use crate::sync::rows::{ActivityRow, LedgerRow};

/// The customer fields a remote update may set (the columns of the same name).
const FIELDS: &[&str] = &[
    "name",
    "whatsapp",
    "email",
    "phone",
    "address",
    "notes",
    "status",
    "notify_opt_out",
];

/// The customer's own row: its local id and causal length, by uuid.
fn row_of(w: &Write<'_>, uuid: &str) -> Result<Option<(i64, i64)>> {
    Ok(w.tx()
        .prepare_cached("SELECT id, causal_length FROM customers WHERE uuid = ?1")?
        .query_row([uuid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The customer a row names by uuid (its local id and causal length),
/// following merges: a row made for a customer that was merged meanwhile
/// belongs to the one kept.
pub(in crate::sync) fn customer_id(w: &Write<'_>, uuid: &str) -> Result<Option<(i64, i64)>> {
    let mut uuid = uuid.to_owned();
    // A chain of merges is short; the bound only stops a loop of merges
    // made concurrently on two desks (each into the other).
    for _ in 0..16 {
        let row: Option<(i64, i64, Option<String>)> = w
            .tx()
            .prepare_cached("SELECT id, causal_length, merged_into FROM customers WHERE uuid = ?1")?
            .query_row([&uuid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        match row {
            Some((_, _, Some(into))) => uuid = into,
            Some((id, cl, None)) => return Ok(Some((id, cl))),
            None => return Ok(None),
        }
    }
    row_of(w, &uuid)
}

pub(super) fn insert(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    if row_of(w, &c.entity_id)?.is_some() || erased(w, &c.entity_id)? {
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

pub(super) fn update(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    if c.field.as_deref() == Some("merged_into") {
        return merged(w, c, touched);
    }
    let Some(field) = c.field.as_deref().filter(|f| FIELDS.contains(f)) else {
        return Ok(Outcome::Held);
    };
    if row_of(w, &c.entity_id)?.is_none() {
        return Ok(Outcome::Held);
    }
    if !wins(w, c, device, field)? {
        return Ok(Outcome::Merged);
    }
    let value = sql_of(value_of(c)?);
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
    // `field` is one of FIELDS: a column name, never input text.
    let sql = format!("UPDATE customers SET {field} = {column}, updated_at = ?2 WHERE uuid = ?3");
    let now = w.now().to_owned();
    w.exec(&sql, rusqlite::params![value, now, c.entity_id])?;
    Ok(Outcome::Merged)
}

/// A merge made on another desk: this customer's rows here go to the one
/// kept, as they did there (`customer_merge::absorb`). The first merge of
/// a customer stands (its rows have moved).
fn merged(w: &mut Write<'_>, c: &Change, touched: &mut Touched) -> Result<Outcome> {
    let Value::String(keep) = value_of(c)? else {
        return Ok(Outcome::Held);
    };
    // Merged into a customer erased meanwhile: the same person, erased too.
    if erased(w, &keep)? {
        if let Some((other, _)) = row_of(w, &c.entity_id)? {
            touched.customers.remove(&other);
            erase_here(w, &c.entity_id)?;
        }
        return Ok(Outcome::Merged);
    }
    let (Some((other, _)), Ok(keep)) = (
        row_of(w, &c.entity_id)?,
        customers::resolve(w.reader(), &keep),
    ) else {
        return Ok(Outcome::Held);
    };
    let already: Option<String> = w.query_row(
        "SELECT merged_into FROM customers WHERE id = ?1",
        [other],
        |r| r.get(0),
    )?;
    if already.is_none() && keep.id() != other {
        customer_merge::absorb(w, &keep, other)?;
        touched.customers.extend([keep.id(), other]);
    }
    Ok(Outcome::Merged)
}

/// A privacy erase made on another desk: the customer and every row of
/// theirs go here too (`privacy::erase_rows`); the tombstone is recorded
/// (the driver's), so what still arrives for them is dropped (`erased`).
///
/// The same person's record elsewhere on this desk goes too, each with its
/// own tombstone for the other desks: the customers merged into this one
/// (as a local erase does) and the one it was merged into (a merge made
/// here, or heard of, before the erase arrived: its rows hold this one's).
pub(super) fn erase(w: &mut Write<'_>, c: &Change, touched: &mut Touched) -> Result<Outcome> {
    note_erased(w, &c.entity_id)?;
    let Ok(customer) = customers::resolve(w.reader(), &c.entity_id) else {
        return Ok(Outcome::Merged);
    };
    touched.customers.remove(&customer.id());
    let merged = crate::privacy::merged_into(w.tx(), customer.uuid())?;
    let kept = customer.merged_into.clone();
    crate::privacy::erase_rows(w, &customer)?;
    for other in merged.iter().chain(&kept) {
        if let Ok(other) = customers::resolve(w.reader(), other) {
            touched.customers.remove(&other.id());
            erase_here(w, other.uuid())?;
        }
    }
    Ok(Outcome::Merged)
}

/// Erases a customer here as an admin would, its tombstone recorded.
fn erase_here(w: &mut Write<'_>, uuid: &str) -> Result<()> {
    let confirmed = crate::privacy::Confirm::Yes;
    crate::privacy::erase(w, uuid, true, confirmed).map(|_| ())
}

/// Whether the row `uuid` was erased here (`sync_erased`).
pub(in crate::sync) fn erased(w: &Write<'_>, uuid: &str) -> Result<bool> {
    Ok(w.tx()
        .prepare_cached("SELECT 1 FROM sync_erased WHERE uuid = ?1")?
        .exists([uuid])?)
}

/// Notes `uuid` as erased: what still arrives for it is dropped.
pub(in crate::sync) fn note_erased(w: &mut Write<'_>, uuid: &str) -> Result<()> {
    // A local note, not a change other desks need (they have the tombstone).
    w.uncounted(|w| {
        w.exec(
            "INSERT OR IGNORE INTO sync_erased (uuid) VALUES (?1)",
            [uuid],
        )
    })?;
    Ok(())
}

pub(super) fn delete_or_restore(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some((id, local)) = row_of(w, &c.entity_id)? else {
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

pub(super) fn insert_ledger_entry(
    w: &mut Write<'_>,
    c: &Change,
    touched: &mut Touched,
) -> Result<Outcome> {
    let Some(row) = super::record::<LedgerRow>(c) else {
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
        touched.customers.insert(customer);
    }
    Ok(Outcome::Merged)
}

pub(super) fn insert_activity(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some(row) = super::record::<ActivityRow>(c) else {
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
pub(super) fn insert_admin(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
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
