//! Importing customers from CSV.
//!
//! The whole import is one transaction: a crash, a kill or a cancel leaves the
//! database exactly as before, and readers on other connections keep reading
//! (WAL) while it runs. Each row goes through `customers::add` (the same code
//! as `pelanggan customer add`), which checks a row before writing any of it,
//! so a bad row is reported while the others go on; an update of an existing
//! customer runs in a savepoint. A dry run is the same import rolled back.

mod amount;
mod header;
mod source;

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use amount::parse as parse_amount;
pub use header::{Field, Mapping};
pub use source::Encoding;

use crate::customers::{self, CustomerPatch, NewCustomer, Status};
use crate::db::{Db, Write};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::tags::TagInput;
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
}

pub const MAX_REPORTED_ERRORS: usize = 100;
const PROGRESS_EVERY: u64 = 500;
/// Negative: KiB, as SQLite reads it. 64 MiB.
const IMPORT_CACHE_KIB: i64 = -65_536;

/// Imports customers from the CSV file at `path`; see the module doc.
pub fn import_customers(
    db: &mut Db,
    actor: Option<&str>,
    path: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ImportSummary> {
    // FTS5 flushes at every statement: index the imported rows once, at the end.
    let run = |w: &mut Write<'_>| {
        crate::search::with_deferred_index(w, |w| run(w, path, options, progress, cancel))
    };
    // A large page cache keeps the index pages of a big import in memory
    // instead of spilling them to the WAL again and again.
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
    };
    let report = |summary: &ImportSummary, progress: &mut dyn FnMut(Progress)| {
        progress(Progress {
            rows: summary.rows,
            done: source.bytes_read.get(),
            total: source.total_bytes,
        })
    };

    let mut record = csv::StringRecord::new();
    loop {
        cancel.check()?;
        let line = reader.position().line();
        let read = reader.read_record(&mut record);
        let outcome = match read {
            Ok(false) => break,
            Ok(true) if record.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(true) if record.len() != headers.len() => Err(Error::Validation {
                field: "row",
                message: format!(
                    "has {} columns, the header has {} (check the quoting)",
                    record.len(),
                    headers.len()
                ),
            }),
            Ok(true) => import_row(w, &columns, &record, options.on_duplicate),
            Err(e) => Err(Error::Validation {
                field: "row",
                message: format!("cannot be read: {e}"),
            }),
        };
        summary.rows += 1;
        match outcome {
            Ok(RowOutcome::Imported) => summary.imported += 1,
            Ok(RowOutcome::Updated) => summary.updated += 1,
            Ok(RowOutcome::Skipped) => summary.skipped += 1,
            Err(e) if e.is_rejected_input() => {
                summary.rejected += 1;
                let data: Vec<String> = record.iter().map(str::to_owned).collect();
                if let Some(rejects) = &mut rejects {
                    rejects.write(&data, &e)?;
                }
                if summary.errors.len() < MAX_REPORTED_ERRORS {
                    summary.errors.push(RowError {
                        line,
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
    if let Some(rejects) = rejects {
        rejects.finish()?;
    }
    report(&summary, progress);
    Ok(summary)
}

enum RowOutcome {
    Imported,
    Updated,
    Skipped,
}

fn import_row(
    w: &mut Write<'_>,
    columns: &Columns,
    record: &csv::StringRecord,
    on_duplicate: OnDuplicate,
) -> Result<RowOutcome> {
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
    let input = NewCustomer {
        name: cell(Field::Name).unwrap_or_default(),
        whatsapp: cell(Field::Whatsapp).unwrap_or_default(),
        email: cell(Field::Email),
        phone: cell(Field::Phone),
        address: cell(Field::Address),
        notes: cell(Field::Notes),
        initial_balance: cell(Field::Balance)
            .map(|b| amount::parse("balance", &b))
            .transpose()?,
        tags,
        status,
    };
    // No savepoint: `insert` checks everything before its first write.
    let added = customers::insert(w, input.clone());
    match added {
        Ok(_) => Ok(RowOutcome::Imported),
        Err(Error::DuplicateWhatsapp { holder_id, .. }) if on_duplicate != OnDuplicate::Fail => {
            if on_duplicate == OnDuplicate::Skip {
                return Ok(RowOutcome::Skipped);
            }
            w.savepoint(|w| update_existing(w, &holder_id, input))?;
            Ok(RowOutcome::Updated)
        }
        Err(e) => Err(e),
    }
}

fn update_existing(w: &mut Write<'_>, holder: &str, input: NewCustomer) -> Result<()> {
    let patch = CustomerPatch {
        name: Some(input.name),
        whatsapp: None,
        email: input.email,
        phone: input.phone,
        address: input.address,
        notes: input.notes,
        status: input.status,
    };
    let customer = customers::edit(w, holder, patch)?;
    for tag in &input.tags {
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
