import { describe, expect, it } from 'vitest';
import { formatCount, formatDateTime, formatDay, formatMoney, isNegative } from './format';

describe('formatMoney', () => {
  it.each([
    ['1500000.00', 'Rp 1.500.000'],
    ['-250000.00', '-Rp 250.000'],
    ['0.00', 'Rp 0'],
    ['999.50', 'Rp 999,50'],
    ['12345678901234.00', 'Rp 12.345.678.901.234'],
  ])('%s is %s', (input, shown) => expect(formatMoney(input)).toBe(shown));

  it('leaves text that is not an amount as it is', () => expect(formatMoney('abc')).toBe('abc'));
});

describe('dates and counts', () => {
  it('shows a UTC time on the shop clock', () => {
    expect(formatDateTime('2026-12-01T17:30:00Z', 'Asia/Jakarta', 'en')).toContain('2 Dec 2026');
  });
  it('shows a day as it is', () => expect(formatDay('2026-01-31', 'en')).toBe('31 Jan 2026'));
  it('groups counts the Indonesian way', () => expect(formatCount(1000000)).toBe('1.000.000'));
  it('sees a debt', () => expect(isNegative('-1.00')).toBe(true));
});
