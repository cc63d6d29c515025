//! The generator's randomness: one seeded stream (same seed, same shop) and
//! the UUIDv7s made from it.
//!
//! Owns: `Rng`, `uuid_at`, `Ids`. Must not know: the database, the vocabulary.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// SplitMix64: small, fast, and the same sequence for the same seed everywhere.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub(super) fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// A UUIDv7 for a row made at `at`, its random bits from the seeded stream:
/// no system call per id, and the same seed gives the same ids. Customers
/// are made in creation order, so their ids are in order too.
pub(super) fn uuid_at(rng: &mut Rng, at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&rng.next().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next().to_le_bytes()[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

/// UUIDv7s in the order they are made (the generation's start time, then a
/// sequence number in the counter bits, then random bits): ledger entries,
/// invoices and payments are made customer by customer, not in time order,
/// and ids in making order keep their unique indexes append-only.
pub(super) struct Ids {
    millis: u64,
    seq: u64,
}

impl Ids {
    /// Ids of a generation started at `at`.
    pub(super) fn new(at: DateTime<Utc>) -> Ids {
        Ids {
            millis: u64::try_from(at.timestamp_millis()).unwrap_or(0),
            seq: 0,
        }
    }

    pub(super) fn next(&mut self, rng: &mut Rng) -> String {
        self.seq += 1;
        let random = rng.next() & ((1 << 22) - 1);
        let value: u128 = (u128::from(self.millis & ((1 << 48) - 1)) << 80)
            | (0x7 << 76)
            | (u128::from((self.seq >> 40) & 0xfff) << 64)
            | (0b10 << 62)
            | (u128::from(self.seq & ((1 << 40) - 1)) << 22)
            | u128::from(random);
        Uuid::from_u128(value).to_string()
    }
}
