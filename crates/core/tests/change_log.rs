//! Every mutation records, in its own transaction, its change-log rows for sync
//! (identified by this device and a strictly increasing hybrid logical clock) and,
//! for a customer, its activity-log entry (action, admin, details).

mod common;

use common::*;
use pelanggan_core::activity;
use pelanggan_core::admins::{self, NewAdmin};
use pelanggan_core::balance;
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customers::{self, CustomerPatch, NewCustomer, Status};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::tags::{self, TagColor, TagInput};
use pelanggan_core::{Db, Money, Result, session};
use serde_json::{Value, json};

#[derive(Debug)]
struct Change {
    seq: i64,
    entity: String,
    entity_id: String,
    op: String,
    field: Option<String>,
    value: Option<Value>,
    hlc: i64,
    device_id: String,
}

fn changes_after(db: &Db, seq: i64) -> Vec<Change> {
    let mut stmt = db
        .conn()
        .prepare(
            "SELECT c.seq, c.entity, c.entity_id, c.op, c.field, c.value, c.hlc, d.device_id
             FROM change_log c JOIN devices d ON d.id = c.device
             WHERE c.seq > ?1 ORDER BY c.seq",
        )
        .unwrap();
    stmt.query_map([seq], |r| {
        Ok(Change {
            seq: r.get(0)?,
            entity: r.get(1)?,
            entity_id: r.get(2)?,
            op: r.get(3)?,
            field: r.get(4)?,
            value: r
                .get::<_, Option<String>>(5)?
                .map(|v| serde_json::from_str(&v).unwrap()),
            hlc: r.get(6)?,
            device_id: r.get(7)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn last_seq(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })
        .unwrap()
}

fn activity_count(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM customer_activity_log", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// One mutation: its name, the activity action it must log (None when it does
/// not belong to a customer), and the call itself.
type Step = (
    &'static str,
    Option<&'static str>,
    Box<dyn Fn(&mut Db, &str) -> Result<()>>,
);

/// That a write which changes rows records a change-log row is checked by
/// the write path itself in debug builds, for every write of every test
/// (`Write::check_change_log`; a unit test in `session.rs` proves it fires).
/// This walk checks what that cannot: each mutation's activity entry and
/// actor, the change identity (device, HLC) and the saved clock.
#[test]
fn every_mutation_records_its_change_log_and_activity_in_one_transaction() {
    let (_dir, mut db) = open();
    db.write(None, |w| {
        admins::add(
            w,
            NewAdmin {
                username: "kasir".into(),
                name: "Kasir Satu".into(),
                make_default: false,
                ..Default::default()
            },
        )
    })
    .unwrap();
    let device = db.device_id().to_owned();
    assert!(uuid::Uuid::parse_str(&device).is_ok());

    let steps: Vec<Step> = vec![
        (
            "customers::add",
            Some("created"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    customers::add(
                        w,
                        NewCustomer {
                            name: "Budi".into(),
                            whatsapp: WA1.into(),
                            ..Default::default()
                        },
                    )
                })
                .map(drop)
            }),
        ),
        (
            "customers::edit",
            Some("updated"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    customers::edit(
                        w,
                        WA1,
                        CustomerPatch {
                            name: Some("Budi S".into()),
                            ..Default::default()
                        },
                    )
                })
                .map(drop)
            }),
        ),
        (
            "ledger::credit",
            Some("balance_changed"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    balance::credit(
                        w,
                        WA1,
                        Money::from_minor(500_000),
                        &EntryNote::new("top up"),
                    )
                })
                .map(drop)
            }),
        ),
        (
            "ledger::debit",
            Some("balance_changed"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    balance::debit(
                        w,
                        WA1,
                        Money::from_minor(200_000),
                        &EntryNote::new("invoice"),
                    )
                })
                .map(drop)
            }),
        ),
        (
            "tags::add",
            Some("tag_added"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    customers::add_tag(w, WA1, &TagInput::parse("VIP:#ffaa00")?)
                })
                .map(drop)
            }),
        ),
        (
            "tags::add (again, another colour: kept)",
            Some("tag_added"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    customers::remove_tag(w, WA1, "VIP")?;
                    customers::add_tag(w, WA1, &TagInput::parse("VIP:#00ff00")?)
                })
                .map(drop)
            }),
        ),
        (
            "tags::set_color",
            None,
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    tags::set_color(w, "vip", &TagColor::parse("#00ff00")?)
                })
                .map(drop)
            }),
        ),
        (
            "tags::remove",
            Some("tag_removed"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| customers::remove_tag(w, WA1, "vip"))
                    .map(drop)
            }),
        ),
        (
            "contacts::add",
            Some("contact_added"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    contacts::add(
                        w,
                        WA1,
                        NewContact {
                            kind: ContactKind::Whatsapp,
                            value: WA2.into(),
                            is_primary: false,
                            notes: None,
                        },
                    )
                })
                .map(drop)
            }),
        ),
        (
            "contacts::set_primary",
            Some("contact_primary_set"),
            Box::new(|db, actor| {
                let id: String =
                    db.conn()
                        .query_row("SELECT uuid FROM customer_contacts", [], |r| r.get(0))?;
                db.write(Some(actor), |w| contacts::set_primary(w, WA1, &id))
                    .map(drop)
            }),
        ),
        (
            "contacts::remove",
            Some("contact_removed"),
            Box::new(|db, actor| {
                let id: String =
                    db.conn()
                        .query_row("SELECT uuid FROM customer_contacts", [], |r| r.get(0))?;
                db.write(Some(actor), |w| contacts::remove(w, WA1, &id))
                    .map(drop)
            }),
        ),
        (
            "customers::delete",
            Some("deleted"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| customers::delete(w, WA1))
                    .map(drop)
            }),
        ),
        (
            "customers::restore",
            Some("restored"),
            Box::new(|db, actor| {
                db.write(Some(actor), |w| customers::restore(w, WA1))
                    .map(drop)
            }),
        ),
        (
            "admins::add",
            None,
            Box::new(|db, actor| {
                db.write(Some(actor), |w| {
                    admins::add(
                        w,
                        NewAdmin {
                            username: "kasir2".into(),
                            name: "Kasir Dua".into(),
                            make_default: false,
                            ..Default::default()
                        },
                    )
                })
                .map(drop)
            }),
        ),
        (
            "settings::set",
            None,
            Box::new(|db, actor| {
                db.write(Some(actor), |w| settings::set(w, Key::Currency, "idr"))
                    .map(drop)
            }),
        ),
    ];

    let mut last_hlc = 0;
    let mut seen_ids = std::collections::HashSet::new();
    for (i, (name, action, step)) in steps.iter().enumerate() {
        let actor = if i % 2 == 0 { "admin" } else { "kasir" };
        let seq = last_seq(&db);
        let activity_before = activity_count(&db);
        step(&mut db, actor).unwrap_or_else(|e| panic!("{name}: {e}"));

        let changes = changes_after(&db, seq);
        assert!(!changes.is_empty(), "{name} recorded no change-log row");
        for c in &changes {
            // A change's identity everywhere is (device, hlc).
            assert!(
                seen_ids.insert((c.device_id.clone(), c.hlc)),
                "{name}: change identity reused"
            );
            assert_eq!(c.device_id, device, "{name}: wrong device");
            assert!(
                c.hlc > last_hlc,
                "{name}: hlc {} not after {last_hlc} (seq {})",
                c.hlc,
                c.seq
            );
            last_hlc = c.hlc;
            assert!(["insert", "update", "delete", "restore"].contains(&c.op.as_str()));
            assert!(!c.entity.is_empty() && !c.entity_id.is_empty());
        }
        // The clock is saved with the write, so it never goes back.
        let saved: i64 = db
            .conn()
            .query_row("SELECT hlc FROM device", [], |r| r.get(0))
            .unwrap();
        assert_eq!(saved, last_hlc, "{name}: device hlc not saved");

        if let Some(action) = action {
            assert!(
                activity_count(&db) > activity_before,
                "{name} logged no activity"
            );
            let latest = &activity::list(
                db.reader().unwrap(),
                WA1,
                &activity::ActivityQuery {
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .unwrap()
            .items[0];
            assert_eq!(latest.action(), *action, "{name}");
            assert!(
                matches!(latest.event, activity::Logged::Event(_)),
                "{name}: the entry is not read back as a typed event: {:?}",
                latest.event
            );
            assert_eq!(latest.admin, actor, "{name}");
            let activity_id = uuid::Uuid::parse_str(&latest.id).unwrap();
            assert_eq!(activity_id.get_version_num(), 7, "{name}: activity id");
            // The activity entry is itself a synced row.
            assert!(
                changes.iter().any(|c| c.entity == "activity"
                    && c.entity_id == latest.id
                    && c.op == "insert"),
                "{name}: activity entry not in the change log"
            );
        } else {
            assert_eq!(activity_count(&db), activity_before, "{name}");
        }
    }
}

#[test]
fn change_rows_describe_each_mutation() {
    let (_dir, mut db) = open();
    let seq = last_seq(&db);
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: "Budi".into(),
                    whatsapp: WA1.into(),
                    initial_balance: Some(Money::from_minor(1_000_000)),
                    tags: vec![TagInput::parse("VIP").unwrap()],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let changes = changes_after(&db, seq);
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c.entity.as_str(), c.op.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("customer", "insert"),
            ("ledger_entry", "insert"),
            ("tag", "insert"),
            ("customer_tag", "insert"),
            ("activity", "insert"),
        ]
    );
    let customer = &changes[0];
    assert_eq!(customer.entity_id, c.id);
    let row = customer.value.as_ref().unwrap();
    assert_eq!(row["whatsapp"], json!(WA1_E164));
    assert_eq!(row["name"], json!("Budi"));
    assert_eq!(row["causal_length"], json!(1));
    // Ledger and activity rows never change: the change log only names them
    // and sync reads the row itself.
    assert!(changes[1].value.is_none() && changes[4].value.is_none());
    // One activity entry tells the whole creation, opening balance and tags included.
    let created = &activity::list(
        db.reader().unwrap(),
        &c.id,
        &activity::ActivityQuery {
            limit: None,
            ..Default::default()
        },
    )
    .unwrap()
    .items[0];
    assert_eq!(created.action(), "created");
    assert_eq!(
        created.details()["initial_balance"]["amount"],
        json!("10000.00")
    );
    assert_eq!(created.details()["tags"], json!(["VIP"]));
    assert!(changes.iter().all(|c| c.hlc > 0));

    // An edit: one update row per changed field, with the new value.
    let c_id = c.id.clone();
    let seq = last_seq(&db);
    db.write(None, |w| {
        customers::edit(
            w,
            &c.id,
            CustomerPatch {
                name: Some("Budi Santoso".into()),
                email: Some("budi@example.com".into()),
                notes: Some("".into()),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let fields: Vec<(String, Value)> = changes_after(&db, seq)
        .into_iter()
        .filter(|c| c.entity == "customer")
        .map(|c| {
            assert_eq!(
                (c.op.as_str(), c.entity_id.as_str()),
                ("update", c_id.as_str())
            );
            (c.field.unwrap(), c.value.unwrap())
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("name".to_string(), json!("Budi Santoso")),
            ("email".to_string(), json!("budi@example.com"))
        ]
    );

    // Delete and restore carry the causal length.
    let seq = last_seq(&db);
    db.write(None, |w| customers::delete(w, &c.id)).unwrap();
    db.write(None, |w| customers::restore(w, &c.id)).unwrap();
    let lifecycle: Vec<(String, Option<String>, Value)> = changes_after(&db, seq)
        .into_iter()
        .filter(|c| c.entity == "customer")
        .map(|c| (c.op, c.field, c.value.unwrap()))
        .collect();
    assert_eq!(
        lifecycle,
        [
            (
                "delete".to_string(),
                Some("causal_length".to_string()),
                json!(2)
            ),
            (
                "restore".to_string(),
                Some("causal_length".to_string()),
                json!(3)
            ),
        ]
    );
}

#[test]
fn updated_activity_holds_before_and_after_of_each_changed_field() {
    let (_dir, mut db) = open();
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: "Budi".into(),
                    whatsapp: WA1.into(),
                    email: Some("old@example.com".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    db.write(Some("admin"), |w| {
        customers::edit(
            w,
            &c.id,
            CustomerPatch {
                name: Some("Budi Santoso".into()),
                whatsapp: Some("0813-1111-2222".into()),
                email: Some("".into()),
                address: Some("Jl. Sudirman 1".into()),
                status: Some(Status::Blacklisted),
                notes: Some("".into()), // already empty: not a change
                ..Default::default()
            },
        )
    })
    .unwrap();
    let latest = &activity::list(
        db.reader().unwrap(),
        &c.id,
        &activity::ActivityQuery {
            limit: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
    .items[0];
    assert_eq!(
        (latest.action(), latest.admin.as_str()),
        ("updated", "admin")
    );
    assert_eq!(
        latest.details(),
        json!({ "changes": {
            "name": { "before": "Budi", "after": "Budi Santoso" },
            "whatsapp": { "before": WA1_E164, "after": WA2_E164 },
            "email": { "before": "old@example.com", "after": null },
            "address": { "before": null, "after": "Jl. Sudirman 1" },
            "status": { "before": "active", "after": "blacklisted" },
        }})
    );

    // Delete and restore log the status move, the ledger the balances.
    db.write(None, |w| customers::delete(w, &c.id)).unwrap();
    db.write(None, |w| customers::restore(w, &c.id)).unwrap();
    db.write(None, |w| {
        balance::debit(w, &c.id, Money::from_minor(1_500), &EntryNote::new("x"))
    })
    .unwrap();
    let log = activity::list(
        db.reader().unwrap(),
        &c.id,
        &activity::ActivityQuery {
            limit: None,
            ..Default::default()
        },
    )
    .unwrap()
    .items;
    let actions: Vec<&str> = log.iter().map(|a| a.action()).collect();
    assert_eq!(
        actions,
        [
            "balance_changed",
            "restored",
            "deleted",
            "updated",
            "created"
        ]
    );
    assert_eq!(
        log[2].details(),
        json!({ "status": { "before": "blacklisted", "after": "deleted" } })
    );
    assert_eq!(
        log[1].details(),
        json!({ "status": { "before": "deleted", "after": "blacklisted" } })
    );
    assert_eq!(log[0].details()["previous_balance"], json!("0.00"));
    assert_eq!(log[0].details()["new_balance"], json!("-15.00"));
    assert_eq!(log[0].details()["type"], json!("debit"));
    assert_eq!(
        activity::list(
            db.reader().unwrap(),
            &c.id,
            &activity::ActivityQuery {
                limit: Some(2),
                ..Default::default()
            }
        )
        .unwrap()
        .items
        .len(),
        2
    );
}

#[test]
fn a_refused_write_records_nothing_and_the_clock_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let (device, hlc) = {
        let mut db = Db::open(&path).unwrap();
        add(&mut db, "Budi", WA1);
        let before = snapshot(&db);
        // The first change succeeds, the second fails: both are rolled back.
        let err = db
            .write(None, |w| {
                customers::edit(
                    w,
                    WA1,
                    CustomerPatch {
                        name: Some("Budi S".into()),
                        ..Default::default()
                    },
                )?;
                customers::add(
                    w,
                    NewCustomer {
                        name: "Dup".into(),
                        whatsapp: WA1.into(),
                        ..Default::default()
                    },
                )
            })
            .unwrap_err();
        assert_eq!(err.code(), "duplicate_whatsapp");
        assert_eq!(snapshot(&db), before);
        (db.device_id().to_owned(), snapshot(&db).hlc)
    };
    let mut db = Db::open(&path).unwrap();
    assert_eq!(db.device_id(), device, "the device id is kept in the file");
    let seq = last_seq(&db);
    add(&mut db, "Siti", WA2);
    let next = changes_after(&db, seq);
    assert!(next.iter().all(|c| c.hlc > hlc && c.device_id == device));
}

#[test]
fn settings_and_admins_are_validated_and_logged() {
    let (_dir, mut db) = open();
    assert_eq!(
        admins::list(db.reader().unwrap())
            .unwrap()
            .iter()
            .map(|a| (a.username.as_str(), a.is_default))
            .collect::<Vec<_>>(),
        [("admin", true)]
    );
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            admins::add(
                w,
                NewAdmin {
                    username: "ADMIN".into(),
                    name: "Again".into(),
                    make_default: false,
                    ..Default::default()
                },
            )
        })
    });
    refused_unchanged(&mut db, "validation", Some("username"), |db| {
        db.write(None, |w| {
            admins::add(
                w,
                NewAdmin {
                    username: "a b".into(),
                    name: "X".into(),
                    make_default: false,
                    ..Default::default()
                },
            )
        })
    });
    refused_unchanged(&mut db, "validation", Some("name"), |db| {
        db.write(None, |w| {
            admins::add(
                w,
                NewAdmin {
                    username: "kasir".into(),
                    name: "".into(),
                    make_default: false,
                    ..Default::default()
                },
            )
        })
    });
    refused_unchanged(&mut db, "validation", Some("value"), |db| {
        db.write(None, |w| settings::set(w, Key::DefaultRegion, "XX"))
    });
    refused_unchanged(&mut db, "validation", Some("value"), |db| {
        db.write(None, |w| settings::set(w, Key::Currency, "RUPIAH"))
    });
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| admins::set_default(w, "ghost"))
    });
    assert_eq!(Key::parse("colour").unwrap_err().field(), Some("key"));

    db.write(None, |w| {
        admins::add(
            w,
            NewAdmin {
                username: "kasir".into(),
                name: "Kasir".into(),
                make_default: false,
                ..Default::default()
            },
        )
    })
    .unwrap();
    db.write(None, |w| admins::set_default(w, "kasir")).unwrap();
    let c = add(&mut db, "Budi", WA1);
    assert_eq!(
        c.created_by, "kasir",
        "writes without an actor go to the default admin"
    );
    // settings knows no admins: the default admin is admins' rule, and the
    // session's set_setting takes every key (the CLI's `settings set`).
    refused_unchanged(&mut db, "validation", Some("key"), |db| {
        db.write(None, |w| settings::set(w, Key::DefaultAdmin, "admin"))
    });
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| {
            session::set_setting(w, Key::DefaultAdmin, "ghost")
        })
    });
    let set = db
        .write(None, |w| {
            session::set_setting(w, Key::DefaultAdmin, " admin ")
        })
        .unwrap();
    assert_eq!((set.key, set.value.as_str()), ("default_admin", "admin"));
    // One call adds an admin and makes them the default.
    let joko = db
        .write(None, |w| {
            admins::add(
                w,
                NewAdmin {
                    username: "joko".into(),
                    name: "Joko".into(),
                    make_default: true,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(joko.is_default);
    assert_eq!(add(&mut db, "Sari", WA3).created_by, "joko");
    db.write(None, |w| admins::set_default(w, "kasir")).unwrap();

    // The default region decides how local numbers are read.
    db.write(None, |w| settings::set(w, Key::DefaultRegion, "my"))
        .unwrap();
    assert_eq!(db.reader().unwrap().region().code(), "MY");
    let m = add(&mut db, "Ahmad", "012-345 6789");
    assert_eq!(m.whatsapp.as_str(), "+60123456789");
    let changes = changes_after(&db, 0);
    assert!(changes.iter().any(|c| c.entity == "setting"
        && c.entity_id == "default_region"
        && c.value == Some(json!("MY"))));
}
