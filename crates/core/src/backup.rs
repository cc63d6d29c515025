//! Backups: a consistent online copy of the database while others write
//! (SQLite's backup API), restore with checks, and the daily rotating backup.
//!
//! Every backup file is written through `outfile` (never onto the database
//! itself, an existing file, a link or a device; `.partial` then rename) and
//! only from a source that passes SQLite's quick check: a damaged database is
//! refused (`database_damaged`) with the last good backup named. Rotation
//! keeps the newest good backups by what they hold, never deleting a good one
//! because of a damaged one, which it reports and leaves alone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::db::{Db, Reader};
use crate::error::{Code, Error, Result};
use crate::file_copy::{PAGES_PER_STEP, copy_pages, quick_check, report};
use crate::outfile::{self, Partial, Rules, with_suffix};
use crate::progress::{Cancel, Progress};
use crate::settings::{self, Key};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupInfo {
    pub file: PathBuf,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RestoreInfo {
    pub restored_from: PathBuf,
    /// Where the database as it was before the restore was kept (None when
    /// there was no database yet).
    pub previous_kept_at: Option<PathBuf>,
    pub schema_version: i64,
}

/// What `backup --verify` found in a good backup.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verified {
    pub file: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    /// Live and deleted customers in it.
    pub customers: i64,
    /// The newest change it holds (the shop's clock), RFC 3339 UTC.
    pub last_change: Option<String>,
}

/// A daily backup that failed its check: left in place, named for a person.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Damaged {
    pub file: PathBuf,
    pub problem: String,
}

/// What one `auto_backup` run did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DailyBackup {
    /// Today's backup, or None if it existed already.
    pub made: Option<BackupInfo>,
    /// The good backups kept, newest first.
    pub kept: Vec<PathBuf>,
    /// Good backups beyond `keep`, deleted.
    pub deleted: Vec<PathBuf>,
    /// Daily backups that failed their check: not counted, not deleted.
    pub damaged: Vec<Damaged>,
}

/// Where the daily backups of the database at `db` go unless told otherwise:
/// `backups/` beside it.
pub fn default_dir(db: &Path) -> PathBuf {
    db.with_file_name("backups")
}

/// Where the daily backups go: the `backup_dir` setting, else `default_dir`.
pub fn daily_dir(r: Reader<'_>, db: &Path) -> Result<PathBuf> {
    let dir = settings::get(r.conn(), Key::BackupDir)?;
    Ok(if dir.is_empty() {
        default_dir(db)
    } else {
        PathBuf::from(dir)
    })
}

/// The backups the app shows: where the daily ones go, how many are kept,
/// and the backup files there, newest first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupStatus {
    pub dir: PathBuf,
    pub keep: u32,
    pub files: Vec<BackupFile>,
}

/// One backup file in the backups folder.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupFile {
    pub file: PathBuf,
    pub bytes: u64,
    /// When the file was written (its modification time), RFC 3339 UTC.
    pub made_at: String,
}

/// What `status` finds for the database at `db`. Lists the `.db` files of
/// the folder (daily and made by hand) without opening them: a listing must
/// stay instant, and `auto_backup` checks the ones it counts.
pub fn status(r: Reader<'_>, db: &Path) -> Result<BackupStatus> {
    let dir = daily_dir(r, db)?;
    let keep = settings::backup_keep(r.conn())? as u32;
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => Some(entries),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    for entry in entries.into_iter().flatten() {
        let file = entry?.path();
        if file.extension().is_none_or(|e| e != "db") {
            continue;
        }
        let meta = std::fs::symlink_metadata(&file)?;
        if !meta.file_type().is_file() {
            continue;
        }
        let modified: DateTime<Utc> = meta.modified()?.into();
        files.push(BackupFile {
            file,
            bytes: meta.len(),
            made_at: crate::db::timestamp(modified),
        });
    }
    files.sort_by(|a, b| (&b.made_at, &b.file).cmp(&(&a.made_at, &a.file)));
    Ok(BackupStatus { dir, keep, files })
}

/// "Back up now": a backup into `daily_dir` named for the moment
/// (`pelanggan-YYYY-MM-DD-HH-MM-SS.db`, the shop's local time), which the
/// daily rotation never counts or deletes (its name is not a day's).
pub fn backup_now(
    db: &Db,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<BackupInfo> {
    let r = db.reader()?;
    let dir = daily_dir(r, db.path())?;
    let now = Utc::now();
    let time = r.zone().local_time(&crate::db::timestamp(now));
    // "2026-03-11 06:05 WIB": the day and minute, plus the seconds so two
    // backups in one minute do not collide.
    let stamp: String = time
        .chars()
        .take(16)
        .map(|c| if c == ' ' || c == ':' { '-' } else { c })
        .collect();
    let target = dir.join(format!("pelanggan-{stamp}-{}.db", now.format("%S")));
    backup_checked(db, &target, &dir, progress, cancel)
}

/// The day's automatic backup with the shop's own settings: into
/// `daily_dir`, keeping `backup_keep`, for the shop's today.
pub fn auto_backup_configured(db: &Db) -> Result<DailyBackup> {
    let r = db.reader()?;
    let dir = daily_dir(r, db.path())?;
    let keep = settings::backup_keep(r.conn())?;
    let today = r.today();
    auto_backup(db, &dir, keep, today)
}

/// Copies the open database to `target` (which must not exist yet), page by
/// page, while other connections go on reading and writing. The copy is
/// complete and consistent or absent: it is written to `<target>.partial` first.
/// A damaged database is refused (`database_damaged`), naming the last good
/// backup in `default_dir`.
pub fn backup(
    db: &Db,
    target: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<BackupInfo> {
    backup_checked(db, target, &default_dir(db.path()), progress, cancel)
}

fn backup_checked(
    db: &Db,
    target: &Path,
    backups: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<BackupInfo> {
    let rules = Rules::new(false).protect_db(db.path());
    outfile::check(target, &rules)?;
    check_source(db, backups)?;
    outfile::create_parent(target)?;
    let partial = Partial::new(target, &rules)?;
    // Made here with create_new, so SQLite writes into our own fresh file.
    drop(partial.open()?);
    copy_pages(db.conn(), partial.path(), progress, cancel)?;
    partial.commit()?;
    Ok(BackupInfo {
        file: target.to_path_buf(),
        bytes: std::fs::metadata(target)?.len(),
    })
}

/// Refuses a source that fails SQLite's quick check.
fn check_source(db: &Db, backups: &Path) -> Result<()> {
    let Some(problem) = quick_check(db.conn())? else {
        return Ok(());
    };
    let way_out = match last_good_backup(backups) {
        Some(good) => format!(
            "restore the last good backup: pelanggan restore {}",
            good.display()
        ),
        None => format!(
            "restore your newest good backup (pelanggan restore FILE); none was found in {}",
            backups.display()
        ),
    };
    Err(Error::Refused {
        code: Code::DatabaseDamaged,
        field: Some("db"),
        message: format!(
            "{} is damaged ({problem}), so a backup of it would be damaged too; none was \
             made and no backup was deleted. The way out: {way_out}",
            db.path().display()
        ),
    })
}

/// Replaces the database at `path` with the backup at `source`, as `restore`
/// does; when there is no database at `path` yet, the backup becomes it
/// (nothing is created if the backup is refused).
pub fn restore_at(
    path: &Path,
    source: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<(Db, RestoreInfo)> {
    let (schema_version, src) = inspect(source, "integrity_check")?;
    if crate::db::require_database(path).is_ok() {
        let db = Db::open_existing(path)?;
        return restore_checked(db, source, schema_version, src, progress, cancel);
    }
    // An empty file (an old program's mistyped path) is no database to keep.
    let rules = Rules::new(path.is_file()).protect(source, "the backup being restored");
    outfile::check(path, &rules)?;
    outfile::create_parent(path)?;
    let partial = Partial::new(path, &rules)?;
    drop(partial.open()?);
    copy_pages(&src, partial.path(), progress, cancel)?;
    partial.commit()?;
    let db = Db::open(path)?;
    Ok((
        db,
        RestoreInfo {
            restored_from: source.to_path_buf(),
            previous_kept_at: None,
            schema_version,
        },
    ))
}

/// Replaces the database with the backup at `source`, after checking that it
/// is an intact Pelanggan database this program can read. In this order,
/// holding the database's write lock from the first step to the last:
/// take the lock (waiting the busy timeout for another writer, such as an
/// import, to finish; `busy` if it does not), keep the current file as
/// `<db>.before-restore-<time>.bak`, replace it. So whatever another program
/// committed is in the kept copy or was never committed. Returns the
/// reopened database (migrated if the backup was older).
pub fn restore(
    db: Db,
    source: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<(Db, RestoreInfo)> {
    let (schema_version, src) = inspect(source, "integrity_check")?;
    restore_checked(db, source, schema_version, src, progress, cancel)
}

/// `restore` once the backup passed its check (`src` is it, open read-only).
fn restore_checked(
    db: Db,
    source: &Path,
    schema_version: i64,
    src: Connection,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<(Db, RestoreInfo)> {
    // SQLite copies into a WAL file only page for page of the same size;
    // a backup with other pages (4 KiB, from a file made before new files
    // got 16 KiB) is copied in rollback-journal mode, which takes the
    // source's size. That needs the file to itself, as a restore does
    // anyway; `Db::open` turns WAL back on.
    let page_size =
        |c: &Connection| -> Result<i64> { Ok(c.query_row("PRAGMA page_size", [], |r| r.get(0))?) };
    let rollback_mode = page_size(&src)? != page_size(db.conn())?;
    if rollback_mode {
        // Another program holding the file would wait this out: ask once.
        db.conn().busy_timeout(std::time::Duration::ZERO)?;
        let mode = db
            .conn()
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            });
        if !matches!(mode.as_deref(), Ok("delete")) {
            return Err(Error::Conflict(
                "another program has the database open; close it and restore again".into(),
            ));
        }
    }
    let path = db.path().to_path_buf();
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let kept = with_suffix(&path, &format!(".before-restore-{stamp}.bak"));
    let rules = Rules::new(false).protect_db(&path);
    outfile::check(&kept, &rules)?;
    {
        let mut conn = db.into_connection()?;
        let restore = rusqlite::backup::Backup::new(&src, &mut conn)?;
        // No page copied yet: this step only takes the write lock, waiting
        // the busy timeout for a writer that holds it.
        match restore.step(0)? {
            rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                return Err(Error::Busy);
            }
            _ => {}
        }
        keep_current(&path, &kept, &rules, rollback_mode)?;
        loop {
            // Cancelled now, the handle's drop rolls the replacement back.
            cancel.check()?;
            let step = restore.step(PAGES_PER_STEP)?;
            report(&restore, progress);
            match step {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    let db = Db::open(&path)?;
    Ok((
        db,
        RestoreInfo {
            restored_from: source.to_path_buf(),
            previous_kept_at: Some(kept),
            schema_version,
        },
    ))
}

/// The safety copy of a restore, taken while the restore holds the write
/// lock: in WAL mode through another connection (readers are not blocked),
/// in rollback mode (which locks readers out too) as the file's bytes, which
/// are then the whole database.
fn keep_current(path: &Path, kept: &Path, rules: &Rules, rollback_mode: bool) -> Result<()> {
    let partial = Partial::new(kept, rules)?;
    if rollback_mode {
        let mut from = std::fs::File::open(path)?;
        let mut to = partial.open()?;
        std::io::copy(&mut from, &mut to)?;
        to.sync_all()?;
    } else {
        drop(partial.open()?);
        let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        copy_pages(&reader, partial.path(), &mut |_| {}, &Cancel::new())?;
    }
    partial.commit()?;
    Ok(())
}

/// Integrity and schema checks on a would-be backup; returns its schema version.
pub fn check_backup(source: &Path) -> Result<i64> {
    Ok(inspect(source, "integrity_check")?.0)
}

/// `backup --verify`: SQLite's full integrity check, a Pelanggan schema this
/// program can read, and what the backup holds. `invalid_backup` if not good.
pub fn verify(file: &Path) -> Result<Verified> {
    let (schema_version, conn) = inspect(file, "integrity_check")?;
    let customers = conn
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .map_err(|e| Error::InvalidBackup(format!("{}: {e}", file.display())))?;
    Ok(Verified {
        file: file.to_path_buf(),
        bytes: std::fs::metadata(file)?.len(),
        schema_version,
        customers,
        last_change: clock(&conn)
            .filter(|ms| *ms > 0)
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map(crate::db::timestamp),
    })
}

/// The shared checks, with SQLite's `integrity_check` or the cheaper
/// `quick_check`: the schema version and the open connection.
fn inspect(source: &Path, check: &str) -> Result<(i64, Connection)> {
    let bad = |why: String| Error::InvalidBackup(format!("{}: {why}", source.display()));
    if !source.is_file() {
        return Err(bad("no such file".into()));
    }
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(e.to_string()))?;
    let integrity: String = conn
        .query_row(&format!("PRAGMA {check}"), [], |r| r.get(0))
        .map_err(|e| bad(format!("not a database ({e})")))?;
    if integrity != "ok" {
        return Err(bad(format!("integrity check failed: {integrity}")));
    }
    let version: Option<i64> = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history
             WHERE EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'customers')",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| bad("not a Pelanggan database".into()))?
        .flatten();
    let version = version.ok_or_else(|| bad("not a Pelanggan database".into()))?;
    let known = crate::db::latest_schema_version();
    if version > known {
        return Err(bad(format!(
            "made by a newer Pelanggan (schema {version}, this one knows {known}); update first"
        )));
    }
    Ok((version, conn))
}

/// The newest change a database holds: its device's hybrid logical clock,
/// in Unix ms. It never goes back while the shop is written, whatever the
/// computer's calendar said.
fn clock(conn: &Connection) -> Option<i64> {
    conn.query_row("SELECT max(hlc) FROM device", [], |r| {
        r.get::<_, Option<i64>>(0)
    })
    .ok()
    .flatten()
    .map(|hlc| hlc >> 16)
}

/// The daily backup: `pelanggan-YYYY-MM-DD.db` in `dir`, made once per day
/// from a database that passes the quick check, keeping the newest `keep`
/// good ones. "Newest" is what a backup holds (its newest change), then the
/// earlier of the day in its name and its file's date, so a wrongly dated
/// name cannot hold a slot; a backup that fails its check is not counted,
/// not deleted and reported. Today's backup, just made, is always kept.
pub fn auto_backup(db: &Db, dir: &Path, keep: usize, today: NaiveDate) -> Result<DailyBackup> {
    if keep == 0 {
        return Err(Error::validation("keep", "must keep at least one backup"));
    }
    let target = dir.join(format!("pelanggan-{}.db", crate::days::day_text(today)));
    let made = if std::fs::symlink_metadata(&target).is_ok() {
        None
    } else {
        Some(backup_checked(
            db,
            &target,
            dir,
            &mut |_| {},
            &Cancel::new(),
        )?)
    };
    let (ranked, mut damaged) = ranked_daily(dir)?;
    let mut kept = Vec::new();
    let mut deleted = Vec::new();
    // The one just made first: it is the database as it is now.
    let (fresh, others): (Vec<_>, Vec<_>) = ranked
        .into_iter()
        .partition(|c| made.is_some() && c.file == target);
    for candidate in fresh.into_iter().chain(others) {
        let checked = if made.is_some() && candidate.file == target {
            Ok(())
        } else {
            inspect(&candidate.file, "quick_check").map(|_| ())
        };
        match checked {
            Err(e) => damaged.push(Damaged {
                file: candidate.file,
                problem: e.to_string(),
            }),
            Ok(()) if kept.len() < keep => kept.push(candidate.file),
            Ok(()) => {
                std::fs::remove_file(&candidate.file)?;
                deleted.push(candidate.file);
            }
        }
    }
    damaged.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(DailyBackup {
        made,
        kept,
        deleted,
        damaged,
    })
}

/// The newest daily backup in `dir` that passes the quick check.
fn last_good_backup(dir: &Path) -> Option<PathBuf> {
    let (ranked, _) = ranked_daily(dir).ok()?;
    ranked
        .into_iter()
        .find(|c| inspect(&c.file, "quick_check").is_ok())
        .map(|c| c.file)
}

struct Candidate {
    file: PathBuf,
    /// Newest change inside, Unix ms.
    clock: i64,
    /// The earlier of the name's day and the file's modification day.
    day: NaiveDate,
}

/// The daily backups of `dir`, newest first by what they hold; those that
/// cannot be read at all are returned apart, as damaged.
fn ranked_daily(dir: &Path) -> Result<(Vec<Candidate>, Vec<Damaged>)> {
    let mut ranked = Vec::new();
    let mut damaged = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((ranked, damaged)),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let file = entry?.path();
        let Some(named) = daily_backup_day(&file) else {
            continue;
        };
        let meta = std::fs::symlink_metadata(&file)?;
        if !meta.file_type().is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .map(|t| DateTime::<Utc>::from(t).date_naive())
            .unwrap_or(named);
        let opened = Connection::open_with_flags(&file, OpenFlags::SQLITE_OPEN_READ_ONLY);
        match opened.ok().and_then(|c| clock(&c)) {
            Some(clock) => ranked.push(Candidate {
                file,
                clock,
                day: named.min(modified),
            }),
            None => damaged.push(Damaged {
                file,
                problem: "not a readable Pelanggan database".into(),
            }),
        }
    }
    ranked.sort_by(|a, b| (b.clock, b.day, &b.file).cmp(&(a.clock, a.day, &a.file)));
    Ok((ranked, damaged))
}

/// The day in a daily backup's name (`pelanggan-YYYY-MM-DD.db`).
pub(crate) fn daily_backup_day(path: &Path) -> Option<NaiveDate> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("pelanggan-"))
        .and_then(|n| n.strip_suffix(".db"))
        .and_then(crate::days::parse_day)
}
