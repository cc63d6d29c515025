//! The shop's admins: who did each write, and who may sign in to the desktop
//! app. Customers never log in; an admin has a role (owner or staff) and,
//! to sign in, a password stored as an argon2id hash (V12).
//!
//! Owns: the `admin_users` table, which admin is the default (the
//! `default_admin` setting's rule: it names an existing admin), who a write
//! is attributed to (`resolve_actor`), the first admin of a new file, the
//! password rules (`MIN_PASSWORD`), hashing and checking a password, the
//! app's first run (`needs_owner`, `setup_owner`) and what each role may do
//! (`authorize`). Must not know: sessions, how a `Db` is opened (`session`
//! calls `needs_default` and `ensure_default`), or who is signed in (the
//! app keeps that). API boundary: `NewAdmin`, `Role`, `Action`, `add`,
//! `set_password`, `sign_in`, `needs_owner`, `setup_owner`, `authorize`,
//! `authorize_passwd`, `auth_status`, `set_default`, `list`, `get`.
//!
//! A password never leaves this module in any form but its hash in the
//! `password_hash` column: not in the `Admin` view, not in the change log
//! (`AdminRecord`), not in `NewAdmin`'s JSON or `Debug`.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::{Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::names::text_enum;
use crate::settings::{self, Key};
use crate::validate;
pub use crate::wire::Role;
use crate::wire::{AdminRecord, Entity};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD: usize = 8;
/// The longest: hashing cost grows with the input, and no one types more.
const MAX_PASSWORD: usize = 256;

text_enum! {
    /// What only an owner may do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Action("action") {
        /// Replace the shop's database with a backup.
        RestoreBackup => "restore_backup",
        /// Change a shop setting (language, time zone, backups, printer...).
        ChangeSettings => "change_settings",
        /// Export, anonymise or erase a customer's personal data.
        Privacy => "privacy",
        /// Add admins or change another admin's password.
        ManageAdmins => "manage_admins",
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Admin {
    pub id: String,
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub is_default: bool,
    pub role: Role,
    /// Whether they can sign in to the app (the hash itself never leaves
    /// the database).
    pub has_password: bool,
}

/// A new admin: `make_default` also makes them the default admin (whom
/// writes without `--as` are attributed to), in the same write. Without a
/// `password` they are a name in the books who cannot sign in to the app.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewAdmin {
    pub username: String,
    pub name: String,
    pub make_default: bool,
    pub role: Role,
    /// Read from the UI or standard input, hashed, never written back.
    #[serde(skip_serializing)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub password: Option<String>,
}

/// Written by hand so that a logged `NewAdmin` never shows its password.
impl std::fmt::Debug for NewAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAdmin")
            .field("username", &self.username)
            .field("name", &self.name)
            .field("make_default", &self.make_default)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

pub fn add(w: &mut Write<'_>, admin: NewAdmin) -> Result<Admin> {
    let NewAdmin {
        username,
        name,
        make_default,
        role,
        password,
    } = admin;
    // Checked (and hashed) first: a weak password refuses the whole admin.
    let hash = password.as_deref().map(hash_password).transpose()?;
    let username = validate::required("username", &username, 50)?;
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::validation(
            "username",
            "use letters, digits, '.', '_' or '-' only",
        ));
    }
    let name = validate::required("name", &name, 100)?;
    if find(w.tx(), &username)?.is_some() {
        return Err(Error::Conflict(format!(
            "admin '{username}' already exists"
        )));
    }
    let uuid = new_id();
    w.tx().execute(
        "INSERT INTO admin_users (uuid, username, name, created_at, role, password_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![uuid, username, name, w.now(), role.as_str(), hash],
    )?;
    let now = w.now().to_owned();
    let record = AdminRecord {
        username: username.as_str().into(),
        name: name.as_str().into(),
        created_at: now.as_str().into(),
        role,
    };
    w.record_insert(Entity::Admin, &uuid, &record)?;
    if make_default {
        return set_default(w, &username);
    }
    get(w.reader(), &username)
}

/// Makes the existing admin `username` the default admin (the
/// `default_admin` setting): `not_found` for someone who is not an admin.
pub fn set_default(w: &mut Write<'_>, username: &str) -> Result<Admin> {
    let admin = get(w.reader(), username)?;
    settings::put(w, Key::DefaultAdmin, admin.username.clone())?;
    get(w.reader(), &admin.username)
}

pub fn list(r: Reader<'_>) -> Result<Vec<Admin>> {
    let conn = r.conn();
    let default = settings::get(conn, Key::DefaultAdmin)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM admin_users ORDER BY username"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|a| {
        let mut a = a??;
        a.is_default = a.username.eq_ignore_ascii_case(&default);
        Ok(a)
    })
    .collect()
}

/// The columns `from_row` reads: never the hash itself.
const COLUMNS: &str = "uuid, username, name, created_at, role, password_hash IS NOT NULL";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Admin>> {
    let role: String = r.get(4)?;
    Ok(Ok(Admin {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        created_at: r.get(3)?,
        is_default: false,
        role: match role.parse() {
            Ok(role) => role,
            Err(e) => return Ok(Err(Error::internal(e))),
        },
        has_password: r.get(5)?,
    }))
}

pub fn get(r: Reader<'_>, username: &str) -> Result<Admin> {
    let conn = r.conn();
    find(conn, username)?.ok_or_else(|| Error::not_found("admin", username))
}

fn find(conn: &Connection, username: &str) -> Result<Option<Admin>> {
    let default = settings::get(conn, Key::DefaultAdmin)?;
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM admin_users WHERE username = ?1"),
            [username.trim()],
            from_row,
        )
        .optional()?;
    found.transpose().map(|a| {
        a.map(|mut a| {
            a.is_default = a.username.eq_ignore_ascii_case(&default);
            a
        })
    })
}

/// Gives `username` a new password (or their first): the old one stops
/// working at once. Not recorded in the change log: a password belongs to
/// this file, not to the shop's shared history.
pub fn set_password(w: &mut Write<'_>, username: &str, password: &str) -> Result<Admin> {
    let admin = get(w.reader(), username)?;
    let hash = hash_password(password)?;
    // Local to this file on purpose (see above), so not counted by the
    // change-log invariant.
    w.uncounted(|w| {
        w.tx().execute(
            "UPDATE admin_users SET password_hash = ?1 WHERE uuid = ?2",
            params![hash, admin.id],
        )?;
        Ok(())
    })?;
    get(w.reader(), &admin.username)
}

/// The admin whose username and password these are. A wrong password and an
/// unknown username (or one without a password) are refused alike, with
/// `sign_in_failed` and the same work done, so that neither the answer nor
/// its time tells which usernames exist.
pub fn sign_in(r: Reader<'_>, username: &str, password: &str) -> Result<Admin> {
    let conn = r.conn();
    let stored: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT username, password_hash FROM admin_users WHERE username = ?1",
            [username.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (found, hash) = match stored {
        Some((name, Some(hash))) => (Some(name), hash),
        _ => (None, dummy_hash()?.to_owned()),
    };
    let matches = verify_password(password, &hash)?;
    match found {
        Some(name) if matches => get(r, &name),
        _ => Err(Error::Refused {
            code: Code::SignInFailed,
            field: None,
            message: "wrong username or password".into(),
        }),
    }
}

/// Whether the shop still needs its first owner: no admin has a password
/// yet (a new file, or one from before V12), so nobody can sign in to the
/// app and it offers the owner's set-up instead. Once anyone has a password,
/// set-up is closed: a stranger at the counter cannot make themself owner.
pub fn needs_owner(r: Reader<'_>) -> Result<bool> {
    Ok(r.conn().query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM admin_users WHERE password_hash IS NOT NULL)",
        [],
        |r| r.get(0),
    )?)
}

/// What the app's gate shows before anything else: set-up or sign-in, who
/// is signed in (read afresh: a role changed since still counts), the lock
/// screen's admin, and the settings the gate itself needs (its language, the
/// idle lock, the shop's name).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuthStatus {
    pub needs_owner: bool,
    pub admin: Option<Admin>,
    /// The admin whose session is locked (the lock screen asks for their
    /// password again); None when not locked.
    pub locked_by: Option<String>,
    pub lock_minutes: u32,
    pub language: String,
    pub shop_name: String,
}

/// The gate's view for the app that has `signed_in` signed in (or
/// `locked_by` locked). A signed-in admin who no longer exists (a restore
/// replaced the file) reads as nobody.
pub fn auth_status(
    r: Reader<'_>,
    signed_in: Option<&str>,
    locked_by: Option<&str>,
) -> Result<AuthStatus> {
    let conn = r.conn();
    let admin = match signed_in {
        Some(username) => find(conn, username)?,
        None => None,
    };
    Ok(AuthStatus {
        needs_owner: needs_owner(r)?,
        admin,
        locked_by: locked_by.map(str::to_owned),
        lock_minutes: settings::lock_minutes(conn)?,
        language: settings::get(conn, Key::Language)?,
        shop_name: settings::get(conn, Key::ShopName)?,
    })
}

/// The app's first run: makes the owner (with their password) and the
/// default admin, checked inside the write so two windows cannot both do
/// it. `conflict` once the shop has anyone who can sign in.
pub fn setup_owner(w: &mut Write<'_>, admin: NewAdmin) -> Result<Admin> {
    if !needs_owner(w.reader())? {
        return Err(Error::Conflict(
            "the shop already has an admin with a password: sign in instead".into(),
        ));
    }
    if admin.password.is_none() {
        return Err(Error::validation("password", "the owner needs a password"));
    }
    add(
        w,
        NewAdmin {
            role: Role::Owner,
            make_default: true,
            ..admin
        },
    )
}

impl Role {
    /// Whether this role may do `action` (staff may do none of them).
    /// Every `Action` is by definition one that only an owner may do.
    pub fn may(self, _action: Action) -> bool {
        self == Role::Owner
    }
}

/// Refuses `action` with `forbidden` unless `admin`'s role may do it.
pub fn authorize(admin: &Admin, action: Action) -> Result<()> {
    if admin.role.may(action) {
        return Ok(());
    }
    Err(Error::refused(
        Code::Forbidden,
        format!(
            "{} is {} and may not {}; ask an owner",
            admin.username,
            admin.role,
            match action {
                Action::RestoreBackup => "restore a backup",
                Action::ChangeSettings => "change the settings",
                Action::Privacy => "export, anonymise or erase a customer's data",
                Action::ManageAdmins => "manage admins",
            }
        ),
    ))
}

/// Who may change `username`'s password: an owner, or that admin themself.
pub fn authorize_passwd(admin: &Admin, username: &str) -> Result<()> {
    if admin.username.eq_ignore_ascii_case(username.trim()) {
        return Ok(());
    }
    authorize(admin, Action::ManageAdmins)
}

/// Checks a new password against the rules and hashes it with argon2id
/// (its default algorithm and parameters, a fresh random salt inside the
/// PHC string).
fn hash_password(password: &str) -> Result<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Err(Error::Refused {
            code: Code::WeakPassword,
            field: Some("password"),
            message: format!("a password needs at least {MIN_PASSWORD} characters"),
        });
    }
    if chars > MAX_PASSWORD {
        return Err(Error::validation(
            "password",
            format!("at most {MAX_PASSWORD} characters"),
        ));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing a password: {e}")))
}

/// Whether `password` is the one `hash` was made from. A stored hash that
/// does not parse is the database's fault, never a sign-in.
fn verify_password(password: &str, hash: &str) -> Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| Error::internal(format!("a stored hash: {e}")))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A hash of no one's password, checked when the username is unknown so
/// that the refusal costs the same time as a wrong password.
fn dummy_hash() -> Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let made = hash_password("not anyone's password")?;
    Ok(DUMMY.get_or_init(|| made))
}

/// The admin a write is attributed to: the one named, else the default.
pub(crate) fn resolve_actor(conn: &Connection, actor: Option<&str>) -> Result<String> {
    let name = match actor {
        Some(a) => a.to_owned(),
        None => settings::get(conn, Key::DefaultAdmin)?,
    };
    Ok(find(conn, &name)?
        .ok_or_else(|| Error::not_found("admin", &name))?
        .username)
}

/// Whether the admin the default setting names is missing (a new
/// database): read without the write lock, so that opening a shop that has
/// one never waits for a writer.
pub(crate) fn needs_default(conn: &Connection) -> Result<bool> {
    let default = settings::get(conn, Key::DefaultAdmin)?;
    Ok(find(conn, &default)?.is_none())
}

/// A new database gets the admin the default setting names, so the first
/// write has someone to be attributed to. Run as the program itself (the
/// session's `write_as_system`): the actor does not exist yet.
pub(crate) fn ensure_default(w: &mut Write<'_>) -> Result<()> {
    let default = settings::get(w.tx(), Key::DefaultAdmin)?;
    if find(w.tx(), &default)?.is_none() {
        add(
            w,
            NewAdmin {
                username: default,
                name: "Administrator".into(),
                make_default: false,
                role: Role::Owner,
                password: None,
            },
        )?;
    }
    Ok(())
}
