//! The vocabulary that leaves this device: the names of the entities and of the
//! change operations in the change log, the record each entity's insert
//! carries, and the activity log's events. These are the sync wire format and
//! what the app renders and translates, so they are typed here, once, instead
//! of `json!` trees in every module: a writer builds a record or an event, and
//! a reader (the app, the sync server) reads the same type back.
//!
//! Owns: names and shapes. Must not know: tables, SQL, `Write` (the use cases
//! fill these types; `db.rs` stores them as JSON text). The JSON of every type
//! is the change log's and activity log's stored form: changing a field's name
//! or shape needs a migration of the stored rows.
//!
//! Strings are `Cow` so that a writer lends its own fields (an import writes a
//! million records) and a reader owns what it parsed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::billing::PaymentMethod;
use crate::billing::invoices::InvoiceStatus;
use crate::billing::payments::PaymentStatus;
use crate::billing::subscriptions::{Cycle, ServiceType, SubscriptionStatus};
use crate::billing::vouchers::VoucherStatus;
use crate::contacts::ContactKind;
use crate::customers::Status;
use crate::ledger::EntryKind;
use crate::money::Money;
use crate::names::text_enum;

type Text<'a> = Cow<'a, str>;

text_enum! {
    /// What a change-log row is about: the `entity` column.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Entity("entity") {
        Customer => "customer",
        CustomerTag => "customer_tag",
        Tag => "tag",
        Contact => "contact",
        LedgerEntry => "ledger_entry",
        Activity => "activity",
        Admin => "admin",
        Setting => "setting",
        Subscription => "subscription",
        Invoice => "invoice",
        Payment => "payment",
        Voucher => "voucher",
    }
}

text_enum! {
    /// What a change did: the `op` column. Deletes and restores carry the row's
    /// causal length (odd = alive), so concurrent ones converge.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ChangeOp("op") {
        Insert => "insert",
        Update => "update",
        Delete => "delete",
        Restore => "restore",
    }
}

/// A customer's own fields, as their insert record and their `created` event
/// carry them. Empty fields are left out (absent = null): at a million
/// customers every byte of these rows is a megabyte of file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerFields<'a> {
    pub name: Text<'a>,
    pub whatsapp: Text<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub email: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub phone: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub address: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub notes: Option<Text<'a>>,
    pub status: Status,
}

/// The insert record of a customer: the whole row, for sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerRecord<'a> {
    #[serde(flatten)]
    pub fields: CustomerFields<'a>,
    pub causal_length: i64,
    pub created_at: Text<'a>,
    pub created_by: Text<'a>,
}

/// The insert record of a tag (its uuid is derived from its name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagRecord<'a> {
    pub name: Text<'a>,
    pub color: Text<'a>,
    pub created_at: Text<'a>,
}

/// The insert record of a customer-tag link (its uuid is derived from both ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerTagRecord<'a> {
    pub customer_id: Text<'a>,
    pub tag_id: Text<'a>,
    pub causal_length: i64,
    pub created_at: Text<'a>,
}

/// The insert record of an extra contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactRecord<'a> {
    pub customer_id: Text<'a>,
    #[serde(rename = "type")]
    pub kind: ContactKind,
    pub value: Text<'a>,
    pub is_primary: bool,
    pub notes: Option<Text<'a>>,
    pub causal_length: i64,
    pub created_at: Text<'a>,
}

/// The insert record of an admin (no password: admins have none yet, and a
/// hash would never be synced in the clear anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdminRecord<'a> {
    pub username: Text<'a>,
    pub name: Text<'a>,
    pub created_at: Text<'a>,
}

/// The insert record of a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubscriptionRecord<'a> {
    pub customer_id: Text<'a>,
    #[serde(rename = "type")]
    pub kind: ServiceType,
    pub username: Text<'a>,
    pub profile: Text<'a>,
    pub price: Money,
    pub cycle: Cycle,
    pub start_date: NaiveDate,
    pub anchor_date: NaiveDate,
    pub periods_billed: u32,
    pub next_billing_date: NaiveDate,
    pub status: SubscriptionStatus,
    pub created_at: Text<'a>,
    pub created_by: Text<'a>,
}

/// The insert record of an invoice. What it carried from earlier invoices is
/// a sum, a count and the newest number (V9), not a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvoiceRecord<'a> {
    pub number: Text<'a>,
    pub customer_id: Text<'a>,
    pub subscription_id: Option<Text<'a>>,
    pub voucher_id: Option<Text<'a>>,
    pub description: Text<'a>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub charge: Money,
    pub total: Money,
    pub carried_amount: Money,
    pub carried_count: u32,
    pub carried_last: Option<Text<'a>>,
    pub due_date: NaiveDate,
    pub issued_at: Text<'a>,
    pub issued_by: Text<'a>,
    pub debit_entry: Text<'a>,
}

/// The insert record of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PaymentRecord<'a> {
    pub customer_id: Text<'a>,
    pub invoice_id: Option<Text<'a>>,
    pub voucher_code: Option<Text<'a>>,
    pub amount: Money,
    pub method: PaymentMethod,
    pub reference: Option<Text<'a>>,
    pub received_at: Text<'a>,
    pub received_by: Text<'a>,
    pub status: PaymentStatus,
    pub credit_entry: Text<'a>,
    pub carry_entry: Option<Text<'a>>,
    pub created_at: Text<'a>,
}

/// The insert record of a voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoucherRecord<'a> {
    pub code: Text<'a>,
    pub profile: Text<'a>,
    pub price: Money,
    pub status: VoucherStatus,
    pub created_at: Text<'a>,
    pub created_by: Text<'a>,
}

/// A value a field held before or after a change, as the activity log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum FieldValue<'a> {
    Text(Text<'a>),
    Number(i64),
    Flag(bool),
    Empty,
}

/// A field's value before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Before<T> {
    pub before: T,
    pub after: T,
}

/// The opening balance noted in a new customer's `created` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpeningBalance<'a> {
    pub entry_id: Text<'a>,
    #[serde(rename = "type")]
    pub kind: EntryKind,
    pub amount: Money,
}

/// One entry of a customer's activity log: the `action` column names the
/// variant and the `details` column holds its fields. The app renders and
/// translates each variant by its action name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "action", content = "details", rename_all = "snake_case")]
pub enum ActivityEvent<'a> {
    Created {
        customer: CustomerFields<'a>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        initial_balance: Option<OpeningBalance<'a>>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
        tags: Vec<Text<'a>>,
    },
    /// The customer's own fields, each changed one with its old and new value.
    Updated {
        changes: BTreeMap<String, Before<FieldValue<'a>>>,
    },
    Deleted {
        status: Before<Status>,
    },
    Restored {
        status: Before<Status>,
    },
    Anonymised {
        contacts_removed: u32,
    },
    TagAdded {
        tag: Text<'a>,
    },
    TagRemoved {
        tag: Text<'a>,
    },
    ContactAdded {
        contact_id: Text<'a>,
        #[serde(rename = "type")]
        kind: ContactKind,
        value: Text<'a>,
    },
    ContactRemoved {
        contact_id: Text<'a>,
        #[serde(rename = "type")]
        kind: ContactKind,
        value: Text<'a>,
    },
    ContactPrimarySet {
        contact_id: Text<'a>,
        #[serde(rename = "type")]
        kind: ContactKind,
        previous: Option<Text<'a>>,
    },
    BalanceChanged {
        entry_id: Text<'a>,
        #[serde(rename = "type")]
        kind: EntryKind,
        amount: Money,
        previous_balance: Money,
        new_balance: Money,
        description: Text<'a>,
        reference_type: Option<Text<'a>>,
        reference_id: Option<Text<'a>>,
    },
    SubscriptionCreated {
        subscription_id: Text<'a>,
        subscription: SubscriptionRecord<'a>,
    },
    SubscriptionUpdated(SubscriptionChanges<'a>),
    SubscriptionSuspended(SubscriptionChanges<'a>),
    SubscriptionRescheduled(SubscriptionChanges<'a>),
    SubscriptionResumed(SubscriptionChanges<'a>),
    SubscriptionCancelled(SubscriptionChanges<'a>),
    InvoiceIssued {
        invoice_id: Text<'a>,
        invoice: InvoiceRecord<'a>,
    },
    InvoiceVoided {
        invoice_id: Text<'a>,
        number: Text<'a>,
        total: Money,
        status: Before<InvoiceStatus>,
    },
    PaymentRecorded {
        payment_id: Text<'a>,
        payment: PaymentRecord<'a>,
        carried_over: Money,
        carried_from: Option<Text<'a>>,
    },
    PaymentRefunded {
        payment_id: Text<'a>,
        amount: Money,
        reopened: Vec<InvoiceShare<'a>>,
        status: Before<PaymentStatus>,
    },
    VoucherSold {
        voucher_id: Text<'a>,
        code: Text<'a>,
        price: Money,
    },
}

/// The part of a payment that paid one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvoiceShare<'a> {
    pub invoice_number: Text<'a>,
    pub amount: Money,
}

/// What a subscription's update, reschedule, suspension, resumption or cancellation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubscriptionChanges<'a> {
    pub subscription_id: Text<'a>,
    pub username: Text<'a>,
    pub changes: BTreeMap<String, Before<FieldValue<'a>>>,
}

impl ActivityEvent<'_> {
    /// The `action` column's text.
    pub fn action(&self) -> &'static str {
        match self {
            ActivityEvent::Created { .. } => "created",
            ActivityEvent::Updated { .. } => "updated",
            ActivityEvent::Deleted { .. } => "deleted",
            ActivityEvent::Restored { .. } => "restored",
            ActivityEvent::Anonymised { .. } => "anonymised",
            ActivityEvent::TagAdded { .. } => "tag_added",
            ActivityEvent::TagRemoved { .. } => "tag_removed",
            ActivityEvent::ContactAdded { .. } => "contact_added",
            ActivityEvent::ContactRemoved { .. } => "contact_removed",
            ActivityEvent::ContactPrimarySet { .. } => "contact_primary_set",
            ActivityEvent::BalanceChanged { .. } => "balance_changed",
            ActivityEvent::SubscriptionCreated { .. } => "subscription_created",
            ActivityEvent::SubscriptionUpdated(_) => "subscription_updated",
            ActivityEvent::SubscriptionSuspended(_) => "subscription_suspended",
            ActivityEvent::SubscriptionRescheduled(_) => "subscription_rescheduled",
            ActivityEvent::SubscriptionResumed(_) => "subscription_resumed",
            ActivityEvent::SubscriptionCancelled(_) => "subscription_cancelled",
            ActivityEvent::InvoiceIssued { .. } => "invoice_issued",
            ActivityEvent::InvoiceVoided { .. } => "invoice_voided",
            ActivityEvent::PaymentRecorded { .. } => "payment_recorded",
            ActivityEvent::PaymentRefunded { .. } => "payment_refunded",
            ActivityEvent::VoucherSold { .. } => "voucher_sold",
        }
    }
}
