//! Enums that are names in the database, in JSON and on the command line
//! (`active`, `bank_transfer`...): `text_enum!` gives each one `as_str`, a
//! forgiving `FromStr` (trimmed, any case, `-` read as `_`, aliases) that
//! refuses anything else as `validation` of the named field, and `Display`.

/// `text_enum!(Type, "field", { Variant => "name" | "alias", ... });`
macro_rules! text_enum {
    ($ty:ident, $field:literal, { $($variant:ident => $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::error::Error;
            fn from_str(s: &str) -> crate::error::Result<$ty> {
                let key = s.trim().to_ascii_lowercase().replace('-', "_");
                $(
                    if key == $text $(|| key == $alias)* {
                        return Ok($ty::$variant);
                    }
                )+
                Err(crate::error::Error::Validation {
                    field: $field,
                    message: format!(
                        "'{}' is not one of {}",
                        s.trim(),
                        [$($text),+].join(", ")
                    ),
                })
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;
