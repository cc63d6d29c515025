//! The messages other use cases cause: a welcome for a new customer, an
//! invoice issued, a payment received. Each is one call line in its use case
//! (customers, billing) and queues in that use case's own transaction, so the
//! message exists exactly when its cause does.
//!
//! Owns whether the shop turned each automatic kind on (the settings
//! `notify_invoice_issued`, `notify_payment_received`, off by default) and
//! the cause's key. A message that cannot be written (the shop's name unset,
//! for `{shop_name}`) does not stop the invoice or payment: the write warns
//! (`message_not_queued`) instead.

use super::outbox::{self, Content, MessageKind};
use crate::billing::invoices::Invoice;
use crate::billing::payments::Payment;
use crate::customers;
use crate::db::Write;
use crate::error::Result;
use crate::settings::{self, Key};

/// A new invoice: its message, if the shop sends them.
pub(crate) fn invoice_issued(w: &mut Write<'_>, invoice: &Invoice) -> Result<()> {
    if !settings::switched_on(w.tx(), Key::NotifyInvoiceIssued)? {
        return Ok(());
    }
    let customer = customers::resolve(w.reader(), &invoice.customer_id)?;
    let content = Content::Template {
        name: "invoice_issued".into(),
        invoice: Some(invoice.id.clone()),
        payment: None,
    };
    let key = format!("invoice_issued:{}", invoice.id);
    outbox::queue_or_warn(w, &customer, MessageKind::InvoiceIssued, &content, key)
}

/// A payment received: its thank-you, if the shop sends them.
pub(crate) fn payment_received(w: &mut Write<'_>, payment: &Payment) -> Result<()> {
    if !settings::switched_on(w.tx(), Key::NotifyPaymentReceived)? {
        return Ok(());
    }
    let customer = customers::resolve(w.reader(), &payment.customer_id)?;
    let content = Content::Template {
        name: "payment_received".into(),
        invoice: None,
        payment: Some(payment.id.clone()),
    };
    let key = format!("payment_received:{}", payment.id);
    outbox::queue_or_warn(w, &customer, MessageKind::PaymentReceived, &content, key)
}

/// Adds a customer and, when `send_welcome`, queues its welcome in the same
/// write: the customer is never stored without the welcome asked for.
pub fn add_customer(
    w: &mut Write<'_>,
    input: customers::NewCustomer,
    send_welcome: bool,
) -> Result<customers::Customer> {
    let customer = customers::add(w, input)?;
    if send_welcome {
        welcome(w, &customer.id)?;
    }
    Ok(customer)
}

/// A welcome to a customer just added (`customer add --send-welcome`, the
/// app's form): refused, not skipped, when it cannot be written, since the
/// admin asked for it.
pub fn welcome(w: &mut Write<'_>, reference: &str) -> Result<outbox::Message> {
    let customer = customers::resolve(w.reader(), reference)?;
    let content = Content::Template {
        name: "welcome".into(),
        invoice: None,
        payment: None,
    };
    let id = outbox::queue_for_cause(
        w,
        &customer,
        MessageKind::Welcome,
        &content,
        format!("welcome:{}", customer.uuid),
    )?;
    match id {
        Some(id) => outbox::get_by_id(w.tx(), id),
        None => outbox::send(w, reference, &content),
    }
}
