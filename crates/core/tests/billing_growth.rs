//! Runaway billing (issue 10, item 5): what an invoice carries is stored in
//! a fixed size, so issuing N invoices costs O(N) space; billing dates
//! outside a sane window are refused unless confirmed; a dry run issues
//! through the same code and keeps nothing; an old file's carried lists are
//! migrated to the fixed-size form. And (item 19) what an invoice shows as
//! carried is live: nothing stale after a void.

mod billing_support;
mod common;

use billing_support::{check, customer, date, fingerprint, invoice, money, shop, subscription};
use pelanggan_core::billing::subscriptions::Cycle;
use pelanggan_core::billing::{self, invoices};
use pelanggan_core::{Db, Money};

/// Bytes stored for the invoices of `period_start >= from`: their rows, their
/// change-log rows and their activity entries.
fn stored_bytes(db: &Db, from: &str) -> i64 {
    db.conn()
        .query_row(
            "SELECT
               (SELECT sum(length(CAST(carried_amount AS TEXT)) + length(coalesce(carried_last, ''))
                       + length(description) + length(number))
                FROM invoices WHERE period_start >= ?1)
             + (SELECT sum(length(value)) FROM change_log WHERE entity = 'invoice' AND field IS NULL
                  AND value ->> '$.period_start' >= ?1)
             + (SELECT sum(length(details)) FROM customer_activity_log WHERE action = 'invoice_issued'
                  AND details ->> '$.invoice.period_start' >= ?1)",
            [from],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn an_unpaid_daily_subscriber_costs_the_same_per_invoice_however_long_unpaid() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(&mut db, &budi, "budi", "5000", Cycle::Daily, "2024-01-01");
    // 300 days in one run, then 300 more in another.
    let first = db
        .write(None, |w| invoices::issue_due(w, date("2024-10-26")))
        .unwrap();
    assert_eq!(first.len(), 300);
    let second = db
        .write(None, |w| invoices::issue_due(w, date("2025-08-22")))
        .unwrap();
    assert_eq!(second.len(), 300);
    check(&db);

    // Each invoice stores what it carried at issue in a fixed size: the
    // amount, how many invoices and the newest of them.
    let stored: (i64, i64, String) = db
        .conn()
        .query_row(
            "SELECT carried_amount, carried_count, carried_last FROM invoices ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(stored, (599 * 500_000, 599, second[298].number.clone()));
    // The second 300 invoices (carrying 300 to 599 each) take no more room
    // than the first 300 (carrying 0 to 299): linear, not quadratic.
    let early = stored_bytes(&db, "2024-01-01") - stored_bytes(&db, "2024-10-27");
    let late = stored_bytes(&db, "2024-10-27");
    assert!(
        late < early + early / 5,
        "the second 300 invoices take {late} bytes, the first {early}"
    );
    let largest: i64 = db
        .conn()
        .query_row(
            "SELECT max(length(value)) FROM change_log WHERE entity = 'invoice'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(largest < 1000, "a change-log row of {largest} bytes");

    // What the newest shows is read live: 599 earlier invoices, all owed.
    let newest = invoice(&db, &second[299].number);
    assert_eq!(newest.carried_count, 599);
    assert_eq!(newest.carried_amount, money("2995000"));
    assert_eq!(newest.amount_due, money("3000000"));
    assert_eq!(newest.subscription_owed, Some(money("3000000")));
    let numbers = newest.carried_from.unwrap();
    assert_eq!(
        (numbers.len(), numbers[0].as_str()),
        (599, first[0].number.as_str())
    );
    // The run's own result leaves the lists out (each would list all before it).
    assert!(second.iter().all(|i| i.carried_from.is_none()));
    assert_eq!(second[299].carried_count, 599);
}

#[test]
fn credit_pays_invoices_as_they_are_issued_in_one_run() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(
        &mut db,
        &budi,
        "budi",
        "100000",
        Cycle::Monthly,
        "2026-01-01",
    );
    subscription(
        &mut db,
        &budi,
        "budi-hs",
        "30000",
        Cycle::Weekly,
        "2026-01-01",
    );
    db.write(None, |w| {
        pelanggan_core::balance::credit(
            w,
            &budi,
            money("250000"),
            &pelanggan_core::ledger::EntryNote::new("prepaid"),
        )
    })
    .unwrap();
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-02-01")))
        .unwrap();
    // Oldest period first: Jan 1 monthly 100000 and Jan 1 weekly 30000, then
    // weekly Jan 8, 15, 22 and 29, paid by the credit as they come (250000 =
    // 100000 + 5 x 30000), then Feb 1 monthly, unpaid.
    let states: Vec<(String, Money)> = issued
        .iter()
        .map(|i| (i.status.to_string(), i.amount_allocated))
        .collect();
    assert_eq!(states.len(), 7, "{states:?}");
    assert!(states[..6].iter().all(|(s, _)| s == "paid"), "{states:?}");
    assert_eq!(states[6], ("unpaid".to_owned(), Money::ZERO));
    assert_eq!(issued[6].carried_count, 0, "the Jan 1 monthly is paid");
    assert_eq!(issued[6].amount_due, money("100000"));
    check(&db);
}

#[test]
fn a_void_leaves_nothing_stale_on_the_invoices_that_carried_it() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-03-01")))
        .unwrap();
    let (inv1, inv2, inv3) = (&issued[0].number, &issued[1].number, &issued[2].number);
    let shown = invoice(&db, inv3);
    assert_eq!(
        shown.carried_from.as_deref(),
        Some(&[inv1.clone(), inv2.clone()][..])
    );
    assert_eq!(shown.amount_due, money("450000"));

    db.write(None, |w| invoices::void(w, inv1)).unwrap();
    let shown = invoice(&db, inv3);
    assert_eq!(shown.carried_from.as_deref(), Some(&[inv2.clone()][..]));
    assert_eq!(
        (shown.carried_count, shown.carried_amount, shown.amount_due),
        (1, money("150000"), money("300000"))
    );
    // The void invoice itself carries and owes nothing.
    let void = invoice(&db, inv1);
    assert_eq!(
        (void.carried_count, void.amount_due, void.carried_from),
        (0, Money::ZERO, Some(Vec::new()))
    );
    // Its subscription owes the two left, whichever invoice is asked.
    assert_eq!(void.subscription_owed, Some(money("300000")));
    check(&db);
}

#[test]
fn billing_dates_outside_the_window_need_confirming() {
    let today = date("2026-12-01");
    let refused = |r: pelanggan_core::Result<()>| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "date_out_of_range", "{e}");
        e.to_string()
    };
    // issue-due: from 2000 to one cycle (a month) ahead.
    billing::check_issue_date(today, today, false).unwrap();
    billing::check_issue_date(date("2027-01-01"), today, false).unwrap();
    billing::check_issue_date(date("2000-01-01"), today, false).unwrap();
    let message = refused(billing::check_issue_date(date("2099-12-31"), today, false));
    assert!(
        message.contains("2099-12-31")
            && message.contains("2027-01-01")
            && message.contains("--yes"),
        "{message}"
    );
    refused(billing::check_issue_date(date("2027-01-02"), today, false));
    refused(billing::check_issue_date(date("1999-12-31"), today, false));
    billing::check_issue_date(date("2099-12-31"), today, true).unwrap();
    // A start date: from 2000 to a year ahead.
    billing::check_start_date(date("2027-12-01"), today, false).unwrap();
    billing::check_start_date(date("2001-05-01"), today, false).unwrap();
    refused(billing::check_start_date(date("2027-12-02"), today, false));
    let message = refused(billing::check_start_date(date("0000-01-01"), today, false));
    assert!(message.contains("before 2000-01-01"), "{message}");
    billing::check_start_date(date("0000-01-01"), today, true).unwrap();
    // Late in the year, and at the end of a month.
    billing::check_issue_date(date("2027-02-28"), date("2027-01-31"), false).unwrap();
    refused(billing::check_issue_date(
        date("2027-03-01"),
        date("2027-01-31"),
        false,
    ));
}

#[test]
fn a_dry_run_lists_what_would_be_issued_and_keeps_nothing() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    let before = fingerprint(&db);
    let would = db
        .dry_run(None, |w| invoices::issue_due(w, date("2026-03-01")))
        .unwrap();
    assert_eq!(would.len(), 3);
    assert_eq!(would[2].amount_due, money("450000"));
    assert_eq!(fingerprint(&db), before, "a dry run writes nothing");
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-03-01")))
        .unwrap();
    assert_eq!(
        issued.iter().map(|i| &i.number).collect::<Vec<_>>(),
        would.iter().map(|i| &i.number).collect::<Vec<_>>(),
        "the same code path: the same invoices"
    );
}

#[test]
fn issuing_as_asked_checks_the_date_and_sums_what_it_issued() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let sari = customer(&mut db, "Sari", "081298765432");
    subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    subscription(
        &mut db,
        &sari,
        "sari",
        "75000.50",
        Cycle::Monthly,
        "2026-02-01",
    );
    // A typo far ahead is refused before anything is issued...
    let far = db.write(None, |w| {
        invoices::issue_due_asked(w, Some(date("2099-12-31")), false)
    });
    assert_eq!(far.unwrap_err().code(), "date_out_of_range");
    // ...and a date asked for is billed up to, with the sum a person reads first.
    let issued = db
        .write(None, |w| {
            invoices::issue_due_asked(w, Some(date("2026-02-01")), false)
        })
        .unwrap();
    assert_eq!(issued.date, date("2026-02-01"));
    assert_eq!(issued.invoices.len(), 3);
    assert_eq!((issued.customers, issued.total), (2, money("375000.50")));
    assert!(issued.invoices.iter().all(|i| i.open));
    // Paid in full, an invoice is no longer open.
    let number = issued.invoices[0].number.clone();
    db.write(None, |w| {
        pelanggan_core::billing::payments::record(w, &budi, money("150000"), Default::default())
    })
    .unwrap();
    assert!(!invoice(&db, &number).open);
    // No date: the shop's today, which issues nothing more here.
    let today = db
        .write(None, |w| invoices::issue_due_asked(w, None, false))
        .unwrap();
    assert_eq!(today.date, db.reader().unwrap().today());
    check(&db);
}

#[test]
fn an_older_file_keeps_what_its_invoices_carried_in_the_fixed_size_form() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        // Three unpaid monthly invoices as the program before V9 stored them.
        let conn = common::file_at_version(&path, 8);
        conn.execute_batch(
            "INSERT INTO customers (id, uuid, name, whatsapp, status, balance, created_at, updated_at, created_by)
             VALUES (1, '0190b7a4-0000-7000-8000-000000000001', 'Lama', '+6281234567890', 'active', -450000,
                     '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'admin');
             INSERT INTO subscriptions (id, uuid, customer_id, type, username, profile, price, cycle,
                 start_date, anchor_date, periods_billed, next_billing_date, status, created_at, updated_at, created_by)
             VALUES (1, '0190b7a4-0000-7000-8000-000000000002', 1, 'pppoe', 'lama', '10M', 150000, 'monthly',
                     '2026-01-01', '2026-01-01', 3, '2026-04-01', 'active',
                     '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'admin');",
        )
        .unwrap();
        for k in 1..=3i64 {
            let carried: Vec<String> = (1..k).map(|j| format!("INV-2026-{j:06}")).collect();
            let carried = serde_json::to_string(&carried).unwrap();
            let entry = format!("0190b7a4-0000-7000-8000-0000000001{k:02}");
            let start = format!("2026-{k:02}-01");
            conn.execute(
                "INSERT INTO customer_balance_history (uuid, customer_id, type, amount, previous_balance,
                     new_balance, description, created_at, created_by)
                 VALUES (?1, 1, 'debit', 150000, ?2, ?3, 'Invoice', '2026-01-01T00:00:00.000Z', 'admin')",
                rusqlite::params![entry, -150000 * (k - 1), -150000 * k],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO invoices (uuid, number, customer_id, subscription_id, description, period_start,
                     period_end, charge, total, carried_amount, carried_from, due_date, issued_at, issued_by,
                     debit_entry)
                 VALUES (?1, ?2, 1, 1, 'pppoe', ?3, ?3, 150000, 150000, ?4, ?5, ?3,
                         '2026-01-01T00:00:00.000Z', 'admin', ?6)",
                rusqlite::params![
                    format!("0190b7a4-0000-7000-8000-0000000002{k:02}"),
                    format!("INV-2026-{k:06}"),
                    start,
                    150000 * (k - 1),
                    carried,
                    entry,
                ],
            )
            .unwrap();
            let row = format!(
                r#"{{"number":"INV-2026-{k:06}","total":"1500.00","carried_amount":"{}.00","carried_from":{carried}}}"#,
                1500 * (k - 1)
            );
            conn.execute(
                "INSERT INTO change_log (entity, entity_id, op, field, value, hlc, device)
                 VALUES ('invoice', ?1, 'insert', NULL, ?2, ?3, 1)",
                rusqlite::params![format!("inv-{k}"), row, k],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO customer_activity_log (uuid, customer_id, action, details, admin, created_at)
                 VALUES (?1, 1, 'invoice_issued', ?2, 'admin', '2026-01-01T00:00:00.000Z')",
                rusqlite::params![
                    format!("0190b7a4-0000-7000-8000-0000000003{k:02}"),
                    format!(r#"{{"invoice_id":"inv-{k}","invoice":{row}}}"#)
                ],
            )
            .unwrap();
        }
    }
    let db = Db::open(&path).unwrap();
    let stored: Vec<(i64, Option<String>)> = db
        .conn()
        .prepare("SELECT carried_count, carried_last FROM invoices ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        stored,
        [
            (0, None),
            (1, Some("INV-2026-000001".to_owned())),
            (2, Some("INV-2026-000002".to_owned()))
        ]
    );
    let columns: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM pragma_table_info('invoices') WHERE name = 'carried_from'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 0, "the lists are gone");
    let read = |sql: &str| -> Vec<String> {
        db.conn()
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut logged = read("SELECT value FROM change_log WHERE entity = 'invoice' ORDER BY seq");
    logged.extend(read(
        "SELECT details ->> '$.invoice' FROM customer_activity_log
         WHERE action = 'invoice_issued' ORDER BY id",
    ));
    assert_eq!(logged.len(), 6);
    for text in &logged {
        let row: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(row.get("carried_from").is_none(), "{text}");
        assert!(row["carried_count"].is_u64(), "{text}");
    }
    let last: serde_json::Value = serde_json::from_str(&logged[2]).unwrap();
    assert_eq!(
        (&last["carried_count"], &last["carried_last"]),
        (&serde_json::json!(2), &serde_json::json!("INV-2026-000002"))
    );
    // A file that held data before V9 is rewritten by its first privacy erase.
    let rewrite: bool = db
        .conn()
        .query_row("SELECT rewrite_needed FROM privacy_file", [], |r| r.get(0))
        .unwrap();
    assert!(rewrite);
    // And what the newest shows is read from the invoices.
    let newest = invoice(&db, "INV-2026-000003");
    assert_eq!(
        newest.carried_from.unwrap(),
        ["INV-2026-000001", "INV-2026-000002"]
    );
    assert_eq!(newest.amount_due, Money::from_minor(450_000));
}
