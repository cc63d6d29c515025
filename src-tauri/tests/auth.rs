//! The app state's gate: nothing is read or written before sign-in or while
//! locked, writes are the signed-in admin's, staff are refused the owner's
//! actions, a restore signs everyone out. On a real temp database file.

use pelanggan_core::admins::{self, Action, NewAdmin, Role};
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::progress::Cancel;
use pelanggan_core::{Error, settings, stats};
use pelanggan_desktop::App;

fn code<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    r.expect_err("expected a refusal").code().to_string()
}

fn owner() -> NewAdmin {
    NewAdmin {
        username: "rina".into(),
        name: "Rina".into(),
        password: Some("kopi susu 123".into()),
        ..Default::default()
    }
}

fn add_customer(app: &App, name: &str, whatsapp: &str) -> Result<customers::Customer, Error> {
    app.write(|w| {
        customers::add(
            w,
            NewCustomer {
                name: name.into(),
                whatsapp: whatsapp.into(),
                ..Default::default()
            },
        )
    })
}

#[test]
fn first_run_sign_in_lock_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("shop.db")).unwrap();

    let status = app.auth_status().unwrap();
    assert!(status.needs_owner && status.admin.is_none());
    assert_eq!(status.lock_minutes, 15);
    assert_eq!(status.language, "id");
    // Before anyone signs in, nothing is read or written.
    assert_eq!(
        code(add_customer(&app, "Budi", "0812-3456-7890")),
        "not_signed_in"
    );
    assert_eq!(code(app.read(settings::list)), "not_signed_in");
    assert_eq!(code(app.with_db(|_| Ok(()))), "not_signed_in");

    let rina = app.setup_owner(owner()).unwrap();
    assert_eq!(rina.role, Role::Owner);
    assert_eq!(app.auth_status().unwrap().admin.unwrap().username, "rina");
    assert_eq!(code(app.setup_owner(owner())), "conflict");

    // Writes are attributed to whoever is signed in.
    let budi = add_customer(&app, "Budi", "0812-3456-7890").unwrap();
    let by = app
        .read(|r| customers::get(r, &budi.id))
        .unwrap()
        .created_by;
    assert_eq!(by, "rina");

    app.write(|w| {
        admins::add(
            w,
            NewAdmin {
                username: "sari".into(),
                name: "Sari".into(),
                role: Role::Staff,
                password: Some("teh manis 123".into()),
                ..Default::default()
            },
        )
    })
    .unwrap();

    // The idle lock: nothing answers until a password is typed again.
    app.lock();
    let locked = app.auth_status().unwrap();
    assert_eq!(locked.locked_by.as_deref(), Some("rina"));
    assert!(locked.admin.is_none() && !locked.needs_owner);
    assert_eq!(code(app.read(settings::list)), "not_signed_in");
    assert_eq!(code(app.sign_in("rina", "salah sandi")), "sign_in_failed");
    assert_eq!(code(app.read(settings::list)), "not_signed_in");

    // Staff sign in, write as themselves, and are refused the owner's actions.
    let sari = app.sign_in("sari", "teh manis 123").unwrap();
    assert_eq!(sari.role, Role::Staff);
    assert!(app.auth_status().unwrap().locked_by.is_none());
    add_customer(&app, "Ani", "0813-1111-2222").unwrap();
    for action in Action::ALL {
        assert_eq!(code(app.authorize(*action)), "forbidden");
    }
    let backup = dir.path().join("copy.db");
    assert_eq!(
        code(app.restore(&backup, &mut |_| {}, &Cancel::new())),
        "forbidden"
    );

    app.sign_out();
    assert_eq!(code(app.authorize(Action::ChangeSettings)), "not_signed_in");
}

#[test]
fn an_owner_restores_a_backup_and_everyone_is_signed_out() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("shop.db")).unwrap();
    app.setup_owner(owner()).unwrap();
    add_customer(&app, "Budi", "0812-3456-7890").unwrap();
    let copy = dir.path().join("copy.db");
    app.with_db(|db| pelanggan_core::backup::backup(db, &copy, &mut |_| {}, &Cancel::new()))
        .unwrap();
    add_customer(&app, "Ani", "0813-1111-2222").unwrap();
    let count = |app: &App| app.read(stats::stats).unwrap().total_customers;
    assert_eq!(count(&app), 2);

    // A file that is no backup is refused and the shop stays open as it was.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert_eq!(
        code(app.restore(&junk, &mut |_| {}, &Cancel::new())),
        "invalid_backup"
    );
    assert_eq!(count(&app), 2);

    let info = app.restore(&copy, &mut |_| {}, &Cancel::new()).unwrap();
    assert!(info.previous_kept_at.unwrap().exists());
    assert_eq!(code(app.read(settings::list)), "not_signed_in");
    app.sign_in("rina", "kopi susu 123").unwrap();
    assert_eq!(
        count(&app),
        1,
        "the backup's shop, read through the pool too"
    );
    add_customer(&app, "Ani", "0813-1111-2222").unwrap();
}

#[test]
fn the_days_backup_runs_beside_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let app = App::open(&path).unwrap();
    app.setup_owner(owner()).unwrap();
    let made = pelanggan_desktop::auto_backup(&path).unwrap();
    let file = made.made.expect("today's backup").file;
    assert!(file.starts_with(dir.path().join("backups")));
    assert!(
        pelanggan_desktop::auto_backup(&path)
            .unwrap()
            .made
            .is_none()
    );
}

#[test]
fn the_demo_shop_fills_the_open_database() {
    use pelanggan_core::generate::{self, GenOptions};
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("shop.db")).unwrap();
    app.setup_owner(owner()).unwrap();
    let options = GenOptions {
        customers: 300,
        seed: 12,
    };
    let summary = app
        .with_db(|db| generate::generate_shared(db, &options, |_| {}, &Cancel::new()))
        .unwrap();
    assert_eq!(summary.customers, 300);
    // Every generated row, the soft-deleted ones too (the cards leave them out).
    let cards = app.read(stats::stats).unwrap();
    let count = cards.total_customers + cards.deleted;
    assert_eq!(count, 300, "the readers see the generated shop");
}
