//! Printing results and errors, as tables for people or JSON for scripts.
//!
//! Exit codes: 0 success; 1 the input was refused (validation, not found,
//! duplicate, conflict...); 2 usage (unknown command or flag); 3 the database
//! or a file failed; 4 the database stayed busy (another writer), try again.

mod billing;
mod files;
mod insights;

pub use billing::Issued;
pub use files::{AutoBackup, Written};

use std::process::ExitCode;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use pelanggan_core::activity::Activity;
use pelanggan_core::admins::Admin;
use pelanggan_core::contacts::Contact;
use pelanggan_core::customers::{Customer, Page};
use pelanggan_core::days::ShopZone;
use pelanggan_core::export::ExportSummary;
use pelanggan_core::import::ImportSummary;
use pelanggan_core::ledger::LedgerEntry;
use pelanggan_core::settings::Setting;
use pelanggan_core::tags::TagUsage;
use pelanggan_core::{Error, ErrorBody};
use serde::Serialize;
use serde_json::Value;

/// What a command hands back: printable both ways.
pub trait Render {
    fn json(&self) -> Value;
    fn text(&self) -> String;
}

/// The human form of a result; the JSON form comes from `Serialize`.
pub trait Text {
    fn text(&self) -> String;
}

impl<T: Serialize + Text> Render for T {
    fn json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| Value::String(e.to_string()))
    }
    fn text(&self) -> String {
        Text::text(self)
    }
}

pub fn print(out: &dyn Render, json: bool) -> ExitCode {
    if json {
        println!("{}", out.json());
    } else {
        println!("{}", out.text());
    }
    ExitCode::SUCCESS
}

pub fn error(e: &Error, json: bool) -> ExitCode {
    if json {
        let body = ErrorBody::from(e);
        eprintln!("{}", serde_json::to_string(&body).unwrap_or_default());
    } else {
        eprintln!("error: {e}");
    }
    ExitCode::from(match e {
        Error::Busy => 4,
        e if e.is_rejected_input() => 1,
        _ => 3,
    })
}

pub fn usage_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if json {
        let body = serde_json::json!({ "code": "usage", "message": e.render().to_string().trim() });
        eprintln!("{body}");
    } else {
        let _ = e.print();
    }
    ExitCode::from(2)
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    t
}

/// The shop's time zone, for tables (set once the database is open).
static ZONE: std::sync::OnceLock<ShopZone> = std::sync::OnceLock::new();

/// Tables show times in the shop's zone from here on (JSON keeps UTC).
pub fn set_zone(zone: ShopZone) {
    let _ = ZONE.set(zone);
}

/// A stored UTC timestamp as the shop's local time, for a table cell.
fn local(stored: &str) -> String {
    ZONE.get()
        .copied()
        .unwrap_or(ShopZone::UTC)
        .local_time(stored)
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Cuts long text for a table cell; `--json` always has the whole value.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

fn tag_list(c: &Customer) -> String {
    c.tags
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Text for Customer {
    fn text(&self) -> String {
        let mut t = table(&["field", "value"]);
        let rows = [
            ("id", self.id.clone()),
            ("local id", self.local_id.to_string()),
            ("name", self.name.clone()),
            ("whatsapp", self.whatsapp.to_string()),
            ("email", opt(&self.email)),
            ("phone", opt(&self.phone)),
            ("address", opt(&self.address)),
            ("notes", opt(&self.notes)),
            ("balance", self.balance.to_string()),
            ("total spent", self.total_spent.to_string()),
            ("subscriptions", self.subscription_count.to_string()),
            ("status", self.status.to_string()),
            ("tags", tag_list(self)),
            (
                "created",
                format!("{} by {}", local(&self.created_at), self.created_by),
            ),
            ("updated", local(&self.updated_at)),
        ];
        for (k, v) in rows {
            t.add_row([k.to_owned(), v]);
        }
        t.to_string()
    }
}

impl Text for Page<Customer> {
    fn text(&self) -> String {
        let mut t = table(&["#", "name", "whatsapp", "balance", "status", "tags"]);
        for c in &self.items {
            t.add_row([
                c.local_id.to_string(),
                c.name.clone(),
                c.whatsapp.to_string(),
                c.balance.to_string(),
                c.status.to_string(),
                tag_list(c),
            ]);
        }
        format!(
            "{t}\npage {} of {} ({} customers)",
            self.page,
            self.total_pages.max(1),
            self.total
        )
    }
}

/// A list result: JSON as an array, text as a table (or a line when empty).
#[derive(Serialize)]
#[serde(transparent)]
pub struct List<T>(pub Vec<T>);

fn list_text<T>(
    items: &[T],
    empty: &str,
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> String {
    if items.is_empty() {
        return empty.to_owned();
    }
    let mut t = table(header);
    for item in items {
        t.add_row(row(item));
    }
    t.to_string()
}

impl Text for LedgerEntry {
    fn text(&self) -> String {
        format!(
            "{} {} -> balance {} (was {})",
            self.kind, self.amount, self.new_balance, self.previous_balance
        )
    }
}

impl Text for List<LedgerEntry> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no ledger entries",
            &[
                "when",
                "type",
                "amount",
                "balance",
                "description",
                "reference",
                "by",
            ],
            |e| {
                vec![
                    local(&e.created_at),
                    e.kind.to_string(),
                    e.amount.to_string(),
                    e.new_balance.to_string(),
                    e.description.clone(),
                    match (&e.reference_type, &e.reference_id) {
                        (Some(t), Some(id)) => format!("{t} {id}"),
                        _ => String::new(),
                    },
                    e.created_by.clone(),
                ]
            },
        )
    }
}

impl Text for Contact {
    fn text(&self) -> String {
        format!(
            "contact {} ({}): {} {}{}",
            self.local_id,
            self.id,
            self.kind,
            self.value,
            if self.is_primary { " [primary]" } else { "" }
        )
    }
}

impl Text for List<Contact> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no contacts",
            &["#", "type", "value", "primary", "notes", "id"],
            |c| {
                vec![
                    c.local_id.to_string(),
                    c.kind.to_string(),
                    c.value.clone(),
                    if c.is_primary {
                        "yes".into()
                    } else {
                        String::new()
                    },
                    opt(&c.notes),
                    c.id.clone(),
                ]
            },
        )
    }
}

impl Text for List<TagUsage> {
    fn text(&self) -> String {
        list_text(&self.0, "no tags", &["tag", "color", "customers"], |t| {
            vec![t.name.clone(), t.color.clone(), t.count.to_string()]
        })
    }
}

impl Text for List<Activity> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no activity",
            &["when", "action", "by", "details"],
            |a| {
                vec![
                    local(&a.created_at),
                    a.action.clone(),
                    a.admin.clone(),
                    shorten(&a.details.to_string(), 120),
                ]
            },
        )
    }
}

impl Text for Admin {
    fn text(&self) -> String {
        format!(
            "admin {} ({}){}",
            self.username,
            self.name,
            if self.is_default { " [default]" } else { "" }
        )
    }
}

impl Text for List<Admin> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no admins",
            &["username", "name", "default", "since"],
            |a| {
                vec![
                    a.username.clone(),
                    a.name.clone(),
                    if a.is_default {
                        "yes".into()
                    } else {
                        String::new()
                    },
                    local(&a.created_at),
                ]
            },
        )
    }
}

impl Text for Setting {
    fn text(&self) -> String {
        format!("{} = {}", self.key, self.value)
    }
}

impl Text for List<Setting> {
    fn text(&self) -> String {
        list_text(&self.0, "no settings", &["key", "value"], |s| {
            vec![s.key.to_owned(), s.value.clone()]
        })
    }
}

impl Text for ImportSummary {
    fn text(&self) -> String {
        let mut out = format!(
            "{}{} rows: {} imported, {} updated, {} skipped, {} rejected (encoding {}, delimiter {:?})",
            if self.dry_run {
                "dry run, nothing written. "
            } else {
                ""
            },
            self.rows,
            self.imported,
            self.updated,
            self.skipped,
            self.rejected,
            serde_json::to_value(self.encoding)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            self.delimiter,
        );
        if !self.ignored_columns.is_empty() {
            out.push_str(&format!(
                "\nignored columns: {}",
                self.ignored_columns.join(", ")
            ));
        }
        if !self.errors.is_empty() {
            let mut t = table(&["line", "code", "problem", "row"]);
            for e in &self.errors {
                t.add_row([
                    e.line.to_string(),
                    e.code.to_owned(),
                    e.message.clone(),
                    shorten(&e.data.join(" | "), 60),
                ]);
            }
            out.push_str(&format!("\n{t}"));
            if self.rejected as usize > self.errors.len() {
                out.push_str(&format!(
                    "\n(first {} of {} rejected rows shown)",
                    self.errors.len(),
                    self.rejected
                ));
            }
        }
        if let Some(file) = &self.errors_file {
            out.push_str(&format!("\nrejected rows written to {}", file.display()));
        }
        out
    }
}

impl Text for ExportSummary {
    fn text(&self) -> String {
        format!("{} rows written to {}", self.rows, self.file.display())
    }
}
