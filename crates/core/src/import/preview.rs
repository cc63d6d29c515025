//! What an import would read, shown before it runs: the file's kind, a CSV
//! file's encoding and delimiter, the header with the field each column
//! would fill, and the first rows as text. It opens the file with the
//! import's own code (`source::open`, `header_and_rows`) and maps the header
//! with the import's own rules (`header::assign`, `Columns::resolve`), so what
//! the preview shows is what the import does. It writes nothing and needs no
//! database.

use std::path::Path;

use serde::Serialize;

use super::header::{self, Columns, Field, Mapping};
use super::{Encoding, Format, header_and_rows, source};
use crate::error::{ErrorBody, Result};

/// How many rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;
/// A cell is cut to this many characters in the preview: a row may hold up
/// to 1 MB, which a table on screen has no use for.
const PREVIEW_CELL_CHARS: usize = 200;

/// The file as the import would read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportPreview {
    pub format: Format,
    /// A CSV file's encoding and delimiter (None for a workbook).
    pub encoding: Option<Encoding>,
    pub delimiter: Option<String>,
    /// The sheet a workbook is read from.
    pub sheet: Option<String>,
    /// A workbook's visible worksheets, to pick another (empty for CSV).
    pub sheets: Vec<String>,
    /// The header's columns in order, each with the field it would fill.
    pub columns: Vec<ImportColumn>,
    /// The first `PREVIEW_ROWS` rows that are not blank, cells as text.
    pub rows: Vec<PreviewRow>,
    /// Why the import would refuse this header with these mappings (no name
    /// or WhatsApp column, two columns for one field, a mapping that names no
    /// column): the import's own error. None: the import would start.
    pub problem: Option<ErrorBody>,
}

/// A column of the header and where its cells would go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportColumn {
    pub header: String,
    /// None: the column is not imported.
    pub field: Option<Field>,
    /// The field comes from the caller's mappings, not from the header.
    pub mapped: bool,
}

/// A row of the file: the line it starts on and its cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreviewRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Reads the start of the file at `path` as `import_customers` would with
/// this `sheet` and these `mappings`. A file the import refuses outright
/// (not a spreadsheet, no such sheet, unreadable) is refused here the same
/// way; a header it would refuse is reported in `problem`.
pub fn preview(path: &Path, sheet: Option<&str>, mappings: &[Mapping]) -> Result<ImportPreview> {
    let (mut opened, _counter) = source::open(path, sheet)?;
    let sheets = match &opened {
        source::Opened::Workbook(book) => book.sheets.clone(),
        source::Opened::Csv(_) => Vec::new(),
    };
    let (shape, headers, mut rows) = header_and_rows(path, &mut opened)?;
    let fields = header::assign(&headers, mappings);
    let columns = headers
        .iter()
        .zip(fields)
        .map(|(h, field)| ImportColumn {
            header: h.clone(),
            field,
            mapped: mappings.iter().any(|m| header::same_column(&m.column, h)),
        })
        .collect();
    let problem = Columns::resolve(&headers, mappings)
        .err()
        .map(|e| ErrorBody::from(&e));
    let mut shown = Vec::with_capacity(PREVIEW_ROWS);
    while shown.len() < PREVIEW_ROWS {
        let Some(row) = rows.next_row()? else {
            break;
        };
        // Blank rows are skipped by the import too.
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        shown.push(PreviewRow {
            line: row.line,
            cells: row.cells.into_iter().map(cut).collect(),
        });
    }
    Ok(ImportPreview {
        format: shape.format,
        encoding: shape.encoding,
        delimiter: shape.delimiter.map(|d| (d as char).to_string()),
        sheet: shape.sheet,
        sheets,
        columns,
        rows: shown,
        problem,
    })
}

fn cut(cell: String) -> String {
    match cell.char_indices().nth(PREVIEW_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &cell[..end]),
        None => cell,
    }
}
