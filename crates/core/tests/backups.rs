//! Backups taken while others write, restore with its checks, daily rotation.

mod common;

use std::path::Path;

use common::open;
use pelanggan_core::backup;
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::progress::Cancel;
use pelanggan_core::{Db, Money, ledger};

fn count(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_backup_taken_while_another_process_writes_is_consistent() {
    let (dir, mut db) = open();
    let budi = common::add(&mut db, "Budi", common::WA1);
    let path = db.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        let mut db = Db::open(&path).unwrap();
        for _ in 0..200 {
            db.write(None, |w| {
                ledger::credit(w, &budi.id, Money::from_minor(100), &EntryNote::new("x"))
            })
            .unwrap();
        }
    });
    let target = dir.path().join("copy.db");
    let mut steps = 0;
    let info = backup::backup(
        &db,
        &target,
        &mut |p| {
            steps += 1;
            assert!(p.done <= p.total);
        },
        &Cancel::new(),
    )
    .unwrap();
    writer.join().unwrap();
    assert!(steps >= 1 && info.bytes > 0);
    assert!(!dir.path().join("copy.db.partial").exists());
    assert_eq!(
        backup::check_backup(&target).unwrap(),
        pelanggan_core::db::latest_schema_version()
    );
    let copy = Db::open(&target).unwrap();
    common::assert_ledger_invariant(copy.conn());
    // Refuses to overwrite.
    let again = backup::backup(&db, &target, &mut |_| {}, &Cancel::new());
    assert_eq!(again.unwrap_err().code(), "file_exists");
}

#[test]
fn restore_brings_back_the_backup_and_keeps_the_current_file() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let target = dir.path().join("monday.db");
    backup::backup(&db, &target, &mut |_| {}, &Cancel::new()).unwrap();
    common::add(&mut db, "Sari", common::WA2);
    assert_eq!(count(&db), 2);

    let (db, info) = backup::restore(db, &target, &mut |_| {}, &Cancel::new()).unwrap();
    assert_eq!(count(&db), 1);
    let kept = Db::open(info.previous_kept_at.unwrap()).unwrap();
    assert_eq!(count(&kept), 2);
    // The restored file is a working database.
    let mut db = db;
    common::add(&mut db, "Dewi", common::WA3);
    assert_eq!(count(&db), 2);
}

/// A backup of a file made before new files got 16 KiB pages (4 KiB) restores
/// into a new file, as when a shop moves to a new computer.
#[test]
fn a_backup_with_another_page_size_restores() {
    let dir = tempfile::tempdir().unwrap();
    let old_path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&old_path).unwrap();
        conn.pragma_update(None, "page_size", 4096).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    }
    let mut old = Db::open(&old_path).unwrap();
    common::add(&mut old, "Budi", common::WA1);
    let page_size = |db: &Db| -> i64 {
        db.conn()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(page_size(&old), 4096);
    let target = dir.path().join("old-backup.db");
    backup::backup(&old, &target, &mut |_| {}, &Cancel::new()).unwrap();

    let (_new_dir, new) = open();
    assert_ne!(page_size(&new), 4096);
    // While another program has the file open, the page size cannot change.
    let path = new.path().to_path_buf();
    let other = Db::open(&path).unwrap();
    let refused = backup::restore(new, &target, &mut |_| {}, &Cancel::new());
    assert_eq!(refused.err().map(|e| e.code()), Some("conflict"));
    drop(other);
    let new = Db::open(&path).unwrap();
    assert_eq!(count(&new), 0);
    let (mut db, _) = backup::restore(new, &target, &mut |_| {}, &Cancel::new()).unwrap();
    assert_eq!(count(&db), 1);
    assert_eq!(page_size(&db), 4096);
    common::add(&mut db, "Sari", common::WA2);
    assert_eq!(count(&db), 2);
    let mode: String = db
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn restore_refuses_what_is_not_a_good_backup() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let before = common::snapshot(&db);
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"this is not a database at all, just text").unwrap();
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    let newer = dir.path().join("newer.db");
    backup::backup(&db, &newer, &mut |_| {}, &Cancel::new()).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')",
            [],
        )
        .unwrap();
    for bad in [
        garbage.as_path(),
        foreign.as_path(),
        newer.as_path(),
        Path::new("/nonexistent/x.db"),
    ] {
        assert_eq!(
            backup::check_backup(bad).unwrap_err().code(),
            "invalid_backup",
            "{bad:?}"
        );
    }
    let path = db.path().to_path_buf();
    let Err(e) = backup::restore(db, &garbage, &mut |_| {}, &Cancel::new()) else {
        panic!("restored garbage");
    };
    assert_eq!(e.code(), "invalid_backup");
    assert_eq!(common::snapshot(&Db::open(&path).unwrap()), before);
}

#[test]
fn daily_backups_rotate() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(backups.join("notes.txt"), b"not a backup").unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    for d in 1..=5 {
        assert!(
            backup::auto_backup(&db, &backups, 3, day(d))
                .unwrap()
                .made
                .is_some()
        );
    }
    // Twice on one day makes one backup.
    assert!(
        backup::auto_backup(&db, &backups, 3, day(5))
            .unwrap()
            .made
            .is_none()
    );
    let mut left: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "notes.txt",
            "pelanggan-2026-11-03.db",
            "pelanggan-2026-11-04.db",
            "pelanggan-2026-11-05.db"
        ]
    );
    assert_eq!(
        backup::auto_backup(&db, &backups, 0, day(6))
            .unwrap_err()
            .field(),
        Some("keep")
    );
}
