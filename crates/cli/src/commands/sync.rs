//! `pelanggan sync`: this device's side of the shop's sync server.

use pelanggan_core::sync::{self, state};
use pelanggan_core::{Db, Result};
use pelanggan_sync_client::{self as client, HttpTransport};

use crate::args::SyncCmd;
use crate::output::Render;
use crate::output::sync::Paired;

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &SyncCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        SyncCmd::Pair {
            url,
            code,
            ca,
            name,
        } => {
            let name = name.clone().unwrap_or_else(device_name);
            let shop = sync::pair(db, url, ca.as_deref(), code, &name, client::pair)?;
            Box::new(Paired::new(db, shop)?)
        }
        SyncCmd::Now => {
            let mut transport = transport(db)?;
            Box::new(sync::run(db, actor, &mut transport)?)
        }
        SyncCmd::Status => Box::new(state::status(db.reader()?, db.device_id())?),
        SyncCmd::Devices => Box::new(transport(db)?.devices()?),
        SyncCmd::Revoke { device } => Box::new(transport(db)?.revoke(device)?),
    })
}

fn transport(db: &Db) -> Result<HttpTransport> {
    Ok(HttpTransport::new(&state::require(db.reader()?)?)?)
}

/// The computer's name, as the other devices see this one.
fn device_name() -> String {
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Pelanggan".into())
}
