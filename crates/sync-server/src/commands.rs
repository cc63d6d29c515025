//! What each subcommand does: resolve its settings, open the storage, make
//! one call and print the result. `serve` is the only one that stays up.

use std::io::Write;

use axum_server::Handle;

use crate::cli::{Cli, Command};
use crate::clock::now_ms;
use crate::config::{Database, FileConfig, ServeSettings, Transport};
use crate::routes;
use crate::server;
use crate::state::AppState;
use crate::storage::{AnyStorage, ShopDevice, Storage};
use crate::tokens;

/// How long a pairing code works.
pub const INVITE_VALID_MS: i64 = 15 * 60 * 1000;

/// Runs the command; the error is a sentence for the operator.
pub async fn run(cli: Cli) -> Result<(), String> {
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => {
            let settings = ServeSettings::resolve(&args, &file)?;
            with_storage(&settings.database.clone(), |s| serve(s, settings)).await
        }
        Command::Invite(args) => {
            let db = Database::resolve(&args.db, &file)?;
            with_storage(&db, |s| invite(s, args.shop)).await
        }
        Command::Devices(args) => {
            let db = Database::resolve(&args.db, &file)?;
            with_storage(&db, |s| devices(s, args.shop)).await
        }
        Command::Revoke(args) => {
            let db = Database::resolve(&args.db, &file)?;
            with_storage(&db, |s| revoke(s, args.shop, args.device)).await
        }
        Command::Compact(args) => {
            let db = Database::resolve(&args.db, &file)?;
            with_storage(&db, |s| compact(s, args.shop)).await
        }
    }
}

/// Opens the storage `--database` names and hands it to `work`.
async fn with_storage<F, Fut>(db: &Database, work: F) -> Result<(), String>
where
    F: FnOnce(AnyStorage) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    work(AnyStorage::open(db).await.map_err(|e| e.to_string())?).await
}

macro_rules! each_storage {
    ($any:expr, $s:ident => $body:expr) => {
        match $any {
            AnyStorage::Sqlite($s) => $body,
            AnyStorage::Postgres($s) => $body,
        }
    };
}

async fn serve(storage: AnyStorage, settings: ServeSettings) -> Result<(), String> {
    each_storage!(storage, s => serve_with(s, settings).await)
}

async fn serve_with<S: Storage>(storage: S, settings: ServeSettings) -> Result<(), String> {
    let tls = match &settings.transport {
        Transport::Tls { cert, key } => Some(server::tls_config(cert, key).await.map_err(|e| {
            format!(
                "cannot load the TLS certificate {} and key {}: {e}",
                cert.display(),
                key.display()
            )
        })?),
        Transport::InsecureHttp => None,
    };
    let listener = std::net::TcpListener::bind(settings.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // On stdout, alone on its line: whoever started the server (a test, a
    // script with port 0) reads the address from it.
    println!("listening on {scheme}://{addr}");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, scheme, "listening");
    let app = routes::router(AppState {
        storage,
        limits: settings.limits,
    });
    let handle = Handle::new();
    tokio::spawn(server::shutdown_on_signal(handle.clone()));
    server::run(listener, tls, app, handle)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

async fn invite(storage: AnyStorage, shop: String) -> Result<(), String> {
    let shop = shop.trim().to_string();
    if shop.is_empty() {
        return Err("--shop must not be empty".into());
    }
    let code = tokens::new_code();
    let now = now_ms();
    let expires = now + INVITE_VALID_MS;
    each_storage!(storage, s => s.create_invite(&shop, tokens::hash_code(&code), now, expires).await)
        .map_err(|e| e.to_string())?;
    println!("shop:    {shop}");
    println!("code:    {code}");
    println!("expires: {} (in 15 minutes, usable once)", rfc3339(expires));
    Ok(())
}

async fn devices(storage: AnyStorage, shop: Option<String>) -> Result<(), String> {
    let devices =
        each_storage!(storage, s => s.devices(shop.as_deref()).await).map_err(|e| e.to_string())?;
    if devices.is_empty() {
        println!("no devices");
    }
    for device in &devices {
        print_device(device);
    }
    Ok(())
}

async fn revoke(
    storage: AnyStorage,
    shop: Option<String>,
    device: uuid::Uuid,
) -> Result<(), String> {
    let revoked = each_storage!(storage, s => s.revoke(shop.as_deref(), device, now_ms()).await)
        .map_err(|e| e.to_string())?;
    for device in &revoked {
        print_device(device);
    }
    Ok(())
}

async fn compact(storage: AnyStorage, shop: String) -> Result<(), String> {
    let done = each_storage!(storage, s => s.compact(&shop).await).map_err(|e| e.to_string())?;
    println!(
        "shop {shop}: {} superseded updates removed, horizon {}",
        done.removed, done.horizon
    );
    Ok(())
}

fn print_device(device: &ShopDevice) {
    let info = &device.info;
    let state = match info.revoked_at {
        Some(at) => format!("revoked {}", rfc3339(at)),
        None => "active".to_string(),
    };
    println!(
        "{}\t{}\t{}\t{}\tpaired {}\tseen {}\tlast hlc {}",
        device.shop,
        info.device_id,
        info.name,
        state,
        rfc3339(info.paired_at),
        rfc3339(info.last_seen_at),
        info.last_pushed_hlc
            .map_or("-".to_string(), |h| h.to_string()),
    );
}

/// Unix milliseconds as UTC RFC 3339, without a date crate (civil-from-days,
/// after Howard Hinnant's public-domain algorithm).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_780_000_000_123), "2026-05-28T20:26:40Z");
    }
}
