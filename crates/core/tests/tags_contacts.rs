//! Tags (one name and colour across the shop, once per customer, popular
//! counts) and extra contacts (validated per type, one primary per type).

mod common;

use common::*;
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customers;
use pelanggan_core::tags::{self, TagColor, TagInput};

fn tag(spec: &str) -> TagInput {
    TagInput::parse(spec).unwrap()
}

fn tag_names(db: &pelanggan_core::Db, reference: &str) -> Vec<(String, String)> {
    get(db, reference)
        .tags
        .into_iter()
        .map(|t| (t.name, t.color))
        .collect()
}

#[test]
fn a_tag_has_one_name_and_one_colour_across_the_shop() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let b = add(&mut db, "Siti", WA2);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP:#FFAA00")))
        .unwrap();
    // Same tag, other case, no colour: the shop's one tag, with its colour.
    db.write(None, |w| customers::add_tag(w, &b.id, &tag("vip")))
        .unwrap();
    assert_eq!(
        tag_names(&db, &a.id),
        [("VIP".to_string(), "#ffaa00".to_string())]
    );
    assert_eq!(
        tag_names(&db, &b.id),
        [("VIP".to_string(), "#ffaa00".to_string())]
    );
    let count: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
    // Another colour given when tagging does not recolour the shop's tag:
    // it is kept, and a warning says so.
    let c = add(&mut db, "Ani", WA3);
    let tagged = db
        .write_warned(None, |w| customers::add_tag(w, &c.id, &tag("Vip:#00ff00")))
        .unwrap();
    assert_eq!(codes(&tagged.warnings), ["tag_color_kept"]);
    assert_eq!(tagged.warnings[0].field, Some("color"));
    let message = &tagged.warnings[0].message;
    assert!(
        message.contains("#ffaa00") && message.contains("#00ff00") && message.contains("VIP"),
        "{message}"
    );
    for id in [&a.id, &b.id, &c.id] {
        assert_eq!(
            tag_names(&db, id),
            [("VIP".to_string(), "#ffaa00".to_string())]
        );
    }
    // The same colour, or none, says nothing.
    let d = add(&mut db, "Dewi", WA4);
    let quiet = db
        .write_warned(None, |w| customers::add_tag(w, &d.id, &tag("vip:#FFAA00")))
        .unwrap();
    assert!(quiet.warnings.is_empty(), "{:?}", quiet.warnings);

    // Only `set_color` recolours, for everyone, with a change-log row.
    let changes_before = rows(&db, "change_log");
    let usage = db
        .write(None, |w| {
            tags::set_color(w, "vip", &TagColor::parse("#00FF00")?)
        })
        .unwrap();
    assert_eq!(
        (usage.name.as_str(), usage.color.as_str(), usage.count),
        ("VIP", "#00ff00", 4)
    );
    assert_eq!(rows(&db, "change_log"), changes_before + 1);
    for id in [&a.id, &b.id, &c.id, &d.id] {
        assert_eq!(
            tag_names(&db, id),
            [("VIP".to_string(), "#00ff00".to_string())]
        );
    }
    // An unknown tag is not made by recolouring it.
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| {
            tags::set_color(w, "Gold", &TagColor::parse("#123456")?)
        })
    });
}

fn codes(warnings: &[pelanggan_core::Warning]) -> Vec<&'static str> {
    warnings.iter().map(|w| w.code).collect()
}

fn rows(db: &pelanggan_core::Db, table: &str) -> i64 {
    db.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_customer_s_tags_keep_the_shop_s_colours() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP:#ffaa00")))
        .unwrap();
    // `customer add --tag VIP:#000000 --tag Gold:#123456`: the existing tag
    // keeps its colour (warned), the new one takes the given colour.
    let added = db
        .write_warned(None, |w| {
            customers::add(
                w,
                customers::NewCustomer {
                    name: "Siti".into(),
                    whatsapp: WA2.into(),
                    tags: vec![tag("VIP:#000000"), tag("Gold:#123456")],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(codes(&added.warnings), ["tag_color_kept"]);
    assert_eq!(
        tag_names(&db, &added.value.id),
        [
            ("Gold".to_string(), "#123456".to_string()),
            ("VIP".to_string(), "#ffaa00".to_string())
        ]
    );
    assert_eq!(
        tag_names(&db, &a.id),
        [("VIP".to_string(), "#ffaa00".to_string())]
    );
}

#[test]
fn a_new_tag_gets_the_default_colour() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("Reseller")))
        .unwrap();
    assert_eq!(
        tag_names(&db, &a.id),
        [("Reseller".to_string(), tags::DEFAULT_COLOR.to_string())]
    );
}

#[test]
fn a_tag_is_unique_per_customer() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP")))
        .unwrap();
    for again in ["VIP", "vip", " VIP ", "VIP:#123456"] {
        let err = refused_unchanged(&mut db, "duplicate_tag", Some("tag"), |db| {
            db.write(None, |w| customers::add_tag(w, &a.id, &tag(again)))
        });
        assert!(err.to_string().contains("VIP"), "{err}");
    }
}

#[test]
fn bad_tags_are_refused() {
    assert_eq!(
        TagInput::parse("VIP:#gold").unwrap_err().field(),
        Some("color")
    );
    assert_eq!(TagColor::parse("#gold").unwrap_err().code(), "validation");
    for bad in ["#ffaa0", "ffaa00", "#ffaa000", "#GGGGGG", "red"] {
        assert_eq!(
            TagColor::parse(bad).unwrap_err().field(),
            Some("color"),
            "{bad}"
        );
    }
    let err = TagInput::new(&"t".repeat(51), None).unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.field()),
        ("validation", Some("tag"))
    );
    assert!(TagInput::new(&"t".repeat(50), None).is_ok());
    assert_eq!(TagInput::new("  ", None).unwrap_err().field(), Some("tag"));

    // Past the constructor, the core still refuses, and writes nothing.
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    for name in ["t".repeat(51), "  ".to_string()] {
        refused_unchanged(&mut db, "validation", Some("tag"), |db| {
            db.write(None, |w| {
                customers::add_tag(w, &a.id, &TagInput { name, color: None })
            })
        });
    }
}

#[test]
fn remove_then_re_add_works_and_names_match_case_insensitively() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP")))
        .unwrap();
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("Gold")))
        .unwrap();
    let after = db
        .write(None, |w| customers::remove_tag(w, &a.id, "vip"))
        .unwrap();
    assert_eq!(
        after
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Gold"]
    );
    // Removing it again: not on this customer any more.
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| customers::remove_tag(w, &a.id, "VIP"))
    });
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| customers::remove_tag(w, &a.id, "Never"))
    });
    refused_unchanged(&mut db, "validation", Some("tag"), |db| {
        db.write(None, |w| customers::remove_tag(w, &a.id, " "))
    });

    let back = db
        .write(None, |w| customers::add_tag(w, &a.id, &tag("VIP")))
        .unwrap();
    assert_eq!(
        back.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Gold", "VIP"]
    );
    // One link row per (customer, tag), revived with its causal length: 1 -> 2 -> 3.
    let (links, cl): (i64, i64) = db
        .conn()
        .query_row(
            "SELECT count(*), max(ct.causal_length) FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id
             WHERE t.name = 'VIP'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((links, cl), (1, 3));
    db.write(None, |w| customers::remove_tag(w, &a.id, "VIP"))
        .unwrap();
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("vip")))
        .unwrap();
    assert_eq!(tag_names(&db, &a.id).len(), 2);
}

#[test]
fn a_link_id_is_derived_from_customer_and_tag() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP")))
        .unwrap();
    let (link, tag_uuid): (String, String) = db
        .conn()
        .query_row(
            "SELECT ct.uuid, t.uuid FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let customer = uuid::Uuid::parse_str(&a.id).unwrap();
    let tag_id = uuid::Uuid::parse_str(&tag_uuid).unwrap();
    assert_eq!(
        link,
        uuid::Uuid::new_v5(&customer, tag_id.as_bytes()).to_string()
    );
    assert_eq!(tag_id.get_version_num(), 5);
    // Another database makes the same tag id for the same name.
    let (_dir2, mut db2) = open();
    let b = add(&mut db2, "Siti", WA2);
    db2.write(None, |w| customers::add_tag(w, &b.id, &tag("vip")))
        .unwrap();
    let other: String = db2
        .conn()
        .query_row("SELECT uuid FROM tags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(other, tag_uuid);
}

#[test]
fn popular_tags_count_live_customers() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let b = add(&mut db, "Siti", WA2);
    let c = add(&mut db, "Ani", WA3);
    for (id, name) in [
        (&a.id, "VIP"),
        (&b.id, "VIP"),
        (&c.id, "VIP"),
        (&a.id, "Gold"),
        (&b.id, "Gold"),
        (&c.id, "Rare"),
    ] {
        db.write(None, |w| customers::add_tag(w, id, &tag(name)))
            .unwrap();
    }
    let counts = |db: &pelanggan_core::Db, popular: bool| -> Vec<(String, u32)> {
        tags::list(db.reader().unwrap(), popular)
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.count))
            .collect()
    };
    let s = |n: &str, k: u32| (n.to_string(), k);
    assert_eq!(counts(&db, true), [s("VIP", 3), s("Gold", 2), s("Rare", 1)]);
    // A removed link and a deleted customer no longer count.
    db.write(None, |w| customers::remove_tag(w, &a.id, "Gold"))
        .unwrap();
    db.write(None, |w| customers::delete(w, &c.id)).unwrap();
    assert_eq!(counts(&db, true), [s("VIP", 2), s("Gold", 1)]);
    // The full list keeps every tag, by name.
    assert_eq!(
        counts(&db, false),
        [s("Gold", 1), s("Rare", 0), s("VIP", 2)]
    );
    db.write(None, |w| customers::restore(w, &c.id)).unwrap();
    assert_eq!(counts(&db, true), [s("VIP", 3), s("Gold", 1), s("Rare", 1)]);
}

fn contact(kind: ContactKind, value: &str, is_primary: bool) -> NewContact {
    NewContact {
        kind,
        value: value.into(),
        is_primary,
        notes: None,
    }
}

#[test]
fn contacts_add_list_remove() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let wa = db
        .write(None, |w| {
            contacts::add(
                w,
                &a.id,
                contact(ContactKind::Whatsapp, "62 813 1111 2222", false),
            )
        })
        .unwrap();
    assert_eq!(
        (wa.kind, wa.value.as_str(), wa.is_primary),
        (ContactKind::Whatsapp, WA2_E164, false)
    );
    assert_eq!(wa.customer_id, a.id);
    let phone = db
        .write(None, |w| {
            contacts::add(
                w,
                &a.id,
                contact(ContactKind::Phone, "(021) 5795 1234", false),
            )
        })
        .unwrap();
    assert_eq!(phone.value, "+622157951234");
    let email = db
        .write(None, |w| {
            contacts::add(
                w,
                WA1,
                NewContact {
                    notes: Some("kantor".into()),
                    ..contact(ContactKind::Email, " budi@kantor.co.id ", true)
                },
            )
        })
        .unwrap();
    assert_eq!(
        (
            email.value.as_str(),
            email.is_primary,
            email.notes.as_deref()
        ),
        ("budi@kantor.co.id", true, Some("kantor"))
    );

    let listed = contacts::list(db.reader().unwrap(), &a.id).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(
        listed.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [
            ContactKind::Email,
            ContactKind::Phone,
            ContactKind::Whatsapp
        ]
    );

    let removed = db
        .write(None, |w| contacts::remove(w, &a.id, &phone.id))
        .unwrap();
    assert_eq!(removed.id, phone.id);
    assert_eq!(
        contacts::list(db.reader().unwrap(), &a.id).unwrap().len(),
        2
    );
    // Gone: removing or promoting it again is not_found; so is another customer's contact.
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| contacts::remove(w, &a.id, &phone.id))
    });
    let b = add(&mut db, "Siti", WA3);
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| contacts::remove(w, &b.id, &wa.id))
    });
    refused_unchanged(&mut db, "not_found", None, |db| {
        db.write(None, |w| contacts::set_primary(w, &b.id, &wa.id))
    });
    // Found by local id too.
    let by_local = db
        .write(None, |w| {
            contacts::set_primary(w, &a.id, &wa.local_id.to_string())
        })
        .unwrap();
    assert!(by_local.is_primary);
    // The same value, removed, can be added again.
    db.write(None, |w| {
        contacts::add(
            w,
            &a.id,
            contact(ContactKind::Phone, "021 5795 1234", false),
        )
    })
    .unwrap();
}

#[test]
fn contact_values_are_validated_by_type() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let cases = [
        (
            ContactKind::Whatsapp,
            "12345".to_string(),
            "invalid_whatsapp",
        ),
        (
            ContactKind::Whatsapp,
            "0812".to_string(),
            "invalid_whatsapp",
        ),
        (
            ContactKind::Whatsapp,
            "nomor saya".to_string(),
            "invalid_whatsapp",
        ),
        (ContactKind::Phone, "12345".to_string(), "invalid_phone"),
        (ContactKind::Phone, "abc".to_string(), "invalid_phone"),
        (ContactKind::Email, "budi@".to_string(), "validation"),
        (
            ContactKind::Email,
            "budi@localhost".to_string(),
            "validation",
        ),
        (ContactKind::Email, "".to_string(), "validation"),
        (ContactKind::Whatsapp, "  ".to_string(), "validation"),
        (
            ContactKind::Email,
            format!("budi@{}.{}.com", "a".repeat(60), "b".repeat(31)),
            "validation",
        ),
        (ContactKind::Phone, "0".repeat(101), "validation"),
    ];
    for (kind, value, code) in cases {
        refused_unchanged(&mut db, code, Some("value"), |db| {
            db.write(None, |w| {
                contacts::add(w, &a.id, contact(kind, &value, false))
            })
        });
    }
    refused_unchanged(&mut db, "validation", Some("notes"), |db| {
        db.write(None, |w| {
            contacts::add(
                w,
                &a.id,
                NewContact {
                    notes: Some("n".repeat(201)),
                    ..contact(ContactKind::Phone, WA2, false)
                },
            )
        })
    });
    assert_eq!("wa".parse::<ContactKind>().unwrap(), ContactKind::Whatsapp);
    assert_eq!(
        "fax".parse::<ContactKind>().unwrap_err().field(),
        Some("type")
    );
}

#[test]
fn a_contact_twice_on_one_customer_is_a_conflict() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    db.write(None, |w| {
        contacts::add(w, &a.id, contact(ContactKind::Whatsapp, WA2, false))
    })
    .unwrap();
    db.write(None, |w| {
        contacts::add(
            w,
            &a.id,
            contact(ContactKind::Email, "budi@example.com", false),
        )
    })
    .unwrap();
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            contacts::add(
                w,
                &a.id,
                contact(ContactKind::Whatsapp, "+62 813-1111-2222", true),
            )
        })
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            contacts::add(
                w,
                &a.id,
                contact(ContactKind::Email, "BUDI@example.com", false),
            )
        })
    });
    // The same number as another type is a different contact.
    db.write(None, |w| {
        contacts::add(w, &a.id, contact(ContactKind::Phone, WA2, false))
    })
    .unwrap();
}

#[test]
fn only_one_primary_per_type() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let w1 = db
        .write(None, |w| {
            contacts::add(w, &a.id, contact(ContactKind::Whatsapp, WA2, true))
        })
        .unwrap();
    let e1 = db
        .write(None, |w| {
            contacts::add(w, &a.id, contact(ContactKind::Email, "a@example.com", true))
        })
        .unwrap();
    let w2 = db
        .write(None, |w| {
            contacts::add(w, &a.id, contact(ContactKind::Whatsapp, WA3, true))
        })
        .unwrap();
    let w3 = db
        .write(None, |w| {
            contacts::add(w, &a.id, contact(ContactKind::Whatsapp, WA4, false))
        })
        .unwrap();
    let primaries = |db: &pelanggan_core::Db| -> Vec<String> {
        contacts::list(db.reader().unwrap(), &a.id)
            .unwrap()
            .into_iter()
            .filter(|c| c.is_primary)
            .map(|c| c.id)
            .collect()
    };
    // Adding w2 as primary took it from w1; the email's primary is untouched.
    let mut expected = vec![e1.id.clone(), w2.id.clone()];
    expected.sort();
    let mut got = primaries(&db);
    got.sort();
    assert_eq!(got, expected);

    let promoted = db
        .write(None, |w| contacts::set_primary(w, &a.id, &w3.id))
        .unwrap();
    assert!(promoted.is_primary);
    let mut got = primaries(&db);
    got.sort();
    let mut expected = vec![e1.id.clone(), w3.id.clone()];
    expected.sort();
    assert_eq!(got, expected);
    // Primary first within its type.
    let listed = contacts::list(db.reader().unwrap(), &a.id).unwrap();
    let was: Vec<_> = listed
        .iter()
        .filter(|c| c.kind == ContactKind::Whatsapp)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(was, [w3.id.clone(), w1.id.clone(), w2.id.clone()]);
    // Setting the primary one again changes nothing.
    let before = snapshot(&db);
    db.write(None, |w| contacts::set_primary(w, &a.id, &w3.id))
        .unwrap();
    assert_eq!(snapshot(&db), before);
    // Removing the primary leaves no primary of that type.
    db.write(None, |w| contacts::remove(w, &a.id, &w3.id))
        .unwrap();
    assert_eq!(primaries(&db), vec![e1.id.clone()]);
    let n: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM customer_contacts WHERE is_primary = 1 GROUP BY customer_id, type
             ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn contacts_of_a_deleted_customer_are_frozen() {
    let (_dir, mut db) = open();
    let a = add(&mut db, "Budi", WA1);
    let k = db
        .write(None, |w| {
            contacts::add(w, &a.id, contact(ContactKind::Phone, WA2, false))
        })
        .unwrap();
    db.write(None, |w| customers::add_tag(w, &a.id, &tag("VIP")))
        .unwrap();
    db.write(None, |w| customers::delete(w, &a.id)).unwrap();
    let id = a.id.clone();
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| {
            contacts::add(w, &id, contact(ContactKind::Email, "a@example.com", false))
        })
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| contacts::remove(w, &id, &k.id))
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| contacts::set_primary(w, &id, &k.id))
    });
    refused_unchanged(&mut db, "conflict", None, |db| {
        db.write(None, |w| customers::remove_tag(w, &id, "VIP"))
    });
}

/// The activity log is paged newest first by an id cursor, like the ledger.
#[test]
fn activity_pages_follow_the_cursor() {
    use pelanggan_core::activity::{self, ActivityQuery};
    let (_dir, mut db) = open();
    let c = add(&mut db, "Budi", WA1);
    for name in ["A", "B", "C", "D"] {
        db.write(None, |w| customers::add_tag(w, &c.id, &tag(name)))
            .unwrap();
    }
    let everything =
        activity::list(db.reader().unwrap(), &c.id, &ActivityQuery::default()).unwrap();
    assert_eq!(
        (everything.items.len(), everything.next.as_deref()),
        (5, None)
    );
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = activity::list(
            db.reader().unwrap(),
            &c.id,
            &ActivityQuery {
                limit: Some(2),
                after: after.take(),
            },
        )
        .unwrap();
        seen.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, everything.items);
    assert_eq!(seen.last().unwrap().action(), "created");
}
