//! `pelanggan admin add --role --password-stdin` and `admin passwd`: the
//! admins who sign in to the desktop app, made from the command line.

mod common;

use common::Shop;
use pelanggan_core::admins;
use serde_json::Value;

impl Shop {
    /// Runs with --json and `stdin` on standard input, expects success.
    fn ok_with_stdin(&self, args: &[&str], stdin: &str) -> Value {
        let out = self
            .cmd(args)
            .arg("--json")
            .write_stdin(stdin)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs with --json and `stdin`, expects refusal (exit 1) with `code`.
    fn refused_with_stdin(&self, args: &[&str], stdin: &str, code: &str) -> Value {
        let out = self
            .cmd(args)
            .arg("--json")
            .write_stdin(stdin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let e: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(e["code"], code, "{e}");
        e
    }

    fn signs_in(&self, username: &str, password: &str) -> bool {
        let db = pelanggan_core::Db::open_existing(&self.db).unwrap();
        admins::sign_in(db.reader().unwrap(), username, password).is_ok()
    }
}

#[test]
fn add_with_a_role_and_a_password_from_stdin() {
    let shop = Shop::new();
    let staff = shop.ok_with_stdin(
        &[
            "admin",
            "add",
            "budi",
            "--name",
            "Budi",
            "--role",
            "staff",
            "--password-stdin",
        ],
        "teh manis 123\n",
    );
    assert_eq!(staff["role"], "staff");
    assert_eq!(staff["has_password"], true);
    let printed = staff.to_string();
    assert!(
        !printed.contains("argon2") && !printed.contains("teh manis"),
        "{printed}"
    );
    // The line ending is not part of the password; spaces inside it are.
    assert!(shop.signs_in("budi", "teh manis 123"));
    assert!(!shop.signs_in("budi", "teh manis 123\n"));

    // A Windows line ending is stripped too.
    shop.ok_with_stdin(
        &["admin", "add", "rina", "--name", "Rina", "--password-stdin"],
        "kopi susu 123\r\n",
    );
    assert!(shop.signs_in("rina", "kopi susu 123"));
    let list = shop.ok(&["admin", "list"]);
    let rina = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "rina")
        .unwrap();
    assert_eq!(rina["role"], "owner", "owner unless told otherwise");
    let text = shop.text(&["admin", "list"]);
    assert!(text.contains("staff") && text.contains("role"), "{text}");
}

#[test]
fn the_old_form_still_adds_an_owner_without_a_password() {
    let shop = Shop::new();
    let sari = shop.ok(&["admin", "add", "sari", "--name", "Sari", "--default"]);
    assert_eq!(sari["role"], "owner");
    assert_eq!(sari["has_password"], false);
    assert_eq!(sari["is_default"], true);
    assert!(!shop.signs_in("sari", ""));
}

#[test]
fn bad_roles_short_and_missing_passwords_are_refused() {
    let shop = Shop::new();
    shop.refused(
        &["admin", "add", "budi", "--name", "Budi", "--role", "boss"],
        "validation",
        Some("role"),
    );
    let weak = shop.refused_with_stdin(
        &["admin", "add", "budi", "--name", "Budi", "--password-stdin"],
        "1234567\n",
        "weak_password",
    );
    assert_eq!(weak["field"], "password");
    let empty = shop.refused_with_stdin(
        &["admin", "add", "budi", "--name", "Budi", "--password-stdin"],
        "",
        "validation",
    );
    assert_eq!(empty["field"], "password");
    // Nothing was added by the refusals.
    assert_eq!(shop.ok(&["admin", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn passwd_sets_and_replaces_a_password() {
    let shop = Shop::new();
    shop.ok(&["admin", "add", "sari", "--name", "Sari"]);
    let sari = shop.ok_with_stdin(
        &["admin", "passwd", "sari", "--password-stdin"],
        "pertama123\n",
    );
    assert_eq!(sari["has_password"], true);
    assert!(shop.signs_in("sari", "pertama123"));
    shop.ok_with_stdin(
        &["admin", "passwd", "sari", "--password-stdin"],
        "kedua12345\n",
    );
    assert!(!shop.signs_in("sari", "pertama123"));
    assert!(shop.signs_in("sari", "kedua12345"));
    shop.refused_with_stdin(
        &["admin", "passwd", "siapa", "--password-stdin"],
        "kedua12345\n",
        "not_found",
    );
    shop.refused_with_stdin(
        &["admin", "passwd", "sari", "--password-stdin"],
        "pendek\n",
        "weak_password",
    );
    // --password-stdin is how a password is given: without it, a usage error.
    let out = shop.cmd(&["admin", "passwd", "sari"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
