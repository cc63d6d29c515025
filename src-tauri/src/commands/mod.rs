//! One module per domain; each command calls one core function.

mod analytics;
mod customers;
mod files;
mod jobs;

/// Every command the UI may call (the capabilities allow exactly these).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        // Long work.
        jobs::cancel_job,
        // Customers.
        customers::customers_list,
        customers::stats,
        // Import, export, analytics.
        files::import_preview,
        files::import_customers,
        files::export_customers,
        files::export_ledger,
        analytics::analytics,
    ]
}
