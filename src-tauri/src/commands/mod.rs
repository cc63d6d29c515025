//! One module per domain; each command calls one core function.

mod billing;
mod customers;
mod jobs;
mod printing;

/// Every command the UI may call (the capabilities allow exactly these).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        // Long work.
        jobs::cancel_job,
        // Customers.
        customers::customers_list,
        customers::stats,
        // Billing and printing (H3).
        billing::subscription_add,
        billing::subscriptions_list,
        billing::subscription_edit,
        billing::subscription_suspend,
        billing::subscription_resume,
        billing::subscription_cancel,
        billing::invoices_issue_due,
        billing::invoices_list,
        billing::invoice_get,
        billing::invoice_void,
        billing::payment_record,
        billing::payment_preview,
        billing::payments_list,
        billing::payment_get,
        billing::payment_refund,
        billing::voucher_add,
        billing::voucher_sell,
        billing::vouchers_list,
        printing::print_receipt,
        printing::print_invoice,
    ]
}
