//! The rows that never change (ledger entries, activity), as sync sends
//! them. Their change-log entry only notes the insert (the log stays lean
//! for an import of a million rows); the push reads the row itself, and
//! the customer by its uuid, never a local id.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::money::Money;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct LedgerRow {
    pub customer_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount: Money,
    pub previous_balance: Money,
    pub new_balance: Money,
    pub description: String,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ActivityRow {
    pub customer_id: String,
    pub action: String,
    /// JSON text, as stored.
    pub details: String,
    pub admin: String,
    pub created_at: String,
}

/// The JSON of a noted insert's row, None if the entity has none to send
/// (or the row is gone: erased by a privacy delete before it was pushed).
pub(crate) fn noted_value(conn: &Connection, entity: &str, id: &str) -> Result<Option<String>> {
    let json = match entity {
        "ledger_entry" => conn
            .prepare_cached(
                "SELECT c.uuid, h.type, h.amount, h.previous_balance, h.new_balance, h.description,
                        h.reference_type, h.reference_id, h.created_at, h.created_by
                 FROM customer_balance_history h JOIN customers c ON c.id = h.customer_id
                 WHERE h.uuid = ?1",
            )?
            .query_row([id], |r| {
                Ok(LedgerRow {
                    customer_id: r.get(0)?,
                    kind: r.get(1)?,
                    amount: r.get(2)?,
                    previous_balance: r.get(3)?,
                    new_balance: r.get(4)?,
                    description: r.get(5)?,
                    reference_type: r.get(6)?,
                    reference_id: r.get(7)?,
                    created_at: r.get(8)?,
                    created_by: r.get(9)?,
                })
            })
            .optional()?
            .map(|row| serde_json::to_string(&row)),
        "activity" => conn
            .prepare_cached(
                "SELECT c.uuid, a.action, a.details, a.admin, a.created_at
                 FROM customer_activity_log a JOIN customers c ON c.id = a.customer_id
                 WHERE a.uuid = ?1",
            )?
            .query_row([id], |r| {
                Ok(ActivityRow {
                    customer_id: r.get(0)?,
                    action: r.get(1)?,
                    details: r.get(2)?,
                    admin: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })
            .optional()?
            .map(|row| serde_json::to_string(&row)),
        _ => None,
    };
    Ok(json.transpose().map_err(std::io::Error::other)?)
}
