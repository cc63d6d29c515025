//! A customer's activity log, a page at a time.

use pelanggan_core::activity::{self, Activity, ActivityQuery};
use pelanggan_core::page::Page;
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

#[tauri::command(rename_all = "snake_case")]
pub async fn activity_list(
    app: AppHandle,
    id: String,
    query: ActivityQuery,
) -> CmdResult<Page<Activity>> {
    blocking(app, move |s| s.read(|r| activity::list(r, &id, &query))).await
}
