//! The core's `RouterClient` over either API: users and sessions found by
//! name for each command (their `.id` looked up right before it is used,
//! never kept), PPPoE users as `/ppp/secret` with `service=pppoe`, hotspot
//! users as `/ip/hotspot/user`.
//!
//! Both APIs are reduced to four menu operations (`Menus`: print with a
//! `name` filter, add, set, remove by `.id`), so the two clients cannot
//! differ in what they make the router do.

use pelanggan_core::routers::client::{
    NewRouterUser, RouterClient, RouterFailure, RouterResult, RouterUser, ServiceType, UserChange,
};
use pelanggan_core::routers::{ApiKind, Credentials};

use crate::api::{ApiClient, Connect, Row};
use crate::error::Error;
use crate::menus::Menus;
use crate::rest::RestClient;
use crate::tls;

/// A logged-in connection to one router, through either API.
pub struct Session {
    menus: Box<dyn Menus + Send>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

/// How long a router has to answer before it counts as down.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Session {
    /// Connects to and logs in to the router (the API, TLS and port its row names).
    pub fn open(router: &Credentials) -> crate::Result<Session> {
        let target = Connect {
            host: router.host.clone(),
            port: router.port,
            user: router.username.clone(),
            password: router.password.clone(),
            timeout: TIMEOUT,
        };
        let ca = router.ca_file.as_deref().map(std::path::Path::new);
        let menus: Box<dyn Menus + Send> = match router.api {
            ApiKind::Binary if router.tls => {
                let stream = tls::connect(&target, ca)?;
                Box::new(ApiClient::login_over(stream, &target)?)
            }
            ApiKind::Binary => Box::new(ApiClient::connect(&target)?),
            ApiKind::Rest => Box::new(RestClient::new(&target, router.tls, ca)?),
        };
        Ok(Session { menus })
    }

    /// A session over any `Menus` (tests use one per API).
    pub fn over(menus: Box<dyn Menus + Send>) -> Session {
        Session { menus }
    }
}

/// The core's connector: a `Session` per router, as a boxed client.
pub fn connect(router: &Credentials) -> RouterResult<Box<dyn RouterClient>> {
    Session::open(router)
        .map(|s| Box::new(s) as Box<dyn RouterClient>)
        .map_err(failure)
}

/// The crate's error sorted the core's way.
pub fn failure(e: Error) -> RouterFailure {
    match e {
        Error::Login(m) => RouterFailure::LoginFailed(m),
        Error::Trap { message, .. } => RouterFailure::Refused(message),
        other => RouterFailure::Unreachable(other.to_string()),
    }
}

fn users_menu(service: ServiceType) -> &'static str {
    match service {
        ServiceType::Pppoe => "/ppp/secret",
        ServiceType::Hotspot => "/ip/hotspot/user",
    }
}

fn profiles_menu(service: ServiceType) -> &'static str {
    match service {
        ServiceType::Pppoe => "/ppp/profile",
        ServiceType::Hotspot => "/ip/hotspot/user/profile",
    }
}

/// The active sessions' menu and the field naming their user.
fn active_menu(service: ServiceType) -> (&'static str, &'static str) {
    match service {
        ServiceType::Pppoe => ("/ppp/active", "name"),
        ServiceType::Hotspot => ("/ip/hotspot/active", "user"),
    }
}

const USER_PROPS: &[&str] = &[".id", "name", "profile", "disabled", "comment", "service"];

fn user_of(row: &Row) -> RouterUser {
    let get = |k: &str| row.get(k).cloned().unwrap_or_default();
    RouterUser {
        name: get("name"),
        profile: get("profile"),
        disabled: get("disabled") == "true" || get("disabled") == "yes",
        comment: get("comment"),
    }
}

/// A PPPoE secret of another service (`l2tp`, `ovpn`...) is not Pelanggan's.
fn is_service_user(service: ServiceType, row: &Row) -> bool {
    match service {
        ServiceType::Pppoe => matches!(
            row.get("service").map(String::as_str),
            None | Some("pppoe") | Some("any")
        ),
        ServiceType::Hotspot => true,
    }
}

impl Session {
    fn id_of(&mut self, menu: &str, key: &str, name: &str) -> crate::Result<Option<String>> {
        Ok(self
            .menus
            .print(menu, Some((key, name)), &[".id"])?
            .into_iter()
            .find_map(|r| r.get(".id").cloned()))
    }

    fn user_id(&mut self, service: ServiceType, name: &str) -> RouterResult<String> {
        self.id_of(users_menu(service), "name", name)
            .map_err(failure)?
            .ok_or_else(|| RouterFailure::Refused(format!("no such item: user {name}")))
    }
}

impl RouterClient for Session {
    fn version(&mut self) -> RouterResult<String> {
        let rows = self
            .menus
            .print("/system/resource", None, &["version"])
            .map_err(failure)?;
        rows.first()
            .and_then(|r| r.get("version").cloned())
            .ok_or_else(|| RouterFailure::Unreachable("the router did not tell its version".into()))
    }

    fn profiles(&mut self, service: ServiceType) -> RouterResult<Vec<String>> {
        let rows = self
            .menus
            .print(profiles_menu(service), None, &["name"])
            .map_err(failure)?;
        Ok(rows.iter().filter_map(|r| r.get("name").cloned()).collect())
    }

    fn add_profile(&mut self, service: ServiceType, name: &str) -> RouterResult<()> {
        // A low rate limit: the customer can still reach the shop's payment page.
        self.menus
            .add(
                profiles_menu(service),
                &[("name", name), ("rate-limit", "64k/64k")],
            )
            .map_err(failure)
    }

    fn users(&mut self, service: ServiceType) -> RouterResult<Vec<RouterUser>> {
        let rows = self
            .menus
            .print(users_menu(service), None, USER_PROPS)
            .map_err(failure)?;
        Ok(rows
            .iter()
            .filter(|r| is_service_user(service, r))
            .map(user_of)
            .collect())
    }

    fn user(&mut self, service: ServiceType, name: &str) -> RouterResult<Option<RouterUser>> {
        let rows = self
            .menus
            .print(users_menu(service), Some(("name", name)), USER_PROPS)
            .map_err(failure)?;
        Ok(rows
            .iter()
            .find(|r| r.get("name").map(String::as_str) == Some(name))
            .map(user_of))
    }

    fn add_user(&mut self, service: ServiceType, user: &NewRouterUser) -> RouterResult<()> {
        let disabled = if user.disabled { "yes" } else { "no" };
        let mut attrs = vec![
            ("name", user.name.as_str()),
            ("password", user.password.as_str()),
            ("profile", user.profile.as_str()),
            ("disabled", disabled),
            ("comment", user.comment.as_str()),
        ];
        if service == ServiceType::Pppoe {
            attrs.push(("service", "pppoe"));
        }
        self.menus.add(users_menu(service), &attrs).map_err(failure)
    }

    fn set_user(
        &mut self,
        service: ServiceType,
        name: &str,
        change: &UserChange,
    ) -> RouterResult<()> {
        let id = self.user_id(service, name)?;
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        if let Some(p) = &change.password {
            attrs.push(("password", p));
        }
        if let Some(p) = &change.profile {
            attrs.push(("profile", p));
        }
        if let Some(d) = change.disabled {
            attrs.push(("disabled", if d { "yes" } else { "no" }));
        }
        self.menus
            .set(users_menu(service), &id, &attrs)
            .map_err(failure)
    }

    fn remove_user(&mut self, service: ServiceType, name: &str) -> RouterResult<()> {
        let id = self.user_id(service, name)?;
        self.menus.remove(users_menu(service), &id).map_err(failure)
    }

    fn kick(&mut self, service: ServiceType, name: &str) -> RouterResult<usize> {
        let (menu, key) = active_menu(service);
        let ids: Vec<String> = self
            .menus
            .print(menu, Some((key, name)), &[".id"])
            .map_err(failure)?
            .into_iter()
            .filter_map(|r| r.get(".id").cloned())
            .collect();
        let mut kicked = 0;
        for id in ids {
            match self.menus.remove(menu, &id) {
                Ok(()) => kicked += 1,
                // The session ended between the print and the remove: the
                // kick's aim is met.
                Err(Error::Trap { message, .. }) if message.contains("no such item") => {}
                Err(e) => return Err(failure(e)),
            }
        }
        Ok(kicked)
    }
}
