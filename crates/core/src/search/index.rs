//! Writing the search index for bulk writers: `with_deferred_index` lets the
//! generator or an import index every row it wrote in one pass, inside its
//! own transaction. The text indexed is the generated columns of V11, so this
//! file knows the FTS tables and the deferral tables of V3, nothing of reads.

use crate::db::Write;
use crate::error::Result;

/// Runs `f` (a bulk write: the generator, an import) with search indexing
/// deferred, then indexes every customer it inserted or changed in one pass,
/// all inside the caller's transaction. Much faster for many rows: FTS5
/// writes a segment at every statement savepoint, so a million one-row
/// trigger inserts make a million tiny segments. The statistics counters stay
/// trigger-maintained either way. Whatever `f` returns, indexing is turned
/// back on before this returns.
pub fn with_deferred_index<T>(
    w: &mut Write<'_>,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Result<T> {
    // The search index is a cache: its rows are not the change log's.
    w.uncounted(|w| w.exec("UPDATE customer_search_control SET defer = 1", []))?;
    let out = f(w);
    w.uncounted(index_deferred)?;
    out
}

/// FTS5's default incremental merge setting.
const FTS5_AUTOMERGE: i64 = 4;

/// Indexes the rows noted while indexing was deferred, and turns indexing on.
fn index_deferred(w: &mut Write<'_>) -> Result<()> {
    let tx = w.tx();
    tx.execute("UPDATE customer_search_control SET defer = 0", [])?;
    for table in ["customer_search", "customer_search_deleted"] {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT id FROM customer_search_dirty WHERE fresh = 0)"
            ),
            [],
        )?;
        let live = if table == "customer_search" {
            "!="
        } else {
            "="
        };
        // One bulk insert: FTS5's incremental merging (automerge) would merge
        // segments again and again while it runs; the crisis merges still
        // bound their number, and queries measure no slower for it (FTS5's
        // default of 4 is restored after).
        tx.execute(
            &format!("INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)"),
            [],
        )?;
        tx.execute(
            &format!(
                "INSERT INTO {table} (rowid, name, email, numbers)
                 SELECT c.id, c.search_name, c.search_email, c.search_numbers FROM customer_search_dirty d JOIN customers c ON c.id = d.id
                 WHERE c.status {live} 'deleted' ORDER BY c.id"
            ),
            [],
        )?;
        tx.execute(
            &format!("INSERT INTO {table} ({table}, rank) VALUES ('automerge', {FTS5_AUTOMERGE})"),
            [],
        )?;
    }
    tx.execute("DELETE FROM customer_search_dirty", [])?;
    Ok(())
}
