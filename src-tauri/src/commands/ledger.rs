//! A customer's balance: manual credit and debit, and the ledger's pages.

use pelanggan_core::balance::{self, EntryNote, HistoryQuery, LedgerEntry};
use pelanggan_core::page::Page;
use pelanggan_core::{Money, Result, Write};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::{App, blocking};

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
        post(s, preview, |w| balance::credit(w, &id, amount, &note))
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
        post(s, preview, |w| balance::debit(w, &id, amount, &note))
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

/// A preview goes through exactly the code of the real write (`Db::dry_run`),
/// then is rolled back.
fn post(
    s: &App,
    preview: bool,
    f: impl FnOnce(&mut Write<'_>) -> Result<LedgerEntry>,
) -> Result<LedgerEntry> {
    if preview {
        let actor = s.actor();
        s.with_db(|db| db.dry_run(actor.as_deref(), f))
    } else {
        s.write(f)
    }
}
