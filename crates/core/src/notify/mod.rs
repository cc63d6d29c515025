//! WhatsApp notifications that survive being offline.
//!
//! Every message is first a row of the outbox (`outbox`), written in the
//! same transaction as what caused it (an invoice, a payment, a new customer,
//! a reminder rule, a bulk send, an admin's send); a worker (`worker`) then
//! claims due messages one at a time, sends them through the active gateway
//! (`gateways`) behind the `Gateway` trait (`transport`) and records what the
//! reply means. Texts come from templates (`templates`); automatic reminders
//! from rules (`reminders`); bulk sends from a selection of customers (`bulk`);
//! the causes in other modules call one line of `hooks` (billing, customers)
//! or `isolir` (the routers' suspend and resume).
//!
//! Architecture invariant: no HTTP here. The transports (Fonnte-style, Cloud
//! API, webhook) are the `pelanggan-gateways` crate, which maps each
//! gateway's replies onto `SendOutcome`; the CLI and the app connect the two.
//! A message is never lost (it is a row before anything is sent) and never
//! silently sent twice (a request whose outcome is unknown becomes
//! `unknown`, for the admin to resend or mark sent).

pub mod bulk;
pub mod gateways;
pub mod hooks;
pub mod isolir;
pub mod outbox;
pub mod reminders;
pub mod templates;
pub mod transport;
pub mod worker;

pub use gateways::{GatewayConfig, GatewayKind, GatewaySettings, Secret};
pub use outbox::{Content, Message, MessageKind, MessageStatus};
pub use transport::{CloudTemplate, Gateway, GatewayReply, OutgoingMessage, SendOutcome};
