//! Opening a file for import: what it is (CSV, .xlsx or .ods; anything else
//! refused before its bytes are shown to anyone), a CSV file's encoding
//! (UTF-8 with or without BOM, UTF-16 LE/BE, else Windows-1252), delimiter and
//! line ends, and a counter for progress. Both CSV passes stream: memory stays
//! constant whatever the file's size.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::input::{Counter, not_a_spreadsheet};
use super::records::Records;
use super::sheet::{self, Workbook};
use crate::error::{Error, Result};

/// A CSV file's text encoding, as the summary names it (`utf8-bom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ImportEncoding"))]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    /// Not valid UTF-8: read as Windows-1252 (what older Excel writes).
    Windows1252,
    /// Excel's "Unicode Text" (usually with a BOM and tabs).
    Utf16Le,
    Utf16Be,
}

/// An opened input: a CSV text stream or a workbook.
pub enum Opened {
    Csv(Box<Csv>),
    Workbook(Workbook),
}

/// A CSV file's shape and its decoded text.
pub struct Csv {
    pub encoding: Encoding,
    pub delimiter: u8,
    /// The header line ends in CRLF (Excel, Windows tools, our own export).
    pub crlf: bool,
    pub records: Records<BufReader<Box<dyn Read + Send>>>,
}

pub fn open(path: &Path, sheet: Option<&str>) -> Result<(Opened, Counter)> {
    let total = std::fs::metadata(path)?.len();
    let counter = Counter {
        total,
        done: Arc::new(AtomicU64::new(0)),
    };
    let mut head = Vec::with_capacity(64 * 1024);
    File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    let kind = sniff(&head);
    if let Sniffed::Zip = kind {
        return Ok((
            Opened::Workbook(sheet::open(path, sheet, counter.clone())?),
            counter,
        ));
    }
    if let Sniffed::Other(what, hint) = kind {
        return Err(not_a_spreadsheet(path, what, hint));
    }
    if sheet.is_some() {
        return Err(Error::validation(
            "sheet",
            "--sheet is for .xlsx and .ods workbooks; this file is CSV",
        ));
    }
    let encoding = match kind {
        Sniffed::Utf16(e) => e,
        _ => detect_encoding(path)?,
    };
    let counted = Counting {
        inner: File::open(path)?,
        count: counter.done.clone(),
    };
    let builder = || {
        let mut b = encoding_rs_io::DecodeReaderBytesBuilder::new();
        b.strip_bom(true);
        b
    };
    let decoded: Box<dyn Read + Send> = match encoding {
        // The decoder strips a BOM and passes UTF-8 through unchanged.
        Encoding::Utf8 | Encoding::Utf8Bom => Box::new(
            builder()
                .bom_sniffing(true)
                .utf8_passthru(true)
                .build(counted),
        ),
        Encoding::Windows1252 => Box::new(
            builder()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .build(counted),
        ),
        Encoding::Utf16Le | Encoding::Utf16Be => Box::new(
            builder()
                .encoding(Some(if encoding == Encoding::Utf16Le {
                    encoding_rs::UTF_16LE
                } else {
                    encoding_rs::UTF_16BE
                }))
                .bom_sniffing(true)
                .build(counted),
        ),
    };
    // The delimiters and line ends are ASCII: UTF-8 and Windows-1252 bytes
    // tell them as they are, UTF-16 once decoded.
    let text: Vec<u8> = match encoding {
        Encoding::Utf16Le => utf16(&head, encoding_rs::UTF_16LE),
        Encoding::Utf16Be => utf16(&head, encoding_rs::UTF_16BE),
        _ => head
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .unwrap_or(&head)
            .to_vec(),
    };
    let delimiter = detect_delimiter(&text);
    let crlf = first_line(&text).ends_with(b"\r");
    let reader = BufReader::with_capacity(64 * 1024, decoded);
    Ok((
        Opened::Csv(Box::new(Csv {
            encoding,
            delimiter,
            crlf,
            records: Records::new(reader, delimiter),
        })),
        counter,
    ))
}

fn utf16(head: &[u8], encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    encoding
        .decode_with_bom_removal(head)
        .0
        .into_owned()
        .into_bytes()
}

/// What the first bytes say.
enum Sniffed {
    /// Text, perhaps CSV: UTF-8, Windows-1252, decided by a full pass.
    Text,
    Utf16(Encoding),
    /// A ZIP archive: an .xlsx or .ods workbook, or not.
    Zip,
    /// Not text: what it most likely is and what to do, for the message.
    Other(&'static str, &'static str),
}

fn sniff(head: &[u8]) -> Sniffed {
    const UNPACK: &str = "Unpack it first and import the CSV or spreadsheet inside.";
    const MAGIC: &[(&[u8], &str, &str)] = &[
        (b"PK\x03\x04", "zip", ""),
        (b"PK\x05\x06", "zip", ""),
        (b"\x1f\x8b", "a gzip-compressed file", UNPACK),
        (b"%PDF-", "a PDF document", ""),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an Excel 97-2003 workbook (.xls), a password-protected workbook or another old Office file",
            "Save it (without a password) as .xlsx or CSV and import that.",
        ),
        (
            b"SQLite format 3\0",
            "an SQLite database (perhaps a shop or a backup)",
            "",
        ),
        (b"\x89PNG\r\n", "a PNG image", ""),
        (b"\xff\xd8\xff", "a JPEG image", ""),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", UNPACK),
        (b"Rar!\x1a\x07", "a RAR archive", UNPACK),
        (b"\xfd7zXZ\0", "an xz-compressed file", UNPACK),
        (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", UNPACK),
    ];
    // A UTF-16 BOM first: its text has NUL bytes by nature.
    if head.starts_with(&[0xFF, 0xFE]) {
        return Sniffed::Utf16(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Sniffed::Utf16(Encoding::Utf16Be);
    }
    for (magic, what, hint) in MAGIC {
        if head.starts_with(magic) {
            return if *what == "zip" {
                Sniffed::Zip
            } else {
                Sniffed::Other(what, hint)
            };
        }
    }
    // UTF-16 without a BOM: mostly ASCII text, so every other byte is NUL.
    let pairs = &head[..head.len().min(4096) & !1];
    if pairs.len() >= 8 {
        let zero = |odd: usize| {
            pairs
                .iter()
                .skip(odd)
                .step_by(2)
                .filter(|b| **b == 0)
                .count()
        };
        let (even, odd) = (zero(0), zero(1));
        let half = pairs.len() / 2;
        if even == 0 && odd * 10 >= half * 9 {
            return Sniffed::Utf16(Encoding::Utf16Le);
        }
        if odd == 0 && even * 10 >= half * 9 {
            return Sniffed::Utf16(Encoding::Utf16Be);
        }
    }
    // Text has no NUL and few control characters (tab, line ends, form feed
    // and DOS's end-of-file mark aside); a binary file has NULs or many. A
    // stray control character in a cell is the row's problem, not the file's.
    let control = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    if head.contains(&0) || control * 10 > head.len() {
        return Sniffed::Other("a binary file", "");
    }
    Sniffed::Text
}

/// One streaming pass: is the whole file valid UTF-8?
fn detect_encoding(path: &Path) -> Result<Encoding> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0usize;
    let mut first = true;
    let mut bom = false;
    loop {
        let n = file.read(&mut buf[carry..])?;
        let filled = carry + n;
        if first {
            bom = buf[..filled].starts_with(&[0xEF, 0xBB, 0xBF]);
            first = false;
        }
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() && n > 0 => {
                // A character cut at the chunk's end: keep its bytes for the next read.
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => return Ok(Encoding::Windows1252),
        }
        if n == 0 {
            break;
        }
    }
    Ok(if bom {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    })
}

/// The header line, up to (not including) its LF.
fn first_line(start: &[u8]) -> &[u8] {
    let line_end = start
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(start.len());
    &start[..line_end]
}

/// The delimiter of the header line: whichever of `,` `;` tab occurs most
/// outside quotes (Indonesian Excel writes semicolons).
fn detect_delimiter(start: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in first_line(start) {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"nama;wa;alamat\n1;2;3"), b';');
        assert_eq!(detect_delimiter(b"name,whatsapp\n"), b',');
        assert_eq!(detect_delimiter(b"name\twhatsapp\taddress"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"name"), b',');
    }

    #[test]
    fn what_a_file_is() {
        assert!(matches!(sniff(b"name,wa\nBudi,0812\n"), Sniffed::Text));
        assert!(matches!(sniff(b"nama;wa\r\nB\xe9;0812\r\n"), Sniffed::Text));
        assert!(matches!(sniff(b""), Sniffed::Text));
        assert!(matches!(
            sniff(b"\xff\xfen\0a\0"),
            Sniffed::Utf16(Encoding::Utf16Le)
        ));
        assert!(matches!(
            sniff(b"\xfe\xff\0n\0a"),
            Sniffed::Utf16(Encoding::Utf16Be)
        ));
        assert!(matches!(
            sniff(b"n\0a\0m\0e\0\t\0w\0a\0\r\0\n\0"),
            Sniffed::Utf16(Encoding::Utf16Le)
        ));
        assert!(matches!(sniff(b"PK\x03\x04rest"), Sniffed::Zip));
        assert!(matches!(sniff(b"\x1f\x8b\x08\0"), Sniffed::Other(w, _) if w.contains("gzip")));
        assert!(matches!(sniff(b"%PDF-1.7"), Sniffed::Other(..)));
        assert!(matches!(sniff(b"abc\0\x01\x02def"), Sniffed::Other(..)));
    }
}
