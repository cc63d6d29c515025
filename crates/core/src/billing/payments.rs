//! Payments: money a customer hands over, and refunds of it.
//!
//! A payment posts to the customer's ledger a credit for what it pays at once
//! (the open invoices and manual debits it settles) and, for what it leaves
//! over, a carry_over entry referencing the invoice it came from (the invoice
//! it names, else the last one it paid). A payment that pays no invoice at all
//! is one credit. Which invoices it paid is the allocation replay's answer
//! (see `allocation`): the named invoice first, then the oldest open ones;
//! its surplus is credit that the next invoice issued uses first.
//!
//! A refund is new entries, never an edit: a debit of the whole amount, which
//! re-opens what the payment had paid. `customers.total_spent` is the sum of
//! the customer's successful payments and moves in the same transaction.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::allocation::{self, Event, LotKey, Replay};
use super::invoices::{self, InvoiceStatus};
use super::{PaymentMethod, Window, at_or_now, ensure_positive, is_local_id};
use crate::customers::{self, Handle};
use crate::db::{ChangeOp, Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::filters::Filters;
use crate::ledger::{self, EntryKind, EntryNote};
use crate::money::Money;
use crate::page::{self, Page};
use crate::validate;
use crate::wire::{ActivityEvent, Before, Entity, InvoiceShare, PaymentRecord};

pub const REFERENCE_MAX: usize = 200;

pub use crate::wire::PaymentStatus;

/// The options of a payment; the customer and the amount are `record`'s arguments.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct NewPayment {
    /// The invoice (number or UUID) to pay first.
    pub invoice: Option<String>,
    /// Cash when None.
    pub method: Option<PaymentMethod>,
    /// Free text: a transfer's reference, a receipt number.
    pub reference: Option<String>,
    /// When the money was received; now when None.
    pub received_at: Option<DateTime<Utc>>,
}

/// Part of a payment paying one invoice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentAllocation {
    pub invoice_number: String,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Payment {
    pub id: String,
    /// This database's row number: a short reference for the CLI, never synced.
    pub local_id: i64,
    pub customer_id: String,
    pub customer_name: String,
    /// The invoice the payment named.
    pub invoice_number: Option<String>,
    pub voucher_code: Option<String>,
    pub amount: Money,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub received_at: String,
    pub received_by: String,
    pub status: PaymentStatus,
    pub refunded_at: Option<String>,
    pub refunded_by: Option<String>,
    /// The invoices this payment is paying now, oldest first (none once refunded).
    pub allocations: Vec<PaymentAllocation>,
    /// The part of it held as the customer's credit.
    pub credit: Money,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct PaymentQuery {
    /// A customer reference, as `customers::resolve` reads it.
    pub customer: Option<String>,
    pub status: Option<PaymentStatus>,
    /// At most this many per page (None: every one).
    pub limit: Option<u32>,
    /// The `next` cursor of the page before.
    pub after: Option<String>,
}

/// Records `amount` received from the customer `customer_ref`.
pub fn record(
    w: &mut Write<'_>,
    customer_ref: &str,
    amount: Money,
    input: NewPayment,
) -> Result<Payment> {
    ensure_positive("amount", amount)?;
    let customer = customers::resolve(w.reader(), customer_ref)?;
    customer.ensure_live()?;
    let named = match input.invoice.as_deref() {
        None => None,
        Some(reference) => {
            let invoice = invoices::get(w.reader(), reference)?;
            if invoice.customer_id != customer.uuid {
                return Err(Error::Conflict(format!(
                    "invoice {} belongs to {}, not to {}",
                    invoice.number, invoice.customer_name, customer.name
                )));
            }
            if invoice.status == InvoiceStatus::Void {
                return Err(Error::Refused {
                    code: Code::InvoiceVoid,
                    field: Some("invoice"),
                    message: format!("invoice {} is void: it cannot be paid", invoice.number),
                });
            }
            Some(invoice)
        }
    };
    let reference = validate::optional("reference", input.reference.as_deref(), REFERENCE_MAX)?;
    let payment = record_for(
        w,
        &customer,
        amount,
        Details {
            invoice: named.map(|i| (i.id, i.number)),
            voucher: None,
            method: input.method.unwrap_or_default(),
            reference,
            received_at: at_or_now(input.received_at, w.now()),
        },
    )?;
    // Routers: the payment that clears what is due lifts an isolir.
    crate::routers::isolir::after_payment(w, customer.id)?;
    Ok(payment)
}

/// What recording a payment does, for a dialog to show before it is kept:
/// the payment as it would be (its allocations to the open invoices and the
/// credit it leaves) and the customer's balance before and after it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentPreview {
    pub payment: Payment,
    pub balance_before: Money,
    pub balance_after: Money,
}

/// `record`, telling the balance before and after. Run it inside
/// `Db::dry_run` to preview a payment: the same code as the real one, rolled
/// back, so the preview cannot differ from what confirming does.
pub fn preview(
    w: &mut Write<'_>,
    customer_ref: &str,
    amount: Money,
    input: NewPayment,
) -> Result<PaymentPreview> {
    let balance_before = customers::get(w.reader(), customer_ref)?.balance;
    let payment = record(w, customer_ref, amount, input)?;
    let balance_after = customers::get(w.reader(), &payment.customer_id)?.balance;
    Ok(PaymentPreview {
        payment,
        balance_before,
        balance_after,
    })
}

/// What `record_for` needs beyond the customer and the amount, checked.
pub(crate) struct Details {
    /// (uuid, number) of the invoice named.
    pub invoice: Option<(String, String)>,
    /// (row id, code) of the voucher sold.
    pub voucher: Option<(i64, String)>,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub received_at: String,
}

pub(crate) fn record_for(
    w: &mut Write<'_>,
    customer: &Handle,
    amount: Money,
    details: Details,
) -> Result<Payment> {
    let uuid = new_id();
    let named = details
        .invoice
        .as_ref()
        .map(|(id, _)| invoices::local_id(w.tx(), id))
        .transpose()?;
    // What is open now (unpaid invoices and manual debits: what the balance
    // owes, see `allocation`) is paid at once; the rest is credit.
    let mut replay = Replay::run(allocation::events(w.tx(), customer.id)?);
    let at_once = Money::from_minor(amount.minor().min(replay.open_total()));
    let surplus = Money::from_minor(amount.minor() - at_once.minor());

    // The invoice a surplus is carried from: the one named, else the last one
    // the payment pays (found by replaying it before posting).
    let carry_from: Option<(String, String)> = if surplus == Money::ZERO {
        None
    } else if let Some(invoice) = &details.invoice {
        Some(invoice.clone())
    } else {
        replay.apply(Event::Money {
            lot: LotKey::Payment(-1),
            amount: amount.minor(),
            named,
        });
        match replay.payment_allocations(-1).last() {
            None => None,
            Some((id, _)) => Some(w.tx().query_row(
                "SELECT uuid, number FROM invoices WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?),
        }
    };

    // The local number the payment gets below (this write holds the lock), so
    // its ledger entries name it as people do: "Payment #12 (cash)".
    let local_id: i64 =
        w.tx()
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM payments", [], |r| {
                r.get(0)
            })?;
    let note = |what: &str| {
        let mut text = format!("Payment #{local_id} ({})", details.method);
        if let Some((_, number)) = &details.invoice {
            text.push_str(&format!(" for invoice {number}"));
        }
        if let Some(reference) = &details.reference {
            text.push_str(&format!(", ref {reference}"));
        }
        format!("{what}{text}")
    };
    let (credit_entry, carry_entry) = match &carry_from {
        Some((invoice_uuid, number)) => {
            let credit = if at_once > Money::ZERO {
                let n = EntryNote::new(note("")).with_reference("payment", &uuid);
                Some(ledger::post(w, customer, EntryKind::Credit, at_once, &n)?.id)
            } else {
                None
            };
            let n = EntryNote::new(note(&format!("Carried over from invoice {number}: ")))
                .with_reference("invoice", invoice_uuid);
            let carry = ledger::post(w, customer, EntryKind::CarryOver, surplus, &n)?.id;
            (credit, Some(carry))
        }
        None => {
            let n = EntryNote::new(note("")).with_reference("payment", &uuid);
            (
                Some(ledger::post(w, customer, EntryKind::Credit, amount, &n)?.id),
                None,
            )
        }
    };

    w.tx().execute(
        "INSERT INTO payments (uuid, customer_id, invoice_id, voucher_id, amount, method, reference,
             received_at, received_by, status, credit_entry, carry_entry, created_at, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'success', ?10, ?11, ?12, ?13)",
        params![
            uuid,
            customer.id,
            named,
            details.voucher.as_ref().map(|v| v.0),
            amount,
            details.method.as_str(),
            details.reference,
            details.received_at,
            w.actor(),
            credit_entry,
            carry_entry,
            w.now(),
            local_id,
        ],
    )?;
    let spent: Money = w.tx().query_row(
        "SELECT total_spent FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    let spent = spent.checked_add(amount, "amount")?;
    w.tx().execute(
        "UPDATE customers SET total_spent = ?2, updated_at = ?3 WHERE id = ?1",
        params![customer.id, spent, w.now()],
    )?;
    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    let record = PaymentRecord {
        customer_id: customer.uuid.as_str().into(),
        invoice_id: details.invoice.as_ref().map(|i| i.0.as_str().into()),
        voucher_code: details.voucher.as_ref().map(|v| v.1.as_str().into()),
        amount,
        method: details.method,
        reference: details.reference.as_deref().map(Into::into),
        received_at: details.received_at.as_str().into(),
        received_by: actor.as_str().into(),
        status: PaymentStatus::Success,
        credit_entry: credit_entry.as_deref().map(Into::into),
        carry_entry: carry_entry.as_deref().map(Into::into),
        created_at: now.as_str().into(),
    };
    w.record_insert(Entity::Payment, &uuid, &record)?;
    w.record_activity(
        customer.id,
        &ActivityEvent::PaymentRecorded {
            payment_id: uuid.as_str().into(),
            payment: record,
            carried_over: surplus,
            carried_from: carry_from.as_ref().map(|c| c.1.as_str().into()),
        },
    )?;
    allocation::refresh(w, customer.id)?;
    let payment = get(w.reader(), &uuid)?;
    crate::notify::hooks::payment_received(w, &payment)?;
    Ok(payment)
}

/// Refunds a successful payment in full: posts a debit reversing it, marks it
/// refunded, and re-opens what it had paid. A refunded payment stays refunded.
pub fn refund(w: &mut Write<'_>, reference: &str) -> Result<Payment> {
    let payment = get(w.reader(), reference)?;
    if payment.status == PaymentStatus::Refunded {
        return Err(Error::refused(
            Code::AlreadyRefunded,
            format!("payment #{} is already refunded", payment.local_id),
        ));
    }
    let customer = customers::resolve(w.reader(), &payment.customer_id)?;
    customer.ensure_live()?;
    let entry = ledger::post(
        w,
        &customer,
        EntryKind::Debit,
        payment.amount,
        &EntryNote::new(format!(
            "Refund of payment #{} ({})",
            payment.local_id, payment.method
        ))
        .with_reference("payment_refund", &payment.id),
    )?;
    w.tx().execute(
        "UPDATE payments SET status = 'refunded', refunded_at = ?2, refunded_by = ?3, refund_entry = ?4
         WHERE id = ?1",
        params![payment.local_id, w.now(), w.actor(), entry.id],
    )?;
    for (field, value) in [
        ("status", json!(PaymentStatus::Refunded)),
        ("refunded_at", json!(w.now())),
        ("refunded_by", json!(w.actor())),
        ("refund_entry", json!(entry.id)),
    ] {
        w.record_change(
            Entity::Payment,
            &payment.id,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    w.tx().execute(
        "UPDATE customers SET total_spent = total_spent - ?2, updated_at = ?3 WHERE id = ?1",
        params![customer.id, payment.amount, w.now()],
    )?;
    w.record_activity(
        customer.id,
        &ActivityEvent::PaymentRefunded {
            payment_id: payment.id.as_str().into(),
            amount: payment.amount,
            reopened: payment
                .allocations
                .iter()
                .map(|a| InvoiceShare {
                    invoice_number: a.invoice_number.as_str().into(),
                    amount: a.amount,
                })
                .collect(),
            status: Before {
                before: PaymentStatus::Success,
                after: PaymentStatus::Refunded,
            },
        },
    )?;
    allocation::refresh(w, customer.id)?;
    get(w.reader(), &payment.id)
}

/// One payment by its UUID or its local number.
pub fn get(r: Reader<'_>, reference: &str) -> Result<Payment> {
    let conn = r.conn();
    let text = reference.trim();
    let found = if let Ok(uuid) = Uuid::parse_str(text) {
        find(conn, "p.uuid = ?1", &uuid.to_string())?
    } else if is_local_id(text) {
        find(conn, "p.id = ?1", text)?
    } else {
        None
    };
    let mut payment = found.ok_or_else(|| Error::not_found("payment", text))?;
    fill(conn, std::slice::from_mut(&mut payment))?;
    Ok(payment)
}

/// Payments, newest first, one page (`query.limit`, after `query.after`).
pub fn list(r: Reader<'_>, query: &PaymentQuery) -> Result<Page<Payment>> {
    let conn = r.conn();
    let window = Window::newest_first(query.limit, query.after.as_deref())?;
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(r, c))
        .transpose()?;
    let mut filters = Filters::new();
    filters
        .eq("p.customer_id", customer.map(|c| c.id))
        .eq("p.status", query.status.map(|s| s.as_str().to_owned()))
        .with("p.id < {}", window.after);
    let mut stmt = conn.prepare(&format!(
        "{SELECT} {} ORDER BY p.id DESC LIMIT {}",
        filters.clause(),
        filters.next()
    ))?;
    let items = stmt
        .query_map(
            params_from_iter(filters.params([window.rows.into()])),
            |r| row(r).map(|(_, p)| p),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut page = Page::from_rows(items, query.limit, |p| page::id_cursor(p.local_id));
    fill(conn, &mut page.items)?;
    Ok(page)
}

/// Fills in each payment's allocations and credit share, replaying each
/// customer once.
fn fill(conn: &Connection, payments: &mut [Payment]) -> Result<()> {
    let mut replays: HashMap<String, (Replay, HashMap<i64, String>)> = HashMap::new();
    for p in payments.iter_mut() {
        if !replays.contains_key(&p.customer_id) {
            let id: i64 = conn.query_row(
                "SELECT id FROM customers WHERE uuid = ?1",
                [&p.customer_id],
                |r| r.get(0),
            )?;
            let numbers = conn
                .prepare("SELECT id, number FROM invoices WHERE customer_id = ?1")?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<HashMap<_, _>>>()?;
            replays.insert(
                p.customer_id.clone(),
                (allocation::replay(conn, id)?, numbers),
            );
        }
        let (replay, numbers) = &replays[&p.customer_id];
        p.allocations = replay
            .payment_allocations(p.local_id)
            .into_iter()
            .map(|(invoice, amount)| PaymentAllocation {
                invoice_number: numbers.get(&invoice).cloned().unwrap_or_default(),
                amount,
            })
            .collect();
        p.credit = replay.payment_free(p.local_id);
    }
    Ok(())
}

const SELECT: &str =
    "SELECT p.id, p.uuid, c.uuid, c.name, i.number, v.code, p.amount, p.method, p.reference,
        p.received_at, p.received_by, p.status, p.refunded_at, p.refunded_by
     FROM payments p JOIN customers c ON c.id = p.customer_id
     LEFT JOIN invoices i ON i.id = p.invoice_id
     LEFT JOIN vouchers v ON v.id = p.voucher_id";

fn find(conn: &Connection, condition: &str, value: &str) -> Result<Option<Payment>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE {condition}"), [value], |r| {
            row(r).map(|(_, p)| p)
        })
        .optional()?)
}

fn row(r: &Row<'_>) -> rusqlite::Result<(i64, Payment)> {
    let method: String = r.get(7)?;
    let status: String = r.get(11)?;
    let local_id: i64 = r.get(0)?;
    Ok((
        local_id,
        Payment {
            local_id,
            id: r.get(1)?,
            customer_id: r.get(2)?,
            customer_name: r.get(3)?,
            invoice_number: r.get(4)?,
            voucher_code: r.get(5)?,
            amount: r.get(6)?,
            method: PaymentMethod::from_str(&method).unwrap_or_default(),
            reference: r.get(8)?,
            received_at: r.get(9)?,
            received_by: r.get(10)?,
            status: PaymentStatus::from_str(&status).unwrap_or(PaymentStatus::Success),
            refunded_at: r.get(12)?,
            refunded_by: r.get(13)?,
            allocations: Vec::new(),
            credit: Money::ZERO,
        },
    ))
}
