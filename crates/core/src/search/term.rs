//! The search term: what a person typed becomes an FTS5 query (one quoted
//! phrase over the trigram index) and a pattern in the indexed text; why `bu`
//! finds Budi (word marks), how a short term is counted from the index's
//! vocabulary, and the term as a check on one row's own text.
//!
//! The indexed text itself is written once, in SQL: the generated columns
//! `customers.search_name`, `search_email` and `search_numbers` (migration
//! V11), which the FTS triggers index and the row check here reads. This file
//! must not restate how that text is made; it knows no filters or plans.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::predicate::Part;
use crate::db::Reader;
use crate::error::{Error, Result};

/// The longest search term, in characters.
pub const TERM_MAX: usize = 100;

/// The mark V3 puts before each indexed word (twice), so short terms can ask
/// for a word prefix. Input text never holds it: validation refuses control
/// characters, and terms are stripped of them.
const MARK: &str = "\u{1}\u{1}";

/// Which FTS table(s) a term searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Live,
    Deleted,
    All,
}

impl Scope {
    pub(super) fn tables(self) -> &'static [&'static str] {
        match self {
            Scope::Live => &["customer_search"],
            Scope::Deleted => &["customer_search_deleted"],
            Scope::All => &["customer_search", "customer_search_deleted"],
        }
    }
}

/// The search term.
#[derive(Debug, Clone)]
pub(super) struct Term {
    /// The FTS5 query.
    pub(super) fts: String,
    /// The indexed-text pattern in lower case, when the term is ASCII (then a
    /// row can be checked against its own text); None otherwise.
    pub(super) pattern: Option<String>,
    /// The one folded trigram an ASCII term of 1 or 2 characters is: its
    /// count is then read from the index's vocabulary.
    pub(super) token: Option<String>,
}

impl Term {
    /// The term of what a person typed; None when nothing searchable is left.
    pub(super) fn new(input: &str) -> Result<Option<Term>> {
        Ok(fts_query_parts(input)?.map(|(fts, pattern)| Term {
            fts,
            token: term_token(&pattern),
            pattern: pattern.is_ascii().then(|| pattern.to_ascii_lowercase()),
        }))
    }

    /// `SELECT rowid AS id` of the matches in `scope`, one bound value per table.
    pub(super) fn matches(&self, scope: Scope) -> Part {
        let tables = scope.tables();
        let sql = tables
            .iter()
            .map(|t| format!("SELECT rowid AS id FROM {t} WHERE {t} MATCH ?"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        (sql, self.fts_values(scope))
    }

    fn fts_values(&self, scope: Scope) -> Vec<Value> {
        scope
            .tables()
            .iter()
            .map(|_| Value::Text(self.fts.clone()))
            .collect()
    }

    /// The matches' ids in `scope`, at most `limit` per table (-1: all).
    pub(super) fn ids(&self, conn: &Connection, scope: Scope, limit: i64) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = Vec::new();
        for t in scope.tables() {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT rowid FROM {t} WHERE {t} MATCH ?1 LIMIT {limit}"
            ))?;
            let rows = stmt.query_map([&self.fts], |r| r.get::<_, i64>(0))?;
            for id in rows {
                ids.push(id?);
            }
        }
        Ok(ids)
    }

    /// How many customers of `scope` match, counted in the index.
    pub(super) fn count(&self, conn: &Connection, scope: Scope) -> Result<i64> {
        let mut n = 0;
        for t in scope.tables() {
            n += fts_count(conn, t, &self.fts)?;
        }
        Ok(n)
    }

    /// The exact number of matches in `scope` when the term is one trigram
    /// (a short ASCII term), from the FTS vocabulary; None otherwise.
    pub(super) fn vocabulary_count(&self, conn: &Connection, scope: Scope) -> Result<Option<i64>> {
        let Some(token) = self.token.as_deref() else {
            return Ok(None);
        };
        let mut n = 0;
        for t in scope.tables() {
            n += token_count(conn, t, token)?;
        }
        Ok(Some(n))
    }

    /// The term as a check on the row `c`, with its values. SQLite's `lower`
    /// folds ASCII only, which is what the trigram tokenizer does for ASCII;
    /// a row with other characters, or a term that is not ASCII, is checked in
    /// the index instead, so the answer is always the index's.
    pub(super) fn check(&self, scope: Scope) -> Part {
        let fts = scope
            .tables()
            .iter()
            .map(|t| format!("EXISTS (SELECT 1 FROM {t} WHERE {t} MATCH ? AND rowid = c.id)"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let fts_values = self.fts_values(scope);
        match &self.pattern {
            Some(p) => {
                let mut values = vec![Value::Text(p.clone()); 3];
                values.extend(fts_values);
                (
                    format!(
                        "(CASE WHEN length(c.search_name || c.search_email) = octet_length(c.search_name || c.search_email)
                          THEN instr(lower(c.search_name), ?) > 0 OR instr(lower(c.search_email), ?) > 0
                            OR instr(c.search_numbers, ?) > 0
                          ELSE ({fts}) END)"
                    ),
                    values,
                )
            }
            None => (format!("({fts})"), fts_values),
        }
    }
}

/// Turns what a person typed into an FTS5 query (one quoted phrase, so no
/// character of the term has a meaning in the query language), or None when
/// nothing searchable is left.
#[cfg(test)]
fn fts_query(input: &str) -> Result<Option<String>> {
    Ok(fts_query_parts(input)?.map(|(q, _)| q))
}

/// The FTS5 query and the pattern it looks for in the indexed text.
fn fts_query_parts(input: &str) -> Result<Option<(String, String)>> {
    let text: String = input.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > TERM_MAX {
        return Err(Error::validation(
            "search",
            format!("is longer than {TERM_MAX} characters"),
        ));
    }
    let phone_like = text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c));
    let term: String = if phone_like {
        text.chars().filter(char::is_ascii_digit).collect()
    } else {
        text.to_owned()
    };
    let pattern = if term.chars().count() < 3 {
        format!("{MARK}{term}")
    } else {
        term.replace(' ', &format!(" {MARK}"))
    };
    // A 1- or 2-character term is one trigram: "mark mark b", or "mark b u"
    // (marks come in pairs, so "mark b u" is always a word's start).
    let query = short_token(&pattern).unwrap_or(&pattern);
    let query = format!("\"{}\"", query.replace('"', "\"\""));
    Ok(Some((query, pattern)))
}

/// For tests: a short term's count per FTS table (live, deleted) as the
/// vocabulary gives it and as counting its matches gives it; None when the
/// term is not one trigram.
#[doc(hidden)]
pub fn short_term_counts(r: Reader<'_>, input: &str) -> Result<Option<[(i64, i64); 2]>> {
    let Some((query, pattern)) = fts_query_parts(input)? else {
        return Ok(None);
    };
    let Some(token) = term_token(&pattern) else {
        return Ok(None);
    };
    let conn = r.conn();
    let mut out = [(0, 0); 2];
    for (slot, table) in out
        .iter_mut()
        .zip(["customer_search", "customer_search_deleted"])
    {
        *slot = (
            token_count(conn, table, &token)?,
            fts_count(conn, table, &query)?,
        );
    }
    Ok(Some(out))
}

/// The folded trigram an ASCII term of 1 or 2 characters is, whose count the
/// FTS vocabulary holds; None for any other term.
fn term_token(pattern: &str) -> Option<String> {
    let folded = pattern.is_ascii().then(|| pattern.to_ascii_lowercase())?;
    short_token(&folded).map(str::to_owned)
}

/// The one trigram a 1- or 2-character term's pattern is, if it is one.
fn short_token(pattern: &str) -> Option<&str> {
    let term = pattern.strip_prefix(MARK)?;
    match term.chars().count() {
        1 => Some(pattern),
        2 => Some(&pattern[1..]),
        _ => None,
    }
}

fn fts_count(conn: &Connection, table: &'static str, term: &str) -> Result<i64> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT count(*) FROM {table} WHERE {table} MATCH ?1"
    ))?;
    Ok(stmt.query_row([term], |r| r.get(0))?)
}

/// How many rows of `table` hold `token` (one folded trigram), from the FTS
/// index's own per-term document count (fts5vocab, V7): exact, without
/// visiting the matches one by one.
fn token_count(conn: &Connection, table: &'static str, token: &str) -> Result<i64> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT coalesce((SELECT doc FROM {table}_vocab WHERE term = ?1), 0)"
    ))?;
    Ok(stmt.query_row([token], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_one_quoted_phrase() {
        let q = |s: &str| fts_query(s).unwrap();
        assert_eq!(q("  "), None);
        assert_eq!(q("budi").as_deref(), Some("\"budi\""));
        assert_eq!(q("0812 345").as_deref(), Some("\"0812345\""));
        assert_eq!(q("+62 812-345").as_deref(), Some("\"62812345\""));
        assert_eq!(q("bu").as_deref(), Some("\"\u{1}bu\""));
        assert_eq!(q("b").as_deref(), Some("\"\u{1}\u{1}b\""));
        assert_eq!(q("08").as_deref(), Some("\"\u{1}08\""));
        assert_eq!(q("di sa").as_deref(), Some("\"di \u{1}\u{1}sa\""));
        assert_eq!(
            q("a\"b OR c").as_deref(),
            Some("\"a\"\"b \u{1}\u{1}OR \u{1}\u{1}c\"")
        );
        assert_eq!(
            fts_query(&"x".repeat(101)).unwrap_err().field(),
            Some("search")
        );
    }
}
