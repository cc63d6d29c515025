//! Shop-wide settings kept in the database file itself (so every tool that
//! opens the file agrees): default phone region, default admin, currency,
//! invoice prefix, time zone, and the desktop app's: language, shop name,
//! idle lock, backups, receipt printer.
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
        /// The app's language: `id` (Bahasa Indonesia, the default) or `en`.
        Language => "language",
        /// The shop's name, on screen and on receipts (may be empty).
        ShopName => "shop_name",
        /// Minutes without input before the app locks (1 to 480; 15 unset).
        LockMinutes => "lock_minutes",
        /// Where the daily backups go: an absolute folder, or empty for
        /// `backups/` beside the database (`backup::default_dir`).
        BackupDir => "backup_dir",
        /// How many daily backups to keep (1 to 365; 7 unset).
        BackupKeep => "backup_keep",
        /// The network receipt printer, `HOST:PORT` (ESC/POS, port 9100 when
        /// only a host is given): where the app sends a payment's receipt.
        PrinterAddress => "printer_address",
        // WhatsApp notifications (issue 13).
        /// `on`: an issued invoice queues its WhatsApp message (`off` unset).
        NotifyInvoiceIssued => "notify_invoice_issued",
        /// `on`: a payment received queues its thank-you message (`off` unset).
        NotifyPaymentReceived => "notify_payment_received",
        /// `on`: a suspension by the isolir rule and the resume that lifts it
        /// each queue their WhatsApp notice (`off` unset).
        NotifyIsolir => "notify_isolir",
        /// The device id of the one desk that sends the shop's messages and
        /// queues its reminders (empty: whichever desk runs the worker).
        NotifySender => "notify_sender",
        // Routers (isolir): see routers::isolir and routers::desired.
        /// Days after an invoice is due before its subscription is suspended
        /// (0 to 60; 3 unset): due on the 1st, suspended from the 5th.
        IsolirGraceDays => "isolir_grace_days",
        /// The router profile a suspended user is switched to (created on the
        /// router with a low rate limit when missing; `isolir` unset).
        IsolirProfile => "isolir_profile",
        /// How a suspended user is cut off: `profile` (switched to the isolir
        /// profile, the default) or `disable` (the user disabled).
        IsolirMode => "isolir_mode",
        /// What a cancelled subscription does to its router user: `remove`
        /// (the default) or `disable`.
        RouterOnCancel => "router_on_cancel",
        /// This desk's block of invoice numbers once it syncs with others
        /// (`INV-2026-K7QX-000123`): set when the desk pairs, so numbers
        /// made offline on two desks never collide (unset: `INV-2026-000123`).
        InvoiceBlock => "invoice_block",
    }
}

/// The defaults of the app's settings while unset.
const DEFAULT_LANGUAGE: &str = "id";
pub const DEFAULT_LOCK_MINUTES: u32 = 15;
pub const DEFAULT_BACKUP_KEEP: usize = 7;

impl Key {
    /// A setting's name exactly as written (settings are not guessed at).
    pub fn parse(s: &str) -> Result<Key> {
        Key::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
                Error::validation(
                    "key",
                    format!("unknown setting '{s}' (known: {})", known.join(", ")),
                )
            })
    }

    /// Whether the setting is the shop's, the same on every desk (sync
    /// carries it), or this desk's own: who signs in by default, the
    /// app's language and lock, where backups go, the printer beside it,
    /// its block of invoice numbers.
    pub fn is_shop_wide(self) -> bool {
        !matches!(
            self,
            Key::DefaultAdmin
                | Key::Language
                | Key::LockMinutes
                | Key::BackupDir
                | Key::BackupKeep
                | Key::PrinterAddress
                | Key::InvoiceBlock
        )
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Setting {
    pub key: &'static str,
    pub value: String,
}

/// The block of invoice numbers a desk gets when it pairs: four Crockford
/// base32 characters of its device id (a UUIDv7, whose first bits are a
/// timestamp, so the random tail is used). Two desks of one shop share a
/// block once in a million pairings; sync's `free_number` still keeps
/// numbers unique if they do.
pub fn block_for(device_id: &str) -> String {
    const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let hex: String = device_id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = &hex[hex.len().saturating_sub(5)..];
    let bits = u32::from_str_radix(tail, 16).unwrap_or(0);
    (0..4)
        .rev()
        .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// An on/off setting (`notify_invoice_issued`...): true when `on`.
pub fn switched_on(conn: &Connection, key: Key) -> Result<bool> {
    Ok(get(conn, key)? == "on")
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
        (None, Key::Language) => Ok(DEFAULT_LANGUAGE.into()),
        (None, Key::LockMinutes) => Ok(DEFAULT_LOCK_MINUTES.to_string()),
        (None, Key::BackupKeep) => Ok(DEFAULT_BACKUP_KEEP.to_string()),
        (None, Key::ShopName | Key::BackupDir) => Ok(String::new()),
        // Unpaired desks number without a block; pairing gives one.
        (None, Key::InvoiceBlock) => Ok(String::new()),
        // No receipt printer is a normal state, not a missing row.
        (None, Key::PrinterAddress) => Ok(String::new()),
        (None, Key::NotifyInvoiceIssued | Key::NotifyPaymentReceived | Key::NotifyIsolir) => {
            Ok("off".into())
        }
        (None, Key::NotifySender) => Ok(String::new()),
        // Routers (isolir).
        (None, Key::IsolirGraceDays) => Ok(DEFAULT_ISOLIR_GRACE_DAYS.to_string()),
        (None, Key::IsolirProfile) => Ok(DEFAULT_ISOLIR_PROFILE.into()),
        (None, Key::IsolirMode) => Ok(IsolirMode::Profile.as_str().into()),
        (None, Key::RouterOnCancel) => Ok(OnCancel::Remove.as_str().into()),
        (None, _) => Err(Error::not_found("setting", key.as_str())),
    }
}

// Routers (isolir): the suspension rules' settings.
pub const DEFAULT_ISOLIR_GRACE_DAYS: u32 = 3;
pub const DEFAULT_ISOLIR_PROFILE: &str = "isolir";

text_enum! {
    /// How a suspended subscription's router user is cut off (`isolir_mode`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum IsolirMode("isolir_mode") {
        /// Switched to the `isolir_profile` (a low rate limit, a payment page).
        Profile => "profile",
        /// Disabled.
        Disable => "disable",
    }
}

text_enum! {
    /// What a cancelled subscription does to its router user (`router_on_cancel`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum OnCancel("router_on_cancel") {
        Remove => "remove",
        Disable => "disable",
    }
}

/// Days past due before isolir (`isolir_grace_days`).
pub fn isolir_grace_days(conn: &Connection) -> Result<u32> {
    number(conn, Key::IsolirGraceDays, 0, 60).map(|n| n as u32)
}

/// The profile of suspended users (`isolir_profile`).
pub fn isolir_profile(conn: &Connection) -> Result<String> {
    get(conn, Key::IsolirProfile)
}

pub fn isolir_mode(conn: &Connection) -> Result<IsolirMode> {
    Ok(get(conn, Key::IsolirMode)?.parse()?)
}

pub fn router_on_cancel(conn: &Connection) -> Result<OnCancel> {
    Ok(get(conn, Key::RouterOnCancel)?.parse()?)
}

/// Minutes of no input before the app locks (`lock_minutes`).
pub fn lock_minutes(conn: &Connection) -> Result<u32> {
    number(conn, Key::LockMinutes, 1, 480).map(|n| n as u32)
}

/// How many daily backups to keep (`backup_keep`).
pub fn backup_keep(conn: &Connection) -> Result<usize> {
    number(conn, Key::BackupKeep, 1, 365).map(|n| n as usize)
}

/// A whole-number setting within `min..=max`, as `set` stored it.
fn number(conn: &Connection, key: Key, min: u64, max: u64) -> Result<u64> {
    let text = get(conn, key)?;
    parse_number(&text, min, max).map_err(|message| Error::validation(key.as_str(), message))
}

fn parse_number(text: &str, min: u64, max: u64) -> std::result::Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{text}' is not a whole number from {min} to {max}"
        )),
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
/// currency code, an invoice prefix, an IANA time zone name, a language of
/// the app, a shop name, minutes, a count, an absolute folder, `host:port`. The default
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
        Key::InvoiceBlock => {
            if value.len() > 8 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(Error::validation(
                    "value",
                    format!(
                        "'{value}' is not a block of invoice numbers: up to 8 letters or digits, \
                         such as K7QX (empty: none)"
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
        Key::Language => match value.to_ascii_lowercase().as_str() {
            l @ ("id" | "en") => l.to_owned(),
            _ => {
                return Err(Error::validation(
                    "value",
                    format!("'{value}' is not a language of the app: id or en"),
                ));
            }
        },
        Key::ShopName => {
            if value.chars().count() > 100 {
                return Err(Error::validation(
                    "value",
                    "a shop name has at most 100 characters",
                ));
            }
            value.to_owned()
        }
        Key::LockMinutes => parse_number(value, 1, 480)
            .map_err(|m| Error::validation("value", m))?
            .to_string(),
        Key::BackupKeep => parse_number(value, 1, 365)
            .map_err(|m| Error::validation("value", m))?
            .to_string(),
        Key::BackupDir => {
            if !value.is_empty() && !std::path::Path::new(value).is_absolute() {
                return Err(Error::validation(
                    "value",
                    format!(
                        "'{value}' is not a full folder path (such as /home/toko/backup or D:\\backup); \
                         leave it empty for the backups folder beside the database"
                    ),
                ));
            }
            value.to_owned()
        }
        // Empty clears it; else `HOST` or `HOST:PORT` (see `printer_address::PrinterAddress`).
        Key::PrinterAddress if value.is_empty() => String::new(),
        Key::PrinterAddress => crate::printer_address::PrinterAddress::parse(value)?.to_string(),
        Key::NotifyInvoiceIssued | Key::NotifyPaymentReceived | Key::NotifyIsolir => {
            match value.to_ascii_lowercase().as_str() {
                v @ ("on" | "off") => v.to_owned(),
                _ => {
                    return Err(Error::validation(
                        "value",
                        format!("'{value}' is not on or off"),
                    ));
                }
            }
        }
        Key::NotifySender => {
            if !value.is_empty() && uuid::Uuid::parse_str(value).is_err() {
                return Err(Error::validation(
                    "value",
                    format!(
                        "'{value}' is not a device id (notify gateway show prints this desk's); \
                         leave it empty for whichever desk runs the worker"
                    ),
                ));
            }
            value.to_owned()
        }
        // Routers (isolir).
        Key::IsolirGraceDays => parse_number(value, 0, 60)
            .map_err(|m| Error::validation("value", m))?
            .to_string(),
        Key::IsolirProfile => {
            if value.is_empty()
                || value.chars().count() > 100
                || value.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(Error::validation(
                    "value",
                    format!("'{value}' is not a router profile name: 1 to 100 characters, no spaces"),
                ));
            }
            value.to_owned()
        }
        Key::IsolirMode => value
            .parse::<IsolirMode>()
            .map_err(|e| Error::validation("value", e.message))?
            .as_str()
            .to_owned(),
        Key::RouterOnCancel => value
            .parse::<OnCancel>()
            .map_err(|e| Error::validation("value", e.message))?
            .as_str()
            .to_owned(),
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
