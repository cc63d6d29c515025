//! One module per domain; each command calls one core function.

mod customers;
mod jobs;

/// Every command the UI may call (the capabilities allow exactly these).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        // Long work.
        jobs::cancel_job,
        // Customers.
        customers::customers_list,
        customers::stats,
    ]
}
