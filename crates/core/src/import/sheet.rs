//! Reading a workbook (.xlsx through calamine's streaming cell reader, .ods
//! as calamine loads it) as rows of text, the way the CSV rows come.
//!
//! One sheet: the first visible worksheet, or the one named. Its first
//! non-empty row is the header; a cell's line is its row number in the
//! spreadsheet. Cells become the text a person sees, with two rules for
//! numbers: a number is written out in full (`81234567890`, never
//! `8.123456789E10`), and it is marked `numeric` so an amount column reads it
//! as the exact decimal it is, never through the text rules meant for
//! `150.000`.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::Ordering;

use calamine::{Data, DataRef, Ods, Range, Reader, SheetType, SheetVisible, Xlsx};

use super::input::{Counter, Format, Row, RowSource, not_a_spreadsheet};
use crate::error::{Error, Result};

pub struct Workbook {
    pub format: Format,
    /// The sheet read.
    pub sheet: String,
    /// The workbook's visible worksheets, in order (what a person may pick).
    pub sheets: Vec<String>,
    book: Book,
    counter: Counter,
}

enum Book {
    Xlsx(Box<Xlsx<BufReader<File>>>),
    Ods(Range<Data>),
}

pub fn open(path: &Path, wanted: Option<&str>, counter: Counter) -> Result<Workbook> {
    let file = || -> Result<BufReader<File>> { Ok(BufReader::new(File::open(path)?)) };
    match Xlsx::new(file()?) {
        Ok(xlsx) => {
            let sheet = choose(path, &xlsx, wanted)?;
            return Ok(Workbook {
                format: Format::Xlsx,
                sheet,
                sheets: worksheets(&xlsx),
                book: Book::Xlsx(Box::new(xlsx)),
                counter,
            });
        }
        // Not an Excel workbook: perhaps an OpenDocument one.
        Err(calamine::XlsxError::FileNotFound(_)) => {}
        Err(e) => return Err(damaged(path, e)),
    }
    match Ods::new(file()?) {
        Ok(mut ods) => {
            let sheet = choose(path, &ods, wanted)?;
            let range = ods.worksheet_range(&sheet).map_err(|e| damaged(path, e))?;
            Ok(Workbook {
                format: Format::Ods,
                sheet,
                sheets: worksheets(&ods),
                book: Book::Ods(range),
                counter,
            })
        }
        Err(calamine::OdsError::InvalidMime(_) | calamine::OdsError::FileNotFound(_)) => {
            Err(not_a_spreadsheet(
                path,
                "a ZIP archive that is not an .xlsx or .ods workbook",
                "",
            ))
        }
        Err(e) => Err(damaged(path, e)),
    }
}

fn damaged(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Validation {
        field: "file",
        message: format!("{} cannot be read as a workbook: {e}", path.display()),
    }
}

fn worksheets<R: std::io::Read + std::io::Seek, B: Reader<R>>(book: &B) -> Vec<String> {
    book.sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect()
}

/// The sheet named (exactly, else ignoring case), or the first visible worksheet.
fn choose<R: std::io::Read + std::io::Seek, B: Reader<R>>(
    path: &Path,
    book: &B,
    wanted: Option<&str>,
) -> Result<String> {
    let sheets = book.sheets_metadata();
    let names = || {
        sheets
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let found = match wanted.map(str::trim) {
        Some(name) => sheets
            .iter()
            .find(|s| s.name == name)
            .or_else(|| sheets.iter().find(|s| s.name.eq_ignore_ascii_case(name)))
            .ok_or_else(|| {
                Error::validation(
                    "sheet",
                    format!(
                        "{} has no sheet '{name}' (sheets: {})",
                        path.display(),
                        names()
                    ),
                )
            })?,
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .ok_or_else(|| {
                Error::validation("sheet", format!("{} has no worksheet", path.display()))
            })?,
    };
    Ok(found.name.clone())
}

impl Workbook {
    /// The header and a source of the rows under it.
    pub fn rows(&mut self, path: &Path) -> Result<(Vec<String>, Box<dyn RowSource + '_>)> {
        let counter = self.counter.clone();
        let cells: Box<dyn Cells + '_> = match &mut self.book {
            Book::Xlsx(xlsx) => {
                let mut reader = xlsx
                    .worksheet_cells_reader(&self.sheet)
                    .map_err(|e| damaged(path, e))?;
                let rows = u64::from(reader.dimensions().end.0) + 1;
                let shown = path.to_path_buf();
                // calamine does not name its cell reader's type: a closure holds it.
                let next = move || -> Result<Option<(u32, u32, Data)>> {
                    let cell = reader.next_cell().map_err(|e| damaged(&shown, e))?;
                    Ok(cell.map(|cell| {
                        let (r, c) = cell.get_position();
                        (r, c, owned(cell.get_value()))
                    }))
                };
                Box::new(XlsxCells {
                    next: Box::new(next),
                    pending: None,
                    done: false,
                    rows,
                })
            }
            Book::Ods(range) => Box::new(OdsCells { range, next: 0 }),
        };
        let mut rows = SheetRows {
            cells,
            first_col: 0,
            width: 0,
            counter,
        };
        // The header: the first row with any text.
        let header = loop {
            match rows.cells.next_row()? {
                None => break Vec::new(),
                Some((_, cells)) if cells.iter().all(|(_, d)| blank(d)) => continue,
                Some((_, cells)) => break cells,
            }
        };
        let used: Vec<u32> = header
            .iter()
            .filter(|(_, d)| !blank(d))
            .map(|(c, _)| *c)
            .collect();
        let (first, last) = match (used.first(), used.last()) {
            (Some(f), Some(l)) => (*f, *l),
            _ => (0, 0),
        };
        rows.first_col = first;
        rows.width = if used.is_empty() {
            0
        } else {
            (last - first + 1) as usize
        };
        let mut headers = vec![String::new(); rows.width];
        for (col, data) in header {
            if let Some(slot) = col
                .checked_sub(first)
                .and_then(|i| headers.get_mut(i as usize))
            {
                *slot = text(data).0;
            }
        }
        Ok((headers, Box::new(rows)))
    }
}

/// One row of a sheet: its 0-based number and its (0-based column, value) cells.
type SheetRow = (u32, Vec<(u32, Data)>);

/// A sheet's rows, in order.
trait Cells: Send {
    fn next_row(&mut self) -> Result<Option<SheetRow>>;
    /// How far through the sheet, 0.0 to 1.0.
    fn progress(&self, row: u32) -> f64;
}

/// The next cell of the sheet, in row order.
type NextCell<'a> = Box<dyn FnMut() -> Result<Option<(u32, u32, Data)>> + Send + 'a>;

struct XlsxCells<'a> {
    next: NextCell<'a>,
    /// The first cell of the next row, read past the end of this one.
    pending: Option<(u32, u32, Data)>,
    /// The reader said the sheet ended (asking again is an error).
    done: bool,
    rows: u64,
}

impl Cells for XlsxCells<'_> {
    fn next_row(&mut self) -> Result<Option<SheetRow>> {
        let mut row: Option<u32> = None;
        let mut cells = Vec::new();
        if let Some((r, c, d)) = self.pending.take() {
            row = Some(r);
            cells.push((c, d));
        }
        while !self.done {
            let Some((r, c, data)) = (self.next)()? else {
                self.done = true;
                break;
            };
            match row {
                None => row = Some(r),
                Some(current) if r != current => {
                    self.pending = Some((r, c, data));
                    break;
                }
                Some(_) => {}
            }
            cells.push((c, data));
        }
        Ok(row.map(|r| (r, cells)))
    }

    fn progress(&self, row: u32) -> f64 {
        (f64::from(row) + 1.0) / self.rows.max(1) as f64
    }
}

fn owned(value: &DataRef<'_>) -> Data {
    match value {
        DataRef::SharedString(s) => Data::String((*s).to_owned()),
        other => Data::from(other.clone()),
    }
}

struct OdsCells<'a> {
    range: &'a Range<Data>,
    next: usize,
}

impl Cells for OdsCells<'_> {
    fn next_row(&mut self) -> Result<Option<SheetRow>> {
        let (height, width) = self.range.get_size();
        let Some((row0, col0)) = self.range.start() else {
            return Ok(None);
        };
        if self.next >= height {
            return Ok(None);
        }
        let r = self.next;
        self.next += 1;
        let cells = (0..width)
            .filter_map(|c| {
                let d = self.range.get((r, c))?;
                (!blank(d)).then(|| (col0 + c as u32, d.clone()))
            })
            .collect();
        Ok(Some((row0 + r as u32, cells)))
    }

    fn progress(&self, _row: u32) -> f64 {
        let (height, _) = self.range.get_size();
        self.next as f64 / height.max(1) as f64
    }
}

struct SheetRows<'a> {
    cells: Box<dyn Cells + 'a>,
    /// The header's first column; the row's cells are counted from it.
    first_col: u32,
    width: usize,
    counter: Counter,
}

impl RowSource for SheetRows<'_> {
    fn next_row(&mut self) -> Result<Option<Row>> {
        let Some((r, cells)) = self.cells.next_row()? else {
            return Ok(None);
        };
        let mut texts = vec![String::new(); self.width];
        let mut numeric = vec![false; self.width];
        let mut outside = false;
        for (col, data) in cells {
            let slot = col
                .checked_sub(self.first_col)
                .map(|i| i as usize)
                .filter(|i| *i < self.width);
            match slot {
                Some(i) => {
                    let (t, n) = text(data);
                    texts[i] = t;
                    numeric[i] = n;
                }
                None => outside |= !blank(&data),
            }
        }
        let done = (self.counter.total as f64 * self.cells.progress(r)) as u64;
        self.counter.done.store(done, Ordering::Relaxed);
        Ok(Some(Row {
            line: u64::from(r) + 1,
            cells: texts,
            numeric,
            problem: None,
            outside_header: outside,
        }))
    }
}

fn blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell as text, and whether it held a number.
fn text(data: Data) -> (String, bool) {
    match data {
        Data::Empty => (String::new(), false),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => (s, false),
        Data::Int(i) => (i.to_string(), true),
        Data::Float(f) => (number(f), true),
        Data::Bool(b) => ((if b { "TRUE" } else { "FALSE" }).to_owned(), false),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            let date = format!("{y:04}-{mo:02}-{day:02}");
            if (h, mi, s) == (0, 0, 0) {
                (date, false)
            } else {
                (format!("{date} {h:02}:{mi:02}:{s:02}"), false)
            }
        }
        Data::DateTime(d) => (number(d.as_f64()), false),
        Data::Error(e) => (e.to_string(), false),
    }
}

/// A spreadsheet number written out in full: Rust's shortest text that reads
/// back as the same float, never with an exponent (`81234567890`, `150000.5`,
/// `0.30000000000000004`).
fn number(f: f64) -> String {
    if f.is_finite() {
        format!("{f}")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_full() {
        assert_eq!(number(81234567890.0), "81234567890");
        assert_eq!(number(6281234567890.0), "6281234567890");
        assert_eq!(number(150000.5), "150000.5");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(-25000.0), "-25000");
    }
}
