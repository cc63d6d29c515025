import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { GatewayView } from '$bindings/GatewayView';
import Templates from './Templates.svelte';
import Gateway from './Gateway.svelte';
import Reminders from './Reminders.svelte';
import Outbox from './Outbox.svelte';
import type { OutboxMessage } from '$bindings/OutboxMessage';

afterEach(() => clearMocks());

const gateway: GatewayView = {
  kind: 'fonnte', active: true, token: '••••1234', paused_reason: 'device disconnected', paused_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T09:00:00Z', updated_by: 'pemilik',
  settings: { url: 'https://api.fonnte.com/send', method: 'POST', headers: [], body: '', body_format: 'json', idempotency_key: false, pace_ms: 5000, retry_base_ms: 10000, timeout_ms: 15000 },
};

describe('the templates tab', () => {
  it('previews the text on a real customer and shows an unknown placeholder at the field', async () => {
    mockIPC((cmd, args) => {
      const a = args as { body: string };
      // As the core lists them: one entry per name and language.
      if (cmd === 'notify_templates')
        return [
          { name: 'welcome', language: 'id', body: 'Halo {name}', built_in: true },
          { name: 'welcome', language: 'en', body: 'Hello {name}', built_in: true },
        ];
      if (cmd === 'customers_list') return { items: [{ id: 'c1', name: 'Budi' }], total: 1, next: null };
      if (cmd === 'notify_preview') {
        if (a.body.includes('{saldo}')) throw { code: 'unknown_placeholder', field: 'body', message: '{saldo} is not a placeholder Pelanggan knows' };
        return a.body.replace('{name}', 'Budi');
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Templates);
    await waitFor(() => expect(screen.getByTestId('template-preview').textContent).toBe('Halo Budi'));
    await fireEvent.input(screen.getByTestId('template-body'), { target: { value: 'Halo {saldo}' } });
    await waitFor(() => expect(screen.getByTestId('error-template-body')).toBeTruthy());
    expect(screen.getByTestId('template-body').getAttribute('aria-invalid')).toBe('true');
    // Both languages are listed, and picking English edits the English text.
    const items = screen.getAllByTestId('template-item');
    expect(items.map((b) => b.dataset.language)).toEqual(['id', 'en']);
    await fireEvent.click(items[1]!);
    expect((screen.getByTestId('template-body') as HTMLTextAreaElement).value).toBe('Hello {name}');
  });
});

describe('the gateway tab', () => {
  it('never fills the token back, shows the pause and resumes by saving again', async () => {
    const set: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'notify_gateways') return [gateway];
      if (cmd === 'notify_gateway_set') {
        set.push(args);
        return { ...gateway, paused_reason: null };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Gateway);
    const token = (await screen.findByTestId('gateway-token')) as HTMLInputElement;
    expect(token.value).toBe('');
    expect(token.type).toBe('password');
    expect(screen.getByTestId('gateway-paused').textContent).toContain('device disconnected');
    await fireEvent.click(screen.getByTestId('gateway-resume'));
    await waitFor(() => expect(set).toEqual([{ kind: 'fonnte' }]));
  });
});

describe('the reminders tab', () => {
  it('shows each automatic message as its setting and saves a switch as on or off', async () => {
    const set: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'notify_reminders') return [{ rule: 'before_due', enabled: false, days: 3, every_days: null }];
      if (cmd === 'settings_get')
        return [
          { key: 'notify_invoice_issued', value: 'on' },
          { key: 'notify_payment_received', value: 'off' },
          { key: 'notify_isolir', value: 'off' },
        ];
      if (cmd === 'settings_set') {
        set.push(args);
        return args;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    render(Reminders);
    const isolir = (await screen.findByTestId('auto-notify_isolir')) as HTMLInputElement;
    expect(isolir.checked).toBe(false);
    expect((screen.getByTestId('auto-notify_invoice_issued') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(isolir);
    await waitFor(() => expect(set).toEqual([{ key: 'notify_isolir', value: 'on' }]));
    expect(isolir.checked).toBe(true);
  });
});

describe('the outbox', () => {
  it('marks a message another desk queued (it arrived by sync) and not this desk\'s own', async () => {
    const base: OutboxMessage = {
      id: 1, uuid: 'm-1', customer_id: 'c1', customer_name: 'Budi', recipient: '+6281234567890', kind: 'free_text',
      template: null, body: 'Halo Budi', status: 'queued', attempts: 0, next_attempt_at: '2026-12-01T10:00:00Z',
      gateway: null, gateway_message_id: null, last_error: null, batch: null, created_at: '2026-12-01T10:00:00Z',
      created_by: 'pemilik', updated_at: '2026-12-01T10:00:00Z', sent_at: null, origin: null, attempt_log: [],
    };
    mockIPC((cmd) => {
      if (cmd === 'notify_outbox') return [{ ...base, id: 2, uuid: 'm-2', body: 'Dari meja 2', origin: '01a2-desk-2' }, base];
      throw new Error(`unexpected ${cmd}`);
    });
    render(Outbox);
    await waitFor(() => expect(screen.getAllByTestId('outbox-row')).toHaveLength(2));
    const marks = screen.getAllByTestId('outbox-origin');
    expect(marks).toHaveLength(1);
    expect(marks[0]!.textContent).toBe('dari meja lain');
    expect(marks[0]!.getAttribute('title')).toBe('01a2-desk-2');
    expect(marks[0]!.closest('tr')!.dataset.id).toBe('2');
  });
});
