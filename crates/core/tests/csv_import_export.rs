//! CSV import and export on real files: encodings, delimiters, headers,
//! amounts, bad rows, duplicates, dry runs, cancel, round trips.

mod common;

use std::path::{Path, PathBuf};

use common::{open, snapshot};
use pelanggan_core::export::{self, CsvOptions};
use pelanggan_core::import::{self, Encoding, ImportOptions, ImportSummary, OnDuplicate};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::Filter;
use pelanggan_core::{Db, Error, customers};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import(db: &mut Db, file: &Path, options: &ImportOptions) -> Result<ImportSummary, Error> {
    import::import_customers(db, None, file, options, &mut |_| {}, &Cancel::new())
}

fn names(db: &Db) -> Vec<String> {
    let mut stmt = db
        .conn()
        .prepare("SELECT name FROM customers ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

const MIXED: &str = "\u{feff}Nama;No WA;E-mail;Saldo;Label;Catatan;Kota\n\
Budi Santoso;0812-3456-7890;budi@example.co.id;Rp 150.000;VIP:#ffaa00, Corporate;;Bandung\n\
Sari;+62 813 1111 2222;;-25.000;;\"baris \"\"dua\"\"\";Jakarta\n\
Bad number;12345;;;;;\n\
Twice;0812 3456 7890;;;;;\n\
Ambiguous;0857-1234-5678;;0.500;;;\n\
No name; 0878-8888-9999;;;;;\n\
;0878-8888-9999;;;;;\n\
Too long;0821-1111-3333;;;;;;extra\n\
Dewi;(0821) 44445555;dewi@mail.id;1.500.000,50;VIP;;\n";

#[test]
fn a_mixed_spreadsheet_imports_its_good_rows_and_reports_the_rest() {
    let (dir, mut db) = open();
    let errors = dir.path().join("rejected.csv");
    let file = write(dir.path(), "pelanggan.csv", MIXED.as_bytes());
    let options = ImportOptions {
        errors_file: Some(errors.clone()),
        ..Default::default()
    };
    let s = import(&mut db, &file, &options).unwrap();
    assert_eq!(s.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(s.delimiter.as_deref(), Some(";"));
    assert_eq!(s.ignored_columns, vec!["Kota".to_string()]);
    assert_eq!((s.rows, s.imported, s.rejected), (9, 4, 5));
    assert_eq!(names(&db), ["Budi Santoso", "Sari", "No name", "Dewi"]);

    let budi = common::get(&db, "081234567890");
    assert_eq!(budi.balance.to_string(), "150000.00");
    let tags: Vec<_> = budi
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.color.as_str()))
        .collect();
    assert_eq!(tags, [("Corporate", "#007bff"), ("VIP", "#ffaa00")]);
    let sari = common::get(&db, "081311112222");
    assert_eq!(sari.balance.to_string(), "-25000.00");
    assert_eq!(sari.notes.as_deref(), Some("baris \"dua\""));
    assert_eq!(
        common::get(&db, "+6282144445555").balance.to_string(),
        "1500000.50"
    );
    common::assert_ledger_invariant(db.reader().unwrap());

    let reported: Vec<_> = s.errors.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(
        reported,
        [
            (4, "invalid_whatsapp"),
            (5, "duplicate_whatsapp"),
            (6, "invalid_amount"),
            (8, "validation"),
            (9, "validation"),
        ]
    );
    assert_eq!(s.errors[0].data[0], "Bad number");
    assert_eq!(s.errors[3].field, Some("name"));
    assert_eq!(s.errors[4].field, Some("row"));

    // The rejected rows come back as read, plus a reason, ready to fix and
    // re-import: with the input's BOM, delimiter and line ends.
    let text = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(s.errors_file.as_deref(), Some(errors.as_path()));
    assert!(text.starts_with('\u{feff}') && !text.contains('\r'));
    let lines: Vec<_> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Nama;No WA;E-mail;Saldo;Label;Catatan;Kota;reason"
    );
    assert!(
        lines[1].starts_with("Bad number;12345;;;;;;invalid_whatsapp:"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 6);
    let fixed = text
        .replace("Bad number;12345", "Bad number;0899-1234-5678")
        .replace(
            "Ambiguous;0857-1234-5678;;0.500",
            "Ambiguous;0857-1234-5678;;500",
        );
    let refile = write(dir.path(), "fixed.csv", fixed.as_bytes());
    let again = import(&mut db, &refile, &ImportOptions::default()).unwrap();
    assert_eq!((again.imported, again.rejected), (2, 3));
    assert_eq!(
        again.ignored_columns,
        vec!["Kota".to_string(), "reason".to_string()]
    );
}

#[test]
fn a_dry_run_reports_everything_and_writes_nothing() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let file = write(dir.path(), "a.csv", MIXED.as_bytes());
    let before = snapshot(&db);
    let dry = import(
        &mut db,
        &file,
        &ImportOptions {
            dry_run: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(snapshot(&db), before);
    assert!(dry.dry_run);
    let real = import(&mut db, &file, &ImportOptions::default()).unwrap();
    let codes = |s: &ImportSummary| {
        s.errors
            .iter()
            .map(|e| (e.line, e.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (dry.rows, dry.imported, dry.rejected, codes(&dry)),
        (real.rows, real.imported, real.rejected, codes(&real))
    );
}

#[test]
fn duplicates_skip_update_or_fail() {
    let (dir, mut db) = open();
    let file = write(
        dir.path(),
        "a.csv",
        b"name,whatsapp,email,tags\nBudi,0812-3456-7890,budi@a.id,VIP\nSari,0813-1111-2222,,\n",
    );
    import(&mut db, &file, &ImportOptions::default()).unwrap();

    // Re-importing the same file with skip changes nothing at all.
    let before = snapshot(&db);
    let skip = ImportOptions {
        on_duplicate: OnDuplicate::Skip,
        ..Default::default()
    };
    let s = import(&mut db, &file, &skip).unwrap();
    assert_eq!((s.imported, s.skipped, s.rejected), (0, 2, 0));
    assert_eq!(snapshot(&db), before);

    // fail (the default) rejects each duplicate row and keeps the others.
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    assert_eq!((s.imported, s.rejected), (0, 2));
    assert!(s.errors.iter().all(|e| e.code == "duplicate_whatsapp"));
    assert_eq!(snapshot(&db), before);

    // update applies the row's non-empty fields and adds missing tags.
    let changed = write(
        dir.path(),
        "b.csv",
        b"name,whatsapp,email,tags\nBudi Santoso,+62 812 3456 7890,,VIP;Baru\nAni,0857-1234-5678,,\nAni lagi,0857 1234 5678,ani@x.id,\n",
    );
    let s = import(
        &mut db,
        &changed,
        &ImportOptions {
            on_duplicate: OnDuplicate::Update,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((s.imported, s.updated, s.rejected), (1, 2, 0));
    let budi = common::get(&db, "081234567890");
    assert_eq!(budi.name, "Budi Santoso");
    assert_eq!(budi.email.as_deref(), Some("budi@a.id"));
    assert_eq!(budi.tags.len(), 2);
    // A number twice in one file: the second row updates the first.
    let ani = common::get(&db, "085712345678");
    assert_eq!(
        (ani.name.as_str(), ani.email.as_deref()),
        ("Ani lagi", Some("ani@x.id"))
    );
}

#[test]
fn windows_1252_and_tabs_are_read() {
    let (dir, mut db) = open();
    let mut bytes = b"nama\tno_hp\tcatatan\nJos".to_vec();
    bytes.push(0xE9); // é in Windows-1252, invalid as UTF-8
    bytes.extend_from_slice(b"\t0812-3456-7890\tCaf");
    bytes.push(0xE9);
    bytes.push(b'\n');
    let file = write(dir.path(), "old-excel.csv", &bytes);
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    assert_eq!(
        (s.encoding, s.delimiter.as_deref(), s.imported),
        (Some(Encoding::Windows1252), Some("\t"), 1)
    );
    let c = common::get(&db, "081234567890");
    assert_eq!(
        (c.name.as_str(), c.notes.as_deref()),
        ("José", Some("Café"))
    );
}

#[test]
fn a_file_without_the_needed_columns_is_refused_whole() {
    let (dir, mut db) = open();
    let before = snapshot(&db);
    let file = write(dir.path(), "a.csv", b"nama,kota\nBudi,Bandung\n");
    let e = import(&mut db, &file, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.field()),
        ("validation", Some("header"))
    );
    // --map names the column.
    let file = write(
        dir.path(),
        "b.csv",
        b"pelanggan,kontak\nBudi,0812-3456-7890\n",
    );
    let options = ImportOptions {
        mappings: vec![
            "pelanggan=name".parse().unwrap(),
            "kontak=whatsapp".parse().unwrap(),
        ],
        ..Default::default()
    };
    assert_eq!(snapshot(&db), before);
    assert_eq!(import(&mut db, &file, &options).unwrap().imported, 1);
}

#[test]
fn a_cancelled_import_leaves_the_database_as_before() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let mut csv = String::from("name,whatsapp\n");
    for i in 0..2_000 {
        csv.push_str(&format!("Pelanggan {i},0812{:08}\n", 10_000_000 + i));
    }
    let file = write(dir.path(), "big.csv", csv.as_bytes());
    let before = snapshot(&db);
    let (error, calls) = import_cancelled_at(&mut db, &file, 1_000);
    assert_eq!(error.code(), "cancelled");
    assert!(calls >= 2);
    assert_eq!(snapshot(&db), before);
}

/// Imports `file`, cancelling once `rows` rows are done: the import's error
/// and how many times it reported progress (never past the file's end).
fn import_cancelled_at(db: &mut Db, file: &Path, rows: u64) -> (Error, u32) {
    let cancel = Cancel::new();
    let mut calls = 0;
    let result = import::import_customers(
        db,
        None,
        file,
        &ImportOptions::default(),
        &mut |p| {
            calls += 1;
            assert!(p.done <= p.total);
            if p.rows >= rows {
                cancel.cancel();
            }
        },
        &cancel,
    );
    (result.unwrap_err(), calls)
}

#[test]
fn readers_keep_reading_during_an_import() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let mut csv = String::from("name,whatsapp\n");
    for i in 0..3_000 {
        csv.push_str(&format!("Pelanggan {i},0812{:08}\n", 10_000_000 + i));
    }
    let file = write(dir.path(), "big.csv", csv.as_bytes());
    let path = db.path().to_path_buf();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let db = Db::open(&path).unwrap();
            let mut reads = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Sees the committed state only: the one customer, never a half import.
                let page = customers::list(db.reader().unwrap(), &Default::default()).unwrap();
                assert!(page.total == 1 || page.total == 3_001, "{}", page.total);
                reads += 1;
            }
            reads
        })
    };
    let s = import(&mut db, &file, &ImportOptions::default()).unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(s.imported, 3_000);
    assert!(reader.join().unwrap() > 0);
}

/// A base with every kind of field, including text a spreadsheet would run.
fn varied_base(db: &mut Db) {
    use pelanggan_core::Money;
    use pelanggan_core::customers::{NewCustomer, Status};
    use pelanggan_core::tags::TagInput;
    let rows = [
        (
            "Budi Santoso",
            "0812-3456-7890",
            Some("budi@example.co.id"),
            "150000.50",
            Status::Active,
            vec!["VIP:#ffaa00", "Corporate"],
        ),
        (
            "=HYPERLINK(\"http://x\")",
            "0813-1111-2222",
            None,
            "-25000",
            Status::Inactive,
            vec![],
        ),
        (
            "Sari; \"Ibu\", Warung",
            "0857-1234-5678",
            Some("sari@warung.id"),
            "0",
            Status::Blacklisted,
            vec!["VIP"],
        ),
        (
            "@dewi",
            "0878-8888-9999",
            None,
            "1",
            Status::Active,
            vec!["-minus"],
        ),
    ];
    for (name, wa, email, balance, status, tags) in rows {
        db.write(None, |w| {
            customers::add(
                w,
                NewCustomer {
                    name: name.into(),
                    whatsapp: wa.into(),
                    email: email.map(Into::into),
                    phone: Some("(021) 5795 1234".into()),
                    address: Some("Jl. Merdeka 1\nBandung".into()),
                    notes: Some("+ catatan, \"kutip\"".into()),
                    initial_balance: Some(Money::parse("balance", balance)?),
                    tags: tags
                        .iter()
                        .map(|t| TagInput::parse(t))
                        .collect::<Result<_, _>>()?,
                    status: Some(status),
                },
            )
        })
        .unwrap();
    }
}

fn export_customers(db: &Db, file: &Path, excel: bool) -> String {
    let s = export::customers(
        db.reader().unwrap(),
        file,
        &Filter::default(),
        CsvOptions {
            excel,
            ..CsvOptions::default()
        },
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!(s.rows, 4);
    String::from_utf8(std::fs::read(file).unwrap()).unwrap()
}

/// The rows without the columns a new database gives new values (id, times).
fn comparable(csv: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [1, 2, 3, 4, 5, 6, 8, 9, 10]
                .iter()
                .map(|i| r[*i].to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn export_then_import_round_trips_a_customer_base() {
    for excel in [false, true] {
        let (dir, mut db) = open();
        varied_base(&mut db);
        let first = export_customers(&db, &dir.path().join("a.csv"), excel);
        let (_dir2, mut fresh) = open();
        let s = import(
            &mut fresh,
            &dir.path().join("a.csv"),
            &ImportOptions::default(),
        )
        .unwrap();
        assert_eq!((s.imported, s.rejected), (4, 0), "{:?}", s.errors);
        let second = export_customers(&fresh, &dir.path().join("b.csv"), excel);
        let delimiter = if excel { b';' } else { b',' };
        assert_eq!(
            comparable(&first, delimiter),
            comparable(&second, delimiter)
        );
        assert_eq!(comparable(&first, delimiter).len(), 4);
    }
}

#[test]
fn exports_are_safe_for_spreadsheets() {
    let (dir, mut db) = open();
    varied_base(&mut db);
    let plain = export_customers(&db, &dir.path().join("a.csv"), false);
    assert!(plain.starts_with(
        "id,name,whatsapp,email,phone,address,balance,total_spent,status,tags,notes,created_at,updated_at\r\n"
    ));
    assert!(
        plain.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",'+6281311112222,"),
        "{plain}"
    );
    assert!(plain.contains(",'@dewi,"));
    assert!(
        plain.contains(",-25000.00,0.00,inactive,"),
        "amounts stay numbers"
    );
    assert!(plain.contains("'-minus:#007bff"));
    let excel = export_customers(&db, &dir.path().join("b.csv"), true);
    assert!(excel.starts_with("\u{feff}id;name;whatsapp;"));
}

#[test]
fn ledger_export_by_date() {
    let (dir, mut db) = open();
    varied_base(&mut db);
    let file = dir.path().join("ledger.csv");
    let today = db.reader().unwrap().today();
    let all = export::ledger(
        db.reader().unwrap(),
        &file,
        Some(today),
        Some(today),
        CsvOptions {
            force: true,
            ..CsvOptions::default()
        },
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!(all.rows, 3);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(&export::LEDGER_COLUMNS.join(",")));
    assert!(text.contains(",debit,25000.00,0.00,-25000.00,Initial balance,"));
    let past = today - chrono::Days::new(30);
    let none = export::ledger(
        db.reader().unwrap(),
        &file,
        Some(past),
        Some(past),
        CsvOptions {
            force: true,
            ..CsvOptions::default()
        },
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!(none.rows, 0);
    let e = export::ledger(
        db.reader().unwrap(),
        &file,
        Some(today),
        Some(past),
        CsvOptions {
            force: true,
            ..CsvOptions::default()
        },
        &mut |_| {},
        &Cancel::new(),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("from"));
}

#[test]
fn export_takes_the_list_filters() {
    let (dir, mut db) = open();
    varied_base(&mut db);
    let file = dir.path().join("f.csv");
    let run = |filter: Filter| {
        export::customers(
            db.reader().unwrap(),
            &file,
            &filter,
            CsvOptions {
                force: true,
                ..CsvOptions::default()
            },
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap()
        .rows
    };
    assert_eq!(
        run(Filter {
            search: Some("budi".into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        run(Filter {
            tags_any: vec!["vip".into()],
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        run(Filter {
            balance: Some(pelanggan_core::search::BalanceKind::Debt),
            ..Default::default()
        }),
        1
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(comparable(&text, b',').len(), 1, "the one customer in debt");
    assert!(text.contains(",-25000.00,"));
}

#[test]
fn a_program_can_open_the_database_while_an_import_runs() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let mut csv = String::from("name,whatsapp\n");
    for i in 0..3_000 {
        csv.push_str(&format!("Pelanggan {i},0812{:08}\n", 10_000_000 + i));
    }
    let file = write(dir.path(), "big.csv", csv.as_bytes());
    let path = db.path().to_path_buf();
    let mut opened = 0;
    import::import_customers(
        &mut db,
        None,
        &file,
        &ImportOptions::default(),
        &mut |p| {
            // Mid-import, on this thread, while the import holds the write lock:
            // a new connection opens and reads at once (a busy wait would hang here).
            if p.rows == 1_000 {
                let reader = Db::open(&path).expect("open during an import");
                assert_eq!(
                    customers::list(reader.reader().unwrap(), &Default::default())
                        .unwrap()
                        .total,
                    1
                );
                opened += 1;
            }
        },
        &Cancel::new(),
    )
    .unwrap();
    assert_eq!(opened, 1);
}

/// Every index, trigger and table of the file, as its SQL.
fn schema(db: &Db) -> Vec<(String, Option<String>)> {
    let mut stmt = db
        .conn()
        .prepare("SELECT name, sql FROM sqlite_schema ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A file large against the shop: the customers' indexes are made again at the end.
fn large_file(dir: &Path, rows: u32) -> PathBuf {
    let mut csv = String::from("nama;no_wa;email;saldo;label\n");
    for i in 0..rows {
        // Numbers out of order, so the rebuilt indexes differ from insertion order.
        let n = (i * 7_919) % rows;
        let balance = ["", "150.000", "-25.000"][(i % 3) as usize];
        csv.push_str(&format!(
            "Pelanggan Nomor {n};0812{:08};pelanggan{n}@contoh.co.id;{balance};VIP, Baru\n",
            10_000_000 + n
        ));
    }
    write(dir, "large.csv", csv.as_bytes())
}

#[test]
fn a_large_import_makes_the_indexes_again_and_leaves_a_sound_file() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let before = schema(&db);
    let s = import(
        &mut db,
        &large_file(dir.path(), 6_000),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!((s.imported, s.rejected), (6_000, 0));
    assert_eq!(schema(&db), before, "every index is back, as it was");
    let check: String = db
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "the indexes hold every row");
    // The list, through the rebuilt indexes, agrees with the data.
    let by_name = customers::list(
        db.reader().unwrap(),
        &customers::ListQuery {
            sort: "name".parse().unwrap(),
            limit: 3,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_name.total, 6_001);
    let names: Vec<&str> = by_name.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Lama", "Pelanggan Nomor 0", "Pelanggan Nomor 1"]);
    let debt = customers::list(
        db.reader().unwrap(),
        &customers::ListQuery {
            filter: pelanggan_core::search::Filter {
                balance: Some("debt".parse().unwrap()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(debt.total, 2_000);
    assert!(debt.items.iter().all(|c| c.balance.is_negative()));
}

#[test]
fn a_cancelled_large_import_leaves_the_file_and_its_indexes_as_before() {
    let (dir, mut db) = open();
    common::add(&mut db, "Lama", "0899-0000-1111");
    let file = large_file(dir.path(), 6_000);
    let (before, schema_before) = (snapshot(&db), schema(&db));
    let (error, _) = import_cancelled_at(&mut db, &file, 3_000);
    assert_eq!(error.code(), "cancelled");
    assert_eq!(snapshot(&db), before);
    assert_eq!(schema(&db), schema_before);
}
