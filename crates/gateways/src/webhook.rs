//! Any other HTTP gateway (Wablas, StarSender, a self-hosted WhatsApp Web
//! server), described by its settings: URL, method, headers (`{token}` is
//! the token), a JSON or form body with placeholders, and what a success
//! looks like (a 2xx, and optionally a JSON path holding a value).
//!
//! Placeholders of the body: `{to}` (E.164), `{to_digits}`, `{message}`,
//! `{key}` (the message's identity); in a JSON body they are escaped as JSON
//! string content, in a form body URL-encoded. When the gateway honours it,
//! `Idempotency-Key: <key>` lets the worker resend an unknown message safely.

use pelanggan_core::notify::gateways::BodyFormat;
use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome};
use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::Value;

use crate::http;

pub struct Webhook {
    config: GatewayConfig,
    client: Client,
}

impl Webhook {
    pub fn new(config: GatewayConfig, client: Client) -> Webhook {
        Webhook { config, client }
    }
}

/// Fills the body template: each placeholder's value escaped for the format.
pub(crate) fn fill(template: &str, msg: &OutgoingMessage, format: BodyFormat) -> String {
    let escape = |v: &str| match format {
        BodyFormat::Json => {
            let quoted = Value::String(v.to_owned()).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        }
        BodyFormat::Form => form_encode(v),
    };
    template
        .replace("{to_digits}", &escape(msg.to_digits()))
        .replace("{to}", &escape(&msg.to))
        .replace("{message}", &escape(&msg.text))
        .replace("{key}", &escape(&msg.key))
}

fn form_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Gateway for Webhook {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply {
        let s = &self.config.settings;
        let method = Method::from_bytes(s.method.as_bytes()).unwrap_or(Method::POST);
        let mut request = self.client.request(method, &s.url);
        for (name, value) in &s.headers {
            request = request.header(
                name.as_str(),
                value.replace("{token}", self.config.token.expose()),
            );
        }
        if s.idempotency_key {
            request = request.header("Idempotency-Key", &msg.key);
        }
        if !s.body.is_empty() {
            let content_type = match s.body_format {
                BodyFormat::Json => "application/json",
                BodyFormat::Form => "application/x-www-form-urlencoded",
            };
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(fill(&s.body, msg, s.body_format));
        }
        match request.send().and_then(http::read) {
            Err(e) => GatewayReply {
                outcome: http::outcome_of_error(&e),
                reply: String::new(),
            },
            Ok(reply) => GatewayReply {
                outcome: outcome(&self.config, &reply),
                reply: reply.text(),
            },
        }
    }
}

fn outcome(config: &GatewayConfig, reply: &http::Reply) -> SendOutcome {
    let s = &config.settings;
    if !(200..300).contains(&reply.status) {
        return http::outcome_of_status(
            reply,
            format!("the webhook answered HTTP {}", reply.status),
        );
    }
    let Some(path) = &s.success_path else {
        return SendOutcome::Sent { gateway_id: None };
    };
    let found = reply.json().and_then(|j| at_path(&j, path).cloned());
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (found, &s.success_value) {
        (Some(v), Some(want)) if text(&v) == *want => SendOutcome::Sent { gateway_id: None },
        (Some(_), None) => SendOutcome::Sent { gateway_id: None },
        (Some(v), Some(want)) => SendOutcome::Failed {
            reason: format!("the webhook's reply has {path} = {}, not {want}", text(&v)),
        },
        (None, _) => SendOutcome::Failed {
            reason: format!("the webhook's reply has no {path}"),
        },
    }
}

/// A dotted path into JSON: `data.status`, `messages.0.id`.
fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, part| match v {
        Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Object(map) => map.get(part),
        _ => None,
    })
}
