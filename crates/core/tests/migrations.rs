//! Opening files: a fresh file is created and migrated; an up-to-date file is
//! reopened without a backup; an older schema is backed up before migrating;
//! a file from a newer program is refused untouched.

mod common;

use std::path::Path;

use common::*;
use pelanggan_core::Db;
use rusqlite::Connection;

fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bak"))
        .collect();
    names.sort();
    names
}

fn schema_versions(conn: &Connection) -> Vec<i64> {
    let mut stmt = conn
        .prepare("SELECT version FROM refinery_schema_history ORDER BY version")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every version this program knows, as a fresh file records them (in
/// order; a version number may be left free for a migration of another branch).
fn known_versions() -> Vec<i64> {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("probe.db")).unwrap();
    let versions = schema_versions(db.conn());
    assert!(
        versions.first() == Some(&1) && versions.windows(2).all(|w| w[0] < w[1]),
        "migrations apply in order: {versions:?}"
    );
    versions
}

#[test]
fn a_fresh_file_is_created_migrated_and_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("folder").join("shop.db");
    let mut db = Db::open(&path).unwrap();
    assert!(path.exists());
    assert_eq!(db.path(), path);
    assert_eq!(schema_versions(db.conn()), known_versions());
    let mode: String = db
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let fk: i64 = db
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    assert_eq!(db.reader().unwrap().region().code(), "ID");
    let admins = pelanggan_core::admins::list(db.reader().unwrap()).unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(admins[0].username, "admin");
    assert!(admins[0].is_default);
    add(&mut db, "Budi", WA1);
    assert!(
        backups(path.parent().unwrap()).is_empty(),
        "a new file needs no backup"
    );
}

#[test]
fn reopening_an_up_to_date_file_keeps_data_and_makes_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let (device, id) = {
        let mut db = Db::open(&path).unwrap();
        (db.device_id().to_owned(), add(&mut db, "Budi", WA1).id)
    };
    for _ in 0..2 {
        let db = Db::open(&path).unwrap();
        assert_eq!(db.device_id(), device);
        assert_eq!(get(&db, WA1).id, id);
        assert_eq!(schema_versions(db.conn()), known_versions());
        let admins: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM admin_users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(admins, 1, "the default admin is created once");
    }
    assert!(backups(dir.path()).is_empty(), "{:?}", backups(dir.path()));
}

#[test]
fn an_existing_file_at_schema_version_0_is_backed_up_before_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    // A file at schema version 0: refinery's history table, nothing applied
    // yet, and some data of its own.
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name VARCHAR(255),
                 applied_on VARCHAR(255), checksum VARCHAR(255));
             CREATE TABLE legacy (note TEXT);
             INSERT INTO legacy VALUES ('kept in the backup');",
        )
        .unwrap();
    }
    let mut db = Db::open(&path).unwrap();
    assert_eq!(schema_versions(db.conn()), known_versions());
    add(&mut db, "Budi", WA1);

    let found = backups(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("shop.db.before-v0-"), "{found:?}");
    let backup = Connection::open(dir.path().join(&found[0])).unwrap();
    let note: String = backup
        .query_row("SELECT note FROM legacy", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "kept in the backup");
    let has_customers: i64 = backup
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'customers'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        has_customers, 0,
        "the backup is the file as it was before migrating"
    );
    drop(db);
    // Now up to date: no second backup.
    Db::open(&path).unwrap();
    assert_eq!(backups(dir.path()).len(), 1);
}

/// The migration files, by version.
fn migration_files() -> Vec<(i64, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<(i64, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix('V')?.split_once("__")?.0.parse().ok()?;
            Some((version, std::fs::read_to_string(dir.join(&name)).unwrap()))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_file_one_version_behind_is_backed_up_then_upgraded_with_its_data() {
    let files = migration_files();
    let known = known_versions();
    assert_eq!(
        files.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        known,
        "every migration file is embedded"
    );
    let previous = known[known.len() - 2];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        // A file as the previous release left it: its migrations applied and
        // recorded (checksums copied from a fresh file), and a customer.
        let conn = file_at_version(&path, previous);
        if previous >= 1 {
            conn.execute(
                "INSERT INTO customers (uuid, name, whatsapp, status, created_at, updated_at, created_by)
                 VALUES ('0190b7a4-0000-7000-8000-000000000001', 'Lama', ?1, 'active',
                         '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'admin')",
                [WA1_E164],
            )
            .unwrap();
        }
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(schema_versions(db.conn()), known_versions());
    let found = backups(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(&format!("shop.db.before-v{previous}-")),
        "{found:?}"
    );
    let backup = Connection::open(dir.path().join(&found[0])).unwrap();
    assert_eq!(
        schema_versions(&backup),
        known
            .iter()
            .copied()
            .filter(|v| *v <= previous)
            .collect::<Vec<_>>()
    );
    if previous >= 1 {
        assert_eq!(get(&db, WA1).name, "Lama", "data survives the upgrade");
        let kept: i64 = backup
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1);
    }
}

/// V15 rebuilds the outbox (a CHECK cannot change in place): every message
/// and attempt is kept, ids and all, the attempts still cascade with their
/// message, and the new kinds are accepted.
#[test]
fn the_v15_outbox_rebuild_keeps_messages_and_their_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        let conn = file_at_version(&path, 14);
        conn.execute_batch(&format!(
            "INSERT INTO customers (id, uuid, name, whatsapp, status, created_at, updated_at, created_by)
             VALUES (7, '0190b7a4-0000-7000-8000-000000000001', 'Lama', '{WA1_E164}', 'active',
                     '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'admin');
             INSERT INTO messages (id, uuid, customer_id, recipient, kind, body, dedupe_key, status,
                     attempts, next_attempt_at, created_at, created_by, updated_at)
             VALUES (41, 'm-41', 7, '{WA1_E164}', 'welcome', 'Halo', 'welcome:x', 'sent', 1,
                     '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'admin',
                     '2025-01-01T00:00:00.000Z');
             INSERT INTO message_attempts (id, uuid, message_id, gateway, started_at, outcome)
             VALUES (5, 'a-5', 41, 'fonnte', '2025-01-01T00:00:01.000Z', 'sent');"
        ))
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let conn = db.conn();
    let kept: (i64, String, i64) = conn
        .query_row(
            "SELECT m.id, m.kind, a.id FROM messages m JOIN message_attempts a ON a.message_id = m.id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(kept, (41, "welcome".to_owned(), 5));
    let target: String = conn
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_list('message_attempts')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(target, "messages");
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    common::raw(&db)
        .execute(
            "UPDATE messages SET kind = 'isolir_suspended' WHERE id = 41",
            [],
        )
        .unwrap();
    common::raw(&db)
        .execute("DELETE FROM messages WHERE id = 41", [])
        .unwrap();
    let attempts: i64 = conn
        .query_row("SELECT count(*) FROM message_attempts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attempts, 0, "attempts still cascade with their message");
}

#[test]
fn a_file_from_a_newer_program_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        let mut db = Db::open(&path).unwrap();
        add(&mut db, "Budi", WA1);
        common::raw(&db)
            .execute(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
                 VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
                [],
            )
            .unwrap();
    }
    let err = Db::open(&path)
        .err()
        .expect("a newer schema must be refused");
    assert_eq!(err.code(), "migration");
    assert!(err.to_string().contains("999"), "{err}");
    assert!(!err.is_rejected_input());
    assert!(
        backups(dir.path()).is_empty(),
        "nothing to back up when nothing is migrated"
    );
    let conn = Connection::open(&path).unwrap();
    let mut expected = known_versions();
    expected.push(999);
    assert_eq!(schema_versions(&conn), expected);
    let customers: i64 = conn
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(customers, 1);
}

#[test]
fn a_file_whose_first_open_was_interrupted_opens() {
    // The first open got as far as switching the file to WAL, then stopped.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    }
    assert!(
        std::fs::metadata(&path).unwrap().len() > 0,
        "WAL writes the header at once"
    );
    let mut db = Db::open(&path).unwrap();
    assert_eq!(schema_versions(db.conn()), known_versions());
    add(&mut db, "Budi", WA1);
    assert!(
        backups(dir.path()).is_empty(),
        "an empty file has nothing to back up"
    );
}

/// Item 18 of issue 10: a migration that fails writes its pre-migration copy
/// once (a retry reuses the complete copy), and a copy left empty or cut
/// short by an earlier run (a full disk) is replaced, never counted.
#[test]
fn a_failing_migration_keeps_one_complete_copy_per_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    {
        // Version 0 with a table V1 cannot create over: every migration fails.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name VARCHAR(255),
                 applied_on VARCHAR(255), checksum VARCHAR(255));
             CREATE TABLE customers (legacy TEXT);
             INSERT INTO customers VALUES ('kept in the backup');",
        )
        .unwrap();
    }
    // What an earlier run on a full disk left: an empty copy and a partial one.
    let empty = dir.path().join("shop.db.before-v0-20000101T000000.bak");
    std::fs::write(&empty, b"").unwrap();
    let partial = dir
        .path()
        .join("shop.db.before-v0-20000101T000001.bak.partial");
    std::fs::write(&partial, b"SQLite format 3\0cut short").unwrap();

    for attempt in 0..3 {
        let err = Db::open(&path).err().expect("the migration fails");
        assert_eq!(err.code(), "migration", "attempt {attempt}: {err}");
        let found = backups(dir.path());
        assert_eq!(found.len(), 1, "attempt {attempt}: {found:?}");
        assert_ne!(dir.path().join(&found[0]), empty);
        assert!(!partial.exists());
    }
    let copy = Connection::open(dir.path().join(&backups(dir.path())[0])).unwrap();
    let legacy: String = copy
        .query_row("SELECT legacy FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(legacy, "kept in the backup");

    // Written to since (an older program): the old copy no longer stands for
    // the file, so a new one is made beside it.
    Connection::open(&path)
        .unwrap()
        .execute("INSERT INTO customers VALUES ('later')", [])
        .unwrap();
    assert!(Db::open(&path).is_err());
    assert_eq!(backups(dir.path()).len(), 2, "{:?}", backups(dir.path()));
}

/// Item 10 of issue 10: only `Db::open` (for commands that write) creates a
/// database; the read-only open never writes.
#[test]
fn only_writers_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo").join("shop.db");
    for opened in [Db::open_read_only(&path), Db::open_existing(&path)] {
        assert_eq!(opened.err().map(|e| e.code().as_str()), Some("no_database"));
    }
    assert!(!path.parent().unwrap().exists(), "no folder made");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        Db::open_read_only(&path).err().map(|e| e.code().as_str()),
        Some("no_database"),
        "an empty file is no database"
    );

    let mut db = Db::open(&path).unwrap();
    add(&mut db, "Budi", WA1);
    drop(db);
    let mut reader = Db::open_read_only(&path).unwrap();
    let before = snapshot(&reader);
    assert_eq!(get(&reader, WA1).name, "Budi");
    let e = reader
        .write(None, |w| {
            Ok(w.reader().conn().execute("DELETE FROM settings", [])?)
        })
        .unwrap_err();
    assert_eq!(e.code(), "read_only");
    assert_eq!(snapshot(&reader), before);
}
