//! The records of a CSV file, one at a time, in bounded memory.
//!
//! The csv crate's reader grows its buffer to hold whatever one record is
//! (a quote left open makes the rest of the file one record), and counts a
//! CRLF file's lines one short. This loop drives the same parser (csv-core)
//! itself: a record past `MAX_ROW_BYTES` is read to its end without keeping
//! its bytes and comes back as `too_large`, and every record knows the line
//! where it starts, whatever the line ends (CRLF, LF, CR) and however many
//! line breaks quoted cells hold.

use std::io::BufRead;

use crate::error::Result;

/// The largest record kept, in bytes of (decoded) text: far above any
/// customer row, far below what would strain memory.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// One record as read.
pub struct Record {
    /// The line of the file where the record starts (the first line is 1).
    pub line: u64,
    /// The cells, or nothing when the record was too large to keep.
    pub fields: Vec<String>,
    /// The record's size in bytes when it was past `MAX_ROW_BYTES`.
    pub too_large: Option<u64>,
    /// A cell that is not UTF-8 (only possible if the file changed while read).
    pub not_utf8: bool,
}

pub struct Records<R> {
    input: R,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Line breaks seen so far, plus one: the line being read.
    line: u64,
    /// The last byte seen was a CR (its LF, if one follows, ends the same line).
    after_cr: bool,
    done: bool,
}

impl<R: BufRead> Records<R> {
    pub fn new(input: R, delimiter: u8) -> Records<R> {
        Records {
            input,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 4 * 1024],
            ends: vec![0; 64],
            line: 1,
            after_cr: false,
            done: false,
        }
    }

    /// The next record, or None at the end. An I/O failure is an error; no
    /// content is (csv-core always finds *a* parse).
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        use csv_core::ReadRecordResult as R;
        if self.done {
            return Ok(None);
        }
        let (mut outlen, mut endlen) = (0usize, 0usize);
        let mut start: Option<u64> = None;
        let mut size = 0u64;
        let mut too_large = false;
        loop {
            let input = self.input.fill_buf()?;
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            // Lines: CRLF, LF and a lone CR each end one; the record starts at
            // its first byte that is not a line end.
            for &b in &input[..nin] {
                match b {
                    b'\r' => {
                        self.line += 1;
                        self.after_cr = true;
                    }
                    b'\n' => {
                        if !self.after_cr {
                            self.line += 1;
                        }
                        self.after_cr = false;
                    }
                    _ => {
                        self.after_cr = false;
                        if start.is_none() {
                            start = Some(self.line);
                        }
                    }
                }
            }
            self.input.consume(nin);
            size += nin as u64;
            outlen += nout;
            endlen += nend;
            if size > MAX_ROW_BYTES as u64 {
                // Read on to the record's end, keeping nothing of it.
                too_large = true;
            }
            match res {
                R::InputEmpty => {}
                R::OutputFull if too_large => outlen = 0,
                R::OutputFull => {
                    let grown = (self.out.len() * 2).min(MAX_ROW_BYTES + 64 * 1024);
                    if grown > self.out.len() {
                        self.out.resize(grown, 0);
                    } else {
                        too_large = true;
                        outlen = 0;
                    }
                }
                R::OutputEndsFull if too_large => endlen = 0,
                R::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                R::Record => {
                    let line = start.unwrap_or(self.line);
                    if too_large {
                        return Ok(Some(Record {
                            line,
                            fields: Vec::new(),
                            too_large: Some(size),
                            not_utf8: false,
                        }));
                    }
                    return Ok(Some(self.record(line, outlen, endlen)));
                }
                R::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    fn record(&self, line: u64, outlen: usize, endlen: usize) -> Record {
        let bytes = &self.out[..outlen];
        let mut fields = Vec::with_capacity(endlen);
        let mut not_utf8 = false;
        let mut from = 0;
        for &end in &self.ends[..endlen] {
            match std::str::from_utf8(&bytes[from..end]) {
                Ok(text) => fields.push(text.to_owned()),
                Err(_) => {
                    not_utf8 = true;
                    fields.push(String::from_utf8_lossy(&bytes[from..end]).into_owned());
                }
            }
            from = end;
        }
        Record {
            line,
            fields,
            too_large: None,
            not_utf8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(std::io::BufReader::with_capacity(3, text.as_bytes()), b',');
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push((rec.line, rec.fields));
        }
        out
    }

    fn lines(text: &str) -> Vec<u64> {
        all(text).into_iter().map(|(l, _)| l).collect()
    }

    #[test]
    fn lines_whatever_the_line_ends() {
        assert_eq!(lines("a,b\nc,d\ne,f\n"), [1, 2, 3]);
        assert_eq!(lines("a,b\r\nc,d\r\ne,f\r\n"), [1, 2, 3]);
        assert_eq!(lines("a,b\rc,d\re,f"), [1, 2, 3]);
        // Blank lines are skipped but counted.
        assert_eq!(lines("a,b\r\n\r\nc,d\r\n"), [1, 3]);
        // A quoted cell spanning lines: the next record starts after them.
        assert_eq!(lines("a,b\r\n\"x\r\ny\",z\r\nc,d\r\n"), [1, 2, 4]);
        assert_eq!(lines("a,b\n\"x\ny\",z\nc,d"), [1, 2, 4]);
        assert_eq!(
            all("a,\"b\r\nc\"\r\n")[0].1,
            vec!["a".to_string(), "b\r\nc".to_string()]
        );
    }

    #[test]
    fn a_huge_record_is_read_past_not_kept() {
        let big = "x".repeat(MAX_ROW_BYTES + 10);
        let text = format!("a,b\n\"{big}\",c\nd,e\n");
        let mut r = Records::new(std::io::BufReader::new(text.as_bytes()), b',');
        assert_eq!(r.next_record().unwrap().unwrap().fields, ["a", "b"]);
        let huge = r.next_record().unwrap().unwrap();
        assert!(huge.fields.is_empty());
        assert!(huge.too_large.unwrap() > MAX_ROW_BYTES as u64);
        assert!(r.out.len() <= MAX_ROW_BYTES + 64 * 1024);
        let next = r.next_record().unwrap().unwrap();
        assert_eq!((next.line, next.fields), (3, vec!["d".into(), "e".into()]));
        assert!(r.next_record().unwrap().is_none());
    }
}
