//! Vouchers: prepaid hotspot codes, sold with or without a customer.
//!
//! A code is unique in the shop (case-insensitively). Selling a voucher to a
//! customer is, in their books, an invoice for its price and a payment that
//! names that invoice: the balance does not move, `total_spent` grows, and the
//! invariant `balance = payments - invoices + manual adjustments` keeps
//! holding without a special case. Selling one without a customer records
//! the sale only (when, by whom, at its price).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::invoices::{self, Carried, Charge};
use super::payments::{self, Details};
use super::{PaymentMethod, Window, at_or_now, ensure_positive};
use crate::customers;
use crate::db::{ChangeOp, Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::filters::Filters;
use crate::money::Money;
use crate::page::{self, Page};
use crate::validate;
use crate::wire::{ActivityEvent, Entity, VoucherRecord};

pub const CODE_MAX: usize = 64;

pub use crate::wire::VoucherStatus;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Voucher {
    pub id: String,
    pub local_id: i64,
    pub code: String,
    pub profile: String,
    pub price: Money,
    pub status: VoucherStatus,
    pub sold_at: Option<String>,
    pub sold_by: Option<String>,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    /// The invoice and payment of a sale to a customer.
    pub invoice_number: Option<String>,
    pub payment_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewVoucher {
    pub code: String,
    pub profile: String,
    pub price: Money,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SellVoucher {
    /// A customer reference; None sells it over the counter.
    pub customer: Option<String>,
    /// How the customer paid (cash when None); used only with a customer.
    pub method: Option<PaymentMethod>,
    pub reference: Option<String>,
    /// Now when None.
    pub sold_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct VoucherQuery {
    pub status: Option<VoucherStatus>,
    /// A customer reference: the vouchers sold to them.
    pub customer: Option<String>,
    /// At most this many per page (None: every one).
    pub limit: Option<u32>,
    /// The `next` cursor of the page before.
    pub after: Option<String>,
}

/// Adds an unsold voucher.
pub fn add(w: &mut Write<'_>, input: NewVoucher) -> Result<Voucher> {
    let code = validate::required("code", &input.code, CODE_MAX)?;
    if code.chars().any(|c| c.is_whitespace()) {
        return Err(Error::validation("code", "must not contain spaces"));
    }
    let profile = validate::required("profile", &input.profile, 100)?;
    ensure_positive("price", input.price)?;
    if find(w.tx(), "v.code = ?1", &code)?.is_some() {
        return Err(Error::Refused {
            code: Code::DuplicateVoucher,
            field: Some("code"),
            message: format!("voucher code '{code}' already exists"),
        });
    }
    let uuid = new_id();
    w.tx().execute(
        "INSERT INTO vouchers (uuid, code, profile, price, status, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, 'available', ?5, ?6)",
        params![uuid, code, profile, input.price, w.now(), w.actor()],
    )?;
    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    let record = VoucherRecord {
        code: code.as_str().into(),
        profile: profile.as_str().into(),
        price: input.price,
        status: VoucherStatus::Available,
        created_at: now.as_str().into(),
        created_by: actor.as_str().into(),
    };
    w.record_insert(Entity::Voucher, &uuid, &record)?;
    get(w.reader(), &code)
}

/// Sells an available voucher, to a customer (an invoice and its payment) or
/// over the counter (the sale only).
pub fn sell(w: &mut Write<'_>, code: &str, input: SellVoucher) -> Result<Voucher> {
    let voucher = get(w.reader(), code)?;
    if voucher.status == VoucherStatus::Sold {
        return Err(Error::refused(
            Code::VoucherSold,
            format!("voucher '{}' is already sold", voucher.code),
        ));
    }
    let reference = validate::optional(
        "reference",
        input.reference.as_deref(),
        payments::REFERENCE_MAX,
    )?;
    let sold_at = at_or_now(input.sold_at, w.now());
    let customer = input
        .customer
        .as_deref()
        .map(|c| customers::resolve(w.reader(), c))
        .transpose()?;
    if let Some(customer) = &customer {
        customer.ensure_live()?;
        // The sale's date on the shop's calendar.
        let day = w
            .zone()?
            .date_of(input.sold_at.unwrap_or_else(|| w.now_utc()));
        let invoice = invoices::issue(
            w,
            customer,
            Charge {
                subscription: None,
                voucher: Some((voucher.local_id, voucher.id.clone())),
                description: format!("Voucher {} ({})", voucher.code, voucher.profile),
                period_start: day,
                period_end: day,
                amount: voucher.price,
                carried: Carried::default(),
                issue_date: day,
            },
        )?;
        payments::record_for(
            w,
            customer,
            voucher.price,
            Details {
                invoice: Some((invoice.id, invoice.number)),
                voucher: Some((voucher.local_id, voucher.code.clone())),
                method: input.method.unwrap_or_default(),
                reference,
                received_at: sold_at.clone(),
            },
        )?;
    }
    w.tx().execute(
        "UPDATE vouchers SET status = 'sold', sold_at = ?2, sold_by = ?3, customer_id = ?4 WHERE id = ?1",
        params![voucher.local_id, sold_at, w.actor(), customer.as_ref().map(|c| c.id)],
    )?;
    for (field, value) in [
        ("status", json!(VoucherStatus::Sold)),
        ("sold_at", json!(sold_at)),
        ("sold_by", json!(w.actor())),
        ("customer_id", json!(customer.as_ref().map(|c| &c.uuid))),
    ] {
        w.record_change(
            Entity::Voucher,
            &voucher.id,
            ChangeOp::Update,
            Some(field),
            Some(&value),
        )?;
    }
    if let Some(customer) = &customer {
        w.record_activity(
            customer.id,
            &ActivityEvent::VoucherSold {
                voucher_id: voucher.id.as_str().into(),
                code: voucher.code.as_str().into(),
                price: voucher.price,
            },
        )?;
    }
    get(w.reader(), &voucher.code)
}

/// One voucher by its code (any case).
pub fn get(r: Reader<'_>, code: &str) -> Result<Voucher> {
    let conn = r.conn();
    let code = code.trim();
    find(conn, "v.code = ?1", code)?.ok_or_else(|| Error::not_found("voucher", code))
}

/// Vouchers, newest first, one page (`query.limit`, after `query.after`).
pub fn list(r: Reader<'_>, query: &VoucherQuery) -> Result<Page<Voucher>> {
    let conn = r.conn();
    let window = Window::newest_first(query.limit, query.after.as_deref())?;
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(r, c))
        .transpose()?;
    let mut filters = Filters::new();
    filters
        .eq("v.status", query.status.map(|s| s.as_str().to_owned()))
        .eq("v.customer_id", customer.map(|c| c.id))
        .with("v.id < {}", window.after);
    let mut stmt = conn.prepare(&format!(
        "{SELECT} {} ORDER BY v.id DESC LIMIT {}",
        filters.clause(),
        filters.next()
    ))?;
    let rows = stmt.query_map(
        params_from_iter(filters.params([window.rows.into()])),
        from_row,
    )?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        query.limit,
        |v| page::id_cursor(v.local_id),
    ))
}

const SELECT: &str =
    "SELECT v.id, v.uuid, v.code, v.profile, v.price, v.status, v.sold_at, v.sold_by,
        c.uuid, c.name, i.number, p.uuid, v.created_at, v.created_by
     FROM vouchers v LEFT JOIN customers c ON c.id = v.customer_id
     LEFT JOIN invoices i ON i.voucher_id = v.id
     LEFT JOIN payments p ON p.voucher_id = v.id";

fn find(conn: &Connection, condition: &str, value: &str) -> Result<Option<Voucher>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE {condition}"), [value], from_row)
        .optional()?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Voucher> {
    let status: String = r.get(5)?;
    Ok(Voucher {
        local_id: r.get(0)?,
        id: r.get(1)?,
        code: r.get(2)?,
        profile: r.get(3)?,
        price: r.get(4)?,
        status: VoucherStatus::from_str(&status).unwrap_or(VoucherStatus::Available),
        sold_at: r.get(6)?,
        sold_by: r.get(7)?,
        customer_id: r.get(8)?,
        customer_name: r.get(9)?,
        invoice_number: r.get(10)?,
        payment_id: r.get(11)?,
        created_at: r.get(12)?,
        created_by: r.get(13)?,
    })
}
