//! Money: an exact amount in minor units (1/100 of the currency unit).
//!
//! Stored as INTEGER in SQLite so SUM, ORDER BY and range filters are exact
//! and fast; shown and accepted as a plain decimal string with at most two
//! places ("150000", "150000.50"). Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

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

    /// Reads a decimal from user input: at most two places, within `MAX`.
    /// Sign is allowed; `positive` rejects zero and negatives.
    pub fn parse(field: &'static str, input: &str) -> Result<Money> {
        let text = input.trim();
        let bad = |message: &str| Error::InvalidAmount {
            field,
            message: format!("'{input}' {message}"),
        };
        if text.is_empty() {
            return Err(bad("is empty"));
        }
        // Only digits, one dot and a leading sign: no exponents, no thousands separators
        // (those are the importer's business, where the format is known).
        let body = text.strip_prefix(['-', '+']).unwrap_or(text);
        if body.is_empty()
            || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
            || body.matches('.').count() > 1
            || body.starts_with('.')
            || body.ends_with('.')
        {
            return Err(bad(
                "is not a plain decimal number such as 150000 or 150000.50",
            ));
        }
        let value = Decimal::from_str(text).map_err(|_| Error::Overflow {
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
        assert_eq!(ok("0.01").unwrap(), "0.01");
        assert_eq!(ok("999999999999.99").unwrap(), "999999999999.99");
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for (input, code) in [
            ("", "invalid_amount"),
            ("abc", "invalid_amount"),
            ("1.234", "invalid_amount"),
            ("1e5", "invalid_amount"),
            ("150.000,00", "invalid_amount"),
            ("1.", "invalid_amount"),
            ("-", "invalid_amount"),
            ("1000000000000", "overflow"),
            ("99999999999999999999999999999999", "overflow"),
        ] {
            let err = Money::parse("amount", input).unwrap_err();
            assert_eq!(err.code(), code, "{input}");
        }
        for input in ["0", "0.00", "-5"] {
            let err = Money::parse_positive("amount", input).unwrap_err();
            assert_eq!(err.code(), "invalid_amount", "{input}");
        }
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
