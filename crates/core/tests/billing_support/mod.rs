//! Helpers shared by the billing tests: a shop in a temp dir, customers,
//! amounts, and the invariants checked after every step.
#![allow(dead_code)]

use chrono::NaiveDate;
use pelanggan_core::billing::{self, invoices, subscriptions};
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::ledger;
use pelanggan_core::{Db, Money};
use rusqlite::types::Value;
use tempfile::TempDir;

pub fn shop() -> (TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("shop.db")).unwrap();
    (dir, db)
}

pub fn money(s: &str) -> Money {
    Money::parse("amount", s).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Adds a customer and returns its uuid.
pub fn customer(db: &mut Db, name: &str, whatsapp: &str) -> String {
    db.write(None, |w| {
        customers::add(
            w,
            NewCustomer {
                name: name.into(),
                whatsapp: whatsapp.into(),
                ..NewCustomer::default()
            },
        )
    })
    .unwrap()
    .id
}

/// Adds a subscription and returns it.
pub fn subscription(
    db: &mut Db,
    customer: &str,
    username: &str,
    price: &str,
    cycle: subscriptions::Cycle,
    start: &str,
) -> subscriptions::Subscription {
    db.write(None, |w| {
        subscriptions::add(
            w,
            customer,
            subscriptions::NewSubscription {
                kind: subscriptions::ServiceType::Pppoe,
                username: username.into(),
                profile: "10M".into(),
                price: money(price),
                cycle: Some(cycle),
                start: date(start),
            },
        )
    })
    .unwrap()
}

pub fn balance(db: &Db, customer: &str) -> Money {
    customers::get(db.reader().unwrap(), customer)
        .unwrap()
        .balance
}

pub fn invoice(db: &Db, number: &str) -> invoices::Invoice {
    invoices::get(db.reader().unwrap(), number).unwrap()
}

/// Every invariant of the billing issue, for every customer; panics with
/// what is broken.
pub fn check(db: &Db) {
    let problems = billing::audit(db.reader().unwrap()).unwrap();
    assert!(problems.is_empty(), "invariants broken: {problems:#?}");
    // The same, independently of the core's audit, with plain SQL.
    let conn = db.conn();
    let mut stmt = conn
        .prepare("SELECT id, balance, total_spent FROM customers")
        .unwrap();
    let rows: Vec<(i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, balance, spent) in rows {
        assert_eq!(
            ledger::ledger_sum(db.reader().unwrap(), id)
                .unwrap()
                .minor(),
            balance,
            "balance = sum of the ledger"
        );
        let (payments, refunds, invoices, voids): (i64, i64, i64, i64) = conn
            .query_row(
                "SELECT
                   (SELECT coalesce(sum(amount), 0) FROM payments WHERE customer_id = ?1),
                   (SELECT coalesce(sum(amount), 0) FROM payments WHERE customer_id = ?1 AND status = 'refunded'),
                   (SELECT coalesce(sum(total), 0) FROM invoices WHERE customer_id = ?1),
                   (SELECT coalesce(sum(total), 0) FROM invoices WHERE customer_id = ?1 AND voided_at IS NOT NULL)",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let manual: i64 = conn
            .query_row(
                "SELECT coalesce(sum(CASE type WHEN 'debit' THEN -amount ELSE amount END), 0)
                 FROM customer_balance_history WHERE customer_id = ?1
                   AND coalesce(reference_type, '') NOT IN ('invoice', 'invoice_void', 'payment', 'payment_refund')",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            balance,
            payments - refunds - (invoices - voids) + manual,
            "balance = payments - refunds - non-void invoices + manual adjustments"
        );
        assert_eq!(
            spent,
            payments - refunds,
            "total_spent = successful payments"
        );
    }
    let bad: i64 = conn
        .query_row(
            "SELECT count(*) FROM invoices WHERE amount_allocated < 0 OR amount_allocated > total",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0, "0 <= allocated <= total");
    check_live(db);
}

/// What each invoice shows live (carried, amount due, what its subscription
/// owes), against plain SQL over all the invoices.
fn check_live(db: &Db) {
    let conn = db.conn();
    let all = invoices::list(db.reader().unwrap(), &Default::default())
        .unwrap()
        .items;
    for listed in all {
        let (id, sub): (i64, Option<i64>) = conn
            .query_row(
                "SELECT id, subscription_id FROM invoices WHERE uuid = ?1",
                [&listed.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let earlier: Vec<(String, i64)> = conn
            .prepare(
                "SELECT number, total - amount_allocated FROM invoices
                 WHERE subscription_id = ?1 AND id < ?2 AND voided_at IS NULL
                   AND amount_allocated < total ORDER BY id",
            )
            .unwrap()
            .query_map(rusqlite::params![sub, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let owed: Option<i64> = sub.map(|s| {
            conn.query_row(
                "SELECT coalesce(sum(total - amount_allocated), 0) FROM invoices
                 WHERE subscription_id = ?1 AND voided_at IS NULL",
                [s],
                |r| r.get(0),
            )
            .unwrap()
        });
        let void = listed.voided_at.is_some();
        let carried: i64 = if void {
            0
        } else {
            earlier.iter().map(|e| e.1).sum()
        };
        let count = if void { 0 } else { earlier.len() as u32 };
        let what = &listed.number;
        assert_eq!(listed.carried_amount.minor(), carried, "{what}: carried");
        assert_eq!(listed.carried_count, count, "{what}: carried count");
        assert_eq!(
            listed.amount_due.minor(),
            listed.amount_unpaid.minor() + carried,
            "{what}: amount due"
        );
        assert_eq!(
            listed.subscription_owed.map(Money::minor),
            owed,
            "{what}: owed"
        );
        assert_eq!(listed.carried_from, None, "lists leave the numbers out");
        let shown = invoices::get(db.reader().unwrap(), &listed.id).unwrap();
        let numbers: Vec<String> = if void {
            Vec::new()
        } else {
            earlier.into_iter().map(|e| e.0).collect()
        };
        assert_eq!(shown.carried_from, Some(numbers), "{what}: carried from");
        assert_eq!(
            (
                shown.carried_amount,
                shown.amount_due,
                shown.subscription_owed
            ),
            (
                listed.carried_amount,
                listed.amount_due,
                listed.subscription_owed
            ),
            "{what}: shown as listed"
        );
    }
}

/// Every row of every table: to prove a refused write left nothing behind.
pub fn snapshot(db: &Db) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = db.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<Result<Vec<Vec<Value>>, _>>()
                .unwrap();
            (t, rows)
        })
        .collect()
}

/// A cheaper `snapshot`: the append-only tables by their row count, the
/// others row by row.
pub fn fingerprint(db: &Db) -> Vec<(String, Vec<Vec<Value>>)> {
    let append_only = [
        "change_log",
        "customer_activity_log",
        "customer_balance_history",
    ];
    let conn = db.conn();
    let mut out = Vec::new();
    for t in append_only {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        out.push((t.to_owned(), vec![vec![Value::Integer(n)]]));
    }
    for t in [
        "customers",
        "subscriptions",
        "invoices",
        "invoice_sequences",
        "payments",
        "vouchers",
        "device",
    ] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<Result<Vec<Vec<Value>>, _>>()
            .unwrap();
        out.push((t.to_owned(), rows));
    }
    out
}
