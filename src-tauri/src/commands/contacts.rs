//! A customer's extra contacts (more numbers and emails).

use pelanggan_core::Warned;
use pelanggan_core::contacts::{self, Contact, NewContact};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

#[tauri::command(rename_all = "snake_case")]
pub async fn contacts_list(app: AppHandle, id: String) -> CmdResult<Vec<Contact>> {
    blocking(app, move |s| s.read(|r| contacts::list(r, &id))).await
}

/// Adds a contact; warns of a foreign number, a non-mobile WhatsApp number
/// and a number that is another customer's (`number_of_other_customer`).
#[tauri::command(rename_all = "snake_case")]
pub async fn contact_add(
    app: AppHandle,
    id: String,
    contact: NewContact,
) -> CmdResult<Warned<Contact>> {
    blocking(app, move |s| {
        s.write_warned(|w| contacts::add(w, &id, contact))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn contact_remove(app: AppHandle, id: String, contact: String) -> CmdResult<Contact> {
    blocking(app, move |s| {
        s.write(|w| contacts::remove(w, &id, &contact))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn contact_set_primary(
    app: AppHandle,
    id: String,
    contact: String,
) -> CmdResult<Contact> {
    blocking(app, move |s| {
        s.write(|w| contacts::set_primary(w, &id, &contact))
    })
    .await
}
