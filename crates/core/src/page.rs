//! One page of a list that can grow (customers, invoices, payments, vouchers,
//! subscriptions, a ledger, an activity log, messages), with the keyset cursor
//! of the next page. Owns the page shape and the cursor text of lists ordered
//! newest first by row id; it knows no table. A list's own module reads
//! `limit + 1` rows after the cursor and hands them to `Page::from_rows`.
//! A list that also counts (customers) wraps a `Page` with its counts.

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page (pass it back as `after`), when there may be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page from up to `limit + 1` rows read in the list's order after the
    /// cursor: the extra row only says that there is a next page, whose cursor
    /// is the key of the last row kept. No limit means every row, one page.
    pub fn from_rows(mut rows: Vec<T>, limit: Option<u32>, key: impl Fn(&T) -> String) -> Page<T> {
        let next = match limit {
            Some(limit) if rows.len() > limit as usize => {
                rows.truncate(limit as usize);
                rows.last().map(key)
            }
            _ => None,
        };
        Page { items: rows, next }
    }

    /// The same page with its items mapped (a view of each row).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// How many rows to read for a page of `limit`: one more, to learn whether
/// there is a next page; -1 (SQLite's "no limit") for every row. Any limit is
/// taken, as the lists always took it: 0 is an empty page.
pub fn rows_to_read(limit: Option<u32>) -> i64 {
    limit.map_or(-1, |n| i64::from(n) + 1)
}

/// The cursor of a list ordered by row id, newest first: the last row's id.
/// Cursors are opaque to callers; this one is the id's digits.
pub fn id_cursor(id: i64) -> String {
    id.to_string()
}

/// Reads an `after` cursor made by `id_cursor`: the id below which the next
/// page starts (`i64::MAX` when there is none, so the first page is the same query).
pub fn after_id(after: Option<&str>) -> Result<i64> {
    match after {
        None => Ok(i64::MAX),
        Some(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| Error::Validation {
                field: "after",
                message: format!("'{text}' is not a cursor this list gave"),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_makes_the_next_cursor() {
        let page = Page::from_rows(vec![9, 8, 7], Some(2), |id| id_cursor(*id));
        assert_eq!(page.items, vec![9, 8]);
        assert_eq!(page.next.as_deref(), Some("8"));
        assert_eq!(after_id(page.next.as_deref()).unwrap(), 8);

        let last = Page::from_rows(vec![7], Some(2), |id| id_cursor(*id));
        assert_eq!(last.next, None);
        let all = Page::from_rows(vec![3, 2, 1], None, |id| id_cursor(*id));
        assert_eq!((all.items.len(), all.next), (3, None));
    }

    #[test]
    fn limits_and_cursors_are_checked() {
        assert_eq!(rows_to_read(None), -1);
        assert_eq!(rows_to_read(Some(50)), 51);
        assert_eq!(rows_to_read(Some(0)), 1);
        let empty = Page::from_rows(vec![1], Some(0), |id| id_cursor(*id));
        assert_eq!((empty.items.len(), empty.next.as_deref()), (0, None));
        assert_eq!(after_id(None).unwrap(), i64::MAX);
        for bad in ["x", "-3", "0", ""] {
            assert_eq!(
                after_id(Some(bad)).unwrap_err().field(),
                Some("after"),
                "{bad}"
            );
        }
    }

    #[test]
    fn optional_parts_are_left_out_of_json() {
        let page = Page::from_rows(vec![1], Some(5), |id| id_cursor(*id));
        assert_eq!(serde_json::to_string(&page).unwrap(), r#"{"items":[1]}"#);
    }
}
