//! `pelanggan notify ...`: WhatsApp notifications, as clap structs (parsing
//! only; crates/cli/src/commands/notify.rs calls the core).

use clap::{Args, Subcommand};

use crate::list_args::ListFilters;

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// The WhatsApp gateway messages go through
    #[command(subcommand)]
    Gateway(GatewayCmd),
    /// Queue one message to one customer (sent by `notify run`)
    Send {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// A template's name (notify template list)
        #[arg(long, conflicts_with = "text", required_unless_present = "text")]
        template: Option<String>,
        /// A free text instead of a template
        #[arg(long)]
        text: Option<String>,
        /// The invoice (number or id) the template's {invoice_number}, {amount_due}... read
        #[arg(long, requires = "template")]
        invoice: Option<String>,
    },
    /// Queue a template to many customers: a tag, or any filter of `customer list`
    Bulk {
        #[command(flatten)]
        filters: ListFilters,
        /// The template's name (notify template list)
        #[arg(long)]
        template: String,
        /// Count who would get it and show the first message; queue nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// The outbox, newest first, with each message's attempts
    Outbox {
        /// queued, sending, sent, failed, paused, cancelled or unknown
        #[arg(long)]
        status: Option<String>,
        /// Only this customer's messages (REF)
        #[arg(long)]
        customer: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Send a failed, cancelled, paused or unknown message again (an unknown one may then arrive twice)
    Retry {
        /// The message's number (the # column of notify outbox)
        id: String,
    },
    /// Cancel a message not sent yet, or a whole bulk send (B and its number, such as B3)
    Cancel {
        /// The message's number, or B<n> for bulk send n
        id: String,
    },
    /// Mark an unknown message as sent (you checked that it arrived)
    MarkSent {
        /// The message's number
        id: String,
    },
    /// A customer asks to receive no messages (bulk sends and reminders skip them)
    OptOut {
        /// The customer (REF)
        customer: String,
        /// Receive messages again
        #[arg(long)]
        undo: bool,
    },
    /// Message templates and their preview
    #[command(subcommand)]
    Template(TemplateCmd),
    /// Automatic reminders (all off until turned on)
    #[command(subcommand)]
    Reminders(RemindersCmd),
    /// The sender: queues due reminders and sends the outbox through the gateway
    Run {
        /// Stop once nothing is due (else run until Ctrl-C)
        #[arg(long)]
        until_empty: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum GatewayCmd {
    /// Set up a gateway and make it the one used: fonnte, cloud-api or webhook (saving it again lifts a pause)
    Set {
        /// fonnte, cloud-api or webhook
        kind: String,
        #[command(flatten)]
        settings: Box<GatewayArgs>,
    },
    /// The gateways, tokens masked, and whether one is paused
    Show,
    /// Send one test message to a customer now and print the gateway's full reply
    Test {
        /// The customer (REF) who receives the test message
        customer: String,
    },
}

#[derive(Debug, Args, Default)]
pub struct GatewayArgs {
    /// Fonnte: the send URL [https://api.fonnte.com/send]; cloud-api: the Graph API base [https://graph.facebook.com]; webhook: its URL
    #[arg(long)]
    pub url: Option<String>,
    /// Read the token as one line from standard input (never on the command line)
    #[arg(long)]
    pub token_stdin: bool,
    /// Fonnte: the countryCode field (62; 0 sends numbers as given)
    #[arg(long)]
    pub country_code: Option<String>,
    /// cloud-api: the Graph API version [v21.0]
    #[arg(long)]
    pub api_version: Option<String>,
    /// cloud-api: the sending number's id
    #[arg(long)]
    pub phone_number_id: Option<String>,
    /// webhook: POST, PUT, PATCH or GET [POST]
    #[arg(long)]
    pub method: Option<String>,
    /// webhook: a header, 'Name: value' ({token} is the token); repeat for several
    #[arg(long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// webhook: the body, with {to}, {to_digits}, {message}, {key}
    #[arg(long)]
    pub body: Option<String>,
    /// webhook: the body is a form (a=1&b={message}) instead of JSON
    #[arg(long)]
    pub form: bool,
    /// webhook: sent only if the reply's JSON has this path (data.status, messages.0.id)...
    #[arg(long, value_name = "PATH")]
    pub success_path: Option<String>,
    /// ...holding this value
    #[arg(long, value_name = "VALUE", requires = "success_path")]
    pub success_value: Option<String>,
    /// webhook: the gateway honours Idempotency-Key (an unknown message may then be resent automatically)
    #[arg(long)]
    pub idempotency_key: bool,
    /// At most one message every SECONDS [5]
    #[arg(long, value_name = "SECONDS")]
    pub pace: Option<String>,
    /// The first retry's wait in SECONDS, doubled each time up to an hour [30]
    #[arg(long, value_name = "SECONDS")]
    pub retry_base: Option<String>,
    /// SECONDS a request may take before its outcome is unknown [30]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCmd {
    /// Every template in both languages (built-in ones marked)
    List,
    /// One template
    Show {
        /// The template's name (welcome, invoice_issued, ... or the shop's own)
        name: String,
        /// id or en [the shop's language setting]
        #[arg(long)]
        language: Option<String>,
    },
    /// Save a template's text (an unknown placeholder is refused)
    Set {
        /// A built-in name (welcome, invoice_issued, ...) or a new one
        name: String,
        /// The text, with placeholders such as {name} and {amount_due}
        #[arg(long)]
        text: String,
        /// id or en [the shop's language setting]
        #[arg(long)]
        language: Option<String>,
        /// cloud-api: the approved template's name
        #[arg(long, requires = "cloud_language")]
        cloud_name: Option<String>,
        /// cloud-api: the approved template's language (id, en_US)
        #[arg(long, requires = "cloud_name")]
        cloud_language: Option<String>,
        /// cloud-api: the placeholders its body parameters are, in order: name,amount_due,due_date
        #[arg(long, requires = "cloud_name", value_delimiter = ',')]
        cloud_params: Vec<String>,
    },
    /// The template as one customer would receive it
    Preview {
        /// The template's name
        name: String,
        /// The customer (REF)
        customer: String,
        /// The invoice (number or id) for its invoice placeholders
        #[arg(long)]
        invoice: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RemindersCmd {
    /// Change a rule: before_due, on_due, overdue or debt
    Set {
        /// before_due, on_due, overdue or debt
        rule: String,
        /// Turn it on
        #[arg(long, conflicts_with = "off")]
        on: bool,
        /// Turn it off
        #[arg(long)]
        off: bool,
        /// before_due: days before the due date; overdue: days after it
        #[arg(long)]
        days: Option<u32>,
        /// Then every DAYS while unpaid (overdue) or in debt (debt)
        #[arg(long, value_name = "DAYS")]
        every: Option<u32>,
        /// overdue: remind once, not again
        #[arg(long, conflicts_with = "every")]
        once: bool,
    },
    /// The rules
    Show,
}
