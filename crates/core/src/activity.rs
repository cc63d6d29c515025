//! Reading a customer's activity log. Entries are written by `Write::record_activity`
//! in the same transaction as the change they describe.

use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::Value;

use crate::customers;
use crate::error::Result;
use crate::phone::Region;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Activity {
    pub id: String,
    pub customer_id: String,
    pub action: String,
    pub details: Value,
    pub admin: String,
    pub created_at: String,
}

/// A customer's activity, newest first.
pub fn list(
    conn: &Connection,
    reference: &str,
    region: Region,
    limit: Option<u32>,
) -> Result<Vec<Activity>> {
    let customer = customers::resolve(conn, reference, region)?;
    let mut stmt = conn.prepare(
        "SELECT a.uuid, c.uuid, a.action, a.details, a.admin, a.created_at
         FROM customer_activity_log a JOIN customers c ON c.id = a.customer_id
         WHERE a.customer_id = ?1 ORDER BY a.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer.id, limit.map_or(-1, i64::from)], |r| {
        let details: String = r.get(3)?;
        Ok(Activity {
            id: r.get(0)?,
            customer_id: r.get(1)?,
            action: r.get(2)?,
            details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
            admin: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
