//! One module per domain; each command calls one core function.

mod activity;
mod analytics;
mod auth;
mod backups;
mod billing;
mod contacts;
mod customers;
mod demo;
mod files;
mod jobs;
mod ledger;
mod notify;
mod printing;
mod privacy;
mod routers;
mod settings;
mod sync;
mod tags;

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
        // Import, export, analytics.
        files::import_preview,
        files::import_customers,
        files::export_customers,
        files::export_ledger,
        analytics::analytics,
        customers::customer_get,
        customers::customer_add,
        customers::customer_edit,
        customers::customer_delete,
        customers::customer_restore,
        customers::tag_add,
        customers::tag_remove,
        tags::tags_list,
        tags::tag_set_color,
        contacts::contacts_list,
        contacts::contact_add,
        contacts::contact_remove,
        contacts::contact_set_primary,
        ledger::balance_credit,
        ledger::balance_debit,
        ledger::ledger_history,
        activity::activity_list,
        privacy::privacy_export,
        privacy::privacy_anonymise,
        privacy::privacy_erase,
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
        // WhatsApp (issue 13): gateway, templates, sends, outbox, bulk, reminders.
        notify::notify_gateways,
        notify::notify_gateway_set,
        notify::notify_gateway_test,
        notify::notify_templates,
        notify::notify_template_set,
        notify::notify_preview,
        notify::notify_send,
        notify::notify_outbox,
        notify::notify_retry,
        notify::notify_cancel,
        notify::notify_mark_sent,
        notify::notify_opt_out_get,
        notify::notify_opt_out_set,
        notify::notify_bulk,
        notify::notify_reminders,
        notify::notify_reminder_set,
        // Routers and isolir (issue 14).
        routers::routers_list,
        routers::router_add,
        routers::router_test,
        routers::router_remove,
        routers::subscription_add_on_router,
        routers::subscription_edit_on_router,
        routers::router_provisioning,
        routers::isolir_list,
        routers::isolir_check,
        sync::sync_status,
        sync::sync_pair,
        sync::sync_now,
        sync::sync_devices,
        sync::sync_revoke,
        sync::customer_duplicates,
        sync::customer_merge,
    ]
}
