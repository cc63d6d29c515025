//! Writes to this database file's own router rows, which sync does not
//! carry: the `routers` and `router_outbox` tables and the subscriptions'
//! provisioning, isolir and service password columns.

use crate::db::Write;
use crate::error::Result;

/// Runs one statement on local router rows: not in the change log, and
/// uncounted by the write's change-log check.
pub(crate) fn local(w: &mut Write<'_>, sql: &str, params: impl rusqlite::Params) -> Result<usize> {
    w.uncounted(|w| w.exec(sql, params))
}
