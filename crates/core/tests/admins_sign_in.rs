//! Admins who sign in to the app (V12): roles, argon2id passwords, the first
//! run's owner, and what staff may not do. On real temp database files.

mod common;

use common::{assert_refused, open, raw};
use pelanggan_core::Db;
use pelanggan_core::admins::{self, Action, NewAdmin, Role};

fn new_admin(username: &str, role: Role, password: Option<&str>) -> NewAdmin {
    NewAdmin {
        username: username.into(),
        name: format!("{username} the admin"),
        role,
        password: password.map(Into::into),
        ..Default::default()
    }
}

fn add(db: &mut Db, username: &str, role: Role, password: Option<&str>) -> admins::Admin {
    db.write(None, |w| {
        admins::add(w, new_admin(username, role, password))
    })
    .unwrap()
}

fn stored_hash(db: &Db, username: &str) -> Option<String> {
    raw(db)
        .query_row(
            "SELECT password_hash FROM admin_users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_password_is_stored_as_argon2id_and_signs_in() {
    let (_dir, mut db) = open();
    let rina = add(&mut db, "rina", Role::Owner, Some("kopi susu 123"));
    assert!(rina.has_password);
    assert_eq!(rina.role, Role::Owner);
    let hash = stored_hash(&db, "rina").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("kopi"), "the password itself is not stored");
    // A second admin with the same password gets another salt, so another hash.
    add(&mut db, "budi", Role::Staff, Some("kopi susu 123"));
    assert_ne!(stored_hash(&db, "budi").unwrap(), hash);

    let signed = admins::sign_in(db.reader().unwrap(), " RINA ", "kopi susu 123").unwrap();
    assert_eq!(signed.username, "rina");
    assert_eq!(signed.role, Role::Owner);
}

#[test]
fn a_wrong_password_and_an_unknown_username_are_refused_alike() {
    let (_dir, mut db) = open();
    add(&mut db, "rina", Role::Owner, Some("kopi susu 123"));
    add(&mut db, "tanpa", Role::Owner, None);
    let r = db.reader().unwrap();
    let wrong = assert_refused(
        admins::sign_in(r, "rina", "kopi susu 124"),
        "sign_in_failed",
        None,
    );
    let unknown = assert_refused(
        admins::sign_in(r, "nobody", "kopi susu 123"),
        "sign_in_failed",
        None,
    );
    // An admin without a password cannot sign in with any password, not even an empty one.
    let none = assert_refused(admins::sign_in(r, "tanpa", ""), "sign_in_failed", None);
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(wrong.to_string(), none.to_string());
    assert_eq!(
        wrong.field(),
        None,
        "no field points at the username or the password"
    );
}

#[test]
fn short_passwords_are_refused_and_nothing_is_written() {
    let (_dir, mut db) = open();
    let before = common::snapshot(&db);
    let short = db.write(None, |w| {
        admins::add(w, new_admin("rina", Role::Owner, Some("1234567")))
    });
    assert_refused(short, "weak_password", Some("password"));
    assert_eq!(common::snapshot(&db), before);
    // Eight characters (counted as characters, not bytes) are enough.
    add(&mut db, "rina", Role::Owner, Some("ééééééé1"));
    let change = db.write(None, |w| admins::set_password(w, "rina", "short"));
    assert_refused(change, "weak_password", Some("password"));
}

#[test]
fn set_password_replaces_the_old_one() {
    let (_dir, mut db) = open();
    add(&mut db, "budi", Role::Staff, None);
    assert!(
        !admins::get(db.reader().unwrap(), "budi")
            .unwrap()
            .has_password
    );
    let budi = db
        .write(None, |w| admins::set_password(w, "budi", "pertama123"))
        .unwrap();
    assert!(budi.has_password);
    db.write(None, |w| admins::set_password(w, "budi", "kedua12345"))
        .unwrap();
    let r = db.reader().unwrap();
    assert_refused(
        admins::sign_in(r, "budi", "pertama123"),
        "sign_in_failed",
        None,
    );
    assert_eq!(
        admins::sign_in(r, "budi", "kedua12345").unwrap().username,
        "budi"
    );
    assert_refused(
        db.write(None, |w| admins::set_password(w, "siapa", "kedua12345")),
        "not_found",
        None,
    );
}

#[test]
fn the_first_run_needs_an_owner_until_someone_has_a_password() {
    let (_dir, mut db) = open();
    // A new file has its default admin, without a password: nobody can sign in.
    assert!(admins::needs_owner(db.reader().unwrap()).unwrap());
    let refused = db.write(None, |w| {
        admins::setup_owner(w, new_admin("rina", Role::Staff, None))
    });
    assert_refused(refused, "validation", Some("password"));
    let owner = db
        .write(None, |w| {
            admins::setup_owner(w, new_admin("rina", Role::Staff, Some("kopi susu 123")))
        })
        .unwrap();
    // Whatever role was asked for, the first admin with a password is an owner and the default.
    assert_eq!(owner.role, Role::Owner);
    assert!(owner.is_default);
    assert!(!admins::needs_owner(db.reader().unwrap()).unwrap());
    // Set-up is closed now: a second "owner" cannot be made this way.
    let again = db.write(None, |w| {
        admins::setup_owner(w, new_admin("maling", Role::Owner, Some("kopi susu 123")))
    });
    assert_refused(again, "conflict", None);
}

#[test]
fn staff_may_not_do_the_owners_actions() {
    let (_dir, mut db) = open();
    let owner = add(&mut db, "rina", Role::Owner, Some("kopi susu 123"));
    let staff = add(&mut db, "budi", Role::Staff, Some("teh manis 123"));
    for action in Action::ALL {
        admins::authorize(&owner, *action).unwrap();
        assert_refused(admins::authorize(&staff, *action), "forbidden", None);
    }
    // Staff change their own password, not anyone else's; owners change anyone's.
    admins::authorize_passwd(&staff, "BUDI").unwrap();
    assert_refused(admins::authorize_passwd(&staff, "rina"), "forbidden", None);
    admins::authorize_passwd(&owner, "budi").unwrap();
}

#[test]
fn the_password_never_leaves_in_json_debug_or_the_change_log() {
    let (_dir, mut db) = open();
    let input = new_admin("rina", Role::Staff, Some("rahasia-sekali"));
    assert!(!format!("{input:?}").contains("rahasia"));
    assert!(!serde_json::to_string(&input).unwrap().contains("rahasia"));
    let admin = db.write(None, |w| admins::add(w, input)).unwrap();
    let view = serde_json::to_string(&admin).unwrap();
    assert!(
        !view.contains("argon2") && !view.contains("rahasia"),
        "{view}"
    );
    assert!(view.contains("\"role\":\"staff\"") && view.contains("\"has_password\":true"));
    db.write(None, |w| admins::set_password(w, "rina", "rahasia-lain"))
        .unwrap();
    let logged: String = raw(&db)
        .query_row(
            "SELECT group_concat(ifnull(value, ''), ' ') FROM change_log WHERE entity = 'admin'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !logged.contains("argon2") && !logged.contains("rahasia"),
        "{logged}"
    );
    assert!(
        logged.contains("\"role\":\"staff\""),
        "the role is shared: {logged}"
    );
}

#[test]
fn admins_from_before_v12_are_owners_without_a_password() {
    let (_dir, db) = open();
    // The admin every new file starts with stands for the admins made before roles.
    let first = &admins::list(db.reader().unwrap()).unwrap()[0];
    assert_eq!(first.role, Role::Owner);
    assert!(!first.has_password);
    // The schema itself refuses a hash that is not argon2id.
    let forged = raw(&db).execute(
        "UPDATE admin_users SET password_hash = 'plain-text' WHERE username = ?1",
        [&first.username],
    );
    assert!(forged.is_err());
}

#[test]
fn roles_read_forgivingly() {
    assert_eq!("Staff".parse::<Role>().unwrap(), Role::Staff);
    assert_eq!("pemilik".parse::<Role>().unwrap(), Role::Owner);
    let e = pelanggan_core::Error::from("boss".parse::<Role>().unwrap_err());
    assert_eq!(e.field(), Some("role"));
}
