// The record-payment dialog against a mocked shell: the preview shows what
// the payment pays and the new balance before anything is recorded, and
// confirming records the same amount.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Payment } from '$bindings/Payment';
import type { PaymentPreview } from '$bindings/PaymentPreview';
import PaymentDialog from './PaymentDialog.svelte';

const payment: Payment = {
  id: 'p1', local_id: 7, customer_id: 'c1', customer_name: 'Budi', invoice_number: null, voucher_code: null,
  amount: '200000.00', method: 'cash', reference: null, received_at: '2026-12-01T03:00:00Z', received_by: 'admin',
  status: 'success', refunded_at: null, refunded_by: null,
  allocations: [
    { invoice_number: 'INV-2026-000001', amount: '150000.00' },
    { invoice_number: 'INV-2026-000002', amount: '50000.00' },
  ],
  credit: '0.00',
};
const preview: PaymentPreview = { payment, balance_before: '-300000.00', balance_after: '-100000.00' };

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];


afterEach(() => {
  cleanup();
  clearMocks();
  calls = [];
});

function shell() {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd === 'payment_preview') {
      const amount = (args as { amount: string }).amount;
      if (amount === '0') throw { code: 'invalid_amount', message: "'0' must be greater than zero", field: 'amount' };
      return preview;
    }
    if (cmd === 'payment_record') return payment;
    throw { code: 'internal', message: `unexpected ${cmd}` };
  });
}

describe('the record-payment dialog', () => {
  it('previews the allocations and the new balance, then records that payment', async () => {
    shell();
    let recorded: Payment | null = null;
    render(PaymentDialog, {
      open: true,
      customer: 'c1',
      customerName: 'Budi',
      debounceMs: 0,
      onrecorded: (p: Payment) => (recorded = p),
    });
    const amount = screen.getByTestId('pay-amount') as HTMLInputElement;
    await fireEvent.input(amount, { target: { value: '200.000' } });

    await waitFor(() => expect(screen.getByTestId('pay-new-balance').textContent).toContain('-Rp 100.000'));
    const rows = screen.getAllByTestId('pay-allocation').map((r) => r.textContent?.replace(/\s+/g, ' ').trim());
    expect(rows).toEqual(['INV-2026-000001Rp 150.000', 'INV-2026-000002Rp 50.000']);
    // Nothing is recorded by the preview.
    expect(calls.map((c) => c.cmd)).toEqual(['payment_preview']);
    expect(calls[0]!.args).toMatchObject({ customer: 'c1', amount: '200.000', options: { method: 'cash', invoice: null } });

    await fireEvent.click(screen.getByTestId('pay-confirm'));
    await waitFor(() => expect(recorded).not.toBeNull());
    expect(calls.map((c) => c.cmd)).toEqual(['payment_preview', 'payment_record']);
    expect(calls[1]!.args).toMatchObject({ customer: 'c1', amount: '200.000' });
  });

  it('asks for a new preview when the amount changes', async () => {
    shell();
    render(PaymentDialog, { open: true, customer: 'c1', customerName: 'Budi', debounceMs: 0 });
    const amount = screen.getByTestId('pay-amount') as HTMLInputElement;
    const confirm = screen.getByTestId('pay-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(amount, { target: { value: '200000' } });
    await waitFor(() => expect(confirm.disabled).toBe(false));
    // Typed on: the old preview no longer confirms, until the new one is in.
    await fireEvent.input(amount, { target: { value: '250000' } });
    expect(confirm.disabled).toBe(true);
    await waitFor(() => expect(confirm.disabled).toBe(false));
    const previewed = calls.filter((c) => c.cmd === 'payment_preview').map((c) => c.args.amount);
    expect(previewed.at(-1)).toBe('250000');
    await fireEvent.submit(confirm.form!);
    await waitFor(() => expect(calls.at(-1)?.cmd).toBe('payment_record'));
    expect(calls.at(-1)?.args.amount).toBe('250000');
  });

  it('shows a refused amount at its field, in the user language', async () => {
    shell();
    render(PaymentDialog, { open: true, customer: 'c1', customerName: 'Budi', debounceMs: 0 });
    await fireEvent.input(screen.getByTestId('pay-amount'), { target: { value: '0' } });
    const error = await screen.findByTestId('error-pay-amount');
    expect(error.textContent).toContain('Jumlah tidak bisa dibaca');
    expect((screen.getByTestId('pay-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(calls.some((c) => c.cmd === 'payment_record')).toBe(false);
  });
});
