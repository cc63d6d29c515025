//! Phone numbers: parsing user input into E.164 with libphonenumber's rules.
//!
//! A WhatsApp number is the customer's identity, so `0812-3456-7890`,
//! `62 812 3456 7890`, `+62 812-3456-7890` and `(0812) 34567890` must all
//! become `+6281234567890`, and anything that is not a real number must be
//! refused rather than stored as typed.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id as CountryId;
use phonenumber::{Mode, PhoneNumber};
use serde::Serialize;

/// A region as an ISO 3166 alpha-2 code ("ID", "MY"): the country assumed for
/// numbers typed without a country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(CountryId);

impl Region {
    pub const INDONESIA: Region = Region(CountryId::ID);

    pub fn parse(code: &str) -> Option<Region> {
        CountryId::from_str(&code.trim().to_ascii_uppercase())
            .ok()
            .map(Region)
    }

    pub fn code(self) -> String {
        format!("{:?}", self.0)
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::INDONESIA
    }
}

/// A valid phone number in E.164 form. Only `parse` makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct E164(String);

impl E164 {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from the database, which only holds parsed numbers.
    pub(crate) fn from_stored(s: String) -> E164 {
        E164(s)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `input` as a phone number, assuming `region` when it has no country
/// code. Returns None for anything that is not a valid number of that plan.
pub fn parse(input: &str, region: Region) -> Option<E164> {
    let text = input.trim();
    // Letters are never part of a number we accept (libphonenumber would read
    // vanity numbers like 1-800-FLOWERS); nor is anything but digits and the
    // usual separators, with '+' only in front.
    if text.is_empty()
        || text.len() > 40
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c))
        || text.rfind('+').is_some_and(|i| i > 0)
    {
        return None;
    }
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let with_plus = text.starts_with('+');
    // Only digits matter once the characters are checked. The separators are
    // dropped before parsing: the phonenumber crate fails to find the country
    // code in "+62812-3456-7890" (a separator inside the first group).
    let plain = if with_plus {
        format!("+{digits}")
    } else {
        digits.clone()
    };
    let candidates = std::iter::once(plain).chain(
        // "62 812 3456 7890": the country code typed without '+'. libphonenumber
        // only tries this when the national reading fails, so offer it ourselves.
        (!with_plus).then(|| format!("+{digits}")),
    );
    candidates
        .filter_map(|c| phonenumber::parse(Some(region.0), &c).ok())
        .find(is_accepted)
        .map(|n| E164(n.format().mode(Mode::E164).to_string()))
}

fn is_accepted(n: &PhoneNumber) -> bool {
    n.is_valid() && n.extension().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Option<String> {
        parse(s, Region::INDONESIA).map(|e| e.0)
    }

    #[test]
    fn formats_of_one_number_agree() {
        for s in [
            "0812-3456-7890",
            "62 812 3456 7890",
            "+62 812-3456-7890",
            "(0812) 34567890",
            "081234567890",
            "6281234567890",
            "+6281234567890",
            " 0812.3456.7890 ",
            "+62812-3456-7890",
            "+628-1234-567890",
        ] {
            assert_eq!(id(s).as_deref(), Some("+6281234567890"), "{s}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for s in [
            "12345",
            "0812",
            "abc",
            "0812-ABCD-7890",
            "",
            "+",
            "++62812345678",
            "0812345678901234567",
            "1-800-FLOWERS",
        ] {
            assert_eq!(id(s), None, "{s}");
        }
    }

    #[test]
    fn fixed_lines_and_other_regions() {
        assert_eq!(id("(021) 5795 1234").as_deref(), Some("+622157951234"));
        let my = Region::parse("my").unwrap();
        assert_eq!(
            parse("012-345 6789", my).map(|e| e.0).as_deref(),
            Some("+60123456789")
        );
        assert_eq!(Region::parse("XX"), None);
        assert_eq!(Region::INDONESIA.code(), "ID");
    }
}
