//! How amounts and counts read in tables and messages for people. JSON never
//! goes through here: it keeps plain decimal strings ("1500000.00").

use std::sync::OnceLock;

use pelanggan_core::Money;

/// What stands before an amount: `Rp` for the shop's default currency, IDR,
/// else the `currency` setting's code. Set once, after the database is opened.
static CURRENCY: OnceLock<String> = OnceLock::new();

/// Takes the shop's `currency` setting (None: unknown, read as IDR).
pub fn set_currency(code: Option<&str>) {
    let label = match code.map(str::trim) {
        None | Some("") => "Rp".to_owned(),
        Some(code) if code.eq_ignore_ascii_case("IDR") => "Rp".to_owned(),
        Some(code) => code.to_ascii_uppercase(),
    };
    let _ = CURRENCY.set(label);
}

/// An amount the Indonesian way: `Rp 1.500.000`, `Rp 1.500.000,50` when there
/// are cents, `-Rp 25.000` for a debt.
pub fn rp(amount: Money) -> String {
    let currency = CURRENCY.get().map_or("Rp", String::as_str);
    pelanggan_core::money::amount_text(amount, currency)
}

/// "1 row", "2 rows", "0 rows": the count with the word that fits it.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` as one shell word to copy into the next command: bare when it is
/// safe, else in single quotes (a cursor can hold a customer's name).
pub fn shell_word(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "~._:-+=/,@%".contains(c);
    if !text.is_empty() && !text.starts_with('~') && text.chars().all(safe) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(minor: i64) -> Money {
        Money::from_minor(minor)
    }

    #[test]
    fn amounts_read_the_indonesian_way() {
        for (minor, text) in [
            (150_000_000, "Rp 1.500.000"),
            (150_000_050, "Rp 1.500.000,50"),
            (-2_500_000, "-Rp 25.000"),
            (-2_500_005, "-Rp 25.000,05"),
            (0, "Rp 0"),
            (5, "Rp 0,05"),
            (99_900, "Rp 999"),
            (100_000, "Rp 1.000"),
            (Money::MAX.minor(), "Rp 999.999.999.999,99"),
            (-Money::MAX.minor(), "-Rp 999.999.999.999,99"),
        ] {
            assert_eq!(rp(money(minor)), text, "{minor}");
        }
    }

    #[test]
    fn counts_take_the_singular_for_one() {
        assert_eq!(count(1u64, "row", "rows"), "1 row");
        assert_eq!(count(0u64, "row", "rows"), "0 rows");
        assert_eq!(count(2u32, "customer", "customers"), "2 customers");
    }

    #[test]
    fn cursors_quote_for_the_shell() {
        assert_eq!(
            shell_word("d~42~-150000~2026-01-02T03:04:05.678Z"),
            "d~42~-150000~2026-01-02T03:04:05.678Z"
        );
        assert_eq!(shell_word("n~7~Budi Santoso"), "'n~7~Budi Santoso'");
        assert_eq!(shell_word("n~7~Jum'at"), r"'n~7~Jum'\''at'");
        assert_eq!(shell_word(""), "''");
    }
}
