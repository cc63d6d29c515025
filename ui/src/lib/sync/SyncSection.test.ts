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
  paired: false, server_url: null, shop: null, device_id: 'd-1', last_sync_at: null, last_error_code: null, last_error: null, pending: 12, held: 0, conflicts: 0,
  restored_at: null, restored_from: null, recovery_pending: false, recovered_at: null,
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

const customer = (id: string, local_id: number, name: string, email: string | null, balance: string, created_at: string) => ({
  id, local_id, name, whatsapp: '+6281234567890', email, phone: null, address: null, notes: null, balance, total_spent: '0',
  subscription_count: 0, status: 'active', tags: [], created_at, updated_at: created_at, created_by: 'admin',
});

describe('customers sharing a number', () => {
  it('are listed under the status and merged into the one kept, with the details chosen', async () => {
    const sari = customer('c-1', 1, 'Sari', null, '100000', '2026-12-01T02:00:00Z');
    const sariW = customer('c-2', 2, 'Sari W', 'sari@example.com', '25000', '2026-12-01T03:00:00Z');
    let status: SyncStatus = { ...paired, conflicts: 1 };
    let groups = [{ conflict_id: 'k-1', whatsapp: '+6281234567890', customers: [sari, sariW], differing: ['name', 'email'] }];
    const merged: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sync_status') return status;
      if (cmd === 'customer_duplicates') return groups;
      if (cmd === 'customer_merge') {
        merged.push(args);
        groups = [];
        status = { ...paired, conflicts: 0 };
        return { ...sari, email: 'sari@example.com', balance: '125000' };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    expect((await screen.findByTestId('sync-conflict-count')).textContent).toContain('1');
    expect((await screen.findByTestId('conflict-0')).textContent).toContain('Sari W (#2)');
    await fireEvent.click(screen.getByTestId('merge-open-0'));
    // The oldest is kept by default; its empty email gives way to the other's.
    expect((screen.getByTestId('merge-keep-1') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('merge-email-2') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('merge-name-1') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId('merge-warning').textContent).toContain('Sari W akan dihapus');
    await fireEvent.click(screen.getByTestId('merge-confirm'));
    await waitFor(() => expect(merged).toEqual([{ keep: 'c-1', others: [{ customer: 'c-2', take: ['email'] }] }]));
    await waitFor(() => expect(screen.queryByTestId('sync-conflicts')).toBeNull());
    expect(screen.queryByTestId('sync-conflict-count')).toBeNull();
  });

  it('keep the dialog open with the reason when the merge is refused', async () => {
    const a = customer('c-1', 1, 'Sari', null, '0', '2026-12-01T02:00:00Z');
    const b = customer('c-2', 2, 'Sari W', null, '0', '2026-12-01T03:00:00Z');
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return { ...paired, conflicts: 1 };
      if (cmd === 'customer_duplicates') return [{ conflict_id: 'k-1', whatsapp: '+6281234567890', customers: [a, b], differing: ['name'] }];
      if (cmd === 'customer_merge') throw { code: 'conflict', message: 'customer c-2 (Sari W) is deleted; restore it first' };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    await fireEvent.click(await screen.findByTestId('merge-open-0'));
    // Choosing the other to keep: the warning names the first.
    await fireEvent.click(screen.getByTestId('merge-keep-2'));
    expect(screen.getByTestId('merge-warning').textContent).toContain('Sari akan dihapus');
    expect(screen.queryByTestId('merge-name-1')).not.toBeNull();
    await fireEvent.click(screen.getByTestId('merge-confirm'));
    expect((await screen.findByTestId('merge-error')).textContent).toContain('Sari W');
    expect(screen.getByTestId('conflict-0')).not.toBeNull();
  });
});

describe("the shop's devices", () => {
  const device = (device_id: string, name: string, revoked_at: number | null = null) => ({
    device_id, name, paired_at: 1_764_561_600_000, last_seen_at: 1_764_565_200_000, revoked_at, last_pushed_hlc: null, replaced_by: null,
  });

  it('are asked for on request; an owner revokes another device after confirming', async () => {
    shop.owner = true;
    let devices = [device('d-1', 'kasir-1'), device('d-2', 'kasir-2')];
    const revoked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sync_status') return paired;
      if (cmd === 'sync_devices') return { devices };
      if (cmd === 'sync_revoke') {
        revoked.push(args);
        devices = [devices[0]!, device('d-2', 'kasir-2', 1_764_568_800_000)];
        return devices[1];
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    await fireEvent.click(await screen.findByTestId('sync-devices-load'));
    await waitFor(() => expect(screen.getAllByTestId('sync-device')).toHaveLength(2));
    // This desk cannot revoke itself.
    expect(screen.queryByTestId('sync-revoke-kasir-1')).toBeNull();
    expect(screen.getAllByTestId('sync-device')[0]!.textContent).toContain('meja ini');
    await fireEvent.click(screen.getByTestId('sync-revoke-kasir-2'));
    expect(revoked).toEqual([]);
    await fireEvent.click(screen.getByTestId('sync-revoke-confirm'));
    await waitFor(() => expect(revoked).toEqual([{ device: 'd-2' }]));
    await waitFor(() => expect(screen.getAllByTestId('sync-device')[1]!.textContent).toContain('dicabut'));
    expect(screen.queryByTestId('sync-revoke-kasir-2')).toBeNull();
  });

  it('say quietly that the server is away', async () => {
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return paired;
      if (cmd === 'sync_devices') throw { code: 'sync_unreachable', message: 'the sync server did not answer: could not connect' };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    await fireEvent.click(await screen.findByTestId('sync-devices-load'));
    expect((await screen.findByTestId('sync-devices-error')).textContent).not.toBe('');
  });
});

describe('a desk restored from an old backup', () => {
  it('says it waits to recover, then that it recovered', async () => {
    let status: SyncStatus = {
      ...paired, restored_at: '2026-12-03T01:00:00Z', restored_from: 'd-0', recovery_pending: true,
    };
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return status;
      if (cmd === 'sync_now') {
        status = { ...status, recovery_pending: false, recovered_at: '2026-12-03T01:05:00Z' };
        return { pushed: 9, duplicates: 4, pulled: { applied: 2, held: 0, skipped: 0 }, cursor: '20', replaced_device: 'd-0' };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    expect((await screen.findByTestId('sync-restored')).textContent).toContain('cadangan');
    expect(screen.getByTestId('sync-restored').textContent).toContain('d-0');
    // Not "synced" while it waits, and the last sync named is the backup's.
    expect(screen.getByTestId('sync-badge').textContent).toBe('Menunggu pemulihan');
    expect(screen.getByTestId('sync-last').textContent).toContain('cadangan');
    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-restored').textContent).toContain('Pulih'));
    expect(screen.getByTestId('sync-badge').textContent).toBe('Tersinkron');
    expect(screen.getByTestId('sync-last').textContent).not.toContain('cadangan');
  });
});

describe('the desk that sends the shop\'s messages', () => {
  it('is each desk by default, and the owner makes it this desk', async () => {
    shop.owner = true;
    let sender = '';
    const set: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'sync_status') return paired;
      if (cmd === 'settings_get') return [{ key: 'notify_sender', value: sender }];
      if (cmd === 'settings_set') {
        set.push(args);
        sender = (args as { value: string }).value;
        return { key: 'notify_sender', value: sender };
      }
      if (cmd === 'sync_devices') return [];
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    const each = (await screen.findByTestId('sync-sender-each')) as HTMLInputElement;
    expect(each.checked).toBe(true);
    expect(screen.queryByTestId('sync-sender-other')).toBeNull();
    await fireEvent.click(screen.getByTestId('sync-sender-this'));
    await waitFor(() => expect(set).toEqual([{ key: 'notify_sender', value: 'd-1' }]));
    expect((screen.getByTestId('sync-sender-this') as HTMLInputElement).checked).toBe(true);
  });

  it('names another desk that sends', async () => {
    shop.owner = true;
    mockIPC((cmd) => {
      if (cmd === 'sync_status') return paired;
      if (cmd === 'settings_get') return [{ key: 'notify_sender', value: 'd-9' }];
      if (cmd === 'sync_devices') return [];
      throw new Error(`unexpected ${cmd}`);
    });
    render(SyncSection);
    expect((await screen.findByTestId('sync-sender')).textContent).toContain('Meja lain (d-9)');
  });
});
