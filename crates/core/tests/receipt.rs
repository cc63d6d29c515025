//! Receipts for the thermal printer (issue 12): the 32-column layout, the
//! ESC/POS bytes, the printer address setting, and the payment preview the
//! record-payment dialog shows (a dry run of the real payment).

mod billing_support;
mod common;

use billing_support::{balance, customer, date, money, shop, subscription};
use pelanggan_core::billing::PaymentMethod;
use pelanggan_core::billing::invoices;
use pelanggan_core::billing::payments::{
    self, NewPayment, Payment, PaymentAllocation, PaymentStatus,
};
use pelanggan_core::billing::subscriptions::Cycle;
use pelanggan_core::days::ShopZone;
use pelanggan_core::receipt::{self, Lang, PrinterAddress, Shop};
use pelanggan_core::settings::{self, Key};

fn jakarta(lang: Lang) -> Shop {
    Shop {
        name: "Warung Net Budi".into(),
        currency: "IDR".into(),
        zone: ShopZone::parse("Asia/Jakarta").unwrap(),
        lang,
    }
}

fn a_payment() -> Payment {
    Payment {
        id: "0190f0a0-0000-7000-8000-000000000001".into(),
        local_id: 12,
        customer_id: "0190f0a0-0000-7000-8000-000000000002".into(),
        customer_name: "Siti Rahayu".into(),
        invoice_number: None,
        voucher_code: None,
        amount: money("1500000"),
        method: PaymentMethod::BankTransfer,
        reference: Some("TRF-88".into()),
        received_at: "2026-03-10T23:05:00Z".into(),
        received_by: "admin".into(),
        status: PaymentStatus::Success,
        refunded_at: None,
        refunded_by: None,
        allocations: vec![
            PaymentAllocation {
                invoice_number: "INV-2026-000001".into(),
                amount: money("1000000"),
            },
            PaymentAllocation {
                invoice_number: "INV-2026-000002".into(),
                amount: money("250000"),
            },
        ],
        credit: money("250000"),
    }
}

#[test]
fn a_payment_receipt_is_laid_out_in_32_columns() {
    let text = receipt::payment_receipt(&a_payment(), &jakarta(Lang::Id)).text();
    let expected = concat!(
        "        Warung Net Budi\n",
        "        BUKTI PEMBAYARAN\n",
        "--------------------------------\n",
        "No.                          #12\n",
        "Tanggal     2026-03-11 06:05 WIB\n",
        "Pelanggan            Siti Rahayu\n",
        "Metode             Transfer bank\n",
        "Ref.                      TRF-88\n",
        "--------------------------------\n",
        "JUMLAH              Rp 1.500.000\n",
        "--------------------------------\n",
        "Untuk tagihan:\n",
        "INV-2026-000001     Rp 1.000.000\n",
        "INV-2026-000002       Rp 250.000\n",
        "Saldo kredit          Rp 250.000\n",
        "--------------------------------\n",
        "Diterima oleh: admin\n",
        "          Terima kasih\n",
    );
    assert_eq!(text, expected);
    assert!(
        text.lines()
            .all(|l| l.len() <= receipt::COLUMNS && l.is_ascii())
    );
}

#[test]
fn the_escpos_bytes_initialise_print_the_text_and_cut() {
    let mut payment = a_payment();
    payment.status = PaymentStatus::Refunded;
    payment.customer_name = "Budi Santoso bin Haji Abdurrahman Wahid".into();
    let r = receipt::payment_receipt(&payment, &jakarta(Lang::En));
    let bytes = r.escpos();
    assert_eq!(&bytes[..2], b"\x1b@", "starts with ESC @");
    assert!(
        bytes.ends_with(b"\x1dV\x01"),
        "ends with a cut: {:?}",
        &bytes[bytes.len() - 6..]
    );
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"AMOUNT              Rp 1.500.000\n"));
    assert!(contains(b"*** REFUNDED ***"));
    // The title and the total are emphasised, and the emphasis switched off.
    assert!(contains(b"\x1bE\x01\x1d!\x01"));
    assert!(contains(b"\x1bE\x00"));
    // A name longer than a line goes under its label, wrapped, right-aligned.
    let text = r.text();
    assert!(text.contains("Customer\n"), "{text}");
    assert!(text.lines().all(|l| l.len() <= receipt::COLUMNS), "{text}");
    // Every byte outside the commands is the text itself.
    assert!(contains(text.lines().nth(3).unwrap().as_bytes()));
}

#[test]
fn amounts_are_written_as_the_shop_reads_them() {
    for (amount, shown) in [
        ("1500000", "Rp 1.500.000"),
        ("-250000", "-Rp 250.000"),
        ("0", "Rp 0"),
        ("999.50", "Rp 999,50"),
        ("999999999999.99", "Rp 999.999.999.999,99"),
    ] {
        assert_eq!(
            pelanggan_core::money::amount_text(money(amount), "IDR"),
            shown
        );
    }
    assert_eq!(
        pelanggan_core::money::amount_text(money("1000"), "MYR"),
        "MYR 1.000"
    );
}

#[test]
fn an_invoice_slip_shows_what_it_carries_and_what_is_due() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-02-01")))
        .unwrap();
    assert_eq!(issued.len(), 2);
    db.write(None, |w| {
        payments::record(w, &budi, money("100000"), NewPayment::default())
    })
    .unwrap();
    let slip = receipt::invoice(db.reader().unwrap(), &issued[1].number, "", Lang::Id).unwrap();
    let text = slip.text();
    assert!(
        text.starts_with("            TAGIHAN\n"),
        "no shop name, no title line:\n{text}"
    );
    assert!(
        text.contains("Periode  2026-02-01 - 2026-02-28\n"),
        "{text}"
    );
    assert!(
        text.contains("Tunggakan (1)          Rp 50.000\n"),
        "{text}"
    );
    assert!(
        text.contains("Sisa                  Rp 150.000\n"),
        "{text}"
    );
    assert!(
        text.contains("TOTAL TAGIHAN         Rp 200.000\n"),
        "{text}"
    );
    assert!(
        text.contains("Status             Belum dibayar\n"),
        "{text}"
    );
}

#[test]
fn a_receipt_is_read_from_the_books_by_local_number() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    let paid = db
        .write(None, |w| {
            payments::record(w, &budi, money("75.000"), NewPayment::default())
        })
        .unwrap();
    let r = receipt::payment(
        db.reader().unwrap(),
        &paid.local_id.to_string(),
        "Toko",
        Lang::En,
    )
    .unwrap();
    let text = r.text();
    assert!(
        text.contains("AMOUNT                 Rp 75.000\n"),
        "{text}"
    );
    assert!(
        text.contains("Credit kept            Rp 75.000\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Received by: {}\n", paid.received_by)),
        "{text}"
    );
    common::assert_refused(
        receipt::payment(db.reader().unwrap(), "999", "Toko", Lang::En),
        "not_found",
        None,
    );
}

#[test]
fn the_printer_address_is_a_checked_setting() {
    let (_dir, mut db) = shop();
    // Unset: the settings list still reads, and printing says what is missing.
    assert!(settings::list(db.reader().unwrap()).is_ok());
    common::assert_refused(
        receipt::printer(db.reader().unwrap()),
        "printer_not_set",
        None,
    );

    // `HOST:PORT` as the settings screen takes it (IPv6 in brackets).
    for (typed, stored) in [
        (" printer.lan:9101 ", "printer.lan:9101"),
        ("[fe80::1]:9100", "[fe80::1]:9100"),
    ] {
        let s = db
            .write(None, |w| settings::set(w, Key::PrinterAddress, typed))
            .unwrap();
        assert_eq!(s.value, stored);
    }
    assert_eq!(
        receipt::printer(db.reader().unwrap()).unwrap(),
        PrinterAddress {
            host: "fe80::1".into(),
            port: 9100
        }
    );
    for bad in ["host:0", "host:99999", "ho st", "host:", ":9100", "[::1"] {
        common::assert_refused(
            db.write(None, |w| settings::set(w, Key::PrinterAddress, bad)),
            "validation",
            Some("value"),
        );
    }
    // A bare host means the raw printing port.
    assert_eq!(
        PrinterAddress::parse("192.168.1.50").unwrap().to_string(),
        "192.168.1.50:9100"
    );
    // Empty clears it.
    db.write(None, |w| settings::set(w, Key::PrinterAddress, ""))
        .unwrap();
    common::assert_refused(
        receipt::printer(db.reader().unwrap()),
        "printer_not_set",
        None,
    );
}

#[test]
fn a_payment_preview_tells_the_new_balance_and_keeps_nothing() {
    let (_dir, mut db) = shop();
    let budi = customer(&mut db, "Budi", "081234567890");
    subscription(
        &mut db,
        &budi,
        "budi",
        "150000",
        Cycle::Monthly,
        "2026-01-01",
    );
    let issued = db
        .write(None, |w| invoices::issue_due(w, date("2026-02-01")))
        .unwrap();
    let preview = db
        .dry_run(None, |w| {
            payments::preview(w, &budi, money("200000"), NewPayment::default())
        })
        .unwrap();
    assert_eq!(preview.balance_before, money("-300000"));
    assert_eq!(preview.balance_after, money("-100000"));
    let paid: Vec<_> = preview
        .payment
        .allocations
        .iter()
        .map(|a| (a.invoice_number.as_str(), a.amount))
        .collect();
    assert_eq!(
        paid,
        vec![
            (issued[0].number.as_str(), money("150000")),
            (issued[1].number.as_str(), money("50000"))
        ]
    );
    // Nothing was kept: the balance and the payments are as before.
    assert_eq!(balance(&db, &budi), money("-300000"));
    let page = payments::list(db.reader().unwrap(), &payments::PaymentQuery::default()).unwrap();
    assert!(page.items.is_empty());
    // A refused preview refuses as the payment would.
    common::assert_refused(
        db.dry_run(None, |w| {
            payments::preview(w, &budi, money("-5"), NewPayment::default())
        }),
        "invalid_amount",
        Some("amount"),
    );
}
