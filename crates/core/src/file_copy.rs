//! Page-level work on a database file that needs no `Db`: a consistent copy
//! through SQLite's backup API (while others write) and SQLite's quick check.
//! Shared by backups and the copy kept before a migration; knows nothing of
//! Pelanggan's tables.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::Result;
use crate::progress::{Cancel, Progress};

/// Pages copied per step: small enough that writers on other connections get
/// the lock between steps, large enough to finish a big file quickly.
pub(crate) const PAGES_PER_STEP: std::ffi::c_int = 1024;

/// None when `PRAGMA quick_check` says ok, else its first findings.
pub(crate) fn quick_check(conn: &Connection) -> Result<Option<String>> {
    let found = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA quick_check(3)")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    })();
    match found {
        Ok(lines) if lines.len() == 1 && lines[0] == "ok" => Ok(None),
        Ok(lines) => Ok(Some(lines.join("; "))),
        // A file damaged where the check starts fails to run at all.
        Err(rusqlite::Error::SqliteFailure(f, m))
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            ) =>
        {
            Ok(Some(m.unwrap_or_else(|| f.to_string())))
        }
        Err(e) => Err(e.into()),
    }
}

/// Copies `source` page by page into the file at `target` (which must
/// exist, empty, or be absent), reporting progress; writers on other
/// connections get the lock between steps.
pub(crate) fn copy_pages(
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
            report(&backup, progress);
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

pub(crate) fn report(
    backup: &rusqlite::backup::Backup<'_, '_>,
    progress: &mut dyn FnMut(Progress),
) {
    let p = backup.progress();
    let total = u64::try_from(p.pagecount).unwrap_or_default();
    let left = u64::try_from(p.remaining).unwrap_or_default();
    progress(Progress {
        rows: 0,
        done: total - left.min(total),
        total,
    });
}
