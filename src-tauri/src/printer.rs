//! The receipt printer client: sends a receipt's ESC/POS bytes (laid out by
//! the core's `receipt` module) to a network printer's raw port over TCP.
//! Owns the socket and its timeouts; a printer that cannot be reached, or
//! stops taking bytes, is the core's `printer_unreachable`.

use std::io::Write as _;
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

use pelanggan_core::Result;
use pelanggan_core::receipt::{self, Lang, PrinterAddress};

use crate::state::App;

/// A printer on the shop's network answers at once; past this it is off.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A receipt is a few hundred bytes: a printer stalled this long (out of
/// paper, cover open) will not finish it.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `bytes` to the printer at `to`, trying each address its host
/// resolves to, and closes the connection (the printer prints on close).
pub fn send(to: &PrinterAddress, bytes: &[u8]) -> Result<()> {
    let addrs = (to.host.as_str(), to.port)
        .to_socket_addrs()
        .map_err(|e| receipt::unreachable(to, e))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return write_all(stream, bytes).map_err(|e| receipt::unreachable(to, e)),
            Err(e) => last = Some(e),
        }
    }
    Err(receipt::unreachable(
        to,
        last.map_or_else(
            || "its name resolves to no address".to_owned(),
            |e| e.to_string(),
        ),
    ))
}

fn write_all(mut stream: TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.write_all(bytes)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}

/// Prints the receipt of the payment `payment` (its id or local number) on
/// the printer the settings name; returns that printer's address.
pub fn print_payment(app: &App, payment: &str, shop_name: &str, lang: Lang) -> Result<String> {
    let (to, bytes) = app.read(|r| {
        Ok((
            receipt::printer(r)?,
            receipt::payment(r, payment, shop_name, lang)?.escpos(),
        ))
    })?;
    send(&to, &bytes)?;
    Ok(to.to_string())
}

/// Prints the slip of the invoice `invoice` (its number or id).
pub fn print_invoice(app: &App, invoice: &str, shop_name: &str, lang: Lang) -> Result<String> {
    let (to, bytes) = app.read(|r| {
        Ok((
            receipt::printer(r)?,
            receipt::invoice(r, invoice, shop_name, lang)?.escpos(),
        ))
    })?;
    send(&to, &bytes)?;
    Ok(to.to_string())
}
