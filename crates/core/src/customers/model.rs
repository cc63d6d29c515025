//! The customer as data: `Status`, the `Customer` view, the `Handle` of a
//! resolved customer, the tag view and how a `customers` row maps to them.
//!
//! Owns the types and the row mapping every module that reads customers
//! shares (search, stats, tags, ledger, billing, privacy). It must not know
//! any use case: what a reference means, what is checked on a write, how a
//! list is searched. It imports nothing of the crate above floor 1, so
//! whoever needs a `Customer` imports this file and not the use cases.

use std::str::FromStr;

use rusqlite::Row;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::money::Money;
use crate::phone::E164;

pub use crate::wire::Status;

/// A customer as shown to admins.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    pub subscription_count: u32,
    pub status: Status,
    pub tags: Vec<TagView>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// A tag on a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TagView {
    pub name: String,
    pub color: String,
}

/// A customer that a reference resolved to, or that a write has just made:
/// enough to act on it. Only this file makes one (`Handle::new`, from a
/// `customers` row), so a function taking a `&Handle` knows the customer
/// exists. The crate reads its fields; the private `_made_here` keeps anyone
/// else from writing a `Handle { .. }`, and other crates read the getters.
#[derive(Debug, Clone)]
pub struct Handle {
    pub(crate) id: i64,
    pub(crate) uuid: String,
    pub(crate) name: String,
    pub(crate) status: Status,
    /// The customer it was merged into (`customer_merge`), when it was.
    pub(crate) merged_into: Option<String>,
    _made_here: (),
}

impl Handle {
    pub(crate) fn new(id: i64, uuid: String, name: String, status: Status) -> Handle {
        Handle {
            id,
            uuid,
            name,
            status,
            merged_into: None,
            _made_here: (),
        }
    }

    /// The local row id (`customers.id`).
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The customer's identity everywhere (UUIDv7).
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The status when it was resolved.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Refuses to act on a soft-deleted customer, or on one merged into
    /// another (restored by a desk that had not seen the merge): what is
    /// made for it goes to the kept customer on the other desks, so here it
    /// would stay apart.
    pub fn ensure_live(&self) -> Result<()> {
        if let Some(kept) = &self.merged_into {
            return Err(Error::Conflict(format!(
                "customer {} ({}) was merged into customer {kept}: work on that one",
                self.uuid, self.name
            )));
        }
        if self.status == Status::Deleted {
            return Err(Error::Conflict(format!(
                "customer {} ({}) is deleted; restore it first",
                self.uuid, self.name
            )));
        }
        Ok(())
    }
}

/// The columns `handle_from_row` reads, of `customers`.
pub(crate) const HANDLE_COLUMNS: &str = "id, uuid, name, status, merged_into";

pub(crate) fn handle_from_row(r: &Row<'_>) -> rusqlite::Result<Handle> {
    let status: String = r.get(3)?;
    let mut handle = Handle::new(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        Status::from_str(&status).unwrap_or(Status::Active),
    );
    handle.merged_into = r.get(4)?;
    Ok(handle)
}

/// The columns `from_row` reads, of `customers`.
pub(crate) const COLUMNS: &str = "id, uuid, name, whatsapp, email, phone, address, notes, balance, \
                       total_spent, subscription_count, status, created_at, updated_at, created_by";
/// `COLUMNS` of `customers c`, for queries that join.
pub(crate) const COLUMNS_C: &str = "c.id, c.uuid, c.name, c.whatsapp, c.email, c.phone, c.address, \
                       c.notes, c.balance, c.total_spent, c.subscription_count, c.status, c.created_at, \
                       c.updated_at, c.created_by";

/// A customer from `COLUMNS`, without its tags (`tags::fill` adds them).
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
