//! Phone numbers: parsing user input into E.164 with libphonenumber's rules.
//!
//! A WhatsApp number is the customer's identity, so `0812-3456-7890`,
//! `62 812 3456 7890`, `+62 812-3456-7890` and `(0812) 34567890` must all
//! become `+6281234567890`, and anything that is not a real number must be
//! refused rather than stored as typed.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id as CountryId;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber, Type};
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

    /// The country's English short name ("Indonesia"), else its code.
    pub fn name(self) -> String {
        let code = self.code();
        crate::iso::country_name(&code).map_or(code, str::to_owned)
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

/// TypeScript sees a number as its E.164 string.
#[cfg(feature = "ts")]
impl ts_rs::TS for E164 {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(cfg: &ts_rs::Config) -> String {
        <Self as ts_rs::TS>::name(cfg)
    }
}

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

/// A number as `read` understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub number: E164,
    /// Mobile, fixed line, toll-free... as libphonenumber's plan says.
    pub kind: Kind,
    /// Set when the digits were typed without `+`, are not a valid number of
    /// the default region, and were read with a country code of another
    /// country (`60123456789` or `0060 12...` in Indonesia: Malaysia):
    /// accepted, with a warning naming that country.
    pub foreign: Option<Abroad>,
}

/// Where a number read with another country code belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abroad {
    /// The country calling code: 60, 251, 881...
    pub calling_code: u16,
    /// The country, or None for a code of no country (+800 freephone,
    /// +881 satellite phones, ...).
    pub country: Option<Region>,
}

impl Abroad {
    /// "Malaysia", "the international code +881": for messages.
    pub fn name(self) -> String {
        match self.country {
            Some(country) => country.name(),
            None => format!("the international code +{}", self.calling_code),
        }
    }
}

/// What kind of line a number is, by its numbering plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind(Type);

impl Kind {
    /// A number WhatsApp can use: mobile, or a plan that cannot tell mobile
    /// from fixed line (the USA's).
    pub fn is_mobile(self) -> bool {
        matches!(self.0, Type::Mobile | Type::FixedLineOrMobile)
    }

    /// "mobile", "fixed-line", "toll-free", ...: for messages.
    pub fn label(self) -> &'static str {
        match self.0 {
            Type::Mobile => "mobile",
            Type::FixedLine => "fixed-line",
            Type::FixedLineOrMobile => "fixed-line or mobile",
            Type::TollFree => "toll-free",
            Type::PremiumRate => "premium-rate",
            Type::SharedCost => "shared-cost",
            Type::PersonalNumber => "personal (forwarding)",
            Type::Voip => "VoIP",
            Type::Pager => "pager",
            Type::Uan => "company (UAN)",
            Type::Voicemail => "voicemail",
            _ => "special-service",
        }
    }
}

/// Parses `input` as a phone number, assuming `region` when it has no country
/// code. Returns None for anything that is not a valid number of that plan.
/// See `read` for how input is read.
pub fn parse(input: &str, region: Region) -> Option<E164> {
    read(input, region).map(|r| r.number)
}

/// Reads what a person typed as a phone number, or None when it is not a
/// valid number by libphonenumber's rules:
/// * `+62 812...`: international.
/// * `0062 812...`: `00` and a country code is international too (the
///   prefix most of the world dials abroad with; no number of a national
///   plan starts with it); another country than the region's is `foreign`.
/// * other digits: a number of `region` (`0812...`, or `812...`), where
///   libphonenumber also reads a leading country code of the region
///   (`62812...`). Deliberately, `62884390053` is `+62 884390053` (a
///   mobile), not the landline `+62 62884390053` with the 62 kept: a typed
///   62 is the country code.
/// * digits that are not valid that way but are with a country code of
///   their own (`60123456789`, `251925462914`): read as that country's
///   number, `foreign` set so the caller warns.
pub fn read(input: &str, region: Region) -> Option<Reading> {
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
    // Only digits matter once the characters are checked. The separators are
    // dropped before parsing: the phonenumber crate fails to find the country
    // code in "+62812-3456-7890" (a separator inside the first group).
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    if text.starts_with('+') {
        return accepted(region, &format!("+{digits}")).map(|(r, _)| r);
    }
    if let Some(international) = digits.strip_prefix("00") {
        // Never read as a national number: the crate would keep the "0062" as
        // digits of one ("+6262852775891", a number nobody meant).
        return with_country_code(region, international);
    }
    if let Some((local, _)) = accepted(region, &digits) {
        return Some(local);
    }
    // "60123456789": not a number of the region; the digits may start with
    // another country's code, typed without '+'. libphonenumber only tries
    // the region's own code, so try this ourselves.
    with_country_code(region, &digits)
}

/// `digits` as a country code and a number, typed without '+': flagged
/// `foreign` when that is not `region`'s (a typo like `00812...` would
/// otherwise reach a stranger abroad without a word).
fn with_country_code(region: Region, digits: &str) -> Option<Reading> {
    let (mut reading, n) = accepted(region, &format!("+{digits}"))?;
    let country = n.country().id().map(Region);
    if country != Some(region) {
        reading.foreign = Some(Abroad {
            calling_code: n.country().code(),
            country,
        });
    }
    Some(reading)
}

/// `candidate` parsed with `region` as the default, if it is a valid number
/// (its plan gives it a type) without an extension.
fn accepted(region: Region, candidate: &str) -> Option<(Reading, PhoneNumber)> {
    // Always with a region: without one the crate reads some numbers of a
    // shared country code wrongly (+7 811... loses its 8 as a trunk prefix).
    let n = phonenumber::parse(Some(region.0), candidate).ok()?;
    // The type decides validity (what `is_valid` does, computed once).
    let kind = n.number_type(&DATABASE);
    let reading = Reading {
        number: E164(n.format().mode(Mode::E164).to_string()),
        kind: Kind(kind),
        foreign: None,
    };
    (kind != Type::Unknown && n.extension().is_none()).then_some((reading, n))
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

    /// What each input is read as: (input, E.164 or None, kind, foreign country).
    #[test]
    fn readings() {
        for (input, number, kind, foreign) in [
            // 00 and a country code: international, never national digits.
            ("0062 812 3456 7890", Some("+6281234567890"), "mobile", None),
            ("0062852775891", Some("+62852775891"), "mobile", None),
            ("0062 318856855", Some("+62318856855"), "fixed-line", None),
            (
                "0060 12 345 6789",
                Some("+60123456789"),
                "mobile",
                Some("MY"),
            ),
            ("00 881 6 1234 5678", Some("+881612345678"), "mobile", None),
            ("00628123456789012", None, "", None),
            // The region's own code typed without '+': a mobile, the 62 is the code.
            ("62884390053", Some("+62884390053"), "mobile", None),
            ("6281234567890", Some("+6281234567890"), "mobile", None),
            // Invalid as Indonesian, valid with another country's code: that
            // country's number, flagged.
            ("251925462914", Some("+251925462914"), "mobile", Some("ET")),
            ("60123456789", Some("+60123456789"), "mobile", Some("MY")),
            // With '+' the country is what was typed: nothing to flag.
            ("+60 12-345 6789", Some("+60123456789"), "mobile", None),
            ("+251 92 546 2914", Some("+251925462914"), "mobile", None),
            // Numbers that are not mobiles keep their type.
            ("(021) 5795 1234", Some("+622157951234"), "fixed-line", None),
            ("0800 1234 567", Some("+628001234567"), "toll-free", None),
            ("0812-3456-7890", Some("+6281234567890"), "mobile", None),
        ] {
            let got = read(input, Region::INDONESIA);
            assert_eq!(got.as_ref().map(|r| r.number.as_str()), number, "{input}");
            if let Some(r) = got {
                assert_eq!(r.kind.label(), kind, "{input}");
                assert_eq!(r.kind.is_mobile(), kind == "mobile", "{input}");
                assert_eq!(
                    r.foreign
                        .and_then(|f| f.country)
                        .map(Region::code)
                        .as_deref(),
                    foreign,
                    "{input}"
                );
                // libphonenumber's own check agrees with what is stored.
                let n = phonenumber::parse(Some(CountryId::ID), r.number.as_str()).unwrap();
                assert!(n.is_valid(), "{input}");
            }
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
