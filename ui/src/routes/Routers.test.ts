import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import Routers from './Routers.svelte';
import type { Router } from '$bindings/Router';

afterEach(() => clearMocks());


const router: Router = {
  id: 'r-1', local_id: 1, name: 'rw05', host: '10.0.0.1', port: 8728, username: 'admin', api: 'binary', tls: false,
  ca_file: null, status: 'unreachable', last_error: 'connection refused', last_contact_at: null, version: null,
  subscriptions: 2, queued: 3, failed: 1, created_at: '2026-12-01T10:00:00Z',
};

describe('the router screen', () => {
  it('adds a router (the password sent, never shown back) and tests it', async () => {
    const added: Record<string, unknown>[] = [];
    let list: Router[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'routers_list') return list;
      if (cmd === 'router_add') {
        added.push(args as Record<string, unknown>);
        list = [router];
        return router;
      }
      if (cmd === 'router_test') return { router: 'rw05', version: '7.18.2', pppoe_profiles: ['default', 'paket-10M'], hotspot_profiles: [] };
      throw new Error(`unexpected ${cmd}`);
    });
    render(Routers);
    await screen.findByTestId('rt-empty');
    await fireEvent.click(screen.getByTestId('rt-add'));
    await fireEvent.input(screen.getByTestId('rt-name'), { target: { value: 'rw05' } });
    await fireEvent.input(screen.getByTestId('rt-host'), { target: { value: '10.0.0.1' } });
    await fireEvent.input(screen.getByTestId('rt-password'), { target: { value: 'rahasia' } });
    await fireEvent.click(screen.getByTestId('rt-api-rest'));
    await fireEvent.submit(screen.getByTestId('rt-save').closest('form')!);
    await waitFor(() => expect(added).toHaveLength(1));
    expect(added[0]).toMatchObject({ name: 'rw05', host: '10.0.0.1', port: null, username: 'admin', password: 'rahasia', api: 'rest', tls: false });
    const row = await screen.findByTestId('router-row');
    expect(row.textContent).toContain('connection refused');
    expect(screen.getByTestId('router-queued').textContent).toBe('3');
    expect(row.textContent).not.toContain('rahasia');
    await fireEvent.click(screen.getByTestId('rt-test'));
    const result = await screen.findByTestId('rt-test-result');
    expect(result.textContent).toContain('7.18.2');
    expect(result.textContent).toContain('paket-10M');
  });

  it('lists who is suspended and resumes one now', async () => {
    let suspended = true;
    const resumed: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'routers_list') return [];
      if (cmd === 'isolir_list')
        return suspended
          ? [{ subscription_id: 's-1', username: 'sari-rumah', customer_id: 'c-1', customer_name: 'Sari', router: 'rw05', since: '2026-11-05', invoice_number: 'INV-0001', owed: '150000.00' }]
          : [];
      if (cmd === 'subscription_resume') {
        resumed.push(args);
        suspended = false;
        return {};
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Routers);
    await fireEvent.click(screen.getByTestId('rt-tab-isolir'));
    const row = await screen.findByTestId('isolir-row');
    expect(row.textContent).toContain('INV-0001');
    expect(row.textContent).toContain('Sari');
    await fireEvent.click(screen.getByTestId('isolir-resume'));
    await screen.findByTestId('isolir-empty');
    expect(resumed).toEqual([{ subscription: 's-1', date: null }]);
  });
});
