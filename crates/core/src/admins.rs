//! The shop's admins: who did each write. Customers never log in; admins are
//! names in the books, not accounts with passwords (yet).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::db::{ChangeOp, Db, Write, new_id};
use crate::error::{Error, Result};
use crate::settings::{self, Key};
use crate::validate;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Admin {
    pub id: String,
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub is_default: bool,
}

pub fn add(w: &mut Write<'_>, username: &str, name: &str) -> Result<Admin> {
    let username = validate::required("username", username, 50)?;
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || "._-".contains(c))
    {
        return Err(Error::validation(
            "username",
            "use letters, digits, '.', '_' or '-' only",
        ));
    }
    let name = validate::required("name", name, 100)?;
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
    let row = serde_json::json!({"username": username, "name": name, "created_at": w.now()});
    w.record_change("admin", &uuid, ChangeOp::Insert, None, Some(&row))?;
    get(w.tx(), &username)
}

pub fn list(conn: &Connection) -> Result<Vec<Admin>> {
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

pub fn get(conn: &Connection, username: &str) -> Result<Admin> {
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
    Ok(get(conn, &name)?.username)
}

/// A new database gets the admin the default setting names, so the first
/// write has someone to be attributed to.
pub(crate) fn ensure_default(db: &mut Db) -> Result<()> {
    let default = settings::get(db.conn(), Key::DefaultAdmin)?;
    if find(db.conn(), &default)?.is_some() {
        return Ok(());
    }
    // Not `Db::write`: that resolves the actor, who does not exist yet.
    db.write_as_system(|w| {
        if find(w.tx(), &default)?.is_none() {
            add(w, &default, "Administrator")?;
        }
        Ok(())
    })
}
