//! The `pelanggan` binary against a shop database in a temp dir: the one
//! helper every CLI test file drives it with. Test files add their own
//! `impl Shop` blocks for what only they need.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

pub struct Shop {
    pub dir: TempDir,
    pub db: PathBuf,
}

impl Shop {
    /// A new, empty shop database (as the first command that writes makes it).
    pub fn new() -> Shop {
        let shop = Shop::without_db();
        pelanggan_core::Db::open(&shop.db).unwrap();
        shop
    }

    /// A temp dir whose `shop.db` does not exist yet.
    pub fn without_db() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        Shop { dir, db }
    }

    /// A path in the shop's temp dir, for files the commands read or write.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("pelanggan").unwrap();
        cmd.env_remove("PELANGGAN_DB")
            .arg("--db")
            .arg(&self.db)
            .args(args);
        cmd
    }

    /// Runs with --json, expects success, returns the document on stdout.
    pub fn ok(&self, args: &[&str]) -> Value {
        let out = self.cmd(args).arg("--json").output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs with --json, expects failure with `exit`, returns the error document on stderr.
    pub fn err(&self, args: &[&str], exit: i32) -> Value {
        let out = self.cmd(args).arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(exit), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
        serde_json::from_slice(&out.stderr).unwrap()
    }

    /// Expects exit 1 with this error code (and field, when given).
    pub fn refused(&self, args: &[&str], code: &str, field: Option<&str>) {
        let e = self.err(args, 1);
        assert_eq!(e["code"], code, "{args:?}: {e}");
        if let Some(field) = field {
            assert_eq!(e["field"], field, "{args:?}: {e}");
        }
    }

    /// Runs without --json, expects success, returns stdout.
    pub fn text(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn add(&self, name: &str, whatsapp: &str) -> Value {
        self.ok(&["customer", "add", "--name", name, "--whatsapp", whatsapp])
    }

    pub fn customer(&self, reference: &str) -> Value {
        self.ok(&["customer", "show", reference])
    }

    /// How many live customers `customer list` counts.
    pub fn total(&self) -> u64 {
        self.ok(&["customer", "list"])["total"].as_u64().unwrap()
    }
}
