//! The WhatsApp reads the app's screens make, through the app's reader pool.

use pelanggan_core::admins::NewAdmin;
use pelanggan_core::notify::{reminders, templates};
use pelanggan_desktop::App;

#[test]
fn templates_and_reminders_read_through_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("shop.db")).unwrap();
    app.setup_owner(NewAdmin {
        username: "rina".into(),
        name: "Rina".into(),
        password: Some("kopi susu 123".into()),
        ..Default::default()
    })
    .unwrap();
    for _ in 0..6 {
        let list = app.read(templates::list).unwrap();
        assert!(list.iter().any(|t| t.name == "welcome"));
        assert_eq!(app.read(reminders::list).unwrap().len(), 4);
    }
}
