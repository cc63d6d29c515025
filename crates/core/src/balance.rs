//! A customer's balance by reference: the manual credit and debit an admin
//! types (`pelanggan balance credit/debit`) and the ledger's history.
//!
//! Owns these use cases: resolve the reference (`customers::resolve`), post
//! the entry (`ledger::post`), then re-allocate the customer's money
//! (`billing::allocation::refresh`), since a manual entry takes part in
//! allocation like a payment or a charge. Must not know how an entry is
//! written or how allocation works; it only puts the three in order.

use rusqlite::Connection;

use crate::billing::allocation;
use crate::customers;
use crate::db::Write;
use crate::error::Result;
use crate::ledger::{self, EntryKind};
pub use crate::ledger::{EntryNote, HistoryQuery, LedgerEntry};
use crate::money::Money;
use crate::page::Page;
use crate::phone::Region;

/// A manual credit (money in) to the customer `reference`.
pub fn credit(
    w: &mut Write<'_>,
    reference: &str,
    amount: Money,
    note: &EntryNote,
) -> Result<LedgerEntry> {
    manual(w, reference, EntryKind::Credit, amount, note)
}

/// A manual debit (money owed) to the customer `reference`.
pub fn debit(
    w: &mut Write<'_>,
    reference: &str,
    amount: Money,
    note: &EntryNote,
) -> Result<LedgerEntry> {
    manual(w, reference, EntryKind::Debit, amount, note)
}

fn manual(
    w: &mut Write<'_>,
    reference: &str,
    kind: EntryKind,
    amount: Money,
    note: &EntryNote,
) -> Result<LedgerEntry> {
    let customer = customers::resolve(w.tx(), reference, w.region())?;
    customer.ensure_live()?;
    let entry = ledger::post(w, &customer, kind, amount, note)?;
    allocation::refresh(w, customer.id())?;
    Ok(entry)
}

/// The ledger of the customer `reference` (deleted customers included), a
/// page at a time, newest first.
pub fn history(
    conn: &Connection,
    reference: &str,
    region: Region,
    query: &HistoryQuery,
) -> Result<Page<LedgerEntry>> {
    let customer = customers::resolve(conn, reference, region)?;
    ledger::history_of(conn, &customer, query)
}
