//! The shop's routers: where each one is, how to log in, which API it
//! speaks, and what the worker last saw of it.
//!
//! The router's password is stored in the database file (the worker needs
//! it with nobody at the keyboard) and never leaves it: `Router` has no
//! password field, `Credentials` redacts it in `Debug`, the table is not in
//! the change log, and no export reads it.

use std::fmt;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::local::local;
use crate::db::{Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::names::text_enum;
use crate::validate;

text_enum! {
    /// Which RouterOS API a router is reached through.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum ApiKind("api") {
        /// The binary API (TCP 8728, 8729 with TLS).
        #[default]
        Binary => "binary",
        /// The REST API of RouterOS 7 (`/rest/...` over HTTP or HTTPS).
        Rest => "rest",
    }
}

text_enum! {
    /// What the worker last saw of a router.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum RouterStatus("status") {
        /// Never talked to yet.
        Unknown => "unknown",
        Ok => "ok",
        Unreachable => "unreachable",
        LoginFailed => "login_failed",
    }
}

impl ApiKind {
    /// The port RouterOS listens on for this API by default.
    pub fn default_port(self, tls: bool) -> u16 {
        match (self, tls) {
            (ApiKind::Binary, false) => 8728,
            (ApiKind::Binary, true) => 8729,
            (ApiKind::Rest, false) => 80,
            (ApiKind::Rest, true) => 443,
        }
    }
}

/// What an admin types to add a router.
#[derive(Clone)]
pub struct NewRouter {
    pub name: String,
    pub host: String,
    /// The API's default port when None.
    pub port: Option<u16>,
    pub username: String,
    pub password: String,
    pub api: ApiKind,
    pub tls: bool,
    pub ca_file: Option<String>,
}

impl fmt::Debug for NewRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRouter")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"••••")
            .field("api", &self.api)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// A router as lists and screens show it: no password.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Router {
    pub id: String,
    pub local_id: i64,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub api: ApiKind,
    pub tls: bool,
    pub ca_file: Option<String>,
    pub status: RouterStatus,
    pub last_error: Option<String>,
    pub last_contact_at: Option<String>,
    pub version: Option<String>,
    /// Live subscriptions on this router.
    pub subscriptions: i64,
    /// Outbox rows waiting to be sent (queued or in flight).
    pub queued: i64,
    /// Outbox rows the router refused for good.
    pub failed: i64,
    pub created_at: String,
}

/// How to reach and log in to a router: for the transport only. `Debug`
/// never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub router_id: i64,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub api: ApiKind,
    pub tls: bool,
    pub ca_file: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("router_id", &self.router_id)
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"••••")
            .field("api", &self.api)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

pub const NAME_MAX: usize = 64;

/// Adds a router (its name unique, any case).
pub fn add(w: &mut Write<'_>, input: NewRouter) -> Result<Router> {
    let name = validate::required("name", &input.name, NAME_MAX)?;
    if name.chars().any(char::is_whitespace) {
        return Err(Error::validation("name", "must not contain spaces"));
    }
    let host = validate::required("host", &input.host, 253)?;
    let username = validate::required("user", &input.username, 100)?;
    if input.password.is_empty() {
        return Err(Error::validation("password", "is required"));
    }
    if input.port == Some(0) {
        return Err(Error::validation("port", "must be from 1 to 65535"));
    }
    if input.ca_file.is_some() && !input.tls {
        return Err(Error::validation("ca", "a CA file is for --tls only"));
    }
    let taken: Option<String> = w
        .tx()
        .query_row("SELECT name FROM routers WHERE name = ?1", [&name], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(taken) = taken {
        return Err(Error::Refused {
            code: Code::DuplicateRouter,
            field: Some("name"),
            message: format!("a router named '{taken}' already exists"),
        });
    }
    let port = input.port.unwrap_or(input.api.default_port(input.tls));
    let now = w.now().to_owned();
    let actor = w.actor().to_owned();
    local(
        w,
        "INSERT INTO routers (uuid, name, host, port, username, password, api, tls, ca_file,
             created_at, updated_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        params![
            new_id(),
            name,
            host,
            port,
            username,
            input.password,
            input.api.as_str(),
            input.tls,
            input.ca_file,
            now,
            actor,
        ],
    )?;
    get(w.reader(), &name)
}

/// Every router, by name.
pub fn list(r: Reader<'_>) -> Result<Vec<Router>> {
    let mut stmt = r
        .conn()
        .prepare(&format!("{SELECT} ORDER BY r.name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One router by name (any case).
pub fn get(r: Reader<'_>, name: &str) -> Result<Router> {
    r.conn()
        .prepare_cached(&format!("{SELECT} WHERE r.name = ?1"))?
        .query_row([name.trim()], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("router", name.trim()))
}

/// Removes a router no live subscription uses; its outbox goes with it and
/// cancelled subscriptions forget it.
pub fn remove(w: &mut Write<'_>, name: &str) -> Result<Router> {
    let router = get(w.reader(), name)?;
    if router.subscriptions > 0 {
        return Err(Error::Refused {
            code: Code::RouterInUse,
            field: Some("name"),
            message: format!(
                "router {} serves {} live subscription(s): move or cancel them first",
                router.name, router.subscriptions
            ),
        });
    }
    local(
        w,
        "UPDATE subscriptions SET router_id = NULL, provisioning = 'none' WHERE router_id = ?1",
        [router.local_id],
    )?;
    local(
        w,
        "DELETE FROM router_outbox WHERE router_id = ?1",
        [router.local_id],
    )?;
    local(w, "DELETE FROM routers WHERE id = ?1", [router.local_id])?;
    Ok(router)
}

/// How to reach the router named `name`.
pub fn credentials(r: Reader<'_>, name: &str) -> Result<Credentials> {
    let id = get(r, name)?.local_id;
    credentials_of(r, id)
}

pub(crate) fn credentials_of(r: Reader<'_>, id: i64) -> Result<Credentials> {
    Ok(r.conn().query_row(
        "SELECT id, name, host, port, username, password, api, tls, ca_file FROM routers WHERE id = ?1",
        [id],
        |r| {
            let api: String = r.get(6)?;
            Ok(Credentials {
                router_id: r.get(0)?,
                name: r.get(1)?,
                host: r.get(2)?,
                port: r.get(3)?,
                username: r.get(4)?,
                password: r.get(5)?,
                api: api.parse().unwrap_or_default(),
                tls: r.get(7)?,
                ca_file: r.get(8)?,
            })
        },
    )?)
}

/// Notes what talking to the router just showed (`version` when known).
pub(crate) fn record_contact(
    w: &mut Write<'_>,
    router_id: i64,
    status: RouterStatus,
    error: Option<&str>,
    version: Option<&str>,
) -> Result<()> {
    let now = w.now().to_owned();
    local(
        w,
        "UPDATE routers SET status = ?2, last_error = ?3,
             last_contact_at = CASE WHEN ?2 = 'ok' THEN ?4 ELSE last_contact_at END,
             version = COALESCE(?5, version), updated_at = ?4
         WHERE id = ?1",
        params![router_id, status.as_str(), error, now, version],
    )?;
    Ok(())
}

/// The row id of the router named `name`.
pub(crate) fn local_id(r: Reader<'_>, name: &str) -> Result<i64> {
    Ok(get(r, name)?.local_id)
}

const SELECT: &str = "SELECT r.id, r.uuid, r.name, r.host, r.port, r.username, r.api, r.tls,
        r.ca_file, r.status, r.last_error, r.last_contact_at, r.version, r.created_at,
        (SELECT count(*) FROM subscriptions s WHERE s.router_id = r.id AND s.status != 'cancelled'),
        (SELECT count(*) FROM router_outbox o WHERE o.router_id = r.id AND o.status IN ('queued', 'in_flight')),
        (SELECT count(*) FROM router_outbox o WHERE o.router_id = r.id AND o.status = 'failed')
     FROM routers r";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Router> {
    let api: String = r.get(6)?;
    let status: String = r.get(9)?;
    Ok(Router {
        local_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        host: r.get(3)?,
        port: r.get(4)?,
        username: r.get(5)?,
        api: api.parse().unwrap_or_default(),
        tls: r.get(7)?,
        ca_file: r.get(8)?,
        status: status.parse().unwrap_or(RouterStatus::Unknown),
        last_error: r.get(10)?,
        last_contact_at: r.get(11)?,
        version: r.get(12)?,
        created_at: r.get(13)?,
        subscriptions: r.get(14)?,
        queued: r.get(15)?,
        failed: r.get(16)?,
    })
}
