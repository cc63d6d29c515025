import { describe, expect, it } from 'vitest';
import type { ImportColumn } from '$bindings/ImportColumn';
import { choose, fieldOf, mappingProblems, percent, toMappings } from './mapping';
import { buildFilter, parseTags } from './export.svelte';

const col = (header: string, field: ImportColumn['field']): ImportColumn => ({ header, field, mapped: false });

describe('the column mapping', () => {
  it('is ready with a name and a WhatsApp column', () => {
    expect(mappingProblems([col('Nama', 'name'), col('HP', 'whatsapp'), col('Kota', null)])).toEqual([]);
  });

  it('names the required fields no column fills', () => {
    expect(mappingProblems([col('Pelanggan', null), col('Kota', 'address')])).toEqual([
      { kind: 'missing', field: 'name' },
      { kind: 'missing', field: 'whatsapp' },
    ]);
  });

  it('names the columns that claim one field', () => {
    expect(mappingProblems([col('Nama', 'name'), col('HP', 'whatsapp'), col('WA', 'whatsapp')])).toEqual([
      { kind: 'twice', field: 'whatsapp', columns: ['HP', 'WA'] },
    ]);
  });

  it('keeps every choice, a column left out as null', () => {
    let o = choose(new Map(), 'HP', 'phone');
    o = choose(o, 'Kota', null);
    o = choose(o, 'HP', 'whatsapp');
    expect(toMappings(o)).toEqual([
      { column: 'HP', field: 'whatsapp' },
      { column: 'Kota', field: null },
    ]);
  });

  it('reads a select value as a field or as "not imported"', () => {
    expect(fieldOf('email')).toBe('email');
    expect(fieldOf('')).toBeNull();
    expect(fieldOf('colour')).toBeNull();
  });

  it('turns progress into a percentage', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(512, 1024)).toBe(50);
    expect(percent(2000, 1024)).toBe(100);
  });
});

describe('the export filter', () => {
  it('splits tags, once each, blanks dropped', () => {
    expect(parseTags(' vip, RT 05,,Vip ,')).toEqual(['vip', 'RT 05']);
  });

  it('sends only the filters that are set', () => {
    expect(buildFilter({ search: '  budi ', status: '', balance: 'debt', tags: 'vip', allTags: false })).toEqual({
      include_deleted: false,
      search: 'budi',
      balance: 'debt',
      tags_any: ['vip'],
      tags_all: [],
    });
    expect(buildFilter({ search: '', status: 'active', balance: '', tags: 'a, b', allTags: true })).toEqual({
      include_deleted: false,
      status: 'active',
      tags_any: [],
      tags_all: ['a', 'b'],
    });
  });
});
