//! The generator's vocabulary: Indonesian names, email domains, mobile
//! prefixes, the shop's tags and its subscription profiles, and a number as
//! a person types it.
//!
//! Owns: the word lists. Must not know: the database, the rows' shapes.

use super::rng::Rng;

pub(super) const FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Sri", "Andi", "Rina", "Bambang", "Sari", "Joko", "Ahmad",
    "Nur", "Eko", "Wati", "Hendra", "Yanti", "Dedi", "Fitri", "Rudi", "Indah", "Hadi", "Ani",
    "Putri", "Dian", "Rizky", "Ayu", "Fajar", "Lestari", "Wahyu", "Ratna", "Arif", "Nining",
    "Yusuf", "Kartika", "Irfan", "Mega", "Gilang", "Novi", "Teguh", "Maya", "Bayu", "Citra",
    "Dimas", "Eka", "Galih", "Hana", "Ilham", "Jihan", "Kurnia", "Lina", "Made", "Nyoman", "Ketut",
    "Wayan", "Ucok", "Asep", "Cecep", "Ujang", "Euis", "Komang", "Muhammad", "Dwi",
];
pub(super) const LAST: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Lestari",
    "Nugroho",
    "Kusuma",
    "Pratama",
    "Setiawan",
    "Gunawan",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Sitompul",
    "Pangaribuan",
    "Wibowo",
    "Susanto",
    "Rahmawati",
    "Purnomo",
    "Hakim",
    "Permana",
    "Suryadi",
    "Kurniawan",
    "Halim",
    "Tanjung",
    "Lubis",
    "Hutapea",
    "Manurung",
    "Sinaga",
    "Putra",
    "Utami",
    "Maharani",
    "Firmansyah",
    "Ramadhan",
    "Anggraini",
    "Syahputra",
    "Hasibuan",
    "Daulay",
    "Sembiring",
    "Ginting",
    "Tarigan",
    "Pohan",
    "Matondang",
    "Rangkuti",
    "Batubara",
    "Zulkarnain",
];
pub(super) const DOMAINS: &[&str] = &[
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.co.id",
    "yahoo.com",
    "ymail.com",
    "outlook.co.id",
    "hotmail.com",
    "telkom.net.id",
    "rocketmail.com",
];
pub(super) const PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "851", "852", "853", "855", "856", "857", "858",
    "877", "878", "881", "882", "895", "896", "897", "898", "899",
];
pub(super) const TAGS: &[(&str, &str)] = &[
    ("VIP", "#ffaa00"),
    ("Hotspot", "#17a2b8"),
    ("PPPoE", "#28a745"),
    ("Reseller", "#6f42c1"),
    ("Telat Bayar", "#dc3545"),
    ("Kantor", "#007bff"),
    ("Kos", "#20c997"),
    ("Warung", "#fd7e14"),
    ("RT 01", "#6c757d"),
    ("RT 02", "#6c757d"),
    ("RT 03", "#6c757d"),
    ("Langganan Lama", "#343a40"),
    ("Baru", "#e83e8c"),
    ("Sekolah", "#007bff"),
];
/// (profile, monthly price in rupiah)
pub(super) const PROFILES: &[(&str, i64)] = &[
    ("Hotspot 5 Mbps", 100_000),
    ("Hotspot 10 Mbps", 150_000),
    ("PPPoE 10 Mbps", 175_000),
    ("PPPoE 20 Mbps", 250_000),
    ("PPPoE 30 Mbps", 300_000),
    ("PPPoE 50 Mbps", 350_000),
];

/// A number as a person types it: one of the shop's prefixes, then eight
/// digits that are a bijection of `i` (every customer gets its own number),
/// grouped one of the usual ways.
pub(super) fn typed_number(rng: &mut Rng, i: u64) -> String {
    let prefix = rng.pick(PREFIXES);
    let rest = format!("{:08}", (i.wrapping_mul(7_919) + 10_007) % 100_000_000);
    match rng.below(6) {
        0 => format!("0{prefix}-{}-{}", &rest[..4], &rest[4..]),
        1 => format!("+62 {prefix} {} {}", &rest[..4], &rest[4..]),
        2 => format!("62{prefix}{rest}"),
        3 => format!("(0{prefix}) {rest}"),
        4 => format!("0{prefix}.{}.{}", &rest[..4], &rest[4..]),
        _ => format!("0{prefix}{rest}"),
    }
}
