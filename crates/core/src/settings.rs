//! Shop-wide settings kept in the database file itself (so every tool that
//! opens the file agrees): default phone region, default admin, currency,
//! invoice prefix, time zone.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::days::ShopZone;
use crate::db::{ChangeOp, Write};
use crate::error::{Error, Result};
use crate::phone::Region;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    DefaultRegion,
    DefaultAdmin,
    Currency,
    /// What invoice numbers start with: `INV` gives `INV-2026-000123`.
    InvoicePrefix,
    /// The shop's IANA time zone: what a day and a month are (`days`).
    /// Unset, it is `days::ShopZone::default_for` the default region.
    TimeZone,
}

impl Key {
    pub const ALL: [Key; 5] = [
        Key::DefaultRegion,
        Key::DefaultAdmin,
        Key::Currency,
        Key::InvoicePrefix,
        Key::TimeZone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Key::DefaultRegion => "default_region",
            Key::DefaultAdmin => "default_admin",
            Key::Currency => "currency",
            Key::InvoicePrefix => "invoice_prefix",
            Key::TimeZone => "time_zone",
        }
    }

    pub fn parse(s: &str) -> Result<Key> {
        Key::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::validation(
                    "key",
                    format!(
                        "unknown setting '{s}' (known: default_region, default_admin, currency, invoice_prefix, time_zone)"
                    ),
                )
            })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
            let region = crate::db::region_of(conn)?;
            Ok(ShopZone::default_for(region, ShopZone::system())
                .name()
                .to_owned())
        }
        (None, _) => Err(Error::not_found("setting", key.as_str())),
    }
}

pub fn list(conn: &Connection) -> Result<Vec<Setting>> {
    Key::ALL
        .into_iter()
        .map(|k| {
            Ok(Setting {
                key: k.as_str(),
                value: get(conn, k)?,
            })
        })
        .collect()
}

/// Sets one setting after checking its value: a known region, an existing
/// admin, an ISO 4217 currency code, an IANA time zone name.
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
        Key::DefaultAdmin => crate::admins::get(w.tx(), value)?.username,
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
    };
    w.tx().execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key.as_str(), value],
    )?;
    w.record_change(
        "setting",
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
