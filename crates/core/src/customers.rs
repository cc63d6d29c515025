//! Customers: add, edit, soft delete and restore, show and list.
//!
//! A customer is identified by a unique WhatsApp number (E.164). Uniqueness is
//! checked here on every local write, under the write transaction's lock,
//! rather than by a UNIQUE index: a duplicate made offline on another desk must
//! be able to arrive through sync and wait for a merge.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{Change, ChangeOp, Write, json_text, new_id};
use crate::error::{Error, Result};
use crate::ledger::{self, EntryKind, EntryNote, NewEntry};
use crate::money::Money;
use crate::names::text_enum;
use crate::phone::{self, E164, Region};
use crate::search::{self, BalanceKind, Filter, Position, Sort};
use crate::tags::{self, TagInput, TagView};
use crate::validate;
use crate::warning::Warning;

pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 500;
pub const NOTES_MAX: usize = 2000;

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Status("status") {
        Active => "active",
        Inactive => "inactive",
        Blacklisted => "blacklisted",
        /// Soft-deleted: hidden from lists, restorable.
        Deleted => "deleted",
    }
}

/// A customer as shown to admins.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Customer {
    /// The customer's identity everywhere (UUIDv7).
    pub id: String,
    /// This database's row number: a short reference for the CLI, never synced.
    pub local_id: i64,
    pub name: String,
    pub whatsapp: E164,
    pub email: Option<String>,
    pub phone: Option<E164>,
    pub address: Option<String>,
    pub notes: Option<String>,
    /// Positive = credit, negative = debt.
    pub balance: Money,
    pub total_spent: Money,
    pub subscription_count: i64,
    pub status: Status,
    pub tags: Vec<TagView>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// What an admin types to create a customer. Text is validated and normalised by `add`.
#[derive(Debug, Clone, Default)]
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

/// An edit: None leaves a field alone; `Some("")` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub whatsapp: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub status: Option<Status>,
}

/// The fields that belong to the customer record itself (and sync), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    name: String,
    whatsapp: E164,
    email: Option<String>,
    phone: Option<E164>,
    address: Option<String>,
    notes: Option<String>,
    status: Status,
}

impl Fields {
    /// (field name, JSON value) pairs, in a stable order, for the logs.
    fn entries(&self) -> [(&'static str, Value); 7] {
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

/// A resolved customer: enough to act on it.
#[derive(Debug, Clone)]
pub struct Handle {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub status: Status,
}

impl Handle {
    /// Refuses to act on a soft-deleted customer.
    pub fn ensure_live(&self) -> Result<()> {
        if self.status == Status::Deleted {
            return Err(Error::Conflict(format!(
                "customer {} ({}) is deleted; restore it first",
                self.uuid, self.name
            )));
        }
        Ok(())
    }
}

/// Creates a customer, with its opening balance and tags, in the caller's
/// transaction: any failure leaves nothing behind.
pub fn add(w: &mut Write<'_>, input: NewCustomer) -> Result<Customer> {
    let handle = insert(w, input)?;
    get_by_id(w.tx(), handle.id)
}

/// `add` without reading the customer back (an import does not need it).
/// Warns (`Write::warn`) as `check` does.
pub fn insert(w: &mut Write<'_>, input: NewCustomer) -> Result<Handle> {
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
    fields: Fields,
    /// The status as given (None: the default), for an import that updates.
    given_status: Option<Status>,
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

    /// The edit that applies this customer's non-empty fields to an existing
    /// one (an import's `--on-duplicate update`): never the number, and the
    /// status only when one was given.
    pub fn into_patch(self) -> CustomerPatch {
        let f = self.fields;
        CustomerPatch {
            name: Some(f.name),
            whatsapp: None,
            email: f.email,
            phone: f.phone.map(|p| p.as_str().to_owned()),
            address: f.address,
            notes: f.notes,
            status: self.given_status,
        }
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
pub fn insert_checked(w: &mut Write<'_>, input: CheckedCustomer) -> Result<Handle> {
    let mut results = insert_checked_all(w, vec![input])?;
    results.remove(0)
}

/// `insert_checked` for many customers, in order: each is written, or
/// refused because a live customer (or an earlier one of the same batch)
/// holds its number. What is accepted is written with multi-row statements,
/// table by table, so an import pays each statement's costs once per batch
/// instead of once per row.
pub fn insert_checked_all(
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
        let handle = Handle {
            id: next_id,
            uuid: new_id(),
            name: customer.fields.name.clone(),
            status: customer.fields.status,
        };
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
            row.bind(handle.id)?;
            row.bind(handle.uuid.as_str())?;
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
            Change::inserted("customer", &handle.uuid, &record)
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
                .next_if(|e| e.customer_id == handle.uuid)
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
            Ok((handle.id, "created", json_text(&details)?))
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

/// Changes the fields the patch names; logs each change with its before and
/// after. Warns about a new number as `add` does.
pub fn edit(w: &mut Write<'_>, reference: &str, patch: CustomerPatch) -> Result<Customer> {
    let region = w.region();
    let handle = resolve(w.tx(), reference, region)?;
    handle.ensure_live()?;
    let before = load_fields(w.tx(), handle.id)?;
    let mut after = before.clone();
    let mut warnings = Vec::new();
    if let Some(name) = &patch.name {
        after.name = validate::name("name", name, NAME_MAX)?;
    }
    if let Some(number) = &patch.whatsapp {
        after.whatsapp = parse_whatsapp("whatsapp", number, region, &mut warnings)?;
    }
    if let Some(email) = &patch.email {
        after.email = validate::email("email", Some(email))?;
    }
    if let Some(phone) = &patch.phone {
        after.phone = parse_phone("phone", Some(phone), region, &mut warnings)?;
    }
    if let Some(address) = &patch.address {
        after.address = validate::multiline("address", Some(address), ADDRESS_MAX)?;
    }
    if let Some(notes) = &patch.notes {
        after.notes = validate::multiline("notes", Some(notes), NOTES_MAX)?;
    }
    if let Some(status) = patch.status {
        if status == Status::Deleted {
            return Err(Error::validation(
                "status",
                "use delete to delete a customer, so it can be restored",
            ));
        }
        after.status = status;
    }
    if after.whatsapp != before.whatsapp {
        ensure_whatsapp_free(w.tx(), &after.whatsapp, Some(handle.id))?;
    }
    if after == before {
        return get_by_id(w.tx(), handle.id);
    }
    // Only a number that changes warns: an unchanged one was warned of before.
    warnings.retain(|warning| {
        (warning.field == Some("whatsapp") && after.whatsapp != before.whatsapp)
            || (warning.field == Some("phone") && after.phone != before.phone)
    });
    for warning in warnings {
        w.warn(warning);
    }

    w.exec(
        "UPDATE customers SET name = ?2, whatsapp = ?3, email = ?4, phone = ?5, address = ?6,
                              notes = ?7, status = ?8, updated_at = ?9
         WHERE id = ?1",
        params![
            handle.id,
            after.name,
            after.whatsapp.as_str(),
            after.email,
            after.phone.as_ref().map(E164::as_str),
            after.address,
            after.notes,
            after.status.as_str(),
            w.now(),
        ],
    )?;
    let mut changes = serde_json::Map::new();
    for ((field, old), (_, new)) in before.entries().into_iter().zip(after.entries()) {
        if old != new {
            w.record_change(
                "customer",
                &handle.uuid,
                ChangeOp::Update,
                Some(field),
                Some(&new),
            )?;
            changes.insert(field.to_owned(), json!({ "before": old, "after": new }));
        }
    }
    w.record_activity(handle.id, "updated", json!({ "changes": changes }))?;
    get_by_id(w.tx(), handle.id)
}

/// Soft delete: the customer is hidden from lists and frees its number, and
/// can be restored. Its ledger and history stay. Refused while it has live
/// subscriptions (cancel them first: see `subscriptions::ensure_none_live`).
pub fn delete(w: &mut Write<'_>, reference: &str) -> Result<Customer> {
    let handle = resolve(w.tx(), reference, w.region())?;
    handle.ensure_live()?;
    crate::billing::subscriptions::ensure_none_live(w.tx(), &handle, "delete the customer")?;
    let causal_length: i64 = w.query_row(
        "UPDATE customers SET status = 'deleted', status_before_delete = status,
                causal_length = causal_length + 1, updated_at = ?2
         WHERE id = ?1 RETURNING causal_length",
        params![handle.id, w.now()],
        |r| r.get(0),
    )?;
    w.record_change(
        "customer",
        &handle.uuid,
        ChangeOp::Delete,
        Some("causal_length"),
        Some(&json!(causal_length)),
    )?;
    w.record_activity(
        handle.id,
        "deleted",
        json!({ "status": { "before": handle.status, "after": Status::Deleted } }),
    )?;
    get_by_id(w.tx(), handle.id)
}

/// Undoes a soft delete, back to the status the customer had. Refused while
/// another live customer holds the number.
pub fn restore(w: &mut Write<'_>, reference: &str) -> Result<Customer> {
    let handle = resolve(w.tx(), reference, w.region())?;
    if handle.status != Status::Deleted {
        return Err(Error::Conflict(format!(
            "customer {} ({}) is not deleted",
            handle.uuid, handle.name
        )));
    }
    let fields = load_fields(w.tx(), handle.id)?;
    if let Some(holder) = whatsapp_holder(w.tx(), &fields.whatsapp, Some(handle.id))? {
        return Err(Error::Conflict(format!(
            "cannot restore {} ({}): its WhatsApp number {} now belongs to customer {} ({}); \
             change one of the numbers first",
            handle.uuid, handle.name, fields.whatsapp, holder.uuid, holder.name
        )));
    }
    let (status, causal_length): (String, i64) = w.query_row(
        "UPDATE customers SET status = coalesce(status_before_delete, 'active'),
                status_before_delete = NULL, causal_length = causal_length + 1, updated_at = ?2
         WHERE id = ?1 RETURNING status, causal_length",
        params![handle.id, w.now()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    w.record_change(
        "customer",
        &handle.uuid,
        ChangeOp::Restore,
        Some("causal_length"),
        Some(&json!(causal_length)),
    )?;
    w.record_activity(
        handle.id,
        "restored",
        json!({ "status": { "before": Status::Deleted, "after": status } }),
    )?;
    get_by_id(w.tx(), handle.id)
}

/// Shows one customer by reference (see `resolve`), deleted ones included.
pub fn get(conn: &Connection, reference: &str, region: Region) -> Result<Customer> {
    let handle = resolve(conn, reference, region)?;
    get_by_id(conn, handle.id)
}

/// What `list` shows: the filters and order of the list screen (see `search`
/// for what each one means and how it is answered), and which page.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub include_deleted: bool,
    /// 1-based. With `after`, must stay 1.
    pub page: u32,
    /// At most `MAX_PAGE_SIZE`.
    pub limit: u32,
    /// Substring of name, WhatsApp (any format) or email; 1-2 characters: a word prefix.
    pub search: Option<String>,
    pub balance: Option<BalanceKind>,
    pub balance_min: Option<Money>,
    pub balance_max: Option<Money>,
    pub tags_any: Vec<String>,
    pub tags_all: Vec<String>,
    pub created_from: Option<NaiveDate>,
    pub created_to: Option<NaiveDate>,
    pub active_subscription: Option<bool>,
    pub sort: Sort,
    /// The `next` cursor of the previous page: keyset paging, as fast at any depth.
    pub after: Option<String>,
}

pub const MAX_PAGE_SIZE: u32 = search::MAX_PAGE_SIZE;

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            status: None,
            include_deleted: false,
            page: 1,
            limit: 50,
            search: None,
            balance: None,
            balance_min: None,
            balance_max: None,
            tags_any: Vec::new(),
            tags_all: Vec::new(),
            created_from: None,
            created_to: None,
            active_subscription: None,
            sort: Sort::default(),
            after: None,
        }
    }
}

impl ListQuery {
    /// The filter part of the query.
    pub fn filter(&self) -> Filter {
        Filter {
            search: self.search.clone(),
            status: self.status,
            include_deleted: self.include_deleted,
            balance: self.balance,
            balance_min: self.balance_min,
            balance_max: self.balance_max,
            tags_any: self.tags_any.clone(),
            tags_all: self.tags_all.clone(),
            created_from: self.created_from,
            created_to: self.created_to,
            active_subscription: self.active_subscription,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub limit: u32,
    pub total_pages: u64,
    /// The cursor of the next page (pass it as `after`), when there may be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Lists customers matching the query's filters, debt first then the most
/// recently updated unless another order is asked, with the total count.
pub fn list(conn: &Connection, query: &ListQuery) -> Result<Page<Customer>> {
    let position = match &query.after {
        Some(_) if query.page != 1 => {
            return Err(Error::validation(
                "after",
                "give either a page number or a cursor, not both",
            ));
        }
        Some(cursor) => Position::After(cursor.clone()),
        None => Position::Page(query.page),
    };
    let filter = query.filter();
    let (slice, total) = search::page_and_count(
        search::reader_of(conn)?,
        &filter,
        query.sort,
        query.limit,
        &position,
    )?;
    let total = u64::from(total);
    Ok(Page {
        items: slice.items,
        total,
        page: query.page,
        limit: query.limit,
        total_pages: total.div_ceil(u64::from(query.limit)),
        next: slice.next,
    })
}

/// Finds a customer by what an admin types: its UUID, its local number (up to
/// 8 digits, no leading 0 or +), or its WhatsApp number in any format. A number
/// finds the live customer holding it, else the latest deleted one.
pub fn resolve(conn: &Connection, reference: &str, region: Region) -> Result<Handle> {
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
            &format!("SELECT id, uuid, name, status FROM customers WHERE {condition}"),
            [value],
            |r| {
                let status: String = r.get(3)?;
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, status))
            },
        )
        .optional()?
        .map(|(id, uuid, name, status)| Handle {
            id,
            uuid,
            name,
            status: Status::from_str(&status).unwrap_or(Status::Active),
        }))
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

/// The live customer (other than `except`) that holds `number`, if any.
pub(crate) fn whatsapp_holder(
    conn: &Connection,
    number: &E164,
    except: Option<i64>,
) -> Result<Option<Handle>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, uuid, name, status FROM customers
             WHERE whatsapp = ?1 AND status != 'deleted' AND id IS NOT ?2 LIMIT 1",
        )?
        .query_row(params![number.as_str(), except], |r| {
            let status: String = r.get(3)?;
            Ok(Handle {
                id: r.get(0)?,
                uuid: r.get(1)?,
                name: r.get(2)?,
                status: Status::from_str(&status).unwrap_or(Status::Active),
            })
        })
        .optional()?)
}

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
fn duplicate(number: &E164, holder: &Handle) -> Error {
    Error::DuplicateWhatsapp {
        whatsapp: number.to_string(),
        holder_id: holder.uuid.clone(),
        holder_local_id: holder.id,
        holder_name: holder.name.clone(),
    }
}

fn load_fields(conn: &Connection, id: i64) -> Result<Fields> {
    let c = get_by_id(conn, id)?;
    Ok(Fields {
        name: c.name,
        whatsapp: c.whatsapp,
        email: c.email,
        phone: c.phone,
        address: c.address,
        notes: c.notes,
        status: c.status,
    })
}

const COLUMNS: &str = "id, uuid, name, whatsapp, email, phone, address, notes, balance, \
                       total_spent, subscription_count, status, created_at, updated_at, created_by";
/// `COLUMNS` of `customers c`, for queries that join.
pub(crate) const COLUMNS_C: &str = "c.id, c.uuid, c.name, c.whatsapp, c.email, c.phone, c.address, \
                       c.notes, c.balance, c.total_spent, c.subscription_count, c.status, c.created_at, \
                       c.updated_at, c.created_by";

pub(crate) fn get_by_id(conn: &Connection, id: i64) -> Result<Customer> {
    let mut customer = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("customer", id))?;
    customer.tags = tags::of_customer(conn, id)?;
    Ok(customer)
}

pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let status: String = r.get(11)?;
    Ok(Customer {
        local_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        whatsapp: E164::from_stored(r.get(3)?),
        email: r.get(4)?,
        phone: r.get::<_, Option<String>>(5)?.map(E164::from_stored),
        address: r.get(6)?,
        notes: r.get(7)?,
        balance: r.get(8)?,
        total_spent: r.get(9)?,
        subscription_count: r.get(10)?,
        status: Status::from_str(&status).unwrap_or(Status::Active),
        tags: Vec::new(),
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        created_by: r.get(14)?,
    })
}
