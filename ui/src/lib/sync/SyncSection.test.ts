import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { SyncStatus } from '$bindings/SyncStatus';
import { shop } from '$lib/shop.svelte';
import { type } from '../../test-utils';
import SyncSection from './SyncSection.svelte';

afterEach(() => {
  clearMocks();
  shop.owner = false;
});

const unpaired: SyncStatus = {
  paired: false, server_url: null, shop: null, device_id: 'd-1', last_sync_at: null, last_error_code: null, last_error: null, pending: 12, held: 0,
};
const paired: SyncStatus = {
  ...unpaired, paired: true, server_url: 'https://sync.toko:8443', shop: 'Net Maju', last_sync_at: '2026-12-02T04:00:00Z', pending: 0,
};

describe('the sync section', () => {
  it('pairs this desk with the address and code typed, and shows the shop', async () => {
    shop.owner = true;
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sync_status') return unpaired;
      if (cmd === 'sync_pair') {
        asked.push(args);
        return paired;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    const button = (await screen.findByTestId('sync-pair')) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await type('sync-url', ' https://sync.toko:8443 ');
    await type('sync-code', 'ABCD-EFGH-JKLM-NPQR');
    await fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId('sync-shop').textContent).toContain('Net Maju'));
    expect(asked).toEqual([{ url: 'https://sync.toko:8443', code: 'ABCD-EFGH-JKLM-NPQR', ca_file: null }]);
    expect(screen.getByTestId('sync-badge').textContent).toBe('Tersinkron');
  });

  it('shows offline after a round the server did not answer, and syncs now', async () => {
    let status: SyncStatus = { ...paired, pending: 3, last_error_code: 'sync_unreachable', last_error: 'the sync server did not answer: could not connect' };
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return status;
      if (cmd === 'sync_now') {
        status = { ...paired };
        return { pushed: 3, duplicates: 0, pulled: { applied: 5, held: 0, skipped: 0 }, cursor: '9' };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    expect((await screen.findByTestId('sync-badge')).textContent).toBe('Luring');
    expect(screen.getByTestId('sync-pending').textContent).toContain('3');
    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-done').textContent).toContain('Terkirim 3, diterima 5'));
    await waitFor(() => expect(screen.getByTestId('sync-badge').textContent).toBe('Tersinkron'));
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
  });

  it('lets only an owner pair', async () => {
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return unpaired;
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    await screen.findByText(/Hanya pemilik/);
    expect(screen.queryByTestId('sync-pair-form')).toBeNull();
  });
});
