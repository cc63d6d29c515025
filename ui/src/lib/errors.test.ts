import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorBody } from '$bindings/ErrorBody';
import type { ErrorCode } from '$bindings/ErrorCode';
import { setLocale } from '$lib/paraglide/runtime.js';
import { errorText, errorWithField, fieldLabel, messages, reason, warningMessage } from './errors';

afterEach(() => setLocale('id', { reload: false }));

describe('errors in the user language', () => {
  it('words a duplicate number with its holder, in both languages', () => {
    const body: ErrorBody = {
      code: 'duplicate_whatsapp',
      message: 'WhatsApp number +6281234567890 already belongs to customer #12 (Budi Santoso)',
      field: 'whatsapp',
      holder_id: 'u-1',
      details: { kind: 'holder', id: 'u-1', local_id: 12, name: 'Budi Santoso', whatsapp: '+6281234567890' },
    };
    setLocale('id', { reload: false });
    expect(errorText(body)).toBe('Nomor ini sudah dipakai Budi Santoso (No. 12).');
    setLocale('en', { reload: false });
    expect(errorText(body)).toBe('This number already belongs to Budi Santoso (No. 12).');
  });

  it('names the typed input of an invalid number', () => {
    const body: ErrorBody = {
      code: 'invalid_whatsapp',
      message: "whatsapp: '123' is not a valid WhatsApp number",
      field: 'whatsapp',
      details: { kind: 'input', input: '123' },
    };
    expect(errorText(body)).toBe('“123” bukan nomor WhatsApp yang valid.');
  });

  it('adds the core reason where its own words are generic', () => {
    const body: ErrorBody = { code: 'validation', message: 'name: is required', field: 'name' };
    expect(reason(body)).toBe('Is required');
    expect(errorText(body)).toBe('Isian ini tidak bisa diterima. Periksa lagi. Rincian: Is required');
    expect(errorWithField(body)).toMatch(/^Nama: /);
  });

  it('has words for every code, none empty and none the English message', () => {
    const codes = Object.keys(messages) as ErrorCode[];
    expect(codes.length).toBeGreaterThan(30);
    for (const code of codes) {
      const text = messages[code]({ code, message: 'English text' });
      expect(text, code).not.toBe('');
      expect(text, code).not.toContain('English text');
    }
  });

  it('labels core field names and keeps unknown ones', () => {
    expect(fieldLabel('initial_balance')).toBe('Saldo awal');
    expect(fieldLabel('whatever')).toBe('whatever');
  });

  it('words known warnings and keeps the sentence of unknown ones', () => {
    expect(warningMessage({ code: 'not_mobile', field: 'whatsapp', message: 'fixed-line' })).toBe(
      'Nomor WhatsApp ini bukan nomor seluler. fixed-line',
    );
    expect(warningMessage({ code: 'new_kind', message: 'as is' })).toBe('as is');
  });
});
