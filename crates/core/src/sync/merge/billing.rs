//! Subscriptions, invoices, payments and vouchers. Each row arrives whole
//! in its insert record (its customer, subscription and ledger entries by
//! uuid) and is held until those are here. A void, a refund and a sale
//! are each several fields that only hold together (the table's CHECKs
//! tie them): the earlier fields of one are recorded as they come and the
//! row changes when its last field (the ledger entry, the buyer) arrives,
//! with the others read back from the change log.

use pelanggan_sync_protocol::Change;
use rusqlite::OptionalExtension;
use serde_json::Value;

use super::{
    Outcome, Touched, customer_id, has_entry, latest_value, local_id, sql_of, value_of, wins,
};
use crate::db::Write;
use crate::error::Result;
use crate::wire::{InvoiceRecord, PaymentRecord, PaymentStatus, SubscriptionRecord, VoucherRecord};

/// The subscription fields a remote update may set (the columns of the
/// same name). `router` is not among them: which router serves a
/// subscription is each desk's own configuration.
const SUBSCRIPTION_FIELDS: &[&str] = &[
    "type",
    "username",
    "profile",
    "price",
    "cycle",
    "anchor_date",
    "periods_billed",
    "next_billing_date",
    "status",
];

/// Fields that only hold together, applied when the last one arrives.
struct Group {
    /// Recorded as they come.
    earlier: &'static [&'static str],
    /// The last field: the row changes when it arrives.
    last: &'static str,
}

const VOID: Group = Group {
    earlier: &["voided_at", "voided_by"],
    last: "void_entry",
};
const REFUND: Group = Group {
    earlier: &["status", "refunded_at", "refunded_by"],
    last: "refund_entry",
};
const SALE: Group = Group {
    earlier: &["status", "sold_at", "sold_by"],
    last: "customer_id",
};

pub(super) fn insert_subscription(
    w: &mut Write<'_>,
    c: &Change,
    touched: &mut Touched,
) -> Result<Outcome> {
    let Some(s) = super::record::<SubscriptionRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    let Some((customer, _)) = customer_id(w, &s.customer_id)? else {
        return Ok(Outcome::Held);
    };
    // A username live on two desks' subscriptions (made offline) is kept
    // twice, as a duplicate WhatsApp number is: the admin cancels one.
    let inserted = w.exec(
        "INSERT OR IGNORE INTO subscriptions (uuid, customer_id, type, username, profile, price,
             cycle, start_date, anchor_date, periods_billed, next_billing_date, status,
             created_at, updated_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
        rusqlite::params![
            c.entity_id,
            customer,
            s.kind.as_str(),
            s.username,
            s.profile,
            s.price,
            s.cycle.as_str(),
            s.start_date.to_string(),
            s.anchor_date.to_string(),
            s.periods_billed,
            s.next_billing_date.to_string(),
            s.status.as_str(),
            s.created_at,
            s.created_by,
        ],
    )?;
    if inserted > 0 {
        touched.customers.insert(customer);
    }
    Ok(Outcome::Merged)
}

pub(super) fn update_subscription(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    let Some(field) = c.field.as_deref() else {
        return Ok(Outcome::Held);
    };
    if field == "router" {
        return Ok(Outcome::Merged);
    }
    if !SUBSCRIPTION_FIELDS.contains(&field) {
        return Ok(Outcome::Held);
    }
    let Some(customer) = owner(w, "subscriptions", &c.entity_id)?.flatten() else {
        return Ok(Outcome::Held);
    };
    if wins(w, c, device, field)? {
        let now = w.now().to_owned();
        // `field` is one of SUBSCRIPTION_FIELDS: a column name, never input text.
        w.exec(
            &format!("UPDATE subscriptions SET {field} = ?2, updated_at = ?3 WHERE uuid = ?1"),
            rusqlite::params![c.entity_id, sql_of(value_of(c)?), now],
        )?;
        touched.customers.insert(customer);
    }
    Ok(Outcome::Merged)
}

pub(super) fn insert_invoice(
    w: &mut Write<'_>,
    c: &Change,
    touched: &mut Touched,
) -> Result<Outcome> {
    if local_id(w, "invoices", &c.entity_id)?.is_some() {
        return Ok(Outcome::Merged);
    }
    let Some(i) = super::record::<InvoiceRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    let Some((customer, _)) = customer_id(w, &i.customer_id)? else {
        return Ok(Outcome::Held);
    };
    let subscription = match &i.subscription_id {
        Some(uuid) => match local_id(w, "subscriptions", uuid)? {
            Some(id) => Some(id),
            None => return Ok(Outcome::Held),
        },
        None => None,
    };
    let voucher = match &i.voucher_id {
        Some(uuid) => match local_id(w, "vouchers", uuid)? {
            Some(id) => Some(id),
            None => return Ok(Outcome::Held),
        },
        None => None,
    };
    if !has_entry(w, Some(&i.debit_entry))? {
        return Ok(Outcome::Held);
    }
    // Desks that sync number in blocks of their own
    // (`settings::Key::InvoiceBlock`): two invoices share a number only when
    // both were made before their desks paired.
    let number = free(w, Unique::InvoiceNumber, &i.number, &c.entity_id)?;
    w.exec(
        "INSERT INTO invoices (uuid, number, customer_id, subscription_id, voucher_id, description,
             period_start, period_end, charge, total, carried_amount, carried_count, carried_last,
             due_date, issued_at, issued_by, debit_entry, amount_allocated, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 0,
                 'unpaid')",
        rusqlite::params![
            c.entity_id,
            number,
            customer,
            subscription,
            voucher,
            i.description,
            i.period_start.to_string(),
            i.period_end.to_string(),
            i.charge,
            i.total,
            i.carried_amount,
            i.carried_count,
            i.carried_last,
            i.due_date.to_string(),
            i.issued_at,
            i.issued_by,
            i.debit_entry,
        ],
    )?;
    touched.customers.insert(customer);
    Ok(Outcome::Merged)
}

/// A column two desks may fill with one value offline.
#[derive(Clone, Copy)]
pub(super) enum Unique {
    InvoiceNumber,
    VoucherCode,
    /// A message's cause (`messages`).
    MessageKey,
}

impl Unique {
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Unique::InvoiceNumber => (
                "SELECT uuid FROM invoices WHERE number = ?1",
                "UPDATE invoices SET number = ?2 WHERE uuid = ?1",
            ),
            Unique::VoucherCode => (
                "SELECT uuid FROM vouchers WHERE code = ?1",
                "UPDATE vouchers SET code = ?2 WHERE uuid = ?1",
            ),
            Unique::MessageKey => (
                "SELECT uuid FROM messages WHERE dedupe_key = ?1",
                "UPDATE messages SET dedupe_key = ?2 WHERE uuid = ?1",
            ),
        }
    }
}

/// The value an arriving row takes in a unique column: its own, or, when
/// a row here holds it, the one with the larger uuid gives way and takes a
/// suffix from its uuid, on every desk alike (here or on arrival), so all
/// desks agree.
pub(super) fn free(w: &mut Write<'_>, column: Unique, value: &str, uuid: &str) -> Result<String> {
    let (find, rename) = column.sql();
    let mut wanted = value.to_owned();
    loop {
        let holder: Option<String> = w
            .tx()
            .prepare_cached(find)?
            .query_row([&wanted], |r| r.get(0))
            .optional()?;
        let Some(holder) = holder else {
            return Ok(wanted);
        };
        if holder == uuid {
            return Ok(wanted);
        }
        if uuid > holder.as_str() {
            wanted = suffixed(&wanted, uuid);
            continue;
        }
        let moved = suffixed(&wanted, &holder);
        w.uncounted(|w| w.exec(rename, rusqlite::params![holder, moved]))?;
        return Ok(wanted);
    }
}

/// `INV-2026-000123-9F2C`: the last four hex digits of the row's uuid (its
/// random part). Cut so a voucher code stays within its 64 characters.
fn suffixed(value: &str, uuid: &str) -> String {
    let tail: String = uuid.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = &tail[tail.len().saturating_sub(4)..];
    let head: String = value.chars().take(59).collect();
    format!("{head}-{}", tail.to_ascii_uppercase())
}

pub(super) fn update_invoice(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    grouped(w, c, device, touched, "invoices", &VOID, |w, c| {
        let entry = value_of(c)?;
        if !has_entry(w, entry.as_str())? {
            return Ok(None);
        }
        Ok(Some((
            "voided_at = ?2, voided_by = ?3, void_entry = ?4",
            [
                latest_value(w, c, "voided_at")?,
                latest_value(w, c, "voided_by")?,
                entry,
            ],
        )))
    })
}

pub(super) fn insert_payment(
    w: &mut Write<'_>,
    c: &Change,
    touched: &mut Touched,
) -> Result<Outcome> {
    if local_id(w, "payments", &c.entity_id)?.is_some() {
        return Ok(Outcome::Merged);
    }
    let Some(p) = super::record::<PaymentRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    if p.status != PaymentStatus::Success {
        return Ok(Outcome::Held);
    }
    let Some((customer, _)) = customer_id(w, &p.customer_id)? else {
        return Ok(Outcome::Held);
    };
    let invoice = match &p.invoice_id {
        Some(uuid) => match local_id(w, "invoices", uuid)? {
            Some(id) => Some(id),
            None => return Ok(Outcome::Held),
        },
        None => None,
    };
    // A voucher sold to a customer is paid through its invoice, which
    // names the voucher by uuid: the code may have been renamed here
    // (`insert_voucher`).
    let voucher: Option<i64> = match (&p.voucher_code, invoice) {
        (None, _) => None,
        (Some(_), Some(invoice)) => w
            .tx()
            .prepare_cached("SELECT voucher_id FROM invoices WHERE id = ?1")?
            .query_row([invoice], |r| r.get(0))?,
        (Some(code), None) => match w
            .tx()
            .prepare_cached("SELECT id FROM vouchers WHERE code = ?1")?
            .query_row([code], |r| r.get(0))
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok(Outcome::Held),
        },
    };
    if !has_entry(w, p.credit_entry.as_deref())? || !has_entry(w, p.carry_entry.as_deref())? {
        return Ok(Outcome::Held);
    }
    w.exec(
        "INSERT INTO payments (uuid, customer_id, invoice_id, voucher_id, amount, method,
             reference, received_at, received_by, status, credit_entry, carry_entry, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'success', ?10, ?11, ?12)",
        rusqlite::params![
            c.entity_id,
            customer,
            invoice,
            voucher,
            p.amount,
            p.method.as_str(),
            p.reference,
            p.received_at,
            p.received_by,
            p.credit_entry,
            p.carry_entry,
            p.created_at,
        ],
    )?;
    touched.customers.insert(customer);
    Ok(Outcome::Merged)
}

pub(super) fn update_payment(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    grouped(w, c, device, touched, "payments", &REFUND, |w, c| {
        let entry = value_of(c)?;
        if !has_entry(w, entry.as_str())? {
            return Ok(None);
        }
        Ok(Some((
            "status = ?2, refunded_at = ?3, refunded_by = ?4, refund_entry = ?5",
            [
                latest_value(w, c, "status")?,
                latest_value(w, c, "refunded_at")?,
                latest_value(w, c, "refunded_by")?,
                entry,
            ],
        )))
    })
}

/// The same code made on two desks offline: both vouchers are kept, the
/// one with the larger uuid renamed `CODE-XXXX` on every desk (`free`), to
/// be reprinted.
pub(super) fn insert_voucher(w: &mut Write<'_>, c: &Change) -> Result<Outcome> {
    if local_id(w, "vouchers", &c.entity_id)?.is_some() {
        return Ok(Outcome::Merged);
    }
    let Some(v) = super::record::<VoucherRecord<'static>>(c) else {
        return Ok(Outcome::Held);
    };
    let code = free(w, Unique::VoucherCode, &v.code, &c.entity_id)?;
    w.exec(
        "INSERT INTO vouchers (uuid, code, profile, price, status, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, 'available', ?5, ?6)",
        rusqlite::params![
            c.entity_id,
            code,
            v.profile,
            v.price,
            v.created_at,
            v.created_by
        ],
    )?;
    Ok(Outcome::Merged)
}

pub(super) fn update_voucher(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
) -> Result<Outcome> {
    grouped(w, c, device, touched, "vouchers", &SALE, |w, c| {
        let buyer = match value_of(c)? {
            Value::String(uuid) => match customer_id(w, &uuid)? {
                Some((id, _)) => Some(id),
                None => return Ok(None),
            },
            _ => None,
        };
        Ok(Some((
            "status = ?2, sold_at = ?3, sold_by = ?4, customer_id = ?5",
            [
                latest_value(w, c, "status")?,
                latest_value(w, c, "sold_at")?,
                latest_value(w, c, "sold_by")?,
                buyer.map_or(Value::Null, Value::from),
            ],
        )))
    })
}

/// A field of a group (`VOID`, `REFUND`, `SALE`) on a row of `table`: the
/// earlier fields are recorded, the last one applies them all when it wins
/// (`columns` gives the SET clause and its values, or None: held, a row it
/// names is not here yet).
fn grouped<const N: usize>(
    w: &mut Write<'_>,
    c: &Change,
    device: &str,
    touched: &mut Touched,
    table: &str,
    group: &Group,
    columns: impl FnOnce(&Write<'_>, &Change) -> Result<Option<(&'static str, [Value; N])>>,
) -> Result<Outcome> {
    let Some(field) = c.field.as_deref() else {
        return Ok(Outcome::Held);
    };
    let Some(customer) = owner(w, table, &c.entity_id)? else {
        return Ok(Outcome::Held);
    };
    if group.earlier.contains(&field) {
        return Ok(Outcome::Merged);
    }
    if field != group.last {
        return Ok(Outcome::Held);
    }
    if !wins(w, c, device, field)? {
        return Ok(Outcome::Merged);
    }
    let Some((set, values)) = columns(w, c)? else {
        return Ok(Outcome::Held);
    };
    let mut params: Vec<rusqlite::types::Value> = vec![c.entity_id.clone().into()];
    params.extend(values.into_iter().map(sql_of));
    // `table` and `set` are this module's constants, never input text.
    w.exec(
        &format!("UPDATE {table} SET {set} WHERE uuid = ?1"),
        rusqlite::params_from_iter(params),
    )?;
    if let Some(customer) = customer {
        touched.customers.insert(customer);
    }
    // A voucher sold to a customer: theirs too.
    if let Some(buyer) = owner(w, table, &c.entity_id)?.flatten() {
        touched.customers.insert(buyer);
    }
    Ok(Outcome::Merged)
}

/// The customer of the row of `table` with `uuid` (None: the row is not
/// here; Some(None): it has none, an unsold voucher).
fn owner(w: &Write<'_>, table: &str, uuid: &str) -> Result<Option<Option<i64>>> {
    Ok(w.tx()
        .prepare_cached(&format!("SELECT customer_id FROM {table} WHERE uuid = ?1"))?
        .query_row([uuid], |r| r.get(0))
        .optional()?)
}
