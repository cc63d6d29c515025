//! The device clock: a hybrid logical clock that identifies a change with
//! the device that made it.
//!
//! Owns: the clock's layout (`hlc >> 16` = Unix milliseconds, a 16-bit
//! counter below) and its two rules: `tick` (a local change) and `observe`
//! (a change received from another device, for sync). Must not know: where
//! the value is kept (`db` persists it in the `device` row) or the change log.
//! API boundary: `Hlc`.
//!
//! Why: wall clocks on shop computers drift and are set back; the clock must
//! still never repeat or go back on one device, and a change received from a
//! device whose clock runs ahead must order before anything made here after it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A hybrid-logical-clock value: wall-clock ms << 16 plus a counter. Ordered
/// as its integer; a counter that overflows carries into the milliseconds
/// (the clock then runs a millisecond ahead of the wall, never repeats).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hlc(i64);

/// Bits of the counter below the milliseconds.
const COUNTER_BITS: u32 = 16;

impl Hlc {
    /// The clock as stored (the `device.hlc` and `change_log.hlc` columns).
    pub const fn from_i64(value: i64) -> Hlc {
        Hlc(value)
    }

    pub const fn as_i64(self) -> i64 {
        self.0
    }

    /// The Unix milliseconds the value carries.
    pub const fn millis(self) -> i64 {
        self.0 >> COUNTER_BITS
    }

    /// The counter within the millisecond.
    pub const fn counter(self) -> u16 {
        (self.0 & 0xFFFF) as u16
    }

    /// The wall clock `at` with a zero counter.
    pub fn of_wall(at: DateTime<Utc>) -> Hlc {
        Hlc(at.timestamp_millis() << COUNTER_BITS)
    }

    /// The next value for a change made here at wall time `now`: the wall
    /// clock if it is ahead, else one more than the last value.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Hlc {
        self.0 = Hlc::of_wall(now).0.max(self.0 + 1);
        *self
    }

    /// The sync rule for a change received with clock `remote`: the clock
    /// moves past the largest of itself, the remote value and the wall
    /// clock `now` (the counter bumped when the wall is not ahead), so that
    /// every later change here orders after the received one.
    pub fn observe(&mut self, remote: Hlc, now: DateTime<Utc>) -> Hlc {
        self.0 = Hlc::of_wall(now).0.max(self.0 + 1).max(remote.0 + 1);
        *self
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).unwrap()
    }

    #[test]
    fn a_tick_takes_the_wall_clock_when_it_is_ahead() {
        let mut c = Hlc::default();
        let t = c.tick(at(1_000));
        assert_eq!((t.millis(), t.counter()), (1_000, 0));
        let t = c.tick(at(2_000));
        assert_eq!((t.millis(), t.counter()), (2_000, 0));
    }

    #[test]
    fn a_tick_never_repeats_or_goes_back_when_the_wall_does() {
        let mut c = Hlc::default();
        let first = c.tick(at(5_000));
        let same_ms = c.tick(at(5_000));
        let set_back = c.tick(at(1_000));
        assert!(first < same_ms && same_ms < set_back);
        assert_eq!((set_back.millis(), set_back.counter()), (5_000, 2));
    }

    #[test]
    fn the_counter_carries_into_the_milliseconds() {
        let mut c = Hlc::from_i64((7_000 << 16) | 0xFFFF);
        let t = c.tick(at(7_000));
        assert_eq!((t.millis(), t.counter()), (7_001, 0));
        let t = c.tick(at(7_000));
        assert_eq!((t.millis(), t.counter()), (7_001, 1));
    }

    #[test]
    fn observe_moves_past_a_remote_clock_that_runs_ahead() {
        let mut c = Hlc::default();
        c.tick(at(1_000));
        let remote = Hlc::from_i64((9_000 << 16) | 3);
        let seen = c.observe(remote, at(1_001));
        assert!(seen > remote);
        assert_eq!((seen.millis(), seen.counter()), (9_000, 4));
        // And the next local change orders after it.
        assert!(c.tick(at(1_002)) > seen);
    }

    #[test]
    fn observe_keeps_the_larger_of_local_and_wall() {
        let mut c = Hlc::default();
        c.tick(at(3_000));
        let old = Hlc::from_i64(1_000 << 16);
        let seen = c.observe(old, at(3_000));
        assert_eq!((seen.millis(), seen.counter()), (3_000, 1));
        let seen = c.observe(old, at(8_000));
        assert_eq!((seen.millis(), seen.counter()), (8_000, 0));
    }
}
