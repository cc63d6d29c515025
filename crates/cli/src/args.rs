//! The command line, as clap structs. Parsing only: values are checked and
//! turned into core types by the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::list_args::ListFilters;

// Routers (issue 14).
pub use crate::router_args::{IsolirCmd, RouterCmd};
pub use crate::sync_args::SyncCmd;

#[derive(Debug, Parser)]
#[command(
    name = "pelanggan",
    version,
    about = "Pelanggan: a shop's customers, balances and history"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The database file [default: $PELANGGAN_DB, else the OS data folder]
    #[arg(long, global = true, env = "PELANGGAN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print one JSON document (errors as JSON on stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// The admin doing this write [default: the configured default admin]
    #[arg(long = "as", global = true, value_name = "ADMIN")]
    pub actor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, show, edit, delete, restore and list customers
    #[command(subcommand)]
    Customer(CustomerCmd),
    /// Credit or debit a customer's balance, or read its ledger
    #[command(subcommand)]
    Balance(BalanceCmd),
    /// A customer's extra WhatsApp numbers, emails and phones
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Tag customers; list the shop's tags
    #[command(subcommand)]
    Tag(TagCmd),
    /// A customer's activity log, newest first
    Activity {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// At most this many entries, newest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next page: --after` of the previous page, with --limit)
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
    /// The shop's admins
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Shop settings: default_region, default_admin, currency, invoice_prefix, time_zone, language, shop_name, lock_minutes, backup_dir, backup_keep, printer_address, notify_invoice_issued, notify_payment_received, notify_isolir, notify_sender, isolir_grace_days, isolir_profile, isolir_mode, router_on_cancel
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Import from CSV (one transaction: all accepted rows, or nothing)
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export to CSV
    #[command(subcommand)]
    Export(ExportCmd),
    /// Statistics cards: customers, debt, credit, spending
    Stats,
    /// Analytics for a range: new customers, subscribers, churn, revenue, debt, monthly series, top customers, tags
    Analytics {
        /// 7d, 30d, 90d, 1y or all (ignored when --from/--to are given)
        #[arg(long, default_value = "30d")]
        range: String,
        /// First day (YYYY-MM-DD), with --to
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Last day (YYYY-MM-DD), inclusive, with --from
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Top customers by revenue, subscriptions or balance (absolute)
        #[arg(long, default_value = "revenue")]
        top: String,
    },
    /// Fill an empty database with a realistic generated shop (benchmarks, demos)
    Gen {
        /// How many customers
        #[arg(long)]
        customers: u64,
        /// The same seed makes the same shop
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// A consistent copy of the database, taken while others may write
    Backup {
        /// The copy to make (must not exist); with --verify, the backup to check
        #[arg(required_unless_present = "auto")]
        file: Option<PathBuf>,
        /// Check FILE instead (integrity, a Pelanggan schema this version reads) and say what it holds
        #[arg(long, requires = "file", conflicts_with = "auto")]
        verify: bool,
        /// The daily backup: pelanggan-YYYY-MM-DD.db in --dir, once a day, keeping --keep
        #[arg(long, conflicts_with = "file")]
        auto: bool,
        /// Folder of the daily backups [default: backups/ beside the database]
        #[arg(long, requires = "auto")]
        dir: Option<PathBuf>,
        /// How many daily backups to keep
        #[arg(long, default_value_t = 7, requires = "auto")]
        keep: usize,
    },
    /// Replace the database with a backup (checked first; the current file is kept beside it)
    Restore {
        /// The backup file to restore (made by `backup`)
        file: PathBuf,
    },
    /// Privacy requests about one customer
    #[command(subcommand)]
    Privacy(PrivacyCmd),
    /// Hotspot and PPPoE subscriptions, billed every cycle
    #[command(subcommand)]
    Subscription(SubscriptionCmd),
    /// Issue due invoices; list, show and void invoices
    #[command(subcommand)]
    Invoice(InvoiceCmd),
    /// Record, refund and list payments
    #[command(subcommand)]
    Payment(PaymentCmd),
    /// Add, sell and list hotspot vouchers
    #[command(subcommand)]
    Voucher(VoucherCmd),
    /// WhatsApp notifications: gateway, templates, outbox, reminders, bulk sends, the sender
    #[command(subcommand)]
    Notify(crate::notify_args::NotifyCmd),
    /// MikroTik routers: add, test, sync, and the worker that sends their commands
    #[command(subcommand)]
    Router(RouterCmd),
    /// Suspension of unpaid subscriptions on their routers (isolir)
    #[command(subcommand)]
    Isolir(IsolirCmd),
    /// Sync with the shop's central server: pair, sync now, status, devices
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Print the tab-completion script for a shell (see the README for where it goes)
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCmd {
    /// Everything stored about the customer, as one JSON file
    Export {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// The JSON file to write, or - for standard output
        file: PathBuf,
        /// Replace FILE if it exists (never the database itself, a link or a device)
        #[arg(long)]
        force: bool,
    },
    /// Remove name, numbers, email, address, notes (amounts stay); irreversible
    Anonymise {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// Confirm: this cannot be undone
        #[arg(long)]
        yes: bool,
    },
    /// Delete the customer and everything about them; irreversible
    Delete {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// Confirm: this cannot be undone
        #[arg(long)]
        yes: bool,
        /// Delete even though the balance is not zero
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import customers from CSV, .xlsx or .ods; headers in English or Indonesian, delimiter and encoding detected
    Customers {
        /// The CSV file to read
        file: PathBuf,
        /// Check every row and report, but write nothing
        #[arg(long)]
        dry_run: bool,
        /// A number already in the database or earlier in the file: skip, update or fail (reject the row)
        #[arg(long, default_value = "fail", value_name = "skip|update|fail")]
        on_duplicate: String,
        /// Write the rejected rows here (as read, plus a reason column); only if a row is rejected
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
        /// Replace the --errors file if it exists (never the input or the database)
        #[arg(long)]
        force: bool,
        /// The sheet of an .xlsx or .ods file to read (default: the first)
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
        /// Read a column as a field: --map "No Pelanggan=whatsapp" (COLUMN=- leaves it out)
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        mappings: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct CsvArgs {
    /// UTF-8 with BOM and semicolons, for Excel in an Indonesian locale
    #[arg(long)]
    pub excel: bool,
    /// Replace FILE if it exists (never the database itself, a link or a device)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Customers, filtered as in `customer list`
    Customers {
        /// The CSV file to write, or - for standard output
        file: PathBuf,
        #[command(flatten)]
        filters: ListFilters,
        #[command(flatten)]
        csv: CsvArgs,
    },
    /// Every ledger entry, oldest first
    Ledger {
        /// The CSV file to write, or - for standard output
        file: PathBuf,
        /// YYYY-MM-DD, inclusive
        #[arg(long)]
        from: Option<String>,
        /// YYYY-MM-DD, inclusive
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        csv: CsvArgs,
    },
}

#[derive(Debug, Args, Default)]
pub struct CustomerFields {
    /// Email address (at most 100 characters)
    #[arg(long)]
    pub email: Option<String>,
    /// Phone number (not WhatsApp), any format: (021) 5795 1234
    #[arg(long)]
    pub phone: Option<String>,
    /// Postal address (at most 500 characters)
    #[arg(long)]
    pub address: Option<String>,
    /// Free notes (at most 2000 characters)
    #[arg(long)]
    pub notes: Option<String>,
    /// active, inactive or blacklisted
    #[arg(long)]
    pub status: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CustomerCmd {
    /// Add a customer
    Add {
        /// The customer's name (at most 100 characters)
        #[arg(long)]
        name: String,
        /// WhatsApp number, any format: 0812-3456-7890, +62 812 3456 7890, ...
        #[arg(long)]
        whatsapp: String,
        #[command(flatten)]
        fields: CustomerFields,
        /// Opening balance: positive = credit, negative = debt
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        initial_balance: Option<String>,
        /// NAME or NAME:#RRGGBB; repeat for several
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// Queue the welcome WhatsApp message (template welcome), in the same write
        #[arg(long)]
        send_welcome: bool,
    },
    /// Show one customer
    Show {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
    },
    /// Change fields; an empty value clears an optional field
    Edit {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// New name (at most 100 characters)
        #[arg(long)]
        name: Option<String>,
        /// New WhatsApp number, any format
        #[arg(long)]
        whatsapp: Option<String>,
        #[command(flatten)]
        fields: CustomerFields,
    },
    /// Soft delete: hidden from lists, restorable
    Delete {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
    },
    /// Undo a soft delete
    Restore {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
    },
    /// Customers sharing one WhatsApp number (made on two desks offline),
    /// each group with its conflict id, the same on every desk
    Duplicates,
    /// Merge OTHER into KEEP: OTHER's contacts, tags, subscriptions,
    /// invoices, payments, vouchers and ledger move to KEEP, OTHER is deleted
    /// (marked merged into KEEP); one transaction, logged and synced
    Merge {
        /// The customer kept (REF): its id or its local number (a shared WhatsApp number names neither)
        keep: String,
        /// The customer merged into it (REF)
        other: String,
        /// Fields KEEP takes from OTHER, comma-separated: name, whatsapp,
        /// email, phone, address, notes [default: none, KEEP's stay]
        #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
        take: Vec<String>,
    },
    /// List customers, debt first, then most recently updated
    List {
        #[command(flatten)]
        filters: ListFilters,
        /// debt (debt first, then most recently updated), name, name-desc,
        /// balance, balance-desc, spent, spent-desc
        #[arg(long, default_value = "debt")]
        sort: String,
        /// Page number, from 1 (slower with depth: prefer --after)
        #[arg(long, default_value_t = 1)]
        page: u32,
        /// Customers per page, 1 to 200
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Start after this cursor (the `next` of the previous page): fast at any depth
        #[arg(long, value_name = "CURSOR", allow_hyphen_values = true)]
        after: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct EntryArgs {
    /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
    pub customer: String,
    /// A positive amount: 150000, 150.000, 150000.50, 1.500.000,00 or Rp 150.000
    #[arg(allow_hyphen_values = true)]
    pub amount: String,
    /// What the entry is for, kept in the ledger: "Top-up at the counter"
    #[arg(long)]
    pub description: String,
    /// What the entry refers to, with --reference-id: order, receipt, ...
    #[arg(long, requires = "reference_id")]
    pub reference_type: Option<String>,
    /// The id of what the entry refers to, with --reference-type
    #[arg(long, requires = "reference_type")]
    pub reference_id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BalanceCmd {
    /// Money in: adds to the balance
    Credit(EntryArgs),
    /// Money owed: takes from the balance
    Debit(EntryArgs),
    /// The customer's ledger, newest first
    History {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// credit, debit or carry_over
        #[arg(long = "type")]
        kind: Option<String>,
        /// YYYY-MM-DD, inclusive
        #[arg(long)]
        from: Option<String>,
        /// YYYY-MM-DD, inclusive
        #[arg(long)]
        to: Option<String>,
        /// At most this many entries, newest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next page: --after` of the previous page, with --limit)
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a contact: TYPE is whatsapp, email or phone
    Add {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// whatsapp, email or phone
        #[arg(value_name = "TYPE")]
        kind: String,
        /// The number (any format) or the email address
        value: String,
        /// Make it the primary contact of its type
        #[arg(long)]
        primary: bool,
        /// A note about the contact: "office", "wife's number"
        #[arg(long)]
        notes: Option<String>,
    },
    /// Remove a contact by its id or local number
    Remove {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// The contact: its id or its local number (the # column of `contact list`)
        contact: String,
    },
    /// List a customer's contacts
    List {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
    },
    /// Make a contact the primary one of its type
    SetPrimary {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// The contact: its id or its local number (the # column of `contact list`)
        contact: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagCmd {
    /// Tag a customer (creates the tag for the shop if new; --color is a new tag's colour)
    Add {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// The tag's name (at most 50 characters; case does not matter)
        name: String,
        /// The tag's colour, as #RRGGBB [default: #007bff for a new tag]
        #[arg(long, value_name = "#RRGGBB")]
        color: Option<String>,
    },
    /// Change a tag's colour for the whole shop
    Color {
        /// The tag's name (case-insensitive)
        name: String,
        /// The new colour for every customer carrying it, as #RRGGBB
        #[arg(value_name = "#RRGGBB")]
        color: String,
    },
    /// Remove a tag from a customer
    Remove {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// The tag's name (case does not matter)
        name: String,
    },
    /// The shop's tags with how many customers carry each
    List {
        /// The 20 most used, most used first
        #[arg(long)]
        popular: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Add an admin
    Add {
        /// The admin's login name, given to --as and to the app's sign-in
        username: String,
        /// The admin's full name
        #[arg(long)]
        name: String,
        /// Also make this the default admin for writes
        #[arg(long)]
        default: bool,
        /// owner (may do everything) or staff (no restore, settings, privacy actions or admins)
        #[arg(long, default_value = "owner")]
        role: String,
        /// Read the admin's app password (at least 8 characters) as one line from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set an admin's app password, read as one line from standard input
    Passwd {
        /// The admin's login name
        username: String,
        /// Read the new password (at least 8 characters) as one line from standard input
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List admins
    List,
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show every setting
    Show,
    /// Set one setting
    Set {
        /// default_region, default_admin, currency, invoice_prefix, time_zone, language, shop_name, lock_minutes, backup_dir, backup_keep, printer_address, notify_invoice_issued, notify_payment_received, notify_isolir, notify_sender, isolir_grace_days, isolir_profile, isolir_mode or router_on_cancel
        key: String,
        /// The new value: a region (ID), an admin's username, a currency (IDR), a prefix (INV), an IANA zone (Asia/Jakarta)
        value: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionCmd {
    /// Subscribe a customer (not deleted, not blacklisted) to a service
    Add {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// pppoe or hotspot
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// The service username (unique among live subscriptions)
        #[arg(long)]
        username: String,
        /// The profile or package name
        #[arg(long)]
        profile: String,
        /// The price of one cycle: 150000 or 150000.50
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        price: String,
        /// monthly, weekly or daily [default: monthly]
        #[arg(long)]
        cycle: Option<String>,
        /// YYYY-MM-DD: the first period starts (and is billed) on this date;
        /// from 2000 to a year ahead, unless --yes
        #[arg(long, value_name = "DATE")]
        start: String,
        /// Confirm a --start before 2000 or more than a year ahead
        #[arg(long)]
        yes: bool,
        /// The router that serves it (see `router add`): the user is made there
        #[arg(long, value_name = "NAME")]
        router: Option<String>,
        /// The PPPoE or hotspot password [default: generated, and shown once]
        #[arg(long, value_name = "P", requires = "router")]
        service_password: Option<String>,
    },
    /// Change fields; a new price applies from the next invoice
    Edit {
        /// The subscription (SUB): its id, its local number (the # column) or its service username
        subscription: String,
        /// pppoe or hotspot
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// New service username (unique among live subscriptions)
        #[arg(long)]
        username: Option<String>,
        /// New profile or package name
        #[arg(long)]
        profile: Option<String>,
        /// New price of one cycle: 150000 or 150000.50
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        price: Option<String>,
        /// monthly, weekly or daily (counted from the next billing date)
        #[arg(long)]
        cycle: Option<String>,
        /// Move it to this router (the user is removed from the old one)
        #[arg(long, value_name = "NAME")]
        router: Option<String>,
        /// A new PPPoE or hotspot password
        #[arg(long, value_name = "P")]
        service_password: Option<String>,
    },
    /// Stop billing until `resume`
    Suspend {
        /// The subscription (SUB): its id, its local number (the # column) or its service username
        subscription: String,
    },
    /// Bill again from the first period starting on or after --date
    Resume {
        /// The subscription (SUB): its id, its local number (the # column) or its service username
        subscription: String,
        /// YYYY-MM-DD [default: today in the shop's time zone]
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// End the subscription for good (frees its username)
    Cancel {
        /// The subscription (SUB): its id, its local number (the # column) or its service username
        subscription: String,
    },
    /// Subscriptions, oldest first
    List {
        /// Only this customer (REF): its id, local number (the # column) or WhatsApp number in any format
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
        /// active, suspended or cancelled
        #[arg(long)]
        status: Option<String>,
        /// Show cancelled subscriptions too
        #[arg(long)]
        include_cancelled: bool,
        /// At most this many subscriptions, oldest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next` of the previous page)
        #[arg(long, value_name = "CURSOR", allow_hyphen_values = true)]
        after: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCmd {
    /// Issue every invoice due up to --date; running it again issues nothing new
    IssueDue {
        /// YYYY-MM-DD [default: today in the shop's time zone]; at most a month ahead, unless --yes
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// List what would be issued, and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Confirm a --date before 2000 or more than a month ahead
        #[arg(long)]
        yes: bool,
    },
    /// Invoices, newest first
    List {
        /// Only this customer (REF): its id, local number (the # column) or WhatsApp number in any format
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
        /// Only this subscription (SUB): its id, local number (the # column) or service username
        #[arg(long, value_name = "SUB")]
        subscription: Option<String>,
        /// unpaid, partial, paid or void
        #[arg(long)]
        status: Option<String>,
        /// Unpaid and partial invoices only
        #[arg(long)]
        open: bool,
        /// At most this many invoices, newest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next` of the previous page)
        #[arg(long, value_name = "CURSOR", allow_hyphen_values = true)]
        after: Option<String>,
    },
    /// Show one invoice by its number
    Show {
        /// The invoice NUMBER, such as INV-2026-000001
        number: String,
    },
    /// Cancel an invoice issued by mistake (refund its payments first)
    Void {
        /// The invoice NUMBER, such as INV-2026-000001
        number: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PaymentCmd {
    /// Record money received from a customer
    Record {
        /// The customer (REF): its id, its local number (the # column, such as 12) or its WhatsApp number in any format
        customer: String,
        /// A positive amount: 150000, 150.000, 150000.50, 1.500.000,00 or Rp 150.000
        #[arg(allow_hyphen_values = true)]
        amount: String,
        /// The invoice number to pay first [default: the oldest open one]
        #[arg(long, value_name = "NUMBER")]
        invoice: Option<String>,
        /// cash, bank_transfer, e_wallet or other [default: cash]
        #[arg(long)]
        method: Option<String>,
        /// A transfer's reference, a receipt number
        #[arg(long)]
        reference: Option<String>,
    },
    /// Refund a payment in full (re-opens what it had paid)
    Refund {
        /// The payment (ID): its id or its local number (the # column of `payment list`)
        id: String,
    },
    /// Payments, newest first
    List {
        /// Only this customer (REF): its id, local number (the # column) or WhatsApp number in any format
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
        /// success or refunded
        #[arg(long)]
        status: Option<String>,
        /// At most this many payments, newest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next` of the previous page)
        #[arg(long, value_name = "CURSOR", allow_hyphen_values = true)]
        after: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum VoucherCmd {
    /// Add an unsold voucher
    Add {
        /// The voucher's code, as printed on it (unique; case does not matter)
        code: String,
        /// The hotspot profile it gives
        #[arg(long)]
        profile: String,
        /// Its selling price: 5000 or 5000.50
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        price: String,
    },
    /// Sell a voucher, to a customer (an invoice and its payment) or over the counter
    Sell {
        /// The voucher's code (case does not matter)
        code: String,
        /// Sell to this customer (REF): its id, local number (the # column) or WhatsApp number in any format
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
        /// cash, bank_transfer, e_wallet or other [default: cash]
        #[arg(long)]
        method: Option<String>,
        /// A transfer's reference, a receipt number
        #[arg(long)]
        reference: Option<String>,
    },
    /// Vouchers, newest first
    List {
        /// available or sold
        #[arg(long)]
        status: Option<String>,
        /// The vouchers sold to this customer (REF): its id, local number (the # column) or WhatsApp number in any format
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
        /// At most this many vouchers, newest first [default: all]
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this cursor (the `next` of the previous page)
        #[arg(long, value_name = "CURSOR", allow_hyphen_values = true)]
        after: Option<String>,
    },
}
