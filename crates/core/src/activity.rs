//! Reading a customer's activity log. Entries are written by `Write::record_activity`
//! in the same transaction as the change they describe.
//!
//! Owns the log's read side, a page at a time. Must not know what wrote an
//! entry; it resolves the reference through `customers::resolve`.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customers;
use crate::db::Reader;
use crate::error::Result;
use crate::page::{self, Page};
use crate::wire::ActivityEvent;

/// One entry of a customer's activity log. In JSON its `action` and
/// `details` sit beside the other fields, as they are stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Activity {
    pub id: String,
    pub customer_id: String,
    #[serde(flatten)]
    pub event: Logged,
    pub admin: String,
    pub created_at: String,
}

impl Activity {
    /// The entry's action name (`created`, `tag_added`, ...).
    pub fn action(&self) -> &str {
        self.event.action()
    }

    /// The entry's details as JSON, as they are stored.
    pub fn details(&self) -> Value {
        match &self.event {
            Logged::Event(event) => serde_json::to_value(event)
                .map(|whole| whole["details"].clone())
                .unwrap_or_default(),
            Logged::Other { details, .. } => details.clone(),
        }
    }
}

/// What an entry says: one of the events this version writes or, for an
/// entry it cannot read as one (written by a newer version, or damaged), the
/// stored action and details as they are, so the log still shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum Logged {
    /// Boxed: an event is large beside the fallback, and entries are read a page at a time.
    Event(Box<ActivityEvent<'static>>),
    Other {
        action: String,
        #[cfg_attr(feature = "ts", ts(type = "unknown"))]
        details: Value,
    },
}

impl Logged {
    /// Reads the stored `action` and `details` columns.
    pub fn read(action: String, details: &str) -> Logged {
        let details: Value =
            serde_json::from_str(details).unwrap_or_else(|_| Value::String(details.to_owned()));
        let stored = serde_json::json!({ "action": action, "details": details });
        match serde_json::from_value::<ActivityEvent<'static>>(stored) {
            Ok(event) => Logged::Event(Box::new(event)),
            Err(_) => Logged::Other { action, details },
        }
    }

    /// The entry's action name.
    pub fn action(&self) -> &str {
        match self {
            Logged::Event(event) => event.action(),
            Logged::Other { action, .. } => action,
        }
    }
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
pub fn list(r: Reader<'_>, reference: &str, query: &ActivityQuery) -> Result<Page<Activity>> {
    let customer = customers::resolve(r, reference)?;
    let conn = r.conn();
    let to_read = page::rows_to_read(query.limit);
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
            event: Logged::read(r.get(2)?, &details),
            admin: r.get(4)?,
            created_at: r.get(5)?,
        };
        Ok((r.get::<_, i64>(6)?, activity))
    })?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, query.limit, |(id, _)| page::id_cursor(*id)).map(|(_, a)| a))
}
