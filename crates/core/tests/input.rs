//! What people type, in the core: warnings returned beside results (and
//! before saving), contacts that are another customer's number, names,
//! currencies, and extra contacts in the search index (V8), also for files
//! migrated from V7 and customers an import updates.

mod common;

use std::path::Path;

use common::*;
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customers::{self, CustomerPatch, NewCustomer};
use pelanggan_core::import::{self, ImportOptions, OnDuplicate};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::{self, Filter, Position, Sort};
use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Warning};

fn codes(warnings: &[Warning]) -> Vec<&'static str> {
    warnings.iter().map(|w| w.code).collect()
}

fn new(name: &str, whatsapp: &str) -> NewCustomer {
    NewCustomer {
        name: name.into(),
        whatsapp: whatsapp.into(),
        ..Default::default()
    }
}

fn contact(kind: ContactKind, value: &str) -> NewContact {
    NewContact {
        kind,
        value: value.into(),
        is_primary: false,
        notes: None,
    }
}

fn customers_count(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap()
}

/// The local ids a search term finds among live customers (one big page).
fn found(db: &Db, term: &str) -> Vec<i64> {
    let f = Filter {
        search: Some(term.into()),
        ..Filter::default()
    };
    let mut ids: Vec<i64> = search::page(db.conn(), &f, Sort::Name, 200, &Position::Page(1))
        .unwrap()
        .items
        .iter()
        .map(|c| c.local_id)
        .collect();
    ids.sort();
    assert_eq!(
        search::count(db.conn(), &f).unwrap(),
        ids.len() as u64,
        "{term}"
    );
    ids
}

#[test]
fn warnings_come_back_beside_the_result_and_before_saving() {
    let (_dir, mut db) = open();
    // The app shows them before the person confirms: nothing is saved.
    let preview = db
        .dry_run_warned(None, |w| customers::add(w, new("Lim", "60123456789")))
        .unwrap();
    assert_eq!(codes(&preview.warnings), ["foreign_number"]);
    assert_eq!(preview.warnings[0].field, Some("whatsapp"));
    assert!(preview.warnings[0].message.contains("Malaysia"));
    assert_eq!(customers_count(&db), 0);
    // Saving gives the same warnings with the customer.
    let saved = db
        .write_warned(None, |w| customers::add(w, new("Lim", "60123456789")))
        .unwrap();
    assert_eq!(saved.warnings, preview.warnings);
    assert_eq!(saved.value.whatsapp.as_str(), "+60123456789");
    // JSON: the result's fields, then the warnings.
    let json = serde_json::to_value(&saved).unwrap();
    assert_eq!(json["whatsapp"], "+60123456789");
    assert_eq!(json["warnings"][0]["code"], "foreign_number");

    // A phone field read as another country's warns too; not_mobile is for WhatsApp only.
    let c = db
        .write_warned(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    phone: Some("251925462914".into()),
                    ..new("Kantor", "(021) 5795 1234")
                },
            )
        })
        .unwrap();
    let mut seen: Vec<(&str, Option<&str>)> =
        c.warnings.iter().map(|w| (w.code, w.field)).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("foreign_number", Some("phone")),
            ("not_mobile", Some("whatsapp"))
        ]
    );
    // An edit warns only of the number it changes.
    let edited = db
        .write_warned(None, |w| {
            customers::edit(
                w,
                &c.value.id,
                CustomerPatch {
                    notes: Some("pusat".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(edited.warnings.is_empty(), "{:?}", edited.warnings);
    // A refused write returns an error, not warnings; what a savepoint
    // undid warns of nothing.
    let err = db
        .write_warned(None, |w| customers::add(w, new("Lagi", "60123456789")))
        .unwrap_err();
    assert_eq!(err.code(), "duplicate_whatsapp");
    let kept = db
        .write_warned(None, |w| {
            let undone = w.savepoint(|w| {
                customers::add(w, new("Dua", "60198765432"))?;
                customers::add(w, new("Dua lagi", "60198765432"))
            });
            assert!(undone.is_err());
            customers::add(w, new("Siti", WA2))
        })
        .unwrap();
    assert!(kept.warnings.is_empty(), "{:?}", kept.warnings);
}

#[test]
fn a_contact_equal_to_another_customer_s_number_warns_and_names_the_holder() {
    let (_dir, mut db) = open();
    let budi = add(&mut db, "Budi Santoso", WA1);
    let siti = add(&mut db, "Siti", WA2);
    for kind in [ContactKind::Whatsapp, ContactKind::Phone] {
        let k = db
            .write_warned(None, |w| contacts::add(w, &siti.id, contact(kind, WA1)))
            .unwrap();
        assert_eq!(codes(&k.warnings), ["number_of_other_customer"], "{kind:?}");
        let m = &k.warnings[0].message;
        assert!(
            m.contains("Budi Santoso") && m.contains(&budi.id) && m.contains(WA1_E164),
            "{m}"
        );
    }
    // A foreign number typed without + warns of that too; its own number does not.
    let k = db
        .write_warned(None, |w| {
            contacts::add(w, &siti.id, contact(ContactKind::Whatsapp, "60123456789"))
        })
        .unwrap();
    assert_eq!(codes(&k.warnings), ["foreign_number"]);
    let k = db
        .write_warned(None, |w| {
            contacts::add(w, &budi.id, contact(ContactKind::Phone, WA1))
        })
        .unwrap();
    assert!(k.warnings.is_empty(), "{:?}", k.warnings);
}

#[test]
fn currency_is_an_iso_4217_code() {
    let (_dir, mut db) = open();
    for bad in ["XYZ", "ABC", "XXX", "RP", "IDRR", ""] {
        let err = db
            .write(None, |w| settings::set(w, Key::Currency, bad))
            .unwrap_err();
        assert_eq!(
            (err.code().as_str(), err.field()),
            ("validation", Some("value")),
            "{bad}"
        );
    }
    for (typed, stored) in [("idr", "IDR"), (" MYR ", "MYR"), ("usd", "USD")] {
        let s = db
            .write(None, |w| settings::set(w, Key::Currency, typed))
            .unwrap();
        assert_eq!(s.value, stored);
    }
}

#[test]
fn invisible_and_multi_line_names_are_refused_everywhere() {
    let (_dir, mut db) = open();
    for name in [
        "\u{200b}",
        "\u{200b}\u{200c}\u{feff}",
        "Budi\nSantoso",
        "Budi\r\nS",
    ] {
        refused_unchanged(&mut db, "validation", Some("name"), |db| {
            db.write(None, |w| customers::add(w, new(name, WA1)))
        });
    }
    let c = db
        .write(None, |w| {
            customers::add(w, new("\u{feff}Budi\u{200b}", WA1))
        })
        .unwrap();
    assert_eq!(c.name, "Budi");
    refused_unchanged(&mut db, "validation", Some("name"), |db| {
        db.write(None, |w| {
            customers::edit(
                w,
                &c.id,
                CustomerPatch {
                    name: Some("\u{2060}".into()),
                    ..Default::default()
                },
            )
        })
    });
    // An import row is the same customer add.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(
        &file,
        "name,whatsapp\n\"Siti\nAminah\",0813-1111-2222\n\u{200b},0857-1234-5678\n",
    )
    .unwrap();
    let s = import::import_customers(
        &mut db,
        None,
        &file,
        &ImportOptions::default(),
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!((s.imported, s.rejected), (0, 2));
    assert!(
        s.errors.iter().all(|e| e.field == Some("name")),
        "{:?}",
        s.errors
    );
}

#[test]
fn an_import_that_updates_a_customer_keeps_its_contacts_searchable() {
    let (_dir, mut db) = open();
    let budi = add(&mut db, "Budi", WA1);
    db.write(None, |w| {
        contacts::add(
            w,
            &budi.id,
            contact(ContactKind::Email, "budi.kantor@toko.co.id"),
        )?;
        contacts::add(w, &budi.id, contact(ContactKind::Phone, "0857-9999-1234"))
    })
    .unwrap();
    assert_eq!(found(&db, "kantor@toko"), [budi.local_id]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(
        &file,
        format!("name,whatsapp\nBudi Santoso,{WA1}\nSiti,{WA2}\n"),
    )
    .unwrap();
    let options = ImportOptions {
        on_duplicate: OnDuplicate::Update,
        ..ImportOptions::default()
    };
    let s = import::import_customers(&mut db, None, &file, &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert_eq!((s.imported, s.updated), (1, 1));
    assert_eq!(get(&db, &budi.id).name, "Budi Santoso");
    assert_eq!(found(&db, "kantor@toko"), [budi.local_id]);
    assert_eq!(found(&db, "0857 9999"), [budi.local_id]);
    assert_eq!(found(&db, "santoso"), [budi.local_id]);
}

/// A file as version 7 left it, with a customer holding extra contacts.
fn file_at_v7(path: &Path) {
    let conn = file_at_version(path, 7);
    conn.execute_batch(
        "INSERT INTO customers (uuid, name, whatsapp, status, created_at, updated_at, created_by)
         VALUES ('0190b7a4-0000-7000-8000-000000000001', 'Lama', '+6281234567890', 'active',
                 '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'admin');
         INSERT INTO customer_contacts (uuid, customer_id, type, value, created_at, updated_at)
         VALUES ('0190b7a4-0000-7000-8000-000000000002', 1, 'email', 'lama@kantor.co.id',
                 '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'),
                ('0190b7a4-0000-7000-8000-000000000003', 1, 'whatsapp', '+6285799991234',
                 '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
         INSERT INTO customer_contacts (uuid, customer_id, type, value, causal_length, created_at, updated_at)
         VALUES ('0190b7a4-0000-7000-8000-000000000004', 1, 'email', 'removed@gone.co.id', 2,
                 '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');",
    )
    .unwrap();
}

#[test]
fn the_contacts_of_a_file_made_before_v8_are_searchable_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    file_at_v7(&path);
    let db = Db::open(&path).unwrap();
    assert_eq!(found(&db, "kantor.co"), [1]);
    assert_eq!(found(&db, "0857 9999"), [1]);
    assert_eq!(found(&db, "6285799991234"), [1]);
    assert_eq!(
        found(&db, "gone.co"),
        Vec::<i64>::new(),
        "a removed contact"
    );
    assert_eq!(found(&db, "lama"), [1]);
}

#[test]
fn an_import_tells_a_kept_tag_colour_once() {
    let (_dir, mut db) = open();
    add(&mut db, "Budi", WA1);
    add(&mut db, "Siti", WA2);
    let eko = add(&mut db, "Eko", "0821-2222-3333");
    db.write(None, |w| {
        pelanggan_core::customers::add_tag(
            w,
            &eko.id,
            &pelanggan_core::tags::TagInput::parse("Lama:#ffaa00")?,
        )
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    // Two updated rows and two new ones give the shop's tag another colour.
    std::fs::write(
        &file,
        format!(
            "name,whatsapp,tags\nBudi,{WA1},VIP:#00ff00|Lama:#000000\nSiti,{WA2},Lama:#000000\n\
             Ani,{WA3},Lama:#000000\nDewi,{WA4},Lama:#000000\n"
        ),
    )
    .unwrap();
    let options = ImportOptions {
        on_duplicate: OnDuplicate::Update,
        ..ImportOptions::default()
    };
    let s = import::import_customers(&mut db, None, &file, &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert_eq!((s.imported, s.updated), (2, 2));
    let kept: Vec<_> = s
        .warnings
        .iter()
        .map(|w| (w.warning.code, w.warning.message.contains("'Lama'")))
        .collect();
    assert_eq!(kept, [("tag_color_kept", true)], "{:?}", s.warnings);
    assert_eq!(s.warning_count, 1);
    let lama: String = db
        .conn()
        .query_row("SELECT color FROM tags WHERE name = 'Lama'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(lama, "#ffaa00");
}

/// The JSON forms of the inputs an app sends: optional fields may be left
/// out, unknown ones are refused, and a patch tells "leave alone" (absent)
/// from "clear" (`null` or `""`).
#[test]
fn inputs_read_from_json() {
    use pelanggan_core::activity::ActivityQuery;
    use pelanggan_core::ledger::{EntryKind, EntryNote, HistoryQuery};
    use pelanggan_core::tags::TagInput;
    use serde_json::{from_value, json};

    let typed: NewCustomer = from_value(json!({
        "name": "Budi",
        "whatsapp": WA1,
        "initial_balance": "-50.000",
        "tags": [{"name": "VIP", "color": "#FFAA00"}, {"name": "Gold"}],
        "status": "inactive",
    }))
    .unwrap();
    assert_eq!(typed.initial_balance.unwrap().minor(), -5_000_000);
    assert_eq!(typed.tags[0].color.as_ref().unwrap().as_str(), "#ffaa00");
    assert_eq!(typed.tags[1].color, None);
    assert_eq!(typed.status, Some(customers::Status::Inactive));
    assert!(typed.email.is_none());
    // Unknown fields and bad colours are refused; a missing name is left to
    // `check`, which names the field.
    assert!(from_value::<NewCustomer>(json!({"name": "B", "whatsap": WA1})).is_err());
    assert!(from_value::<TagInput>(json!({"name": "VIP", "color": "gold"})).is_err());
    let (_dir, mut db) = open();
    let err = db
        .write(None, |w| {
            customers::add(w, from_value(json!({"whatsapp": WA1})).unwrap())
        })
        .unwrap_err();
    assert_eq!(err.field(), Some("name"));

    let patch: CustomerPatch = from_value(json!({
        "name": "Budi S",
        "email": null,
        "address": "",
        "notes": "Blok C",
    }))
    .unwrap();
    assert_eq!(patch.name.as_deref(), Some("Budi S"));
    assert_eq!(patch.email.as_deref(), Some(""), "null clears");
    assert_eq!(patch.address.as_deref(), Some(""), "empty clears");
    assert_eq!(patch.notes.as_deref(), Some("Blok C"));
    assert_eq!(patch.phone, None, "absent leaves alone");
    assert_eq!(patch.whatsapp, None);

    // Applied: null clears the email, absent leaves the phone.
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    email: Some("budi@example.com".into()),
                    phone: Some(WA2.into()),
                    address: Some("Jl. Mawar".into()),
                    ..new("Budi", WA1)
                },
            )
        })
        .unwrap();
    let edited = db
        .write(None, |w| customers::edit(w, &c.id, patch.clone()))
        .unwrap();
    assert_eq!(edited.name, "Budi S");
    assert_eq!(edited.email, None);
    assert_eq!(edited.address, None);
    assert_eq!(edited.phone, c.phone);
    assert_eq!(edited.notes.as_deref(), Some("Blok C"));

    let query: HistoryQuery = from_value(json!({
        "kind": "debit", "from": "2025-01-01", "limit": 10, "after": "42"
    }))
    .unwrap();
    assert_eq!(query.kind, Some(EntryKind::Debit));
    assert_eq!(query.to, None);
    assert_eq!(
        (query.limit, query.after.as_deref()),
        (Some(10), Some("42"))
    );
    let all: HistoryQuery = from_value(json!({})).unwrap();
    assert_eq!((all.limit, all.after), (None, None));
    let activity: ActivityQuery = from_value(json!({"limit": 2})).unwrap();
    assert_eq!((activity.limit, activity.after), (Some(2), None));
    let note: EntryNote = from_value(json!({"description": "Titip"})).unwrap();
    assert_eq!(
        (note.description.as_str(), note.reference_id),
        ("Titip", None)
    );

    let contact: NewContact =
        from_value(json!({"type": "email", "value": "b@example.com"})).unwrap();
    assert_eq!(contact.kind, ContactKind::Email);
    assert!(!contact.is_primary);
    assert!(from_value::<NewContact>(json!({"value": "b@example.com"})).is_err());
}
