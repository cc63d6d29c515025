// End-to-end tests of the real app window: WebdriverIO drives the built
// binary through tauri-driver and WebKitWebDriver. Run under Xvfb:
//   xvfb-run -a -s "-screen 0 1280x800x24" npx wdio run e2e/wdio.conf.mjs   (or: make e2e)
// Each spec file is one session on a fresh temporary database (PELANGGAN_DB
// set for tauri-driver reaches the app), so specs never see each other's data.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { browser } from '@wdio/globals';
import { ROOT, appBinary, startDriver, isolatedProfile } from './driver.mjs';
import { repainting } from './helpers.mjs';

const application = appBinary();
let driver = null;

export const config = {
  runner: 'local',
  specs: ['./specs/**/*.e2e.mjs'],
  // Two cores: one app at a time.
  maxInstances: 1,
  // tauri:options alone: a browserName makes tauri-driver refuse the session.
  capabilities: [{ 'tauri:options': { application } }],
  hostname: '127.0.0.1',
  port: 4444, // replaced in beforeSession by the spawned driver's free port
  logLevel: 'warn',
  bail: 0,
  waitforTimeout: 15_000,
  // An app that crashes at start never answers the session POST: give up
  // after a minute instead of wdio's default 2 minutes times 3 retries.
  connectionRetryTimeout: 60_000,
  connectionRetryCount: 0,
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 120_000 },

  async beforeSession(cfg) {
    const tmp = mkdtempSync(path.join(tmpdir(), 'pelanggan-e2e-'));
    process.env.E2E_TMP = tmp;
    process.env.E2E_DB = path.join(tmp, 'shop.db');
    mkdirSync(path.join(ROOT, 'artifacts/screenshots'), { recursive: true });
    driver = await startDriver({ PELANGGAN_DB: process.env.E2E_DB, ...isolatedProfile(tmp) });
    cfg.port = driver.port;
  },

  // A failed test leaves a picture of the window behind, to see why.
  async afterTest(test, _context, { passed }) {
    if (passed) return;
    const name = `failed-${test.parent}-${test.title}`.replace(/[^a-z0-9]+/gi, '-').slice(0, 120);
    await repainting(() => browser.saveScreenshot(path.join(ROOT, 'artifacts/screenshots', `${name}.png`))).catch(() => {});
  },

  async afterSession() {
    driver?.stop();
    driver = null;
    if (process.env.E2E_TMP && !process.env.E2E_KEEP) {
      rmSync(process.env.E2E_TMP, { recursive: true, force: true });
    }
  },
};
