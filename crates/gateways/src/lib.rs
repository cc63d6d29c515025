//! pelanggan-gateways: the real WhatsApp transports behind the core's
//! `Gateway` trait, over HTTP (reqwest, blocking: the worker is a thread).
//!
//! Owns the wire of each kind of gateway and what its replies mean:
//! `fonnte` (a form POST answered HTTP 200 even on failure: `status` and
//! `reason` decide), `cloud_api` (Meta's Graph API and its error codes) and
//! `webhook` (any other gateway, described by its settings). Each maps a
//! reply onto `SendOutcome`; what an outcome does to the outbox is the
//! core's (`notify::worker`). Must not know the database.
//!
//! Whether a request left matters: one refused before it was sent
//! (connection refused, DNS) is safe to retry; one sent and not answered (a
//! timeout, a dropped connection) may have been delivered, so it is
//! `Unknown`, never a retry (`http::outcome_of_error`).

mod cloud_api;
mod fonnte;
mod http;
#[cfg(feature = "testing")]
pub mod testing;
mod webhook;

use pelanggan_core::Result;
use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayKind};

pub use cloud_api::CloudApi;
pub use fonnte::Fonnte;
pub use webhook::Webhook;

/// The transport for a gateway's configuration: what the CLI and the app
/// hand the core's worker (`notify::worker::run(.., &connect, ..)`).
pub fn connect(config: &GatewayConfig) -> Result<Box<dyn Gateway>> {
    let client = http::client(config.settings.timeout_ms)?;
    Ok(match config.kind {
        GatewayKind::Fonnte => Box::new(Fonnte::new(config.clone(), client)),
        GatewayKind::CloudApi => Box::new(CloudApi::new(config.clone(), client)),
        GatewayKind::Webhook => Box::new(Webhook::new(config.clone(), client)),
    })
}
