//! Reading a customer's activity log. Entries are written by `Write::record_activity`
//! in the same transaction as the change they describe.
//!
//! Owns the log's read side, a page at a time. Must not know what wrote an
//! entry; it resolves the reference through `customers::resolve`.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customers;
use crate::error::Result;
use crate::page::{self, Page};
use crate::phone::Region;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Activity {
    pub id: String,
    pub customer_id: String,
    pub action: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub details: Value,
    pub admin: String,
    pub created_at: String,
}

/// Which page of a customer's activity to show.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivityQuery {
    /// At most this many entries per page (None: every entry, one page).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<String>,
}

/// A customer's activity, newest first, a page at a time.
pub fn list(
    conn: &Connection,
    reference: &str,
    region: Region,
    query: &ActivityQuery,
) -> Result<Page<Activity>> {
    let customer = customers::resolve(conn, reference, region)?;
    let to_read = page::rows_to_read(query.limit)?;
    let after = page::after_id(query.after.as_deref())?;
    let mut stmt = conn.prepare(
        "SELECT a.uuid, c.uuid, a.action, a.details, a.admin, a.created_at, a.id
         FROM customer_activity_log a JOIN customers c ON c.id = a.customer_id
         WHERE a.customer_id = ?1 AND a.id < ?3 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer.id(), to_read, after], |r| {
        let details: String = r.get(3)?;
        let activity = Activity {
            id: r.get(0)?,
            customer_id: r.get(1)?,
            action: r.get(2)?,
            details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
            admin: r.get(4)?,
            created_at: r.get(5)?,
        };
        Ok((r.get::<_, i64>(6)?, activity))
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, query.limit, |(id, _)| page::id_cursor(*id)).map(|(_, a)| a))
}
