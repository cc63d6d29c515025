// Sync (issue 15) in the app, against the real `pelanggan-sync-server`
// binary on 127.0.0.1 (built by `make e2e`; plain HTTP on loopback, a
// SQLite file in a temp folder): the owner pairs the desk with a one-time
// code in the settings, a customer added in the app goes out with "sync
// now", and a second desk (the CLI on its own file) pulls it. The second
// desk makes the same number offline: both desks show the conflict, and
// the merge made in the app reaches the second desk. A message the second
// desk queues is listed in the app's outbox as another desk's; the owner
// makes this desk the shop's sender and the second desk then sends nothing. The second desk is
// put back from a backup: the app lists its new device as replacing the
// old one, under the same name. The owner revokes the second desk, which
// is refused. This desk is put back from its own backup in the settings:
// the notice says so, and the next round brings back what it made since. Then the server
// stops: the next round shows "offline" and keeps the change.
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signIn, click, shown, fill, shot, waitText, addCustomer, openList, all, text, el } from '../helpers.mjs';
import { ROOT } from '../driver.mjs';

const SERVER = path.join(ROOT, 'target/debug/pelanggan-sync-server');
const CLI = path.join(ROOT, 'target/debug/pelanggan');
const dir = mkdtempSync(path.join(os.tmpdir(), 'pelanggan-sync-e2e-'));
const database = path.join(dir, 'sync.db');

function invite() {
  const out = execFileSync(SERVER, ['invite', '--database', database, '--shop', 'Net Maju'], { encoding: 'utf8' });
  return out.match(/^code:\s+(\S+)/m)[1];
}

function serve() {
  const child = spawn(SERVER, ['serve', '--listen', '127.0.0.1:0', '--insecure-http', '--database', database], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, url: line.replace('listening on ', '').trim() }));
    child.once('error', reject);
  });
}

/** The CLI on the second desk's own file, its JSON answer. */
function desk2(...args) {
  return JSON.parse(execFileSync(CLI, ['--db', path.join(dir, 'desk2.db'), ...args, '--json'], { encoding: 'utf8' }));
}

describe('sync', () => {
  let server;

  before(async () => {
    for (const bin of [SERVER, CLI]) {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p pelanggan-sync-server -p pelanggan-cli`);
    }
    server = await serve();
    await signIn();
  });

  after(() => server?.child.kill());

  it('pairs the desk with a one-time code', async () => {
    await click('nav-settings');
    await shown('sync-pair-form');
    await fill('sync-url', server.url);
    await fill('sync-code', invite());
    await click('sync-pair');
    await waitText('sync-shop', (t) => t.includes('Net Maju'), 'the desk did not pair');
    await shot('sync-paired');
  });

  it('sends a customer added here; another desk receives it', async () => {
    await openList();
    await addCustomer({ name: 'Budi Sinkron', whatsapp: '0812-7777-8888' });
    await click('nav-settings');
    await click('sync-now');
    await waitText('sync-done', (t) => /Terkirim [1-9]/.test(t), 'nothing was sent');
    await waitText('sync-pending', (t) => t.endsWith(' 0'), 'changes still wait');
    desk2('sync', 'pair', server.url, invite(), '--name', 'kasir-2');
    // Before it hears of Budi, the second desk makes the same number.
    desk2('customer', 'add', '--name', 'Budi S', '--whatsapp', '0812 7777 8888', '--email', 'budi@example.com');
    desk2('sync', 'now');
    const found = desk2('customer', 'list', '--search', 'Budi Sinkron');
    expect(found.items.map((c) => c.name)).toEqual(['Budi Sinkron']);
  });

  it('shows one number made on two desks, and merges it on both', async () => {
    await click('sync-now');
    await waitText('sync-conflict-count', (t) => t.endsWith(' 1'), 'no conflict shown');
    await click('merge-open-0');
    await shown('merge-dialog');
    await waitText('merge-warning', (t) => t.includes('Budi S akan dihapus'), 'the merge does not say what goes');
    await shot('sync-merge');
    await click('merge-confirm');
    await waitText('sync-pending', (t) => !t.endsWith(' 0'), 'the merge was not recorded');
    await click('sync-now');
    await waitText('sync-pending', (t) => t.endsWith(' 0'), 'the merge did not go out');
    desk2('sync', 'now');
    expect(desk2('customer', 'duplicates')).toEqual([]);
    const kept = desk2('customer', 'list', '--search', 'Budi Sinkron');
    expect(kept.items.map((c) => c.email)).toEqual(['budi@example.com']);
  });

  it('lists a message the second desk queued, marked as from another desk', async () => {
    desk2('notify', 'send', '0812 7777 8888', '--text', 'Tagihan dari kasir 2');
    desk2('sync', 'now');
    await click('sync-now');
    await waitText('sync-done', (t) => /diterima [1-9]/.test(t), 'the message did not arrive');
    await click('nav-messages');
    await waitText('outbox-origin', 'dari meja lain', 'the message is not marked as another desk\'s');
    const row = await text(await el('outbox-row'));
    expect(row).toContain('Tagihan dari kasir 2');
    expect(row).toContain('Budi Sinkron');
    await shot('sync-outbox-other-desk');
    // The owner makes this desk the shop's sender: the second desk then sends nothing.
    await click('nav-settings');
    await click('sync-sender-this');
    await waitText('sync-pending', (t) => !t.endsWith(' 0'), 'the choice was not recorded');
    await shot('sync-sender');
    await click('sync-now');
    await waitText('sync-pending', (t) => t.endsWith(' 0'), 'the choice did not go out');
    desk2('sync', 'now');
    let refused = '';
    try {
      desk2('notify', 'run', '--until-empty');
    } catch (e) {
      refused = `${e.stdout}${e.stderr}`;
    }
    expect(refused).toContain('not_the_sender');
  });

  it('shows the second desk, put back from a backup, as a new device replacing the old one', async () => {
    const copy = path.join(dir, 'desk2-early.db');
    desk2('backup', copy);
    // After the backup the desk makes one more customer, which it sends; then its disk dies.
    desk2('customer', 'add', '--name', 'Eko Cadangan', '--whatsapp', '0815-7777-8888');
    desk2('sync', 'now');
    desk2('restore', copy);
    const round = desk2('sync', 'now');
    expect(round.replaced_device).toBeTruthy();
    // Nothing made after the backup is lost: it comes back from the server.
    expect(desk2('customer', 'list', '--search', 'Eko Cadangan').items.map((c) => c.name)).toEqual(['Eko Cadangan']);
    await click('sync-devices-load');
    await waitText('sync-devices', (t) => t.includes('diganti oleh'), 'the replaced device is not marked');
    await shot('sync-devices-replaced');
  });

  it("lists the shop's devices and revokes the second desk", async () => {
    await click('sync-devices-load');
    await waitText('sync-devices', (t) => t.includes('kasir-2') && t.includes('meja ini'), 'the devices are not listed');
    await click('sync-revoke-kasir-2');
    await shown('sync-revoke-dialog');
    await click('sync-revoke-confirm');
    await waitText('sync-devices', (t) => t.includes('dicabut'), 'the device was not revoked');
    await shot('sync-devices');
    let refused;
    try {
      desk2('sync', 'now');
    } catch (e) {
      refused = JSON.parse(e.stderr);
    }
    expect(refused?.code).toBe('sync_refused');
  });

  it('says so when this desk is put back from a backup, and loses nothing at the next round', async () => {
    const copy = path.join(dir, 'app-early.db');
    execFileSync(CLI, ['--db', process.env.E2E_DB, 'backup', copy]);
    // After the backup this desk adds a customer and sends it; then the backup is put back.
    await openList();
    await addCustomer({ name: 'Dewi Cadangan', whatsapp: '0816-7777-8888' });
    await click('nav-settings');
    await click('sync-now');
    await waitText('sync-pending', (t) => t.endsWith(' 0'), 'the customer did not go out');
    await fill('restore-path', copy);
    await fill('restore-confirm', 'PULIHKAN');
    await click('restore-run');
    await signIn();
    await click('nav-settings');
    await waitText('sync-restored', (t) => t.includes('mengirim ulang'), 'the restore is not shown as waiting');
    await (await el('sync-restored')).scrollIntoView({ block: 'center' });
    await shot('sync-restored-pending');
    await click('sync-now');
    await waitText('sync-restored', (t) => t.startsWith('Pulih dari cadangan lama'), 'the recovery is not shown');
    await shot('sync-restored-done');
    await openList();
    await fill('search', 'Dewi Cadangan');
    await browser.waitUntil(
      async () => {
        const rows = await all('customer-row');
        return rows.length === 1 && (await text(rows[0])).includes('Dewi Cadangan');
      },
      { timeoutMsg: 'the customer made after the backup is lost' },
    );
    await fill('search', '');
  });

  it('shows offline when the server does not answer, and keeps the change', async () => {
    server.child.kill();
    await openList();
    await addCustomer({ name: 'Sari Luring', whatsapp: '0813-7777-8888' });
    await click('nav-settings');
    await click('sync-now');
    await waitText('sync-badge', (t) => t === 'Luring', 'no offline badge');
    await waitText('sync-pending', (t) => !t.endsWith(' 0'), 'the change was lost');
    await shot('sync-offline');
  });
});
