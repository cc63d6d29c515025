// The one module that talks to the shell: a typed function per command.
// Nothing else imports `invoke`.
import { invoke } from '@tauri-apps/api/core';
import type { CustomerPage } from '$bindings/CustomerPage';
import type { ErrorBody } from '$bindings/ErrorBody';
import type { ListQuery } from '$bindings/ListQuery';
import type { Stats } from '$bindings/Stats';
import type { Cycle } from '$bindings/Cycle';
import type { Invoice } from '$bindings/Invoice';
import type { InvoiceQuery } from '$bindings/InvoiceQuery';
import type { NewPayment } from '$bindings/NewPayment';
import type { Page } from '$bindings/Page';
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

export const customersList = (query: ListQuery) => call<CustomerPage>('customers_list', { query });
export const stats = () => call<Stats>('stats');

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
  call<Invoice[]>('invoices_issue_due', { date, dry_run: dryRun, confirm });
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
