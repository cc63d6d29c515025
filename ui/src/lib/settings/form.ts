// The settings form's bookkeeping: which settings it edits, which of them
// changed, and saving the changed ones one by one (each is checked by the
// core on its own, so one bad value does not block the others), with each
// refusal kept beside its key for the field to show.
import type { Setting } from '$bindings/Setting';
import { AppError } from '$lib/api';
import { m } from '$lib/paraglide/messages.js';

/** The settings the form edits, in its order. */
export const FORM_KEYS = [
  'language',
  'shop_name',
  'default_region',
  'time_zone',
  'currency',
  'invoice_prefix',
  'lock_minutes',
  'printer_address',
  'backup_dir',
  'backup_keep',
] as const;

export type FormKey = (typeof FORM_KEYS)[number];
export type Draft = Record<FormKey, string>;

/** The form's values from the settings (absent keys empty). */
export function toDraft(settings: Setting[]): Draft {
  const draft = {} as Draft;
  for (const key of FORM_KEYS) draft[key] = settings.find((s) => s.key === key)?.value ?? '';
  return draft;
}

/** The keys whose value differs (ignoring surrounding spaces, as the core does). */
export function changedKeys(original: Draft, draft: Draft): FormKey[] {
  return FORM_KEYS.filter((k) => original[k].trim() !== draft[k].trim());
}

export interface SaveResult {
  saved: FormKey[];
  errors: Partial<Record<FormKey, AppError>>;
}

/** Saves each changed key with `set`; a refusal stays at its key. */
export async function saveChanged(
  original: Draft,
  draft: Draft,
  set: (key: string, value: string) => Promise<Setting>,
): Promise<SaveResult> {
  const result: SaveResult = { saved: [], errors: {} };
  for (const key of changedKeys(original, draft)) {
    try {
      const stored = await set(key, draft[key]);
      // What the core stored (normalised: `en`, `IDR`, the zone's name).
      draft[key] = stored.value;
      original[key] = stored.value;
      result.saved.push(key);
    } catch (e) {
      result.errors[key] = e instanceof AppError ? e : new AppError({ code: 'internal', message: String(e) });
    }
  }
  return result;
}

/** The word a restore must be confirmed with, compared without case or spaces. */
export function confirms(typed: string, word: string): boolean {
  return typed.trim().toLocaleUpperCase() === word.toLocaleUpperCase();
}

/** What a refused value of `key` must be, in the user's language. */
export const RULES: Record<FormKey, () => string> = {
  language: m.settings_rule_language,
  shop_name: m.settings_rule_shop_name,
  default_region: m.settings_rule_default_region,
  time_zone: m.settings_rule_time_zone,
  currency: m.settings_rule_currency,
  invoice_prefix: m.settings_rule_invoice_prefix,
  lock_minutes: m.settings_rule_lock_minutes,
  printer_address: m.settings_rule_printer_address,
  backup_dir: m.settings_rule_backup_dir,
  backup_keep: m.settings_rule_backup_keep,
};
