//! Billing: subscriptions, invoices, payments and vouchers. Amounts arrive
//! as the text the admin typed and are read by the core's one amount parser
//! here, so a bad amount is `invalid_amount` at its field (a serde failure
//! would carry no code). Dates arrive as `YYYY-MM-DD`.

use pelanggan_core::Money;
use pelanggan_core::billing::invoices::{self, Invoice, InvoiceQuery, IssuedDue};
use pelanggan_core::billing::parse_date;
use pelanggan_core::billing::payments::{self, NewPayment, Payment, PaymentPreview, PaymentQuery};
use pelanggan_core::billing::subscriptions::{
    self, Cycle, NewSubscription, ServiceType, Subscription, SubscriptionPatch, SubscriptionQuery,
};
use pelanggan_core::billing::vouchers::{self, NewVoucher, SellVoucher, Voucher, VoucherQuery};
use pelanggan_core::page::Page;
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

/// Adds a subscription; a start date far off (`date_out_of_range`) needs `confirm`.
#[allow(clippy::too_many_arguments)]
#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_add(
    app: AppHandle,
    customer: String,
    kind: ServiceType,
    username: String,
    profile: String,
    price: String,
    cycle: Option<Cycle>,
    start: String,
    confirm: bool,
) -> CmdResult<Subscription> {
    blocking(app, move |s| {
        let input = new_subscription(kind, username, profile, &price, cycle, &start)?;
        s.write(|w| subscriptions::add_asked(w, &customer, input, confirm))
    })
    .await
}

/// The form's fields of a new subscription, parsed (the router commands take the same).
pub(crate) fn new_subscription(
    kind: ServiceType,
    username: String,
    profile: String,
    price: &str,
    cycle: Option<Cycle>,
    start: &str,
) -> pelanggan_core::Result<NewSubscription> {
    Ok(NewSubscription {
        kind,
        username,
        profile,
        price: Money::parse_positive("price", price)?,
        cycle,
        start: parse_date("start", start)?,
    })
}

/// The form's changed fields of a subscription, parsed.
pub(crate) fn subscription_patch(
    kind: Option<ServiceType>,
    username: Option<String>,
    profile: Option<String>,
    price: Option<String>,
    cycle: Option<Cycle>,
) -> pelanggan_core::Result<SubscriptionPatch> {
    Ok(SubscriptionPatch {
        kind,
        username,
        profile,
        price: price
            .map(|p| Money::parse_positive("price", &p))
            .transpose()?,
        cycle,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn subscriptions_list(
    app: AppHandle,
    query: SubscriptionQuery,
) -> CmdResult<Page<Subscription>> {
    blocking(app, move |s| s.read(|r| subscriptions::list(r, &query))).await
}

/// Changes what is given; a new price applies from the next invoice.
#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_edit(
    app: AppHandle,
    subscription: String,
    kind: Option<ServiceType>,
    username: Option<String>,
    profile: Option<String>,
    price: Option<String>,
    cycle: Option<Cycle>,
) -> CmdResult<Subscription> {
    blocking(app, move |s| {
        let patch = subscription_patch(kind, username, profile, price, cycle)?;
        s.write(|w| subscriptions::edit(w, &subscription, patch))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_suspend(app: AppHandle, subscription: String) -> CmdResult<Subscription> {
    blocking(app, move |s| {
        s.write(|w| subscriptions::suspend(w, &subscription))
    })
    .await
}

/// Resumes on `date` (default: the shop's today); the suspended periods are skipped.
#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_resume(
    app: AppHandle,
    subscription: String,
    date: Option<String>,
) -> CmdResult<Subscription> {
    blocking(app, move |s| {
        let on = date.map(|d| parse_date("date", &d)).transpose()?;
        s.write(|w| {
            let on = on.unwrap_or_else(|| w.reader().today());
            subscriptions::resume(w, &subscription, on)
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_cancel(app: AppHandle, subscription: String) -> CmdResult<Subscription> {
    blocking(app, move |s| {
        s.write(|w| subscriptions::cancel(w, &subscription))
    })
    .await
}

/// Issues every invoice due on `date` (default: the shop's today); with
/// `dry_run` the same code runs and is rolled back. A date far off needs `confirm`.
#[tauri::command(rename_all = "snake_case")]
pub async fn invoices_issue_due(
    app: AppHandle,
    date: Option<String>,
    dry_run: bool,
    confirm: bool,
) -> CmdResult<IssuedDue> {
    blocking(app, move |s| {
        let date = date.map(|d| parse_date("date", &d)).transpose()?;
        s.write_or_preview(dry_run, |w| invoices::issue_due_asked(w, date, confirm))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoices_list(app: AppHandle, query: InvoiceQuery) -> CmdResult<Page<Invoice>> {
    blocking(app, move |s| s.read(|r| invoices::list(r, &query))).await
}

/// One invoice by number or id, with the numbers of the invoices it carries.
#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_get(app: AppHandle, invoice: String) -> CmdResult<Invoice> {
    blocking(app, move |s| s.read(|r| invoices::get(r, &invoice))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn invoice_void(app: AppHandle, invoice: String) -> CmdResult<Invoice> {
    blocking(app, move |s| s.write(|w| invoices::void(w, &invoice))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_record(
    app: AppHandle,
    customer: String,
    amount: String,
    options: NewPayment,
) -> CmdResult<Payment> {
    blocking(app, move |s| {
        let amount = Money::parse_positive("amount", &amount)?;
        s.write(|w| payments::record(w, &customer, amount, options))
    })
    .await
}

/// What `payment_record` would do (allocations, credit, the new balance):
/// the same code in a dry run, so the dialog shows exactly what confirming does.
#[tauri::command(rename_all = "snake_case")]
pub async fn payment_preview(
    app: AppHandle,
    customer: String,
    amount: String,
    options: NewPayment,
) -> CmdResult<PaymentPreview> {
    blocking(app, move |s| {
        let amount = Money::parse_positive("amount", &amount)?;
        s.write_or_preview(true, |w| payments::preview(w, &customer, amount, options))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payments_list(app: AppHandle, query: PaymentQuery) -> CmdResult<Page<Payment>> {
    blocking(app, move |s| s.read(|r| payments::list(r, &query))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_get(app: AppHandle, payment: String) -> CmdResult<Payment> {
    blocking(app, move |s| s.read(|r| payments::get(r, &payment))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn payment_refund(app: AppHandle, payment: String) -> CmdResult<Payment> {
    blocking(app, move |s| s.write(|w| payments::refund(w, &payment))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn voucher_add(
    app: AppHandle,
    code: String,
    profile: String,
    price: String,
) -> CmdResult<Voucher> {
    blocking(app, move |s| {
        let input = NewVoucher {
            code,
            profile,
            price: Money::parse_positive("price", &price)?,
        };
        s.write(|w| vouchers::add(w, input))
    })
    .await
}

/// Sells a voucher to a customer (an invoice and its payment) or, without
/// one, over the counter.
#[tauri::command(rename_all = "snake_case")]
pub async fn voucher_sell(
    app: AppHandle,
    code: String,
    options: SellVoucher,
) -> CmdResult<Voucher> {
    blocking(app, move |s| s.write(|w| vouchers::sell(w, &code, options))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn vouchers_list(app: AppHandle, query: VoucherQuery) -> CmdResult<Page<Voucher>> {
    blocking(app, move |s| s.read(|r| vouchers::list(r, &query))).await
}
