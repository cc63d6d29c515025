//! Making customers: what is checked before the database (`check`: every
//! rule that needs no database, run by an import on a second thread) and how
//! checked customers are written (`insert_checked_all`: the number's
//! uniqueness against the shop and the batch, then each table with multi-row
//! inserts), with the payloads both logs carry for a new customer.
//!
//! Owns the rules of a new customer's fields and numbers. Must not know how
//! a reference is resolved (`resolve`) or how customers are listed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{Handle, Status};
use super::resolve::{duplicate, ensure_whatsapp_free};
use crate::db::{Change, Write, json_text, new_id};
use crate::error::{Error, Result};
use crate::ledger::{self, EntryKind, EntryNote, NewEntry};
use crate::money::Money;
use crate::phone::{self, E164, Region};
use crate::tags::{self, TagInput};
use crate::validate;
use crate::warning::Warning;

pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 500;
pub const NOTES_MAX: usize = 2000;

/// What an admin types to create a customer. Text is validated and normalised by `add`.
/// Every field may be left out of its JSON form (a missing name or number is
/// refused by `check` as `validation` of that field, like an empty one).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewCustomer {
    pub name: String,
    pub whatsapp: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    /// Positive: opening credit; negative: opening debt.
    pub initial_balance: Option<Money>,
    pub tags: Vec<TagInput>,
    pub status: Option<Status>,
}

/// The fields that belong to the customer record itself (and sync), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fields {
    pub(super) name: String,
    pub(super) whatsapp: E164,
    pub(super) email: Option<String>,
    pub(super) phone: Option<E164>,
    pub(super) address: Option<String>,
    pub(super) notes: Option<String>,
    pub(super) status: Status,
}

impl Fields {
    /// (field name, JSON value) pairs, in a stable order, for the logs.
    pub(super) fn entries(&self) -> [(&'static str, Value); 7] {
        [
            ("name", json!(self.name)),
            ("whatsapp", json!(self.whatsapp)),
            ("email", json!(self.email)),
            ("phone", json!(self.phone)),
            ("address", json!(self.address)),
            ("notes", json!(self.notes)),
            ("status", json!(self.status)),
        ]
    }
}

/// `add` without reading the customer back (an import does not need it).
/// Warns (`Write::warn`) as `check` does.
pub(crate) fn insert(w: &mut Write<'_>, input: NewCustomer) -> Result<Handle> {
    let checked = check(input, w.region())?;
    for warning in checked.warnings() {
        w.warn(warning.clone());
    }
    insert_checked(w, checked)
}

/// A new customer that passed every rule that needs no database: required
/// and bounded text, number formats, the opening balance, tags. Only `check`
/// makes one; `insert_checked` adds what the database must decide (the
/// number's uniqueness). An import checks rows on one core while it writes
/// the previous ones on the other, through exactly this code.
#[derive(Debug, Clone)]
pub struct CheckedCustomer {
    pub(super) fields: Fields,
    /// The status as given (None: the default), for an import that updates.
    pub(super) given_status: Option<Status>,
    opening: Option<Money>,
    tags: Vec<TagInput>,
    /// What was accepted but may be wrong (a number read as another
    /// country's, a WhatsApp number that is not a mobile).
    warnings: Vec<Warning>,
}

impl CheckedCustomer {
    pub fn whatsapp(&self) -> &E164 {
        &self.fields.whatsapp
    }

    pub fn tags(&self) -> &[TagInput] {
        &self.tags
    }

    /// The warnings of its fields: `foreign_number`, `not_mobile`.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

/// Checks a new customer against every rule that needs no database; notes
/// the warnings of its numbers (see `CheckedCustomer::warnings`).
pub fn check(input: NewCustomer, region: Region) -> Result<CheckedCustomer> {
    let status = input.status.unwrap_or(Status::Active);
    if status == Status::Deleted {
        return Err(Error::validation(
            "status",
            "a new customer cannot be deleted",
        ));
    }
    let mut warnings = Vec::new();
    let fields = Fields {
        name: validate::name("name", &input.name, NAME_MAX)?,
        whatsapp: parse_whatsapp("whatsapp", &input.whatsapp, region, &mut warnings)?,
        email: validate::email("email", input.email.as_deref())?,
        phone: parse_phone("phone", input.phone.as_deref(), region, &mut warnings)?,
        address: validate::multiline("address", input.address.as_deref(), ADDRESS_MAX)?,
        notes: validate::multiline("notes", input.notes.as_deref(), NOTES_MAX)?,
        status,
    };
    Ok(CheckedCustomer {
        fields,
        given_status: input.status,
        opening: input.initial_balance.filter(|m| *m != Money::ZERO),
        tags: tags::checked(&input.tags)?,
        warnings,
    })
}

/// Writes a checked customer, with its opening balance and tags, in the
/// caller's transaction. The number's uniqueness is checked before the first
/// write, so a refused customer writes nothing even without a savepoint:
/// past that check only a storage failure can stop it, and that aborts the
/// whole transaction.
pub(crate) fn insert_checked(w: &mut Write<'_>, input: CheckedCustomer) -> Result<Handle> {
    let mut results = insert_checked_all(w, vec![input])?;
    results.remove(0)
}

/// `insert_checked` for many customers, in order: each is written, or
/// refused because a live customer (or an earlier one of the same batch)
/// holds its number. What is accepted is written with multi-row statements,
/// table by table, so an import pays each statement's costs once per batch
/// instead of once per row.
pub(crate) fn insert_checked_all(
    w: &mut Write<'_>,
    batch: Vec<CheckedCustomer>,
) -> Result<Vec<Result<Handle>>> {
    // Local row ids are given here (the next ones, under the write lock), so
    // the dependent rows need no read-back per customer.
    let mut next_id: i64 =
        w.query_row("SELECT coalesce(max(id), 0) + 1 FROM customers", [], |r| {
            r.get(0)
        })?;
    let mut results: Vec<Result<Handle>> = Vec::with_capacity(batch.len());
    let mut accepted: Vec<(CheckedCustomer, Handle)> = Vec::with_capacity(batch.len());
    // A number taken by an earlier customer of this batch: its place in `accepted`.
    let mut in_batch: HashMap<String, usize> = HashMap::new();
    for customer in batch {
        let number = &customer.fields.whatsapp;
        let free = match in_batch.get(number.as_str()) {
            Some(&earlier) => Err(duplicate(number, &accepted[earlier].1)),
            None => ensure_whatsapp_free(w.tx(), number, None),
        };
        if let Err(e) = free {
            results.push(Err(e));
            continue;
        }
        let handle = Handle::new(
            next_id,
            new_id(),
            customer.fields.name.clone(),
            customer.fields.status,
        );
        next_id += 1;
        in_batch.insert(number.as_str().to_owned(), accepted.len());
        results.push(Ok(handle.clone()));
        accepted.push((customer, handle));
    }
    if accepted.is_empty() {
        return Ok(results);
    }

    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    w.insert_rows(
        "customers (id, uuid, name, whatsapp, email, phone, address, notes, status,
                    balance, created_at, updated_at, created_by)",
        13,
        &accepted,
        |row, (c, handle)| {
            let f = &c.fields;
            row.bind(handle.id())?;
            row.bind(handle.uuid())?;
            row.bind(f.name.as_str())?;
            row.bind(f.whatsapp.as_str())?;
            row.bind(f.email.as_deref())?;
            row.bind(f.phone.as_ref().map(E164::as_str))?;
            row.bind(f.address.as_deref())?;
            row.bind(f.notes.as_deref())?;
            row.bind(f.status.as_str())?;
            // The opening balance is written with the row; its ledger entry follows.
            row.bind(c.opening.unwrap_or(Money::ZERO))?;
            row.bind(now.as_str())?;
            row.bind(now.as_str())?;
            row.bind(actor.as_str())
        },
    )?;

    // Serialised from borrowed structs, not built as JSON trees: these two
    // texts are most of an import's work outside SQLite.
    let changes: Vec<Change<'_>> = accepted
        .iter()
        .map(|(c, handle)| {
            let record = CreatedRecord {
                fields: Given::of(&c.fields),
                causal_length: 1,
                created_at: &now,
                created_by: &actor,
            };
            Change::inserted("customer", handle.uuid(), &record)
        })
        .collect::<Result<_>>()?;
    w.record_changes(&changes)?;

    let note = EntryNote::new("Initial balance");
    let openings: Vec<NewEntry<'_>> = accepted
        .iter()
        .filter_map(|(c, handle)| {
            let amount = c.opening?;
            Some(NewEntry {
                customer: handle,
                kind: if amount.is_negative() {
                    EntryKind::Debit
                } else {
                    EntryKind::Credit
                },
                amount: amount.abs(),
                previous: Money::ZERO,
                note: &note,
            })
        })
        .collect();
    let entries = ledger::append_all(w, &openings)?;
    let links: Vec<(&Handle, &TagInput)> = accepted
        .iter()
        .flat_map(|(c, handle)| c.tags.iter().map(move |t| (handle, t)))
        .collect();
    tags::attach_new_all(w, &links)?;

    // One activity entry tells each whole creation (its row has the admin and
    // time). The opening entries are in the customers' order.
    let mut entries = entries.iter().peekable();
    let activities: Vec<(i64, &str, String)> = accepted
        .iter()
        .map(|(c, handle)| {
            let opening = entries
                .next_if(|e| e.customer_id == handle.uuid())
                .map(|e| OpeningNote {
                    entry_id: &e.id,
                    kind: e.kind,
                    amount: e.amount,
                });
            let details = CreatedDetails {
                customer: Given::of(&c.fields),
                initial_balance: opening,
                tags: c.tags.iter().map(|t| t.name.as_str()).collect(),
            };
            Ok((handle.id(), "created", json_text(&details)?))
        })
        .collect::<Result<_>>()?;
    w.record_activities(&activities)?;
    Ok(results)
}

/// A new customer's fields as both logs carry them. Empty fields are left
/// out (absent = null): at a million customers every byte of these rows is a
/// megabyte of file.
#[derive(Serialize)]
struct Given<'a> {
    name: &'a str,
    whatsapp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    status: Status,
}

impl<'a> Given<'a> {
    fn of(f: &'a Fields) -> Given<'a> {
        Given {
            name: &f.name,
            whatsapp: f.whatsapp.as_str(),
            email: f.email.as_deref(),
            phone: f.phone.as_ref().map(E164::as_str),
            address: f.address.as_deref(),
            notes: f.notes.as_deref(),
            status: f.status,
        }
    }
}

/// The change-log row of a new customer: the whole row, for sync.
#[derive(Serialize)]
struct CreatedRecord<'a> {
    #[serde(flatten)]
    fields: Given<'a>,
    causal_length: i64,
    created_at: &'a str,
    created_by: &'a str,
}

/// The activity entry of a new customer.
#[derive(Serialize)]
struct CreatedDetails<'a> {
    customer: Given<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_balance: Option<OpeningNote<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

#[derive(Serialize)]
struct OpeningNote<'a> {
    entry_id: &'a str,
    #[serde(rename = "type")]
    kind: EntryKind,
    amount: Money,
}

/// A WhatsApp number as typed: refused when it is not a number; warns
/// (into `warnings`) when it was read as another country's or is not a mobile.
pub(crate) fn parse_whatsapp(
    field: &'static str,
    input: &str,
    region: Region,
    warnings: &mut Vec<Warning>,
) -> Result<E164> {
    if input.trim().is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    let reading = phone::read(input, region).ok_or_else(|| Error::InvalidWhatsapp {
        field,
        input: input.trim().to_owned(),
    })?;
    number_warnings(field, input, &reading, region, warnings);
    // `not_mobile`: a WhatsApp number whose plan says it is a fixed line,
    // toll-free, ...
    if !reading.kind.is_mobile() {
        let input = input.trim();
        warnings.push(Warning::new(
            "not_mobile",
            Some(field),
            format!(
                "'{input}' ({}) is a {} number, not a mobile: WhatsApp may not reach it",
                reading.number,
                reading.kind.label()
            ),
        ));
    }
    Ok(reading.number)
}

/// A phone number as typed (empty: none): refused when it is not a number;
/// warns when it was read as another country's.
pub(crate) fn parse_phone(
    field: &'static str,
    input: Option<&str>,
    region: Region,
    warnings: &mut Vec<Warning>,
) -> Result<Option<E164>> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let reading = phone::read(text, region).ok_or_else(|| Error::InvalidPhone {
        field,
        input: text.to_owned(),
    })?;
    number_warnings(field, text, &reading, region, warnings);
    Ok(Some(reading.number))
}

/// `foreign_number`: digits that are no number of the shop's country, read
/// as another country's.
fn number_warnings(
    field: &'static str,
    input: &str,
    reading: &phone::Reading,
    region: Region,
    warnings: &mut Vec<Warning>,
) {
    let input = input.trim();
    let number = &reading.number;
    if let Some(abroad) = reading.foreign {
        warnings.push(Warning::new(
            "foreign_number",
            Some(field),
            format!(
                "'{input}' was read as {number}, a number of {}, not of {}; check it \
                 (typed with + it is taken as international)",
                abroad.name(),
                region.name(),
            ),
        ));
    }
}
