// The customer flows of issue 12 on one fresh shop: a bad number is refused
// at its field, search finds the customer by a local number, credit and
// debit move the balance and add ledger rows, a tag is added and removed,
// and a soft delete is undone from its toast (and a delete restored).
import { browser, $ } from '@wdio/globals';
import {
  signIn, click, shown, fill, shot, el, all, count, waitText, waitCount,
  openList, openCustomer, addCustomer, rupiah, text, texts, clickRow,
} from '../helpers.mjs';

const BUDI = { name: 'Budi Santoso', whatsapp: '0812-3456-7890' };

/** The balance on the customer's page, in whole rupiah. */
async function balance() {
  return rupiah(await text(el('detail-balance')));
}

/** Credits or debits through the adjust dialog; returns the new balance shown. */
async function adjust(kind, amount, description, expected) {
  const before = await count('ledger-row');
  await click(`btn-${kind}`);
  await fill('adj-amount', amount);
  await fill('adj-description', description);
  // The dialog shows the new balance before anything is written.
  await click('adj-preview');
  await waitText('adj-result', (t) => rupiah(t) === expected, `the ${kind} preview never showed ${expected}`);
  await click('adj-confirm');
  await browser.waitUntil(async () => (await balance()) === expected, {
    timeoutMsg: `the balance never became ${expected} after the ${kind}`,
  });
  await waitCount('ledger-row', before + 1, `the ${kind} added no ledger row`);
  expect((await texts('ledger-row')).some((t) => t.includes(description))).toBe(true);
}

describe('customers', () => {
  before(async () => {
    await signIn();
  });

  it('refuses a bad WhatsApp number at its field, then saves the good one', async () => {
    await openList();
    await shown('list-empty');
    await click('new-customer');
    await shown('customer-form');
    await fill('cust-name', BUDI.name);
    await fill('cust-whatsapp', '0812-34');
    await click('cust-save');
    await shown('error-cust-whatsapp');
    // Still open, nothing saved: the error is at the field.
    expect(await el('customer-form').isDisplayed()).toBe(true);
    expect((await text(el('error-cust-whatsapp'))).length).toBeGreaterThan(0);
    await shot('customer-form-error');
    await fill('cust-whatsapp', BUDI.whatsapp);
    await click('cust-save');
    await el('customer-form').waitForDisplayed({ reverse: true });
    await addCustomer({ name: 'Siti Aminah', whatsapp: '0857-1111-2222' });
    await openList();
    await waitCount('customer-row', 2);
  });

  it('finds the customer by a local number', async () => {
    await openList();
    await fill('search', '0812 3456');
    await browser.waitUntil(
      async () => {
        const rows = await all('customer-row');
        return rows.length === 1 && (await text(rows[0])).includes(BUDI.name);
      },
      { timeoutMsg: 'searching 0812 3456 did not list only Budi' },
    );
    await shot('customers-search');
    await fill('search', '');
    await waitCount('customer-row', 2, 'clearing the search did not list both again');
    await shot('customers');
  });

  it('credits and debits with the ledger updated', async () => {
    await openCustomer('08123456', BUDI.name);
    expect(await balance()).toBe(0);
    await adjust('credit', '150.000', 'Titip uang', 150000);
    await adjust('debit', '200000', 'Beli pulsa', -50000);
    await shot('customer-detail');
  });

  it('adds and removes a tag', async () => {
    await fill('tag-name', 'langganan');
    await click('tag-add');
    await shown('tag-remove-langganan');
    await browser.waitUntil(async () => (await $('[data-testid="tag-chip"][data-name="langganan"]').isDisplayed()), {
      timeoutMsg: 'the new tag shows no chip',
    });
    await click('tag-remove-langganan');
    await $('[data-testid="tag-chip"][data-name="langganan"]').waitForExist({
      reverse: true,
      timeoutMsg: 'the removed tag is still shown',
    });
  });

  it('soft-deletes, undoes from the toast, and restores a deleted customer', async () => {
    await click('btn-delete');
    // Deleted: the app may return to the list; the toast offers the undo.
    await shown('toast');
    await shot('customer-deleted-toast');
    await click('undo');
    await waitText('detail-name', BUDI.name);
    await shown('btn-delete');
    expect(await el('btn-restore').isDisplayed()).toBe(false);
    await openList();
    await fill('search', '');
    await waitCount('customer-row', 2, 'the undone delete is missing from the list');

    // Deleted again, the toast left alone: gone from the list, found among
    // the deleted, and restored from his page.
    await openCustomer('Budi', BUDI.name);
    await click('btn-delete');
    await shown('toast');
    await openList();
    await fill('search', '');
    await waitCount('customer-row', 1, 'the deleted customer is still listed');
    await fill('filter-status', 'deleted');
    await browser.waitUntil(
      async () => {
        const rows = await all('customer-row');
        return rows.length === 1 && (await text(rows[0])).includes(BUDI.name);
      },
      { timeoutMsg: 'the deleted filter does not list Budi' },
    );
    await clickRow((await all('customer-row'))[0]);
    await click('btn-restore');
    await shown('btn-delete');
    await shown('activity-row');
    expect(await count('activity-row')).toBeGreaterThan(3);
  });
});
