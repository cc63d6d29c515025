//! Message templates: placeholders, rendering, the built-in texts.
//!
//! Owns the `notify_templates` table (the shop's own texts, each with its
//! optional Cloud API mapping), the closed list of placeholders, the default
//! texts in Bahasa Indonesia and English, and rendering with Rupiah and
//! Indonesian or English dates. An unknown placeholder is refused when a
//! template is saved; a known one without a value for this message is
//! refused when the message is made, never sent as a blank. Must not know
//! who sends or when (`outbox`, `worker`).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::transport::CloudTemplate;
use crate::db::{ChangeOp, Reader, Write};
use crate::error::{Code, Error, Result};
use crate::money::Money;
use crate::wire::Entity;

/// Every placeholder a template may use, with what it is.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("name", "the customer's name"),
    ("whatsapp", "the customer's WhatsApp number"),
    ("balance", "the customer's balance (Rp, negative = debt)"),
    ("debt", "what the customer owes (Rp, 0 when none)"),
    ("shop_name", "the shop's name (settings: shop_name)"),
    ("invoice_number", "the invoice's number"),
    ("amount", "the invoice's charge (Rp)"),
    (
        "amount_due",
        "what is unpaid on the invoice and the earlier ones (Rp)",
    ),
    ("due_date", "the invoice's due date"),
    ("period", "the invoice's period (first to last day)"),
    ("voucher_code", "the voucher sold with the invoice"),
    ("payment_amount", "the payment's amount (Rp)"),
    ("payment_date", "the day the payment was received"),
];

/// The templates Pelanggan ships, by the kind of message they are for.
pub const BUILT_IN: &[&str] = &[
    "welcome",
    "invoice_issued",
    "reminder_before_due",
    "overdue",
    "payment_received",
    "debt_reminder",
    "isolir_suspended",
    "isolir_resumed",
];

/// The built-in text of `name` in `language` (`id` or `en`).
pub fn default_text(name: &str, language: &str) -> Option<&'static str> {
    let en = language == "en";
    Some(match name {
        "welcome" if en => {
            "Hello {name}, welcome to {shop_name}! We will send your invoices and service news to this WhatsApp number."
        }
        "welcome" => {
            "Halo {name}, selamat datang di {shop_name}! Tagihan dan info layanan akan kami kirim ke nomor WhatsApp ini."
        }
        "invoice_issued" if en => {
            "Hello {name}, invoice {invoice_number} for {amount} has been issued, due {due_date}. Total to pay: {amount_due}. Thank you - {shop_name}"
        }
        "invoice_issued" => {
            "Halo {name}, tagihan {invoice_number} sebesar {amount} sudah terbit, jatuh tempo {due_date}. Total yang perlu dibayar: {amount_due}. Terima kasih - {shop_name}"
        }
        "reminder_before_due" if en => {
            "Hello {name}, a reminder: invoice {invoice_number}, {amount_due}, is due on {due_date}. Thank you - {shop_name}"
        }
        "reminder_before_due" => {
            "Halo {name}, pengingat: tagihan {invoice_number} sebesar {amount_due} jatuh tempo {due_date}. Terima kasih - {shop_name}"
        }
        "overdue" if en => {
            "Hello {name}, invoice {invoice_number}, {amount_due}, was due on {due_date} and is still unpaid. Please pay it soon. - {shop_name}"
        }
        "overdue" => {
            "Halo {name}, tagihan {invoice_number} sebesar {amount_due} sudah lewat jatuh tempo ({due_date}). Mohon segera dibayar. - {shop_name}"
        }
        "payment_received" if en => {
            "Thank you {name}, we received your payment of {payment_amount} on {payment_date}. Your balance: {balance}. - {shop_name}"
        }
        "payment_received" => {
            "Terima kasih {name}, pembayaran {payment_amount} pada {payment_date} sudah kami terima. Saldo Anda: {balance}. - {shop_name}"
        }
        "debt_reminder" if en => {
            "Hello {name}, our books show {debt} owed to {shop_name}. Please settle it when you can. Thank you."
        }
        "debt_reminder" => {
            "Halo {name}, tercatat tagihan Anda di {shop_name} sebesar {debt}. Mohon segera diselesaikan. Terima kasih."
        }
        "isolir_suspended" if en => {
            "Hello {name}, your internet service has been suspended: invoice {invoice_number}, {amount_due}, was due on {due_date}. It comes back as soon as it is paid. - {shop_name}"
        }
        "isolir_suspended" => {
            "Halo {name}, layanan internet Anda diisolir karena tagihan {invoice_number} sebesar {amount_due} (jatuh tempo {due_date}) belum dibayar. Layanan aktif kembali setelah pembayaran. - {shop_name}"
        }
        "isolir_resumed" if en => {
            "Hello {name}, your internet service is active again. Thank you - {shop_name}"
        }
        "isolir_resumed" => {
            "Halo {name}, layanan internet Anda sudah aktif kembali. Terima kasih - {shop_name}"
        }
        _ => return None,
    })
}

/// A template as shown and used: the shop's text or the built-in one.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "MessageTemplate"))]
pub struct Template {
    pub name: String,
    pub language: String,
    pub body: String,
    /// True while the built-in text is used (never saved by the shop).
    pub built_in: bool,
    /// The approved Cloud API template this one is sent as, if mapped.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cloud: Option<CloudMapping>,
}

/// A Pelanggan template as an approved WhatsApp template: its name there,
/// its language and the placeholders its body parameters are, in order.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloudMapping {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

/// A template to save.
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    pub body: String,
    pub cloud: Option<CloudMapping>,
}

/// The language messages are written in: the shop's `language` setting.
pub(crate) fn shop_language(conn: &Connection) -> Result<String> {
    crate::settings::get(conn, crate::settings::Key::Language)
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Error::validation(
            "template",
            format!("'{name}' is not a template name: 1 to 64 letters, digits, - or _"),
        ));
    }
    Ok(name)
}

fn check_language(language: &str) -> Result<String> {
    match language.trim().to_ascii_lowercase().as_str() {
        l @ ("id" | "en") => Ok(l.to_owned()),
        other => Err(Error::validation(
            "language",
            format!("'{other}' is not a language of the messages: id or en"),
        )),
    }
}

/// The placeholders a text uses, in order; `{{` and `}}` are literal braces.
/// An unclosed brace is refused.
pub fn placeholders(body: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    each_part(body, |part| {
        if let Part::Placeholder(p) = part {
            out.push(p.to_owned());
        }
        Ok(())
    })?;
    Ok(out)
}

enum Part<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

fn each_part<'a>(body: &'a str, mut f: impl FnMut(Part<'a>) -> Result<()>) -> Result<()> {
    let mut rest = body;
    while let Some(i) = rest.find(['{', '}']) {
        f(Part::Text(&rest[..i]))?;
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            f(Part::Text("{"))?;
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            f(Part::Text("}"))?;
            rest = after;
        } else if tail.starts_with('}') {
            return Err(Error::validation(
                "body",
                "a '}' without its '{' (write }} for a brace)",
            ));
        } else {
            let Some(end) = tail.find('}') else {
                return Err(Error::validation(
                    "body",
                    "a '{' without its '}' (write {{ for a brace)",
                ));
            };
            f(Part::Placeholder(tail[1..end].trim()))?;
            rest = &tail[end + 1..];
        }
    }
    f(Part::Text(rest))
}

/// Refuses a text with a placeholder Pelanggan does not know.
pub fn check_body(body: &str) -> Result<()> {
    if body.trim().is_empty() || body.chars().count() > 4096 {
        return Err(Error::validation(
            "body",
            "a template has 1 to 4,096 characters",
        ));
    }
    for p in placeholders(body)? {
        check_placeholder(&p)?;
    }
    Ok(())
}

fn check_placeholder(p: &str) -> Result<()> {
    if PLACEHOLDERS.iter().any(|(name, _)| *name == p) {
        return Ok(());
    }
    let known: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(n, _)| format!("{{{n}}}"))
        .collect();
    Err(Error::Refused {
        code: Code::UnknownPlaceholder,
        field: Some("body"),
        message: format!(
            "{{{p}}} is not a placeholder Pelanggan knows; use {}",
            known.join(", ")
        ),
    })
}

/// The values of one message's placeholders, already formatted.
pub type Values = BTreeMap<&'static str, String>;

/// Fills the placeholders of `body` from `values`. One without a value for
/// this message (an `{invoice_number}` in a message with no invoice, an
/// unset shop name) is refused: a message never goes out with a blank.
pub fn render(body: &str, values: &Values) -> Result<String> {
    let mut out = String::with_capacity(body.len() + 64);
    each_part(body, |part| {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Placeholder(p) => match values.get(p).filter(|v| !v.is_empty()) {
                Some(v) => out.push_str(v),
                None => {
                    check_placeholder(p)?;
                    return Err(Error::Refused {
                        code: Code::MissingPlaceholder,
                        field: Some("template"),
                        message: match p {
                            "shop_name" => "{shop_name} has no value: set the shop's name first \
                                            (pelanggan settings set shop_name \"...\")"
                                .to_owned(),
                            _ => format!("{{{p}}} has no value for this message"),
                        },
                    });
                }
            },
        }
        Ok(())
    })?;
    Ok(out)
}

/// A template by name in `language`: the shop's text, else the built-in one.
pub fn get(conn: &Connection, name: &str, language: &str) -> Result<Template> {
    let name = check_name(name)?;
    let language = check_language(language)?;
    let stored = conn
        .prepare_cached(
            "SELECT body, cloud_name, cloud_language, cloud_params FROM notify_templates
             WHERE name = ?1 AND language = ?2",
        )?
        .query_row(params![name, language], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    match stored {
        Some((body, cloud_name, cloud_language, cloud_params)) => {
            let cloud = match (cloud_name, cloud_language) {
                (Some(name), Some(language)) => Some(CloudMapping {
                    name,
                    language,
                    params: serde_json::from_str(cloud_params.as_deref().unwrap_or("[]"))
                        .map_err(|e| Error::internal(format!("stored cloud params: {e}")))?,
                }),
                _ => None,
            };
            Ok(Template {
                name,
                language,
                body,
                built_in: false,
                cloud,
            })
        }
        None => match default_text(&name, &language) {
            Some(body) => Ok(Template {
                name,
                language,
                body: body.to_owned(),
                built_in: true,
                cloud: None,
            }),
            None => Err(Error::not_found("template", name)),
        },
    }
}

/// Every template: the built-in ones (as the shop changed them) and the
/// shop's own, in both languages.
pub fn list(r: Reader<'_>) -> Result<Vec<Template>> {
    let conn = r.conn();
    let mut names: Vec<String> = BUILT_IN.iter().map(|n| (*n).to_owned()).collect();
    let mut stmt = conn.prepare("SELECT DISTINCT name FROM notify_templates ORDER BY name")?;
    for name in stmt.query_map([], |r| r.get::<_, String>(0))? {
        let name = name?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        for language in ["id", "en"] {
            match get(conn, &name, language) {
                Ok(t) => out.push(t),
                Err(e) if e.code() == Code::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(out)
}

/// Saves the shop's text of `name` in `language` (a new name makes a new
/// template, for bulk sends). Refuses unknown placeholders, in the text and
/// in the Cloud API mapping.
pub fn set(
    w: &mut Write<'_>,
    name: &str,
    language: &str,
    input: TemplateInput,
) -> Result<Template> {
    let name = check_name(name)?;
    let language = check_language(language)?;
    check_body(&input.body)?;
    if let Some(cloud) = &input.cloud {
        if cloud.name.trim().is_empty() || cloud.language.trim().is_empty() {
            return Err(Error::validation(
                "cloud_name",
                "a Cloud API template needs its name and language",
            ));
        }
        for p in &cloud.params {
            check_placeholder(p)?;
        }
    }
    let params_json = input
        .cloud
        .as_ref()
        .map(|c| serde_json::to_string(&c.params))
        .transpose()
        .map_err(std::io::Error::other)?;
    w.exec(
        "INSERT INTO notify_templates (name, language, body, cloud_name, cloud_language, cloud_params,
             updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (name, language) DO UPDATE SET body = excluded.body,
             cloud_name = excluded.cloud_name, cloud_language = excluded.cloud_language,
             cloud_params = excluded.cloud_params, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
        params![
            name,
            language,
            input.body,
            input.cloud.as_ref().map(|c| c.name.trim()),
            input.cloud.as_ref().map(|c| c.language.trim()),
            params_json,
            w.now(),
            w.actor()
        ],
    )?;
    let template = get(w.tx(), &name, &language)?;
    let value = serde_json::to_value(&template).map_err(std::io::Error::other)?;
    w.record_change(
        Entity::NotifyConfig,
        &format!("template:{name}:{language}"),
        ChangeOp::Update,
        None,
        Some(&value),
    )?;
    Ok(template)
}

/// The rendered text of `template` and, when it is mapped, its Cloud API form.
pub(crate) fn fill(
    template: &Template,
    values: &Values,
) -> Result<(String, Option<CloudTemplate>)> {
    let text = render(&template.body, values)?;
    let cloud = template
        .cloud
        .as_ref()
        .map(|c| {
            let params = c
                .params
                .iter()
                .map(|p| render(&format!("{{{p}}}"), values))
                .collect::<Result<Vec<_>>>()?;
            Ok::<_, Error>(CloudTemplate {
                name: c.name.clone(),
                language: c.language.clone(),
                params,
            })
        })
        .transpose()?;
    Ok((text, cloud))
}

/// `Rp 1.500.000` (the shop's currency's code for another currency).
pub(crate) fn money_text(conn: &Connection, amount: Money) -> Result<String> {
    let currency = crate::settings::get(conn, crate::settings::Key::Currency)?;
    Ok(crate::money::amount_text(amount, &currency))
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `5 Desember 2026` (id) or `5 December 2026` (en).
pub fn date_text(date: NaiveDate, language: &str) -> String {
    let months = if language == "en" {
        &MONTHS_EN
    } else {
        &MONTHS_ID
    };
    format!(
        "{} {} {}",
        date.day(),
        months[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn renders_placeholders_and_literal_braces() {
        let v = values(&[("name", "Budi"), ("amount", "Rp 150.000")]);
        assert_eq!(
            render("Halo {name}, {{tagihan}} {amount}", &v).unwrap(),
            "Halo Budi, {tagihan} Rp 150.000"
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_refused_not_blank() {
        let v = values(&[("name", "Budi"), ("shop_name", "")]);
        let e = render("{name} {invoice_number}", &v).unwrap_err();
        assert_eq!(e.code(), Code::MissingPlaceholder);
        let e = render("{shop_name}", &v).unwrap_err();
        assert!(e.to_string().contains("shop_name"), "{e}");
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_refused() {
        assert_eq!(
            check_body("Halo {nama}").unwrap_err().code(),
            Code::UnknownPlaceholder
        );
        assert_eq!(
            check_body("Halo {name").unwrap_err().code(),
            Code::Validation
        );
        assert_eq!(
            check_body("Halo name}").unwrap_err().code(),
            Code::Validation
        );
        check_body("Halo {name}, {{ok}}").unwrap();
    }

    #[test]
    fn every_built_in_text_uses_known_placeholders_in_both_languages() {
        for name in BUILT_IN {
            for language in ["id", "en"] {
                check_body(default_text(name, language).unwrap()).unwrap();
            }
        }
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(date_text(d, "id"), "5 Desember 2026");
        assert_eq!(date_text(d, "en"), "5 December 2026");
    }
}
