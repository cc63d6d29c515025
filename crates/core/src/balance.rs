//! A customer's balance by reference: the manual credit and debit an admin
//! types (`pelanggan balance credit/debit`) and the ledger's history.
//!
//! Owns these use cases: resolve the reference (`customers::resolve`), post
//! the entry (`ledger::post`), then re-allocate the customer's money
//! (`billing::allocation::refresh`), since a manual entry takes part in
//! allocation like a payment or a charge. Must not know how an entry is
//! written or how allocation works; it only puts the three in order.

use crate::billing::allocation;
use crate::customers;
use crate::db::{Reader, Write};
use crate::error::Result;
use crate::ledger::{self, EntryKind};
pub use crate::ledger::{EntryNote, HistoryQuery, LedgerEntry};
use crate::money::Money;
use crate::page::Page;

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
    let customer = customers::resolve(w.reader(), reference)?;
    customer.ensure_live()?;
    let entry = ledger::post(w, &customer, kind, amount, note)?;
    allocation::refresh(w, customer.id())?;
    Ok(entry)
}

/// The ledger of the customer `reference` (deleted customers included), a
/// page at a time, newest first.
pub fn history(r: Reader<'_>, reference: &str, query: &HistoryQuery) -> Result<Page<LedgerEntry>> {
    let customer = customers::resolve(r, reference)?;
    ledger::history_of(r, &customer, query)
}
