//! Keyset cursors: the text a page's `next` is (`d~42~1~2026-...`), how it
//! is read back, and the SQL that seeks to the row after it. Owns `Cursor`;
//! knows the sort orders' keys but nothing of filters or plans.

use rusqlite::types::Value;

use super::predicate::Part;
use super::sort::Sort;
use crate::customers::model::Customer;
use crate::error::{Error, Result};

/// A position in one sort order: the sort key of the last row shown.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cursor {
    pub(super) kind: char,
    pub(super) id: i64,
    /// Debt order: whether in debt (1/0) and updated_at; others: the key.
    pub(super) key: Value,
    pub(super) updated_at: Option<String>,
}

impl Cursor {
    pub(super) fn of(c: &Customer, sort: Sort) -> Cursor {
        let (key, updated_at) = match sort {
            Sort::Debt => (
                Value::Integer(i64::from(c.balance.is_negative())),
                Some(c.updated_at.clone()),
            ),
            Sort::Name | Sort::NameDesc => (Value::Text(c.name.clone()), None),
            Sort::Balance | Sort::BalanceDesc => (Value::Integer(c.balance.minor()), None),
            Sort::Spent | Sort::SpentDesc => (Value::Integer(c.total_spent.minor()), None),
        };
        Cursor {
            kind: sort.cursor_kind(),
            id: c.local_id,
            key,
            updated_at,
        }
    }

    /// The debt order's half this cursor is in (true: in debt); None for
    /// the other orders.
    pub(super) fn debt_half(&self) -> Option<bool> {
        match (self.kind, &self.key) {
            ('d', Value::Integer(k)) => Some(*k != 0),
            _ => None,
        }
    }

    /// `d~ID~DEBT~UPDATED_AT`, `n~ID~NAME`, `b~ID~BALANCE`, `s~ID~SPENT`.
    pub(super) fn encode(&self) -> String {
        let key = match &self.key {
            Value::Integer(i) => i.to_string(),
            Value::Text(t) => t.clone(),
            _ => String::new(),
        };
        match &self.updated_at {
            Some(u) => format!("{}~{}~{key}~{u}", self.kind, self.id),
            None => format!("{}~{}~{key}", self.kind, self.id),
        }
    }

    pub(super) fn parse(text: &str, sort: Sort) -> Result<Cursor> {
        let bad = || {
            Error::validation(
                "after",
                format!(
                    "'{text}' is not a cursor of the '{sort}' order (use the `next` value of the previous page)"
                ),
            )
        };
        let kind = sort.cursor_kind();
        let rest = text
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix('~'))
            .ok_or_else(bad)?;
        let (id, rest) = rest.split_once('~').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let (key, updated_at) = match kind {
            'd' => {
                let (debt, updated) = rest.split_once('~').ok_or_else(bad)?;
                let debt: i64 = debt.parse().map_err(|_| bad())?;
                if !(debt == 0 || debt == 1) || updated.is_empty() {
                    return Err(bad());
                }
                (Value::Integer(debt), Some(updated.to_owned()))
            }
            'n' => (Value::Text(rest.to_owned()), None),
            _ => (Value::Integer(rest.parse().map_err(|_| bad())?), None),
        };
        Ok(Cursor {
            kind,
            id,
            key,
            updated_at,
        })
    }

    /// "Strictly after this row" written so the order's index seeks to it:
    /// a range on the leading key, then the tie-break on the id. The debt
    /// order's half (in debt or not) is fixed by the caller.
    pub(super) fn seek(&self, sort: Sort) -> Part {
        let id = Value::Integer(self.id);
        match sort {
            Sort::Debt => {
                let u = Value::Text(self.updated_at.clone().unwrap_or_default());
                (
                    "c.updated_at <= ? AND (c.updated_at < ? OR c.id < ?)".into(),
                    vec![u.clone(), u, id],
                )
            }
            _ => {
                let (key, up) = match sort {
                    Sort::Name => ("c.name COLLATE NOCASE", true),
                    Sort::NameDesc => ("c.name COLLATE NOCASE", false),
                    Sort::Balance => ("c.balance", true),
                    Sort::BalanceDesc => ("c.balance", false),
                    Sort::Spent => ("c.total_spent", true),
                    _ => ("c.total_spent", false),
                };
                let (ge, gt, idgt) = if up {
                    (">=", ">", ">")
                } else {
                    ("<=", "<", "<")
                };
                (
                    format!("{key} {ge} ? AND ({key} {gt} ? OR c.id {idgt} ?)"),
                    vec![self.key.clone(), self.key.clone(), id],
                )
            }
        }
    }

    /// "Strictly after this row" as the order's keyset clause (a row-value
    /// comparison; the collecting queries sort their few rows anyway).
    pub(super) fn keyset(&self, sort: Sort) -> Part {
        let mut v = vec![self.key.clone()];
        if let Some(u) = &self.updated_at {
            v.push(Value::Text(u.clone()));
        }
        v.push(Value::Integer(self.id));
        (sort.keyset().to_owned(), v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            kind: 'd',
            id: 42,
            key: Value::Integer(1),
            updated_at: Some("2026-01-02T03:04:05.678Z".into()),
        };
        assert_eq!(Cursor::parse(&c.encode(), Sort::Debt).unwrap(), c);
        assert_eq!(c.debt_half(), Some(true));
        let n = Cursor {
            kind: 'n',
            id: 7,
            key: Value::Text("Budi ~ Santoso".into()),
            updated_at: None,
        };
        assert_eq!(Cursor::parse(&n.encode(), Sort::NameDesc).unwrap(), n);
        assert_eq!(n.debt_half(), None);
        for bad in ["", "x", "d~1", "d~a~1~t", "d~1~2~t", "n~1", "b~1~x", "s~~1"] {
            let err = Cursor::parse(bad, Sort::Debt)
                .and_then(|_| Cursor::parse(bad, Sort::Balance))
                .unwrap_err();
            assert_eq!(err.field(), Some("after"), "{bad}");
        }
        // A cursor of another order is refused.
        assert!(Cursor::parse(&n.encode(), Sort::Debt).is_err());
    }
}
