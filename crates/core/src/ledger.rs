//! The balance ledger: an append-only list of credits, debits and carry-overs
//! per customer. `customers.balance` is its cache and always equals the sum of
//! the signed entries; `post` is the one place that moves both together.
//! The database refuses UPDATE and DELETE on ledger rows (see V1 triggers).
//!
//! Owns the posting primitive on a resolved `&Handle` and the ledger's rows.
//! Must not know what a customer reference means nor what a posting sets off
//! (allocation): the manual credit and debit by reference are `balance`'s.

use std::str::FromStr;

use chrono::NaiveDate;
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use crate::customers::model::Handle;
use crate::days::{Bounds, DayRange};
use crate::db::{Change, Reader, Write, new_id};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::page::{self, Page};
use crate::validate;
use crate::wire::{ActivityEvent, Entity};

pub use crate::wire::EntryKind;

impl EntryKind {
    /// The entry's effect on the balance.
    pub fn signed(self, amount: Money) -> Money {
        match self {
            EntryKind::Debit => Money::from_minor(-amount.minor()),
            EntryKind::Credit | EntryKind::CarryOver => amount,
        }
    }
}

/// Why an entry was made: a description and, optionally, what it refers to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryNote {
    pub description: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
}

impl EntryNote {
    pub fn new(description: impl Into<String>) -> EntryNote {
        EntryNote {
            description: description.into(),
            ..EntryNote::default()
        }
    }

    pub fn with_reference(mut self, kind: impl Into<String>, id: impl Into<String>) -> EntryNote {
        self.reference_type = Some(kind.into());
        self.reference_id = Some(id.into());
        self
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LedgerEntry {
    pub id: String,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub kind: EntryKind,
    pub amount: Money,
    pub previous_balance: Money,
    pub new_balance: Money,
    pub description: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// Appends one entry and moves the cached balance with it, in the caller's
/// transaction. The balance is read inside that (IMMEDIATE) transaction, so a
/// concurrent writer cannot slip in between the read and the write.
pub(crate) fn post(
    w: &mut Write<'_>,
    customer: &Handle,
    kind: EntryKind,
    amount: Money,
    note: &EntryNote,
) -> Result<LedgerEntry> {
    let previous: Money = w.query_row(
        "SELECT balance FROM customers WHERE id = ?1",
        [customer.id()],
        |r| r.get(0),
    )?;
    let entry = append(w, customer, kind, amount, previous, note)?;
    w.exec(
        "UPDATE customers SET balance = ?2, updated_at = ?3 WHERE id = ?1",
        params![customer.id(), entry.new_balance, w.now()],
    )?;
    w.record_activity(
        customer.id(),
        &ActivityEvent::BalanceChanged {
            entry_id: entry.id.as_str().into(),
            kind,
            amount,
            previous_balance: previous,
            new_balance: entry.new_balance,
            description: entry.description.as_str().into(),
            reference_type: entry.reference_type.as_deref().map(Into::into),
            reference_id: entry.reference_id.as_deref().map(Into::into),
        },
    )?;
    Ok(entry)
}

/// Writes the ledger row (and its change-log row) that takes the balance from
/// `previous`; the caller moves `customers.balance` and logs the activity.
/// `customers::insert` uses it for an opening balance, which it writes with
/// the customer row itself.
pub(crate) fn append(
    w: &mut Write<'_>,
    customer: &Handle,
    kind: EntryKind,
    amount: Money,
    previous: Money,
    note: &EntryNote,
) -> Result<LedgerEntry> {
    let entry = NewEntry {
        customer,
        kind,
        amount,
        previous,
        note,
    };
    let mut entries = append_all(w, &[entry])?;
    Ok(entries.remove(0))
}

/// An entry for `append_all`.
pub(crate) struct NewEntry<'a> {
    pub customer: &'a Handle,
    pub kind: EntryKind,
    pub amount: Money,
    pub previous: Money,
    pub note: &'a EntryNote,
}

/// `append` for many entries (an import's opening balances): checked first,
/// then written with multi-row statements.
pub(crate) fn append_all(w: &mut Write<'_>, entries: &[NewEntry<'_>]) -> Result<Vec<LedgerEntry>> {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if e.amount.minor() <= 0 {
            return Err(Error::InvalidAmount {
                field: "amount",
                message: format!("'{}' must be greater than zero", e.amount),
            });
        }
        let note = e.note;
        let reference_type =
            validate::optional("reference_type", note.reference_type.as_deref(), 50)?;
        let reference_id = validate::optional("reference_id", note.reference_id.as_deref(), 100)?;
        if reference_type.is_some() != reference_id.is_some() {
            return Err(Error::validation(
                "reference_id",
                "a reference needs both a type and an id",
            ));
        }
        out.push(LedgerEntry {
            id: new_id(),
            customer_id: e.customer.uuid().to_owned(),
            kind: e.kind,
            amount: e.amount,
            previous_balance: e.previous,
            new_balance: e.previous.checked_add(e.kind.signed(e.amount), "amount")?,
            description: validate::required("description", &note.description, 500)?,
            reference_type,
            reference_id,
            created_at: w.now().to_owned(),
            created_by: w.actor().to_owned(),
        });
    }
    w.insert_rows(
        "customer_balance_history (uuid, customer_id, type, amount, previous_balance,
             new_balance, description, reference_type, reference_id, created_at, created_by)",
        11,
        &entries.iter().zip(&out).collect::<Vec<_>>(),
        |row, (new, entry)| {
            row.bind(entry.id.as_str())?;
            row.bind(new.customer.id())?;
            row.bind(entry.kind.as_str())?;
            row.bind(entry.amount)?;
            row.bind(entry.previous_balance)?;
            row.bind(entry.new_balance)?;
            row.bind(entry.description.as_str())?;
            row.bind(entry.reference_type.as_deref())?;
            row.bind(entry.reference_id.as_deref())?;
            row.bind(entry.created_at.as_str())?;
            row.bind(entry.created_by.as_str())
        },
    )?;
    // Ledger rows never change: sync reads the row itself (and sends no
    // balances: each device recomputes them), so the change log only notes it.
    let changes: Vec<Change<'_>> = out
        .iter()
        .map(|e| Change::noted(Entity::LedgerEntry, &e.id))
        .collect();
    w.record_changes(&changes)?;
    Ok(out)
}

/// Which entries of a customer's ledger to show, newest first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryQuery {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<EntryKind>,
    /// Inclusive, a day on the shop's calendar (its time zone).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub from: Option<NaiveDate>,
    /// Inclusive, a day on the shop's calendar (its time zone).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<NaiveDate>,
    /// At most this many entries per page (None: every entry, one page).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<String>,
}

/// A page of `customer`'s ledger, newest first, with the cursor of the next.
pub fn history_of(
    r: Reader<'_>,
    customer: &Handle,
    query: &HistoryQuery,
) -> Result<Page<LedgerEntry>> {
    let conn = r.conn();
    let to_read = page::rows_to_read(query.limit);
    let after = page::after_id(query.after.as_deref())?;
    // The days' instants, as text bounds for the RFC 3339 timestamps.
    let Bounds {
        start: from,
        end: to,
    } = DayRange::new(query.from, query.to, "from")?.bounds(r.zone());
    let mut stmt = conn.prepare(
        "SELECT h.uuid, c.uuid, h.type, h.amount, h.previous_balance, h.new_balance,
                h.description, h.reference_type, h.reference_id, h.created_at, h.created_by, h.id
         FROM customer_balance_history h JOIN customers c ON c.id = h.customer_id
         WHERE h.customer_id = ?1 AND (?2 IS NULL OR h.type = ?2)
           AND (?3 IS NULL OR h.created_at >= ?3) AND (?4 IS NULL OR h.created_at < ?4)
           AND h.id < ?6
         ORDER BY h.id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![
            customer.id(),
            query.kind.map(EntryKind::as_str),
            from,
            to,
            to_read,
            after
        ],
        |r| Ok((r.get::<_, i64>(11)?, from_row(r)?)),
    )?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, query.limit, |(id, _)| page::id_cursor(*id)).map(|(_, e)| e))
}

/// The sum of a customer's signed entries: what `customers.balance` must equal.
pub fn ledger_sum(r: Reader<'_>, customer_id: i64) -> Result<Money> {
    Ok(r.conn().query_row(
        "SELECT coalesce(sum(CASE type WHEN 'debit' THEN -amount ELSE amount END), 0)
         FROM customer_balance_history WHERE customer_id = ?1",
        [customer_id],
        |r| r.get(0),
    )?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<LedgerEntry> {
    let kind: String = r.get(2)?;
    Ok(LedgerEntry {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        kind: EntryKind::from_str(&kind).unwrap_or(EntryKind::Credit),
        amount: r.get(3)?,
        previous_balance: r.get(4)?,
        new_balance: r.get(5)?,
        description: r.get(6)?,
        reference_type: r.get(7)?,
        reference_id: r.get(8)?,
        created_at: r.get(9)?,
        created_by: r.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::{self, NewCustomer};

    #[test]
    fn posting_refuses_non_positive_amounts() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::Db::open(dir.path().join("shop.db")).unwrap();
        let c = db
            .write(None, |w| {
                customers::add(
                    w,
                    NewCustomer {
                        name: "Budi".into(),
                        whatsapp: "081234567890".into(),
                        ..NewCustomer::default()
                    },
                )
            })
            .unwrap();
        for minor in [0, -1, -10_000] {
            for kind in EntryKind::ALL {
                let err = db
                    .write(None, |w| {
                        let handle = customers::resolve(w.reader(), &c.id)?;
                        post(
                            w,
                            &handle,
                            *kind,
                            Money::from_minor(minor),
                            &EntryNote::new("x"),
                        )
                    })
                    .unwrap_err();
                assert_eq!(
                    (err.code().as_str(), err.field()),
                    ("invalid_amount", Some("amount"))
                );
            }
        }
        assert_eq!(
            ledger_sum(db.reader().unwrap(), c.local_id).unwrap(),
            Money::ZERO
        );
    }
}
