import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import RouterForm from './RouterForm.svelte';
import { type } from '../../test-utils';

afterEach(() => clearMocks());

describe('the add-router form', () => {
  it('offers the CA file only with TLS, sends it, and shows its refusal at the field', async () => {
    const sent: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== 'router_add') throw new Error(`unexpected ${cmd}`);
      sent.push(args as Record<string, unknown>);
      throw { code: 'validation', field: 'ca', message: 'ca: a CA file is for --tls only' };
    });
    render(RouterForm, { open: true });
    expect(screen.queryByTestId('rt-ca')).toBeNull();
    await type('rt-name', 'rw05');
    await type('rt-host', '10.0.0.1');
    await type('rt-password', 'rahasia');
    await fireEvent.click(screen.getByTestId('rt-tls'));
    await type('rt-ca', '/home/toko/rw05-ca.pem');
    await fireEvent.click(screen.getByTestId('rt-save'));
    await waitFor(() => expect(screen.getByTestId('error-rt-ca')).toBeTruthy());
    expect(sent[0]).toMatchObject({ name: 'rw05', tls: true, ca_file: '/home/toko/rw05-ca.pem' });
  });
});
