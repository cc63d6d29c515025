//! The shop's settings: last-writer-wins per key. A desk's own settings
//! (`Key::is_shop_wide` false: its printer, its backups, its language)
//! stay on that desk.

use pelanggan_sync_protocol::Change;
use serde_json::Value;

use super::{Outcome, value_of, wins};
use crate::db::Write;
use crate::error::Result;
use crate::settings::Key;

pub(super) fn update(w: &mut Write<'_>, c: &Change, device: &str) -> Result<Outcome> {
    let (Ok(key), Some("value")) = (Key::parse(&c.entity_id), c.field.as_deref()) else {
        return Ok(Outcome::Held);
    };
    if !key.is_shop_wide() || !wins(w, c, device, "value")? {
        return Ok(Outcome::Merged);
    }
    let Value::String(value) = value_of(c)? else {
        return Ok(Outcome::Held);
    };
    w.exec(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key.as_str(), value],
    )?;
    Ok(Outcome::Merged)
}
