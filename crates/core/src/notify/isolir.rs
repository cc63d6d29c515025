//! The isolir notices: "layanan Anda diisolir" when the isolir rule cuts a
//! subscription off, "layanan aktif kembali" when it comes back (the rule's
//! resume on payment or at a check, or the admin's resume of an isolated
//! subscription). Called by `routers::isolir` and `routers::desired` in the
//! transaction of the suspend or resume, so a notice exists exactly when its
//! cause does.
//!
//! Owns whether the shop sends them (`notify_isolir`, off by default) and
//! the cause's key: one notice per event (the subscription and the write's
//! timestamp), never one per check that finds it still suspended. A notice
//! that cannot be written warns (`message_not_queued`) and the suspend or
//! resume is still kept: the router must follow the books either way.
//!
//! Must not know billing (it is called from billing's transactions through
//! the routers module, and reads no invoice itself beyond its reference).

use super::outbox::{self, Content, MessageKind};
use crate::customers;
use crate::db::Write;
use crate::error::Result;
use crate::settings::{self, Key};

/// Subscription `subscription` (uuid) of customer `customer_id` was
/// suspended for invoice `invoice` (its number): the notice, if sent.
pub(crate) fn suspended(
    w: &mut Write<'_>,
    customer_id: i64,
    subscription: &str,
    invoice: &str,
) -> Result<()> {
    let content = Content::Template {
        name: "isolir_suspended".into(),
        invoice: Some(invoice.to_owned()),
        payment: None,
    };
    notice(
        w,
        customer_id,
        MessageKind::IsolirSuspended,
        content,
        subscription,
    )
}

/// Subscription `subscription` (uuid) of customer `customer_id` is active
/// again after an isolir: the notice, if sent.
pub(crate) fn resumed(w: &mut Write<'_>, customer_id: i64, subscription: &str) -> Result<()> {
    let content = Content::Template {
        name: "isolir_resumed".into(),
        invoice: None,
        payment: None,
    };
    notice(
        w,
        customer_id,
        MessageKind::IsolirResumed,
        content,
        subscription,
    )
}

fn notice(
    w: &mut Write<'_>,
    customer_id: i64,
    kind: MessageKind,
    content: Content,
    subscription: &str,
) -> Result<()> {
    if !settings::switched_on(w.tx(), Key::NotifyIsolir)? {
        return Ok(());
    }
    let customer = customers::resolve(w.reader(), &format!("#{customer_id}"))?;
    let key = format!("{kind}:{subscription}:{}", w.now());
    outbox::queue_or_warn(w, &customer, kind, &content, key)
}
