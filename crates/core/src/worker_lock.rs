//! One worker of a kind per database file: an OS file lock beside the
//! database (`<db>.<kind>.lock`), held while the worker runs and released by
//! the OS however its process ends, so a killed worker never blocks the next.
//!
//! Owns: `FileLock`. Must not know: what the worker does (the WhatsApp
//! sender and the router worker each wrap it).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Result};

/// The lock file, held open and locked while this value lives.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
}

impl FileLock {
    /// Locks `<db_path><suffix>`; when another process holds it, refuses
    /// with `busy` and `message`.
    pub fn beside(db_path: &Path, suffix: &str, busy: Code, message: &str) -> Result<FileLock> {
        let mut name = db_path.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(FileLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Error::refused(busy, message)),
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
