//! Enums that are names in the database, in JSON and on the command line
//! (`active`, `bank_transfer`...). `text_enum!` defines each one from a single
//! list of `Variant => "name"` pairs, so the name cannot differ between the
//! places it is read and written: `as_str`, a forgiving `FromStr` (trimmed, any
//! case, `-` read as `_`, aliases) that refuses anything else as `validation`
//! of the named field, `Display`, serde (the name; reading is as forgiving as
//! `FromStr`), `ALL` and, with the `ts` feature, a TypeScript union of the names.

/// ```text
/// text_enum! {
///     /// What the enum is.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
///     pub enum Status("status") {
///         Active => "active" | "aktif",
///         /// Variant docs and attributes (`#[default]`) are kept.
///         Deleted => "deleted",
///     }
/// }
/// ```
/// The string after the enum's name is the input field named by a refusal.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident($field:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        // The derive comes first so that the enum's own `ts(...)` attributes
        // (a `ts(rename = "...")`) follow the derive that reads them.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        $(#[$meta])*
        $vis enum $ty {
            $( $(#[$vmeta])* #[cfg_attr(feature = "ts", ts(rename = $text))] $variant, )+
        }

        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::names::NameError;
            fn from_str(s: &str) -> Result<$ty, crate::names::NameError> {
                let key = s.trim().to_ascii_lowercase().replace('-', "_");
                $(
                    if key == $text $(|| key == $alias)* {
                        return Ok($ty::$variant);
                    }
                )+
                Err(crate::names::NameError {
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

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;

/// A name that is none of an enum's: which input field it was and the
/// sentence saying what it may be. The error module turns it into a
/// `validation` error (names know nothing of the error type, which is itself
/// built on names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub field: &'static str,
    pub message: String,
}

impl NameError {
    /// The input at fault, as `Error::field` gives it.
    pub fn field(&self) -> Option<&'static str> {
        Some(self.field)
    }
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    text_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum Colour("colour") {
            #[default]
            Red => "red" | "merah",
            DarkBlue => "dark_blue",
        }
    }

    #[test]
    fn names_read_forgivingly_and_write_exactly() {
        assert_eq!(" Merah ".parse::<Colour>().unwrap(), Colour::Red);
        assert_eq!("dark-blue".parse::<Colour>().unwrap(), Colour::DarkBlue);
        assert_eq!(Colour::default(), Colour::Red);
        assert_eq!(Colour::ALL, &[Colour::Red, Colour::DarkBlue]);
        let err = crate::Error::from("green".parse::<Colour>().unwrap_err());
        assert_eq!(err.field(), Some("colour"));
        assert_eq!(
            err.to_string(),
            "colour: 'green' is not one of red, dark_blue"
        );
    }

    #[test]
    fn serde_uses_the_names() {
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).unwrap(),
            "\"dark_blue\""
        );
        let read: Colour = serde_json::from_str("\"Dark-Blue\"").unwrap();
        assert_eq!(read, Colour::DarkBlue);
        let err = serde_json::from_str::<Colour>("\"green\"").unwrap_err();
        assert!(
            err.to_string().contains("not one of red, dark_blue"),
            "{err}"
        );
        let owned: Colour = serde_json::from_value(serde_json::json!("red")).unwrap();
        assert_eq!(owned, Colour::Red);
    }
}
