//! One module per domain; each command calls one core function.

mod customers;

/// Every command the UI may call (the capabilities allow exactly these).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![customers::customers_list, customers::stats]
}
