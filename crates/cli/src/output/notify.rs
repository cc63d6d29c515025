//! Tables for WhatsApp notifications: gateways (tokens masked by the core),
//! templates, the outbox with its attempts, reminder rules, bulk and run
//! summaries. JSON is the core types' own.

use pelanggan_core::notify::bulk::BulkSummary;
use pelanggan_core::notify::gateways::GatewayView;
use pelanggan_core::notify::outbox::Message;
use pelanggan_core::notify::reminders::ReminderRule;
use pelanggan_core::notify::templates::Template;
use pelanggan_core::notify::worker::{RunSummary, TestReport};
use serde::Serialize;

use super::{List, Text, list_text, local, opt, shorten, table};

/// `notify gateway show`: the gateways and this desk's device id (what the
/// `notify_sender` setting names).
#[derive(Serialize)]
pub struct Gateways {
    pub device_id: String,
    pub gateways: Vec<GatewayView>,
}

fn gateway_rows(g: &GatewayView) -> Vec<(&'static str, String)> {
    let s = &g.settings;
    let mut rows = vec![
        ("kind", g.kind.to_string()),
        ("active", if g.active { "yes" } else { "no" }.into()),
        (
            "status",
            match &g.paused_reason {
                Some(r) => format!(
                    "PAUSED since {}: {r}",
                    local(g.paused_at.as_deref().unwrap_or(""))
                ),
                None => "ready".into(),
            },
        ),
        ("url", s.url.clone()),
        ("token", g.token.clone()),
    ];
    if let Some(v) = &s.country_code {
        rows.push(("country code", v.clone()));
    }
    if let Some(v) = &s.api_version {
        rows.push(("api version", v.clone()));
    }
    if let Some(v) = &s.phone_number_id {
        rows.push(("phone number id", v.clone()));
    }
    if g.kind == pelanggan_core::notify::GatewayKind::Webhook {
        rows.push(("method", s.method.clone()));
        for (n, v) in &s.headers {
            rows.push(("header", format!("{n}: {v}")));
        }
        rows.push(("body", s.body.clone()));
        rows.push(("body format", format!("{:?}", s.body_format).to_lowercase()));
        if let Some(p) = &s.success_path {
            rows.push(("success", format!("{p} = {}", opt(&s.success_value))));
        }
        rows.push((
            "idempotency key",
            if s.idempotency_key { "yes" } else { "no" }.into(),
        ));
    }
    rows.push(("pace", format!("{} s", s.pace_ms as f64 / 1000.0)));
    rows.push((
        "retry base",
        format!("{} s", s.retry_base_ms as f64 / 1000.0),
    ));
    rows.push(("timeout", format!("{} s", s.timeout_ms as f64 / 1000.0)));
    rows.push((
        "updated",
        format!("{} by {}", local(&g.updated_at), g.updated_by),
    ));
    rows
}

fn fields(rows: Vec<(&str, String)>) -> String {
    let mut t = table(&["field", "value"]);
    for (k, v) in rows {
        t.add_row([k.to_owned(), v]);
    }
    t.to_string()
}

impl Text for GatewayView {
    fn text(&self) -> String {
        fields(gateway_rows(self))
    }
}

impl Text for Gateways {
    fn text(&self) -> String {
        let mut out = if self.gateways.is_empty() {
            "No gateway is set up: pelanggan notify gateway set fonnte|cloud-api|webhook ..."
                .to_owned()
        } else {
            self.gateways
                .iter()
                .map(|g| g.text())
                .collect::<Vec<_>>()
                .join("\n")
        };
        out.push_str(&format!("\nThis desk's device id: {}", self.device_id));
        out
    }
}

impl Text for Message {
    fn text(&self) -> String {
        let mut rows = vec![
            ("id", format!("#{}", self.id)),
            ("customer", self.customer_name.clone()),
            ("to", self.recipient.clone()),
            ("kind", self.kind.to_string()),
            ("template", opt(&self.template)),
            ("status", self.status.to_string()),
            ("text", self.body.clone()),
            ("attempts", self.attempts.to_string()),
        ];
        if let Some(id) = &self.gateway_message_id {
            rows.push(("gateway id", id.clone()));
        }
        if let Some(e) = &self.last_error {
            rows.push(("reason", e.clone()));
        }
        if let Some(b) = self.batch {
            rows.push(("bulk send", format!("B{b}")));
        }
        if let Some(desk) = &self.origin {
            rows.push(("queued on", format!("another desk ({desk})")));
        }
        rows.push((
            "queued",
            format!("{} by {}", local(&self.created_at), self.created_by),
        ));
        if let Some(s) = &self.sent_at {
            rows.push(("sent", local(s)));
        }
        let mut out = fields(rows);
        if !self.attempt_log.is_empty() {
            let mut t = table(&[
                "attempt", "gateway", "started", "outcome", "detail", "reply",
            ]);
            for (i, a) in self.attempt_log.iter().enumerate() {
                t.add_row([
                    (i + 1).to_string(),
                    a.gateway.clone(),
                    local(&a.started_at),
                    a.outcome.clone().unwrap_or_else(|| "in flight".into()),
                    opt(&a.detail),
                    shorten(a.reply.as_deref().unwrap_or(""), 120),
                ]);
            }
            out.push('\n');
            out.push_str(&t.to_string());
        }
        out
    }
}

impl Text for List<Message> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "The outbox is empty.",
            &[
                "#",
                "customer",
                "to",
                "kind",
                "status",
                "tries",
                "queued",
                "gateway id / reason",
            ],
            |m| {
                vec![
                    m.id.to_string(),
                    m.customer_name.clone(),
                    m.recipient.clone(),
                    m.kind.to_string(),
                    m.status.to_string(),
                    m.attempts.to_string(),
                    // Another desk's, arrived by sync: marked, as it is sent there (or by the sender).
                    match m.origin {
                        Some(_) => format!("{} (other desk)", local(&m.created_at)),
                        None => local(&m.created_at),
                    },
                    shorten(
                        m.gateway_message_id
                            .as_deref()
                            .or(m.last_error.as_deref())
                            .unwrap_or(""),
                        80,
                    ),
                ]
            },
        )
    }
}

impl Text for Template {
    fn text(&self) -> String {
        let mut rows = vec![
            ("name", self.name.clone()),
            ("language", self.language.clone()),
            (
                "built in",
                if self.built_in {
                    "yes"
                } else {
                    "no (the shop's text)"
                }
                .into(),
            ),
            ("text", self.body.clone()),
        ];
        if let Some(c) = &self.cloud {
            rows.push((
                "cloud-api",
                format!("{} ({}): {}", c.name, c.language, c.params.join(", ")),
            ));
        }
        fields(rows)
    }
}

impl Text for List<Template> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "No templates.",
            &["name", "lang", "built in", "text"],
            |t| {
                vec![
                    t.name.clone(),
                    t.language.clone(),
                    if t.built_in { "yes" } else { "" }.into(),
                    shorten(&t.body, 90),
                ]
            },
        )
    }
}

/// `notify template preview`: the text as the customer would read it.
#[derive(Serialize)]
pub struct Preview {
    pub template: String,
    pub customer: String,
    pub text: String,
}

impl Text for Preview {
    fn text(&self) -> String {
        self.text.clone()
    }
}

impl Text for List<ReminderRule> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "No rules.",
            &["rule", "on", "days", "then every"],
            |r| {
                vec![
                    r.rule.to_string(),
                    if r.enabled { "on" } else { "off" }.into(),
                    r.days.to_string(),
                    r.every_days
                        .map(|d| format!("{d} days"))
                        .unwrap_or_else(|| "once".into()),
                ]
            },
        )
    }
}

impl Text for ReminderRule {
    fn text(&self) -> String {
        List(vec![self.clone()]).text()
    }
}

/// `notify bulk`'s summary, dry run or not.
#[derive(Serialize)]
pub struct Bulk {
    pub dry_run: bool,
    #[serde(flatten)]
    pub summary: BulkSummary,
}

impl Text for Bulk {
    fn text(&self) -> String {
        let s = &self.summary;
        let mut out = if self.dry_run {
            format!(
                "Dry run: {} of {} matching customers would get '{}'; nothing was queued.",
                s.queued, s.matched, s.template
            )
        } else {
            format!(
                "Bulk send B{}: {} messages of '{}' queued for {} matching customers (notify run sends them; notify cancel B{} stops them).",
                s.batch.unwrap_or_default(),
                s.queued,
                s.template,
                s.matched,
                s.batch.unwrap_or_default()
            )
        };
        if s.skipped_count > 0 {
            out.push_str(&format!("\nSkipped {}:", s.skipped_count));
            for k in &s.skipped {
                out.push_str(&format!(
                    "\n  {} ({}){}",
                    k.name,
                    k.reason,
                    k.detail
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ));
            }
            if (s.skipped.len() as u32) < s.skipped_count {
                out.push_str(&format!(
                    "\n  ... and {} more",
                    s.skipped_count - s.skipped.len() as u32
                ));
            }
        }
        if let Some(sample) = &s.sample {
            out.push_str(&format!("\nFirst message: {sample}"));
        }
        out
    }
}

/// `notify cancel B<n>`.
#[derive(Serialize)]
pub struct BatchCancelled {
    pub batch: i64,
    pub cancelled: u32,
}

impl Text for BatchCancelled {
    fn text(&self) -> String {
        format!(
            "Bulk send B{}: {} unsent messages cancelled (they stay in the outbox as cancelled).",
            self.batch, self.cancelled
        )
    }
}

impl Text for RunSummary {
    fn text(&self) -> String {
        let mut out = format!(
            "Sent {}, failed {}, to retry {}, unknown {}.",
            self.sent, self.failed, self.retried, self.unknown
        );
        if self.recovered > 0 {
            out.push_str(&format!(
                "\n{} message(s) were in flight when the last sender stopped: now unknown (notify outbox --status unknown; notify retry or notify mark-sent).",
                self.recovered
            ));
        }
        if self.reminders_queued > 0 {
            out.push_str(&format!("\nReminders queued: {}.", self.reminders_queued));
        }
        if let Some(p) = &self.paused {
            out.push_str(&format!(
                "\nThe gateway is PAUSED: {p}. Mend it, then save it again (notify gateway set) to resume."
            ));
        }
        if self.still_queued > 0 {
            out.push_str(&format!(
                "\nStill queued: {}{}.",
                self.still_queued,
                self.next_due
                    .as_deref()
                    .map(|d| format!(", next due {}", local(d)))
                    .unwrap_or_default()
            ));
        }
        out
    }
}

impl Text for TestReport {
    fn text(&self) -> String {
        let a = &self.attempt;
        let mut out = format!(
            "Test message #{} to {}: {} ({})",
            a.message, a.recipient, a.outcome, a.status
        );
        if let Some(id) = &a.gateway_message_id {
            out.push_str(&format!("\ngateway id: {id}"));
        }
        if let Some(d) = &a.detail {
            out.push_str(&format!("\nreason: {d}"));
        }
        out.push_str(&format!(
            "\nreply: {}",
            if self.reply.is_empty() {
                "(none)"
            } else {
                &self.reply
            }
        ));
        out
    }
}
