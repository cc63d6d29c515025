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
        // WhatsApp notifications (issue 13): an outbox message (and a bulk
        // batch, `batch:<uuid>`); a gateway, template or reminder rule
        // (`gateway:<kind>`, `template:<name>:<language>`, `reminder:<rule>`).
        Message => "message",
        NotifyConfig => "notify_config",
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

// The names of the states and kinds the records carry. They live here, at
// the bottom, so that the store can name them without importing the domain
// modules (which re-export them where they are used).

text_enum! {
    /// Where a customer stands with the shop.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "CustomerStatus"))]
    pub enum Status("status") {
        Active => "active",
        Inactive => "inactive",
        Blacklisted => "blacklisted",
        /// Soft-deleted: hidden from lists, restorable.
        Deleted => "deleted",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ContactKind("type") {
        Whatsapp => "whatsapp" | "wa",
        Email => "email",
        Phone => "phone",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EntryKind("type") {
        /// Money in: a payment or a manual credit. Adds to the balance.
        Credit => "credit",
        /// Money owed: an invoice or a manual debit. Takes from the balance.
        Debit => "debit",
        /// What an over-payment leaves as credit for the next invoice. Adds.
        CarryOver => "carry_over",
    }
}

text_enum! {
    /// How a payment was made.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum PaymentMethod("method") {
        #[default]
        Cash => "cash",
        BankTransfer => "bank_transfer" | "transfer" | "bank",
        EWallet => "e_wallet" | "ewallet",
        Other => "other",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PaymentStatus("status") {
        Success => "success",
        Refunded => "refunded",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ServiceType("type") {
        Hotspot => "hotspot",
        Pppoe => "pppoe",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Cycle("cycle") {
        #[default]
        Monthly => "monthly",
        Weekly => "weekly",
        Daily => "daily",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum SubscriptionStatus("status") {
        Active => "active",
        Suspended => "suspended",
        Cancelled => "cancelled" | "canceled",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum VoucherStatus("status") {
        Available => "available",
        Sold => "sold",
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum InvoiceStatus("status") {
        Unpaid => "unpaid",
        Partial => "partial",
        Paid => "paid",
        Void => "void",
    }
}

impl InvoiceStatus {
    /// Whether an invoice in this status can still take a payment or a void.
    pub fn is_open(self) -> bool {
        matches!(self, InvoiceStatus::Unpaid | InvoiceStatus::Partial)
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
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub tag_id: uuid::Uuid,
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

/// The insert record of an admin. Their role, so that a staff member stays
/// staff on every desk; never their password or its hash (a password is
/// for one file: `admins::set_password`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdminRecord<'a> {
    pub username: Text<'a>,
    pub name: Text<'a>,
    pub created_at: Text<'a>,
    /// Absent from records written before V12: those admins were owners.
    #[serde(default)]
    pub role: Role,
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
    pub credit_entry: Option<Text<'a>>,
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

/// The insert record of a message queued in the outbox (`notify::outbox`):
/// what the desk that sends it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord<'a> {
    /// The customer's uuid.
    pub customer_id: Text<'a>,
    /// E.164, as the customer's number was when the message was queued.
    pub recipient: Text<'a>,
    /// A `notify::MessageKind`.
    pub kind: Text<'a>,
    pub template: Option<Text<'a>>,
    pub body: Text<'a>,
    /// The Cloud API's template with its parameters (JSON), when mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_template: Option<Text<'a>>,
    /// The cause (`invoice_issued:<invoice>`, `reminder:...`): one message each.
    pub dedupe_key: Text<'a>,
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

impl FieldValue<'static> {
    /// A field's value as the change log holds it (JSON).
    pub fn of(value: &serde_json::Value) -> FieldValue<'static> {
        match value {
            serde_json::Value::Null => FieldValue::Empty,
            serde_json::Value::Bool(b) => FieldValue::Flag(*b),
            serde_json::Value::String(s) => FieldValue::Text(Cow::Owned(s.clone())),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(n) => FieldValue::Number(n),
                None => FieldValue::Text(Cow::Owned(n.to_string())),
            },
            other => FieldValue::Text(Cow::Owned(other.to_string())),
        }
    }
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
    Created(CustomerCreated<'a>),
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
        previous: Vec<Text<'a>>,
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
    // Routers (isolir, issue 14).
    /// Suspended by the isolir rule: the invoice unpaid past the grace days.
    IsolirSuspended {
        subscription_id: Text<'a>,
        username: Text<'a>,
        invoice_number: Text<'a>,
        owed: Money,
        grace_days: u32,
    },
    /// Resumed by the isolir rule: what was due is paid.
    IsolirResumed {
        subscription_id: Text<'a>,
        username: Text<'a>,
        invoice_number: Option<Text<'a>>,
    },
    /// Another customer (a duplicate) merged into this one: their rows are
    /// this customer's now, and they are deleted.
    Merged {
        customer_id: Text<'a>,
        name: Text<'a>,
        whatsapp: Text<'a>,
        /// The fields this customer took from the other.
        taken: Vec<Text<'a>>,
    },
}

/// The part of a payment that paid one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvoiceShare<'a> {
    pub invoice_number: Text<'a>,
    pub amount: Money,
}

/// What a new customer's `created` event notes: their fields, an opening
/// balance and the tags they were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerCreated<'a> {
    pub customer: CustomerFields<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub initial_balance: Option<OpeningBalance<'a>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub tags: Vec<Text<'a>>,
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
    /// The `details` column's JSON text. One serialisation: serde_json writes
    /// an adjacently tagged enum as `{"action":"<name>","details":<details>}`,
    /// so the details are that text without its fixed frame.
    /// (Only a failing `Serialize` impl, none of these, can make it fail.)
    pub fn details_json(&self) -> serde_json::Result<String> {
        let whole = serde_json::to_string(self)?;
        let frame = format!("{{\"action\":\"{}\",\"details\":", self.action());
        debug_assert!(whole.starts_with(&frame) && whole.ends_with('}'), "{whole}");
        Ok(whole[frame.len()..whole.len() - 1].to_owned())
    }

    /// The `action` column's text.
    pub fn action(&self) -> &'static str {
        match self {
            ActivityEvent::Created(_) => "created",
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
            ActivityEvent::IsolirSuspended { .. } => "isolir_suspended",
            ActivityEvent::IsolirResumed { .. } => "isolir_resumed",
            ActivityEvent::Merged { .. } => "merged",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Logged;

    fn money(text: &str) -> Money {
        Money::parse("amount", text).unwrap()
    }

    #[test]
    fn events_are_stored_as_action_and_details_and_read_back() {
        let events = [
            ActivityEvent::TagAdded { tag: "VIP".into() },
            ActivityEvent::Deleted {
                status: Before {
                    before: Status::Active,
                    after: Status::Deleted,
                },
            },
            ActivityEvent::Updated {
                changes: BTreeMap::from([(
                    "email".to_owned(),
                    Before {
                        before: FieldValue::Empty,
                        after: FieldValue::Text("a@b.id".into()),
                    },
                )]),
            },
            ActivityEvent::SubscriptionSuspended(SubscriptionChanges {
                subscription_id: "s1".into(),
                username: "budi".into(),
                changes: BTreeMap::new(),
            }),
            ActivityEvent::VoucherSold {
                voucher_id: "v1".into(),
                code: "ABC".into(),
                price: money("5.000"),
            },
        ];
        for event in events {
            let details = event.details_json().unwrap();
            let read = Logged::read(event.action().to_owned(), &details);
            assert_eq!(read, Logged::Event(Box::new(event.clone())), "{details}");
        }
    }

    #[test]
    fn stored_shapes_are_the_logs_own() {
        let event = ActivityEvent::Updated {
            changes: BTreeMap::from([(
                "notes".to_owned(),
                Before {
                    before: FieldValue::Text("x".into()),
                    after: FieldValue::Empty,
                },
            )]),
        };
        assert_eq!(
            event.details_json().unwrap(),
            r#"{"changes":{"notes":{"before":"x","after":null}}}"#
        );
        let sold = ActivityEvent::VoucherSold {
            voucher_id: "v1".into(),
            code: "ABC".into(),
            price: money("5000"),
        };
        assert_eq!(
            sold.details_json().unwrap(),
            r#"{"voucher_id":"v1","code":"ABC","price":"5000.00"}"#
        );
    }

    #[test]
    fn an_entry_this_version_cannot_read_is_kept_as_stored() {
        let read = Logged::read("sent_to_mars".to_owned(), r#"{"rocket":1}"#);
        assert_eq!(read.action(), "sent_to_mars");
        assert!(matches!(read, Logged::Other { .. }));
        let damaged = Logged::read("tag_added".to_owned(), "not json");
        assert!(matches!(damaged, Logged::Other { .. }));
    }
}

text_enum! {
    /// What an admin may do: an owner everything, staff the day's work
    /// (customers, billing, import and export) but not `Action`s.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Role("role") {
        /// Admins made before roles existed were owners (V12).
        #[default]
        Owner => "owner" | "pemilik",
        Staff => "staff" | "karyawan" | "staf",
    }
}
