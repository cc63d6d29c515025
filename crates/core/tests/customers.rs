//! Customer rules: WhatsApp required, unique and normalised; field validation;
//! status, soft delete and restore; listing and references. Every refusal is
//! checked for its stable code and for leaving the database untouched.

mod common;

use common::*;
use pelanggan_core::Money;
use pelanggan_core::customers::{self, CustomerPatch, ListQuery, NewCustomer, Status};
use pelanggan_core::error::Error;
use pelanggan_core::tags::TagInput;

fn new(name: &str, whatsapp: &str) -> NewCustomer {
    NewCustomer {
        name: name.into(),
        whatsapp: whatsapp.into(),
        ..Default::default()
    }
}

fn patch() -> CustomerPatch {
    CustomerPatch::default()
}

#[test]
fn add_stores_whatsapp_in_e164_and_every_field() {
    let (_dir, mut db) = open();
    let c = db
        .write(Some("admin"), |w| {
            customers::add(
                w,
                NewCustomer {
                    name: "  Budi Santoso ".into(),
                    whatsapp: "0812-3456-7890".into(),
                    email: Some("budi@example.co.id".into()),
                    phone: Some("(021) 5795 1234".into()),
                    address: Some("Jl. Merdeka 5, Bandung".into()),
                    notes: Some("pelanggan lama".into()),
                    status: Some(Status::Inactive),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(c.name, "Budi Santoso");
    assert_eq!(c.whatsapp.as_str(), WA1_E164);
    assert_eq!(c.email.as_deref(), Some("budi@example.co.id"));
    assert_eq!(c.phone.as_ref().map(|p| p.as_str()), Some("+622157951234"));
    assert_eq!(c.address.as_deref(), Some("Jl. Merdeka 5, Bandung"));
    assert_eq!(c.notes.as_deref(), Some("pelanggan lama"));
    assert_eq!(c.status, Status::Inactive);
    assert_eq!(c.balance, Money::ZERO);
    assert_eq!(c.created_by, "admin");
    assert!(uuid::Uuid::parse_str(&c.id).is_ok());
    let stored: String = db
        .conn()
        .query_row(
            "SELECT whatsapp FROM customers WHERE uuid = ?1",
            [&c.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, WA1_E164);
    assert_eq!(get(&db, &c.id), c);
}

#[test]
fn whatsapp_formats_of_one_number_are_one_customer() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", "0812-3456-7890");
    for typed in [
        "62 812 3456 7890",
        "+62 812-3456-7890",
        "(0812) 34567890",
        "081234567890",
        "+6281234567890",
    ] {
        // Found by every format...
        assert_eq!(get(&db, typed).id, c.id, "{typed}");
        // ...and refused as a duplicate in every format.
        let err = refused_unchanged(&mut db, "duplicate_whatsapp", Some("whatsapp"), |db| {
            db.write(None, |w| customers::add(w, new("Other", typed)))
        });
        assert!(err.to_string().contains(WA1_E164), "{err}");
    }
}

#[test]
fn whatsapp_is_required() {
    let (_dir, mut db) = open();
    for blank in ["", "   "] {
        refused_unchanged(&mut db, "validation", Some("whatsapp"), |db| {
            db.write(None, |w| customers::add(w, new("Budi", blank)))
        });
    }
}

#[test]
fn invalid_whatsapp_is_refused_and_never_stored() {
    let (_dir, mut db) = open();
    add(&mut db, "Someone", WA2);
    for bad in [
        "12345",
        "0812",
        "abc",
        "0812-ABCD-7890",
        "08123456789012345678",
        "+",
        "1-800-FLOWERS",
    ] {
        let err = refused_unchanged(&mut db, "invalid_whatsapp", Some("whatsapp"), |db| {
            db.write(None, |w| customers::add(w, new("Budi", bad)))
        });
        assert!(err.to_string().contains(bad.trim()), "{err}");
    }
}

#[test]
fn duplicate_whatsapp_names_the_holder() {
    let (_dir, mut db) = open();
    let holder = add(&mut db, "Siti Aminah", WA1);
    let err = refused_unchanged(&mut db, "duplicate_whatsapp", Some("whatsapp"), |db| {
        db.write(None, |w| {
            customers::add(w, new("Budi", "+62 812-3456-7890"))
        })
    });
    match &err {
        Error::DuplicateWhatsapp {
            whatsapp,
            holder_id,
            holder_local_id,
            holder_name,
        } => {
            assert_eq!(whatsapp, WA1_E164);
            assert_eq!(holder_id, &holder.id);
            assert_eq!(*holder_local_id, holder.local_id);
            assert_eq!(holder_name, "Siti Aminah");
        }
        other => panic!("{other:?}"),
    }
    // People read the local number; programs get the id beside the message.
    let message = err.to_string();
    assert_eq!(
        message,
        format!(
            "WhatsApp number {WA1_E164} already belongs to customer #{} (Siti Aminah)",
            holder.local_id
        )
    );
    assert!(!message.contains(&holder.id), "{message}");
    let body = pelanggan_core::ErrorBody::from(&err);
    assert_eq!(body.holder_id.as_deref(), Some(holder.id.as_str()));
    assert_eq!(body.message, message);
}

#[test]
fn phone_is_validated_like_whatsapp() {
    let (_dir, mut db) = open();
    for bad in ["12345", "0812", "telp kantor"] {
        refused_unchanged(&mut db, "invalid_phone", Some("phone"), |db| {
            db.write(None, |w| {
                customers::add(
                    w,
                    NewCustomer {
                        phone: Some(bad.into()),
                        ..new("Budi", WA1)
                    },
                )
            })
        });
    }
    // Formats of one number agree, and an empty phone is no phone.
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    phone: Some("62 813 1111 2222".into()),
                    ..new("Budi", WA1)
                },
            )
        })
        .unwrap();
    assert_eq!(c.phone.unwrap().as_str(), WA2_E164);
    let c = db
        .write(None, |w| {
            customers::edit(
                w,
                &c.id,
                CustomerPatch {
                    phone: Some(" ".into()),
                    ..patch()
                },
            )
        })
        .unwrap();
    assert_eq!(c.phone, None);
}

#[test]
fn email_is_validated() {
    let (_dir, mut db) = open();
    for bad in [
        "budi",
        "budi@",
        "@example.com",
        "budi@localhost",
        "budi santoso@example.com",
    ] {
        refused_unchanged(&mut db, "validation", Some("email"), |db| {
            db.write(None, |w| {
                customers::add(
                    w,
                    NewCustomer {
                        email: Some(bad.into()),
                        ..new("Budi", WA1)
                    },
                )
            })
        });
    }
}

#[test]
fn over_long_fields_are_validation_errors_naming_the_field() {
    let (_dir, mut db) = open();
    let long_email = format!("budi@{}.{}.com", "a".repeat(60), "b".repeat(31)); // 101 characters
    assert_eq!(long_email.chars().count(), 101);
    let cases: Vec<(&str, NewCustomer)> = vec![
        ("name", new(&"N".repeat(101), WA1)),
        (
            "email",
            NewCustomer {
                email: Some(long_email),
                ..new("Budi", WA1)
            },
        ),
        (
            "address",
            NewCustomer {
                address: Some("a".repeat(501)),
                ..new("Budi", WA1)
            },
        ),
        (
            "notes",
            NewCustomer {
                notes: Some("n".repeat(2001)),
                ..new("Budi", WA1)
            },
        ),
        ("name", new("", WA1)),
        ("name", new("Bu\u{7}di", WA1)),
    ];
    for (field, input) in cases {
        refused_unchanged(&mut db, "validation", Some(field), |db| {
            db.write(None, |w| customers::add(w, input))
        });
    }
    // The limits themselves are accepted, counted in characters.
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    email: Some(format!("budi@{}.{}.com", "a".repeat(60), "b".repeat(30))),
                    address: Some("é".repeat(500)),
                    notes: Some("n".repeat(2000)),
                    ..new(&"Ñ".repeat(100), WA1)
                },
            )
        })
        .unwrap();
    assert_eq!(c.name.chars().count(), 100);
}

#[test]
fn edit_validates_like_add() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    add(&mut db, "Siti", WA2);
    let id = c.id.clone();
    let cases: Vec<(&str, Option<&str>, CustomerPatch)> = vec![
        (
            "validation",
            Some("name"),
            CustomerPatch {
                name: Some("x".repeat(101)),
                ..patch()
            },
        ),
        (
            "validation",
            Some("name"),
            CustomerPatch {
                name: Some(" ".into()),
                ..patch()
            },
        ),
        (
            "validation",
            Some("whatsapp"),
            CustomerPatch {
                whatsapp: Some("".into()),
                ..patch()
            },
        ),
        (
            "invalid_whatsapp",
            Some("whatsapp"),
            CustomerPatch {
                whatsapp: Some("12345".into()),
                ..patch()
            },
        ),
        (
            "duplicate_whatsapp",
            Some("whatsapp"),
            CustomerPatch {
                whatsapp: Some("62 813 1111 2222".into()),
                ..patch()
            },
        ),
        (
            "invalid_phone",
            Some("phone"),
            CustomerPatch {
                phone: Some("0812".into()),
                ..patch()
            },
        ),
        (
            "validation",
            Some("email"),
            CustomerPatch {
                email: Some("not-an-email".into()),
                ..patch()
            },
        ),
        (
            "validation",
            Some("address"),
            CustomerPatch {
                address: Some("a".repeat(501)),
                ..patch()
            },
        ),
        (
            "validation",
            Some("notes"),
            CustomerPatch {
                notes: Some("a".repeat(2001)),
                ..patch()
            },
        ),
        (
            "validation",
            Some("status"),
            CustomerPatch {
                status: Some(Status::Deleted),
                ..patch()
            },
        ),
        // A valid change together with a bad one: nothing of either is kept.
        (
            "validation",
            Some("email"),
            CustomerPatch {
                name: Some("Budi Baru".into()),
                email: Some("x@".into()),
                ..patch()
            },
        ),
    ];
    for (code, field, p) in cases {
        refused_unchanged(&mut db, code, field, |db| {
            db.write(None, |w| customers::edit(w, &id, p))
        });
    }
    assert_eq!(get(&db, &id).name, "Budi");
}

#[test]
fn edit_changes_fields_and_clears_optional_ones() {
    let (_dir, mut db) = open();
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    email: Some("budi@example.com".into()),
                    notes: Some("catatan".into()),
                    ..new("Budi", WA1)
                },
            )
        })
        .unwrap();
    let edited = db
        .write(None, |w| {
            customers::edit(
                w,
                "0812 3456 7890",
                CustomerPatch {
                    name: Some("Budi Santoso".into()),
                    whatsapp: Some("+62 857-1234-5678".into()),
                    email: Some("".into()),
                    status: Some(Status::Blacklisted),
                    ..patch()
                },
            )
        })
        .unwrap();
    assert_eq!(edited.id, c.id);
    assert_eq!(edited.name, "Budi Santoso");
    assert_eq!(edited.whatsapp.as_str(), "+6285712345678");
    assert_eq!(edited.email, None);
    assert_eq!(edited.notes.as_deref(), Some("catatan"));
    assert_eq!(edited.status, Status::Blacklisted);
    // The old number is free again, the new one is taken.
    add(&mut db, "Siti", WA1);
    refused_unchanged(&mut db, "duplicate_whatsapp", None, |db| {
        db.write(None, |w| customers::add(w, new("Ani", WA3)))
    });
}

#[test]
fn edit_to_the_same_number_in_another_format_is_not_a_duplicate() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    let before = snapshot(&db);
    let same = db
        .write(None, |w| {
            customers::edit(
                w,
                &c.id,
                CustomerPatch {
                    whatsapp: Some("+62 812 3456 7890".into()),
                    ..patch()
                },
            )
        })
        .unwrap();
    assert_eq!(same, c);
    // Nothing changed, so nothing is logged.
    assert_eq!(snapshot(&db).changes, before.changes);
    assert_eq!(snapshot(&db).activity, before.activity);
}

#[test]
fn a_new_customer_cannot_start_deleted() {
    let (_dir, mut db) = open();
    refused_unchanged(&mut db, "validation", Some("status"), |db| {
        db.write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    status: Some(Status::Deleted),
                    ..new("Budi", WA1)
                },
            )
        })
    });
}

#[test]
fn soft_delete_hides_from_list_unless_include_deleted() {
    let (_dir, mut db) = open();
    let budi = add(&mut db, "Budi", WA1);
    let siti = add(&mut db, "Siti", WA2);
    let deleted = db.write(None, |w| customers::delete(w, &budi.id)).unwrap();
    assert_eq!(deleted.status, Status::Deleted);

    let live = customers::list(db.reader().unwrap(), &ListQuery::default()).unwrap();
    assert_eq!(live.total, 1);
    assert_eq!(
        live.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        [siti.id.as_str()]
    );

    let all = customers::list(
        db.reader().unwrap(),
        &ListQuery {
            filter: pelanggan_core::search::Filter {
                include_deleted: true,
                ..Default::default()
            },
            ..ListQuery::default()
        },
    )
    .unwrap();
    assert_eq!(all.total, 2);
    let only_deleted = customers::list(
        db.reader().unwrap(),
        &ListQuery {
            filter: pelanggan_core::search::Filter {
                status: Some(Status::Deleted),
                include_deleted: true,
                ..Default::default()
            },
            ..ListQuery::default()
        },
    )
    .unwrap();
    assert_eq!(only_deleted.items.len(), 1);
    assert_eq!(only_deleted.items[0].id, budi.id);
    // Still shown by its id, with its status.
    assert_eq!(get(&db, &budi.id).status, Status::Deleted);
}

#[test]
fn delete_frees_the_number_and_restore_onto_a_taken_number_is_a_conflict() {
    let (_dir, mut db) = open();
    let budi = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::delete(w, &budi.id)).unwrap();
    let newcomer = add(&mut db, "Newcomer", "62 812 3456 7890");
    // The number now finds the live holder.
    assert_eq!(get(&db, WA1).id, newcomer.id);
    let err = refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| customers::restore(w, &budi.id))
    });
    assert!(err.to_string().contains(&newcomer.id), "{err}");
    // Once the newcomer moves to another number, the restore goes through.
    db.write(None, |w| {
        customers::edit(
            w,
            &newcomer.id,
            CustomerPatch {
                whatsapp: Some(WA3.into()),
                ..patch()
            },
        )
    })
    .unwrap();
    let restored = db.write(None, |w| customers::restore(w, &budi.id)).unwrap();
    assert_eq!(restored.status, Status::Active);
    assert_eq!(get(&db, WA1).id, budi.id);
}

#[test]
fn restore_returns_the_status_before_delete() {
    let (_dir, mut db) = open();
    for status in [Status::Active, Status::Inactive, Status::Blacklisted] {
        let c = db
            .write(None, |w| {
                customers::add(
                    w,
                    NewCustomer {
                        status: Some(status),
                        ..new("Budi", WA1)
                    },
                )
            })
            .unwrap();
        db.write(None, |w| customers::delete(w, &c.id)).unwrap();
        let back = db.write(None, |w| customers::restore(w, &c.id)).unwrap();
        assert_eq!(back.status, status);
        let cl: i64 = db
            .conn()
            .query_row(
                "SELECT causal_length FROM customers WHERE uuid = ?1",
                [&c.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            cl, 3,
            "delete and restore each add one to the causal length"
        );
        db.write(None, |w| customers::delete(w, &c.id)).unwrap();
    }
}

#[test]
fn deleted_customers_cannot_be_edited_deleted_again_or_charged() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::delete(w, &c.id)).unwrap();
    let id = c.id.clone();
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            customers::edit(
                w,
                &id,
                CustomerPatch {
                    name: Some("X".into()),
                    ..patch()
                },
            )
        })
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| customers::delete(w, &id))
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            pelanggan_core::balance::credit(
                w,
                &id,
                Money::parse_positive("amount", "1000").unwrap(),
                &pelanggan_core::ledger::EntryNote::new("x"),
            )
        })
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            pelanggan_core::customers::add_tag(w, &id, &TagInput::new("VIP", None).unwrap())
        })
    });
}

#[test]
fn restore_of_a_live_customer_is_a_conflict() {
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| customers::restore(w, &c.id))
    });
}

#[test]
fn unknown_references_are_not_found() {
    let (_dir, mut db) = open();
    add(&mut db, "Budi", WA1);
    for reference in [
        "0813-9999-0000",
        "999",
        "0190b7a4-0000-7000-8000-000000000000",
        "nobody",
    ] {
        let err = customers::get(db.reader().unwrap(), reference).unwrap_err();
        assert_eq!(err.code(), "not_found", "{reference}");
        refused_unchanged(&mut db, "not_found", None, |db| {
            db.write(None, |w| {
                customers::edit(
                    w,
                    reference,
                    CustomerPatch {
                        name: Some("X".into()),
                        ..patch()
                    },
                )
            })
        });
        refused_unchanged(&mut db, "not_found", None, |db| {
            db.write(None, |w| customers::delete(w, reference))
        });
    }
}

#[test]
fn customers_are_found_by_uuid_local_id_and_number() {
    let (_dir, mut db) = open();
    add(&mut db, "Siti", WA2);
    let c = add(&mut db, "Budi", WA1);
    assert_eq!(get(&db, &c.id).name, "Budi");
    assert_eq!(get(&db, &c.local_id.to_string()).name, "Budi");
    // As messages print it.
    assert_eq!(get(&db, &format!("#{}", c.local_id)).name, "Budi");
    assert_eq!(get(&db, &format!(" {} ", c.id.to_uppercase())).name, "Budi");
    assert_eq!(get(&db, "6281234567890").name, "Budi");
}

#[test]
fn an_unknown_admin_cannot_write() {
    let (_dir, mut db) = open();
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(Some("ghost"), |w| customers::add(w, new("Budi", WA1)))
    });
}

#[test]
fn list_pages_and_orders_debt_first() {
    let (_dir, mut db) = open();
    let numbers = [
        "0812-0000-0001",
        "0812-0000-0002",
        "0812-0000-0003",
        "0812-0000-0004",
        "0812-0000-0005",
    ];
    let mut ids = Vec::new();
    for (i, wa) in numbers.iter().enumerate() {
        ids.push(add(&mut db, &format!("C{i}"), wa).id);
    }
    // C1 owes money; C3 is inactive.
    db.write(None, |w| {
        pelanggan_core::balance::debit(
            w,
            &ids[1],
            Money::parse_positive("amount", "500").unwrap(),
            &pelanggan_core::ledger::EntryNote::new("hutang"),
        )
    })
    .unwrap();
    db.write(None, |w| {
        customers::edit(
            w,
            &ids[3],
            CustomerPatch {
                status: Some(Status::Inactive),
                ..patch()
            },
        )
    })
    .unwrap();

    let first = customers::list(
        db.reader().unwrap(),
        &ListQuery {
            limit: 2,
            ..ListQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        (first.total, first.total_pages, first.items.len()),
        (5, 3, 2)
    );
    assert_eq!(first.items[0].id, ids[1], "debt first");
    let last = customers::list(
        db.reader().unwrap(),
        &ListQuery {
            page: 3,
            limit: 2,
            ..ListQuery::default()
        },
    )
    .unwrap();
    assert_eq!(last.items.len(), 1);
    let mut seen: Vec<String> = (1..=3)
        .flat_map(|page| {
            customers::list(
                db.reader().unwrap(),
                &ListQuery {
                    page,
                    limit: 2,
                    ..ListQuery::default()
                },
            )
            .unwrap()
            .customers
            .items
        })
        .map(|c| c.id)
        .collect();
    seen.sort();
    let mut all = ids.clone();
    all.sort();
    assert_eq!(seen, all, "pages cover every customer once");

    let inactive = customers::list(
        db.reader().unwrap(),
        &ListQuery {
            filter: pelanggan_core::search::Filter {
                status: Some(Status::Inactive),
                ..Default::default()
            },
            ..ListQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        inactive
            .items
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>(),
        [ids[3].clone()]
    );

    for (page, limit, field) in [(0, 10, "page"), (1, 0, "limit"), (1, 201, "limit")] {
        let err = customers::list(
            db.reader().unwrap(),
            &ListQuery {
                page,
                limit,
                ..ListQuery::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.field()),
            ("validation", Some(field))
        );
    }
    assert!(
        customers::list(
            db.reader().unwrap(),
            &ListQuery {
                limit: 200,
                ..ListQuery::default()
            }
        )
        .is_ok()
    );
}

#[test]
fn add_with_initial_balance_and_tags_records_all_of_it() {
    let (_dir, mut db) = open();
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(Money::parse("initial_balance", "-25000.50").unwrap()),
                    tags: vec![
                        TagInput::parse("VIP:#ffaa00").unwrap(),
                        TagInput::parse("Reseller").unwrap(),
                    ],
                    ..new("Budi", WA1)
                },
            )
        })
        .unwrap();
    assert_eq!(c.balance.to_string(), "-25000.50");
    assert_eq!(
        c.tags
            .iter()
            .map(|t| (t.name.as_str(), t.color.as_str()))
            .collect::<Vec<_>>(),
        [("Reseller", "#007bff"), ("VIP", "#ffaa00")]
    );
    let history =
        pelanggan_core::balance::history(db.reader().unwrap(), &c.id, &Default::default())
            .unwrap()
            .items;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, pelanggan_core::ledger::EntryKind::Debit);
    assert_eq!(history[0].amount.to_string(), "25000.50");
    assert_ledger_invariant(db.reader().unwrap());

    // A zero opening balance writes no ledger entry.
    let z = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(Money::ZERO),
                    ..new("Siti", WA2)
                },
            )
        })
        .unwrap();
    let history =
        pelanggan_core::balance::history(db.reader().unwrap(), &z.id, &Default::default())
            .unwrap()
            .items;
    assert!(history.is_empty());
}

#[test]
fn add_is_one_transaction_a_failing_tag_leaves_nothing_behind() {
    let (_dir, mut db) = open();
    add(&mut db, "Siti", WA2);
    // The second tag repeats the first (case-insensitively): refused after the
    // customer, its opening balance and the first tag were written.
    refused_unchanged(&mut db, "duplicate_tag", Some("tag"), |db| {
        db.write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(Money::parse("initial_balance", "50000").unwrap()),
                    tags: vec![
                        TagInput::new("VIP", None).unwrap(),
                        TagInput::new("vip", None).unwrap(),
                    ],
                    ..new("Budi", WA1)
                },
            )
        })
    });
    // A tag built by hand past the validating constructor: still refused, still nothing left.
    for bad in ["x".repeat(51), "   ".to_string(), String::new()] {
        let before = snapshot(&db);
        let result = db.write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(Money::parse("initial_balance", "50000").unwrap()),
                    tags: vec![
                        TagInput::new("Gold", None).unwrap(),
                        TagInput {
                            name: bad.clone(),
                            color: None,
                        },
                    ],
                    ..new("Budi", WA1)
                },
            )
        });
        let err = result.expect_err(&format!("tag {bad:?} must be refused"));
        assert_eq!(
            (err.code().as_str(), err.field()),
            ("validation", Some("tag")),
            "{bad:?}: {err}"
        );
        assert_eq!(snapshot(&db), before, "{bad:?}");
    }
    // An opening balance past the limit fails at the ledger step, after the
    // customer row was written: refused, nothing left.
    let too_much = Money::from_minor(Money::MAX.minor() + 1);
    refused_unchanged(&mut db, "overflow", Some("amount"), |db| {
        db.write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(too_much),
                    tags: vec![TagInput::new("Gold", None).unwrap()],
                    ..new("Rich", WA3)
                },
            )
        })
    });
    // The limit itself is fine.
    let max = Money::from_minor(Money::MAX.minor());
    let rich = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    initial_balance: Some(max),
                    ..new("Rich", WA3)
                },
            )
        })
        .unwrap();
    assert_eq!(rich.balance, max);
    assert_ledger_invariant(db.reader().unwrap());
    assert!(customers::get(db.reader().unwrap(), WA1).is_err());
}
