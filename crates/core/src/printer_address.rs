//! A receipt printer's network address, as the `printer_address` setting
//! holds it. Apart from `receipt` so that `settings` can check a typed
//! address without knowing receipts.

use std::fmt;

use crate::error::{Error, Result};

/// The port ESC/POS network printers listen on (the "raw" or JetDirect port).
pub const DEFAULT_PORT: u16 = 9100;

/// Where receipts go: a network ESC/POS printer's host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAddress {
    pub host: String,
    pub port: u16,
}

impl PrinterAddress {
    /// Reads `192.168.1.50`, `192.168.1.50:9100`, `printer.lan:9100` or
    /// `[fe80::1]:9100`; no port means `DEFAULT_PORT`.
    pub fn parse(text: &str) -> Result<PrinterAddress> {
        let text = text.trim();
        let refuse = || {
            Error::validation(
                "value",
                format!(
                    "'{text}' is not a printer address such as 192.168.1.50 or 192.168.1.50:9100"
                ),
            )
        };
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(refuse)?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(refuse)?)),
            }
        } else {
            match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            }
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !host_ok {
            return Err(refuse());
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(refuse)?,
        };
        Ok(PrinterAddress {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for PrinterAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}
