//! Invoices: one per billed period of a subscription (or per voucher sold to
//! a customer), numbered from a per-shop sequence (`INV-2026-000123`, the
//! prefix is the `invoice_prefix` setting, the counter restarts each year).
//!
//! Issuing posts a debit of the total to the customer's ledger; voiding posts
//! the reversing credit (refused while payments are allocated to the invoice:
//! refund them first). Nothing else about money is stored on the invoice:
//! its allocation and status are the replay's (see `allocation`).
//!
//! An invoice issued while earlier invoices of the same subscription are still
//! open shows them as 'carried from' (numbers and amount, as they stood when
//! it was issued). Its `amount_due` is read live: what is unpaid on it plus
//! what is unpaid on the earlier invoices of its subscription, so on the
//! newest invoice it is what the customer owes for that subscription. The
//! carried debt is not debited again: the balance already holds it.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::subscriptions::{self, Subscription};
use super::{allocation, date_text, stored_date};
use crate::customers::{self, Handle};
use crate::db::{ChangeOp, Write, new_id};
use crate::error::{Error, Result};
use crate::ledger::{self, EntryKind, EntryNote};
use crate::money::Money;
use crate::names::text_enum;
use crate::phone::Region;
use crate::settings::{self, Key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Unpaid,
    Partial,
    Paid,
    Void,
}

text_enum!(InvoiceStatus, "status", {
    Unpaid => "unpaid",
    Partial => "partial",
    Paid => "paid",
    Void => "void",
});

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Invoice {
    pub id: String,
    pub number: String,
    pub customer_id: String,
    pub customer_name: String,
    /// The subscription billed, or None for a voucher sold to the customer.
    pub subscription_id: Option<String>,
    pub subscription_username: Option<String>,
    pub voucher_code: Option<String>,
    pub description: String,
    pub period_start: NaiveDate,
    /// Exclusive: the next period's start.
    pub period_end: NaiveDate,
    /// The period's charge.
    pub charge: Money,
    /// What this invoice debited from the balance.
    pub total: Money,
    /// Paid towards `total` so far (see `allocation`).
    pub amount_allocated: Money,
    /// `total - amount_allocated`, 0 when void.
    pub amount_unpaid: Money,
    /// What earlier invoices of the subscription still owed at issue, and their numbers.
    pub carried_amount: Money,
    pub carried_from: Vec<String>,
    /// Unpaid now, on this invoice and the earlier ones of its subscription.
    pub amount_due: Money,
    pub due_date: NaiveDate,
    pub status: InvoiceStatus,
    pub issued_at: String,
    pub issued_by: String,
    pub voided_at: Option<String>,
    pub voided_by: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceQuery {
    /// A customer reference, as `customers::resolve` reads it.
    pub customer: Option<String>,
    /// A subscription reference, as `subscriptions::resolve` reads it.
    pub subscription: Option<String>,
    pub status: Option<InvoiceStatus>,
    /// Unpaid and partial invoices only.
    pub open_only: bool,
    pub limit: Option<u32>,
}

/// Issues every invoice due up to `date` (inclusive): each active
/// subscription of a live customer whose next billing date is on or before
/// `date` is billed period by period until its next billing date is after
/// it, oldest period first across subscriptions. Running it again for the
/// same date issues nothing.
pub fn issue_due(w: &mut Write<'_>, date: NaiveDate) -> Result<Vec<Invoice>> {
    let mut issued = Vec::new();
    loop {
        let next: Option<i64> = w
            .tx()
            .query_row(
                "SELECT s.id FROM subscriptions s JOIN customers c ON c.id = s.customer_id
                 WHERE s.status = 'active' AND s.next_billing_date <= ?1 AND c.status != 'deleted'
                 ORDER BY s.next_billing_date, s.id LIMIT 1",
                [date_text(date)],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = next else { break };
        let sub = subscriptions::get_by_id(w.tx(), id)?;
        issued.push(issue_period(w, &sub, date)?);
    }
    Ok(issued)
}

/// Bills the subscription's next period and moves it on by one cycle.
fn issue_period(w: &mut Write<'_>, sub: &Subscription, issue_date: NaiveDate) -> Result<Invoice> {
    let customer = customers::resolve(w.tx(), &sub.customer_id, w.region())?;
    let start = sub.next_billing_date;
    let end = subscriptions::advance(w, sub)?;
    let (carried_amount, carried_from) = carried(w.tx(), sub.local_id)?;
    let description = format!(
        "{} {} ({}) {}..{}",
        sub.kind,
        sub.profile,
        sub.username,
        date_text(start),
        date_text(end)
    );
    issue(
        w,
        &customer,
        Charge {
            subscription: Some(sub),
            voucher: None,
            description,
            period_start: start,
            period_end: end,
            amount: sub.price,
            carried_amount,
            carried_from,
            issue_date,
        },
    )
}

/// What an invoice is for; see `issue`.
pub(crate) struct Charge<'a> {
    pub subscription: Option<&'a Subscription>,
    /// (row id, uuid) of the voucher sold.
    pub voucher: Option<(i64, String)>,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub amount: Money,
    pub carried_amount: Money,
    pub carried_from: Vec<String>,
    /// Its year numbers the invoice.
    pub issue_date: NaiveDate,
}

/// Numbers the invoice, posts its debit, stores it, logs it and re-applies
/// the customer's credit to it.
pub(crate) fn issue(w: &mut Write<'_>, customer: &Handle, charge: Charge<'_>) -> Result<Invoice> {
    super::ensure_positive("amount", charge.amount)?;
    let uuid = new_id();
    let number = next_number(w, charge.issue_date)?;
    let entry = ledger::post(
        w,
        customer,
        EntryKind::Debit,
        charge.amount,
        &EntryNote::new(format!("Invoice {number}: {}", charge.description))
            .with_reference("invoice", &uuid),
    )?;
    let carried_from = json!(charge.carried_from);
    w.tx().execute(
        "INSERT INTO invoices (uuid, number, customer_id, subscription_id, voucher_id, description,
             period_start, period_end, charge, total, carried_amount, carried_from, due_date,
             issued_at, issued_by, debit_entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?7, ?12, ?13, ?14)",
        params![
            uuid,
            number,
            customer.id,
            charge.subscription.map(|s| s.local_id),
            charge.voucher.as_ref().map(|v| v.0),
            charge.description,
            date_text(charge.period_start),
            date_text(charge.period_end),
            charge.amount,
            charge.carried_amount,
            carried_from.to_string(),
            w.now(),
            w.actor(),
            entry.id,
        ],
    )?;
    let row = json!({
        "number": number,
        "customer_id": customer.uuid,
        "subscription_id": charge.subscription.map(|s| &s.id),
        "voucher_id": charge.voucher.as_ref().map(|v| &v.1),
        "description": charge.description,
        "period_start": date_text(charge.period_start),
        "period_end": date_text(charge.period_end),
        "charge": charge.amount,
        "total": charge.amount,
        "carried_amount": charge.carried_amount,
        "carried_from": carried_from,
        "due_date": date_text(charge.period_start),
        "issued_at": w.now(),
        "issued_by": w.actor(),
        "debit_entry": entry.id,
    });
    w.record_change("invoice", &uuid, ChangeOp::Insert, None, Some(&row))?;
    w.record_activity(
        customer.id,
        "invoice_issued",
        json!({ "invoice_id": uuid, "invoice": row }),
    )?;
    allocation::refresh(w, customer.id)?;
    get(w.tx(), &uuid)
}

/// Cancels an invoice issued by mistake: posts a credit reversing its debit.
/// Refused when it is already void, or while payments are allocated to it
/// (refund them first). Credit from manual adjustments that it was using
/// goes back to the customer's other open invoices or balance.
pub fn void(w: &mut Write<'_>, reference: &str) -> Result<Invoice> {
    let invoice = get(w.tx(), reference)?;
    if invoice.status == InvoiceStatus::Void {
        return Err(Error::refused(
            "already_void",
            format!("invoice {} is already void", invoice.number),
        ));
    }
    let customer = customers::resolve(w.tx(), &invoice.customer_id, w.region())?;
    customer.ensure_live()?;
    let local_id = local_id(w.tx(), &invoice.id)?;
    let paid = allocation::replay(w.tx(), customer.id)?.paid_by_payments(local_id);
    if paid > Money::ZERO {
        return Err(Error::refused(
            "invoice_has_payments",
            format!(
                "invoice {} has {paid} paid by payments: refund them before voiding it",
                invoice.number
            ),
        ));
    }
    let entry = ledger::post(
        w,
        &customer,
        EntryKind::Credit,
        invoice.total,
        &EntryNote::new(format!("Void of invoice {}", invoice.number))
            .with_reference("invoice_void", &invoice.id),
    )?;
    w.tx().execute(
        "UPDATE invoices SET voided_at = ?2, voided_by = ?3, void_entry = ?4 WHERE id = ?1",
        params![local_id, w.now(), w.actor(), entry.id],
    )?;
    for (field, value) in [
        ("voided_at", json!(w.now())),
        ("voided_by", json!(w.actor())),
        ("void_entry", json!(entry.id)),
    ] {
        w.record_change(
            "invoice",
            &invoice.id,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    w.record_activity(
        customer.id,
        "invoice_voided",
        json!({
            "invoice_id": invoice.id,
            "number": invoice.number,
            "total": invoice.total,
            "status": { "before": invoice.status, "after": InvoiceStatus::Void },
        }),
    )?;
    allocation::refresh(w, customer.id)?;
    get(w.tx(), &invoice.id)
}

/// One invoice by its number (any case) or its UUID.
pub fn get(conn: &Connection, reference: &str) -> Result<Invoice> {
    let text = reference.trim();
    let found = if let Ok(uuid) = Uuid::parse_str(text) {
        find(conn, "i.uuid = ?1", &uuid.to_string())?
    } else {
        find(conn, "i.number = ?1 COLLATE NOCASE", text)?
    };
    found.ok_or_else(|| Error::not_found("invoice", text))
}

/// Invoices, newest first.
pub fn list(conn: &Connection, region: Region, query: &InvoiceQuery) -> Result<Vec<Invoice>> {
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(conn, c, region))
        .transpose()?;
    let subscription = query
        .subscription
        .as_deref()
        .map(|s| subscriptions::resolve(conn, s))
        .transpose()?;
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE (?1 IS NULL OR i.customer_id = ?1) AND (?2 IS NULL OR i.subscription_id = ?2)
           AND (?3 IS NULL OR i.status = ?3) AND (NOT ?4 OR i.status IN ('unpaid', 'partial'))
         ORDER BY i.id DESC LIMIT ?5"
    ))?;
    let rows = stmt.query_map(
        params![
            customer.map(|c| c.id),
            subscription.map(|s| s.local_id),
            query.status.map(InvoiceStatus::as_str),
            query.open_only,
            query.limit.map_or(-1, i64::from),
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn local_id(conn: &Connection, uuid: &str) -> Result<i64> {
    Ok(
        conn.query_row("SELECT id FROM invoices WHERE uuid = ?1", [uuid], |r| {
            r.get(0)
        })?,
    )
}

/// The invoice number that comes next for `date`'s year. A number already
/// taken (arrived through sync, say) is skipped.
fn next_number(w: &mut Write<'_>, date: NaiveDate) -> Result<String> {
    let prefix = settings::get(w.tx(), Key::InvoicePrefix)?;
    let year = date.year();
    loop {
        let n: i64 = w.tx().query_row(
            "INSERT INTO invoice_sequences (year, last_number) VALUES (?1, 1)
             ON CONFLICT (year) DO UPDATE SET last_number = last_number + 1
             RETURNING last_number",
            [year],
            |r| r.get(0),
        )?;
        let number = format!("{prefix}-{year}-{n:06}");
        let taken: bool = w.tx().query_row(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE number = ?1)",
            [&number],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(number);
        }
    }
}

/// The earlier invoices of the subscription still open, oldest first: their
/// unpaid total and their numbers.
fn carried(conn: &Connection, subscription_id: i64) -> Result<(Money, Vec<String>)> {
    let mut stmt = conn.prepare(
        "SELECT number, total - amount_allocated FROM invoices
         WHERE subscription_id = ?1 AND status IN ('unpaid', 'partial') ORDER BY id",
    )?;
    let mut rows = stmt.query([subscription_id])?;
    let (mut amount, mut numbers) = (Money::ZERO, Vec::new());
    while let Some(r) = rows.next()? {
        numbers.push(r.get(0)?);
        amount = amount.checked_add(r.get(1)?, "carried_amount")?;
    }
    Ok((amount, numbers))
}

const SELECT: &str = "SELECT i.uuid, i.number, c.uuid, c.name, s.uuid, s.username, v.code, i.description,
        i.period_start, i.period_end, i.charge, i.total, i.amount_allocated, i.carried_amount,
        i.carried_from, i.due_date, i.status, i.issued_at, i.issued_by, i.voided_at, i.voided_by,
        CASE WHEN i.voided_at IS NOT NULL THEN 0
             ELSE i.total - i.amount_allocated + CASE WHEN i.subscription_id IS NULL THEN 0 ELSE
                (SELECT coalesce(sum(e.total - e.amount_allocated), 0) FROM invoices e
                 WHERE e.subscription_id = i.subscription_id AND e.id < i.id AND e.voided_at IS NULL)
             END
        END
     FROM invoices i JOIN customers c ON c.id = i.customer_id
     LEFT JOIN subscriptions s ON s.id = i.subscription_id
     LEFT JOIN vouchers v ON v.id = i.voucher_id";

fn find(conn: &Connection, condition: &str, value: &str) -> Result<Option<Invoice>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE {condition}"), [value], from_row)
        .optional()?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Invoice> {
    let total: Money = r.get(11)?;
    let allocated: Money = r.get(12)?;
    let carried_from: String = r.get(14)?;
    let status: String = r.get(16)?;
    let status = InvoiceStatus::from_str(&status).unwrap_or(InvoiceStatus::Unpaid);
    let unpaid = if status == InvoiceStatus::Void {
        Money::ZERO
    } else {
        Money::from_minor(total.minor() - allocated.minor())
    };
    Ok(Invoice {
        id: r.get(0)?,
        number: r.get(1)?,
        customer_id: r.get(2)?,
        customer_name: r.get(3)?,
        subscription_id: r.get(4)?,
        subscription_username: r.get(5)?,
        voucher_code: r.get(6)?,
        description: r.get(7)?,
        period_start: stored_date(&r.get::<_, String>(8)?)?,
        period_end: stored_date(&r.get::<_, String>(9)?)?,
        charge: r.get(10)?,
        total,
        amount_allocated: allocated,
        amount_unpaid: unpaid,
        carried_amount: r.get(13)?,
        carried_from: serde_json::from_str(&carried_from).unwrap_or_default(),
        amount_due: r.get(21)?,
        due_date: stored_date(&r.get::<_, String>(15)?)?,
        status,
        issued_at: r.get(17)?,
        issued_by: r.get(18)?,
        voided_at: r.get(19)?,
        voided_by: r.get(20)?,
    })
}
