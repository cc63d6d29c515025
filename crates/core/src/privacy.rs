//! Privacy requests about one customer: export everything stored about them,
//! anonymise them (keeping the amounts so the books still add up), or erase
//! them entirely (leaving a tombstone in the change log so sync removes them
//! everywhere).
//!
//! The tables that hold a customer's data are listed once, in `OWNED`; a new
//! table with a `customer_id` must be added there (a test checks that every
//! such table is).
//!
//! # Gone from the file, not only from the tables
//! A deleted or overwritten value normally stays in the file's bytes until
//! SQLite reuses the space: in the free part of a page, on a free page, in
//! the write-ahead log, in the search index's segments; every later backup
//! copies those bytes too. `anonymise_and_scrub` and `erase_and_scrub` (what
//! the CLI and the app call) also clear the file:
//! * every connection runs with `secure_delete = FAST` (`Db::open`), which
//!   zeroes deleted content inside pages at no extra I/O (but not the pages
//!   it frees);
//! * the search index is rewritten (FTS5 `optimize`), since a deleted row
//!   otherwise keeps its postings in the old segments until they are merged;
//! * the free pages are overwritten with zeros (`privacy_wipe`, V9), as some
//!   were freed before, possibly holding copies of the customer's rows;
//! * after the commit, a `wal_checkpoint(TRUNCATE)` moves the new pages into
//!   the file and empties the WAL, which held the old ones.
//!
//! A file that held data before V9 was written without `secure_delete`, so
//! pages in use may still hold stale copies of rows in their free parts: the
//! first erase in it also rewrites the whole file once (`VACUUM`), and
//! `privacy_file` (V9) remembers that it is done. Copies made before (the
//! daily backups beside the database, the `<db>.before-*.bak` files of
//! migrations and restores) still hold the customer: they are named in the
//! result.
//!
//! Anonymising and erasing cannot be undone: each takes a `Confirm` and
//! refuses (`confirmation_required`) without `Confirm::Yes`, so no caller
//! (the CLI's `--yes`, the app's dialog) can forget to ask.
//!
//! Owns the privacy requests, the list of tables about a customer and the
//! typed export (`PrivacyExport`, one section per table); must not know the
//! CLI or any output format beyond the export's JSON. API boundary:
//! `export`/`export_to_file` (on a `Reader`), `anonymise`/`erase` (inside a
//! write) and `anonymise_and_scrub`/`erase_and_scrub` (what people ask for).

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rusqlite::types::Type;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::activity::{Activity, Logged};
use crate::customers::{self, Customer, Handle, Status};
use crate::db::Reader;
use crate::db::{ChangeOp, Db, Write};
use crate::error::{Error, Result};
use crate::ledger::{EntryKind, LedgerEntry};
use crate::money::Money;
use crate::names::text_enum;
use crate::outfile::{self, Rules, Written};
use crate::wire::{ActivityEvent, Entity};

text_enum! {
    /// The person's confirmation of an irreversible request (the CLI's
    /// `--yes`, the app's "yes, anonymise" button). Without `Yes` the
    /// request is refused before anything is read or written.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    #[cfg_attr(feature = "ts", ts(rename = "PrivacyConfirm"))]
    pub enum Confirm("confirm") {
        #[default]
        No => "no",
        Yes => "yes",
    }
}

impl From<bool> for Confirm {
    fn from(yes: bool) -> Confirm {
        if yes { Confirm::Yes } else { Confirm::No }
    }
}

impl Confirm {
    /// Refuses an irreversible request that was not confirmed; `what` is the
    /// action as the message names it ("anonymising", "deleting").
    fn require(self, what: &str) -> Result<()> {
        match self {
            Confirm::Yes => Ok(()),
            Confirm::No => Err(Error::ConfirmationRequired(format!(
                "{what} a customer cannot be undone; add --yes to confirm"
            ))),
        }
    }
}

/// Tables with a `customer_id`, children before parents (the erase order),
/// and the name of each in the export.
pub const OWNED: &[(&str, &str)] = &[
    ("payments", "payments"),
    ("invoices", "invoices"),
    ("subscriptions", "subscriptions"),
    ("customer_balance_history", "ledger"),
    ("customer_contacts", "contacts"),
    ("customer_tags", "tags"),
    ("customer_activity_log", "activity"),
    ("messages", "messages"),
];

/// Caches with a `customer_id` (the analytics rollups of V7) that triggers
/// empty of a customer when the rows above are deleted: nothing to export or erase.
pub const DERIVED: &[&str] = &["subscriber_rollup", "subscriber_recheck"];

/// Tables with a `customer_id` that are empty outside a transaction: the
/// customer being merged (`customer_merge`, V17).
pub const TRANSIENT: &[&str] = &["customer_merging"];

/// Sold vouchers keep their sale for the shop's stock; only the link to the customer goes.
const UNLINKED: &[&str] = &["vouchers"];

/// Keys whose values identify a person, in activity details and change-log values.
const PERSONAL_KEYS: &[&str] = &[
    "name",
    "whatsapp",
    "email",
    "phone",
    "address",
    "notes",
    "value",
    // A WhatsApp message's record (notify::outbox).
    "recipient",
    "body",
];
const REMOVED: &str = "[removed]";
pub const ANONYMOUS_NAME: &str = "Anonymous Customer";

/// The `format` of every export this version writes.
pub const EXPORT_FORMAT: &str = "pelanggan-privacy-export/1";

/// Everything stored about one customer (`export`): one section per table of
/// `OWNED` (by its export name) and the vouchers sold to them. Rows are as
/// stored, oldest first, without the local integer row ids (a row's `uuid`
/// names it; a link to another row is that row's uuid) and without the
/// search caches the database derives from the stored columns. Money is a
/// decimal string, as everywhere. The ledger and the activity log use their
/// views (`ledger::LedgerEntry`, `activity::Activity`), which hold every
/// stored column; there the row's uuid is `id`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyExport {
    /// `pelanggan-privacy-export/1`.
    pub format: String,
    /// When the export was read (UTC, RFC 3339).
    pub exported_at: String,
    pub customer: PrivacyCustomer,
    pub contacts: Vec<PrivacyContact>,
    pub tags: Vec<PrivacyTag>,
    pub ledger: Vec<LedgerEntry>,
    pub activity: Vec<Activity>,
    pub subscriptions: Vec<PrivacySubscription>,
    pub invoices: Vec<PrivacyInvoice>,
    pub payments: Vec<PrivacyPayment>,
    /// The WhatsApp messages of the outbox (V13), each with its attempts.
    pub messages: Vec<PrivacyMessage>,
    pub vouchers: Vec<PrivacyVoucher>,
}

/// A `messages` row (the WhatsApp outbox), with its `message_attempts` rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyMessage {
    pub uuid: String,
    pub recipient: String,
    pub kind: String,
    pub template: Option<String>,
    pub body: String,
    pub cloud_template: Option<String>,
    pub dedupe_key: String,
    pub batch_id: Option<String>,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub gateway: Option<String>,
    pub gateway_message_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
    pub attempt_log: Vec<PrivacyMessageAttempt>,
}

/// A `message_attempts` row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyMessageAttempt {
    pub uuid: String,
    pub gateway: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    pub reply: Option<String>,
}

/// The `customers` row. Beside `customers::Customer` it has
/// `status_before_delete` and `causal_length` (sync's delete counter); it
/// leaves out the row id and the search caches (`contact_emails`,
/// `contact_numbers`, `search_*`), which repeat the contacts and the fields
/// here for the search index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyCustomer {
    pub uuid: String,
    pub name: String,
    pub whatsapp: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub balance: Money,
    pub total_spent: Money,
    pub subscription_count: u32,
    pub status: String,
    pub status_before_delete: Option<String>,
    pub causal_length: i64,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    /// The customer asked to receive no WhatsApp messages.
    pub notify_opt_out: bool,
    /// The customer this one was merged into (its uuid), if it was.
    pub merged_into: Option<String>,
}

/// A `customer_contacts` row, removed ones too (`causal_length` even):
/// beside `contacts::Contact`, `causal_length` and `updated_at`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyContact {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub is_primary: bool,
    pub notes: Option<String>,
    pub causal_length: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A `customer_tags` row with its tag's name and colour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyTag {
    pub name: String,
    pub color: String,
    pub uuid: String,
    pub causal_length: i64,
    pub created_at: String,
}

/// A `subscriptions` row: beside `billing::Subscription`, `anchor_date` and
/// `periods_billed` (what the billing cycle is counted from).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacySubscription {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub username: String,
    pub profile: String,
    pub price: Money,
    pub cycle: String,
    pub start_date: String,
    pub anchor_date: String,
    pub periods_billed: i64,
    pub next_billing_date: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// An `invoices` row: beside `billing::Invoice`, the ledger entries it wrote
/// (`debit_entry`, `void_entry`) and `carried_last`; links are uuids.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyInvoice {
    pub uuid: String,
    pub number: String,
    /// The subscription's uuid.
    pub subscription_id: Option<String>,
    /// The voucher's uuid.
    pub voucher_id: Option<String>,
    pub description: String,
    pub period_start: String,
    pub period_end: String,
    pub charge: Money,
    pub total: Money,
    pub carried_amount: Money,
    pub carried_count: u32,
    pub carried_last: Option<String>,
    pub amount_allocated: Money,
    pub due_date: String,
    pub status: String,
    pub issued_at: String,
    pub issued_by: String,
    pub debit_entry: String,
    pub voided_at: Option<String>,
    pub voided_by: Option<String>,
    pub void_entry: Option<String>,
}

/// A `payments` row: beside `billing::Payment`, the ledger entries it wrote
/// and `created_at`; links are uuids.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyPayment {
    pub uuid: String,
    /// The invoice's uuid.
    pub invoice_id: Option<String>,
    /// The voucher's uuid.
    pub voucher_id: Option<String>,
    pub amount: Money,
    pub method: String,
    pub reference: Option<String>,
    pub received_at: String,
    pub received_by: String,
    pub status: String,
    pub credit_entry: Option<String>,
    pub carry_entry: Option<String>,
    pub refunded_at: Option<String>,
    pub refunded_by: Option<String>,
    pub refund_entry: Option<String>,
    pub created_at: String,
}

/// A `vouchers` row sold to the customer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyVoucher {
    pub uuid: String,
    pub code: String,
    pub profile: String,
    pub price: Money,
    pub status: String,
    pub sold_at: Option<String>,
    pub sold_by: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// Everything stored about a customer (see `PrivacyExport`).
pub fn export(r: Reader<'_>, reference: &str) -> Result<PrivacyExport> {
    let conn = r.conn();
    let customer = customers::resolve(r, reference)?;
    let id = customer.id;
    let record = conn.query_row(
        "SELECT uuid, name, whatsapp, email, phone, address, notes, balance, total_spent,
                subscription_count, status, status_before_delete, causal_length,
                created_at, updated_at, created_by, notify_opt_out, merged_into
         FROM customers WHERE id = ?1",
        [id],
        |r| {
            Ok(PrivacyCustomer {
                uuid: r.get(0)?,
                name: r.get(1)?,
                whatsapp: r.get(2)?,
                email: r.get(3)?,
                phone: r.get(4)?,
                address: r.get(5)?,
                notes: r.get(6)?,
                balance: r.get(7)?,
                total_spent: r.get(8)?,
                subscription_count: r.get(9)?,
                status: r.get(10)?,
                status_before_delete: r.get(11)?,
                causal_length: r.get(12)?,
                created_at: r.get(13)?,
                updated_at: r.get(14)?,
                created_by: r.get(15)?,
                notify_opt_out: r.get(16)?,
                merged_into: r.get(17)?,
            })
        },
    )?;
    let contacts = all(
        conn,
        "SELECT uuid, type, value, is_primary, notes, causal_length, created_at, updated_at
         FROM customer_contacts WHERE customer_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(PrivacyContact {
                uuid: r.get(0)?,
                kind: r.get(1)?,
                value: r.get(2)?,
                is_primary: r.get(3)?,
                notes: r.get(4)?,
                causal_length: r.get(5)?,
                created_at: r.get(6)?,
                updated_at: r.get(7)?,
            })
        },
    )?;
    let tags = all(
        conn,
        "SELECT t.name, t.color, ct.uuid, ct.causal_length, ct.created_at
         FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.customer_id = ?1 ORDER BY ct.created_at, ct.uuid",
        id,
        |r| {
            Ok(PrivacyTag {
                name: r.get(0)?,
                color: r.get(1)?,
                uuid: r.get(2)?,
                causal_length: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )?;
    let ledger = all(
        conn,
        "SELECT uuid, type, amount, previous_balance, new_balance, description,
                reference_type, reference_id, created_at, created_by
         FROM customer_balance_history WHERE customer_id = ?1 ORDER BY id",
        id,
        |r| {
            let kind: String = r.get(1)?;
            Ok(LedgerEntry {
                id: r.get(0)?,
                customer_id: customer.uuid.clone(),
                kind: kind.parse::<EntryKind>().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(1, Type::Text, Box::new(e))
                })?,
                amount: r.get(2)?,
                previous_balance: r.get(3)?,
                new_balance: r.get(4)?,
                description: r.get(5)?,
                reference_type: r.get(6)?,
                reference_id: r.get(7)?,
                created_at: r.get(8)?,
                created_by: r.get(9)?,
            })
        },
    )?;
    let activity = all(
        conn,
        "SELECT uuid, action, details, admin, created_at
         FROM customer_activity_log WHERE customer_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(Activity {
                id: r.get(0)?,
                customer_id: customer.uuid.clone(),
                event: Logged::read(r.get(1)?, &r.get::<_, String>(2)?),
                admin: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )?;
    let subscriptions = all(
        conn,
        "SELECT uuid, type, username, profile, price, cycle, start_date, anchor_date,
                periods_billed, next_billing_date, status, created_at, updated_at, created_by
         FROM subscriptions WHERE customer_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(PrivacySubscription {
                uuid: r.get(0)?,
                kind: r.get(1)?,
                username: r.get(2)?,
                profile: r.get(3)?,
                price: r.get(4)?,
                cycle: r.get(5)?,
                start_date: r.get(6)?,
                anchor_date: r.get(7)?,
                periods_billed: r.get(8)?,
                next_billing_date: r.get(9)?,
                status: r.get(10)?,
                created_at: r.get(11)?,
                updated_at: r.get(12)?,
                created_by: r.get(13)?,
            })
        },
    )?;
    let invoices = all(
        conn,
        "SELECT i.uuid, i.number, s.uuid, v.uuid, i.description, i.period_start, i.period_end,
                i.charge, i.total, i.carried_amount, i.carried_count, i.carried_last,
                i.amount_allocated, i.due_date, i.status, i.issued_at, i.issued_by,
                i.debit_entry, i.voided_at, i.voided_by, i.void_entry
         FROM invoices i
         LEFT JOIN subscriptions s ON s.id = i.subscription_id
         LEFT JOIN vouchers v ON v.id = i.voucher_id
         WHERE i.customer_id = ?1 ORDER BY i.id",
        id,
        |r| {
            Ok(PrivacyInvoice {
                uuid: r.get(0)?,
                number: r.get(1)?,
                subscription_id: r.get(2)?,
                voucher_id: r.get(3)?,
                description: r.get(4)?,
                period_start: r.get(5)?,
                period_end: r.get(6)?,
                charge: r.get(7)?,
                total: r.get(8)?,
                carried_amount: r.get(9)?,
                carried_count: r.get(10)?,
                carried_last: r.get(11)?,
                amount_allocated: r.get(12)?,
                due_date: r.get(13)?,
                status: r.get(14)?,
                issued_at: r.get(15)?,
                issued_by: r.get(16)?,
                debit_entry: r.get(17)?,
                voided_at: r.get(18)?,
                voided_by: r.get(19)?,
                void_entry: r.get(20)?,
            })
        },
    )?;
    let payments = all(
        conn,
        "SELECT p.uuid, i.uuid, v.uuid, p.amount, p.method, p.reference, p.received_at,
                p.received_by, p.status, p.credit_entry, p.carry_entry, p.refunded_at,
                p.refunded_by, p.refund_entry, p.created_at
         FROM payments p
         LEFT JOIN invoices i ON i.id = p.invoice_id
         LEFT JOIN vouchers v ON v.id = p.voucher_id
         WHERE p.customer_id = ?1 ORDER BY p.id",
        id,
        |r| {
            Ok(PrivacyPayment {
                uuid: r.get(0)?,
                invoice_id: r.get(1)?,
                voucher_id: r.get(2)?,
                amount: r.get(3)?,
                method: r.get(4)?,
                reference: r.get(5)?,
                received_at: r.get(6)?,
                received_by: r.get(7)?,
                status: r.get(8)?,
                credit_entry: r.get(9)?,
                carry_entry: r.get(10)?,
                refunded_at: r.get(11)?,
                refunded_by: r.get(12)?,
                refund_entry: r.get(13)?,
                created_at: r.get(14)?,
            })
        },
    )?;
    let vouchers = all(
        conn,
        "SELECT uuid, code, profile, price, status, sold_at, sold_by, created_at, created_by
         FROM vouchers WHERE customer_id = ?1 ORDER BY id",
        id,
        |r| {
            Ok(PrivacyVoucher {
                uuid: r.get(0)?,
                code: r.get(1)?,
                profile: r.get(2)?,
                price: r.get(3)?,
                status: r.get(4)?,
                sold_at: r.get(5)?,
                sold_by: r.get(6)?,
                created_at: r.get(7)?,
                created_by: r.get(8)?,
            })
        },
    )?;
    Ok(PrivacyExport {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: crate::db::timestamp(chrono::Utc::now()),
        customer: record,
        contacts,
        tags,
        ledger,
        activity,
        subscriptions,
        invoices,
        payments,
        messages: messages(conn, id)?,
        vouchers,
    })
}

/// The customer's outbox messages with their attempts, oldest first.
fn messages(conn: &Connection, id: i64) -> Result<Vec<PrivacyMessage>> {
    let rows = all(
        conn,
        "SELECT m.id, m.uuid, m.recipient, m.kind, m.template, m.body, m.cloud_template,
                m.dedupe_key, b.uuid, m.status, m.attempts, m.next_attempt_at, m.gateway,
                m.gateway_message_id, m.last_error, m.created_at, m.created_by, m.updated_at,
                m.sent_at
         FROM messages m LEFT JOIN notify_batches b ON b.id = m.batch_id
         WHERE m.customer_id = ?1 ORDER BY m.id",
        id,
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                PrivacyMessage {
                    uuid: r.get(1)?,
                    recipient: r.get(2)?,
                    kind: r.get(3)?,
                    template: r.get(4)?,
                    body: r.get(5)?,
                    cloud_template: r.get(6)?,
                    dedupe_key: r.get(7)?,
                    batch_id: r.get(8)?,
                    status: r.get(9)?,
                    attempts: r.get(10)?,
                    next_attempt_at: r.get(11)?,
                    gateway: r.get(12)?,
                    gateway_message_id: r.get(13)?,
                    last_error: r.get(14)?,
                    created_at: r.get(15)?,
                    created_by: r.get(16)?,
                    updated_at: r.get(17)?,
                    sent_at: r.get(18)?,
                    attempt_log: Vec::new(),
                },
            ))
        },
    )?;
    let mut stmt = conn.prepare(
        "SELECT uuid, gateway, started_at, finished_at, outcome, detail, reply
         FROM message_attempts WHERE message_id = ?1 ORDER BY id",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (message_id, mut m) in rows {
        let attempts = stmt.query_map([message_id], |r| {
            Ok(PrivacyMessageAttempt {
                uuid: r.get(0)?,
                gateway: r.get(1)?,
                started_at: r.get(2)?,
                finished_at: r.get(3)?,
                outcome: r.get(4)?,
                detail: r.get(5)?,
                reply: r.get(6)?,
            })
        })?;
        m.attempt_log = attempts.collect::<rusqlite::Result<_>>()?;
        out.push(m);
    }
    Ok(out)
}

/// Every row of `sql` (one parameter: the customer's row id), mapped.
fn all<T>(
    conn: &Connection,
    sql: &str,
    customer_id: i64,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([customer_id], map)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `export` written to `file` (`-`: standard output) through `outfile`: an
/// existing file is replaced only with `force`, the open database, a link or
/// a device never; the file appears only when complete.
pub fn export_to_file(r: Reader<'_>, reference: &str, file: &Path, force: bool) -> Result<Written> {
    let rules = Rules::new(force).with_stdout().protect_conn(r.conn());
    outfile::check(file, &rules)?;
    let doc = export(r, reference)?;
    let mut text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    text.push('\n');
    let mut out = outfile::create(file, &rules)?;
    out.write_all(text.as_bytes())?;
    Ok(Written {
        file: out.finish()?.path(),
        bytes: text.len() as u64,
    })
}

/// Removes what identifies the customer: name, numbers, email, address, notes,
/// extra contacts, and those values inside the activity log and the change
/// log. Amounts, tags and the ledger stay. Irreversible. Refused while the
/// customer has live subscriptions (cancel them first), which would go on
/// billing "Anonymous Customer". Refused without `Confirm::Yes`.
pub fn anonymise(
    w: &mut Write<'_>,
    reference: &str,
    confirm: Confirm,
) -> Result<customers::Customer> {
    confirm.require("anonymising")?;
    let customer = customers::resolve(w.reader(), reference)?;
    customers::ensure_no_live_subscriptions(w.tx(), &customer, "anonymise them")?;
    // First scrub what is already recorded, then record the anonymisation itself.
    scrub_activity(w, customer.id)?;
    scrub_change_log(w, &customer)?;
    let placeholder = placeholder_number(w.tx(), &customer)?;
    let status: String = w.tx().query_row(
        "SELECT status FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    let status = if status == Status::Active.as_str() {
        Status::Inactive.as_str().to_owned()
    } else {
        status
    };
    w.exec(
        "UPDATE customers SET name = ?2, whatsapp = ?3, email = NULL, phone = NULL, address = NULL,
                notes = NULL, status = ?4, updated_at = ?5
         WHERE id = ?1",
        params![customer.id, ANONYMOUS_NAME, placeholder, status, w.now()],
    )?;
    crate::notify::outbox::anonymise(w, customer.id, &placeholder)?;
    // What sync already sent is replaced by these changes; what it has not sent is scrubbed below.
    for (field, value) in [
        ("name", json!(ANONYMOUS_NAME)),
        ("whatsapp", json!(placeholder)),
        ("email", Value::Null),
        ("phone", Value::Null),
        ("address", Value::Null),
        ("notes", Value::Null),
        ("status", json!(status)),
    ] {
        w.record_change(
            Entity::Customer,
            &customer.uuid,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    let contacts: Vec<(String, i64)> = {
        let mut stmt = w.tx().prepare(
            "UPDATE customer_contacts SET value = ?2, notes = NULL, is_primary = 0,
                    causal_length = causal_length + (causal_length % 2), updated_at = ?3
             WHERE customer_id = ?1 RETURNING uuid, causal_length",
        )?;
        stmt.query_map(params![customer.id, REMOVED, w.now()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (uuid, causal_length) in &contacts {
        w.record_change(
            Entity::Contact,
            uuid,
            ChangeOp::Update,
            Some("value"),
            Some(&json!(REMOVED)),
        )?;
        w.record_change(
            Entity::Contact,
            uuid,
            ChangeOp::Delete,
            Some("causal_length"),
            Some(&json!(causal_length)),
        )?;
    }
    w.record_activity(
        customer.id,
        &ActivityEvent::Anonymised {
            contacts_removed: u32::try_from(contacts.len()).unwrap_or(u32::MAX),
        },
    )?;
    // A customer merged into this one still holds the same person's record.
    for merged in merged_into(w.tx(), &customer.uuid)? {
        anonymise(w, &merged, Confirm::Yes)?;
    }
    customers::get_by_id(w.tx(), customer.id)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Erased {
    pub customer_id: String,
    pub rows_deleted: u64,
    /// What `erase_and_scrub` did to the file (empty from `erase` alone).
    pub file: Scrubbed,
}

/// The result of `anonymise_and_scrub`: the customer as left, and the file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Anonymised {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub customer: Customer,
    pub file: Scrubbed,
}

/// What an erase did to the database file beside its rows (see the module's notes).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Scrubbed {
    /// Free pages overwritten with zeros.
    pub free_pages_zeroed: u64,
    /// The write-ahead log was moved into the file and emptied. False when
    /// another program kept reading through it for 10 s: its old pages then
    /// go at the next checkpoint (the next import, backup or erase).
    pub wal_cleared: bool,
    /// The whole file was rewritten (VACUUM), once, as it held data written
    /// before V9. `rewrite_error`: why that failed (the next erase retries).
    pub file_rewritten: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub rewrite_error: Option<String>,
    /// Copies made before that still hold the customer (or could not be
    /// read to tell): delete them, or keep them as safe as the database.
    pub older_copies: Vec<PathBuf>,
}

/// Anonymises the customer (`anonymise`) and clears the file of the old
/// values: the request as a person makes it.
pub fn anonymise_and_scrub(
    db: &mut Db,
    actor: Option<&str>,
    reference: &str,
    confirm: Confirm,
) -> Result<Anonymised> {
    // Refused before the write begins (nothing is opened for writing).
    confirm.require("anonymising")?;
    let (customer, zeroed) = db.write(actor, |w| {
        let customer = anonymise(w, reference, confirm)?;
        Ok((customer, clear_free_space(w)?))
    })?;
    let file = finish(db, actor, &customer.id, zeroed)?;
    Ok(Anonymised { customer, file })
}

/// Erases the customer (`erase`) and clears the file of the old values.
pub fn erase_and_scrub(
    db: &mut Db,
    actor: Option<&str>,
    reference: &str,
    force: bool,
    confirm: Confirm,
) -> Result<Erased> {
    confirm.require("deleting")?;
    let (mut erased, zeroed) = db.write(actor, |w| {
        let erased = erase(w, reference, force, confirm)?;
        Ok((erased, clear_free_space(w)?))
    })?;
    erased.file = finish(db, actor, &erased.customer_id, zeroed)?;
    Ok(erased)
}

/// Inside the erase's transaction: rewrites the search index without the
/// deleted postings, then overwrites every free page with zeros (the pages
/// the erase itself freed among them; a free page reused meanwhile is zeroed
/// by `secure_delete = FAST` before its new content goes in).
fn clear_free_space(w: &mut Write<'_>) -> Result<u64> {
    w.tx().execute_batch(
        "INSERT INTO customer_search (customer_search) VALUES ('optimize');
         INSERT INTO customer_search_deleted (customer_search_deleted) VALUES ('optimize');",
    )?;
    let free: i64 = w.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    let page: i64 = w.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    // A row takes free pages first; a value is at most 1e9 bytes.
    let per_row = 900_000_000 / page;
    let mut left = free;
    while left > 0 {
        let pages = left.min(per_row);
        w.exec(
            "INSERT INTO privacy_wipe (zeros) VALUES (zeroblob(?1))",
            [pages * page],
        )?;
        left -= pages;
    }
    w.exec("DELETE FROM privacy_wipe", [])?;
    Ok(u64::try_from(free).unwrap_or(0))
}

/// After the commit: rewrites a file from before V9 once, empties the WAL
/// and lists the older copies.
fn finish(
    db: &mut Db,
    actor: Option<&str>,
    uuid: &str,
    free_pages_zeroed: u64,
) -> Result<Scrubbed> {
    let (file_rewritten, rewrite_error) = match rewrite_once(db, actor) {
        Ok(done) => (done, None),
        Err(e) => (false, Some(e.to_string())),
    };
    Ok(Scrubbed {
        free_pages_zeroed,
        wal_cleared: db.checkpoint()?,
        file_rewritten,
        rewrite_error,
        older_copies: older_copies(db.path(), uuid),
    })
}

/// VACUUM, if the file still needs its one rewrite (see the module's notes).
/// Its temporary copy goes to a file, not to memory: it is as large as the
/// database. True when it ran.
fn rewrite_once(db: &mut Db, actor: Option<&str>) -> Result<bool> {
    let needed: bool = db
        .conn()
        .query_row("SELECT rewrite_needed FROM privacy_file", [], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if !needed {
        return Ok(false);
    }
    db.unguarded(|conn| {
        conn.pragma_update(None, "temp_store", "FILE")?;
        let vacuumed = conn.execute_batch("VACUUM");
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(vacuumed?)
    })?;
    db.write(actor, |w| {
        // The file's own bookkeeping, not a change sync carries.
        w.caches_only();
        w.exec("UPDATE privacy_file SET rewrite_needed = 0", [])?;
        Ok(())
    })?;
    Ok(true)
}

/// The copies beside the database that hold the customer `uuid`: the daily
/// backups (`backups/pelanggan-*.db`) and the `<db>.before-*.bak` copies of
/// migrations and restores. A file that cannot be read is listed too.
pub fn older_copies(database: &Path, uuid: &str) -> Vec<PathBuf> {
    // Named as the database is (a relative path stays relative).
    let dir = database.parent().unwrap_or(Path::new(""));
    let name = database
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut candidates: Vec<PathBuf> = Vec::new();
    let mut scan = |folder: &Path, wanted: &dyn Fn(&str) -> bool| {
        let readable = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        if let Ok(entries) = std::fs::read_dir(readable) {
            for e in entries.flatten() {
                let file = e.file_name().to_string_lossy().into_owned();
                if wanted(&file) && e.file_type().is_ok_and(|t| t.is_file()) {
                    candidates.push(folder.join(e.file_name()));
                }
            }
        }
    };
    scan(dir, &|f| {
        f.strip_prefix(name.as_str())
            .is_some_and(|rest| rest.starts_with(".before-") && rest.ends_with(".bak"))
    });
    scan(&crate::backup::default_dir(database), &|f| {
        crate::backup::daily_backup_day(Path::new(f)).is_some()
    });
    candidates.retain(|c| holds(c, uuid).unwrap_or(true));
    candidates.sort();
    candidates
}

/// Whether the database file at `path` has the customer `uuid`, read without
/// locking or touching it (no `-wal`/`-shm` appear beside it).
fn holds(path: &Path, uuid: &str) -> Result<bool> {
    let conn = Connection::open_with_flags(
        crate::db::immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )?;
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM customers WHERE uuid = ?1)",
        [uuid],
        |r| r.get(0),
    )?)
}

/// Deletes the customer and every row about them. Refused while their
/// balance is not zero, unless `force` (the books would lose a debt or a
/// credit). Refused without `Confirm::Yes`.
pub fn erase(w: &mut Write<'_>, reference: &str, force: bool, confirm: Confirm) -> Result<Erased> {
    confirm.require("deleting")?;
    let customer = customers::resolve(w.reader(), reference)?;
    let balance: Money = w.tx().query_row(
        "SELECT balance FROM customers WHERE id = ?1",
        [customer.id],
        |r| r.get(0),
    )?;
    if balance != Money::ZERO && !force {
        return Err(Error::Conflict(format!(
            "customer {} ({}) has a balance of {balance}; settle it first or force the deletion",
            customer.uuid, customer.name
        )));
    }
    let mut rows_deleted = erase_rows(w, &customer)?;
    w.record_change(
        Entity::Customer,
        &customer.uuid,
        ChangeOp::Delete,
        Some("erased"),
        Some(&json!(true)),
    )?;
    // A customer merged into this one still holds the same person's record.
    for merged in merged_into(w.tx(), &customer.uuid)? {
        rows_deleted += erase(w, &merged, true, Confirm::Yes)?.rows_deleted;
    }
    Ok(Erased {
        customer_id: customer.uuid,
        rows_deleted,
        file: Scrubbed::default(),
    })
}

/// Deletes the customer and every row of theirs, with the change-log
/// entries that carry them (unsent ones would carry the erased data; the
/// caller's tombstone tells the other devices). Sync calls it when an
/// erase made on another desk arrives. Returns the rows deleted.
pub(crate) fn erase_rows(w: &mut Write<'_>, customer: &Handle) -> Result<u64> {
    let entities = owned_uuids(w.tx(), customer)?;
    let mut rows_deleted = 0u64;
    w.exec(
        "INSERT INTO privacy_erasures (customer_id) VALUES (?1)",
        [customer.id],
    )?;
    for table in UNLINKED {
        if table_exists(w.tx(), table)? {
            w.exec(
                &format!("UPDATE {table} SET customer_id = NULL WHERE customer_id = ?1"),
                [customer.id],
            )?;
        }
    }
    for (table, _) in OWNED {
        if table_exists(w.tx(), table)? {
            rows_deleted += w.exec(
                &format!("DELETE FROM {table} WHERE customer_id = ?1"),
                [customer.id],
            )? as u64;
        }
    }
    rows_deleted += w.exec("DELETE FROM customers WHERE id = ?1", [customer.id])? as u64;
    w.exec(
        "DELETE FROM privacy_erasures WHERE customer_id = ?1",
        [customer.id],
    )?;
    for uuid in &entities {
        w.exec(
            "INSERT OR IGNORE INTO sync_erased (uuid) VALUES (?1)",
            [uuid],
        )?;
    }
    let seqs: Vec<i64> = changes_of(w.tx(), &entities)?
        .into_iter()
        .map(|(seq, _, _)| seq)
        .collect();
    w.forget_changes(&seqs)?;
    Ok(rows_deleted)
}

/// The uuids of the customers merged into `uuid` (`customer_merge`).
pub(crate) fn merged_into(conn: &Connection, uuid: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT uuid FROM customers WHERE merged_into = ?1")?;
    let uuids = stmt
        .query_map([uuid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(uuids)
}

/// A number that can never reach a person: +999 is a country code the ITU
/// keeps unassigned, and `phone::parse` refuses it, so no typed number equals it.
fn placeholder_number(conn: &Connection, customer: &Handle) -> Result<String> {
    let seed = uuid::Uuid::parse_str(&customer.uuid)
        .map(|u| u.as_u128())
        .unwrap_or(customer.id as u128);
    for attempt in 0..1000u128 {
        let candidate = format!("+999{:012}", (seed + attempt) % 1_000_000_000_000);
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM customers WHERE whatsapp = ?1 AND id != ?2)",
            params![candidate, customer.id],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(candidate);
        }
    }
    Err(Error::internal("no free placeholder number"))
}

fn scrub_activity(w: &mut Write<'_>, customer_id: i64) -> Result<()> {
    let entries: Vec<(i64, String)> = {
        let mut stmt = w
            .tx()
            .prepare("SELECT id, details FROM customer_activity_log WHERE customer_id = ?1")?;
        stmt.query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (id, details) in entries {
        let mut value: Value = serde_json::from_str(&details).unwrap_or(Value::Null);
        scrub(&mut value);
        w.exec(
            "UPDATE customer_activity_log SET details = ?2 WHERE id = ?1",
            params![id, value.to_string()],
        )?;
    }
    Ok(())
}

/// Unsent change-log rows of the customer's entities may hold personal values.
fn scrub_change_log(w: &mut Write<'_>, customer: &Handle) -> Result<()> {
    let entities = owned_uuids(w.tx(), customer)?;
    for (seq, field, value) in changes_of(w.tx(), &entities)? {
        let Some(text) = value else { continue };
        let mut value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match field.as_deref() {
            Some(f) if PERSONAL_KEYS.contains(&f) => value = json!(REMOVED),
            _ => scrub(&mut value),
        }
        w.exec(
            "UPDATE change_log SET value = ?2 WHERE seq = ?1",
            params![seq, value.to_string()],
        )?;
    }
    Ok(())
}

/// A change-log row as privacy rewrites it: seq, field, value.
type LoggedChange = (i64, Option<String>, Option<String>);

/// The change-log rows of the given entities. One scan:
/// the change log has no index by entity (it would cost every write a random
/// insert), and a privacy request is rare.
fn changes_of(conn: &Connection, entities: &[String]) -> Result<Vec<LoggedChange>> {
    let wanted: HashSet<&str> = entities.iter().map(String::as_str).collect();
    let mut stmt = conn.prepare("SELECT seq, entity_id, field, value FROM change_log")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let entity_id: String = row.get(1)?;
        if wanted.contains(entity_id.as_str()) {
            out.push((row.get(0)?, row.get(2)?, row.get(3)?));
        }
    }
    Ok(out)
}

/// Replaces personal values anywhere in a JSON document.
fn scrub(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if PERSONAL_KEYS.contains(&key.as_str()) && !v.is_null() {
                    *v = json!(REMOVED);
                } else {
                    scrub(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

/// The uuids of the customer and of every row it owns (for the change log).
fn owned_uuids(conn: &Connection, customer: &Handle) -> Result<Vec<String>> {
    let mut uuids = vec![customer.uuid.clone()];
    for (table, _) in OWNED {
        if table_exists(conn, table)? {
            let mut stmt =
                conn.prepare(&format!("SELECT uuid FROM {table} WHERE customer_id = ?1"))?;
            let found = stmt
                .query_map([customer.id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            uuids.extend(found);
        }
    }
    Ok(uuids)
}

pub(crate) fn table_exists(conn: &Connection, table: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}
