//! Privacy requests: export everything, anonymise, erase with a tombstone.

mod common;

use common::open;
use pelanggan_core::balance;
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customers::{self, CustomerPatch, NewCustomer};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::privacy::Confirm;
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, privacy};

const PERSONAL: [&str; 8] = [
    "Budi",
    "6281234567890",
    "81311112222",
    "budi@example",
    "Merdeka",
    "rahasia",
    "0812",
    "0813",
];

fn rich_customer(db: &mut Db) -> String {
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: "Budi Santoso".into(),
                    whatsapp: common::WA1.into(),
                    email: Some("budi@example.co.id".into()),
                    address: Some("Jl. Merdeka 1".into()),
                    notes: Some("rahasia".into()),
                    initial_balance: Some(Money::from_minor(1_000_000)),
                    tags: vec![TagInput::parse("VIP").unwrap()],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    db.write(None, |w| {
        contacts::add(
            w,
            &c.id,
            NewContact {
                kind: ContactKind::Whatsapp,
                value: common::WA2.into(),
                is_primary: true,
                notes: Some("istri".into()),
            },
        )?;
        customers::edit(
            w,
            &c.id,
            CustomerPatch {
                name: Some("Budi S.".into()),
                ..Default::default()
            },
        )?;
        balance::debit(
            w,
            &c.id,
            Money::from_minor(250_000),
            &EntryNote::new("paket"),
        )
    })
    .unwrap();
    c.id
}

/// All text the database holds about anything, to look for leftovers.
fn everything(db: &Db) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT group_concat(name || whatsapp || ifnull(email,'') || ifnull(address,'') || ifnull(notes,''), ' ') FROM customers",
        "SELECT group_concat(value || ifnull(notes, ''), ' ') FROM customer_contacts",
        "SELECT group_concat(details, ' ') FROM customer_activity_log",
        "SELECT group_concat(ifnull(value, ''), ' ') FROM change_log",
    ] {
        let text: Option<String> = db.conn().query_row(sql, [], |r| r.get(0)).unwrap();
        out.push_str(&text.unwrap_or_default());
        out.push('\n');
    }
    out
}

#[test]
fn export_holds_everything_about_the_customer() {
    let (_dir, mut db) = open();
    let id = rich_customer(&mut db);
    common::add(&mut db, "Orang lain", common::WA3);
    let doc = privacy::export(db.reader().unwrap(), &id).unwrap();
    let doc = serde_json::to_value(&doc).unwrap();
    assert_eq!(doc["customer"]["uuid"], id.as_str());
    assert_eq!(doc["customer"]["balance"], "7500.00");
    assert_eq!(doc["contacts"][0]["value"], "+6281311112222");
    assert_eq!(doc["tags"][0]["name"], "VIP");
    assert_eq!(doc["ledger"].as_array().unwrap().len(), 2);
    assert_eq!(doc["ledger"][1]["amount"], "2500.00");
    assert!(doc["activity"].as_array().unwrap().len() >= 5);
    assert_eq!(
        doc["activity"][0]["details"]["customer"]["name"],
        "Budi Santoso"
    );
    for key in ["subscriptions", "invoices", "payments", "messages"] {
        assert!(doc[key].is_array(), "{key}");
    }
    assert!(!doc.to_string().contains("Orang lain"));
}

/// The export holds every stored column of the customer's rows, except the
/// local row ids and the caches the database derives for the search index
/// (V8's contact caches, V11's generated search text), under the column's
/// own name (the ledger's and the activity log's views name `uuid` `id` and
/// read `customer_id` as the customer's uuid).
#[test]
fn export_holds_every_stored_column_and_no_search_cache() {
    let (_dir, mut db) = open();
    let id = rich_customer(&mut db);
    let doc = serde_json::to_value(privacy::export(db.reader().unwrap(), &id).unwrap()).unwrap();
    let sections = [
        ("customers", &doc["customer"]),
        ("customer_contacts", &doc["contacts"][0]),
        ("customer_balance_history", &doc["ledger"][0]),
        ("customer_activity_log", &doc["activity"][0]),
        ("customer_tags", &doc["tags"][0]),
    ];
    for (table, row) in sections {
        let row = row.as_object().unwrap_or_else(|| panic!("{table}: no row"));
        let mut stmt = db
            .conn()
            .prepare("SELECT name, hidden FROM pragma_table_xinfo(?1)")
            .unwrap();
        let columns: Vec<(String, i64)> = stmt
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!columns.is_empty(), "{table}");
        for (column, hidden) in columns {
            let cache =
                hidden != 0 || column.starts_with("contact_") || column.starts_with("search_");
            let local_id = column == "id" || column.ends_with("_id") && column != "reference_id";
            let named = match column.as_str() {
                "uuid" if row.contains_key("id") && !row.contains_key("uuid") => "id",
                "tag_id" => "name",
                other => other,
            };
            if cache {
                assert!(
                    !row.contains_key(&column),
                    "{table}.{column} is a search cache"
                );
            } else if !local_id {
                assert!(
                    row.contains_key(named),
                    "{table}.{column} is not exported: {row:?}"
                );
            }
        }
    }
    for key in [
        "search_name",
        "search_email",
        "search_numbers",
        "contact_emails",
        "contact_numbers",
    ] {
        assert!(doc["customer"].get(key).is_none(), "{key}");
    }
    for contact in doc["contacts"].as_array().unwrap() {
        assert!(contact.get("search_text").is_none());
    }
    // Every table of OWNED has its section (a table added there without one fails).
    for (_, key) in privacy::OWNED {
        assert!(doc[*key].is_array(), "no section {key}");
    }
    assert!(doc["vouchers"].is_array());
    assert_eq!(doc["format"], "pelanggan-privacy-export/1");
}

#[test]
fn anonymise_removes_personal_data_and_keeps_the_books() {
    let (_dir, mut db) = open();
    let id = rich_customer(&mut db);
    let other = common::add(&mut db, "Sari", common::WA3);
    let balance_before = common::get(&db, &id).balance;
    let ledger_before: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customer_balance_history", [], |r| {
            r.get(0)
        })
        .unwrap();

    let c = db
        .write(None, |w| privacy::anonymise(w, &id, Confirm::Yes))
        .unwrap();
    assert_eq!(c.name, privacy::ANONYMOUS_NAME);
    assert!(c.whatsapp.as_str().starts_with("+999"));
    assert_eq!((c.email, c.address, c.notes), (None, None, None));
    assert_eq!(c.balance, balance_before);
    assert_eq!(c.tags.len(), 1);
    let all = everything(&db);
    for word in PERSONAL {
        assert!(!all.contains(word), "'{word}' is still stored:\n{all}");
    }
    assert!(all.contains("Sari"), "other customers are untouched");
    let ledger_after: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customer_balance_history", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(ledger_before, ledger_after);
    common::assert_ledger_invariant(db.reader().unwrap());
    assert!(
        contacts::list(db.reader().unwrap(), &id)
            .unwrap()
            .is_empty()
    );
    let activity = pelanggan_core::activity::list(
        db.reader().unwrap(),
        &id,
        &pelanggan_core::activity::ActivityQuery {
            limit: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
    .items;
    assert_eq!(activity[0].action(), "anonymised");
    // The number is freed and the placeholder never matches a typed number.
    common::add(&mut db, "Budi baru", common::WA1);
    assert_eq!(common::get(&db, &other.id).name, "Sari");
}

#[test]
fn erase_deletes_everything_and_leaves_a_tombstone() {
    let (_dir, mut db) = open();
    let id = rich_customer(&mut db);
    db.write(None, |w| {
        use pelanggan_core::billing::subscriptions::{self, Cycle, NewSubscription, ServiceType};
        subscriptions::add(
            w,
            &id,
            NewSubscription {
                kind: ServiceType::Hotspot,
                username: "u-erase".into(),
                profile: "5M".into(),
                price: Money::from_minor(10_000_000),
                cycle: Some(Cycle::Monthly),
                start: chrono::Utc::now().date_naive(),
            },
        )
    })
    .unwrap();
    let sari = common::add(&mut db, "Sari", common::WA3);
    db.write(None, |w| {
        balance::credit(w, &sari.id, Money::from_minor(100), &EntryNote::new("x"))
    })
    .unwrap();

    let before = common::snapshot(&db);
    let refused = db.write(None, |w| privacy::erase(w, &id, false, Confirm::Yes));
    assert_eq!(refused.unwrap_err().code(), "conflict");
    assert_eq!(common::snapshot(&db), before);

    let local_id = customers::get(db.reader().unwrap(), &id).unwrap().local_id;
    let erased = db
        .write(None, |w| privacy::erase(w, &id, true, Confirm::Yes))
        .unwrap();
    assert!(erased.rows_deleted >= 8);
    for table in privacy::DERIVED {
        let left: i64 = db
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE customer_id = ?1"),
                [local_id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "{table} still holds the erased customer");
    }
    assert_eq!(
        customers::get(db.reader().unwrap(), &id)
            .unwrap_err()
            .code(),
        "not_found"
    );
    let all = everything(&db);
    for word in PERSONAL {
        assert!(!all.contains(word), "'{word}' is still stored:\n{all}");
    }
    let tombstone: (String, String) = db
        .conn()
        .query_row(
            "SELECT op, field FROM change_log WHERE entity_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(tombstone, ("delete".to_string(), "erased".to_string()));
    common::assert_ledger_invariant(db.reader().unwrap());
    // The ledger is still append-only for everyone else.
    assert!(
        common::raw(&db)
            .execute("DELETE FROM customer_balance_history", [])
            .is_err()
    );
}

#[test]
fn every_table_with_a_customer_id_is_known_to_privacy() {
    let (_dir, db) = open();
    let mut stmt = db
        .conn()
        .prepare(
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND c.name = 'customer_id'",
        )
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in tables {
        let known = privacy::OWNED.iter().any(|(t, _)| *t == table)
            || privacy::DERIVED.contains(&table.as_str())
            || privacy::TRANSIENT.contains(&table.as_str())
            || ["vouchers", "privacy_erasures"].contains(&table.as_str());
        assert!(
            known,
            "table {table} holds customer data but privacy does not know it"
        );
    }
}

/// The irreversible requests are refused without their confirmation, with
/// the code and message the CLI printed before the rule moved into the core,
/// and nothing changes (not even a missing customer is looked up first).
#[test]
fn irreversible_requests_need_their_confirmation() {
    let (_dir, mut db) = open();
    let id = rich_customer(&mut db);
    let before = common::snapshot(&db);
    let refusals = [
        (
            db.write(None, |w| {
                privacy::anonymise(w, &id, Confirm::No).map(|_| ())
            })
            .unwrap_err(),
            "anonymising",
        ),
        (
            db.write(None, |w| {
                privacy::erase(w, &id, true, Confirm::No).map(|_| ())
            })
            .unwrap_err(),
            "deleting",
        ),
        (
            privacy::anonymise_and_scrub(&mut db, None, &id, Confirm::No)
                .map(|_| ())
                .unwrap_err(),
            "anonymising",
        ),
        (
            privacy::erase_and_scrub(&mut db, None, "nobody", true, Confirm::default())
                .map(|_| ())
                .unwrap_err(),
            "deleting",
        ),
    ];
    for (e, what) in refusals {
        assert_eq!(e.code(), "confirmation_required");
        assert_eq!(
            e.to_string(),
            format!("{what} a customer cannot be undone; add --yes to confirm")
        );
    }
    assert_eq!(common::snapshot(&db), before);
    assert_eq!(Confirm::from(true), Confirm::Yes);
    assert_eq!("yes".parse::<Confirm>().unwrap(), Confirm::Yes);
}
