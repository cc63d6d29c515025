//! The app's state: one writer (`Mutex<Db>`: writes queue, as SQLite wants)
//! and a pool of readers beside it, so a long import holding the writer never
//! freezes the list; who is signed in (or whose session is locked); and the
//! helpers every command uses to run the core off the UI thread.
//!
//! Every read and write goes through `read`/`write`/`with_db`, which refuse
//! with `not_signed_in` while nobody is signed in or the app is locked: a
//! locked window answers nothing, and every write is attributed to the
//! signed-in admin. Only the gate's own commands (`auth.rs`) read and write
//! before sign-in, through `read_unsigned` and `setup_owner`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pelanggan_core::admins::{self, Action, Admin, AuthStatus, NewAdmin};
use pelanggan_core::backup::{self, DailyBackup, RestoreInfo};
use pelanggan_core::error::Code;
use pelanggan_core::progress::{Cancel, Progress};
use pelanggan_core::{Db, Error, Reader, Readers, Result, Warned, Write};
use tauri::{AppHandle, Manager};

use crate::error::{CmdError, CmdResult};
use crate::jobs::Jobs;
use crate::workers;

/// How many read connections the list, the detail and the cards share.
const READERS: usize = 4;

pub struct App {
    /// None only while a restore holds the file (it takes the `Db` by value).
    writer: Mutex<Option<Db>>,
    readers: Readers,
    path: PathBuf,
    pub jobs: Jobs,
    session: Mutex<Session>,
    /// Set while the day's automatic backup runs, so sign-ins in quick
    /// succession do not start a second one.
    auto_backup_running: Arc<AtomicBool>,
}

/// Who uses the app now.
#[derive(Default)]
struct Session {
    /// The signed-in admin, as read at sign-in: whom every write is
    /// attributed to and whose role `authorize` checks.
    admin: Option<Admin>,
    /// The admin whose session the idle lock ended (shown on the lock screen).
    locked_by: Option<String>,
}

impl App {
    /// Opens (creating and migrating when needed) the shop's database.
    pub fn open(path: &Path) -> Result<App> {
        let db = Db::open(path)?;
        let readers = db.readers(READERS)?;
        Ok(App {
            path: db.path().to_path_buf(),
            writer: Mutex::new(Some(db)),
            readers,
            jobs: Jobs::default(),
            session: Mutex::new(Session::default()),
            auto_backup_running: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The database file this app has open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read connection, for a signed-in admin.
    pub fn read<T>(&self, f: impl FnOnce(Reader<'_>) -> Result<T>) -> Result<T> {
        self.signed_in()?;
        self.read_unsigned(f)
    }

    /// `read` before anyone signs in: only for the gate (`auth_status`).
    pub(crate) fn read_unsigned<T>(&self, f: impl FnOnce(Reader<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.readers.get();
        f(conn.reader()?)
    }

    /// Runs `f` in one write transaction as the signed-in admin.
    pub fn write<T>(&self, f: impl FnOnce(&mut Write<'_>) -> Result<T>) -> Result<T> {
        let actor = self.signed_in()?.username;
        self.writer_unsigned(|db| db.write(Some(&actor), f))
    }

    /// `write`, or with `preview` the same write rolled back (`Db::dry_run`):
    /// a dialog shows exactly what confirming will do.
    pub fn write_or_preview<T>(
        &self,
        preview: bool,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<T> {
        let actor = self.signed_in()?.username;
        self.writer_unsigned(|db| {
            if preview {
                db.dry_run(Some(&actor), f)
            } else {
                db.write(Some(&actor), f)
            }
        })
    }

    /// `write`, with the warnings the use case noted beside its result.
    pub fn write_warned<T>(
        &self,
        f: impl FnOnce(&mut Write<'_>) -> Result<T>,
    ) -> Result<Warned<T>> {
        let actor = self.signed_in()?.username;
        self.writer_unsigned(|db| db.write_warned(Some(&actor), f))
    }

    /// The signed-in admin; `not_signed_in` when nobody is (or the app is locked).
    pub fn signed_in(&self) -> Result<Admin> {
        self.session().admin.clone().ok_or_else(|| Error::Refused {
            code: Code::NotSignedIn,
            field: None,
            message: "nobody is signed in (or the app is locked): sign in first".into(),
        })
    }

    /// Who writes now: the signed-in admin's username (None before sign-in).
    pub fn actor(&self) -> Option<String> {
        self.session().admin.as_ref().map(|a| a.username.clone())
    }

    /// Refuses with `forbidden` unless the signed-in admin may do `action`
    /// (`not_signed_in` when nobody is signed in).
    pub fn authorize(&self, action: Action) -> Result<Admin> {
        let admin = self.signed_in()?;
        admins::authorize(&admin, action)?;
        Ok(admin)
    }

    /// The writer itself, for the core's use cases that take the whole
    /// `Db` (an import, a backup, a generated demo shop), for a signed-in admin.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        self.signed_in()?;
        self.writer_unsigned(f)
    }

    fn writer_unsigned<T>(&self, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        let mut writer = self.writer();
        let db = writer
            .as_mut()
            .ok_or_else(|| Error::Internal("the database is being restored".into()))?;
        f(db)
    }

    /// The gate's view: set-up or sign-in, who is signed in, the lock.
    pub fn auth_status(&self) -> Result<AuthStatus> {
        let (admin, locked) = {
            let s = self.session();
            (
                s.admin.as_ref().map(|a| a.username.clone()),
                s.locked_by.clone(),
            )
        };
        self.read_unsigned(|r| admins::auth_status(r, admin.as_deref(), locked.as_deref()))
    }

    /// The first run: makes the owner (the core checks, inside the write,
    /// that nobody can sign in yet) and signs them in. Written as the
    /// default admin of the new file, as the CLI would.
    pub fn setup_owner(&self, owner: NewAdmin) -> Result<Admin> {
        let admin = self.writer_unsigned(|db| db.write(None, |w| admins::setup_owner(w, owner)))?;
        self.start(admin.clone());
        Ok(admin)
    }

    /// Signs `username` in with `password` (also how the lock screen unlocks).
    pub fn sign_in(&self, username: &str, password: &str) -> Result<Admin> {
        let admin = self.read_unsigned(|r| admins::sign_in(r, username, password))?;
        self.start(admin.clone());
        Ok(admin)
    }

    fn start(&self, admin: Admin) {
        let mut s = self.session();
        s.admin = Some(admin);
        s.locked_by = None;
    }

    pub fn sign_out(&self) {
        *self.session() = Session::default();
    }

    /// The idle lock: nobody is signed in until the password is typed
    /// again, and the lock screen remembers whose session it was.
    pub fn lock(&self) {
        let mut s = self.session();
        if let Some(admin) = s.admin.take() {
            s.locked_by = Some(admin.username);
        }
    }

    /// Replaces the database with the backup at `source` (owner only),
    /// with the core's checks and its safety copy of the current file.
    /// Everyone is signed out after: the restored file has its own admins.
    pub fn restore(
        &self,
        source: &Path,
        progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<RestoreInfo> {
        self.authorize(Action::RestoreBackup)?;
        let mut writer = self.writer();
        let db = writer
            .take()
            .ok_or_else(|| Error::Internal("a restore is already running".into()))?;
        match backup::restore(db, source, progress, cancel) {
            Ok((db, info)) => {
                *writer = Some(db);
                drop(writer);
                self.sign_out();
                Ok(info)
            }
            Err(e) => {
                // The refused restore consumed the `Db`; the file is as it
                // was (or was put back by SQLite's rollback): reopen it.
                *writer = Some(Db::open_existing(&self.path)?);
                Err(e)
            }
        }
    }

    /// Starts the day's automatic backup on its own thread and connection,
    /// so neither the window nor the writer waits for it. Does nothing when
    /// one is running; a failure is reported on standard error (the
    /// settings screen shows which backups exist).
    pub fn start_auto_backup(&self) {
        if self.auto_backup_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let running = self.auto_backup_running.clone();
        let path = self.path.clone();
        std::thread::spawn(move || {
            // After the first page, as the workers: a million customers' copy is I/O-heavy.
            std::thread::sleep(workers::START_AFTER);
            let outcome = auto_backup(&path);
            running.store(false, Ordering::SeqCst);
            if let Err(e) = outcome {
                eprintln!("pelanggan: the day's automatic backup failed: {e}");
            }
        });
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn writer(&self) -> MutexGuard<'_, Option<Db>> {
        // A panic inside a write rolled its transaction back; the Db is whole.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The day's automatic backup of the database at `path`, on a connection
/// of its own (SQLite's backup copies while the app goes on writing).
pub fn auto_backup(path: &Path) -> Result<DailyBackup> {
    let db = Db::open_existing(path)?;
    backup::auto_backup_configured(&db)
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

/// The WhatsApp sender (issue 13): the core's worker loop on its own thread
/// and its own connection (the app's writer is never held while a gateway
/// answers), with the real transports. With no gateway, or a gateway paused
/// or down, the core's loop waits quietly; a failure ends the loop, which is
/// started again after a pause, until `cancel` (set when the app exits).
pub fn start_notify_sender(path: PathBuf, cancel: Arc<Cancel>) -> std::thread::JoinHandle<()> {
    use pelanggan_core::notify::worker::{self, RunOptions};
    std::thread::spawn(move || {
        let options = RunOptions {
            until_empty: false,
            ..RunOptions::default()
        };
        let mut reported = String::new();
        workers::pause(workers::START_AFTER, &cancel);
        while !cancel.is_cancelled() {
            let outcome = Db::open_existing(&path).and_then(|mut db| {
                worker::run(
                    &mut db,
                    None,
                    &pelanggan_gateways::connect,
                    &options,
                    &cancel,
                    |_| {},
                )
            });
            if let Err(e) = outcome {
                // Said once, not every retry (another desk is the sender, another process holds the lock).
                let said = e.to_string();
                if said != reported {
                    eprintln!("pelanggan: the WhatsApp sender waits: {said}");
                    reported = said;
                }
            }
            workers::pause(std::time::Duration::from_secs(10), &cancel);
        }
    })
}
