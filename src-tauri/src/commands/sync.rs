//! Sync (issue 15): this desk's pairing with the shop's sync server, its
//! status, a round now, and the customers sharing a number that sync
//! brought together (listed and merged). A round and a pairing run on a connection of
//! their own (`Db::open_existing`): the app's writer is never held while
//! the server answers, only for each page's write.

use pelanggan_core::Db;
use pelanggan_core::admins::Action;
use pelanggan_core::customer_merge::{self, Duplicate, MergeOther};
use pelanggan_core::customers::Customer;
use pelanggan_core::sync::{self, Report, SyncStatus, state};
use pelanggan_sync_client as client;
use pelanggan_sync_protocol::{DeviceInfo, DevicesResponse};
use tauri::AppHandle;

use crate::error::CmdResult;
use crate::state::blocking;

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(app: AppHandle) -> CmdResult<SyncStatus> {
    blocking(app, |s| {
        s.with_db(|db| state::status(db.reader()?, db.device_id()))
    })
    .await
}

/// Joins the shop with the code its owner made on the server; owners only.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_pair(
    app: AppHandle,
    url: String,
    code: String,
    ca_file: Option<String>,
) -> CmdResult<SyncStatus> {
    blocking(app, move |s| {
        s.authorize(Action::ChangeSettings)?;
        let mut db = Db::open_existing(s.path())?;
        let ca = ca_file.filter(|c| !c.trim().is_empty());
        sync::pair(
            &mut db,
            &url,
            ca.as_deref(),
            &code,
            &client::device_name(),
            client::pair,
        )?;
        state::status(db.reader()?, db.device_id())
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(app: AppHandle) -> CmdResult<Report> {
    blocking(app, |s| {
        let actor = s.signed_in()?.username;
        client::run(&mut Db::open_existing(s.path())?, Some(&actor))
    })
    .await
}

/// The shop's devices, as the server knows them (asked when the admin opens
/// the list: a server away answers `sync_unreachable`, nothing else).
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_devices(app: AppHandle) -> CmdResult<DevicesResponse> {
    blocking(app, |s| {
        Ok(client::connect(&Db::open_existing(s.path())?)?.devices()?)
    })
    .await
}

/// Revokes a device of the shop (a lost laptop, staff who left); owners only.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_revoke(app: AppHandle, device: String) -> CmdResult<DeviceInfo> {
    blocking(app, move |s| {
        s.authorize(Action::ChangeSettings)?;
        Ok(client::connect(&Db::open_existing(s.path())?)?.revoke(&device)?)
    })
    .await
}

/// Customers sharing one WhatsApp number (made on two desks offline).
#[tauri::command(rename_all = "snake_case")]
pub async fn customer_duplicates(app: AppHandle) -> CmdResult<Vec<Duplicate>> {
    blocking(app, |s| s.read(customer_merge::duplicates)).await
}

/// Merges each of `others` into `keep`, taking the fields chosen from
/// each: one transaction for the whole group.
#[tauri::command(rename_all = "snake_case")]
pub async fn customer_merge(
    app: AppHandle,
    keep: String,
    others: Vec<MergeOther>,
) -> CmdResult<Customer> {
    blocking(app, move |s| {
        s.write(|w| customer_merge::merge_group(w, &keep, &others))
    })
    .await
}
