//! One module per domain; each command calls one core function.

mod auth;
mod backups;
mod customers;
mod demo;
mod jobs;
mod settings;

/// Every command the UI may call (the capabilities allow exactly these).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        // Long work.
        jobs::cancel_job,
        // Sign-in, settings, admins, backups, the demo shop (H1).
        auth::auth_status,
        auth::auth_setup_owner,
        auth::auth_sign_in,
        auth::auth_sign_out,
        auth::auth_lock,
        settings::settings_get,
        settings::settings_set,
        settings::admins_list,
        settings::admin_add,
        settings::admin_passwd,
        backups::backup_list,
        backups::backup_now,
        backups::backup_restore,
        demo::demo_create,
        // Customers.
        customers::customers_list,
        customers::stats,
    ]
}
