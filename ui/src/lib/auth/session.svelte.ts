// Who is signed in, as the gate shows it: the core's AuthStatus, refreshed
// after each sign-in, sign-out and lock; and `shop` filled from the settings
// once someone is signed in.
import type { Admin } from '$bindings/Admin';
import type { AuthStatus } from '$bindings/AuthStatus';
import type { Setting } from '$bindings/Setting';
import * as api from '$lib/api';
import { applyLanguage } from '$lib/i18n';
import { shop } from '$lib/shop.svelte';

export const session = $state<{ status: AuthStatus | null; error: api.AppError | null }>({
  status: null,
  error: null,
});

/** The value of `key` among `settings` ('' when absent). */
export function settingValue(settings: Setting[], key: string): string {
  return settings.find((s) => s.key === key)?.value ?? '';
}

/** Fills `shop` from the settings and the signed-in admin. */
export function fillShop(settings: Setting[], admin: Admin) {
  shop.name = settingValue(settings, 'shop_name');
  shop.zone = settingValue(settings, 'time_zone') || shop.zone;
  shop.currency = settingValue(settings, 'currency') || shop.currency;
  shop.lang = applyLanguage(settingValue(settings, 'language'));
  shop.admin = admin.username;
  shop.owner = admin.role === 'owner';
}

function clearShop() {
  shop.admin = '';
  shop.owner = false;
}

/** Reads the gate's state; the language follows the shop's even before sign-in. */
export async function refresh() {
  try {
    const status = await api.authStatus();
    shop.lang = applyLanguage(status.language);
    shop.name = status.shop_name;
    if (status.admin) fillShop(await api.settingsGet(), status.admin);
    else clearShop();
    session.status = status;
    session.error = null;
  } catch (e) {
    session.error = e instanceof api.AppError ? e : new api.AppError({ code: 'internal', message: String(e) });
  }
}

export async function signIn(username: string, password: string) {
  await api.authSignIn(username, password);
  await refresh();
}

export async function setupOwner(username: string, name: string, password: string) {
  await api.authSetupOwner({ username, name, password, role: 'owner', make_default: true });
  await refresh();
}

export async function signOut() {
  await api.authSignOut();
  await refresh();
}

export async function lock() {
  await api.authLock();
  await refresh();
}
