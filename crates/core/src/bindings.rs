//! The TypeScript types of the wire (the desktop app's inputs, views and
//! errors), generated from the Rust types with `ts-rs` and committed under
//! `crates/core/bindings/` (do not edit them: `make bindings` writes them, and
//! `tests/bindings.rs` fails when they differ from what the code says).
//! Owns the list of exported types and the export settings; knows no table.

use std::path::Path;

use ts_rs::{Config, ExportError, TS};

/// Every wire type the app names; their dependencies come with them.
macro_rules! export_all {
    ($cfg:expr, $($ty:ty),+ $(,)?) => {{
        $( <$ty as TS>::export_all($cfg)?; )+
        Ok::<(), ExportError>(())
    }};
}

/// Writes every binding into `dir` (one `.ts` file per type).
pub fn export(dir: &Path) -> Result<(), ExportError> {
    // Ids and counts are far below 2^53: a JavaScript number holds them exactly,
    // and the app then needs no bigint arithmetic. Money is a string, never a number.
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    export_all!(
        &cfg,
        // Lists and errors.
        crate::page::Page<crate::money::Money>,
        crate::error::ErrorBody,
        crate::error::Code,
        crate::error::Details,
        // Customers, tags, contacts, the ledger, the activity log.
        crate::customers::Customer,
        crate::customers::CustomerPage,
        crate::customers::NewCustomer,
        crate::customers::CustomerPatch,
        crate::customers::ListQuery,
        crate::tags::TagInput,
        crate::tags::TagUsage,
        crate::contacts::Contact,
        crate::contacts::NewContact,
        crate::ledger::LedgerEntry,
        crate::ledger::EntryNote,
        crate::ledger::HistoryQuery,
        crate::activity::Activity,
        crate::activity::ActivityQuery,
        crate::stats::Stats,
        // Duplicates from sync and merging them.
        crate::customer_merge::Duplicate,
        crate::customer_merge::MergeField,
        crate::customer_merge::MergeOther,
        // Billing.
        crate::billing::subscriptions::Subscription,
        crate::billing::subscriptions::NewSubscription,
        crate::billing::subscriptions::SubscriptionPatch,
        crate::billing::subscriptions::SubscriptionQuery,
        crate::billing::invoices::Invoice,
        crate::billing::invoices::IssuedDue,
        crate::billing::invoices::InvoiceQuery,
        crate::billing::payments::Payment,
        crate::billing::payments::NewPayment,
        crate::billing::payments::PaymentQuery,
        crate::billing::payments::PaymentPreview,
        crate::billing::vouchers::Voucher,
        crate::billing::vouchers::NewVoucher,
        crate::billing::vouchers::SellVoucher,
        crate::billing::vouchers::VoucherQuery,
        crate::billing::Problem,
        crate::search::Filter,
        crate::search::Sort,
        crate::search::BalanceKind,
        crate::search::Position,
        crate::warning::Warning,
        // Long work (import, export, backup): where it stands.
        crate::progress::Progress,
        // Import, export, analytics.
        crate::import::ImportOptions,
        crate::import::ImportSummary,
        crate::import::OnDuplicate,
        crate::import::ImportPreview,
        crate::export::CsvOptions,
        crate::export::ExportSummary,
        crate::analytics::Query,
        crate::analytics::Report,
        // Routers (isolir, issue 14).
        crate::routers::Router,
        crate::routers::ApiKind,
        crate::routers::RouterStatus,
        crate::routers::Provisioning,
        crate::routers::OnRouter,
        crate::routers::RouterTest,
        crate::routers::outbox::OutboxRow,
        crate::routers::outbox::OutboxStatus,
        crate::routers::worker::Pass,
        crate::routers::worker::RouterPass,
        crate::routers::isolir::IsolirEntry,
        crate::routers::isolir::IsolirCheck,
        // Sync (issue 15).
        crate::sync::SyncStatus,
        crate::sync::Report,
        crate::routers::drift::Drift,
        crate::routers::drift::DriftItem,
        crate::routers::drift::DriftKind,
        crate::settings::IsolirMode,
        crate::settings::OnCancel,
        crate::analytics::Period,
        crate::analytics::Range,
        crate::analytics::TopBy,
        // Privacy, admins, settings.
        crate::privacy::Confirm,
        crate::privacy::PrivacyExport,
        crate::privacy::Anonymised,
        crate::privacy::Erased,
        crate::outfile::Written,
        // What a write warned of, beside its result (customer add/edit, tag, contact).
        crate::warning::Warned<crate::customers::Customer>,
        crate::admins::Admin,
        crate::admins::NewAdmin,
        crate::admins::Role,
        crate::admins::AuthStatus,
        crate::settings::Key,
        crate::settings::Setting,
        // Backups (the app's settings screen).
        crate::backup::BackupStatus,
        crate::backup::BackupInfo,
        crate::backup::RestoreInfo,
        crate::backup::DailyBackup,
        // The logs' vocabulary (the sync wire).
        crate::wire::Entity,
        crate::wire::ChangeOp,
        crate::wire::ActivityEvent,
        crate::wire::CustomerRecord,
        crate::wire::TagRecord,
        crate::wire::CustomerTagRecord,
        crate::wire::ContactRecord,
        crate::wire::AdminRecord,
        crate::wire::SubscriptionRecord,
        crate::wire::InvoiceRecord,
        crate::wire::PaymentRecord,
        crate::wire::VoucherRecord,
        // WhatsApp notifications (issue 13): gateways, templates, the
        // outbox, the worker, reminders, bulk sends.
        crate::notify::gateways::GatewayKind,
        crate::notify::gateways::GatewayView,
        crate::notify::templates::Template,
        crate::notify::transport::CloudTemplate,
        crate::notify::outbox::Message,
        crate::notify::outbox::OutboxQuery,
        crate::notify::outbox::OutboxCounts,
        crate::notify::outbox::SkipReason,
        crate::notify::worker::AttemptReport,
        crate::notify::worker::RunSummary,
        crate::notify::worker::TestReport,
        crate::notify::reminders::ReminderRule,
        crate::notify::reminders::ReminderSummary,
        crate::notify::bulk::BulkSummary,
    )?;
    // The demo shop's summary, where the generator is built (the app's
    // first run; always in the core's own tests).
    #[cfg(feature = "gen")]
    <crate::generate::GenSummary as TS>::export_all(&cfg)?;
    Ok(())
}
