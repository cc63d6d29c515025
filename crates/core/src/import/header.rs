//! Matching a CSV header to customer fields, in English and Indonesian,
//! ignoring case, spaces, dashes and underscores; `--map column=field` wins.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A customer field a column can hold. Read from a header's spellings
/// (`FromStr`: English and Indonesian, `No WA`, `Nama`); written, in JSON
/// too, as its own name (`whatsapp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ImportField", rename_all = "lowercase"))]
pub enum Field {
    Name,
    Whatsapp,
    Email,
    Phone,
    Address,
    Balance,
    Tags,
    Notes,
    Status,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Name,
        Field::Whatsapp,
        Field::Email,
        Field::Phone,
        Field::Address,
        Field::Balance,
        Field::Tags,
        Field::Notes,
        Field::Status,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Whatsapp => "whatsapp",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::Balance => "balance",
            Field::Tags => "tags",
            Field::Notes => "notes",
            Field::Status => "status",
        }
    }

    /// The header spellings (normalised) that mean this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Name => &[
                "name",
                "nama",
                "namapelanggan",
                "customer",
                "customername",
                "fullname",
                "namalengkap",
            ],
            Field::Whatsapp => &[
                "whatsapp",
                "wa",
                "nowa",
                "nomorwa",
                "whatsappnumber",
                "nowhatsapp",
                "nohp",
                "hp",
                "nomorhp",
                "handphone",
                "mobile",
            ],
            Field::Email => &["email", "surel", "emailaddress"],
            Field::Phone => &[
                "phone",
                "telepon",
                "telp",
                "notelp",
                "tel",
                "phonenumber",
                "nomortelepon",
            ],
            Field::Address => &["address", "alamat"],
            Field::Balance => &[
                "balance",
                "saldo",
                "initialbalance",
                "saldoawal",
                "openingbalance",
            ],
            Field::Tags => &["tags", "tag", "label", "labels"],
            Field::Notes => &["notes", "note", "catatan", "keterangan"],
            Field::Status => &["status"],
        }
    }

    fn from_header(header: &str) -> Option<Field> {
        let key = normalise(header);
        Field::ALL
            .into_iter()
            .find(|f| f.aliases().contains(&key.as_str()))
    }
}

impl FromStr for Field {
    type Err = Error;
    fn from_str(s: &str) -> Result<Field> {
        Field::from_header(s).ok_or_else(|| {
            Error::validation(
                "map",
                format!(
                    "'{s}' is not a customer field (name, whatsapp, email, phone, address, balance, tags, notes, status)"
                ),
            )
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Field, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `column=field`, as given to `--map`; `column=-` (no field: `null` in
/// JSON) leaves the column out of the import, whatever its header says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ImportMapping"))]
pub struct Mapping {
    pub column: String,
    pub field: Option<Field>,
}

impl FromStr for Mapping {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mapping> {
        let (column, field) = s.split_once('=').ok_or_else(|| {
            Error::validation("map", format!("'{s}' is not of the form column=field"))
        })?;
        let field = match field.trim() {
            "" | "-" => None,
            named => Some(named.parse()?),
        };
        Ok(Mapping {
            column: column.trim().to_owned(),
            field,
        })
    }
}

/// The field each column goes to, in the header's order (None: not
/// imported): the user's mapping where one names the column, else what
/// the header says. Two columns may claim one field here; `Columns::resolve`
/// refuses that, the preview shows it.
pub fn assign(headers: &[String], mappings: &[Mapping]) -> Vec<Option<Field>> {
    headers
        .iter()
        .map(
            |header| match mappings.iter().find(|m| same_column(&m.column, header)) {
                Some(m) => m.field,
                None => Field::from_header(header),
            },
        )
        .collect()
}

/// Which column holds which field.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    index: [Option<usize>; 9],
    pub ignored: Vec<String>,
}

impl Columns {
    pub fn resolve(headers: &[String], mappings: &[Mapping]) -> Result<Columns> {
        let mut columns = Columns::default();
        for (i, (header, field)) in headers.iter().zip(assign(headers, mappings)).enumerate() {
            match field {
                Some(field) if columns.index[field as usize].is_none() => {
                    columns.index[field as usize] = Some(i);
                }
                Some(field) => {
                    return Err(Error::validation(
                        "header",
                        format!("two columns mean '{field}': use --map to say which"),
                    ));
                }
                None => columns.ignored.push(header.clone()),
            }
        }
        if let Some(m) = mappings
            .iter()
            .find(|m| !headers.iter().any(|h| same_column(&m.column, h)))
        {
            return Err(Error::validation(
                "map",
                format!("the file has no column '{}'", m.column),
            ));
        }
        for required in [Field::Name, Field::Whatsapp] {
            if columns.get(required).is_none() {
                return Err(Error::validation(
                    "header",
                    format!(
                        "no '{required}' column found (headers: {}); use --map column={required}",
                        shown(headers)
                    ),
                ));
            }
        }
        Ok(columns)
    }

    pub fn get(&self, field: Field) -> Option<usize> {
        self.index[field as usize]
    }
}

/// The headers for a message: a few, each cut short, control characters
/// escaped (a file that is not what it seems must not fill the screen).
fn shown(headers: &[String]) -> String {
    const MAX_HEADERS: usize = 12;
    const MAX_CHARS: usize = 30;
    let mut parts: Vec<String> = headers
        .iter()
        .take(MAX_HEADERS)
        .map(|h| {
            let mut text: String = h
                .chars()
                .take(MAX_CHARS)
                .flat_map(|c| {
                    let escaped: Vec<char> = if c.is_control() {
                        c.escape_default().collect()
                    } else {
                        vec![c]
                    };
                    escaped
                })
                .collect();
            if h.chars().count() > MAX_CHARS {
                text.push('…');
            }
            text
        })
        .collect();
    if headers.len() > MAX_HEADERS {
        parts.push(format!("and {} more", headers.len() - MAX_HEADERS));
    }
    parts.join(", ")
}

/// Whether a mapping's `column` names this header (case, spaces, dashes,
/// underscores and dots aside).
pub fn same_column(column: &str, header: &str) -> bool {
    normalise(column) == normalise(header)
}

fn normalise(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\u{a0}'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(h: &[&str], maps: &[&str]) -> Result<Columns> {
        let headers: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        let maps: Vec<Mapping> = maps.iter().map(|m| m.parse().unwrap()).collect();
        Columns::resolve(&headers, &maps)
    }

    #[test]
    fn english_and_indonesian_headers() {
        let c = cols(
            &[
                "Nama", "No_WA", " E-mail ", "Alamat", "Saldo", "Label", "Catatan", "X",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.get(Field::Name), Some(0));
        assert_eq!(c.get(Field::Whatsapp), Some(1));
        assert_eq!(c.get(Field::Email), Some(2));
        assert_eq!(c.get(Field::Balance), Some(4));
        assert_eq!(c.ignored, vec!["X".to_string()]);
        let c = cols(&["\u{feff}NAME", "HP", "Initial Balance"], &[]).unwrap();
        assert_eq!(
            (c.get(Field::Whatsapp), c.get(Field::Balance)),
            (Some(1), Some(2))
        );
    }

    #[test]
    fn map_overrides_and_errors() {
        let c = cols(
            &["Pelanggan", "Kontak"],
            &["pelanggan=name", "Kontak=whatsapp"],
        )
        .unwrap();
        assert_eq!(
            (c.get(Field::Name), c.get(Field::Whatsapp)),
            (Some(0), Some(1))
        );
        assert_eq!(cols(&["nama"], &[]).unwrap_err().field(), Some("header"));
        assert_eq!(
            cols(&["nama", "wa", "hp"], &[]).unwrap_err().field(),
            Some("header")
        );
        assert_eq!(
            cols(&["nama", "wa"], &["foo=name"]).unwrap_err().field(),
            Some("map")
        );
        assert_eq!(
            "x=colour".parse::<Mapping>().unwrap_err().field(),
            Some("map")
        );
        // `column=-` leaves a column out: the header's own field no longer counts.
        assert_eq!("No HP=-".parse::<Mapping>().unwrap().field, None);
        assert_eq!("No HP=".parse::<Mapping>().unwrap().field, None);
        let c = cols(&["nama", "hp", "wa"], &["hp=-"]).unwrap();
        assert_eq!(
            (c.get(Field::Whatsapp), c.ignored.clone()),
            (Some(2), vec!["hp".to_string()])
        );
    }

    #[test]
    fn a_strange_header_is_shown_short() {
        let long = "x".repeat(5000);
        let e = cols(&[&long, "a\u{1b}[2Jb"], &[]).unwrap_err().to_string();
        assert!(e.len() < 200, "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        let many: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(
            cols(&many, &[])
                .unwrap_err()
                .to_string()
                .contains("and 28 more")
        );
    }
}
