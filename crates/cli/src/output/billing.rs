//! Tables for subscriptions, invoices, payments and vouchers. Money prints as
//! `Rp 150.000`; JSON comes from the core types' `Serialize` ("150000.00").

use chrono::NaiveDate;
use pelanggan_core::billing::invoices::Invoice;
use pelanggan_core::billing::payments::Payment;
use pelanggan_core::billing::subscriptions::Subscription;
use pelanggan_core::billing::vouchers::Voucher;
use pelanggan_core::page::Page;
use serde::Serialize;
use serde_json::Value;

use super::{List, Render, Text, count, list_text, local, opt, rp, shell_word, shorten, table};

/// One page of a billing list. Its JSON is the bare array of the page's items,
/// as these lists printed before they had pages (scripts index it); the
/// cursor of the next page, when there is one, goes to stderr as one JSON
/// line `{"next": "..."}`. The table ends with the next page's flag, as the
/// customer list does.
pub struct Paged<T> {
    list: List<T>,
    next: Option<String>,
}

impl<T> Paged<T> {
    pub fn of(page: Page<T>) -> Paged<T> {
        Paged {
            list: List(page.items),
            next: page.next,
        }
    }
}

impl<T: Serialize> Render for Paged<T>
where
    List<T>: Text,
{
    fn json(&self) -> Value {
        serde_json::to_value(&self.list).unwrap_or_else(|e| Value::String(e.to_string()))
    }
    fn text(&self) -> String {
        let mut out = Text::text(&self.list);
        if let Some(next) = &self.next {
            out.push_str(&format!("\nnext page: --after {}", shell_word(next)));
        }
        out
    }
    fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

/// What `invoice issue-due` issued (or with `--dry-run` would issue); JSON is
/// the array of invoices.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Issued {
    #[serde(skip)]
    pub date: NaiveDate,
    #[serde(skip)]
    pub dry_run: bool,
    pub invoices: Vec<Invoice>,
}

fn fields(rows: Vec<(&str, String)>) -> String {
    let mut t = table(&["field", "value"]);
    for (k, v) in rows {
        t.add_row([k.to_owned(), v]);
    }
    t.to_string()
}

fn by(at: &Option<String>, who: &Option<String>) -> String {
    match (at, who) {
        (Some(at), Some(who)) => format!("{} by {who}", local(at)),
        (Some(at), None) => local(at),
        _ => String::new(),
    }
}

impl Text for Subscription {
    fn text(&self) -> String {
        fields(vec![
            ("id", self.id.clone()),
            ("local id", self.local_id.to_string()),
            ("customer", self.customer_name.clone()),
            ("type", self.kind.to_string()),
            ("username", self.username.clone()),
            ("profile", self.profile.clone()),
            ("price", rp(self.price)),
            ("cycle", self.cycle.to_string()),
            ("start", self.start_date.to_string()),
            ("next billing", self.next_billing_date.to_string()),
            ("status", self.status.to_string()),
            (
                "created",
                format!("{} by {}", local(&self.created_at), self.created_by),
            ),
            ("updated", local(&self.updated_at)),
        ])
    }
}

impl Text for List<Subscription> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no subscriptions",
            &[
                "#",
                "customer",
                "type",
                "username",
                "profile",
                "price",
                "cycle",
                "next billing",
                "status",
            ],
            |s| {
                vec![
                    s.local_id.to_string(),
                    shorten(&s.customer_name, 30),
                    s.kind.to_string(),
                    s.username.clone(),
                    s.profile.clone(),
                    rp(s.price),
                    s.cycle.to_string(),
                    s.next_billing_date.to_string(),
                    s.status.to_string(),
                ]
            },
        )
    }
}

/// What an invoice bills: the subscription's username or the voucher's code.
fn billed(i: &Invoice) -> String {
    match (&i.subscription_username, &i.voucher_code) {
        (Some(username), _) => username.clone(),
        (None, Some(code)) => format!("voucher {code}"),
        (None, None) => String::new(),
    }
}

/// "50000.00 from INV-2026-000001, INV-2026-000002"; past six numbers, the
/// first three, the last two and how many.
fn carried(i: &Invoice) -> String {
    let numbers = i.carried_from.as_deref().unwrap_or_default();
    if i.carried_count == 0 {
        return String::new();
    }
    let from = match numbers.len() {
        0 => count(i.carried_count, "earlier invoice", "earlier invoices"),
        1..=6 => numbers.join(", "),
        n => format!(
            "{}, ... {} ({n} invoices)",
            numbers[..3].join(", "),
            numbers[n - 2..].join(", ")
        ),
    };
    format!("{} from {from}", rp(i.carried_amount))
}

impl Text for Invoice {
    fn text(&self) -> String {
        let carried = carried(self);
        fields(vec![
            ("number", self.number.clone()),
            ("status", self.status.to_string()),
            ("customer", self.customer_name.clone()),
            ("for", billed(self)),
            ("description", self.description.clone()),
            (
                "period",
                format!("{} to {}", self.period_start, self.period_end),
            ),
            ("due date", self.due_date.to_string()),
            ("total", rp(self.total)),
            ("paid", rp(self.amount_allocated)),
            ("unpaid", rp(self.amount_unpaid)),
            ("carried", carried),
            ("amount due", rp(self.amount_due)),
            (
                "subscription owes",
                self.subscription_owed.map(rp).unwrap_or_default(),
            ),
            (
                "issued",
                format!("{} by {}", local(&self.issued_at), self.issued_by),
            ),
            ("voided", by(&self.voided_at, &self.voided_by)),
            ("id", self.id.clone()),
        ])
    }
}

fn invoice_table(items: &[Invoice], empty: &str) -> String {
    list_text(
        items,
        empty,
        &[
            "number",
            "customer",
            "for",
            "period",
            "total",
            "paid",
            "unpaid",
            "subscription owes",
            "status",
        ],
        |i| {
            vec![
                i.number.clone(),
                shorten(&i.customer_name, 30),
                billed(i),
                i.period_start.to_string(),
                rp(i.total),
                rp(i.amount_allocated),
                rp(i.amount_unpaid),
                i.subscription_owed.map(rp).unwrap_or_default(),
                i.status.to_string(),
            ]
        },
    )
}

impl Text for List<Invoice> {
    fn text(&self) -> String {
        invoice_table(&self.0, "no invoices")
    }
}

impl Text for Issued {
    fn text(&self) -> String {
        let (none, done) = if self.dry_run {
            (" (dry run)", "would be issued (dry run, nothing written)")
        } else {
            ("", "issued")
        };
        if self.invoices.is_empty() {
            return format!("no invoices due up to {}{none}", self.date);
        }
        format!(
            "{} {done}, due up to {}\n{}",
            count(self.invoices.len() as u64, "invoice", "invoices"),
            self.date,
            invoice_table(&self.invoices, "")
        )
    }
}

/// "INV-2026-000001 Rp 100.000, INV-2026-000002 Rp 50.000"
fn pays(p: &Payment) -> String {
    p.allocations
        .iter()
        .map(|a| format!("{} {}", a.invoice_number, rp(a.amount)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Text for Payment {
    fn text(&self) -> String {
        fields(vec![
            ("id", self.id.clone()),
            ("local id", self.local_id.to_string()),
            ("customer", self.customer_name.clone()),
            ("amount", rp(self.amount)),
            ("method", self.method.to_string()),
            ("reference", opt(&self.reference)),
            ("invoice", opt(&self.invoice_number)),
            ("voucher", opt(&self.voucher_code)),
            (
                "received",
                format!("{} by {}", local(&self.received_at), self.received_by),
            ),
            ("status", self.status.to_string()),
            ("refunded", by(&self.refunded_at, &self.refunded_by)),
            ("pays", pays(self)),
            ("credit", rp(self.credit)),
        ])
    }
}

impl Text for List<Payment> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no payments",
            &[
                "#", "received", "customer", "amount", "method", "invoice", "pays", "credit",
                "status",
            ],
            |p| {
                vec![
                    p.local_id.to_string(),
                    local(&p.received_at),
                    shorten(&p.customer_name, 30),
                    rp(p.amount),
                    p.method.to_string(),
                    opt(&p.invoice_number),
                    pays(p),
                    rp(p.credit),
                    p.status.to_string(),
                ]
            },
        )
    }
}

impl Text for Voucher {
    fn text(&self) -> String {
        fields(vec![
            ("code", self.code.clone()),
            ("profile", self.profile.clone()),
            ("price", rp(self.price)),
            ("status", self.status.to_string()),
            ("sold", by(&self.sold_at, &self.sold_by)),
            ("customer", opt(&self.customer_name)),
            ("invoice", opt(&self.invoice_number)),
            ("payment", opt(&self.payment_id)),
            (
                "created",
                format!("{} by {}", local(&self.created_at), self.created_by),
            ),
        ])
    }
}

impl Text for List<Voucher> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no vouchers",
            &["code", "profile", "price", "status", "sold", "customer"],
            |v| {
                vec![
                    v.code.clone(),
                    v.profile.clone(),
                    rp(v.price),
                    v.status.to_string(),
                    v.sold_at.as_deref().map(local).unwrap_or_default(),
                    shorten(&opt(&v.customer_name), 30),
                ]
            },
        )
    }
}
