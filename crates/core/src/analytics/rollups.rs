//! The analytics rollups' maintenance, the write-side companion of
//! migrations V7 and V10: the triggers that keep them, a recount from the raw
//! rows (what the kept rollups must equal; tests compare), the rebuild after
//! a restore or a bulk write, and a bulk write's deferral of the triggers.
//!
//! Owns: `Rollups`, the recount queries, `ROLLUP_TRIGGERS`. Must not know:
//! the report (`analytics()` reads the rollups, this keeps them).

use rusqlite::Connection;

use crate::db::Write;
use crate::error::Result;

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
const ROLLUP_TRIGGERS: &[&str] = &[
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
pub fn repair(w: &mut Write<'_>) -> Result<Rollups> {
    w.uncounted(|w| rebuild_rollups(w.tx()))?;
    rollups(w.tx())
}

/// Runs `f` (a bulk write) with the rollup triggers dropped, then sums the
/// rollups once from the raw rows and makes the triggers again from their
/// stored SQL, all in the caller's transaction: one recount instead of a
/// trigger per row.
pub(crate) fn with_deferred_rollups<T>(
    w: &mut Write<'_>,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Result<T> {
    let triggers: Vec<String> = {
        let mut stmt = w
            .tx()
            .prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1")?;
        let mut found = Vec::new();
        for name in ROLLUP_TRIGGERS {
            found.push(stmt.query_row([name], |r| r.get(0))?);
        }
        found
    };
    for name in ROLLUP_TRIGGERS {
        w.tx().execute(&format!("DROP TRIGGER {name}"), [])?;
    }
    let out = f(w)?;
    // Caches: sync does not carry them, the change-log check does not count them.
    w.uncounted(|w| rebuild_rollups(w.tx()))?;
    for sql in &triggers {
        w.tx().execute(sql, [])?;
    }
    Ok(out)
}
