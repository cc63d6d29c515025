// The first run's demo shop: a newcomer who ticks it sees a full list at
// once. Its screens are the README's pictures (docs/screenshots/ holds
// copies of demo-customers.png, demo-customer.png and demo-analytics.png
// from a run, as customers.png, customer.png and analytics.png).
import { browser } from '@wdio/globals';
import { signIn, click, shown, shot, all, count, waitText, clickRow } from '../helpers.mjs';

describe('the demo shop', () => {
  it('fills a new shop with generated customers', async () => {
    await signIn(undefined, { demo: true });
    await browser.waitUntil(async () => (await count('customer-row')) > 10, {
      timeout: 60_000,
      timeoutMsg: 'the demo shop shows no customers',
    });
    await waitText('stat-total', (t) => /\d/.test(t));
    await shot('demo-customers');
  });

  it("shows a customer's page", async () => {
    await clickRow((await all('customer-row'))[0]);
    await waitText('detail-name', (t) => t.length > 0);
    await shown('detail-balance');
    await shot('demo-customer');
  });

  it('draws the analytics', async () => {
    await click('nav-analytics');
    await shown('chart-new-customers');
    await shown('chart-revenue');
    await shot('demo-analytics');
  });
});
