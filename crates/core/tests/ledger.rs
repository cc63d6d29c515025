//! The balance ledger: credits and debits, positive amounts, overflow, the
//! previous/new balance chain, history filters, and the database refusing to
//! change or remove ledger rows.

mod common;

use common::*;
use pelanggan_core::Money;
use pelanggan_core::balance;
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::ledger::{self, EntryKind, EntryNote, HistoryQuery};

fn money(text: &str) -> Money {
    Money::parse("amount", text).unwrap()
}

fn history(
    db: &pelanggan_core::Db,
    reference: &str,
    query: &HistoryQuery,
) -> Vec<ledger::LedgerEntry> {
    balance::history(db.reader().unwrap(), reference, query)
        .unwrap()
        .items
}

#[test]
fn credit_and_debit_move_the_balance_and_chain_entries() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    let e1 = db
        .write(Some("admin"), |w| {
            balance::credit(w, &c.id, money("150000"), &EntryNote::new("top up"))
        })
        .unwrap();
    assert_eq!(
        (e1.kind, e1.previous_balance, e1.new_balance),
        (EntryKind::Credit, Money::ZERO, money("150000"))
    );
    assert_eq!(e1.created_by, "admin");
    assert_eq!(e1.customer_id, c.id);
    let e2 = db
        .write(None, |w| {
            balance::debit(
                w,
                WA1,
                money("200000.50"),
                &EntryNote::new("invoice").with_reference("invoice", "INV-2026-000001"),
            )
        })
        .unwrap();
    assert_eq!(e2.kind, EntryKind::Debit);
    assert_eq!(e2.previous_balance, money("150000"));
    assert_eq!(e2.new_balance, money("-50000.50"));
    assert_eq!(e2.reference_type.as_deref(), Some("invoice"));
    assert_eq!(e2.reference_id.as_deref(), Some("INV-2026-000001"));
    let e3 = db
        .write(None, |w| {
            balance::credit(w, &c.id, money("0.50"), &EntryNote::new("cash"))
        })
        .unwrap();
    assert_eq!(e3.new_balance, money("-50000.00"));

    let c = get(&db, &c.id);
    assert_eq!(c.balance.to_string(), "-50000.00");
    assert_eq!(
        ledger::ledger_sum(db.reader().unwrap(), c.local_id).unwrap(),
        c.balance
    );
    // Newest first, exactly as posted.
    assert_eq!(
        history(&db, &c.id, &HistoryQuery::default()),
        vec![e3, e2, e1]
    );
    assert_ledger_invariant(db.reader().unwrap());
}

#[test]
fn amounts_must_be_positive() {
    for text in ["0", "0.00", "-5", "-0.01"] {
        let err = Money::parse_positive("amount", text).unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.field()),
            ("invalid_amount", Some("amount")),
            "{text}"
        );
    }
    for text in ["abc", "0.500", "1.50.000", "1e5", "1000.005", ""] {
        assert_eq!(
            Money::parse_positive("amount", text).unwrap_err().code(),
            "invalid_amount",
            "{text}"
        );
    }
    assert_eq!(
        Money::parse_positive("amount", "1000000000000")
            .unwrap_err()
            .code(),
        "overflow"
    );

    // The ledger itself refuses zero and negative amounts, whatever the caller built.
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    for minor in [0, -1, -10_000] {
        let amount = Money::from_minor(minor);
        refused_unchanged(&mut db, "invalid_amount", Some("amount"), |db| {
            db.write(None, |w| {
                balance::credit(w, &c.id, amount, &EntryNote::new("x"))
            })
        });
        refused_unchanged(&mut db, "invalid_amount", Some("amount"), |db| {
            db.write(None, |w| {
                balance::debit(w, &c.id, amount, &EntryNote::new("x"))
            })
        });
        // `ledger::post` (crate-private) refuses a carry-over the same way:
        // see the unit test `posting_refuses_non_positive_amounts` in ledger.rs.
    }
}

#[test]
fn overflow_is_refused_never_wrapped() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    let max = Money::from_minor(Money::MAX.minor());
    let e = db
        .write(None, |w| {
            balance::credit(w, &c.id, max, &EntryNote::new("max"))
        })
        .unwrap();
    assert_eq!(e.new_balance, max);
    let id = c.id.clone();
    refused_unchanged(&mut db, "overflow", Some("amount"), |db| {
        db.write(None, |w| {
            balance::credit(
                w,
                &id,
                Money::from_minor(1),
                &EntryNote::new("one cent too many"),
            )
        })
    });
    // Down to -MAX is fine, one cent further is not.
    db.write(None, |w| {
        balance::debit(w, &id, max, &EntryNote::new("back to zero"))
    })
    .unwrap();
    db.write(None, |w| {
        balance::debit(w, &id, max, &EntryNote::new("max debt"))
    })
    .unwrap();
    refused_unchanged(&mut db, "overflow", Some("amount"), |db| {
        db.write(None, |w| {
            balance::debit(w, &id, Money::from_minor(1), &EntryNote::new("x"))
        })
    });
    // An amount past the limit is refused where it is typed.
    assert_eq!(
        Money::parse_positive("amount", "1000000000000.00")
            .unwrap_err()
            .code(),
        "overflow"
    );
    assert_eq!(
        get(&db, &id).balance,
        Money::from_minor(-Money::MAX.minor())
    );
    assert_ledger_invariant(db.reader().unwrap());
}

#[test]
fn notes_are_validated() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    let one = money("1");
    let cases: Vec<(&str, EntryNote)> = vec![
        ("description", EntryNote::new("")),
        ("description", EntryNote::new("   ")),
        ("description", EntryNote::new("d".repeat(501))),
        (
            "reference_id",
            EntryNote {
                reference_type: Some("invoice".into()),
                ..EntryNote::new("x")
            },
        ),
        (
            "reference_id",
            EntryNote {
                reference_id: Some("INV-1".into()),
                ..EntryNote::new("x")
            },
        ),
        (
            "reference_type",
            EntryNote::new("x").with_reference("t".repeat(51), "1"),
        ),
        (
            "reference_id",
            EntryNote::new("x").with_reference("invoice", "i".repeat(101)),
        ),
    ];
    for (field, note) in cases {
        refused_unchanged(&mut db, "validation", Some(field), |db| {
            db.write(None, |w| balance::credit(w, &c.id, one, &note))
        });
    }
}

#[test]
fn unknown_customer_is_not_found() {
    let (_dir, mut db) = open();
    add(&mut db, "Budi", WA1);
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| {
            balance::credit(w, WA2, money("1"), &EntryNote::new("x"))
        })
    });
    let err = balance::history(db.reader().unwrap(), WA2, &HistoryQuery::default()).unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[test]
fn history_filters_by_type_dates_and_limit() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    let other = add(&mut db, "Siti", WA2);
    for (i, kind) in ["credit", "debit", "credit", "credit", "debit"]
        .iter()
        .enumerate()
    {
        let amount = Money::from_minor(100 * (i as i64 + 1));
        db.write(None, |w| {
            if *kind == "credit" {
                balance::credit(w, &c.id, amount, &EntryNote::new(format!("e{i}")))
            } else {
                balance::debit(w, &c.id, amount, &EntryNote::new(format!("e{i}")))
            }
        })
        .unwrap();
    }
    db.write(None, |w| {
        balance::credit(w, &other.id, money("7"), &EntryNote::new("other"))
    })
    .unwrap();

    let all = history(&db, &c.id, &HistoryQuery::default());
    assert_eq!(
        all.iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["e4", "e3", "e2", "e1", "e0"]
    );

    let credits = history(
        &db,
        &c.id,
        &HistoryQuery {
            kind: Some(EntryKind::Credit),
            ..Default::default()
        },
    );
    assert_eq!(
        credits
            .iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["e3", "e2", "e0"]
    );
    let debits = history(
        &db,
        &c.id,
        &HistoryQuery {
            kind: Some(EntryKind::Debit),
            ..Default::default()
        },
    );
    assert_eq!(debits.len(), 2);
    assert!(
        history(
            &db,
            &c.id,
            &HistoryQuery {
                kind: Some(EntryKind::CarryOver),
                ..Default::default()
            }
        )
        .is_empty()
    );

    let limited = history(
        &db,
        &c.id,
        &HistoryQuery {
            limit: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(
        limited
            .iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["e4", "e3"]
    );

    // Dates are inclusive days of the shop's time zone: the day of the
    // entries finds them all.
    let zone = db.reader().unwrap().zone();
    let local_day = |at: &str| zone.date_of(at.parse().unwrap());
    let day = local_day(&all[0].created_at);
    let first_day = local_day(&all[4].created_at);
    let on_the_day = HistoryQuery {
        from: Some(first_day),
        to: Some(day),
        ..Default::default()
    };
    assert_eq!(history(&db, &c.id, &on_the_day).len(), 5);
    let next = day.succ_opt().unwrap();
    let before = first_day.pred_opt().unwrap();
    assert!(
        history(
            &db,
            &c.id,
            &HistoryQuery {
                from: Some(next),
                ..Default::default()
            }
        )
        .is_empty()
    );
    assert!(
        history(
            &db,
            &c.id,
            &HistoryQuery {
                to: Some(before),
                ..Default::default()
            }
        )
        .is_empty()
    );
    assert_eq!(
        history(
            &db,
            &c.id,
            &HistoryQuery {
                from: Some(before),
                ..Default::default()
            }
        )
        .len(),
        5
    );
    assert_eq!(
        history(
            &db,
            &c.id,
            &HistoryQuery {
                to: Some(next),
                ..Default::default()
            }
        )
        .len(),
        5
    );
    let combined = HistoryQuery {
        kind: Some(EntryKind::Debit),
        from: Some(first_day),
        to: Some(day),
        limit: Some(1),
        after: None,
    };
    assert_eq!(
        history(&db, &c.id, &combined)
            .iter()
            .map(|e| e.description.as_str())
            .collect::<Vec<_>>(),
        ["e4"]
    );

    let err = balance::history(
        db.reader().unwrap(),
        &c.id,
        &HistoryQuery {
            from: Some(next),
            to: Some(day),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.field()),
        ("validation", Some("from"))
    );
}

#[test]
fn the_database_refuses_update_and_delete_of_ledger_rows() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    db.write(None, |w| {
        balance::credit(w, &c.id, money("100"), &EntryNote::new("x"))
    })
    .unwrap();
    let before = snapshot(&db);
    for sql in [
        "UPDATE customer_balance_history SET amount = 1",
        "UPDATE customer_balance_history SET description = 'edited'",
        "DELETE FROM customer_balance_history",
        "UPDATE customer_balance_history SET customer_id = customer_id + 1",
    ] {
        let err = common::raw(&db).execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // While a merge lists the customer (V17), the owner may change, nothing else.
    {
        let raw = common::raw(&db);
        raw.execute_batch("BEGIN; INSERT INTO customer_merging SELECT id FROM customers;")
            .unwrap();
        let err = raw
            .execute(
                "UPDATE customer_balance_history SET customer_id = customer_id, amount = 1",
                [],
            )
            .expect_err("amount during a merge");
        assert!(err.to_string().contains("append-only"), "{err}");
        raw.execute(
            "UPDATE customer_balance_history SET customer_id = customer_id",
            [],
        )
        .unwrap();
        raw.execute_batch("ROLLBACK").unwrap();
    }
    // Even inside a write transaction of the core.
    let err = db
        .write(None, |w| {
            w.reader()
                .conn()
                .execute("DELETE FROM customer_balance_history", [])?;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err.code(), "database");
    // An entry whose balances do not add up is refused too.
    let err = common::raw(&db)
        .execute(
            "INSERT INTO customer_balance_history (uuid, customer_id, type, amount, previous_balance,
                 new_balance, description, created_at, created_by)
             VALUES ('x', ?1, 'credit', 100, 0, 999, 'forged', '2026-01-01T00:00:00.000Z', 'admin')",
            [c.local_id],
        )
        .unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
    assert_eq!(snapshot(&db), before);
}

#[test]
fn initial_balance_is_the_first_entry_of_the_chain() {
    let (_dir, mut db) = open();
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: "Budi".into(),
                    whatsapp: WA1.into(),
                    initial_balance: Some(money("50000")),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    db.write(None, |w| {
        balance::debit(w, &c.id, money("80000"), &EntryNote::new("invoice"))
    })
    .unwrap();
    let entries = history(&db, &c.id, &HistoryQuery::default());
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].description, "Initial balance");
    assert_eq!(
        (entries[1].previous_balance, entries[1].new_balance),
        (Money::ZERO, money("50000"))
    );
    assert_eq!(
        (entries[0].previous_balance, entries[0].new_balance),
        (money("50000"), money("-30000"))
    );
    assert_eq!(get(&db, &c.id).balance, money("-30000"));
    assert_ledger_invariant(db.reader().unwrap());
}

/// The history is paged newest first by an id cursor: the pages join up
/// without gaps or repeats, with and without a filter, and a bad cursor or
/// limit is refused on its field.
#[test]
fn history_pages_follow_the_cursor() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    for i in 1..=7 {
        db.write(None, |w| {
            let note = EntryNote::new(format!("e{i}"));
            if i % 2 == 0 {
                balance::debit(w, &c.id, money("1000"), &note)
            } else {
                balance::credit(w, &c.id, money("1000"), &note)
            }
        })
        .unwrap();
    }
    let walk = |kind: Option<EntryKind>| {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = balance::history(
                db.reader().unwrap(),
                &c.id,
                &HistoryQuery {
                    kind,
                    limit: Some(3),
                    after: after.clone(),
                    ..HistoryQuery::default()
                },
            )
            .unwrap();
            assert!(page.items.len() <= 3);
            seen.extend(page.items.into_iter().map(|e| e.description));
            match page.next {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    };
    assert_eq!(walk(None), ["e7", "e6", "e5", "e4", "e3", "e2", "e1"]);
    assert_eq!(walk(Some(EntryKind::Debit)), ["e6", "e4", "e2"]);
    // A last page that is exactly full says so with no cursor only when no row is left.
    let all = balance::history(
        db.reader().unwrap(),
        &c.id,
        &HistoryQuery {
            limit: Some(7),
            ..HistoryQuery::default()
        },
    )
    .unwrap();
    assert_eq!((all.items.len(), all.next), (7, None));
    let err = balance::history(
        db.reader().unwrap(),
        &c.id,
        &HistoryQuery {
            limit: Some(3),
            after: Some("x".to_owned()),
            ..HistoryQuery::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("after"));
    // A limit of 0 is an empty page, as the history always gave.
    let none = balance::history(
        db.reader().unwrap(),
        &c.id,
        &HistoryQuery {
            limit: Some(0),
            ..HistoryQuery::default()
        },
    )
    .unwrap();
    assert_eq!((none.items.len(), none.next), (0, None));
}
