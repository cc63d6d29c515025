//! Analytics for a date range (`pelanggan analytics`): new customers,
//! subscribers, churn, revenue, average revenue per customer, lifetime value,
//! debt, monthly series for charts, top customers and popular tags.
//!
//! Definitions (all money in minor units, never floats; averages are integer
//! divisions rounded half away from zero):
//! * range: whole days on the shop's calendar (its `time_zone` setting,
//!   `days::DayRange`), `from` and `to` inclusive (`7d` is today and the six
//!   days before it); `all` has no start. Months are the shop's months too.
//! * new customers: customers created in the range (one deleted since still
//!   joined then).
//! * active subscribers: customers (not deleted) with an active subscription now.
//! * churned: customers (not deleted) that had a subscription, have no active
//!   one, and made no successful payment in the 30 days up to the range's end.
//! * revenue: successful payments received in the range (a refunded payment
//!   is not revenue) plus the vouchers sold in the range without a customer
//!   (walk-in sales, which have no payment row; also shown apart as
//!   `voucher_sales`); average revenue per customer: the payments' revenue
//!   (walk-in sales left out) / customers not deleted; lifetime value:
//!   all-time total spent / customers not deleted.
//! * debt: what customers owe now (the statistics counters), and per month
//!   what the invoices issued that month still owe (total - allocated; void
//!   invoices left out).
//! * top customers: by revenue in the range (all time: total spent), by the
//!   number of subscriptions taken, or by absolute balance (the largest debts
//!   and credits); deleted customers are left out.
//!
//! The figures are read from rollups that triggers keep in step with the
//! rows (migrations V7 and V10): per 15-minute UTC bucket (summed over the
//! buckets of the shop's local days and months, so a change of time zone
//! rewrites nothing), per subscriber, per tag, and the active subscriber
//! count, so a report costs what its days cover, not a scan of the shop.
//! Only the top list by revenue over a range sums the range's payments
//! (half on a second connection to the file, on the other core). `recount`
//! computes the rollups from the raw rows; tests compare the two.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::days::{self, Bounds, DayRange};
use crate::error::{Error, Result};
use crate::money::Money;
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
    /// The last day of a `Days` or `All` period (normally today on the
    /// shop's calendar: `Db::today`).
    pub today: NaiveDate,
}

/// One month of the charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Month {
    /// "YYYY-MM".
    pub month: String,
    pub new_customers: u64,
    /// Payments and walk-in voucher sales.
    pub revenue: Money,
    /// Of `revenue`, the vouchers sold without a customer.
    pub voucher_sales: Money,
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
    /// The shop's time zone, which decides the days and months.
    pub time_zone: String,
    pub new_customers: u64,
    pub active_subscribers: u64,
    pub churned: u64,
    /// Successful payments and walk-in voucher sales.
    pub revenue: Money,
    pub payments: u64,
    /// Of `revenue`, the vouchers sold without a customer (no payment row).
    pub voucher_sales: Money,
    pub vouchers_sold: u64,
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
        Period::Between(from, to) => (Some(from), to),
    };
    let zone = crate::settings::zone(conn)?;
    // The range's instants, as text bounds for the stored timestamps and the
    // buckets: [start of `from`, start of the day after `to`).
    let bounds = DayRange::new(from, Some(to), "from")?.bounds(zone);
    let start = bounds.start.unwrap_or_default();
    let end = bounds.end.unwrap_or_default();
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
    // The top list by revenue over a range sums every payment of the range:
    // each connection sums half of them (split at the day where the daily
    // rollup's payment counts reach half, among the range's whole UTC
    // days: a day is a bound as its text), when there is a second one.
    let split = match (top_by, all_time, &second) {
        (TopBy::Revenue, false, Some(_)) => {
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
            days.into_iter()
                .find(|(_, n)| {
                    seen += n;
                    2 * seen >= total
                })
                .map(|(d, _)| d)
                .filter(|d| *d > start)
        }
        _ => None,
    };
    // Churn looks at the 30 days up to the range's end.
    let cutoff = DayRange::day(to - Days::new(29))
        .bounds(zone)
        .start
        .unwrap_or_default();
    let (start_side, end_side, split_side) = (start.clone(), end.clone(), split.clone());
    let side_work = move |c: &Connection| -> Result<SideFigures> {
        side_figures(
            c,
            top_by,
            all_time,
            &start_side,
            &end_side,
            split_side.as_deref(),
            &cutoff,
        )
    };
    std::thread::scope(|scope| -> Result<Report> {
        let side = match second {
            Some(c) => scope.spawn(move || side_work(&c)),
            None => {
                let result = side_work(conn);
                scope.spawn(move || result)
            }
        };
        // The months of the chart, from the bucket rollup (V10): from the
        // range's first day (all time: the first day with a customer, a
        // payment, an owing invoice or a walk-in sale) to its last, each the
        // sum of the buckets between its local bounds.
        let first_day = match from {
            Some(f) => Some(f),
            None => conn
                .prepare_cached(
                    "SELECT min(bucket) FROM analytics_buckets
                     WHERE new_customers != 0 OR payments != 0 OR owed != 0 OR vouchers_sold != 0",
                )?
                .query_row([], |r| r.get::<_, Option<String>>(0))?
                .and_then(|t| days::parse_bound(&t))
                .map(|t| zone.date_of(t)),
        };
        let mut monthly = Vec::new();
        let mut total = Sums::default();
        if let Some(first) = first_day.and_then(|f| f.with_day(1)) {
            let mut m = first;
            while m <= to {
                let next = m + chrono::Months::new(1);
                let days = DayRange {
                    from: Some(from.map_or(m, |f| f.max(m))),
                    to: Some(to.min(next.pred_opt().unwrap_or(next))),
                };
                let sums = Sums::between(conn, &days.bounds(zone))?;
                total.add(&sums);
                monthly.push(Month {
                    month: m.format("%Y-%m").to_string(),
                    new_customers: sums.new_customers.unsigned_abs(),
                    revenue: Money::from_minor(sums.revenue + sums.voucher_revenue),
                    voucher_sales: Money::from_minor(sums.voucher_revenue),
                    debt: Money::from_minor(sums.owed),
                });
                m = next;
            }
        }

        let mine = match &split {
            Some(mid) => Some(range_sums(conn, &start, mid)?),
            None => None,
        };
        let (active_subscribers, churned, top, popular_tags) = match side.join() {
            Ok(result) => result?,
            Err(_) => return Err(Error::internal("the analytics reader stopped")),
        };
        let top = match (top, mine) {
            (TopPart::Done(top), _) => top,
            (TopPart::Sums(theirs), Some(mut sums)) => {
                sums.merge(theirs);
                rank_revenue(conn, sums)?
            }
            (TopPart::Sums(theirs), None) => rank_revenue(conn, theirs)?,
        };

        Ok(Report {
            from,
            to,
            time_zone: zone.name().to_owned(),
            new_customers: total.new_customers.unsigned_abs(),
            active_subscribers,
            churned,
            revenue: Money::from_minor(total.revenue + total.voucher_revenue),
            payments: total.payments.unsigned_abs(),
            voucher_sales: Money::from_minor(total.voucher_revenue),
            vouchers_sold: total.vouchers_sold.unsigned_abs(),
            average_revenue_per_customer: Money::from_minor(div_round(
                total.revenue,
                counters.customers,
            )),
            lifetime_value: Money::from_minor(div_round(counters.total_spent, counters.customers)),
            total_debt: Money::from_minor(counters.total_debt),
            customers_with_debt: counters.with_debt.unsigned_abs(),
            unpaid_invoiced: Money::from_minor(total.owed),
            monthly,
            top_by: q.top,
            top,
            popular_tags,
        })
    })
}

/// The bucket rollup's columns summed over some buckets.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    new_customers: i64,
    payments: i64,
    revenue: i64,
    owed: i64,
    vouchers_sold: i64,
    voucher_revenue: i64,
}

impl Sums {
    /// The sums over `b`: the whole UTC days inside from the day rollup, the
    /// partial days at the ends from the buckets.
    fn between(conn: &Connection, b: &Bounds) -> Result<Sums> {
        let start = b.start.as_deref().unwrap_or_default();
        let end = b.end.as_deref().unwrap_or_default();
        // No whole day inside: every bucket of [start, end).
        let (first, last) = b
            .whole_utc_days()
            .unwrap_or_else(|| (end.to_owned(), end.to_owned()));
        Ok(conn
            .prepare_cached(
                "SELECT coalesce(sum(n), 0), coalesce(sum(p), 0), coalesce(sum(r), 0),
                        coalesce(sum(o), 0), coalesce(sum(v), 0), coalesce(sum(vr), 0)
                 FROM (SELECT new_customers AS n, payments AS p, revenue AS r, owed AS o,
                              vouchers_sold AS v, voucher_revenue AS vr
                         FROM analytics_days WHERE day >= ?3 AND day < ?4
                       UNION ALL
                       SELECT new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue
                         FROM analytics_buckets WHERE bucket >= ?1 AND bucket < ?3
                       UNION ALL
                       SELECT new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue
                         FROM analytics_buckets WHERE bucket >= ?4 AND bucket < ?2)",
            )?
            .query_row(params![start, end, first, last], |r| {
                Ok(Sums {
                    new_customers: r.get(0)?,
                    payments: r.get(1)?,
                    revenue: r.get(2)?,
                    owed: r.get(3)?,
                    vouchers_sold: r.get(4)?,
                    voucher_revenue: r.get(5)?,
                })
            })?)
    }

    fn add(&mut self, other: &Sums) {
        self.new_customers += other.new_customers;
        self.payments += other.payments;
        self.revenue += other.revenue;
        self.owed += other.owed;
        self.vouchers_sold += other.vouchers_sold;
        self.voucher_revenue += other.voucher_revenue;
    }
}

/// The top list, or for revenue over a range split in two, the sums of the
/// side's half.
enum TopPart {
    Done(Vec<TopCustomer>),
    Sums(RangeSums),
}

/// What the second connection reads: active subscribers, churned customers,
/// the top list (or its half of the range's sums) and the popular tags.
type SideFigures = (u64, u64, TopPart, Vec<TagCount>);

/// Active subscribers, churned customers, the top list and the popular tags.
/// `split`: sum revenue over [split, end) only (the other half is summed on
/// the first connection). `cutoff`: the start of the churn window (the 30
/// days up to `end`).
#[allow(clippy::too_many_arguments)]
fn side_figures(
    conn: &Connection,
    top_by: TopBy,
    all_time: bool,
    start: &str,
    end: &str,
    split: Option<&str>,
    cutoff: &str,
) -> Result<SideFigures> {
    // Live customers with an active subscription, and the churn candidates
    // (live, a subscription taken, none active), from the subscriber rollup.
    let active_subscribers: i64 = conn
        .prepare_cached("SELECT active_subscribers FROM subscriber_counts")?
        .query_row([], |r| r.get(0))?;
    // Churned: no successful payment in [cutoff, end). A candidate whose last
    // payment is before the cutoff has none; one whose last payment is in the
    // window has one; one paid after the range's end is looked at.
    let before: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM subscriber_rollup INDEXED BY subscriber_rollup_churn
             WHERE live = 1 AND active = 0 AND last_paid < ?1",
        )?
        .query_row([cutoff], |r| r.get(0))?;
    let after: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM subscriber_rollup r INDEXED BY subscriber_rollup_churn
             WHERE r.live = 1 AND r.active = 0 AND r.last_paid >= ?2
               AND NOT EXISTS (SELECT 1 FROM payments p INDEXED BY payments_customer
                               WHERE p.customer_id = r.customer_id AND p.status = 'success'
                                 AND p.received_at >= ?1 AND p.received_at < ?2)",
        )?
        .query_row(params![cutoff, end], |r| r.get(0))?;
    let churned = before + after;

    let top = match (top_by, split) {
        (TopBy::Revenue, Some(mid)) => TopPart::Sums(range_sums(conn, mid, end)?),
        (TopBy::Revenue, None) => TopPart::Done(top_revenue(conn, all_time, start, end)?),
        (TopBy::Subscriptions, _) => TopPart::Done(top_subscriptions(conn)?),
        (TopBy::Balance, _) => TopPart::Done(top_balance(conn)?),
    };

    Ok((
        active_subscribers.unsigned_abs(),
        churned.unsigned_abs(),
        top,
        popular_tags(conn)?,
    ))
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
struct RangeSums {
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

    fn merge(&mut self, other: RangeSums) {
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

fn range_sums(conn: &Connection, start: &str, end: &str) -> Result<RangeSums> {
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
fn rank_revenue(conn: &Connection, sums: RangeSums) -> Result<Vec<TopCustomer>> {
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

fn top_subscriptions(conn: &Connection) -> Result<Vec<TopCustomer>> {
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
fn top_balance(conn: &Connection) -> Result<Vec<TopCustomer>> {
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
fn popular_tags(conn: &Connection) -> Result<Vec<TagCount>> {
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

/// One 15-minute bucket of the rollup: (bucket, new customers, payments,
/// revenue, owed, walk-in vouchers sold, their revenue).
pub type Bucket = (String, i64, i64, i64, i64, i64, i64);

/// The rollups of migrations V7 and V10 as comparable rows: buckets,
/// subscribers and tags (rows that add nothing, all zeros, left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollups {
    pub buckets: Vec<Bucket>,
    /// The buckets summed per UTC day (the day in place of the bucket).
    pub days: Vec<Bucket>,
    /// (customer id, live, taken, active, last paid)
    pub subscribers: Vec<(i64, i64, i64, i64, String)>,
    /// (tag id, live customers)
    pub tags: Vec<(i64, i64)>,
    /// Live customers with an active subscription.
    pub active_subscribers: i64,
}

/// The bucket rows from the raw rows, keyed by `key` of each timestamp
/// column (the same query as V10's backfill).
fn recount_by(key: fn(&str) -> String) -> String {
    format!(
        "SELECT b, sum(n), sum(p), sum(r), sum(o), sum(v), sum(vr) FROM (
    SELECT {} AS b, count(*) AS n, 0 AS p, 0 AS r, 0 AS o, 0 AS v, 0 AS vr
      FROM customers GROUP BY 1
    UNION ALL
    SELECT {}, 0, count(*), sum(amount), 0, 0, 0
      FROM payments WHERE status = 'success' GROUP BY 1
    UNION ALL
    SELECT {}, 0, 0, 0, sum(total - amount_allocated), 0, 0
      FROM invoices WHERE voided_at IS NULL AND amount_allocated < total GROUP BY 1
    UNION ALL
    SELECT {}, 0, 0, 0, 0, count(*), sum(price)
      FROM vouchers WHERE status = 'sold' AND customer_id IS NULL GROUP BY 1
) GROUP BY b",
        key("created_at"),
        key("received_at"),
        key("issued_at"),
        key("sold_at")
    )
}

/// A timestamp's 15-minute bucket: its first 14 characters and its
/// quarter's first minute (`2026-03-10T23:05:00.000Z` -> `2026-03-10T23:00`).
fn bucket_of(column: &str) -> String {
    format!(
        "substr({column}, 1, 14) || CASE WHEN substr({column}, 15, 2) < '15' THEN '00' \
         WHEN substr({column}, 15, 2) < '30' THEN '15' \
         WHEN substr({column}, 15, 2) < '45' THEN '30' ELSE '45' END"
    )
}

/// A timestamp's UTC day.
fn day_of(column: &str) -> String {
    format!("substr({column}, 1, 10)")
}

const RECOUNT_SUBSCRIBERS: &str = "SELECT s.customer_id,
       coalesce((SELECT c.status != 'deleted' FROM customers c WHERE c.id = s.customer_id), 0),
       count(*),
       sum(s.status = 'active'),
       coalesce((SELECT max(p.received_at) FROM payments p
                 WHERE p.customer_id = s.customer_id AND p.status = 'success'), '')
FROM subscriptions s GROUP BY s.customer_id";

const RECOUNT_TAGS: &str = "SELECT ct.tag_id, count(*) FROM customer_tags ct
JOIN customers c ON c.id = ct.customer_id
WHERE ct.causal_length % 2 = 1 AND c.status != 'deleted' GROUP BY ct.tag_id";

const RECOUNT_ACTIVE: &str = "SELECT count(DISTINCT s.customer_id) FROM subscriptions s
JOIN customers c ON c.id = s.customer_id WHERE s.status = 'active' AND c.status != 'deleted'";

/// The triggers that keep the rollups; a bulk writer may drop them, fill,
/// make them again from their stored SQL and call `rebuild_rollups`.
pub(crate) const ROLLUP_TRIGGERS: &[&str] = &[
    "analytics_customer_insert",
    "analytics_customer_created",
    "analytics_customer_delete",
    "analytics_customer_liveness",
    "analytics_payment_insert",
    "analytics_payment_update",
    "analytics_payment_delete",
    "analytics_invoice_insert",
    "analytics_invoice_update",
    "analytics_invoice_delete",
    "analytics_voucher_insert",
    "analytics_voucher_update",
    "analytics_voucher_delete",
    "subscriber_subscription_insert",
    "subscriber_subscription_update",
    "subscriber_subscription_delete",
    "tag_counts_link_insert",
    "tag_counts_link_update",
    "tag_counts_link_delete",
    "subscriber_counts_insert",
    "subscriber_counts_update",
    "subscriber_counts_delete",
];

fn read_rollups(
    conn: &Connection,
    buckets: &str,
    days: &str,
    subscribers: &str,
    tags: &str,
    active: &str,
) -> Result<Rollups> {
    let mut out = Rollups {
        buckets: Vec::new(),
        days: Vec::new(),
        subscribers: Vec::new(),
        tags: Vec::new(),
        active_subscribers: conn.query_row(active, [], |r| r.get(0))?,
    };
    for (sql, into) in [(buckets, &mut out.buckets), (days, &mut out.days)] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM ({sql}) ORDER BY 1"))?;
        for row in stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })? {
            let row: Bucket = row?;
            if (row.1, row.2, row.3, row.4, row.5, row.6) != (0, 0, 0, 0, 0, 0) {
                into.push(row);
            }
        }
    }
    let mut stmt = conn.prepare(&format!("SELECT * FROM ({subscribers}) ORDER BY 1"))?;
    for row in stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })? {
        out.subscribers.push(row?);
    }
    let mut stmt = conn.prepare(&format!("SELECT * FROM ({tags}) ORDER BY 1"))?;
    for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let row: (i64, i64) = row?;
        if row.1 != 0 {
            out.tags.push(row);
        }
    }
    Ok(out)
}

/// The rollups as the triggers keep them.
pub fn rollups(conn: &Connection) -> Result<Rollups> {
    read_rollups(
        conn,
        "SELECT bucket, new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue
         FROM analytics_buckets",
        "SELECT day, new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue
         FROM analytics_days",
        "SELECT customer_id, live, taken, active, last_paid FROM subscriber_rollup",
        "SELECT tag_id, customers FROM tag_customer_counts",
        "SELECT active_subscribers FROM subscriber_counts",
    )
}

/// The same rollups computed from every raw row: what `rollups` must equal.
pub fn recount(conn: &Connection) -> Result<Rollups> {
    read_rollups(
        conn,
        &recount_by(bucket_of),
        &recount_by(day_of),
        RECOUNT_SUBSCRIBERS,
        RECOUNT_TAGS,
        RECOUNT_ACTIVE,
    )
}

/// Rewrites the rollups from the raw rows, in the caller's transaction.
pub(crate) fn rebuild_rollups(tx: &Connection) -> Result<()> {
    let buckets = recount_by(bucket_of);
    tx.execute_batch(&format!(
        "DELETE FROM analytics_buckets;
         DELETE FROM subscriber_rollup;
         DELETE FROM subscriber_recheck;
         DELETE FROM tag_customer_counts;
         INSERT INTO analytics_buckets (bucket, new_customers, payments, revenue, owed,
                                        vouchers_sold, voucher_revenue) {buckets};
         DELETE FROM analytics_days;
         INSERT INTO analytics_days (day, new_customers, payments, revenue, owed,
                                     vouchers_sold, voucher_revenue)
         SELECT substr(bucket, 1, 10), sum(new_customers), sum(payments), sum(revenue), sum(owed),
                sum(vouchers_sold), sum(voucher_revenue)
         FROM analytics_buckets GROUP BY 1;
         INSERT INTO subscriber_rollup (customer_id, live, taken, active, last_paid) {RECOUNT_SUBSCRIBERS};
         INSERT INTO tag_customer_counts (tag_id, customers) {RECOUNT_TAGS};
         UPDATE subscriber_counts SET active_subscribers = ({RECOUNT_ACTIVE});"
    ))?;
    Ok(())
}

/// Rewrites the rollups from a full recount (after a restore from an old
/// backup, or if a test ever finds them off). Runs in the caller's write.
pub fn repair(w: &mut crate::db::Write<'_>) -> Result<Rollups> {
    w.uncounted(|w| rebuild_rollups(w.tx()))?;
    rollups(w.tx())
}
