//! Backups from the settings screen: the folder's backups, back up now,
//! restore (owner only). Long copies report progress over a Channel.

use std::path::PathBuf;

use pelanggan_core::Db;
use pelanggan_core::backup::{self, BackupInfo, BackupStatus, RestoreInfo};
use pelanggan_core::progress::Progress;
use tauri::AppHandle;
use tauri::ipc::Channel;

use crate::error::CmdResult;
use crate::state::blocking;

/// Where backups go, how many are kept, the backup files there newest first
/// (the first is the last backup made).
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_list(app: AppHandle) -> CmdResult<BackupStatus> {
    blocking(app, |s| {
        let path = s.path().to_path_buf();
        s.read(|r| backup::status(r, &path))
    })
    .await
}

/// A backup into the backups folder now, on a connection of its own so
/// the app keeps writing meanwhile.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_now(
    app: AppHandle,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<BackupInfo> {
    blocking(app, move |s| {
        s.signed_in()?;
        let job = s.jobs.start(job, on_progress);
        let db = Db::open_existing(s.path())?;
        backup::backup_now(&db, &mut |p| job.report(p), &job.cancel)
    })
    .await
}

/// Replaces the shop with the backup at `file` (owner only; the UI asks for
/// a typed confirmation first). Signs everyone out: the restored file has
/// its own admins and passwords.
#[tauri::command(rename_all = "snake_case")]
pub async fn backup_restore(
    app: AppHandle,
    file: String,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<RestoreInfo> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        s.restore(&PathBuf::from(file), &mut |p| job.report(p), &job.cancel)
    })
    .await
}
