//! Opening a shop's database file and running every write in one place.
//!
//! `Db::open` sets the pragmas (WAL so readers never wait for a writer,
//! foreign keys, a busy timeout), takes a backup copy before migrating an
//! existing file, and runs the embedded refinery migrations.
//!
//! `Db::write` is the only way to change data: it opens a `BEGIN IMMEDIATE`
//! transaction (so two processes that read-then-write the same customer queue
//! up instead of losing an update), hands a `Write` to the use case, and on
//! success saves the hybrid logical clock and commits. `Write` is what records
//! the change log and the activity log, so no mutation can skip them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::phone::Region;

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// The page size of a new file (existing files keep theirs).
const PAGE_SIZE: i64 = 16_384;

/// How long a writer waits for another process's transaction before `Error::Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Db {
    conn: Connection,
    path: PathBuf,
    device_id: String,
    /// `devices.id` of this device: what its change-log rows carry.
    device: i64,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date. An existing file is copied to `<file>.before-v<N>-<time>.bak`
    /// before any migration touches it.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let existed = std::fs::metadata(&path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Room for the statements of the bulk paths (an import, a billing run:
        // some 30 each), so they are prepared once rather than per row.
        conn.set_prepared_statement_cache_capacity(64);
        if !existed {
            // Before the first write fixes it: a new file's pages are 16 KiB.
            // A bulk write then makes a quarter of the write calls (the WAL
            // frame, the checkpoint) and the B-trees are a level shallower.
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Statement journals in memory: inside a long transaction every
        // statement keeps one, and on disk they cost a write per page.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // 64 MiB of page cache (the default is 2 MB): at a million customers
        // a list or a count touches more index pages than that.
        conn.pragma_update(None, "cache_size", -65_536)?;
        // Deleted content inside a page is zeroed at no extra I/O, so no
        // stale copy of a row (a customer's, before a privacy erase) lingers
        // in the free part of a page; see privacy.rs.
        conn.pragma_update(None, "secure_delete", "FAST")?;
        // Switching to WAL writes the file's header at once: a first open cut
        // short before migrating leaves a file with no tables. That is a new
        // file, not an old schema (which would fail: no history table).
        let existed = existed
            && conn.query_row("SELECT count(*) > 0 FROM sqlite_schema", [], |r| {
                r.get::<_, bool>(0)
            })?;

        migrate(&mut conn, &path, existed)?;
        let (device_id, device) = ensure_device(&conn)?;
        let mut db = Db {
            conn,
            path,
            device_id,
            device,
        };
        crate::admins::ensure_default(&mut db)?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads. Writes go through `Db::write`.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Gives up the `Db`, for operations that replace the file under it (restore).
    pub(crate) fn into_connection(self) -> Connection {
        self.conn
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The region assumed for phone numbers typed without a country code.
    pub fn region(&self) -> Result<Region> {
        region_of(&self.conn)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction as admin `actor`
    /// (None = the configured default admin). Commits only if `f` succeeds:
    /// an error anywhere leaves the database as it was.
    pub fn write<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| crate::admins::resolve_actor(tx, actor), false, f)
    }

    /// Like `write`, but rolls everything back at the end even when `f`
    /// succeeds: a dry run goes through exactly the same code as the real thing.
    pub fn dry_run<T>(
        &mut self,
        actor: Option<&str>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|tx| crate::admins::resolve_actor(tx, actor), true, f)
    }

    /// Moves the WAL's content into the main file and truncates the WAL, so a
    /// large write (an import) does not leave the file swollen.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// A write made by the program itself (first-run set-up), attributed to "system".
    pub(crate) fn write_as_system<T>(
        &mut self,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_inner(|_| Ok("system".to_owned()), false, f)
    }

    fn write_inner<T>(
        &mut self,
        actor: impl FnOnce(&Connection) -> Result<String>,
        dry_run: bool,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = actor(&tx)?;
        let hlc: i64 = tx.query_row("SELECT hlc FROM device", [], |r| r.get(0))?;
        let region = region_of(&tx)?;
        let now = Utc::now();
        let mut w = Write {
            tx,
            device: self.device,
            actor,
            now,
            now_text: timestamp(now),
            hlc,
            region,
        };
        let out = f(&mut w)?;
        let Write { tx, hlc, .. } = w;
        if dry_run {
            tx.rollback()?;
        } else {
            tx.execute("UPDATE device SET hlc = ?1", [hlc])?;
            tx.commit()?;
        }
        Ok(out)
    }
}

/// An open write transaction: the use cases' handle on the database.
pub struct Write<'a> {
    tx: Transaction<'a>,
    device: i64,
    actor: String,
    now: DateTime<Utc>,
    now_text: String,
    hlc: i64,
    region: Region,
}

impl Write<'_> {
    pub fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }

    /// Executes one statement through the connection's statement cache: the
    /// hot write paths run the same few statements millions of times in an import.
    pub fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        Ok(self.tx.prepare_cached(sql)?.execute(params)?)
    }

    /// `query_row` through the statement cache, like `exec`.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.tx.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs `f` inside a savepoint: if it fails, what it wrote is undone and
    /// the transaction goes on. Lets an import skip a bad row mid-way.
    pub fn savepoint<T>(&mut self, f: impl FnOnce(&mut Write<'_>) -> Result<T>) -> Result<T> {
        self.tx.execute_batch("SAVEPOINT row")?;
        match f(self) {
            Ok(v) => {
                self.tx.execute_batch("RELEASE row")?;
                Ok(v)
            }
            Err(e) => {
                self.tx.execute_batch("ROLLBACK TO row; RELEASE row")?;
                Err(e)
            }
        }
    }

    /// The admin doing this write.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// One timestamp for the whole transaction, so every row it writes agrees.
    pub fn now(&self) -> &str {
        &self.now_text
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn region(&self) -> Region {
        self.region
    }

    /// The next hybrid-logical-clock value: wall-clock ms << 16 plus a counter,
    /// never behind any value this device issued before.
    fn tick(&mut self) -> i64 {
        let wall = self.now.timestamp_millis() << 16;
        self.hlc = wall.max(self.hlc + 1);
        self.hlc
    }

    /// Records one change for sync: an inserted row (`field` None; `value` the
    /// whole row, or None for rows that never change, which sync reads from
    /// their table), one changed field, or a delete/restore (value = the new
    /// causal length). A change is identified by (device, HLC): a device's
    /// clock never repeats, and it carries the time (`hlc >> 16` = Unix ms).
    pub fn record_change(
        &mut self,
        entity: &str,
        entity_id: &str,
        op: ChangeOp,
        field: Option<&str>,
        value: Option<&Value>,
    ) -> Result<()> {
        self.record_changes(&[Change {
            entity,
            entity_id,
            op,
            field,
            value: value.map(Value::to_string),
        }])
    }

    /// Records changes in the order given, each with the next clock value.
    pub(crate) fn record_changes(&mut self, changes: &[Change<'_>]) -> Result<()> {
        let rows: Vec<(&Change<'_>, i64)> = changes.iter().map(|c| (c, self.tick())).collect();
        let device = self.device;
        self.insert_rows(
            "change_log (entity, entity_id, op, field, value, hlc, device)",
            7,
            &rows,
            |row, (c, hlc)| {
                row.bind(c.entity)?;
                row.bind(c.entity_id)?;
                row.bind(c.op.as_str())?;
                row.bind(c.field)?;
                row.bind(c.value.as_deref())?;
                row.bind(hlc)?;
                row.bind(device)
            },
        )
    }

    /// Appends to a customer's activity log, and records that entry for sync.
    pub fn record_activity(
        &mut self,
        customer_id: i64,
        action: &str,
        details: Value,
    ) -> Result<()> {
        self.record_activities(&[(customer_id, action, details.to_string())])
    }

    /// `record_activity` for many entries (customer id, action, details as JSON text).
    pub(crate) fn record_activities(&mut self, entries: &[(i64, &str, String)]) -> Result<()> {
        let uuids: Vec<String> = entries.iter().map(|_| new_id()).collect();
        let (actor, now) = (&self.actor, &self.now_text);
        self.insert_rows(
            "customer_activity_log (uuid, customer_id, action, details, admin, created_at)",
            6,
            &entries.iter().zip(&uuids).collect::<Vec<_>>(),
            |row, ((customer_id, action, details), uuid)| {
                row.bind(uuid.as_str())?;
                row.bind(customer_id)?;
                row.bind(action)?;
                row.bind(details.as_str())?;
                row.bind(actor.as_str())?;
                row.bind(now.as_str())
            },
        )?;
        let changes: Vec<Change<'_>> = uuids
            .iter()
            .map(|uuid| Change::noted("activity", uuid))
            .collect();
        self.record_changes(&changes)
    }

    /// Runs `f` with the indexes that `rebuilt(table, index)` names dropped
    /// (automatic ones, behind UNIQUE and PRIMARY KEY, stay), then makes them
    /// again from their stored SQL, all in this transaction: for a bulk write,
    /// one sort per index instead of a random insert per row. Other
    /// connections keep reading through the indexes (they see the last
    /// commit), and a failure rolls the drop back with everything else.
    pub(crate) fn with_indexes_rebuilt<T>(
        &mut self,
        rebuilt: impl Fn(&str, &str) -> bool,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let indexes: Vec<(String, String)> = {
            let mut stmt = self.tx.prepare(
                "SELECT tbl_name, name, sql FROM sqlite_schema
                 WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )?;
            let all: Vec<(String, String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            all.into_iter()
                .filter(|(table, name, _)| rebuilt(table, name))
                .map(|(_, name, sql)| (name, sql))
                .collect()
        };
        for (name, _) in &indexes {
            self.tx
                .execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), [])?;
        }
        let out = f(self)?;
        for (_, sql) in &indexes {
            self.tx.execute(sql, [])?;
        }
        Ok(out)
    }

    /// Inserts `rows` with multi-row INSERT statements, `width` values per
    /// row bound in order by `bind`. One statement per chunk instead of one
    /// per row: a bulk write (an import) then pays SQLite's per-statement
    /// costs (VDBE set-up, a statement journal of every page it touches)
    /// once per chunk.
    pub(crate) fn insert_rows<T>(
        &self,
        into: &str,
        width: usize,
        rows: &[T],
        mut bind: impl FnMut(&mut RowBinder<'_, '_>, &T) -> Result<()>,
    ) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let row = format!("({})", vec!["?"; width].join(", "));
            let sql = format!(
                "INSERT INTO {into} VALUES {}",
                vec![row; chunk.len()].join(", ")
            );
            let mut stmt = self.tx.prepare_cached(&sql)?;
            let mut binder = RowBinder {
                stmt: &mut stmt,
                next: 0,
            };
            for item in chunk {
                bind(&mut binder, item)?;
            }
            stmt.raw_execute()?;
        }
        Ok(())
    }
}

/// How many rows one multi-row INSERT carries (its values stay well under
/// SQLite's limit of 32,766 bound parameters).
const ROWS_PER_INSERT: usize = 256;

/// Binds one row's values, in column order, for `Write::insert_rows`.
pub(crate) struct RowBinder<'s, 'c> {
    stmt: &'s mut rusqlite::CachedStatement<'c>,
    next: usize,
}

impl RowBinder<'_, '_> {
    pub(crate) fn bind(&mut self, value: impl rusqlite::ToSql) -> Result<()> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(())
    }
}

/// One change-log row, for `Write::record_changes`.
pub(crate) struct Change<'a> {
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub op: ChangeOp,
    pub field: Option<&'a str>,
    /// JSON text.
    pub value: Option<String>,
}

impl<'a> Change<'a> {
    /// An inserted row that never changes (sync reads it from its table).
    pub fn noted(entity: &'a str, entity_id: &'a str) -> Change<'a> {
        Change {
            entity,
            entity_id,
            op: ChangeOp::Insert,
            field: None,
            value: None,
        }
    }

    /// An inserted row, whole.
    pub fn inserted(
        entity: &'a str,
        entity_id: &'a str,
        row: &impl serde::Serialize,
    ) -> Result<Change<'a>> {
        Ok(Change {
            value: Some(json_text(row)?),
            ..Change::noted(entity, entity_id)
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Insert,
    Update,
    Delete,
    Restore,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Insert => "insert",
            ChangeOp::Update => "update",
            ChangeOp::Delete => "delete",
            ChangeOp::Restore => "restore",
        }
    }
}

/// A value as JSON text, for the logs. Only a failing `Serialize` impl (none
/// of ours) can make this fail; it is reported as the write's I/O error.
pub(crate) fn json_text(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string(value).map_err(std::io::Error::other)?)
}

/// A new row identity: UUIDv7, so ids made on one device sort by creation time.
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// RFC 3339 UTC with milliseconds: sorts as text.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn region_of(conn: &Connection) -> Result<Region> {
    let code = crate::settings::get(conn, crate::settings::Key::DefaultRegion)?;
    Region::parse(&code).ok_or_else(|| {
        Error::validation("default_region", format!("'{code}' is not a region code"))
    })
}

/// The newest schema version this program knows.
pub fn latest_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

fn migrate(conn: &mut Connection, path: &Path, existed: bool) -> Result<()> {
    let runner = embedded::migrations::runner();
    let latest = latest_schema_version();
    let current = if existed {
        runner
            .get_last_applied_migration(conn)
            .map_err(|e| Error::Migration(e.to_string()))?
            .map(|m| i64::from(m.version()))
    } else {
        None
    };
    if current.is_some_and(|v| v > latest) {
        return Err(Error::Migration(format!(
            "the file has schema version {} but this program knows only up to {latest}; update Pelanggan",
            current.unwrap_or_default()
        )));
    }
    if current == Some(latest) {
        // Up to date: touch nothing, so opening never waits for (or blocks) a
        // writer such as a long import in another process.
        return Ok(());
    }
    if existed && current.unwrap_or(0) < latest {
        backup_before_migration(conn, path, current.unwrap_or(0))?;
    }
    if let Err(e) = runner.run(conn) {
        // Two processes opening a new file at once both try to migrate; each
        // migration is one transaction, so the loser's attempt rolls back
        // whole. If the winner brought the schema up to date, all is well.
        let now = runner
            .get_last_applied_migration(conn)
            .ok()
            .flatten()
            .map(|m| i64::from(m.version()));
        if now != Some(latest) {
            return Err(Error::Migration(e.to_string()));
        }
    }
    Ok(())
}

fn backup_before_migration(conn: &Connection, path: &Path, version: i64) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let name = format!(
        "{}.before-v{}-{stamp}.bak",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("pelanggan.db"),
        version
    );
    let target = path.with_file_name(name);
    conn.backup(
        rusqlite::MAIN_DB,
        &target,
        None::<fn(rusqlite::backup::Progress)>,
    )?;
    Ok(target)
}

/// This device's id (made on first open) and its `devices` row number.
fn ensure_device(conn: &Connection) -> Result<(String, i64)> {
    let read = |conn: &Connection| -> Result<Option<(String, Option<i64>)>> {
        Ok(conn
            .query_row(
                "SELECT d.device_id, s.id FROM device d LEFT JOIN devices s ON s.device_id = d.device_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    };
    if let Some((id, Some(number))) = read(conn)? {
        return Ok((id, number));
    }
    // First open (or two processes racing at it): both statements are
    // idempotent, and whichever device id won is read back.
    conn.execute(
        "INSERT OR IGNORE INTO device (singleton, device_id, hlc) VALUES (1, ?1, 0)",
        [Uuid::new_v4().to_string()],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO devices (device_id) SELECT device_id FROM device",
        [],
    )?;
    match read(conn)? {
        Some((id, Some(number))) => Ok((id, number)),
        _ => Err(Error::Migration("device row missing".into())),
    }
}
