//! Importing customers from CSV, .xlsx and .ods files.
//!
//! The whole import is one transaction: a crash, a kill or a cancel leaves the
//! database exactly as before, and readers on other connections keep reading
//! (WAL) while it runs. Every row goes through the code of `pelanggan
//! customer add`: `customers::check` (every rule that needs no database) on a
//! thread of its own, which reads, decodes and checks while the previous rows
//! are written, then `customers::insert_checked_all` on this one, a batch at a
//! time (the number's uniqueness, then multi-row inserts). A refused row is
//! reported while the others go on; an update of an existing customer runs in
//! a savepoint. A dry run is the same import rolled back. A file large
//! against the shop has the customers' indexes made again once at the end,
//! and the search index is built in one pass.
//!
//! The errors file, if asked for, is checked before anything starts (an
//! existing file needs `force`; the input and the database are never
//! written), is written in the input's own shape (BOM, delimiter, line ends)
//! and only when a row was rejected.

mod header;
mod input;
mod preview;
mod records;
mod sheet;
mod source;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

pub use header::{Field, Mapping};
pub use input::Format;
pub use preview::{ImportColumn, ImportPreview, PREVIEW_ROWS, PreviewRow, preview};
pub use source::Encoding;

use crate::bulk::{self, Bulk};
use crate::customers::{self, CheckedCustomer, NewCustomer, Status};
use crate::db::{Db, Write};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::names::text_enum;
use crate::outfile::{self, Output, Rules};
use crate::phone::Region;
use crate::progress::{Cancel, Progress};
use crate::tags::TagInput;
use crate::warning::Warning;
use header::Columns;
use input::{Row, RowSource};

text_enum! {
    /// What to do with a row whose WhatsApp number is already taken (in the
    /// database, or by an earlier row of the same file).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum OnDuplicate("on_duplicate") {
        /// Leave the existing customer alone; count the row as skipped.
        Skip => "skip",
        /// Update the existing customer with the row's non-empty fields and tags
        /// (the balance column is ignored: balances change only through the ledger).
        Update => "update",
        /// Reject the row as an error (`duplicate_whatsapp`).
        #[default]
        Fail => "fail",
    }
}

/// How to import (the file itself is the call's `path`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportOptions {
    pub dry_run: bool,
    pub on_duplicate: OnDuplicate,
    pub mappings: Vec<Mapping>,
    /// Where to write the rejected rows (as read, plus a reason column).
    /// Checked before the import starts: an existing file is refused unless
    /// `force`; the input, the database and its -wal/-shm always are.
    pub errors_file: Option<PathBuf>,
    /// Replace an existing errors file.
    pub force: bool,
    /// The sheet of an .xlsx or .ods workbook (default: the first visible worksheet).
    pub sheet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowError {
    /// The line of the file where the row starts (the header is line 1);
    /// in a workbook, the spreadsheet's row number.
    pub line: u64,
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub message: String,
    pub data: Vec<String>,
}

/// A warning about an accepted row (a number read as another country's, a
/// WhatsApp number that is not a mobile), with its line; or about the shop's
/// data the file touched (a tag whose colour the file gives otherwise),
/// without one, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowWarning {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub line: Option<u64>,
    #[serde(flatten)]
    pub warning: Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    /// Rows read (blank rows are not counted).
    pub rows: u32,
    pub imported: u32,
    pub updated: u32,
    pub skipped: u32,
    pub rejected: u32,
    pub dry_run: bool,
    pub format: Format,
    /// A CSV file's encoding and delimiter (None for a workbook).
    pub encoding: Option<Encoding>,
    pub delimiter: Option<String>,
    /// The sheet a workbook was read from.
    pub sheet: Option<String>,
    pub ignored_columns: Vec<String>,
    /// The first `MAX_REPORTED_ERRORS` row errors; the errors file has them all.
    pub errors: Vec<RowError>,
    /// The errors file written; None when none was asked for or no row was rejected.
    pub errors_file: Option<PathBuf>,
    /// What a person should know besides the counts (no errors file written,
    /// the errors file's encoding, cells outside the header's columns).
    pub notes: Vec<String>,
    /// The first `MAX_REPORTED_ERRORS` warnings; `warning_count` counts them all.
    pub warnings: Vec<RowWarning>,
    pub warning_count: u32,
}

pub const MAX_REPORTED_ERRORS: usize = 100;
/// The warning about the shop's data rather than a row's: told once.
const SHOP_WIDE: &str = "tag_color_kept";
const PROGRESS_EVERY: u32 = 500;
/// Negative: KiB, as SQLite reads it. 16 MiB: with the customers' indexes
/// made at the end, the pages being written are the right edges of
/// append-only trees; a larger cache only costs memory (measured: 64 MiB was
/// slower and 55 MiB heavier).
const IMPORT_CACHE_KIB: i64 = -16_384;

/// Imports customers from the CSV, .xlsx or .ods file at `path`; see the module doc.
pub fn import_customers(
    db: &mut Db,
    actor: Option<&str>,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ImportSummary> {
    // A bad errors file is refused before anything is read or written.
    let errors_rules = Rules::new(options.force)
        .protect_db(db.path())
        .protect(path, "the file being imported");
    if let Some(target) = &options.errors_file {
        check_errors_file(target, &errors_rules)?;
    }
    let errors_rules = &errors_rules;
    // FTS5 flushes at every statement: index the imported rows once, at the
    // end. A file large against the shop also has the customers' indexes made
    // again at the end, but the number's (the duplicate check reads it).
    let rebuilt = |table: &str, index: &str| table == "customers" && index != "customers_whatsapp";
    let bulk = Bulk {
        actor,
        dry_run: options.dry_run,
        cache_kib: Some(IMPORT_CACHE_KIB),
        rebuilt: if large_against(db, path)? {
            Some(&rebuilt)
        } else {
            None
        },
        defer_search: true,
        ..Bulk::default()
    };
    let summary = bulk::run(db, bulk, |w| {
        run(w, path, options, errors_rules, progress, cancel)
    })?;
    if !options.dry_run && summary.imported + summary.updated > 0 {
        db.checkpoint()?;
    }
    Ok(summary)
}

/// The errors file is CSV: refused where `outfile` refuses it, in a folder
/// that does not exist (found now, not after the import), and under a
/// workbook's name (a spreadsheet program would not open CSV text as one).
fn check_errors_file(target: &Path, rules: &Rules) -> Result<()> {
    outfile::check(target, rules)?;
    let folder = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(Error::validation(
            "errors",
            format!(
                "{}: the folder {} does not exist",
                target.display(),
                folder.display()
            ),
        ));
    }
    let ext = target
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
        return Err(Error::validation(
            "errors",
            format!(
                "{}: the rejected rows are written as CSV, which would not open as .{ext}; name the file .csv",
                target.display()
            ),
        ));
    }
    Ok(())
}

/// Whether the file at `path` likely holds more rows than the shop has
/// customers (and enough to matter): then sorting the customers' indexes once
/// at the end beats a random insert per row into each. A CSV row of a
/// customer takes some 60 bytes and up.
fn large_against(db: &Db, path: &Path) -> Result<bool> {
    const BYTES_PER_ROW: u64 = 64;
    const LARGE_ROWS: u64 = 5_000;
    let rows = std::fs::metadata(path)?.len() / BYTES_PER_ROW;
    let counters = crate::stats::counters(db.conn())?;
    let customers = u64::try_from(counters.customers + counters.deleted).unwrap_or(0);
    Ok(rows >= LARGE_ROWS && rows >= customers)
}

/// The file's shape, its header and a source of the rows under it: what
/// both the import and its preview read first.
fn header_and_rows<'a>(
    path: &Path,
    opened: &'a mut source::Opened,
) -> Result<(Shape, Vec<String>, Box<dyn RowSource + 'a>)> {
    match opened {
        source::Opened::Csv(csv) => {
            let headers = match csv.records.next_record()? {
                None => Vec::new(),
                Some(h) if h.too_large.is_some() => {
                    return Err(input::not_a_spreadsheet(
                        path,
                        "a file without line breaks (its first line is over 1 MB)",
                        "",
                    ));
                }
                Some(h) => h.fields,
            };
            let shape = Shape {
                format: Format::Csv,
                encoding: Some(csv.encoding),
                delimiter: Some(csv.delimiter),
                crlf: csv.crlf,
                sheet: None,
            };
            let rows = Box::new(CsvRows {
                records: &mut csv.records,
            });
            Ok((shape, headers, rows))
        }
        source::Opened::Workbook(book) => {
            let shape = Shape {
                format: book.format,
                encoding: None,
                delimiter: None,
                crlf: true,
                sheet: Some(book.sheet.clone()),
            };
            let (headers, rows) = book.rows(path)?;
            Ok((shape, headers, rows))
        }
    }
}

/// Rows travel from the checking thread to the writing one in batches, a
/// few batches at most in flight: memory stays constant whatever the file.
const BATCH_ROWS: usize = 256;
const BATCHES_IN_FLIGHT: usize = 8;

/// A CSV file's records as rows.
struct CsvRows<'a, R> {
    records: &'a mut records::Records<R>,
}

impl<R: std::io::BufRead + Send> RowSource for CsvRows<'_, R> {
    fn next_row(&mut self) -> Result<Option<Row>> {
        let Some(record) = self.records.next_record()? else {
            return Ok(None);
        };
        let problem = match record.too_large {
            Some(size) => Some(row_too_large(record.line, size)),
            None if record.not_utf8 => Some(Error::validation(
                "row",
                "is not valid text (the file changed while it was read?)",
            )),
            None => None,
        };
        Ok(Some(Row {
            line: record.line,
            cells: record.fields,
            numeric: Vec::new(),
            problem,
            outside_header: false,
        }))
    }
}

fn row_too_large(line: u64, size: u64) -> Error {
    Error::Refused {
        code: crate::error::Code::RowTooLarge,
        field: Some("row"),
        message: format!(
            "the row at line {line} is {:.1} MB, past the 1 MB one row may hold; a quote (\") left open makes the rest of the file one row",
            size as f64 / (1024.0 * 1024.0)
        ),
    }
}

/// What the import read, as the summary and the errors file need it.
struct Shape {
    format: Format,
    encoding: Option<Encoding>,
    delimiter: Option<u8>,
    crlf: bool,
    sheet: Option<String>,
}

/// One row read and checked, on its way to the writer.
struct Checked {
    /// The line of the file where the row starts.
    line: u64,
    record: Vec<String>,
    numeric: Vec<bool>,
    outside_header: bool,
    /// The customer, or why the row is refused before the database is asked.
    outcome: Result<CheckedCustomer>,
}

fn run(
    w: &mut Write<'_>,
    path: &Path,
    options: &ImportOptions,
    errors_rules: &Rules,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ImportSummary> {
    let (mut opened, counter) = source::open(path, options.sheet.as_deref())?;
    let (shape, headers, mut rows) = header_and_rows(path, &mut opened)?;
    let columns = Columns::resolve(&headers, &options.mappings)?;
    let mut rejects = options
        .errors_file
        .as_deref()
        .map(|target| Rejects::new(target, errors_rules, &shape, &headers));

    let mut summary = ImportSummary {
        rows: 0,
        imported: 0,
        updated: 0,
        skipped: 0,
        rejected: 0,
        dry_run: options.dry_run,
        format: shape.format,
        encoding: shape.encoding,
        delimiter: shape.delimiter.map(|d| (d as char).to_string()),
        sheet: shape.sheet.clone(),
        ignored_columns: columns.ignored.clone(),
        errors: Vec::new(),
        errors_file: None,
        warnings: Vec::new(),
        warning_count: 0,
        notes: Vec::new(),
    };
    let mut outside_noted = false;
    let warn = |summary: &mut ImportSummary, line: Option<u64>, warning: Warning| {
        summary.warning_count += 1;
        if summary.warnings.len() < MAX_REPORTED_ERRORS {
            summary.warnings.push(RowWarning { line, warning });
        }
    };
    // A shop-wide warning (a tag's colour) is told once, whatever the batch.
    let mut told: std::collections::HashSet<Warning> = std::collections::HashSet::new();
    let report = |summary: &ImportSummary, progress: &mut dyn FnMut(Progress)| {
        progress(Progress {
            rows: u64::from(summary.rows),
            done: counter.done.load(Ordering::Relaxed),
            total: counter.total,
        })
    };

    // Reading, decoding and checking (phone numbers, amounts, lengths) run on
    // a thread of their own; this one only writes. Dropping the receiver
    // (an error or a cancel here) stops the checker at its next batch.
    let region = w.region();
    let (sender, batches) = mpsc::sync_channel::<Result<Vec<Checked>>>(BATCHES_IN_FLIGHT);
    std::thread::scope(|scope| -> Result<()> {
        let columns = &columns;
        let width = headers.len();
        let rows = &mut rows;
        scope.spawn(move || check_rows(rows.as_mut(), columns, width, region, cancel, &sender));
        for batch in batches {
            cancel.check()?;
            let (written, shop_warnings) = write_batch(w, batch?, options.on_duplicate)?;
            for warning in shop_warnings {
                if told.insert(warning.clone()) {
                    warn(&mut summary, None, warning);
                }
            }
            for (row, outcome) in written {
                summary.rows += 1;
                if row.outside_header && !outside_noted {
                    outside_noted = true;
                    summary.notes.push(format!(
                        "row {} (and perhaps others) has cells outside the header's columns: they were not read; give them a header to import them",
                        row.line
                    ));
                }
                if matches!(outcome, Ok(RowOutcome::Imported | RowOutcome::Updated)) {
                    for warning in row.warnings {
                        // An updated row's tag colour is the shop's too: once.
                        if warning.code != SHOP_WIDE || told.insert(warning.clone()) {
                            warn(&mut summary, Some(row.line), warning);
                        }
                    }
                }
                match outcome {
                    Ok(RowOutcome::Imported) => summary.imported += 1,
                    Ok(RowOutcome::Updated) => summary.updated += 1,
                    Ok(RowOutcome::Skipped) => summary.skipped += 1,
                    Err(e) if e.is_rejected_input() => {
                        summary.rejected += 1;
                        let data = row.record;
                        if let Some(rejects) = &mut rejects {
                            rejects.write(&data, &row.numeric, &e)?;
                        }
                        if summary.errors.len() < MAX_REPORTED_ERRORS {
                            summary.errors.push(RowError {
                                line: row.line,
                                code: e.code().as_str(),
                                field: e.field(),
                                message: e.to_string(),
                                data,
                            });
                        }
                    }
                    Err(e) => return Err(e),
                }
                if summary.rows.is_multiple_of(PROGRESS_EVERY) {
                    report(&summary, progress);
                }
            }
        }
        Ok(())
    })?;
    // A cancel may have stopped the checker rather than this loop.
    cancel.check()?;
    // Written before the commit: an errors file that cannot be written
    // (say, one that appeared meanwhile) leaves the database as before.
    if let Some(rejects) = rejects {
        rejects.finish(&mut summary)?;
    }
    report(&summary, progress);
    Ok(summary)
}

/// The checking thread: reads every row and checks it (`customers::check`),
/// sending batches to the writer. Stops when the writer hangs up.
fn check_rows(
    rows: &mut dyn RowSource,
    columns: &Columns,
    width: usize,
    region: Region,
    cancel: &Cancel,
    sender: &mpsc::SyncSender<Result<Vec<Checked>>>,
) {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    loop {
        if cancel.is_cancelled() {
            return;
        }
        let mut row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            // An I/O failure is the file's, not the row's: stop the import.
            Err(e) => {
                let _ = sender.send(Err(e));
                return;
            }
        };
        let outcome = match row.problem.take() {
            Some(problem) => Err(problem),
            None if row.cells.iter().all(|f| f.trim().is_empty()) => continue,
            None if row.cells.len() != width => Err(Error::Validation {
                field: "row",
                message: format!(
                    "has {} columns, the header has {width} (check the quoting)",
                    row.cells.len(),
                ),
            }),
            None => read_customer(columns, &row.cells, &row.numeric)
                .and_then(|input| customers::check(input, region)),
        };
        batch.push(Checked {
            line: row.line,
            record: row.cells,
            numeric: row.numeric,
            outside_header: row.outside_header,
            outcome,
        });
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if sender.send(Ok(full)).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = sender.send(Ok(batch));
    }
}

enum RowOutcome {
    Imported,
    Updated,
    Skipped,
}

/// The row's cells as `customer add` would take them.
fn read_customer(columns: &Columns, record: &[String], numeric: &[bool]) -> Result<NewCustomer> {
    let cell = |field: Field| -> Option<String> {
        columns
            .get(field)
            .and_then(|i| record.get(i))
            .map(|v| defuse(v.trim()).to_owned())
            .filter(|v| !v.is_empty())
    };
    let is_number = |field: Field| {
        columns
            .get(field)
            .and_then(|i| numeric.get(i))
            .copied()
            .unwrap_or(false)
    };
    let tags = cell(Field::Tags)
        .map(|cell| {
            cell.split([',', ';', '|'])
                .filter(|t| !t.trim().is_empty())
                .map(TagInput::parse)
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    let status = cell(Field::Status).map(|s| parse_status(&s)).transpose()?;
    Ok(NewCustomer {
        name: cell(Field::Name).unwrap_or_default(),
        whatsapp: cell(Field::Whatsapp).unwrap_or_default(),
        email: cell(Field::Email),
        phone: cell(Field::Phone),
        address: cell(Field::Address),
        notes: cell(Field::Notes),
        initial_balance: cell(Field::Balance)
            .map(|b| {
                if is_number(Field::Balance) {
                    cell_amount(&b)
                } else {
                    Money::parse("balance", &b)
                }
            })
            .transpose()?,
        tags,
        status,
    })
}

/// A sheet's number cell as an amount: the exact decimal it shows, never
/// read with the text rules (`150.125` is not 150,125); more than two
/// decimals is refused, as money has none.
fn cell_amount(text: &str) -> Result<Money> {
    let value = rust_decimal::Decimal::from_str(text).map_err(|_| Error::Overflow {
        field: "balance",
        limit: Money::MAX.to_string(),
    })?;
    if value.normalize().scale() > 2 {
        return Err(Error::InvalidAmount {
            field: "balance",
            message: format!(
                "the cell holds the number {text}, which has more than two decimals; round it in the spreadsheet"
            ),
        });
    }
    Money::from_decimal("balance", value)
}

/// A row and what became of it.
type WrittenRow = (Written, Result<RowOutcome>);

/// A row after the writer: where it started and what became of it.
struct Written {
    line: u64,
    record: Vec<String>,
    numeric: Vec<bool>,
    outside_header: bool,
    /// Its customer's warnings (`CheckedCustomer::warnings`), and for an
    /// update, what the update warned of.
    warnings: Vec<Warning>,
}

/// Writes one batch of checked rows: the accepted customers all at once
/// (`customers::insert_checked_all`), then the duplicates as `on_duplicate`
/// says. Returns every row with its outcome, in file order, and the
/// warnings of the batch as a whole (tags whose colour was kept).
fn write_batch(
    w: &mut Write<'_>,
    batch: Vec<Checked>,
    on_duplicate: OnDuplicate,
) -> Result<(Vec<WrittenRow>, Vec<Warning>)> {
    let mut rows = Vec::with_capacity(batch.len());
    let mut customers = Vec::with_capacity(batch.len());
    for Checked {
        line,
        record,
        numeric,
        outside_header,
        outcome,
    } in batch
    {
        let mut written = Written {
            line,
            record,
            numeric,
            outside_header,
            warnings: Vec::new(),
        };
        match outcome {
            Ok(customer) => {
                written.warnings = customer.warnings().to_vec();
                customers.push(customer);
                rows.push((written, None));
            }
            Err(e) => rows.push((written, Some(Err(e)))),
        }
    }
    // An update needs the row's values again after the insert refused them.
    let kept: Vec<Option<CheckedCustomer>> = if on_duplicate == OnDuplicate::Update {
        customers.iter().cloned().map(Some).collect()
    } else {
        vec![None; customers.len()]
    };
    let mut decided = customers::insert_checked_all(w, customers)?
        .into_iter()
        .zip(kept);
    let shop_warnings = w.take_warnings();
    let mut out = Vec::with_capacity(rows.len());
    for (mut written, early) in rows {
        // Only the rows that reached the database have a result there.
        let outcome = match early {
            Some(refused) => refused,
            None => match decided.next() {
                Some((Ok(_), _)) => Ok(RowOutcome::Imported),
                Some((Err(Error::DuplicateWhatsapp { .. }), _))
                    if on_duplicate == OnDuplicate::Skip =>
                {
                    Ok(RowOutcome::Skipped)
                }
                Some((Err(Error::DuplicateWhatsapp { holder_id, .. }), Some(customer))) => {
                    let updated = w
                        .savepoint(|w| update_existing(w, &holder_id, customer))
                        .map(|()| RowOutcome::Updated);
                    written.warnings.extend(w.take_warnings());
                    updated
                }
                Some((Err(e), _)) => Err(e),
                None => Err(Error::internal(
                    "the batch lost a row on its way to the database",
                )),
            },
        };
        out.push((written, outcome));
    }
    Ok((out, shop_warnings))
}

fn update_existing(w: &mut Write<'_>, holder: &str, input: CheckedCustomer) -> Result<()> {
    let tags = input.tags().to_vec();
    let customer = customers::edit(w, holder, input.into_patch())?;
    for tag in &tags {
        let has = customer
            .tags
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&tag.name));
        if !has {
            customers::add_tag(w, holder, tag)?;
        }
    }
    Ok(())
}

fn parse_status(text: &str) -> Result<Status> {
    let status = match text.trim().to_lowercase().as_str() {
        "aktif" => Status::Active,
        "nonaktif" | "non-aktif" | "tidak aktif" => Status::Inactive,
        "blacklist" | "diblokir" => Status::Blacklisted,
        other => other.parse()?,
    };
    if status == Status::Deleted {
        return Err(Error::validation(
            "status",
            "a row cannot import a deleted customer",
        ));
    }
    Ok(status)
}

/// Undoes the formula-injection guard of our own export: `'=...` -> `=...`.
fn defuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The rejected rows, written as read plus a `reason` column, so the user can
/// fix them and import that file again: in the input's own shape (a BOM if
/// it had one, its delimiter, its line ends), as UTF-8 with a BOM when the
/// input was another encoding or a workbook. The file is opened at the first
/// rejected row: an import that rejects nothing writes nothing.
struct Rejects<'a> {
    target: &'a Path,
    rules: &'a Rules,
    headers: &'a [String],
    bom: bool,
    delimiter: u8,
    crlf: bool,
    /// Why the errors file's shape differs from the input's, if it does.
    changed: Option<String>,
    writer: Option<csv::Writer<Output>>,
}

impl<'a> Rejects<'a> {
    fn new(
        target: &'a Path,
        rules: &'a Rules,
        shape: &Shape,
        headers: &'a [String],
    ) -> Rejects<'a> {
        let (bom, delimiter, crlf, changed) = match (shape.encoding, shape.delimiter) {
            (Some(Encoding::Utf8), Some(d)) => (false, d, shape.crlf, None),
            (Some(Encoding::Utf8Bom), Some(d)) => (true, d, shape.crlf, None),
            (Some(other), Some(d)) => (
                true,
                d,
                shape.crlf,
                Some(format!(
                    "the input was {}; the errors file is UTF-8 with a BOM, which Excel reads",
                    encoding_name(other)
                )),
            ),
            _ => (
                true,
                b';',
                true,
                Some(
                    "the errors file is CSV (UTF-8 with a BOM, semicolons, as `export --excel` writes), which Excel opens"
                        .to_owned(),
                ),
            ),
        };
        Rejects {
            target,
            rules,
            headers,
            bom,
            delimiter,
            crlf,
            changed,
            writer: None,
        }
    }

    fn write(&mut self, data: &[String], numeric: &[bool], error: &Error) -> Result<()> {
        if self.writer.is_none() {
            let mut out = outfile::create(self.target, self.rules)?;
            if self.bom {
                std::io::Write::write_all(&mut out, "\u{feff}".as_bytes())?;
            }
            // Flexible: a rejected row may have the wrong number of columns.
            let mut writer = csv::WriterBuilder::new()
                .delimiter(self.delimiter)
                .terminator(if self.crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .flexible(true)
                .from_writer(out);
            writer.write_record(self.headers.iter().map(String::as_str).chain(["reason"]))?;
            self.writer = Some(writer);
        }
        let reason = format!("{}: {error}", error.code());
        // A sheet's number with three decimals (`150.125`) would read back
        // from CSV as thousands (150,125): written `150.1250`, which the
        // import refuses until it is fixed.
        let cells = data.iter().enumerate().map(|(i, cell)| {
            let three_decimals = cell
                .split_once('.')
                .is_some_and(|(_, fraction)| fraction.len() == 3);
            if numeric.get(i).copied().unwrap_or(false) && three_decimals {
                std::borrow::Cow::Owned(format!("{cell}0"))
            } else {
                std::borrow::Cow::Borrowed(cell.as_str())
            }
        });
        if let Some(writer) = &mut self.writer {
            writer.write_record(cells.map(|c| c.into_owned()).chain([reason]))?;
        }
        Ok(())
    }

    /// Completes the file (or says why there is none) in the summary.
    fn finish(self, summary: &mut ImportSummary) -> Result<()> {
        let Some(writer) = self.writer else {
            let kept = if self.target.exists() {
                format!(" ({} was left as it was)", self.target.display())
            } else {
                String::new()
            };
            summary
                .notes
                .push(format!("no rows rejected: no errors file written{kept}"));
            return Ok(());
        };
        let out = writer.into_inner().map_err(|e| Error::Io(e.into_error()))?;
        out.finish()?;
        summary.errors_file = Some(self.target.to_path_buf());
        if let Some(changed) = self.changed {
            summary.notes.push(changed);
        }
        Ok(())
    }
}

fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Utf8 => "UTF-8",
        Encoding::Utf8Bom => "UTF-8 with a BOM",
        Encoding::Windows1252 => "Windows-1252",
        Encoding::Utf16Le => "UTF-16 LE",
        Encoding::Utf16Be => "UTF-16 BE",
    }
}
