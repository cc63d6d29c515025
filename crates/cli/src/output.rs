//! Printing results and errors, as tables for people or JSON for scripts.
//!
//! Exit codes: 0 success; 1 the input was refused (validation, not found,
//! duplicate, conflict...); 2 usage (unknown command or flag); 3 the database
//! or a file failed; 4 the database stayed busy (another writer), try again.

mod billing;
mod files;
mod insights;
mod notify;
// Routers (issue 14).
pub mod routers;
pub mod sync;
mod words;

pub use billing::Issued;
pub use files::AutoBackup;
pub use notify::{BatchCancelled, Bulk, Gateways, Preview};
pub use words::set_currency;
use words::{count, rp, shell_word};

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use pelanggan_core::activity::Activity;
use pelanggan_core::admins::Admin;
use pelanggan_core::contacts::Contact;
use pelanggan_core::customer_merge::Duplicate;
use pelanggan_core::customers::{Customer, CustomerPage};
use pelanggan_core::days::ShopZone;
use pelanggan_core::export::ExportSummary;
use pelanggan_core::import::ImportSummary;
use pelanggan_core::ledger::LedgerEntry;
use pelanggan_core::page::Page;
use pelanggan_core::settings::Setting;
use pelanggan_core::tags::TagUsage;
use pelanggan_core::{Error, ErrorBody, Warned};
use serde::Serialize;
use serde_json::Value;

use crate::args::Cli;

/// What a command hands back: printable both ways.
pub trait Render {
    fn json(&self) -> Value;
    fn text(&self) -> String;
    /// What the core warned of, one line each, for stderr in table mode
    /// (JSON carries them in the document).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// Printed on stderr: the command's output went to stdout (`export ... -`).
    fn on_stderr(&self) -> bool {
        false
    }
    /// Nothing to print at all.
    fn silent(&self) -> bool {
        false
    }
    /// The cursor of a list's next page, printed on stderr in JSON mode
    /// (`{"next": ...}`) when the JSON itself is a bare array with no room for it.
    fn next(&self) -> Option<&str> {
        None
    }
}

/// Nothing to say: standard output's reader went away (`export ... - | head`).
pub struct Quiet;

impl Render for Quiet {
    fn json(&self) -> Value {
        Value::Null
    }
    fn text(&self) -> String {
        String::new()
    }
    fn silent(&self) -> bool {
        true
    }
}

/// A result printed on stderr, because stdout carries the command's output.
pub struct OnStderr(pub Box<dyn Render>);

impl Render for OnStderr {
    fn json(&self) -> Value {
        self.0.json()
    }
    fn text(&self) -> String {
        self.0.text()
    }
    fn on_stderr(&self) -> bool {
        true
    }
}

/// A result whose write noted warnings that its own JSON has no room for
/// (`invoice issue-due`'s array): they go to stderr in table mode.
pub struct Noted(pub Box<dyn Render>, pub Vec<String>);

impl Render for Noted {
    fn json(&self) -> Value {
        self.0.json()
    }
    fn text(&self) -> String {
        self.0.text()
    }
    fn warnings(&self) -> Vec<String> {
        self.1.clone()
    }
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
    if out.silent() {
        return ExitCode::SUCCESS;
    }
    let text = if json {
        out.json().to_string()
    } else {
        out.text()
    };
    if !json {
        for warning in out.warnings() {
            complain(&format!("warning: {warning}"));
        }
    }
    if out.on_stderr() {
        complain(&text);
        return ExitCode::SUCCESS;
    }
    let done = say(&text);
    match out.next() {
        Some(next) if json => complain(&serde_json::json!({ "next": next }).to_string()),
        _ => {}
    }
    done
}

/// Writes `text` and a line end on stdout. A reader that stopped reading
/// (`pelanggan customer list | head`) is not a failure: what the command did
/// is done, so it ends quietly with success instead of a panic.
pub fn say(text: &str) -> ExitCode {
    emit(format!("{text}\n").as_bytes())
}

/// Writes `bytes` on stdout as they are; a closed pipe ends quietly (see `say`).
fn emit(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            complain(&format!("error: the output could not be written: {e}"));
            ExitCode::from(3)
        }
    }
}

/// `pelanggan completions SHELL`: the shell's completion script for every
/// command and flag, generated from the same clap definitions.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pelanggan", &mut script);
    emit(&script)
}

/// One line on stderr; if stderr is gone too there is no one left to tell.
fn complain(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A result with warnings: JSON is the result's own document plus a
/// `warnings` array; the table is the result's.
impl<T: Serialize + Text> Render for Warned<T> {
    fn json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| Value::String(e.to_string()))
    }
    fn text(&self) -> String {
        self.value.text()
    }
    fn warnings(&self) -> Vec<String> {
        self.warnings.iter().map(|w| w.message.clone()).collect()
    }
}

/// An import's summary, whose warnings (in its JSON as `warnings`) also go
/// to stderr in table mode, with their lines.
pub struct Imported(pub ImportSummary);

impl Render for Imported {
    fn json(&self) -> Value {
        Render::json(&self.0)
    }
    fn text(&self) -> String {
        Text::text(&self.0)
    }
    fn warnings(&self) -> Vec<String> {
        let s = &self.0;
        let mut lines: Vec<String> = s
            .warnings
            .iter()
            .map(|w| match w.line {
                Some(line) => format!("line {line}: {}", w.warning.message),
                None => w.warning.message.clone(),
            })
            .collect();
        if s.warning_count as usize > s.warnings.len() {
            lines.push(format!(
                "(first {} of {} warnings shown)",
                s.warnings.len(),
                s.warning_count
            ));
        }
        lines
    }
}

pub fn error(e: &Error, json: bool) -> ExitCode {
    if json {
        let body = ErrorBody::from(e);
        complain(&serde_json::to_string(&body).unwrap_or_default());
    } else {
        complain(&format!("error: {e}"));
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
        complain(&body.to_string());
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

/// A file as named in messages: `-` is standard output.
fn shown(file: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        "standard output".into()
    } else {
        file.display().to_string()
    }
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
            ("balance", rp(self.balance)),
            ("total spent", rp(self.total_spent)),
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

impl Text for CustomerPage {
    fn text(&self) -> String {
        let mut t = table(&["#", "name", "whatsapp", "balance", "status", "tags"]);
        for c in &self.items {
            t.add_row([
                c.local_id.to_string(),
                c.name.clone(),
                c.whatsapp.to_string(),
                rp(c.balance),
                c.status.to_string(),
                tag_list(c),
            ]);
        }
        let mut out = format!(
            "{t}\npage {} of {} ({})",
            self.page,
            self.total_pages.max(1),
            count(self.total, "customer", "customers")
        );
        out.push_str(&next_hint(self.next.as_deref()));
        out
    }
}

/// The line that tells how to ask for the next page, when there is one.
fn next_hint(next: Option<&str>) -> String {
    next.map(|next| format!("\nnext page: --after {}", shell_word(next)))
        .unwrap_or_default()
}

/// A page of a longer list: JSON as the array of its items (as `List`, so
/// the JSON stays what it was before lists were paged; with `--json` the next
/// cursor goes to stderr as `{"next": ...}`), text as its table and, when there
/// is a next page, the `--after` hint of the customer list.
pub struct Paged<T> {
    list: List<T>,
    next: Option<String>,
}

impl<T> Paged<T> {
    pub fn of(page: Page<T>) -> Paged<T> {
        Paged {
            list: List(page.items),
            next: page.next,
        }
    }
}

impl<T> From<Page<T>> for Paged<T> {
    fn from(page: Page<T>) -> Paged<T> {
        Paged::of(page)
    }
}

impl<T: Serialize> Render for Paged<T>
where
    List<T>: Text,
{
    fn json(&self) -> Value {
        serde_json::to_value(&self.list).unwrap_or_else(|e| Value::String(e.to_string()))
    }
    fn text(&self) -> String {
        Text::text(&self.list) + &next_hint(self.next.as_deref())
    }
    fn next(&self) -> Option<&str> {
        self.next.as_deref()
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
            self.kind,
            rp(self.amount),
            rp(self.new_balance),
            rp(self.previous_balance)
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
                    rp(e.amount),
                    rp(e.new_balance),
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
            "contact #{}: {} {}{}",
            self.local_id,
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

/// One row per customer, grouped by number: the merge names two `#`s.
impl Text for List<Duplicate> {
    fn text(&self) -> String {
        let rows: Vec<(&Duplicate, &Customer)> = self
            .0
            .iter()
            .flat_map(|d| d.customers.iter().map(move |c| (d, c)))
            .collect();
        let mut out = list_text(
            &rows,
            "no customers share a WhatsApp number",
            &["conflict", "whatsapp", "#", "name", "balance", "created"],
            |(d, c)| {
                vec![
                    d.conflict_id.clone(),
                    d.whatsapp.clone(),
                    c.local_id.to_string(),
                    c.name.clone(),
                    rp(c.balance),
                    local(&c.created_at),
                ]
            },
        );
        if !rows.is_empty() {
            out.push_str("\nmerge two with `customer merge KEEP OTHER [--take name,email,...]`");
        }
        out
    }
}

impl Text for TagUsage {
    fn text(&self) -> String {
        format!(
            "tag {} is now {} ({} customers)",
            self.name, self.color, self.count
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
                    a.action().to_owned(),
                    a.admin.clone(),
                    shorten(&a.details().to_string(), 120),
                ]
            },
        )
    }
}

impl Text for Admin {
    fn text(&self) -> String {
        format!(
            "admin {} ({}), {}{}{}",
            self.username,
            self.name,
            self.role,
            if self.has_password {
                ""
            } else {
                ", no app password"
            },
            if self.is_default { " [default]" } else { "" }
        )
    }
}

impl Text for List<Admin> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no admins",
            &["username", "name", "role", "password", "default", "since"],
            |a| {
                vec![
                    a.username.clone(),
                    a.name.clone(),
                    a.role.to_string(),
                    if a.has_password { "yes" } else { "" }.into(),
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
        let read = match (&self.sheet, self.encoding, &self.delimiter) {
            (Some(sheet), _, _) => format!(
                "{} sheet {sheet:?}",
                serde_json::to_value(self.format)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            (None, encoding, delimiter) => format!(
                "encoding {}, delimiter {:?}",
                serde_json::to_value(encoding)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                delimiter.as_deref().unwrap_or_default(),
            ),
        };
        let mut out = format!(
            "{}{}: {} imported, {} updated, {} skipped, {} rejected ({read})",
            if self.dry_run {
                "dry run, nothing written. "
            } else {
                ""
            },
            count(self.rows, "row", "rows"),
            self.imported,
            self.updated,
            self.skipped,
            self.rejected,
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
        for note in &self.notes {
            out.push_str(&format!("\nnote: {note}"));
        }
        out
    }
}

impl Text for ExportSummary {
    fn text(&self) -> String {
        format!(
            "{} written to {}",
            count(self.rows, "row", "rows"),
            shown(&self.file)
        )
    }
}
