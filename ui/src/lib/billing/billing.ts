// Billing's small pure helpers: sums of money strings (in whole cents, with
// BigInt, never floats), the last day of a period, today on the shop's
// calendar, and what an issue-due run produced.
import type { Invoice } from '$bindings/Invoice';

/** Cents of a decimal money string ("1500000.00", "-25.5"); null if it is not one. */
export function toCents(amount: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return null;
  const [, sign, whole = '0', frac = ''] = m;
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0') || '0');
  return sign ? -cents : cents;
}

/** A money string ("1500000.00") from cents. */
export function fromCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** The sum of money strings; text that is not an amount counts as nothing. */
export function sumMoney(amounts: string[]): string {
  return fromCents(amounts.reduce((acc, a) => acc + (toCents(a) ?? 0n), 0n));
}

/** Whether a money string is zero (no carried amount, nothing left). */
export function isZero(amount: string): boolean {
  return toCents(amount) === 0n;
}

/** The last day of a period whose end is stored exclusive (the next start). */
export function lastDay(periodEnd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(periodEnd);
  if (!m) return periodEnd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) - 1));
  return d.toISOString().slice(0, 10);
}

/** Today's date (YYYY-MM-DD) on the shop's clock, not the computer's. */
export function todayIn(zone: string, now: Date = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** What an issue-due run issued: how many invoices, for how many customers, in total. */
export function issueSummary(invoices: Invoice[]): { count: number; customers: number; total: string } {
  return {
    count: invoices.length,
    customers: new Set(invoices.map((i) => i.customer_id)).size,
    total: sumMoney(invoices.map((i) => i.total)),
  };
}

/** Whether an invoice can still take a payment or a void. */
export function isOpen(invoice: Invoice): boolean {
  return invoice.status === 'unpaid' || invoice.status === 'partial';
}
