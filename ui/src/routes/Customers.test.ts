import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { Customer } from '$bindings/Customer';
import type { ListQuery } from '$bindings/ListQuery';
import { resetView } from '$lib/customers/list.svelte';
import Customers from './Customers.svelte';

afterEach(() => {
  clearMocks();
  resetView();
});

function customer(name: string, n: number): Customer {
  return {
    id: `id-${n}`,
    local_id: n,
    name,
    whatsapp: `+62812000000${n}`,
    email: null,
    phone: null,
    address: null,
    notes: null,
    balance: n % 2 ? '-25000.00' : '10000.00',
    total_spent: '0.00',
    subscription_count: 0,
    status: 'active',
    tags: [],
    created_at: '2026-12-01T00:00:00Z',
    updated_at: '2026-12-01T00:00:00Z',
    created_by: 'admin',
  };
}

const stats = {
  total_customers: 2, active: 2, inactive: 0, blacklisted: 0, deleted: 0, with_debt: 1, with_credit: 1,
  total_debt: '25000.00', total_credit: '10000.00', total_spent: '0.00', average_spent: '0.00', highest_spent: '0.00',
};

describe('the customer list', () => {
  it('sends the newest keystroke once the search in flight lands, and shows its rows', async () => {
    const waiting = new Map<string, () => void>();
    const asked: (string | undefined)[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'stats') return stats;
      if (cmd === 'tags_list') return [];
      if (cmd !== 'customers_list') throw new Error(cmd);
      const term = (args as { query: ListQuery }).query.filter.search;
      asked.push(term);
      const items = term ? [customer(`Hasil ${term}`, term.length)] : [customer('Budi', 1), customer('Siti', 2)];
      const page = { items, total: items.length, page: 1, limit: 50, total_pages: 1 };
      // "b" answers only when released: it is slow, and lands after "bu".
      if (term === 'b') return new Promise((r) => waiting.set(term, () => r(page)));
      return page;
    });
    render(Customers);
    expect((await screen.findAllByTestId('customer-row')).length).toBe(2);
    expect(screen.getByTestId('list-total').textContent).toContain('2');

    const box = screen.getByTestId('search') as HTMLInputElement;
    box.value = 'b';
    await fireEvent.input(box);
    box.value = 'bu';
    await fireEvent.input(box);
    // "bu" waits for "b" (one search in flight); release the slow one.
    await waitFor(() => expect(waiting.has('b')).toBe(true));
    waiting.get('b')?.();
    await waitFor(() => expect(asked).toEqual([undefined, 'b', 'bu']));
    await waitFor(() => expect(screen.getAllByTestId('customer-row').map((r) => r.textContent)).toEqual([
      expect.stringContaining('Hasil bu'),
    ]));
  });

  it('shows the empty state of a search that finds nobody', async () => {
    mockIPC((cmd, args) => {
      if (cmd === 'stats') return stats;
      if (cmd === 'tags_list') return [];
      const term = (args as { query: ListQuery }).query.filter.search;
      const items = term ? [] : [customer('Budi', 1)];
      return { items, total: items.length, page: 1, limit: 50, total_pages: items.length ? 1 : 0 };
    });
    render(Customers);
    await screen.findAllByTestId('customer-row');
    const box = screen.getByTestId('search') as HTMLInputElement;
    box.value = 'zzz';
    await fireEvent.input(box);
    const empty = await screen.findByTestId('list-empty');
    expect(empty.textContent).toContain('Tidak ada pelanggan yang cocok');
  });
});
