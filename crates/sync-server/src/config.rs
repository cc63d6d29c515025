//! Settings: the flags and environment (already merged by clap) over the
//! `--config` TOML file over the defaults, checked into what the commands use.
//!
//! Owns: the defaults, the config file's keys, what `--database` may name,
//! and the rule that serving needs TLS unless `--insecure-http` says otherwise.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{DatabaseArg, ServeArgs};
use crate::state::Limits;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";

/// The `--config` file. Unknown keys are refused: a misspelt `tls_cert` must
/// not silently serve without it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database: Option<String>,
    pub listen: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub insecure_http: Option<bool>,
    pub max_body: Option<usize>,
    pub body_timeout_secs: Option<u64>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<FileConfig, String> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| format!("the config file {} is not valid: {e}", path.display()))
    }
}

/// Which storage `--database` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    pub fn parse(text: &str) -> Result<Database, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Database::Postgres(text.to_string()));
        }
        let path = text.strip_prefix("sqlite://").unwrap_or(text);
        if path.is_empty() || text.contains("://") && !text.starts_with("sqlite://") {
            return Err(format!(
                "--database {text:?} is neither a file path, sqlite://PATH nor postgres://..."
            ));
        }
        Ok(Database::Sqlite(PathBuf::from(path)))
    }

    pub fn resolve(arg: &DatabaseArg, file: &FileConfig) -> Result<Database, String> {
        let text = arg.database.as_ref().or(file.database.as_ref()).ok_or(
            "no database: give --database, PELANGGAN_SYNC_DATABASE or `database` in the config file",
        )?;
        Database::parse(text)
    }
}

/// How `serve` listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Tls { cert: PathBuf, key: PathBuf },
    InsecureHttp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    pub database: Database,
    pub listen: SocketAddr,
    pub transport: Transport,
    pub limits: Limits,
}

impl ServeSettings {
    pub fn resolve(args: &ServeArgs, file: &FileConfig) -> Result<ServeSettings, String> {
        let database = Database::resolve(&args.db, file)?;
        let listen_text = args
            .listen
            .as_deref()
            .or(file.listen.as_deref())
            .unwrap_or(DEFAULT_LISTEN);
        let listen = listen_text
            .parse()
            .map_err(|_| format!("--listen {listen_text:?} is not an IP:PORT address"))?;
        let cert = args.tls_cert.clone().or_else(|| file.tls_cert.clone());
        let key = args.tls_key.clone().or_else(|| file.tls_key.clone());
        let insecure = args.insecure_http || file.insecure_http.unwrap_or(false);
        let transport = match (cert, key, insecure) {
            (Some(_), _, true) | (_, Some(_), true) => {
                return Err("--insecure-http and --tls-cert/--tls-key exclude each other".into());
            }
            (Some(cert), Some(key), false) => Transport::Tls { cert, key },
            (None, None, true) => Transport::InsecureHttp,
            (Some(_), None, false) | (None, Some(_), false) => {
                return Err("TLS needs both --tls-cert and --tls-key".into());
            }
            (None, None, false) => {
                return Err("refusing to serve without TLS: give --tls-cert FILE and \
                            --tls-key FILE, or --insecure-http when a proxy in front \
                            terminates TLS"
                    .into());
            }
        };
        let defaults = Limits::default();
        let max_body = args.max_body.or(file.max_body).unwrap_or(defaults.max_body);
        if max_body == 0 {
            return Err("--max-body must be at least 1 byte".into());
        }
        let body_timeout = args
            .body_timeout_secs
            .or(file.body_timeout_secs)
            .map_or(defaults.body_timeout, Duration::from_secs);
        if body_timeout.is_zero() {
            return Err("--body-timeout-secs must be at least 1".into());
        }
        Ok(ServeSettings {
            database,
            listen,
            transport,
            limits: Limits {
                max_body,
                body_timeout,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn serve_args(args: &[&str]) -> ServeArgs {
        let mut all = vec!["pelanggan-sync-server", "serve"];
        all.extend_from_slice(args);
        match crate::cli::Cli::parse_from(all).command {
            crate::cli::Command::Serve(args) => args,
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            Database::parse("sqlite:///var/lib/sync.db").unwrap(),
            Database::Sqlite("/var/lib/sync.db".into())
        );
        assert_eq!(
            Database::parse("data/sync.db").unwrap(),
            Database::Sqlite("data/sync.db".into())
        );
        assert!(matches!(
            Database::parse("postgres://u@localhost/db").unwrap(),
            Database::Postgres(_)
        ));
        assert!(Database::parse("mysql://x").is_err());
        assert!(Database::parse("sqlite://").is_err());
    }

    #[test]
    fn serving_needs_tls_or_an_explicit_insecure_http() {
        let file = FileConfig {
            database: Some("x.db".into()),
            ..FileConfig::default()
        };
        let err = ServeSettings::resolve(&serve_args(&[]), &file).unwrap_err();
        assert!(err.contains("refusing to serve without TLS"), "{err}");
        let err = ServeSettings::resolve(&serve_args(&["--tls-cert", "c.pem"]), &file).unwrap_err();
        assert!(err.contains("both"), "{err}");
        let plain = ServeSettings::resolve(&serve_args(&["--insecure-http"]), &file).unwrap();
        assert_eq!(plain.transport, Transport::InsecureHttp);
        assert_eq!(plain.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(plain.limits, Limits::default());
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file: FileConfig = toml::from_str(
            r#"
            database = "postgres://u@localhost/db"
            listen = "0.0.0.0:9000"
            tls_cert = "/etc/sync/cert.pem"
            tls_key = "/etc/sync/key.pem"
            max_body = 1024
            "#,
        )
        .unwrap();
        let settings =
            ServeSettings::resolve(&serve_args(&["--listen", "127.0.0.1:7000"]), &file).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(settings.limits.max_body, 1024);
        assert!(matches!(settings.database, Database::Postgres(_)));
        assert!(matches!(settings.transport, Transport::Tls { .. }));
        assert!(toml::from_str::<FileConfig>("tls_crt = \"x\"").is_err());
    }
}
