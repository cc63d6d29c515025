// The one module that talks to the shell: a typed function per command.
// Nothing else imports `invoke`.
import { invoke } from '@tauri-apps/api/core';
import type { CustomerPage } from '$bindings/CustomerPage';
import type { Report as SyncReport } from '$bindings/Report';
import type { SyncStatus } from '$bindings/SyncStatus';
import type { Duplicate } from '$bindings/Duplicate';
import type { MergeOther } from '$bindings/MergeOther';
import type { ErrorBody } from '$bindings/ErrorBody';
import type { ListQuery } from '$bindings/ListQuery';
import type { Stats } from '$bindings/Stats';
import type { Cycle } from '$bindings/Cycle';
import type { Invoice } from '$bindings/Invoice';
import type { IssuedDue } from '$bindings/IssuedDue';
import type { InvoiceQuery } from '$bindings/InvoiceQuery';
import type { NewPayment } from '$bindings/NewPayment';
import type { Payment } from '$bindings/Payment';
import type { PaymentPreview } from '$bindings/PaymentPreview';
import type { PaymentQuery } from '$bindings/PaymentQuery';
import type { SellVoucher } from '$bindings/SellVoucher';
import type { ServiceType } from '$bindings/ServiceType';
import type { Subscription } from '$bindings/Subscription';
import type { SubscriptionQuery } from '$bindings/SubscriptionQuery';
import type { Voucher } from '$bindings/Voucher';
import type { VoucherQuery } from '$bindings/VoucherQuery';

/** A command's failure, as the core describes it. */
export class AppError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
  get code() {
    return this.body.code;
  }
  get field() {
    return this.body.field;
  }
}

function isErrorBody(e: unknown): e is ErrorBody {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isErrorBody(e)) throw new AppError(e);
    throw new AppError({ code: 'internal', message: String(e) });
  }
}

/** The list; the balance range is typed text, read by the core's amount parser. */
export const customersList = (
  query: ListQuery,
  range: { balance_min?: string; balance_max?: string } = {},
) =>
  call<CustomerPage>('customers_list', {
    query,
    balance_min: range.balance_min || null,
    balance_max: range.balance_max || null,
  });
export const stats = () => call<Stats>('stats');

// ---- Customers, tags, contacts, the ledger, the activity log, privacy (H2) ----
import type { Activity } from '$bindings/Activity';
import type { ActivityQuery } from '$bindings/ActivityQuery';
import type { Anonymised } from '$bindings/Anonymised';
import type { Contact } from '$bindings/Contact';
import type { Customer } from '$bindings/Customer';
import type { CustomerPatch } from '$bindings/CustomerPatch';
import type { Erased } from '$bindings/Erased';
import type { HistoryQuery } from '$bindings/HistoryQuery';
import type { LedgerEntry } from '$bindings/LedgerEntry';
import type { NewContact } from '$bindings/NewContact';
import type { NewCustomer } from '$bindings/NewCustomer';
import type { Page } from '$bindings/Page';
import type { PrivacyConfirm } from '$bindings/PrivacyConfirm';
import type { TagInput } from '$bindings/TagInput';
import type { TagUsage } from '$bindings/TagUsage';
import type { Warned } from '$bindings/Warned';
import type { Written } from '$bindings/Written';

export const customerGet = (id: string) => call<Customer>('customer_get', { id });
/** `initial_balance` is the typed text (`1.500.000`, `-25.000`); `input.initial_balance` stays null.
 * `send_welcome` queues the welcome WhatsApp in the same write. */
export const customerAdd = (input: NewCustomer, initial_balance: string, send_welcome = false) =>
  call<Warned<Customer>>('customer_add', { input, initial_balance: initial_balance || null, send_welcome });
export const customerEdit = (id: string, patch: CustomerPatch) =>
  call<Warned<Customer>>('customer_edit', { id, patch });
export const customerDelete = (id: string) => call<Customer>('customer_delete', { id });
export const customerRestore = (id: string) => call<Customer>('customer_restore', { id });
export const tagAdd = (id: string, tag: TagInput) => call<Warned<Customer>>('tag_add', { id, tag });
export const tagRemove = (id: string, name: string) => call<Customer>('tag_remove', { id, name });
export const tagsList = (popular = false) => call<TagUsage[]>('tags_list', { popular });
export const tagSetColor = (name: string, color: string) =>
  call<TagUsage>('tag_set_color', { name, color });
export const contactsList = (id: string) => call<Contact[]>('contacts_list', { id });
export const contactAdd = (id: string, contact: NewContact) =>
  call<Warned<Contact>>('contact_add', { id, contact });
export const contactRemove = (id: string, contact: string) =>
  call<Contact>('contact_remove', { id, contact });
export const contactSetPrimary = (id: string, contact: string) =>
  call<Contact>('contact_set_primary', { id, contact });
/** A manual credit or debit; `preview` runs it and rolls it back (the entry shows the new balance). */
export const balanceAdjust = (
  kind: 'credit' | 'debit',
  id: string,
  amount: string,
  description: string,
  preview: boolean,
) => call<LedgerEntry>(`balance_${kind}`, { id, amount, description, preview });
export const ledgerHistory = (id: string, query: HistoryQuery) =>
  call<Page<LedgerEntry>>('ledger_history', { id, query });
export const activityList = (id: string, query: ActivityQuery) =>
  call<Page<Activity>>('activity_list', { id, query });
export const privacyExport = (id: string, file: string, force: boolean) =>
  call<Written>('privacy_export', { id, file, force });
export const privacyAnonymise = (id: string, confirm: PrivacyConfirm) =>
  call<Anonymised>('privacy_anonymise', { id, confirm });
export const privacyErase = (id: string, force: boolean, confirm: PrivacyConfirm) =>
  call<Erased>('privacy_erase', { id, force, confirm });

// --- Sign-in, settings, admins, backups, the demo shop (H1) ---
import { Channel } from '@tauri-apps/api/core';
import type { Admin } from '$bindings/Admin';
import type { AuthStatus } from '$bindings/AuthStatus';
import type { BackupInfo } from '$bindings/BackupInfo';
import type { BackupStatus } from '$bindings/BackupStatus';
import type { GenSummary } from '$bindings/GenSummary';
import type { NewAdmin } from '$bindings/NewAdmin';
import type { Progress } from '$bindings/Progress';
import type { RestoreInfo } from '$bindings/RestoreInfo';
import type { Setting } from '$bindings/Setting';
// (H4's types; its commands follow H1's below.)
import type { AnalyticsReport } from '$bindings/AnalyticsReport';
import type { CsvOptions } from '$bindings/CsvOptions';
import type { ExportSummary } from '$bindings/ExportSummary';
import type { Filter } from '$bindings/Filter';
import type { ImportMapping } from '$bindings/ImportMapping';
import type { ImportOptions } from '$bindings/ImportOptions';
import type { ImportPreview } from '$bindings/ImportPreview';
import type { ImportSummary } from '$bindings/ImportSummary';
import type { Range } from '$bindings/Range';
import type { TopBy } from '$bindings/TopBy';

/** A Channel that hands each progress report to `onProgress` (every long job's). */
function progressChannel(onProgress: (p: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const authStatus = () => call<AuthStatus>('auth_status');
export const authSetupOwner = (owner: NewAdmin) => call<Admin>('auth_setup_owner', { owner });
export const authSignIn = (username: string, password: string) =>
  call<Admin>('auth_sign_in', { username, password });
export const authSignOut = () => call<void>('auth_sign_out');
export const authLock = () => call<void>('auth_lock');

export const settingsGet = () => call<Setting[]>('settings_get');
export const settingsSet = (key: string, value: string) =>
  call<Setting>('settings_set', { key, value });

export const adminsList = () => call<Admin[]>('admins_list');
export const adminAdd = (admin: NewAdmin) => call<Admin>('admin_add', { admin });
export const adminPasswd = (username: string, password: string) =>
  call<Admin>('admin_passwd', { username, password });

export const backupList = () => call<BackupStatus>('backup_list');
export const backupNow = (job: string, onProgress: (p: Progress) => void) =>
  call<BackupInfo>('backup_now', { job, on_progress: progressChannel(onProgress) });
export const backupRestore = (file: string, job: string, onProgress: (p: Progress) => void) =>
  call<RestoreInfo>('backup_restore', { file, job, on_progress: progressChannel(onProgress) });

export const demoCreate = (job: string, onProgress: (p: Progress) => void) =>
  call<GenSummary>('demo_create', { job, on_progress: progressChannel(onProgress) });

/** The system's file dialog for a backup to restore (null when cancelled). */
export async function pickBackupFile(title: string, folder?: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const picked = await open({
    title,
    multiple: false,
    directory: false,
    defaultPath: folder,
    filters: [{ name: 'Pelanggan', extensions: ['db'] }],
  });
  return typeof picked === 'string' ? picked : null;
}

/** The system's folder dialog for the backups folder (null when cancelled). */
export async function pickFolder(title: string, folder?: string): Promise<string | null> {
  const { open } = await import('@tauri-apps/plugin-dialog');
  const picked = await open({ title, multiple: false, directory: true, defaultPath: folder });
  return typeof picked === 'string' ? picked : null;
}

// --- Import, export, analytics (H4) ---
export const importPreview = (path: string, mappings: ImportMapping[], sheet: string | null = null) =>
  call<ImportPreview>('import_preview', { path, sheet, mappings });
export const importCustomers = (
  path: string,
  options: ImportOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ImportSummary>('import_customers', { path, options, job, on_progress: progressChannel(onProgress) });
export const exportCustomers = (
  path: string,
  filter: Filter,
  options: CsvOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ExportSummary>('export_customers', { path, filter, options, job, on_progress: progressChannel(onProgress) });
export const exportLedger = (
  path: string,
  from: string | null,
  to: string | null,
  options: CsvOptions,
  job: string,
  onProgress: (p: Progress) => void,
) => call<ExportSummary>('export_ledger', { path, from, to, options, job, on_progress: progressChannel(onProgress) });
/** Asks the job named `job` to stop; false when it already ended. */
export const cancelJob = (job: string) => call<boolean>('cancel_job', { job });
export const analytics = (range: Range, top: TopBy) => call<AnalyticsReport>('analytics', { range, top });


// --- Billing and printing (H3). Amounts are the text the admin typed. ---
export interface SubscriptionInput {
  customer: string;
  kind: ServiceType;
  username: string;
  profile: string;
  price: string;
  cycle: Cycle | null;
  /** YYYY-MM-DD */
  start: string;
  /** Takes a start date far off (`date_out_of_range` without it). */
  confirm: boolean;
}
export interface SubscriptionEdit {
  subscription: string;
  kind?: ServiceType | null;
  username?: string | null;
  profile?: string | null;
  price?: string | null;
  cycle?: Cycle | null;
}
export const subscriptionAdd = (input: SubscriptionInput) =>
  call<Subscription>('subscription_add', { ...input });
export const subscriptionsList = (query: SubscriptionQuery) =>
  call<Page<Subscription>>('subscriptions_list', { query });
export const subscriptionEdit = (edit: SubscriptionEdit) =>
  call<Subscription>('subscription_edit', { ...edit });
export const subscriptionSuspend = (subscription: string) =>
  call<Subscription>('subscription_suspend', { subscription });
export const subscriptionResume = (subscription: string, date: string | null = null) =>
  call<Subscription>('subscription_resume', { subscription, date });
export const subscriptionCancel = (subscription: string) =>
  call<Subscription>('subscription_cancel', { subscription });
export const invoicesIssueDue = (date: string | null, dryRun = false, confirm = false) =>
  call<IssuedDue>('invoices_issue_due', { date, dry_run: dryRun, confirm });
export const invoicesList = (query: InvoiceQuery) => call<Page<Invoice>>('invoices_list', { query });
export const invoiceGet = (invoice: string) => call<Invoice>('invoice_get', { invoice });
export const invoiceVoid = (invoice: string) => call<Invoice>('invoice_void', { invoice });
export const paymentRecord = (customer: string, amount: string, options: NewPayment) =>
  call<Payment>('payment_record', { customer, amount, options });
export const paymentPreview = (customer: string, amount: string, options: NewPayment) =>
  call<PaymentPreview>('payment_preview', { customer, amount, options });
export const paymentsList = (query: PaymentQuery) => call<Page<Payment>>('payments_list', { query });
export const paymentGet = (payment: string) => call<Payment>('payment_get', { payment });
export const paymentRefund = (payment: string) => call<Payment>('payment_refund', { payment });
export const voucherAdd = (code: string, profile: string, price: string) =>
  call<Voucher>('voucher_add', { code, profile, price });
export const voucherSell = (code: string, options: SellVoucher) =>
  call<Voucher>('voucher_sell', { code, options });
export const vouchersList = (query: VoucherQuery) => call<Page<Voucher>>('vouchers_list', { query });
/** Sends a receipt to the network printer; resolves to the printer's address. */
export const printReceipt = (paymentId: string, shopName: string, lang: 'id' | 'en') =>
  call<string>('print_receipt', { payment_id: paymentId, shop_name: shopName, lang });
export const printInvoice = (invoice: string, shopName: string, lang: 'id' | 'en') =>
  call<string>('print_invoice', { invoice, shop_name: shopName, lang });

// --- WhatsApp (issue 13): gateway, templates, sends, outbox, bulk, reminders ---
import type { GatewayView } from '$bindings/GatewayView';
import type { GatewayKind } from '$bindings/GatewayKind';
import type { GatewayTestReport } from '$bindings/GatewayTestReport';
import type { MessageTemplate } from '$bindings/MessageTemplate';
import type { CloudMapping } from '$bindings/CloudMapping';
import type { OutboxMessage } from '$bindings/OutboxMessage';
import type { OutboxQuery } from '$bindings/OutboxQuery';
import type { BulkSummary } from '$bindings/BulkSummary';
import type { ReminderRule } from '$bindings/ReminderRule';
import type { ReminderRuleName } from '$bindings/ReminderRuleName';

export type GatewayInput = {
  url?: string | null;
  /** Write-only: sent when typed, never read back. */
  token?: string | null;
  pace_ms?: number | null;
  country_code?: string | null;
  api_version?: string | null;
  phone_number_id?: string | null;
};
export const notifyGateways = () => call<GatewayView[]>('notify_gateways');
export const notifyGatewaySet = (kind: GatewayKind, input: GatewayInput) =>
  call<GatewayView>('notify_gateway_set', { kind, ...input });
export const notifyGatewayTest = (customer: string) =>
  call<GatewayTestReport>('notify_gateway_test', { customer });
export const notifyTemplates = () => call<MessageTemplate[]>('notify_templates');
export const notifyTemplateSet = (name: string, language: string, body: string, cloud: CloudMapping | null = null) =>
  call<MessageTemplate>('notify_template_set', { name, language, body, cloud });
export const notifyPreview = (customer: string, body: string, invoice: string | null = null) =>
  call<string>('notify_preview', { customer, body, invoice });
export const notifySend = (customer: string, content: { template: string } | { text: string }) =>
  call<OutboxMessage>('notify_send', {
    customer,
    template: 'template' in content ? content.template : null,
    text: 'text' in content ? content.text : null,
    invoice: null,
  });
export const notifyOutbox = (query: OutboxQuery) => call<OutboxMessage[]>('notify_outbox', { query });
export const notifyRetry = (id: number) => call<OutboxMessage>('notify_retry', { id: String(id) });
export const notifyCancel = (id: number) => call<OutboxMessage>('notify_cancel', { id: String(id) });
export const notifyMarkSent = (id: number) => call<OutboxMessage>('notify_mark_sent', { id: String(id) });
export const notifyOptOutGet = (customer: string) => call<boolean>('notify_opt_out_get', { customer });
export const notifyOptOutSet = (customer: string, optedOut: boolean) =>
  call<Customer>('notify_opt_out_set', { customer, opted_out: optedOut });
export const notifyBulk = (
  filter: Filter,
  template: string,
  dryRun: boolean,
  job: string,
  onProgress: (p: Progress) => void,
) => call<BulkSummary>('notify_bulk', { filter, template, dry_run: dryRun, job, on_progress: progressChannel(onProgress) });
export const notifyReminders = () => call<ReminderRule[]>('notify_reminders');
export const notifyReminderSet = (rule: ReminderRuleName, enabled: boolean | null, days: number | null) =>
  call<ReminderRule>('notify_reminder_set', { rule, enabled, days });
// ---- Routers and isolir (issue 14) ----
import type { Router } from '$bindings/Router';
import type { RouterTest } from '$bindings/RouterTest';
import type { OnRouter } from '$bindings/OnRouter';
import type { Provisioning } from '$bindings/Provisioning';
import type { IsolirEntry } from '$bindings/IsolirEntry';
import type { IsolirCheck } from '$bindings/IsolirCheck';
import type { ApiKind } from '$bindings/ApiKind';

export type RouterInput = {
  name: string;
  host: string;
  /** The API's default port when null. */
  port: number | null;
  username: string;
  /** Write-only: stored for the worker, never read back. */
  password: string;
  api: ApiKind;
  tls: boolean;
  ca_file: string | null;
};

export const routersList = () => call<Router[]>('routers_list');
export const routerAdd = (input: RouterInput) => call<Router>('router_add', { ...input });
export const routerTest = (name: string) => call<RouterTest>('router_test', { name });
export const routerRemove = (name: string) => call<Router>('router_remove', { name });
/** A new subscription on `router`, its router user queued in the same write. */
export const subscriptionAddOnRouter = (
  input: SubscriptionInput,
  router: string,
  servicePassword: string | null,
) =>
  call<Provisioning>('subscription_add_on_router', {
    ...input,
    router,
    service_password: servicePassword,
  });
/** An edit with its move to `router` and/or a new service password, in one write. */
export const subscriptionEditOnRouter = (
  edit: SubscriptionEdit,
  router: string | null,
  servicePassword: string | null,
) =>
  call<OnRouter>('subscription_edit_on_router', { ...edit, router, service_password: servicePassword });
export const routerProvisioning = (subscription: string) =>
  call<Provisioning>('router_provisioning', { subscription });
export const isolirList = () => call<IsolirEntry[]>('isolir_list');
export const isolirCheck = (date: string | null = null) => call<IsolirCheck>('isolir_check', { date });

// Sync (issue 15).
export const syncStatus = () => call<SyncStatus>('sync_status');
export const syncPair = (url: string, code: string, caFile: string | null) =>
  call<SyncStatus>('sync_pair', { url, code, ca_file: caFile });
export const syncNow = () => call<SyncReport>('sync_now');
/** A device of the shop, as the sync server lists it (the protocol's `DeviceInfo`; times in ms). */
export type DeviceInfo = {
  device_id: string;
  name: string;
  paired_at: number;
  last_seen_at: number;
  revoked_at: number | null;
  last_pushed_hlc: string | null;
  /** The device that took this one's place after a restore from a backup. */
  replaced_by: string | null;
};
export const syncDevices = () => call<{ devices: DeviceInfo[] }>('sync_devices');
export const syncRevoke = (device: string) => call<DeviceInfo>('sync_revoke', { device });
export const customerDuplicates = () => call<Duplicate[]>('customer_duplicates');
/** Merges every one of `others` into `keep` in one transaction. */
export const customerMerge = (keep: string, others: MergeOther[]) =>
  call<Customer>('customer_merge', { keep, others });
