//! Results of the commands that write files: backups, restores, privacy.

use std::path::PathBuf;

use pelanggan_core::backup::{BackupInfo, RestoreInfo};
use pelanggan_core::privacy::Erased;
use serde::Serialize;

use super::{Text, count};

/// A file a command wrote.
#[derive(Serialize)]
pub struct Written {
    pub file: PathBuf,
    pub bytes: u64,
}

/// What `backup --auto` did: the file made, or nothing because today's exists.
#[derive(Serialize)]
pub struct AutoBackup {
    pub made: Option<BackupInfo>,
    pub dir: PathBuf,
}

impl Text for Written {
    fn text(&self) -> String {
        format!(
            "{} written to {}",
            count(self.bytes, "byte", "bytes"),
            self.file.display()
        )
    }
}

impl Text for BackupInfo {
    fn text(&self) -> String {
        format!(
            "backup of {} written to {}",
            count(self.bytes, "byte", "bytes"),
            self.file.display()
        )
    }
}

impl Text for AutoBackup {
    fn text(&self) -> String {
        match &self.made {
            Some(b) => b.text(),
            None => format!("today's backup already exists in {}", self.dir.display()),
        }
    }
}

impl Text for RestoreInfo {
    fn text(&self) -> String {
        format!(
            "restored {} (schema {}); the database as it was is kept at {}",
            self.restored_from.display(),
            self.schema_version,
            self.previous_kept_at.display()
        )
    }
}

impl Text for Erased {
    fn text(&self) -> String {
        format!(
            "customer {} erased ({} deleted)",
            self.customer_id,
            count(self.rows_deleted, "row", "rows")
        )
    }
}
