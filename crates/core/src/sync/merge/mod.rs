//! The merge rule of each entity, one module per family of tables; the page
//! driver (`incoming`) calls `merge` for each change it does not hold yet.
//!
//! Shared rules: a changed field is applied when it is later, by (HLC,
//! device id), than every change of that field (or the row's insert) held
//! here (`wins`); a delete or restore carries the row's causal length and is
//! applied when it is larger (`causal`); a row whose parent (its customer,
//! subscription, ledger entry) has not arrived is `Held` and tried again
//! when later changes come (`incoming::retry_held`).
//!
//! Owns: how a change becomes rows. Must not know: the transport, the
//! cursor, the inbox (the driver's).

mod billing;
mod customers;
mod links;
mod messages;
mod settings;

use std::collections::BTreeSet;

use pelanggan_sync_protocol::{Change, Op};
use rusqlite::OptionalExtension;
use rusqlite::types::Value as Sql;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::db::Write;
use crate::error::{Error, Result};

pub(super) use customers::customer_id;

pub(super) enum Outcome {
    /// Applied, or outvoted by a later change held here: recorded.
    Merged,
    /// Not applicable yet (or ever, by this version): kept in the inbox.
    Held,
}

/// Customers whose ledger or billing rows changed in a page: their caches
/// (balance, invoice allocation, total spent, subscription count) are
/// recomputed once, at the page's end.
#[derive(Debug, Default)]
pub(super) struct Touched {
    pub customers: BTreeSet<i64>,
}

/// The entities this version merges (the rest waits in the inbox).
pub(super) const MERGED: &[&str] = &[
    "customer",
    "ledger_entry",
    "activity",
    "admin",
    "tag",
    "customer_tag",
    "contact",
    "setting",
    "subscription",
    "invoice",
    "payment",
    "voucher",
    "message",
];

pub(super) fn merge(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    match (c.entity.as_str(), c.op) {
        ("customer", Op::Insert) => customers::insert(w, c),
        ("customer", Op::Update) => customers::update(w, c, device, touched),
        ("customer", Op::Delete) if c.field.as_deref() == Some("erased") => {
            customers::erase(w, c, touched)
        }
        ("customer", Op::Delete | Op::Restore) => customers::delete_or_restore(w, c),
        ("ledger_entry", Op::Insert) => customers::insert_ledger_entry(w, c, touched),
        ("activity", Op::Insert) => customers::insert_activity(w, c),
        ("admin", Op::Insert) => customers::insert_admin(w, c),
        ("tag", Op::Insert) => links::insert_tag(w, c, device),
        ("tag", Op::Update) => links::update_tag(w, c, device),
        ("customer_tag", Op::Insert) => links::insert_link(w, c),
        ("customer_tag", Op::Delete | Op::Restore) => links::delete_or_restore_link(w, c),
        ("contact", Op::Insert) => links::insert_contact(w, c),
        ("contact", Op::Update) => links::update_contact(w, c, device),
        ("contact", Op::Delete | Op::Restore) => links::delete_or_restore_contact(w, c),
        ("setting", Op::Update) => settings::update(w, c, device),
        ("subscription", Op::Insert) => billing::insert_subscription(w, c, touched),
        ("subscription", Op::Update) => billing::update_subscription(w, c, device, touched),
        ("invoice", Op::Insert) => billing::insert_invoice(w, c, touched),
        ("invoice", Op::Update) => billing::update_invoice(w, c, device, touched),
        ("payment", Op::Insert) => billing::insert_payment(w, c, touched),
        ("payment", Op::Update) => billing::update_payment(w, c, device, touched),
        ("voucher", Op::Insert) => billing::insert_voucher(w, c),
        ("voucher", Op::Update) => billing::update_voucher(w, c, device, touched),
        ("message", Op::Insert) => messages::insert(w, c, device),
        ("message", Op::Update) => messages::update(w, c, device),
        _ => Ok(Outcome::Held),
    }
}

/// Whether a change that cannot apply belongs to a customer erased here
/// (a privacy delete, here or on another desk): it is dropped, not held,
/// since holding it would keep what was erased. A row names its customer
/// in its insert record (`customer_id`).
pub(super) fn for_erased(w: &mut Write<'_>, c: &Change) -> Result<bool> {
    if customers::erased(w, &c.entity_id)? {
        return Ok(true);
    }
    let customer = c
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str::<Value>(v).ok())
        .and_then(|v| text(&v, "customer_id"));
    match customer {
        Some(uuid) if customers::erased(w, &uuid)? => {
            // Its later changes (an edit, a void) name only the row.
            customers::note_erased(w, &c.entity_id)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The change's value as JSON (`null` when it has none).
fn value_of(c: &Change) -> Result<Value> {
    let text = c.value.as_deref().unwrap_or("null");
    serde_json::from_str(text).map_err(|e| {
        Error::Internal(format!(
            "the {} change {} has no JSON value: {e}",
            c.entity, c.hlc
        ))
    })
}

/// The change's value as an entity's insert record (`wire`), None when it
/// is not one (a newer shape: held, not guessed at).
fn record<T: DeserializeOwned>(c: &Change) -> Option<T> {
    serde_json::from_str(c.value.as_deref()?).ok()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A JSON field value as SQLite stores it (booleans as 0/1, money and
/// counts as integers, dates and names as text).
fn sql_of(value: Value) -> Sql {
    match value {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(b)),
        Value::Number(n) => n.as_i64().map_or(Sql::Null, Sql::Integer),
        Value::String(s) => Sql::Text(s),
        other => Sql::Text(other.to_string()),
    }
}

/// Whether a change (hlc, device) of `field` is later than every change of
/// that field held here. The row's insert is not compared: a change is
/// made by a device that holds the row, so it follows the insert, even
/// when the insert's clock was ahead (not adopted) and its HLC is larger.
fn wins(w: &Write<'_>, c: &Change, device: &str, field: &str) -> Result<bool> {
    let latest = w.latest_change(&c.entity, &c.entity_id, Some(field))?;
    Ok(later(c, device, latest.map(|l| (l.hlc, l.device))))
}

/// Whether (hlc, device) of `c` is after `held` (nothing held: it is).
fn later(c: &Change, device: &str, held: Option<(i64, String)>) -> bool {
    match held {
        None => true,
        Some((hlc, holder)) => (c.hlc.0, device) > (hlc, holder.as_str()),
    }
}

/// The value of `field` in the latest change of it held here (a field that
/// travels with others: a void's time beside its ledger entry).
fn latest_value(w: &Write<'_>, c: &Change, field: &str) -> Result<Value> {
    let latest = w.latest_change(&c.entity, &c.entity_id, Some(field))?;
    Ok(latest
        .and_then(|l| l.value)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null))
}

/// The local id of the row of `table` with `uuid`. `table` is one of this
/// module's constants, never input text.
fn local_id(w: &Write<'_>, table: &str, uuid: &str) -> Result<Option<i64>> {
    Ok(w.tx()
        .prepare_cached(&format!("SELECT id FROM {table} WHERE uuid = ?1"))?
        .query_row([uuid], |r| r.get(0))
        .optional()?)
}

/// Whether the ledger entry `uuid` is here (billing rows name theirs).
fn has_entry(w: &Write<'_>, uuid: Option<&str>) -> Result<bool> {
    match uuid {
        None => Ok(true),
        Some(uuid) => Ok(w
            .tx()
            .prepare_cached("SELECT 1 FROM customer_balance_history WHERE uuid = ?1")?
            .exists([uuid])?),
    }
}

/// A delete or restore of a row with a causal length (contacts, tag
/// links): applied when the remote length is larger. Returns the row's
/// customer when it changed. `table` is one of this module's constants.
fn causal(w: &mut Write<'_>, table: &str, c: &Change) -> Result<Option<Option<i64>>> {
    let found: Option<(i64, i64)> = w
        .tx()
        .prepare_cached(&format!(
            "SELECT customer_id, causal_length FROM {table} WHERE uuid = ?1"
        ))?
        .query_row([&c.entity_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((customer, local)) = found else {
        return Ok(None);
    };
    let Some(remote) = value_of(c)?.as_i64() else {
        return Ok(None);
    };
    if remote > local {
        w.exec(
            &format!("UPDATE {table} SET causal_length = ?2 WHERE uuid = ?1"),
            rusqlite::params![c.entity_id, remote],
        )?;
        return Ok(Some(Some(customer)));
    }
    Ok(Some(None))
}

/// Marks a customer's row as changed (lists sort by it) after a merge
/// changed something of theirs.
fn touch_customer(w: &mut Write<'_>, customer: i64) -> Result<()> {
    let now = w.now().to_owned();
    w.exec(
        "UPDATE customers SET updated_at = ?2 WHERE id = ?1",
        rusqlite::params![customer, now],
    )?;
    Ok(())
}

/// The caches of each touched customer, from the rows that are here
/// (never synced numbers).
pub(super) fn recompute(w: &mut Write<'_>, touched: &Touched) -> Result<()> {
    for &id in &touched.customers {
        crate::caches::refresh(w, id)?;
    }
    Ok(())
}
