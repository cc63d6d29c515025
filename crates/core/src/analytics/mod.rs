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
//! (half on the caller's second connection to the file, on the other core).
//! `recount` computes the rollups from the raw rows; tests compare the two.
//!
//! Owns: the report's types and definitions (`mod.rs`), the monthly series
//! (`months.rs`), the top lists (`top.rs`), the rollups' maintenance
//! (`rollups.rs`). Must not know: how a connection is opened (the caller
//! hands over both), the CLI's flags. API boundary: `analytics(reader, &mut
//! second, &Query) -> Report`; `rollups`, `recount`, `repair`.

mod months;
mod rollups;
mod top;

use chrono::{Days, NaiveDate};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::days::DayRange;
use crate::db::Reader;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::names::text_enum;
use crate::session::ReadConn;
use crate::stats::{self, div_round};
use top::RangeSums;

pub(crate) use rollups::with_deferred_rollups;
pub use rollups::{Bucket, Rollups, recount, repair, rollups};

/// The number of top customers and popular tags reported.
pub const TOP: u32 = 10;

/// A range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Period {
    /// The last N days, today included.
    Days(u32),
    All,
    /// From and to, inclusive.
    Between(NaiveDate, NaiveDate),
}

text_enum! {
    /// The ranges `--range` names.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Range("range") {
        Week => "7d",
        Month => "30d",
        Quarter => "90d",
        Year => "1y",
        All => "all",
    }
}

impl From<Range> for Period {
    fn from(range: Range) -> Period {
        match range {
            Range::Week => Period::Days(7),
            Range::Month => Period::Days(30),
            Range::Quarter => Period::Days(90),
            Range::Year => Period::Days(365),
            Range::All => Period::All,
        }
    }
}

impl std::str::FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Period> {
        Ok(s.parse::<Range>()?.into())
    }
}

text_enum! {
    /// Which top list to report.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum TopBy("top") {
        #[default]
        Revenue => "revenue",
        Subscriptions => "subscriptions",
        Balance => "balance",
    }
}

/// What to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AnalyticsQuery"))]
pub struct Query {
    pub period: Period,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub top: TopBy,
    /// The last day of a `Days` or `All` period (normally today on the
    /// shop's calendar: `Db::today`).
    pub today: NaiveDate,
}

/// One month of the charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AnalyticsMonth"))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TopCustomer {
    pub id: String,
    pub local_id: i64,
    pub name: String,
    pub whatsapp: String,
    /// Revenue, or balance (negative: debt); absent for the subscriptions list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub amount: Option<Money>,
    /// Subscriptions taken; absent for the money lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subscriptions: Option<u64>,
}

/// A tag with how many customers (not deleted) carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagCount {
    pub name: String,
    pub color: String,
    pub customers: u64,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AnalyticsReport"))]
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

/// The report for `q`. `second` is another read connection to the same file
/// (`Db::read_conn`, or one of the app's readers): the subscriber figures, the
/// top list and the tags are read on it, on another core, while `r` sums the
/// months.
pub fn analytics(r: Reader<'_>, second: &mut ReadConn, q: &Query) -> Result<Report> {
    let conn = r.conn();
    let (from, to) = match q.period {
        Period::Days(n) => (Some(q.today - Days::new(u64::from(n.max(1)) - 1)), q.today),
        Period::All => (None, q.today),
        Period::Between(from, to) => (Some(from), to),
    };
    let zone = r.zone();
    // The range's instants, as text bounds for the stored timestamps and the
    // buckets: [start of `from`, start of the day after `to`).
    let bounds = DayRange::new(from, Some(to), "from")?.bounds(zone);
    let start = bounds.start.unwrap_or_default();
    let end = bounds.end.unwrap_or_default();
    let counters = stats::counters(conn)?;
    let top_by = q.top;
    let all_time = from.is_none();
    // The top list by revenue over a range sums every payment of the range:
    // each connection sums half of them.
    let split = match (top_by, all_time) {
        (TopBy::Revenue, false) => top::revenue_split(conn, &start, &end)?,
        _ => None,
    };
    // Churn looks at the 30 days up to the range's end.
    let cutoff = DayRange::day(to - Days::new(29))
        .bounds(zone)
        .start
        .unwrap_or_default();
    let side = Side {
        top_by,
        all_time,
        start: &start,
        end: &end,
        split: split.as_deref(),
        cutoff: &cutoff,
    };
    std::thread::scope(|scope| -> Result<Report> {
        // `second` moves to the other thread (a `&mut ReadConn` is `Send`).
        let side = &side;
        let other = scope.spawn(move || side.figures(second.reader()?.conn()));
        let (monthly, total) = months::months(conn, zone, from, to)?;
        let mine = match &split {
            Some(mid) => Some(top::range_sums(conn, &start, mid)?),
            None => None,
        };
        let (active_subscribers, churned, top, popular_tags) = match other.join() {
            Ok(result) => result?,
            Err(_) => return Err(Error::internal("the analytics reader stopped")),
        };
        let top = match (top, mine) {
            (TopPart::Done(top), _) => top,
            (TopPart::Sums(theirs), Some(mut sums)) => {
                sums.merge(theirs);
                top::rank_revenue(conn, sums)?
            }
            (TopPart::Sums(theirs), None) => top::rank_revenue(conn, theirs)?,
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

/// The top list, or for revenue over a range split in two, the sums of the
/// side's half.
enum TopPart {
    Done(Vec<TopCustomer>),
    Sums(RangeSums),
}

/// What the second connection reads: active subscribers, churned customers,
/// the top list (or its half of the range's sums) and the popular tags.
type SideFigures = (u64, u64, TopPart, Vec<TagCount>);

/// The second connection's part of the report. `split`: sum revenue over
/// [split, end) only (the other half is summed on the first connection).
/// `cutoff`: the start of the churn window (the 30 days up to `end`).
struct Side<'a> {
    top_by: TopBy,
    all_time: bool,
    start: &'a str,
    end: &'a str,
    split: Option<&'a str>,
    cutoff: &'a str,
}

impl Side<'_> {
    /// Active subscribers, churned customers, the top list and the popular tags.
    fn figures(&self, conn: &Connection) -> Result<SideFigures> {
        let Side {
            top_by,
            all_time,
            start,
            end,
            split,
            cutoff,
        } = *self;
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
            (TopBy::Revenue, Some(mid)) => TopPart::Sums(top::range_sums(conn, mid, end)?),
            (TopBy::Revenue, None) => TopPart::Done(top::top_revenue(conn, all_time, start, end)?),
            (TopBy::Subscriptions, _) => TopPart::Done(top::top_subscriptions(conn)?),
            (TopBy::Balance, _) => TopPart::Done(top::top_balance(conn)?),
        };

        Ok((
            active_subscribers.unsigned_abs(),
            churned.unsigned_abs(),
            top,
            top::popular_tags(conn)?,
        ))
    }
}
