//! What every reader of an import's input shares, below them all: the kind of
//! file (`Format`), progress through it (`Counter`), a row as read (`Row`,
//! from a `RowSource`), and the refusal of a file that is not one.
//!
//! Owns: those types. Must not know: how a CSV file or a workbook is read
//! (`source.rs`, `sheet.rs`), what a row means (`mod.rs`, `header.rs`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::error::{Code, Error, Result};
use crate::names::text_enum;

text_enum! {
    /// What kind of file an import read.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "ts", ts(rename = "ImportFormat"))]
    pub enum Format("format") {
        Csv => "csv",
        /// Excel 2007 and later (.xlsx, .xlsm).
        Xlsx => "xlsx",
        /// OpenDocument (LibreOffice, Google Sheets' download).
        Ods => "ods",
    }
}

/// Progress through the file, in bytes.
#[derive(Debug, Clone)]
pub struct Counter {
    pub total: u64,
    /// Raw bytes read so far (read on the writing thread).
    pub done: Arc<AtomicU64>,
}

/// One row of the file as read: its cells as text, from a CSV file or a sheet.
pub struct Row {
    /// The line (a sheet's row number) where the row starts.
    pub line: u64,
    pub cells: Vec<String>,
    /// Which cells held a number (a sheet's; empty for CSV).
    pub numeric: Vec<bool>,
    /// Why the row cannot be read at all (too large, not text).
    pub problem: Option<Error>,
    /// A sheet's row had values left or right of the header's columns.
    pub outside_header: bool,
}

/// Where rows come from; read on the checking thread.
pub trait RowSource: Send {
    /// The next row, None at the end; an error stops the import.
    fn next_row(&mut self) -> Result<Option<Row>>;
}

/// The file is not one an import reads; the message names what it seems to
/// be, never its bytes.
pub fn not_a_spreadsheet(path: &Path, what: &str, hint: &str) -> Error {
    let hint = if hint.is_empty() {
        "Import a CSV, .xlsx or .ods file."
    } else {
        hint
    };
    Error::Refused {
        code: Code::NotASpreadsheet,
        field: Some("file"),
        message: format!(
            "{} is not a CSV or spreadsheet: it looks like {what}. {hint}",
            path.display()
        ),
    }
}
