// The gate against a mocked shell (mockIPC): the login refuses a wrong
// password with one message, signs in with the right one and then shows the
// app; the first run shows the owner's set-up instead.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';
import { createRawSnippet } from 'svelte';
import Gate from './Gate.svelte';
import type { AuthStatus } from '$bindings/AuthStatus';
import type { Admin } from '$bindings/Admin';
import { shop } from '$lib/shop.svelte';

const rina: Admin = {
  id: '0192',
  username: 'rina',
  name: 'Rina',
  created_at: '2026-12-01T00:00:00.000Z',
  is_default: true,
  role: 'owner',
  has_password: true,
};

function status(over: Partial<AuthStatus>): AuthStatus {
  return { needs_owner: false, admin: null, locked_by: null, lock_minutes: 15, language: 'id', shop_name: 'Toko Maju', ...over };
}

const app = createRawSnippet(() => ({ render: () => '<p data-testid="the-app">app</p>' }));

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Gate', () => {
  it('signs in after refusing a wrong password', async () => {
    let signedIn: Admin | null = null;
    const calls: Array<{ cmd: string; args: unknown }> = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'auth_status') return status({ admin: signedIn });
      if (cmd === 'settings_get') return [{ key: 'time_zone', value: 'Asia/Makassar' }];
      if (cmd === 'auth_sign_in') {
        const { username, password } = args as { username: string; password: string };
        if (username === 'rina' && password === 'kopi susu 123') return (signedIn = rina);
        throw { code: 'sign_in_failed', message: 'wrong username or password' };
      }
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Gate, { children: app });

    const user = (await screen.findByTestId('login-username')) as HTMLInputElement;
    const pass = screen.getByTestId('login-password') as HTMLInputElement;
    expect(user.autocomplete).toBe('username');
    expect(pass.autocomplete).toBe('current-password');
    expect(screen.getByText('Toko Maju')).toBeTruthy();

    await fireEvent.input(user, { target: { value: 'rina' } });
    await fireEvent.input(pass, { target: { value: 'salah' } });
    await fireEvent.click(screen.getByTestId('login-submit'));
    expect((await screen.findByTestId('login-error')).textContent).toBe('Nama pengguna atau kata sandi salah.');
    expect(screen.queryByTestId('the-app')).toBeNull();
    // A refused password is cleared.
    expect(pass.value).toBe('');

    await fireEvent.input(pass, { target: { value: 'kopi susu 123' } });
    await fireEvent.click(screen.getByTestId('login-submit'));
    await screen.findByTestId('the-app');
    expect(calls.filter((c) => c.cmd === 'auth_sign_in')).toHaveLength(2);
    expect(shop.admin).toBe('rina');
    expect(shop.owner).toBe(true);
    expect(shop.zone).toBe('Asia/Makassar');
  });

  it('offers the owner set-up on the first run and checks the two passwords', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'auth_status') return status({ needs_owner: true });
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Gate, { children: app });
    const pw = (await screen.findByTestId('setup-password')) as HTMLInputElement;
    expect(screen.queryByTestId('login-username')).toBeNull();
    // The demo shop is an offer, not the default.
    expect((screen.getByTestId('setup-demo') as HTMLInputElement).checked).toBe(false);
    await fireEvent.input(screen.getByTestId('setup-username'), { target: { value: 'rina' } });
    await fireEvent.input(screen.getByTestId('setup-name'), { target: { value: 'Rina' } });
    await fireEvent.input(pw, { target: { value: 'kopi susu 123' } });
    await fireEvent.input(screen.getByTestId('setup-password2'), { target: { value: 'kopi susu 124' } });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    await waitFor(() => expect(screen.getByTestId('error-setup-password2')).toBeTruthy());
    expect(calls).not.toContain('auth_setup_owner');
  });

  it('shows the lock screen for the locked admin', async () => {
    mockIPC((cmd) => {
      if (cmd === 'auth_status') return status({ locked_by: 'rina' });
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Gate, { children: app });
    await screen.findByTestId('lock-screen');
    expect((screen.getByTestId('login-username') as HTMLInputElement).value).toBe('rina');
  });
});
