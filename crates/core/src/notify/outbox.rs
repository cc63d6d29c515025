//! The outbox: every WhatsApp message is first a row of `messages`, written
//! in the same transaction as what caused it, then sent by the worker.
//!
//! Owns the `messages` and `message_attempts` tables' use cases: queueing
//! (one row per cause: a unique key, so the same invoice, payment, reminder
//! period or bulk recipient never queues twice), who may receive messages
//! (not deleted, blacklisted or opted out), the placeholder values of a
//! customer, an invoice and a payment, listing with each attempt, and what an
//! admin does to a message (retry or resend, cancel, mark sent). Must not know
//! the transport (`transport`) or when to send (`worker`).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::templates::{self, Values};
use super::transport::CloudTemplate;
use crate::customers::{self, Handle, Status};
use crate::db::{Change, ChangeOp, Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::names::text_enum;
use crate::warning::Warning;
use crate::wire::{Entity, MessageRecord};

text_enum! {
    /// What a message is for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "MessageKind"))]
    pub enum MessageKind("kind") {
        Welcome => "welcome",
        InvoiceIssued => "invoice_issued",
        ReminderBeforeDue => "reminder_before_due",
        Overdue => "overdue",
        PaymentReceived => "payment_received",
        DebtReminder => "debt_reminder",
        FreeText => "free_text",
        /// `notify gateway test`.
        Test => "test",
        /// The service cut off by the isolir rule (`notify_isolir`).
        IsolirSuspended => "isolir_suspended",
        /// The service back after an isolir (`notify_isolir`).
        IsolirResumed => "isolir_resumed",
    }
}

text_enum! {
    /// Where a message stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "MessageStatus"))]
    pub enum MessageStatus("status") {
        /// Waiting for its turn (and its next attempt time).
        Queued => "queued",
        /// Claimed by the worker, the request in flight.
        Sending => "sending",
        /// The gateway accepted it (`gateway_message_id`).
        Sent => "sent",
        /// Refused for good (`last_error`).
        Failed => "failed",
        /// Held while the gateway is paused; back to queued when it is set again.
        Paused => "paused",
        Cancelled => "cancelled",
        /// Sent, and no answer came: it may have been delivered. The admin
        /// resends it (`retry`) or marks it sent.
        Unknown => "unknown",
    }
}

/// One message of the outbox, with its attempts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OutboxMessage"))]
pub struct Message {
    /// The outbox number (`notify retry ID`).
    pub id: i64,
    pub uuid: String,
    pub customer_id: String,
    pub customer_name: String,
    pub recipient: String,
    pub kind: MessageKind,
    pub template: Option<String>,
    pub body: String,
    pub status: MessageStatus,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub gateway: Option<String>,
    pub gateway_message_id: Option<String>,
    pub last_error: Option<String>,
    /// The bulk send it belongs to (its number), if any.
    pub batch: Option<i64>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
    /// The device id of the desk that queued it, when another desk did (it
    /// arrived by sync: that desk, or the shop's `notify_sender`, sends it).
    pub origin: Option<String>,
    pub attempt_log: Vec<Attempt>,
}

/// One try at sending a message.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "MessageAttempt"))]
pub struct Attempt {
    pub gateway: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// sent, failed, retry, paused, throttled, unknown, needs_template; None while in flight.
    pub outcome: Option<String>,
    pub detail: Option<String>,
    /// What the gateway answered (status and body).
    pub reply: Option<String>,
}

text_enum! {
    /// Why a customer gets no message.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "MessageSkipReason"))]
    pub enum SkipReason("reason") {
        Deleted => "deleted",
        Blacklisted => "blacklisted",
        OptedOut => "opted_out",
        /// The same cause already queued a message (a rerun, another desk).
        AlreadyQueued => "already_queued",
        /// The template needs a value this customer has none of.
        MissingValue => "missing_value",
    }
}

/// A message to queue: who, what, and the cause's key.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: MessageKind,
    pub body: String,
    pub template: Option<String>,
    pub cloud: Option<CloudTemplate>,
    /// Unique per cause (`invoice_issued:<uuid>`).
    pub key: String,
    pub batch: Option<i64>,
}

/// Whether `customer` may receive messages: None, or why not.
pub(crate) fn skip_reason(conn: &Connection, customer: &Handle) -> Result<Option<SkipReason>> {
    let (status, opted_out): (String, bool) = conn
        .prepare_cached("SELECT status, notify_opt_out FROM customers WHERE id = ?1")?
        .query_row([customer.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(match status.parse::<Status>()? {
        Status::Deleted => Some(SkipReason::Deleted),
        Status::Blacklisted => Some(SkipReason::Blacklisted),
        _ if opted_out => Some(SkipReason::OptedOut),
        _ => None,
    })
}

fn refused_for(customer: &Handle, reason: SkipReason) -> Error {
    let why = match reason {
        SkipReason::Deleted => "is deleted",
        SkipReason::Blacklisted => "is blacklisted",
        SkipReason::OptedOut => "asked not to receive messages (notify opt-in to undo)",
        SkipReason::AlreadyQueued => "already has this message",
        SkipReason::MissingValue => "lacks a value the template needs",
    };
    Error::Refused {
        code: Code::NotNotifiable,
        field: Some("customer"),
        message: format!("customer {} {why}: no message was queued", customer.name),
    }
}

/// Queues one message for `customer`, unless its key was queued before
/// (then None: the cause already has its message). The caller's write is the
/// cause's own, so the message exists exactly when the cause does.
pub(crate) fn queue(w: &mut Write<'_>, customer: &Handle, m: NewMessage) -> Result<Option<i64>> {
    let recipient: String = w.query_row(
        "SELECT whatsapp FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    let uuid = new_id();
    let cloud = m
        .cloud
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(std::io::Error::other)?;
    let inserted = w.exec(
        "INSERT INTO messages (uuid, customer_id, recipient, kind, template, body, cloud_template,
             dedupe_key, batch_id, status, next_attempt_at, created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,
             -- Made while the gateway is paused, it waits with the others.
             CASE WHEN EXISTS (SELECT 1 FROM notify_gateways
                               WHERE active = 1 AND paused_reason IS NOT NULL)
                  THEN 'paused' ELSE 'queued' END,
             ?10, ?10, ?11, ?10)
         ON CONFLICT (dedupe_key) DO NOTHING",
        params![
            uuid,
            customer.id,
            recipient,
            m.kind.as_str(),
            m.template,
            m.body,
            cloud,
            m.key,
            m.batch,
            w.now(),
            w.actor()
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = w.tx().last_insert_rowid();
    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    let record = MessageRecord {
        customer_id: customer.uuid.as_str().into(),
        recipient: recipient.as_str().into(),
        kind: m.kind.as_str().into(),
        template: m.template.as_deref().map(Into::into),
        body: m.body.as_str().into(),
        cloud_template: cloud.as_deref().map(Into::into),
        dedupe_key: m.key.as_str().into(),
        created_at: now.as_str().into(),
        created_by: actor.as_str().into(),
    };
    w.record_changes(&[Change::inserted(Entity::Message, &uuid, &record)?])?;
    Ok(Some(id))
}

/// What a message is made from: a template (with the invoice or payment its
/// placeholders read) or a free text.
#[derive(Debug, Clone)]
pub enum Content {
    Template {
        name: String,
        /// An invoice (number or uuid) for `{invoice_number}`, `{amount_due}`...
        invoice: Option<String>,
        /// A payment (uuid) for `{payment_amount}`.
        payment: Option<String>,
    },
    Text(String),
}

/// Renders `content` for `customer`: the text and its Cloud API form.
pub(crate) fn compose(
    r: Reader<'_>,
    customer: &Handle,
    content: &Content,
) -> Result<(Option<String>, String, Option<CloudTemplate>)> {
    match content {
        Content::Text(text) => {
            let text = text.trim();
            if text.is_empty() || text.chars().count() > 4096 {
                return Err(Error::validation(
                    "text",
                    "a message has 1 to 4,096 characters",
                ));
            }
            Ok((None, text.to_owned(), None))
        }
        Content::Template {
            name,
            invoice,
            payment,
        } => {
            let conn = r.conn();
            let language = templates::shop_language(conn)?;
            let template = templates::get(conn, name, &language)?;
            let mut values = customer_values(conn, customer.id, &language)?;
            if let Some(invoice) = invoice {
                invoice_values(r, invoice, &language, &mut values)?;
            }
            if let Some(payment) = payment {
                payment_values(r, payment, &language, &mut values)?;
            }
            let (text, cloud) = templates::fill(&template, &values)?;
            Ok((Some(template.name), text, cloud))
        }
    }
}

/// The text `content` would have for the customer `reference` (a template's
/// preview on a real customer); nothing is queued.
pub fn preview(r: Reader<'_>, reference: &str, content: &Content) -> Result<String> {
    let customer = customers::resolve(r, reference)?;
    Ok(compose(r, &customer, content)?.1)
}

/// A template text being edited, filled in for the customer `reference`
/// (and `invoice`, for its placeholders): the editor's live preview. An
/// unknown placeholder is refused at the field `body`; nothing is saved.
pub fn preview_body(
    r: Reader<'_>,
    reference: &str,
    body: &str,
    invoice: Option<&str>,
) -> Result<String> {
    templates::check_body(body)?;
    let customer = customers::resolve(r, reference)?;
    let language = templates::shop_language(r.conn())?;
    let mut values = customer_values(r.conn(), customer.id, &language)?;
    if let Some(invoice) = invoice {
        invoice_values(r, invoice, &language, &mut values)?;
    }
    templates::render(body, &values)
}

/// Queues one message to one customer now (`notify send`): refused for a
/// customer who may not receive messages. The key is new each time: an
/// admin's send is its own cause.
pub fn send(w: &mut Write<'_>, reference: &str, content: &Content) -> Result<Message> {
    let customer = customers::resolve(w.reader(), reference)?;
    if let Some(reason) = skip_reason(w.tx(), &customer)? {
        return Err(refused_for(&customer, reason));
    }
    let (template, body, cloud) = compose(w.reader(), &customer, content)?;
    let kind = match content {
        Content::Text(_) => MessageKind::FreeText,
        Content::Template { name, .. } => name.parse().unwrap_or(MessageKind::FreeText),
    };
    let id = queue(
        w,
        &customer,
        NewMessage {
            kind,
            body,
            template,
            cloud,
            key: format!("send:{}", new_id()),
            batch: None,
        },
    )?
    .ok_or_else(|| Error::internal("a new key was already queued"))?;
    get_by_id(w.tx(), id)
}

/// Queues `template` for `customer` under `key` if the customer may receive
/// messages, for the automatic causes (welcome, invoice, payment, reminders):
/// a customer who may not is skipped quietly, as is a key already queued.
pub(crate) fn queue_for_cause(
    w: &mut Write<'_>,
    customer: &Handle,
    kind: MessageKind,
    content: &Content,
    key: String,
) -> Result<Option<i64>> {
    if skip_reason(w.tx(), customer)?.is_some() {
        return Ok(None);
    }
    let (template, body, cloud) = compose(w.reader(), customer, content)?;
    queue(
        w,
        customer,
        NewMessage {
            kind,
            body,
            template,
            cloud,
            key,
            batch: None,
        },
    )
}

/// `queue_for_cause` for a message its cause does not depend on (an
/// invoice's, a payment's, an isolir notice): one that cannot be written
/// (the shop's name unset, for `{shop_name}`) warns (`message_not_queued`)
/// and the cause is still kept.
pub(crate) fn queue_or_warn(
    w: &mut Write<'_>,
    customer: &Handle,
    kind: MessageKind,
    content: &Content,
    key: String,
) -> Result<()> {
    match w.savepoint(|w| queue_for_cause(w, customer, kind, content, key)) {
        Ok(_) => Ok(()),
        Err(e) if e.is_rejected_input() => {
            w.warn(Warning::new(
                "message_not_queued",
                None,
                format!("the {kind} WhatsApp message was not queued: {e}"),
            ));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The customer's placeholders: name, number, balance, debt, shop name.
pub(crate) fn customer_values(
    conn: &Connection,
    customer_id: i64,
    language: &str,
) -> Result<Values> {
    let _ = language;
    let (name, whatsapp, balance): (String, String, Money) = conn
        .prepare_cached("SELECT name, whatsapp, balance FROM customers WHERE id = ?1")?
        .query_row([customer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let debt = if balance.is_negative() {
        balance.abs()
    } else {
        Money::ZERO
    };
    let mut v = Values::new();
    v.insert("name", name);
    v.insert("whatsapp", whatsapp);
    v.insert("balance", templates::money_text(conn, balance)?);
    v.insert("debt", templates::money_text(conn, debt)?);
    v.insert(
        "shop_name",
        crate::settings::get(conn, crate::settings::Key::ShopName)?,
    );
    Ok(v)
}

fn invoice_values(r: Reader<'_>, invoice: &str, language: &str, v: &mut Values) -> Result<()> {
    let conn = r.conn();
    let i = crate::billing::invoices::get(r, invoice)?;
    v.insert("invoice_number", i.number.clone());
    v.insert("amount", templates::money_text(conn, i.total)?);
    v.insert("amount_due", templates::money_text(conn, i.amount_due)?);
    v.insert("due_date", templates::date_text(i.due_date, language));
    let last = i.period_end.pred_opt().unwrap_or(i.period_end);
    v.insert(
        "period",
        format!(
            "{} - {}",
            templates::date_text(i.period_start, language),
            templates::date_text(last, language)
        ),
    );
    if let Some(code) = i.voucher_code {
        v.insert("voucher_code", code);
    }
    Ok(())
}

fn payment_values(r: Reader<'_>, payment: &str, language: &str, v: &mut Values) -> Result<()> {
    let conn = r.conn();
    let p = crate::billing::payments::get(r, payment)?;
    v.insert("payment_amount", templates::money_text(conn, p.amount)?);
    if let Ok(at) = DateTime::parse_from_rfc3339(&p.received_at) {
        let day = r.zone().date_of(at.with_timezone(&Utc));
        v.insert("payment_date", templates::date_text(day, language));
    }
    if let Some(code) = p.voucher_code {
        v.insert("voucher_code", code);
    }
    Ok(())
}

/// What `list` shows.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct OutboxQuery {
    pub status: Option<MessageStatus>,
    /// A customer reference, as `customers::resolve` reads it.
    pub customer: Option<String>,
    /// At most this many, newest first (None: 200).
    pub limit: Option<u32>,
}

const COLUMNS: &str = "m.id, m.uuid, c.uuid, c.name, m.recipient, m.kind, m.template, m.body,
    m.status, m.attempts, m.next_attempt_at, m.gateway, m.gateway_message_id, m.last_error,
    m.batch_id, m.created_at, m.created_by, m.updated_at, m.sent_at, m.origin";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Message, String, String)> {
    let kind: String = r.get(5)?;
    let status: String = r.get(8)?;
    Ok((
        Message {
            id: r.get(0)?,
            uuid: r.get(1)?,
            customer_id: r.get(2)?,
            customer_name: r.get(3)?,
            recipient: r.get(4)?,
            kind: MessageKind::FreeText,
            template: r.get(6)?,
            body: r.get(7)?,
            status: MessageStatus::Queued,
            attempts: r.get(9)?,
            next_attempt_at: r.get(10)?,
            gateway: r.get(11)?,
            gateway_message_id: r.get(12)?,
            last_error: r.get(13)?,
            batch: r.get(14)?,
            created_at: r.get(15)?,
            created_by: r.get(16)?,
            updated_at: r.get(17)?,
            sent_at: r.get(18)?,
            origin: r.get(19)?,
            attempt_log: Vec::new(),
        },
        kind,
        status,
    ))
}

fn finish(conn: &Connection, (mut m, kind, status): (Message, String, String)) -> Result<Message> {
    m.kind = kind.parse()?;
    m.status = status.parse()?;
    m.attempt_log = attempts(conn, m.id)?;
    Ok(m)
}

fn attempts(conn: &Connection, message_id: i64) -> Result<Vec<Attempt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT gateway, started_at, finished_at, outcome, detail, reply FROM message_attempts
         WHERE message_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([message_id], |r| {
        Ok(Attempt {
            gateway: r.get(0)?,
            started_at: r.get(1)?,
            finished_at: r.get(2)?,
            outcome: r.get(3)?,
            detail: r.get(4)?,
            reply: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get_by_id(conn: &Connection, id: i64) -> Result<Message> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.id = ?1"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("message", id))?;
    finish(conn, row)
}

/// One message by its outbox number (`12` or `#12`).
pub fn get(r: Reader<'_>, reference: &str) -> Result<Message> {
    get_by_id(r.conn(), parse_id(reference)?)
}

fn parse_id(reference: &str) -> Result<i64> {
    let text = reference.trim();
    text.strip_prefix('#')
        .unwrap_or(text)
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::not_found("message", text))
}

/// The outbox, newest first, filtered by status and customer.
pub fn list(r: Reader<'_>, query: &OutboxQuery) -> Result<Vec<Message>> {
    let conn = r.conn();
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(r, c))
        .transpose()?;
    let limit = query.limit.unwrap_or(200).clamp(1, 10_000);
    let mut filters = crate::filters::Filters::new();
    filters
        .eq("m.status", query.status.map(|s| s.as_str().to_owned()))
        .eq("m.customer_id", customer.as_ref().map(|c| c.id));
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM messages m JOIN customers c ON c.id = m.customer_id
         {} ORDER BY m.id DESC LIMIT {}",
        filters.clause(),
        filters.next()
    ))?;
    let rows = stmt.query_map(
        rusqlite::params_from_iter(filters.params([i64::from(limit).into()])),
        from_row,
    )?;
    let rows: Vec<_> = rows.collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|row| finish(conn, row)).collect()
}

/// How many messages are in each status.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxCounts {
    pub queued: u32,
    pub sending: u32,
    pub sent: u32,
    pub failed: u32,
    pub paused: u32,
    pub cancelled: u32,
    pub unknown: u32,
}

pub fn counts(conn: &Connection) -> Result<OutboxCounts> {
    let mut c = OutboxCounts::default();
    let mut stmt = conn.prepare_cached("SELECT status, count(*) FROM messages GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for row in rows {
        let (status, n) = row?;
        match status.parse::<MessageStatus>()? {
            MessageStatus::Queued => c.queued = n,
            MessageStatus::Sending => c.sending = n,
            MessageStatus::Sent => c.sent = n,
            MessageStatus::Failed => c.failed = n,
            MessageStatus::Paused => c.paused = n,
            MessageStatus::Cancelled => c.cancelled = n,
            MessageStatus::Unknown => c.unknown = n,
        }
    }
    Ok(c)
}

/// Moves a message to `to` and records the change.
pub(crate) fn set_status(
    w: &mut Write<'_>,
    id: i64,
    uuid: &str,
    to: MessageStatus,
    last_error: Option<&str>,
) -> Result<()> {
    w.exec(
        "UPDATE messages SET status = ?2, last_error = coalesce(?3, last_error), updated_at = ?4
         WHERE id = ?1",
        params![id, to.as_str(), last_error, w.now()],
    )?;
    w.record_change(
        Entity::Message,
        uuid,
        ChangeOp::Update,
        Some("status"),
        Some(&serde_json::Value::String(to.as_str().to_owned())),
    )
}

/// Sends a message again: a failed, cancelled or paused one, or an unknown
/// one the admin chose to resend (it may then arrive twice: the admin's
/// call, made knowing that). Queued now.
pub fn retry(w: &mut Write<'_>, reference: &str) -> Result<Message> {
    let m = get(w.reader(), reference)?;
    match m.status {
        MessageStatus::Failed
        | MessageStatus::Cancelled
        | MessageStatus::Paused
        | MessageStatus::Unknown => {}
        s => {
            return Err(Error::Conflict(format!(
                "message #{} is {s}: only a failed, cancelled, paused or unknown message is sent again",
                m.id
            )));
        }
    }
    w.exec(
        "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1",
        params![m.id, w.now()],
    )?;
    set_status(w, m.id, &m.uuid, MessageStatus::Queued, None)?;
    get_by_id(w.tx(), m.id)
}

/// Cancels a message that has not gone out: queued, paused, failed or
/// unknown (an unknown one is then left as it is, never resent). It stays in
/// the outbox as cancelled.
pub fn cancel(w: &mut Write<'_>, reference: &str) -> Result<Message> {
    let m = get(w.reader(), reference)?;
    match m.status {
        MessageStatus::Queued
        | MessageStatus::Paused
        | MessageStatus::Failed
        | MessageStatus::Unknown => {}
        s => {
            return Err(Error::Conflict(format!(
                "message #{} is {s}: it cannot be cancelled",
                m.id
            )));
        }
    }
    set_status(w, m.id, &m.uuid, MessageStatus::Cancelled, None)?;
    get_by_id(w.tx(), m.id)
}

/// Marks an unknown message as sent: the admin checked it arrived.
pub fn mark_sent(w: &mut Write<'_>, reference: &str) -> Result<Message> {
    let m = get(w.reader(), reference)?;
    if m.status != MessageStatus::Unknown {
        return Err(Error::Conflict(format!(
            "message #{} is {}: only an unknown message is marked sent",
            m.id, m.status
        )));
    }
    w.exec(
        "UPDATE messages SET sent_at = ?2 WHERE id = ?1",
        params![m.id, w.now()],
    )?;
    set_status(w, m.id, &m.uuid, MessageStatus::Sent, None)?;
    get_by_id(w.tx(), m.id)
}

/// Cancels every message of a bulk send that has not gone out yet; returns how many.
pub fn cancel_batch(w: &mut Write<'_>, batch: i64) -> Result<u32> {
    let uuids: Vec<(i64, String)> = {
        let mut stmt = w.tx().prepare(
            "SELECT id, uuid FROM messages WHERE batch_id = ?1 AND status IN ('queued', 'paused')",
        )?;
        let rows = stmt.query_map([batch], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, uuid) in &uuids {
        set_status(w, *id, uuid, MessageStatus::Cancelled, None)?;
    }
    Ok(uuids.len() as u32)
}

/// Sets or clears a customer's opt-out: opted-out customers get no messages.
pub fn set_opt_out(
    w: &mut Write<'_>,
    reference: &str,
    opted_out: bool,
) -> Result<customers::Customer> {
    let customer = customers::resolve(w.reader(), reference)?;
    w.exec(
        "UPDATE customers SET notify_opt_out = ?2, updated_at = ?3 WHERE id = ?1",
        params![customer.id, opted_out, w.now()],
    )?;
    w.record_change(
        Entity::Customer,
        &customer.uuid,
        ChangeOp::Update,
        Some("notify_opt_out"),
        Some(&serde_json::Value::Bool(opted_out)),
    )?;
    customers::get_by_id(w.tx(), customer.id)
}

/// Removes what identifies an anonymised customer from their messages: the
/// number (the customer's placeholder instead), the text, the template
/// parameters and the gateways' replies (which echo the number). The
/// statuses and times stay, as the ledger's amounts do.
pub(crate) fn anonymise(w: &mut Write<'_>, customer_id: i64, placeholder: &str) -> Result<()> {
    const REMOVED: &str = "[removed]";
    let uuids: Vec<String> = {
        let mut stmt = w
            .tx()
            .prepare("SELECT uuid FROM messages WHERE customer_id = ?1")?;
        let rows = stmt.query_map([customer_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    w.exec(
        "UPDATE message_attempts SET reply = NULL
         WHERE message_id IN (SELECT id FROM messages WHERE customer_id = ?1)",
        [customer_id],
    )?;
    w.exec(
        "UPDATE messages SET recipient = ?2, body = ?3, cloud_template = NULL, updated_at = ?4
         WHERE customer_id = ?1",
        params![customer_id, placeholder, REMOVED, w.now()],
    )?;
    for uuid in &uuids {
        for (field, value) in [("recipient", placeholder), ("body", REMOVED)] {
            w.record_change(
                Entity::Message,
                uuid,
                ChangeOp::Update,
                Some(field),
                Some(&serde_json::Value::String(value.to_owned())),
            )?;
        }
    }
    Ok(())
}

/// Whether the customer `reference` opted out (the customer page's toggle).
pub fn opt_out_of(r: Reader<'_>, reference: &str) -> Result<bool> {
    let customer = customers::resolve(r, reference)?;
    opted_out(r.conn(), customer.id)
}

/// Whether a customer opted out.
pub fn opted_out(conn: &Connection, customer_id: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT notify_opt_out FROM customers WHERE id = ?1",
        [customer_id],
        |r| r.get(0),
    )?)
}
