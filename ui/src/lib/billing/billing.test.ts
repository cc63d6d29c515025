import { describe, expect, it } from 'vitest';
import { fromCents, isZero, lastDay, periodText, serviceText, toCents, todayIn } from './billing';

describe('money without floats', () => {
  it('reads cents exactly', () => {
    expect(toCents('1500000.00')).toBe(150000000n);
    expect(toCents('-0.05')).toBe(-5n);
    expect(toCents('1.500.000')).toBeNull();
    expect(fromCents(-5n)).toBe('-0.05');
  });

  it('sees zero', () => {
    expect(isZero('0.00')).toBe(true);
    expect(isZero('-0.00')).toBe(true);
    expect(isZero('0.01')).toBe(false);
  });
});

describe('billing dates', () => {
  it('shows the last day of a period stored with an exclusive end', () => {
    expect(lastDay('2026-02-01')).toBe('2026-01-31');
    expect(lastDay('2024-03-01')).toBe('2024-02-29');
    expect(lastDay('2027-01-01')).toBe('2026-12-31');
  });

  it('writes a period as a range, a one-day one as its day', () => {
    // ICU versions differ in the spaces around the dash (none, thin, plain).
    expect(periodText('2026-11-01', '2026-12-01', 'en')).toMatch(/^1\s*–\s*30 Nov 2026$/);
    expect(periodText('2026-11-20', '2026-12-20', 'en')).toMatch(/^20 Nov\s*–\s*19 Dec 2026$/);
    expect(periodText('2026-12-25', '2027-01-25', 'en')).toMatch(/^25 Dec 2026\s*–\s*24 Jan 2027$/);
    expect(periodText('2026-12-01', '2026-12-01', 'en')).toBe('1 Dec 2026');
    expect(periodText('2026-12-01', '2026-12-02', 'en')).toBe('1 Dec 2026');
    expect(periodText('2026-11-01', '2026-12-01', 'id')).toMatch(/^1\s*–\s*30 Nov 2026$/);
  });

  it('drops the period the core appends to a description', () => {
    expect(serviceText('pppoe 10M (budi-rumah) 2026-11-01..2026-12-01')).toBe('pppoe 10M (budi-rumah)');
    expect(serviceText('Voucher HS-3C4D (1 minggu)')).toBe('Voucher HS-3C4D (1 minggu)');
  });

  it("takes today from the shop's clock, not the computer's", () => {
    const late = new Date('2026-12-01T18:30:00Z');
    expect(todayIn('Asia/Jakarta', late)).toBe('2026-12-02');
    expect(todayIn('UTC', late)).toBe('2026-12-01');
    expect(todayIn('Asia/Jayapura', new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
  });
});
