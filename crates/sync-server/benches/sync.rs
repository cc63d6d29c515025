//! The sync server under a shop's worth of devices at once (`make bench-sync`):
//! the real `pelanggan-sync-server` binary on 127.0.0.1 (plain HTTP on
//! loopback), BENCH_DEVICES devices (default 50) each pairing with its own
//! code, then all pushing BENCH_CHANGES changes (default 10,000) at the same
//! time in batches of 1,000, then all pulling everything the others pushed,
//! in pages of 5,000. Reported per storage: changes/s of each phase, the
//! p95 of one push and of one pull page, and the server process's peak
//! resident memory (VmHWM). SQLite always; PostgreSQL when
//! PELANGGAN_TEST_POSTGRES names a cluster (`make bench-sync` starts one).
//! Every device must receive exactly the others' changes, or the run fails.
//! Run by `cargo test --all-targets` (without --bench), it is 3 devices x
//! 1,500 changes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pelanggan_sync_protocol::{
    Change, Hlc, Op, PROTOCOL, PairRequest, PairResponse, PullResponse, PushRequest, PushResponse,
    SCHEMA_MAX, Seq,
};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_pelanggan-sync-server");
const PUSH_BATCH: usize = 1_000;
const PULL_PAGE: u32 = 5_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Serving {
    child: Child,
    url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    fn start(database: &str) -> Serving {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--insecure-http"])
            .args(["--database", database])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server said {line:?}"))
            .to_owned();
        Serving { child, url }
    }

    /// The server's peak resident memory, in MiB (Linux: VmHWM).
    fn peak_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }
}

fn invite(database: &str) -> String {
    let out = Command::new(BIN)
        .args(["invite", "--database", database, "--shop", "Bench"])
        .output()
        .expect("invite runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("code:").map(|c| c.trim().to_owned()))
        .expect("a code")
}

struct Device {
    id: Uuid,
    token: String,
}

fn p95(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times
        .get((times.len() * 95).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

fn changes(device: Uuid, n: usize, start_ms: i64) -> Vec<Change> {
    (0..n)
        .map(|i| Change {
            device,
            // Past the wall clock by at most a few ms: the server refuses
            // a clock more than 5 minutes ahead.
            hlc: Hlc((start_ms << 16) + i as i64),
            entity: "customer".into(),
            entity_id: Uuid::now_v7().to_string(),
            op: if i % 10 == 0 { Op::Insert } else { Op::Update },
            field: Some("name".into()),
            value: Some(format!("\"Pelanggan {i}\"")),
            schema: SCHEMA_MAX,
        })
        .collect()
}

async fn run(label: &str, database: &str, devices: usize, per_device: usize) {
    let codes: Vec<String> = (0..devices).map(|_| invite(database)).collect();
    let server = Serving::start(database);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let mut paired = Vec::new();
    for (i, code) in codes.into_iter().enumerate() {
        let id = Uuid::now_v7();
        let answer: PairResponse = http
            .post(format!("{}/v1/pair", server.url))
            .json(&PairRequest {
                code,
                device_id: id,
                device_name: format!("desk-{i}"),
            })
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        paired.push(Device {
            id,
            token: answer.token,
        });
    }

    // Push: every device at once, each its batches one after the other.
    let started = Instant::now();
    let now_ms = chrono_ms();
    let pushes = paired.iter().map(|d| {
        let (http, url, token) = (http.clone(), server.url.clone(), d.token.clone());
        let all = changes(d.id, per_device, now_ms);
        tokio::spawn(async move {
            let mut times = Vec::new();
            for batch in all.chunks(PUSH_BATCH) {
                let t = Instant::now();
                let answer: PushResponse = http
                    .post(format!("{url}/v1/push"))
                    .bearer_auth(&token)
                    .json(&PushRequest {
                        protocol: PROTOCOL,
                        batch_id: Uuid::now_v7(),
                        changes: batch.to_vec(),
                    })
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(answer.accepted as usize, batch.len());
                times.push(t.elapsed());
            }
            times
        })
    });
    let mut push_times = Vec::new();
    for task in futures_join(pushes).await {
        push_times.extend(task);
    }
    let push_wall = started.elapsed();

    // Pull: every device at once, everything the others pushed.
    let started = Instant::now();
    let pulls = paired.iter().map(|d| {
        let (http, url, token) = (http.clone(), server.url.clone(), d.token.clone());
        tokio::spawn(async move {
            let (mut times, mut received, mut after) = (Vec::new(), 0usize, Seq(0));
            loop {
                let t = Instant::now();
                let page: PullResponse = http
                    .get(format!("{url}/v1/pull?after={after}&limit={PULL_PAGE}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                times.push(t.elapsed());
                received += page.changes.len();
                after = page.next;
                if !page.more {
                    break;
                }
            }
            (times, received)
        })
    });
    let mut pull_times = Vec::new();
    for (times, received) in futures_join(pulls).await {
        assert_eq!(
            received,
            (devices - 1) * per_device,
            "a device missed changes"
        );
        pull_times.extend(times);
    }
    let pull_wall = started.elapsed();
    let pushed = devices * per_device;
    let pulled = devices * (devices - 1) * per_device;
    println!(
        "{label:<10} push: {pushed} changes in {:.1} s = {:.0} changes/s, p95 of a push ({PUSH_BATCH}) {:.0} ms",
        push_wall.as_secs_f64(),
        pushed as f64 / push_wall.as_secs_f64(),
        p95(push_times).as_secs_f64() * 1e3,
    );
    println!(
        "{label:<10} pull: {pulled} changes in {:.1} s = {:.0} changes/s, p95 of a pull page ({PULL_PAGE}) {:.0} ms",
        pull_wall.as_secs_f64(),
        pulled as f64 / pull_wall.as_secs_f64(),
        p95(pull_times).as_secs_f64() * 1e3,
    );
    match server.peak_mib() {
        Some(mib) => println!("{label:<10} server peak memory (VmHWM): {mib:.0} MiB"),
        None => println!("{label:<10} server peak memory: not measurable here"),
    }
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Awaits every task; a task that panicked fails the run.
async fn futures_join<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks.collect::<Vec<_>>() {
        out.push(t.await.expect("a device's task"));
    }
    out
}

async fn postgres_database(admin: &str) -> String {
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PELANGGAN_TEST_POSTGRES: {e}"));
    tokio::spawn(connection);
    let name = format!("bench_{}", Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs a small
    // round of the same code (every device must still get the others' changes).
    let full = std::env::args().any(|a| a == "--bench");
    let (devices, per_device) = if full {
        (
            env_usize("BENCH_DEVICES", 50).max(2),
            env_usize("BENCH_CHANGES", 10_000).max(1),
        )
    } else {
        (3, 1_500)
    };
    println!(
        "sync bench: {devices} devices x {per_device} changes, pushed at once, then each pulls the others'"
    );
    pelanggan_sync_server::server::install_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = match std::env::var("BENCH_DIR") {
            Ok(d) => tempfile::tempdir_in(d),
            Err(_) => tempfile::tempdir(),
        }
        .unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("sync.db").display());
        run("sqlite", &sqlite, devices, per_device).await;
        match std::env::var("PELANGGAN_TEST_POSTGRES") {
            Ok(admin) => {
                let url = postgres_database(&admin).await;
                run("postgres", &url, devices, per_device).await;
            }
            Err(_) => println!(
                "postgres   skipped: PELANGGAN_TEST_POSTGRES is unset (`make bench-sync` starts a cluster)"
            ),
        }
    });
}
