use pelanggan_core::customers::{self, CustomerPage, ListQuery};
use pelanggan_core::stats::{self, Stats};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

#[tauri::command]
pub async fn customers_list(app: AppHandle, query: ListQuery) -> CmdResult<CustomerPage> {
    blocking(app, move |s| s.read(|r| customers::list(r, &query))).await
}

#[tauri::command]
pub async fn stats(app: AppHandle) -> CmdResult<Stats> {
    blocking(app, |s| s.read(stats::stats)).await
}
