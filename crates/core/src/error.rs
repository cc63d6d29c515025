//! The one error type of the core, its closed list of stable machine codes
//! (`Code`) and the wire form clients receive (`ErrorBody`). Every case has a
//! code that the CLI, the desktop app and the sync server map to their own
//! world (exit codes, `{code, message, field, details}`, HTTP statuses).
//! Owns the codes, the English messages' shape and the structured details; it
//! must not know any table, command or exit code (the CLI owns those).

use std::fmt;

use serde::Serialize;

use crate::names::{NameError, text_enum};

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<NameError> for Error {
    fn from(e: NameError) -> Error {
        Error::Validation {
            field: e.field,
            message: e.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field breaks a rule (required, too long, malformed email or colour...).
    #[error("{field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },

    /// A WhatsApp number (main field or contact) that is not a real number.
    #[error("{field}: '{input}' is not a valid WhatsApp number")]
    InvalidWhatsapp { field: &'static str, input: String },

    /// A phone number (main field or contact) that is not a real number.
    #[error("{field}: '{input}' is not a valid phone number")]
    InvalidPhone { field: &'static str, input: String },

    /// The number already belongs to another live customer. The message names
    /// the holder by local number (`#12`), as people know them; `holder_id`
    /// (also in `ErrorBody`) is the holder's id for programs.
    #[error(
        "WhatsApp number {whatsapp} already belongs to customer #{holder_local_id} ({holder_name})"
    )]
    DuplicateWhatsapp {
        whatsapp: String,
        holder_id: String,
        holder_local_id: i64,
        holder_name: String,
    },

    /// An amount that is zero, negative, has more than two decimals, or is not a number.
    #[error("{field}: {message}")]
    InvalidAmount {
        field: &'static str,
        message: String,
    },

    /// An amount or a balance past what the books can hold.
    #[error("{field}: amount too large (the limit is {limit})")]
    Overflow { field: &'static str, limit: String },

    #[error("{entity} '{reference}' not found")]
    NotFound {
        entity: &'static str,
        reference: String,
    },

    /// The customer already carries this tag.
    #[error("customer already has the tag '{tag}'")]
    DuplicateTag { tag: String },

    /// The request contradicts the current state (restore onto a taken number...).
    #[error("{0}")]
    Conflict(String),

    /// A business rule refused the request, with its own stable code
    /// (`invoice_void`, `already_refunded`, ...) so scripts can branch on it.
    #[error("{message}")]
    Refused {
        code: Code,
        field: Option<&'static str>,
        message: String,
    },

    #[error("the database file is in use by another writer for too long; try again")]
    Busy,

    /// A long operation stopped by its cancel flag; nothing it did was kept.
    #[error("cancelled; nothing was changed")]
    Cancelled,

    /// An irreversible action asked for without its confirmation.
    #[error("{0}")]
    ConfirmationRequired(String),

    /// A file offered for restore that is damaged, foreign or too new.
    #[error("not a usable backup: {0}")]
    InvalidBackup(String),

    #[error("migration failed: {0}")]
    Migration(String),

    #[error("database error: {0}")]
    Database(#[source] rusqlite::Error),

    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    /// A failure that is the program's, not the input's (a stored id that
    /// does not parse, a worker thread that panicked, a batch that lost a
    /// row): a bug to report, never "your input was refused".
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code clients branch on (its text never changes).
    pub fn code(&self) -> Code {
        match self {
            Error::Validation { .. } => Code::Validation,
            Error::InvalidWhatsapp { .. } => Code::InvalidWhatsapp,
            Error::InvalidPhone { .. } => Code::InvalidPhone,
            Error::DuplicateWhatsapp { .. } => Code::DuplicateWhatsapp,
            Error::InvalidAmount { .. } => Code::InvalidAmount,
            Error::Overflow { .. } => Code::Overflow,
            Error::NotFound { .. } => Code::NotFound,
            Error::DuplicateTag { .. } => Code::DuplicateTag,
            Error::Conflict(_) => Code::Conflict,
            Error::Refused { code, .. } => *code,
            Error::Busy => Code::Busy,
            Error::Cancelled => Code::Cancelled,
            Error::InvalidBackup(_) => Code::InvalidBackup,
            Error::ConfirmationRequired(_) => Code::ConfirmationRequired,
            Error::Migration(_) => Code::Migration,
            Error::Database(_) => Code::Database,
            Error::Io(_) => Code::Io,
            Error::Internal(_) => Code::Internal,
        }
    }

    /// The structured facts of the error, for a UI that words its own message
    /// (in its own language) instead of showing the English one.
    pub fn details(&self) -> Option<Details> {
        match self {
            Error::InvalidWhatsapp { input, .. } | Error::InvalidPhone { input, .. } => {
                Some(Details::Input {
                    input: input.clone(),
                })
            }
            Error::DuplicateWhatsapp {
                whatsapp,
                holder_id,
                holder_local_id,
                holder_name,
            } => Some(Details::Holder {
                id: holder_id.clone(),
                local_id: *holder_local_id,
                name: holder_name.clone(),
                whatsapp: whatsapp.clone(),
            }),
            Error::Overflow { limit, .. } => Some(Details::Limit {
                limit: limit.clone(),
            }),
            Error::NotFound { entity, reference } => Some(Details::Missing {
                entity: (*entity).to_owned(),
                reference: reference.clone(),
            }),
            Error::DuplicateTag { tag } => Some(Details::Tag { tag: tag.clone() }),
            _ => None,
        }
    }

    /// The input field the error is about, for forms that show it in place.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Validation { field, .. }
            | Error::InvalidWhatsapp { field, .. }
            | Error::InvalidPhone { field, .. }
            | Error::InvalidAmount { field, .. }
            | Error::Overflow { field, .. } => Some(field),
            Error::DuplicateWhatsapp { .. } => Some("whatsapp"),
            Error::DuplicateTag { .. } => Some("tag"),
            Error::Refused { field, .. } => *field,
            _ => None,
        }
    }

    /// True when the user's input was refused (as opposed to a storage failure,
    /// or a refusal about the database file itself: none there, a read-only
    /// medium, a damaged file).
    pub fn is_rejected_input(&self) -> bool {
        !matches!(
            self,
            Error::Busy
                | Error::Cancelled
                | Error::Migration(_)
                | Error::Database(_)
                | Error::Io(_)
                | Error::Internal(_)
                | Error::Refused {
                    code: Code::NoDatabase | Code::ReadOnly | Code::DatabaseDamaged,
                    ..
                }
        )
    }

    pub(crate) fn validation(field: &'static str, message: impl fmt::Display) -> Error {
        Error::Validation {
            field,
            message: message.to_string(),
        }
    }

    pub(crate) fn refused(code: Code, message: impl fmt::Display) -> Error {
        Error::Refused {
            code,
            field: None,
            message: message.to_string(),
        }
    }

    pub(crate) fn not_found(entity: &'static str, reference: impl fmt::Display) -> Error {
        Error::NotFound {
            entity,
            reference: reference.to_string(),
        }
    }

    pub(crate) fn internal(message: impl fmt::Display) -> Error {
        Error::Internal(message.to_string())
    }
}

/// The error as clients receive it: `{code, message, field, details}`, and
/// for `duplicate_whatsapp` the holder's id (`holder_id`, kept beside
/// `details` for the scripts that read it there).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub holder_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub details: Option<Details>,
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        ErrorBody {
            code: e.code(),
            message: e.to_string(),
            field: e.field(),
            holder_id: match e {
                Error::DuplicateWhatsapp { holder_id, .. } => Some(holder_id.clone()),
                _ => None,
            },
            details: e.details(),
        }
    }
}

/// The structured facts of an error (`ErrorBody.details`), one shape per
/// kind of fact, named by `kind`: enough for a UI to say "Nomor ini sudah
/// dipakai Budi Santoso" without reading the English message.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ErrorDetails"))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Details {
    /// The live customer who holds the number (`duplicate_whatsapp`).
    Holder {
        /// The holder's id (uuid).
        id: String,
        /// The holder's local number (`#12`), as people know them.
        local_id: i64,
        name: String,
        /// The number in E.164.
        whatsapp: String,
    },
    /// The text that is not a number (`invalid_whatsapp`, `invalid_phone`).
    Input { input: String },
    /// The largest amount the books hold (`overflow`), as money text.
    Limit { limit: String },
    /// What was looked for and not found (`not_found`): `customer`, `invoice`...
    Missing { entity: String, reference: String },
    /// The tag the customer already has (`duplicate_tag`).
    Tag { tag: String },
}

text_enum! {
    /// Every stable error code the core produces: the `code` of `ErrorBody`,
    /// what scripts and the app branch on. Closed, so a client can handle
    /// each one; a code's text never changes once released.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "ErrorCode"))]
    pub enum Code("code") {
        /// A field breaks a rule (required, too long, malformed...).
        Validation => "validation",
        InvalidWhatsapp => "invalid_whatsapp",
        InvalidPhone => "invalid_phone",
        /// The number belongs to another live customer (see `Details::Holder`).
        DuplicateWhatsapp => "duplicate_whatsapp",
        InvalidAmount => "invalid_amount",
        Overflow => "overflow",
        NotFound => "not_found",
        DuplicateTag => "duplicate_tag",
        /// The request contradicts the current state.
        Conflict => "conflict",
        /// A payment for a void invoice.
        InvoiceVoid => "invoice_void",
        /// Voiding an invoice that is already void.
        AlreadyVoid => "already_void",
        /// Voiding an invoice that payments are allocated to.
        InvoiceHasPayments => "invoice_has_payments",
        AlreadyRefunded => "already_refunded",
        /// Billing a deleted or blacklisted customer.
        CustomerNotBillable => "customer_not_billable",
        /// Deleting a customer with live subscriptions.
        CustomerHasSubscriptions => "customer_has_subscriptions",
        /// A billing date past what the books hold.
        DateOutOfRange => "date_out_of_range",
        DuplicateUsername => "duplicate_username",
        DuplicateVoucher => "duplicate_voucher",
        VoucherSold => "voucher_sold",
        /// No receipt printer is set (the `printer_address` setting).
        PrinterNotSet => "printer_not_set",
        /// The receipt printer did not answer or refused the receipt.
        PrinterUnreachable => "printer_unreachable",
        /// No database file where one was expected (a read-only command).
        NoDatabase => "no_database",
        /// The database or an output file cannot be written.
        ReadOnly => "read_only",
        /// The database file fails its integrity check.
        DatabaseDamaged => "database_damaged",
        /// An output file that exists, without `force`.
        FileExists => "file_exists",
        /// An output that is a link, a device, a folder or standard output.
        NotRegularFile => "not_regular_file",
        /// An output that would overwrite the database or one of its backups.
        ProtectedFile => "protected_file",
        /// An import file that is not CSV or a spreadsheet.
        NotASpreadsheet => "not_a_spreadsheet",
        /// An import row past the size one row may hold.
        RowTooLarge => "row_too_large",
        /// The database is held by another writer for too long.
        Busy => "busy",
        Cancelled => "cancelled",
        /// An irreversible action asked for without its confirmation.
        ConfirmationRequired => "confirmation_required",
        InvalidBackup => "invalid_backup",
        Migration => "migration",
        Database => "database",
        Io => "io",
        /// The program's own failure, not the input's.
        Internal => "internal",
        // Sign-in and roles (the desktop app).
        /// A wrong username or a wrong password: one code for both, so a
        /// refusal does not reveal which usernames exist.
        SignInFailed => "sign_in_failed",
        /// The app was asked to do something before anyone signed in (or
        /// while it is locked).
        NotSignedIn => "not_signed_in",
        /// The signed-in admin's role may not do this (staff restoring a
        /// backup, changing settings, privacy actions, managing admins).
        Forbidden => "forbidden",
        /// A new password shorter than the minimum (`admins::MIN_PASSWORD`).
        WeakPassword => "weak_password",
        // WhatsApp notifications (issue 13).
        /// No WhatsApp gateway is set up (`notify gateway set`).
        GatewayNotSet => "gateway_not_set",
        /// A template with a placeholder Pelanggan does not know.
        UnknownPlaceholder => "unknown_placeholder",
        /// A placeholder with no value for this message (no invoice, no shop name).
        MissingPlaceholder => "missing_placeholder",
        /// The customer may not receive messages (deleted, blacklisted, opted out).
        NotNotifiable => "not_notifiable",
        /// Another worker is already sending from this database file.
        WorkerBusy => "worker_busy",
        /// This desk is not the shop's message sender (`notify_sender`).
        NotTheSender => "not_the_sender",
        // Routers (isolir, issue 14).
        /// A router of that name already exists.
        DuplicateRouter => "duplicate_router",
        /// Removing a router that live subscriptions use.
        RouterInUse => "router_in_use",
        /// The router did not answer (refused, timed out, cut off).
        RouterUnreachable => "router_unreachable",
        /// The router refused Pelanggan's user name or password.
        RouterLoginFailed => "router_login_failed",
        /// The router refused a command (its `!trap` message).
        RouterRefused => "router_refused",
        /// Another router worker already runs on this database.
        RouterWorkerBusy => "router_worker_busy",
        // Sync (issue 15).
        /// No sync server is paired with this database (`sync pair`).
        SyncNotPaired => "sync_not_paired",
        /// This database is already paired with a server.
        SyncAlreadyPaired => "sync_already_paired",
        /// The sync server did not answer (offline, refused, timed out).
        SyncUnreachable => "sync_unreachable",
        /// The sync server refused the request; the message carries its code
        /// (`unauthorized`, `please_update`, `clock_ahead`, `invalid_code`...).
        SyncRefused => "sync_refused",
    }
}

/// Lets code and tests compare a code with its text (`e.code() == "busy"`).
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// SQLite's "database is locked" past busy_timeout becomes `Error::Busy`;
/// "attempt to write a readonly database" becomes `read_only`.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                Error::Busy
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ReadOnly => {
                Error::Refused {
                    code: Code::ReadOnly,
                    field: Some("db"),
                    message: "the database cannot be written (a read-only file, folder or \
                              medium); nothing was changed"
                        .into(),
                }
            }
            _ => Error::Database(e),
        }
    }
}

/// A CSV file's I/O failure stays `io`; anything else about its shape is `validation` of the file.
impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Error {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::Io(io),
            _ => Error::Validation {
                field: "file",
                message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of each code, as the core makes it, and the JSON a client
    /// receives for it. A code added to `Code` without a row here fails
    /// `every_code_has_its_json`; so does a changed code text or body shape.
    fn table() -> Vec<(Error, serde_json::Value)> {
        use serde_json::json;
        let refused = |code: Code, field: Option<&'static str>, message: &str| Error::Refused {
            code,
            field,
            message: message.into(),
        };
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        vec![
            (
                Error::validation("name", "is required"),
                json!({"code": "validation", "message": "name: is required", "field": "name"}),
            ),
            (
                Error::InvalidWhatsapp {
                    field: "whatsapp",
                    input: "123".into(),
                },
                json!({"code": "invalid_whatsapp", "field": "whatsapp",
                       "message": "whatsapp: '123' is not a valid WhatsApp number",
                       "details": {"kind": "input", "input": "123"}}),
            ),
            (
                Error::InvalidPhone {
                    field: "phone",
                    input: "x".into(),
                },
                json!({"code": "invalid_phone", "field": "phone",
                       "message": "phone: 'x' is not a valid phone number",
                       "details": {"kind": "input", "input": "x"}}),
            ),
            (
                Error::DuplicateWhatsapp {
                    whatsapp: "+6281234567890".into(),
                    holder_id: "0190-id".into(),
                    holder_local_id: 12,
                    holder_name: "Budi Santoso".into(),
                },
                json!({"code": "duplicate_whatsapp", "field": "whatsapp",
                       "message": "WhatsApp number +6281234567890 already belongs to customer #12 (Budi Santoso)",
                       "holder_id": "0190-id",
                       "details": {"kind": "holder", "id": "0190-id", "local_id": 12,
                                   "name": "Budi Santoso", "whatsapp": "+6281234567890"}}),
            ),
            (
                Error::InvalidAmount {
                    field: "amount",
                    message: "must be more than zero".into(),
                },
                json!({"code": "invalid_amount", "field": "amount", "message": "amount: must be more than zero"}),
            ),
            (
                Error::Overflow {
                    field: "amount",
                    limit: "999.00".into(),
                },
                json!({"code": "overflow", "field": "amount",
                       "message": "amount: amount too large (the limit is 999.00)",
                       "details": {"kind": "limit", "limit": "999.00"}}),
            ),
            (
                Error::not_found("invoice", "INV-2026-000009"),
                json!({"code": "not_found", "message": "invoice 'INV-2026-000009' not found",
                       "details": {"kind": "missing", "entity": "invoice", "reference": "INV-2026-000009"}}),
            ),
            (
                Error::DuplicateTag { tag: "VIP".into() },
                json!({"code": "duplicate_tag", "field": "tag", "message": "customer already has the tag 'VIP'",
                       "details": {"kind": "tag", "tag": "VIP"}}),
            ),
            (
                Error::Conflict("subscription budi is cancelled".into()),
                json!({"code": "conflict", "message": "subscription budi is cancelled"}),
            ),
            (
                refused(Code::InvoiceVoid, Some("invoice"), "void"),
                json!({"code": "invoice_void", "field": "invoice", "message": "void"}),
            ),
            (
                Error::refused(Code::AlreadyVoid, "already void"),
                json!({"code": "already_void", "message": "already void"}),
            ),
            (
                Error::refused(Code::InvoiceHasPayments, "paid"),
                json!({"code": "invoice_has_payments", "message": "paid"}),
            ),
            (
                Error::refused(Code::AlreadyRefunded, "refunded"),
                json!({"code": "already_refunded", "message": "refunded"}),
            ),
            (
                Error::refused(Code::CustomerNotBillable, "deleted"),
                json!({"code": "customer_not_billable", "message": "deleted"}),
            ),
            (
                Error::refused(Code::CustomerHasSubscriptions, "subscribed"),
                json!({"code": "customer_has_subscriptions", "message": "subscribed"}),
            ),
            (
                refused(Code::DateOutOfRange, Some("start"), "too late"),
                json!({"code": "date_out_of_range", "field": "start", "message": "too late"}),
            ),
            (
                refused(Code::DuplicateUsername, Some("username"), "taken"),
                json!({"code": "duplicate_username", "field": "username", "message": "taken"}),
            ),
            (
                refused(Code::DuplicateVoucher, Some("code"), "taken"),
                json!({"code": "duplicate_voucher", "field": "code", "message": "taken"}),
            ),
            (
                Error::refused(Code::VoucherSold, "sold"),
                json!({"code": "voucher_sold", "message": "sold"}),
            ),
            (
                refused(Code::NoDatabase, Some("db"), "none"),
                json!({"code": "no_database", "field": "db", "message": "none"}),
            ),
            (
                refused(Code::ReadOnly, Some("db"), "read-only"),
                json!({"code": "read_only", "field": "db", "message": "read-only"}),
            ),
            (
                refused(Code::DatabaseDamaged, Some("db"), "damaged"),
                json!({"code": "database_damaged", "field": "db", "message": "damaged"}),
            ),
            (
                refused(Code::FileExists, Some("file"), "exists"),
                json!({"code": "file_exists", "field": "file", "message": "exists"}),
            ),
            (
                refused(Code::NotRegularFile, Some("file"), "a folder"),
                json!({"code": "not_regular_file", "field": "file", "message": "a folder"}),
            ),
            (
                refused(Code::ProtectedFile, Some("file"), "the database"),
                json!({"code": "protected_file", "field": "file", "message": "the database"}),
            ),
            (
                refused(Code::NotASpreadsheet, Some("file"), "a zip"),
                json!({"code": "not_a_spreadsheet", "field": "file", "message": "a zip"}),
            ),
            (
                refused(Code::PrinterNotSet, Some("printer_address"), "no printer"),
                json!({"code": "printer_not_set", "field": "printer_address", "message": "no printer"}),
            ),
            (
                refused(
                    Code::PrinterUnreachable,
                    Some("printer_address"),
                    "timed out",
                ),
                json!({"code": "printer_unreachable", "field": "printer_address", "message": "timed out"}),
            ),
            (
                refused(Code::RowTooLarge, Some("row"), "2 MB"),
                json!({"code": "row_too_large", "field": "row", "message": "2 MB"}),
            ),
            (
                Error::Busy,
                json!({"code": "busy", "message": "the database file is in use by another writer for too long; try again"}),
            ),
            (
                Error::Cancelled,
                json!({"code": "cancelled", "message": "cancelled; nothing was changed"}),
            ),
            (
                Error::ConfirmationRequired("add --yes".into()),
                json!({"code": "confirmation_required", "message": "add --yes"}),
            ),
            (
                Error::InvalidBackup("not sqlite".into()),
                json!({"code": "invalid_backup", "message": "not a usable backup: not sqlite"}),
            ),
            (
                Error::Migration("V3".into()),
                json!({"code": "migration", "message": "migration failed: V3"}),
            ),
            (
                Error::Database(rusqlite::Error::InvalidQuery),
                json!({"code": "database", "message": "database error: Query is not read-only"}),
            ),
            (
                Error::Io(io),
                json!({"code": "io", "message": "file error: denied"}),
            ),
            (
                Error::internal("the batch lost a row"),
                json!({"code": "internal", "message": "internal error: the batch lost a row"}),
            ),
            (
                Error::refused(Code::SignInFailed, "wrong username or password"),
                json!({"code": "sign_in_failed", "message": "wrong username or password"}),
            ),
            (
                Error::refused(Code::NotSignedIn, "sign in first"),
                json!({"code": "not_signed_in", "message": "sign in first"}),
            ),
            (
                Error::refused(Code::Forbidden, "ask an owner"),
                json!({"code": "forbidden", "message": "ask an owner"}),
            ),
            (
                refused(Code::WeakPassword, Some("password"), "8 characters"),
                json!({"code": "weak_password", "field": "password", "message": "8 characters"}),
            ),
            // WhatsApp notifications (issue 13).
            (
                refused(Code::GatewayNotSet, Some("gateway"), "no gateway"),
                json!({"code": "gateway_not_set", "field": "gateway", "message": "no gateway"}),
            ),
            (
                refused(Code::UnknownPlaceholder, Some("body"), "{nama}"),
                json!({"code": "unknown_placeholder", "field": "body", "message": "{nama}"}),
            ),
            (
                refused(Code::MissingPlaceholder, Some("template"), "{shop_name}"),
                json!({"code": "missing_placeholder", "field": "template", "message": "{shop_name}"}),
            ),
            (
                refused(Code::NotNotifiable, Some("customer"), "opted out"),
                json!({"code": "not_notifiable", "field": "customer", "message": "opted out"}),
            ),
            (
                Error::refused(Code::WorkerBusy, "another sender"),
                json!({"code": "worker_busy", "message": "another sender"}),
            ),
            (
                refused(Code::NotTheSender, Some("notify_sender"), "not this desk"),
                json!({"code": "not_the_sender", "field": "notify_sender", "message": "not this desk"}),
            ),
            // Routers (isolir, issue 14).
            (
                refused(Code::DuplicateRouter, Some("name"), "taken"),
                json!({"code": "duplicate_router", "field": "name", "message": "taken"}),
            ),
            (
                refused(Code::RouterInUse, Some("name"), "in use"),
                json!({"code": "router_in_use", "field": "name", "message": "in use"}),
            ),
            (
                Error::refused(Code::RouterUnreachable, "router unreachable: refused"),
                json!({"code": "router_unreachable", "message": "router unreachable: refused"}),
            ),
            (
                Error::refused(Code::RouterLoginFailed, "router refused the login"),
                json!({"code": "router_login_failed", "message": "router refused the login"}),
            ),
            (
                Error::refused(Code::RouterRefused, "no such item"),
                json!({"code": "router_refused", "message": "no such item"}),
            ),
            (
                Error::refused(Code::RouterWorkerBusy, "another worker"),
                json!({"code": "router_worker_busy", "message": "another worker"}),
            ),
            // Sync (issue 15).
            (
                Error::refused(Code::SyncNotPaired, "not paired"),
                json!({"code": "sync_not_paired", "message": "not paired"}),
            ),
            (
                Error::refused(Code::SyncAlreadyPaired, "paired"),
                json!({"code": "sync_already_paired", "message": "paired"}),
            ),
            (
                Error::refused(Code::SyncUnreachable, "no answer"),
                json!({"code": "sync_unreachable", "message": "no answer"}),
            ),
            (
                Error::refused(Code::SyncRefused, "refused (unauthorized)"),
                json!({"code": "sync_refused", "message": "refused (unauthorized)"}),
            ),
        ]
    }

    #[test]
    fn every_code_has_its_json() {
        let table = table();
        for code in Code::ALL {
            let rows = table.iter().filter(|(e, _)| e.code() == *code).count();
            assert_eq!(rows, 1, "{code}: add one row for it to this table");
        }
        for (e, expected) in &table {
            let body = serde_json::to_value(ErrorBody::from(e)).unwrap();
            assert_eq!(&body, expected, "{}", e.code());
            assert_eq!(e.code().as_str().parse::<Code>().unwrap(), e.code());
        }
    }

    #[test]
    fn only_input_refusals_are_rejected_input() {
        for (e, _) in table() {
            let storage = matches!(
                e.code(),
                Code::Busy
                    | Code::Cancelled
                    | Code::Migration
                    | Code::Database
                    | Code::Io
                    | Code::Internal
                    | Code::NoDatabase
                    | Code::ReadOnly
                    | Code::DatabaseDamaged
            );
            assert_eq!(e.is_rejected_input(), !storage, "{}", e.code());
        }
    }
}
