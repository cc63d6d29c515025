//! The HTTP API against the real router on 127.0.0.1, every scenario once per
//! storage backend (SQLite file, PostgreSQL): `both!` below.

mod common;

both!(
    health_needs_no_token,
    pairing_codes_work_once_and_expire,
    push_and_pull_in_pages,
    a_retried_batch_returns_its_first_answer,
    duplicates_across_batches_are_counted_not_stored,
    a_device_never_pulls_its_own_changes,
    concurrent_pushes_make_a_gapless_commit_ordered_log,
    a_clock_ahead_refuses_the_whole_batch,
    old_protocols_and_schemas_out_of_range_are_told_to_update,
    a_change_of_another_device_is_refused,
    revoked_and_unknown_tokens_get_401_and_no_data,
    two_shops_never_see_each_other,
    an_oversized_body_gets_413,
    malformed_requests_get_json_errors,
    a_slow_body_times_out_while_others_are_served,
    data_persists_across_a_restart,
    compaction_keeps_the_newest_update_and_moves_the_horizon,
    a_storage_failure_gets_503_and_acknowledges_nothing,
    a_rotated_device_replaces_the_old_one_and_may_push_its_changes,
    a_lost_rotation_answer_may_be_asked_again_until_the_new_token_is_used,
    another_shop_cannot_rotate_into_this_shop,
);

mod scenarios {
    use std::collections::HashSet;
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    use pelanggan_sync_protocol::{
        Change, ErrorCode, HealthResponse, Hlc, MAX_CLOCK_AHEAD_MS, Op, PullResponse, PushRequest,
        SCHEMA_MAX, SCHEMA_MIN,
    };
    use pelanggan_sync_server::clock::now_ms;
    use pelanggan_sync_server::state::Limits;
    use uuid::Uuid;

    use crate::common::{Backend, Device, TestDb, TestServer, send};

    async fn setup(backend: Backend) -> (TestDb, TestServer) {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db).await;
        (db, server)
    }

    fn stored(changes: &[(i64, Change)]) -> Vec<Change> {
        changes.iter().map(|(_, c)| c.clone()).collect()
    }

    pub async fn health_needs_no_token(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let health: HealthResponse = send(server.http.get(format!("{}/v1/health", server.base)))
            .await
            .unwrap();
        assert_eq!(health.status, "ok");
        assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    }

    pub async fn pairing_codes_work_once_and_expire(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let code = server.invite("Toko Budi").await;
        let first = Uuid::now_v7();
        // Typed loosely (lower case, spaces for dashes): still the code.
        let typed = code.to_lowercase().replace('-', " ");
        let paired = server.pair_raw(&typed, first).await.unwrap();
        assert_eq!(paired.shop, "Toko Budi");
        assert!((paired.server_time_ms - now_ms()).abs() < 60_000);
        let device = Device {
            id: first,
            token: paired.token.clone(),
            base: server.base.clone(),
            http: server.http.clone(),
        };
        assert_eq!(device.status().await.unwrap().device_id, first);

        let used = server.pair_raw(&code, Uuid::now_v7()).await.unwrap_err();
        assert_eq!((used.status, used.code()), (401, "invalid_code"));

        let expired = server.invite_expiring("Toko Budi", now_ms() - 1).await;
        let err = server.pair_raw(&expired, Uuid::now_v7()).await.unwrap_err();
        assert_eq!((err.status, err.code()), (401, "invalid_code"));

        let err = server
            .pair_raw("AAAA-BBBB-CCCC-DDDD", Uuid::now_v7())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_code");

        // Only the first device was paired.
        let devices = device.devices().await.unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].device_id, first);

        // Pairing again (a new code) gives a new token; the old one stops working.
        let again = server.invite("Toko Budi").await;
        let repaired = server.pair_raw(&again, first).await.unwrap();
        assert_ne!(repaired.token, paired.token);
        assert_eq!(device.status().await.unwrap_err().code(), "unauthorized");
    }

    pub async fn push_and_pull_in_pages(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let mut changes = a.changes(25);
        changes[3].field = None;
        changes[3].op = Op::Delete;
        changes[3].value = None;
        changes[4].value = Some(r#"{"name":"Siti","nested":[1,2,{"x":null}]}"#.to_string());
        let pushed = a.push(&changes).await.unwrap();
        assert_eq!(
            (pushed.accepted, pushed.duplicates, pushed.cursor.0),
            (25, 0, 25)
        );

        let first = b.pull(0, 10).await.unwrap();
        assert_eq!(first.changes.len(), 10);
        assert!(first.more);
        assert_eq!(first.next.0, 10);
        let second = b.pull(first.next.0, 10).await.unwrap();
        assert_eq!(
            second.changes.iter().map(|p| p.seq.0).collect::<Vec<_>>(),
            (11..=20).collect::<Vec<_>>()
        );
        let third = b.pull(second.next.0, 10).await.unwrap();
        assert_eq!(third.changes.len(), 5);
        assert!(!third.more);
        assert_eq!(third.next.0, 25);
        let all: Vec<Change> = [first, second, third]
            .into_iter()
            .flat_map(|page| page.changes.into_iter().map(|p| p.change))
            .collect();
        assert_eq!(all, changes, "pulled exactly as pushed, values untouched");

        let empty = b.pull(25, 10).await.unwrap();
        assert!(empty.changes.is_empty() && !empty.more);
        assert_eq!(empty.next.0, 25);

        let status = a.status().await.unwrap();
        assert_eq!(status.cursor.0, 25);
        assert_eq!(status.last_pushed_hlc, Some(changes[24].hlc));
        assert_eq!(
            (status.schema_min, status.schema_max),
            (SCHEMA_MIN, SCHEMA_MAX)
        );
        assert_eq!(b.status().await.unwrap().last_pushed_hlc, None);
        // A limit above the maximum is lowered, not refused; the default is 1000.
        assert_eq!(b.pull(0, 100_000).await.unwrap().changes.len(), 25);
    }

    pub async fn a_retried_batch_returns_its_first_answer(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let batch = Uuid::new_v4();
        let changes = a.changes(5);
        let first = a.push_batch(batch, &changes).await.unwrap();
        b.push(&b.changes(2)).await.unwrap();
        let retry = a.push_batch(batch, &changes).await.unwrap();
        assert_eq!(retry, first, "the stored answer, cursor included");
        // Even with other contents, a seen batch id writes nothing.
        let retry = a.push_batch(batch, &a.changes(3)).await.unwrap();
        assert_eq!(retry, first);
        let (pulled, _) = b.pull_all(0, 100).await;
        assert_eq!(stored(&pulled), changes);
        assert_eq!(a.status().await.unwrap().cursor.0, 7);
    }

    pub async fn duplicates_across_batches_are_counted_not_stored(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let changes = a.changes(8);
        let first = a.push(&changes[..5]).await.unwrap();
        assert_eq!((first.accepted, first.duplicates), (5, 0));
        // 3..8 again, and one of them twice in the same batch.
        let mut second_batch = changes[2..].to_vec();
        second_batch.push(changes[7].clone());
        let second = a.push(&second_batch).await.unwrap();
        assert_eq!(
            (second.accepted, second.duplicates, second.cursor.0),
            (3, 4, 8)
        );
        let (pulled, next) = b.pull_all(0, 3).await;
        assert_eq!(
            pulled.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<_>>(),
            "duplicates took no seq"
        );
        assert_eq!(stored(&pulled), changes);
        assert_eq!(next, 8);
    }

    pub async fn a_device_never_pulls_its_own_changes(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let mine = a.changes(3);
        a.push(&mine).await.unwrap();
        let theirs = b.changes(2);
        b.push(&theirs).await.unwrap();
        a.push(&a.changes(4)).await.unwrap();

        let page = a.pull(0, 100).await.unwrap();
        assert_eq!(
            page.changes
                .iter()
                .map(|p| p.change.clone())
                .collect::<Vec<_>>(),
            theirs
        );
        assert_eq!(
            page.next.0, 9,
            "past its own changes, which are skipped for good"
        );
        assert!(!page.more);
        // Page by page, too.
        let (pulled, next) = a.pull_all(0, 1).await;
        assert_eq!(stored(&pulled), theirs);
        assert_eq!(next, 9);
        assert!(pulled.iter().all(|(_, c)| c.device == b.id));
    }

    pub async fn concurrent_pushes_make_a_gapless_commit_ordered_log(backend: Backend) {
        const DEVICES: usize = 4;
        const BATCHES: usize = 8;
        const PER_BATCH: usize = 40;
        let (_db, server) = setup(backend).await;
        let reader = server.device("shop").await;
        let mut writers = Vec::new();
        for _ in 0..DEVICES {
            writers.push(server.device("shop").await);
        }
        let expected: usize = DEVICES * BATCHES * PER_BATCH;

        // A reader pulls as the writers push: if a commit could land below a
        // seq already read, this incremental pull would miss it.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let follower = {
            let reader = reader.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut after = 0;
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                    let (page, next) = reader.pull_all(after, 37).await;
                    seen.extend(page);
                    after = next;
                    if finished {
                        return seen;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let mut pushes = Vec::new();
        for writer in &writers {
            let writer = writer.clone();
            pushes.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for _ in 0..BATCHES {
                    let batch = writer.changes(PER_BATCH);
                    let answer = writer.push(&batch).await.expect("push works");
                    assert_eq!(answer.accepted as usize, PER_BATCH);
                    mine.extend(batch);
                }
                mine
            }));
        }
        let mut pushed = Vec::new();
        for push in pushes {
            pushed.extend(push.await.unwrap());
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let followed = follower.await.unwrap();

        for seen in [followed, reader.pull_all(0, 500).await.0] {
            let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
            assert_eq!(
                seqs,
                (1..=expected as i64).collect::<Vec<_>>(),
                "gapless, in order"
            );
            let ids: HashSet<(Uuid, Hlc)> = seen.iter().map(|(_, c)| (c.device, c.hlc)).collect();
            assert_eq!(ids.len(), expected, "each change once");
            let pushed_ids: HashSet<(Uuid, Hlc)> =
                pushed.iter().map(|c| (c.device, c.hlc)).collect();
            assert_eq!(ids, pushed_ids);
        }
        // Each device's batches appear in the order it pushed them.
        let (all, _) = reader.pull_all(0, 5000).await;
        for writer in &writers {
            let hlcs: Vec<Hlc> = all
                .iter()
                .filter(|(_, c)| c.device == writer.id)
                .map(|(_, c)| c.hlc)
                .collect();
            assert!(hlcs.windows(2).all(|w| w[0] < w[1]));
        }
    }

    pub async fn a_clock_ahead_refuses_the_whole_batch(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let mut changes = a.changes(3);
        changes[1].hlc = Hlc((now_ms() + MAX_CLOCK_AHEAD_MS + 60_000) << 16);
        let err = a.push(&changes).await.unwrap_err();
        assert_eq!((err.status, err.code()), (409, "clock_ahead"));
        assert_eq!(a.status().await.unwrap().cursor.0, 0, "nothing stored");
        // Within the tolerance is accepted.
        changes[1].hlc = Hlc((now_ms() + MAX_CLOCK_AHEAD_MS - 60_000) << 16);
        assert_eq!(a.push(&changes).await.unwrap().accepted, 3);
    }

    pub async fn old_protocols_and_schemas_out_of_range_are_told_to_update(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let old = send::<serde_json::Value>(
            server
                .http
                .post(format!("{}/v1/push", server.base))
                .bearer_auth(&a.token)
                .json(&PushRequest {
                    protocol: 0,
                    batch_id: Uuid::new_v4(),
                    changes: a.changes(1),
                }),
        )
        .await
        .unwrap_err();
        assert_eq!((old.status, old.code()), (426, "please_update"));
        for schema in [SCHEMA_MIN - 1, SCHEMA_MAX + 1] {
            let mut changes = a.changes(2);
            changes[1].schema = schema;
            let err = a.push(&changes).await.unwrap_err();
            assert_eq!((err.status, err.code()), (426, "please_update"), "{schema}");
        }
        assert_eq!(a.status().await.unwrap().cursor.0, 0);
        let mut edge = a.changes(2);
        edge[0].schema = SCHEMA_MIN;
        edge[1].schema = SCHEMA_MAX;
        assert_eq!(a.push(&edge).await.unwrap().accepted, 2);
    }

    pub async fn a_change_of_another_device_is_refused(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let mut changes = a.changes(2);
        changes.push(b.change("c1", "name", "not mine"));
        let err = a.push(&changes).await.unwrap_err();
        assert_eq!((err.status, err.code()), (403, "foreign_change"));
        assert_eq!(a.status().await.unwrap().cursor.0, 0);
    }

    pub async fn revoked_and_unknown_tokens_get_401_and_no_data(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        a.push(&a.changes(3)).await.unwrap();
        let revoked = a.revoke(b.id).await.unwrap();
        assert_eq!(revoked.device_id, b.id);
        assert!(revoked.revoked_at.is_some());

        let fails = [
            b.pull(0, 10).await.unwrap_err(),
            b.push(&b.changes(1)).await.unwrap_err(),
            b.status().await.unwrap_err(),
            b.devices().await.unwrap_err(),
            b.revoke(a.id).await.unwrap_err(),
        ];
        for err in &fails {
            assert_eq!((err.status, err.code()), (401, "unauthorized"));
            // The message names no shop, device or change.
            assert!(!err.body.message.contains("shop"), "{}", err.body.message);
        }
        // a is untouched, b's push stored nothing.
        assert_eq!(a.status().await.unwrap().cursor.0, 3);
        let listed = a.devices().await.unwrap();
        assert!(
            listed
                .iter()
                .find(|d| d.device_id == b.id)
                .unwrap()
                .revoked_at
                .is_some()
        );
        assert!(
            listed
                .iter()
                .find(|d| d.device_id == a.id)
                .unwrap()
                .revoked_at
                .is_none()
        );

        let unknown = Device {
            token: pelanggan_sync_server::tokens::new_token(),
            ..a.clone()
        };
        assert_eq!(
            unknown.pull(0, 10).await.unwrap_err().code(),
            "unauthorized"
        );
        assert_eq!(unknown.status().await.unwrap_err().code(), "unauthorized");
        let missing =
            send::<serde_json::Value>(server.http.get(format!("{}/v1/status", server.base)))
                .await
                .unwrap_err();
        assert_eq!((missing.status, missing.code()), (401, "unauthorized"));
        let wrong_scheme = send::<serde_json::Value>(
            server
                .http
                .get(format!("{}/v1/status", server.base))
                .header("authorization", format!("Basic {}", a.token)),
        )
        .await
        .unwrap_err();
        assert_eq!(wrong_scheme.code(), "unauthorized");
    }

    pub async fn two_shops_never_see_each_other(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a1 = server.device("Toko A").await;
        let a2 = server.device("Toko A").await;
        let b1 = server.device("Toko B").await;
        let b2 = server.device("Toko B").await;
        let from_b = b1.changes(6);
        b1.push(&from_b).await.unwrap();
        let from_a = a2.changes(2);
        a2.push(&from_a).await.unwrap();

        let (pulled, next) = a1.pull_all(0, 100).await;
        assert_eq!(stored(&pulled), from_a);
        assert_eq!(next, 2, "shop A's seqs are its own");
        let status = a1.status().await.unwrap();
        assert_eq!((status.shop.as_str(), status.cursor.0), ("Toko A", 2));
        let devices: HashSet<Uuid> = a1
            .devices()
            .await
            .unwrap()
            .iter()
            .map(|d| d.device_id)
            .collect();
        assert_eq!(devices, HashSet::from([a1.id, a2.id]));

        let err = a1.revoke(b1.id).await.unwrap_err();
        assert_eq!((err.status, err.code()), (404, "not_found"));
        assert!(b1.status().await.is_ok(), "b1 was not revoked");
        // Pushing shop B's change through shop A is someone else's change.
        let err = a1.push(&from_b[..1]).await.unwrap_err();
        assert_eq!(err.code(), "foreign_change");

        let (pulled, _) = b2.pull_all(0, 100).await;
        assert_eq!(stored(&pulled), from_b);
        assert_eq!(b2.status().await.unwrap().cursor.0, 6);
    }

    pub async fn an_oversized_body_gets_413(backend: Backend) {
        let db = TestDb::new(backend).await;
        let limits = Limits {
            max_body: 64 * 1024,
            ..Limits::default()
        };
        let server = TestServer::start_with(&db, limits).await;
        let a = server.device("shop").await;
        let mut big = a.changes(1);
        big[0].value = Some(serde_json::to_string(&"x".repeat(100 * 1024)).unwrap());
        let err = a.push(&big).await.unwrap_err();
        assert_eq!((err.status, err.code()), (413, "body_too_large"));
        assert_eq!(a.status().await.unwrap().cursor.0, 0);

        // A declared length over the cap is refused before the body is sent.
        let answer = raw_request(
            server.addr,
            "POST /v1/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: 1000000000\r\n\r\n",
            Duration::from_secs(5),
        );
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("\"body_too_large\""), "{answer}");
        // Just under the cap still works.
        big[0].value = Some(serde_json::to_string(&"x".repeat(60 * 1024)).unwrap());
        assert_eq!(a.push(&big).await.unwrap().accepted, 1);
    }

    pub async fn malformed_requests_get_json_errors(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let post = |body: &'static str| {
            server
                .http
                .post(format!("{}/v1/push", server.base))
                .bearer_auth(&a.token)
                .header("content-type", "application/json")
                .body(body)
        };
        let not_json = send::<serde_json::Value>(post("{not json"))
            .await
            .unwrap_err();
        assert_eq!((not_json.status, not_json.code()), (400, "malformed"));
        let missing = send::<serde_json::Value>(post(r#"{"protocol":1}"#))
            .await
            .unwrap_err();
        assert_eq!((missing.status, missing.code()), (422, "malformed"));
        let bare_number_hlc = r#"{"protocol":1,"batch_id":"0190a000-0000-7000-8000-000000000001",
            "changes":[{"device":"0190a000-0000-7000-8000-000000000001","hlc":5,"entity":"c",
            "entity_id":"1","op":"update","schema":1}]}"#;
        let err = send::<serde_json::Value>(post(bare_number_hlc))
            .await
            .unwrap_err();
        assert_eq!((err.status, err.code()), (422, "malformed"));
        let unknown_op = r#"{"protocol":1,"batch_id":"0190a000-0000-7000-8000-000000000001",
            "changes":[{"device":"0190a000-0000-7000-8000-000000000001","hlc":"5","entity":"c",
            "entity_id":"1","op":"merge","schema":1}]}"#;
        assert_eq!(
            send::<serde_json::Value>(post(unknown_op))
                .await
                .unwrap_err()
                .status,
            422
        );
        let mut empty_entity = a.changes(1);
        empty_entity[0].entity.clear();
        assert_eq!(a.push(&empty_entity).await.unwrap_err().code(), "malformed");

        let bad_query = send::<serde_json::Value>(
            server
                .http
                .get(format!("{}/v1/pull?after=abc", server.base))
                .bearer_auth(&a.token),
        )
        .await
        .unwrap_err();
        assert_eq!((bad_query.status, bad_query.code()), (400, "malformed"));
        assert_eq!(a.pull(-1, 10).await.unwrap_err().code(), "malformed");

        let no_route =
            send::<serde_json::Value>(server.http.get(format!("{}/v2/nothing", server.base)))
                .await
                .unwrap_err();
        assert_eq!((no_route.status, no_route.code()), (404, "not_found"));
        let wrong_method =
            send::<serde_json::Value>(server.http.get(format!("{}/v1/push", server.base)))
                .await
                .unwrap_err();
        assert_eq!(wrong_method.body.code, ErrorCode::MethodNotAllowed);
        let bad_id = send::<serde_json::Value>(
            server
                .http
                .post(format!("{}/v1/devices/not-a-uuid/revoke", server.base))
                .bearer_auth(&a.token),
        )
        .await
        .unwrap_err();
        assert_eq!(bad_id.code(), "not_found");
        let empty_name =
            send::<serde_json::Value>(server.http.post(format!("{}/v1/pair", server.base)).json(
                &serde_json::json!({"code": "x", "device_id": Uuid::now_v7(), "device_name": " "}),
            ))
            .await
            .unwrap_err();
        assert_eq!((empty_name.status, empty_name.code()), (422, "malformed"));
        assert_eq!(a.status().await.unwrap().cursor.0, 0);
    }

    pub async fn a_slow_body_times_out_while_others_are_served(backend: Backend) {
        let db = TestDb::new(backend).await;
        let limits = Limits {
            body_timeout: Duration::from_millis(700),
            ..Limits::default()
        };
        let server = TestServer::start_with(&db, limits).await;
        let addr = server.addr;
        let slow = std::thread::spawn(move || {
            let started = Instant::now();
            let answer = raw_request(
                addr,
                "POST /v1/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: 200\r\n\r\n{\"code\":",
                Duration::from_secs(10),
            );
            (answer, started.elapsed())
        });
        // While that body stalls, the server answers others.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let health: HealthResponse = send(server.http.get(format!("{}/v1/health", server.base)))
            .await
            .unwrap();
        assert_eq!(health.status, "ok");
        assert!(started.elapsed() < Duration::from_millis(500));
        let a = server.device("shop").await;
        a.push(&a.changes(1)).await.unwrap();

        let (answer, took) = tokio::task::spawn_blocking(move || slow.join().unwrap())
            .await
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("\"timeout\""), "{answer}");
        assert!(took >= Duration::from_millis(600), "{took:?}");
        assert!(health_ok(&server).await, "still serving after the timeout");
    }

    async fn health_ok(server: &TestServer) -> bool {
        send::<HealthResponse>(server.http.get(format!("{}/v1/health", server.base)))
            .await
            .is_ok()
    }

    pub async fn data_persists_across_a_restart(backend: Backend) {
        let db = TestDb::new(backend).await;
        let server = TestServer::start(&db).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let changes = a.changes(4);
        let batch = Uuid::new_v4();
        let first = a.push_batch(batch, &changes).await.unwrap();
        let pending_code = server.invite("shop").await;
        server.stop().await;

        let server = TestServer::start(&db).await;
        let (a, b) = (
            Device {
                base: server.base.clone(),
                ..a
            },
            Device {
                base: server.base.clone(),
                ..b
            },
        );
        let (pulled, _) = b.pull_all(0, 100).await;
        assert_eq!(stored(&pulled), changes);
        assert_eq!(
            a.push_batch(batch, &changes).await.unwrap(),
            first,
            "batches kept"
        );
        assert_eq!(
            a.status().await.unwrap().last_pushed_hlc,
            Some(changes[3].hlc)
        );
        assert!(server.pair_raw(&pending_code, Uuid::now_v7()).await.is_ok());
        server.stop().await;
    }

    pub async fn compaction_keeps_the_newest_update_and_moves_the_horizon(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let phone = a.change("c1", "phone", "0812");
        let insert = Change {
            op: Op::Insert,
            field: None,
            ..a.change("c2", "x", "{}")
        };
        // a's newest change is the one compaction will drop.
        let old_name = a.change("c1", "name", "Budi");
        a.push(&[phone.clone(), insert.clone(), old_name.clone()])
            .await
            .unwrap();
        let new_name = b.change("c1", "name", "Budi Santoso");
        b.push(std::slice::from_ref(&new_name)).await.unwrap();

        let done = match &server.storage {
            pelanggan_sync_server::storage::AnyStorage::Sqlite(s) => {
                pelanggan_sync_server::storage::Storage::compact(s, "shop").await
            }
            pelanggan_sync_server::storage::AnyStorage::Postgres(s) => {
                pelanggan_sync_server::storage::Storage::compact(s, "shop").await
            }
        }
        .unwrap();
        assert_eq!((done.removed, done.horizon.0), (1, 4));

        let reader = server.device("shop").await;
        let (pulled, _) = reader.pull_all(0, 100).await;
        assert_eq!(stored(&pulled), vec![phone, insert, new_name]);
        let err = reader.pull(2, 100).await.unwrap_err();
        assert_eq!((err.status, err.code()), (410, "behind_horizon"));
        assert_eq!(reader.pull(4, 100).await.unwrap().horizon.0, 4);
        // Read from the start in pages, a snapshot goes on below the horizon.
        let first = reader.pull(0, 1).await.unwrap();
        assert!(first.more);
        let page: PullResponse = send(reader.get(&format!(
            "/v1/pull?after={}&limit=100&snapshot=true",
            first.next.0
        )))
        .await
        .unwrap();
        let mut snapshot = first.changes.clone();
        snapshot.extend(page.changes);
        let snapshot: Vec<(i64, Change)> =
            snapshot.into_iter().map(|p| (p.seq.0, p.change)).collect();
        assert_eq!(stored(&snapshot), stored(&pulled));
        // The device's newest hlc is kept although its change was compacted.
        assert_eq!(
            a.status().await.unwrap().last_pushed_hlc,
            Some(old_name.hlc)
        );
    }

    pub async fn a_storage_failure_gets_503_and_acknowledges_nothing(backend: Backend) {
        let (db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        a.push(&a.changes(2)).await.unwrap();
        // The changes table goes away behind the server's back (as a full or
        // broken disk would fail the write).
        sql(&db, "ALTER TABLE changes RENAME TO changes_away").await;
        let err = a.push(&a.changes(3)).await.unwrap_err();
        assert_eq!((err.status, err.code()), (503, "storage"));
        assert!(
            !err.body.message.contains("changes"),
            "no internals: {}",
            err.body.message
        );
        assert_eq!(b.pull(0, 10).await.unwrap_err().code(), "storage");
        sql(&db, "ALTER TABLE changes_away RENAME TO changes").await;
        // The failed batch left nothing behind: no seq taken, no batch remembered.
        assert_eq!(a.status().await.unwrap().cursor.0, 2);
        let retry = a.changes(3);
        assert_eq!(a.push(&retry).await.unwrap().cursor.0, 5);
        let (pulled, _) = b.pull_all(0, 10).await;
        assert_eq!(
            pulled.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
    }

    /// One statement on the test's database, through a connection of its own.
    async fn sql(db: &TestDb, statement: &str) {
        match db.database() {
            pelanggan_sync_server::config::Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.busy_timeout(Duration::from_secs(10)).unwrap();
                conn.execute_batch(statement).unwrap();
            }
            pelanggan_sync_server::config::Database::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(statement).await.unwrap();
            }
        }
    }

    /// Writes `head` on a plain socket and reads until the server closes or
    /// `wait` passes: for what reqwest will not send (a stalled or lying body).
    fn raw_request(addr: std::net::SocketAddr, head: &str, wait: Duration) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(wait)).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    // The error bodies are small: headers plus a JSON object.
                    if answer.ends_with(b"}") {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// A desk restored from an old backup: the old device pushed more after
    /// the backup; the restored desk rotates and re-pushes what it holds.
    pub async fn a_rotated_device_replaces_the_old_one_and_may_push_its_changes(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let old = server.device("shop").await;
        let b = server.device("shop").await;
        let before_backup = old.changes(3);
        old.push(&before_backup).await.unwrap();
        let after_backup = vec![old.change("c9", "name", "after the backup")];
        old.push(&after_backup).await.unwrap();

        let new = old.rotate().await;
        for err in [
            old.status().await.unwrap_err(),
            old.push(&old.changes(1)).await.unwrap_err(),
            old.pull(0, 10).await.unwrap_err(),
            old.rotate_raw(Uuid::now_v7()).await.unwrap_err(),
        ] {
            assert_eq!((err.status, err.code()), (401, "unauthorized"));
        }
        let status = new.status().await.unwrap();
        assert_eq!((status.device_id, status.last_pushed_hlc), (new.id, None));

        // What the restored file holds: the old id's changes before the
        // backup (held), one it never pushed, and the new id's own.
        let never_pushed = old.change("c7", "name", "made offline before the backup");
        let mine = new.changes(2);
        let mut again = before_backup.clone();
        again.push(never_pushed.clone());
        again.extend(mine.clone());
        let ack = new.push(&again).await.unwrap();
        assert_eq!((ack.accepted, ack.duplicates), (3, 3));
        let newest = again.iter().map(|c| c.hlc).max();
        assert_eq!(new.status().await.unwrap().last_pushed_hlc, newest);

        // Another device's change is still refused.
        let err = new
            .push(&[b.change("c1", "name", "not mine")])
            .await
            .unwrap_err();
        assert_eq!((err.status, err.code()), (403, "foreign_change"));

        // The restored desk pulls the old device's changes (the one made
        // after the backup among them) as another's, never its own.
        let (pulled, _) = new.pull_all(0, 100).await;
        let pulled = stored(&pulled);
        assert!(pulled.contains(&after_backup[0]));
        assert!(pulled.iter().all(|c| c.device != new.id));
        // Everyone else sees every change once, under the id it was made by.
        let (seen, _) = b.pull_all(0, 100).await;
        let seen = stored(&seen);
        let mut expected = before_backup.clone();
        expected.extend(after_backup.clone());
        expected.push(never_pushed);
        expected.extend(mine);
        assert_eq!(seen, expected);

        let devices = b.devices().await.unwrap();
        let find = |id: Uuid| devices.iter().find(|d| d.device_id == id).unwrap();
        assert_eq!(find(old.id).replaced_by, Some(new.id));
        assert_eq!(find(new.id).replaced_by, None);
        // The same desk: the name it was paired with, not the one it sent.
        assert_eq!(find(new.id).name, find(old.id).name);
        assert_ne!(find(new.id).name, "restored desk");

        // A second restore: the newest device replaces the new one and may
        // push the first one's changes too.
        let newer = new.rotate().await;
        let ack = newer.push(&before_backup).await.unwrap();
        assert_eq!((ack.accepted, ack.duplicates), (0, 3));
        // An id of the shop cannot be taken.
        let err = newer.rotate_raw(b.id).await.unwrap_err();
        assert_eq!((err.status, err.code()), (409, "device_exists"));
        assert!(b.status().await.is_ok());
    }

    pub async fn a_lost_rotation_answer_may_be_asked_again_until_the_new_token_is_used(
        backend: Backend,
    ) {
        let (_db, server) = setup(backend).await;
        let old = server.device("shop").await;
        let id = Uuid::now_v7();
        let first = old.rotate_raw(id).await.unwrap();
        // The answer was lost: the same request again gives a fresh token.
        let second = old.rotate_raw(id).await.unwrap();
        assert_ne!(first.token, second.token);
        let err = old.rotate_raw(Uuid::now_v7()).await.unwrap_err();
        assert_eq!((err.status, err.code()), (401, "unauthorized"));
        let new = Device {
            id,
            token: second.token,
            base: server.base.clone(),
            http: server.http.clone(),
        };
        let stale = Device {
            token: first.token,
            ..new.clone()
        };
        assert_eq!(stale.status().await.unwrap_err().code(), "unauthorized");
        assert_eq!(new.status().await.unwrap().device_id, id);
        // Once the new token was used, the old one gets nothing more.
        let err = old.rotate_raw(id).await.unwrap_err();
        assert_eq!((err.status, err.code()), (401, "unauthorized"));
        assert!(new.status().await.is_ok());
    }

    pub async fn another_shop_cannot_rotate_into_this_shop(backend: Backend) {
        let (_db, server) = setup(backend).await;
        let a = server.device("shop").await;
        let b = server.device("shop").await;
        let x = server.device("other").await;
        a.push(&a.changes(2)).await.unwrap();
        let rotated = x.rotate_raw(Uuid::now_v7()).await.unwrap();
        assert_eq!(rotated.shop, "other");
        let y = Device {
            id: rotated.device_id,
            token: rotated.token,
            base: server.base.clone(),
            http: server.http.clone(),
        };
        assert_eq!(y.status().await.unwrap().shop, "other");
        // It may not push this shop's devices' changes, and sees none.
        let err = y.push(&[a.change("c1", "name", "x")]).await.unwrap_err();
        assert_eq!((err.status, err.code()), (403, "foreign_change"));
        assert!(y.pull_all(0, 100).await.0.is_empty());
        // Its new id names a device of this shop: a device of its own shop
        // only; this shop's list and log do not change.
        let z = y.rotate_raw(a.id).await.unwrap();
        assert_eq!(z.shop, "other");
        let ids: HashSet<Uuid> = b
            .devices()
            .await
            .unwrap()
            .iter()
            .map(|d| d.device_id)
            .collect();
        assert_eq!(ids, HashSet::from([a.id, b.id]));
        assert!(
            b.devices()
                .await
                .unwrap()
                .iter()
                .all(|d| d.replaced_by.is_none())
        );
        assert!(a.status().await.is_ok());
        assert_eq!(b.pull_all(0, 100).await.0.len(), 2);
    }
}
