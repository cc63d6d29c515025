//! A customer's extra contacts: more WhatsApp numbers, emails and phones,
//! validated like the main fields; at most one primary per type.
//!
//! Owns the contact rows and their rules, by customer reference. Must not
//! know how a customer is made; it reuses `customers`' number rules.

use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::customers::{self, Handle};
use crate::db::{ChangeOp, Reader, Write, new_id};
use crate::error::{Error, Result};
use crate::phone::{E164, Region};
use crate::validate;
use crate::warning::Warning;
use crate::wire::{ActivityEvent, ContactRecord, Entity};

pub const VALUE_MAX: usize = 100;
pub const NOTES_MAX: usize = 200;

pub use crate::wire::ContactKind;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Contact {
    pub id: String,
    pub local_id: i64,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub kind: ContactKind,
    pub value: String,
    pub is_primary: bool,
    pub notes: Option<String>,
    pub created_at: String,
}

/// A contact to add. JSON: `{"type": "email", "value": "..."}`, with
/// `is_primary` (false) and `notes` optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewContact {
    #[serde(rename = "type")]
    pub kind: ContactKind,
    pub value: String,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub is_primary: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub notes: Option<String>,
}

/// Adds a contact to the customer `reference`. Warns (`Write::warn`) when a
/// number was read as another country's, when a WhatsApp contact is not a
/// mobile, and when the number is another live customer's main WhatsApp
/// number (`number_of_other_customer`, naming that customer).
pub fn add(w: &mut Write<'_>, reference: &str, input: NewContact) -> Result<Contact> {
    let customer = customers::resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    let mut warnings = Vec::new();
    let value = normalise(input.kind, &input.value, w.region(), &mut warnings)?;
    if input.kind != ContactKind::Email {
        let number = E164::from_stored(value.clone());
        if let Some(holder) = customers::whatsapp_holder(w.tx(), &number, Some(customer.id()))? {
            warnings.push(Warning::new(
                "number_of_other_customer",
                Some("value"),
                format!(
                    "{value} is the WhatsApp number of another customer, #{} {} ({})",
                    holder.id(),
                    holder.name(),
                    holder.uuid()
                ),
            ));
        }
    }
    let notes = validate::optional("notes", input.notes.as_deref(), NOTES_MAX)?;
    let taken: bool = w.query_row(
        "SELECT EXISTS (SELECT 1 FROM customer_contacts WHERE customer_id = ?1 AND type = ?2
                        AND value = ?3 COLLATE NOCASE AND causal_length % 2 = 1)",
        params![customer.id(), input.kind.as_str(), value],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::Conflict(format!(
            "customer already has the {} contact {value}",
            input.kind
        )));
    }
    let uuid = new_id();
    w.exec(
        "INSERT INTO customer_contacts (uuid, customer_id, type, value, is_primary, notes,
                                        created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        params![
            uuid,
            customer.id(),
            input.kind.as_str(),
            value,
            notes,
            w.now()
        ],
    )?;
    let now = w.now().to_owned();
    let record = ContactRecord {
        customer_id: customer.uuid().into(),
        kind: input.kind,
        value: value.as_str().into(),
        is_primary: false,
        notes: notes.as_deref().map(Into::into),
        causal_length: 1,
        created_at: now.as_str().into(),
    };
    w.record_insert(Entity::Contact, &uuid, &record)?;
    w.record_activity(
        customer.id(),
        &ActivityEvent::ContactAdded {
            contact_id: uuid.as_str().into(),
            kind: input.kind,
            value: value.as_str().into(),
        },
    )?;
    if input.is_primary {
        make_primary(w, &customer, &uuid, input.kind)?;
    }
    for warning in warnings {
        w.warn(warning);
    }
    get(w.tx(), &customer, &uuid)
}

pub fn remove(w: &mut Write<'_>, reference: &str, contact: &str) -> Result<Contact> {
    let customer = customers::resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    let found = get(w.tx(), &customer, contact)?;
    let causal_length: i64 = w.query_row(
        "UPDATE customer_contacts SET causal_length = causal_length + 1, is_primary = 0,
                updated_at = ?2
         WHERE uuid = ?1 RETURNING causal_length",
        params![found.id, w.now()],
        |r| r.get(0),
    )?;
    w.record_change(
        Entity::Contact,
        &found.id,
        ChangeOp::Delete,
        Some("causal_length"),
        Some(&json!(causal_length)),
    )?;
    w.record_activity(
        customer.id(),
        &ActivityEvent::ContactRemoved {
            contact_id: found.id.as_str().into(),
            kind: found.kind,
            value: found.value.as_str().into(),
        },
    )?;
    Ok(found)
}

/// Makes a contact the primary one of its type (the others of that type stop being primary).
pub fn set_primary(w: &mut Write<'_>, reference: &str, contact: &str) -> Result<Contact> {
    let customer = customers::resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    let found = get(w.tx(), &customer, contact)?;
    if !found.is_primary {
        make_primary(w, &customer, &found.id, found.kind)?;
    }
    get(w.tx(), &customer, &found.id)
}

fn make_primary(w: &mut Write<'_>, customer: &Handle, uuid: &str, kind: ContactKind) -> Result<()> {
    let previous: Vec<String> = {
        let mut stmt = w.tx().prepare(
            "UPDATE customer_contacts SET is_primary = 0, updated_at = ?3
             WHERE customer_id = ?1 AND type = ?2 AND is_primary = 1 RETURNING uuid",
        )?;
        stmt.query_map(params![customer.id(), kind.as_str(), w.now()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &previous {
        w.record_change(
            Entity::Contact,
            id,
            ChangeOp::Update,
            Some("is_primary"),
            Some(&json!(false)),
        )?;
    }
    w.exec(
        "UPDATE customer_contacts SET is_primary = 1, updated_at = ?2 WHERE uuid = ?1",
        params![uuid, w.now()],
    )?;
    w.record_change(
        Entity::Contact,
        uuid,
        ChangeOp::Update,
        Some("is_primary"),
        Some(&json!(true)),
    )?;
    w.record_activity(
        customer.id(),
        &ActivityEvent::ContactPrimarySet {
            contact_id: uuid.into(),
            kind,
            previous: previous.iter().map(|p| p.as_str().into()).collect(),
        },
    )
}

/// The live contacts of a customer, primary first within each type.
pub fn list(r: Reader<'_>, reference: &str) -> Result<Vec<Contact>> {
    let customer = customers::resolve(r, reference)?;
    let conn = r.conn();
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE k.customer_id = ?1 AND k.causal_length % 2 = 1
         ORDER BY k.type, k.is_primary DESC, k.id"
    ))?;
    let rows = stmt.query_map([customer.id()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One live contact of `customer`, by uuid or local id.
fn get(conn: &Connection, customer: &Handle, contact: &str) -> Result<Contact> {
    let text = contact.trim();
    let by = if Uuid::parse_str(text).is_ok() {
        "k.uuid = ?2"
    } else {
        "k.id = ?2"
    };
    conn.query_row(
        &format!("{SELECT} WHERE k.customer_id = ?1 AND {by} AND k.causal_length % 2 = 1"),
        params![customer.id(), text],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::not_found("contact", text))
}

/// Validates a contact value by its type; numbers become E.164.
fn normalise(
    kind: ContactKind,
    value: &str,
    region: Region,
    warnings: &mut Vec<Warning>,
) -> Result<String> {
    let text = validate::required("value", value, VALUE_MAX)?;
    Ok(match kind {
        ContactKind::Whatsapp => {
            customers::parse_whatsapp("value", &text, region, warnings)?.to_string()
        }
        ContactKind::Phone => customers::parse_phone("value", Some(&text), region, warnings)?
            .map(|p| p.to_string())
            .unwrap_or_default(),
        ContactKind::Email => validate::email("value", Some(&text))?.unwrap_or_default(),
    })
}

const SELECT: &str =
    "SELECT k.uuid, k.id, c.uuid, k.type, k.value, k.is_primary, k.notes, k.created_at
                      FROM customer_contacts k JOIN customers c ON c.id = k.customer_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Contact> {
    let kind: String = r.get(3)?;
    Ok(Contact {
        id: r.get(0)?,
        local_id: r.get(1)?,
        customer_id: r.get(2)?,
        kind: ContactKind::from_str(&kind).unwrap_or(ContactKind::Phone),
        value: r.get(4)?,
        is_primary: r.get(5)?,
        notes: r.get(6)?,
        created_at: r.get(7)?,
    })
}
