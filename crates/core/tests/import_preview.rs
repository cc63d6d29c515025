//! The import's preview on files as shops have them (UTF-8 with and without
//! a BOM, Windows-1252 from an old Excel, semicolons, a workbook): the
//! detected shape, the header's mapping (editable, and a column left out),
//! the first rows, and the header problems the import would refuse, found
//! before it runs. The preview and the import agree: what it maps is what
//! the import reads.

mod common;

use std::path::{Path, PathBuf};

use common::open;
use pelanggan_core::import::{
    self, Encoding, Field, Format, ImportOptions, ImportPreview, Mapping, PREVIEW_ROWS,
};
use pelanggan_core::progress::Cancel;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn map(column: &str, field: Option<Field>) -> Mapping {
    Mapping {
        column: column.into(),
        field,
    }
}

/// Each column's header and field, as `header=field` (`-`: not imported).
fn mapping(p: &ImportPreview) -> Vec<String> {
    p.columns
        .iter()
        .map(|c| {
            let field = c.field.map_or("-".to_owned(), |f| f.to_string());
            format!("{}={field}{}", c.header, if c.mapped { "*" } else { "" })
        })
        .collect()
}

fn cells(p: &ImportPreview) -> Vec<(u64, Vec<&str>)> {
    p.rows
        .iter()
        .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
        .collect()
}

#[test]
fn utf8_with_commas_is_previewed_with_its_header_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "a.csv",
        "name,whatsapp,kota,Saldo\nJosé,0812-3456-7890,Bandung,150000\n\n,,,\nSari,0813-1111-2222,,\n"
            .as_bytes(),
    );
    let p = import::preview(&file, None, &[]).unwrap();
    assert_eq!(p.format, Format::Csv);
    assert_eq!(p.encoding, Some(Encoding::Utf8));
    assert_eq!(p.delimiter.as_deref(), Some(","));
    assert_eq!(p.sheet, None);
    assert!(p.sheets.is_empty());
    assert_eq!(
        mapping(&p),
        ["name=name", "whatsapp=whatsapp", "kota=-", "Saldo=balance"]
    );
    // Blank rows are skipped, as the import skips them; lines are the file's.
    assert_eq!(
        cells(&p),
        [
            (2, vec!["José", "0812-3456-7890", "Bandung", "150000"]),
            (5, vec!["Sari", "0813-1111-2222", "", ""]),
        ]
    );
    assert_eq!(p.problem, None);
}

#[test]
fn windows_1252_with_semicolons_and_crlf_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    // "Café" and "Jl. Pasar Baru 5" as an Indonesian-locale Excel saves them:
    // Windows-1252 bytes (0xE9 is é), semicolons, CRLF.
    let file = write(
        dir.path(),
        "excel.csv",
        b"Nama;No WA;Alamat;Catatan\r\nCaf\xe9 Bu Tini;0812-3456-7890;Jl. Pasar Baru 5;\xabVIP\xbb\r\n",
    );
    let p = import::preview(&file, None, &[]).unwrap();
    assert_eq!(p.encoding, Some(Encoding::Windows1252));
    assert_eq!(p.delimiter.as_deref(), Some(";"));
    assert_eq!(
        mapping(&p),
        [
            "Nama=name",
            "No WA=whatsapp",
            "Alamat=address",
            "Catatan=notes"
        ]
    );
    assert_eq!(
        cells(&p),
        [(
            2,
            vec![
                "Café Bu Tini",
                "0812-3456-7890",
                "Jl. Pasar Baru 5",
                "«VIP»"
            ]
        )]
    );
}

#[test]
fn a_bom_is_named_and_left_out_of_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bom.csv",
        "\u{feff}Nama;HP\r\nBudi;0812-3456-7890\r\n".as_bytes(),
    );
    let p = import::preview(&file, None, &[]).unwrap();
    assert_eq!(p.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(mapping(&p), ["Nama=name", "HP=whatsapp"]);
}

#[test]
fn only_the_first_rows_are_read_and_long_cells_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("name,whatsapp,notes\n");
    for i in 0..50 {
        csv.push_str(&format!("P{i},0812{:08},{}\n", i, "x".repeat(1000)));
    }
    let file = write(dir.path(), "many.csv", csv.as_bytes());
    let p = import::preview(&file, None, &[]).unwrap();
    assert_eq!(p.rows.len(), PREVIEW_ROWS);
    assert_eq!(p.rows[9].line, 11);
    let note = &p.rows[0].cells[2];
    assert_eq!(note.chars().count(), 201, "200 characters and an ellipsis");
    assert!(note.ends_with('…'));
}

#[test]
fn header_problems_are_reported_and_mended_by_mappings() {
    let dir = tempfile::tempdir().unwrap();
    // Two columns read as WhatsApp ("HP" and "WhatsApp"), none as the name.
    let file = write(
        dir.path(),
        "odd.csv",
        b"Pelanggan,HP,WhatsApp\nBudi,021-555-1234,0812-3456-7890\n",
    );
    let p = import::preview(&file, None, &[]).unwrap();
    assert_eq!(
        mapping(&p),
        ["Pelanggan=-", "HP=whatsapp", "WhatsApp=whatsapp"]
    );
    let problem = p.problem.expect("two columns claim whatsapp");
    assert_eq!(
        (problem.code.as_str(), problem.field),
        ("validation", Some("header"))
    );

    // The user names the customer column and makes HP the phone.
    let mappings = [
        map("pelanggan", Some(Field::Name)),
        map("HP", Some(Field::Phone)),
    ];
    let p = import::preview(&file, None, &mappings).unwrap();
    assert_eq!(
        mapping(&p),
        ["Pelanggan=name*", "HP=phone*", "WhatsApp=whatsapp"]
    );
    assert_eq!(p.problem, None);

    // Leaving HP out instead works too.
    let p = import::preview(
        &file,
        None,
        &[map("pelanggan", Some(Field::Name)), map("HP", None)],
    )
    .unwrap();
    assert_eq!(
        mapping(&p),
        ["Pelanggan=name*", "HP=-*", "WhatsApp=whatsapp"]
    );
    assert_eq!(p.problem, None);

    // A mapping naming no column is the import's error too.
    let p = import::preview(
        &file,
        None,
        &[
            map("pelanggan", Some(Field::Name)),
            map("HP", Some(Field::Phone)),
            map("Kontak", Some(Field::Email)),
        ],
    )
    .unwrap();
    assert_eq!(p.problem.map(|e| e.field), Some(Some("map")));
}

#[test]
fn the_import_reads_the_columns_as_the_preview_mapped_them() {
    let (dir, mut db) = open();
    let file = write(
        dir.path(),
        "odd.csv",
        b"Pelanggan;HP;WhatsApp;Kota\nBudi;021-555-1234;0812-3456-7890;Bandung\n",
    );
    let mappings = vec![
        map("Pelanggan", Some(Field::Name)),
        map("HP", None),
        map("Kota", Some(Field::Address)),
    ];
    let p = import::preview(&file, None, &mappings).unwrap();
    assert_eq!(p.problem, None);
    let options = ImportOptions {
        mappings,
        ..Default::default()
    };
    let summary =
        import::import_customers(&mut db, None, &file, &options, &mut |_| {}, &Cancel::new())
            .unwrap();
    assert_eq!((summary.imported, summary.rejected), (1, 0));
    assert_eq!(summary.ignored_columns, ["HP"]);
    let budi = common::get(&db, "+6281234567890");
    assert_eq!(
        (
            budi.name.as_str(),
            budi.address.as_deref(),
            budi.phone.as_ref().map(|p| p.as_str())
        ),
        ("Budi", Some("Bandung"), None)
    );
}

#[test]
fn a_workbook_is_previewed_from_its_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pelanggan.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let first = book.add_worksheet();
    first.set_name("Catatan").unwrap();
    first.write_string(0, 0, "not customers").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Pelanggan").unwrap();
    sheet.write_string(0, 0, "Nama").unwrap();
    sheet.write_string(0, 1, "No WA").unwrap();
    sheet.write_string(1, 0, "Budi").unwrap();
    sheet.write_number(1, 1, 81234567890.0).unwrap();
    book.save(&path).unwrap();

    let p = import::preview(&path, Some("pelanggan"), &[]).unwrap();
    assert_eq!(p.format, Format::Xlsx);
    assert_eq!((p.encoding, p.delimiter.as_deref()), (None, None));
    assert_eq!(p.sheet.as_deref(), Some("Pelanggan"));
    assert_eq!(p.sheets, ["Catatan", "Pelanggan"]);
    assert_eq!(mapping(&p), ["Nama=name", "No WA=whatsapp"]);
    // A number is shown in full, as the import reads it.
    assert_eq!(cells(&p), [(2, vec!["Budi", "81234567890"])]);
}

#[test]
fn a_file_the_import_refuses_is_refused_by_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "x.pdf", b"%PDF-1.7\n1 0 obj\n");
    assert_eq!(
        import::preview(&pdf, None, &[]).unwrap_err().code(),
        "not_a_spreadsheet"
    );
    let missing = dir.path().join("gone.csv");
    assert_eq!(
        import::preview(&missing, None, &[]).unwrap_err().code(),
        "io"
    );
    let csv = write(dir.path(), "a.csv", b"name,whatsapp\n");
    assert_eq!(
        import::preview(&csv, Some("Sheet1"), &[])
            .unwrap_err()
            .field(),
        Some("sheet")
    );
}
