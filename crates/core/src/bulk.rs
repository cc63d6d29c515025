//! Bulk writes: how a writer of many rows at once (an import, the generator)
//! sets the connection and the schema's derived structures aside while it
//! writes, and puts them back, in one place.
//!
//! Owns: the page cache of a bulk write, the fixture pragmas (an in-memory
//! rollback journal, no fsync, no foreign-key lookups) and their restore,
//! dropping secondary indexes and making them again by sorting, deferring the
//! search index (`search::with_deferred_index`) and the analytics rollups
//! (`analytics::with_deferred_rollups`), and `ANALYZE` afterwards; all of it
//! inside one `Db::write` (or `Db::dry_run`) transaction, so a failure undoes
//! everything.
//!
//! Must not know: what the rows are (its caller writes them), which indexes
//! exist (the caller names them by a rule), how the search index or the
//! rollups are computed (their modules own that).
//!
//! API boundary: `run(db, Bulk { .. }, |w| ..)`, crate-internal; the caller
//! says what to set aside in a `Bulk`.

use crate::db::{Db, Write};
use crate::error::Result;

/// Whether the index (table, index) is one to rebuild.
pub(crate) type IndexRule = dyn Fn(&str, &str) -> bool;

/// What a bulk write sets aside while it runs. `Default` sets nothing aside:
/// a plain write.
#[derive(Default)]
pub(crate) struct Bulk<'a> {
    /// The admin doing the write (None: the default admin).
    pub actor: Option<&'a str>,
    /// Roll everything back at the end (an import's dry run).
    pub dry_run: bool,
    /// The write's page cache (negative: KiB, as SQLite reads it); the
    /// connection's own comes back afterwards.
    pub cache_kib: Option<i64>,
    /// The file is a fixture being filled (the generator): pages spilled from
    /// the cache go straight to the file (an in-memory rollback journal, no
    /// sync) instead of through the WAL and a checkpoint copying every page
    /// twice, and foreign keys are not looked up per insert (the rows are
    /// consistent by construction). A failure rolls back in memory; the
    /// connection's journal mode, sync and foreign keys come back afterwards.
    pub fixture: bool,
    /// Which secondary indexes (table, index) to drop and make again at the
    /// end: one sort each instead of a random insert per row. Those whose
    /// order is the order rows are made in take appends and are best kept.
    pub rebuilt: Option<&'a IndexRule>,
    /// Index the search text of the rows written in one pass at the end.
    pub defer_search: bool,
    /// Sum the analytics rollups once at the end instead of row by row.
    pub defer_rollups: bool,
    /// Fresh statistics for the query planner afterwards (the plans of
    /// `search` depend on them).
    pub analyze: bool,
}

/// Runs `f` in one write transaction with what `bulk` names set aside, and
/// puts it back whatever `f` returns. The deferred work is done inside the
/// transaction, in this order: the indexes made again, the search index
/// written, the rollups summed.
pub(crate) fn run<T>(
    db: &mut Db,
    bulk: Bulk<'_>,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Result<T> {
    let saved = Saved::set(db, &bulk)?;
    let body = |w: &mut Write<'_>| {
        deferred(
            w,
            bulk.defer_rollups,
            crate::analytics::with_deferred_rollups,
            |w| {
                deferred(
                    w,
                    bulk.defer_search,
                    crate::search::with_deferred_index,
                    |w| match bulk.rebuilt {
                        Some(rebuilt) => with_indexes_rebuilt(w, rebuilt, f),
                        None => f(w),
                    },
                )
            },
        )
    };
    let written = if bulk.dry_run {
        db.dry_run(bulk.actor, body)
    } else {
        db.write(bulk.actor, body)
    };
    // Put back even after a failure; the write's own error comes first.
    let restored = saved.restore(db);
    let out = written?;
    restored?;
    if bulk.analyze {
        db.unguarded(|c| Ok(c.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE")?))?;
    }
    Ok(out)
}

/// `f` through `defer` when `on`, else `f` alone.
fn deferred<T, F: FnOnce(&mut Write<'_>) -> Result<T>>(
    w: &mut Write<'_>,
    on: bool,
    defer: impl FnOnce(&mut Write<'_>, F) -> Result<T>,
    f: F,
) -> Result<T> {
    if on { defer(w, f) } else { f(w) }
}

/// The connection's settings a bulk write changes, as they were.
struct Saved {
    cache: Option<i64>,
    /// (journal mode, synchronous, foreign keys, temp store) of a fixture write.
    fixture: Option<(String, i64, i64, i64)>,
}

impl Saved {
    /// Sets what `bulk` names, remembering what was there; a failure half
    /// way puts back what was already set.
    fn set(db: &Db, bulk: &Bulk<'_>) -> Result<Saved> {
        let mut saved = Saved {
            cache: None,
            fixture: None,
        };
        // Outside a write the connection is query_only, under which SQLite
        // would keep the journal mode as it is without a word.
        match db.unguarded(|conn| saved.set_on(conn, bulk)) {
            Ok(()) => Ok(saved),
            Err(e) => {
                let _ = saved.restore(db);
                Err(e)
            }
        }
    }

    fn set_on(&mut self, conn: &rusqlite::Connection, bulk: &Bulk<'_>) -> Result<()> {
        let int = |pragma: &str| -> Result<i64> {
            Ok(conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))?)
        };
        if let Some(kib) = bulk.cache_kib {
            self.cache = Some(int("cache_size")?);
            conn.pragma_update(None, "cache_size", kib)?;
        }
        if bulk.fixture {
            let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            self.fixture = Some((
                journal,
                int("synchronous")?,
                int("foreign_keys")?,
                int("temp_store")?,
            ));
            let mode: String = conn.query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0))?;
            // SQLite answers with the mode it kept when it cannot change it.
            debug_assert_eq!(mode, "memory", "the fixture's journal mode");
            // Statement journals (every insert with triggers needs one) in
            // memory rather than in a temp file written page by page.
            conn.execute_batch(
                "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY",
            )?;
        }
        Ok(())
    }

    /// Puts every setting back, trying each even when one fails; the first
    /// failure is returned.
    fn restore(self, db: &Db) -> Result<()> {
        db.unguarded(|conn| self.restore_on(conn))
    }

    fn restore_on(self, conn: &rusqlite::Connection) -> Result<()> {
        let mut first: Result<()> = Ok(());
        let mut keep = |r: rusqlite::Result<()>| {
            if let (Err(e), true) = (r, first.is_ok()) {
                first = Err(e.into());
            }
        };
        if let Some((journal, synchronous, foreign_keys, temp_store)) = self.fixture {
            keep(conn.query_row(&format!("PRAGMA journal_mode = {journal}"), [], |_| Ok(())));
            keep(conn.pragma_update(None, "synchronous", synchronous));
            keep(conn.pragma_update(None, "foreign_keys", foreign_keys));
            keep(conn.pragma_update(None, "temp_store", temp_store));
        }
        if let Some(cache) = self.cache {
            keep(conn.pragma_update(None, "cache_size", cache));
        }
        first
    }
}

/// Runs `f` with the indexes that `rebuilt(table, index)` names dropped
/// (automatic ones, behind UNIQUE and PRIMARY KEY, stay), then makes them
/// again from their stored SQL, all in this transaction: for a bulk write,
/// one sort per index instead of a random insert per row. Other connections
/// keep reading through the indexes (they see the last commit), and a
/// failure rolls the drop back with everything else.
fn with_indexes_rebuilt<T>(
    w: &mut Write<'_>,
    rebuilt: &IndexRule,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Result<T> {
    let indexes: Vec<(String, String)> = {
        let mut stmt = w.tx().prepare(
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
        w.tx()
            .execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), [])?;
    }
    let out = f(w)?;
    for (_, sql) in &indexes {
        w.tx().execute(sql, [])?;
    }
    Ok(out)
}
