// What the import's and export's values are called on screen, in the
// user's language (Records over the closed types: a new value fails svelte-check).
import type { CustomerStatus } from '$bindings/CustomerStatus';
import type { ImportEncoding } from '$bindings/ImportEncoding';
import type { ImportField } from '$bindings/ImportField';
import type { ImportFormat } from '$bindings/ImportFormat';
import type { OnDuplicate } from '$bindings/OnDuplicate';
import type { BalanceKind } from '$bindings/BalanceKind';
import { m } from '$lib/paraglide/messages.js';
import type { AppError } from '$lib/api';
import { errorText } from '$lib/errors';
import type { MappingProblem } from './mapping';

export const fieldLabel: Record<ImportField, () => string> = {
  name: m.imp_field_name,
  whatsapp: m.imp_field_whatsapp,
  email: m.imp_field_email,
  phone: m.imp_field_phone,
  address: m.imp_field_address,
  balance: m.imp_field_balance,
  tags: m.imp_field_tags,
  notes: m.imp_field_notes,
  status: m.imp_field_status,
};

export const encodingLabel: Record<ImportEncoding, () => string> = {
  utf8: m.imp_enc_utf8,
  'utf8-bom': m.imp_enc_utf8_bom,
  windows1252: m.imp_enc_windows1252,
  'utf16-le': m.imp_enc_utf16_le,
  'utf16-be': m.imp_enc_utf16_be,
};

export const formatLabel: Record<ImportFormat, () => string> = {
  csv: m.imp_format_csv,
  xlsx: m.imp_format_xlsx,
  ods: m.imp_format_ods,
};

export const duplicateLabel: Record<OnDuplicate, () => string> = {
  fail: m.imp_dup_fail,
  skip: m.imp_dup_skip,
  update: m.imp_dup_update,
};

export const statusLabel: Record<CustomerStatus, () => string> = {
  active: m.exp_status_active,
  inactive: m.exp_status_inactive,
  blacklisted: m.exp_status_blacklisted,
  deleted: m.exp_status_deleted,
};

export const balanceLabel: Record<BalanceKind, () => string> = {
  debt: m.exp_balance_debt,
  credit: m.exp_balance_credit,
  zero: m.exp_balance_zero,
};

export function delimiterLabel(d: string): string {
  if (d === ',') return m.imp_delim_comma();
  if (d === ';') return m.imp_delim_semicolon();
  if (d === '\t') return m.imp_delim_tab();
  return d;
}

export function problemText(p: MappingProblem): string {
  const field = fieldLabel[p.field]();
  return p.kind === 'missing'
    ? m.imp_problem_missing({ field })
    : m.imp_problem_twice({ field, columns: p.columns.join(', ') });
}

/** A failed step in words: the file that exists with its way out, else the app's words for the code. */
export function failureText(e: AppError): string {
  return e.code === 'file_exists' ? m.imp_error_exists() : errorText(e.body);
}
