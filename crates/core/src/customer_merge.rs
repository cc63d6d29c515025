//! Duplicate customers and merging them: the same WhatsApp number made on
//! two desks offline arrives through sync as two customers (both kept, none
//! dropped). Both show one conflict, whose id comes from the number, so it
//! is the same on every desk; `merge` joins them.
//!
//! A merge moves the other customer's contacts, tags, subscriptions,
//! invoices, payments, vouchers, ledger entries and history to the one
//! kept, gives the kept one the fields chosen from the other, deletes the
//! other and notes where it went (`customers.merged_into`). Sync carries
//! the merge as that one note (plus the delete and the field edits), and
//! every desk moves the rows it holds with the same `absorb`, so a row made
//! for the other customer on a desk that had not seen the merge yet joins
//! the kept one wherever it arrives.
//!
//! Owns the duplicate rule and the move. Must not know sync's transport.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::customers::{self, Customer, CustomerPatch, Handle};
use crate::db::{ChangeOp, Reader, Write};
use crate::error::{Error, Result};
use crate::names::text_enum;
use crate::wire::{ActivityEvent, Entity};

text_enum! {
    /// A field the kept customer may take from the other.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum MergeField("take") {
        Name => "name",
        Whatsapp => "whatsapp",
        Email => "email",
        Phone => "phone",
        Address => "address",
        Notes => "notes",
    }
}

/// The namespace of conflict ids: UUIDv5 of the number in it.
const CONFLICT_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c0a_2b47_4e8e_9a51_7c2d_04b3_e9f1);

/// Live customers sharing one WhatsApp number.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Duplicate {
    /// The same on every desk: it comes from the number.
    pub conflict_id: String,
    pub whatsapp: String,
    /// Oldest first.
    pub customers: Vec<Customer>,
    /// The fields a merge may take whose values differ among them (the
    /// number is theirs alike): the choices a merge asks for.
    pub differing: Vec<MergeField>,
}

/// The fields a merge offers to take, in order: the number is the same on
/// every customer of a conflict, so it is no choice there.
const CHOICES: [MergeField; 5] = [
    MergeField::Name,
    MergeField::Email,
    MergeField::Phone,
    MergeField::Address,
    MergeField::Notes,
];

impl MergeField {
    fn value_of(self, c: &Customer) -> Option<&str> {
        match self {
            MergeField::Name => Some(c.name.as_str()),
            MergeField::Whatsapp => Some(c.whatsapp.as_str()),
            MergeField::Email => c.email.as_deref(),
            MergeField::Phone => c.phone.as_ref().map(|p| p.as_str()),
            MergeField::Address => c.address.as_deref(),
            MergeField::Notes => c.notes.as_deref(),
        }
        .filter(|v| !v.is_empty())
    }
}

/// One customer to merge into the kept one, with the fields it gives.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MergeOther {
    /// A customer reference (`customers::resolve`).
    pub customer: String,
    pub take: Vec<MergeField>,
}

/// The conflict id of a number shared by live customers.
pub fn conflict_id(whatsapp: &str) -> String {
    Uuid::new_v5(&CONFLICT_NAMESPACE, whatsapp.as_bytes()).to_string()
}

/// The numbers held by more than one live customer, in order.
const SHARED_NUMBERS: &str = "SELECT whatsapp FROM customers INDEXED BY customers_whatsapp
     WHERE status != 'deleted' GROUP BY whatsapp HAVING count(*) > 1 ORDER BY whatsapp";

/// How many numbers more than one live customer holds (sync status).
pub fn conflict_count(r: Reader<'_>) -> Result<u64> {
    let n: i64 = r.conn().query_row(
        &format!("SELECT count(*) FROM ({SHARED_NUMBERS})"),
        [],
        |r| r.get(0),
    )?;
    Ok(n.unsigned_abs())
}

/// Every number held by more than one live customer, by number.
pub fn duplicates(r: Reader<'_>) -> Result<Vec<Duplicate>> {
    let conn = r.conn();
    let numbers: Vec<String> = conn
        .prepare(SHARED_NUMBERS)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(numbers.len());
    for whatsapp in numbers {
        let ids: Vec<i64> = conn
            .prepare_cached(
                "SELECT id FROM customers WHERE whatsapp = ?1 AND status != 'deleted'
                 ORDER BY created_at, uuid",
            )?
            .query_map([&whatsapp], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let customers: Vec<Customer> = ids
            .into_iter()
            .map(|id| customers::get_by_id(conn, id))
            .collect::<Result<_>>()?;
        let differing = CHOICES
            .into_iter()
            .filter(|f| {
                customers
                    .iter()
                    .any(|c| f.value_of(c) != f.value_of(&customers[0]))
            })
            .collect();
        out.push(Duplicate {
            conflict_id: conflict_id(&whatsapp),
            whatsapp,
            customers,
            differing,
        });
    }
    Ok(out)
}

/// Merges `other` into `keep` (each a customer reference, see
/// `customers::resolve`), the kept one taking the `take` fields of the
/// other; returns the kept customer. One transaction, logged, synced.
pub fn merge(w: &mut Write<'_>, keep: &str, other: &str, take: &[MergeField]) -> Result<Customer> {
    let keep = customers::resolve(w.reader(), keep)?;
    let other = customers::resolve(w.reader(), other)?;
    keep.ensure_live()?;
    other.ensure_live()?;
    if keep.id() == other.id() {
        return Err(Error::validation(
            "other",
            "is the customer kept: name two different customers",
        ));
    }
    let from = customers::get_by_id(w.tx(), other.id())?;
    // The other's tags are given to the kept one as changes of their own,
    // so every desk gets them even where `absorb` finds the other's links
    // in another state (a link removed there meanwhile).
    for tag in live_tags(w, other.id())? {
        match crate::tags::attach(
            w,
            &keep,
            &crate::tags::TagInput {
                name: tag,
                color: None,
            },
        ) {
            Err(Error::DuplicateTag { .. }) => {}
            done => done?,
        }
    }
    absorb(w, &keep, other.id())?;
    w.record_change(
        Entity::Customer,
        other.uuid(),
        ChangeOp::Update,
        Some("merged_into"),
        Some(&json!(keep.uuid())),
    )?;
    // Its subscriptions are the kept customer's now: it deletes cleanly,
    // and its number is free for the kept one to take.
    customers::delete(w, other.uuid())?;
    let patch = CustomerPatch {
        name: take.contains(&MergeField::Name).then(|| from.name.clone()),
        whatsapp: take
            .contains(&MergeField::Whatsapp)
            .then(|| from.whatsapp.as_str().to_owned()),
        email: taken(take, MergeField::Email, from.email.clone()),
        phone: taken(
            take,
            MergeField::Phone,
            from.phone.as_ref().map(|p| p.as_str().to_owned()),
        ),
        address: taken(take, MergeField::Address, from.address.clone()),
        notes: taken(take, MergeField::Notes, from.notes.clone()),
        status: None,
    };
    if !take.is_empty() {
        customers::edit(w, keep.uuid(), patch)?;
    }
    w.record_activity(
        keep.id(),
        &ActivityEvent::Merged {
            customer_id: other.uuid().into(),
            name: from.name.as_str().into(),
            whatsapp: from.whatsapp.as_str().into(),
            taken: take.iter().map(|f| f.as_str().into()).collect(),
        },
    )?;
    customers::get_by_id(w.tx(), keep.id())
}

/// Merges each of `others` into `keep`, in order, all in the one write `w`
/// (a group of three or more customers sharing a number: all merged or
/// none). A field is taken from one of them at most; returns the kept
/// customer.
pub fn merge_group(w: &mut Write<'_>, keep: &str, others: &[MergeOther]) -> Result<Customer> {
    if others.is_empty() {
        return Err(Error::validation(
            "others",
            "name at least one customer to merge into the one kept",
        ));
    }
    for (i, other) in others.iter().enumerate() {
        if let Some(f) = other
            .take
            .iter()
            .find(|f| others[..i].iter().any(|o| o.take.contains(f)))
        {
            return Err(Error::validation(
                "take",
                format!("{} is taken from two customers: choose one", f.as_str()),
            ));
        }
    }
    let mut kept = None;
    for other in others {
        kept = Some(merge(w, keep, &other.customer, &other.take)?);
    }
    Ok(kept.expect("others is not empty"))
}

/// A clearable field of the patch: the other's value (empty clears) when taken.
fn taken(take: &[MergeField], field: MergeField, value: Option<String>) -> Option<String> {
    take.contains(&field).then(|| value.unwrap_or_default())
}

/// Moves every row of customer `other` (local id) to `keep` and notes the
/// merge on `other`; then recomputes both customers' caches. The same on
/// every desk: sync calls it when a merge made elsewhere arrives. Writes no
/// change log of its own (the merge's note is the change).
pub(crate) fn absorb(w: &mut Write<'_>, keep: &Handle, other: i64) -> Result<()> {
    w.exec(
        "INSERT INTO customer_merging (customer_id) VALUES (?1)",
        [other],
    )?;
    w.exec(
        "UPDATE customer_balance_history SET customer_id = ?1 WHERE customer_id = ?2",
        params![keep.id(), other],
    )?;
    w.exec(
        "DELETE FROM customer_merging WHERE customer_id = ?1",
        [other],
    )?;
    for table in [
        "customer_contacts",
        "subscriptions",
        "invoices",
        "payments",
        "vouchers",
        "customer_activity_log",
    ] {
        // `table` is one of these constants, never input text.
        w.exec(
            &format!("UPDATE {table} SET customer_id = ?1 WHERE customer_id = ?2"),
            params![keep.id(), other],
        )?;
    }
    move_tags(w, keep, other)?;
    w.exec(
        "UPDATE customers SET merged_into = ?2, updated_at = ?3 WHERE id = ?1",
        params![other, keep.uuid(), w.now()],
    )?;
    crate::caches::refresh(w, keep.id())?;
    crate::caches::refresh(w, other)
}

/// The names of a customer's live tags.
fn live_tags(w: &Write<'_>, customer: i64) -> Result<Vec<String>> {
    Ok(w.tx()
        .prepare_cached(
            "SELECT t.name FROM customer_tags l JOIN tags t ON t.id = l.tag_id
             WHERE l.customer_id = ?1 AND l.causal_length % 2 = 1",
        )?
        .query_map([customer], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The other customer's live tags, given to the kept one.
fn move_tags(w: &mut Write<'_>, keep: &Handle, other: i64) -> Result<()> {
    let tags: Vec<i64> = w
        .tx()
        .prepare_cached(
            "SELECT tag_id FROM customer_tags WHERE customer_id = ?1 AND causal_length % 2 = 1",
        )?
        .query_map([other], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for tag in tags {
        give_tag(w, keep.id(), tag)?;
    }
    Ok(())
}

/// Gives customer `keep` (local id) the tag `tag` (local id) of a customer
/// merged into it: a link with the uuid every desk gives it, unless it has
/// one already, alive or removed (a removal, like the merge's own
/// `attach`, is a change of its own and arrives as one). Sync calls it for
/// a link of a merged customer that arrives after the merge.
pub(crate) fn give_tag(w: &mut Write<'_>, keep: i64, tag: i64) -> Result<()> {
    let (keep_uuid, tag_uuid): (String, String) = w.tx().query_row(
        "SELECT c.uuid, t.uuid FROM customers c, tags t WHERE c.id = ?1 AND t.id = ?2",
        params![keep, tag],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let tag_uuid =
        Uuid::parse_str(&tag_uuid).map_err(|e| Error::internal(format!("tag id: {e}")))?;
    let link = crate::tags::link_id(&keep_uuid, tag_uuid)?;
    w.exec(
        "INSERT INTO customer_tags (customer_id, tag_id, uuid, causal_length, created_at)
         VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (customer_id, tag_id) DO NOTHING",
        params![keep, tag, link, w.now()],
    )?;
    Ok(())
}
