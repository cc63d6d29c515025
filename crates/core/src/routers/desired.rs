//! The desired state of a subscription's router user: what the router
//! should hold for it now, worked out from the subscription and the shop's
//! settings, and queued when it differs from the last one queued.
//!
//! | subscription | router user                                              |
//! |--------------|----------------------------------------------------------|
//! | active       | exists, its own profile, enabled                         |
//! | suspended    | `isolir_mode` profile: the `isolir_profile`; disable: disabled |
//! | cancelled    | `router_on_cancel` remove: gone; disable: disabled       |
//!
//! A change of what the session gets (exists, profile, disabled) also kicks
//! the active session: RouterOS keeps a live session on its old profile.

use rusqlite::OptionalExtension;

use super::local::local;
use super::outbox;
pub use super::state::State;
use crate::db::{Reader, Write};
use crate::error::Result;
use crate::notify;
use crate::settings::{self, IsolirMode, OnCancel};
use crate::wire::{ServiceType, SubscriptionStatus};

/// The router and desired state of subscription `id`, None without a router.
pub(crate) fn of(r: Reader<'_>, id: i64) -> Result<Option<(i64, State)>> {
    let row: Option<(Option<i64>, String, String, String, String)> = r
        .conn()
        .query_row(
            "SELECT router_id, type, username, profile, status FROM subscriptions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((Some(router_id), kind, username, profile, status)) = row else {
        return Ok(None);
    };
    let service: ServiceType = kind.parse()?;
    let status: SubscriptionStatus = status.parse()?;
    let conn = r.conn();
    let present = |profile: String, disabled: bool| State {
        service,
        username: username.clone(),
        present: true,
        profile: Some(profile),
        disabled,
    };
    let state = match status {
        SubscriptionStatus::Active => present(profile, false),
        SubscriptionStatus::Suspended => match settings::isolir_mode(conn)? {
            IsolirMode::Profile => present(settings::isolir_profile(conn)?, false),
            IsolirMode::Disable => present(profile, true),
        },
        SubscriptionStatus::Cancelled => match settings::router_on_cancel(conn)? {
            OnCancel::Remove => present(profile, false).absent(),
            OnCancel::Disable => present(profile, true),
        },
    };
    Ok(Some((router_id, state)))
}

/// Queues what subscription `id`'s router must now do, if anything changed
/// since the last state queued for it: called in the same transaction by
/// every billing change of a subscription. A move to another router (or a
/// new username or service type) removes the old user first.
pub fn after_change(w: &mut Write<'_>, id: i64, reason: &str) -> Result<()> {
    // A subscription no longer suspended is no longer isolated either; one
    // back to active (the rule's resume or the admin's) gets its notice, a
    // cancelled one does not.
    let back: Option<(i64, String)> = w
        .query_row(
            "SELECT customer_id, uuid FROM subscriptions
             WHERE id = ?1 AND status = 'active' AND isolir_since IS NOT NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    local(
        w,
        "UPDATE subscriptions SET isolir_since = NULL, isolir_invoice_id = NULL
         WHERE id = ?1 AND status != 'suspended' AND isolir_since IS NOT NULL",
        [id],
    )?;
    if let Some((customer_id, uuid)) = back {
        notify::isolir::resumed(w, customer_id, &uuid)?;
    }
    let now = of(w.reader(), id)?;
    let last = outbox::latest_for(w.reader(), id)?;
    match (last, now) {
        (None, None) => Ok(()),
        (None, Some((router, state))) => outbox::queue(w, router, Some(id), &state, false, reason),
        (Some((old_router, old)), now) => {
            let moved = match &now {
                Some((router, state)) => *router != old_router || !state.same_user(&old),
                None => true,
            };
            if moved && old.present {
                outbox::queue(w, old_router, Some(id), &old.absent(), true, reason)?;
            }
            match now {
                Some((router, state)) if moved => {
                    outbox::queue(w, router, Some(id), &state, false, reason)
                }
                Some((router, state)) if state != old => {
                    outbox::queue(w, router, Some(id), &state, true, reason)
                }
                _ => Ok(()),
            }
        }
    }
}

/// Queues the subscription's current state even if unchanged (a new
/// service password must reach the router).
pub(crate) fn queue_current(w: &mut Write<'_>, id: i64, reason: &str) -> Result<()> {
    if let Some((router, state)) = of(w.reader(), id)? {
        outbox::queue(w, router, Some(id), &state, false, reason)?;
    }
    Ok(())
}
