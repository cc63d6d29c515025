//! Import and export: the import's preview, the import itself (a dry run or
//! the real one), and the CSV exports of customers and of the ledger. The
//! long ones run as jobs: progress over the UI's channel, `cancel_job` stops
//! them and the core leaves nothing half-written.

use std::path::PathBuf;

use chrono::NaiveDate;
use pelanggan_core::export::{self, CsvOptions, ExportSummary};
use pelanggan_core::import::{self, ImportOptions, ImportPreview, ImportSummary, Mapping};
use pelanggan_core::progress::Progress;
use pelanggan_core::search::Filter;
use tauri::AppHandle;
use tauri::ipc::Channel;

use crate::error::CmdResult;
use crate::state::blocking;

/// What the import would read from `path` with these mappings.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_preview(
    app: AppHandle,
    path: PathBuf,
    sheet: Option<String>,
    mappings: Vec<Mapping>,
) -> CmdResult<ImportPreview> {
    // No database read, but a locked app shows nobody's files either.
    blocking(app, move |s| {
        s.signed_in()?;
        import::preview(&path, sheet.as_deref(), &mappings)
    })
    .await
}

/// Imports (or with `options.dry_run`, checks) the customers in `path` as the signed-in admin.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_customers(
    app: AppHandle,
    path: PathBuf,
    options: ImportOptions,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<ImportSummary> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        let actor = s.actor();
        s.with_db(|db| {
            import::import_customers(
                db,
                actor.as_deref(),
                &path,
                &options,
                &mut |p| job.report(p),
                &job.cancel,
            )
        })
    })
    .await
}

/// Writes the customers the list's `filter` finds to `path` as CSV.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_customers(
    app: AppHandle,
    path: PathBuf,
    filter: Filter,
    options: CsvOptions,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<ExportSummary> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        s.read(|r| {
            export::customers(
                r,
                &path,
                &filter,
                options,
                &mut |p| job.report(p),
                &job.cancel,
            )
        })
    })
    .await
}

/// Writes the ledger's entries (days `from`..=`to` on the shop's calendar, both optional) to `path`.
#[tauri::command(rename_all = "snake_case")]
pub async fn export_ledger(
    app: AppHandle,
    path: PathBuf,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    options: CsvOptions,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<ExportSummary> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        s.read(|r| {
            export::ledger(
                r,
                &path,
                from,
                to,
                options,
                &mut |p| job.report(p),
                &job.cancel,
            )
        })
    })
    .await
}
