//! The real `pelanggan-sync-server` binary, once per backend: `invite`,
//! `serve` over TLS with an rcgen self-signed certificate (the client trusts
//! only that one), a restart after a hard kill (the data persists), a kill
//! in the middle of a push (the retry stores exactly what is missing), the
//! config file and environment variables, `devices` and `revoke`, and logs
//! that never show a token or a code. And the SQLite file on a disk that
//! fills up (Linux: a small tmpfs in a mount namespace of the server's own).

mod common;

both!(the_binary_serves_tls_survives_a_kill_and_manages_devices);

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_the_push_and_acknowledges_only_what_was_stored() {
    scenarios::a_full_disk_refuses_the_push_and_acknowledges_only_what_was_stored().await
}

mod scenarios {
    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use pelanggan_sync_protocol::{PairRequest, PairResponse};
    use uuid::Uuid;

    use crate::common::{Backend, Device, TestDb, install_crypto, send};

    const BIN: &str = env!("CARGO_BIN_EXE_pelanggan-sync-server");

    fn cli(args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .args(args)
            .env_remove("PELANGGAN_SYNC_DATABASE")
            .env_remove("PELANGGAN_SYNC_CONFIG")
            .output()
            .expect("the binary runs")
    }

    fn stdout(output: &std::process::Output) -> String {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout.clone()).unwrap()
    }

    /// `invite`'s code (the `code:` line).
    fn invite(db: &str, shop: &str) -> String {
        let out = stdout(&cli(&["invite", "--database", db, "--shop", shop]));
        assert!(out.contains("expires: "), "{out}");
        out.lines()
            .find_map(|line| line.strip_prefix("code:"))
            .expect("a code line")
            .trim()
            .to_string()
    }

    /// A running `serve` and the URL it printed.
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

    fn serve(args: &[&str], log: &Path) -> Serving {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .args(args)
            .env("RUST_LOG", "debug")
            .env_remove("PELANGGAN_SYNC_DATABASE")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("serve starts");
        listening(child, log)
    }

    /// The started server once it printed its address (its log in the panic if it did not).
    fn listening(mut child: Child, log: &Path) -> Serving {
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = match line.trim().strip_prefix("listening on ") {
            Some(url) => url.to_string(),
            None => panic!(
                "no address printed: {line:?}; the log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        };
        Serving { child, url }
    }

    fn tls_client(cert_pem: &str) -> reqwest::Client {
        install_crypto();
        reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap()])
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    async fn pair(http: &reqwest::Client, url: &str, code: &str) -> Device {
        let id = Uuid::now_v7();
        let paired: PairResponse = send(http.post(format!("{url}/v1/pair")).json(&PairRequest {
            code: code.to_string(),
            device_id: id,
            device_name: "Kasir".to_string(),
        }))
        .await
        .expect("pairing over TLS works");
        Device {
            id,
            token: paired.token,
            base: url.to_string(),
            http: http.clone(),
        }
    }

    pub async fn the_binary_serves_tls_survives_a_kill_and_manages_devices(backend: Backend) {
        let db = TestDb::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".into()])
                .unwrap();
        let cert_pem = certified.cert.pem();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert, &cert_pem).unwrap();
        std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
        let log = dir.path().join("server.log");
        let (cert_arg, key_arg) = (cert.to_str().unwrap(), key.to_str().unwrap());

        // Without TLS and without --insecure-http, serve refuses.
        let refused = cli(&["serve", "--database", &db.url, "--listen", "127.0.0.1:0"]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to serve without TLS"));

        let code_a = invite(&db.url, "Toko Budi");
        let code_b = invite(&db.url, "Toko Budi");
        let server = serve(
            &[
                "--database",
                &db.url,
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                cert_arg,
                "--tls-key",
                key_arg,
            ],
            &log,
        );
        assert!(
            server.url.starts_with("https://127.0.0.1:"),
            "{}",
            server.url
        );
        let http = tls_client(&cert_pem);
        let a = pair(&http, &server.url, &code_a).await;
        let b = pair(&http, &server.url, &code_b).await;
        let changes = a.changes(30);
        assert_eq!(a.push(&changes).await.unwrap().accepted, 30);
        // A client that does not trust the certificate gets nowhere.
        assert!(
            crate::common::http_client()
                .get(format!("{}/v1/health", server.url))
                .send()
                .await
                .is_err()
        );

        // Killed hard (no shutdown), then started from a config file.
        drop(server);
        let config = dir.path().join("sync.toml");
        std::fs::write(
            &config,
            format!(
                "database = {:?}\nlisten = \"127.0.0.1:0\"\ntls_cert = {cert_arg:?}\ntls_key = {key_arg:?}\n",
                db.url
            ),
        )
        .unwrap();
        let server = serve(&["--config", config.to_str().unwrap()], &log);
        let (a, b) = (
            Device {
                base: server.url.clone(),
                ..a
            },
            Device {
                base: server.url.clone(),
                ..b
            },
        );
        let (pulled, next) = b.pull_all(0, 7).await;
        assert_eq!(
            pulled.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            changes
        );
        assert_eq!(next, 30);
        assert_eq!(b.status().await.unwrap().cursor.0, 30);

        // Killed in the middle of a push of 5,000 changes: after the restart
        // the same batch again stores exactly what is missing (all of it, or
        // nothing when the first try committed), and the log is whole and
        // gapless: never a part of a batch.
        let big = a.changes(5_000);
        let batch = Uuid::now_v7();
        let pushing = {
            let (a, big) = (a.clone(), big.clone());
            tokio::spawn(async move { a.push_batch(batch, &big).await })
        };
        tokio::time::sleep(Duration::from_millis(40)).await;
        drop(server);
        let _ = pushing.await;
        let server = serve(&["--config", config.to_str().unwrap()], &log);
        let (a, b) = (
            Device {
                base: server.url.clone(),
                ..a
            },
            Device {
                base: server.url.clone(),
                ..b
            },
        );
        let again = a.push_batch(batch, &big).await.unwrap();
        assert_eq!(again.cursor.0, 5_030, "{again:?}");
        let (pulled, next) = b.pull_all(30, 1_000).await;
        assert_eq!(next, 5_030);
        assert_eq!(
            pulled.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            (31..=5_030).collect::<Vec<i64>>()
        );
        assert_eq!(pulled.into_iter().map(|(_, c)| c).collect::<Vec<_>>(), big);

        // `devices` through the environment variable, `revoke` by id.
        let listed = Command::new(BIN)
            .args(["devices", "--shop", "Toko Budi"])
            .env("PELANGGAN_SYNC_DATABASE", &db.url)
            .output()
            .unwrap();
        let listed = stdout(&listed);
        assert!(listed.contains(&a.id.to_string()) && listed.contains(&b.id.to_string()));
        assert_eq!(listed.matches("active").count(), 2, "{listed}");
        let revoked = stdout(&cli(&["revoke", "--database", &db.url, &a.id.to_string()]));
        assert!(revoked.contains("revoked"), "{revoked}");
        assert_eq!(a.status().await.unwrap_err().code(), "unauthorized");
        assert!(b.status().await.is_ok());
        let missing = cli(&["revoke", "--database", &db.url, &Uuid::now_v7().to_string()]);
        assert!(!missing.status.success());

        let compacted = stdout(&cli(&[
            "compact",
            "--database",
            &db.url,
            "--shop",
            "Toko Budi",
        ]));
        assert!(compacted.contains("horizon 5030"), "{compacted}");
        drop(server);

        // The log has the requests, and no secret.
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(log.contains("/v1/push"), "{log}");
        for secret in [&a.token, &b.token, &code_a, &code_b] {
            assert!(!log.contains(secret.as_str()), "a secret in the log");
        }
        assert!(!log.to_lowercase().contains("bearer"));
    }

    /// The server's SQLite file on a 4 MiB disk of its own (tmpfs, mounted
    /// in a mount namespace by `unshare`, so the test needs no mount rights
    /// on the machine), half of it taken by a ballast file. Pushes go on
    /// until the disk is full: that push gets 503 `storage` (the log says
    /// the disk is full), reads go on, and every change pulled is one of a
    /// push that was acknowledged, all of them, gapless. Once the ballast
    /// is deleted (through the server's /proc root), the refused batch
    /// again is stored whole.
    #[cfg(target_os = "linux")]
    pub async fn a_full_disk_refuses_the_push_and_acknowledges_only_what_was_stored() {
        let dir = tempfile::tempdir().unwrap();
        let (file, disk) = (dir.path().join("sync.db"), dir.path().join("disk"));
        std::fs::create_dir(&disk).unwrap();
        let url = format!("sqlite://{}", file.display());
        let codes = [invite(&url, "toko"), invite(&url, "toko")];
        let on_disk = disk.join("sync.db");
        let log = dir.path().join("server.log");
        let script = format!(
            "mount -t tmpfs -o size=4m pelanggan-full {disk} && cp {file} {disk}/ && \
             dd if=/dev/zero of={disk}/ballast bs=64k count=32 2>/dev/null && \
             exec {BIN} serve --insecure-http --listen 127.0.0.1:0 --database sqlite://{on_disk}",
            disk = disk.display(),
            file = file.display(),
            on_disk = on_disk.display(),
        );
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new("unshare")
            .args(["--map-root-user", "--mount", "sh", "-c", &script])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("unshare (util-linux) runs");
        let server = listening(child, &log);
        let http = crate::common::http_client();
        let a = pair(&http, &server.url, &codes[0]).await;
        let b = pair(&http, &server.url, &codes[1]).await;

        let mut acknowledged = Vec::new();
        let (refused, batch) = loop {
            assert!(acknowledged.len() < 40_000, "the disk never filled");
            let changes = a.changes(500);
            let batch = Uuid::now_v7();
            match a.push_batch(batch, &changes).await {
                Ok(r) => {
                    acknowledged.extend(changes);
                    assert_eq!(r.cursor.0, acknowledged.len() as i64);
                }
                Err(e) => break (e, (batch, changes)),
            }
        };
        assert_eq!((refused.status, refused.code()), (503, "storage"));
        assert!(!acknowledged.is_empty(), "the first push already failed");
        let said = std::fs::read_to_string(&log).unwrap();
        assert!(said.contains("disk is full"), "the log says why: {said}");
        // Reads go on; what is there is exactly what was acknowledged.
        assert_eq!(
            a.status().await.unwrap().cursor.0,
            acknowledged.len() as i64
        );
        let (pulled, next) = b.pull_all(0, 5_000).await;
        assert_eq!(next, acknowledged.len() as i64);
        assert_eq!(
            pulled.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            (1..=next).collect::<Vec<i64>>()
        );
        assert_eq!(
            pulled.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            acknowledged
        );

        // Space freed: the refused batch is stored whole, once.
        let ballast = format!("/proc/{}/root{}/ballast", server.child.id(), disk.display());
        std::fs::remove_file(&ballast).unwrap();
        let (batch, changes) = batch;
        let stored = a.push_batch(batch, &changes).await.unwrap();
        assert_eq!(stored.accepted as usize, changes.len());
        let (pulled, _) = b.pull_all(next, 5_000).await;
        assert_eq!(
            pulled.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
            changes
        );
        assert_eq!(a.push_batch(batch, &changes).await.unwrap(), stored);
    }
}
