//! Analytics for a date range (`pelanggan analytics`): new customers,
//! subscribers, churn, revenue, average revenue per customer, lifetime value,
//! debt, monthly series for charts, top customers and popular tags.
//!
//! Definitions (all money in minor units, never floats; averages are integer
//! divisions rounded half away from zero):
//! * range: whole UTC days, `from` and `to` inclusive (`7d` is today and the
//!   six days before it); `all` has no start.
//! * new customers: customers created in the range (one deleted since still
//!   joined then).
//! * active subscribers: customers (not deleted) with an active subscription now.
//! * churned: customers (not deleted) that had a subscription, have no active
//!   one, and made no successful payment in the 30 days up to the range's end.
//! * revenue: successful payments received in the range (a refunded payment
//!   is not revenue); average revenue per customer: revenue / customers not
//!   deleted; lifetime value: all-time total spent / customers not deleted.
//! * debt: what customers owe now (the statistics counters), and per month
//!   what the invoices issued that month still owe (total - allocated; void
//!   invoices left out).
//! * top customers: by revenue in the range (all time: total spent), by the
//!   number of subscriptions taken, or by absolute balance (the largest debts
//!   and credits); deleted customers are left out.
//!
//! Every figure is read through an index that holds what it needs (see
//! migration V5), so a range costs what it covers, not a scan of the shop.
//! The monthly sums and the rest (subscribers, churn, top list, tags) are
//! read at once on two connections to the file, one per core.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::money::Money;
use crate::search::{self, Filter};
use crate::stats::{self, div_round};

/// The number of top customers and popular tags reported.
pub const TOP: u32 = 10;

/// A range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The last N days, today included.
    Days(u32),
    All,
    /// From and to, inclusive.
    Between(NaiveDate, NaiveDate),
}

impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Period> {
        match s.trim().to_ascii_lowercase().as_str() {
            "7d" => Ok(Period::Days(7)),
            "30d" => Ok(Period::Days(30)),
            "90d" => Ok(Period::Days(90)),
            "1y" => Ok(Period::Days(365)),
            "all" => Ok(Period::All),
            other => Err(Error::validation(
                "range",
                format!("'{other}' is not one of 7d, 30d, 90d, 1y, all"),
            )),
        }
    }
}

/// Which top list to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopBy {
    #[default]
    Revenue,
    Subscriptions,
    Balance,
}

impl FromStr for TopBy {
    type Err = Error;
    fn from_str(s: &str) -> Result<TopBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "revenue" => Ok(TopBy::Revenue),
            "subscriptions" => Ok(TopBy::Subscriptions),
            "balance" => Ok(TopBy::Balance),
            other => Err(Error::validation(
                "top",
                format!("'{other}' is not one of revenue, subscriptions, balance"),
            )),
        }
    }
}

impl fmt::Display for TopBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TopBy::Revenue => "revenue",
            TopBy::Subscriptions => "subscriptions",
            TopBy::Balance => "balance",
        })
    }
}

/// What to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub period: Period,
    pub top: TopBy,
    /// The last day of a `Days` or `All` period (normally today, UTC).
    pub today: NaiveDate,
}

/// One month of the charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Month {
    /// "YYYY-MM".
    pub month: String,
    pub new_customers: u64,
    pub revenue: Money,
    /// What the invoices issued this month still owe.
    pub debt: Money,
}

/// A customer of a top list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopCustomer {
    pub id: String,
    pub local_id: i64,
    pub name: String,
    pub whatsapp: String,
    /// Revenue, or balance (negative: debt); absent for the subscriptions list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Subscriptions taken; absent for the money lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<u64>,
}

/// A tag with how many customers (not deleted) carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    pub name: String,
    pub color: String,
    pub customers: u64,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// None for all time.
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub new_customers: u64,
    pub active_subscribers: u64,
    pub churned: u64,
    pub revenue: Money,
    pub payments: u64,
    pub average_revenue_per_customer: Money,
    pub lifetime_value: Money,
    /// Owed by customers now.
    pub total_debt: Money,
    pub customers_with_debt: u64,
    /// What the invoices issued in the range still owe.
    pub unpaid_invoiced: Money,
    pub monthly: Vec<Month>,
    pub top_by: TopBy,
    pub top: Vec<TopCustomer>,
    pub popular_tags: Vec<TagCount>,
}

/// The report for `q`.
pub fn analytics(conn: &Connection, q: &Query) -> Result<Report> {
    let (from, to) = match q.period {
        Period::Days(n) => (Some(q.today - Days::new(u64::from(n.max(1)) - 1)), q.today),
        Period::All => (None, q.today),
        Period::Between(from, to) => {
            if from > to {
                return Err(Error::validation(
                    "from",
                    "the start date is after the end date",
                ));
            }
            (Some(from), to)
        }
    };
    // Timestamps are RFC 3339 text: a day range is [from, to + 1 day) as text.
    let start = from.map(day).unwrap_or_default();
    let end = day(to.succ_opt().unwrap_or(to));
    let counters = stats::counters(conn)?;

    // Subscribers, churn, the top list and the tags are read on a second
    // connection to the same file, on the other core, while this one sums
    // the months (a database in memory has no second connection: in turn).
    let second = conn
        .path()
        .filter(|p| !p.is_empty() && *p != ":memory:")
        .and_then(|path| {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ok()?;
            c.busy_timeout(std::time::Duration::from_secs(10)).ok()?;
            c.pragma_update(None, "cache_size", -65_536).ok()?;
            Some(c)
        });
    let top_by = q.top;
    let all_time = from.is_none();
    let (start_side, end_side) = (start.clone(), end.clone());
    let side_work = move |c: &Connection| -> Result<(u64, u64, Vec<TopCustomer>, Vec<TagCount>)> {
        side_figures(c, top_by, all_time, &start_side, &end_side, to)
    };
    std::thread::scope(|scope| -> Result<Report> {
        let side = match second {
            Some(c) => scope.spawn(move || side_work(&c)),
            None => {
                let result = side_work(conn);
                scope.spawn(move || result)
            }
        };
        // The months of the chart: from the range's first day (all time: the
        // first customer's) to its last. Each month is summed over its own slice
        // of the indexes, so the sums stream through them with no sorting.
        let first_day = match from {
        Some(f) => Some(f),
        // The earliest customer, payment or owing invoice.
        None => conn
            .prepare_cached(
                "SELECT min(x) FROM (
                   SELECT min(created_at) AS x FROM customers INDEXED BY customers_created
                   UNION ALL SELECT min(received_at) FROM payments INDEXED BY payments_success_received
                             WHERE status = 'success'
                   UNION ALL SELECT min(issued_at) FROM invoices INDEXED BY invoices_unpaid_issued
                             WHERE voided_at IS NULL AND amount_allocated < total)",
            )?
            .query_row([], |r| r.get::<_, Option<String>>(0))?
            .and_then(|t| NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()),
    };
        let mut monthly = Vec::new();
        let (mut new_customers, mut revenue, mut payments, mut unpaid) = (0u64, 0i64, 0u64, 0i64);
        if let Some(mut m) = first_day.and_then(|f| f.with_day(1)) {
            let mut joined = conn.prepare_cached(
                "SELECT count(*) FROM customers INDEXED BY customers_created
             WHERE created_at >= ?1 AND created_at < ?2",
            )?;
            let mut paid = conn.prepare_cached(
            "SELECT coalesce(sum(amount), 0), count(*) FROM payments INDEXED BY payments_success_received
             WHERE status = 'success' AND received_at >= ?1 AND received_at < ?2",
        )?;
            let mut owed = conn.prepare_cached(
            "SELECT coalesce(sum(total - amount_allocated), 0) FROM invoices INDEXED BY invoices_unpaid_issued
             WHERE voided_at IS NULL AND amount_allocated < total AND issued_at >= ?1 AND issued_at < ?2",
        )?;
            while m <= to {
                let next = m + chrono::Months::new(1);
                let lo = day(m).max(start.clone());
                let hi = day(next).min(end.clone());
                let n: i64 = joined.query_row(params![lo, hi], |r| r.get(0))?;
                let (sum, count): (i64, i64) =
                    paid.query_row(params![lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let debt: i64 = owed.query_row(params![lo, hi], |r| r.get(0))?;
                new_customers += n.unsigned_abs();
                revenue += sum;
                payments += count.unsigned_abs();
                unpaid += debt;
                monthly.push(Month {
                    month: m.format("%Y-%m").to_string(),
                    new_customers: n.unsigned_abs(),
                    revenue: Money::from_minor(sum),
                    debt: Money::from_minor(debt),
                });
                m = next;
            }
        }

        let (active_subscribers, churned, top, popular_tags) = match side.join() {
            Ok(result) => result?,
            Err(_) => return Err(Error::Conflict("the analytics reader stopped".into())),
        };

        Ok(Report {
            from,
            to,
            new_customers,
            active_subscribers,
            churned,
            revenue: Money::from_minor(revenue),
            payments,
            average_revenue_per_customer: Money::from_minor(div_round(revenue, counters.customers)),
            lifetime_value: Money::from_minor(div_round(counters.total_spent, counters.customers)),
            total_debt: Money::from_minor(counters.total_debt),
            customers_with_debt: counters.with_debt.unsigned_abs(),
            unpaid_invoiced: Money::from_minor(unpaid),
            monthly,
            top_by: q.top,
            top,
            popular_tags,
        })
    })
}

/// Active subscribers, churned customers, the top list and the popular tags.
fn side_figures(
    conn: &Connection,
    top_by: TopBy,
    all_time: bool,
    start: &str,
    end: &str,
    to: NaiveDate,
) -> Result<(u64, u64, Vec<TopCustomer>, Vec<TagCount>)> {
    let active_subscribers = search::count(
        conn,
        &Filter {
            active_subscription: Some(true),
            ..Filter::default()
        },
    )?;
    let cutoff = day(to - Days::new(29));
    let churned: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM (SELECT DISTINCT customer_id AS id FROM subscriptions INDEXED BY subscriptions_due
                                   WHERE status IN ('suspended', 'cancelled')) x
             JOIN customers c ON c.id = x.id
             WHERE c.status != 'deleted'
               AND NOT EXISTS (SELECT 1 FROM subscriptions a INDEXED BY subscriptions_active_customer
                               WHERE a.customer_id = x.id AND a.status = 'active')
               AND NOT EXISTS (SELECT 1 FROM payments p INDEXED BY payments_customer
                               WHERE p.customer_id = x.id AND p.status = 'success'
                                 AND p.received_at >= ?1 AND p.received_at < ?2)",
        )?
        .query_row(params![cutoff, end], |r| r.get(0))?;

    let top = match top_by {
        TopBy::Revenue => top_revenue(conn, all_time, start, end)?,
        TopBy::Subscriptions => top_subscriptions(conn)?,
        TopBy::Balance => top_balance(conn)?,
    };

    Ok((
        active_subscribers,
        churned.unsigned_abs(),
        top,
        popular_tags(conn)?,
    ))
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

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

fn top_revenue(
    conn: &Connection,
    all_time: bool,
    start: &str,
    end: &str,
) -> Result<Vec<TopCustomer>> {
    if all_time {
        // All time, a customer's revenue is its total spent: read off the index.
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CUSTOMER}, c.total_spent FROM customers c INDEXED BY customers_total_spent
             WHERE c.status != 'deleted' AND c.total_spent > 0
             ORDER BY c.total_spent DESC, c.id LIMIT {TOP}"
        ))?;
        let rows = stmt.query_map([], |r| {
            let mut c = customer_row(r)?;
            c.amount = Some(Money::from_minor(r.get(4)?));
            Ok(c)
        })?;
        return Ok(rows.collect::<rusqlite::Result<_>>()?);
    }
    // A range: the payments of the range summed per customer (a hash map is
    // much cheaper than SQLite's GROUP BY b-tree), best first.
    let mut per: HashMap<i64, i64> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, amount FROM payments INDEXED BY payments_success_received
             WHERE status = 'success' AND received_at >= ?1 AND received_at < ?2",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            *per.entry(r.get(0)?).or_insert(0) += r.get::<_, i64>(1)?;
        }
    }
    let mut ranked: Vec<(i64, i64)> = per.into_iter().collect();
    ranked.sort_by_key(|(id, sum)| (std::cmp::Reverse(*sum), *id));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CUSTOMER} FROM customers c WHERE c.id = ?1 AND c.status != 'deleted'"
    ))?;
    let mut top = Vec::new();
    for (id, sum) in ranked {
        if top.len() == TOP as usize {
            break;
        }
        if let Some(mut c) = stmt.query_row([id], customer_row).optional()? {
            c.amount = Some(Money::from_minor(sum));
            top.push(c);
        }
    }
    Ok(top)
}

fn top_subscriptions(conn: &Connection) -> Result<Vec<TopCustomer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CUSTOMER}, x.n FROM
           (SELECT customer_id, count(*) AS n FROM subscriptions INDEXED BY subscriptions_customer
            GROUP BY customer_id) x
         CROSS JOIN customers c ON c.id = x.customer_id
         WHERE c.status != 'deleted' ORDER BY x.n DESC, c.id LIMIT {TOP}"
    ))?;
    let rows = stmt.query_map([], |r| {
        let mut c = customer_row(r)?;
        c.subscriptions = Some(r.get::<_, i64>(4)?.unsigned_abs());
        Ok(c)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The largest balances either way: the ends of the balance index, merged.
fn top_balance(conn: &Connection) -> Result<Vec<TopCustomer>> {
    let mut all = Vec::new();
    for (cond, order) in [
        ("c.balance < 0", "c.balance, c.id"),
        ("c.balance > 0", "c.balance DESC, c.id"),
    ] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CUSTOMER}, c.balance FROM customers c INDEXED BY customers_balance
             WHERE {cond} AND c.status != 'deleted' ORDER BY {order} LIMIT {TOP}"
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

/// Tags by how many customers (not deleted) carry them: the live links per
/// tag from their own index, less those of deleted customers.
fn popular_tags(conn: &Connection) -> Result<Vec<TagCount>> {
    let mut deleted: BTreeMap<i64, i64> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ct.tag_id, count(*) FROM customers c INDEXED BY customers_status_updated
             JOIN customer_tags ct INDEXED BY customer_tags_live_customer
               ON ct.customer_id = c.id AND ct.causal_length % 2 = 1
             WHERE c.status = 'deleted' GROUP BY ct.tag_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            deleted.insert(r.get(0)?, r.get(1)?);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.color,
                (SELECT count(*) FROM customer_tags ct INDEXED BY customer_tags_live
                 WHERE ct.tag_id = t.id AND ct.causal_length % 2 = 1)
         FROM tags t",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut tags = Vec::new();
    for row in rows {
        let (id, name, color, links) = row?;
        let n = links - deleted.get(&id).copied().unwrap_or(0);
        if n > 0 {
            tags.push(TagCount {
                name,
                color,
                customers: n.unsigned_abs(),
            });
        }
    }
    tags.sort_by(|a, b| b.customers.cmp(&a.customers).then(a.name.cmp(&b.name)));
    tags.truncate(TOP as usize);
    Ok(tags)
}
