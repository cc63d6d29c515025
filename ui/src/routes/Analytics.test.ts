import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { AnalyticsReport } from '$bindings/AnalyticsReport';
import Analytics from './Analytics.svelte';

function report(over: Partial<AnalyticsReport> = {}): AnalyticsReport {
  return {
    from: '2025-12-02', to: '2026-12-01', time_zone: 'Asia/Jakarta',
    new_customers: 12, active_subscribers: 5, churned: 1, revenue: '1500000.00', payments: 9,
    voucher_sales: '0.00', vouchers_sold: 0, average_revenue_per_customer: '125000.00',
    lifetime_value: '300000.00', total_debt: '-250000.00', customers_with_debt: 2, unpaid_invoiced: '0.00',
    monthly: [
      { month: '2026-11', new_customers: 4, revenue: '500000.00', voucher_sales: '0.00', debt: '0.00' },
      { month: '2026-12', new_customers: 8, revenue: '1000000.00', voucher_sales: '0.00', debt: '150000.00' },
    ],
    top_by: 'revenue',
    top: [{ id: 'c1', local_id: 1, name: 'Budi', whatsapp: '+6281234567890', amount: '1000000.00' }],
    popular_tags: [{ name: 'vip', color: '#ff0000', customers: 3 }],
    ...over,
  };
}

afterEach(() => clearMocks());

describe('the analytics screen', () => {
  it('shows the report and asks again for another range', async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      expect(cmd).toBe('analytics');
      asked.push(args);
      return report();
    });
    render(Analytics);
    const top = await screen.findByTestId('top-customers');
    expect(within(top).getByText('Budi')).toBeTruthy();
    expect(top.textContent).toContain('Rp 1.000.000');
    expect(screen.getByTestId('popular-tags').textContent).toContain('vip');
    expect(screen.getByTestId('chart-new-customers')).toBeTruthy();
    expect(screen.getByTestId('chart-revenue')).toBeTruthy();
    expect(screen.getByTestId('chart-debt')).toBeTruthy();
    expect(asked).toEqual([{ range: '1y', top: 'revenue' }]);

    await fireEvent.change(screen.getByTestId('analytics-range'), { target: { value: '30d' } });
    await waitFor(() => expect(asked.at(-1)).toEqual({ range: '30d', top: 'revenue' }));
  });

  it('says when a range is empty, and shows a failure with a retry', async () => {
    let fail = true;
    mockIPC(() => {
      if (fail) throw { code: 'database', message: 'disk I/O error' };
      return report({
        new_customers: 0, revenue: '0.00', total_debt: '0.00', top: [], popular_tags: [],
        monthly: [{ month: '2026-12', new_customers: 0, revenue: '0.00', voucher_sales: '0.00', debt: '0.00' }],
      });
    });
    render(Analytics);
    const error = await screen.findByTestId('analytics-error');
    expect(error.textContent).toContain('disk I/O error');
    fail = false;
    await fireEvent.click(within(error).getByRole('button'));
    await screen.findByTestId('analytics-empty');
    expect(screen.queryByTestId('chart-revenue')).toBeNull();
  });
});
