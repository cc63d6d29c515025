//! The shop's admins: who did each write. Customers never log in; admins are
//! names in the books, not accounts with passwords (yet).
//!
//! Owns: the `admin_users` table, which admin is the default (the
//! `default_admin` setting's rule: it names an existing admin), who a write
//! is attributed to (`resolve_actor`), the first admin of a new file.
//! Must not know: sessions or how a `Db` is opened (`session` calls
//! `needs_default` and `ensure_default`). API boundary: `NewAdmin`, `add`,
//! `set_default`, `list`, `get`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::{Reader, Write, new_id};
use crate::error::{Error, Result};
use crate::settings::{self, Key};
use crate::validate;
use crate::wire::{AdminRecord, Entity};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Admin {
    pub id: String,
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub is_default: bool,
}

/// A new admin: `make_default` also makes them the default admin (whom
/// writes without `--as` are attributed to), in the same write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewAdmin {
    pub username: String,
    pub name: String,
    pub make_default: bool,
}

pub fn add(w: &mut Write<'_>, admin: NewAdmin) -> Result<Admin> {
    let NewAdmin {
        username,
        name,
        make_default,
    } = admin;
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
        "INSERT INTO admin_users (uuid, username, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![uuid, username, name, w.now()],
    )?;
    let now = w.now().to_owned();
    let record = AdminRecord {
        username: username.as_str().into(),
        name: name.as_str().into(),
        created_at: now.as_str().into(),
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
    let mut stmt =
        conn.prepare("SELECT uuid, username, name, created_at FROM admin_users ORDER BY username")?;
    let rows = stmt.query_map([], |r| {
        Ok(Admin {
            id: r.get(0)?,
            username: r.get(1)?,
            name: r.get(2)?,
            created_at: r.get(3)?,
            is_default: false,
        })
    })?;
    rows.map(|a| {
        let mut a = a?;
        a.is_default = a.username.eq_ignore_ascii_case(&default);
        Ok(a)
    })
    .collect()
}

pub fn get(r: Reader<'_>, username: &str) -> Result<Admin> {
    let conn = r.conn();
    find(conn, username)?.ok_or_else(|| Error::not_found("admin", username))
}

fn find(conn: &Connection, username: &str) -> Result<Option<Admin>> {
    let default = settings::get(conn, Key::DefaultAdmin)?;
    Ok(conn
        .query_row(
            "SELECT uuid, username, name, created_at FROM admin_users WHERE username = ?1",
            [username.trim()],
            |r| {
                let username: String = r.get(1)?;
                Ok(Admin {
                    id: r.get(0)?,
                    is_default: username.eq_ignore_ascii_case(&default),
                    username,
                    name: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
        .optional()?)
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
            },
        )?;
    }
    Ok(())
}
