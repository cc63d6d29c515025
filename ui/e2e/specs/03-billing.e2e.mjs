// Billing on a customer's page: a monthly subscription started last month,
// the due invoices issued, a partial payment, and the newest invoice showing
// what it carries from the earlier ones still open.
import { browser, $$ } from '@wdio/globals';
import {
  signIn, click, shown, fill, shot, el, all, waitCount, openCustomer, addCustomer, rupiah, text,
} from '../helpers.mjs';

const PRICE = 100000;
const PAID = 50000;

/** The first day of last month, YYYY-MM-DD: two periods are due by today. */
function lastMonthStart() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 10);
}

describe('billing', () => {
  let invoices = 0;

  before(async () => {
    await signIn();
    await addCustomer({ name: 'Budi Santoso', whatsapp: '0812-3456-7890' });
    await openCustomer('Budi', 'Budi Santoso');
  });

  it('adds a monthly subscription', async () => {
    await click('btn-add-subscription');
    await fill('sub-username', 'budi-rumah');
    await fill('sub-profile', '10M');
    await fill('sub-price', String(PRICE));
    await fill('sub-start', lastMonthStart());
    await click('sub-save');
    await waitCount('subscription-row', 1, 'the subscription is not listed');
    expect(await text((await all('subscription-row'))[0])).toContain('budi-rumah');
  });

  it('issues the due invoices', async () => {
    if (!(await el('btn-issue-due').isDisplayed())) {
      await click('nav-billing');
      await shown('btn-issue-due');
    }
    await click('btn-issue-due');
    await shown('issue-result');
    await shot('billing-issued');
    await openCustomer('Budi', 'Budi Santoso');
    invoices = await waitCount('invoice-row', (n) => n >= 2, 'the customer page lists fewer than two invoices');
    const balance = rupiah(await text(el('detail-balance')));
    expect(balance).toBe(-PRICE * invoices);
  });

  it('records a partial payment and shows what the newest invoice carries', async () => {
    // Pay from the page, or else from the oldest invoice: either way the
    // payment goes to the oldest open invoice.
    const numbered = [];
    for (const r of await all('invoice-row')) numbered.push([await r.getAttribute('data-number'), r]);
    numbered.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const onPage = [];
    for (const b of await $$('[data-testid="btn-pay"]')) {
      const inRow = await browser.execute((n) => !!n.closest('[data-testid="invoice-row"]'), b);
      if (!inRow && (await b.isDisplayed())) onPage.push(b);
    }
    const pay = onPage[0] ?? (await numbered[0][1].$('[data-testid="btn-pay"]'));
    await pay.click();
    await fill('pay-amount', String(PAID));
    // The preview shows the balance after the payment before it is recorded.
    // (pay-new-balance where the preview names it apart from the allocations.)
    const after = async () =>
      rupiah(await text((await el('pay-new-balance').isExisting()) ? el('pay-new-balance') : el('pay-preview')));
    await browser.waitUntil(async () => (await after()) === -PRICE * invoices + PAID, {
      timeoutMsg: 'the payment preview never showed the new balance',
    });
    await click('pay-confirm');
    await waitCount('payment-row', 1, 'the payment is not listed');
    await browser.waitUntil(async () => rupiah(await text(el('detail-balance'))) === -PRICE * invoices + PAID, {
      timeoutMsg: 'the balance did not move by the payment',
    });
    // The newest invoice carries what the earlier ones still owe.
    const carried = (invoices - 1) * PRICE - PAID;
    await browser.waitUntil(
      async () => {
        for (const c of await all('invoice-carried')) {
          if (rupiah(await text(c)) === carried) return true;
        }
        return false;
      },
      { timeoutMsg: `no invoice shows Rp ${carried} carried` },
    );
    await shot('customer-billing');
    await click('nav-billing');
    await shot('billing');
  });
});
