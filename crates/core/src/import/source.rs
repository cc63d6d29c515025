//! Opening a CSV file for import: its encoding (UTF-8 with or without BOM,
//! else Windows-1252), its delimiter, and a byte counter for progress.
//! Both passes stream; memory stays constant whatever the file's size.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    /// Not valid UTF-8: read as Windows-1252 (what older Excel writes).
    Windows1252,
}

/// A reader over the decoded text of a CSV file.
pub struct Source {
    pub encoding: Encoding,
    pub delimiter: u8,
    pub total_bytes: u64,
    /// Raw bytes read so far, for progress (read on the writing thread).
    pub bytes_read: Arc<AtomicU64>,
    /// Send: the import reads and checks rows on a thread of its own.
    pub reader: BufReader<Box<dyn Read + Send>>,
}

pub fn open(path: &Path) -> Result<Source> {
    let total_bytes = std::fs::metadata(path)?.len();
    let encoding = detect_encoding(path)?;
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counted = Counting {
        inner: File::open(path)?,
        count: bytes_read.clone(),
    };
    let decoded: Box<dyn Read + Send> = match encoding {
        // The decoder strips a BOM and passes UTF-8 through unchanged.
        Encoding::Utf8 | Encoding::Utf8Bom => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .utf8_passthru(true)
                .build(counted),
        ),
        Encoding::Windows1252 => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .build(counted),
        ),
    };
    let reader = BufReader::with_capacity(64 * 1024, decoded);
    // The delimiters are ASCII in both encodings, so the raw bytes tell.
    let mut head = Vec::with_capacity(64 * 1024);
    File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    let delimiter = detect_delimiter(head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&head));
    Ok(Source {
        encoding,
        delimiter,
        total_bytes,
        bytes_read,
        reader,
    })
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

/// The delimiter of the header line: whichever of `,` `;` tab occurs most
/// outside quotes (Indonesian Excel writes semicolons).
fn detect_delimiter(start: &[u8]) -> u8 {
    let line_end = start
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(start.len());
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in &start[..line_end] {
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
}
