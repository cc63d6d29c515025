import { afterEach, describe, expect, it } from 'vitest';
import type { Activity } from '$bindings/Activity';
import { setLocale } from '$lib/paraglide/runtime.js';
import { describe as words } from './activity';

afterEach(() => setLocale('id', { reload: false }));

const base = { id: 'a', customer_id: 'c', admin: 'admin', created_at: '2026-12-01T00:00:00Z' };

describe('activity in words', () => {
  it('words a balance change with its amounts, in both languages', () => {
    const a = {
      ...base,
      action: 'balance_changed',
      details: {
        entry_id: 'e',
        type: 'debit',
        amount: '25000.00',
        previous_balance: '0.00',
        new_balance: '-25000.00',
        description: 'Pulsa',
        reference_type: null,
        reference_id: null,
      },
    } as Activity;
    expect(words(a)).toBe('Debit Rp 25.000: saldo Rp 0 → -Rp 25.000 (Pulsa)');
    setLocale('en', { reload: false });
    expect(words(a)).toBe('Debit Rp 25.000: balance Rp 0 → -Rp 25.000 (Pulsa)');
  });

  it('words each changed field with its label', () => {
    const a = {
      ...base,
      action: 'updated',
      details: { changes: { email: { before: null, after: 'a@b.id' }, status: { before: 'active', after: 'blacklisted' } } },
    } as Activity;
    expect(words(a)).toBe('Mengubah Email: (kosong) → a@b.id; Status: Aktif → Diblokir');
  });

  it('names an action this version does not know', () => {
    const a = { ...base, action: 'split', details: {} } as unknown as Activity;
    expect(words(a)).toBe('Aksi tercatat: split');
  });

  it('words a merge with the fields taken from the other customer', () => {
    const details = { customer_id: 'c-2', name: 'Sari W', whatsapp: '+6281234567890', taken: ['email', 'address'] };
    const a = { ...base, action: 'merged', details } as Activity;
    expect(words(a)).toBe('Pelanggan Sari W (+6281234567890) digabungkan ke pelanggan ini, dengan Email, Alamat darinya');
    const none = { ...base, action: 'merged', details: { ...details, taken: [] } } as Activity;
    setLocale('en', { reload: false });
    expect(words(none)).toBe('Customer Sari W (+6281234567890) merged into this one');
  });
});
