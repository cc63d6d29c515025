//! The transport boundary: what the core asks of a router, in the terms of
//! RouterOS users and sessions, and how a failure is sorted. The core has no
//! TCP stack; `pelanggan-routeros` implements this trait over the RouterOS
//! API and REST, and the core's tests over an in-process fake.
//!
//! Users are addressed by name (the service username), never by the
//! router's `.id`, which changes across reboots.

use std::fmt;

pub use crate::wire::ServiceType;

/// A user as the router holds it (`/ppp/secret` or `/ip/hotspot/user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterUser {
    pub name: String,
    pub profile: String,
    pub disabled: bool,
    pub comment: String,
}

/// A user to create. The password is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewRouterUser {
    pub name: String,
    pub password: String,
    pub profile: String,
    pub disabled: bool,
    /// `pelanggan`: marks the users this program made (see `OWNED_COMMENT`).
    pub comment: String,
}

impl fmt::Debug for NewRouterUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRouterUser")
            .field("name", &self.name)
            .field("password", &"••••")
            .field("profile", &self.profile)
            .field("disabled", &self.disabled)
            .field("comment", &self.comment)
            .finish()
    }
}

/// Fields of an existing user to set; None leaves one alone.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub password: Option<String>,
    pub profile: Option<String>,
    pub disabled: Option<bool>,
}

impl fmt::Debug for UserChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserChange")
            .field("password", &self.password.as_ref().map(|_| "••••"))
            .field("profile", &self.profile)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// Why a router call failed, sorted by what the worker does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterFailure {
    /// No answer (refused, timed out, cut): every row of the router waits.
    Unreachable(String),
    /// The router refused Pelanggan's login: every row waits until the
    /// router's credentials are fixed.
    LoginFailed(String),
    /// The router refused this one command (a `!trap`): the row is retried
    /// a few times, then marked failed.
    Refused(String),
}

impl fmt::Display for RouterFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouterFailure::Unreachable(m) => write!(f, "router unreachable: {m}"),
            RouterFailure::LoginFailed(m) => write!(f, "router refused the login: {m}"),
            RouterFailure::Refused(m) => write!(f, "router refused the command: {m}"),
        }
    }
}

pub type RouterResult<T> = std::result::Result<T, RouterFailure>;

/// One logged-in connection to one router.
pub trait RouterClient {
    /// The RouterOS version (`7.18.2 (stable)`).
    fn version(&mut self) -> RouterResult<String>;
    /// The profile names of a service (`/ppp/profile`, `/ip/hotspot/user/profile`).
    fn profiles(&mut self, service: ServiceType) -> RouterResult<Vec<String>>;
    /// Creates a profile with a low rate limit (the isolir profile when missing).
    fn add_profile(&mut self, service: ServiceType, name: &str) -> RouterResult<()>;
    /// Every user of a service (PPPoE secrets of service pppoe or any, hotspot users).
    fn users(&mut self, service: ServiceType) -> RouterResult<Vec<RouterUser>>;
    /// The user of this name, if the router has one.
    fn user(&mut self, service: ServiceType, name: &str) -> RouterResult<Option<RouterUser>>;
    fn add_user(&mut self, service: ServiceType, user: &NewRouterUser) -> RouterResult<()>;
    fn set_user(
        &mut self,
        service: ServiceType,
        name: &str,
        change: &UserChange,
    ) -> RouterResult<()>;
    fn remove_user(&mut self, service: ServiceType, name: &str) -> RouterResult<()>;
    /// Removes the user's active sessions (`/ppp/active`, `/ip/hotspot/active`):
    /// RouterOS keeps a live session on its old profile until it reconnects.
    /// Returns how many were removed.
    fn kick(&mut self, service: ServiceType, name: &str) -> RouterResult<usize>;
}

/// The comment on the users Pelanggan creates: `router sync` never deletes
/// a user without it, and reports such users as the shop's unknowns.
pub const OWNED_COMMENT: &str = "pelanggan";
