// Billing's small pure display helpers: whether an amount is zero (in whole
// cents, with BigInt, never floats), the last day of a period, today on the
// shop's calendar. Sums and rules (what is open, what a run issued) come
// from the core.

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

/** A billing period in words, its end stored exclusive: `1–30 Nov 2026`,
 * `20 Nov – 19 Des 2026`; a one-day period (a voucher's) is its day. */
export function periodText(start: string, endExclusive: string, lang: 'id' | 'en' = 'id'): string {
  const day = (text: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  };
  const from = day(start);
  const to = day(lastDay(endExclusive));
  const f = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
  if (!from) return start;
  if (!to || to <= from) return f.format(from);
  return f.formatRange(from, to);
}

/** An invoice's description without the period the core appends
 * (`pppoe 10M (budi) 2026-11-01..2026-12-01`): the period is shown apart. */
export function serviceText(description: string): string {
  return description.replace(/\s+\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$/, '');
}

/** Today's date (YYYY-MM-DD) on the shop's clock, not the computer's. */
export function todayIn(zone: string, now: Date = new Date()): string {
  // Assembled from the parts: a locale's own order differs between ICU
  // versions (WebKitGTK's en-CA writes 12/02/2026, Node's 2026-12-02).
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
