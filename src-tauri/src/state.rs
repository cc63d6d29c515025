//! The app's state: one writer (`Mutex<Db>`: writes queue, as SQLite wants)
//! and a pool of readers beside it, so a long import holding the writer never
//! freezes the list; and the helpers every command uses to run the core off
//! the UI thread.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use pelanggan_core::{Db, Reader, Readers, Result, Write};
use tauri::{AppHandle, Manager};

use crate::error::{CmdError, CmdResult};
use crate::jobs::Jobs;

/// How many read connections the list, the detail and the cards share.
const READERS: usize = 4;

pub struct App {
    writer: Mutex<Db>,
    readers: Readers,
    pub jobs: Jobs,
    /// The signed-in admin's username: whom every write is attributed to.
    signed_in: Mutex<Option<String>>,
}

impl App {
    /// Opens (creating and migrating when needed) the shop's database.
    pub fn open(path: &Path) -> Result<App> {
        let db = Db::open(path)?;
        let readers = db.readers(READERS)?;
        Ok(App {
            writer: Mutex::new(db),
            readers,
            jobs: Jobs::default(),
            signed_in: Mutex::new(None),
        })
    }

    /// Runs `f` on a pooled read connection.
    pub fn read<T>(&self, f: impl FnOnce(Reader<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.readers.get();
        f(conn.reader()?)
    }

    /// Runs `f` in one write transaction as the signed-in admin.
    pub fn write<T>(&self, f: impl FnOnce(&mut Write<'_>) -> Result<T>) -> Result<T> {
        let actor = self.actor();
        self.with_db(|db| db.write(actor.as_deref(), f))
    }

    /// Who writes now: the signed-in admin (None before anyone signs in).
    pub fn actor(&self) -> Option<String> {
        self.signed_in
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The writer itself, for the core's use cases that take the whole
    /// `Db` (an import, a backup, a restore).
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        // A panic inside a write rolled its transaction back; the Db is whole.
        let mut db = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut db)
    }
}

/// Runs `f` with the app's state on a blocking thread, so the UI thread and
/// the async runtime never wait for SQLite.
pub async fn blocking<T: Send + 'static>(
    app: AppHandle,
    f: impl FnOnce(&App) -> Result<T> + Send + 'static,
) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<App>()))
        .await
        .map_err(CmdError::internal)?
        .map_err(CmdError::from)
}
