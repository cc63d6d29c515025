//! Where a shop's database lives when nobody names a file.
//!
//! Owns: the default database path (the operating system's data folder for
//! Pelanggan), so that the CLI and the desktop app open the same file.
//! Must not know: command-line flags or environment variables (`--db`,
//! `$PELANGGAN_DB` are the CLI's; the app has its own settings).
//! API boundary: `default_db`.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The database file used when none is given: `pelanggan.db` in the OS data
/// folder (`~/.local/share/pelanggan` on Linux, `~/Library/Application
/// Support/id.Pelanggan.Pelanggan` on macOS, `%APPDATA%\Pelanggan\Pelanggan\data`
/// on Windows). A validation error on `db` when there is no home folder.
pub fn default_db() -> Result<PathBuf> {
    directories::ProjectDirs::from("id", "Pelanggan", "Pelanggan")
        .map(|dirs| dirs.data_dir().join("pelanggan.db"))
        .ok_or_else(|| Error::Validation {
            field: "db",
            message: "no home folder to keep the database in; pass --db PATH".into(),
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_is_a_file_in_the_data_folder() {
        // The test machine has a home folder.
        let path = super::default_db().unwrap();
        assert_eq!(path.file_name().unwrap(), "pelanggan.db");
        assert!(path.is_absolute(), "{}", path.display());
    }
}
