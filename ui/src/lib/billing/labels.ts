// The words for billing's states and kinds in the user's language, and its
// failures through the app's one error table (lib/errors.ts).
import type { Cycle } from '$bindings/Cycle';
import type { InvoiceStatus } from '$bindings/InvoiceStatus';
import type { PaymentMethod } from '$bindings/PaymentMethod';
import type { PaymentStatus } from '$bindings/PaymentStatus';
import type { ServiceType } from '$bindings/ServiceType';
import type { SubscriptionStatus } from '$bindings/SubscriptionStatus';
import type { VoucherStatus } from '$bindings/VoucherStatus';
import { AppError } from '$lib/api';
import { errorText as errorWords } from '$lib/errors';
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

/** A failure in the user's language (the app's one table of error words). */
export function errorText(e: unknown): string {
  if (e instanceof AppError) return errorWords(e.body);
  return e instanceof Error ? e.message : String(e);
}

/** The field a failure is about (the core's `field`), or null. */
export function errorField(e: unknown): string | null {
  return e instanceof AppError ? (e.field ?? null) : null;
}
