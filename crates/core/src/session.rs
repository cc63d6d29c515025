//! A shop in use: opening it (the store, then the first admin), writing as
//! an admin, and reading: the `Reader` every read takes, and the connections
//! that give one (the writer's own view, an owned read-only connection, a pool).
//!
//! Owns: `Db::open`/`open_existing`/`open_read_only` (the store's open from
//! `db`, then `admins::ensure_default`), `Db::write`/`write_at`/`dry_run` and
//! their warned forms (the admin resolved, the region and zone read, and both
//! handed to the store's `write_inner`), `set_setting` (every key, the
//! default admin through `admins`); how a read connection is opened and set
//! up (read-only, `query_only`, the writer's pragmas where they apply, never
//! migrating or creating) and the settings every read needs (the shop's region
//! and time zone), read once per connection and again only when another
//! connection committed (SQLite's `PRAGMA data_version` moves then). Must not
//! know: any table but through `settings` and `admins`; the use cases.
//! API boundary: the `Db` methods above, `Reader` (Copy, handed by value to
//! every public read), `Write::reader`, `ReadConn`, `Readers` / `Db::readers`,
//! `set_setting`.
//!
//! Why several connections: SQLite in WAL mode lets readers read the last
//! commit while one writer writes, but only on their own connections. An
//! app that holds the database open all day reads through a `Readers` pool
//! while a 30-second import holds the writer.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::days::ShopZone;
use crate::db::{Db, Reader, View, Write, WriteContext, on_read_only_media, warned};
use crate::error::{Error, Result};
use crate::settings::{self, Key, Setting};
use crate::warning::Warned;

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date: for commands that write. An existing file is copied to
    /// `<file>.before-v<N>-<time>.bak` before any migration touches it (one
    /// complete copy per version: a retry reuses it). A new file gets its
    /// first admin.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        bootstrap(Db::open_store(path.as_ref(), true)?)
    }

    /// Like `open`, but never creates a database: `no_database` when there is
    /// none at `path` (a mistyped path must not become an empty shop).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Db> {
        bootstrap(Db::open_store(path.as_ref(), false)?)
    }

    /// Opens an existing database for reading only: for commands that only
    /// read. Never creates one (`no_database`), never writes (`query_only`;
    /// opened read-only when the file or folder cannot be written), and works
    /// on read-only media (a read-only folder: SQLite's `immutable` mode when
    /// no write-ahead log is pending). A file with an older schema is migrated
    /// first if it can be written (`read_only` if not). `Db::write` on the
    /// result is refused with `read_only`.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Db> {
        let db = Db::open_read_only_store(path.as_ref())?;
        if db.is_read_only() {
            Ok(db)
        } else {
            bootstrap(db)
        }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction as admin `actor`
    /// (None = the configured default admin). Commits only if `f` succeeds:
    /// an error anywhere leaves the database as it was.
    pub fn write<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| context(tx, actor), false, None, f)
    }

    /// `write` with the transaction's timestamp given instead of the clock's:
    /// for records made at a known time (tests of what a day is, a record
    /// replayed from elsewhere). The hybrid logical clock still never goes back.
    pub fn write_at<T>(
        &mut self,
        actor: Option<&str>,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| context(tx, actor), false, Some(now), f)
    }

    /// Like `write`, but rolls everything back at the end even when `f`
    /// succeeds: a dry run goes through exactly the same code as the real thing.
    pub fn dry_run<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| context(tx, actor), true, None, f)
    }

    /// `write`, returning the warnings the use case noted (`Write::warn`)
    /// beside its result.
    pub fn write_warned<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<Warned<T>> {
        self.write(actor, warned(f))
    }

    /// `dry_run` with the warnings: what saving would warn about, with
    /// nothing saved (a form shows them before the person confirms).
    pub fn dry_run_warned<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<Warned<T>> {
        self.dry_run(actor, warned(f))
    }

    /// A write made by the program itself (first-run set-up), attributed to "system".
    pub(crate) fn write_as_system<T>(
        &mut self,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| context_of(tx, "system".to_owned()), false, None, f)
    }
}

/// The store opened for writing, completed: a new file gets its first admin.
fn bootstrap(mut db: Db) -> Result<Db> {
    let path = db.path().to_path_buf();
    let media = |e: Error| on_read_only_media(e, &path);
    if crate::admins::needs_default(db.conn()).map_err(media)? {
        db.write_as_system(crate::admins::ensure_default)
            .map_err(media)?;
    }
    // Before any edit: a paired file put back from an old backup takes a
    // new device id now (`sync::restore`).
    crate::sync::restore::check_on_open(&mut db).map_err(media)?;
    Ok(db)
}

/// What a write as `actor` (None: the default admin) carries, read under its lock.
fn context(conn: &Connection, actor: Option<&str>) -> Result<WriteContext> {
    context_of(conn, crate::admins::resolve_actor(conn, actor)?)
}

fn context_of(conn: &Connection, actor: String) -> Result<WriteContext> {
    Ok(WriteContext {
        actor,
        region: settings::region(conn)?,
        zone: settings::zone_or_why(conn)?,
    })
}

/// Sets any setting: `default_admin` through `admins::set_default` (it names
/// an admin, which `settings` does not know), the others through `settings::set`.
pub fn set_setting(w: &mut Write<'_>, key: Key, value: &str) -> Result<Setting> {
    match key {
        Key::DefaultAdmin => Ok(Setting {
            key: key.as_str(),
            value: crate::admins::set_default(w, value)?.username,
        }),
        _ => settings::set(w, key, value),
    }
}

/// `PRAGMA data_version`: moves when another connection commits.
fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

/// The view `cached` if no other connection committed since it was read,
/// else the settings read again.
fn current_view(conn: &Connection, cached: Option<View>) -> Result<View> {
    let version = data_version(conn)?;
    if let Some(view) = cached
        && view.version == version
    {
        return Ok(view);
    }
    Ok(View {
        version,
        region: settings::region(conn)?,
        zone: settings::zone(conn)?,
    })
}

impl Db {
    /// The writer's own read view, between writes: reads on the connection
    /// that writes (a CLI command opens only one). The settings are cached
    /// and read again after this `Db` writes or another connection commits.
    pub fn reader(&self) -> Result<Reader<'_>> {
        let view = current_view(self.conn(), self.view.get())?;
        self.view.set(Some(view));
        Ok(Reader::new(self.conn(), view.region, view.zone))
    }

    /// A pool of `n` read connections on this database's file (see `Readers`).
    pub fn readers(&self, n: usize) -> Result<Readers> {
        Readers::open(self.path(), n)
    }

    /// One read connection on this database's file (see `ReadConn`): a
    /// second connection for a read that runs beside another (analytics).
    pub fn read_conn(&self) -> Result<ReadConn> {
        ReadConn::open(self.path())
    }
}

impl Write<'_> {
    /// Reads inside this write: they see what it wrote so far. The zone is
    /// the one read when the write began; a stored zone this program cannot
    /// read (which only `settings set time_zone` mends) reads as UTC here.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(
            self.tx(),
            self.region(),
            self.zone_read().unwrap_or(ShopZone::UTC),
        )
    }
}

/// One owned read-only connection on a shop's file, with the writer's
/// pragmas where they apply and `query_only`. It never migrates, creates,
/// or writes. A read on it sees the last commit, never a write in progress.
#[derive(Debug)]
pub struct ReadConn {
    conn: Connection,
    path: PathBuf,
    view: Option<View>,
}

impl ReadConn {
    /// Opens the database at `path` for reading: `no_database` when there is
    /// none, a migration error when its schema is not this program's (a
    /// writer's `Db::open` upgrades it).
    pub fn open(path: impl AsRef<Path>) -> Result<ReadConn> {
        let path = path.as_ref();
        Ok(ReadConn {
            conn: crate::db::open_read_conn(path)?,
            path: path.to_path_buf(),
            view: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read view; the settings are read again only when another
    /// connection committed since the last call.
    pub fn reader(&mut self) -> Result<Reader<'_>> {
        let view = current_view(&self.conn, self.view)?;
        self.view = Some(view);
        Ok(Reader::new(&self.conn, view.region, view.zone))
    }
}

/// A small pool of `ReadConn`s on one file, shareable between threads
/// (`Sync`): `get` hands out a free connection, waiting for one when all
/// are in use, and takes it back when the guard is dropped.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    size: usize,
    idle: Mutex<Vec<ReadConn>>,
    freed: Condvar,
}

impl Readers {
    /// Opens `n` read connections on `path` (`n` 1 to 64).
    pub fn open(path: impl AsRef<Path>, n: usize) -> Result<Readers> {
        if !(1..=64).contains(&n) {
            return Err(Error::validation(
                "readers",
                format!("{n} read connections: use 1 to 64"),
            ));
        }
        let path = path.as_ref();
        let idle = (0..n)
            .map(|_| ReadConn::open(path))
            .collect::<Result<Vec<_>>>()?;
        Ok(Readers {
            path: path.to_path_buf(),
            size: n,
            idle: Mutex::new(idle),
            freed: Condvar::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.size
    }

    /// A free connection, waiting until one is given back if all are in use.
    pub fn get(&self) -> PooledReader<'_> {
        // A panic elsewhere cannot leave the list half-changed (push and pop
        // are whole), so a poisoned lock is taken as it is.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(conn) = idle.pop() {
                return PooledReader {
                    pool: self,
                    conn: Some(conn),
                };
            }
            idle = self
                .freed
                .wait(idle)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A connection lent by `Readers::get`, given back when dropped.
#[derive(Debug)]
pub struct PooledReader<'p> {
    pool: &'p Readers,
    conn: Option<ReadConn>,
}

impl PooledReader<'_> {
    /// The read view (see `ReadConn::reader`).
    pub fn reader(&mut self) -> Result<Reader<'_>> {
        self.conn
            .as_mut()
            .expect("a lent connection is there until the guard drops")
            .reader()
    }
}

impl Drop for PooledReader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
            self.pool.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::phone::Region;

    fn shop() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("shop.db")).unwrap();
        (dir, db)
    }

    fn set(db: &mut Db, key: Key, value: &str) {
        db.write(None, |w| settings::set(w, key, value)).unwrap();
    }

    /// The app keeps the writer behind a mutex and shares the pool.
    #[test]
    fn the_pool_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        fn sent<T: Send>() {}
        shared::<Readers>();
        sent::<Db>();
        sent::<ReadConn>();
    }

    #[test]
    fn the_writers_reader_follows_its_own_writes() {
        let (_dir, mut db) = shop();
        set(&mut db, Key::TimeZone, "Asia/Makassar");
        let r = db.reader().unwrap();
        assert_eq!(
            (r.region().code(), r.zone().name()),
            ("ID".to_owned(), "Asia/Makassar")
        );
        set(&mut db, Key::DefaultRegion, "MY");
        set(&mut db, Key::TimeZone, "Asia/Kuala_Lumpur");
        let r = db.reader().unwrap();
        assert_eq!(
            (r.region().code(), r.zone().name()),
            ("MY".to_owned(), "Asia/Kuala_Lumpur")
        );
        assert_eq!(r.today(), r.zone().today());
    }

    #[test]
    fn a_read_conn_reads_settings_again_only_after_a_commit_elsewhere() {
        let (_dir, mut db) = shop();
        set(&mut db, Key::TimeZone, "Asia/Jayapura");
        let mut rc = db.read_conn().unwrap();
        assert_eq!(rc.reader().unwrap().zone().name(), "Asia/Jayapura");
        // Changed behind the cache's back without a commit elsewhere: the
        // cached view stands (the proof that it is not read per call).
        let version = rc.view.unwrap().version;
        rc.view = Some(View {
            version,
            region: Region::parse("SG").unwrap(),
            zone: ShopZone::UTC,
        });
        assert_eq!(rc.reader().unwrap().zone(), ShopZone::UTC);
        // The writer commits: data_version moves and the settings are read.
        set(&mut db, Key::TimeZone, "Asia/Makassar");
        let r = rc.reader().unwrap();
        assert_eq!(
            (r.region().code(), r.zone().name()),
            ("ID".to_owned(), "Asia/Makassar")
        );
        // And the writer sees a commit made by another connection.
        let mut other = Db::open(db.path()).unwrap();
        set(&mut other, Key::DefaultRegion, "MY");
        assert_eq!(db.reader().unwrap().region().code(), "MY");
    }

    #[test]
    fn read_connections_cannot_write() {
        let (_dir, db) = shop();
        let mut rc = db.read_conn().unwrap();
        let err = rc
            .reader()
            .unwrap()
            .conn()
            .execute("DELETE FROM settings", [])
            .unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        let query_only: bool = rc
            .reader()
            .unwrap()
            .conn()
            .query_row("PRAGMA query_only", [], |r| r.get(0))
            .unwrap();
        let timeout: i64 = rc
            .reader()
            .unwrap()
            .conn()
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        let cache: i64 = rc
            .reader()
            .unwrap()
            .conn()
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!((query_only, timeout, cache), (true, 10_000, -16_384));
    }

    #[test]
    fn the_writer_writes_only_inside_a_write() {
        let (_dir, mut db) = shop();
        let query_only = |db: &Db| -> bool {
            db.conn()
                .query_row("PRAGMA query_only", [], |r| r.get(0))
                .unwrap()
        };
        let refused = |db: &Db| {
            let err = db
                .reader()
                .unwrap()
                .conn()
                .execute("DELETE FROM settings", [])
                .unwrap_err();
            assert!(err.to_string().contains("readonly"), "{err}");
        };
        assert!(query_only(&db));
        refused(&db);
        db.write(None, |w| {
            assert!(
                !w.reader()
                    .conn()
                    .query_row("PRAGMA query_only", [], |r| r.get::<_, bool>(0))?
            );
            Ok(())
        })
        .unwrap();
        refused(&db);
        // Guarded again after a failed write and after a dry run.
        let failed: Result<()> = db.write(None, |_| Err(Error::validation("x", "no")));
        assert!(failed.is_err());
        refused(&db);
        db.dry_run(None, |w| settings::set(w, Key::Currency, "USD"))
            .unwrap();
        refused(&db);
        assert_eq!(settings::get(db.conn(), Key::Currency).unwrap(), "IDR");
        assert!(query_only(&db));
    }

    /// The change-log invariant of the write path (`Write::check_change_log`):
    /// every test that writes checks it; this one proves it fires.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "recorded no change-log row")]
    fn a_write_that_changes_rows_without_the_change_log_fails() {
        let (_dir, mut db) = shop();
        let _ = db.write(None, |w| {
            w.exec(
                "UPDATE settings SET value = 'USD' WHERE key = 'currency'",
                [],
            )?;
            Ok(())
        });
    }

    #[test]
    fn cache_work_and_undone_rows_do_not_count_for_the_change_log() {
        let (_dir, mut db) = shop();
        // Declared: the whole write, or one part of it.
        db.write(None, |w| {
            w.caches_only();
            w.exec("UPDATE customer_stats SET customers = customers", [])?;
            Ok(())
        })
        .unwrap();
        db.write(None, |w| {
            w.uncounted(|w| crate::stats::repair(w).map(drop))?;
            Ok(())
        })
        .unwrap();
        // Rows written in a savepoint that was rolled back were not changed.
        db.write(None, |w| {
            let undone: Result<()> = w.savepoint(|w| {
                w.exec(
                    "UPDATE settings SET value = 'USD' WHERE key = 'currency'",
                    [],
                )?;
                Err(Error::validation("x", "undone"))
            });
            assert!(undone.is_err());
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn a_read_conn_never_creates_or_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.db");
        assert_eq!(ReadConn::open(&missing).unwrap_err().code(), "no_database");
        assert!(!missing.exists());
        let empty = dir.path().join("empty.db");
        drop(Connection::open(&empty).unwrap());
        assert_eq!(ReadConn::open(&empty).unwrap_err().code(), "no_database");
        let old = dir.path().join("old.db");
        drop(Db::open(&old).unwrap());
        let c = Connection::open(&old).unwrap();
        c.execute(
            "DELETE FROM refinery_schema_history WHERE version = (SELECT max(version) FROM refinery_schema_history)",
            [],
        )
        .unwrap();
        drop(c);
        let err = ReadConn::open(&old).err().unwrap();
        assert!(err.to_string().contains("open it for writing"), "{err}");
        let version: i64 = Connection::open(&old)
            .unwrap()
            .query_row(
                "SELECT max(version) FROM refinery_schema_history",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // Below the latest (not latest - 1: version numbers may skip, V14 before V13 merged).
        assert!(version < crate::db::latest_schema_version());
    }

    #[test]
    fn a_write_reads_what_it_wrote() {
        let (_dir, mut db) = shop();
        let mut rc = db.read_conn().unwrap();
        db.write(None, |w| {
            settings::set(w, Key::InvoicePrefix, "TKO")?;
            let r = w.reader();
            assert_eq!(settings::get(r.conn(), Key::InvoicePrefix)?, "TKO");
            // Another connection still reads the last commit.
            assert_eq!(
                settings::get(rc.reader()?.conn(), Key::InvoicePrefix)?,
                "INV"
            );
            assert_eq!(r.region().code(), "ID");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            settings::get(rc.reader().unwrap().conn(), Key::InvoicePrefix).unwrap(),
            "TKO"
        );
    }

    #[test]
    fn the_pool_lends_each_connection_to_one_holder() {
        let (_dir, db) = shop();
        assert_eq!(db.readers(0).err().unwrap().code(), "validation");
        let readers = db.readers(2).unwrap();
        assert_eq!(readers.size(), 2);
        let mut a = readers.get();
        let b = readers.get();
        assert_eq!(a.reader().unwrap().region().code(), "ID");
        let (sent, got) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                // Waits: both connections are lent.
                let mut c = readers.get();
                sent.send(c.reader().unwrap().zone()).unwrap();
            });
            assert!(got.recv_timeout(Duration::from_millis(100)).is_err());
            drop(b);
            assert!(got.recv_timeout(Duration::from_secs(5)).is_ok());
        });
        drop(a);
        assert_eq!(readers.idle.lock().unwrap().len(), 2);
    }
}
