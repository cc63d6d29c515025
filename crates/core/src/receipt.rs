//! Receipts for a 58 mm thermal printer: a payment's receipt and an
//! invoice's slip laid out as 32-column text, and the ESC/POS bytes that print
//! that text (`ESC @` first, a cut `GS V` last). Also the receipt printer's
//! address as the `printer_address` setting holds it.
//!
//! Owns: the layout, the words on it (Bahasa Indonesia or English) and the
//! bytes. Must not know: sockets (the desktop shell sends the bytes to the
//! printer; this module only makes them), the UI's own print layouts (the app
//! prints A4 and 58 mm pages through the system dialog from the same views).
//!
//! The layout is pure: `payment_receipt` and `invoice_slip` take the record
//! and the shop and return a `Receipt`, whose `text` is what the paper shows
//! and whose `escpos` is what the printer receives; `payment`/`invoice` read
//! the record and the shop's settings first.

use std::fmt;

use crate::billing::PaymentMethod;
use crate::billing::invoices::{self, Invoice, InvoiceStatus};
use crate::billing::payments::{self, Payment, PaymentStatus};
use crate::days::ShopZone;
use crate::db::Reader;
use crate::error::{Code, Error, Result};
use crate::money::{Money, amount_text};
use crate::names::text_enum;
pub use crate::printer_address::{DEFAULT_PORT, PrinterAddress};
use crate::settings::{self, Key};

/// Characters per line of a 58 mm printer in its standard font (font A).
pub const COLUMNS: usize = 32;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const LF: u8 = 0x0A;

text_enum! {
    /// The language a receipt is printed in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub enum Lang("lang") {
        #[default]
        Id => "id",
        En => "en",
    }
}

/// What a receipt says about the shop: its name, currency and clock.
#[derive(Debug, Clone)]
pub struct Shop {
    pub name: String,
    /// ISO 4217 code; IDR prints as `Rp`.
    pub currency: String,
    pub zone: ShopZone,
    pub lang: Lang,
}

impl Shop {
    /// The shop as its settings describe it, under the name the app shows.
    pub fn read(r: Reader<'_>, name: &str, lang: Lang) -> Result<Shop> {
        Ok(Shop {
            name: name.trim().to_owned(),
            currency: settings::get(r.conn(), Key::Currency)?,
            zone: r.zone(),
            lang,
        })
    }
}

/// A laid-out receipt: lines of at most `COLUMNS` ASCII characters, each
/// plain or emphasised (bold, double height: the title and the total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    lines: Vec<(Style, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    /// Bold and double height (double width would halve the columns).
    Title,
}

impl Receipt {
    /// The receipt as the paper shows it, one line per `\n`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (_, line) in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The ESC/POS program that prints it: initialise (`ESC @`), the lines
    /// with their emphasis switched on and off (`ESC E`, `GS !`), a feed past
    /// the cutter (`ESC d`) and a partial cut (`GS V 1`).
    pub fn escpos(&self) -> Vec<u8> {
        let mut out = vec![ESC, b'@'];
        for (style, line) in &self.lines {
            match style {
                Style::Plain => {}
                Style::Bold => out.extend([ESC, b'E', 1]),
                Style::Title => out.extend([ESC, b'E', 1, GS, b'!', 0x01]),
            }
            out.extend(line.bytes());
            out.push(LF);
            match style {
                Style::Plain => {}
                Style::Bold => out.extend([ESC, b'E', 0]),
                Style::Title => out.extend([GS, b'!', 0x00, ESC, b'E', 0]),
            }
        }
        out.extend([ESC, b'd', 4, GS, b'V', 1]);
        out
    }

    fn new() -> Receipt {
        Receipt { lines: Vec::new() }
    }

    fn push(&mut self, style: Style, line: String) {
        self.lines.push((style, line));
    }

    /// Centred, wrapped at word boundaries.
    fn center(&mut self, style: Style, text: &str) {
        for line in wrap(&ascii(text), COLUMNS) {
            let pad = (COLUMNS - line.len()) / 2;
            self.push(style, format!("{}{line}", " ".repeat(pad)));
        }
    }

    fn left(&mut self, text: &str) {
        for line in wrap(&ascii(text), COLUMNS) {
            self.push(Style::Plain, line);
        }
    }

    /// `label` at the left and `value` at the right of one line; when both
    /// do not fit, the label has its own line(s) and the value goes under it.
    fn pair(&mut self, style: Style, label: &str, value: &str) {
        let (label, value) = (ascii(label), ascii(value));
        if label.len() + 1 + value.len() <= COLUMNS {
            let gap = COLUMNS - label.len() - value.len();
            self.push(style, format!("{label}{}{value}", " ".repeat(gap)));
            return;
        }
        for line in wrap(&label, COLUMNS) {
            self.push(style, line);
        }
        for line in wrap(&value, COLUMNS) {
            self.push(style, format!("{line:>COLUMNS$}"));
        }
    }

    fn rule(&mut self) {
        self.push(Style::Plain, "-".repeat(COLUMNS));
    }
}

/// The words of a receipt in one language.
struct Words {
    payment_title: &'static str,
    invoice_title: &'static str,
    number: &'static str,
    date: &'static str,
    customer: &'static str,
    method: &'static str,
    reference: &'static str,
    amount: &'static str,
    paid_for: &'static str,
    credit: &'static str,
    refunded: &'static str,
    received_by: &'static str,
    thanks: &'static str,
    issued: &'static str,
    due: &'static str,
    service: &'static str,
    period: &'static str,
    charge: &'static str,
    carried: &'static str,
    paid: &'static str,
    unpaid: &'static str,
    amount_due: &'static str,
    status: &'static str,
    void: &'static str,
}

const ID: Words = Words {
    payment_title: "BUKTI PEMBAYARAN",
    invoice_title: "TAGIHAN",
    number: "No.",
    date: "Tanggal",
    customer: "Pelanggan",
    method: "Metode",
    reference: "Ref.",
    amount: "JUMLAH",
    paid_for: "Untuk tagihan:",
    credit: "Saldo kredit",
    refunded: "*** DIKEMBALIKAN ***",
    received_by: "Diterima oleh",
    thanks: "Terima kasih",
    issued: "Terbit",
    due: "Jatuh tempo",
    service: "Layanan",
    period: "Periode",
    charge: "Biaya",
    carried: "Tunggakan",
    paid: "Dibayar",
    unpaid: "Sisa",
    amount_due: "TOTAL TAGIHAN",
    status: "Status",
    void: "*** DIBATALKAN ***",
};

const EN: Words = Words {
    payment_title: "PAYMENT RECEIPT",
    invoice_title: "INVOICE",
    number: "No.",
    date: "Date",
    customer: "Customer",
    method: "Method",
    reference: "Ref.",
    amount: "AMOUNT",
    paid_for: "For invoices:",
    credit: "Credit kept",
    refunded: "*** REFUNDED ***",
    received_by: "Received by",
    thanks: "Thank you",
    issued: "Issued",
    due: "Due",
    service: "Service",
    period: "Period",
    charge: "Charge",
    carried: "Carried",
    paid: "Paid",
    unpaid: "Unpaid",
    amount_due: "AMOUNT DUE",
    status: "Status",
    void: "*** VOID ***",
};

impl Lang {
    fn words(self) -> &'static Words {
        match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }

    fn method(self, method: PaymentMethod) -> &'static str {
        match (self, method) {
            (Lang::Id, PaymentMethod::Cash) => "Tunai",
            (Lang::Id, PaymentMethod::BankTransfer) => "Transfer bank",
            (Lang::Id, PaymentMethod::EWallet) => "E-wallet",
            (Lang::Id, PaymentMethod::Other) => "Lainnya",
            (Lang::En, PaymentMethod::Cash) => "Cash",
            (Lang::En, PaymentMethod::BankTransfer) => "Bank transfer",
            (Lang::En, PaymentMethod::EWallet) => "E-wallet",
            (Lang::En, PaymentMethod::Other) => "Other",
        }
    }

    fn invoice_status(self, status: InvoiceStatus) -> &'static str {
        match (self, status) {
            (Lang::Id, InvoiceStatus::Unpaid) => "Belum dibayar",
            (Lang::Id, InvoiceStatus::Partial) => "Dibayar sebagian",
            (Lang::Id, InvoiceStatus::Paid) => "Lunas",
            (Lang::Id, InvoiceStatus::Void) => "Dibatalkan",
            (Lang::En, InvoiceStatus::Unpaid) => "Unpaid",
            (Lang::En, InvoiceStatus::Partial) => "Partly paid",
            (Lang::En, InvoiceStatus::Paid) => "Paid",
            (Lang::En, InvoiceStatus::Void) => "Void",
        }
    }
}

/// The receipt of a payment: who paid how much, how, what it paid (the
/// invoices it is allocated to) and what it left as credit.
pub fn payment_receipt(payment: &Payment, shop: &Shop) -> Receipt {
    let w = shop.lang.words();
    let money = |m: Money| amount_text(m, &shop.currency);
    let mut r = Receipt::new();
    if !shop.name.is_empty() {
        r.center(Style::Title, &shop.name);
    }
    r.center(Style::Plain, w.payment_title);
    r.rule();
    r.pair(Style::Plain, w.number, &format!("#{}", payment.local_id));
    r.pair(
        Style::Plain,
        w.date,
        &shop.zone.local_time(&payment.received_at),
    );
    r.pair(Style::Plain, w.customer, &payment.customer_name);
    r.pair(Style::Plain, w.method, shop.lang.method(payment.method));
    if let Some(reference) = &payment.reference {
        r.pair(Style::Plain, w.reference, reference);
    }
    r.rule();
    r.pair(Style::Bold, w.amount, &money(payment.amount));
    if payment.status == PaymentStatus::Refunded {
        r.center(Style::Bold, w.refunded);
    }
    if !payment.allocations.is_empty() || payment.credit.minor() != 0 {
        r.rule();
    }
    if !payment.allocations.is_empty() {
        r.left(w.paid_for);
        for a in &payment.allocations {
            r.pair(Style::Plain, &a.invoice_number, &money(a.amount));
        }
    }
    if payment.credit.minor() != 0 {
        r.pair(Style::Plain, w.credit, &money(payment.credit));
    }
    r.rule();
    r.left(&format!("{}: {}", w.received_by, payment.received_by));
    r.center(Style::Plain, w.thanks);
    r
}

/// An invoice's slip: its period, its own charge, what it carries from the
/// earlier invoices of its subscription, what is paid and what is due.
pub fn invoice_slip(invoice: &Invoice, shop: &Shop) -> Receipt {
    let w = shop.lang.words();
    let money = |m: Money| amount_text(m, &shop.currency);
    let mut r = Receipt::new();
    if !shop.name.is_empty() {
        r.center(Style::Title, &shop.name);
    }
    r.center(Style::Plain, w.invoice_title);
    r.rule();
    r.pair(Style::Plain, w.number, &invoice.number);
    r.pair(
        Style::Plain,
        w.issued,
        &shop.zone.local_time(&invoice.issued_at),
    );
    r.pair(Style::Plain, w.due, &invoice.due_date.to_string());
    r.pair(Style::Plain, w.customer, &invoice.customer_name);
    if let Some(username) = &invoice.subscription_username {
        r.pair(Style::Plain, w.service, username);
    }
    // The stored end is exclusive (the next period's start); people read
    // the last day of the period. A voucher's invoice is one day, no range.
    let period = match invoice.period_end.pred_opt() {
        Some(last) if last > invoice.period_start => format!("{} - {last}", invoice.period_start),
        _ => invoice.period_start.to_string(),
    };
    r.pair(Style::Plain, w.period, &period);
    if invoice.subscription_username.is_none() {
        // A voucher's invoice: its description names the voucher.
        r.left(&invoice.description);
    }
    r.rule();
    r.pair(Style::Plain, w.charge, &money(invoice.charge));
    if invoice.carried_count > 0 {
        r.pair(
            Style::Plain,
            &format!("{} ({})", w.carried, invoice.carried_count),
            &money(invoice.carried_amount),
        );
    }
    r.pair(Style::Plain, w.paid, &money(invoice.amount_allocated));
    r.pair(Style::Plain, w.unpaid, &money(invoice.amount_unpaid));
    r.rule();
    r.pair(Style::Bold, w.amount_due, &money(invoice.amount_due));
    r.pair(
        Style::Plain,
        w.status,
        shop.lang.invoice_status(invoice.status),
    );
    if invoice.status == InvoiceStatus::Void {
        r.center(Style::Bold, w.void);
    }
    r.rule();
    r.center(Style::Plain, w.thanks);
    r
}

/// The receipt of the payment `reference` (its id or local number).
pub fn payment(r: Reader<'_>, reference: &str, shop_name: &str, lang: Lang) -> Result<Receipt> {
    let payment = payments::get(r, reference)?;
    Ok(payment_receipt(&payment, &Shop::read(r, shop_name, lang)?))
}

/// The slip of the invoice `reference` (its number or id).
pub fn invoice(r: Reader<'_>, reference: &str, shop_name: &str, lang: Lang) -> Result<Receipt> {
    let invoice = invoices::get(r, reference)?;
    Ok(invoice_slip(&invoice, &Shop::read(r, shop_name, lang)?))
}

/// The receipt printer the settings name; `printer_not_set` when none is.
pub fn printer(r: Reader<'_>) -> Result<PrinterAddress> {
    let value = settings::get(r.conn(), Key::PrinterAddress)?;
    if value.trim().is_empty() {
        return Err(Error::Refused {
            code: Code::PrinterNotSet,
            field: Some("printer_address"),
            message:
                "no receipt printer is set: set printer_address (HOST or HOST:PORT) in the settings"
                    .into(),
        });
    }
    PrinterAddress::parse(&value)
}

/// The printer's failure as the core's `printer_unreachable`, naming the
/// printer and what went wrong (for the shell, which owns the socket).
pub fn unreachable(printer: &PrinterAddress, why: impl fmt::Display) -> Error {
    Error::Refused {
        code: Code::PrinterUnreachable,
        field: Some("printer_address"),
        message: format!("the receipt printer at {printer} did not take the receipt: {why}"),
    }
}

/// Text the printer's basic code page prints: letters with accents lose
/// them (`é` -> `e`), anything else outside ASCII is `?`, control characters
/// become spaces (they would be printer commands).
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c,
            'à'..='å' => 'a',
            'À'..='Å' => 'A',
            'è'..='ë' => 'e',
            'È'..='Ë' => 'E',
            'ì'..='ï' => 'i',
            'Ì'..='Ï' => 'I',
            'ò'..='ö' => 'o',
            'Ò'..='Ö' => 'O',
            'ù'..='ü' => 'u',
            'Ù'..='Ü' => 'U',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ç' => 'c',
            'Ç' => 'C',
            '–' | '—' => '-',
            c if c.is_control() || c.is_whitespace() => ' ',
            _ => '?',
        })
        .collect()
}

/// Splits ASCII `text` into lines of at most `width`, at spaces where it
/// can, cutting a word longer than a line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word;
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let (head, tail) = word.split_at(width);
            lines.push(head.to_owned());
            word = tail;
        }
        if line.is_empty() {
            line.push_str(word);
        } else if line.len() + 1 + word.len() <= width {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), vec![""]);
    }

    #[test]
    fn folds_to_the_printer_code_page() {
        assert_eq!(ascii("Café\tñ→"), "Cafe n?");
    }
}
