//! Results of the commands that write files: backups, restores, privacy.

use std::path::PathBuf;

use pelanggan_core::backup::{BackupInfo, DailyBackup, RestoreInfo, Verified};
use pelanggan_core::outfile::Written;
use pelanggan_core::privacy::{Anonymised, Erased, Scrubbed};
use serde::Serialize;

use super::{Text, count};

/// What `backup --auto` did: the file made (or nothing because today's
/// exists), the backups kept and deleted, the damaged ones found.
#[derive(Serialize)]
pub struct AutoBackup {
    pub dir: PathBuf,
    #[serde(flatten)]
    pub daily: DailyBackup,
}

impl Text for Written {
    fn text(&self) -> String {
        format!(
            "{} written to {}",
            count(self.bytes, "byte", "bytes"),
            super::shown(&self.file)
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
        let daily = &self.daily;
        let mut out = match &daily.made {
            Some(b) => b.text(),
            None => format!("today's backup already exists in {}", self.dir.display()),
        };
        out.push_str(&format!("\n{} good backups kept", daily.kept.len()));
        for file in &daily.deleted {
            out.push_str(&format!("\ndeleted the older backup {}", file.display()));
        }
        for d in &daily.damaged {
            out.push_str(&format!(
                "\ndamaged, not counted and left in place (check it, then remove it): {}: {}",
                d.file.display(),
                d.problem
            ));
        }
        out
    }
}

impl Text for Verified {
    fn text(&self) -> String {
        format!(
            "{}: a good backup (schema {}, {} customers, last change {}, {} bytes)",
            self.file.display(),
            self.schema_version,
            self.customers,
            self.last_change.as_deref().unwrap_or("none"),
            self.bytes
        )
    }
}

impl Text for RestoreInfo {
    fn text(&self) -> String {
        match &self.previous_kept_at {
            Some(kept) => format!(
                "restored {} (schema {}); the database as it was is kept at {}",
                self.restored_from.display(),
                self.schema_version,
                kept.display()
            ),
            None => format!(
                "restored {} (schema {}); there was no database before",
                self.restored_from.display(),
                self.schema_version
            ),
        }
    }
}

impl Text for Erased {
    fn text(&self) -> String {
        format!(
            "customer {} erased ({} deleted)\n{}",
            self.customer_id,
            count(self.rows_deleted, "row", "rows"),
            scrubbed(&self.file)
        )
    }
}

impl Text for Anonymised {
    fn text(&self) -> String {
        format!("{}\n{}", self.customer.text(), scrubbed(&self.file))
    }
}

/// What a privacy erase did to the file, and the older copies to see to.
fn scrubbed(s: &Scrubbed) -> String {
    let mut out = if s.wal_cleared {
        format!(
            "the old values are gone from the database file and its WAL ({} free pages zeroed)",
            s.free_pages_zeroed
        )
    } else {
        "the old values are gone from the database file; its WAL keeps old pages until the \
         next checkpoint, as another program is reading it"
            .to_owned()
    };
    if s.file_rewritten {
        out.push_str(
            "\nthe whole file was rewritten once, as it held data written before this version",
        );
    }
    if let Some(e) = &s.rewrite_error {
        out.push_str(&format!(
            "\nthe file, which holds data written before this version, could not be rewritten \
             ({e}): stale copies may remain in it until the next privacy request rewrites it"
        ));
    }
    if !s.older_copies.is_empty() {
        out.push_str(
            "\nolder copies still hold this customer (delete them, or keep them as safe as the database):",
        );
        for copy in &s.older_copies {
            out.push_str(&format!("\n  {}", copy.display()));
        }
    }
    out
}
