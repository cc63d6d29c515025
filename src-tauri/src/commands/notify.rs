//! WhatsApp (issue 13): the gateway, templates, sends, the outbox, the
//! opt-out, bulk sends and reminders. Each command calls one core function
//! (`pelanggan_core::notify`); what reaches the network goes through the real
//! transports (`pelanggan_gateways::connect`) on a connection of its own, so
//! the app's writer never waits on a gateway.

use pelanggan_core::Db;
use pelanggan_core::customers::Customer;
use pelanggan_core::notify::bulk::{self, BulkSummary, Selection};
use pelanggan_core::notify::gateways::{self, GatewayKind, GatewayPatch, GatewayView, Secret};
use pelanggan_core::notify::outbox::{self, Content, Message, OutboxQuery};
use pelanggan_core::notify::reminders::{self, ReminderRule, Rule, RulePatch};
use pelanggan_core::notify::templates::{self, CloudMapping, Template, TemplateInput};
use pelanggan_core::notify::worker::{self, TestReport};
use pelanggan_core::progress::Progress;
use pelanggan_core::search::Filter;
use tauri::AppHandle;
use tauri::ipc::Channel;

use crate::error::CmdResult;
use crate::state::blocking;

/// The gateways set up (the token masked: it is never read back).
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_gateways(app: AppHandle) -> CmdResult<Vec<GatewayView>> {
    blocking(app, move |s| s.read(gateways::list)).await
}

/// Sets up or changes the gateway `kind` and makes it active (also lifts a
/// pause). A `token` given replaces the stored one; none keeps it.
#[tauri::command(rename_all = "snake_case")]
#[allow(clippy::too_many_arguments)]
pub async fn notify_gateway_set(
    app: AppHandle,
    kind: GatewayKind,
    url: Option<String>,
    token: Option<String>,
    pace_ms: Option<u64>,
    country_code: Option<String>,
    api_version: Option<String>,
    phone_number_id: Option<String>,
) -> CmdResult<GatewayView> {
    let patch = GatewayPatch {
        url,
        token: token.filter(|t| !t.trim().is_empty()).map(Secret::new),
        pace_ms,
        country_code,
        api_version,
        phone_number_id,
        ..GatewayPatch::default()
    };
    blocking(app, move |s| s.write(|w| gateways::set(w, kind, patch))).await
}

/// Sends a test message to `customer` now and returns the gateway's reply.
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_gateway_test(app: AppHandle, customer: String) -> CmdResult<TestReport> {
    blocking(app, move |s| {
        let actor = s.signed_in()?.username;
        let mut db = Db::open_existing(s.path())?;
        worker::test_send(
            &mut db,
            Some(&actor),
            &customer,
            &pelanggan_gateways::connect,
        )
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_templates(app: AppHandle) -> CmdResult<Vec<Template>> {
    blocking(app, move |s| s.read(templates::list)).await
}

/// Saves the shop's text of template `name` in `language`.
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_template_set(
    app: AppHandle,
    name: String,
    language: String,
    body: String,
    cloud: Option<CloudMapping>,
) -> CmdResult<Template> {
    let input = TemplateInput { body, cloud };
    blocking(app, move |s| {
        s.write(|w| templates::set(w, &name, &language, input))
    })
    .await
}

/// A text being edited, filled in for a real customer (nothing saved).
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_preview(
    app: AppHandle,
    customer: String,
    body: String,
    invoice: Option<String>,
) -> CmdResult<String> {
    blocking(app, move |s| {
        s.read(|r| outbox::preview_body(r, &customer, &body, invoice.as_deref()))
    })
    .await
}

/// Queues a message to one customer: a template (by name) or a free text.
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_send(
    app: AppHandle,
    customer: String,
    template: Option<String>,
    text: Option<String>,
    invoice: Option<String>,
) -> CmdResult<Message> {
    let content = match template {
        Some(name) => Content::Template {
            name,
            invoice,
            payment: None,
        },
        None => Content::Text(text.unwrap_or_default()),
    };
    blocking(app, move |s| {
        s.write(|w| outbox::send(w, &customer, &content))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_outbox(app: AppHandle, query: OutboxQuery) -> CmdResult<Vec<Message>> {
    blocking(app, move |s| s.read(|r| outbox::list(r, &query))).await
}

/// Sends a failed, cancelled or unknown message again.
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_retry(app: AppHandle, id: String) -> CmdResult<Message> {
    blocking(app, move |s| s.write(|w| outbox::retry(w, &id))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_cancel(app: AppHandle, id: String) -> CmdResult<Message> {
    blocking(app, move |s| s.write(|w| outbox::cancel(w, &id))).await
}

/// An unknown message the admin saw arrive: sent.
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_mark_sent(app: AppHandle, id: String) -> CmdResult<Message> {
    blocking(app, move |s| s.write(|w| outbox::mark_sent(w, &id))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_opt_out_get(app: AppHandle, customer: String) -> CmdResult<bool> {
    blocking(app, move |s| s.read(|r| outbox::opt_out_of(r, &customer))).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_opt_out_set(
    app: AppHandle,
    customer: String,
    opted_out: bool,
) -> CmdResult<Customer> {
    blocking(app, move |s| {
        s.write(|w| outbox::set_opt_out(w, &customer, opted_out))
    })
    .await
}

/// Queues `template` for every customer the list's `filter` finds, as one
/// batch; with `dry_run` the same write rolled back (the count to confirm).
#[tauri::command(rename_all = "snake_case")]
pub async fn notify_bulk(
    app: AppHandle,
    filter: Filter,
    template: String,
    dry_run: bool,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<BulkSummary> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        let selection = Selection::Filter(filter);
        let actor = s.signed_in()?.username;
        s.with_db(|db| {
            let (cancel, report) = (&job.cancel, |p| job.report(p));
            bulk::run(
                db,
                Some(&actor),
                &selection,
                &template,
                dry_run,
                cancel,
                report,
            )
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_reminders(app: AppHandle) -> CmdResult<Vec<ReminderRule>> {
    blocking(app, move |s| s.read(reminders::list)).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn notify_reminder_set(
    app: AppHandle,
    rule: Rule,
    enabled: Option<bool>,
    days: Option<u32>,
) -> CmdResult<ReminderRule> {
    let patch = RulePatch {
        enabled,
        days,
        every_days: None,
    };
    blocking(app, move |s| s.write(|w| reminders::set(w, rule, patch))).await
}
