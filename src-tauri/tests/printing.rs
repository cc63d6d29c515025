//! The receipt printer client against a fake printer on 127.0.0.1: the bytes
//! it receives, and the error code when no printer answers.

use std::io::Read;
use std::net::TcpListener;
use std::thread;

use pelanggan_core::admins::NewAdmin;
use pelanggan_core::billing::payments::{self, NewPayment};
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::receipt::Lang;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Money};
use pelanggan_desktop::{App, printer};

/// A shop with one payment of Rp 1.500.000; returns its app state and the
/// payment's id.
fn shop(dir: &tempfile::TempDir, printer_address: &str) -> (App, String) {
    let path = dir.path().join("shop.db");
    let mut db = Db::open(&path).unwrap();
    let payment = db
        .write(None, |w| {
            let c = customers::add(
                w,
                NewCustomer {
                    name: "Siti".into(),
                    whatsapp: "081234567890".into(),
                    ..NewCustomer::default()
                },
            )?;
            settings::set(w, Key::PrinterAddress, printer_address)?;
            payments::record(
                w,
                &c.id,
                Money::parse("amount", "1500000").unwrap(),
                NewPayment::default(),
            )
        })
        .unwrap();
    drop(db);
    // The app answers only a signed-in admin (state.rs).
    let app = App::open(&path).unwrap();
    app.setup_owner(NewAdmin {
        username: "siti".into(),
        name: "Siti".into(),
        password: Some("kopi susu 123".into()),
        ..NewAdmin::default()
    })
    .unwrap();
    (app, payment.id)
}

#[test]
fn a_receipt_reaches_the_printer_as_escpos() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake_printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        got
    });
    let dir = tempfile::tempdir().unwrap();
    let (app, payment) = shop(&dir, &format!("127.0.0.1:{port}"));

    let sent_to = printer::print_payment(&app, &payment, "Warung Budi", Lang::Id).unwrap();
    assert_eq!(sent_to, format!("127.0.0.1:{port}"));

    let got = fake_printer.join().unwrap();
    assert!(
        got.starts_with(b"\x1b@"),
        "starts with ESC @: {:?}",
        &got[..4]
    );
    assert!(got.ends_with(b"\x1dV\x01"), "ends with a cut");
    let contains = |needle: &[u8]| got.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"Rp 1.500.000"));
    assert!(contains(b"Warung Budi"));
    assert!(contains(b"BUKTI PEMBAYARAN"));
}

#[test]
fn a_printer_that_does_not_answer_is_printer_unreachable() {
    // A port that was just free: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let (app, payment) = shop(&dir, &format!("127.0.0.1:{port}"));
    let err = printer::print_payment(&app, &payment, "Warung Budi", Lang::En).unwrap_err();
    assert_eq!(err.code(), "printer_unreachable", "{err}");
    assert_eq!(err.field(), Some("printer_address"));
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn no_printer_set_is_printer_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let (app, payment) = shop(&dir, "");
    let err = printer::print_payment(&app, &payment, "", Lang::Id).unwrap_err();
    assert_eq!(err.code(), "printer_not_set");
}
