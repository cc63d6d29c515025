//! Importing files as people have them: Excel's UTF-16 "Unicode Text",
//! .xlsx and .ods workbooks (built here), files that are neither, a row too
//! large to keep, line numbers whatever the line ends, line breaks inside
//! cells, and the errors file: checked before the import, in the input's own
//! shape, written only when a row is rejected.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::open;
use pelanggan_core::import::{self, Encoding, Format, ImportOptions, ImportSummary};
use pelanggan_core::progress::Cancel;
use pelanggan_core::{Db, Error};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import(db: &mut Db, file: &Path, options: &ImportOptions) -> Result<ImportSummary, Error> {
    import::import_customers(db, None, file, options, &mut |_| {}, &Cancel::new())
}

fn with_errors(errors: &Path) -> ImportOptions {
    ImportOptions {
        errors_file: Some(errors.to_path_buf()),
        ..Default::default()
    }
}

fn count(db: &Db) -> i64 {
    db.conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap()
}

fn lines_and_codes(s: &ImportSummary) -> Vec<(u64, &'static str)> {
    s.errors.iter().map(|e| (e.line, e.code)).collect()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let bom = bom.then_some(0xFEFF);
    for unit in bom.into_iter().chain(text.encode_utf16()) {
        let bytes = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

#[test]
fn excel_unicode_text_is_read_in_utf16_le_and_be() {
    let text = "Nama\tNo HP\tCatatan\r\nJosé\t0812-3456-7890\tCafé ☕\r\nBad\t123\t\r\n";
    for (big_endian, bom, encoding) in [
        (false, true, Encoding::Utf16Le),
        (true, true, Encoding::Utf16Be),
        // Some tools write no BOM: the NUL bytes of ASCII text tell.
        (false, false, Encoding::Utf16Le),
    ] {
        let (dir, mut db) = open();
        let file = write(dir.path(), "pelanggan.txt", &utf16(text, big_endian, bom));
        let errors = dir.path().join("rejected.csv");
        let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
        assert_eq!(
            (s.encoding, s.delimiter.as_deref(), s.imported, s.rejected),
            (Some(encoding), Some("\t"), 1, 1)
        );
        assert_eq!(lines_and_codes(&s), [(3, "invalid_whatsapp")]);
        let c = common::get(&db, "081234567890");
        assert_eq!(
            (c.name.as_str(), c.notes.as_deref()),
            ("José", Some("Café ☕"))
        );
        // Excel reads UTF-8 with a BOM; the delimiter and CRLF are kept.
        let out = std::fs::read(&errors).unwrap();
        assert!(out.starts_with(b"\xEF\xBB\xBFNama\tNo HP\tCatatan\treason\r\n"));
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("\r\nBad\t123\t\tinvalid_whatsapp:")
        );
        assert!(
            s.notes.iter().any(|n| n.contains("UTF-16")),
            "{:?}",
            s.notes
        );
    }
}

/// A workbook as Excel writes one: numbers typed as numbers, two sheets.
fn xlsx(dir: &Path) -> PathBuf {
    let path = dir.join("pelanggan.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Pelanggan").unwrap();
    // The table starts at B2, as tables often do.
    for (col, header) in ["Nama", "No WA", "Saldo", "Alamat"].iter().enumerate() {
        sheet.write_string(1, 1 + col as u16, *header).unwrap();
    }
    sheet.write_string(2, 1, "Budi").unwrap();
    sheet.write_number(2, 2, 81234567890.0).unwrap(); // Excel dropped the 0
    sheet.write_number(2, 3, 150000.0).unwrap();
    sheet.write_string(2, 4, "Jl. Melati 5\nBandung").unwrap();
    sheet.write_string(3, 1, "Sari").unwrap();
    sheet.write_number(3, 2, 6281311112222.0).unwrap();
    sheet.write_number(3, 3, 150000.5).unwrap();
    sheet.write_string(4, 1, "Dewi").unwrap();
    sheet.write_string(4, 2, "0857-1234-5678").unwrap();
    sheet.write_string(4, 3, "Rp 1.500.000").unwrap();
    sheet.write_string(4, 6, "stray").unwrap(); // right of the header
    sheet.write_string(5, 1, "Rounded").unwrap();
    sheet.write_string(5, 2, "0878-8888-9999").unwrap();
    sheet.write_number(5, 3, 150.125).unwrap(); // not 150,125: a row error
    // Row 7 left empty.
    sheet.write_string(7, 1, "Bad").unwrap();
    sheet.write_number(7, 2, 12345.0).unwrap();
    let other = book.add_worksheet();
    other.set_name("Lain").unwrap();
    other.write_string(0, 0, "name").unwrap();
    other.write_string(0, 1, "whatsapp").unwrap();
    other.write_string(1, 0, "Other").unwrap();
    other.write_string(1, 1, "0899-1111-2222").unwrap();
    book.save(&path).unwrap();
    path
}

#[test]
fn an_xlsx_workbook_is_imported_with_the_same_rules() {
    let (dir, mut db) = open();
    let file = xlsx(dir.path());
    let dry = import(
        &mut db,
        &file,
        &ImportOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((dry.imported, dry.rejected, count(&db)), (3, 2, 0));

    let errors = dir.path().join("rejected.csv");
    let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
    assert_eq!(
        (
            s.format,
            s.sheet.as_deref(),
            s.encoding,
            s.delimiter.as_deref()
        ),
        (Format::Xlsx, Some("Pelanggan"), None, None)
    );
    assert_eq!((s.rows, s.imported, s.rejected), (5, 3, 2));
    // Lines are the spreadsheet's row numbers.
    assert_eq!(
        lines_and_codes(&s),
        [(6, "invalid_amount"), (8, "invalid_whatsapp")]
    );
    assert!(
        s.errors[0].message.contains("150.125"),
        "{}",
        s.errors[0].message
    );
    assert_eq!(s.errors[1].data, ["Bad", "12345", "", ""]);

    // A number typed as a number reads as its digits, an amount exactly.
    let budi = common::get(&db, "+6281234567890");
    assert_eq!(
        (budi.balance.to_string(), budi.address.as_deref()),
        ("150000.00".to_owned(), Some("Jl. Melati 5\nBandung"))
    );
    assert_eq!(
        common::get(&db, "+6281311112222").balance.to_string(),
        "150000.50"
    );
    assert_eq!(
        common::get(&db, "085712345678").balance.to_string(),
        "1500000.00"
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("row 5") && n.contains("outside")),
        "{:?}",
        s.notes
    );

    // The errors file: CSV that Excel opens (BOM, semicolons, CRLF).
    let out = std::fs::read_to_string(&errors).unwrap();
    assert!(
        out.starts_with("\u{feff}Nama;No WA;Saldo;Alamat;reason\r\n"),
        "{out}"
    );
    // Its 150.125 written so that importing it again cannot read 150,125.
    assert!(
        out.contains("\r\nRounded;0878-8888-9999;150.1250;;\"invalid_amount:"),
        "{out}"
    );
    let again = write(dir.path(), "again.csv", out.as_bytes());
    let s = import(&mut db, &again, &ImportOptions::default()).unwrap();
    assert_eq!(
        lines_and_codes(&s),
        [(2, "invalid_amount"), (3, "invalid_whatsapp")]
    );

    // Another sheet by name (case aside); a missing one is refused by name.
    let lain = |sheet: &str| ImportOptions {
        sheet: Some(sheet.into()),
        ..Default::default()
    };
    let s = import(&mut db, &file, &lain("lain")).unwrap();
    assert_eq!((s.sheet.as_deref(), s.imported), (Some("Lain"), 1));
    let e = import(&mut db, &file, &lain("Nope")).unwrap_err();
    assert_eq!(e.field(), Some("sheet"));
    assert!(e.to_string().contains("Pelanggan, Lain"), "{e}");
}

/// A minimal OpenDocument spreadsheet, as LibreOffice would store the cells.
fn ods(dir: &Path, rows: &[&str]) -> PathBuf {
    let path = dir.join("pelanggan.ods");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#,
    )
    .unwrap();
    zip.start_file("content.xml", stored).unwrap();
    let body: String = rows
        .iter()
        .map(|r| format!("<table:table-row>{r}</table:table-row>"))
        .collect();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Data">{body}</table:table></office:spreadsheet></office:body>
</office:document-content>"#
    )
    .unwrap();
    zip.finish().unwrap();
    path
}

fn text(t: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#
    )
}

fn number(v: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_ods_workbook_is_imported_with_the_same_rules() {
    let (dir, mut db) = open();
    let rows = [
        format!("{}{}{}", text("Nama"), text("WA"), text("Saldo")),
        format!(
            "{}{}{}",
            text("Budi"),
            number("81234567890"),
            number("25000.5")
        ),
        format!(
            "{}{}{}",
            text("Sari"),
            text("0813-1111-2222"),
            number("1.005")
        ),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let file = ods(dir.path(), &rows);
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    assert_eq!(
        (s.format, s.sheet.as_deref(), s.imported, s.rejected),
        (Format::Ods, Some("Data"), 1, 1)
    );
    assert_eq!(lines_and_codes(&s), [(3, "invalid_amount")]);
    assert_eq!(
        common::get(&db, "+6281234567890").balance.to_string(),
        "25000.50"
    );
}

#[test]
fn files_that_are_not_spreadsheets_are_refused_without_their_bytes() {
    let (dir, mut db) = open();
    let mut zip_bytes = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut zip_bytes));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("readme.txt", stored).unwrap();
        zip.write_all(b"SECRET-TEXT-INSIDE").unwrap();
        zip.finish().unwrap();
    }
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    gzip.extend_from_slice(&binary);
    let cases: [(&str, &[u8], &str); 5] = [
        ("customers.csv.gz", &gzip, "gzip"),
        ("archive.zip", &zip_bytes, "ZIP"),
        (
            "report.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            "PDF",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0",
            ".xls",
        ),
        ("data.bin", &binary, "binary"),
    ];
    for (name, bytes, what) in cases {
        let file = write(dir.path(), name, bytes);
        let e = import(&mut db, &file, &ImportOptions::default()).unwrap_err();
        let message = e.to_string();
        assert_eq!(e.code(), "not_a_spreadsheet", "{name}: {message}");
        assert!(
            message.contains(name) && message.contains(what),
            "{message}"
        );
        assert!(
            message.chars().all(|c| !c.is_control()) && !message.contains("SECRET"),
            "{message}"
        );
    }
    assert_eq!(count(&db), 0);
}

#[test]
fn a_row_larger_than_one_megabyte_is_a_row_error() {
    let (dir, mut db) = open();
    let big = "x".repeat(2 * 1024 * 1024);
    let file = write(
        dir.path(),
        "big.csv",
        format!(
            "name,whatsapp,notes\nBudi,0812-3456-7890,ok\nBig,0813-1111-2222,\"{big}\"\nSari,0857-1234-5678,\n"
        )
        .as_bytes(),
    );
    let errors = dir.path().join("rejected.csv");
    let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
    assert_eq!((s.imported, s.rejected), (2, 1));
    assert_eq!(lines_and_codes(&s), [(3, "row_too_large")]);
    assert!(
        s.errors[0].message.contains("2.0 MB"),
        "{}",
        s.errors[0].message
    );
    assert!(std::fs::metadata(&errors).unwrap().len() < 4096);

    // A quote left open: the rest of the file is one row, refused, not kept.
    let rest = "Late,0821-4444-5555,\n".repeat(60_000);
    let file = write(
        dir.path(),
        "open-quote.csv",
        format!("name,whatsapp,notes\nDewi,0878-8888-9999,\"oops\n{rest}").as_bytes(),
    );
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    assert_eq!(lines_and_codes(&s), [(2, "row_too_large")]);
    assert_eq!(count(&db), 2);
}

#[test]
fn line_numbers_are_right_with_crlf_lf_and_cells_spanning_lines() {
    for end in ["\r\n", "\n"] {
        let (dir, mut db) = open();
        let plain = [
            "name,whatsapp",
            "A,0812-3456-7890",
            "B,0813-1111-2222",
            "Bad,123",
            "",
        ]
        .join(end);
        let file = write(dir.path(), "plain.csv", plain.as_bytes());
        let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
        assert_eq!(lines_and_codes(&s), [(4, "invalid_whatsapp")], "{end:?}");

        let spanning = [
            "name,whatsapp,address",
            "Budi,0857-1234-5678,\"Jl. Melati 5",
            "Bandung\"",
            "Sari,0878-8888-9999,",
            "Bad,123,",
            "",
        ]
        .join(end);
        let file = write(dir.path(), "spanning.csv", spanning.as_bytes());
        let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
        assert_eq!(lines_and_codes(&s), [(5, "invalid_whatsapp")], "{end:?}");
        // A line break typed in a cell is kept, as LF, whatever the file used.
        assert_eq!(
            common::get(&db, "085712345678").address.as_deref(),
            Some("Jl. Melati 5\nBandung")
        );
    }
}

#[test]
fn a_control_character_in_an_address_is_still_refused() {
    let (dir, mut db) = open();
    let file = write(
        dir.path(),
        "bell.csv",
        b"name,whatsapp,address\r\nBudi,0812-3456-7890,\"a\x07b\"\r\n",
    );
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    assert_eq!(lines_and_codes(&s), [(2, "validation")]);
    assert_eq!(s.errors[0].field, Some("address"));
}

#[test]
fn the_errors_file_keeps_the_inputs_shape() {
    let (dir, mut db) = open();
    // UTF-8 without BOM, commas, CRLF: the errors file the same.
    let file = write(
        dir.path(),
        "in.csv",
        b"name,whatsapp\r\nBudi,0812-3456-7890\r\nBad,123\r\n",
    );
    let errors = dir.path().join("rejected.csv");
    let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let out = std::fs::read(&errors).unwrap();
    assert!(out.starts_with(b"name,whatsapp,reason\r\nBad,123,invalid_whatsapp:"));
    assert!(out.ends_with(b"\r\n"));

    // Windows-1252: written as UTF-8 with a BOM (Excel shows it right), said so.
    let (dir, mut db) = open();
    let file = write(dir.path(), "old.csv", b"nama;hp\nJos\xe9;123\n");
    let errors = dir.path().join("rejected.csv");
    let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
    assert_eq!(s.encoding, Some(Encoding::Windows1252));
    let out = std::fs::read_to_string(&errors).unwrap();
    assert!(
        out.starts_with("\u{feff}nama;hp;reason\nJosé;123;"),
        "{out}"
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("Windows-1252") && n.contains("BOM")),
        "{:?}",
        s.notes
    );
}

#[test]
fn no_errors_file_is_written_when_nothing_is_rejected() {
    let (dir, mut db) = open();
    let file = write(
        dir.path(),
        "good.csv",
        b"name,whatsapp\nBudi,0812-3456-7890\n",
    );
    let errors = dir.path().join("rejected.csv");
    let s = import(&mut db, &file, &with_errors(&errors)).unwrap();
    assert_eq!((s.imported, s.errors_file.as_ref()), (1, None));
    assert_eq!(s.notes, ["no rows rejected: no errors file written"]);
    assert!(!errors.exists());
    assert!(!dir.path().join("rejected.csv.partial").exists());

    // An old errors file replaced with force but nothing to write: kept, and said.
    std::fs::write(&errors, "old").unwrap();
    let file = write(
        dir.path(),
        "more.csv",
        b"name,whatsapp\nSari,0813-1111-2222\n",
    );
    let options = ImportOptions {
        force: true,
        ..with_errors(&errors)
    };
    let s = import(&mut db, &file, &options).unwrap();
    assert!(s.notes[0].contains("left as it was"), "{:?}", s.notes);
    assert_eq!(std::fs::read_to_string(&errors).unwrap(), "old");
}

#[test]
fn a_bad_errors_file_is_refused_before_anything_is_imported() {
    let (dir, mut db) = open();
    let body = b"name,whatsapp\nBudi,0812-3456-7890\nBad,123\n";
    let file = write(dir.path(), "x.csv", body);
    let existing = write(dir.path(), "old-rejects.csv", b"keep me");
    let db_path = db.path().to_path_buf();
    let wal = PathBuf::from(format!("{}-wal", db_path.display()));
    let force = |target: &Path, force: bool| ImportOptions {
        force,
        ..with_errors(target)
    };
    let cases = [
        (force(&existing, false), "file_exists"),
        (force(&file, false), "protected_file"),
        (force(&file, true), "protected_file"),
        (force(&db_path, true), "protected_file"),
        (force(&wal, true), "protected_file"),
        (force(dir.path(), true), "not_regular_file"),
        (force(&dir.path().join("rejects.xlsx"), true), "validation"),
        (
            force(&dir.path().join("no/such/rejects.csv"), true),
            "validation",
        ),
    ];
    for (options, code) in cases {
        for dry_run in [false, true] {
            let options = ImportOptions {
                dry_run,
                ..options.clone()
            };
            let e = import(&mut db, &file, &options).unwrap_err();
            assert_eq!(e.code(), code, "{:?}: {e}", options.errors_file);
        }
    }
    assert_eq!(count(&db), 0);
    assert_eq!(std::fs::read(&file).unwrap(), body);
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    // With force, an existing errors file is replaced.
    let s = import(&mut db, &file, &force(&existing, true)).unwrap();
    assert_eq!((s.imported, s.rejected), (1, 1));
    assert!(
        std::fs::read_to_string(&existing)
            .unwrap()
            .starts_with("name,whatsapp,reason\nBad,123,")
    );
}
