//! How sync's results print.

use pelanggan_core::sync::{Report, SyncStatus};
use pelanggan_core::{Db, Result};
use pelanggan_sync_protocol::{DeviceInfo, DevicesResponse};
use serde::Serialize;

use super::Text;

/// What `sync pair` did.
#[derive(Debug, Serialize)]
pub struct Paired {
    pub shop: String,
    pub device_id: String,
}

impl Paired {
    pub fn new(db: &Db, shop: String) -> Result<Paired> {
        Ok(Paired {
            shop,
            device_id: db.device_id().to_owned(),
        })
    }
}

impl Text for Paired {
    fn text(&self) -> String {
        format!(
            "paired with shop {} as device {}; `sync now` sends and fetches the changes",
            self.shop, self.device_id
        )
    }
}

impl Text for Report {
    fn text(&self) -> String {
        let synced = format!(
            "synced: pushed {} ({} already there), pulled {} applied, {} kept for a later version, {} already here",
            self.pushed,
            self.duplicates,
            self.pulled.applied,
            self.pulled.held,
            self.pulled.skipped
        );
        match &self.replaced_device {
            Some(old) => format!(
                "restored from a backup: device {old} replaced by a new id on the server; \
                 everything sent and fetched again\n{synced}"
            ),
            None => synced,
        }
    }
}

impl Text for SyncStatus {
    fn text(&self) -> String {
        if !self.paired {
            return format!(
                "not paired (device {}); {} changes wait for `sync pair URL CODE`",
                self.device_id, self.pending
            );
        }
        let mut lines = vec![
            format!(
                "shop {} at {}, device {}",
                self.shop.as_deref().unwrap_or(""),
                self.server_url.as_deref().unwrap_or(""),
                self.device_id
            ),
            format!(
                "last sync: {}",
                self.last_sync_at.as_deref().unwrap_or("never")
            ),
            format!("pending changes: {}", self.pending),
        ];
        if self.held > 0 {
            lines.push(format!(
                "kept for a later version: {} changes from other devices",
                self.held
            ));
        }
        if self.conflicts > 0 {
            lines.push(format!(
                "conflicts: {} WhatsApp numbers shared by two customers (`customer duplicates`)",
                self.conflicts
            ));
        }
        if let Some(at) = &self.restored_at {
            let old = self.restored_from.as_deref().unwrap_or("?");
            lines.push(if self.recovery_pending {
                format!(
                    "restored from a backup (found {at}): device {old} replaced by a new id; \
                     the next `sync now` tells the server and sends and fetches everything again"
                )
            } else {
                format!(
                    "restored from a backup (found {at}): device {old} replaced by a new id; \
                     recovered {}",
                    self.recovered_at
                        .as_deref()
                        .unwrap_or("(the round did not finish yet)")
                )
            });
        }
        if let Some(e) = &self.last_error {
            lines.push(format!("last error: {e}"));
        }
        lines.join("\n")
    }
}

fn device_line(d: &DeviceInfo) -> String {
    format!(
        "{}  {}{}",
        d.device_id,
        d.name,
        if d.revoked_at.is_some() {
            "  (revoked)".to_owned()
        } else if let Some(by) = d.replaced_by {
            format!("  (restored from a backup: replaced by {by})")
        } else {
            String::new()
        }
    )
}

impl Text for DevicesResponse {
    fn text(&self) -> String {
        self.devices
            .iter()
            .map(device_line)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Text for DeviceInfo {
    fn text(&self) -> String {
        device_line(self)
    }
}
