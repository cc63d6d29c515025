// Import a CSV with one bad row (the error listed with its line, the rest
// imported), export the list to a file, and a tour of every main screen with
// that data in it, each saved as a PNG (artifacts/screenshots/).
import { browser } from '@wdio/globals';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signIn, click, shown, fill, shot, waitCount, waitText, openList, el, text } from '../helpers.mjs';

// Line 3 (the header is line 1) has a number no region can read.
const CSV = [
  'nama,no_wa,email,saldo,tags',
  'Andi Wijaya,0812-1000-0001,andi@example.com,0,langganan',
  'Nomor Salah,12345,,,',
  'Citra Lestari,0812-1000-0003,,25000,langganan',
  'Dewi Anggraini,0812-1000-0004,,-15000,',
  'Eko Prasetyo,0812-1000-0005,,,',
].join('\r\n');
const GOOD = 4;


describe('import and export', () => {
  before(async () => {
    await signIn();
  });

  it('imports a CSV with one bad row: the error listed, the rest imported', async () => {
    const file = path.join(process.env.E2E_TMP, 'pelanggan.csv');
    writeFileSync(file, CSV + '\r\n');
    await click('nav-import');
    // Typed, not browsed: Enter in the path field opens the file.
    await fill('import-path', file);
    await browser.keys('Enter');
    await shown('import-preview');
    await waitText('import-preview', 'Andi Wijaya');
    await shot('import-preview');
    await click('import-run');
    await shown('import-result', 60_000);
    await shown('import-errors');
    const errors = await text(el('import-errors'));
    expect(errors).toContain('3');
    expect(errors).toContain('12345');
    await shot('import-result');
    await openList();
    await waitCount('customer-row', GOOD, `the list does not hold the ${GOOD} good rows`);
    await waitText('list-total', String(GOOD));
  });

  it('exports the list to a CSV file', async () => {
    const out = path.join(process.env.E2E_TMP, 'ekspor.csv');
    await click('nav-import');
    await fill('export-path', out);
    await click('export-run');
    await shown('export-result', 60_000);
    await browser.waitUntil(() => existsSync(out), { timeoutMsg: `no export at ${out}` });
    const lines = readFileSync(out, 'utf8').trim().split(/\r?\n/);
    expect(lines.length).toBe(GOOD + 1);
    expect(lines.some((l) => l.includes('Citra Lestari'))).toBe(true);
    expect(lines.some((l) => l.includes('Nomor Salah'))).toBe(false);
    await shot('export');
  });

  it('shows every main screen', async () => {
    for (const screen of ['customers', 'billing', 'import', 'analytics', 'settings']) {
      await click(`nav-${screen}`);
      await browser.waitUntil(async () => (await el(`nav-${screen}`).getAttribute('class'))?.includes('current'));
      await shot(`screen-${screen}`);
    }
    // The analytics screen once its charts have drawn the imported shop.
    await click('nav-analytics');
    await shown('chart-new-customers');
    await shot('analytics');
  });
});
