import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import CustomerForm from './CustomerForm.svelte';
import { type } from '../../test-utils';


afterEach(() => {
  cleanup();
  clearMocks();
});

describe('the customer form', () => {
  it('shows the core refusal of the number at its field, in Indonesian', async () => {
    const sent: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'customer_add') throw new Error(`unexpected ${cmd}`);
      sent.push(args as Record<string, unknown>);
      throw {
        code: 'invalid_whatsapp',
        message: "whatsapp: '0812' is not a valid WhatsApp number",
        field: 'whatsapp',
        details: { kind: 'input', input: '0812' },
      };
    });
    const onsaved = vi.fn();
    render(CustomerForm, { open: true, onsaved, onopenholder: () => {} });
    await type('cust-name', 'Budi Santoso');
    await type('cust-whatsapp', '0812');
    await type('cust-balance', '1.500.000');
    await fireEvent.click(screen.getByTestId('cust-save'));

    const error = await screen.findByTestId('error-cust-whatsapp');
    expect(error.textContent).toBe('“0812” bukan nomor WhatsApp yang valid.');
    expect(screen.getByTestId('cust-whatsapp').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('error-cust-name')).toBeNull();
    expect(onsaved).not.toHaveBeenCalled();
    // The amount goes as typed, for the core's one parser.
    expect(sent[0]).toMatchObject({ initial_balance: '1.500.000', send_welcome: false, input: { name: 'Budi Santoso', whatsapp: '0812' } });
  });

  it('offers to open the customer who holds a duplicate number', async () => {
    mockIPC(() => {
      throw {
        code: 'duplicate_whatsapp',
        message: 'WhatsApp number +6281234567890 already belongs to customer #7 (Siti)',
        field: 'whatsapp',
        holder_id: 'holder-uuid',
        details: { kind: 'holder', id: 'holder-uuid', local_id: 7, name: 'Siti', whatsapp: '+6281234567890' },
      };
    });
    const onopenholder = vi.fn();
    render(CustomerForm, { open: true, onsaved: () => {}, onopenholder });
    await type('cust-name', 'Budi');
    await type('cust-whatsapp', '081234567890');
    await fireEvent.click(screen.getByTestId('cust-save'));
    await fireEvent.click(await screen.findByTestId('open-holder'));
    expect(onopenholder).toHaveBeenCalledWith('holder-uuid');
  });

  it('hands the saved customer and its warnings back', async () => {
    mockIPC(() => ({
      id: 'new-id',
      local_id: 1,
      name: 'Budi',
      whatsapp: '+62215551234',
      email: null,
      phone: null,
      address: null,
      notes: null,
      balance: '0.00',
      total_spent: '0.00',
      subscription_count: 0,
      status: 'active',
      tags: [],
      created_at: '2026-12-01T00:00:00Z',
      updated_at: '2026-12-01T00:00:00Z',
      created_by: 'admin',
      warnings: [{ code: 'not_mobile', field: 'whatsapp', message: 'fixed-line' }],
    }));
    const onsaved = vi.fn();
    render(CustomerForm, { open: true, onsaved, onopenholder: () => {} });
    await type('cust-name', 'Budi');
    await type('cust-whatsapp', '021 555 1234');
    await fireEvent.click(screen.getByTestId('cust-save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    const [customer, warnings] = onsaved.mock.calls[0] as [{ id: string; warnings?: unknown }, unknown[]];
    expect(customer.id).toBe('new-id');
    expect(customer.warnings).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
