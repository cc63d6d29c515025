//! Privacy requests about one customer: export everything, anonymise, erase.
//! Anonymising and erasing cannot be undone: the UI asks for a typed
//! confirmation and sends the core's `Confirm`, which refuses without `yes`.

use std::path::PathBuf;

use pelanggan_core::Result;
use pelanggan_core::outfile::Written;
use pelanggan_core::privacy::{self, Anonymised, Confirm, Erased};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::{App, blocking};

/// Writes the export to `file` (chosen in the save dialog, which already
/// asked before replacing a file: hence `force`).
#[tauri::command(rename_all = "snake_case")]
pub async fn privacy_export(
    app: AppHandle,
    id: String,
    file: PathBuf,
    force: bool,
) -> CmdResult<Written> {
    blocking(app, move |s| {
        privileged(s, |_| {
            s.read(|r| privacy::export_to_file(r, &id, &file, force))
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn privacy_anonymise(
    app: AppHandle,
    id: String,
    confirm: Confirm,
) -> CmdResult<Anonymised> {
    blocking(app, move |s| {
        privileged(s, |actor| {
            s.with_db(|db| privacy::anonymise_and_scrub(db, actor, &id, confirm))
        })
    })
    .await
}

/// `force`: erase even with a balance that is not zero (the books lose it).
#[tauri::command(rename_all = "snake_case")]
pub async fn privacy_erase(
    app: AppHandle,
    id: String,
    force: bool,
    confirm: Confirm,
) -> CmdResult<Erased> {
    blocking(app, move |s| {
        privileged(s, |actor| {
            s.with_db(|db| privacy::erase_and_scrub(db, actor, &id, force, confirm))
        })
    })
    .await
}

/// The one door of every privacy request, so the role check (staff may not
/// run them) sits in one place: it goes here, before `f`. `f` gets the
/// admin the request is attributed to.
fn privileged<T>(s: &App, f: impl FnOnce(Option<&str>) -> Result<T>) -> Result<T> {
    let actor = s.actor();
    f(actor.as_deref())
}
