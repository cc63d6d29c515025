//! A customer's balance: manual credit and debit, and the ledger's pages.

use pelanggan_core::Money;
use pelanggan_core::balance::{self, EntryNote, HistoryQuery, LedgerEntry};
use pelanggan_core::page::Page;
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

/// Money in. `preview`: the same write rolled back, so the dialog shows the
/// entry (and the new balance) before the person confirms.
#[tauri::command(rename_all = "snake_case")]
pub async fn balance_credit(
    app: AppHandle,
    id: String,
    amount: String,
    description: String,
    preview: bool,
) -> CmdResult<LedgerEntry> {
    blocking(app, move |s| {
        let amount = Money::parse_positive("amount", &amount)?;
        let note = EntryNote::new(description);
        s.write_or_preview(preview, |w| balance::credit(w, &id, amount, &note))
    })
    .await
}

/// Money owed; `preview` as for `balance_credit`.
#[tauri::command(rename_all = "snake_case")]
pub async fn balance_debit(
    app: AppHandle,
    id: String,
    amount: String,
    description: String,
    preview: bool,
) -> CmdResult<LedgerEntry> {
    blocking(app, move |s| {
        let amount = Money::parse_positive("amount", &amount)?;
        let note = EntryNote::new(description);
        s.write_or_preview(preview, |w| balance::debit(w, &id, amount, &note))
    })
    .await
}

/// A page of the ledger, newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn ledger_history(
    app: AppHandle,
    id: String,
    query: HistoryQuery,
) -> CmdResult<Page<LedgerEntry>> {
    blocking(app, move |s| s.read(|r| balance::history(r, &id, &query))).await
}
