//! The report's top lists: customers by revenue (a range's payments summed
//! per customer, or all time the total spent off its index), by
//! subscriptions taken, by absolute balance; and the popular tags.
//!
//! Owns: how each list is read fast (seeks at the ends of indexes, a
//! partial sort of a vector by customer id). Must not know: the report's
//! other figures, the second connection (its caller picks the connection).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{TOP, TagCount, TopCustomer};
use crate::error::Result;
use crate::money::Money;

const CUSTOMER: &str = "c.uuid, c.id, c.name, c.whatsapp";

fn customer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TopCustomer> {
    Ok(TopCustomer {
        id: r.get(0)?,
        local_id: r.get(1)?,
        name: r.get(2)?,
        whatsapp: r.get(3)?,
        amount: None,
        subscriptions: None,
    })
}

pub(super) fn top_revenue(
    conn: &Connection,
    all_time: bool,
    start: &str,
    end: &str,
) -> Result<Vec<TopCustomer>> {
    if all_time {
        // All time, a customer's revenue is its total spent: read off the index.
        return largest(
            conn,
            "total_spent",
            "customers_total_spent",
            "c.total_spent > 0",
        );
    }
    rank_revenue(conn, range_sums(conn, start, end)?)
}

/// Successful payments of a day range summed per customer: in a vector
/// indexed by customer id (ids are dense), or a hash map past a few million.
pub(super) struct RangeSums {
    dense: Vec<i64>,
    sparse: HashMap<i64, i64>,
}

impl RangeSums {
    fn add(&mut self, id: i64, amount: i64) {
        match usize::try_from(id).ok().and_then(|i| self.dense.get_mut(i)) {
            Some(sum) => *sum += amount,
            None => *self.sparse.entry(id).or_insert(0) += amount,
        }
    }

    pub(super) fn merge(&mut self, other: RangeSums) {
        if self.dense.len() < other.dense.len() {
            self.dense.resize(other.dense.len(), 0);
        }
        for (sum, more) in self.dense.iter_mut().zip(&other.dense) {
            *sum += more;
        }
        for (id, amount) in other.sparse {
            self.add(id, amount);
        }
    }
}

pub(super) fn range_sums(conn: &Connection, start: &str, end: &str) -> Result<RangeSums> {
    let max_id: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM customers")?
        .query_row([], |r| r.get(0))?;
    let mut sums = RangeSums {
        dense: if (0..=4_000_000).contains(&max_id) {
            vec![0; usize::try_from(max_id).unwrap_or(0) + 1]
        } else {
            Vec::new()
        },
        sparse: HashMap::new(),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT customer_id, amount FROM payments INDEXED BY payments_success_received
         WHERE status = 'success' AND received_at >= ?1 AND received_at < ?2",
    )?;
    let mut rows = stmt.query(params![start, end])?;
    while let Some(r) = rows.next()? {
        sums.add(r.get(0)?, r.get(1)?);
    }
    Ok(sums)
}

/// The customers with the largest sums, best first (ties by local id),
/// deleted customers left out.
pub(super) fn rank_revenue(conn: &Connection, sums: RangeSums) -> Result<Vec<TopCustomer>> {
    let mut ranked: Vec<(std::cmp::Reverse<i64>, i64)> = sums
        .dense
        .iter()
        .enumerate()
        .filter(|(_, sum)| **sum > 0)
        .map(|(id, sum)| {
            (
                std::cmp::Reverse(*sum),
                i64::try_from(id).unwrap_or(i64::MAX),
            )
        })
        .chain(
            sums.sparse
                .into_iter()
                .filter(|(_, sum)| *sum > 0)
                .map(|(id, sum)| (std::cmp::Reverse(sum), id)),
        )
        .collect();
    drop(sums.dense);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CUSTOMER} FROM customers c WHERE c.id = ?1 AND c.status != 'deleted'"
    ))?;
    let mut top = Vec::new();
    // The best few first (a partial sort); more only if too many of them
    // turn out deleted.
    let mut sorted_upto = 0;
    let mut k = 0;
    while top.len() < TOP as usize && k < ranked.len() {
        if k == sorted_upto {
            let want = (sorted_upto * 4).max(64).min(ranked.len());
            let rest = &mut ranked[sorted_upto..];
            let n = want - sorted_upto;
            if n < rest.len() {
                rest.select_nth_unstable(n);
            }
            rest[..n].sort_unstable();
            sorted_upto = want;
        }
        let (std::cmp::Reverse(sum), id) = ranked[k];
        k += 1;
        if let Some(mut c) = stmt.query_row([id], customer_row).optional()? {
            c.amount = Some(Money::from_minor(sum));
            top.push(c);
        }
    }
    Ok(top)
}

pub(super) fn top_subscriptions(conn: &Connection) -> Result<Vec<TopCustomer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CUSTOMER}, x.taken FROM subscriber_rollup x INDEXED BY subscriber_rollup_taken
         CROSS JOIN customers c ON c.id = x.customer_id
         WHERE x.live = 1 ORDER BY x.taken DESC, x.customer_id LIMIT {TOP}"
    ))?;
    let rows = stmt.query_map([], |r| {
        let mut c = customer_row(r)?;
        c.subscriptions = Some(r.get::<_, i64>(4)?.unsigned_abs());
        Ok(c)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The `TOP` live customers with the largest `column` (ties: the lowest id
/// first), from the end of `index` (`column, id`). The index runs the other
/// way within a tie, so the TOP-th value is found walking it backwards, then
/// what is above it and its tie (lowest ids first) are read by seeks, not by
/// sorting every customer tied at the top.
fn largest(conn: &Connection, column: &str, index: &str, cond: &str) -> Result<Vec<TopCustomer>> {
    let threshold: Option<i64> = conn
        .prepare_cached(&format!(
            "SELECT min(v) FROM (SELECT c.{column} AS v FROM customers c INDEXED BY {index}
             WHERE {cond} AND c.status != 'deleted' ORDER BY c.{column} DESC, c.id DESC LIMIT {TOP})"
        ))?
        .query_row([], |r| r.get(0))?;
    let Some(threshold) = threshold else {
        return Ok(Vec::new());
    };
    let mut top = Vec::new();
    for (op, order) in [(">", "DESC"), ("=", "ASC")] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CUSTOMER}, c.{column} FROM customers c INDEXED BY {index}
             WHERE {cond} AND c.{column} {op} ?1 AND c.status != 'deleted'
             ORDER BY c.{column} {order}, c.id LIMIT {TOP}"
        ))?;
        let rows = stmt.query_map([threshold], |r| {
            let mut c = customer_row(r)?;
            c.amount = Some(Money::from_minor(r.get(4)?));
            Ok(c)
        })?;
        for row in rows {
            if top.len() < TOP as usize {
                top.push(row?);
            }
        }
    }
    Ok(top)
}

/// The largest balances either way: the ends of the balance index, merged.
pub(super) fn top_balance(conn: &Connection) -> Result<Vec<TopCustomer>> {
    // The largest credits; the largest debts are the index's start.
    let mut all = largest(conn, "balance", "customers_balance", "c.balance > 0")?;
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CUSTOMER}, c.balance FROM customers c INDEXED BY customers_balance
             WHERE c.balance < 0 AND c.status != 'deleted' ORDER BY c.balance, c.id LIMIT {TOP}"
        ))?;
        let rows = stmt.query_map([], |r| {
            let mut c = customer_row(r)?;
            c.amount = Some(Money::from_minor(r.get(4)?));
            Ok(c)
        })?;
        for row in rows {
            all.push(row?);
        }
    }
    all.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.amount.map(|a| a.minor().unsigned_abs())),
            c.local_id,
        )
    });
    all.truncate(TOP as usize);
    Ok(all)
}

/// Tags by how many customers (not deleted) carry them, from the rollup.
pub(super) fn popular_tags(conn: &Connection) -> Result<Vec<TagCount>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.name, t.color, n.customers FROM tag_customer_counts n
         JOIN tags t ON t.id = n.tag_id WHERE n.customers > 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(TagCount {
            name: r.get(0)?,
            color: r.get(1)?,
            customers: r.get::<_, i64>(2)?.unsigned_abs(),
        })
    })?;
    let mut tags = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    tags.sort_by(|a, b| b.customers.cmp(&a.customers).then(a.name.cmp(&b.name)));
    tags.truncate(TOP as usize);
    Ok(tags)
}

/// Where the top list by revenue over [start, end) splits in two for two
/// connections: the UTC day where the day rollup's payment counts reach half,
/// among the range's whole UTC days (a day is a bound as its text); None when
/// there is no such day after `start`.
pub(super) fn revenue_split(conn: &Connection, start: &str, end: &str) -> Result<Option<String>> {
    let mut days: Vec<(String, i64)> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT day, payments FROM analytics_days
         WHERE day > ?1 AND day < ?2 AND payments != 0 ORDER BY day",
    )?;
    let mut rows = stmt.query(params![start, end])?;
    while let Some(r) = rows.next()? {
        days.push((r.get(0)?, r.get(1)?));
    }
    let total: i64 = days.iter().map(|(_, n)| n).sum();
    let mut seen = 0;
    Ok(days
        .into_iter()
        .find(|(_, n)| {
            seen += n;
            2 * seen >= total
        })
        .map(|(d, _)| d)
        .filter(|d| d.as_str() > start))
}
