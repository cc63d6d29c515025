// The app's speed in a real window (make bench-app): the release build on a
// generated shop, under Xvfb, driven over WebDriver. Times are measured inside
// the page (window.__pelangganPerf, lib/perf.ts), memory from /proc.
//
//   BENCH_CUSTOMERS   size of the generated shop (default 1000000)
//   BENCH_IMPORT_ROWS rows of the import that runs while the list is used (default 100000)
//   BENCH_DIR         where the generated shop and the import file are kept
//                     between runs (default the system temp folder); each run
//                     works on a copy, so the cached shop never changes
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { ROOT, appBinary, startDriver, isolatedProfile } from '../e2e/driver.mjs';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const DIR = path.resolve(process.env.BENCH_DIR ?? tmpdir());
const CLI = path.resolve(ROOT, process.env.PELANGGAN_CLI ?? 'target/release/pelanggan');
const application = appBinary('target/release/pelanggan-desktop');
process.env.BENCH_APP = application;
let driver = null;

/** Rows typed the way shops type them, with numbers no generated shop holds (prefix 0814). */
async function writeImportFile(file, rows) {
  const first = ['Agus', 'Sri', 'Wahyu', 'Nur', 'Eka', 'Dian', 'Rudi', 'Ayu', 'Hendra', 'Lina'];
  const last = ['Saputra', 'Wulandari', 'Hidayat', 'Siregar', 'Pratama', 'Handayani', 'Gunawan'];
  const amounts = ['0', '50000', '-25000', 'Rp 150.000', '', '1.250.000'];
  const tags = ['VIP', 'Baru', '', 'Hotspot', 'VIP, Hotspot'];
  const out = createWriteStream(file + '.partial');
  out.write('Nama;No WA;Email;Saldo;Label\n');
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(8, '0');
    const f = first[i % first.length];
    const line = `${f} ${last[(i * 7) % last.length]};0814-${n.slice(0, 4)}-${n.slice(4)};${
      i % 3 ? `${f.toLowerCase()}${i}@mail.co.id` : ''
    };${amounts[i % amounts.length]};"${tags[i % tags.length]}"\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(file + '.partial', file);
}

export const config = {
  runner: 'local',
  specs: ['./app.bench.mjs'],
  maxInstances: 1,
  capabilities: [{ 'tauri:options': { application } }],
  hostname: '127.0.0.1',
  port: 4444, // replaced in beforeSession
  logLevel: 'warn',
  waitforTimeout: 60_000,
  connectionRetryTimeout: 120_000,
  connectionRetryCount: 0,
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 30 * 60_000 },

  // Once, before the session: the cached shop and import file, and this run's copy.
  async onPrepare() {
    if (!existsSync(CLI)) throw new Error(`no CLI at ${CLI}: make bench-app builds it`);
    mkdirSync(DIR, { recursive: true });
    const shop = path.join(DIR, `pelanggan-bench-app-${CUSTOMERS}.db`);
    if (!existsSync(shop)) {
      const partial = shop + '.partial';
      for (const f of [partial, partial + '-wal', partial + '-shm']) rmSync(f, { force: true });
      console.log(`generating a shop of ${CUSTOMERS} customers in ${shop} (kept for later runs)`);
      const t = Date.now();
      execFileSync(CLI, ['--db', partial, 'gen', '--customers', String(CUSTOMERS)], { stdio: 'inherit' });
      console.log(`generated in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      renameSync(partial, shop);
    }
    const csv = path.join(DIR, `pelanggan-bench-app-import-${IMPORT_ROWS}.csv`);
    if (!existsSync(csv)) await writeImportFile(csv, IMPORT_ROWS);
    const work = path.join(DIR, `pelanggan-bench-app-run-${process.pid}.db`);
    copyFileSync(shop, work);
    process.env.BENCH_WORK_DB = work;
    process.env.BENCH_IMPORT_CSV = csv;
    process.env.BENCH_CLI = CLI;
    process.env.BENCH_CUSTOMERS_RESOLVED = String(CUSTOMERS);
    process.env.BENCH_REPORT = path.join(ROOT, 'artifacts/bench-app.md');
    mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
  },

  async beforeSession(cfg) {
    const profile = mkdtempSync(path.join(tmpdir(), 'pelanggan-bench-profile-'));
    process.env.BENCH_PROFILE = profile;
    driver = await startDriver({ PELANGGAN_DB: process.env.BENCH_WORK_DB, ...isolatedProfile(profile) });
    cfg.port = driver.port;
    process.env.BENCH_DRIVER_PID = String(driver.pid);
    // The clock for "app start": the session request that launches the app follows at once.
    process.env.BENCH_LAUNCH_MS = String(Date.now());
  },

  async afterSession() {
    driver?.stop();
    driver = null;
    if (process.env.BENCH_PROFILE) rmSync(process.env.BENCH_PROFILE, { recursive: true, force: true });
  },

  onComplete() {
    const work = process.env.BENCH_WORK_DB;
    if (work) for (const f of [work, work + '-wal', work + '-shm']) rmSync(f, { force: true });
  },
};
