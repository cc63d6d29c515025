//! The one error type of the core. Every case has a stable machine code
//! (`Error::code`) that the CLI, the desktop app and the sync server map to
//! their own world (exit codes, `{code, message, field}`, HTTP statuses).

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
        code: &'static str,
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
}

impl Error {
    /// The stable snake_case code clients branch on. Never rename one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation { .. } => "validation",
            Error::InvalidWhatsapp { .. } => "invalid_whatsapp",
            Error::InvalidPhone { .. } => "invalid_phone",
            Error::DuplicateWhatsapp { .. } => "duplicate_whatsapp",
            Error::InvalidAmount { .. } => "invalid_amount",
            Error::Overflow { .. } => "overflow",
            Error::NotFound { .. } => "not_found",
            Error::DuplicateTag { .. } => "duplicate_tag",
            Error::Conflict(_) => "conflict",
            Error::Refused { code, .. } => code,
            Error::Busy => "busy",
            Error::Cancelled => "cancelled",
            Error::InvalidBackup(_) => "invalid_backup",
            Error::ConfirmationRequired(_) => "confirmation_required",
            Error::Migration(_) => "migration",
            Error::Database(_) => "database",
            Error::Io(_) => "io",
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
                | Error::Refused {
                    code: "no_database" | "read_only" | "database_damaged",
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

    pub(crate) fn refused(code: &'static str, message: impl fmt::Display) -> Error {
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
}

/// The error as clients receive it: `{code, message, field}`, and for
/// `duplicate_whatsapp` the holder's id (`holder_id`).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_id: Option<String>,
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
        }
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
                    code: "read_only",
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
