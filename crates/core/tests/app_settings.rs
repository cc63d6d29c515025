//! The desktop app's settings (language, shop name, idle lock, backups,
//! receipt printer) and the backups view built on them. Real temp files.

mod common;

use common::{assert_refused, open};
use pelanggan_core::backup;
use pelanggan_core::session::set_setting;
use pelanggan_core::settings::{self, Key};

#[test]
fn unset_app_settings_read_as_their_defaults() {
    let (_dir, db) = open();
    let r = db.reader().unwrap();
    let get = |k| settings::get(r.conn(), k).unwrap();
    assert_eq!(get(Key::Language), "id");
    assert_eq!(get(Key::LockMinutes), "15");
    assert_eq!(get(Key::BackupKeep), "7");
    assert_eq!(get(Key::ShopName), "");
    assert_eq!(get(Key::PrinterAddress), "");
    assert_eq!(settings::lock_minutes(r.conn()).unwrap(), 15);
    assert_eq!(settings::backup_keep(r.conn()).unwrap(), 7);
    assert_eq!(settings::list(r).unwrap().len(), Key::ALL.len());
}

#[test]
fn each_app_setting_is_checked() {
    let (_dir, mut db) = open();
    let mut set = |k, v: &str| db.write(None, |w| set_setting(w, k, v)).map(|s| s.value);
    assert_eq!(set(Key::Language, " EN ").unwrap(), "en");
    assert_refused(set(Key::Language, "fr"), "validation", Some("value"));
    assert_eq!(
        set(Key::ShopName, "Toko Maju Jaya").unwrap(),
        "Toko Maju Jaya"
    );
    assert_refused(
        set(Key::ShopName, &"x".repeat(101)),
        "validation",
        Some("value"),
    );
    assert_eq!(set(Key::LockMinutes, "30").unwrap(), "30");
    for bad in ["0", "481", "-1", "lima", "1.5"] {
        assert_refused(set(Key::LockMinutes, bad), "validation", Some("value"));
    }
    assert_eq!(set(Key::BackupKeep, "14").unwrap(), "14");
    assert_refused(set(Key::BackupKeep, "0"), "validation", Some("value"));
    assert_refused(
        set(Key::BackupDir, "relative/folder"),
        "validation",
        Some("value"),
    );
    assert_eq!(set(Key::BackupDir, "").unwrap(), "");
    // The printer's own rules are the receipt module's (its tests); here: it
    // is one of the settings the app saves, and empty clears it.
    assert_eq!(
        set(Key::PrinterAddress, "192.168.1.50:9100").unwrap(),
        "192.168.1.50:9100"
    );
    assert!(set(Key::PrinterAddress, "a b:9100").is_err());
    assert_eq!(set(Key::PrinterAddress, "").unwrap(), "");
    let r = db.reader().unwrap();
    assert_eq!(settings::lock_minutes(r.conn()).unwrap(), 30);
    assert_eq!(settings::backup_keep(r.conn()).unwrap(), 14);
}

#[test]
fn the_backups_view_follows_the_settings() {
    let (dir, mut db) = open();
    let r = db.reader().unwrap();
    let status = backup::status(r, db.path()).unwrap();
    assert_eq!(status.dir, backup::default_dir(db.path()));
    assert!(status.files.is_empty(), "no folder yet is no backup yet");

    let folder = dir.path().join("elsewhere");
    let folder_text = folder.to_str().unwrap().to_owned();
    db.write(None, |w| set_setting(w, Key::BackupDir, &folder_text))
        .unwrap();
    db.write(None, |w| set_setting(w, Key::BackupKeep, "2"))
        .unwrap();
    let made = backup::auto_backup_configured(&db).unwrap();
    let file = made.made.expect("today's backup").file;
    assert!(file.starts_with(&folder));
    // The same day again makes nothing new.
    assert!(backup::auto_backup_configured(&db).unwrap().made.is_none());

    let status = backup::status(db.reader().unwrap(), db.path()).unwrap();
    assert_eq!(status.dir, folder);
    assert_eq!(status.keep, 2);
    assert_eq!(status.files.len(), 1);
    assert_eq!(status.files[0].file, file);
    assert!(status.files[0].bytes > 0);
    assert!(status.files[0].made_at.ends_with('Z'));
}
