//! Router sync: the router's users compared with the subscriptions on it,
//! and the fix for what Pelanggan owns.
//!
//! Drift is one of: a subscription's user missing on the router, a user
//! with the wrong profile or enabled/disabled state, and users the shop
//! does not know. A fix queues the subscriptions' desired states (sent by
//! the worker like any other), and removes only unknown users that carry
//! Pelanggan's comment (`client::OWNED_COMMENT`: made by this program for a
//! subscription that is gone); a user someone else made is reported, never
//! deleted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::client::{OWNED_COMMENT, RouterClient, RouterUser};
use super::desired;
use super::state::State;
use super::{outbox, router_error};
use crate::db::{Reader, Write};
use crate::error::Result;
use crate::wire::ServiceType;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// The subscription's user is not on the router.
    Missing,
    /// The user's profile or enabled state is not the subscription's.
    Wrong,
    /// A user on the router no live subscription has.
    Unknown,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DriftItem {
    pub kind: DriftKind,
    #[serde(rename = "type")]
    pub service: ServiceType,
    pub username: String,
    /// What the subscription says (None for unknown users).
    pub expected_profile: Option<String>,
    pub expected_disabled: Option<bool>,
    /// What the router has (None for missing users).
    pub actual_profile: Option<String>,
    pub actual_disabled: Option<bool>,
    /// An unknown user that Pelanggan made (its comment): a fix removes it.
    pub owned: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Drift {
    pub router: String,
    pub items: Vec<DriftItem>,
    /// How many fixes were queued (`--apply`), else 0.
    pub queued: u32,
}

/// Compares the router's users with the subscriptions on router `router_id`.
pub fn compare(r: Reader<'_>, router_id: i64, client: &mut dyn RouterClient) -> Result<Drift> {
    let router = super::config::credentials_of(r, router_id)?.name;
    let mut expected: BTreeMap<(&'static str, String), (i64, State)> = BTreeMap::new();
    let ids: Vec<i64> = {
        let mut stmt = r
            .conn()
            .prepare("SELECT id FROM subscriptions WHERE router_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([router_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in ids {
        if let Some((rid, state)) = desired::of(r, id)?
            && rid == router_id
            && state.present
        {
            expected.insert(
                (state.service.as_str(), state.username.clone()),
                (id, state),
            );
        }
    }
    let mut items = Vec::new();
    for service in [ServiceType::Pppoe, ServiceType::Hotspot] {
        let users: BTreeMap<String, RouterUser> = client
            .users(service)
            .map_err(router_error)?
            .into_iter()
            .map(|u| (u.name.clone(), u))
            .collect();
        for ((_, name), (_, state)) in expected.iter().filter(|((s, _), _)| *s == service.as_str())
        {
            let item = |kind, user: Option<&RouterUser>| DriftItem {
                kind,
                service,
                username: name.clone(),
                expected_profile: state.profile.clone(),
                expected_disabled: Some(state.disabled),
                actual_profile: user.map(|u| u.profile.clone()),
                actual_disabled: user.map(|u| u.disabled),
                owned: true,
            };
            match users.get(name) {
                None => items.push(item(DriftKind::Missing, None)),
                Some(u)
                    if Some(&u.profile) != state.profile.as_ref()
                        || u.disabled != state.disabled =>
                {
                    items.push(item(DriftKind::Wrong, Some(u)));
                }
                Some(_) => {}
            }
        }
        for (name, user) in &users {
            if !expected.contains_key(&(service.as_str(), name.clone())) {
                items.push(DriftItem {
                    kind: DriftKind::Unknown,
                    service,
                    username: name.clone(),
                    expected_profile: None,
                    expected_disabled: None,
                    actual_profile: Some(user.profile.clone()),
                    actual_disabled: Some(user.disabled),
                    owned: user.comment == OWNED_COMMENT,
                });
            }
        }
    }
    Ok(Drift {
        router,
        items,
        queued: 0,
    })
}

/// Queues the fixes of `drift` (found on router `router_id`).
pub fn fix(w: &mut Write<'_>, router_id: i64, drift: &mut Drift) -> Result<()> {
    let mut queued = 0;
    for item in &drift.items {
        match item.kind {
            DriftKind::Missing | DriftKind::Wrong => {
                let id: Option<i64> = w.query_row(
                    "SELECT id FROM subscriptions WHERE router_id = ?1 AND type = ?2 AND username = ?3
                     ORDER BY status = 'cancelled', id DESC LIMIT 1",
                    rusqlite::params![router_id, item.service.as_str(), item.username],
                    |r| r.get(0),
                )?;
                if let Some(id) = id
                    && let Some((rid, state)) = desired::of(w.reader(), id)?
                {
                    // The router's session runs on what it had: kick a wrong one.
                    let kick = item.kind == DriftKind::Wrong;
                    outbox::queue(w, rid, Some(id), &state, kick, "router sync")?;
                    queued += 1;
                }
            }
            DriftKind::Unknown if item.owned => {
                let gone = State {
                    service: item.service,
                    username: item.username.clone(),
                    present: false,
                    profile: None,
                    disabled: false,
                };
                outbox::queue(w, router_id, None, &gone, true, "router sync")?;
                queued += 1;
            }
            DriftKind::Unknown => {}
        }
    }
    drift.queued = queued;
    Ok(())
}
