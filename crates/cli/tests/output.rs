//! What people read: amounts as `Rp 1.500.000` in tables (JSON unchanged),
//! counts in the singular for one, local numbers instead of ids, the next
//! page's cursor, help on every argument, shell completions, and a quiet end
//! when the reader of the output goes away (`| head`).

mod common;

use std::io::Read;
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use common::Shop;

/// A pipe holds 64 KiB on Linux: more output than that cannot be written
/// before the reader is gone, so the closed pipe is met for certain.
const PIPE_BUFFER: usize = 64 * 1024;

fn binary() -> Command {
    let mut cmd = Command::cargo_bin("pelanggan").unwrap();
    cmd.env_remove("PELANGGAN_DB");
    cmd
}

/// Runs `args` with stdout a pipe whose reading end is closed at once, as
/// `pelanggan ... | head` does once it has read its lines.
fn with_closed_stdout(shop: &Shop, args: &[&str]) -> std::process::Output {
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .env_remove("PELANGGAN_DB")
        .arg("--db")
        .arg(&shop.db)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    std::process::Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    let shop = Shop::new();
    shop.ok(&["gen", "--customers", "300"]);
    for args in [
        &["customer", "list", "--limit", "200", "--json"][..],
        &["completions", "bash"][..],
    ] {
        let full = shop.cmd(args).output().unwrap();
        assert!(full.status.success(), "{args:?}: {full:?}");
        assert!(
            full.stdout.len() > PIPE_BUFFER,
            "{args:?} prints only {} bytes: too few to fill a pipe",
            full.stdout.len()
        );
        let out = with_closed_stdout(&shop, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{args:?} said: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn tables_show_rupiah_and_json_keeps_decimal_strings() {
    let shop = Shop::new();
    let budi = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
        "--initial-balance",
        "1500000",
    ]);
    assert_eq!(budi["balance"], "1500000.00");
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Sari",
        "--whatsapp",
        "0813-1111-2222",
        "--initial-balance",
        "-25000",
    ]);
    shop.ok(&[
        "balance",
        "credit",
        "1",
        "0.50",
        "--description",
        "kembalian",
    ]);

    let list = shop.text(&["customer", "list", "--sort", "name"]);
    assert!(list.contains("Rp 1.500.000,50"), "{list}");
    assert!(list.contains("-Rp 25.000"), "{list}");
    assert!(!list.contains("1500000"), "{list}");
    let show = shop.text(&["customer", "show", "1"]);
    assert!(show.contains("Rp 1.500.000,50"), "{show}");
    let history = shop.text(&["balance", "history", "1"]);
    assert!(
        history.contains("Rp 0,50") && history.contains("Rp 1.500.000,50"),
        "{history}"
    );
    let stats = shop.text(&["stats"]);
    assert!(
        stats.contains("Rp 25.000") && stats.contains("Rp 1.500.000,50"),
        "{stats}"
    );

    // JSON is for programs: the same plain decimal strings as before.
    assert_eq!(shop.customer("1")["balance"], "1500000.50");
    assert_eq!(shop.customer("2")["balance"], "-25000.00");
    assert_eq!(shop.ok(&["stats"])["total_debt"], "25000.00");

    // Another currency: its code instead of Rp, the same grouping.
    shop.ok(&["settings", "set", "currency", "USD"]);
    let show = shop.text(&["customer", "show", "2"]);
    assert!(show.contains("-USD 25.000"), "{show}");
}

#[test]
fn one_of_something_is_singular() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let list = shop.text(&["customer", "list"]);
    assert!(list.contains("(1 customer)"), "{list}");
    let file = shop.path("one.csv");
    let out = shop.text(&["export", "customers", file.to_str().unwrap()]);
    assert!(out.starts_with("1 row written to "), "{out}");
    let e = shop.err(&["gen", "--customers", "5"], 1);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("already has 1 customer;"),
        "{e}"
    );
    shop.ok(&[
        "subscription",
        "add",
        "1",
        "--type",
        "pppoe",
        "--username",
        "budi",
        "--profile",
        "10 Mbps",
        "--price",
        "150000",
        "--start",
        "2026-01-01",
    ]);
    let issued = shop.text(&["invoice", "issue-due", "--date", "2026-01-01"]);
    assert!(
        issued.starts_with("1 invoice issued, due up to 2026-01-01"),
        "{issued}"
    );

    shop.add("Sari", "0813-1111-2222");
    assert!(shop.text(&["customer", "list"]).contains("(2 customers)"));
}

#[test]
fn the_table_prints_the_next_page_cursor() {
    let shop = Shop::new();
    for (name, number) in [
        ("Ani Lestari", "0812-1111-1111"),
        ("Budi O'Neil", "0812-2222-2222"),
        ("Citra", "0812-3333-3333"),
    ] {
        shop.add(name, number);
    }
    let first = shop.text(&["customer", "list", "--sort", "name", "--limit", "2"]);
    let next = first
        .lines()
        .find_map(|l| l.strip_prefix("next page: --after "))
        .unwrap_or_else(|| panic!("no cursor in\n{first}"));
    // The cursor holds a name with a space and a quote: quoted for the shell.
    assert_eq!(next, r"'n~2~Budi O'\''Neil'", "{first}");
    let json = shop.ok(&["customer", "list", "--sort", "name", "--limit", "2"]);
    assert_eq!(json["next"], "n~2~Budi O'Neil");

    // Pasted into a shell as printed, it gives the next page.
    let line = format!("\"$0\" --db \"$1\" customer list --sort name --limit 2 --after {next}");
    let out = Process::new("sh")
        .args(["-c", &line])
        .arg(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg(&shop.db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let second = String::from_utf8(out.stdout).unwrap();
    assert!(
        second.contains("Citra") && !second.contains("Ani"),
        "{second}"
    );
    assert!(
        !second.contains("next page"),
        "the last page has none: {second}"
    );
}

#[test]
fn a_taken_number_names_its_holder_by_local_number() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");
    let budi = shop.add("Budi", "0812-3456-7890");
    let args = [
        "customer",
        "add",
        "--name",
        "Sari",
        "--whatsapp",
        "+62 812 3456 7890",
    ];
    let out = shop.cmd(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        message.trim(),
        "error: WhatsApp number +6281234567890 already belongs to customer #2 (Budi)"
    );
    // Programs still get the holder's id.
    let e = shop.err(&args, 1);
    assert_eq!(e["code"], "duplicate_whatsapp");
    assert_eq!(e["holder_id"], budi["id"]);
    assert!(
        !e["message"]
            .as_str()
            .unwrap()
            .contains(budi["id"].as_str().unwrap())
    );
}

#[test]
fn help_says_what_a_reference_may_be() {
    for (args, words) in [
        (
            &["customer", "show", "--help"][..],
            &["REF", "id", "local number", "WhatsApp number in any format"][..],
        ),
        (
            &["invoice", "list", "--help"][..],
            &[
                "--customer <REF>",
                "--subscription <SUB>",
                "service username",
            ][..],
        ),
        (&["invoice", "show", "--help"][..], &["INV-2026-000001"][..]),
        (&["payment", "refund", "--help"][..], &["local number"][..]),
        (
            &["completions", "--help"][..],
            &["bash", "zsh", "fish", "powershell", "elvish"][..],
        ),
    ] {
        let out = binary().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        for word in words {
            assert!(help.contains(word), "{args:?} lacks {word:?}:\n{help}");
        }
    }
}

#[test]
fn completions_for_every_shell_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = binary()
            .arg("--db")
            .arg(&db)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("customer") && script.contains("issue-due"),
            "{shell}"
        );
    }
    let bash = binary().args(["completions", "bash"]).output().unwrap();
    let bash = String::from_utf8(bash.stdout).unwrap();
    assert!(bash.contains("complete -F _pelanggan"), "{bash}");
    assert!(!db.exists(), "completions opened a database");
    let bad = binary().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `balance history` and `activity` page with `--limit` and `--after` as the
/// customer list does: the table ends with the next page's cursor, the JSON
/// stays the array of entries it always was.
#[test]
fn history_and_activity_print_the_next_page() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    for amount in ["1000", "2000", "3000"] {
        shop.ok(&["balance", "credit", "1", amount, "--description", "titip"]);
    }
    for args in [
        &["balance", "history", "1", "--limit", "2"][..],
        &["activity", "1", "--limit", "2"][..],
    ] {
        let first = shop.text(args);
        let next = first
            .lines()
            .find_map(|l| l.strip_prefix("next page: --after "))
            .unwrap_or_else(|| panic!("no cursor in\n{first}"))
            .to_owned();
        let json = shop.ok(args);
        assert_eq!(json.as_array().map(Vec::len), Some(2), "{json}");
        let rest = [args, &["--after", &next]].concat();
        let second = shop.ok(&rest);
        let second = second.as_array().unwrap();
        assert!(!second.is_empty() && second.len() <= 2, "{second:?}");
        let ids: Vec<&serde_json::Value> =
            json.as_array().unwrap().iter().map(|e| &e["id"]).collect();
        assert!(
            second.iter().all(|e| !ids.contains(&&e["id"])),
            "pages overlap"
        );
        assert!(
            !shop.text(&rest).contains("next page"),
            "the last page has none"
        );
    }
    // Without --limit everything is one page, with no cursor.
    assert!(
        !shop
            .text(&["balance", "history", "1"])
            .contains("next page")
    );
}
