//! The report's monthly series and its totals: the bucket rollup (V10)
//! summed between the shop's local bounds of each month of the range.
//!
//! Owns: `Sums` and the month walk. Must not know: the top lists, the
//! subscriber figures.

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, params};

use super::Month;
use crate::days::{self, Bounds, DayRange, ShopZone};
use crate::error::Result;
use crate::money::Money;

/// The bucket rollup's columns summed over some buckets.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sums {
    pub(super) new_customers: i64,
    pub(super) payments: i64,
    pub(super) revenue: i64,
    pub(super) owed: i64,
    pub(super) vouchers_sold: i64,
    pub(super) voucher_revenue: i64,
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

/// The months of the chart and their totals, from the bucket rollup: from
/// the range's first day (all time, `from` None: the first day with a
/// customer, a payment, an owing invoice or a walk-in sale) to `to`, each
/// the sum of the buckets between its local bounds.
pub(super) fn months(
    conn: &Connection,
    zone: ShopZone,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<(Vec<Month>, Sums)> {
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
    Ok((monthly, total))
}
