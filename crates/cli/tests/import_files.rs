//! `import customers` and the files around it: the errors file (never the
//! input or the database, an existing one only with --force, checked before
//! anything is imported, written only when a row is rejected), workbooks with
//! --sheet, and files that are no spreadsheet at all.

use std::path::Path;

mod common;

use common::Shop;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const CSV: &str = "name,whatsapp\r\nBudi,0812-3456-7890\r\nBad,123\r\n";

#[test]
fn the_errors_file_never_replaces_the_input_or_the_database() {
    let shop = Shop::new();
    let csv = shop.path("x.csv");
    std::fs::write(&csv, CSV).unwrap();
    for force in [false, true] {
        let mut args = vec![
            "import",
            "customers",
            s(&csv),
            "--errors",
            s(&csv),
            "--dry-run",
        ];
        if force {
            args.push("--force");
        }
        shop.refused(&args, "protected_file", Some("file"));
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), CSV);
    }
    let e = shop.err(&["import", "customers", s(&csv), "--errors", s(&csv)], 1);
    assert!(e["message"].as_str().unwrap().contains("x.csv"), "{e}");
    assert_eq!(shop.total(), 0);

    // The open database and the files SQLite keeps beside it.
    let db = shop.db.clone();
    let wal = shop.path("shop.db-wal");
    let shm = shop.path("shop.db-shm");
    for target in [&db, &wal, &shm] {
        shop.refused(
            &[
                "import",
                "customers",
                s(&csv),
                "--errors",
                s(target),
                "--force",
            ],
            "protected_file",
            None,
        );
    }
    assert_eq!(shop.total(), 0);
}

#[test]
fn an_existing_errors_file_needs_force_and_is_checked_before_the_import() {
    let shop = Shop::new();
    let csv = shop.path("x.csv");
    std::fs::write(&csv, CSV).unwrap();
    let rejected = shop.path("rejected.csv");
    std::fs::write(&rejected, "my notes").unwrap();

    let e = shop.err(
        &["import", "customers", s(&csv), "--errors", s(&rejected)],
        1,
    );
    assert_eq!(e["code"], "file_exists");
    assert!(
        e["message"].as_str().unwrap().contains("rejected.csv"),
        "{e}"
    );
    // Nothing imported, the file untouched.
    assert_eq!(shop.total(), 0);
    assert_eq!(std::fs::read_to_string(&rejected).unwrap(), "my notes");

    let summary = shop.ok(&[
        "import",
        "customers",
        s(&csv),
        "--errors",
        s(&rejected),
        "--force",
    ]);
    assert_eq!(
        (summary["imported"].as_u64(), summary["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(summary["errors_file"], s(&rejected));
    // The input's shape: no BOM, commas, CRLF.
    assert!(
        std::fs::read_to_string(&rejected)
            .unwrap()
            .starts_with("name,whatsapp,reason\r\nBad,123,invalid_whatsapp:")
    );
}

#[test]
fn no_errors_file_when_nothing_is_rejected() {
    let shop = Shop::new();
    let csv = shop.path("good.csv");
    std::fs::write(&csv, "name,whatsapp\nBudi,0812-3456-7890\n").unwrap();
    let rejected = shop.path("rejected.csv");
    let summary = shop.ok(&[
        "import",
        "customers",
        s(&csv),
        "--errors",
        s(&rejected),
        "--dry-run",
    ]);
    assert_eq!(summary["errors_file"], serde_json::Value::Null);
    assert_eq!(
        summary["notes"][0],
        "no rows rejected: no errors file written"
    );
    assert!(!rejected.exists());
    let text = shop.text(&["import", "customers", s(&csv), "--errors", s(&rejected)]);
    assert!(
        text.contains("note: no rows rejected: no errors file written"),
        "{text}"
    );
    assert!(!text.contains("rejected rows written"), "{text}");
    assert!(!rejected.exists());
}

#[test]
fn workbooks_are_imported_and_a_sheet_chosen_by_name() {
    let shop = Shop::new();
    let path = shop.path("pelanggan.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let first = book.add_worksheet();
    first.write_string(0, 0, "Nama").unwrap();
    first.write_string(0, 1, "No HP").unwrap();
    first.write_string(1, 0, "Budi").unwrap();
    first.write_number(1, 1, 81234567890.0).unwrap();
    let second = book.add_worksheet();
    second.set_name("Cabang 2").unwrap();
    second.write_string(0, 0, "Nama").unwrap();
    second.write_string(0, 1, "No HP").unwrap();
    second.write_string(1, 0, "Sari").unwrap();
    second.write_string(1, 1, "0813-1111-2222").unwrap();
    book.save(&path).unwrap();

    let summary = shop.ok(&["import", "customers", s(&path)]);
    assert_eq!(
        (&summary["format"], &summary["sheet"], &summary["imported"]),
        (&"xlsx".into(), &"Sheet1".into(), &1.into())
    );
    assert_eq!(shop.customer("081234567890")["name"], "Budi");
    let text = shop.text(&["import", "customers", s(&path), "--sheet", "Cabang 2"]);
    assert!(
        text.contains("1 imported") && text.contains("xlsx sheet \"Cabang 2\""),
        "{text}"
    );
    shop.refused(
        &["import", "customers", s(&path), "--sheet", "Cabang 9"],
        "validation",
        Some("sheet"),
    );
    let csv = shop.path("x.csv");
    std::fs::write(&csv, CSV).unwrap();
    shop.refused(
        &["import", "customers", s(&csv), "--sheet", "Sheet1"],
        "validation",
        Some("sheet"),
    );
}

#[test]
fn a_file_that_is_no_spreadsheet_is_refused_without_its_bytes() {
    let shop = Shop::new();
    let gz = shop.path("pelanggan.csv.gz");
    let mut bytes = b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\x03pelanggan.csv\x00".to_vec();
    bytes.extend((0..2000u32).map(|i| (i * 31 % 251) as u8));
    std::fs::write(&gz, &bytes).unwrap();
    let out = shop.cmd(&["import", "customers", s(&gz)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).expect("no raw bytes on stderr");
    assert!(
        stderr.contains("not a CSV or spreadsheet") && stderr.contains("gzip"),
        "{stderr}"
    );
    assert!(stderr.len() < 300, "{stderr}");
    shop.refused(
        &["import", "customers", s(&gz)],
        "not_a_spreadsheet",
        Some("file"),
    );
}
