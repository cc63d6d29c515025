//! What the core asks of a gateway transport, and what a reply can mean.
//!
//! Owns the `Gateway` trait, the message as a transport receives it
//! (`OutgoingMessage`) and the outcomes a transport turns a gateway's reply
//! into (`SendOutcome`). Must not know HTTP: the real transports live in the
//! `pelanggan-gateways` crate, which maps each gateway's replies (Fonnte's
//! HTTP 200 with `status:false`, the Cloud API's error codes, a webhook's
//! status) onto these outcomes; the worker (`worker`) decides what each one
//! does to the outbox.

use std::time::Duration;

use serde::Serialize;

/// A message as the transport sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The message's identity (its uuid): the `Idempotency-Key` of a
    /// gateway that honours one.
    pub key: String,
    /// The recipient in E.164 (`+6281234567890`).
    pub to: String,
    /// The rendered text.
    pub text: String,
    /// The approved template to send instead of free text (Cloud API), when
    /// the shop mapped one.
    pub template: Option<CloudTemplate>,
}

impl OutgoingMessage {
    /// The recipient's digits without the `+` (`6281234567890`): what Fonnte
    /// and the Cloud API take.
    pub fn to_digits(&self) -> &str {
        self.to.trim_start_matches('+')
    }
}

/// A WhatsApp Cloud API template message: the approved template's name, its
/// language and its body parameters, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloudTemplate {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

/// What a gateway's reply means for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the gateway's id of the message (Fonnte's id, a `wamid`).
    Sent { gateway_id: Option<String> },
    /// Refused for good (not a WhatsApp number, a malformed target): no retry.
    Failed { reason: String },
    /// Not sent, safe to try again: the request never left (connection
    /// refused, DNS), or the gateway said so (429, 5xx). `after`: the
    /// gateway's `Retry-After`, else the worker's backoff.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The gateway cannot send anything now (a disconnected device, no quota,
    /// an invalid token, a restricted account): the whole queue waits.
    PauseGateway { reason: String },
    /// Too many messages to this one recipient: this message waits `after`.
    ThrottleRecipient { reason: String, after: Duration },
    /// The request was sent and no answer came (a timeout, a dropped
    /// connection): it may have been delivered. Never resent automatically
    /// unless the gateway honours an idempotency key.
    Unknown { reason: String },
    /// Free text outside the customer's 24-hour window: only an approved
    /// template may be sent (Cloud API error 131047).
    NeedsTemplate { reason: String },
}

impl SendOutcome {
    /// The name of the outcome in `message_attempts.outcome`.
    pub fn name(&self) -> &'static str {
        match self {
            SendOutcome::Sent { .. } => "sent",
            SendOutcome::Failed { .. } => "failed",
            SendOutcome::Retry { .. } => "retry",
            SendOutcome::PauseGateway { .. } => "paused",
            SendOutcome::ThrottleRecipient { .. } => "throttled",
            SendOutcome::Unknown { .. } => "unknown",
            SendOutcome::NeedsTemplate { .. } => "needs_template",
        }
    }

    /// The reason in words (None for a send that went out).
    pub fn reason(&self) -> Option<&str> {
        match self {
            SendOutcome::Sent { .. } => None,
            SendOutcome::Failed { reason }
            | SendOutcome::Retry { reason, .. }
            | SendOutcome::PauseGateway { reason }
            | SendOutcome::ThrottleRecipient { reason, .. }
            | SendOutcome::Unknown { reason }
            | SendOutcome::NeedsTemplate { reason } => Some(reason),
        }
    }
}

/// What a gateway answered: the outcome, and the reply as received (status
/// line and body), kept with the attempt so the admin sees what the gateway
/// really said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayReply {
    pub outcome: SendOutcome,
    pub reply: String,
}

/// A transport to one WhatsApp gateway. Blocking: the worker runs on its own
/// thread and sends one message at a time (the pace is per gateway anyway).
pub trait Gateway {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply;
}
