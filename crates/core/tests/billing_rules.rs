//! Each billing rule and each bad input, against a real SQLite file. A refused
//! write must leave every table exactly as it was; every invariant is
//! checked after every step.

mod billing_support;

use billing_support::{
    balance, check, customer, date, invoice, money, shop, snapshot, subscription,
};
use pelanggan_core::balance;
use pelanggan_core::billing::PaymentMethod;
use pelanggan_core::billing::invoices::{self, InvoiceQuery, InvoiceStatus};
use pelanggan_core::billing::payments::{self, NewPayment, PaymentQuery, PaymentStatus};
use pelanggan_core::billing::subscriptions::{
    self, Cycle, NewSubscription, ServiceType, SubscriptionPatch, SubscriptionQuery,
    SubscriptionStatus,
};
use pelanggan_core::billing::vouchers::{
    self, NewVoucher, SellVoucher, VoucherQuery, VoucherStatus,
};
use pelanggan_core::customers::{self, CustomerPatch, Status};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Error, Money, Result, Write};

/// Runs a write that must fail with `code` and leave the file untouched.
fn refused<T: std::fmt::Debug>(
    db: &mut Db,
    code: &str,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Error {
    let before = snapshot(db);
    let err = db.write(None, f).expect_err("the write should be refused");
    assert_eq!(err.code(), code, "{err}");
    assert!(
        before == snapshot(db),
        "a refused write changed the file: {err}"
    );
    check(db);
    err
}

fn pay(db: &mut Db, who: &str, amount: &str, invoice: Option<&str>) -> payments::Payment {
    let p = db
        .write(None, |w| {
            payments::record(
                w,
                who,
                money(amount),
                NewPayment {
                    invoice: invoice.map(str::to_owned),
                    ..NewPayment::default()
                },
            )
        })
        .unwrap();
    check(db);
    p
}

fn issue(db: &mut Db, on: &str) -> Vec<invoices::Invoice> {
    let out = db
        .write(None, |w| invoices::issue_due(w, date(on)))
        .unwrap();
    check(db);
    out
}

fn new_sub(username: &str, price: Money) -> NewSubscription {
    NewSubscription {
        kind: ServiceType::Hotspot,
        username: username.into(),
        profile: "5M".into(),
        price,
        cycle: None,
        start: date("2026-01-15"),
    }
}

#[test]
fn bad_amounts_are_refused_and_write_nothing() {
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
    let inv = issue(&mut db, "2026-01-01").remove(0);

    for (amount, code) in [
        (Money::ZERO, "invalid_amount"),
        (Money::from_minor(-100), "invalid_amount"),
    ] {
        refused(&mut db, code, |w| {
            payments::record(w, &budi, amount, NewPayment::default())
        });
        refused(&mut db, code, |w| {
            subscriptions::add(w, &budi, new_sub("x", amount))
        });
        refused(&mut db, code, |w| {
            vouchers::add(
                w,
                NewVoucher {
                    code: "V1".into(),
                    profile: "1h".into(),
                    price: amount,
                },
            )
        });
        refused(&mut db, code, |w| {
            subscriptions::edit(
                w,
                "budi",
                SubscriptionPatch {
                    price: Some(amount),
                    ..Default::default()
                },
            )
        });
    }
    // As typed: more than two decimals, or past what the books hold.
    assert_eq!(
        Money::parse_positive("amount", "1000.005")
            .unwrap_err()
            .code(),
        "invalid_amount"
    );
    assert_eq!(
        Money::parse_positive("amount", "1000000000000")
            .unwrap_err()
            .code(),
        "overflow"
    );
    // A valid amount that would push the balance past the limit.
    refused(&mut db, "overflow", |w| {
        payments::record(w, &budi, Money::MAX, NewPayment::default())?;
        payments::record(w, &budi, Money::MAX, NewPayment::default())
    });
    refused(&mut db, "overflow", |w| {
        payments::record(
            w,
            &budi,
            Money::from_minor(Money::MAX.minor() + 1),
            NewPayment::default(),
        )
    });
    assert_eq!(invoice(&db, &inv.number).status, InvoiceStatus::Unpaid);
}

#[test]
fn unknown_references_are_not_found() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let err = refused(&mut db, "not_found", |w| {
        payments::record(w, "0899 9999 9999", money("1000"), NewPayment::default())
    });
    assert!(err.to_string().contains("customer"));
    let err = refused(&mut db, "not_found", |w| {
        payments::record(
            w,
            &budi,
            money("1000"),
            NewPayment {
                invoice: Some("INV-2026-999999".into()),
                ..NewPayment::default()
            },
        )
    });
    assert!(err.to_string().contains("invoice"));
    refused(&mut db, "not_found", |w| payments::refund(w, "12345"));
    refused(&mut db, "not_found", |w| {
        invoices::void(w, "INV-2026-000001")
    });
    refused(&mut db, "not_found", |w| {
        subscriptions::add(w, "nobody", new_sub("u", money("1")))
    });
    refused(&mut db, "not_found", |w| subscriptions::suspend(w, "ghost"));
    refused(&mut db, "not_found", |w| {
        vouchers::sell(w, "NOPE", SellVoucher::default())
    });
    assert_eq!(
        invoices::get(db.reader().unwrap(), "INV-1")
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn payment_on_a_void_invoice_or_another_customers_is_refused() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let siti = customer(&mut db, "Siti", "081298765432");
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
        &siti,
        "siti",
        "100000",
        Cycle::Monthly,
        "2026-01-01",
    );
    let issued = issue(&mut db, "2026-01-01");
    let (b1, s1) = (issued[0].number.clone(), issued[1].number.clone());
    assert_eq!(invoice(&db, &b1).customer_id, budi);

    refused(&mut db, "conflict", |w| {
        payments::record(
            w,
            &budi,
            money("1000"),
            NewPayment {
                invoice: Some(s1.clone()),
                ..NewPayment::default()
            },
        )
    });
    let voided = db.write(None, |w| invoices::void(w, &b1)).unwrap();
    check(&db);
    assert_eq!(voided.status, InvoiceStatus::Void);
    assert_eq!(voided.amount_due, Money::ZERO);
    assert_eq!(
        balance(&db, &budi),
        Money::ZERO,
        "the void posted the reversing credit"
    );
    let err = refused(&mut db, "invoice_void", |w| {
        payments::record(
            w,
            &budi,
            money("1000"),
            NewPayment {
                invoice: Some(b1.clone()),
                ..NewPayment::default()
            },
        )
    });
    assert!(err.to_string().contains("void"), "{err}");
    refused(&mut db, "already_void", |w| invoices::void(w, &b1));
}

#[test]
fn refund_reverses_with_new_entries_and_reopens_what_it_paid() {
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
    let inv1 = issue(&mut db, "2026-01-01").remove(0).number;
    let p = pay(&mut db, &budi, "180000", None);
    let inv2 = issue(&mut db, "2026-02-01").remove(0).number;
    assert_eq!(invoice(&db, &inv2).amount_allocated, money("30000"));
    let entries_before = balance::history(db.reader().unwrap(), &budi, &Default::default())
        .unwrap()
        .items;

    let refunded = db
        .write(None, |w| payments::refund(w, &p.local_id.to_string()))
        .unwrap();
    check(&db);
    assert_eq!(refunded.status, PaymentStatus::Refunded);
    assert!(refunded.allocations.is_empty());
    let entries = balance::history(db.reader().unwrap(), &budi, &Default::default())
        .unwrap()
        .items;
    assert_eq!(
        entries.len(),
        entries_before.len() + 1,
        "one new entry, nothing edited"
    );
    assert_eq!(entries[1..], entries_before[..]);
    assert_eq!(
        (entries[0].kind.as_str(), entries[0].amount),
        ("debit", money("180000"))
    );
    assert_eq!(balance(&db, &budi), money("-300000"));
    assert_eq!(invoice(&db, &inv1).status, InvoiceStatus::Unpaid);
    assert_eq!(invoice(&db, &inv2).status, InvoiceStatus::Unpaid);
    assert_eq!(invoice(&db, &inv2).amount_due, money("300000"));
    let c = customers::get(db.reader().unwrap(), &budi).unwrap();
    assert_eq!(c.total_spent, Money::ZERO);

    let err = refused(&mut db, "already_refunded", |w| payments::refund(w, &p.id));
    assert_eq!(
        err.to_string(),
        format!("payment #{} is already refunded", p.local_id)
    );
}

#[test]
fn ledger_descriptions_name_payments_by_local_number() {
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
    let inv1 = issue(&mut db, "2026-01-01").remove(0).number;
    let p1 = pay(&mut db, &budi, "100000", None);
    let p2 = pay(&mut db, &budi, "80000", None);
    db.write(None, |w| payments::refund(w, &p1.id)).unwrap();
    check(&db);
    let descriptions: Vec<String> =
        balance::history(db.reader().unwrap(), &budi, &Default::default())
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.description)
            .collect();
    let (n1, n2) = (p1.local_id, p2.local_id);
    assert_eq!(
        descriptions[..4],
        [
            format!("Refund of payment #{n1} (cash)"),
            format!("Carried over from invoice {inv1}: Payment #{n2} (cash)"),
            format!("Payment #{n2} (cash)"),
            format!("Payment #{n1} (cash)"),
        ]
    );
    for p in [&p1, &p2] {
        assert!(
            descriptions.iter().all(|d| !d.contains(&p.id)),
            "{descriptions:?}"
        );
    }
}

#[test]
fn voiding_an_invoice_with_payments_needs_a_refund_first() {
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
    let inv1 = issue(&mut db, "2026-01-01").remove(0).number;
    let p = pay(&mut db, &budi, "50000", Some(&inv1));
    let err = refused(&mut db, "invoice_has_payments", |w| {
        invoices::void(w, &inv1)
    });
    assert!(err.to_string().contains("refund"), "{err}");
    db.write(None, |w| payments::refund(w, &p.id)).unwrap();
    check(&db);
    let v = db.write(None, |w| invoices::void(w, &inv1)).unwrap();
    check(&db);
    assert_eq!(v.status, InvoiceStatus::Void);
    assert_eq!(balance(&db, &budi), Money::ZERO);
}

#[test]
fn manual_credit_and_debit_take_part_in_allocation() {
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
    let inv1 = issue(&mut db, "2026-01-01").remove(0).number;

    // A manual credit pays the open invoice like a payment would.
    db.write(None, |w| {
        balance::credit(w, &budi, money("100000"), &EntryNote::new("goodwill"))
    })
    .unwrap();
    check(&db);
    assert_eq!(
        (
            invoice(&db, &inv1).status,
            invoice(&db, &inv1).amount_allocated
        ),
        (InvoiceStatus::Partial, money("100000"))
    );

    // A manual debit is a charge: the next payment pays the oldest charge first.
    db.write(None, |w| {
        balance::debit(w, &budi, money("20000"), &EntryNote::new("router fee"))
    })
    .unwrap();
    check(&db);
    pay(&mut db, &budi, "60000", None);
    assert_eq!(invoice(&db, &inv1).status, InvoiceStatus::Paid);
    assert_eq!(balance(&db, &budi), money("-10000"));

    // Voiding an invoice paid by manual credit alone is allowed; the credit goes
    // back to the customer's other charges and balance.
    let inv2 = issue(&mut db, "2026-02-01").remove(0).number;
    db.write(None, |w| {
        balance::credit(w, &budi, money("200000"), &EntryNote::new("prepaid"))
    })
    .unwrap();
    check(&db);
    assert_eq!(invoice(&db, &inv2).status, InvoiceStatus::Paid);
    db.write(None, |w| invoices::void(w, &inv2)).unwrap();
    check(&db);
    assert_eq!(balance(&db, &budi), money("190000"));
}

#[test]
fn issue_due_bills_every_period_up_to_the_date_once() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let siti = customer(&mut db, "Siti", "081298765432");
    let sub = subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-31",
    );
    subscription(
        &mut db,
        &siti,
        "siti-w",
        "25000",
        Cycle::Weekly,
        "2026-02-01",
    );
    subscription(&mut db, &siti, "siti-d", "5000", Cycle::Daily, "2026-02-27");

    let issued = issue(&mut db, "2026-03-01");
    let summary: Vec<(String, String)> = issued
        .iter()
        .map(|i| {
            (
                i.subscription_username.clone().unwrap(),
                i.period_start.to_string(),
            )
        })
        .collect();
    let expect = [
        ("budi", "2026-01-31"),
        ("siti-w", "2026-02-01"),
        ("siti-w", "2026-02-08"),
        ("siti-w", "2026-02-15"),
        ("siti-w", "2026-02-22"),
        ("siti-d", "2026-02-27"),
        ("budi", "2026-02-28"),
        ("siti-d", "2026-02-28"),
        ("siti-w", "2026-03-01"),
        ("siti-d", "2026-03-01"),
    ];
    assert_eq!(
        summary,
        expect.map(|(a, b)| (a.to_owned(), b.to_owned())),
        "oldest period first (ties: oldest subscription), month ends clamped"
    );
    let numbers: Vec<&str> = issued.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers[0], "INV-2026-000001");
    assert_eq!(numbers[9], "INV-2026-000010");
    assert!(
        issue(&mut db, "2026-03-01").is_empty(),
        "twice issues nothing new"
    );
    let s = subscriptions::get(db.reader().unwrap(), "budi").unwrap();
    assert_eq!(
        s.next_billing_date,
        date("2026-03-31"),
        "back to the 31st after February"
    );
    assert_eq!(s.id, sub.id);
    assert_eq!(
        invoice(&db, "INV-2026-000007").carried_from.unwrap(),
        ["INV-2026-000001"]
    );
    assert_eq!(invoice(&db, "inv-2026-000007").amount_due, money("300000"));
    assert_eq!(balance(&db, &budi), money("-300000"));
    assert_eq!(balance(&db, &siti), money("-140000"));

    // The prefix is a setting; the counter restarts each year.
    db.write(None, |w| settings::set(w, Key::InvoicePrefix, "tagih"))
        .unwrap();
    let next = issue(&mut db, "2026-03-02");
    assert_eq!(next[0].number, "TAGIH-2026-000011");
    let later = issue(&mut db, "2027-01-01");
    assert!(later.iter().any(|i| i.number == "TAGIH-2027-000001"));
    let err = db
        .write(None, |w| settings::set(w, Key::InvoicePrefix, "IN V"))
        .unwrap_err();
    assert_eq!(err.code(), "validation");
    let list = invoices::list(
        db.reader().unwrap(),
        &InvoiceQuery {
            customer: Some(budi.clone()),
            open_only: true,
            ..Default::default()
        },
    )
    .unwrap()
    .items;
    assert!(
        list.iter()
            .all(|i| i.customer_id == budi && i.status == InvoiceStatus::Unpaid)
    );
}

#[test]
fn subscription_rules() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let siti = customer(&mut db, "Siti", "081298765432");
    let s = db
        .write(None, |w| {
            subscriptions::add(w, "0812-3456-7890", new_sub("budi", money("75000")))
        })
        .unwrap();
    check(&db);
    assert_eq!(
        (s.cycle, s.status, s.next_billing_date),
        (
            Cycle::Monthly,
            SubscriptionStatus::Active,
            date("2026-01-15")
        )
    );
    assert_eq!(
        customers::get(db.reader().unwrap(), &budi)
            .unwrap()
            .subscription_count,
        1
    );

    // Username unique among live subscriptions.
    let err = refused(&mut db, "duplicate_username", |w| {
        subscriptions::add(w, &siti, new_sub("budi", money("1000")))
    });
    assert!(err.to_string().contains("budi"));
    refused(&mut db, "validation", |w| {
        subscriptions::add(w, &siti, new_sub("has space", money("1000")))
    });
    refused(&mut db, "validation", |w| {
        subscriptions::add(w, &siti, new_sub(&"u".repeat(65), money("1000")))
    });
    refused(&mut db, "validation", |w| {
        subscriptions::add(
            w,
            &siti,
            NewSubscription {
                profile: " ".into(),
                ..new_sub("siti", money("1000"))
            },
        )
    });

    // Blacklisted and deleted customers get no new subscription.
    db.write(None, |w| {
        customers::edit(
            w,
            &siti,
            CustomerPatch {
                status: Some(Status::Blacklisted),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let err = refused(&mut db, "customer_not_billable", |w| {
        subscriptions::add(w, &siti, new_sub("siti", money("1000")))
    });
    assert!(err.to_string().contains("blacklisted"), "{err}");
    db.write(None, |w| customers::delete(w, &siti)).unwrap();
    let err = refused(&mut db, "customer_not_billable", |w| {
        subscriptions::add(w, &siti, new_sub("siti", money("1000")))
    });
    assert!(err.to_string().contains("deleted"), "{err}");

    // Edit: logged field by field; a new cycle counts from the next billing date.
    let before_changes: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM change_log", [], |r| r.get(0))
        .unwrap();
    let e = db
        .write(None, |w| {
            subscriptions::edit(
                w,
                "budi",
                SubscriptionPatch {
                    price: Some(money("80000")),
                    cycle: Some(Cycle::Weekly),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    check(&db);
    assert_eq!((e.price, e.cycle), (money("80000"), Cycle::Weekly));
    let after_changes: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM change_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        after_changes,
        before_changes + 3,
        "price, cycle and the activity entry"
    );
    issue(&mut db, "2026-01-29");
    assert_eq!(
        subscriptions::get(db.reader().unwrap(), "budi")
            .unwrap()
            .next_billing_date,
        date("2026-02-05")
    );

    // Suspended: not billed; resumed: periods that started meanwhile are skipped.
    db.write(None, |w| subscriptions::suspend(w, "budi"))
        .unwrap();
    check(&db);
    assert!(issue(&mut db, "2026-03-01").is_empty());
    refused(&mut db, "conflict", |w| subscriptions::suspend(w, "budi"));
    let r = db
        .write(None, |w| {
            subscriptions::resume(w, "budi", date("2026-03-01"))
        })
        .unwrap();
    check(&db);
    assert_eq!(
        (r.status, r.next_billing_date),
        (SubscriptionStatus::Active, date("2026-03-05"))
    );
    refused(&mut db, "conflict", |w| {
        subscriptions::resume(w, "budi", date("2026-03-01"))
    });

    // Cancel: frees the username and leaves the count.
    db.write(None, |w| subscriptions::cancel(w, &s.id)).unwrap();
    check(&db);
    assert_eq!(
        customers::get(db.reader().unwrap(), &budi)
            .unwrap()
            .subscription_count,
        0
    );
    assert!(issue(&mut db, "2026-12-31").is_empty());
    refused(&mut db, "conflict", |w| subscriptions::cancel(w, "budi"));
    refused(&mut db, "conflict", |w| {
        subscriptions::edit(w, "budi", SubscriptionPatch::default())
    });
    let again = db
        .write(None, |w| {
            subscriptions::add(w, &budi, new_sub("budi", money("1000")))
        })
        .unwrap();
    check(&db);
    assert_eq!(
        subscriptions::get(db.reader().unwrap(), "budi").unwrap().id,
        again.id,
        "the live one wins"
    );
    let live = subscriptions::list(
        db.reader().unwrap(),
        &SubscriptionQuery {
            customer: Some(budi.clone()),
            ..Default::default()
        },
    )
    .unwrap()
    .items;
    assert_eq!(live.len(), 1);
    let all = subscriptions::list(
        db.reader().unwrap(),
        &SubscriptionQuery {
            customer: Some(budi.clone()),
            include_cancelled: true,
            ..Default::default()
        },
    )
    .unwrap()
    .items;
    assert_eq!(all.len(), 2);
}

#[test]
fn vouchers_with_and_without_a_customer() {
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
    issue(&mut db, "2026-01-01");
    let v = |code: &str| NewVoucher {
        code: code.into(),
        profile: "1 hari".into(),
        price: money("5000"),
    };
    db.write(None, |w| vouchers::add(w, v("ABC123"))).unwrap();
    db.write(None, |w| vouchers::add(w, v("XYZ789"))).unwrap();
    refused(&mut db, "duplicate_voucher", |w| {
        vouchers::add(w, v("abc123"))
    });
    refused(&mut db, "validation", |w| vouchers::add(w, v("A B")));

    // Over the counter: the sale only.
    let sold = db
        .write(None, |w| {
            vouchers::sell(w, "xyz789", SellVoucher::default())
        })
        .unwrap();
    check(&db);
    assert_eq!(
        (
            sold.status,
            sold.customer_id.clone(),
            sold.payment_id.clone()
        ),
        (VoucherStatus::Sold, None, None)
    );
    refused(&mut db, "voucher_sold", |w| {
        vouchers::sell(w, "XYZ789", SellVoucher::default())
    });

    // To a customer in debt: a paid voucher invoice and its payment; the debt stays.
    let sold = db
        .write(None, |w| {
            vouchers::sell(
                w,
                "ABC123",
                SellVoucher {
                    customer: Some(budi.clone()),
                    method: Some(PaymentMethod::EWallet),
                    reference: Some("DANA 123".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    check(&db);
    assert_eq!(sold.customer_id.as_deref(), Some(budi.as_str()));
    let inv = invoice(&db, sold.invoice_number.as_deref().unwrap());
    assert_eq!(
        (inv.status, inv.voucher_code.as_deref()),
        (InvoiceStatus::Paid, Some("ABC123"))
    );
    assert_eq!(balance(&db, &budi), money("-150000"));
    let p = payments::get(db.reader().unwrap(), sold.payment_id.as_deref().unwrap()).unwrap();
    assert_eq!(
        (p.method, p.amount),
        (PaymentMethod::EWallet, money("5000"))
    );
    let c = customers::get(db.reader().unwrap(), &budi).unwrap();
    assert_eq!(c.total_spent, money("5000"));
    assert_eq!(
        vouchers::list(
            db.reader().unwrap(),
            &VoucherQuery {
                status: Some(VoucherStatus::Sold),
                ..Default::default()
            }
        )
        .unwrap()
        .items
        .len(),
        2
    );
    assert_eq!(
        payments::list(
            db.reader().unwrap(),
            &PaymentQuery {
                customer: Some(budi.clone()),
                ..Default::default()
            }
        )
        .unwrap()
        .items
        .len(),
        1
    );
}

#[test]
fn a_voucher_sold_to_a_customer_with_credit_is_paid_by_its_own_payment() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    pay(&mut db, &budi, "50000", None);
    db.write(None, |w| {
        vouchers::add(
            w,
            NewVoucher {
                code: "V1".into(),
                profile: "1h".into(),
                price: money("5000"),
            },
        )
    })
    .unwrap();
    let sold = db
        .write(None, |w| {
            vouchers::sell(
                w,
                "V1",
                SellVoucher {
                    customer: Some(budi.clone()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    check(&db);
    let p = payments::get(db.reader().unwrap(), sold.payment_id.as_deref().unwrap()).unwrap();
    assert_eq!(p.allocations.len(), 1);
    assert_eq!(
        p.allocations[0].invoice_number,
        sold.invoice_number.clone().unwrap()
    );
    assert_eq!(
        balance(&db, &budi),
        money("50000"),
        "the prepaid credit is untouched"
    );
}

type Step = Box<dyn Fn(&mut Write<'_>) -> Result<()>>;

#[test]
fn every_mutation_writes_change_log_and_activity() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let count = |db: &Db, sql: &str| -> i64 { db.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    let mut steps: Vec<(&str, Step)> = Vec::new();
    let b = budi.clone();
    steps.push((
        "subscription add",
        Box::new(move |w| subscriptions::add(w, &b, new_sub("budi", money("1000"))).map(drop)),
    ));
    steps.push((
        "issue",
        Box::new(|w| invoices::issue_due(w, date("2026-01-15")).map(drop)),
    ));
    let b = budi.clone();
    steps.push((
        "pay",
        Box::new(move |w| payments::record(w, &b, money("3000"), NewPayment::default()).map(drop)),
    ));
    steps.push(("refund", Box::new(|w| payments::refund(w, "1").map(drop))));
    steps.push((
        "void",
        Box::new(|w| invoices::void(w, "INV-2026-000001").map(drop)),
    ));
    steps.push((
        "suspend",
        Box::new(|w| subscriptions::suspend(w, "budi").map(drop)),
    ));
    steps.push((
        "resume",
        Box::new(|w| subscriptions::resume(w, "budi", date("2026-01-01")).map(drop)),
    ));
    steps.push((
        "cancel",
        Box::new(|w| subscriptions::cancel(w, "budi").map(drop)),
    ));
    let b = budi.clone();
    steps.push((
        "voucher",
        Box::new(move |w| {
            vouchers::add(
                w,
                NewVoucher {
                    code: "V".into(),
                    profile: "p".into(),
                    price: money("1"),
                },
            )?;
            vouchers::sell(
                w,
                "V",
                SellVoucher {
                    customer: Some(b.clone()),
                    ..Default::default()
                },
            )
            .map(drop)
        }),
    ));
    for (name, step) in steps {
        let (changes, activity) = (
            count(&db, "SELECT count(*) FROM change_log"),
            count(&db, "SELECT count(*) FROM customer_activity_log"),
        );
        db.write(None, |w| step(w)).unwrap();
        check(&db);
        assert!(
            count(&db, "SELECT count(*) FROM change_log") > changes,
            "{name}: no change log"
        );
        assert!(
            count(&db, "SELECT count(*) FROM customer_activity_log") > activity,
            "{name}: no activity"
        );
    }
    // Every billing row is in the change log under its uuid.
    for (table, entity) in [
        ("subscriptions", "subscription"),
        ("invoices", "invoice"),
        ("payments", "payment"),
        ("vouchers", "voucher"),
    ] {
        let missing = count(
            &db,
            &format!(
                "SELECT count(*) FROM {table} t WHERE NOT EXISTS
                   (SELECT 1 FROM change_log c WHERE c.entity = '{entity}' AND c.entity_id = t.uuid AND c.op = 'insert')"
            ),
        );
        assert_eq!(
            missing, 0,
            "{table} rows without an insert in the change log"
        );
        let not_v7 = count(
            &db,
            &format!("SELECT count(*) FROM {table} WHERE substr(uuid, 15, 1) != '7'"),
        );
        assert_eq!(not_v7, 0, "{table}: uuids are v7");
    }
}

/// Every billing list pages by its keyset cursor: page after page of `limit`
/// rows gives every row once, in the list's order, and the last page has no
/// `next`. No limit is one page of every row; a bad cursor is refused.
#[test]
fn billing_lists_page_by_their_cursor() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    for k in 0..5 {
        db.write(None, |w| {
            subscriptions::add(w, &budi, new_sub(&format!("budi{k}"), money("1000")))
        })
        .unwrap();
        db.write(None, |w| {
            vouchers::add(
                w,
                NewVoucher {
                    code: format!("V{k}"),
                    profile: "1h".into(),
                    price: money("500"),
                },
            )
        })
        .unwrap();
    }
    issue(&mut db, "2026-01-15");
    for _ in 0..5 {
        pay(&mut db, &budi, "700", None);
    }

    /// Reads every page of 2, checking that it adds up to the one page of all.
    fn pages<T: Clone + PartialEq + std::fmt::Debug>(
        mut read: impl FnMut(Option<u32>, Option<String>) -> pelanggan_core::page::Page<T>,
    ) {
        let all = read(None, None);
        assert_eq!((all.items.len(), all.next.as_deref()), (5, None));
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = read(Some(2), after.take());
            assert!(page.items.len() <= 2);
            walked.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(walked, all.items);
    }
    pages(|limit, after| {
        invoices::list(
            db.reader().unwrap(),
            &InvoiceQuery {
                limit,
                after,
                ..Default::default()
            },
        )
        .unwrap()
    });
    pages(|limit, after| {
        payments::list(
            db.reader().unwrap(),
            &PaymentQuery {
                limit,
                after,
                ..Default::default()
            },
        )
        .unwrap()
    });
    pages(|limit, after| {
        vouchers::list(
            db.reader().unwrap(),
            &VoucherQuery {
                limit,
                after,
                ..Default::default()
            },
        )
        .unwrap()
    });
    pages(|limit, after| {
        let query = SubscriptionQuery {
            limit,
            after,
            ..Default::default()
        };
        subscriptions::list(db.reader().unwrap(), &query).unwrap()
    });
    // Subscriptions are oldest first, the others newest first.
    let subs = subscriptions::list(db.reader().unwrap(), &SubscriptionQuery::default()).unwrap();
    assert_eq!(subs.items[0].username, "budi0");
    let bad = InvoiceQuery {
        after: Some("nope".into()),
        ..Default::default()
    };
    assert_eq!(
        invoices::list(db.reader().unwrap(), &bad)
            .unwrap_err()
            .field(),
        Some("after")
    );
}

/// The billing inputs read from JSON as the app sends them: money as text,
/// names forgivingly, optional parts left out.
#[test]
fn billing_inputs_deserialise() {
    let sub: NewSubscription = serde_json::from_value(serde_json::json!({
        "type": "pppoe", "username": "budi", "profile": "10M", "price": "150000",
        "start": "2026-01-15",
    }))
    .unwrap();
    assert_eq!(
        (sub.kind, sub.price, sub.cycle),
        (ServiceType::Pppoe, money("150000"), None)
    );
    let payment: NewPayment =
        serde_json::from_value(serde_json::json!({"method": "transfer"})).unwrap();
    assert_eq!(payment.method, Some(PaymentMethod::BankTransfer));
    let query: InvoiceQuery =
        serde_json::from_value(serde_json::json!({"open_only": true, "limit": 20})).unwrap();
    assert!(query.open_only && query.limit == Some(20) && query.after.is_none());
    let sell: SellVoucher = serde_json::from_value(serde_json::json!({})).unwrap();
    assert!(sell.customer.is_none());
    let bad = serde_json::from_value::<NewVoucher>(
        serde_json::json!({"code": "V1", "profile": "1h", "price": "lots"}),
    );
    assert!(bad.is_err());
}
