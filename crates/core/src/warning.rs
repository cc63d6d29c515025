//! Warnings: input that was accepted but may not be what the person meant
//! (a number read as another country's, a fixed-line number as WhatsApp, a
//! tag colour that was not applied). Unlike an `Error`, nothing is refused.
//!
//! A use case notes its warnings on the `Write` it runs in (`Write::warn`);
//! `Db::write_warned` returns them beside the result, and
//! `Db::dry_run_warned` gives the same warnings without saving anything, so
//! a form can show them before the person confirms. Codes are stable, like
//! error codes: scripts and the app may branch on them.

use serde::Serialize;

/// One warning: a stable code, the input it is about, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warning {
    /// `foreign_number`, `not_mobile`, `number_of_other_customer`, `tag_color_kept`.
    pub code: &'static str,
    /// The input field the warning is about (`whatsapp`, `phone`, `value`, `color`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<&'static str>,
    pub message: String,
}

impl Warning {
    pub fn new(
        code: &'static str,
        field: Option<&'static str>,
        message: impl Into<String>,
    ) -> Self {
        Warning {
            code,
            field,
            message: message.into(),
        }
    }
}

/// A result with the warnings its write noted. In JSON the result's own
/// fields come first, then `warnings` (always present, maybe empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warned<T> {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub value: T,
    pub warnings: Vec<Warning>,
}
