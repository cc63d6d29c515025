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
//! open carries them. It stores, as they stood at issue, what they owed
//! (`carried_amount`), how many they were (`carried_count`) and the newest
//! (`carried_last`): a fixed size per invoice, however long the unpaid
//! history. What it shows is read live from the open invoices (the
//! `invoices_open` index, so a read costs what is open, not the history):
//! `carried_amount` and `carried_count` are what the earlier invoices of its
//! subscription owe now (`get` lists their numbers in `carried_from`),
//! `amount_due` adds its own unpaid part, so on the newest invoice it is what
//! the customer owes for that subscription, and `subscription_owed` is what
//! all of the subscription's invoices owe. A void invoice shows nothing due,
//! and an invoice voided or paid since drops out of the later ones. The
//! carried debt is not debited again: the balance already holds it.
//!
//! `issue_due` gives each invoice a fixed amount of work however many it
//! issues: what a new invoice is allocated follows from the balance (credit
//! exists only while nothing is open, see `allocation`), what it carries from
//! running totals per subscription, and the allocation replay runs once per
//! customer at the end of the run rather than once per invoice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::subscriptions::{self, Subscription};
use super::{Window, allocation, date_text, stored_date};
use crate::customers::{self, Handle};
use crate::db::{ChangeOp, Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::filters::Filters;
use crate::ledger::{self, EntryKind, EntryNote};
use crate::money::Money;
use crate::page::{self, Page};
use crate::settings::{self, Key};
use crate::wire::{ActivityEvent, Before, Entity, InvoiceRecord};

pub use crate::wire::InvoiceStatus;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// What the earlier invoices of its subscription owe now (0 when void),
    /// and how many of them owe it.
    pub carried_amount: Money,
    pub carried_count: u32,
    /// Their numbers, oldest first: listed by `get` (one invoice). Lists and
    /// `issue_due` leave them out (None: N invoices would list up to N each).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub carried_from: Option<Vec<String>>,
    /// `amount_unpaid + carried_amount`: unpaid now on this invoice and the
    /// earlier ones of its subscription.
    pub amount_due: Money,
    /// What all the invoices of its subscription owe now (None for a voucher's).
    pub subscription_owed: Option<Money>,
    pub due_date: NaiveDate,
    pub status: InvoiceStatus,
    /// `status.is_open()`: it can still take a payment or a void.
    pub open: bool,
    pub issued_at: String,
    pub issued_by: String,
    pub voided_at: Option<String>,
    pub voided_by: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct InvoiceQuery {
    /// A customer reference, as `customers::resolve` reads it.
    pub customer: Option<String>,
    /// A subscription reference, as `subscriptions::resolve` reads it.
    pub subscription: Option<String>,
    pub status: Option<InvoiceStatus>,
    /// Unpaid and partial invoices only.
    pub open_only: bool,
    /// At most this many per page (None: every one).
    pub limit: Option<u32>,
    /// The `next` cursor of the page before.
    pub after: Option<String>,
}

/// `issue_due` as a person asks for it (the CLI's `invoice issue-due`, the
/// app's button): the date they typed, or the shop's today, checked by
/// `billing::check_issue_date` (`confirmed`: they said yes to a date far off).
pub fn issue_due_asked(
    w: &mut Write<'_>,
    date: Option<NaiveDate>,
    confirmed: bool,
) -> Result<IssuedDue> {
    let today = w.reader().today();
    let date = date.unwrap_or(today);
    super::check_issue_date(date, today, confirmed)?;
    let invoices = issue_due(w, date)?;
    let customers = invoices
        .iter()
        .map(|i| i.customer_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let mut total = Money::ZERO;
    for invoice in &invoices {
        total = total.checked_add(invoice.total, "total")?;
    }
    Ok(IssuedDue {
        date,
        customers: customers as u32,
        total,
        invoices,
    })
}

/// What `issue_due_asked` issued: the date used, the invoices, and the sum
/// a person reads first (how many customers, how much in all).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuedDue {
    pub date: NaiveDate,
    pub customers: u32,
    pub total: Money,
    pub invoices: Vec<Invoice>,
}

/// Issues every invoice due up to `date` (inclusive): each active
/// subscription of a live customer whose next billing date is on or before
/// `date` is billed period by period until its next billing date is after
/// it, oldest period first across subscriptions. Running it again for the
/// same date issues nothing. A date a person typed goes through
/// `billing::check_issue_date` first (a typo far ahead bills every period
/// until then). Each invoice costs the same whatever the history: see the
/// module's notes.
pub fn issue_due(w: &mut Write<'_>, date: NaiveDate) -> Result<Vec<Invoice>> {
    let prefix = settings::get(w.tx(), Key::InvoicePrefix)?;
    let mut carried: HashMap<i64, Carried> = HashMap::new();
    let mut handles: HashMap<String, Handle> = HashMap::new();
    let mut touched: Vec<i64> = Vec::new();
    let mut issued = Vec::new();
    loop {
        let next: Option<i64> = w
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
        let running = match carried.entry(sub.local_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(Carried::open_of(w.tx(), sub.local_id)?),
        };
        let customer = match handles.entry(sub.customer_id.clone()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let handle = customers::resolve(w.reader(), &sub.customer_id)?;
                touched.push(handle.id);
                e.insert(handle)
            }
        };
        let invoice = issue_period(w, customer, &sub, &prefix, date, running.clone())?;
        running.push(invoice.unpaid, &invoice.number)?;
        issued.push(invoice.id);
    }
    // The caches of what was issued, once per customer: the replay agrees
    // with what `insert` allocated, and this keeps it the one authority.
    for customer in touched {
        let corrected = allocation::refresh(w, customer)?;
        debug_assert_eq!(corrected, 0, "issue_due allocated as the replay does");
    }
    let invoices = views(w.tx(), &issued)?;
    for invoice in &invoices {
        crate::notify::hooks::invoice_issued(w, invoice)?;
    }
    Ok(invoices)
}

/// Bills the subscription's next period and moves it on by one cycle.
fn issue_period(
    w: &mut Write<'_>,
    customer: &Handle,
    sub: &Subscription,
    prefix: &str,
    issue_date: NaiveDate,
    carried: Carried,
) -> Result<Inserted> {
    let start = sub.next_billing_date;
    let end = subscriptions::advance(w, sub)?;
    let description = format!(
        "{} {} ({}) {}..{}",
        sub.kind,
        sub.profile,
        sub.username,
        date_text(start),
        date_text(end)
    );
    insert(
        w,
        customer,
        prefix,
        Charge {
            subscription: Some(sub),
            voucher: None,
            description,
            period_start: start,
            period_end: end,
            amount: sub.price,
            carried,
            issue_date,
        },
        true,
    )
}

/// What an invoice carries as it is issued: the unpaid total of the earlier
/// open invoices of its subscription, how many they are, and the newest.
#[derive(Debug, Clone, Default)]
pub(crate) struct Carried {
    pub amount: Money,
    pub count: u32,
    pub last: Option<String>,
}

impl Carried {
    /// What the subscription's open invoices owe, from the caches (which every
    /// write leaves up to date, and which stay right for the invoices issued
    /// before a run while it goes on: a new charge never changes what older
    /// ones were allocated): reads what is open, not the history.
    fn open_of(conn: &Connection, subscription_id: i64) -> Result<Carried> {
        Ok(conn
            .prepare_cached(
                "SELECT coalesce(sum(total - amount_allocated), 0), count(*),
                    (SELECT number FROM invoices
                     WHERE subscription_id = ?1 AND status IN ('unpaid', 'partial')
                     ORDER BY id DESC LIMIT 1)
             FROM invoices WHERE subscription_id = ?1 AND status IN ('unpaid', 'partial')",
            )?
            .query_row([subscription_id], |r| {
                Ok(Carried {
                    amount: r.get(0)?,
                    count: r.get(1)?,
                    last: r.get(2)?,
                })
            })?)
    }

    /// The next invoice of the subscription carries this one too, if it owes.
    fn push(&mut self, unpaid: Money, number: &str) -> Result<()> {
        if unpaid > Money::ZERO {
            self.amount = self.amount.checked_add(unpaid, "carried_amount")?;
            self.count += 1;
            self.last = Some(number.to_owned());
        }
        Ok(())
    }
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
    pub carried: Carried,
    /// Its year numbers the invoice.
    pub issue_date: NaiveDate,
}

/// Numbers the invoice, posts its debit, stores it, logs it and re-applies
/// the customer's credit to it (the replay: a voucher's charge waits for its
/// own payment, which the caller records next; see `allocation`).
pub(crate) fn issue(w: &mut Write<'_>, customer: &Handle, charge: Charge<'_>) -> Result<Invoice> {
    let prefix = settings::get(w.tx(), Key::InvoicePrefix)?;
    let inserted = insert(w, customer, &prefix, charge, false)?;
    allocation::refresh(w, customer.id)?;
    let invoice = get(w.reader(), &inserted.uuid)?;
    crate::notify::hooks::invoice_issued(w, &invoice)?;
    Ok(invoice)
}

/// What `insert` stored.
struct Inserted {
    id: i64,
    uuid: String,
    number: String,
    /// What the customer's credit left unpaid of it.
    unpaid: Money,
}

/// Numbers the invoice, posts its debit, stores it and logs it. With
/// `settle`, it is stored as the replay will allocate it: the customer's
/// credit pays it as far as it goes (credit exists only while nothing is
/// open, so it is the balance before the debit, if positive). Without, it is
/// stored unpaid, for the caller's `allocation::refresh`.
fn insert(
    w: &mut Write<'_>,
    customer: &Handle,
    prefix: &str,
    charge: Charge<'_>,
    settle: bool,
) -> Result<Inserted> {
    super::ensure_positive("amount", charge.amount)?;
    let uuid = new_id();
    let number = next_number(w, prefix, charge.issue_date)?;
    let entry = ledger::post(
        w,
        customer,
        EntryKind::Debit,
        charge.amount,
        &EntryNote::new(format!("Invoice {number}: {}", charge.description))
            .with_reference("invoice", &uuid),
    )?;
    let allocated = if settle {
        charge.amount.min(entry.previous_balance.max(Money::ZERO))
    } else {
        Money::ZERO
    };
    let carried = &charge.carried;
    w.exec(
        "INSERT INTO invoices (uuid, number, customer_id, subscription_id, voucher_id, description,
             period_start, period_end, charge, total, carried_amount, carried_count, carried_last,
             due_date, issued_at, issued_by, debit_entry, amount_allocated, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?7, ?13, ?14, ?15, ?16, ?17)",
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
            carried.amount,
            carried.count,
            carried.last,
            w.now(),
            w.actor(),
            entry.id,
            allocated,
            allocation::status_of(charge.amount, allocated, false),
        ],
    )?;
    let id = w.tx().last_insert_rowid();
    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    let record = InvoiceRecord {
        number: number.as_str().into(),
        customer_id: customer.uuid.as_str().into(),
        subscription_id: charge.subscription.map(|s| s.id.as_str().into()),
        voucher_id: charge.voucher.as_ref().map(|v| v.1.as_str().into()),
        description: charge.description.as_str().into(),
        period_start: charge.period_start,
        period_end: charge.period_end,
        charge: charge.amount,
        total: charge.amount,
        carried_amount: carried.amount,
        carried_count: carried.count,
        carried_last: carried.last.as_deref().map(Into::into),
        due_date: charge.period_start,
        issued_at: now.as_str().into(),
        issued_by: actor.as_str().into(),
        debit_entry: entry.id.as_str().into(),
    };
    w.record_insert(Entity::Invoice, &uuid, &record)?;
    w.record_activity(
        customer.id,
        &ActivityEvent::InvoiceIssued {
            invoice_id: uuid.as_str().into(),
            invoice: record,
        },
    )?;
    Ok(Inserted {
        id,
        uuid,
        number,
        unpaid: Money::from_minor(charge.amount.minor() - allocated.minor()),
    })
}

/// Cancels an invoice issued by mistake: posts a credit reversing its debit.
/// Refused when it is already void, or while payments are allocated to it
/// (refund them first). Credit from manual adjustments that it was using
/// goes back to the customer's other open invoices or balance.
pub fn void(w: &mut Write<'_>, reference: &str) -> Result<Invoice> {
    let invoice = get(w.reader(), reference)?;
    if invoice.status == InvoiceStatus::Void {
        return Err(Error::refused(
            Code::AlreadyVoid,
            format!("invoice {} is already void", invoice.number),
        ));
    }
    let customer = customers::resolve(w.reader(), &invoice.customer_id)?;
    customer.ensure_live()?;
    let local_id = local_id(w.tx(), &invoice.id)?;
    let paid = allocation::replay(w.tx(), customer.id)?.paid_by_payments(local_id);
    if paid > Money::ZERO {
        return Err(Error::refused(
            Code::InvoiceHasPayments,
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
            Entity::Invoice,
            &invoice.id,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    w.record_activity(
        customer.id,
        &ActivityEvent::InvoiceVoided {
            invoice_id: invoice.id.as_str().into(),
            number: invoice.number.as_str().into(),
            total: invoice.total,
            status: Before {
                before: invoice.status,
                after: InvoiceStatus::Void,
            },
        },
    )?;
    allocation::refresh(w, customer.id)?;
    get(w.reader(), &invoice.id)
}

/// One invoice by its number (any case) or its UUID, with the numbers of
/// the earlier invoices it carries.
pub fn get(r: Reader<'_>, reference: &str) -> Result<Invoice> {
    let conn = r.conn();
    let text = reference.trim();
    let found = if let Ok(uuid) = Uuid::parse_str(text) {
        find(conn, "i.uuid = ?1", &uuid.to_string())?
    } else {
        find(conn, "i.number = ?1 COLLATE NOCASE", text)?
    };
    let found = found.ok_or_else(|| Error::not_found("invoice", text))?;
    Ok(live(conn, vec![found], true)?.remove(0))
}

/// Invoices, newest first, one page (`query.limit`, after `query.after`).
pub fn list(r: Reader<'_>, query: &InvoiceQuery) -> Result<Page<Invoice>> {
    let conn = r.conn();
    let window = Window::newest_first(query.limit, query.after.as_deref())?;
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(r, c))
        .transpose()?;
    let subscription = query
        .subscription
        .as_deref()
        .map(|s| subscriptions::resolve(r, s))
        .transpose()?;
    let mut filters = Filters::new();
    filters
        .eq("i.customer_id", customer.map(|c| c.id))
        .eq("i.subscription_id", subscription.map(|s| s.local_id))
        .eq("i.status", query.status.map(|s| s.as_str().to_owned()))
        .when(query.open_only, "i.status IN ('unpaid', 'partial')")
        .with("i.id < {}", window.after);
    let mut stmt = conn.prepare(&format!(
        "{SELECT} {} ORDER BY i.id DESC LIMIT {}",
        filters.clause(),
        filters.next()
    ))?;
    let rows = stmt.query_map(
        params_from_iter(filters.params([window.rows.into()])),
        from_row,
    )?;
    let found = Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        query.limit,
        |f| page::id_cursor(f.id),
    );
    Ok(Page {
        items: live(conn, found.items, false)?,
        next: found.next,
    })
}

/// The invoices with these row ids, in that order.
fn views(conn: &Connection, ids: &[i64]) -> Result<Vec<Invoice>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE i.id = ?1"))?;
    let found = ids
        .iter()
        .map(|id| stmt.query_row([id], from_row))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    live(conn, found, false)
}

pub(crate) fn local_id(conn: &Connection, uuid: &str) -> Result<i64> {
    Ok(
        conn.query_row("SELECT id FROM invoices WHERE uuid = ?1", [uuid], |r| {
            r.get(0)
        })?,
    )
}

/// The invoice number that comes next for `date`'s year, with the
/// `invoice_prefix` setting's `prefix`. A number already taken (arrived
/// through sync, say) is skipped.
/// `INV-2026-000042`, or `INV-2026-K7QX-000042` on a paired desk, whose
/// block keeps its numbers apart from the other desks' made offline.
fn next_number(w: &mut Write<'_>, prefix: &str, date: NaiveDate) -> Result<String> {
    let year = date.year();
    let block = crate::settings::get(w.tx(), crate::settings::Key::InvoiceBlock)?;
    let prefix = if block.is_empty() {
        format!("{prefix}-{year}")
    } else {
        format!("{prefix}-{year}-{block}")
    };
    loop {
        let n: i64 = w.query_row(
            "INSERT INTO invoice_sequences (year, last_number) VALUES (?1, 1)
             ON CONFLICT (year) DO UPDATE SET last_number = last_number + 1
             RETURNING last_number",
            [year],
            |r| r.get(0),
        )?;
        let number = format!("{prefix}-{n:06}");
        let taken: bool = w.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE number = ?1)",
            [&number],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(number);
        }
    }
}

const SELECT: &str =
    "SELECT i.uuid, i.number, c.uuid, c.name, s.uuid, s.username, v.code, i.description,
        i.period_start, i.period_end, i.charge, i.total, i.amount_allocated, i.id,
        i.subscription_id, i.due_date, i.status, i.issued_at, i.issued_by, i.voided_at, i.voided_by
     FROM invoices i JOIN customers c ON c.id = i.customer_id
     LEFT JOIN subscriptions s ON s.id = i.subscription_id
     LEFT JOIN vouchers v ON v.id = i.voucher_id";

/// An invoice as read, before its live part (`live`) is filled in.
struct Found {
    id: i64,
    subscription: Option<i64>,
    invoice: Invoice,
}

fn find(conn: &Connection, condition: &str, value: &str) -> Result<Option<Found>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE {condition}"), [value], from_row)
        .optional()?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Found> {
    let total: Money = r.get(11)?;
    let allocated: Money = r.get(12)?;
    let status: String = r.get(16)?;
    let status = InvoiceStatus::from_str(&status).unwrap_or(InvoiceStatus::Unpaid);
    let unpaid = if status == InvoiceStatus::Void {
        Money::ZERO
    } else {
        Money::from_minor(total.minor() - allocated.minor())
    };
    Ok(Found {
        id: r.get(13)?,
        subscription: r.get(14)?,
        invoice: Invoice {
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
            carried_amount: Money::ZERO,
            carried_count: 0,
            carried_from: None,
            amount_due: unpaid,
            open: status.is_open(),
            subscription_owed: None,
            due_date: stored_date(&r.get::<_, String>(15)?)?,
            status,
            issued_at: r.get(17)?,
            issued_by: r.get(18)?,
            voided_at: r.get(19)?,
            voided_by: r.get(20)?,
        },
    })
}

/// Fills in what is read live: for each subscription among `found`, one walk
/// over its open invoices (oldest first) gives every listed invoice of it
/// what the earlier ones owe, and the subscription's total. With `numbers`,
/// also the earlier ones' numbers.
fn live(conn: &Connection, mut found: Vec<Found>, numbers: bool) -> Result<Vec<Invoice>> {
    let mut by_subscription: HashMap<i64, Vec<usize>> = HashMap::new();
    for (k, f) in found.iter_mut().enumerate() {
        if numbers {
            f.invoice.carried_from = Some(Vec::new());
        }
        if let Some(s) = f.subscription {
            by_subscription.entry(s).or_default().push(k);
        }
    }
    // `+?1`: see `allocation::events` (the statement is not prepared again per call).
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, total - amount_allocated FROM invoices
         WHERE subscription_id = +?1 AND status IN ('unpaid', 'partial') ORDER BY id",
    )?;
    for (subscription, mut listed) in by_subscription {
        let open = stmt
            .query_map([subscription], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Money>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut owed = Money::ZERO;
        for (_, _, unpaid) in &open {
            owed = owed.checked_add(*unpaid, "subscription_owed")?;
        }
        listed.sort_by_key(|&k| found[k].id);
        let (mut earlier, mut carried) = (0, Money::ZERO);
        for k in listed {
            let f = &mut found[k];
            while earlier < open.len() && open[earlier].0 < f.id {
                carried = carried.checked_add(open[earlier].2, "carried_amount")?;
                earlier += 1;
            }
            let invoice = &mut f.invoice;
            invoice.subscription_owed = Some(owed);
            if invoice.status == InvoiceStatus::Void {
                continue;
            }
            invoice.carried_amount = carried;
            invoice.carried_count = u32::try_from(earlier).unwrap_or(u32::MAX);
            invoice.amount_due = invoice.amount_unpaid.checked_add(carried, "amount_due")?;
            if numbers {
                invoice.carried_from = Some(open[..earlier].iter().map(|o| o.1.clone()).collect());
            }
        }
    }
    Ok(found.into_iter().map(|f| f.invoice).collect())
}
