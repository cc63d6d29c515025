//! The gate: first-run owner set-up, sign-in, sign-out and the idle lock.
//! Each signs in or out through the app state; the rules are the core's.

use pelanggan_core::admins::{Admin, AuthStatus, NewAdmin};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::{App, blocking};

#[tauri::command(rename_all = "snake_case")]
pub async fn auth_status(app: AppHandle) -> CmdResult<AuthStatus> {
    blocking(app, |s| s.auth_status()).await
}

/// The first run only: makes the owner (default admin) and signs them in.
#[tauri::command(rename_all = "snake_case")]
pub async fn auth_setup_owner(app: AppHandle, owner: NewAdmin) -> CmdResult<Admin> {
    blocking(app, move |s| {
        let admin = s.setup_owner(owner)?;
        s.start_auto_backup();
        Ok(admin)
    })
    .await
}

/// Signs in (and unlocks the idle lock); starts the day's backup if due.
#[tauri::command(rename_all = "snake_case")]
pub async fn auth_sign_in(app: AppHandle, username: String, password: String) -> CmdResult<Admin> {
    blocking(app, move |s| {
        let admin = s.sign_in(&username, &password)?;
        s.start_auto_backup();
        Ok(admin)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub fn auth_sign_out(app: tauri::State<'_, App>) {
    app.sign_out();
}

/// Called by the UI after the idle time: locked until a sign-in.
#[tauri::command(rename_all = "snake_case")]
pub fn auth_lock(app: tauri::State<'_, App>) {
    app.lock();
}
