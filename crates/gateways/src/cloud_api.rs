//! Meta's WhatsApp Cloud API: `POST {base}/{version}/{phone-number-id}/messages`
//! with `Authorization: Bearer <token>` and a JSON message, free text or an
//! approved template (name, language, body parameters).
//!
//! Its errors are `{"error": {"code": N, "message": ...}}`; the codes decide:
//! 131047 (outside the 24-hour window) needs a template; 130429 and 80007
//! throttle the gateway; 131056 throttles one recipient (about one message
//! every 6 s to the same user); 131026 fails the message (not on WhatsApp);
//! 368 and 131031 pause the gateway (the account is restricted), as does 190
//! (the token expired).

use std::time::Duration;

use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome};
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::http;

/// How long a message to one recipient waits after 131056.
const PAIR_RATE_WAIT: Duration = Duration::from_secs(6);

pub struct CloudApi {
    config: GatewayConfig,
    client: Client,
}

impl CloudApi {
    pub fn new(config: GatewayConfig, client: Client) -> CloudApi {
        CloudApi { config, client }
    }

    fn url(&self) -> String {
        let s = &self.config.settings;
        format!(
            "{}/{}/{}/messages",
            s.url.trim_end_matches('/'),
            s.api_version.as_deref().unwrap_or("v21.0"),
            s.phone_number_id.as_deref().unwrap_or_default()
        )
    }
}

/// The request body: a template when one is mapped, else free text.
pub(crate) fn body(msg: &OutgoingMessage) -> Value {
    match &msg.template {
        Some(t) => {
            let parameters: Vec<Value> = t
                .params
                .iter()
                .map(|p| json!({"type": "text", "text": p}))
                .collect();
            let mut template = json!({"name": t.name, "language": {"code": t.language}});
            if !parameters.is_empty() {
                template["components"] = json!([{"type": "body", "parameters": parameters}]);
            }
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": msg.to_digits(),
                "type": "template",
                "template": template,
            })
        }
        None => json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": msg.to_digits(),
            "type": "text",
            "text": {"preview_url": false, "body": msg.text},
        }),
    }
}

impl Gateway for CloudApi {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply {
        let sent = self
            .client
            .post(self.url())
            .bearer_auth(self.config.token.expose())
            .json(&body(msg))
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

fn outcome(reply: &http::Reply) -> SendOutcome {
    let json = reply.json();
    if (200..300).contains(&reply.status) {
        let wamid = json
            .as_ref()
            .and_then(|j| j.pointer("/messages/0/id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        return match wamid {
            Some(id) => SendOutcome::Sent {
                gateway_id: Some(id),
            },
            None => SendOutcome::Unknown {
                reason: "the Cloud API accepted the request without a message id".into(),
            },
        };
    }
    let error = json.as_ref().and_then(|j| j.get("error"));
    let code = error.and_then(|e| e.get("code")).and_then(Value::as_i64);
    let message = error
        .and_then(|e| {
            e.pointer("/error_data/details")
                .or_else(|| e.get("message"))
        })
        .and_then(Value::as_str)
        .unwrap_or("no error message");
    let reason = match code {
        Some(c) => format!("Cloud API error {c}: {message}"),
        None => format!("Cloud API HTTP {}: {message}", reply.status),
    };
    match code {
        Some(131047) => SendOutcome::NeedsTemplate { reason },
        Some(130429 | 80007 | 4 | 613) => SendOutcome::Retry {
            reason,
            after: reply.retry_after,
        },
        Some(131056) => SendOutcome::ThrottleRecipient {
            reason,
            after: reply.retry_after.unwrap_or(PAIR_RATE_WAIT),
        },
        Some(131026) => SendOutcome::Failed { reason },
        Some(368 | 131031 | 190) => SendOutcome::PauseGateway { reason },
        _ => http::outcome_of_status(reply, reason),
    }
}
