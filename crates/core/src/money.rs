//! Money: an exact amount in minor units (1/100 of the currency unit).
//!
//! Stored as INTEGER in SQLite so SUM, ORDER BY and range filters are exact
//! and fast; shown as a plain decimal string with two places ("150000.50");
//! read the way people type amounts (`Money::parse`: "150.000",
//! "Rp 1.500.000,00", ...), the one parser of every amount typed anywhere.
//! Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// A signed amount in minor units. Arithmetic is checked: past `Money::MAX`
/// it is an `Error::Overflow`, never a wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);
    /// 999,999,999,999.99: a trillion of the currency unit, far past any shop's
    /// books, yet far enough from i64::MAX that a million summed balances fit.
    pub const MAX: Money = Money(99_999_999_999_999);

    pub fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Reads an amount as a person types it, in a form, on the command line
    /// or in a spreadsheet cell: `150000`, `150000.50`, `150.000`,
    /// `1.500.000`, `1.500.000,00`, `150,000.50`, `Rp 150.000`,
    /// `Rp 150.000,-`, `-25.000`, `(25.000)`. Money has at most two decimals,
    /// so a separator followed by exactly three digits groups thousands and
    /// one followed by one or two digits is the decimal point; with both `.`
    /// and `,`, the last one is the decimal point. What cannot be read
    /// without guessing (`0.500`, `1.50.000`, `12.3456`) is `invalid_amount`;
    /// past `MAX` is `overflow`. A sign is allowed (`parse_positive` refuses
    /// zero and negatives).
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
        // "Rp 150.000,-": the Indonesian way of writing "no cents".
        if let Some(rest) = text.strip_suffix(",-").or_else(|| text.strip_suffix(".-")) {
            text = rest.to_owned();
        }
        // A sign (or accounting brackets), a currency before the digits, and
        // the sign again after it ("Rp -25.000"): one sign at most.
        let mut body = text.as_str();
        let mut negative = false;
        if let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
            negative = true;
            body = inner;
        }
        let (before, rest) = sign(body);
        body = rest;
        for prefix in ["rp.", "rp", "idr"] {
            if let Some(rest) = body
                .get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .map(|p| &body[p.len()..])
            {
                body = rest;
                break;
            }
        }
        let (after, rest) = if before.is_none() {
            sign(body)
        } else {
            (None, body)
        };
        body = rest;
        negative |= before == Some(true) || after == Some(true);
        let text = body;
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        {
            return Err(refuse(
                "is not an amount such as 150000, 150.000 or 150000.50",
            ));
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
            None => (text, ""),
        };
        if fraction.len() > 2 || fraction.contains(['.', ',']) {
            return Err(refuse("has more than two decimals or misplaced separators"));
        }
        let digits = ungroup(whole)
            .ok_or_else(|| refuse("is ambiguous: its digit groups are not thousands"))?;
        let plain = format!("{}{digits}.{fraction:0<2}", if negative { "-" } else { "" });
        let value = Decimal::from_str(&plain).map_err(|_| Error::Overflow {
            field,
            limit: Money::MAX.to_string(),
        })?;
        Money::from_decimal(field, value)
    }

    /// Like `parse`, then requires the amount to be greater than zero.
    pub fn parse_positive(field: &'static str, input: &str) -> Result<Money> {
        let m = Money::parse(field, input)?;
        if m.0 <= 0 {
            return Err(Error::InvalidAmount {
                field,
                message: format!("'{}' must be greater than zero", input.trim()),
            });
        }
        Ok(m)
    }

    pub fn from_decimal(field: &'static str, value: Decimal) -> Result<Money> {
        let value = value.normalize();
        if value.scale() > 2 {
            return Err(Error::InvalidAmount {
                field,
                message: format!("'{value}' has more than two decimal places"),
            });
        }
        let minor = (value * Decimal::ONE_HUNDRED)
            .trunc()
            .to_string()
            .parse::<i64>()
            .ok()
            .filter(|m| m.abs() <= Money::MAX.0);
        minor.map(Money).ok_or(Error::Overflow {
            field,
            limit: Money::MAX.to_string(),
        })
    }

    pub fn checked_add(self, other: Money, field: &'static str) -> Result<Money> {
        self.0
            .checked_add(other.0)
            .filter(|m| m.abs() <= Money::MAX.0)
            .map(Money)
            .ok_or(Error::Overflow {
                field,
                limit: Money::MAX.to_string(),
            })
    }

    pub fn checked_sub(self, other: Money, field: &'static str) -> Result<Money> {
        self.checked_add(Money(-other.0), field)
    }

    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }
}

/// A leading sign: Some(true) for '-', Some(false) for '+', and the rest.
fn sign(text: &str) -> (Option<bool>, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (Some(true), rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        (Some(false), rest)
    } else {
        (None, text)
    }
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

/// "150000.00", "-25000.50": always two places, no grouping.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// JSON carries money as a string so no client ever reads it as a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An amount on the wire is a string read by `Money::parse`'s rules (`"150.000"`,
/// `"Rp 1.500.000,00"`), never a JSON number: a float would be a guess.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Money, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Money::parse("amount", &text).map_err(serde::de::Error::custom)
    }
}

/// TypeScript sees an amount as the string it is in JSON.
#[cfg(feature = "ts")]
impl ts_rs::TS for Money {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        <Self as ts_rs::TS>::name(cfg)
    }
}

impl rusqlite::types::ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.0.into())
    }
}

impl rusqlite::types::FromSql for Money {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(v).map(Money)
    }
}

/// `Rp 1.500.000`, `-Rp 250.000`, `Rp 999,50`: grouped the Indonesian way,
/// cents only when there are any; another currency shows its code.
pub fn amount_text(amount: Money, currency: &str) -> String {
    let minor = amount.minor();
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let cents = abs % 100;
    let sign = if minor < 0 { "-" } else { "" };
    let symbol = if currency.eq_ignore_ascii_case("IDR") {
        "Rp"
    } else {
        currency
    };
    if cents == 0 {
        format!("{sign}{symbol} {grouped}")
    } else {
        format!("{sign}{symbol} {grouped},{cents:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_decimals() {
        let ok = |s: &str| Money::parse("amount", s).map(|m| m.to_string());
        assert_eq!(ok("150000").unwrap(), "150000.00");
        assert_eq!(ok("150000.5").unwrap(), "150000.50");
        assert_eq!(ok(" 150000.50 ").unwrap(), "150000.50");
        assert_eq!(ok("-25000").unwrap(), "-25000.00");
        assert_eq!(ok("+25000").unwrap(), "25000.00");
        assert_eq!(ok("0.01").unwrap(), "0.01");
        assert_eq!(ok("999999999999.99").unwrap(), "999999999999.99");
    }

    /// Amounts as people write them in Indonesia and in spreadsheets: the one
    /// rule of the CLI, the import and the app.
    #[test]
    fn amounts_as_typed() {
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
            ("Rp 150.000,-", "150000.00"),
            ("rp 5.000", "5000.00"),
            ("IDR 5.000", "5000.00"),
            ("Rp. 1.250", "1250.00"),
            ("5.000", "5000.00"),
            ("1.001", "1001.00"),
            ("-25.000", "-25000.00"),
            ("Rp -25.000", "-25000.00"),
            ("-Rp 25.000", "-25000.00"),
            ("(25.000)", "-25000.00"),
            ("150000.5", "150000.50"),
            ("12,5", "12.50"),
            ("0", "0.00"),
            ("0,50", "0.50"),
            ("1 500 000", "1500000.00"),
            ("999.999.999.999,99", "999999999999.99"),
        ] {
            let got = Money::parse("balance", input);
            assert_eq!(
                got.map(|m| m.to_string()).ok().as_deref(),
                Some(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount_or_a_guess() {
        for (input, code) in [
            ("", "invalid_amount"),
            ("abc", "invalid_amount"),
            ("1e5", "invalid_amount"),
            ("1.", "invalid_amount"),
            (".5", "invalid_amount"),
            ("-", "invalid_amount"),
            ("--5", "invalid_amount"),
            ("+-5", "invalid_amount"),
            ("(25.000", "invalid_amount"),
            ("1.5.0", "invalid_amount"),
            ("1.50.000", "invalid_amount"),
            ("12.3456", "invalid_amount"),
            ("0.500", "invalid_amount"),
            ("1.000.5", "invalid_amount"),
            ("150.000.50,12,1", "invalid_amount"),
            ("1,000.000", "invalid_amount"),
            ("1.2345,00", "invalid_amount"),
            ("1000.005", "invalid_amount"),
            ("Rp", "invalid_amount"),
            ("10e3", "invalid_amount"),
            ("USD 5", "invalid_amount"),
            ("1000000000000", "overflow"),
            ("1.000.000.000.000", "overflow"),
            ("99999999999999999999999999999999", "overflow"),
        ] {
            let err = Money::parse("amount", input).unwrap_err();
            assert_eq!(err.code(), code, "{input}");
            assert_eq!(err.field(), Some("amount"), "{input}");
        }
        for input in ["0", "0.00", "-5", "-5.000", "Rp 0"] {
            let err = Money::parse_positive("amount", input).unwrap_err();
            assert_eq!(err.code(), "invalid_amount", "{input}");
        }
        assert_eq!(
            Money::parse_positive("amount", "Rp 150.000").unwrap(),
            Money::from_minor(15_000_000)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        let err = Money::MAX
            .checked_add(Money::from_minor(1), "balance")
            .unwrap_err();
        assert_eq!(err.code(), "overflow");
        assert_eq!(
            Money::from_minor(-100)
                .checked_sub(Money::from_minor(50), "balance")
                .unwrap(),
            Money::from_minor(-150)
        );
    }

    #[test]
    fn serialises_as_string() {
        assert_eq!(
            serde_json::to_string(&Money::from_minor(15_000_050)).unwrap(),
            "\"150000.50\""
        );
    }
}
