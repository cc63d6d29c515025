//! Backups: a consistent online copy of the database while others write
//! (SQLite's backup API), restore with checks, and the daily rotating backup.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};

/// Pages copied per step: small enough that writers on other connections get
/// the lock between steps, large enough to finish a big file quickly.
const PAGES_PER_STEP: std::ffi::c_int = 1024;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BackupInfo {
    pub file: PathBuf,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RestoreInfo {
    pub restored_from: PathBuf,
    /// Where the database as it was before the restore was kept.
    pub previous_kept_at: PathBuf,
    pub schema_version: i64,
}

/// Copies the open database to `target` (which must not exist yet), page by
/// page, while other connections go on reading and writing. The copy is
/// complete and consistent or absent: it is written to `<target>.partial` first.
pub fn backup(
    db: &Db,
    target: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<BackupInfo> {
    if target.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists; choose another name or remove it",
            target.display()
        )));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = with_suffix(target, ".partial");
    let _ = std::fs::remove_file(&partial);
    let copied = copy_pages(db.conn(), &partial, progress, cancel);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, target)?;
    Ok(BackupInfo {
        file: target.to_path_buf(),
        bytes: std::fs::metadata(target)?.len(),
    })
}

fn copy_pages(
    source: &Connection,
    target: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<()> {
    let mut dest = Connection::open(target)?;
    {
        let backup = rusqlite::backup::Backup::new(source, &mut dest)?;
        loop {
            cancel.check()?;
            let step = backup.step(PAGES_PER_STEP)?;
            let p = backup.progress();
            let total = u64::try_from(p.pagecount).unwrap_or_default();
            let left = u64::try_from(p.remaining).unwrap_or_default();
            progress(Progress {
                rows: 0,
                done: total - left.min(total),
                total,
            });
            match step {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                // Another connection holds a lock: let it finish, then go on.
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    // A copy of a WAL database is itself in WAL mode; fold it into one file.
    dest.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// Replaces the database with the backup at `source`, after checking that it
/// is an intact Pelanggan database this program can read. The current file is
/// first kept as `<db>.before-restore-<time>.bak`. Returns the reopened database
/// (migrated if the backup was older).
pub fn restore(
    db: Db,
    source: &Path,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<(Db, RestoreInfo)> {
    let schema_version = check_backup(source)?;
    // SQLite copies into a WAL file only page for page of the same size;
    // a backup with other pages (4 KiB, from a file made before new files
    // got 16 KiB) is copied in rollback-journal mode, which takes the
    // source's size. That needs the file to itself, as a restore does
    // anyway; `Db::open` turns WAL back on.
    let page_size =
        |c: &Connection| -> Result<i64> { Ok(c.query_row("PRAGMA page_size", [], |r| r.get(0))?) };
    let source_pages = page_size(&Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?)?;
    if source_pages != page_size(db.conn())? {
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
    backup(&db, &kept, &mut |_| {}, &Cancel::new())?;
    cancel.check()?;
    {
        let mut conn = db.into_connection();
        // rusqlite wants an `Fn`; the caller's callback is `FnMut`.
        let progress = std::cell::RefCell::new(progress);
        conn.restore(
            rusqlite::MAIN_DB,
            source,
            Some(|p: rusqlite::backup::Progress| {
                let total = u64::try_from(p.pagecount).unwrap_or_default();
                let left = u64::try_from(p.remaining).unwrap_or_default();
                (progress.borrow_mut())(Progress {
                    rows: 0,
                    done: total - left.min(total),
                    total,
                });
            }),
        )?;
    }
    let db = Db::open(&path)?;
    Ok((
        db,
        RestoreInfo {
            restored_from: source.to_path_buf(),
            previous_kept_at: kept,
            schema_version,
        },
    ))
}

/// Integrity and schema checks on a would-be backup; returns its schema version.
pub fn check_backup(source: &Path) -> Result<i64> {
    let bad = |why: String| Error::InvalidBackup(format!("{}: {why}", source.display()));
    if !source.is_file() {
        return Err(bad("no such file".into()));
    }
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(e.to_string()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
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
    Ok(version)
}

/// The daily backup: `pelanggan-YYYY-MM-DD.db` in `dir`, made once per day,
/// keeping the newest `keep` of them. Returns the file made, or None if today's exists.
pub fn auto_backup(
    db: &Db,
    dir: &Path,
    keep: usize,
    today: NaiveDate,
) -> Result<Option<BackupInfo>> {
    if keep == 0 {
        return Err(Error::validation("keep", "must keep at least one backup"));
    }
    let target = dir.join(format!("pelanggan-{}.db", today.format("%Y-%m-%d")));
    let made = if target.exists() {
        None
    } else {
        Some(backup(db, &target, &mut |_| {}, &Cancel::new())?)
    };
    let mut daily: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_daily_backup(p))
        .collect();
    daily.sort();
    let excess = daily.len().saturating_sub(keep);
    for old in &daily[..excess] {
        std::fs::remove_file(old)?;
    }
    Ok(made)
}

fn is_daily_backup(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("pelanggan-"))
        .and_then(|n| n.strip_suffix(".db"))
        .is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}
