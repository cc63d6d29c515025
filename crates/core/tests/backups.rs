//! Backups taken while others write, restore with its checks, daily rotation.

mod common;

use std::path::Path;

use common::open;
use pelanggan_core::backup;
use pelanggan_core::balance;
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::progress::Cancel;
use pelanggan_core::{Db, Money};

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
                balance::credit(w, &budi.id, Money::from_minor(100), &EntryNote::new("x"))
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
    common::assert_ledger_invariant(copy.reader().unwrap());
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
    assert_eq!(refused.err().map(|e| e.code().as_str()), Some("conflict"));
    drop(other);
    let new = Db::open(&path).unwrap();
    assert_eq!(count(&new), 0);
    let (mut db, info) = backup::restore(new, &target, &mut |_| {}, &Cancel::new()).unwrap();
    assert_eq!(count(&db), 1);
    assert_eq!(page_size(&db), 4096);
    // Kept as the file's bytes (rollback mode locks readers out): a whole database.
    let kept = info.previous_kept_at.unwrap();
    backup::check_backup(&kept).unwrap();
    assert_eq!(count(&Db::open(&kept).unwrap()), 0);
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

/// Adds `n` customers with numbers 0812-9xxx-xxxx in one write.
fn add_many(db: &mut Db, n: u32, from: u32) {
    db.write(None, |w| {
        for i in from..from + n {
            pelanggan_core::customers::add(
                w,
                pelanggan_core::customers::NewCustomer {
                    name: format!("Pelanggan {i}"),
                    whatsapp: format!("0812{:08}", 90_000_000 + i),
                    ..Default::default()
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
}

/// Item 3 of issue 10: a restore that starts while another program holds a
/// write transaction (an import) waits for it, and only then keeps the
/// current file: what the other program committed is in the kept copy (or,
/// had the restore given up with `busy`, still in the database).
#[test]
fn restore_during_a_long_write_keeps_what_the_writer_committed() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let monday = dir.path().join("monday.db");
    backup::backup(&db, &monday, &mut |_| {}, &Cancel::new()).unwrap();
    let path = db.path().to_path_buf();
    let (started, wait) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let mut other = Db::open(&path).unwrap();
        other.write(None, |w| {
            for i in 0..2_000 {
                pelanggan_core::customers::add(
                    w,
                    pelanggan_core::customers::NewCustomer {
                        name: format!("Impor {i}"),
                        whatsapp: format!("0813{:08}", 50_000_000 + i),
                        ..Default::default()
                    },
                )?;
            }
            started.send(()).unwrap();
            // The import goes on a while after the restore has started.
            std::thread::sleep(std::time::Duration::from_millis(800));
            Ok(())
        })
    });
    wait.recv().unwrap();
    let restored = backup::restore(db, &monday, &mut |_| {}, &Cancel::new());
    writer.join().unwrap().unwrap();
    match restored {
        Ok((db, info)) => {
            assert_eq!(count(&db), 1, "the backup's content");
            let kept = Db::open(info.previous_kept_at.unwrap()).unwrap();
            assert_eq!(
                count(&kept),
                2_001,
                "the writer's rows are in the kept copy"
            );
        }
        Err(e) => {
            assert_eq!(e.code(), "busy");
            assert_eq!(count(&Db::open(dir.path().join("shop.db")).unwrap()), 2_001);
        }
    }
}

/// Overwrites one page of the customers table's WHATSAPP index of the
/// (closed) database at `path` with garbage: the file opens, reads of other
/// tables work, and `quick_check` fails.
fn damage(path: &Path) {
    let (page, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let page = conn
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'customers'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (page, size)
    };
    let mut bytes = std::fs::read(path).unwrap();
    let start = usize::try_from((page - 1) * page_size).unwrap();
    for b in &mut bytes[start..start + 64] {
        *b = 0xEE;
    }
    std::fs::write(path, bytes).unwrap();
}

/// Item 4 of issue 10: a damaged database is not backed up (by hand or
/// daily), the refusal names the last good backup, and nothing is rotated away.
#[test]
fn a_damaged_database_is_not_backed_up() {
    let (dir, mut db) = open();
    add_many(&mut db, 300, 0);
    let backups = backup::default_dir(db.path());
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    backup::auto_backup(&db, &backups, 2, day(1)).unwrap();
    backup::auto_backup(&db, &backups, 2, day(2)).unwrap();
    let path = db.path().to_path_buf();
    drop(db);
    damage(&path);
    let db = Db::open(&path).unwrap();

    let e = backup::backup(
        &db,
        &dir.path().join("copy.db"),
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "database_damaged", "{e}");
    assert!(
        e.to_string().contains("pelanggan restore")
            && e.to_string().contains("pelanggan-2026-11-02.db"),
        "names the way out: {e}"
    );
    assert!(!dir.path().join("copy.db").exists());
    assert!(!dir.path().join("copy.db.partial").exists());
    let e = backup::auto_backup(&db, &backups, 1, day(3)).unwrap_err();
    assert_eq!(e.code(), "database_damaged");
    let mut left: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["pelanggan-2026-11-01.db", "pelanggan-2026-11-02.db"]);
}

/// Item 4 of issue 10: rotation keeps the newest good backups by what they
/// hold; a damaged one is reported, not counted and not deleted; a backup
/// named for 2099 (a wrong clock) that holds old content does not hold a slot.
#[test]
fn rotation_counts_only_good_backups_and_orders_by_content() {
    let (_dir, mut db) = open();
    let backups = backup::default_dir(db.path());
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let name = |d: &str| backups.join(format!("pelanggan-{d}.db"));
    // One customer more before each day's backup, so each holds newer content.
    for d in 1..=3 {
        add_many(&mut db, 1, d);
        backup::auto_backup(&db, &backups, 10, day(d)).unwrap();
    }
    // A copy of the first day's backup, dated by a wrong clock.
    std::fs::copy(name("2026-11-01"), name("2099-01-01")).unwrap();
    // The third day's backup rots on disk.
    damage(&name("2026-11-03"));
    add_many(&mut db, 1, 4);

    let run = backup::auto_backup(&db, &backups, 2, day(4)).unwrap();
    assert_eq!(run.made.as_ref().unwrap().file, name("2026-11-04"));
    assert_eq!(run.kept, [name("2026-11-04"), name("2026-11-02")]);
    assert_eq!(
        run.damaged
            .iter()
            .map(|d| d.file.clone())
            .collect::<Vec<_>>(),
        [name("2026-11-03")]
    );
    let mut deleted = run.deleted.clone();
    deleted.sort();
    assert_eq!(deleted, [name("2026-11-01"), name("2099-01-01")]);
    assert!(
        name("2026-11-03").exists(),
        "a damaged backup is left alone"
    );
    assert!(!name("2099-01-01").exists());
    // A day later the damaged one is still not counted.
    let run = backup::auto_backup(&db, &backups, 2, day(5)).unwrap();
    assert_eq!(run.kept, [name("2026-11-05"), name("2026-11-04")]);
    assert_eq!(run.deleted, [name("2026-11-02")]);
    assert_eq!(run.damaged.len(), 1);
}

/// `backup --verify`: a good backup is described; anything else is `invalid_backup`.
#[test]
fn verify_checks_a_backup() {
    let (dir, mut db) = open();
    add_many(&mut db, 3, 0);
    let file = dir.path().join("b.db");
    backup::backup(&db, &file, &mut |_| {}, &Cancel::new()).unwrap();
    let v = backup::verify(&file).unwrap();
    assert_eq!(
        (v.customers, v.schema_version),
        (3, pelanggan_core::db::latest_schema_version())
    );
    assert!(v.last_change.is_some() && v.bytes > 0);
    damage(&file);
    assert_eq!(backup::verify(&file).unwrap_err().code(), "invalid_backup");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert_eq!(backup::verify(&junk).unwrap_err().code(), "invalid_backup");
}

/// A backup never goes onto the database itself (or beside it as its WAL).
#[test]
fn a_backup_onto_the_database_is_refused() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let path = db.path().to_path_buf();
    for target in [path.clone(), dir.path().join("shop.db-wal")] {
        let e = backup::backup(&db, &target, &mut |_| {}, &Cancel::new()).unwrap_err();
        assert_eq!(e.code(), "protected_file", "{target:?}");
    }
    assert_eq!(count(&db), 1);
}

/// Item 10 of issue 10: a refused restore into a path with no database
/// leaves nothing there; a good one makes the database.
#[test]
fn restore_into_a_new_path_creates_nothing_unless_it_succeeds() {
    let (dir, mut db) = open();
    common::add(&mut db, "Budi", common::WA1);
    let good = dir.path().join("good.db");
    backup::backup(&db, &good, &mut |_| {}, &Cancel::new()).unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let new = dir.path().join("elsewhere").join("new.db");
    let Err(e) = backup::restore_at(&new, &junk, &mut |_| {}, &Cancel::new()) else {
        panic!("restored garbage");
    };
    assert_eq!(e.code(), "invalid_backup");
    assert!(!new.exists() && !new.parent().unwrap().exists());
    let (restored, info) = backup::restore_at(&new, &good, &mut |_| {}, &Cancel::new()).unwrap();
    assert_eq!(count(&restored), 1);
    assert_eq!(info.previous_kept_at, None);
}
