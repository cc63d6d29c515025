//! The test harness: a fresh database per test (a SQLite file in a temp
//! folder, or a PostgreSQL database created through the admin connection of
//! `scripts/with-postgres.sh`), the real router served on 127.0.0.1, and
//! devices talking to it over HTTP with reqwest.

#![allow(dead_code)] // Each test binary uses a part of the harness.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum_server::Handle;
use pelanggan_sync_protocol::{
    Change, DeviceInfo, DevicesResponse, ErrorBody, Hlc, Op, PROTOCOL, PairRequest, PairResponse,
    PullResponse, PushRequest, PushResponse, RotateRequest, RotateResponse, StatusResponse,
};
use pelanggan_sync_server::config::Database;
use pelanggan_sync_server::state::{AppState, Limits};
use pelanggan_sync_server::storage::{AnyStorage, Storage};
use pelanggan_sync_server::{clock, routes, server, tokens};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Runs each scenario once per backend: `both!(name)` makes
/// `sqlite::name` and `postgres::name` calling `scenarios::name(Backend)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::scenarios::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::scenarios::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp folder");
                let url = format!("sqlite://{}", dir.path().join("sync.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => TestDb {
                url: create_postgres_database().await,
                _dir: None,
            },
        }
    }

    pub fn database(&self) -> Database {
        Database::parse(&self.url).expect("a database URL")
    }
}

/// A new database on the test cluster; its URL. No skipping: without the
/// cluster the PostgreSQL half of the suite fails.
async fn create_postgres_database() -> String {
    let admin = std::env::var("PELANGGAN_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "PELANGGAN_TEST_POSTGRES is unset: the PostgreSQL tests need a server. Run them \
             through scripts/with-postgres.sh, e.g. \
             `scripts/with-postgres.sh cargo test -p pelanggan-sync-server`"
        )
    });
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PELANGGAN_TEST_POSTGRES ({admin}): {e}"));
    tokio::spawn(connection);
    let name = format!("sync_{}", Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("CREATE DATABASE");
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .expect("a URL with a database name");
    format!("{base}/{name}")
}

pub fn install_crypto() {
    server::install_crypto_provider();
}

pub fn http_client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// The real router on an ephemeral port of 127.0.0.1.
pub struct TestServer {
    pub base: String,
    pub addr: SocketAddr,
    pub storage: AnyStorage,
    pub http: reqwest::Client,
    handle: Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(db: &TestDb) -> TestServer {
        TestServer::start_with(db, Limits::default()).await
    }

    pub async fn start_with(db: &TestDb, limits: Limits) -> TestServer {
        let storage = AnyStorage::open(&db.database())
            .await
            .expect("the storage opens");
        let app = match storage.clone() {
            AnyStorage::Sqlite(s) => routes::router(AppState { storage: s, limits }),
            AnyStorage::Postgres(s) => routes::router(AppState { storage: s, limits }),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().unwrap();
        let handle = Handle::new();
        let task = tokio::spawn(server::run(listener, None, app, handle.clone()));
        handle.listening().await.expect("the server listens");
        TestServer {
            base: format!("http://{addr}"),
            addr,
            storage,
            http: http_client(),
            handle,
            task,
        }
    }

    /// Stops serving and waits until the socket is closed.
    pub async fn stop(self) {
        self.handle.shutdown();
        self.task
            .await
            .expect("the server task")
            .expect("the server ran");
    }

    /// A pairing code for `shop`, valid 15 minutes.
    pub async fn invite(&self, shop: &str) -> String {
        let now = clock::now_ms();
        self.invite_expiring(shop, now + 15 * 60 * 1000).await
    }

    /// A pairing code with the given expiry (in the past for an expired one).
    pub async fn invite_expiring(&self, shop: &str, expires_at_ms: i64) -> String {
        let code = tokens::new_code();
        let hash = tokens::hash_code(&code);
        let now = clock::now_ms();
        match &self.storage {
            AnyStorage::Sqlite(s) => s.create_invite(shop, hash, now, expires_at_ms).await,
            AnyStorage::Postgres(s) => s.create_invite(shop, hash, now, expires_at_ms).await,
        }
        .expect("the invite is stored");
        code
    }

    pub async fn pair_raw(&self, code: &str, device_id: Uuid) -> Result<PairResponse, Failure> {
        send(
            self.http
                .post(format!("{}/v1/pair", self.base))
                .json(&PairRequest {
                    code: code.to_string(),
                    device_id,
                    device_name: format!("desk {}", &device_id.to_string()[..8]),
                }),
        )
        .await
    }

    /// A new device of `shop`, paired with a fresh code.
    pub async fn device(&self, shop: &str) -> Device {
        let id = Uuid::now_v7();
        let code = self.invite(shop).await;
        let paired = self.pair_raw(&code, id).await.expect("pairing works");
        assert_eq!(paired.shop, shop);
        Device {
            id,
            token: paired.token,
            base: self.base.clone(),
            http: self.http.clone(),
        }
    }
}

/// A non-2xx answer: its status and its JSON error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: u16,
    pub body: ErrorBody,
}

impl Failure {
    pub fn code(&self) -> &'static str {
        self.body.code.as_str()
    }
}

/// Sends and reads the answer; a non-2xx must carry an `ErrorBody` (the test
/// fails otherwise), whose code must have the status the protocol gives it.
pub async fn send<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, Failure> {
    let response = req.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    if (200..300).contains(&status) {
        return Ok(serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("a {status} answer that does not parse ({e}): {text}")));
    }
    let body: ErrorBody = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a {status} answer without an ErrorBody ({e}): {text}"));
    if status != 400 {
        assert_eq!(body.code.http_status(), status, "{body:?}");
    }
    Err(Failure { status, body })
}

/// A paired device: its id and token.
#[derive(Clone)]
pub struct Device {
    pub id: Uuid,
    pub token: String,
    pub base: String,
    pub http: reqwest::Client,
}

/// The newest hlc handed out in this test process: every change made here
/// gets a later one (a hybrid clock of the whole process), so none repeats.
static LAST_HLC: AtomicI64 = AtomicI64::new(0);

pub fn next_hlc() -> Hlc {
    let wall = clock::now_ms() << 16;
    let previous = LAST_HLC
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(wall.max(last + 1))
        })
        .expect("the closure always gives a value");
    Hlc(wall.max(previous + 1))
}

impl Device {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// A change of this device made now (a fresh hlc), updating `field` of
    /// `customer/entity_id` to the JSON string `value`.
    pub fn change(&self, entity_id: &str, field: &str, value: &str) -> Change {
        Change {
            device: self.id,
            hlc: next_hlc(),
            entity: "customer".to_string(),
            entity_id: entity_id.to_string(),
            op: Op::Update,
            field: Some(field.to_string()),
            value: Some(serde_json::to_string(value).unwrap()),
            schema: 15,
        }
    }

    /// `n` changes with increasing hlcs.
    pub fn changes(&self, n: usize) -> Vec<Change> {
        (0..n)
            .map(|i| self.change(&format!("c{i}"), "name", &format!("Budi {i}")))
            .collect()
    }

    pub async fn push_batch(
        &self,
        batch_id: Uuid,
        changes: &[Change],
    ) -> Result<PushResponse, Failure> {
        send(self.post("/v1/push").json(&PushRequest {
            protocol: PROTOCOL,
            batch_id,
            changes: changes.to_vec(),
        }))
        .await
    }

    pub async fn push(&self, changes: &[Change]) -> Result<PushResponse, Failure> {
        self.push_batch(Uuid::new_v4(), changes).await
    }

    pub async fn pull(&self, after: i64, limit: u32) -> Result<PullResponse, Failure> {
        send(self.get(&format!("/v1/pull?after={after}&limit={limit}"))).await
    }

    /// Pulls every page after `after`; the pages' changes and the last `next`.
    pub async fn pull_all(&self, after: i64, limit: u32) -> (Vec<(i64, Change)>, i64) {
        let mut all = Vec::new();
        let mut after = after;
        loop {
            let page = self.pull(after, limit).await.expect("pull works");
            assert!(page.changes.len() <= limit as usize);
            all.extend(page.changes.into_iter().map(|p| (p.seq.0, p.change)));
            assert!(page.next.0 >= after, "next never goes back");
            after = page.next.0;
            if !page.more {
                return (all, after);
            }
        }
    }

    pub async fn status(&self) -> Result<StatusResponse, Failure> {
        send(self.get("/v1/status")).await
    }

    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, Failure> {
        send::<DevicesResponse>(self.get("/v1/devices"))
            .await
            .map(|d| d.devices)
    }

    pub async fn revoke(&self, device: Uuid) -> Result<DeviceInfo, Failure> {
        send(self.post(&format!("/v1/devices/{device}/revoke"))).await
    }

    /// `POST /v1/device/rotate` with this device's token, to `new_id`.
    pub async fn rotate_raw(&self, new_id: Uuid) -> Result<RotateResponse, Failure> {
        send(self.post("/v1/device/rotate").json(&RotateRequest {
            device_id: new_id,
            device_name: "restored desk".to_string(),
        }))
        .await
    }

    /// This device replaced by a new one (a fresh id): the new device.
    pub async fn rotate(&self) -> Device {
        let id = Uuid::now_v7();
        let rotated = self.rotate_raw(id).await.expect("the rotation works");
        assert_eq!((rotated.device_id, rotated.replaced), (id, self.id));
        Device {
            id,
            token: rotated.token,
            base: self.base.clone(),
            http: self.http.clone(),
        }
    }
}
