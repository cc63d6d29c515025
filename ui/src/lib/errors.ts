// A command's failure in the user's language. The core sends a stable code,
// the field it is about and structured details; the English `message` is for
// logs and scripts. `messages` is a Record over every ErrorCode, so a code
// added to the core without a message here fails svelte-check.
import type { ErrorBody } from '$bindings/ErrorBody';
import type { ErrorCode } from '$bindings/ErrorCode';
import type { Warning } from '$bindings/Warning';
import { m } from '$lib/paraglide/messages.js';
import { formatMoney } from './format';

type Say = (body: ErrorBody) => string;

/** The text of a body's `details` of one kind, if it has them. */
function detail<K extends NonNullable<ErrorBody['details']>['kind']>(
  body: ErrorBody,
  kind: K,
): Extract<NonNullable<ErrorBody['details']>, { kind: K }> | undefined {
  const d = body.details;
  return d && d.kind === kind ? (d as Extract<typeof d, { kind: K }>) : undefined;
}

export const messages: Record<ErrorCode, Say> = {
  validation: () => m.error_validation(),
  invalid_whatsapp: (b) => m.error_invalid_whatsapp({ input: detail(b, 'input')?.input ?? '' }),
  invalid_phone: (b) => m.error_invalid_phone({ input: detail(b, 'input')?.input ?? '' }),
  duplicate_whatsapp: (b) => {
    const h = detail(b, 'holder');
    return m.error_duplicate_whatsapp({ name: h?.name ?? '?', n: h?.local_id ?? '?' });
  },
  invalid_amount: () => m.error_invalid_amount(),
  overflow: (b) => m.error_overflow({ limit: formatMoney(detail(b, 'limit')?.limit ?? '') }),
  not_found: (b) => m.error_not_found({ reference: detail(b, 'missing')?.reference ?? '' }),
  duplicate_tag: (b) => m.error_duplicate_tag({ tag: detail(b, 'tag')?.tag ?? '' }),
  conflict: () => m.error_conflict(),
  invoice_void: () => m.error_invoice_void(),
  already_void: () => m.error_already_void(),
  invoice_has_payments: () => m.error_invoice_has_payments(),
  already_refunded: () => m.error_already_refunded(),
  customer_not_billable: () => m.error_customer_not_billable(),
  customer_has_subscriptions: () => m.error_customer_has_subscriptions(),
  date_out_of_range: () => m.error_date_out_of_range(),
  duplicate_username: () => m.error_duplicate_username(),
  duplicate_voucher: () => m.error_duplicate_voucher(),
  voucher_sold: () => m.error_voucher_sold(),
  printer_not_set: () => m.error_printer_not_set(),
  printer_unreachable: () => m.error_printer_unreachable(),
  no_database: () => m.error_no_database(),
  read_only: () => m.error_read_only(),
  database_damaged: () => m.error_database_damaged(),
  file_exists: () => m.error_file_exists(),
  not_regular_file: () => m.error_not_regular_file(),
  protected_file: () => m.error_protected_file(),
  not_a_spreadsheet: () => m.error_not_a_spreadsheet(),
  row_too_large: () => m.error_row_too_large(),
  busy: () => m.error_busy(),
  cancelled: () => m.error_cancelled(),
  confirmation_required: () => m.error_confirmation_required(),
  invalid_backup: () => m.error_invalid_backup(),
  migration: () => m.error_migration(),
  database: () => m.error_database(),
  io: () => m.error_io(),
  internal: () => m.error_internal(),
  // Sign-in and roles (H1).
  sign_in_failed: () => m.auth_error_sign_in_failed(),
  not_signed_in: () => m.auth_error_not_signed_in(),
  forbidden: () => m.auth_error_forbidden(),
  weak_password: () => m.auth_error_weak_password(),
  // WhatsApp notifications.
  gateway_not_set: () => m.error_gateway_not_set(),
  unknown_placeholder: () => m.error_unknown_placeholder(),
  missing_placeholder: () => m.error_missing_placeholder(),
  not_notifiable: () => m.error_not_notifiable(),
  worker_busy: () => m.error_worker_busy(),
  not_the_sender: () => m.error_not_the_sender(),
  // Routers.
  duplicate_router: () => m.error_duplicate_router(),
  router_in_use: () => m.error_router_in_use(),
  router_unreachable: () => m.error_router_unreachable(),
  router_login_failed: () => m.error_router_login_failed(),
  router_refused: () => m.error_router_refused(),
  router_worker_busy: () => m.error_router_worker_busy(),
  // Sync.
  sync_not_paired: () => m.error_sync_not_paired(),
  sync_already_paired: () => m.error_sync_already_paired(),
  sync_unreachable: () => m.error_sync_unreachable(),
  sync_refused: () => m.error_sync_refused(),
};

/** Codes whose words above say all there is; the others add the core's own
 *  sentence (English: the specific reason, e.g. which rule or which file). */
const complete = new Set<ErrorCode>([
  'invalid_whatsapp',
  'invalid_phone',
  'duplicate_whatsapp',
  'invalid_amount',
  'overflow',
  'duplicate_tag',
  'busy',
  'cancelled',
  'printer_not_set',
]);

/** What the core's English sentence adds (without its leading `field: `). */
export function reason(body: ErrorBody): string {
  const text = body.field && body.message.startsWith(`${body.field}: `)
    ? body.message.slice(body.field.length + 2)
    : body.message;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The error as a sentence in the user's language. */
export function errorText(body: ErrorBody): string {
  const say = messages[body.code] ?? messages.internal;
  const text = say(body);
  return complete.has(body.code) ? text : `${text} ${m.error_details({ message: reason(body) })}`;
}

const warningText: Record<string, () => string> = {
  foreign_number: () => m.cust_warn_foreign_number(),
  not_mobile: () => m.cust_warn_not_mobile(),
  number_of_other_customer: () => m.cust_warn_number_of_other_customer(),
  tag_color_kept: () => m.cust_warn_tag_color_kept(),
  message_not_queued: () => m.warn_message_not_queued(),
};

/** A warning in the user's language (a code this version does not know: the core's sentence). */
export function warningMessage(w: Warning): string {
  const say = warningText[w.code];
  return say ? `${say()} ${w.message}` : w.message;
}

/** The label of a core field name, for errors that are not shown at their field. */
export function fieldLabel(field: string | undefined): string {
  switch (field) {
    case 'name':
      return m.cust_name();
    case 'whatsapp':
      return m.cust_whatsapp();
    case 'email':
      return m.cust_email();
    case 'phone':
      return m.cust_phone();
    case 'address':
      return m.cust_address();
    case 'notes':
      return m.cust_notes();
    case 'initial_balance':
      return m.cust_balance();
    case 'status':
      return m.cust_status();
    case 'amount':
      return m.ledger_amount();
    case 'description':
      return m.ledger_description();
    case 'tag':
      return m.tag_name();
    case 'color':
      return m.tag_color();
    case 'value':
      return m.contact_value();
    case 'balance_min':
      return m.list_filter_min();
    case 'balance_max':
      return m.list_filter_max();
    default:
      return field ?? '';
  }
}

/** A whole-form or toast message: the field's label first when the error names one. */
export function errorWithField(body: ErrorBody): string {
  const label = body.field ? fieldLabel(body.field) : '';
  return label ? m.error_field({ field: label, message: errorText(body) }) : errorText(body);
}
