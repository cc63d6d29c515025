// What the whole UI needs to know about the shop and the session: filled
// after sign-in (from the settings and the signed-in admin).
import type { Lang } from './format';

export const shop = $state({
  name: '',
  zone: 'Asia/Jakarta',
  currency: 'IDR',
  lang: 'id' as Lang,
  /** The signed-in admin's username, and whether they are an owner. */
  admin: '',
  owner: false,
});
