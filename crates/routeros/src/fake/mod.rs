//! A fake RouterOS for tests, on 127.0.0.1: the binary API (`api`) and the
//! REST API (`rest`) over one in-memory state, so a test can make changes
//! through either and look at what the router holds.
//!
//! Faithful where Pelanggan's behaviour depends on it: the word framing
//! (its own replies written a few bytes per packet), both login flows
//! (the MD5 challenge before 6.43), `!empty` from 7.18, `.tag`s, `?name=`
//! queries, `.proplist`, `=ret=` ids, `!trap` for "no such item" and
//! duplicate names, and active sessions that keep the profile they
//! connected with (so only a kick makes a new profile take effect).
//! Not a router: no other menus, no query stack operators, no scripting.

mod api;
mod rest;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

pub use crate::api::Row;

/// How the fake is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// `7.18.2`, `6.49.10`, `6.42`: decides the login flow and `!empty`.
    pub version: String,
    pub user: String,
    pub password: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version: "7.18.2".into(),
            user: "admin".into(),
            password: "rahasia".into(),
        }
    }
}

impl Config {
    /// (major, minor) of the version.
    pub fn version_number(&self) -> (u32, u32) {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    /// Before 6.43 the login is the MD5 challenge.
    pub fn legacy_login(&self) -> bool {
        self.version_number() < (6, 43)
    }

    /// From 7.18 a command with nothing to return answers `!empty`.
    pub fn sends_empty(&self) -> bool {
        self.version_number() >= (7, 18)
    }
}

/// A refusal, as `!trap` (API) or an HTTP error (REST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub message: String,
    /// HTTP status for REST: 400 for a bad command, 404 for no such item.
    pub status: u16,
}

fn trap(message: impl Into<String>, status: u16) -> Trap {
    Trap {
        message: message.into(),
        status,
    }
}

/// What a command returned.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub rows: Vec<Row>,
    /// `=ret=` of an add: the new row's `.id`.
    pub ret: Option<String>,
}

/// The router's tables and what it was asked.
#[derive(Debug)]
pub struct State {
    pub config: Config,
    pub menus: BTreeMap<String, Vec<Row>>,
    next_id: u64,
    /// Every command after login, with its words (passwords included: it
    /// is a test's own fake), in the order received, over both APIs.
    pub log: Vec<Vec<String>>,
    /// While true, the API carries out each change (add, set, remove) but holds its reply
    /// (a router whose answer is lost): for tests of a worker killed mid-send.
    pub hold_replies: bool,
}

const MENUS: &[&str] = &[
    "/ppp/secret",
    "/ppp/profile",
    "/ppp/active",
    "/ip/hotspot/user",
    "/ip/hotspot/user/profile",
    "/ip/hotspot/active",
];

impl State {
    fn new(config: Config) -> State {
        let mut state = State {
            config,
            menus: MENUS
                .iter()
                .map(|m| ((*m).to_owned(), Vec::new()))
                .collect(),
            next_id: 1,
            log: Vec::new(),
            hold_replies: false,
        };
        for menu in ["/ppp/profile", "/ip/hotspot/user/profile"] {
            for name in ["default", "paket-10M", "paket-20M"] {
                state.insert(menu, &[("name", name)]);
            }
        }
        state
    }

    fn new_id(&mut self) -> String {
        let id = format!("*{:X}", self.next_id);
        self.next_id += 1;
        id
    }

    /// Inserts a row as is (no duplicate check): for tests that set up drift.
    pub fn insert(&mut self, menu: &str, attrs: &[(&str, &str)]) -> String {
        let id = self.new_id();
        let mut row = defaults(menu);
        row.insert(".id".into(), id.clone());
        for (k, v) in attrs {
            row.insert((*k).into(), normalise(k, v));
        }
        self.menus.entry(menu.to_owned()).or_default().push(row);
        id
    }

    /// The row of `menu` named `name` (`user` for hotspot sessions).
    pub fn find(&self, menu: &str, name: &str) -> Option<&Row> {
        self.menus
            .get(menu)?
            .iter()
            .find(|r| r.get("name").or(r.get("user")).map(String::as_str) == Some(name))
    }

    /// Runs one command: `/ppp/secret/print`, `/ppp/secret/add`, `set`, `remove`.
    pub fn execute(
        &mut self,
        command: &str,
        attrs: &BTreeMap<String, String>,
        queries: &[(String, String)],
    ) -> Result<Outcome, Trap> {
        if command == "/system/resource/print" {
            let mut row = Row::new();
            row.insert(
                "version".into(),
                format!("{} (stable)", self.config.version),
            );
            row.insert("board-name".into(), "hEX".into());
            return Ok(Outcome {
                rows: vec![project(&row, attrs)],
                ret: None,
            });
        }
        let (menu, verb) = command
            .rsplit_once('/')
            .ok_or_else(|| trap("no such command", 400))?;
        if !self.menus.contains_key(menu) {
            return Err(trap("no such command prefix", 400));
        }
        match verb {
            "print" => {
                let rows = self.menus[menu]
                    .iter()
                    .filter(|r| {
                        queries
                            .iter()
                            .all(|(k, v)| r.get(k).map(String::as_str).unwrap_or("") == v)
                    })
                    .map(|r| project(r, attrs))
                    .collect();
                Ok(Outcome { rows, ret: None })
            }
            "add" => {
                let name = attrs.get("name").cloned().unwrap_or_default();
                if !menu.ends_with("/active") && name.is_empty() {
                    return Err(trap("failure: name must be set", 400));
                }
                if !name.is_empty() && self.find(menu, &name).is_some() {
                    let what = if menu.ends_with("profile") {
                        "profile"
                    } else if menu == "/ppp/secret" {
                        "secret"
                    } else {
                        "user"
                    };
                    return Err(trap(
                        format!("failure: {what} with the same name already exists"),
                        400,
                    ));
                }
                if let Some(profile) = attrs.get("profile") {
                    self.check_profile(menu, profile)?;
                }
                let pairs: Vec<(&str, &str)> = attrs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let id = self.insert(menu, &pairs);
                Ok(Outcome {
                    rows: Vec::new(),
                    ret: Some(id),
                })
            }
            "set" | "remove" => {
                let id = attrs
                    .get(".id")
                    .or(attrs.get("numbers"))
                    .cloned()
                    .unwrap_or_default();
                if verb == "set"
                    && let Some(profile) = attrs.get("profile")
                {
                    self.check_profile(menu, profile)?;
                }
                let rows = self.menus.get_mut(menu).expect("a known menu");
                // `.id` is `*N`; `numbers` may also be a name, as on a router.
                let at = rows
                    .iter()
                    .position(|r| r.get(".id") == Some(&id) || r.get("name") == Some(&id))
                    .ok_or_else(|| trap("no such item", 404))?;
                if verb == "remove" {
                    rows.remove(at);
                } else {
                    for (k, v) in attrs {
                        if k != ".id" && k != "numbers" {
                            rows[at].insert(k.clone(), normalise(k, v));
                        }
                    }
                }
                Ok(Outcome::default())
            }
            _ => Err(trap("no such command", 400)),
        }
    }

    fn check_profile(&self, menu: &str, profile: &str) -> Result<(), Trap> {
        let profiles = match menu {
            "/ppp/secret" => "/ppp/profile",
            "/ip/hotspot/user" => "/ip/hotspot/user/profile",
            _ => return Ok(()),
        };
        if self.find(profiles, profile).is_none() {
            return Err(trap(
                format!("input does not match any value of profile: {profile}"),
                400,
            ));
        }
        Ok(())
    }
}

/// The fields a new row of `menu` has before its attributes.
fn defaults(menu: &str) -> Row {
    let mut row = Row::new();
    match menu {
        "/ppp/secret" => {
            for (k, v) in [
                ("service", "any"),
                ("profile", "default"),
                ("disabled", "false"),
                ("comment", ""),
                ("password", ""),
            ] {
                row.insert(k.into(), v.into());
            }
        }
        "/ip/hotspot/user" => {
            for (k, v) in [
                ("profile", "default"),
                ("disabled", "false"),
                ("comment", ""),
                ("password", ""),
            ] {
                row.insert(k.into(), v.into());
            }
        }
        _ => {}
    }
    row
}

/// `yes`/`no` stored as RouterOS prints them: `true`/`false`.
fn normalise(key: &str, value: &str) -> String {
    match (key, value) {
        ("disabled", "yes") => "true".into(),
        ("disabled", "no") => "false".into(),
        _ => value.to_owned(),
    }
}

/// The row with only the `.proplist` fields, when one is given.
fn project(row: &Row, attrs: &BTreeMap<String, String>) -> Row {
    match attrs.get(".proplist") {
        None => row.clone(),
        Some(list) => {
            let keep: Vec<&str> = list.split(',').collect();
            row.iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }
    }
}

/// A connection the fake serves: plain TCP, or TLS over it.
pub(crate) trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

/// What serves one connection (the API or REST).
type Serve = fn(Box<dyn Conn>, Arc<Mutex<State>>);

/// The fake's TLS identity: a self-signed certificate for 127.0.0.1.
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
    /// The certificate as PEM: what a test writes to the `--ca` file.
    pub cert_pem: String,
}

impl Tls {
    /// A new self-signed certificate for 127.0.0.1 and localhost.
    pub fn self_signed() -> Tls {
        let certified = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("a test certificate");
        let cert = certified.cert.der().clone();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("the test certificate");
        Tls {
            config: Arc::new(config),
            cert_pem: certified.cert.pem(),
        }
    }
}

/// One listener (API or REST) and its connections.
struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    fn start(
        addr: SocketAddr,
        state: Arc<Mutex<State>>,
        serve: Serve,
        tls: Option<Tls>,
    ) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (stop2, open2) = (stop.clone(), open.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if let Ok(clone) = stream.try_clone() {
                    lock(&open2).push(clone);
                }
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let tls = tls.clone();
                // The listener keeps a clone (to cut it on `stop`): when the
                // fake ends a session itself, it must close the socket too.
                let own = stream.try_clone();
                std::thread::spawn(move || {
                    let conn: Box<dyn Conn> = match tls {
                        None => Box::new(stream),
                        Some(tls) => match rustls::ServerConnection::new(tls.config) {
                            Ok(c) => Box::new(rustls::StreamOwned::new(c, stream)),
                            Err(_) => return,
                        },
                    };
                    serve(conn, state);
                    if let Ok(own) = own {
                        let _ = own.shutdown(std::net::Shutdown::Both);
                    }
                });
            }
        });
        Ok(Listener {
            addr,
            stop,
            open,
            thread: Some(thread),
        })
    }

    /// Stops listening (new connections are refused) and cuts open ones.
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for s in lock(&self.open).drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running fake router: its API port and its REST port on 127.0.0.1.
pub struct FakeRouter {
    state: Arc<Mutex<State>>,
    tls: Option<Tls>,
    api: Option<Listener>,
    rest: Option<Listener>,
    api_addr: SocketAddr,
    rest_addr: SocketAddr,
}

impl FakeRouter {
    /// Starts both APIs on free ports.
    pub fn start(config: Config) -> FakeRouter {
        FakeRouter::start_with(config, None)
    }

    /// Starts both APIs over TLS (api-ssl and HTTPS) with `tls`'s certificate.
    pub fn start_tls(config: Config, tls: Tls) -> FakeRouter {
        FakeRouter::start_with(config, Some(tls))
    }

    fn start_with(config: Config, tls: Option<Tls>) -> FakeRouter {
        let state = Arc::new(Mutex::new(State::new(config)));
        let any: SocketAddr = "127.0.0.1:0".parse().expect("an address");
        let api = Listener::start(any, state.clone(), api::serve, tls.clone())
            .expect("the fake's API port");
        let rest = Listener::start(any, state.clone(), rest::serve, tls.clone())
            .expect("the fake's REST port");
        FakeRouter {
            api_addr: api.addr,
            rest_addr: rest.addr,
            state,
            tls,
            api: Some(api),
            rest: Some(rest),
        }
    }

    pub fn api_port(&self) -> u16 {
        self.api_addr.port()
    }

    pub fn rest_port(&self) -> u16 {
        self.rest_addr.port()
    }

    /// The router goes down: its ports refuse connections, open ones are cut.
    pub fn stop(&mut self) {
        self.api.take();
        self.rest.take();
    }

    /// The router comes back on the same ports, its tables as they were.
    pub fn restart(&mut self) {
        self.stop();
        self.api = Some(
            Listener::start(
                self.api_addr,
                self.state.clone(),
                api::serve,
                self.tls.clone(),
            )
            .expect("the fake's API port again"),
        );
        self.rest = Some(
            Listener::start(
                self.rest_addr,
                self.state.clone(),
                rest::serve,
                self.tls.clone(),
            )
            .expect("the fake's REST port again"),
        );
    }

    /// The state, to look at or change.
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The user (`/ppp/secret` or `/ip/hotspot/user`) named `name`.
    pub fn user(&self, hotspot: bool, name: &str) -> Option<Row> {
        self.state().find(users_menu(hotspot), name).cloned()
    }

    /// Every user of the service.
    pub fn users(&self, hotspot: bool) -> Vec<Row> {
        self.state().menus[users_menu(hotspot)].clone()
    }

    /// A customer's device connects: an active session on the profile the
    /// user has now (kept when the user's profile changes later).
    pub fn connect_session(&self, hotspot: bool, name: &str) {
        let mut state = self.state();
        let profile = state
            .find(users_menu(hotspot), name)
            .and_then(|u| u.get("profile").cloned())
            .unwrap_or_else(|| panic!("no user {name} to connect"));
        let (menu, key) = if hotspot {
            ("/ip/hotspot/active", "user")
        } else {
            ("/ppp/active", "name")
        };
        state.insert(
            menu,
            &[(key, name), ("profile", &profile), ("address", "10.0.0.2")],
        );
    }

    /// The active sessions of the service.
    pub fn sessions(&self, hotspot: bool) -> Vec<Row> {
        let menu = if hotspot {
            "/ip/hotspot/active"
        } else {
            "/ppp/active"
        };
        self.state().menus[menu].clone()
    }

    /// The commands received so far (their first word), in order.
    pub fn commands(&self) -> Vec<String> {
        self.state()
            .log
            .iter()
            .filter_map(|s| s.first().cloned())
            .collect()
    }

    /// The full log of commands with their words.
    pub fn log(&self) -> Vec<Vec<String>> {
        self.state().log.clone()
    }
}

fn users_menu(hotspot: bool) -> &'static str {
    if hotspot {
        "/ip/hotspot/user"
    } else {
        "/ppp/secret"
    }
}
