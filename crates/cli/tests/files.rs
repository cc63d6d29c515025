//! The commands that read and write files: import, export, backup, restore,
//! privacy; each in both output modes, and an import killed mid-way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;

use common::Shop;
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn import_and_export_customers() {
    let shop = Shop::new();
    let csv = shop.path("in.csv");
    std::fs::write(
        &csv,
        "Nama;No HP;Saldo;Label\nBudi;0812-3456-7890;Rp 150.000;VIP\nBad;12345;;\nSari;0813 1111 2222;-25.000;\n",
    )
    .unwrap();
    let rejected = shop.path("rejected.csv");
    let dry = shop.ok(&["import", "customers", s(&csv), "--dry-run"]);
    assert_eq!(
        (dry["imported"].as_u64(), dry["dry_run"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(shop.total(), 0);

    let summary = shop.ok(&["import", "customers", s(&csv), "--errors", s(&rejected)]);
    assert_eq!(
        (summary["imported"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(summary["errors"][0]["line"], 3);
    assert_eq!(summary["errors"][0]["code"], "invalid_whatsapp");
    assert!(
        std::fs::read_to_string(&rejected)
            .unwrap()
            .contains("Bad;12345;;;invalid_whatsapp")
    );
    assert_eq!(
        shop.ok(&["customer", "show", "0812-3456-7890"])["balance"],
        "150000.00"
    );

    let text = shop.text(&["import", "customers", s(&csv), "--on-duplicate", "skip"]);
    assert!(
        text.contains("0 imported, 0 updated, 2 skipped, 1 rejected"),
        "{text}"
    );
    assert_eq!(
        shop.err(
            &["import", "customers", s(&csv), "--on-duplicate", "maybe"],
            1
        )["field"],
        "on_duplicate"
    );
    assert_eq!(
        shop.err(&["import", "customers", s(&csv), "--map", "x"], 1)["field"],
        "map"
    );

    let out = shop.path("out.csv");
    let e = shop.ok(&["export", "customers", s(&out)]);
    assert_eq!(e["rows"], 2);
    let body = std::fs::read_to_string(&out).unwrap();
    assert!(body.starts_with("id,name,whatsapp,"));
    assert!(body.contains(",Budi,'+6281234567890,"));
    let filtered = shop.path("debt.csv");
    assert_eq!(
        shop.ok(&["export", "customers", s(&filtered), "--balance", "debt"])["rows"],
        1
    );
    assert!(
        std::fs::read_to_string(&filtered)
            .unwrap()
            .contains(",Sari,")
    );
    let excel = shop.path("excel.csv");
    assert!(
        shop.text(&["export", "customers", s(&excel), "--excel"])
            .contains("2 rows written")
    );
    assert!(
        std::fs::read_to_string(&excel)
            .unwrap()
            .starts_with("\u{feff}id;name;")
    );
    let ledger = shop.path("ledger.csv");
    assert_eq!(
        shop.ok(&["export", "ledger", s(&ledger), "--from", "2020-01-01"])["rows"],
        2
    );
    assert_eq!(
        shop.err(&["export", "ledger", s(&ledger), "--from", "kemarin"], 1)["field"],
        "from"
    );
}

#[test]
fn backup_restore_and_daily_backups() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
    ]);
    let copy = shop.path("copy.db");
    let b = shop.ok(&["backup", s(&copy)]);
    assert!(b["bytes"].as_u64().unwrap() > 0);
    assert_eq!(shop.err(&["backup", s(&copy)], 1)["code"], "file_exists");
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Sari",
        "--whatsapp",
        "0813-1111-2222",
    ]);

    let r = shop.ok(&["restore", s(&copy)]);
    assert_eq!(shop.total(), 1);
    assert!(Path::new(r["previous_kept_at"].as_str().unwrap()).exists());
    let junk = shop.path("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    assert_eq!(
        shop.err(&["restore", s(&junk)], 1)["code"],
        "invalid_backup"
    );
    assert_eq!(shop.total(), 1);

    let dir = shop.path("daily");
    let first = shop.ok(&["backup", "--auto", "--dir", s(&dir), "--keep", "3"]);
    assert!(
        first["made"]["file"]
            .as_str()
            .unwrap()
            .contains("pelanggan-")
    );
    let again = shop.text(&["backup", "--auto", "--dir", s(&dir)]);
    assert!(again.contains("already exists"), "{again}");
}

#[test]
fn privacy_requests() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
        "--email",
        "budi@x.id",
    ]);
    shop.ok(&["balance", "debit", "1", "5000", "--description", "paket"]);
    let file = shop.path("budi.json");
    shop.ok(&["privacy", "export", "1", s(&file)]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["customer"]["email"], "budi@x.id");

    assert_eq!(
        shop.err(&["privacy", "anonymise", "1"], 1)["code"],
        "confirmation_required"
    );
    assert_eq!(shop.ok(&["customer", "show", "1"])["name"], "Budi");
    let anon = shop.ok(&["privacy", "anonymise", "1", "--yes"]);
    assert_eq!(anon["email"], Value::Null);
    assert_eq!(anon["balance"], "-5000.00");

    assert_eq!(
        shop.err(&["privacy", "delete", "1", "--yes"], 1)["code"],
        "conflict"
    );
    assert_eq!(
        shop.err(&["privacy", "delete", "1"], 1)["code"],
        "confirmation_required"
    );
    let text = shop.text(&["privacy", "delete", "1", "--yes", "--force"]);
    assert!(text.contains("erased"), "{text}");
    assert_eq!(shop.err(&["customer", "show", "1"], 1)["code"], "not_found");
}

#[test]
fn an_import_killed_mid_way_leaves_the_database_as_before() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Lama",
        "--whatsapp",
        "0899-0000-1111",
    ]);
    let csv = shop.path("big.csv");
    let mut body = String::from("name,whatsapp,tags\n");
    for i in 0..60_000 {
        body.push_str(&format!("Pelanggan {i},0812{:08},Baru\n", 10_000_000 + i));
    }
    std::fs::write(&csv, body).unwrap();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg("--db")
        .arg(&shop.db)
        .args(["import", "customers", s(&csv), "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import has written a good part of its transaction to the WAL.
    let wal = shop.db.with_file_name("shop.db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 2_000_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never got going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(shop.total(), 1);
    assert_eq!(shop.ok(&["tag", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(
        shop.ok(&["customer", "show", "0899-0000-1111"])["name"],
        "Lama"
    );
}

/// The names of the pre-migration copies (`.bak`) and of any `.partial` left in `dir`.
fn copies(dir: &Path) -> (Vec<String>, Vec<String>) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let pick = |end: &str| {
        let mut v: Vec<String> = names.iter().filter(|n| n.ends_with(end)).cloned().collect();
        v.sort();
        v
    };
    (pick(".bak"), pick(".partial"))
}

/// Issue 10, item 1: an export, the privacy export and a backup never replace
/// the open database or the files beside it (even with --force), replace an
/// existing file only with --force, and never write through a link or into a device.
#[test]
fn output_files_never_replace_what_matters() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let db = s(&shop.db).to_owned();
    for target in [db.clone(), format!("{db}-wal"), format!("{db}-shm")] {
        for force in [false, true] {
            let with = |args: &[&str]| -> Vec<String> {
                let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                v.push(target.clone());
                if force {
                    v.push("--force".into());
                }
                v
            };
            for args in [
                with(&["export", "customers"]),
                with(&["export", "ledger"]),
                with(&["privacy", "export", "1"]),
            ] {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                shop.refused(&args, "protected_file", Some("file"));
            }
        }
        shop.refused(&["backup", &target], "protected_file", Some("file"));
    }
    assert_eq!(shop.total(), 1, "the shop is still there");

    for command in [
        &["export", "customers"][..],
        &["export", "ledger"][..],
        &["privacy", "export", "1"][..],
    ] {
        let out = shop.path("out.txt");
        std::fs::write(&out, "keep me").unwrap();
        let mut args = command.to_vec();
        args.push(s(&out));
        shop.refused(&args, "file_exists", Some("file"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
        args.push("--force");
        shop.ok(&args);
        assert_ne!(std::fs::read_to_string(&out).unwrap(), "keep me");
        assert!(!shop.path("out.txt.partial").exists());
    }

    #[cfg(unix)]
    {
        let precious = shop.path("precious.csv");
        std::fs::write(&precious, "precious").unwrap();
        let link = shop.path("link.csv");
        std::os::unix::fs::symlink(&precious, &link).unwrap();
        for target in [s(&link), "/dev/null"] {
            shop.refused(
                &["export", "customers", target, "--force"],
                "not_regular_file",
                Some("file"),
            );
        }
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "precious");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}

/// Issue 10, item 1: `-` writes the export to standard output and nothing
/// else goes there; the summary goes to stderr.
#[test]
fn exports_to_standard_output() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    shop.add("Sari", "0813-1111-2222");
    for json in [false, true] {
        let mut cmd = shop.cmd(&["export", "customers", "-"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let csv = String::from_utf8(out.stdout).unwrap();
        assert!(csv.starts_with("id,name,whatsapp,"), "{csv}");
        assert_eq!(csv.lines().count(), 3, "{csv}");
        let summary = String::from_utf8(out.stderr).unwrap();
        if json {
            let v: Value = serde_json::from_str(summary.trim()).unwrap();
            assert_eq!(
                (v["rows"].as_u64(), v["file"].as_str()),
                (Some(2), Some("-"))
            );
        } else {
            assert!(
                summary.contains("2 rows written to standard output"),
                "{summary}"
            );
        }
    }
    let out = shop
        .cmd(&["export", "ledger", "-", "--excel"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("\u{feff}id;customer_id;")
    );
    let out = shop.cmd(&["privacy", "export", "1", "-"]).output().unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["customer"]["name"], "Budi");
    shop.refused(&["backup", "-"], "not_regular_file", Some("file"));
}

/// Issue 10, item 10: a command that only reads never creates a database (or
/// its folder); a refused restore leaves nothing; writers create one.
#[test]
fn reading_commands_never_create_a_database() {
    let shop = Shop::without_db();
    let typo = Shop {
        dir: tempfile::tempdir().unwrap(),
        db: PathBuf::from("unused"),
    };
    let typo = Shop {
        db: typo.dir.path().join("no").join("such").join("shop.db"),
        ..typo
    };
    let out = shop.path("out.csv");
    for one in [&shop, &typo] {
        for args in [
            &["customer", "list"][..],
            &["customer", "show", "1"][..],
            &["stats"][..],
            &["settings", "show"][..],
            &["analytics"][..],
            &["export", "customers", s(&out)][..],
            &["backup", s(&shop.path("copy.db"))][..],
            &["backup", "--auto"][..],
        ] {
            let e = one.err(args, 3);
            assert_eq!(e["code"], "no_database", "{args:?}: {e}");
            assert!(e["message"].as_str().unwrap().contains("no database at"));
        }
        assert!(!one.db.exists());
    }
    assert!(!typo.db.parent().unwrap().exists(), "no folders made");
    assert!(!out.exists());

    let junk = shop.path("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    shop.refused(&["restore", s(&junk)], "invalid_backup", None);
    assert!(!shop.db.exists(), "a refused restore leaves no empty file");

    shop.add("Budi", "0812-3456-7890");
    assert_eq!(shop.total(), 1);
    let copy = shop.path("copy.db");
    shop.ok(&["backup", s(&copy)]);
    let v = shop.ok(&["backup", "--verify", s(&copy)]);
    assert_eq!(v["customers"], 1);
    shop.refused(&["backup", "--verify", s(&junk)], "invalid_backup", None);
    // A restore into a path with no database makes it from the backup.
    let r = typo.ok(&["restore", s(&copy)]);
    assert_eq!(r["previous_kept_at"], Value::Null);
    assert_eq!(typo.total(), 1);
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Issue 10, item 12: on read-only media (here a read-only folder and file)
/// reads, exports and backups work, and a write says `read_only`. Root
/// ignores file modes, so as root the commands run as `nobody`.
#[cfg(unix)]
#[test]
fn a_database_on_read_only_media_reads_and_refuses_writes() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let outputs = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outputs.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = std::fs::read(&shop.db).unwrap();
    std::fs::set_permissions(&shop.db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(shop.dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let root = is_root();
    if root {
        println!("running as root, which file modes do not stop: the commands run as nobody");
    }
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"));
        cmd.env_remove("PELANGGAN_DB")
            .arg("--db")
            .arg(&shop.db)
            .args(args)
            .arg("--json");
        if root {
            cmd.uid(65534).gid(65534);
        }
        cmd.output().unwrap()
    };
    let ok = |args: &[&str]| -> Value {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    };
    assert_eq!(ok(&["customer", "list"])["total"], 1);
    assert_eq!(ok(&["customer", "show", "1"])["name"], "Budi");
    ok(&["stats"]);
    let csv = outputs.path().join("out.csv");
    assert_eq!(ok(&["export", "customers", s(&csv)])["rows"], 1);
    let copy = outputs.path().join("copy.db");
    assert!(ok(&["backup", s(&copy)])["bytes"].as_u64().unwrap() > 0);
    for args in [
        &[
            "customer",
            "add",
            "--name",
            "Sari",
            "--whatsapp",
            "0813-1111-2222",
        ][..],
        &["settings", "set", "currency", "USD"][..],
        &["balance", "credit", "1", "5000", "--description", "x"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
        let e: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(e["code"], "read_only", "{args:?}: {e}");
        assert!(e["message"].as_str().unwrap().contains("read-only"));
    }
    let out = run(&["backup", "--auto"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    std::fs::set_permissions(shop.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        std::fs::read(&shop.db).unwrap(),
        before,
        "the file is untouched"
    );
}

/// Issue 10, item 18: a migration whose pre-migration copy is cut short (a
/// full disk; here a file size limit) leaves no copy at all, not an empty or
/// truncated one; the next run makes one complete copy and migrates.
#[cfg(unix)]
#[test]
fn a_copy_cut_short_by_a_full_disk_leaves_no_copy() {
    let shop = Shop::without_db();
    {
        let conn = rusqlite::Connection::open(&shop.db).unwrap();
        conn.execute_batch(
            "CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name VARCHAR(255),
                 applied_on VARCHAR(255), checksum VARCHAR(255));
             CREATE TABLE legacy (note TEXT);",
        )
        .unwrap();
        for i in 0..2_000 {
            conn.execute("INSERT INTO legacy VALUES (?1)", [format!("{i:0>1000}")])
                .unwrap();
        }
    }
    // dash counts in 512-byte blocks: no file may grow past 128 KiB.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 256 && exec \"$0\" --db \"$1\" customer list --json")
        .arg(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg(&shop.db)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the copy fit: {out:?}");
    assert_eq!(copies(shop.dir.path()).0, Vec::<String>::new());

    assert_eq!(shop.total(), 0);
    let (done, partial) = copies(shop.dir.path());
    assert_eq!((done.len(), partial.len()), (1, 0), "{done:?} {partial:?}");
    let left: Vec<String> = std::fs::read_dir(shop.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(
        left.is_empty(),
        "what the cut-short copy left is gone: {left:?}"
    );
    let copy = rusqlite::Connection::open(shop.path(&done[0])).unwrap();
    let rows: i64 = copy
        .query_row("SELECT count(*) FROM legacy", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2_000);
}

/// Issue 10, item 3: `restore` while an import of 50,000 rows is writing:
/// whatever the import reports as imported is afterwards either in the
/// database (the restore gave up with `busy`) or in the copy the restore kept.
#[test]
fn a_restore_during_an_import_loses_nothing_the_import_confirmed() {
    let shop = Shop::new();
    shop.add("Lama", "0899-0000-1111");
    let monday = shop.path("monday.db");
    shop.ok(&["backup", s(&monday)]);
    let csv = shop.path("big.csv");
    let mut body = String::from("name,whatsapp\n");
    for i in 0..50_000 {
        body.push_str(&format!("Pelanggan {i},0812{:08}\n", 10_000_000 + i));
    }
    std::fs::write(&csv, body).unwrap();
    let import = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg("--db")
        .arg(&shop.db)
        .args(["import", "customers", s(&csv), "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import is inside its transaction.
    let wal = shop.path("shop.db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 1_000_000 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never got going"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let restore = shop
        .cmd(&["restore", s(&monday), "--json"])
        .output()
        .unwrap();
    let import = import.wait_with_output().unwrap();
    assert!(import.status.success());
    let imported: Value = serde_json::from_slice(&import.stdout).unwrap();
    assert_eq!(imported["imported"], 50_000);
    match restore.status.code() {
        Some(0) => {
            let r: Value = serde_json::from_slice(&restore.stdout).unwrap();
            assert_eq!(shop.total(), 1, "the backup's content");
            let kept = Shop {
                dir: tempfile::tempdir().unwrap(),
                db: PathBuf::from(r["previous_kept_at"].as_str().unwrap()),
            };
            assert_eq!(kept.total(), 50_001, "the import is in the kept copy");
        }
        Some(4) => assert_eq!(shop.total(), 50_001, "busy: the import is in the database"),
        other => panic!("restore: {other:?} {restore:?}"),
    }
}

/// `pelanggan export customers - | head`: when the reader stops early the
/// export stops quietly (exit 0, nothing on stderr).
#[test]
fn an_export_to_a_pipe_closed_early_stops_quietly() {
    use std::io::{BufRead, BufReader};

    let shop = Shop::new();
    shop.ok(&["gen", "--customers", "5000"]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg("--db")
        .arg(&shop.db)
        .args(["export", "customers", "-"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("id,name,"), "{first}");
    // The reader is dropped here, as `head -1` exits.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
