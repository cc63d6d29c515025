// WhatsApp (issue 13) in the app, against a fake Fonnte-style gateway on
// 127.0.0.1 that this spec starts: it answers {"status":true,"id":[..]} and
// records every request. The gateway is set in the app, a test message and a
// message to one customer go out through the app's background sender, a bulk
// send to a tag is counted first, then queued; the fake saw the right
// target, message and Authorization header. Screenshots of every tab.
import http from 'node:http';
import { browser, $ } from '@wdio/globals';
import {
  signIn, click, shown, fill, shot, el, all, waitText, waitCount, openCustomer, openList, addCustomer, text,
} from '../helpers.mjs';

const TOKEN = 'tok-rahasia-123';
const received = [];
let server;
let url;

function startFake() {
  let next = 1000;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      received.push({ path: req.url, authorization: req.headers.authorization, form });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'success! message in queue', id: [String(next++)], process: 'pending', status: true, target: [form.target] }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** Waits until the fake received a message to `target` (whose text `test` accepts). */
async function receivedFor(target, test = () => true, timeoutMsg) {
  await browser.waitUntil(async () => received.some((r) => r.form.target === target && test(r.form.message ?? '')), {
    timeout: 20000,
    timeoutMsg: timeoutMsg ?? `the gateway received nothing for ${target}: ${JSON.stringify(received)}`,
  });
  return received.filter((r) => r.form.target === target);
}

describe('WhatsApp messages', () => {
  before(async () => {
    const port = await startFake();
    url = `http://127.0.0.1:${port}/send`;
    await signIn();
    // {shop_name} in the built-in texts needs the shop's name.
    await click('nav-settings');
    await fill('settings-shop-name', 'Toko Berkah');
    await click('settings-save');
    await browser.waitUntil(async () => (await el('settings-save').isEnabled()));
    await browser.pause(500);
    await addCustomer({ name: 'Budi Santoso', whatsapp: '0812-3456-7890' });
    await addCustomer({ name: 'Sari Dewi', whatsapp: '0813-1111-2222' });
    await addCustomer({ name: 'Andi Wijaya', whatsapp: '0813-3333-4444' });
    for (const [term, name] of [['Sari', 'Sari Dewi'], ['Andi', 'Andi Wijaya']]) {
      await openCustomer(term, name);
      await fill('tag-name', 'promo');
      await click('tag-add');
      await waitCount('tag-chip', 1, `${name} was not tagged`);
    }
  });

  after(() => server?.close());

  it('shows the empty outbox and no gateway', async () => {
    await click('nav-messages');
    await shown('outbox-empty');
    await shot('notify-outbox-empty');
    await click('notify-tab-gateway');
    await shown('gateway-none');
  });

  it('sets the Fonnte gateway; the token is never shown back', async () => {
    await fill('gateway-kind', 'fonnte');
    await fill('gateway-url', url);
    await fill('gateway-token', TOKEN);
    await fill('gateway-pace', '0');
    await click('gateway-save');
    await shown('gateway-saved');
    const token = await el('gateway-token');
    expect(await token.getValue()).toBe('');
    expect(await token.getAttribute('placeholder')).not.toContain(TOKEN);
    expect(await token.getAttribute('type')).toBe('password');
  });

  it('sends a test message and shows the gateway reply', async () => {
    await fill('gateway-test-to', '0812-3456-7890');
    await click('gateway-test');
    await waitText('gateway-test-reply', '"status":true');
    await shot('notify-gateway');
    const [first] = await receivedFor('6281234567890');
    expect(first.authorization).toBe(TOKEN);
    expect(first.path).toBe('/send');
  });

  it('sends a free text to one customer through the background sender', async () => {
    await openCustomer('Budi', 'Budi Santoso');
    await click('notify-mode-text');
    await fill('notify-text', 'Halo Budi, tagihan bulan ini sudah siap.');
    await click('notify-send');
    await shown('notify-queued');
    const got = await receivedFor('6281234567890', (m) => m === 'Halo Budi, tagihan bulan ini sudah siap.');
    expect(got.every((r) => r.authorization === TOKEN)).toBe(true);
    await browser.waitUntil(
      async () => {
        for (const r of await all('outbox-row')) {
          if ((await r.getAttribute('data-status')) === 'sent' && (await text(r)).includes('tagihan bulan ini')) return true;
        }
        return false;
      },
      { timeoutMsg: 'the customer history does not show the message as sent' },
    );
    await shot('notify-customer');
  });

  it('welcomes a new customer when the form asks for it', async () => {
    await openList();
    await click('new-customer');
    await shown('customer-form');
    await fill('cust-name', 'Rina Lestari');
    await fill('cust-whatsapp', '0813-5555-6666');
    await click('cust-welcome');
    await shot('notify-welcome-form');
    await click('cust-save');
    await el('customer-form').waitForDisplayed({ reverse: true, timeoutMsg: 'the form for Rina did not close' });
    const got = await receivedFor('6281355556666', (m) => m.includes('Rina Lestari') && m.includes('Toko Berkah'));
    expect(got).toHaveLength(1);
  });

  it('sends a template to the customers of a tag: the count first, then the batch', async () => {
    await openList();
    await fill('search', '');
    await fill('filter-tags', 'promo');
    await waitCount('customer-row', 2, 'the tag filter does not list two customers');
    await click('bulk-send');
    await shown('bulk-dialog');
    await browser.waitUntil(async () => (await $('[data-testid="bulk-template"] option[value="welcome"]').isExisting()), {
      timeoutMsg: 'the templates are not offered',
    });
    await fill('bulk-template', 'welcome');
    await shot('notify-bulk-open');
    await click('bulk-count-btn');
    await waitText('bulk-count', /\b2\b/);
    await shot('notify-bulk-count');
    await click('bulk-confirm');
    await waitText('bulk-result', /\b2\b/);
    await shot('notify-bulk-done');
    await click('bulk-close');
    for (const [target, name] of [['6281311112222', 'Sari Dewi'], ['6281333334444', 'Andi Wijaya']]) {
      const got = await receivedFor(target, (m) => m.includes(name) && m.includes('Toko Berkah'));
      expect(got[0].authorization).toBe(TOKEN);
    }
    expect(received.some((r) => r.form.target === '6281234567890' && r.form.message.includes('selamat datang'))).toBe(false);
  });

  it('lists every message in the outbox, filtered by status', async () => {
    await click('nav-messages');
    await waitCount('outbox-row', (n) => n >= 4, 'the outbox lists fewer than four messages');
    await fill('outbox-status', 'sent');
    await browser.waitUntil(async () => {
      const rows = await all('outbox-row');
      for (const r of rows) if ((await r.getAttribute('data-status')) !== 'sent') return false;
      return rows.length >= 4;
    }, { timeoutMsg: 'the sent filter lists other messages or misses some' });
    await shot('notify-outbox');
  });

  it('previews a template on a real customer and shows an unknown placeholder at the field', async () => {
    await click('notify-tab-templates');
    await shown('template-body');
    await $('[data-testid="template-item"][data-name="welcome"][data-language="id"]').click();
    await waitText('template-preview', 'Toko Berkah');
    await fill('template-body', 'Halo {name}, saldo {saldo}');
    await waitText('error-template-body', '{saldo}');
    await shot('notify-templates');
    await fill('template-body', 'Halo {name}, apa kabar?');
    await waitText('template-preview', /Halo \S+.*apa kabar\?/);
  });

  it('shows the reminder rules and turns the isolir notices on', async () => {
    await click('notify-tab-reminders');
    await waitCount('reminder-row', (n) => n >= 4);
    const isolir = await shown('auto-notify_isolir');
    expect(await isolir.isSelected()).toBe(false);
    await isolir.click();
    // Saved in the shop's settings: still on when the tab is loaded again.
    await click('notify-tab-outbox');
    await click('notify-tab-reminders');
    await browser.waitUntil(async () => (await shown('auto-notify_isolir')).isSelected(), {
      timeout: 10000,
      timeoutMsg: 'the isolir notices switch did not stay on',
    });
    await shot('notify-reminders');
  });
});
