import { describe, expect, it } from 'vitest';
import type { Invoice } from '$bindings/Invoice';
import { fromCents, isOpen, isZero, issueSummary, lastDay, periodText, serviceText, sumMoney, toCents, todayIn } from './billing';

function invoice(over: Partial<Invoice>): Invoice {
  return {
    id: 'i', number: 'INV-2026-000001', customer_id: 'c1', customer_name: 'Budi',
    subscription_id: 's', subscription_username: 'budi', voucher_code: null,
    description: 'pppoe 10M (budi)', period_start: '2026-01-01', period_end: '2026-02-01',
    charge: '150000.00', total: '150000.00', amount_allocated: '0.00', amount_unpaid: '150000.00',
    carried_amount: '0.00', carried_count: 0, amount_due: '150000.00', subscription_owed: '150000.00',
    due_date: '2026-01-08', status: 'unpaid', issued_at: '2026-01-01T00:00:00Z', issued_by: 'admin',
    voided_at: null, voided_by: null, ...over,
  };
}

describe('money sums without floats', () => {
  it.each([
    [['150000.00', '50000.00'], '200000.00'],
    [['0.10', '0.20'], '0.30'],
    [['-250000.00', '100000.50'], '-149999.50'],
    [['999999999999.99', '999999999999.99'], '1999999999999.98'],
    [[], '0.00'],
    [['abc', '5.5'], '5.50'],
  ])('%j adds up to %s', (amounts, total) => expect(sumMoney(amounts)).toBe(total));

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

describe('an issue-due run', () => {
  it('counts invoices, customers and the total', () => {
    const s = issueSummary([
      invoice({ id: '1', customer_id: 'a', total: '150000.00' }),
      invoice({ id: '2', customer_id: 'a', total: '150000.00' }),
      invoice({ id: '3', customer_id: 'b', total: '75000.50' }),
    ]);
    expect(s).toEqual({ count: 3, customers: 2, total: '375000.50' });
    expect(issueSummary([])).toEqual({ count: 0, customers: 0, total: '0.00' });
  });

  it('knows which invoices are still open', () => {
    expect(isOpen(invoice({ status: 'partial' }))).toBe(true);
    expect(isOpen(invoice({ status: 'paid' }))).toBe(false);
    expect(isOpen(invoice({ status: 'void' }))).toBe(false);
  });
});
