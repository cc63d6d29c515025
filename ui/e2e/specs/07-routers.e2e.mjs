// Routers (issue 14): a fake RouterOS on 127.0.0.1 (crates/routeros's
// `fake_routeros` example, built by `make e2e`), added and tested in the
// app; a subscription made on it reaches the router as a PPPoE secret
// through the app's router worker; the isolir check suspends the unpaid
// subscription (the router's user switched to the isolir profile) and
// "resume now" brings it back. The fake's state is read over its REST API.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { signIn, click, shown, fill, shot, el, all, waitCount, waitText, openCustomer, addCustomer, text } from '../helpers.mjs';
import { ROOT } from '../driver.mjs';

const FAKE = path.join(ROOT, 'target/debug/examples/fake_routeros');

/** Starts the fake; resolves to its ports once it printed them. */
function startFake() {
  if (!existsSync(FAKE)) throw new Error(`${FAKE} is missing: cargo build -p pelanggan-routeros --features test-server --example fake_routeros`);
  const child = spawn(FAKE, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, ...JSON.parse(line) }));
    child.once('error', reject);
  });
}

/** The fake's PPPoE secrets, over its REST API (basic auth admin:rahasia). */
async function secrets(rest) {
  const res = await fetch(`http://127.0.0.1:${rest}/rest/ppp/secret`, {
    headers: { authorization: 'Basic ' + Buffer.from('admin:rahasia').toString('base64') },
  });
  if (!res.ok) throw new Error(`the fake answered ${res.status}`);
  return res.json();
}

async function secretOf(rest, name, test, msg) {
  let last;
  await browser.waitUntil(
    async () => {
      last = (await secrets(rest)).find((s) => s.name === name);
      return test(last);
    },
    { timeout: 20000, timeoutMsg: `${msg} (last: ${JSON.stringify(last)})` },
  );
  return last;
}

function lastMonthStart() {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
}

/** Fills the add-router form for a fake on 127.0.0.1 at `port`. */
async function fillRouter(name, port) {
  await fill('rt-name', name);
  await fill('rt-host', '127.0.0.1');
  await fill('rt-port', String(port));
  await fill('rt-user', 'admin');
  await fill('rt-password', 'rahasia');
}

describe('routers', () => {
  let fake, second;

  before(async () => {
    fake = await startFake();
    await signIn();
  });

  after(() => {
    for (const f of [fake, second]) {
      f?.child.stdin.end();
      f?.child.kill();
    }
  });

  it('adds the router and tests it', async () => {
    await click('nav-routers');
    await shown('rt-empty');
    await click('rt-add');
    await fillRouter('rw05', fake.api);
    // TLS offers the CA certificate field; this router is reached without TLS.
    await click('rt-tls');
    await shown('rt-ca');
    await shot('routers-add-tls');
    await click('rt-tls');
    await el('rt-ca').waitForDisplayed({ reverse: true, timeoutMsg: 'the CA field stays without TLS' });
    await click('rt-save');
    await waitCount('router-row', 1, 'the router is not listed');
    await click('rt-test');
    const result = await waitText('rt-test-result', '7.18.2');
    expect(result).toContain('paket-10M');
  });

  it('creates a subscription on the router, and the router gets its PPPoE secret', async () => {
    await addCustomer({ name: 'Sari Wulandari', whatsapp: '0813-2222-3333' });
    await openCustomer('Sari', 'Sari Wulandari');
    await click('btn-add-subscription');
    await fill('sub-username', 'sari-rumah');
    await fill('sub-router', 'rw05');
    // The router's profiles become a picker.
    await browser.waitUntil(async () => (await el('sub-profile').getTagName()) === 'select', {
      timeoutMsg: 'the profile never became a picker of the router profiles',
    });
    await fill('sub-profile', 'paket-10M');
    await fill('sub-price', '150000');
    await fill('sub-start', lastMonthStart());
    await click('sub-save');
    const password = await waitText('sub-generated-password', (t) => t.length >= 8);
    await shot('routers-generated-password');
    await click('sub-generated-close');
    await waitCount('subscription-row', 1);
    await browser.waitUntil(async () => (await el('sub-provisioning').getAttribute('data-status')) === 'applied', {
      timeout: 20000,
      timeoutMsg: 'the subscription never showed applied',
    });
    const secret = await secretOf(fake.rest, 'sari-rumah', (s) => s, 'the fake router has no secret sari-rumah');
    expect(secret.profile).toBe('paket-10M');
    expect(secret.password).toBe(password);
    await shot('routers-subscription-applied');
  });

  it('lists the router with what it holds', async () => {
    await click('nav-routers');
    await waitCount('router-row', 1);
    await waitText('router-queued', '0');
    // The worker talked to it: its status and version.
    await waitText('router-row', 'OK');
    expect(await text(el('router-row'))).toContain('7.18.2');
    await shot('routers-screen');
  });

  it('suspends the unpaid subscription and resumes it now', async () => {
    await click('nav-billing');
    await click('btn-issue-due');
    await shown('issue-result');
    await click('nav-routers');
    await click('rt-tab-isolir');
    await shown('isolir-empty');
    await click('isolir-check');
    await waitCount('isolir-row', 1, 'the isolir check suspended nobody');
    expect(await text((await all('isolir-row'))[0])).toContain('Sari Wulandari');
    await secretOf(fake.rest, 'sari-rumah', (s) => s?.profile === 'isolir', 'the router user was not switched to isolir');
    await shot('routers-isolir');
    await click('isolir-resume');
    await shown('isolir-empty');
    await secretOf(fake.rest, 'sari-rumah', (s) => s?.profile === 'paket-10M', 'the router user was not resumed');
  });

  it('changes the suspension rules', async () => {
    await click('rt-tab-rules');
    await fill('rt-grace', '5');
    await fill('rt-mode', 'disable');
    await click('rt-rules-save');
    await shown('rt-rules-saved');
    await shot('routers-rules');
    await click('nav-settings');
    await click('nav-routers');
    await click('rt-tab-rules');
    await browser.waitUntil(async () => (await el('rt-grace').getValue()) === '5', { timeoutMsg: 'grace days not kept' });
    expect(await el('rt-mode').getValue()).toBe('disable');
  });

  it('moves the subscription to another router with a new profile, in one save', async () => {
    // A second router (a second fake): the move removes the user from rw05 and
    // makes it on rw06 with the edit's profile.
    second = await startFake();
    await click('rt-tab-routers');
    await click('rt-add');
    await fillRouter('rw06', second.api);
    await click('rt-save');
    await waitCount('router-row', 2, 'the second router is not listed');
    await openCustomer('Sari', 'Sari Wulandari');
    await click('btn-edit-subscription');
    await fill('sub-router', 'rw06');
    await browser.waitUntil(async () => (await el('sub-profile').getTagName()) === 'select', {
      timeoutMsg: 'the profile never became a picker of rw06 profiles',
    });
    await fill('sub-profile', 'paket-20M');
    await click('sub-save');
    await browser.waitUntil(
      async () => {
        const cell = await el('sub-provisioning');
        return (await cell.getAttribute('data-status')) === 'applied' && (await text(cell)).includes('rw06');
      },
      { timeout: 20000, timeoutMsg: 'the subscription never showed applied on rw06' },
    );
    await secretOf(second.rest, 'sari-rumah', (s) => s?.profile === 'paket-20M', 'the moved user does not have the new profile');
    await secretOf(fake.rest, 'sari-rumah', (s) => s === undefined, 'the moved user is still on rw05');
    await shot('routers-subscription-moved');
  });
});
