// Money, numbers and dates as the shop reads them. Money arrives as a
// decimal string ("1500000.00") and is shown without ever becoming a float:
// the digits are grouped by hand, so no amount is rounded on screen.

export type Lang = 'id' | 'en';

/** `Rp 1.500.000` (id-ID grouping; cents only when there are any). */
export function formatMoney(amount: string, currency = 'IDR'): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign, whole = '0', frac = ''] = m;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const cents = frac.replace(/0+$/, '');
  const symbol = currency === 'IDR' ? 'Rp' : currency;
  return `${sign ? '-' : ''}${symbol} ${grouped}${cents ? ',' + frac.padEnd(2, '0') : ''}`;
}

/** A whole count with the shop's grouping: `1.000.000`. */
export function formatCount(n: number, lang: Lang = 'id'): string {
  return new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-US').format(n);
}

/** A stored UTC timestamp shown on the shop's clock (its IANA zone). */
export function formatDateTime(iso: string, zone: string, lang: Lang = 'id'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone,
  }).format(d);
}

/** A calendar day (`2026-12-01`, already the shop's) in words. */
export function formatDay(day: string, lang: Lang = 'id'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
    dateStyle: 'medium',
    timeZone: 'UTC',
  }).format(d);
}

/** Whether a money string is below zero (a debt), without parsing it. */
export function isNegative(amount: string): boolean {
  return amount.trim().startsWith('-');
}
