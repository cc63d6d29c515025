//! Random sequences of issue / pay / overpay / refund / void / manual
//! adjustment across several customers; after every step every invariant
//! holds, a refused step leaves the file as it was, and each customer's
//! balance equals an independent model of what the steps should have done.

mod billing_support;

use std::collections::HashMap;

use billing_support::{balance, check, customer, date, fingerprint, shop, subscription};
use chrono::Days;
use pelanggan_core::balance;
use pelanggan_core::billing::invoices::{self, InvoiceQuery, InvoiceStatus};
use pelanggan_core::billing::payments::{self, NewPayment, PaymentQuery, PaymentStatus};
use pelanggan_core::billing::subscriptions::Cycle;
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::{Db, Money};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// Moves the clock on by this many days and issues what is due.
    Issue(u64),
    Pay {
        customer: usize,
        amount: i64,
        named: Option<usize>,
    },
    /// Pays what the customer owes plus `extra`.
    Overpay {
        customer: usize,
        extra: i64,
    },
    Refund(usize),
    Void(usize),
    Manual {
        customer: usize,
        credit: bool,
        amount: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let amount = prop_oneof![1i64..=30_000_000, (1i64..=3000).prop_map(|k| k * 10_000)];
    prop_oneof![
        3 => (1u64..=12).prop_map(Op::Issue),
        3 => (0usize..3, amount.clone(), proptest::option::of(0usize..40))
            .prop_map(|(customer, amount, named)| Op::Pay { customer, amount, named }),
        2 => (0usize..3, 0i64..=5_000_000).prop_map(|(customer, extra)| Op::Overpay { customer, extra }),
        2 => (0usize..40).prop_map(Op::Refund),
        1 => (0usize..40).prop_map(Op::Void),
        1 => (0usize..3, any::<bool>(), amount)
            .prop_map(|(customer, credit, amount)| Op::Manual { customer, credit, amount }),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    db: Db,
    customers: Vec<String>,
    /// The balance each customer should have, from the steps alone.
    model: HashMap<String, i64>,
    today: chrono::NaiveDate,
}

fn world() -> World {
    let (dir, mut db) = shop();
    let customers = vec![
        customer(&mut db, "Budi", "081234567890"),
        customer(&mut db, "Siti", "081298765432"),
        customer(&mut db, "Agus", "081311112222"),
    ];
    subscription(
        &mut db,
        &customers[0],
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    subscription(
        &mut db,
        &customers[1],
        "siti",
        "50000",
        Cycle::Weekly,
        "2026-01-03",
    );
    subscription(
        &mut db,
        &customers[1],
        "siti-2",
        "7500.50",
        Cycle::Daily,
        "2026-01-10",
    );
    subscription(
        &mut db,
        &customers[2],
        "agus",
        "10000",
        Cycle::Daily,
        "2026-01-05",
    );
    let model = customers.iter().map(|c| (c.clone(), 0)).collect();
    World {
        _dir: dir,
        db,
        customers,
        model,
        today: date("2025-12-31"),
    }
}

fn all_invoices(db: &Db) -> Vec<invoices::Invoice> {
    let mut v = invoices::list(db.reader().unwrap(), &InvoiceQuery::default())
        .unwrap()
        .items;
    v.reverse();
    v
}

fn all_payments(db: &Db) -> Vec<payments::Payment> {
    let mut v = payments::list(db.reader().unwrap(), &PaymentQuery::default())
        .unwrap()
        .items;
    v.reverse();
    v
}

/// Runs one step; returns the error code when the core refused it.
fn step(w: &mut World, op: &Op) -> Option<&'static str> {
    let invoices = all_invoices(&w.db);
    let payments = all_payments(&w.db);
    let before = fingerprint(&w.db);
    let result: Result<(), pelanggan_core::Error> = match op {
        Op::Issue(days) => {
            w.today = w.today.checked_add_days(Days::new(*days)).unwrap();
            let today = w.today;
            w.db.write(None, |tx| invoices::issue_due(tx, today))
                .map(|issued| {
                    for i in issued {
                        *w.model.get_mut(&i.customer_id).unwrap() -= i.total.minor();
                    }
                })
        }
        Op::Pay {
            customer,
            amount,
            named,
        } => {
            let who = w.customers[*customer].clone();
            let named = named
                .and_then(|n| invoices.get(n))
                .map(|i| i.number.clone());
            w.db.write(None, |tx| {
                payments::record(
                    tx,
                    &who,
                    Money::from_minor(*amount),
                    NewPayment {
                        invoice: named,
                        ..NewPayment::default()
                    },
                )
            })
            .map(|_| *w.model.get_mut(&who).unwrap() += amount)
        }
        Op::Overpay { customer, extra } => {
            let who = w.customers[*customer].clone();
            let amount = (-balance(&w.db, &who).minor()).max(0) + extra;
            w.db.write(None, |tx| {
                payments::record(tx, &who, Money::from_minor(amount), NewPayment::default())
            })
            .map(|_| *w.model.get_mut(&who).unwrap() += amount)
        }
        Op::Refund(n) => match payments.get(*n) {
            None => return None,
            Some(p) => {
                w.db.write(None, |tx| payments::refund(tx, &p.id))
                    .map(|_| *w.model.get_mut(&p.customer_id).unwrap() -= p.amount.minor())
            }
        },
        Op::Void(n) => match invoices.get(*n) {
            None => return None,
            Some(i) => {
                w.db.write(None, |tx| invoices::void(tx, &i.number))
                    .map(|_| *w.model.get_mut(&i.customer_id).unwrap() += i.total.minor())
            }
        },
        Op::Manual {
            customer,
            credit,
            amount,
        } => {
            let who = w.customers[*customer].clone();
            let note = EntryNote::new("manual adjustment");
            let m = Money::from_minor(*amount);
            w.db.write(None, |tx| {
                if *credit {
                    balance::credit(tx, &who, m, &note)
                } else {
                    balance::debit(tx, &who, m, &note)
                }
            })
            .map(|_| *w.model.get_mut(&who).unwrap() += if *credit { *amount } else { -*amount })
        }
    };
    match result {
        Ok(()) => None,
        Err(e) => {
            assert!(
                before == fingerprint(&w.db),
                "{op:?} was refused ({e}) but changed the file"
            );
            // Only the refusals the rules call for.
            match op {
                Op::Pay {
                    named: Some(n),
                    customer,
                    ..
                } => {
                    // Another customer's invoice is refused first, void or not.
                    let i = &invoices[*n];
                    if i.customer_id != w.customers[*customer] {
                        assert_eq!(e.code(), "conflict", "{op:?}: {e}");
                    } else {
                        assert_eq!(i.status, InvoiceStatus::Void, "{op:?}: {e}");
                        assert_eq!(e.code(), "invoice_void", "{op:?}: {e}");
                    }
                }
                Op::Refund(n) => {
                    assert_eq!(payments[*n].status, PaymentStatus::Refunded, "{e}");
                    assert_eq!(e.code(), "already_refunded", "{op:?}: {e}");
                }
                Op::Void(n) => {
                    let i = &invoices[*n];
                    let paid_by_payment = payments
                        .iter()
                        .any(|p| p.allocations.iter().any(|a| a.invoice_number == i.number));
                    let expected = if i.status == InvoiceStatus::Void {
                        "already_void"
                    } else {
                        assert!(paid_by_payment, "{op:?}: {e}");
                        "invoice_has_payments"
                    };
                    assert_eq!(e.code(), expected, "{op:?}: {e}");
                }
                _ => panic!("{op:?} refused: {e}"),
            }
            Some(e.code().as_str())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(ops in proptest::collection::vec(op(), 1..32)) {
        let mut w = world();
        check(&w.db);
        for op in &ops {
            step(&mut w, op);
            check(&w.db);
            for c in &w.customers {
                prop_assert_eq!(balance(&w.db, c).minor(), w.model[c], "{:?}", op);
            }
            // The newest invoice of each subscription shows what is owed on it.
            for i in all_invoices(&w.db) {
                prop_assert!(i.amount_allocated >= Money::ZERO && i.amount_allocated <= i.total);
                prop_assert!(i.amount_due >= i.amount_unpaid);
            }
        }
    }
}
