//! The billing issue's worked example, replayed exactly: after each step, the
//! ledger entries it posted, the balance, each invoice's status, allocation,
//! amount due and what it carries; and every invariant.

mod billing_support;

use billing_support::{balance, check, customer, date, invoice, money, shop, subscription};
use pelanggan_core::balance;
use pelanggan_core::billing::invoices::{self, InvoiceStatus};
use pelanggan_core::billing::payments::{self, NewPayment};
use pelanggan_core::billing::subscriptions::Cycle;
use pelanggan_core::ledger::{EntryKind, HistoryQuery, LedgerEntry};
use pelanggan_core::{Db, Money};

/// The entries posted since the ledger had `before` entries, oldest first.
fn entries_since(db: &Db, who: &str, before: usize) -> Vec<LedgerEntry> {
    let mut all = balance::history(db.reader().unwrap(), who, &HistoryQuery::default())
        .unwrap()
        .items;
    all.reverse();
    all.split_off(before)
}

fn ledger_len(db: &Db, who: &str) -> usize {
    balance::history(db.reader().unwrap(), who, &HistoryQuery::default())
        .unwrap()
        .items
        .len()
}

fn kinds(entries: &[LedgerEntry]) -> Vec<(EntryKind, Money)> {
    entries.iter().map(|e| (e.kind, e.amount)).collect()
}

fn state(db: &Db, number: &str) -> (InvoiceStatus, Money) {
    let i = invoice(db, number);
    (i.status, i.amount_allocated)
}

#[test]
fn the_worked_example() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi Santoso", "0812-3456-7890");
    subscription(
        &mut db,
        &budi,
        "budi-pppoe",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    check(&db);

    // Step 1: issue INV1 150.000 -> debit 150.000, balance -150.000, INV1 unpaid.
    let n = ledger_len(&db, &budi);
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-01-01")))
        .unwrap();
    assert_eq!(issued.len(), 1);
    let inv1 = issued[0].number.clone();
    assert_eq!(inv1, "INV-2026-000001");
    assert_eq!(
        kinds(&entries_since(&db, &budi, n)),
        [(EntryKind::Debit, money("150000"))]
    );
    assert_eq!(balance(&db, &budi), money("-150000"));
    assert_eq!(state(&db, &inv1), (InvoiceStatus::Unpaid, Money::ZERO));
    assert_eq!(invoice(&db, &inv1).amount_due, money("150000"));
    check(&db);
    // Issuing again for the same date issues nothing.
    assert!(
        db.write(None, |w| invoices::issue_due(w, date("2026-01-31")))
            .unwrap()
            .is_empty()
    );

    // Step 2: pay 100.000 on INV1 -> credit 100.000, balance -50.000, INV1 partial (100.000).
    let n = ledger_len(&db, &budi);
    let p = db
        .write(None, |w| {
            payments::record(
                w,
                &budi,
                money("100000"),
                NewPayment {
                    invoice: Some(inv1.clone()),
                    ..NewPayment::default()
                },
            )
        })
        .unwrap();
    assert_eq!(p.allocations.len(), 1);
    assert_eq!(
        kinds(&entries_since(&db, &budi, n)),
        [(EntryKind::Credit, money("100000"))]
    );
    assert_eq!(balance(&db, &budi), money("-50000"));
    assert_eq!(state(&db, &inv1), (InvoiceStatus::Partial, money("100000")));
    check(&db);

    // Step 3: issue INV2 150.000 -> debit 150.000, balance -200.000; INV2 unpaid,
    // carries 50.000 from INV1; amount due 200.000.
    let n = ledger_len(&db, &budi);
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-02-01")))
        .unwrap();
    let inv2 = issued[0].number.clone();
    assert_eq!(inv2, "INV-2026-000002");
    assert_eq!(
        kinds(&entries_since(&db, &budi, n)),
        [(EntryKind::Debit, money("150000"))]
    );
    assert_eq!(balance(&db, &budi), money("-200000"));
    let i2 = invoice(&db, &inv2);
    assert_eq!(
        (i2.status, i2.amount_allocated),
        (InvoiceStatus::Unpaid, Money::ZERO)
    );
    assert_eq!(
        i2.carried_from.as_deref(),
        Some(std::slice::from_ref(&inv1))
    );
    assert_eq!(i2.carried_count, 1);
    assert_eq!(i2.carried_amount, money("50000"));
    assert_eq!(i2.amount_due, money("200000"));
    assert_eq!(
        i2.total,
        money("150000"),
        "the carried debt is not debited twice"
    );
    check(&db);

    // Step 4: pay 200.000 -> credit 200.000, balance 0; INV1 paid, INV2 paid.
    let n = ledger_len(&db, &budi);
    db.write(None, |w| {
        payments::record(w, &budi, money("200000"), NewPayment::default())
    })
    .unwrap();
    assert_eq!(
        kinds(&entries_since(&db, &budi, n)),
        [(EntryKind::Credit, money("200000"))]
    );
    assert_eq!(balance(&db, &budi), Money::ZERO);
    assert_eq!(state(&db, &inv1), (InvoiceStatus::Paid, money("150000")));
    assert_eq!(state(&db, &inv2), (InvoiceStatus::Paid, money("150000")));
    assert_eq!(invoice(&db, &inv2).amount_due, Money::ZERO);
    check(&db);

    // Step 5: issue INV3 150.000, pay 180.000 -> debit 150.000; credit 150.000 +
    // carry_over 30.000 (from INV3); balance +30.000; INV3 paid.
    let n = ledger_len(&db, &budi);
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-03-01")))
        .unwrap();
    let inv3 = issued[0].clone();
    assert_eq!((inv3.carried_count, inv3.carried_amount), (0, Money::ZERO));
    check(&db);
    let p3 = db
        .write(None, |w| {
            payments::record(w, &budi, money("180000"), NewPayment::default())
        })
        .unwrap();
    let posted = entries_since(&db, &budi, n);
    assert_eq!(
        kinds(&posted),
        [
            (EntryKind::Debit, money("150000")),
            (EntryKind::Credit, money("150000")),
            (EntryKind::CarryOver, money("30000")),
        ]
    );
    assert_eq!(posted[2].reference_type.as_deref(), Some("invoice"));
    assert_eq!(
        posted[2].reference_id.as_deref(),
        Some(inv3.id.as_str()),
        "carry_over names the invoice it came from"
    );
    assert_eq!(balance(&db, &budi), money("30000"));
    assert_eq!(
        state(&db, &inv3.number),
        (InvoiceStatus::Paid, money("150000"))
    );
    assert_eq!(p3.credit, money("30000"));
    check(&db);

    // Step 6: issue INV4 150.000 -> debit 150.000, balance -120.000; INV4 partial
    // (30.000 applied from credit), with no new ledger entry for the application.
    let n = ledger_len(&db, &budi);
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-04-01")))
        .unwrap();
    let inv4 = issued[0].number.clone();
    assert_eq!(
        kinds(&entries_since(&db, &budi, n)),
        [(EntryKind::Debit, money("150000"))]
    );
    assert_eq!(balance(&db, &budi), money("-120000"));
    assert_eq!(state(&db, &inv4), (InvoiceStatus::Partial, money("30000")));
    assert_eq!(invoice(&db, &inv4).amount_due, money("120000"));
    check(&db);

    // The INV3 payment now pays INV3 and 30.000 of INV4; nothing of it is credit.
    let p3 = payments::get(db.reader().unwrap(), &p3.id).unwrap();
    let paid: Vec<_> = p3
        .allocations
        .iter()
        .map(|a| (a.invoice_number.as_str(), a.amount))
        .collect();
    assert_eq!(
        paid,
        [
            (inv3.number.as_str(), money("150000")),
            (inv4.as_str(), money("30000"))
        ]
    );
    assert_eq!(p3.credit, Money::ZERO);

    let c = pelanggan_core::customers::get(db.reader().unwrap(), &budi).unwrap();
    assert_eq!(c.total_spent, money("480000"));
    assert_eq!(c.subscription_count, 1);
}
