// The report's figures as chart series. A chart plots numbers, so money is
// carried as whole minor units (sen): an integer, exact below 2^53 minor
// units (some 90 trillion rupiah), parsed from the decimal string by hand,
// never through a float; tooltips and axes turn it back into the string
// formatMoney shows.
import type { AnalyticsMonth } from '$bindings/AnalyticsMonth';
import type { AnalyticsReport } from '$bindings/AnalyticsReport';
import type { Lang } from '$lib/format';

/** "1500000.50" -> 150000050; "-25.5" -> -2550. NaN for text that is not an amount. */
export function toMinor(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) return Number.NaN;
  const [, sign, whole = '0', frac = ''] = m;
  const minor = Number.parseInt(whole + frac.padEnd(2, '0'), 10);
  return sign ? -minor : minor;
}

/** 150000050 -> "1500000.50" (what formatMoney takes). */
export function fromMinor(minor: number): string {
  const n = Math.round(minor);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(n)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * An axis tick: whole rupiah (an integer division of the minor units), in
 * the short form of the user's language (`Rp 350 jt`, `Rp 350M`). Ticks are
 * round by design; tooltips show the exact amount.
 */
export function compactMoney(minor: number, currency: string, lang: Lang): string {
  const whole = Math.trunc(minor / 100);
  const symbol = currency === 'IDR' ? 'Rp' : currency;
  const short = new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-US', {
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(whole);
  return `${symbol} ${short}`;
}

/** "2026-03" -> "Mar 2026" / "Mar 2026" in the user's language. */
export function monthLabel(month: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d);
}

export type Series = { labels: string[]; newCustomers: number[]; revenue: number[]; debt: number[] };

export function monthlySeries(months: readonly AnalyticsMonth[], lang: Lang): Series {
  return {
    labels: months.map((m) => monthLabel(m.month, lang)),
    newCustomers: months.map((m) => m.new_customers),
    revenue: months.map((m) => toMinor(m.revenue)),
    debt: months.map((m) => toMinor(m.debt)),
  };
}

/** A report with nothing to chart: no customers joined, nothing paid or owed, no top list. */
export function isEmpty(r: AnalyticsReport): boolean {
  const quiet = r.monthly.every(
    (m) => m.new_customers === 0 && toMinor(m.revenue) === 0 && toMinor(m.debt) === 0,
  );
  return quiet && r.top.length === 0 && r.popular_tags.length === 0 && toMinor(r.total_debt) === 0;
}
