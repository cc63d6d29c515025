//! The sync transport over HTTPS (plain HTTP only where the server was
//! started with `--insecure-http`, e.g. on loopback in tests): the core's
//! `sync::Transport` against `pelanggan-sync-server`, and the pairing and
//! device calls.
//!
//! Owns the HTTP: the client (rustls with ring, a pinned certificate when
//! the pairing names one, timeouts, no proxy from the environment), the
//! bearer token, and what a reply means (`Failure::Unreachable` for no
//! answer, `Failure::Refused` with the server's code otherwise). Must not
//! know any merge rule: the core decides what to push and applies what is
//! pulled. The token is never logged or put into an error.

use std::time::Duration;

use pelanggan_core::sync::{self, Failure, PairAnswer, PairAsk, Pairing, Report, Transport};
use pelanggan_core::{Db, Result as CoreResult};
use pelanggan_sync_protocol::{
    DeviceInfo, DevicesResponse, ErrorBody, PairRequest, PairResponse, PullResponse, PushRequest,
    PushResponse, RotateRequest, RotateResponse, Seq, StatusResponse,
};
use reqwest::blocking::{Client, RequestBuilder};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// How long one request may take: a push of a full page included.
const TIMEOUT: Duration = Duration::from_secs(60);

fn client(ca_file: Option<&str>) -> Result<Client, Failure> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .no_proxy()
        .user_agent(concat!("Pelanggan/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::Certificate(format!("the certificate file {path} cannot be read: {e}"))
        })?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| Failure::Certificate(format!("{path} is not a PEM certificate: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .map_err(|e| Failure::Unreachable(format!("the HTTP client could not be made: {e}")))
}

/// Sends a request and reads its JSON answer, or what went wrong.
fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, Failure> {
    let response = request
        .send()
        .map_err(|e| Failure::Unreachable(without_url(&e)))?;
    let status = response.status();
    let body = response
        .text()
        .map_err(|e| Failure::Unreachable(without_url(&e)))?;
    if status.is_success() {
        return serde_json::from_str(&body).map_err(|e| Failure::Refused {
            code: "malformed".into(),
            message: format!("the server's answer is not what this program expects: {e}"),
        });
    }
    Err(match serde_json::from_str::<ErrorBody>(&body) {
        Ok(e) => Failure::Refused {
            code: e.code.as_str().to_owned(),
            message: e.message,
        },
        Err(_) => Failure::Refused {
            code: format!("http_{}", status.as_u16()),
            message: format!("HTTP {status} from something that is not a Pelanggan sync server"),
        },
    })
}

/// The error without its URL's query (reqwest prints the URL; ours carry no
/// secret, but the message stays short).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    match e.url() {
        Some(url) => format!("{kind} ({}://{})", url.scheme(), url.authority()),
        None => kind.to_owned(),
    }
}

/// `POST /v1/pair`: the pairing call `pelanggan_core::sync::pair` makes.
pub fn pair(ask: &PairAsk<'_>) -> Result<PairAnswer, Failure> {
    let device_id = ask.device_id.parse().map_err(|_| Failure::Refused {
        code: "malformed".into(),
        message: format!("'{}' is not a device id", ask.device_id),
    })?;
    let client = client(ask.ca_file)?;
    let answer: PairResponse = send(client.post(format!("{}/v1/pair", ask.server_url)).json(
        &PairRequest {
            code: ask.code.to_owned(),
            device_id,
            device_name: ask.device_name.to_owned(),
        },
    ))?;
    Ok(PairAnswer {
        shop: answer.shop,
        token: answer.token,
    })
}

/// A paired device's connection to its server.
pub struct HttpTransport {
    client: Client,
    base: String,
    token: String,
}

impl HttpTransport {
    pub fn new(pairing: &Pairing) -> Result<HttpTransport, Failure> {
        Ok(HttpTransport {
            client: client(pairing.ca_file.as_deref())?,
            base: pairing.server_url.clone(),
            token: pairing.token().to_owned(),
        })
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    fn post(&self, path: &str) -> RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// `GET /v1/devices`: the shop's devices.
    pub fn devices(&mut self) -> Result<DevicesResponse, Failure> {
        send(self.get("/v1/devices"))
    }

    /// `POST /v1/devices/{id}/revoke`.
    pub fn revoke(&mut self, device_id: &str) -> Result<DeviceInfo, Failure> {
        send(self.post(&format!("/v1/devices/{device_id}/revoke")))
    }
}

impl Transport for HttpTransport {
    fn status(&mut self) -> Result<StatusResponse, Failure> {
        send(self.get("/v1/status"))
    }

    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, Failure> {
        send(self.post("/v1/push").json(request))
    }

    fn pull(&mut self, after: Seq, limit: u32, snapshot: bool) -> Result<PullResponse, Failure> {
        let snapshot = if snapshot { "&snapshot=true" } else { "" };
        send(self.get(&format!("/v1/pull?after={after}&limit={limit}{snapshot}")))
    }

    /// Trades this token for the new device's, which every later request
    /// of this transport carries.
    fn rotate(&mut self, device_id: Uuid) -> Result<RotateResponse, Failure> {
        let answer: RotateResponse = send(self.post("/v1/device/rotate").json(&RotateRequest {
            device_id,
            device_name: device_name(),
        }))?;
        self.token.clone_from(&answer.token);
        Ok(answer)
    }
}

/// One sync round of the paired database over HTTPS (`sync now`, the app's
/// button and its timer): `sync_not_paired` before `sync pair`.
pub fn run(db: &mut Db, actor: Option<&str>) -> CoreResult<Report> {
    let pairing = sync::state::require(db.reader()?)?;
    let mut transport = HttpTransport::new(&pairing)?;
    sync::run(db, actor, &mut transport)
}

/// The transport of the paired database, for `devices` and `revoke`.
pub fn connect(db: &Db) -> CoreResult<HttpTransport> {
    Ok(HttpTransport::new(&sync::state::require(db.reader()?)?)?)
}

/// The computer's name, as the other devices see this one.
pub fn device_name() -> String {
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Pelanggan".into())
}
