//! Privacy erasures leave no trace in the file (issue 10, item 6): after
//! `anonymise_and_scrub` or `erase_and_scrub` the customer's name, e-mail,
//! number and address are in none of the bytes of the database, its WAL or a
//! backup taken afterwards; older copies are named. And (item 17) a customer
//! with live subscriptions is neither deleted nor anonymised until they are
//! cancelled.

mod common;

use std::path::{Path, PathBuf};

use pelanggan_core::balance;
use pelanggan_core::billing::subscriptions::{self, Cycle, NewSubscription, ServiceType};
use pelanggan_core::customers::{self, CustomerPatch, NewCustomer};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::privacy::Confirm;
use pelanggan_core::{Db, Money, privacy};

/// What identifies the customer, as the file would hold it.
const NAME: &str = "Zulkarnaen Qwibisono";
const VALUES: [&str; 6] = [
    "Zulkarnaen",
    "Qwibisono",
    "zulkarnaen.q@contoh.id",
    "6281298765432",
    "081298765432",
    "Jalan Kenanga Tujuh",
];

/// The values found in the bytes of `files` (the ones that exist).
fn found_in(files: &[PathBuf]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for v in VALUES {
            if bytes.windows(v.len()).any(|w| w == v.as_bytes()) {
                found.push(format!("{v} in {}", file.display()));
            }
        }
    }
    found
}

fn db_and_wal(db: &Db) -> Vec<PathBuf> {
    let mut wal = db.path().as_os_str().to_owned();
    wal.push("-wal");
    vec![db.path().to_path_buf(), PathBuf::from(wal)]
}

/// A copy through SQLite's online backup, as `pelanggan backup` makes it.
fn backup_to(db: &Db, file: &Path) -> PathBuf {
    db.conn()
        .backup(
            rusqlite::MAIN_DB,
            file,
            None::<fn(rusqlite::backup::Progress)>,
        )
        .unwrap();
    file.to_path_buf()
}

/// A shop of 2,000 customers and the one to erase, with a history that
/// rewrote their row many times (every ledger entry moves the balance) and
/// edited others around it.
fn shop_with_history(db: &mut Db) -> String {
    db.write(None, |w| {
        for i in 0..2000 {
            customers::add(
                w,
                NewCustomer {
                    name: format!("Orang {i}"),
                    whatsapp: format!("0857{:08}", 10_000_000 + i),
                    email: Some(format!("orang{i}@contoh.id")),
                    ..Default::default()
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    let c = db
        .write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: NAME.into(),
                    whatsapp: "0812-9876-5432".into(),
                    email: Some("zulkarnaen.q@contoh.id".into()),
                    address: Some("Jalan Kenanga Tujuh".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    for k in 0..120 {
        db.write(None, |w| {
            balance::credit(w, &c.id, Money::from_minor(100 + k), &EntryNote::new("x"))
        })
        .unwrap();
        if k % 10 == 0 {
            db.write(None, |w| {
                customers::edit(
                    w,
                    &c.id,
                    CustomerPatch {
                        notes: Some(format!("catatan {k}")),
                        ..Default::default()
                    },
                )?;
                for i in 0..40 {
                    let other = (1 + (k * 37 + i * 11) % 2000).to_string();
                    customers::edit(
                        w,
                        &other,
                        CustomerPatch {
                            notes: Some(format!("n{k}")),
                            ..Default::default()
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap();
        }
    }
    c.id
}

/// How many rows of the search index hold `term` (a trigram of the name).
fn indexed(db: &Db, term: &str) -> i64 {
    db.conn()
        .query_row(
            "SELECT coalesce(sum(doc), 0) FROM (
               SELECT doc FROM customer_search_vocab WHERE term = ?1
               UNION ALL SELECT doc FROM customer_search_deleted_vocab WHERE term = ?1)",
            [term],
            |r| r.get(0),
        )
        .unwrap()
}

/// The search index's tombstone pages: a deleted row's postings stay in its
/// segment, behind a tombstone, until the segment is rewritten. (FTS5 keeps
/// them under rowids from segment id 65536 up: `FTS5_TOMBSTONE_ROWID`.)
fn tombstones(db: &Db) -> i64 {
    db.conn()
        .query_row(
            "SELECT (SELECT count(*) FROM customer_search_data WHERE id >= 65536 << 37)
                  + (SELECT count(*) FROM customer_search_deleted_data WHERE id >= 65536 << 37)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Pages freed by an earlier write that are not zeroed (as an import's index
/// rebuild frees the old index's pages): they hold copies of every row.
fn free_pages_with_copies(db: &Db) {
    common::raw(db)
        .execute_batch(
            "CREATE TABLE scratch AS SELECT * FROM customers;
             INSERT INTO scratch SELECT * FROM scratch; INSERT INTO scratch SELECT * FROM scratch;
             INSERT INTO scratch SELECT * FROM scratch; INSERT INTO scratch SELECT * FROM scratch;
             DROP TABLE scratch;",
        )
        .unwrap();
    db.checkpoint().unwrap();
}

#[test]
fn anonymise_leaves_the_values_in_no_byte_of_the_file_its_wal_or_a_later_backup() {
    let (dir, mut db) = common::open();
    let id = shop_with_history(&mut db);
    db.checkpoint().unwrap();
    assert!(
        !found_in(&db_and_wal(&db)).is_empty(),
        "the values are there"
    );
    assert_eq!(indexed(&db, "qwi"), 1);
    // Older copies: a daily backup and a copy kept by a migration.
    std::fs::create_dir_all(dir.path().join("backups")).unwrap();
    let daily = backup_to(&db, &dir.path().join("backups/pelanggan-2026-11-30.db"));
    let kept = backup_to(
        &db,
        &dir.path().join("shop.db.before-v8-20261130T000000.bak"),
    );
    let unrelated = dir.path().join("backups/notes.db");
    std::fs::write(&unrelated, b"not a backup").unwrap();
    free_pages_with_copies(&db);
    // The same write alone, without clearing the file, leaves them there.
    {
        let copy = dir.path().join("plain.db");
        backup_to(&db, &copy);
        let mut plain = Db::open(&copy).unwrap();
        plain
            .write(None, |w| privacy::anonymise(w, &id, Confirm::Yes))
            .unwrap();
        plain.checkpoint().unwrap();
        assert!(!found_in(&db_and_wal(&plain)).is_empty());
        assert!(tombstones(&plain) > 0);
    }

    let done = privacy::anonymise_and_scrub(&mut db, None, &id, Confirm::Yes).unwrap();
    assert_eq!(done.customer.name, privacy::ANONYMOUS_NAME);
    let found = found_in(&db_and_wal(&db));
    assert!(found.is_empty(), "still in the file: {found:?}");
    assert!(done.file.wal_cleared);
    assert!(!done.file.file_rewritten, "a new file needs no rewrite");
    assert_eq!(done.file.older_copies, [daily.clone(), kept.clone()]);
    assert!(
        !found_in(&[daily]).is_empty(),
        "the old copies do hold them"
    );
    assert_eq!(indexed(&db, "qwi"), 0, "gone from the search index");
    assert_eq!(tombstones(&db), 0, "no segment keeps the old postings");
    let later = backup_to(&db, &dir.path().join("later.db"));
    assert!(found_in(&[later]).is_empty());
    // Search still works for everyone else.
    assert_eq!(indexed(&db, "ang"), 2000);
    common::assert_ledger_invariant(db.reader().unwrap());
}

#[test]
fn erase_leaves_the_values_in_no_byte_of_the_file_its_wal_or_a_later_backup() {
    let (dir, mut db) = common::open();
    let id = shop_with_history(&mut db);
    free_pages_with_copies(&db);
    let done = privacy::erase_and_scrub(&mut db, None, &id, true, Confirm::Yes).unwrap();
    assert!(done.rows_deleted > 100);
    let found = found_in(&db_and_wal(&db));
    assert!(found.is_empty(), "still in the file: {found:?}");
    assert!(done.file.wal_cleared && done.file.older_copies.is_empty());
    let later = backup_to(&db, &dir.path().join("later.db"));
    assert!(found_in(&[later]).is_empty());
    // The index was rewritten without the erased row's postings.
    assert_eq!((indexed(&db, "qwi"), tombstones(&db)), (0, 0));
    assert!(done.file.free_pages_zeroed > 0);
}

#[test]
fn a_file_from_before_v9_is_rewritten_once_by_the_first_erase() {
    let (_dir, mut db) = common::open();
    // The history written as a program before V9 wrote it, without zeroing
    // deleted content: stale copies of the customer's row stay in pages.
    db.conn()
        .pragma_update(None, "secure_delete", "OFF")
        .unwrap();
    let id = shop_with_history(&mut db);
    db.conn()
        .pragma_update(None, "secure_delete", "FAST")
        .unwrap();
    common::raw(&db)
        .execute("UPDATE privacy_file SET rewrite_needed = 1", [])
        .unwrap();

    let done = privacy::anonymise_and_scrub(&mut db, None, &id, Confirm::Yes).unwrap();
    assert!(done.file.file_rewritten, "{:?}", done.file);
    let found = found_in(&db_and_wal(&db));
    assert!(found.is_empty(), "still in the file: {found:?}");
    let needed: bool = db
        .conn()
        .query_row("SELECT rewrite_needed FROM privacy_file", [], |r| r.get(0))
        .unwrap();
    assert!(!needed, "once only");
    let other = common::add(&mut db, "Sekali Lagi", common::WA4);
    let again = privacy::erase_and_scrub(&mut db, None, &other.id, false, Confirm::Yes).unwrap();
    assert!(!again.file.file_rewritten);
}

#[test]
fn a_new_file_is_marked_clean_and_connections_zero_deleted_content() {
    let (_dir, db) = common::open();
    let needed: bool = db
        .conn()
        .query_row("SELECT rewrite_needed FROM privacy_file", [], |r| r.get(0))
        .unwrap();
    assert!(!needed);
    let mode: i64 = db
        .conn()
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, 2, "secure_delete = FAST");
}

fn subscribe(db: &mut Db, customer: &str, username: &str) {
    db.write(None, |w| {
        subscriptions::add(
            w,
            customer,
            NewSubscription {
                kind: ServiceType::Pppoe,
                username: username.into(),
                profile: "10M".into(),
                price: Money::from_minor(15_000_000),
                cycle: Some(Cycle::Monthly),
                start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            },
        )
    })
    .unwrap();
}

#[test]
fn a_customer_with_live_subscriptions_is_neither_deleted_nor_anonymised() {
    let (_dir, mut db) = common::open();
    let budi = common::add(&mut db, "Budi", common::WA1).id;
    subscribe(&mut db, &budi, "budi-pppoe");
    subscribe(&mut db, &budi, "budi-hs");
    db.write(None, |w| subscriptions::suspend(w, "budi-hs"))
        .unwrap();

    let before = common::snapshot(&db);
    let e = common::assert_refused(
        db.write(None, |w| customers::delete(w, &budi)),
        "customer_has_subscriptions",
        None,
    );
    let message = e.to_string();
    assert!(
        message.contains("budi-pppoe") && message.contains("budi-hs") && message.contains("cancel"),
        "{message}"
    );
    common::assert_refused(
        privacy::anonymise_and_scrub(&mut db, None, &budi, Confirm::Yes),
        "customer_has_subscriptions",
        None,
    );
    common::assert_refused(
        db.write(None, |w| privacy::anonymise(w, &budi, Confirm::Yes)),
        "customer_has_subscriptions",
        None,
    );
    assert_eq!(common::snapshot(&db), before, "nothing written");

    // Cancelled (a suspended one too): then both go through.
    db.write(None, |w| subscriptions::cancel(w, "budi-pppoe"))
        .unwrap();
    common::assert_refused(
        db.write(None, |w| customers::delete(w, &budi)),
        "customer_has_subscriptions",
        None,
    );
    db.write(None, |w| subscriptions::cancel(w, "budi-hs"))
        .unwrap();
    db.write(None, |w| customers::delete(w, &budi)).unwrap();
    db.write(None, |w| customers::restore(w, &budi)).unwrap();
    privacy::anonymise_and_scrub(&mut db, None, &budi, Confirm::Yes).unwrap();
    // A privacy delete removes the subscriptions with everything else.
    let sari = common::add(&mut db, "Sari", common::WA2).id;
    subscribe(&mut db, &sari, "sari-pppoe");
    privacy::erase_and_scrub(&mut db, None, &sari, false, Confirm::Yes).unwrap();
    assert!(subscriptions::get(db.reader().unwrap(), "sari-pppoe").is_err());
}
