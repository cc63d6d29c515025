//! Importing customers from CSV.
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

mod header;
mod source;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use serde::Serialize;

pub use header::{Field, Mapping};
pub use source::Encoding;

use crate::customers::{self, CheckedCustomer, NewCustomer, Status};
use crate::db::{Db, Write};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::phone::Region;
use crate::progress::{Cancel, Progress};
use crate::tags::TagInput;
use crate::warning::Warning;
use header::Columns;

/// What to do with a row whose WhatsApp number is already taken (in the
/// database, or by an earlier row of the same file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing customer alone; count the row as skipped.
    Skip,
    /// Update the existing customer with the row's non-empty fields and tags
    /// (the balance column is ignored: balances change only through the ledger).
    Update,
    /// Reject the row as an error (`duplicate_whatsapp`).
    #[default]
    Fail,
}

impl std::str::FromStr for OnDuplicate {
    type Err = Error;
    fn from_str(s: &str) -> Result<OnDuplicate> {
        match s {
            "skip" => Ok(OnDuplicate::Skip),
            "update" => Ok(OnDuplicate::Update),
            "fail" => Ok(OnDuplicate::Fail),
            other => Err(Error::validation(
                "on_duplicate",
                format!("'{other}' is not one of skip, update, fail"),
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub on_duplicate: OnDuplicate,
    pub mappings: Vec<Mapping>,
    /// Where to write the rejected rows (unchanged, plus a reason column).
    pub errors_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line of the file where the row starts (the header is line 1).
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
pub struct RowWarning {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(flatten)]
    pub warning: Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub dry_run: bool,
    pub encoding: Encoding,
    pub delimiter: String,
    pub ignored_columns: Vec<String>,
    /// The first `MAX_REPORTED_ERRORS` row errors; the errors file has them all.
    pub errors: Vec<RowError>,
    pub errors_file: Option<PathBuf>,
    /// The first `MAX_REPORTED_ERRORS` warnings; `warning_count` counts them all.
    pub warnings: Vec<RowWarning>,
    pub warning_count: u64,
}

pub const MAX_REPORTED_ERRORS: usize = 100;
/// The warning about the shop's data rather than a row's: told once.
const SHOP_WIDE: &str = "tag_color_kept";
const PROGRESS_EVERY: u64 = 500;
/// Negative: KiB, as SQLite reads it. 16 MiB: with the customers' indexes
/// made at the end, the pages being written are the right edges of
/// append-only trees; a larger cache only costs memory (measured: 64 MiB was
/// slower and 55 MiB heavier).
const IMPORT_CACHE_KIB: i64 = -16_384;

/// Imports customers from the CSV file at `path`; see the module doc.
pub fn import_customers(
    db: &mut Db,
    actor: Option<&str>,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ImportSummary> {
    // FTS5 flushes at every statement: index the imported rows once, at the
    // end. A file large against the shop also has the customers' indexes made
    // again at the end, but the number's (the duplicate check reads it).
    let large = large_against(db, path)?;
    let run = |w: &mut Write<'_>| {
        crate::search::with_deferred_index(w, |w| {
            if large {
                let rebuilt = |table: &str, index: &str| {
                    table == "customers" && index != "customers_whatsapp"
                };
                w.with_indexes_rebuilt(rebuilt, |w| run(w, path, options, progress, cancel))
            } else {
                run(w, path, options, progress, cancel)
            }
        })
    };
    // The import's own page cache (see IMPORT_CACHE_KIB), the connection's
    // back afterwards.
    let cache: i64 = db.conn().query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    db.conn()
        .pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
    let summary = if options.dry_run {
        db.dry_run(actor, run)
    } else {
        db.write(actor, run)
    };
    db.conn().pragma_update(None, "cache_size", cache)?;
    let summary = summary?;
    if !options.dry_run && summary.imported + summary.updated > 0 {
        db.checkpoint()?;
    }
    Ok(summary)
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

/// Rows travel from the checking thread to the writing one in batches, a
/// few batches at most in flight: memory stays constant whatever the file.
const BATCH_ROWS: usize = 256;
const BATCHES_IN_FLIGHT: usize = 8;

/// One row read and checked, on its way to the writer.
struct Checked {
    /// The line of the file where the row starts.
    line: u64,
    record: csv::StringRecord,
    /// The customer, or why the row is refused before the database is asked.
    outcome: Result<CheckedCustomer>,
}

fn run(
    w: &mut Write<'_>,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ImportSummary> {
    let source = source::open(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(source.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(source.reader);
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let columns = Columns::resolve(&headers, &options.mappings)?;
    let mut rejects = options
        .errors_file
        .as_deref()
        .map(|p| Rejects::create(p, source.delimiter, &headers))
        .transpose()?;

    let mut summary = ImportSummary {
        rows: 0,
        imported: 0,
        updated: 0,
        skipped: 0,
        rejected: 0,
        dry_run: options.dry_run,
        encoding: source.encoding,
        delimiter: (source.delimiter as char).to_string(),
        ignored_columns: columns.ignored.clone(),
        errors: Vec::new(),
        errors_file: options.errors_file.clone(),
        warnings: Vec::new(),
        warning_count: 0,
    };
    let warn = |summary: &mut ImportSummary, line: Option<u64>, warning: Warning| {
        summary.warning_count += 1;
        if summary.warnings.len() < MAX_REPORTED_ERRORS {
            summary.warnings.push(RowWarning { line, warning });
        }
    };
    // A shop-wide warning (a tag's colour) is told once, whatever the batch.
    let mut told: std::collections::HashSet<Warning> = std::collections::HashSet::new();
    let bytes_read = source.bytes_read;
    let report = |summary: &ImportSummary, progress: &mut dyn FnMut(Progress)| {
        progress(Progress {
            rows: summary.rows,
            done: bytes_read.load(Ordering::Relaxed),
            total: source.total_bytes,
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
        scope.spawn(move || check_rows(&mut reader, columns, width, region, cancel, &sender));
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
                        let data: Vec<String> = row.record.iter().map(str::to_owned).collect();
                        if let Some(rejects) = &mut rejects {
                            rejects.write(&data, &e)?;
                        }
                        if summary.errors.len() < MAX_REPORTED_ERRORS {
                            summary.errors.push(RowError {
                                line: row.line,
                                code: e.code(),
                                field: e.field(),
                                message: e.to_string(),
                                data,
                            });
                        }
                    }
                    Err(e) => return Err(e),
                }
                if summary.rows % PROGRESS_EVERY == 0 {
                    report(&summary, progress);
                }
            }
        }
        Ok(())
    })?;
    // A cancel may have stopped the checker rather than this loop.
    cancel.check()?;
    if let Some(rejects) = rejects {
        rejects.finish()?;
    }
    report(&summary, progress);
    Ok(summary)
}

/// The checking thread: reads every row and checks it (`customers::check`),
/// sending batches to the writer. Stops when the writer hangs up.
fn check_rows<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
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
        let line = reader.position().line();
        let mut record = csv::StringRecord::new();
        let outcome = match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) if record.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(true) if record.len() != width => Err(Error::Validation {
                field: "row",
                message: format!(
                    "has {} columns, the header has {width} (check the quoting)",
                    record.len(),
                ),
            }),
            Ok(true) => {
                read_customer(columns, &record).and_then(|input| customers::check(input, region))
            }
            // An I/O failure is the file's, not the row's: stop the import.
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                let _ = sender.send(Err(e.into()));
                return;
            }
            Err(e) => Err(Error::Validation {
                field: "row",
                message: format!("cannot be read: {e}"),
            }),
        };
        batch.push(Checked {
            line,
            record,
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
fn read_customer(columns: &Columns, record: &csv::StringRecord) -> Result<NewCustomer> {
    let cell = |field: Field| -> Option<String> {
        columns
            .get(field)
            .and_then(|i| record.get(i))
            .map(|v| defuse(v.trim()).to_owned())
            .filter(|v| !v.is_empty())
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
            .map(|b| Money::parse("balance", &b))
            .transpose()?,
        tags,
        status,
    })
}

/// A row and what became of it.
type WrittenRow = (Written, Result<RowOutcome>);

/// A row after the writer: where it started and what became of it.
struct Written {
    line: u64,
    record: csv::StringRecord,
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
        outcome,
    } in batch
    {
        let mut written = Written {
            line,
            record,
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
                None => Err(Error::Conflict(
                    "the batch lost a row on its way to the database".into(),
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
            crate::tags::add(w, holder, tag)?;
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
/// fix them and import that file again.
struct Rejects {
    writer: csv::Writer<File>,
}

impl Rejects {
    fn create(path: &Path, delimiter: u8, headers: &[String]) -> Result<Rejects> {
        // Flexible: a rejected row may have the wrong number of columns.
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_path(path)?;
        writer.write_record(headers.iter().map(String::as_str).chain(["reason"]))?;
        Ok(Rejects { writer })
    }

    fn write(&mut self, data: &[String], error: &Error) -> Result<()> {
        let reason = format!("{}: {error}", error.code());
        self.writer
            .write_record(data.iter().map(String::as_str).chain([reason.as_str()]))?;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}
