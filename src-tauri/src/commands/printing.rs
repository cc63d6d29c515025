//! Printing straight to the network receipt printer (ESC/POS). The A4 and
//! 58 mm pages go through the system print dialog from the UI instead.

use pelanggan_core::receipt::Lang;
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::printer;
use crate::state::blocking;

/// Sends a payment's receipt to the printer in the settings; returns its address.
#[tauri::command(rename_all = "snake_case")]
pub async fn print_receipt(
    app: AppHandle,
    payment_id: String,
    shop_name: String,
    lang: Lang,
) -> CmdResult<String> {
    blocking(app, move |s| {
        printer::print_payment(s, &payment_id, &shop_name, lang)
    })
    .await
}

/// Sends an invoice's slip to the printer in the settings; returns its address.
#[tauri::command(rename_all = "snake_case")]
pub async fn print_invoice(
    app: AppHandle,
    invoice: String,
    shop_name: String,
    lang: Lang,
) -> CmdResult<String> {
    blocking(app, move |s| {
        printer::print_invoice(s, &invoice, &shop_name, lang)
    })
    .await
}
