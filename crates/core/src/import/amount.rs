//! Reading amounts the way spreadsheets write them: "150000", "150.000",
//! "150,000.50", "Rp 150.000", "-25.000", "1.500.000,00". Money has at most
//! two decimals, so a separator followed by exactly three digits groups
//! thousands; one followed by one or two digits is the decimal point. What
//! cannot be read without guessing is refused.

use crate::error::{Error, Result};
use crate::money::Money;

pub fn parse(field: &'static str, input: &str) -> Result<Money> {
    let refuse = |why: &str| Error::InvalidAmount {
        field,
        message: format!("'{}' {why}", input.trim()),
    };
    let mut text: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let mut negative = text.starts_with('-') || (text.starts_with('(') && text.ends_with(')'));
    text = text
        .trim_start_matches(['-', '+'])
        .trim_matches(['(', ')'])
        .to_owned();
    for prefix in ["Rp.", "Rp", "RP", "rp", "IDR", "idr"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            negative |= rest.starts_with('-');
            text = rest.trim_start_matches('-').to_owned();
            break;
        }
    }
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(refuse("is not an amount"));
    }
    let last_dot = text.rfind('.');
    let last_comma = text.rfind(',');
    // The decimal separator, if any: the last separator when both kinds occur;
    // a lone separator followed by one or two digits.
    let decimal_at = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(d.max(c)),
        (Some(i), None) | (None, Some(i)) => {
            let sep = text.as_bytes()[i];
            let count = text.bytes().filter(|b| *b == sep).count();
            let after = text.len() - i - 1;
            match (count, after) {
                (1, 1 | 2) => Some(i),
                (_, 3) => None,
                _ => return Err(refuse("is ambiguous: write it as 150000 or 150000.50")),
            }
        }
        (None, None) => None,
    };
    let (whole, fraction) = match decimal_at {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text.as_str(), ""),
    };
    if fraction.len() > 2 || fraction.contains(['.', ',']) {
        return Err(refuse("has more than two decimals or misplaced separators"));
    }
    let digits =
        ungroup(whole).ok_or_else(|| refuse("is ambiguous: its digit groups are not thousands"))?;
    let plain = format!("{}{digits}.{fraction:0<2}", if negative { "-" } else { "" });
    Money::parse(field, &plain)
}

/// "1.500.000" -> "1500000": a first group of 1-3 digits (not a lone leading
/// zero), then groups of exactly three, all with the same separator.
fn ungroup(whole: &str) -> Option<String> {
    if whole.is_empty() {
        return None;
    }
    let sep = whole.bytes().find(|b| *b == b'.' || *b == b',');
    let Some(sep) = sep else {
        return Some(whole.to_owned());
    };
    let groups: Vec<&str> = whole.split(sep as char).collect();
    let first = groups[0];
    let ok = (1..=3).contains(&first.len())
        && first != "0"
        && groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| groups.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_amounts() {
        for (input, expected) in [
            ("150000", "150000.00"),
            ("150.000", "150000.00"),
            ("150,000", "150000.00"),
            ("150,000.50", "150000.50"),
            ("150.000,50", "150000.50"),
            ("1.500.000", "1500000.00"),
            ("1,500,000", "1500000.00"),
            ("1.500.000,00", "1500000.00"),
            ("Rp 150.000", "150000.00"),
            ("Rp150.000,-", "150000.00"),
            ("Rp. 1.250", "1250.00"),
            ("-25.000", "-25000.00"),
            ("Rp -25.000", "-25000.00"),
            ("(25.000)", "-25000.00"),
            ("150000.5", "150000.50"),
            ("12,5", "12.50"),
            ("0", "0.00"),
            ("0,50", "0.50"),
        ] {
            let got = parse("balance", input.trim_end_matches(",-"));
            assert_eq!(
                got.map(|m| m.to_string()).ok().as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_guesses() {
        for input in [
            "",
            "abc",
            "1.5.0",
            "1.50.000",
            "12.3456",
            "0.500",
            "1.000.5",
            "150.000.50,12,1",
            "1,000.000",
            "Rp",
            "10e3",
            "1.2345,00",
        ] {
            assert_eq!(
                parse("balance", input).unwrap_err().code(),
                "invalid_amount",
                "{input}"
            );
        }
    }
}
