//! Billing: subscriptions, invoices, payments and vouchers, and how money
//! moves between them through the customer's balance.
//!
//! The customer's balance is their account. Issuing an invoice posts a debit
//! of its total to the ledger, a payment posts a credit (and a carry_over for
//! what it leaves over), a refund posts a debit reversing the payment, voiding
//! an invoice posts a credit reversing its debit. Nothing is ever edited, so
//! `balance = successful payments - non-void invoices + manual adjustments`
//! holds by construction, and carry-over from one period to the next needs no
//! bookkeeping of its own: the balance already holds it.
//!
//! Which invoice a payment paid (its *allocation*) is not stored as a fact: it
//! is replayed from the customer's ledger by `allocation`, so it can never
//! drift from the money. See that module for the rules.
//!
//! Every write goes through `Db::write`: each row it inserts or changes is in
//! the change log, each mutation that concerns a customer in their activity
//! log, and the caches (`invoices.amount_allocated`/`status`,
//! `customers.total_spent`/`subscription_count`) move in the same transaction.

pub(crate) mod allocation;
pub mod invoices;
pub mod payments;
pub mod subscriptions;
pub mod vouchers;

use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::customers::{Handle, Status};
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::page;

pub use allocation::{Problem, audit};

/// The rows of a list page, as the four billing lists read them (newest
/// first by row id, but subscriptions oldest first): the row id the page
/// starts after and how many rows to read (`page::rows_to_read`).
pub(crate) struct Window {
    pub(crate) after: i64,
    pub(crate) rows: i64,
}

impl Window {
    /// A window of a list ordered newest first.
    pub(crate) fn newest_first(limit: Option<u32>, after: Option<&str>) -> Result<Window> {
        Ok(Window {
            rows: page::rows_to_read(limit),
            after: page::after_id(after)?,
        })
    }

    /// A window of a list ordered oldest first: it starts after row 0.
    pub(crate) fn oldest_first(limit: Option<u32>, after: Option<&str>) -> Result<Window> {
        Ok(Window {
            rows: page::rows_to_read(limit),
            after: after.map_or(Ok(0), |a| page::after_id(Some(a)))?,
        })
    }
}

pub use crate::wire::PaymentMethod;

/// Refuses an amount that is zero or negative. (More than two decimals and
/// overflow are refused when the `Money` is made.)
pub(crate) fn ensure_positive(field: &'static str, amount: Money) -> Result<()> {
    if amount.minor() <= 0 {
        return Err(Error::InvalidAmount {
            field,
            message: format!("'{amount}' must be greater than zero"),
        });
    }
    if amount > Money::MAX {
        return Err(Error::Overflow {
            field,
            limit: Money::MAX.to_string(),
        });
    }
    Ok(())
}

/// A customer who may be billed: not deleted (restore first) and, for new
/// subscriptions, not blacklisted.
pub(crate) fn ensure_billable(customer: &Handle, what: &str) -> Result<()> {
    if customer.merged_into.is_some() {
        return customer.ensure_live();
    }
    match customer.status {
        Status::Deleted => Err(Error::refused(
            Code::CustomerNotBillable,
            format!(
                "customer {} ({}) is deleted: restore it before {what}",
                customer.uuid, customer.name
            ),
        )),
        Status::Blacklisted => Err(Error::refused(
            Code::CustomerNotBillable,
            format!(
                "customer {} ({}) is blacklisted: {what} is refused",
                customer.uuid, customer.name
            ),
        )),
        Status::Active | Status::Inactive => Ok(()),
    }
}

/// The earliest billing date taken without confirmation.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("2000-01-01"),
};

/// Refuses an `invoice issue-due` date (`date_out_of_range`) before 2000 or
/// more than one cycle ahead of `today` (a month, the longest cycle), unless
/// the person `confirmed` it: a typo such as 2099-12-31 would bill every
/// period until then in one write. `today` is the shop's date, the caller's.
pub fn check_issue_date(date: NaiveDate, today: NaiveDate, confirmed: bool) -> Result<()> {
    let latest = today
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    check_window(
        "date",
        date,
        latest,
        confirmed,
        "one billing cycle (a month) after today",
        "issuing up to it would bill every period until then",
    )
}

/// Refuses a subscription's start date (`date_out_of_range`) before 2000 or
/// more than a year ahead of `today`, unless the person `confirmed` it: a
/// start in year 0 would be billed two thousand years of periods.
pub fn check_start_date(start: NaiveDate, today: NaiveDate, confirmed: bool) -> Result<()> {
    let latest = today
        .checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX);
    check_window(
        "start",
        start,
        latest,
        confirmed,
        "a year after today",
        "every period from it is billed",
    )
}

fn check_window(
    field: &'static str,
    date: NaiveDate,
    latest: NaiveDate,
    confirmed: bool,
    limit: &str,
    why: &str,
) -> Result<()> {
    if confirmed || (EARLIEST_DATE..=latest).contains(&date) {
        return Ok(());
    }
    let bound = if date < EARLIEST_DATE {
        format!("before {EARLIEST_DATE}, taken for a typo")
    } else {
        format!("after {latest}, {limit}: {why}")
    };
    Err(Error::Refused {
        code: Code::DateOutOfRange,
        field: Some(field),
        message: format!(
            "{field} {date} is {bound}; check the date, or confirm it with --yes if it is meant"
        ),
    })
}

/// 'YYYY-MM-DD', the stored form of a date.
pub(crate) use crate::days::day_text as date_text;

/// Reads a stored date; a malformed one is a storage problem, reported as such.
pub(crate) fn stored_date(text: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, crate::days::DAY_FORMAT).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The timestamp of a write: the one given, else the transaction's.
pub(crate) fn at_or_now(at: Option<DateTime<Utc>>, now: &str) -> String {
    at.map_or_else(|| now.to_owned(), crate::db::timestamp)
}

/// True when `text` is a short local row number (as the CLI shows them).
pub(crate) fn is_local_id(text: &str) -> bool {
    (1..=12).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

/// Reads a billing date typed as `YYYY-MM-DD` (a start, an issue date, a
/// resume date); anything else is `validation` of `field`.
pub fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate> {
    crate::days::parse_day(text.trim()).ok_or_else(|| Error::Validation {
        field,
        message: format!("'{}' is not a date of the form YYYY-MM-DD", text.trim()),
    })
}
