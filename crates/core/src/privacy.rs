//! Privacy requests about one customer: export everything stored about them,
//! anonymise them (keeping the amounts so the books still add up), or erase
//! them entirely (leaving a tombstone in the change log so sync removes them
//! everywhere).
//!
//! The tables that hold a customer's data are listed once, in `OWNED`; a new
//! table with a `customer_id` must be added there (a test checks that every
//! such table is).

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::customers::{self, Handle, Status};
use crate::db::{ChangeOp, Write};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::outfile::{self, Rules, Written};
use crate::phone::Region;

/// Tables with a `customer_id`, children before parents (the erase order),
/// and the name of each in the export.
pub const OWNED: &[(&str, &str)] = &[
    ("payments", "payments"),
    ("invoices", "invoices"),
    ("subscriptions", "subscriptions"),
    ("customer_balance_history", "ledger"),
    ("customer_contacts", "contacts"),
    ("customer_tags", "tags"),
    ("customer_activity_log", "activity"),
    ("messages", "messages"),
];

/// Caches with a `customer_id` (the analytics rollups of V7) that triggers
/// empty of a customer when the rows above are deleted: nothing to export or erase.
pub const DERIVED: &[&str] = &["subscriber_rollup", "subscriber_recheck"];

/// Sold vouchers keep their sale for the shop's stock; only the link to the customer goes.
const UNLINKED: &[&str] = &["vouchers"];

/// Money columns: exported as decimal strings like everywhere else.
const MONEY_COLUMNS: &[&str] = &[
    "balance",
    "total_spent",
    "amount",
    "previous_balance",
    "new_balance",
    "price",
    "charge",
    "total",
    "carried_amount",
    "amount_allocated",
];

/// Keys whose values identify a person, in activity details and change-log values.
const PERSONAL_KEYS: &[&str] = &[
    "name", "whatsapp", "email", "phone", "address", "notes", "value",
];
const REMOVED: &str = "[removed]";
pub const ANONYMOUS_NAME: &str = "Anonymous Customer";

/// Everything stored about a customer, as one JSON document.
pub fn export(conn: &Connection, reference: &str, region: Region) -> Result<Value> {
    let customer = customers::resolve(conn, reference, region)?;
    let mut doc = Map::new();
    doc.insert("format".into(), json!("pelanggan-privacy-export/1"));
    doc.insert(
        "exported_at".into(),
        json!(crate::db::timestamp(chrono::Utc::now())),
    );
    let row = rows(conn, "SELECT * FROM customers WHERE id = ?1", customer.id)?;
    doc.insert(
        "customer".into(),
        row.into_iter().next().unwrap_or(Value::Null),
    );
    for (table, key) in OWNED {
        if !table_exists(conn, table)? {
            doc.insert((*key).into(), json!([]));
            continue;
        }
        let sql = if *table == "customer_tags" {
            "SELECT t.name, t.color, ct.uuid, ct.causal_length, ct.created_at
             FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ?1"
                .to_owned()
        } else {
            format!("SELECT * FROM {table} WHERE customer_id = ?1 ORDER BY rowid")
        };
        doc.insert((*key).into(), Value::Array(rows(conn, &sql, customer.id)?));
    }
    for table in UNLINKED {
        if table_exists(conn, table)? {
            let sql = format!("SELECT * FROM {table} WHERE customer_id = ?1 ORDER BY rowid");
            doc.insert(
                (*table).into(),
                Value::Array(rows(conn, &sql, customer.id)?),
            );
        }
    }
    Ok(Value::Object(doc))
}

/// `export` written to `file` (`-`: standard output) through `outfile`: an
/// existing file is replaced only with `force`, the open database, a link or
/// a device never; the file appears only when complete.
pub fn export_to_file(
    conn: &Connection,
    reference: &str,
    region: Region,
    file: &Path,
    force: bool,
) -> Result<Written> {
    let rules = Rules::new(force).with_stdout().protect_conn(conn);
    outfile::check(file, &rules)?;
    let doc = export(conn, reference, region)?;
    let mut text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    text.push('\n');
    let mut out = outfile::create(file, &rules)?;
    out.write_all(text.as_bytes())?;
    Ok(Written {
        file: out.finish()?.path(),
        bytes: text.len() as u64,
    })
}

/// Removes what identifies the customer: name, numbers, email, address, notes,
/// extra contacts, and those values inside the activity log and the change
/// log. Amounts, tags and the ledger stay. Irreversible.
pub fn anonymise(w: &mut Write<'_>, reference: &str) -> Result<customers::Customer> {
    let customer = customers::resolve(w.tx(), reference, w.region())?;
    // First scrub what is already recorded, then record the anonymisation itself.
    scrub_activity(w, customer.id)?;
    scrub_change_log(w, &customer)?;
    let placeholder = placeholder_number(w.tx(), &customer)?;
    let status: String = w.tx().query_row(
        "SELECT status FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    let status = if status == Status::Active.as_str() {
        Status::Inactive.as_str().to_owned()
    } else {
        status
    };
    w.exec(
        "UPDATE customers SET name = ?2, whatsapp = ?3, email = NULL, phone = NULL, address = NULL,
                notes = NULL, status = ?4, updated_at = ?5
         WHERE id = ?1",
        params![customer.id, ANONYMOUS_NAME, placeholder, status, w.now()],
    )?;
    // What sync already sent is replaced by these changes; what it has not sent is scrubbed below.
    for (field, value) in [
        ("name", json!(ANONYMOUS_NAME)),
        ("whatsapp", json!(placeholder)),
        ("email", Value::Null),
        ("phone", Value::Null),
        ("address", Value::Null),
        ("notes", Value::Null),
        ("status", json!(status)),
    ] {
        w.record_change(
            "customer",
            &customer.uuid,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    let contacts: Vec<(String, i64)> = {
        let mut stmt = w.tx().prepare(
            "UPDATE customer_contacts SET value = ?2, notes = NULL, is_primary = 0,
                    causal_length = causal_length + (causal_length % 2), updated_at = ?3
             WHERE customer_id = ?1 RETURNING uuid, causal_length",
        )?;
        stmt.query_map(params![customer.id, REMOVED, w.now()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (uuid, causal_length) in &contacts {
        w.record_change(
            "contact",
            uuid,
            ChangeOp::Update,
            Some("value"),
            Some(&json!(REMOVED)),
        )?;
        w.record_change(
            "contact",
            uuid,
            ChangeOp::Delete,
            Some("causal_length"),
            Some(&json!(causal_length)),
        )?;
    }
    w.record_activity(
        customer.id,
        "anonymised",
        json!({ "contacts_removed": contacts.len() }),
    )?;
    customers::get_by_id(w.tx(), customer.id)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Erased {
    pub customer_id: String,
    pub rows_deleted: u64,
}

/// Deletes the customer and every row about them. Refused while their
/// balance is not zero, unless `force` (the books would lose a debt or a credit).
pub fn erase(w: &mut Write<'_>, reference: &str, force: bool) -> Result<Erased> {
    let customer = customers::resolve(w.tx(), reference, w.region())?;
    let balance: Money = w.tx().query_row(
        "SELECT balance FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    if balance != Money::ZERO && !force {
        return Err(Error::Conflict(format!(
            "customer {} ({}) has a balance of {balance}; settle it first or force the deletion",
            customer.uuid, customer.name
        )));
    }
    let entities = owned_uuids(w.tx(), &customer)?;
    let mut rows_deleted = 0u64;
    w.exec(
        "INSERT INTO privacy_erasures (customer_id) VALUES (?1)",
        [customer.id],
    )?;
    for table in UNLINKED {
        if table_exists(w.tx(), table)? {
            w.exec(
                &format!("UPDATE {table} SET customer_id = NULL WHERE customer_id = ?1"),
                [customer.id],
            )?;
        }
    }
    for (table, _) in OWNED {
        if table_exists(w.tx(), table)? {
            rows_deleted += w.exec(
                &format!("DELETE FROM {table} WHERE customer_id = ?1"),
                [customer.id],
            )? as u64;
        }
    }
    rows_deleted += w.exec("DELETE FROM customers WHERE id = ?1", [customer.id])? as u64;
    w.exec(
        "DELETE FROM privacy_erasures WHERE customer_id = ?1",
        [customer.id],
    )?;
    // Unsent changes would carry the erased data; the tombstone tells every
    // other device to erase the customer too.
    for (seq, _, _) in changes_of(w.tx(), &entities)? {
        w.exec("DELETE FROM change_log WHERE seq = ?1", [seq])?;
    }
    w.record_change(
        "customer",
        &customer.uuid,
        ChangeOp::Delete,
        Some("erased"),
        Some(&json!(true)),
    )?;
    Ok(Erased {
        customer_id: customer.uuid,
        rows_deleted,
    })
}

/// A number that can never reach a person: +999 is a country code the ITU
/// keeps unassigned, and `phone::parse` refuses it, so no typed number equals it.
fn placeholder_number(conn: &Connection, customer: &Handle) -> Result<String> {
    let seed = uuid::Uuid::parse_str(&customer.uuid)
        .map(|u| u.as_u128())
        .unwrap_or(customer.id as u128);
    for attempt in 0..1000u128 {
        let candidate = format!("+999{:012}", (seed + attempt) % 1_000_000_000_000);
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM customers WHERE whatsapp = ?1 AND id != ?2)",
            params![candidate, customer.id],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(candidate);
        }
    }
    Err(Error::Conflict("no free placeholder number".into()))
}

fn scrub_activity(w: &mut Write<'_>, customer_id: i64) -> Result<()> {
    let entries: Vec<(i64, String)> = {
        let mut stmt = w
            .tx()
            .prepare("SELECT id, details FROM customer_activity_log WHERE customer_id = ?1")?;
        stmt.query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (id, details) in entries {
        let mut value: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
        scrub(&mut value);
        w.exec(
            "UPDATE customer_activity_log SET details = ?2 WHERE id = ?1",
            params![id, value.to_string()],
        )?;
    }
    Ok(())
}

/// Unsent change-log rows of the customer's entities may hold personal values.
fn scrub_change_log(w: &mut Write<'_>, customer: &Handle) -> Result<()> {
    let entities = owned_uuids(w.tx(), customer)?;
    for (seq, field, value) in changes_of(w.tx(), &entities)? {
        let Some(text) = value else { continue };
        let mut value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match field.as_deref() {
            Some(f) if PERSONAL_KEYS.contains(&f) => value = json!(REMOVED),
            _ => scrub(&mut value),
        }
        w.exec(
            "UPDATE change_log SET value = ?2 WHERE seq = ?1",
            params![seq, value.to_string()],
        )?;
    }
    Ok(())
}

/// A change-log row as privacy rewrites it: seq, field, value.
type LoggedChange = (i64, Option<String>, Option<String>);

/// The change-log rows of the given entities. One scan:
/// the change log has no index by entity (it would cost every write a random
/// insert), and a privacy request is rare.
fn changes_of(conn: &Connection, entities: &[String]) -> Result<Vec<LoggedChange>> {
    let wanted: HashSet<&str> = entities.iter().map(String::as_str).collect();
    let mut stmt = conn.prepare("SELECT seq, entity_id, field, value FROM change_log")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let entity_id: String = row.get(1)?;
        if wanted.contains(entity_id.as_str()) {
            out.push((row.get(0)?, row.get(2)?, row.get(3)?));
        }
    }
    Ok(out)
}

/// Replaces personal values anywhere in a JSON document.
fn scrub(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if PERSONAL_KEYS.contains(&key.as_str()) && !v.is_null() {
                    *v = json!(REMOVED);
                } else {
                    scrub(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

/// The uuids of the customer and of every row it owns (for the change log).
fn owned_uuids(conn: &Connection, customer: &Handle) -> Result<Vec<String>> {
    let mut uuids = vec![customer.uuid.clone()];
    for (table, _) in OWNED {
        if table_exists(conn, table)? {
            let mut stmt =
                conn.prepare(&format!("SELECT uuid FROM {table} WHERE customer_id = ?1"))?;
            let found = stmt
                .query_map([customer.id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            uuids.extend(found);
        }
    }
    Ok(uuids)
}

pub(crate) fn table_exists(conn: &Connection, table: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Rows as JSON objects by column name; money columns as decimal strings.
fn rows(conn: &Connection, sql: &str, customer_id: i64) -> Result<Vec<Value>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([customer_id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) if MONEY_COLUMNS.contains(&name.as_str()) => {
                    json!(Money::from_minor(n))
                }
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(f) => json!(f),
                ValueRef::Text(t) => {
                    let text = String::from_utf8_lossy(t).into_owned();
                    // JSON columns (activity details) come out as JSON, not as a string.
                    match name.as_str() {
                        "details" | "value" | "carried_from" => {
                            serde_json::from_str(&text).unwrap_or(Value::String(text))
                        }
                        _ => Value::String(text),
                    }
                }
                ValueRef::Blob(b) => json!(b),
            };
            object.insert(name.clone(), value);
        }
        out.push(Value::Object(object));
    }
    Ok(out)
}
