//! The store: opening a shop's database file and running every write in one place.
//!
//! Owns: the connection and its pragmas (WAL so readers never wait for a
//! writer, foreign keys, a busy timeout), the backup copy before migrating an
//! existing file and the embedded refinery migrations, the device row, `Write`
//! (the one transaction a use case writes in), the change log and activity log
//! rows, the hybrid logical clock. Must not know: admins, settings, any use
//! case; who writes and the shop's region and zone are handed to
//! `write_inner` by the session (`session`), which also adds the first admin.
//!
//! `Db::write` (in `session`) is the only way to change data: it opens a
//! `BEGIN IMMEDIATE` transaction (so two processes that read-then-write the
//! same customer queue up instead of losing an update), hands a `Write` to the
//! use case, and on success saves the hybrid logical clock and commits.
//! `Write` is what records the change log and the activity log, so no
//! mutation can skip them. Outside a write the connection is `query_only`
//! in debug builds (`guard`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::Value;
use uuid::Uuid;

use crate::days::ShopZone;
use crate::error::{Code, Error, Result};
use crate::hlc::Hlc;
use crate::phone::Region;
use crate::warning::{Warned, Warning};
pub use crate::wire::ChangeOp;
use crate::wire::{ActivityEvent, Before, Entity, FieldValue};

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
    /// Opened by `open_read_only`: every write is refused.
    read_only: bool,
    /// The shop's region and zone as `Db::reader` last read them, with the
    /// `data_version` they were read at (see `session`).
    pub(crate) view: Cell<Option<View>>,
    /// How far the wall clock this connection's writes read runs from the
    /// system's (`skew_wall_clock`): zero but in tests.
    skew: TimeDelta,
}

/// What a read needs: a connection that sees one consistent state, the
/// shop's region (for phone numbers typed without a country code) and its
/// time zone (what a day is). Copy: pass it by value. Defined here, at the
/// store's floor, so that every module above can take one; the connections
/// that give one are `session`'s.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    conn: &'a Connection,
    region: Region,
    zone: ShopZone,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(conn: &'a Connection, region: Region, zone: ShopZone) -> Reader<'a> {
        Reader { conn, region, zone }
    }

    /// The connection: read-only (`query_only`) unless this is a write's
    /// own view (`Write::reader`).
    pub fn conn(&self) -> &'a Connection {
        self.conn
    }

    /// The region assumed for phone numbers typed without a country code.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The shop's time zone (the `time_zone` setting or its default).
    pub fn zone(&self) -> ShopZone {
        self.zone
    }

    /// Today on the shop's calendar.
    pub fn today(&self) -> NaiveDate {
        self.zone.today()
    }
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("region", &self.region)
            .field("zone", &self.zone)
            .finish_non_exhaustive()
    }
}

/// The settings every read needs, read once per connection and again only
/// when another connection committed (`PRAGMA data_version` moved).
#[derive(Debug, Clone, Copy)]
pub(crate) struct View {
    pub version: i64,
    pub region: Region,
    pub zone: ShopZone,
}

impl Db {
    /// The store's open (see `session` for `Db::open`, which adds the first
    /// admin): pragmas, backup-then-migrate, the device row. `create` makes a
    /// missing file (and its folders); else `no_database` when there is none.
    pub(crate) fn open_store(path: &Path, create: bool) -> Result<Db> {
        if !create {
            require_database(path)?;
        }
        open_writable(path, create)
    }

    /// The store's read-only open (see `Db::open_read_only` in `session`).
    /// Never creates one (`no_database`), never writes (`query_only`;
    /// opened read-only when the file or folder cannot be written), and works
    /// on read-only media (a read-only folder: SQLite's `immutable` mode when
    /// no write-ahead log is pending). A file with an older schema is migrated
    /// first if it can be written (`read_only` if not): the `Db` returned then
    /// is a writable one, which the session completes like any other.
    pub(crate) fn open_read_only_store(path: &Path) -> Result<Db> {
        let path = path.to_path_buf();
        require_database(&path)?;
        let conn = open_reader(&path, true)?;
        let latest = latest_schema_version();
        match applied_version(&conn)? {
            None => return Err(no_database(&path)),
            Some(v) if v > latest => return Err(newer_schema(v, latest)),
            Some(v) if v < latest => {
                drop(conn);
                return Db::open_store(&path, false).map_err(|e| match e.code() {
                    Code::ReadOnly => Error::Refused {
                        code: Code::ReadOnly,
                        field: Some("db"),
                        message: format!(
                            "{} has schema version {v} and this Pelanggan needs {latest}; \
                             upgrading it writes, and the file or its folder is read-only. \
                             Copy it somewhere writable and open the copy",
                            path.display()
                        ),
                    },
                    _ => e,
                });
            }
            Some(_) => {}
        }
        read_pragmas(&conn)?;
        let (device_id, device) = read_device(&conn)?.unwrap_or_default();
        Ok(Db {
            conn,
            path,
            device_id,
            device,
            read_only: true,
            view: Cell::new(None),
            skew: TimeDelta::zero(),
        })
    }

    /// Runs the wall clock this connection's writes read `skew` off the
    /// system's, as on a shop computer whose clock is set wrong (a new skew
    /// replaces the last: a clock set back). For tests of sync's clock rules:
    /// the random games skew desks by an hour and set them back, and check
    /// that no device's clock moves back and a clock too far ahead is not
    /// adopted. Zero unless set.
    pub fn skew_wall_clock(&mut self, skew: TimeDelta) {
        self.skew = skew;
    }

    /// Whether every write is refused (opened by `open_read_only`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for raw reads (tests read rows through it). Reads of
    /// the API take `Db::reader`; writes go through `Db::write`.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Gives up the `Db`, for operations that replace the file under it
    /// (restore): the connection may write again.
    pub(crate) fn into_connection(self) -> Result<Connection> {
        guard(&self.conn, false)?;
        Ok(self.conn)
    }

    /// Runs `f` with the connection able to write outside a transaction:
    /// for the file-level statements that cannot run inside one (`VACUUM`,
    /// `ANALYZE`) and change no row. Refused on a read-only `Db`.
    pub(crate) fn unguarded<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(self.refused_read_only());
        }
        guard(&self.conn, false)?;
        let out = f(&self.conn);
        let guarded = guard(&self.conn, true);
        let out = out?;
        guarded?;
        Ok(out)
    }

    fn refused_read_only(&self) -> Error {
        Error::Refused {
            code: Code::ReadOnly,
            field: Some("db"),
            message: format!(
                "{} was opened for reading only; nothing was changed",
                self.path.display()
            ),
        }
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Gives this file a new device id (UUIDv7), in one write with `also`
    /// (which gets the old id): for a file restored from an old backup,
    /// whose id and clock the lost copy may have used for changes already.
    /// The old id's change-log rows stay as they are; every change recorded
    /// from now on carries the new id. Returns the new id (when another
    /// process on the file took one first, `also` does not run and that one
    /// is adopted).
    pub(crate) fn take_new_device_id(
        &mut self,
        also: impl FnOnce(&mut Write<'_>, &str) -> Result<()>,
    ) -> Result<String> {
        let old = self.device_id.clone();
        let mut new = Uuid::now_v7().to_string();
        let device = self.write_as_system(|w| {
            w.uncounted(|w| {
                // Another process on the file took a new id first: that one.
                let current: String =
                    w.query_row("SELECT device_id FROM device", [], |r| r.get(0))?;
                if current != old {
                    new = current;
                    return Ok(w.query_row(
                        "SELECT id FROM devices WHERE device_id = ?1",
                        [&new],
                        |r| r.get::<_, i64>(0),
                    )?);
                }
                w.exec("UPDATE device SET device_id = ?1", [&new])?;
                w.exec(
                    "INSERT OR IGNORE INTO devices (device_id) VALUES (?1)",
                    [&new],
                )?;
                also(w, &old)?;
                Ok(
                    w.query_row("SELECT id FROM devices WHERE device_id = ?1", [&new], |r| {
                        r.get::<_, i64>(0)
                    })?,
                )
            })
        })?;
        self.device_id = new.clone();
        self.device = device;
        Ok(new)
    }

    /// Moves the WAL's content into the main file and truncates the WAL, so a
    /// large write (an import) does not leave the file swollen.
    /// True when the WAL was emptied (false: a reader still needed part of it).
    pub fn checkpoint(&self) -> Result<bool> {
        if self.read_only {
            return Ok(true);
        }
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, committed only if it
    /// succeeds (`dry_run`: rolled back even then). `context` reads, under
    /// the write lock, who writes and the settings a write carries: the
    /// session's part (`session`), so that the store knows no admins and no
    /// settings.
    pub(crate) fn write_inner<T>(
        &mut self,
        context: impl FnOnce(&Connection) -> Result<WriteContext>,
        dry_run: bool,
        at: Option<DateTime<Utc>>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        if self.read_only {
            return Err(self.refused_read_only());
        }
        // Outside writes the connection is `query_only` (debug builds), so that no read path
        // can write through it; only here, for this transaction, it may.
        guard(&self.conn, false)?;
        let out = self.write_tx(context, dry_run, at, f);
        let guarded = guard(&self.conn, true);
        let out = out?;
        guarded?;
        Ok(out)
    }

    fn write_tx<T>(
        &mut self,
        context: impl FnOnce(&Connection) -> Result<WriteContext>,
        dry_run: bool,
        at: Option<DateTime<Utc>>,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let WriteContext {
            actor,
            region,
            zone,
        } = context(&tx)?;
        let hlc = Hlc::from_i64(tx.query_row("SELECT hlc FROM device", [], |r| r.get(0))?);
        let now = at.unwrap_or_else(|| Utc::now() + self.skew);
        let changes_at_start = tx.total_changes();
        let mut w = Write {
            changes_at_start,
            recorded: 0,
            caches_only: false,
            tx,
            device: self.device,
            actor,
            now,
            now_text: timestamp(now),
            hlc,
            newest_held: None,
            region,
            zone,
            warnings: Vec::new(),
        };
        let out = f(&mut w)?;
        w.check_change_log();
        let Write { tx, hlc, .. } = w;
        if dry_run {
            tx.rollback()?;
        } else {
            tx.execute("UPDATE device SET hlc = ?1", [hlc.as_i64()])?;
            tx.commit()?;
            // This connection's own commits do not move its data_version:
            // the settings it cached may have changed in this write.
            self.view.set(None);
        }
        Ok(out)
    }
}

/// What a write carries beside its transaction, read by the session.
pub(crate) struct WriteContext {
    /// The admin the write is attributed to.
    pub actor: String,
    pub region: Region,
    /// The shop's zone, or why the stored setting is not one: a zone this
    /// program cannot read fails only the writes that need it
    /// (`Write::zone`), so that `settings set time_zone` can mend it.
    pub zone: std::result::Result<ShopZone, String>,
}

/// An open write transaction: the use cases' handle on the database.
pub struct Write<'a> {
    tx: Transaction<'a>,
    device: i64,
    actor: String,
    now: DateTime<Utc>,
    now_text: String,
    hlc: Hlc,
    /// The newest clock in the change log, once `clock_of` needed it (kept
    /// up to date by `record_remote`): no change held is later than it.
    newest_held: Option<i64>,
    region: Region,
    zone: std::result::Result<ShopZone, String>,
    /// Noted by the use cases (`warn`), returned by `Db::write_warned`.
    warnings: Vec<Warning>,
    /// `total_changes()` when the write began, and the change-log rows it
    /// recorded: see `check_change_log`.
    changes_at_start: u64,
    recorded: usize,
    /// Declared by `caches_only`.
    caches_only: bool,
}

/// Runs `f` and hands back the warnings it noted with its result.
pub(crate) fn warned<T>(
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> impl FnOnce(&mut Write<'_>) -> Result<Warned<T>> {
    |w| {
        let value = f(w)?;
        Ok(Warned {
            value,
            warnings: w.take_warnings(),
        })
    }
}

impl Write<'_> {
    pub(crate) fn tx(&self) -> &Transaction<'_> {
        &self.tx
    }

    /// Executes one statement through the connection's statement cache: the
    /// hot write paths run the same few statements millions of times in an import.
    pub(crate) fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
        Ok(self.tx.prepare_cached(sql)?.execute(params)?)
    }

    /// `query_row` through the statement cache, like `exec`.
    pub(crate) fn query_row<T>(
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
        let warned = self.warnings.len();
        let before = (self.tx.total_changes(), self.recorded);
        match f(self) {
            Ok(v) => {
                self.tx.execute_batch("RELEASE row")?;
                Ok(v)
            }
            Err(e) => {
                // What was undone warns of nothing, and changed nothing.
                self.warnings.truncate(warned);
                self.tx.execute_batch("ROLLBACK TO row; RELEASE row")?;
                // Whatever SQLite still counts of the undone rows.
                self.changes_at_start += self.tx.total_changes().saturating_sub(before.0);
                self.recorded = before.1;
                Err(e)
            }
        }
    }

    /// Declares that this write changes only caches (rollups, counters, a
    /// fixture made by the generator), which sync does not carry: it records
    /// no change-log row, and `check_change_log` lets it.
    pub(crate) fn caches_only(&mut self) {
        self.caches_only = true;
    }

    /// Runs `f`, whose row changes are caches or indexes that sync does not
    /// carry (a counter recount, a deferred search index): they do not count
    /// for `check_change_log`; the rest of the write still does.
    pub(crate) fn uncounted<T>(
        &mut self,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let before = self.tx.total_changes();
        let out = f(self);
        self.changes_at_start += self.tx.total_changes().saturating_sub(before);
        out
    }

    /// The change-log invariant, checked in debug builds at the end of every
    /// successful write (so every test checks it): a write that changed rows
    /// recorded at least one change-log row, unless it declared itself
    /// cache-only. A use case that forgets `record_change` fails here.
    fn check_change_log(&self) {
        if cfg!(debug_assertions) {
            let changed = self
                .tx
                .total_changes()
                .saturating_sub(self.changes_at_start);
            assert!(
                changed == 0 || self.recorded > 0 || self.caches_only,
                "a write changed {changed} rows and recorded no change-log row \
                 (record_change, or declare it caches_only)"
            );
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

    /// Notes a warning about the input being written (see `warning`).
    /// The same warning noted twice is kept once.
    pub fn warn(&mut self, warning: Warning) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// The warnings noted so far, leaving none (an import reports them row by row).
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The shop's time zone.
    pub fn zone(&self) -> Result<ShopZone> {
        self.zone
            .clone()
            .map_err(|message| Error::validation("time_zone", message))
    }

    /// The zone as read when the write began, None if the setting is bad.
    pub(crate) fn zone_read(&self) -> Option<ShopZone> {
        self.zone.as_ref().ok().copied()
    }

    /// The region and zone after this write changed the settings that make
    /// them (`settings::set`): later reads in the write see the new ones.
    pub(crate) fn set_view(&mut self, region: Region, zone: std::result::Result<ShopZone, String>) {
        self.region = region;
        self.zone = zone;
    }

    /// The next hybrid-logical-clock value (`hlc`): never behind any value
    /// this device issued before.
    fn tick(&mut self) -> i64 {
        self.hlc.tick(self.now).as_i64()
    }

    /// Records one change for sync: an inserted row (`field` None; `value` the
    /// whole row, or None for rows that never change, which sync reads from
    /// their table), one changed field, or a delete/restore (value = the new
    /// causal length). A change is identified by (device, HLC): a device's
    /// clock never repeats, and it carries the time (`hlc >> 16` = Unix ms).
    pub(crate) fn record_change(
        &mut self,
        entity: Entity,
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

    /// Records the fields of one row that changed (field, before, after;
    /// unchanged ones are skipped), one change-log row each, and gives them
    /// back as the activity log shows them.
    pub(crate) fn record_updates(
        &mut self,
        entity: Entity,
        entity_id: &str,
        fields: impl IntoIterator<Item = (&'static str, Value, Value)>,
    ) -> Result<BTreeMap<String, Before<FieldValue<'static>>>> {
        let mut changed = BTreeMap::new();
        for (field, old, new) in fields {
            if old == new {
                continue;
            }
            self.record_change(entity, entity_id, ChangeOp::Update, Some(field), Some(&new))?;
            let change = Before {
                before: FieldValue::of(&old),
                after: FieldValue::of(&new),
            };
            changed.insert(field.to_owned(), change);
        }
        Ok(changed)
    }

    /// Records an inserted row, whole (its record in `wire`), for sync.
    pub(crate) fn record_insert(
        &mut self,
        entity: Entity,
        entity_id: &str,
        record: &impl serde::Serialize,
    ) -> Result<()> {
        self.record_changes(&[Change::inserted(entity, entity_id, record)?])
    }

    /// Records changes in the order given, each with the next clock value
    /// (`clock_of`).
    pub(crate) fn record_changes(&mut self, changes: &[Change<'_>]) -> Result<()> {
        let rows: Vec<(&Change<'_>, i64)> = changes
            .iter()
            .map(|c| Ok((c, self.clock_of(c)?)))
            .collect::<Result<_>>()?;
        self.recorded += rows.len();
        let device = self.device;
        self.insert_rows(
            "change_log (entity, entity_id, op, field, value, hlc, device)",
            7,
            &rows,
            |row, (c, hlc)| {
                row.bind(c.entity.as_str())?;
                row.bind(c.entity_id)?;
                row.bind(c.op.as_str())?;
                row.bind(c.field)?;
                row.bind(c.value.as_deref())?;
                row.bind(hlc)?;
                row.bind(device)
            },
        )
    }

    /// The clock of a local change: the next tick, or, for a change of a
    /// field (or a delete or restore), past the latest change of it held
    /// here when that one is later. Why: a change received from a desk
    /// whose clock runs ahead of this one's wall clock is not adopted
    /// (`record_remote`), so the next tick can be smaller; an edit made here
    /// after it, which this desk shows at once, would then lose to it on
    /// every other desk, and the desks would differ. So the edit orders
    /// after what it followed, as it does here (found by the sync game with
    /// a desk an hour slow). The clock moves only as far as that change.
    fn clock_of(&mut self, c: &Change<'_>) -> Result<i64> {
        let tick = self.tick();
        if c.op == ChangeOp::Insert || self.newest_held()? < tick {
            return Ok(tick);
        }
        let held = self.latest_change(c.entity.as_str(), c.entity_id, c.field)?;
        Ok(match held.map(|l| l.hlc) {
            Some(held) if held >= tick => self.hlc.observe(Hlc::from_i64(held), self.now).as_i64(),
            _ => tick,
        })
    }

    /// The latest change held here of `field` (None: a delete or restore,
    /// or a change of the whole row) of one row, inserts aside, by (clock,
    /// device id): what last-writer-wins compares an arriving change with
    /// (`sync::merge`), and what a local edit's clock must pass
    /// (`clock_of`). One seek on `change_log_field` (V19).
    pub(crate) fn latest_change(
        &self,
        entity: &str,
        entity_id: &str,
        field: Option<&str>,
    ) -> Result<Option<HeldChange>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT c.hlc, d.device_id, c.value
                 FROM change_log c INDEXED BY change_log_field JOIN devices d ON d.id = c.device
                 WHERE c.entity_id = ?2 AND c.field IS ?3 AND c.op != 'insert' AND c.entity = ?1
                 ORDER BY c.hlc DESC, d.device_id DESC LIMIT 1",
            )?
            .query_row(rusqlite::params![entity, entity_id, field], |r| {
                Ok(HeldChange {
                    hlc: r.get(0)?,
                    device: r.get(1)?,
                    value: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// The newest clock in the change log: each device's newest, one seek
    /// each (`change_log_identity`), read once per write. Almost always
    /// behind this device's clock, which then needs no look at the field.
    fn newest_held(&mut self) -> Result<i64> {
        if let Some(newest) = self.newest_held {
            return Ok(newest);
        }
        let newest: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT max((SELECT max(hlc) FROM change_log WHERE device = d.id)) FROM devices d",
            )?
            .query_row([], |r| r.get(0))?;
        let newest = newest.unwrap_or(0);
        self.newest_held = Some(newest);
        Ok(newest)
    }

    /// Records a change another device made, as it arrived through sync: the
    /// change log keeps its device and clock (later merges compare against
    /// it; it is never pushed again from here), and this device's clock
    /// moves past it, unless it claims a time more than `max_ahead_ms`
    /// ahead of this wall clock (a skewed device: kept, not adopted, so one
    /// bad clock cannot drag every desk into the future).
    pub(crate) fn record_remote(
        &mut self,
        change: &RemoteChange<'_>,
        max_ahead_ms: i64,
    ) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO devices (device_id) VALUES (?1)")?
            .execute([change.device])?;
        let device: i64 = self
            .tx
            .prepare_cached("SELECT id FROM devices WHERE device_id = ?1")?
            .query_row([change.device], |r| r.get(0))?;
        self.tx
            .prepare_cached(
                "INSERT INTO change_log (entity, entity_id, op, field, value, hlc, device)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                change.entity,
                change.entity_id,
                change.op,
                change.field,
                change.value,
                change.hlc,
                device
            ])?;
        self.recorded += 1;
        if let Some(newest) = &mut self.newest_held {
            *newest = (*newest).max(change.hlc);
        }
        let remote = Hlc::from_i64(change.hlc);
        if remote.millis() <= self.now.timestamp_millis().saturating_add(max_ahead_ms) {
            self.hlc.observe(remote, self.now);
        }
        Ok(())
    }

    /// Moves this device's clock past `hlc` (a value the sync server holds),
    /// as a received change would.
    pub(crate) fn observe_clock(&mut self, hlc: i64) {
        self.hlc.observe(Hlc::from_i64(hlc), self.now);
    }

    /// Deletes change-log rows (a privacy erase: they carry the erased
    /// data). A change's seq is its place in the push order and the next
    /// change takes the log's top seq plus one: with the top rows gone, it
    /// would take a seq sync already acknowledged and never be pushed. So
    /// the acknowledgement comes down to the new top (every row at or
    /// below it was already acknowledged).
    pub(crate) fn forget_changes(&mut self, seqs: &[i64]) -> Result<()> {
        for seq in seqs {
            self.exec("DELETE FROM change_log WHERE seq = ?1", [seq])?;
        }
        // `sync_state` is sync's; the rule is the change log's.
        self.exec(
            "UPDATE sync_state SET pushed_seq =
                 min(pushed_seq, coalesce((SELECT max(seq) FROM change_log), 0))",
            [],
        )?;
        Ok(())
    }

    /// Whether the change (device, hlc) is already in the change log.
    pub(crate) fn holds_change(&self, device: &str, hlc: i64) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM change_log c JOIN devices d ON d.id = c.device
                 WHERE d.device_id = ?1 AND c.hlc = ?2",
            )?
            .exists(rusqlite::params![device, hlc])?)
    }

    /// Appends to a customer's activity log, and records that entry for sync.
    pub(crate) fn record_activity(
        &mut self,
        customer_id: i64,
        event: &ActivityEvent<'_>,
    ) -> Result<()> {
        let details = event.details_json().map_err(std::io::Error::other)?;
        self.record_activities(&[(customer_id, event.action(), details)])
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
            .map(|uuid| Change::noted(Entity::Activity, uuid))
            .collect();
        self.record_changes(&changes)
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
    pub entity: Entity,
    pub entity_id: &'a str,
    pub op: ChangeOp,
    pub field: Option<&'a str>,
    /// JSON text.
    pub value: Option<String>,
}

/// The latest change of a field held here (`Write::latest_change`).
#[derive(Debug, Clone)]
pub(crate) struct HeldChange {
    pub hlc: i64,
    /// The device id it was made by.
    pub device: String,
    /// JSON text.
    pub value: Option<String>,
}

/// A change made on another device, as sync received it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteChange<'a> {
    pub device: &'a str,
    pub hlc: i64,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub op: &'a str,
    pub field: Option<&'a str>,
    pub value: Option<&'a str>,
}

impl<'a> Change<'a> {
    /// An inserted row that never changes (sync reads it from its table).
    pub fn noted(entity: Entity, entity_id: &'a str) -> Change<'a> {
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
        entity: Entity,
        entity_id: &'a str,
        row: &impl serde::Serialize,
    ) -> Result<Change<'a>> {
        Ok(Change {
            value: Some(json_text(row)?),
            ..Change::noted(entity, entity_id)
        })
    }
}

/// A value as JSON text, for the logs. Only a failing `Serialize` impl (none
/// of ours) can make this fail; it is reported as the write's I/O error.
pub(crate) fn json_text(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string(value).map_err(std::io::Error::other)?)
}

/// A new row identity: UUIDv7, so ids made on one device sort by creation time.
pub(crate) fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// RFC 3339 UTC with milliseconds: sorts as text.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The writers' open: `create` makes a missing file (and its folders).
fn open_writable(path: &Path, create: bool) -> Result<Db> {
    let media = |e: Error| on_read_only_media(e, path);
    let path = path.to_path_buf();
    if create && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| media(e.into()))?;
    }
    let existed = std::fs::metadata(&path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    let flags = if create {
        OpenFlags::default()
    } else {
        OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE
    };
    let mut conn = Connection::open_with_flags(&path, flags).map_err(|e| media(e.into()))?;
    // SQLite opens a file it may not write read-only without a word: a
    // write would fail later with a bare "readonly database".
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(read_only(&path));
    }
    set_up(&mut conn, &path, existed).map_err(media)?;
    let (device_id, device) = ensure_device(&conn)?;
    let db = Db {
        conn,
        path,
        device_id,
        device,
        read_only: false,
        view: Cell::new(None),
        skew: TimeDelta::zero(),
    };
    // From here on only `Db::write` writes (see `write_inner`).
    guard(&db.conn, true)?;
    Ok(db)
}

/// Makes the writer's connection refuse writes (`query_only`) outside
/// `Db::write`, in debug builds: there every test proves that no read path
/// writes through it. Release builds leave it writable, because `query_only`
/// is a flag pragma and SQLite expires every prepared statement when one
/// changes: toggled around each write, every write re-prepared all its
/// statements (the one-customer-per-write import: 1,263 against 1,029 µs per
/// customer). Read connections (`ReadConn`) are `query_only` for good.
fn guard(conn: &Connection, on: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        conn.pragma_update(None, "query_only", on)?;
    }
    Ok(())
}

/// Pragmas and migrations of a connection that may write.
fn set_up(conn: &mut Connection, path: &Path, existed: bool) -> Result<()> {
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
    migrate(conn, path, existed)
}

/// The pragmas of a connection that only reads (a `Db` opened read-only, a
/// `ReadConn`), the writer's where they apply: the busy timeout, the page
/// cache, statement journals in memory; and `query_only`.
pub(crate) fn read_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(())
}

/// A connection for a `ReadConn`: opened read-only on a database with this
/// program's schema (never migrated, created or written: `no_database`,
/// or a migration error naming the version, otherwise), with `read_pragmas`.
pub(crate) fn open_read_conn(path: &Path) -> Result<Connection> {
    require_database(path)?;
    let conn = open_reader(path, false)?;
    let latest = latest_schema_version();
    match applied_version(&conn)? {
        None => return Err(no_database(path)),
        Some(v) if v > latest => return Err(newer_schema(v, latest)),
        Some(v) if v < latest => {
            return Err(Error::Migration(format!(
                "{} has schema version {v} and this Pelanggan needs {latest}; \
                 open it for writing once to upgrade it",
                path.display()
            )));
        }
        Some(_) => {}
    }
    read_pragmas(&conn)?;
    // A pooled reader's page cache is a quarter of the writer's: the app
    // keeps several, each caching its own copy of the same hot pages (the
    // OS's file cache holds the rest), and at a million customers four of
    // 64 MiB took the app's process from 151 to 387 MB (`make bench-app`).
    conn.pragma_update(None, "cache_size", -16_384)?;
    Ok(conn)
}

/// `no_database` unless `path` holds something (a missing or empty file is
/// no database; a folder is an I/O error).
pub(crate) fn require_database(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            format!("{} is a folder, not a database file", path.display()),
        )
        .into()),
        Ok(m) if m.len() > 0 => Ok(()),
        Ok(_) => Err(no_database(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(no_database(path)),
        Err(e) => Err(e.into()),
    }
}

fn no_database(path: &Path) -> Error {
    Error::Refused {
        code: Code::NoDatabase,
        field: Some("db"),
        message: format!(
            "no database at {}; check the path (--db, $PELANGGAN_DB). \
             Only commands that add data (customer add, import, gen, ...) create one",
            path.display()
        ),
    }
}

fn read_only(path: &Path) -> Error {
    Error::Refused {
        code: Code::ReadOnly,
        field: Some("db"),
        message: format!(
            "{} is read-only (the file, its folder or the medium cannot be written), \
             and this command changes the database; nothing was changed. Commands that \
             only read still work; to change it, copy it somewhere writable",
            path.display()
        ),
    }
}

/// A failure to open or set up `path` that comes from it being unwritable
/// (SQLite's "unable to open" / "readonly", or the OS's "permission denied" /
/// "read-only file system") becomes `read_only`; anything else stays.
pub(crate) fn on_read_only_media(e: Error, path: &Path) -> Error {
    let unwritable = match &e {
        Error::Database(rusqlite::Error::SqliteFailure(f, _)) => matches!(
            f.code,
            rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly
        ),
        Error::Refused { code, .. } => *code == Code::ReadOnly,
        Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        _ => false,
    };
    // "Unable to open" also means a missing folder: only say read-only
    // when the file is there.
    if unwritable && (path.exists() || path.parent().is_some_and(Path::exists)) {
        read_only(path)
    } else {
        e
    }
}

/// A connection that can read `path` and will not write it (`query_only`):
/// opened for writing when the file and folder allow it, so that, closing
/// last, it tidies the `-wal`/`-shm` away as writers do; else read-only;
/// else, when SQLite cannot make the shared-memory file beside it (a
/// read-only folder) and no write-ahead log is pending, as an immutable file.
/// `tidy` false skips the writable attempt: a pool's readers live beside a
/// writer, which tidies up.
fn open_reader(path: &Path, tidy: bool) -> Result<Connection> {
    let probe = |conn: Connection| -> rusqlite::Result<Connection> {
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    };
    let writable = || {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    };
    if tidy
        && let Ok(conn) = writable()
        && !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
        && let Ok(conn) = probe(conn)
    {
        return Ok(conn);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let err = match Connection::open_with_flags(path, flags).and_then(probe) {
        Ok(conn) => return Ok(conn),
        Err(e) => e,
    };
    let unreadable = matches!(&err, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly));
    if !unreadable {
        return Err(err.into());
    }
    let wal = crate::outfile::with_suffix(path, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(Error::Refused {
            code: Code::ReadOnly,
            field: Some("db"),
            message: format!(
                "{} cannot be read here: its write-ahead log ({}) holds changes, and \
                 reading them needs a writable folder. Open it where it was written, \
                 or copy the folder somewhere writable",
                path.display(),
                wal.display()
            ),
        });
    }
    Ok(probe(Connection::open_with_flags(
        immutable_uri(path),
        flags | OpenFlags::SQLITE_OPEN_URI,
    )?)?)
}

/// `file:PATH?immutable=1`, the path percent-encoded: opens a file read-only
/// without locking it or making a `-wal`/`-shm` beside it.
pub(crate) fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'-' | b'~' | b':' => {
                uri.push(char::from(*b));
            }
            b'\\' if cfg!(windows) => uri.push('/'),
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// The newest migration recorded, None for a file with no tables yet.
fn applied_version(conn: &Connection) -> Result<Option<i64>> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if tables == 0 {
        return Ok(None);
    }
    let version: Option<i64> = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .map_err(|_| {
            Error::Migration("the file is an SQLite database, but not a Pelanggan one".into())
        })?;
    Ok(Some(version.unwrap_or(0)))
}

fn newer_schema(version: i64, latest: i64) -> Error {
    Error::Migration(format!(
        "the file has schema version {version} but this program knows only up to {latest}; update Pelanggan"
    ))
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
        return Err(newer_schema(current.unwrap_or_default(), latest));
    }
    if current == Some(latest) {
        // Up to date: touch nothing, so opening never waits for (or blocks) a
        // writer such as a long import in another process.
        return Ok(());
    }
    if existed && current.unwrap_or(0) < latest {
        // Under the write lock: no other process migrates, writes or makes
        // its own copy meanwhile. Nothing is written here; the lock goes
        // before the migrations take it again.
        let lock = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = applied_version(&lock)?.unwrap_or(0);
        if version < latest {
            keep_copy_before_migration(path, version)?;
        }
        drop(lock);
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

/// The copy of the file as it was before migrating from `version`:
/// `<file>.before-v<N>-<time>.bak`, one per version. An existing copy that
/// is complete (intact, and holding what the file holds now: the same tables,
/// row counts and clock) is reused, so a migration that fails does not write
/// another full-size copy on every retry. A new copy goes to `.partial`, is
/// checked the same way and only then renamed: a full disk leaves no empty or
/// truncated copy. Copies found incomplete are removed once a good one exists;
/// a complete copy of older content (the file was written since) is kept.
/// The caller holds the write lock.
fn keep_copy_before_migration(path: &Path, version: i64) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("pelanggan.db");
    let prefix = format!("{base}.before-v{version}-");
    let mut copies = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(&prefix) || !entry.file_type()?.is_file() {
            continue;
        }
        if name.contains(".bak.partial") {
            // A copy cut short (a kill, a full disk), with SQLite's journal
            // beside it; nobody else is making one while we hold the lock.
            std::fs::remove_file(entry.path())?;
        } else if name.ends_with(".bak") {
            copies.push(entry.path());
        }
    }
    copies.sort();
    let source = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let now = fingerprint(&source)?;
    let mut incomplete = Vec::new();
    let mut kept = None;
    for copy in copies.iter().rev() {
        match copy_fingerprint(copy) {
            Ok(f) if f == now => {
                kept = Some(copy.clone());
                break;
            }
            Ok(_) => {}
            Err(_) => incomplete.push(copy.clone()),
        }
    }
    let kept = match kept {
        Some(copy) => copy,
        None => {
            let stamp = Utc::now().format("%Y%m%dT%H%M%S");
            // A copy made in the same second (of older content) keeps its name.
            let target = (1..)
                .map(|n| match n {
                    1 => dir.join(format!("{prefix}{stamp}.bak")),
                    n => dir.join(format!("{prefix}{stamp}-{n}.bak")),
                })
                .find(|t| std::fs::symlink_metadata(t).is_err())
                .unwrap_or_default();
            let rules = crate::outfile::Rules::new(false).protect_db(path);
            crate::outfile::check(&target, &rules)?;
            let partial = crate::outfile::Partial::new(&target, &rules)?;
            drop(partial.open()?);
            crate::file_copy::copy_pages(
                &source,
                partial.path(),
                &mut |_| {},
                &crate::progress::Cancel::new(),
            )?;
            match copy_fingerprint(partial.path()) {
                Ok(f) if f == now => {}
                _ => {
                    return Err(Error::Migration(format!(
                        "the copy of {} made before migrating does not match the file; \
                         nothing was migrated",
                        path.display()
                    )));
                }
            }
            partial.commit()?;
            target
        }
    };
    for copy in incomplete {
        std::fs::remove_file(copy)?;
    }
    Ok(kept)
}

/// What a copy must share with its database to stand for it: the schema
/// (every object's SQL), every table's row count and the device clock
/// (which every write moves).
fn fingerprint(conn: &Connection) -> Result<Vec<(String, String)>> {
    let schema: String = conn.query_row(
        "SELECT coalesce(group_concat(name || ':' || coalesce(sql, ''), ';'), '')
         FROM (SELECT name, sql FROM sqlite_schema ORDER BY name)",
        [],
        |r| r.get(0),
    )?;
    let mut out = vec![("schema".to_owned(), schema)];
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let quoted = table.replace('"', "\"\"");
        let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
            r.get(0)
        })?;
        if table == "device" {
            let hlc: Option<i64> = conn
                .query_row("SELECT max(hlc) FROM device", [], |r| r.get(0))
                .optional()?
                .flatten();
            out.push(("device.hlc".to_owned(), hlc.unwrap_or(0).to_string()));
        }
        out.push((table, rows.to_string()));
    }
    Ok(out)
}

/// The fingerprint of a copy that passes SQLite's quick check; an error for
/// an empty, truncated or damaged one.
fn copy_fingerprint(copy: &Path) -> Result<Vec<(String, String)>> {
    let conn = Connection::open_with_flags(
        copy,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    if let Some(problem) = crate::file_copy::quick_check(&conn)? {
        return Err(Error::Migration(format!("{}: {problem}", copy.display())));
    }
    if applied_version(&conn)?.is_none() {
        return Err(Error::Migration(format!("{}: no schema", copy.display())));
    }
    fingerprint(&conn)
}

/// This device's id (made on first open) and its `devices` row number.
fn ensure_device(conn: &Connection) -> Result<(String, i64)> {
    if let Some(found) = read_device(conn)? {
        return Ok(found);
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
    read_device(conn)?.ok_or_else(|| Error::Migration("device row missing".into()))
}

/// This device's id and `devices` row number, if both are there.
fn read_device(conn: &Connection) -> Result<Option<(String, i64)>> {
    let row: Option<(String, Option<i64>)> = conn
        .query_row(
            "SELECT d.device_id, s.id FROM device d LEFT JOIN devices s ON s.device_id = d.device_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(id, number)| Some((id, number?))))
}
