//! Shop settings and admins: everyone signed in reads them, owners change them.

use pelanggan_core::admins::{self, Action, Admin, NewAdmin};
use pelanggan_core::session::set_setting;
use pelanggan_core::settings::{self, Key, Setting};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

/// Every setting (language, region, zone, shop name, currency, invoice
/// prefix, lock minutes, backup folder and count, printer), unset ones as
/// their defaults.
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_get(app: AppHandle) -> CmdResult<Vec<Setting>> {
    blocking(app, |s| s.read(settings::list)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn settings_set(app: AppHandle, key: String, value: String) -> CmdResult<Setting> {
    blocking(app, move |s| {
        s.authorize(Action::ChangeSettings)?;
        let key = Key::parse(&key)?;
        s.write(|w| set_setting(w, key, &value))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admins_list(app: AppHandle) -> CmdResult<Vec<Admin>> {
    blocking(app, |s| s.read(admins::list)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_add(app: AppHandle, admin: NewAdmin) -> CmdResult<Admin> {
    blocking(app, move |s| {
        s.authorize(Action::ManageAdmins)?;
        s.write(|w| admins::add(w, admin))
    })
    .await
}

/// An owner changes anyone's password; staff only their own.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_passwd(app: AppHandle, username: String, password: String) -> CmdResult<Admin> {
    blocking(app, move |s| {
        admins::authorize_passwd(&s.signed_in()?, &username)?;
        s.write(|w| admins::set_password(w, &username, &password))
    })
    .await
}
