//! What a customer reference typed by an admin means, and who holds a
//! WhatsApp number.
//!
//! Owns the reference rule (a UUID, a local number such as `12` or `#12`, or
//! a WhatsApp number in any format) and the number's uniqueness among live
//! customers. Must not know what the caller then does with the customer.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::model::{HANDLE_COLUMNS, Handle, handle_from_row};
use crate::db::Reader;
use crate::error::{Error, Result};
use crate::phone::{self, E164};

/// Finds a customer by what an admin types: its UUID, its local number (up to
/// 8 digits, no leading 0 or +), or its WhatsApp number in any format. A number
/// finds the live customer holding it, else the latest deleted one.
pub fn resolve(r: Reader<'_>, reference: &str) -> Result<Handle> {
    let (conn, region) = (r.conn(), r.region());
    let text = reference.trim();
    // Messages and tables name customers as `#12`; typed back, it is the local number.
    let local = text.strip_prefix('#').unwrap_or(text);
    let found = if let Ok(uuid) = Uuid::parse_str(text) {
        find_handle(conn, "uuid = ?1", &uuid.to_string())?
    } else if is_local_id(local) {
        find_handle(conn, "id = ?1", local)?
    } else if let Some(number) = phone::parse(text, region) {
        find_handle(
            conn,
            "whatsapp = ?1 ORDER BY status = 'deleted', updated_at DESC LIMIT 1",
            number.as_str(),
        )?
    } else {
        None
    };
    found.ok_or_else(|| Error::not_found("customer", text))
}

fn is_local_id(text: &str) -> bool {
    (1..=8).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

fn find_handle(conn: &Connection, condition: &str, value: &str) -> Result<Option<Handle>> {
    Ok(conn
        .query_row(
            &format!("SELECT {HANDLE_COLUMNS} FROM customers WHERE {condition}"),
            [value],
            handle_from_row,
        )
        .optional()?)
}

/// The live customer (other than `except`) that holds `number`, if any.
pub(crate) fn whatsapp_holder(
    conn: &Connection,
    number: &E164,
    except: Option<i64>,
) -> Result<Option<Handle>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {HANDLE_COLUMNS} FROM customers
             WHERE whatsapp = ?1 AND status != 'deleted' AND id IS NOT ?2 LIMIT 1"
        ))?
        .query_row(params![number.as_str(), except], handle_from_row)
        .optional()?)
}

/// Refuses (`duplicate_whatsapp`, naming the holder) a number that a live
/// customer other than `except` holds.
pub(crate) fn ensure_whatsapp_free(
    conn: &Connection,
    number: &E164,
    except: Option<i64>,
) -> Result<()> {
    match whatsapp_holder(conn, number, except)? {
        None => Ok(()),
        Some(holder) => Err(duplicate(number, &holder)),
    }
}

/// `number` is taken by `holder`.
pub(super) fn duplicate(number: &E164, holder: &Handle) -> Error {
    Error::DuplicateWhatsapp {
        whatsapp: number.to_string(),
        holder_id: holder.uuid().to_owned(),
        holder_local_id: holder.id(),
        holder_name: holder.name().to_owned(),
    }
}
