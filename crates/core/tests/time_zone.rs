//! What a day is: the shop's time zone (the `time_zone` setting) decides the
//! days and months of analytics, of the balance history, the ledger export
//! and the customer list's created-from/to filters, and the dates billing
//! gives a sale; storage stays UTC. Walk-in voucher sales are revenue.

mod billing_support;
mod common;

use billing_support::{customer, money, shop};
use chrono::{DateTime, NaiveDate, Utc};
use pelanggan_core::analytics::{self, Period, Query, TopBy};
use pelanggan_core::balance;
use pelanggan_core::billing::{payments, vouchers};
use pelanggan_core::customers::{self, ListQuery, NewCustomer};
use pelanggan_core::days::ShopZone;
use pelanggan_core::export::{self, CsvOptions};
use pelanggan_core::ledger::HistoryQuery;
use pelanggan_core::progress::Cancel;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Money};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn set_zone(db: &mut Db, zone: &str) {
    db.write(None, |w| settings::set(w, Key::TimeZone, zone))
        .unwrap();
}

/// Budi joins with 50,000 of credit and pays 150,000 at 06:05 WIB on
/// 11 March 2026 (2026-03-10T23:05Z); Siti joins and pays 70,000 at 23:30
/// WIB on 10 March (16:30Z). Returns (Budi, Siti).
fn two_mornings(db: &mut Db) -> (String, String) {
    let join = |db: &mut Db, when: &str, name: &str, wa: &str, paid: &str| {
        db.write_at(None, at(when), |w| {
            let c = customers::add(
                w,
                NewCustomer {
                    name: name.into(),
                    whatsapp: wa.into(),
                    initial_balance: Some(money("50000")),
                    ..NewCustomer::default()
                },
            )?;
            payments::record(w, &c.id, money(paid), payments::NewPayment::default())?;
            Ok(c.id)
        })
        .unwrap()
    };
    let budi = join(
        db,
        "2026-03-10T23:05:00Z",
        "Budi Santoso",
        "0812-1111-0001",
        "150000",
    );
    let siti = join(
        db,
        "2026-03-10T16:30:00Z",
        "Siti Aminah",
        "0812-1111-0002",
        "70000",
    );
    (budi, siti)
}

fn between(db: &Db, from: &str, to: &str) -> analytics::Report {
    analytics::analytics(
        db.reader().unwrap(),
        &mut db.read_conn().unwrap(),
        &Query {
            period: Period::Between(date(from), date(to)),
            top: TopBy::Revenue,
            today: date(to),
        },
    )
    .unwrap()
}

fn history(db: &Db, who: &str, from: &str, to: &str) -> usize {
    balance::history(
        db.reader().unwrap(),
        who,
        &HistoryQuery {
            from: Some(date(from)),
            to: Some(date(to)),
            ..HistoryQuery::default()
        },
    )
    .unwrap()
    .items
    .len()
}

fn exported(db: &Db, from: &str, to: &str) -> (u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ledger.csv");
    let summary = export::ledger(
        db.reader().unwrap(),
        &file,
        Some(date(from)),
        Some(date(to)),
        CsvOptions::default(),
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap();
    (summary.rows, std::fs::read_to_string(&file).unwrap())
}

fn created(db: &Db, from: &str, to: &str) -> Vec<String> {
    customers::list(
        db.reader().unwrap(),
        &ListQuery {
            filter: pelanggan_core::search::Filter {
                created_from: Some(date(from)),
                created_to: Some(date(to)),
                ..Default::default()
            },
            ..ListQuery::default()
        },
    )
    .unwrap()
    .customers
    .items
    .into_iter()
    .map(|c| c.name)
    .collect()
}

#[test]
fn a_payment_at_0605_wib_is_on_that_day_in_jakarta() {
    let (_dir, mut db) = shop();
    set_zone(&mut db, "Asia/Jakarta");
    let (budi, siti) = two_mornings(&mut db);

    // Analytics: 11 March holds Budi's payment and joining, 10 March Siti's.
    let r = between(&db, "2026-03-11", "2026-03-11");
    assert_eq!(r.time_zone, "Asia/Jakarta");
    assert_eq!((r.revenue, r.payments), (money("150000"), 1));
    assert_eq!(r.new_customers, 1);
    assert_eq!(r.top.len(), 1);
    assert_eq!(r.top[0].id, budi);
    let r = between(&db, "2026-03-10", "2026-03-10");
    assert_eq!(
        (r.revenue, r.payments, r.new_customers),
        (money("70000"), 1, 1)
    );

    // The balance history: both of Budi's entries on the 11th, none on the 10th.
    assert_eq!(history(&db, &budi, "2026-03-11", "2026-03-11"), 2);
    assert_eq!(history(&db, &budi, "2026-03-10", "2026-03-10"), 0);
    assert_eq!(history(&db, &siti, "2026-03-10", "2026-03-10"), 2);

    // The ledger export: the 11th is Budi's two entries (times stay UTC).
    let (rows, text) = exported(&db, "2026-03-11", "2026-03-11");
    assert_eq!(rows, 2);
    assert!(text.contains("Budi Santoso") && !text.contains("Siti Aminah"));
    assert!(text.contains("2026-03-10T23:05:00.000Z"), "{text}");

    // The customer list's created filters.
    assert_eq!(
        created(&db, "2026-03-11", "2026-03-11"),
        vec!["Budi Santoso"]
    );
    assert_eq!(
        created(&db, "2026-03-10", "2026-03-10"),
        vec!["Siti Aminah"]
    );

    // The same shop in UTC sees both on the 10th: the setting decides.
    set_zone(&mut db, "UTC");
    let r = between(&db, "2026-03-10", "2026-03-10");
    assert_eq!((r.revenue, r.payments), (money("220000"), 2));
    assert_eq!(between(&db, "2026-03-11", "2026-03-11").payments, 0);
    assert_eq!(history(&db, &budi, "2026-03-10", "2026-03-10"), 2);
    assert_eq!(exported(&db, "2026-03-11", "2026-03-11").0, 0);
    assert_eq!(created(&db, "2026-03-10", "2026-03-10").len(), 2);
    // The rollups needed no rewrite for it.
    assert_eq!(
        analytics::rollups(db.conn()).unwrap(),
        analytics::recount(db.conn()).unwrap()
    );
}

#[test]
fn months_are_the_shops_months() {
    let (_dir, mut db) = shop();
    set_zone(&mut db, "Asia/Jakarta");
    let c = customer(&mut db, "Budi Santoso", "0812-1111-0001");
    // 31 March 18:00 UTC is 1 April 01:00 in Jakarta.
    for (when, amount) in [
        ("2026-03-31T16:59:00Z", "10000"),
        ("2026-03-31T18:00:00Z", "20000"),
    ] {
        db.write(None, |w| {
            payments::record(
                w,
                &c,
                money(amount),
                payments::NewPayment {
                    received_at: Some(at(when)),
                    ..payments::NewPayment::default()
                },
            )
        })
        .unwrap();
    }
    let r = between(&db, "2026-03-01", "2026-04-30");
    let months: Vec<(&str, Money)> = r
        .monthly
        .iter()
        .map(|m| (m.month.as_str(), m.revenue))
        .collect();
    assert_eq!(
        months,
        vec![("2026-03", money("10000")), ("2026-04", money("20000"))]
    );
    // A range that starts mid-month counts only its own days.
    let r = between(&db, "2026-04-01", "2026-04-01");
    assert_eq!(r.revenue, money("20000"));
    assert_eq!(r.monthly.len(), 1);
}

#[test]
fn a_sale_is_dated_on_the_shops_calendar() {
    let (_dir, mut db) = shop();
    set_zone(&mut db, "Asia/Jakarta");
    let c = customer(&mut db, "Budi Santoso", "0812-1111-0001");
    // 20:00 UTC on New Year's Eve is 03:00 on 1 January 2026 in Jakarta: the
    // voucher's invoice is of that day and numbered in 2026.
    let sold = db
        .write(None, |w| {
            vouchers::add(
                w,
                vouchers::NewVoucher {
                    code: "HS-1".into(),
                    profile: "1 day".into(),
                    price: money("5000"),
                },
            )?;
            vouchers::sell(
                w,
                "HS-1",
                vouchers::SellVoucher {
                    customer: Some(c.clone()),
                    sold_at: Some(at("2025-12-31T20:00:00Z")),
                    ..vouchers::SellVoucher::default()
                },
            )
        })
        .unwrap();
    assert_eq!(sold.sold_at.as_deref(), Some("2025-12-31T20:00:00.000Z"));
    let invoices = pelanggan_core::billing::invoices::list(
        db.reader().unwrap(),
        &pelanggan_core::billing::invoices::InvoiceQuery::default(),
    )
    .unwrap()
    .items;
    assert_eq!(invoices.len(), 1);
    assert_eq!(invoices[0].period_start, date("2026-01-01"));
    assert!(
        invoices[0].number.contains("-2026-"),
        "{}",
        invoices[0].number
    );
}

#[test]
fn today_is_the_shops_today() {
    let (_dir, mut db) = shop();
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"] {
        set_zone(&mut db, zone);
        let expected = ShopZone::parse(zone).unwrap().today();
        // (Read twice around the call: a midnight between them is the only way to differ.)
        let got = db.reader().unwrap().today();
        assert!(
            got == expected || got == ShopZone::parse(zone).unwrap().today(),
            "{zone}"
        );
    }
    // 14 hours ahead and 11 behind UTC are never on the same date.
    set_zone(&mut db, "Pacific/Kiritimati");
    let ahead = db.reader().unwrap().today();
    set_zone(&mut db, "Pacific/Pago_Pago");
    let behind = db.reader().unwrap().today();
    assert!(ahead > behind);
}

#[test]
fn the_time_zone_setting_takes_iana_names() {
    let (_dir, mut db) = shop();
    // Unset, an Indonesian shop (default region ID) is in the system's zone
    // if it is one of Indonesia's, else in Jakarta.
    let default = settings::get(db.conn(), Key::TimeZone).unwrap();
    assert_eq!(
        default,
        ShopZone::default_for(db.reader().unwrap().region(), ShopZone::system()).name()
    );
    assert!(
        [
            "Asia/Jakarta",
            "Asia/Pontianak",
            "Asia/Makassar",
            "Asia/Jayapura"
        ]
        .contains(&default.as_str())
    );
    assert!(
        settings::list(db.reader().unwrap())
            .unwrap()
            .iter()
            .any(|s| s.key == "time_zone")
    );

    let set = db
        .write(None, |w| settings::set(w, Key::TimeZone, " asia/makassar "))
        .unwrap();
    assert_eq!(set.value, "Asia/Makassar", "stored by its IANA name");
    assert_eq!(db.reader().unwrap().zone().name(), "Asia/Makassar");
    for bad in ["Mars/Olympus", "WIB", "+07:00", ""] {
        let e = db
            .write(None, |w| settings::set(w, Key::TimeZone, bad))
            .unwrap_err();
        assert_eq!(
            (e.code().as_str(), e.field()),
            ("validation", Some("value")),
            "{bad}"
        );
    }
    assert_eq!(db.reader().unwrap().zone().name(), "Asia/Makassar");
    assert_eq!(Key::parse("time_zone").unwrap(), Key::TimeZone);
}

#[test]
fn walk_in_voucher_sales_are_revenue() {
    let (_dir, mut db) = shop();
    set_zone(&mut db, "Asia/Jakarta");
    let c = customer(&mut db, "Budi Santoso", "0812-1111-0001");
    db.write_at(None, at("2026-03-10T23:05:00Z"), |w| {
        for code in ["HS-1", "HS-2", "HS-3"] {
            vouchers::add(
                w,
                vouchers::NewVoucher {
                    code: code.into(),
                    profile: "1 day".into(),
                    price: money("5000"),
                },
            )?;
        }
        // Two over the counter, one to Budi (an invoice and its payment).
        vouchers::sell(w, "HS-1", vouchers::SellVoucher::default())?;
        vouchers::sell(w, "HS-2", vouchers::SellVoucher::default())?;
        vouchers::sell(
            w,
            "HS-3",
            vouchers::SellVoucher {
                customer: Some(c.clone()),
                ..vouchers::SellVoucher::default()
            },
        )
    })
    .unwrap();
    let r = between(&db, "2026-03-11", "2026-03-11");
    assert_eq!(
        r.revenue,
        money("15000"),
        "5,000 paid by Budi + two walk-ins"
    );
    assert_eq!(r.payments, 1);
    assert_eq!((r.voucher_sales, r.vouchers_sold), (money("10000"), 2));
    assert_eq!(r.monthly.len(), 1);
    assert_eq!(r.monthly[0].revenue, money("15000"));
    assert_eq!(r.monthly[0].voucher_sales, money("10000"));
    assert_eq!(
        r.average_revenue_per_customer,
        money("5000"),
        "walk-in sales are no customer's"
    );
    assert_eq!(
        between(&db, "2026-03-10", "2026-03-10").voucher_sales,
        Money::ZERO
    );
    assert_eq!(
        analytics::rollups(db.conn()).unwrap(),
        analytics::recount(db.conn()).unwrap()
    );
}

/// A file made before V10 (its rollups by UTC day, walk-in sales not in
/// them) is migrated to buckets and days equal to a recount, and its
/// report counts by the shop's days.
#[test]
fn a_file_from_before_v10_gets_its_rollups_by_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = common::file_at_version(&path, 7);
        // A customer and a payment at 06:05 WIB on 11 March, a walk-in sale
        // (the payment's ledger entry left out: foreign keys off).
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO settings (key, value) VALUES ('time_zone', 'Asia/Jakarta');
             INSERT INTO customers (uuid, name, whatsapp, status, created_at, updated_at, created_by)
             VALUES ('0190b7a4-0000-7000-8000-000000000001', 'Lama', '+6281234567890', 'active',
                     '2026-03-10T23:05:00.000Z', '2026-03-10T23:05:00.000Z', 'admin');
             INSERT INTO payments (uuid, customer_id, amount, method, received_at, received_by,
                                   credit_entry, created_at)
             VALUES ('0190b7a4-0000-7000-8000-000000000002', 1, 15000000, 'cash',
                     '2026-03-10T23:05:00.000Z', 'admin', 'e1', '2026-03-10T23:05:00.000Z');
             INSERT INTO vouchers (uuid, code, profile, price, status, sold_at, sold_by,
                                   created_at, created_by)
             VALUES ('0190b7a4-0000-7000-8000-000000000003', 'HS-1', '1 day', 500000, 'sold',
                     '2026-03-11T01:00:00.000Z', 'admin', '2026-03-01T00:00:00.000Z', 'admin');",
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let rollups = analytics::rollups(db.conn()).unwrap();
    assert_eq!(rollups, analytics::recount(db.conn()).unwrap());
    assert_eq!(rollups.buckets.len(), 2, "{rollups:?}");
    assert_eq!(rollups.buckets[0].0, "2026-03-10T23:00");
    let r = between(&db, "2026-03-11", "2026-03-11");
    assert_eq!((r.new_customers, r.payments), (1, 1));
    assert_eq!(r.revenue, money("155000"));
    assert_eq!(r.voucher_sales, money("5000"));
}
