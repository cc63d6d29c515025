//! What the three transports share: the client (rustls with ring, a
//! timeout, no proxy from the environment), the reply as text, Retry-After,
//! and what a failed request means.

use std::sync::Mutex;
use std::time::Duration;

use pelanggan_core::notify::SendOutcome;
use pelanggan_core::{Error, Result};
use reqwest::blocking::{Client, Response};

/// The clients made so far, by timeout: the worker connects once per
/// message, and a client (its connection pool, its TLS set-up) is worth keeping.
static CLIENTS: Mutex<Vec<(u64, Client)>> = Mutex::new(Vec::new());

/// A blocking client with the gateway's timeout. The ring provider is
/// installed once per process (reqwest is built without one: aws-lc is a C build).
pub(crate) fn client(timeout_ms: u64) -> Result<Client> {
    let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, c)) = clients.iter().find(|(t, _)| *t == timeout_ms) {
        return Ok(c.clone());
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .connect_timeout(Duration::from_millis(timeout_ms.min(10_000)))
        .user_agent(concat!("Pelanggan/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("the HTTP client could not be made: {e}")))?;
    clients.push((timeout_ms, client.clone()));
    Ok(client)
}

/// A reply as read: its status, its headers' Retry-After, its body.
pub(crate) struct Reply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

impl Reply {
    /// `HTTP 200: {...}`: what an attempt keeps of the reply.
    pub fn text(&self) -> String {
        format!("HTTP {}: {}", self.status, self.body)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Reads a response whole. A body that breaks off is an unknown outcome
/// (the gateway had the request): the error says so.
pub(crate) fn read(response: Response) -> std::result::Result<Reply, reqwest::Error> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text()?;
    Ok(Reply {
        status,
        retry_after,
        body,
    })
}

/// What a request that got no reply means. Refused before it was sent
/// (connect failed: refused, DNS, the connect timeout): retry. Anything
/// after the connection was made (a timeout, a reset, a body cut short): the
/// gateway may have sent it, so unknown.
pub(crate) fn outcome_of_error(e: &reqwest::Error) -> SendOutcome {
    if e.is_builder() {
        return SendOutcome::PauseGateway {
            reason: format!("the gateway's URL or settings are not usable: {e}"),
        };
    }
    if e.is_connect() {
        return SendOutcome::Retry {
            reason: format!(
                "the gateway could not be reached (nothing was sent): {}",
                chain(e)
            ),
            after: None,
        };
    }
    let what = if e.is_timeout() {
        "no answer before the timeout"
    } else {
        "the connection broke"
    };
    SendOutcome::Unknown {
        reason: format!(
            "{what} after the request was sent: it may have been delivered ({})",
            chain(e)
        ),
    }
}

/// The error with its causes, as one line.
fn chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The outcome of an HTTP status that is not a success, for the statuses
/// every gateway shares: 429 and 5xx retry (honouring Retry-After), 401 and
/// 403 pause the gateway (its token), the other 4xx fail the message.
pub(crate) fn outcome_of_status(reply: &Reply, reason: String) -> SendOutcome {
    match reply.status {
        429 | 500..=599 => SendOutcome::Retry {
            reason,
            after: reply.retry_after,
        },
        401 | 403 => SendOutcome::PauseGateway { reason },
        408 => SendOutcome::Unknown { reason },
        _ => SendOutcome::Failed { reason },
    }
}
