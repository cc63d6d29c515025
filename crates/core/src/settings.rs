//! Shop-wide settings kept in the database file itself (so every tool that
//! opens the file agrees): default phone region, default admin, currency,
//! invoice prefix, time zone.
//!
//! Owns: the `settings` table, each key's validation, the defaults of unset
//! keys, reading the region and the zone (`region`, `zone`: what `session`
//! caches for every read). Must not know: admins (which admin is the default
//! is `admins::set_default`'s rule; `put` writes its row), sessions.
//! API boundary: `Key`, `get`, `list`, `set`, `region`, `zone`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::days::ShopZone;
use crate::db::{ChangeOp, Reader, Write};
use crate::error::{Error, Result};
use crate::names::text_enum;
use crate::phone::Region;
use crate::wire::Entity;

text_enum! {
    /// A setting's name.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Key("key") {
        DefaultRegion => "default_region",
        DefaultAdmin => "default_admin",
        Currency => "currency",
        /// What invoice numbers start with: `INV` gives `INV-2026-000123`.
        InvoicePrefix => "invoice_prefix",
        /// The shop's IANA time zone: what a day and a month are (`days`).
        /// Unset, it is `days::ShopZone::default_for` the default region.
        TimeZone => "time_zone",
        /// The network receipt printer, `HOST:PORT` (ESC/POS, port 9100 when
        /// only a host is given): where the app sends a payment's receipt.
        PrinterAddress => "printer_address",
    }
}

impl Key {
    /// A setting's name exactly as written (settings are not guessed at).
    pub fn parse(s: &str) -> Result<Key> {
        Key::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::validation(
                    "key",
                    format!(
                        "unknown setting '{s}' (known: default_region, default_admin, currency, invoice_prefix, time_zone, printer_address)"
                    ),
                )
            })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Setting {
    pub key: &'static str,
    pub value: String,
}

pub fn get(conn: &Connection, key: Key) -> Result<String> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key.as_str()], |r| r.get(0))
        .optional()?;
    match (value, key) {
        (Some(value), _) => Ok(value),
        (None, Key::TimeZone) => {
            let region = region(conn)?;
            Ok(ShopZone::default_for(region, ShopZone::system())
                .name()
                .to_owned())
        }
        // No receipt printer is a normal state, not a missing row.
        (None, Key::PrinterAddress) => Ok(String::new()),
        (None, _) => Err(Error::not_found("setting", key.as_str())),
    }
}

pub fn list(r: Reader<'_>) -> Result<Vec<Setting>> {
    let conn = r.conn();
    Key::ALL
        .iter()
        .map(|k| {
            Ok(Setting {
                key: k.as_str(),
                value: get(conn, *k)?,
            })
        })
        .collect()
}

/// The region assumed for phone numbers typed without a country code (the
/// `default_region` setting).
pub fn region(conn: &Connection) -> Result<Region> {
    let code = get(conn, Key::DefaultRegion)?;
    Region::parse(&code).ok_or_else(|| {
        Error::validation("default_region", format!("'{code}' is not a region code"))
    })
}

/// The shop's time zone: the `time_zone` setting, else the default for its
/// region (`ShopZone::default_for`).
pub fn zone(conn: &Connection) -> Result<ShopZone> {
    zone_or_why(conn)?.map_err(|message| Error::validation("time_zone", message))
}

/// `zone`, with a stored name this program cannot read kept apart from a
/// failure to read it: a write carries the first (see `db::WriteContext`).
pub(crate) fn zone_or_why(conn: &Connection) -> Result<std::result::Result<ShopZone, String>> {
    Ok(ShopZone::from_setting(&get(conn, Key::TimeZone)?))
}

/// Sets one setting after checking its value: a known region, an ISO 4217
/// currency code, an invoice prefix, an IANA time zone name. The default
/// admin names an admin, which this module does not know: it is set by
/// `admins::set_default` (`session::set_setting` takes every key).
pub fn set(w: &mut Write<'_>, key: Key, value: &str) -> Result<Setting> {
    let value = value.trim();
    let value = match key {
        Key::DefaultRegion => Region::parse(value)
            .ok_or_else(|| {
                Error::validation(
                    "value",
                    format!("'{value}' is not an ISO 3166 region code such as ID"),
                )
            })?
            .code(),
        Key::DefaultAdmin => {
            return Err(Error::validation(
                "key",
                "default_admin names an admin: set it with admins::set_default \
                 (pelanggan admin add --default, or pelanggan settings set default_admin)",
            ));
        }
        Key::Currency => {
            let code = value.to_ascii_uppercase();
            if !crate::iso::is_currency(&code) {
                return Err(Error::validation(
                    "value",
                    format!("'{value}' is not an ISO 4217 currency code such as IDR, USD or MYR"),
                ));
            }
            code
        }
        Key::InvoicePrefix => {
            if value.is_empty()
                || value.len() > 10
                || !value.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(Error::validation(
                    "value",
                    format!(
                        "'{value}' is not an invoice prefix: 1 to 10 letters or digits, such as INV"
                    ),
                ));
            }
            value.to_ascii_uppercase()
        }
        Key::TimeZone => ShopZone::parse(value)
            .ok_or_else(|| {
                Error::validation(
                    "value",
                    format!(
                        "'{value}' is not an IANA time zone name such as Asia/Jakarta, Asia/Makassar, Asia/Jayapura or UTC"
                    ),
                )
            })?
            .name()
            .to_owned(),
        // Empty clears it; else `HOST` or `HOST:PORT` (see `receipt::PrinterAddress`).
        Key::PrinterAddress if value.is_empty() => String::new(),
        Key::PrinterAddress => crate::receipt::PrinterAddress::parse(value)?.to_string(),
    };
    let setting = put(w, key, value)?;
    if matches!(key, Key::DefaultRegion | Key::TimeZone) {
        // The region and zone the rest of this write reads (`Write::reader`).
        let region = region(w.tx())?;
        let zone = zone_or_why(w.tx())?;
        w.set_view(region, zone);
    }
    Ok(setting)
}

/// Writes one setting's row, checked by the caller, and its change.
pub(crate) fn put(w: &mut Write<'_>, key: Key, value: String) -> Result<Setting> {
    w.tx().execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key.as_str(), value],
    )?;
    w.record_change(
        Entity::Setting,
        key.as_str(),
        ChangeOp::Update,
        Some("value"),
        Some(&serde_json::Value::String(value.clone())),
    )?;
    Ok(Setting {
        key: key.as_str(),
        value,
    })
}
