//! Routers: MikroTik PPPoE and hotspot users made from subscriptions,
//! suspended when a bill stays unpaid ("isolir") and resumed on payment,
//! through a router outbox that survives a router down and a restart.
//!
//! Owns: the `routers` and `router_outbox` tables, the subscriptions'
//! router, service password, provisioning and isolir columns, the desired
//! state rules (`desired`), the worker (`worker`), the isolir rules
//! (`isolir`) and router sync (`drift`). Must not know: TCP, HTTP or the
//! RouterOS protocol (`client::RouterClient` is the boundary, implemented
//! by `pelanggan-routeros`). Billing calls in with one line per change
//! (`desired::after_change`, `isolir::after_payment`).

pub mod client;
pub mod config;
pub mod desired;
pub mod drift;
pub mod isolir;
mod local;
pub mod outbox;
pub mod state;
pub mod worker;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

pub use client::{RouterClient, RouterFailure};
pub use config::{ApiKind, Credentials, NewRouter, Router, RouterStatus};

use crate::billing::subscriptions;
use crate::db::{Reader, Write};
use crate::error::{Code, Error, Result};
use crate::wire::{Entity, ServiceType};
use local::local;

/// A router failure as the core's error (for commands a person waits on:
/// `router test`, `router sync`).
pub fn router_error(failure: RouterFailure) -> Error {
    let code = match failure {
        RouterFailure::Unreachable(_) => Code::RouterUnreachable,
        RouterFailure::LoginFailed(_) => Code::RouterLoginFailed,
        RouterFailure::Refused(_) => Code::RouterRefused,
    };
    Error::refused(code, failure)
}

/// A subscription's router side, for lists and screens.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Provisioning {
    pub subscription_id: String,
    pub username: String,
    pub router: Option<String>,
    /// none, queued, applied or failed.
    pub status: String,
    /// The last error of its newest outbox row, if any.
    pub last_error: Option<String>,
    /// The day the isolir rule suspended it, if it did.
    pub isolir_since: Option<String>,
    /// The service password, only when it was just generated (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub generated_password: Option<String>,
}

pub const SERVICE_PASSWORD_MAX: usize = 64;

/// Puts subscription `reference` on router `router` (when given) and sets
/// its service password (when given; generated when it has none), then
/// queues what the router must do. A move to another router removes the
/// user from the old one. The generated password is returned once.
pub fn assign(
    w: &mut Write<'_>,
    reference: &str,
    router: Option<&str>,
    password: Option<&str>,
) -> Result<Provisioning> {
    let sub = subscriptions::resolve(w.reader(), reference)?;
    let (current, stored): (Option<i64>, Option<String>) = w.query_row(
        "SELECT router_id, service_password FROM subscriptions WHERE id = ?1",
        [sub.local_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let target = router
        .map(|name| config::local_id(w.reader(), name))
        .transpose()?
        .or(current);
    if target.is_none() {
        return Err(Error::validation(
            "router",
            format!(
                "subscription {} has no router: name one with --router",
                sub.username
            ),
        ));
    }
    let moved = target != current;
    if moved {
        let name_of = |id: Option<i64>| -> Result<Option<String>> {
            id.map(|id| Ok(config::credentials_of(w.reader(), id)?.name))
                .transpose()
        };
        let (old, new) = (name_of(current)?, name_of(target)?);
        let now = w.now().to_owned();
        local(
            w,
            "UPDATE subscriptions SET router_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![sub.local_id, target, now],
        )?;
        w.record_updates(
            Entity::Subscription,
            &sub.id,
            vec![("router", json!(old), json!(new))],
        )?;
    }
    let mut generated = None;
    let new_password = match password {
        Some(p) => Some(parse_password(p)?),
        None if stored.is_none() => {
            let p = generate_password();
            generated = Some(p.clone());
            Some(p)
        }
        None => None,
    };
    let password_changed = new_password.is_some() && new_password != stored;
    if let Some(p) = &new_password {
        local(
            w,
            "UPDATE subscriptions SET service_password = ?2 WHERE id = ?1",
            params![sub.local_id, p],
        )?;
    }
    if moved {
        desired::after_change(w, sub.local_id, "router set")?;
    } else if password_changed {
        desired::queue_current(w, sub.local_id, "service password")?;
    }
    let mut status = provisioning(w.reader(), &sub.id)?;
    status.generated_password = generated;
    Ok(status)
}

/// A subscription and its router side, as adding or editing it on a router
/// gives them (the CLI prints them as one object: the subscription's fields
/// and `router`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OnRouter {
    #[serde(flatten)]
    pub subscription: subscriptions::Subscription,
    pub router: Provisioning,
}

/// A new subscription on `router` (see `subscriptions::add_asked`) with its
/// router user queued, in the caller's one write: a refused router leaves no
/// subscription behind.
pub fn add_subscription(
    w: &mut Write<'_>,
    customer_ref: &str,
    input: subscriptions::NewSubscription,
    confirmed: bool,
    router: &str,
    password: Option<&str>,
) -> Result<OnRouter> {
    let subscription = subscriptions::add_asked(w, customer_ref, input, confirmed)?;
    let router = assign(w, &subscription.id, Some(router), password)?;
    Ok(OnRouter {
        subscription,
        router,
    })
}

/// An edit of subscription `reference` with its move to `router` and/or a
/// new service password (see `assign`), in the caller's one write: a refused
/// move leaves the edit undone too.
pub fn edit_subscription(
    w: &mut Write<'_>,
    reference: &str,
    patch: subscriptions::SubscriptionPatch,
    router: Option<&str>,
    password: Option<&str>,
) -> Result<OnRouter> {
    let subscription = subscriptions::edit(w, reference, patch)?;
    let router = assign(w, &subscription.id, router, password)?;
    Ok(OnRouter {
        subscription,
        router,
    })
}

/// Where subscription `reference` stands on its router.
pub fn provisioning(r: Reader<'_>, reference: &str) -> Result<Provisioning> {
    let sub = subscriptions::resolve(r, reference)?;
    Ok(r.conn().query_row(
        "SELECT ro.name, s.provisioning, s.isolir_since,
             (SELECT o.last_error FROM router_outbox o WHERE o.subscription_id = s.id
              ORDER BY o.id DESC LIMIT 1)
         FROM subscriptions s LEFT JOIN routers ro ON ro.id = s.router_id WHERE s.id = ?1",
        [sub.local_id],
        |r| {
            Ok(Provisioning {
                subscription_id: sub.id.clone(),
                username: sub.username.clone(),
                router: r.get(0)?,
                status: r.get(1)?,
                isolir_since: r.get(2)?,
                last_error: r.get(3)?,
                generated_password: None,
            })
        },
    )?)
}

/// What `router test` shows: the router's version and profiles.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouterTest {
    pub router: String,
    pub version: String,
    pub pppoe_profiles: Vec<String>,
    pub hotspot_profiles: Vec<String>,
}

/// Logs in (the caller connected `client`) and reads the version and profiles.
pub fn test(router: &str, client: &mut dyn RouterClient) -> Result<RouterTest> {
    Ok(RouterTest {
        router: router.to_owned(),
        version: client.version().map_err(router_error)?,
        pppoe_profiles: client.profiles(ServiceType::Pppoe).map_err(router_error)?,
        hotspot_profiles: client
            .profiles(ServiceType::Hotspot)
            .map_err(router_error)?,
    })
}

/// The router row id named `name`, for commands that name a router.
pub fn router_id(r: Reader<'_>, name: &str) -> Result<i64> {
    config::local_id(r, name)
}

/// The live subscription's service password, for nobody but the worker.
pub(crate) fn service_password(r: Reader<'_>, id: i64) -> Result<Option<String>> {
    Ok(r.conn()
        .query_row(
            "SELECT service_password FROM subscriptions WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

fn parse_password(input: &str) -> Result<String> {
    if input.is_empty() || input.len() > SERVICE_PASSWORD_MAX {
        return Err(Error::validation(
            "service_password",
            format!("must be 1 to {SERVICE_PASSWORD_MAX} characters"),
        ));
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation(
            "service_password",
            "must not contain spaces",
        ));
    }
    Ok(input.to_owned())
}

/// Ten letters and digits without look-alikes (no 0/o, 1/l/i): typed by a
/// customer into a router or a phone.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(10)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}
