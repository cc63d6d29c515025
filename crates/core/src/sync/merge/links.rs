//! Tags, a customer's tag links and extra contacts. A tag's uuid comes from
//! its lower-cased name and a link's from its customer and tag, so the same
//! tag or link made on two desks is one row; contacts and links carry a
//! causal length for their deletes and restores.

use pelanggan_sync_protocol::Change;

use rusqlite::OptionalExtension;

use super::{
    Outcome, causal, customer_id, later, local_id, sql_of, touch_customer, value_of, wins,
};
use crate::db::Write;
use crate::error::Result;
use crate::wire::{ContactRecord, CustomerTagRecord, TagRecord};

/// The contact fields a remote update may set.
const CONTACT_FIELDS: &[&str] = &["is_primary", "value", "notes"];

pub(super) fn insert_tag(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    let Some(tag) = super::record::<TagRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    // A name held here under another uuid (a case rule of another version)
    // is the same tag: names are unique in the shop.
    let inserted = w.exec(
        "INSERT INTO tags (uuid, name, color, created_at)
         SELECT ?1, ?2, ?3, ?4
         WHERE NOT EXISTS (SELECT 1 FROM tags WHERE uuid = ?1 OR name = ?2)",
        rusqlite::params![c.entity_id, tag.name, tag.color, tag.created_at],
    )?;
    // The same tag made on two desks: its colour is the later one's.
    if inserted == 0 && color_wins(w, c, device)? {
        w.exec(
            "UPDATE tags SET color = ?2 WHERE uuid = ?1",
            rusqlite::params![c.entity_id, tag.color],
        )?;
    }
    Ok(Outcome::Merged)
}

pub(super) fn update_tag(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    if c.field.as_deref() != Some("color") {
        return Ok(Outcome::Held);
    }
    if local_id(w, "tags", &c.entity_id)?.is_none() {
        return Ok(Outcome::Held);
    }
    if color_wins(w, c, device)? {
        w.exec(
            "UPDATE tags SET color = ?2 WHERE uuid = ?1",
            rusqlite::params![c.entity_id, sql_of(value_of(c)?)],
        )?;
    }
    Ok(Outcome::Merged)
}

pub(super) fn insert_link(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some(link) = super::record::<CustomerTagRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    // The link stays on the customer it names, merged or not: a link's
    // uuid comes from its customer, and a merge gives the kept customer
    // links of its own (`customer_merge::give_tag`).
    let (Some(customer), Some(tag)) = (
        local_id(w, "customers", &link.customer_id)?,
        local_id(w, "tags", &link.tag_id.to_string())?,
    ) else {
        return Ok(Outcome::Held);
    };
    // Made on two desks, the link is one row: the larger causal length holds.
    w.exec(
        "INSERT INTO customer_tags (customer_id, tag_id, uuid, causal_length, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (customer_id, tag_id)
         DO UPDATE SET causal_length = max(causal_length, excluded.causal_length)",
        rusqlite::params![
            customer,
            tag,
            c.entity_id,
            link.causal_length,
            link.created_at
        ],
    )?;
    touch_customer(w, customer)?;
    // Made for a customer merged meanwhile: the kept one carries it too.
    let alive = link.causal_length % 2 == 1;
    if alive
        && let Some((keep, _)) = customer_id(w, &link.customer_id)?.filter(|(k, _)| *k != customer)
    {
        crate::customer_merge::give_tag(w, keep, tag)?;
        touch_customer(w, keep)?;
    }
    Ok(Outcome::Merged)
}

pub(super) fn delete_or_restore_link(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let outcome = causal(w, "customer_tags", c)?;
    changed(w, outcome)
}

pub(super) fn insert_contact(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let Some(contact) = super::record::<ContactRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    let Some((customer, _)) = customer_id(w, &contact.customer_id)? else {
        return Ok(Outcome::Held);
    };
    w.exec(
        "INSERT OR IGNORE INTO customer_contacts (uuid, customer_id, type, value, is_primary,
             notes, causal_length, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        rusqlite::params![
            c.entity_id,
            customer,
            contact.kind.as_str(),
            contact.value,
            contact.is_primary,
            contact.notes,
            contact.causal_length,
            contact.created_at,
        ],
    )?;
    touch_customer(w, customer)?;
    Ok(Outcome::Merged)
}

pub(super) fn update_contact(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    let Some(field) = c.field.as_deref().filter(|f| CONTACT_FIELDS.contains(f)) else {
        return Ok(Outcome::Held);
    };
    if local_id(w, "customer_contacts", &c.entity_id)?.is_none() {
        return Ok(Outcome::Held);
    }
    if wins(w, c, device, field)? {
        let now = w.now().to_owned();
        // `field` is one of CONTACT_FIELDS: a column name, never input text.
        w.exec(
            &format!("UPDATE customer_contacts SET {field} = ?2, updated_at = ?3 WHERE uuid = ?1"),
            rusqlite::params![c.entity_id, sql_of(value_of(c)?), now],
        )?;
    }
    Ok(Outcome::Merged)
}

pub(super) fn delete_or_restore_contact(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    let outcome = causal(w, "customer_contacts", c)?;
    if outcome.is_some() {
        let now = w.now().to_owned();
        w.exec(
            "UPDATE customer_contacts SET updated_at = ?2 WHERE uuid = ?1",
            rusqlite::params![c.entity_id, now],
        )?;
    }
    changed(w, outcome)
}

/// Whether `c` (an insert or a colour change of a tag) is later than the
/// tag's colour here, which its insert also set: a tag, unlike other rows,
/// may be made on two desks under one uuid. (Tags are few and change
/// rarely: the change log is searched without an index for them.)
fn color_wins(w: &Write<'_>, c: &Change, device: &str) -> Result<bool> {
    let held = w
        .tx()
        .prepare_cached(
            "SELECT c.hlc, d.device_id FROM change_log c JOIN devices d ON d.id = c.device
             WHERE c.entity = 'tag' AND c.entity_id = ?1 AND (c.op = 'insert' OR c.field = 'color')
             ORDER BY c.hlc DESC, d.device_id DESC LIMIT 1",
        )?
        .query_row([&c.entity_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(later(c, device, held))
}

/// A causal change's outcome: held when the row is not here, else merged
/// (its customer marked changed when it applied).
fn changed(w: &mut Write<'_>, outcome: Option<Option<i64>>) -> Result<Outcome> {
    match outcome {
        None => Ok(Outcome::Held),
        Some(Some(customer)) => {
            touch_customer(w, customer)?;
            Ok(Outcome::Merged)
        }
        Some(None) => Ok(Outcome::Merged),
    }
}
