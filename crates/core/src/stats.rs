//! The statistics cards: total customers, by status, with debt, total debt
//! and credit, average and highest total spent.
//!
//! They are read from the one-row `customer_stats` table of migration V3, which
//! triggers on `customers` keep in step inside every writing transaction
//! (whatever module or program writes), so a card costs one row read, not a
//! table scan. The highest total spent is the last entry of the
//! `customers_total_spent` index. `recount` computes the same figures the slow
//! way: tests compare the two, and `repair` rewrites the counters from it.
//!
//! Owns the cards and the counters' reading. Must not know the customer use
//! cases: it needs only `customers::model::Status`.

use rusqlite::Connection;
use serde::Serialize;

use crate::customers::model::Status;
use crate::db::Reader;
use crate::error::Result;
use crate::money::Money;

/// The cards. Counts and sums leave soft-deleted customers out (they are out
/// of the shop's view), except `deleted`, which counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stats {
    pub total_customers: u32,
    pub active: u32,
    pub inactive: u32,
    pub blacklisted: u32,
    pub deleted: u32,
    pub with_debt: u32,
    pub with_credit: u32,
    /// What customers owe the shop, as a positive amount.
    pub total_debt: Money,
    /// What the shop owes customers.
    pub total_credit: Money,
    pub total_spent: Money,
    /// total_spent / total_customers, rounded half away from zero to the minor unit.
    pub average_spent: Money,
    pub highest_spent: Money,
}

/// The raw counters row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counters {
    pub customers: i64,
    pub active: i64,
    pub inactive: i64,
    pub blacklisted: i64,
    pub deleted: i64,
    pub with_debt: i64,
    pub with_credit: i64,
    pub total_debt: i64,
    pub total_credit: i64,
    pub total_spent: i64,
}

impl Counters {
    pub fn count_of(&self, status: Status) -> i64 {
        match status {
            Status::Active => self.active,
            Status::Inactive => self.inactive,
            Status::Blacklisted => self.blacklisted,
            Status::Deleted => self.deleted,
        }
    }
}

const COUNTER_COLUMNS: &str = "customers, active, inactive, blacklisted, deleted, with_debt, \
                               with_credit, total_debt, total_credit, total_spent";

/// The same figures as `customer_stats` holds, computed from every row.
const RECOUNT: &str = "SELECT
       coalesce(sum(status != 'deleted'), 0),
       coalesce(sum(status = 'active'), 0),
       coalesce(sum(status = 'inactive'), 0),
       coalesce(sum(status = 'blacklisted'), 0),
       coalesce(sum(status = 'deleted'), 0),
       coalesce(sum(status != 'deleted' AND balance < 0), 0),
       coalesce(sum(status != 'deleted' AND balance > 0), 0),
       coalesce(sum(CASE WHEN status != 'deleted' AND balance < 0 THEN -balance ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status != 'deleted' AND balance > 0 THEN balance ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status != 'deleted' THEN total_spent ELSE 0 END), 0)
     FROM customers";

pub(crate) fn counters(conn: &Connection) -> Result<Counters> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COUNTER_COLUMNS} FROM customer_stats WHERE singleton = 1"
    ))?;
    Ok(stmt.query_row([], counters_from_row)?)
}

fn counters_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Counters> {
    Ok(Counters {
        customers: r.get(0)?,
        active: r.get(1)?,
        inactive: r.get(2)?,
        blacklisted: r.get(3)?,
        deleted: r.get(4)?,
        with_debt: r.get(5)?,
        with_credit: r.get(6)?,
        total_debt: r.get(7)?,
        total_credit: r.get(8)?,
        total_spent: r.get(9)?,
    })
}

/// The cards, from the maintained counters: a few microseconds at any size.
pub fn stats(r: Reader<'_>) -> Result<Stats> {
    let conn = r.conn();
    let c = counters(conn)?;
    build(conn, c)
}

/// The cards computed by scanning every customer: what `stats` must equal.
pub fn recount(conn: &Connection) -> Result<Stats> {
    let c = conn.query_row(RECOUNT, [], counters_from_row)?;
    build(conn, c)
}

/// Rewrites the counters from a full recount (after a restore from an old
/// backup, or if a test ever finds them off). Runs in the caller's write.
pub fn repair(w: &mut crate::db::Write<'_>) -> Result<Stats> {
    w.uncounted(|w| {
        Ok(w.tx().execute(
            &format!(
                "UPDATE customer_stats SET ({COUNTER_COLUMNS}) = ({RECOUNT}) WHERE singleton = 1"
            ),
            [],
        )?)
    })?;
    stats(w.reader())
}

fn build(conn: &Connection, c: Counters) -> Result<Stats> {
    // The index on total_spent ends at the highest; skipping deleted customers
    // from that end stops at the first live one.
    let mut stmt = conn.prepare_cached(
        "SELECT total_spent FROM customers INDEXED BY customers_total_spent
         WHERE status != 'deleted' ORDER BY total_spent DESC, id DESC LIMIT 1",
    )?;
    let highest: i64 = stmt.query_row([], |r| r.get(0)).or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(0),
        e => Err(e),
    })?;
    // Counters are never negative; a shop holds far fewer than 4 billion customers.
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Ok(Stats {
        total_customers: count(c.customers),
        active: count(c.active),
        inactive: count(c.inactive),
        blacklisted: count(c.blacklisted),
        deleted: count(c.deleted),
        with_debt: count(c.with_debt),
        with_credit: count(c.with_credit),
        total_debt: Money::from_minor(c.total_debt),
        total_credit: Money::from_minor(c.total_credit),
        total_spent: Money::from_minor(c.total_spent),
        average_spent: Money::from_minor(div_round(c.total_spent, c.customers)),
        highest_spent: Money::from_minor(highest),
    })
}

/// `a / b` rounded half away from zero; 0 when `b` is 0. Integer only.
pub(crate) fn div_round(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0;
    }
    let (q, r) = (a / b, a % b);
    if 2 * r.abs() >= b.abs() {
        q + if (a < 0) == (b < 0) { 1 } else { -1 }
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::div_round;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(10, 4), 3);
        assert_eq!(div_round(9, 4), 2);
        assert_eq!(div_round(-10, 4), -3);
        assert_eq!(div_round(7, 0), 0);
        assert_eq!(div_round(1, 3), 0);
        assert_eq!(div_round(2, 3), 1);
    }
}
