// The customer's billing section against a mocked shell: what each invoice
// carries is shown, an empty history says so, and a refund asks first.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Customer } from '$bindings/Customer';
import type { Invoice } from '$bindings/Invoice';
import type { Payment } from '$bindings/Payment';
import type { Subscription } from '$bindings/Subscription';
import CustomerBilling from './CustomerBilling.svelte';

const customer: Customer = {
  id: 'c1', local_id: 1, name: 'Budi', whatsapp: '+6281234567890', email: null, phone: null, address: null,
  notes: null, balance: '-250000.00', total_spent: '50000.00', subscription_count: 1, status: 'active', tags: [],
  created_at: '2026-10-01T00:00:00Z', updated_at: '2026-10-01T00:00:00Z', created_by: 'admin',
};
const sub: Subscription = {
  id: 's1', local_id: 1, customer_id: 'c1', customer_name: 'Budi', type: 'pppoe', username: 'budi-rumah',
  profile: '10M', price: '150000.00', cycle: 'monthly', start_date: '2026-11-01', next_billing_date: '2027-01-01',
  status: 'active', created_at: '', updated_at: '', created_by: 'admin',
};
function invoice(n: number, over: Partial<Invoice>): Invoice {
  return {
    id: `i${n}`, number: `INV-2026-00000${n}`, customer_id: 'c1', customer_name: 'Budi', subscription_id: 's1',
    subscription_username: 'budi-rumah', voucher_code: null, description: 'pppoe 10M (budi-rumah)',
    period_start: '2026-11-01', period_end: '2026-12-01', charge: '150000.00', total: '150000.00',
    amount_allocated: '0.00', amount_unpaid: '150000.00', carried_amount: '0.00', carried_count: 0,
    amount_due: '150000.00', subscription_owed: '250000.00', due_date: '2026-11-01', status: 'unpaid', open: true,
    issued_at: '2026-11-01T00:00:00Z', issued_by: 'admin', voided_at: null, voided_by: null, ...over,
  };
}
const invoices = [
  invoice(2, { period_start: '2026-12-01', period_end: '2027-01-01', carried_amount: '100000.00', carried_count: 1, amount_due: '250000.00' }),
  invoice(1, { amount_allocated: '50000.00', amount_unpaid: '100000.00', amount_due: '100000.00', status: 'partial' }),
];
const payment: Payment = {
  id: 'p1', local_id: 3, customer_id: 'c1', customer_name: 'Budi', invoice_number: null, voucher_code: null,
  amount: '50000.00', method: 'cash', reference: null, received_at: '2026-11-05T03:00:00Z', received_by: 'admin',
  status: 'success', refunded_at: null, refunded_by: null,
  allocations: [{ invoice_number: 'INV-2026-000001', amount: '50000.00' }], credit: '0.00',
};

let calls: string[] = [];
afterEach(() => {
  cleanup();
  clearMocks();
  calls = [];
});

function shell(empty = false) {
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const page = <T>(items: T[]) => ({ items: empty ? [] : items });
    if (cmd === 'subscriptions_list') return page([sub]);
    if (cmd === 'invoices_list') {
      expect((args as { query: { customer: string } }).query.customer).toBe('c1');
      return page(invoices);
    }
    if (cmd === 'payments_list') return page([payment]);
    if (cmd === 'payment_refund') return { ...payment, status: 'refunded', allocations: [] };
    throw { code: 'internal', message: `unexpected ${cmd}` };
  });
}

describe("a customer's billing", () => {
  it('shows each invoice with what it carries from the earlier ones', async () => {
    shell();
    render(CustomerBilling, { customer });
    await waitFor(() => expect(screen.getAllByTestId('invoice-row')).toHaveLength(2));
    const carried = screen.getAllByTestId('invoice-carried').map((c) => c.textContent?.replace(/\s+/g, ' ').trim());
    expect(carried[0]).toBe('Rp 100.000 dari 1 tagihan sebelumnya');
    expect(carried[1]).toBe('—');
    expect(screen.getAllByTestId('subscription-row')[0]!.textContent).toContain('budi-rumah');
    expect(screen.getAllByTestId('payment-row')[0]!.textContent).toContain('INV-2026-000001');
    // A partly paid invoice can still be paid, and not voided.
    const partial = screen.getAllByTestId('invoice-row')[1]!;
    expect(partial.querySelector('[data-testid="btn-pay"]')).not.toBeNull();
    expect(partial.querySelector('[data-testid="btn-void"]')).toBeNull();
  });

  it('says when there is nothing yet', async () => {
    shell(true);
    render(CustomerBilling, { customer });
    await screen.findByTestId('invoices-empty');
    expect(screen.getByTestId('subscriptions-empty')).toBeTruthy();
    expect(screen.getByTestId('payments-empty')).toBeTruthy();
  });

  it('refunds only after the confirmation, then reloads', async () => {
    shell();
    let changed = 0;
    render(CustomerBilling, { customer, onchanged: () => changed++ });
    await fireEvent.click(await screen.findByTestId('btn-refund'));
    expect(calls).not.toContain('payment_refund');
    await fireEvent.click(screen.getByTestId('bill-confirm'));
    await waitFor(() => expect(calls).toContain('payment_refund'));
    await waitFor(() => expect(changed).toBe(1));
    expect(calls.filter((c) => c === 'payments_list').length).toBeGreaterThanOrEqual(2);
  });
});
