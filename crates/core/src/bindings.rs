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
        Ok(())
    }};
}

/// Writes every binding into `dir` (one `.ts` file per type).
pub fn export(dir: &Path) -> Result<(), ExportError> {
    // Ids and counts are far below 2^53: a JavaScript number holds them exactly,
    // and the app then needs no bigint arithmetic. Money is a string, never a number.
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    export_all!(
        &cfg,
        crate::page::Page<crate::money::Money>,
        crate::customers::Status,
        crate::contacts::ContactKind,
        crate::ledger::EntryKind,
        crate::billing::PaymentMethod,
        crate::billing::payments::PaymentStatus,
        crate::billing::subscriptions::ServiceType,
        crate::billing::subscriptions::Cycle,
        crate::billing::subscriptions::SubscriptionStatus,
        crate::billing::vouchers::VoucherStatus,
        crate::billing::invoices::InvoiceStatus,
    )
}
