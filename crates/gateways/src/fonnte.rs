//! Fonnte and the gateways that copy its API: `POST {url}` with the token
//! as the whole `Authorization` header (no `Bearer`) and a form of `target`
//! (digits), `message` and an optional `countryCode`.
//!
//! It answers HTTP 200 even when it refuses: the JSON's `status` and
//! `reason` decide. A disconnected device, no quota or a bad token is the
//! gateway's state, not the message's: the queue pauses instead of failing
//! every message in turn. A bad target fails that message only.

use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome};
use reqwest::blocking::Client;
use serde_json::Value;

use crate::http;

pub struct Fonnte {
    config: GatewayConfig,
    client: Client,
}

impl Fonnte {
    pub fn new(config: GatewayConfig, client: Client) -> Fonnte {
        Fonnte { config, client }
    }
}

impl Gateway for Fonnte {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply {
        let mut form = vec![
            ("target", msg.to_digits().to_owned()),
            ("message", msg.text.clone()),
        ];
        if let Some(cc) = &self.config.settings.country_code {
            form.push(("countryCode", cc.clone()));
        }
        let sent = self
            .client
            .post(&self.config.settings.url)
            .header(reqwest::header::AUTHORIZATION, self.config.token.expose())
            .form(&form)
            .send()
            .and_then(http::read);
        match sent {
            Err(e) => GatewayReply {
                outcome: http::outcome_of_error(&e),
                reply: String::new(),
            },
            Ok(reply) => GatewayReply {
                outcome: outcome(&reply),
                reply: reply.text(),
            },
        }
    }
}

/// What a Fonnte reply means.
fn outcome(reply: &http::Reply) -> SendOutcome {
    let json = reply.json();
    // The refusal's words are in `reason` (some endpoints use `detail`).
    let reason = json
        .as_ref()
        .and_then(|j| j.get("reason").or_else(|| j.get("detail")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if reply.status != 200 {
        let why = reason.unwrap_or_else(|| format!("HTTP {}", reply.status));
        return http::outcome_of_status(reply, format!("Fonnte: {why}"));
    }
    let Some(json) = json else {
        // A 200 that is not Fonnte's JSON: the request arrived, what it did is unknown.
        return SendOutcome::Unknown {
            reason: "Fonnte answered HTTP 200 with a body that is not its JSON".into(),
        };
    };
    if json.get("status").and_then(Value::as_bool) == Some(true) {
        return SendOutcome::Sent {
            gateway_id: gateway_id(&json),
        };
    }
    let reason = reason.unwrap_or_else(|| "status false without a reason".into());
    let lower = reason.to_ascii_lowercase();
    let why = format!("Fonnte: {reason}");
    // The device (the phone behind the gateway), the quota or the token: the
    // gateway's state, whatever the message.
    let gateway_wide = [
        "disconnect",
        "quota",
        "token",
        "invalid device",
        "unknown user",
    ];
    if gateway_wide.iter().any(|w| lower.contains(w)) {
        SendOutcome::PauseGateway { reason: why }
    } else if lower.contains("rate") || lower.contains("too many") {
        SendOutcome::Retry {
            reason: why,
            after: reply.retry_after,
        }
    } else {
        // "target invalid" and every other refusal of this message.
        SendOutcome::Failed { reason: why }
    }
}

/// Fonnte's `id` (a list with one id per target, or one value) and its
/// `requestid`, kept together: `80367170 (requestid 2937124)`.
fn gateway_id(json: &Value) -> Option<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let id = json.get("id").and_then(|v| match v {
        Value::Array(items) => items.first().and_then(scalar),
        other => scalar(other),
    });
    let request = json.get("requestid").and_then(scalar);
    match (id, request) {
        (Some(id), Some(r)) => Some(format!("{id} (requestid {r})")),
        (Some(id), None) => Some(id),
        (None, Some(r)) => Some(format!("requestid {r}")),
        (None, None) => None,
    }
}
