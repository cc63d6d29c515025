//! Routers (issue 14): the shop's MikroTik routers, a subscription's router
//! and service password, its provisioning, and the isolir list and check.
//! The isolir rules themselves are settings (`settings_set`). The network
//! (`router_test`) is reached with the read connection given back first:
//! nothing is held while a router answers.

use pelanggan_core::billing::parse_date;
use pelanggan_core::billing::subscriptions::{Cycle, ServiceType};
use pelanggan_core::routers::isolir::{self, IsolirCheck, IsolirEntry};
use pelanggan_core::routers::{
    self, ApiKind, NewRouter, OnRouter, Provisioning, Router, RouterTest, config,
};
use pelanggan_routeros::provision;
use tauri::AppHandle;

use super::billing::{new_subscription, subscription_patch};
use crate::error::CmdResult;
use crate::state::blocking;

#[tauri::command(rename_all = "snake_case")]
pub async fn routers_list(app: AppHandle) -> CmdResult<Vec<Router>> {
    blocking(app, |s| s.read(config::list)).await
}

/// Adds a router; the password is stored for the worker and never read back.
#[allow(clippy::too_many_arguments)]
#[tauri::command(rename_all = "snake_case")]
pub async fn router_add(
    app: AppHandle,
    name: String,
    host: String,
    port: Option<u16>,
    username: String,
    password: String,
    api: String,
    tls: bool,
    ca_file: Option<String>,
) -> CmdResult<Router> {
    blocking(app, move |s| {
        let input = NewRouter {
            name,
            host,
            port,
            username,
            password,
            api: api.parse::<ApiKind>()?,
            tls,
            ca_file: ca_file.filter(|c| !c.is_empty()),
        };
        s.write(|w| config::add(w, input))
    })
    .await
}

/// Logs in to the router and reads its version and profiles.
#[tauri::command(rename_all = "snake_case")]
pub async fn router_test(app: AppHandle, name: String) -> CmdResult<RouterTest> {
    blocking(app, move |s| {
        let creds = s.read(|r| config::credentials(r, &name))?;
        let mut client = provision::connect(&creds).map_err(routers::router_error)?;
        routers::test(&creds.name, client.as_mut())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn router_remove(app: AppHandle, name: String) -> CmdResult<Router> {
    blocking(app, move |s| s.write(|w| config::remove(w, &name))).await
}

/// Adds a subscription on a router, with its router user queued, in one
/// write; a generated service password comes back once.
#[allow(clippy::too_many_arguments)]
#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_add_on_router(
    app: AppHandle,
    customer: String,
    kind: ServiceType,
    username: String,
    profile: String,
    price: String,
    cycle: Option<Cycle>,
    start: String,
    confirm: bool,
    router: String,
    service_password: Option<String>,
) -> CmdResult<Provisioning> {
    blocking(app, move |s| {
        let input = new_subscription(kind, username, profile, &price, cycle, &start)?;
        let password = service_password.filter(|p| !p.is_empty());
        s.write(|w| {
            routers::add_subscription(w, &customer, input, confirm, &router, password.as_deref())
        })
        .map(|on| on.router)
    })
    .await
}

/// Edits a subscription and moves it to `router` and/or sets its service
/// password, in one write (a refused move leaves the edit undone too).
#[allow(clippy::too_many_arguments)]
#[tauri::command(rename_all = "snake_case")]
pub async fn subscription_edit_on_router(
    app: AppHandle,
    subscription: String,
    kind: Option<ServiceType>,
    username: Option<String>,
    profile: Option<String>,
    price: Option<String>,
    cycle: Option<Cycle>,
    router: Option<String>,
    service_password: Option<String>,
) -> CmdResult<OnRouter> {
    blocking(app, move |s| {
        let patch = subscription_patch(kind, username, profile, price, cycle)?;
        let password = service_password.filter(|p| !p.is_empty());
        s.write(|w| {
            let router = router.as_deref();
            routers::edit_subscription(w, &subscription, patch, router, password.as_deref())
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn router_provisioning(app: AppHandle, subscription: String) -> CmdResult<Provisioning> {
    blocking(app, move |s| {
        s.read(|r| routers::provisioning(r, &subscription))
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn isolir_list(app: AppHandle) -> CmdResult<Vec<IsolirEntry>> {
    blocking(app, |s| s.read(isolir::list)).await
}

/// The suspend and resume rules as of `date` (default: the shop's today).
#[tauri::command(rename_all = "snake_case")]
pub async fn isolir_check(app: AppHandle, date: Option<String>) -> CmdResult<IsolirCheck> {
    blocking(app, move |s| {
        let on = date.map(|d| parse_date("date", &d)).transpose()?;
        s.write(|w| {
            let on = on.unwrap_or_else(|| w.reader().today());
            isolir::check(w, on)
        })
    })
    .await
}
