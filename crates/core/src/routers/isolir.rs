//! Isolir: the suspend and resume rules of subscriptions on a router.
//!
//! Suspend: an active subscription with a router whose oldest open invoice
//! is still unpaid after the grace days (`isolir_grace_days`, 3 unset:
//! due on the 1st, suspended from the 5th), unless the customer's balance
//! is not negative (their credit covers it). Resume: a subscription this
//! rule suspended, once nothing of it is due any more (no open invoice due
//! on or before the day) or the balance is not negative: on the payment
//! that clears it (`after_payment`, in the payment's transaction), or at
//! the next check. A subscription suspended by hand is never resumed here.
//!
//! Suspending and resuming are the billing module's `suspend` and `resume`
//! (so the router follows through `desired::after_change`, and a resume
//! skips the periods that started while the service was cut off); this
//! module adds when and why, the activity log entry naming the invoice, and
//! the customer's WhatsApp notice (`notify::isolir`, when the shop sends them;
//! the resume's is queued by `desired::after_change`, which sees every resume).

use chrono::{Days, NaiveDate};
use rusqlite::params;
use serde::Serialize;

use super::local::local;
use crate::billing::subscriptions;
use crate::days::day_text;
use crate::db::{Reader, Write};
use crate::error::Result;
use crate::money::Money;
use crate::notify;
use crate::settings;
use crate::wire::ActivityEvent;

/// A subscription suspended (or resumed) by the isolir rule.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IsolirEntry {
    pub subscription_id: String,
    pub username: String,
    pub customer_id: String,
    pub customer_name: String,
    pub router: Option<String>,
    /// The day it was suspended.
    pub since: Option<String>,
    /// The invoice it was suspended for.
    pub invoice_number: Option<String>,
    /// What the subscription's open invoices still owe.
    pub owed: Money,
}

/// What a check did, as of `date`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IsolirCheck {
    pub date: NaiveDate,
    pub grace_days: u32,
    pub suspended: Vec<IsolirEntry>,
    pub resumed: Vec<IsolirEntry>,
}

/// Applies the suspend and resume rules as of `on`; the routers' part is
/// queued in the same transaction.
pub fn check(w: &mut Write<'_>, on: NaiveDate) -> Result<IsolirCheck> {
    let grace = settings::isolir_grace_days(w.tx())?;
    let resumed = resume_due(w, on, None)?;
    let cutoff = on
        .checked_sub_days(Days::new(u64::from(grace)))
        .unwrap_or(NaiveDate::MIN);
    let overdue: Vec<(i64, String, i64, String, Money)> = {
        let mut stmt = w.tx().prepare(
            "SELECT s.id, s.uuid, i.id, i.number, i.total - i.amount_allocated
             FROM subscriptions s
             JOIN customers c ON c.id = s.customer_id
             JOIN invoices i ON i.id = (
                 SELECT i2.id FROM invoices i2
                 WHERE i2.subscription_id = s.id AND i2.status IN ('unpaid', 'partial')
                 ORDER BY i2.due_date, i2.id LIMIT 1)
             WHERE s.status = 'active' AND s.router_id IS NOT NULL
               AND i.due_date < ?1 AND c.balance < 0
             ORDER BY s.id",
        )?;
        let rows = stmt.query_map([day_text(cutoff)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut suspended = Vec::new();
    for (id, uuid, invoice_id, number, owed) in overdue {
        let sub = subscriptions::suspend(w, &uuid)?;
        local(
            w,
            "UPDATE subscriptions SET isolir_since = ?2, isolir_invoice_id = ?3 WHERE id = ?1",
            params![id, day_text(on), invoice_id],
        )?;
        let customer_id = customer_of(w, id)?;
        w.record_activity(
            customer_id,
            &ActivityEvent::IsolirSuspended {
                subscription_id: sub.id.clone().into(),
                username: sub.username.clone().into(),
                invoice_number: number.as_str().into(),
                owed,
                grace_days: grace,
            },
        )?;
        notify::isolir::suspended(w, customer_id, &uuid, &number)?;
        suspended.push(entry(w.reader(), id)?);
    }
    Ok(IsolirCheck {
        date: on,
        grace_days: grace,
        suspended,
        resumed,
    })
}

/// After a payment of customer `customer_id`: resumes what it cleared.
pub(crate) fn after_payment(w: &mut Write<'_>, customer_id: i64) -> Result<()> {
    let today = w.reader().today();
    resume_due(w, today, Some(customer_id))?;
    Ok(())
}

/// Who is suspended by the rule, longest first.
pub fn list(r: Reader<'_>) -> Result<Vec<IsolirEntry>> {
    let ids: Vec<i64> = {
        let mut stmt = r.conn().prepare(
            "SELECT id FROM subscriptions WHERE isolir_since IS NOT NULL ORDER BY isolir_since, id",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    ids.into_iter().map(|id| entry(r, id)).collect()
}

fn resume_due(w: &mut Write<'_>, on: NaiveDate, customer: Option<i64>) -> Result<Vec<IsolirEntry>> {
    let cleared: Vec<(i64, String)> = {
        let mut stmt = w.tx().prepare(
            "SELECT s.id, s.uuid FROM subscriptions s JOIN customers c ON c.id = s.customer_id
             WHERE s.status = 'suspended' AND s.isolir_since IS NOT NULL
               AND (?2 IS NULL OR s.customer_id = ?2)
               AND (c.balance >= 0 OR NOT EXISTS (
                   SELECT 1 FROM invoices i WHERE i.subscription_id = s.id
                     AND i.status IN ('unpaid', 'partial') AND i.due_date <= ?1))
             ORDER BY s.id",
        )?;
        let rows = stmt.query_map(params![day_text(on), customer], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut resumed = Vec::new();
    for (id, uuid) in cleared {
        let before = entry(w.reader(), id)?;
        let sub = subscriptions::resume(w, &uuid, on)?;
        let customer_id = customer_of(w, id)?;
        w.record_activity(
            customer_id,
            &ActivityEvent::IsolirResumed {
                subscription_id: sub.id.clone().into(),
                username: sub.username.clone().into(),
                invoice_number: before.invoice_number.clone().map(Into::into),
            },
        )?;
        resumed.push(before);
    }
    Ok(resumed)
}

fn customer_of(w: &Write<'_>, id: i64) -> Result<i64> {
    Ok(w.query_row(
        "SELECT customer_id FROM subscriptions WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

fn entry(r: Reader<'_>, id: i64) -> Result<IsolirEntry> {
    Ok(r.conn().query_row(
        "SELECT s.uuid, s.username, c.uuid, c.name, ro.name, s.isolir_since, i.number,
             (SELECT coalesce(sum(o.total - o.amount_allocated), 0) FROM invoices o
              WHERE o.subscription_id = s.id AND o.status IN ('unpaid', 'partial'))
         FROM subscriptions s JOIN customers c ON c.id = s.customer_id
         LEFT JOIN routers ro ON ro.id = s.router_id
         LEFT JOIN invoices i ON i.id = s.isolir_invoice_id
         WHERE s.id = ?1",
        [id],
        |r| {
            Ok(IsolirEntry {
                subscription_id: r.get(0)?,
                username: r.get(1)?,
                customer_id: r.get(2)?,
                customer_name: r.get(3)?,
                router: r.get(4)?,
                since: r.get(5)?,
                invoice_number: r.get(6)?,
                owed: r.get(7)?,
            })
        },
    )?)
}
