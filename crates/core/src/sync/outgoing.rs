//! What this device has to push: its own change-log rows past the last
//! acknowledged one, as the protocol's changes.

use pelanggan_sync_protocol::{Change, Hlc, Op};
use uuid::Uuid;

use super::rows::noted_value;
use super::state;
use crate::db::Reader;
use crate::error::{Error, Result};

/// One page to push: its changes and the last change-log seq it holds.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub changes: Vec<Change>,
    pub last_seq: i64,
}

/// The next page of at most `limit` of this device's unacknowledged changes
/// (None when nothing is pending), oldest first.
pub fn page(r: Reader<'_>, device_id: &str, limit: usize) -> Result<Option<Outgoing>> {
    let conn = r.conn();
    let after = state::pushed_seq(r)?;
    let device = Uuid::parse_str(device_id).map_err(|e| Error::Internal(e.to_string()))?;
    // Its own changes, and those it made under an id it had before a
    // restore (each keeps the device it was made by).
    let mut stmt = conn.prepare(&format!(
        "SELECT c.seq, c.entity, c.entity_id, c.op, c.field, c.value, c.hlc, d.device_id
         FROM change_log c JOIN devices d ON d.id = c.device
         WHERE {} AND c.seq > ?2 ORDER BY c.seq LIMIT ?3",
        state::OWN_CHANGE
    ))?;
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        String,
    );
    let rows: Vec<Row> = stmt
        .query_map(rusqlite::params![device_id, after, limit as i64], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let Some(last_seq) = rows.last().map(|r| r.0) else {
        return Ok(None);
    };
    let schema = crate::db::latest_schema_version() as u32;
    let mut changes = Vec::with_capacity(rows.len());
    for (_, entity, entity_id, op, field, value, hlc, made_by) in rows {
        let device = if made_by == device_id {
            device
        } else {
            Uuid::parse_str(&made_by).map_err(|e| Error::Internal(e.to_string()))?
        };
        let op = match op.as_str() {
            "insert" => Op::Insert,
            "update" => Op::Update,
            "delete" => Op::Delete,
            "restore" => Op::Restore,
            other => return Err(Error::Internal(format!("change-log op '{other}'"))),
        };
        let value = match value {
            None if op == Op::Insert => noted_value(conn, &entity, &entity_id)?,
            v => v,
        };
        changes.push(Change {
            device,
            hlc: Hlc(hlc),
            entity,
            entity_id,
            op,
            field,
            value,
            schema,
        });
    }
    Ok(Some(Outgoing { changes, last_seq }))
}
