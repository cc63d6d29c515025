//! What a day is: the shop's time zone and the inclusive-day rule.
//!
//! Every time is stored in UTC (RFC 3339 text, `db::timestamp`). A person
//! means days on the shop's calendar: `--from 2026-03-11` in Jakarta starts
//! at 2026-03-10T17:00Z. `ShopZone` is the shop's zone (the `time_zone`
//! setting, an IANA name, whose text `settings` reads and hands here:
//! this module knows no settings); `DayRange` turns inclusive local days into the
//! UTC half-open interval [start, end) that every date filter, report and
//! billing date uses, so none of them computes day bounds on its own.
//!
//! Bounds are written `YYYY-MM-DDTHH:MM` in UTC: as text they compare
//! correctly with stored timestamps (a timestamp in the bound's minute is a
//! longer string with that prefix, so it sorts at or after it) and with the
//! analytics buckets (`analytics`: 15-minute UTC buckets keyed the same way).
//! Every zone's offset has been a whole number of quarter hours since 1979,
//! so a local midnight is always a bucket boundary.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::phone::Region;

/// A shop's time zone: decides what a day and a month are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopZone(Tz);

/// Indonesia's zones (WIB, WITA, WIT): the system's zone is kept for an
/// Indonesian shop when it is one of these.
const INDONESIA: [Tz; 4] = [
    Tz::Asia__Jakarta,
    Tz::Asia__Pontianak,
    Tz::Asia__Makassar,
    Tz::Asia__Jayapura,
];

impl ShopZone {
    pub const UTC: ShopZone = ShopZone(Tz::UTC);
    pub const JAKARTA: ShopZone = ShopZone(Tz::Asia__Jakarta);

    /// The zone a stored `time_zone` setting names (`settings::zone` reads
    /// it, or its default); the message names the command that mends it.
    pub fn from_setting(name: &str) -> std::result::Result<ShopZone, String> {
        ShopZone::parse(name).ok_or_else(|| {
            format!(
                "the time_zone setting '{name}' is not an IANA time zone name; \
                 set one with: pelanggan settings set time_zone Asia/Jakarta"
            )
        })
    }

    /// An IANA name (`Asia/Jakarta`, `UTC`), in any case.
    pub fn parse(name: &str) -> Option<ShopZone> {
        let name = name.trim();
        if let Ok(tz) = Tz::from_str(name) {
            return Some(ShopZone(tz));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .map(|tz| ShopZone(*tz))
    }

    /// This computer's zone: `$TZ` if it names an IANA zone, else the
    /// operating system's setting; None when neither says.
    pub fn system() -> Option<ShopZone> {
        std::env::var("TZ")
            .ok()
            .and_then(|tz| ShopZone::parse(tz.trim_start_matches(':')))
            .or_else(|| {
                iana_time_zone::get_timezone()
                    .ok()
                    .and_then(|n| ShopZone::parse(&n))
            })
    }

    /// The zone of a shop that has not set one: for an Indonesian shop
    /// (default region ID) the system's zone if it is one of Indonesia's,
    /// else Asia/Jakarta; for any other the system's zone, else UTC.
    pub fn default_for(region: Region, system: Option<ShopZone>) -> ShopZone {
        if region.code() == "ID" {
            system
                .filter(|z| INDONESIA.contains(&z.0))
                .unwrap_or(ShopZone::JAKARTA)
        } else {
            system.unwrap_or(ShopZone::UTC)
        }
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Today on the shop's calendar.
    pub fn today(self) -> NaiveDate {
        self.date_of(Utc::now())
    }

    /// The shop's date at instant `t`.
    pub fn date_of(self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.0).date_naive()
    }

    /// The first instant of local day `d` (midnight, or where a clock change
    /// skips midnight, the first minute after the gap).
    pub fn day_start(self, d: NaiveDate) -> DateTime<Utc> {
        let midnight = NaiveDateTime::new(d, NaiveTime::MIN);
        for minutes in (0..=24 * 60).step_by(15) {
            let local = midnight + chrono::Duration::minutes(minutes);
            if let Some(t) = self.0.from_local_datetime(&local).earliest() {
                return t.with_timezone(&Utc);
            }
        }
        Utc.from_utc_datetime(&midnight)
    }

    /// A stored timestamp as the shop's local time for people
    /// (`2026-03-11 06:05 WIB`); text that is not a timestamp comes back as is.
    pub fn local_time(self, stored: &str) -> String {
        match DateTime::parse_from_rfc3339(stored) {
            Ok(t) => t
                .with_timezone(&self.0)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string(),
            Err(_) => stored.to_owned(),
        }
    }
}

impl fmt::Display for ShopZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Local days, both ends inclusive, either end open: the one rule for every
/// date filter and report range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A UTC half-open interval [start, end) as text bounds (`YYYY-MM-DDTHH:MM`);
/// None = open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bounds {
    pub start: Option<String>,
    pub end: Option<String>,
}

impl DayRange {
    /// Refuses a start after the end (a `validation` error on `field`).
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        field: &'static str,
    ) -> Result<DayRange> {
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Error::validation(
                field,
                "the start date is after the end date",
            ));
        }
        Ok(DayRange { from, to })
    }

    /// One day.
    pub fn day(d: NaiveDate) -> DayRange {
        DayRange {
            from: Some(d),
            to: Some(d),
        }
    }

    /// The instants of these days in `zone`: [start of `from`, start of the
    /// day after `to`).
    pub fn bounds(&self, zone: ShopZone) -> Bounds {
        Bounds {
            start: self.from.map(|d| bound(zone.day_start(d))),
            end: self
                .to
                .map(|d| bound(zone.day_start(d.checked_add_days(Days::new(1)).unwrap_or(d)))),
        }
    }
}

impl Bounds {
    /// The whole UTC days inside [start, end), as [first, last) day texts
    /// (`YYYY-MM-DD`: as a bound, a day's text is its midnight), or None
    /// when no whole day is inside. An open start begins at the first day.
    pub(crate) fn whole_utc_days(&self) -> Option<(String, String)> {
        let end = parse_bound(self.end.as_deref()?)?;
        let last = end.date_naive();
        let first = match self.start.as_deref() {
            None => None,
            Some(start) => {
                let start = parse_bound(start)?;
                let day = start.date_naive();
                Some(if start.time() == NaiveTime::MIN {
                    day
                } else {
                    day.succ_opt()?
                })
            }
        };
        let text = day_text;
        match first {
            Some(first) if first >= last => None,
            Some(first) => Some((text(first), text(last))),
            None => Some((String::new(), text(last))),
        }
    }
}

/// An instant as a bound text, `YYYY-MM-DDTHH:MM` (UTC, the minute's start).
pub(crate) fn bound(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// A bound text back to its instant.
pub(crate) fn parse_bound(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .ok()
        .map(|t| Utc.from_utc_datetime(&t))
}

/// `YYYY-MM-DD`: how a day is stored and named (billing dates, daily backup
/// names, the generator's rows). One spelling, so they all compare as text.
pub(crate) const DAY_FORMAT: &str = "%Y-%m-%d";

/// A day as stored.
pub(crate) fn day_text(d: NaiveDate) -> String {
    d.format(DAY_FORMAT).to_string()
}

/// A day read as stored (None when it is not one).
pub(crate) fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, DAY_FORMAT).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_jakarta_day_starts_at_17_utc_the_day_before() {
        let b = DayRange::day(date("2026-03-11")).bounds(ShopZone::JAKARTA);
        assert_eq!(b.start.as_deref(), Some("2026-03-10T17:00"));
        assert_eq!(b.end.as_deref(), Some("2026-03-11T17:00"));
        // 06:05 WIB on the 11th is inside, as a stored timestamp compares.
        let stored = "2026-03-10T23:05:00.000Z";
        assert!(stored >= b.start.as_deref().unwrap() && stored < b.end.as_deref().unwrap());
        // The bound's own instant is in [start, end) on the right side.
        assert!("2026-03-10T17:00:00.000Z" >= b.start.as_deref().unwrap());
        assert!("2026-03-11T17:00:00.000Z" >= b.end.as_deref().unwrap());
        assert!("2026-03-11T16:59:59.999Z" < b.end.as_deref().unwrap());
        assert_eq!(
            ShopZone::JAKARTA.date_of("2026-03-10T23:05:00Z".parse().unwrap()),
            date("2026-03-11")
        );
    }

    #[test]
    fn days_across_a_clock_change_and_a_skipped_midnight() {
        let berlin = ShopZone::parse("europe/berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        // 29 March 2026: clocks go 02:00 -> 03:00; the day is 23 hours long.
        let b = DayRange::day(date("2026-03-29")).bounds(berlin);
        assert_eq!(b.start.as_deref(), Some("2026-03-28T23:00"));
        assert_eq!(b.end.as_deref(), Some("2026-03-29T22:00"));
        // Santiago skipped midnight on 2022-09-11 (00:00 -> 01:00).
        let santiago = ShopZone::parse("America/Santiago").unwrap();
        let start = santiago.day_start(date("2022-09-11"));
        assert_eq!(bound(start), "2022-09-11T04:00");
        // India is 5:30 ahead: a quarter-hour boundary.
        let kolkata = ShopZone::parse("Asia/Kolkata").unwrap();
        let b = DayRange::day(date("2026-01-01")).bounds(kolkata);
        assert_eq!(b.start.as_deref(), Some("2025-12-31T18:30"));
    }

    #[test]
    fn open_ends_and_a_start_after_the_end() {
        let b = DayRange::new(None, Some(date("2026-01-31")), "from")
            .unwrap()
            .bounds(ShopZone::UTC);
        assert_eq!(b.start, None);
        assert_eq!(b.end.as_deref(), Some("2026-02-01T00:00"));
        let err = DayRange::new(Some(date("2026-02-01")), Some(date("2026-01-01")), "from");
        assert_eq!(err.unwrap_err().field(), Some("from"));
    }

    #[test]
    fn whole_utc_days_inside_a_range() {
        let jakarta = DayRange::new(Some(date("2026-03-01")), Some(date("2026-03-31")), "from")
            .unwrap()
            .bounds(ShopZone::JAKARTA);
        assert_eq!(
            jakarta.whole_utc_days(),
            Some(("2026-03-01".into(), "2026-03-31".into()))
        );
        // One Jakarta day is two partial UTC days.
        assert_eq!(
            DayRange::day(date("2026-03-11"))
                .bounds(ShopZone::JAKARTA)
                .whole_utc_days(),
            None
        );
        let utc = DayRange::day(date("2026-03-11")).bounds(ShopZone::UTC);
        assert_eq!(
            utc.whole_utc_days(),
            Some(("2026-03-11".into(), "2026-03-12".into()))
        );
        let open = Bounds {
            start: None,
            end: Some("2026-03-11T17:00".into()),
        };
        assert_eq!(
            open.whole_utc_days(),
            Some((String::new(), "2026-03-11".into()))
        );
    }

    #[test]
    fn names_and_defaults() {
        assert_eq!(ShopZone::parse("UTC"), Some(ShopZone::UTC));
        assert_eq!(ShopZone::parse(" asia/jakarta "), Some(ShopZone::JAKARTA));
        assert_eq!(ShopZone::parse("Asia/Bandung"), None);
        assert_eq!(ShopZone::parse("+07:00"), None);
        let id = Region::parse("ID").unwrap();
        let de = Region::parse("DE").unwrap();
        let makassar = ShopZone::parse("Asia/Makassar");
        let berlin = ShopZone::parse("Europe/Berlin");
        assert_eq!(ShopZone::default_for(id, None), ShopZone::JAKARTA);
        assert_eq!(ShopZone::default_for(id, berlin), ShopZone::JAKARTA);
        assert_eq!(ShopZone::default_for(id, makassar), makassar.unwrap());
        assert_eq!(ShopZone::default_for(de, berlin), berlin.unwrap());
        assert_eq!(ShopZone::default_for(de, None), ShopZone::UTC);
    }

    #[test]
    fn local_time_for_people() {
        assert_eq!(
            ShopZone::JAKARTA.local_time("2026-03-10T23:05:00.000Z"),
            "2026-03-11 06:05 WIB"
        );
        assert_eq!(ShopZone::UTC.local_time("not a time"), "not a time");
    }
}
