// The app's language: the shop's `language` setting (Bahasa Indonesia unless
// set to English). Switching calls Paraglide's setLocale without a reload;
// the Gate re-renders everything under `{#key i18n.lang}`, so every m.key()
// is read again in the new language and no state outside the key is lost.
import { getLocale, isLocale, setLocale } from '$lib/paraglide/runtime.js';
import type { Lang } from './format';
import { i18n } from './i18n.svelte';

export { i18n };

/** The language a setting's value names (anything unknown: Indonesian). */
export function toLang(value: string | null | undefined): Lang {
  return value === 'en' ? 'en' : 'id';
}

/** Switches the whole UI to `lang` in place (no reload). */
export function applyLanguage(value: string | null | undefined): Lang {
  const lang = toLang(value);
  if (isLocale(lang) && getLocale() !== lang) setLocale(lang, { reload: false });
  document.documentElement.lang = lang;
  i18n.lang = lang;
  return lang;
}
