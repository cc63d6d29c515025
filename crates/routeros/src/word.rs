//! The RouterOS API framing: a *word* is a length prefix of 1 to 5 bytes
//! followed by that many bytes; a *sentence* is words ended by an empty word.
//!
//! | length            | prefix                         |
//! |-------------------|--------------------------------|
//! | < 0x80            | 1 byte: the length             |
//! | < 0x4000          | 2 bytes: length \| 0x8000      |
//! | < 0x20_0000       | 3 bytes: length \| 0xC0_0000   |
//! | < 0x1000_0000     | 4 bytes: length \| 0xE000_0000 |
//! | up to u32::MAX    | 0xF0, then 4 bytes of length   |
//!
//! Reading takes whatever the stream delivers (one byte at a time is fine):
//! a word split across TCP packets is reassembled by `read_exact`.

use std::io::{self, Read, Write};

use crate::error::{Error, Result};

/// The longest word read: a router never sends one near this, and a bigger
/// length is a wrong port or a broken stream, not a reply to allocate for.
pub const MAX_WORD: usize = 64 * 1024 * 1024;

/// The length prefix of a word of `len` bytes.
pub fn encode_length(len: usize) -> Vec<u8> {
    let n = len as u64;
    match n {
        0..0x80 => vec![n as u8],
        0x80..0x4000 => ((n as u16) | 0x8000).to_be_bytes().to_vec(),
        0x4000..0x20_0000 => (((n as u32) | 0xC0_0000).to_be_bytes()[1..]).to_vec(),
        0x20_0000..0x1000_0000 => ((n as u32) | 0xE000_0000).to_be_bytes().to_vec(),
        _ => {
            let mut out = vec![0xF0];
            out.extend_from_slice(&(n as u32).to_be_bytes());
            out
        }
    }
}

/// Appends one word (prefix and bytes) to `out`.
pub fn encode_word(out: &mut Vec<u8>, word: &[u8]) {
    out.extend_from_slice(&encode_length(word.len()));
    out.extend_from_slice(word);
}

/// One sentence as bytes: its words, then the empty word that ends it.
pub fn encode_sentence<W: AsRef<[u8]>>(words: &[W]) -> Vec<u8> {
    let mut out = Vec::new();
    for w in words {
        encode_word(&mut out, w.as_ref());
    }
    out.push(0);
    out
}

/// Reads one length prefix.
pub fn read_length(r: &mut impl Read) -> Result<usize> {
    let first = read_byte(r)?;
    let (extra, start) = match first {
        b if b & 0x80 == 0 => return Ok(usize::from(b)),
        b if b & 0xC0 == 0x80 => (1, u32::from(b & 0x3F)),
        b if b & 0xE0 == 0xC0 => (2, u32::from(b & 0x1F)),
        b if b & 0xF0 == 0xE0 => (3, u32::from(b & 0x0F)),
        0xF0 => (4, 0),
        b => {
            return Err(Error::Protocol(format!(
                "a word starts with the control byte {b:#04x}"
            )));
        }
    };
    let mut len = start;
    for _ in 0..extra {
        len = (len << 8) | u32::from(read_byte(r)?);
    }
    Ok(len as usize)
}

/// Reads one word (its bytes, without the prefix).
pub fn read_word(r: &mut impl Read) -> Result<Vec<u8>> {
    let len = read_length(r)?;
    if len > MAX_WORD {
        return Err(Error::Protocol(format!(
            "a word of {len} bytes is longer than any reply"
        )));
    }
    let mut word = vec![0; len];
    r.read_exact(&mut word).map_err(closed)?;
    Ok(word)
}

/// Reads one sentence: the words up to the empty one, as text (RouterOS
/// sends bytes; a non-UTF-8 byte, from an old Windows-1252 comment, is
/// replaced rather than refused).
pub fn read_sentence(r: &mut impl Read) -> Result<Vec<String>> {
    let mut words = Vec::new();
    loop {
        let word = read_word(r)?;
        if word.is_empty() {
            return Ok(words);
        }
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
}

/// Writes one sentence in one `write_all` (the stream may still split it).
pub fn write_sentence<W: AsRef<[u8]>>(w: &mut impl Write, words: &[W]) -> Result<()> {
    w.write_all(&encode_sentence(words))?;
    w.flush()?;
    Ok(())
}

fn read_byte(r: &mut impl Read) -> Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b).map_err(closed)?;
    Ok(b[0])
}

/// An end of stream mid-sentence is the router going away, not bad bytes.
fn closed(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::Unreachable("the router closed the connection".into())
    } else {
        Error::from(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per read, like a stream whose
    /// packets split every word.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.split_first() {
                None => Ok(0),
                Some((b, rest)) if !buf.is_empty() => {
                    buf[0] = *b;
                    self.0 = rest;
                    Ok(1)
                }
                Some(_) => Ok(0),
            }
        }
    }

    #[test]
    fn prefixes_are_byte_exact_at_every_boundary() {
        let cases: &[(usize, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7F]),
            (128, &[0x80, 0x80]),
            (300, &[0x81, 0x2C]),
            (16_383, &[0xBF, 0xFF]),
            (16_384, &[0xC0, 0x40, 0x00]),
            (0x1F_FFFF, &[0xDF, 0xFF, 0xFF]),
            (0x20_0000, &[0xE0, 0x20, 0x00, 0x00]),
            (0x0FFF_FFFF, &[0xEF, 0xFF, 0xFF, 0xFF]),
            (0x1000_0000, &[0xF0, 0x10, 0x00, 0x00, 0x00]),
            (u32::MAX as usize, &[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]),
        ];
        for (len, bytes) in cases {
            assert_eq!(encode_length(*len), *bytes, "encoding {len}");
            assert_eq!(
                read_length(&mut Trickle(bytes)).unwrap(),
                *len,
                "decoding {bytes:02x?}"
            );
        }
    }

    #[test]
    fn words_round_trip_through_a_stream_split_into_single_bytes() {
        for len in [0, 1, 127, 128, 16_383, 16_384, 70_000, 0x20_0000] {
            let word: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut bytes = Vec::new();
            encode_word(&mut bytes, &word);
            assert_eq!(bytes.len(), encode_length(len).len() + len);
            assert_eq!(read_word(&mut Trickle(&bytes)).unwrap(), word, "{len}");
        }
    }

    #[test]
    fn a_sentence_ends_at_the_empty_word() {
        let bytes = encode_sentence(&["/ppp/secret/print", "?name=budi", ".tag=7"]);
        assert_eq!(bytes.last(), Some(&0));
        let mut r = Trickle(&bytes);
        assert_eq!(
            read_sentence(&mut r).unwrap(),
            ["/ppp/secret/print", "?name=budi", ".tag=7"]
        );
    }

    #[test]
    fn a_control_byte_or_a_cut_stream_is_an_error() {
        assert!(matches!(
            read_length(&mut Trickle(&[0xF8])),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            read_word(&mut Trickle(&[0x05, b'a', b'b'])),
            Err(Error::Unreachable(_))
        ));
    }
}
