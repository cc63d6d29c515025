//! The customer list, the cards and one customer: show, add, edit, soft
//! delete and restore, tag and untag.

use pelanggan_core::customers::{
    self, Customer, CustomerPage, CustomerPatch, ListQuery, NewCustomer,
};
use pelanggan_core::notify::hooks;
use pelanggan_core::stats::{self, Stats};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Money, Result, Warned};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

/// The list's amounts arrive as typed text (`1.500.000`) beside the query,
/// so a bad one is the core's `invalid_amount` at its field, not a failure
/// to read the whole query.
#[tauri::command(rename_all = "snake_case")]
pub async fn customers_list(
    app: AppHandle,
    mut query: ListQuery,
    balance_min: Option<String>,
    balance_max: Option<String>,
) -> CmdResult<CustomerPage> {
    query.filter.balance_min = amount("balance_min", balance_min)?;
    query.filter.balance_max = amount("balance_max", balance_max)?;
    blocking(app, move |s| s.read(|r| customers::list(r, &query))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn stats(app: AppHandle) -> CmdResult<Stats> {
    blocking(app, |s| s.read(stats::stats)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_get(app: AppHandle, id: String) -> CmdResult<Customer> {
    blocking(app, move |s| s.read(|r| customers::get(r, &id))).await
}

/// Adds a customer; the warnings (a foreign number, a WhatsApp number that
/// is not a mobile) come back beside it. The opening balance is typed text.
#[tauri::command(rename_all = "snake_case")]
pub async fn customer_add(
    app: AppHandle,
    mut input: NewCustomer,
    initial_balance: Option<String>,
    send_welcome: Option<bool>,
) -> CmdResult<Warned<Customer>> {
    input.initial_balance = amount("initial_balance", initial_balance)?;
    let welcome = send_welcome.unwrap_or(false);
    blocking(app, move |s| {
        s.write_warned(|w| hooks::add_customer(w, input, welcome))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_edit(
    app: AppHandle,
    id: String,
    patch: CustomerPatch,
) -> CmdResult<Warned<Customer>> {
    blocking(app, move |s| {
        s.write_warned(|w| customers::edit(w, &id, patch))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_delete(app: AppHandle, id: String) -> CmdResult<Customer> {
    blocking(app, move |s| s.write(|w| customers::delete(w, &id))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn customer_restore(app: AppHandle, id: String) -> CmdResult<Customer> {
    blocking(app, move |s| s.write(|w| customers::restore(w, &id))).await
}

/// Tags the customer (`tag_color_kept` warns when an existing tag keeps its colour).
#[tauri::command(rename_all = "snake_case")]
pub async fn tag_add(app: AppHandle, id: String, tag: TagInput) -> CmdResult<Warned<Customer>> {
    blocking(app, move |s| {
        s.write_warned(|w| customers::add_tag(w, &id, &tag))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn tag_remove(app: AppHandle, id: String, name: String) -> CmdResult<Customer> {
    blocking(app, move |s| {
        s.write(|w| customers::remove_tag(w, &id, &name))
    })
    .await
}

/// An amount typed as text, read by the core's one parser (`field` names it in errors).
pub(crate) fn amount(field: &'static str, text: Option<String>) -> Result<Option<Money>> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| Money::parse(field, &t))
        .transpose()
}
