//! Customers: add, edit, soft delete and restore, show and list, tag and untag.
//!
//! A customer is identified by a unique WhatsApp number (E.164). Uniqueness is
//! checked here on every local write, under the write transaction's lock,
//! rather than by a UNIQUE index: a duplicate made offline on another desk must
//! be able to arrive through sync and wait for a merge.
//!
//! Owns the customer use cases by reference; the types are in `model`, the
//! checks and writes of a new customer in `create`, what a reference means in
//! `resolve`. Must not know how a list is planned (`search` answers it) nor
//! billing beyond whether live subscriptions forbid a delete.

mod create;
pub mod model;
mod resolve;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::json;

use self::create::Fields;
pub use self::create::{ADDRESS_MAX, CheckedCustomer, NAME_MAX, NOTES_MAX, NewCustomer, check};
pub(crate) use self::create::{insert_checked_all, parse_phone, parse_whatsapp};
pub(crate) use self::model::{COLUMNS, from_row};
pub use self::model::{Customer, Handle, Status, TagView};
pub use self::resolve::resolve;
pub(crate) use self::resolve::{ensure_whatsapp_free, whatsapp_holder};
use crate::db::{ChangeOp, Reader, Write};
use crate::error::{Code, Error, Result};
use crate::page::Page;
use crate::phone::E164;
use crate::search::{self, Filter, Position, Sort};
use crate::tags::{self, TagInput};
use crate::validate;
use crate::wire::{ActivityEvent, Before, Entity};

/// An edit: None (absent in JSON) leaves a field alone; `Some("")` clears an
/// optional field, and so does `null` in its JSON form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerPatch {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub whatsapp: Option<String>,
    /// `null` or `""` clears it.
    #[serde(deserialize_with = "null_clears")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub email: Option<String>,
    /// `null` or `""` clears it.
    #[serde(deserialize_with = "null_clears")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub phone: Option<String>,
    /// `null` or `""` clears it.
    #[serde(deserialize_with = "null_clears")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub address: Option<String>,
    /// `null` or `""` clears it.
    #[serde(deserialize_with = "null_clears")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub notes: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status: Option<Status>,
}

/// A clearable field of a patch: absent leaves it alone (serde's default,
/// None), `null` clears it (as `""` does), text sets it.
fn null_clears<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?.unwrap_or_default()))
}

impl CheckedCustomer {
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

/// Creates a customer, with its opening balance and tags, in the caller's
/// transaction: any failure leaves nothing behind.
pub fn add(w: &mut Write<'_>, input: NewCustomer) -> Result<Customer> {
    let handle = create::insert(w, input)?;
    get_by_id(w.tx(), handle.id())
}

/// Changes the fields the patch names; logs each change with its before and
/// after. Warns about a new number as `add` does.
pub fn edit(w: &mut Write<'_>, reference: &str, patch: CustomerPatch) -> Result<Customer> {
    let region = w.region();
    let handle = resolve(w.reader(), reference)?;
    handle.ensure_live()?;
    let before = load_fields(w.tx(), handle.id())?;
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
        ensure_whatsapp_free(w.tx(), &after.whatsapp, Some(handle.id()))?;
    }
    if after == before {
        return get_by_id(w.tx(), handle.id());
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
            handle.id(),
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
    let fields = before.entries().into_iter().zip(after.entries());
    let changes = w.record_updates(
        Entity::Customer,
        handle.uuid(),
        fields.map(|((field, old), (_, new))| (field, old, new)),
    )?;
    w.record_activity(handle.id(), &ActivityEvent::Updated { changes })?;
    get_by_id(w.tx(), handle.id())
}

/// Soft delete: the customer is hidden from lists and frees its number, and
/// can be restored. Its ledger and history stay. Refused while it has live
/// subscriptions (cancel them first: see `ensure_no_live_subscriptions`).
pub fn delete(w: &mut Write<'_>, reference: &str) -> Result<Customer> {
    let handle = resolve(w.reader(), reference)?;
    // A merged customer a desk restored may be deleted again.
    if handle.merged_into.is_none() || handle.status() == Status::Deleted {
        handle.ensure_live()?;
    }
    ensure_no_live_subscriptions(w.tx(), &handle, "delete the customer")?;
    let causal_length: i64 = w.query_row(
        "UPDATE customers SET status = 'deleted', status_before_delete = status,
                causal_length = causal_length + 1, updated_at = ?2
         WHERE id = ?1 RETURNING causal_length",
        params![handle.id(), w.now()],
        |r| r.get(0),
    )?;
    w.record_change(
        Entity::Customer,
        handle.uuid(),
        ChangeOp::Delete,
        Some("causal_length"),
        Some(&json!(causal_length)),
    )?;
    w.record_activity(
        handle.id(),
        &ActivityEvent::Deleted {
            status: Before {
                before: handle.status(),
                after: Status::Deleted,
            },
        },
    )?;
    get_by_id(w.tx(), handle.id())
}

/// Undoes a soft delete, back to the status the customer had. Refused while
/// another live customer holds the number.
pub fn restore(w: &mut Write<'_>, reference: &str) -> Result<Customer> {
    let handle = resolve(w.reader(), reference)?;
    if handle.status() != Status::Deleted {
        return Err(Error::Conflict(format!(
            "customer {} ({}) is not deleted",
            handle.uuid(),
            handle.name()
        )));
    }
    if handle.merged_into.is_some() {
        // Refused: a merged customer stays merged (work on the kept one).
        handle.ensure_live()?;
    }
    let fields = load_fields(w.tx(), handle.id())?;
    if let Some(holder) = whatsapp_holder(w.tx(), &fields.whatsapp, Some(handle.id()))? {
        return Err(Error::Conflict(format!(
            "cannot restore {} ({}): its WhatsApp number {} now belongs to customer {} ({}); \
             change one of the numbers first",
            handle.uuid(),
            handle.name(),
            fields.whatsapp,
            holder.uuid(),
            holder.name()
        )));
    }
    let (status, causal_length): (String, i64) = w.query_row(
        "UPDATE customers SET status = coalesce(status_before_delete, 'active'),
                status_before_delete = NULL, causal_length = causal_length + 1, updated_at = ?2
         WHERE id = ?1 RETURNING status, causal_length",
        params![handle.id(), w.now()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    w.record_change(
        Entity::Customer,
        handle.uuid(),
        ChangeOp::Restore,
        Some("causal_length"),
        Some(&json!(causal_length)),
    )?;
    w.record_activity(
        handle.id(),
        &ActivityEvent::Restored {
            status: Before {
                before: Status::Deleted,
                after: status.parse()?,
            },
        },
    )?;
    get_by_id(w.tx(), handle.id())
}

/// Shows one customer by reference (see `resolve`), deleted ones included.
pub fn get(r: Reader<'_>, reference: &str) -> Result<Customer> {
    let handle = resolve(r, reference)?;
    get_by_id(r.conn(), handle.id())
}

/// What `list` shows: the filters and order of the list screen (see `search`
/// for what each one means and how it is answered), and which page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListQuery {
    pub filter: Filter,
    pub sort: Sort,
    /// 1-based. With `after`, must stay 1.
    pub page: u32,
    /// At most `MAX_PAGE_SIZE`.
    pub limit: u32,
    /// The `next` cursor of the previous page: keyset paging, as fast at any depth.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<String>,
}

pub const MAX_PAGE_SIZE: u32 = search::MAX_PAGE_SIZE;

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: Filter::default(),
            sort: Sort::default(),
            page: 1,
            limit: 50,
            after: None,
        }
    }
}

/// One page of the customer list with its counts. Its JSON is the page's
/// fields and the counts side by side:
/// `{items, total, page, limit, total_pages, next?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerPage {
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub customers: Page<Customer>,
    /// How many customers match the filters (every page).
    pub total: u32,
    pub page: u32,
    pub limit: u32,
    pub total_pages: u32,
}

impl std::ops::Deref for CustomerPage {
    type Target = Page<Customer>;
    fn deref(&self) -> &Page<Customer> {
        &self.customers
    }
}

// Written out rather than derived with `#[serde(flatten)]`, which would put
// `next` before the counts: the list's JSON keeps its key order.
impl Serialize for CustomerPage {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let next = self.customers.next.as_ref();
        let mut out = s.serialize_struct("CustomerPage", 5 + usize::from(next.is_some()))?;
        out.serialize_field("items", &self.customers.items)?;
        out.serialize_field("total", &self.total)?;
        out.serialize_field("page", &self.page)?;
        out.serialize_field("limit", &self.limit)?;
        out.serialize_field("total_pages", &self.total_pages)?;
        if let Some(next) = next {
            out.serialize_field("next", next)?;
        }
        out.end()
    }
}

/// Lists customers matching the query's filters, debt first then the most
/// recently updated unless another order is asked, with the total count.
pub fn list(r: Reader<'_>, query: &ListQuery) -> Result<CustomerPage> {
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
    let (slice, total) =
        search::page_and_count(r, &query.filter, query.sort, query.limit, &position)?;
    Ok(CustomerPage {
        customers: Page {
            items: slice.items,
            next: slice.next,
        },
        total,
        page: query.page,
        limit: query.limit,
        total_pages: total.div_ceil(query.limit),
    })
}

/// Tags the customer `reference`, making the tag if the shop has none of
/// that name. An existing tag keeps its colour: another colour given here
/// warns (`tag_color_kept`) and is not applied.
pub fn add_tag(w: &mut Write<'_>, reference: &str, tag: &TagInput) -> Result<Customer> {
    let customer = resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    tags::attach(w, &customer, tag)?;
    get_by_id(w.tx(), customer.id())
}

/// Removes a tag from the customer `reference`.
pub fn remove_tag(w: &mut Write<'_>, reference: &str, name: &str) -> Result<Customer> {
    let customer = resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    tags::detach(w, &customer, name)?;
    get_by_id(w.tx(), customer.id())
}

/// Refuses (`customer_has_subscriptions`) to act on a customer who still has
/// live (active or suspended) subscriptions: a deleted or anonymised customer
/// would otherwise go on being billed, or be billed again for every period
/// missed once restored. The subscriptions are cancelled first, deliberately
/// (cancelling is for good, and ends the service). It lives here, not in
/// `billing::subscriptions`, because it is a rule of deleting a customer:
/// subscriptions build on customers, never the other way round.
pub(crate) fn ensure_no_live_subscriptions(
    conn: &Connection,
    customer: &Handle,
    action: &str,
) -> Result<()> {
    let live: Vec<String> = conn
        .prepare(
            "SELECT username FROM subscriptions WHERE customer_id = ?1 AND status != 'cancelled' ORDER BY id",
        )?
        .query_map([customer.id()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if live.is_empty() {
        return Ok(());
    }
    Err(Error::refused(
        Code::CustomerHasSubscriptions,
        format!(
            "customer #{} ({}) has {}: {}; cancel {} first \
             (pelanggan subscription cancel USERNAME), then {action}",
            customer.id(),
            customer.name(),
            if live.len() == 1 {
                "a live subscription".to_owned()
            } else {
                format!("{} live subscriptions", live.len())
            },
            live.join(", "),
            if live.len() == 1 { "it" } else { "them" }
        ),
    ))
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

/// One customer by row id, with its tags.
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
