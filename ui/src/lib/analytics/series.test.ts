import { describe, expect, it } from 'vitest';
import { compactMoney, fromMinor, monthLabel, toMinor } from './series';
import { formatMoney } from '$lib/format';

describe('money as chart values', () => {
  it.each([
    ['1500000.00', 150000000],
    ['1500000.5', 150000050],
    ['-25.05', -2505],
    ['0', 0],
    ['90000000000000.99', 9000000000000099],
  ])('%s is %d minor units', (amount, minor) => expect(toMinor(amount)).toBe(minor));

  it('is not a number for text that is not an amount', () => expect(toMinor('Rp 5')).toBeNaN());

  it('goes back to the exact string', () => {
    expect(fromMinor(150000050)).toBe('1500000.50');
    expect(fromMinor(-5)).toBe('-0.05');
    expect(formatMoney(fromMinor(toMinor('1500000.00')))).toBe('Rp 1.500.000');
  });

  it('shortens axis ticks to whole rupiah', () => {
    expect(compactMoney(35_000_000_000, 'IDR', 'id')).toMatch(/^Rp 350\sjt$/);
    expect(compactMoney(35_000_000_000, 'IDR', 'en')).toBe('Rp 350M');
    expect(compactMoney(0, 'IDR', 'en')).toBe('Rp 0');
  });

  it('names months in the user language', () => {
    expect(monthLabel('2026-03', 'en')).toBe('Mar 2026');
    expect(monthLabel('2026-08', 'id')).toMatch(/Agu/);
  });
});
