//! The WHERE clause of a list query made of only the filters it was given.
//!
//! `(?1 IS NULL OR i.customer_id = ?1)` reads well but hides the index from
//! SQLite's planner, which prepares the statement before it knows ?1: a
//! customer's invoices, newest first, then walk the whole invoices table by
//! id until a page is found (200-450 ms at a million customers, measured by
//! `make bench-app` as the customer page opening). With only the conditions
//! present in the text, `invoices (customer_id, id)` answers in a few pages.

use rusqlite::types::Value;

/// Conditions joined by AND, with their parameters numbered in order.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Filters {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `column = value` when there is a value; nothing otherwise.
    pub(crate) fn eq<V: Into<Value>>(&mut self, column: &str, value: Option<V>) -> &mut Self {
        if let Some(value) = value {
            self.params.push(value.into());
            self.conditions
                .push(format!("{column} = ?{}", self.params.len()));
        }
        self
    }

    /// A condition with one parameter, written `{}` where it goes
    /// (`i.id < {}`): numbered like the others.
    pub(crate) fn with<V: Into<Value>>(&mut self, condition: &str, value: V) -> &mut Self {
        self.params.push(value.into());
        self.conditions
            .push(condition.replace("{}", &format!("?{}", self.params.len())));
        self
    }

    /// A condition with no parameter, when `on`.
    pub(crate) fn when(&mut self, on: bool, condition: &str) -> &mut Self {
        if on {
            self.conditions.push(condition.to_owned());
        }
        self
    }

    /// `WHERE a AND b ...` (empty with no condition).
    pub(crate) fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The next parameter's number (for a LIMIT written after the clause).
    pub(crate) fn next(&self) -> String {
        format!("?{}", self.params.len() + 1)
    }

    /// The parameters, then `extra` (such as the LIMIT) after them.
    pub(crate) fn params(&self, extra: impl IntoIterator<Item = Value>) -> Vec<Value> {
        self.params.iter().cloned().chain(extra).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_given_reach_the_sql() {
        let mut f = Filters::new();
        f.eq("i.customer_id", Some(7i64))
            .eq::<String>("i.status", None)
            .when(true, "i.status IN ('unpaid', 'partial')")
            .when(false, "never")
            .with("i.id < {}", 99i64);
        assert_eq!(
            f.clause(),
            "WHERE i.customer_id = ?1 AND i.status IN ('unpaid', 'partial') AND i.id < ?2"
        );
        assert_eq!(f.next(), "?3");
        assert_eq!(
            f.params([Value::Integer(50)]),
            vec![Value::Integer(7), Value::Integer(99), Value::Integer(50)]
        );
        assert_eq!(Filters::new().clause(), "");
    }
}
