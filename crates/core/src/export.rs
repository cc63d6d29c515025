//! CSV exports for accountants and for moving a shop: customers and the
//! ledger (payments once billing exists). RFC 4180 by default; `excel` writes
//! UTF-8 with a BOM and semicolons, which Excel in an Indonesian locale opens
//! in columns. Amounts are plain decimals, dates ISO 8601, columns stable
//! (listed in README.md). Text cells that a spreadsheet would run as a formula
//! are neutralised. The file is written through `outfile`: an existing file
//! only with `force`, never the open database or a link or device; rows go to
//! `<file>.partial`, renamed at the end; `-` is standard output.
//!
//! Owns: the column sets and the cell forms. Must not know: how the rows are
//! found (`search`, the ledger's tables' order) beyond asking for them, how a
//! file is written safely (`outfile`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::customers::{MAX_PAGE_SIZE, Status};
use crate::days::{Bounds, DayRange};
use crate::db::Reader;
use crate::error::Result;
use crate::money::Money;
use crate::outfile::{self, Rules};
use crate::progress::{Cancel, Progress};
use crate::search::{self, Filter, Position, Sort};

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CsvOptions {
    /// UTF-8 with BOM and `;` instead of plain RFC 4180.
    pub excel: bool,
    /// Replace an existing file (never the open database, a link or a device).
    pub force: bool,
}

impl CsvOptions {
    /// What the output may replace: the database `conn` has open (and its
    /// `-wal`/`-shm`) never; an existing file only with `force`; `-` is stdout.
    fn rules(self, conn: &Connection) -> Rules {
        Rules::new(self.force).with_stdout().protect_conn(conn)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportSummary {
    pub rows: u64,
    /// The file written, or `-` for standard output.
    pub file: PathBuf,
}

pub const CUSTOMER_COLUMNS: [&str; 13] = [
    "id",
    "name",
    "whatsapp",
    "email",
    "phone",
    "address",
    "balance",
    "total_spent",
    "status",
    "tags",
    "notes",
    "created_at",
    "updated_at",
];

pub const LEDGER_COLUMNS: [&str; 13] = [
    "id",
    "customer_id",
    "customer_name",
    "customer_whatsapp",
    "type",
    "amount",
    "previous_balance",
    "new_balance",
    "description",
    "reference_type",
    "reference_id",
    "created_at",
    "created_by",
];

/// Customers matching `filter` (the same filters as `customers list`), in
/// the order they were created.
pub fn customers(
    r: Reader<'_>,
    file: &Path,
    filter: &Filter,
    options: CsvOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ExportSummary> {
    let conn = r.conn();
    // Before the search: a refused target costs nothing.
    outfile::check(file, &options.rules(conn))?;
    let include_deleted = filter.include_deleted || filter.status == Some(Status::Deleted);
    let status = filter.status.map(Status::as_str);
    let ids = matching_ids(r, filter, cancel)?;
    let condition = "(?1 IS NULL OR c.status = ?1) AND (?2 OR c.status != 'deleted')
                     AND (?3 IS NULL OR c.id IN (SELECT value FROM json_each(?3)))";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM customers c WHERE {condition}"),
        params![status, include_deleted, ids],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT c.uuid, c.name, c.whatsapp, c.email, c.phone, c.address, c.balance, c.total_spent,
                c.status, c.id, c.notes, c.created_at, c.updated_at
         FROM customers c WHERE {condition} ORDER BY c.id"
    ))?;
    let mut rows = stmt.query(params![status, include_deleted, ids])?;
    let mut links = conn.prepare(TagCells::LINKS)?;
    let mut tags = TagCells::new(conn, links.query([])?)?;
    write_csv(
        file,
        &options.rules(conn),
        options,
        &CUSTOMER_COLUMNS,
        total,
        progress,
        cancel,
        |out| {
            let Some(r) = rows.next()? else {
                return Ok(false);
            };
            for i in 0..6 {
                out.text(text_at(r, i)?);
            }
            out.money(r.get(6)?);
            out.money(r.get(7)?);
            out.text(text_at(r, 8)?);
            out.text(tags.of(r.get(9)?)?);
            out.text(text_at(r, 10)?);
            out.number(text_at(r, 11)?);
            out.number(text_at(r, 12)?);
            Ok(true)
        },
    )
}

/// For a filter beyond status, the ids `search` finds, as a JSON array (the
/// export then streams those rows); None when status alone decides.
fn matching_ids(r: Reader<'_>, filter: &Filter, cancel: &Cancel) -> Result<Option<String>> {
    let status_only = Filter {
        status: filter.status,
        include_deleted: filter.include_deleted,
        ..Filter::default()
    };
    if *filter == status_only {
        return Ok(None);
    }
    let mut ids = Vec::new();
    let mut position = Position::Page(1);
    loop {
        cancel.check()?;
        let slice = search::page(r, filter, Sort::Debt, MAX_PAGE_SIZE, &position)?;
        ids.extend(slice.items.iter().map(|c| c.local_id));
        match slice.next {
            Some(next) => position = Position::After(next),
            None => break,
        }
    }
    Ok(Some(
        serde_json::to_string(&ids).map_err(std::io::Error::other)?,
    ))
}

/// Every ledger entry with its customer, oldest first; `from`/`to` are
/// inclusive days on the shop's calendar (its time zone).
pub fn ledger(
    r: Reader<'_>,
    file: &Path,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    options: CsvOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
) -> Result<ExportSummary> {
    let conn = r.conn();
    let Bounds {
        start: from,
        end: to,
    } = DayRange::new(from, to, "from")?.bounds(r.zone());
    outfile::check(file, &options.rules(conn))?;
    let condition = "(?1 IS NULL OR h.created_at >= ?1) AND (?2 IS NULL OR h.created_at < ?2)";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM customer_balance_history h WHERE {condition}"),
        params![from, to],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT h.uuid, c.uuid, c.name, c.whatsapp, h.type, h.amount, h.previous_balance,
                h.new_balance, h.description, h.reference_type, h.reference_id, h.created_at,
                h.created_by
         FROM customer_balance_history h JOIN customers c ON c.id = h.customer_id
         WHERE {condition} ORDER BY h.id"
    ))?;
    let mut rows = stmt.query(params![from, to])?;
    write_csv(
        file,
        &options.rules(conn),
        options,
        &LEDGER_COLUMNS,
        total,
        progress,
        cancel,
        |out| {
            let Some(r) = rows.next()? else {
                return Ok(false);
            };
            for i in 0..5 {
                out.text(text_at(r, i)?);
            }
            for i in 5..8 {
                out.money(r.get(i)?);
            }
            for i in 8..11 {
                out.text(text_at(r, i)?);
            }
            out.number(text_at(r, 11)?);
            out.text(text_at(r, 12)?);
            Ok(true)
        },
    )
}

/// The tags cell of each customer (`VIP:#ffaa00, Corporate:#007bff`), read
/// by walking the links in customer order beside the customers: one pass
/// instead of a subquery per row.
struct TagCells<'c> {
    names: std::collections::HashMap<i64, String>,
    links: rusqlite::Rows<'c>,
    /// The first link not yet used: (customer id, tag id).
    pending: Option<(i64, i64)>,
    cell: String,
}

impl<'c> TagCells<'c> {
    /// The links, live ones only. The join table's primary key is
    /// (customer_id, tag_id), so this is its own order.
    const LINKS: &'static str = "SELECT customer_id, tag_id FROM customer_tags
                                 WHERE causal_length % 2 = 1 ORDER BY customer_id";

    fn new(conn: &Connection, links: rusqlite::Rows<'c>) -> Result<TagCells<'c>> {
        let mut names = std::collections::HashMap::new();
        let mut stmt = conn.prepare("SELECT id, name || ':' || color FROM tags")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (id, name) = row?;
            names.insert(id, name);
        }
        let mut cells = TagCells {
            names,
            links,
            pending: None,
            cell: String::new(),
        };
        cells.pending = cells.next_link()?;
        Ok(cells)
    }

    fn next_link(&mut self) -> Result<Option<(i64, i64)>> {
        Ok(match self.links.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?)),
            None => None,
        })
    }

    /// The cell of `customer`; customers must come in increasing id order.
    fn of(&mut self, customer: i64) -> Result<&str> {
        let mut ids = Vec::new();
        while let Some((owner, tag)) = self.pending {
            if owner > customer {
                break;
            }
            if owner == customer {
                ids.push(tag);
            }
            self.pending = self.next_link()?;
        }
        let mut found: Vec<&str> = ids
            .iter()
            .filter_map(|id| self.names.get(id).map(String::as_str))
            .collect();
        // By tag name, as lists show them (the colour follows the last ':').
        found.sort_by_key(|n| {
            n.rsplit_once(':')
                .map_or(*n, |(name, _)| name)
                .to_lowercase()
        });
        self.cell = found.join(", ");
        Ok(&self.cell)
    }
}

/// One CSV row being built, without a String per cell: a million rows
/// would otherwise allocate tens of millions of them.
pub struct RowOut {
    record: csv::ByteRecord,
    scratch: String,
}

impl RowOut {
    /// A cell of free text: neutralised if a spreadsheet would run it.
    pub fn text(&mut self, value: &str) {
        if needs_neutralising(value) {
            self.scratch.clear();
            self.scratch.push('\'');
            self.scratch.push_str(value);
            self.record.push_field(self.scratch.as_bytes());
        } else {
            self.record.push_field(value.as_bytes());
        }
    }

    /// A value we produced ourselves (a timestamp): written as is.
    pub fn number(&mut self, value: &str) {
        self.record.push_field(value.as_bytes());
    }

    /// An amount as a plain decimal (`-25000.00`): a number, never neutralised.
    pub fn money(&mut self, value: Money) {
        use std::fmt::Write as _;
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        self.record.push_field(self.scratch.as_bytes());
    }
}

/// A text column, NULL as empty, without copying it out of SQLite.
fn text_at<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    match row.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(""),
        value => value.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e))
        }),
    }
}

fn needs_neutralising(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell that starts with = + - @ tab or CR would be run as a formula by
/// Excel or LibreOffice; a leading apostrophe makes it text. Import removes it.
pub fn neutralise(value: String) -> String {
    if needs_neutralising(&value) {
        format!("'{value}")
    } else {
        value
    }
}

/// Writes the header, then rows until `next_row` says there are no more, to
/// `file` as `rules` allow (see `outfile`): the file appears only when complete.
#[allow(clippy::too_many_arguments)]
pub fn write_csv(
    file: &Path,
    rules: &Rules,
    options: CsvOptions,
    header: &[&str],
    total: i64,
    progress: &mut dyn FnMut(Progress),
    cancel: &Cancel,
    mut next_row: impl FnMut(&mut RowOut) -> Result<bool>,
) -> Result<ExportSummary> {
    let mut raw = outfile::create(file, rules)?;
    if options.excel {
        raw.write_all("\u{feff}".as_bytes())?;
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(if options.excel { b';' } else { b',' })
        .terminator(csv::Terminator::CRLF)
        .from_writer(raw);
    writer.write_record(header)?;
    let total = u64::try_from(total).unwrap_or_default();
    let mut out = RowOut {
        record: csv::ByteRecord::with_capacity(256, header.len()),
        scratch: String::new(),
    };
    let mut rows = 0u64;
    loop {
        out.record.clear();
        if !next_row(&mut out)? {
            break;
        }
        writer.write_byte_record(&out.record)?;
        rows += 1;
        if rows.is_multiple_of(10_000) {
            cancel.check()?;
            progress(Progress {
                rows,
                done: rows,
                total,
            });
        }
    }
    let raw = writer.into_inner().map_err(|e| e.into_error())?;
    // An error before this point drops the output: its partial file goes.
    let written = raw.finish()?;
    progress(Progress {
        rows,
        done: rows,
        total,
    });
    Ok(ExportSummary {
        rows,
        file: written.path(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for (input, expected) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+6281234567890", "'+6281234567890"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Budi", "Budi"),
            ("", ""),
        ] {
            assert_eq!(neutralise(input.to_owned()), expected);
        }
    }
}
