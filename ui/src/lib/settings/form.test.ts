import { describe, expect, it } from 'vitest';
import { AppError } from '$lib/api';
import type { Setting } from '$bindings/Setting';
import { changedKeys, confirms, saveChanged, toDraft } from './form';

const settings: Setting[] = [
  { key: 'language', value: 'id' },
  { key: 'shop_name', value: 'Toko Maju' },
  { key: 'lock_minutes', value: '15' },
  { key: 'printer_address', value: '' },
];

describe('the settings form', () => {
  it('reads the settings it edits, absent ones empty', () => {
    const draft = toDraft(settings);
    expect(draft.language).toBe('id');
    expect(draft.backup_dir).toBe('');
  });

  it('saves only what changed and keeps each refusal at its key', async () => {
    const original = toDraft(settings);
    const draft = toDraft(settings);
    draft.language = 'EN';
    draft.lock_minutes = '0';
    draft.shop_name = ' Toko Maju ';
    const calls: string[] = [];
    const result = await saveChanged(original, draft, async (key, value) => {
      calls.push(key);
      if (key === 'lock_minutes') throw new AppError({ code: 'validation', message: 'bad', field: 'value' });
      return { key, value: value.trim().toLowerCase() };
    });
    expect(calls).toEqual(['language', 'lock_minutes']);
    expect(result.saved).toEqual(['language']);
    expect(result.errors.lock_minutes?.code).toBe('validation');
    // The stored (normalised) value is the new baseline; the refused one stays changed.
    expect(draft.language).toBe('en');
    expect(changedKeys(original, draft)).toEqual(['lock_minutes']);
  });

  it('confirms a restore only with the word typed', () => {
    expect(confirms(' pulihkan ', 'PULIHKAN')).toBe(true);
    expect(confirms('PULIH', 'PULIHKAN')).toBe(false);
    expect(confirms('', 'PULIHKAN')).toBe(false);
  });
});
