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

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use rusqlite::{Connection, params};
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

    let mut months: BTreeMap<String, Month> = BTreeMap::new();
    let mut new_customers = 0u64;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT substr(created_at, 1, 7), count(*) FROM customers INDEXED BY customers_created
             WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let n = r.get::<_, i64>(1)?.unsigned_abs();
            month(&mut months, r.get(0)?).new_customers = n;
            new_customers += n;
        }
    }
    let (mut revenue, mut payments) = (0i64, 0u64);
    {
        let mut stmt = conn.prepare_cached(
            "SELECT substr(received_at, 1, 7), sum(amount), count(*)
             FROM payments INDEXED BY payments_success_received
             WHERE status = 'success' AND received_at >= ?1 AND received_at < ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let sum: i64 = r.get(1)?;
            month(&mut months, r.get(0)?).revenue = Money::from_minor(sum);
            revenue += sum;
            payments += r.get::<_, i64>(2)?.unsigned_abs();
        }
    }
    let mut unpaid = 0i64;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT substr(issued_at, 1, 7), sum(total - amount_allocated)
             FROM invoices INDEXED BY invoices_unpaid_issued
             WHERE voided_at IS NULL AND issued_at >= ?1 AND issued_at < ?2 GROUP BY 1",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let sum: i64 = r.get(1)?;
            month(&mut months, r.get(0)?).debt = Money::from_minor(sum);
            unpaid += sum;
        }
    }
    // Every month of the range is on the chart, empty ones too.
    let first_month = match from {
        Some(f) => Some(f),
        None => months
            .keys()
            .next()
            .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()),
    };
    if let Some(mut m) = first_month.and_then(|f| f.with_day(1)) {
        while m <= to {
            month(&mut months, m.format("%Y-%m").to_string());
            m = m + chrono::Months::new(1);
        }
    }

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

    let top = match q.top {
        TopBy::Revenue => top_revenue(conn, from.is_none(), &start, &end)?,
        TopBy::Subscriptions => top_subscriptions(conn)?,
        TopBy::Balance => top_balance(conn)?,
    };

    Ok(Report {
        from,
        to,
        new_customers,
        active_subscribers,
        churned: churned.unsigned_abs(),
        revenue: Money::from_minor(revenue),
        payments,
        average_revenue_per_customer: Money::from_minor(div_round(revenue, counters.customers)),
        lifetime_value: Money::from_minor(div_round(counters.total_spent, counters.customers)),
        total_debt: Money::from_minor(counters.total_debt),
        customers_with_debt: counters.with_debt.unsigned_abs(),
        unpaid_invoiced: Money::from_minor(unpaid),
        monthly: months.into_values().collect(),
        top_by: q.top,
        top,
        popular_tags: popular_tags(conn)?,
    })
}

/// The month `key` of the chart, made empty when new.
fn month(months: &mut BTreeMap<String, Month>, key: String) -> &mut Month {
    months.entry(key.clone()).or_insert_with(|| Month {
        month: key,
        new_customers: 0,
        revenue: Money::from_minor(0),
        debt: Money::from_minor(0),
    })
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
    let (sql, values): (String, Vec<String>) = if all_time {
        // All time, a customer's revenue is its total spent: read off the index.
        (
            format!(
                "SELECT {CUSTOMER}, c.total_spent FROM customers c INDEXED BY customers_total_spent
                 WHERE c.status != 'deleted' AND c.total_spent > 0
                 ORDER BY c.total_spent DESC, c.id LIMIT {TOP}"
            ),
            Vec::new(),
        )
    } else {
        (
            format!(
                "SELECT {CUSTOMER}, x.revenue FROM
                   (SELECT customer_id, sum(amount) AS revenue FROM payments INDEXED BY payments_success_received
                    WHERE status = 'success' AND received_at >= ?1 AND received_at < ?2
                    GROUP BY customer_id) x
                 CROSS JOIN customers c ON c.id = x.customer_id
                 WHERE c.status != 'deleted' ORDER BY x.revenue DESC, c.id LIMIT {TOP}"
            ),
            vec![start.to_owned(), end.to_owned()],
        )
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
        let mut c = customer_row(r)?;
        c.amount = Some(Money::from_minor(r.get(4)?));
        Ok(c)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
