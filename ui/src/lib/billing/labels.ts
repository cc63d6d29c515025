// The words for billing's states and kinds, and its errors, in the user's
// language. (The app-wide error table lives with the customer screens; these
// are the codes billing and printing raise, so their dialogs read well
// whichever lands first.)
import type { Cycle } from '$bindings/Cycle';
import type { ErrorCode } from '$bindings/ErrorCode';
import type { InvoiceStatus } from '$bindings/InvoiceStatus';
import type { PaymentMethod } from '$bindings/PaymentMethod';
import type { PaymentStatus } from '$bindings/PaymentStatus';
import type { ServiceType } from '$bindings/ServiceType';
import type { SubscriptionStatus } from '$bindings/SubscriptionStatus';
import type { VoucherStatus } from '$bindings/VoucherStatus';
import { AppError } from '$lib/api';
import { m } from '$lib/paraglide/messages.js';

export const invoiceStatus: Record<InvoiceStatus, () => string> = {
  unpaid: m.bill_status_unpaid,
  partial: m.bill_status_partial,
  paid: m.bill_status_paid,
  void: m.bill_status_void,
};

export const paymentStatus: Record<PaymentStatus, () => string> = {
  success: m.bill_status_success,
  refunded: m.bill_status_refunded,
};

export const subscriptionStatus: Record<SubscriptionStatus, () => string> = {
  active: m.bill_status_active,
  suspended: m.bill_status_suspended,
  cancelled: m.bill_status_cancelled,
};

export const voucherStatus: Record<VoucherStatus, () => string> = {
  available: m.bill_status_available,
  sold: m.bill_status_sold,
};

export const method: Record<PaymentMethod, () => string> = {
  cash: m.bill_method_cash,
  bank_transfer: m.bill_method_bank_transfer,
  e_wallet: m.bill_method_e_wallet,
  other: m.bill_method_other,
};

export const cycle: Record<Cycle, () => string> = {
  monthly: m.bill_cycle_monthly,
  weekly: m.bill_cycle_weekly,
  daily: m.bill_cycle_daily,
};

export const serviceType: Record<ServiceType, () => string> = {
  hotspot: m.bill_type_hotspot,
  pppoe: m.bill_type_pppoe,
};

const errors: Partial<Record<ErrorCode, () => string>> = {
  validation: m.bill_err_validation,
  invalid_amount: m.bill_err_invalid_amount,
  overflow: m.bill_err_overflow,
  not_found: m.bill_err_not_found,
  conflict: m.bill_err_conflict,
  invoice_void: m.bill_err_invoice_void,
  already_void: m.bill_err_already_void,
  invoice_has_payments: m.bill_err_invoice_has_payments,
  already_refunded: m.bill_err_already_refunded,
  customer_not_billable: m.bill_err_customer_not_billable,
  date_out_of_range: m.bill_err_date_out_of_range,
  duplicate_username: m.bill_err_duplicate_username,
  duplicate_voucher: m.bill_err_duplicate_voucher,
  voucher_sold: m.bill_err_voucher_sold,
  printer_not_set: m.bill_err_printer_not_set,
  printer_unreachable: m.bill_err_printer_unreachable,
  busy: m.bill_err_busy,
};

/** A failure in the user's language; a code billing does not know keeps the core's sentence. */
export function errorText(e: unknown): string {
  if (e instanceof AppError) return errors[e.code]?.() ?? e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The field a failure is about (the core's `field`), or null. */
export function errorField(e: unknown): string | null {
  return e instanceof AppError ? (e.field ?? null) : null;
}
