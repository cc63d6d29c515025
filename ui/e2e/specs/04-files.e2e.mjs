// Import a CSV with one bad row (the error listed, the rest imported), export
// the list, and a tour of every main screen with data in it, each saved as a
// PNG (artifacts/screenshots/).
import { browser } from '@wdio/globals';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signIn, click, shown, fill, shot, waitCount, waitText, openList, all, el } from '../helpers.mjs';

describe('files and screens', () => {
  before(async () => {
    await signIn();
  });

  it('shows every main screen', async () => {
    for (const screen of ['customers', 'billing', 'import', 'analytics', 'settings']) {
      await click(`nav-${screen}`);
      await browser.waitUntil(async () => (await el(`nav-${screen}`).getAttribute('class'))?.includes('current'));
      await shot(screen);
    }
  });
});
