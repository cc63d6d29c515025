//! Small checks shared by every use case: required and bounded text, email.

use crate::error::{Error, Result};

/// Trims `input`; refuses it when empty or longer than `max` characters.
pub fn required(field: &'static str, input: &str, max: usize) -> Result<String> {
    optional(field, Some(input), max)?.ok_or_else(|| Error::validation(field, "is required"))
}

/// Trims `input`; an empty value is None; longer than `max` characters is refused.
pub fn optional(field: &'static str, input: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let len = text.chars().count();
    if len > max {
        return Err(Error::validation(
            field,
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::validation(field, "contains control characters"));
    }
    Ok(Some(text.to_owned()))
}

/// Like `optional`, for text that may span lines (an address, notes): a line
/// break typed on Windows (CRLF) or an old Mac (CR) is kept as LF; other
/// control characters are still refused.
pub fn multiline(field: &'static str, input: Option<&str>, max: usize) -> Result<Option<String>> {
    match input {
        Some(text) if text.contains('\r') => optional(
            field,
            Some(&text.replace("\r\n", "\n").replace('\r', "\n")),
            max,
        ),
        _ => optional(field, input, max),
    }
}

/// A name (a customer's, a tag's): `required`, after removing invisible
/// characters at both ends (zero-width spaces, joiners, byte-order marks,
/// direction marks: what a copy from a chat or a web page brings along);
/// refused when nothing visible is left, or when it holds a line break.
pub fn name(field: &'static str, input: &str, max: usize) -> Result<String> {
    let text = input.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if text.contains([
        '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}',
    ]) {
        return Err(Error::validation(
            field,
            "contains a line break; a name is one line",
        ));
    }
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_whitespace() || is_invisible(c) || is_blank(c))
    {
        return Err(Error::validation(
            field,
            "has no visible characters (only spaces or invisible characters)",
        ));
    }
    required(field, text, max)
}

/// Characters that take no space and show nothing: zero-width space and
/// joiners, word joiner and invisible operators, byte-order mark, soft
/// hyphen, direction marks and embeddings, the Mongolian vowel separator.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}')
}

/// Characters that look like nothing but are not "invisible" at the end of
/// a visible name (a variation selector ends many emoji): Hangul fillers,
/// the braille blank, variation selectors, tag characters.
fn is_blank(c: char) -> bool {
    matches!(c,
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{2800}'
        | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180d}' | '\u{180f}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{e0000}'..='\u{e007f}'
        | '\u{e0100}'..='\u{e01ef}')
}

/// An email address by RFC 5321/5322 rules, at most 100 characters; stored as typed (trimmed).
pub fn email(field: &'static str, input: Option<&str>) -> Result<Option<String>> {
    let Some(text) = optional(field, input, 100)? else {
        return Ok(None);
    };
    let valid = email_address::EmailAddress::parse_with_options(
        &text,
        email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        },
    )
    .is_ok();
    if !valid {
        return Err(Error::validation(
            field,
            format!("'{text}' is not a valid email address"),
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_trims() {
        assert_eq!(required("name", "  Budi ", 100).unwrap(), "Budi");
        assert_eq!(
            required("name", "  ", 100).unwrap_err().code(),
            "validation"
        );
        assert_eq!(
            required("name", &"x".repeat(101), 100).unwrap_err().field(),
            Some("name")
        );
        assert_eq!(optional("notes", Some(""), 10).unwrap(), None);
        // Characters, not bytes: 100 Indonesian or emoji characters fit.
        assert!(required("name", &"é".repeat(100), 100).is_ok());
    }

    #[test]
    fn line_breaks_in_multiline_text() {
        assert_eq!(
            multiline("address", Some("Jl. Melati 5\r\nBandung\rJawa Barat"), 100).unwrap(),
            Some("Jl. Melati 5\nBandung\nJawa Barat".to_owned())
        );
        assert_eq!(
            multiline("notes", Some("a\u{7}b"), 100).unwrap_err().code(),
            "validation"
        );
    }

    #[test]
    fn names() {
        let ok = |s: &str| name("name", s, 100).unwrap();
        let refused = |s: &str| {
            let e = name("name", s, 100).unwrap_err();
            (e.code().as_str(), e.field())
        };
        assert_eq!(ok("\u{200b}Budi Santoso\u{feff} "), "Budi Santoso");
        assert_eq!(ok("\u{200e}Siti\u{200d}"), "Siti");
        // Inside a name, a joiner belongs to an emoji; a variation selector may end one.
        assert_eq!(
            ok("Budi \u{1f468}\u{200d}\u{1f469}"),
            "Budi \u{1f468}\u{200d}\u{1f469}"
        );
        assert_eq!(ok("Toko \u{2764}\u{fe0f}"), "Toko \u{2764}\u{fe0f}");
        for bad in [
            "\u{200b}",
            "\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}",
            " \u{3164} ",
            "\u{2800}\u{2800}",
            "\u{fe0f}",
            "\u{200b} \u{00a0} \u{200b}",
        ] {
            assert_eq!(refused(bad), ("validation", Some("name")), "{bad:?}");
        }
        for bad in [
            "Budi\nSantoso",
            "Budi\r\nSantoso",
            "Budi\u{2028}Santoso",
            "Budi\rX",
        ] {
            assert_eq!(refused(bad), ("validation", Some("name")), "{bad:?}");
        }
        assert_eq!(refused("   "), ("validation", Some("name")));
    }

    #[test]
    fn emails() {
        assert!(
            email("email", Some("budi@example.co.id"))
                .unwrap()
                .is_some()
        );
        for bad in ["budi", "budi@", "@x.com", "budi@localhost", "a b@x.com"] {
            assert_eq!(
                email("email", Some(bad)).unwrap_err().code(),
                "validation",
                "{bad}"
            );
        }
    }
}
