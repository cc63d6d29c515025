import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import Import from './Import.svelte';
import { preview, summary } from '$lib/files/fixtures';

afterEach(() => clearMocks());

describe('the import screen', () => {
  it('previews a typed path with its encoding, delimiter and editable mapping, then lists the dry run errors', async () => {
    const mappings: unknown[] = [];
    mockIPC((cmd, args) => {
      const a = args as { path: string; mappings: { column: string; field: string | null }[] };
      if (cmd === 'import_preview') {
        mappings.push(a.mappings);
        expect(a.path).toBe('/data/pelanggan.csv');
        const kota = a.mappings.find((m) => m.column === 'Kota');
        return preview([
          { header: 'Nama', field: 'name', mapped: false },
          { header: 'No WA', field: 'whatsapp', mapped: false },
          { header: 'Kota', field: kota ? 'address' : null, mapped: !!kota },
        ]);
      }
      if (cmd === 'import_customers') return summary();
      throw new Error(`unexpected ${cmd}`);
    });
    render(Import);

    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: '/data/pelanggan.csv' } });
    await fireEvent.click(screen.getByTestId('import-open'));

    const table = await screen.findByTestId('import-preview');
    expect(screen.getByTestId('import-encoding').textContent).toMatch(/Windows-1252/);
    expect(screen.getByTestId('import-delimiter').textContent).toMatch(/;/);
    expect(within(table).getByText('Kota-1')).toBeTruthy();
    const kota = screen.getByTestId('import-map-2') as HTMLSelectElement;
    expect(kota.value).toBe('');
    // Each select is labelled by its column's header.
    expect(screen.getByLabelText('Kota')).toBe(kota);

    await fireEvent.change(kota, { target: { value: 'address' } });
    await waitFor(() => expect(mappings.at(-1)).toEqual([{ column: 'Kota', field: 'address' }]));
    await waitFor(() => expect((screen.getByTestId('import-map-2') as HTMLSelectElement).value).toBe('address'));

    await fireEvent.click(screen.getByTestId('import-dry-run'));
    const errors = await screen.findByTestId('import-errors');
    const row = within(errors).getByText('invalid_whatsapp').closest('tr')!;
    expect(row.textContent).toContain('3');
    expect(row.textContent).toContain('not a number');
    expect(row.textContent).toContain('Bad | 123');
  });

  it('keeps the import from starting while a required field has no column', async () => {
    mockIPC(() =>
      preview([
        { header: 'Pelanggan', field: null, mapped: false },
        { header: 'WA', field: 'whatsapp', mapped: false },
      ]),
    );
    render(Import);
    await fireEvent.input(screen.getByTestId('import-path'), { target: { value: '/data/a.csv' } });
    await fireEvent.click(screen.getByTestId('import-open'));
    expect((await screen.findByTestId('import-problems')).textContent).toMatch(/Nama|Name/);
    expect((screen.getByTestId('import-run') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('import-dry-run') as HTMLButtonElement).disabled).toBe(true);
  });
});
