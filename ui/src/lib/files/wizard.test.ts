import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { ImportWizard } from './wizard.svelte';
import { preview, summary } from './fixtures';

type Call = { cmd: string; args: Record<string, unknown> };

afterEach(() => clearMocks());

describe('the import wizard', () => {
  it('previews, sends the changed mapping back, and checks without saving', async () => {
    const calls: Call[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: args as Record<string, unknown> });
      if (cmd === 'import_preview') {
        const maps = (args as { mappings: { column: string; field: string | null }[] }).mappings;
        const hp = maps.find((m) => m.column === 'HP');
        return preview([
          { header: 'Nama', field: 'name', mapped: false },
          { header: 'HP', field: hp ? (hp.field as 'phone') : 'whatsapp', mapped: !!hp },
          { header: 'WA', field: 'whatsapp', mapped: false },
        ]);
      }
      if (cmd === 'import_customers') return summary();
      throw new Error(`unexpected ${cmd}`);
    });
    const w = new ImportWizard();
    await w.open('/tmp/a.csv');
    expect(w.problems).toEqual([{ kind: 'twice', field: 'whatsapp', columns: ['HP', 'WA'] }]);
    expect(w.ready).toBe(false);

    await w.setField('HP', 'phone');
    expect(calls.at(-1)?.args.mappings).toEqual([{ column: 'HP', field: 'phone' }]);
    expect(w.problems).toEqual([]);
    expect(w.ready).toBe(true);

    w.errorsFile = '/tmp/rejected.csv';
    await w.dryRun();
    const run = calls.at(-1)!;
    expect(run.cmd).toBe('import_customers');
    expect(run.args.options).toMatchObject({
      dry_run: true,
      errors_file: null,
      mappings: [{ column: 'HP', field: 'phone' }],
    });
    expect(typeof run.args.job).toBe('string');
    expect(w.checked?.rejected).toBe(1);
    expect(w.result).toBeNull();

    await w.importAll();
    expect(calls.at(-1)?.args.options).toMatchObject({ dry_run: false, errors_file: '/tmp/rejected.csv' });
    expect(w.checked).toBeNull();
    expect(w.result?.rejected).toBe(1);
    expect(w.phase).toBe('idle');
  });

  it('forgets the mapping when another file is opened', async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      asked.push((args as { mappings: unknown }).mappings);
      return preview([
        { header: 'Nama', field: 'name', mapped: false },
        { header: 'WA', field: 'whatsapp', mapped: false },
      ]);
    });
    const w = new ImportWizard();
    await w.open('/tmp/a.csv');
    await w.setField('WA', 'whatsapp');
    await w.open('/tmp/b.csv');
    expect(asked).toEqual([[], [{ column: 'WA', field: 'whatsapp' }], []]);
  });

  it('reads another sheet of a workbook with a fresh mapping', async () => {
    const asked: { sheet: unknown; mappings: unknown }[] = [];
    mockIPC((_cmd, args) => {
      const a = args as { sheet: string | null; mappings: unknown };
      asked.push({ sheet: a.sheet, mappings: a.mappings });
      return {
        ...preview([
          { header: 'Nama', field: 'name', mapped: false },
          { header: 'WA', field: 'whatsapp', mapped: false },
        ]),
        format: 'xlsx',
        encoding: null,
        delimiter: null,
        sheet: a.sheet ?? 'Pelanggan',
        sheets: ['Pelanggan', 'Lama'],
      };
    });
    const w = new ImportWizard();
    await w.open('/tmp/a.xlsx');
    await w.setField('WA', null);
    await w.setSheet('Lama');
    expect(asked).toEqual([
      { sheet: null, mappings: [] },
      { sheet: null, mappings: [{ column: 'WA', field: null }] },
      { sheet: 'Lama', mappings: [] },
    ]);
    expect(w.options(true).sheet).toBe('Lama');
  });

  it('tells a cancelled import from a failed one', async () => {
    let refuse = { code: 'cancelled', message: 'cancelled' };
    mockIPC((cmd) => {
      if (cmd === 'import_preview')
        return preview([
          { header: 'Nama', field: 'name', mapped: false },
          { header: 'WA', field: 'whatsapp', mapped: false },
        ]);
      throw refuse;
    });
    const w = new ImportWizard();
    await w.open('/tmp/a.csv');
    await w.importAll();
    expect([w.cancelled, w.error]).toEqual([true, null]);
    refuse = { code: 'file_exists', message: 'exists' };
    await w.importAll();
    expect(w.cancelled).toBe(false);
    expect(w.error?.code).toBe('file_exists');
  });

  it('shows why a file cannot be previewed', async () => {
    mockIPC(() => {
      throw { code: 'not_a_spreadsheet', message: 'x.pdf is not a CSV', field: 'file' };
    });
    const w = new ImportWizard();
    await w.open('/tmp/x.pdf');
    expect(w.preview).toBeNull();
    expect(w.error?.code).toBe('not_a_spreadsheet');
  });
});
