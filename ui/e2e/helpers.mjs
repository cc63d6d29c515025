// What the specs share: selecting by data-testid (COMMON.md's test ids),
// typing, signing in, creating a customer and saving screenshots. Every wait
// is on a condition; the only fixed pause is a frame or two before a
// screenshot, so the PNG shows the settled screen (STACK.md).
import { browser, $, $$ } from '@wdio/globals';
import path from 'node:path';
import { ROOT } from './driver.mjs';

export const OWNER = { username: 'pemilik', name: 'Ibu Pemilik', password: 'rahasia-toko-123' };

/** The element with this data-testid (an attribute selector, so ids may hold any character). */
export const el = (id) => $(`[data-testid="${id}"]`);
export const all = (id) => $$(`[data-testid="${id}"]`);

/** Waits for the element to show and returns it. */
export async function shown(id, timeout) {
  const e = await el(id);
  await e.waitForDisplayed(timeout ? { timeout } : undefined);
  return e;
}

export async function click(id) {
  const e = await shown(id);
  await e.waitForClickable();
  await e.click();
}

/**
 * Puts `text` into a field. Text inputs are typed into as a user would (the
 * input events fire key by key); a date input or a select gets its value
 * set and its input/change events dispatched, as WebKit's driver cannot type
 * into a date picker.
 */
export async function fill(id, text) {
  const e = await shown(id);
  const kind = await browser.execute((n) => n.tagName.toLowerCase() + ':' + (n.type ?? ''), e);
  if (kind.startsWith('select') || kind === 'input:date' || kind === 'input:color') {
    await browser.execute(
      (n, v) => {
        n.value = v;
        n.dispatchEvent(new Event('input', { bubbles: true }));
        n.dispatchEvent(new Event('change', { bubbles: true }));
      },
      e,
      text,
    );
    return;
  }
  await e.clearValue();
  // clearValue sets the DOM value without an input event: make the bound
  // state see the empty field before typing.
  await browser.execute((n) => n.dispatchEvent(new Event('input', { bubbles: true })), e);
  if (text) await e.addValue(text);
}

/** Waits until the element's text satisfies `test` (a string to contain, a RegExp or a function). */
export async function waitText(id, test, timeoutMsg) {
  const ok =
    typeof test === 'function' ? test : test instanceof RegExp ? (t) => test.test(t) : (t) => t.includes(test);
  let last = '';
  await browser.waitUntil(
    async () => {
      const e = await el(id);
      if (!(await e.isExisting())) return false;
      last = await text(e);
      return ok(last);
    },
    { timeoutMsg: timeoutMsg ?? `${id}: text never matched ${test} (last: "${last}")` },
  );
  return last;
}

/** Waits until exactly `n` (or a count `test` accepts) elements carry this id. */
export async function waitCount(id, test, timeoutMsg) {
  const ok = typeof test === 'function' ? test : (c) => c === test;
  let last = -1;
  await browser.waitUntil(
    async () => {
      last = (await all(id)).length;
      return ok(last);
    },
    { timeoutMsg: timeoutMsg ?? `${id}: count never matched (last: ${last})` },
  );
  return last;
}

export const count = async (id) => (await all(id)).length;

/** The texts of every element carrying this id, in document order. */
export async function texts(id) {
  const out = [];
  for (const e of await all(id)) out.push(await text(e));
  return out;
}

/**
 * An element's text as the DOM holds it, spaces collapsed. Not WebDriver's
 * getText: WebKitWebDriver leaves out the text of a cell styled with
 * `overflow: hidden; text-overflow: ellipsis` (the list's name column).
 */
export async function text(e) {
  const t = await browser.execute((n) => n.textContent ?? '', await e);
  return t.replace(/\s+/g, ' ').trim();
}

/** Saves the window as artifacts/screenshots/<name>.png once two frames have painted. */
export async function shot(name) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.pause(150);
  await repainting(() => browser.saveScreenshot(path.join(ROOT, 'artifacts/screenshots', `${name}.png`)));
}

/**
 * Runs `f` while one pixel in the window's corner changes shade every frame.
 * The app paints without accelerated compositing (src-tauri/src/webview.rs),
 * and then WebKitWebDriver's screenshot waits for the next paint: on a still
 * page it never comes (STACK.md). The pixel is the page's own background.
 */
export async function repainting(f) {
  await browser.execute(() => {
    const dot = document.createElement('div');
    dot.id = 'e2e-repaint';
    dot.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
    document.body.append(dot);
    const bg = getComputedStyle(document.body).backgroundColor;
    let odd = false;
    const tick = () => {
      if (!dot.isConnected) return;
      odd = !odd;
      dot.style.backgroundColor = bg;
      dot.style.opacity = odd ? '0.99' : '1';
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  try {
    return await f();
  } finally {
    await browser.execute(() => document.getElementById('e2e-repaint')?.remove()).catch(() => {});
  }
}

/**
 * Gets past the gate whichever it shows: the first-run owner setup on a
 * fresh database, else the login. Resolves when the main navigation shows.
 */
export async function signIn(admin = OWNER, { screenshots = false, demo = false } = {}) {
  await browser.waitUntil(
    async () =>
      (await el('setup-username').isDisplayed()) ||
      (await el('login-username').isDisplayed()) ||
      (await el('nav-customers').isDisplayed()),
    { timeout: 30_000, timeoutMsg: 'the app showed neither the owner setup, the login nor the main screen' },
  );
  if (await el('setup-username').isDisplayed()) {
    if (screenshots) await shot('setup');
    await fill('setup-username', admin.username);
    await fill('setup-name', admin.name);
    await fill('setup-password', admin.password);
    await fill('setup-password2', admin.password);
    if (demo) {
      const box = await shown('setup-demo');
      if (!(await box.isSelected())) await box.click();
    }
    await click('setup-submit');
  } else if (await el('login-username').isDisplayed()) {
    if (screenshots) await shot('login');
    await fill('login-username', admin.username);
    await fill('login-password', admin.password);
    await click('login-submit');
  }
  await shown('nav-customers', 30_000);
}

/** Opens the customer list (the main screen). */
export async function openList() {
  await click('nav-customers');
  await browser.waitUntil(
    async () => (await el('search').isDisplayed()) || (await el('list-empty').isDisplayed()),
    { timeoutMsg: 'the customer list never showed' },
  );
}

/** Adds a customer through the form; resolves once the form has closed. */
export async function addCustomer({ name, whatsapp, balance }) {
  await openList();
  await click('new-customer');
  await shown('customer-form');
  await fill('cust-name', name);
  await fill('cust-whatsapp', whatsapp);
  if (balance) await fill('cust-balance', balance);
  await click('cust-save');
  await el('customer-form').waitForDisplayed({ reverse: true, timeoutMsg: `the form for ${name} did not close` });
}

/** Opens a customer's page by searching for `term` and clicking the one row. */
export async function openCustomer(term, name) {
  await openList();
  await fill('search', term);
  await browser.waitUntil(
    async () => {
      const rows = await all('customer-row');
      return rows.length === 1 && (await text(rows[0])).includes(name);
    },
    { timeoutMsg: `searching "${term}" did not list exactly ${name}` },
  );
  await clickRow((await all('customer-row'))[0]);
  await waitText('detail-name', name);
}

/**
 * Clicks a table row as a user does, on one of its cells: WebKitWebDriver
 * calls a <tr> itself "not interactable" (a row has no box of its own).
 */
export async function clickRow(row) {
  const cell = await row.$('td');
  await ((await cell.isExisting()) ? cell : row).click();
}

/** Every amount shown in a text, in whole rupiah: "dari Rp 0 menjadi -Rp 50.000" -> [0, -50000]. */
export function amounts(text) {
  return [...text.matchAll(/(-|−)?\s*Rp\s*(\d[\d.]*)/g)].map((m) => {
    const n = Number(m[2].replace(/\./g, ''));
    return m[1] ? -n : n;
  });
}

/** The one amount of a text (the last, where a preview shows before and after). */
export function rupiah(text) {
  return amounts(text).at(-1) ?? null;
}
