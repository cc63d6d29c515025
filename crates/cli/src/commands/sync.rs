//! `pelanggan sync`: this device's side of the shop's sync server.

use pelanggan_core::sync::{self, state};
use pelanggan_core::{Db, Result};
use pelanggan_sync_client as client;

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
            let name = name.clone().unwrap_or_else(client::device_name);
            let shop = sync::pair(db, url, ca.as_deref(), code, &name, client::pair)?;
            Box::new(Paired::new(db, shop)?)
        }
        SyncCmd::Now => Box::new(client::run(db, actor)?),
        SyncCmd::Status => Box::new(state::status(db.reader()?, db.device_id())?),
        SyncCmd::Devices => Box::new(client::connect(db)?.devices()?),
        SyncCmd::Revoke { device } => Box::new(client::connect(db)?.revoke(device)?),
    })
}
