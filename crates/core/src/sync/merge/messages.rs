//! The outbox's messages: merged by uuid, so the shop's sender desk
//! (`notify_sender`) has every desk's queue to send and every desk shows
//! what became of each message; its status, recipient and body (the last
//! two changed by a privacy anonymise) are last-writer-wins.
//!
//! Two desks may queue a message for one cause offline (the same reminder
//! when no desk is the sender). Both rows are kept and the one with the
//! larger uuid gives way, on every desk alike: it takes a suffixed key
//! (`billing::free`) and, still waiting, is cancelled, so the customer gets
//! the message once. A desk records the cancel of its own message only: of
//! another desk's it is a local view (that desk cancels it, or says it was
//! sent before it heard of the other).

use pelanggan_sync_protocol::Change;
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::billing::{Unique, free};
use super::{Outcome, local_id, record, value_of, wins};
use crate::db::Write;
use crate::error::Result;
use crate::notify::outbox::{self, MessageKind, MessageStatus};
use crate::wire::MessageRecord;

/// What a message's update may change (status by the sender, the rest by
/// an anonymise).
const FIELDS: &[&str] = &["status", "recipient", "body"];

/// Why a message that gave way is cancelled.
const GAVE_WAY: &str = "another desk queued this message too: that one is sent";

pub(super) fn insert(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    // A bulk send's note: each of its messages carries its own record.
    if c.entity_id.starts_with("batch:") || local_id(w, "messages", &c.entity_id)?.is_some() {
        return Ok(Outcome::Merged);
    }
    let Some(m) = record::<MessageRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    if m.kind.parse::<MessageKind>().is_err() {
        return Ok(Outcome::Held);
    }
    // The customer it was queued for, even when merged into another since:
    // a message is what was said to whom (and a merge does not move it).
    let Some(customer) = local_id(w, "customers", &m.customer_id)? else {
        return Ok(Outcome::Held);
    };
    let holder = waiting_holder(w, &m.dedupe_key)?;
    let key = free(w, Unique::MessageKey, &m.dedupe_key, &c.entity_id)?;
    let gives_way = key != m.dedupe_key;
    w.exec(
        "INSERT INTO messages (uuid, customer_id, recipient, kind, template, body, cloud_template,
             dedupe_key, status, next_attempt_at, created_at, created_by, updated_at, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
        rusqlite::params![
            c.entity_id,
            customer,
            m.recipient,
            m.kind,
            m.template,
            m.body,
            m.cloud_template,
            key,
            if gives_way { "cancelled" } else { "queued" },
            m.created_at,
            m.created_by,
            w.now(),
            device,
        ],
    )?;
    if gives_way {
        w.exec(
            "UPDATE messages SET last_error = ?2 WHERE uuid = ?1",
            rusqlite::params![c.entity_id, GAVE_WAY],
        )?;
    } else if let Some(h) = holder.filter(|h| h.uuid.as_str() > c.entity_id.as_str()) {
        give_way(w, &h)?;
    }
    Ok(Outcome::Merged)
}

pub(super) fn update(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    let Some(field) = c.field.as_deref().filter(|f| FIELDS.contains(f)) else {
        return Ok(Outcome::Held);
    };
    if local_id(w, "messages", &c.entity_id)?.is_none() {
        return Ok(Outcome::Held);
    }
    let Value::String(value) = value_of(c)? else {
        return Ok(Outcome::Held);
    };
    if field == "status" && value.parse::<MessageStatus>().is_err() {
        return Ok(Outcome::Held);
    }
    if wins(w, c, device, field)? {
        let now = w.now().to_owned();
        // `field` is one of FIELDS: a column name, never input text.
        w.exec(
            &format!("UPDATE messages SET {field} = ?2, updated_at = ?3 WHERE uuid = ?1"),
            rusqlite::params![c.entity_id, value, now],
        )?;
    }
    Ok(Outcome::Merged)
}

/// The message here holding `key`, when it may still be cancelled.
struct Holder {
    id: i64,
    uuid: String,
    own: bool,
    waiting: bool,
}

fn waiting_holder(w: &Write<'_>, key: &str) -> Result<Option<Holder>> {
    Ok(w.tx()
        .prepare_cached(
            "SELECT id, uuid, origin IS NULL, status IN ('queued', 'paused')
             FROM messages WHERE dedupe_key = ?1",
        )?
        .query_row([key], |r| {
            Ok(Holder {
                id: r.get(0)?,
                uuid: r.get(1)?,
                own: r.get(2)?,
                waiting: r.get(3)?,
            })
        })
        .optional()?)
}

/// Cancels the message here that gave way, when it is still waiting: a
/// change of this desk's own message, a local view of another desk's.
fn give_way(w: &mut Write<'_>, h: &Holder) -> Result<()> {
    if !h.waiting {
        return Ok(());
    }
    if h.own {
        return outbox::set_status(w, h.id, &h.uuid, MessageStatus::Cancelled, Some(GAVE_WAY));
    }
    w.exec(
        "UPDATE messages SET status = 'cancelled', last_error = ?2 WHERE id = ?1",
        rusqlite::params![h.id, GAVE_WAY],
    )?;
    Ok(())
}
