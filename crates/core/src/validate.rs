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
